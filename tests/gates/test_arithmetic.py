"""Tests for gates/arithmetic.py.

Add, Subtract, Multiply, Divide, Negate, Scale, AddConstant, Reciprocal, Power.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import gates.arithmetic
from gates import (
    Add,
    AddConstant,
    Divide,
    Gate,
    Multiply,
    Negate,
    Power,
    Reciprocal,
    Scale,
    ShapeError,
    Subtract,
)
from tests.strategies import (
    away_from_zero,
    broadcast_pair,
    gradient_property_tests,
    positive,
    unary,
    with_gate,
)

# ---------------------------------------------------------------------------- known answers


def test_api_example_multiply_is_the_switcher() -> None:
    mul = Multiply()
    assert mul.forward(3.0, -4.0) == -12.0
    assert mul.backward(2.0) == (-8.0, 6.0)


def test_lecture_example_x_plus_y_times_z() -> None:
    # f = (x + y) z at x=-2, y=5, z=-4: q = 3, f = -12; df/dx = df/dy = -4, df/dz = 3.
    add, mul = Add(), Multiply()
    q = add.forward(-2.0, 5.0)
    f = mul.forward(q, -4.0)
    assert q == 3.0
    assert f == -12.0
    dq, dz = mul.backward(1.0)
    assert (dq, dz) == (-4.0, 3.0)
    dx, dy = add.backward(dq)
    assert (dx, dy) == (-4.0, -4.0)


@pytest.mark.parametrize(
    ("gate", "inputs", "out", "dout", "grads"),
    [
        (Add(), (1.5, -4.0), -2.5, 3.0, (3.0, 3.0)),
        (Subtract(), (5.0, 2.0), 3.0, 1.0, (1.0, -1.0)),
        (Subtract(), (5.0, 2.0), 3.0, -2.5, (-2.5, 2.5)),
        (Multiply(), (-2.0, 5.0), -10.0, 0.5, (2.5, -1.0)),
        (Divide(), (3.0, 2.0), 1.5, 1.0, (0.5, -0.75)),
        (Divide(), (-1.0, 4.0), -0.25, 2.0, (0.5, 0.125)),
        (Negate(), (2.0,), -2.0, 3.0, (-3.0,)),
        (Scale(-1), (1.0,), -1.0, -0.53, (0.53,)),
        (Scale(2.5), (4.0,), 10.0, 2.0, (5.0,)),
        (AddConstant(1), (0.37, ), 1.37, -0.53, (-0.53,)),
        (AddConstant(-3.0), (2.0,), -1.0, 4.0, (4.0,)),
        (Reciprocal(), (4.0,), 0.25, 2.0, (-0.125,)),
        (Power(2), (3.0,), 9.0, 1.0, (6.0,)),
        (Power(3), (-2.0,), -8.0, 0.5, (6.0,)),
        (Power(0.5), (4.0,), 2.0, 1.0, (0.25,)),
        (Power(-1), (2.0,), 0.5, 1.0, (-0.25,)),
        (Power(-2), (2.0,), 0.25, 4.0, (-1.0,)),
    ],
    ids=repr,
)
def test_known_answers(gate: Gate, inputs: tuple[float, ...], out: float, dout: float,
                       grads: tuple[float, ...]) -> None:
    np.testing.assert_allclose(gate.forward(*inputs), out, rtol=1e-12)
    got = gate.backward(dout)
    assert isinstance(got, tuple) and len(got) == len(grads)
    np.testing.assert_allclose(got, grads, rtol=1e-12)


def test_lecture_reciprocal_step_of_the_sigmoid_circuit() -> None:
    # slides: 1/x at 1.37 gives 0.73, local gradient -1/1.37**2 = -0.53
    inv = Reciprocal()
    assert round(float(inv.forward(1.37)), 2) == 0.73
    np.testing.assert_allclose(inv.backward(1.0)[0], -1 / 1.37**2, rtol=1e-12)
    assert round(float(inv.backward(1.0)[0]), 2) == -0.53


def test_broadcasting_add_distributes_and_sums_back() -> None:
    add = Add()
    out = add.forward(np.zeros((2, 3)), np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(out, [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    dx, dy = add.backward(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(dx, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(dy, [3.0, 5.0, 7.0])


def test_broadcasting_multiply_column_by_row() -> None:
    mul = Multiply()
    x, y = np.array([[1.0], [2.0]]), np.array([10.0, 20.0, 30.0])
    np.testing.assert_array_equal(mul.forward(x, y), [[10.0, 20.0, 30.0], [20.0, 40.0, 60.0]])
    dx, dy = mul.backward(np.ones((2, 3)))
    assert dx.shape == (2, 1) and dy.shape == (3,)
    np.testing.assert_array_equal(dx, [[60.0], [60.0]])
    np.testing.assert_array_equal(dy, [3.0, 3.0, 3.0])


def test_broadcasting_with_a_python_scalar() -> None:
    sub, div = Subtract(), Divide()
    sub.forward(np.ones((2, 2)), 1.0)
    dx, dy = sub.backward(np.full((2, 2), 2.0))
    np.testing.assert_array_equal(dx, np.full((2, 2), 2.0))
    assert np.shape(dy) == () and dy == -8.0
    div.forward(6.0, np.array([1.0, 2.0, 3.0]))
    dx, dy = div.backward(np.ones(3))
    assert np.shape(dx) == ()
    np.testing.assert_allclose(dx, 1.0 + 0.5 + 1 / 3, rtol=1e-12)
    np.testing.assert_allclose(dy, [-6.0, -1.5, -6.0 / 9.0], rtol=1e-12)


BINARY = [Add, Subtract, Multiply, Divide]
BROADCAST_SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (3,)), ((3,), ())]
UNARY = [lambda: Negate(), lambda: Scale(-1), lambda: AddConstant(1), lambda: Reciprocal(), lambda: Power(3)]


@pytest.mark.parametrize("cls", BINARY, ids=lambda c: c.__name__)
def test_binary_gate_on_python_floats_gives_scalars(cls: type[Gate]) -> None:
    gate = cls()
    out = gate.forward(1.5, -0.5)
    assert not isinstance(out, np.ndarray) and np.shape(out) == ()
    grads = gate.backward(1.0)
    assert [np.shape(g) for g in grads] == [(), ()]


@pytest.mark.parametrize("make", UNARY, ids=lambda m: repr(m()))
def test_unary_gate_on_python_floats_gives_scalars(make: Any) -> None:
    gate = make()
    out = gate.forward(1.5)
    assert not isinstance(out, np.ndarray) and np.shape(out) == ()
    (grad,) = gate.backward(1.0)
    assert np.shape(grad) == ()


@pytest.mark.parametrize("cls", BINARY, ids=lambda c: c.__name__)
@pytest.mark.parametrize(("x_shape", "y_shape"), BROADCAST_SHAPES)
def test_binary_gate_keeps_float32(cls: type[Gate], x_shape: tuple[int, ...],
                                   y_shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(1)
    x = (rng.uniform(0.5, 1.5, x_shape)).astype(np.float32)
    y = (rng.uniform(0.5, 1.5, y_shape)).astype(np.float32)
    if y.ndim == 0:
        y = y[()]
    gate = cls()
    out = gate.forward(x, y)
    assert out.dtype == np.float32
    grads = gate.backward(np.ones(out.shape, dtype=np.float32))
    assert [np.asarray(g).dtype for g in grads] == [np.float32, np.float32]
    assert [np.shape(g) for g in grads] == [x_shape, y_shape]


@pytest.mark.parametrize("make", UNARY, ids=lambda m: repr(m()))
@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_unary_gate_keeps_float32(make: Any, shape: tuple[int, ...]) -> None:
    x = np.random.default_rng(2).uniform(0.5, 1.5, shape).astype(np.float32)
    x = x[()] if x.ndim == 0 else x
    gate = make()
    out = gate.forward(x)
    assert np.asarray(out).dtype == np.float32
    (grad,) = gate.backward(np.ones(shape, dtype=np.float32)[()])
    assert np.asarray(grad).dtype == np.float32
    assert np.shape(grad) == shape


@pytest.mark.parametrize("cls", BINARY, ids=lambda c: c.__name__)
def test_binary_gate_shape_mismatch_is_a_shape_error(cls: type[Gate]) -> None:
    # every shape mismatch is a gates.ShapeError naming the gate, the inputs and both shapes
    # (a graph adds the node's name: tests/graph/test_computational_graph.py).
    gate = cls()
    with pytest.raises(ShapeError) as info:
        gate.forward(np.ones((2, 3)), np.ones(4))
    message = str(info.value)
    assert message.startswith(f"{cls.__name__}: input 0 of shape (2, 3) and input 1 of shape (4,)"), message
    assert info.value.gate is gate


# ---------------------------------------------------------------------------- gradients, property-based

CASES = [
    pytest.param(Add, with_gate(Add, broadcast_pair()), id="Add"),
    pytest.param(Subtract, with_gate(Subtract, broadcast_pair()), id="Subtract"),
    pytest.param(Multiply, with_gate(Multiply, broadcast_pair()), id="Multiply"),
    pytest.param(Divide, with_gate(Divide, broadcast_pair(y_elements=away_from_zero())), id="Divide"),
    pytest.param(Negate, with_gate(Negate, unary()), id="Negate"),
    pytest.param(Scale, with_gate(lambda: Scale(-1), unary()), id="Scale(-1)"),
    pytest.param(Scale, with_gate(lambda: Scale(2.5), unary()), id="Scale(2.5)"),
    pytest.param(AddConstant, with_gate(lambda: AddConstant(1), unary()), id="AddConstant(1)"),
    pytest.param(AddConstant, with_gate(lambda: AddConstant(-0.5), unary()), id="AddConstant(-0.5)"),
    pytest.param(Reciprocal, with_gate(Reciprocal, unary(away_from_zero())), id="Reciprocal"),
    pytest.param(Power, with_gate(lambda: Power(2), unary()), id="Power(2)"),
    pytest.param(Power, with_gate(lambda: Power(3), unary(away_from_zero())), id="Power(3)"),
    pytest.param(Power, with_gate(lambda: Power(-1), unary(away_from_zero())), id="Power(-1)"),
    pytest.param(Power, with_gate(lambda: Power(-2), unary(away_from_zero())), id="Power(-2)"),
    pytest.param(Power, with_gate(lambda: Power(0.5), unary(positive())), id="Power(0.5)"),
    pytest.param(Power, with_gate(lambda: Power(1.5), unary(positive())), id="Power(1.5)"),
]


def test_every_arithmetic_gate_is_gradient_checked() -> None:
    checked = {p.values[0].__name__ for p in CASES}
    assert set(gates.arithmetic.__all__) <= checked


test_gradients_match_central_differences, test_graph_gradcheck_agrees = gradient_property_tests(CASES)


