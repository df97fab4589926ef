"""Tests for gates/elementwise.py: Exp, Log, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, Max."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis.extra import numpy as hnp

import gates.elementwise
from gates import (
    ELU,
    Add,
    AddConstant,
    Exp,
    Gate,
    LeakyReLU,
    Log,
    Max,
    Multiply,
    Reciprocal,
    ReLU,
    Scale,
    ShapeError,
    Sigmoid,
    Tanh,
)
from tests.strategies import (
    FAST,
    away_from_zero,
    broadcast_pair,
    floats_in,
    gradient_property_tests,
    positive,
    unary,
    with_gate,
)

# ---------------------------------------------------------------------------- the lecture's circuits

# sigmoid neuron f = σ(w0·x0 + w1·x1 + w2) at w0=2, x0=-1, w1=-3, x1=-2, w2=-3
NEURON = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
NEURON_OUT = 0.731059
NEURON_GRADS = {"w0": -0.196612, "x0": 0.393224, "w1": -0.393224, "x1": -0.589836, "w2": 0.196612}


def _neuron(activation: list[Gate]) -> tuple[float, dict[str, float]]:
    """Run the neuron by hand with ``activation`` (a chain of one-input gates) after w·x + b."""
    v = NEURON
    m0, m1, s01, s = Multiply(), Multiply(), Add(), Add()
    z = s.forward(s01.forward(m0.forward(v["w0"], v["x0"]), m1.forward(v["w1"], v["x1"])), v["w2"])
    assert z == 1.0
    out = z
    for gate in activation:
        out = gate.forward(out)
    d = 1.0
    for gate in reversed(activation):
        (d,) = gate.backward(d)
    d01, dw2 = s.backward(d)
    d0, d1 = s01.backward(d01)
    dw0, dx0 = m0.backward(d0)
    dw1, dx1 = m1.backward(d1)
    grads = {"w0": dw0, "x0": dx0, "w1": dw1, "x1": dx1, "w2": dw2}
    return float(out), {k: float(g) for k, g in grads.items()}


def test_sigmoid_neuron_as_one_gate() -> None:
    out, grads = _neuron([Sigmoid()])
    np.testing.assert_allclose(out, NEURON_OUT, atol=5e-7)
    for name, expected in NEURON_GRADS.items():
        np.testing.assert_allclose(grads[name], expected, atol=5e-7, err_msg=name)
    np.testing.assert_allclose(out, 1 / (1 + math.exp(-1.0)), rtol=1e-15)


def test_sigmoid_neuron_as_the_decomposed_circuit() -> None:
    # the lecture's *-1, exp, +1, 1/x
    out, grads = _neuron([Scale(-1), Exp(), AddConstant(1), Reciprocal()])
    np.testing.assert_allclose(out, NEURON_OUT, atol=5e-7)
    for name, expected in NEURON_GRADS.items():
        np.testing.assert_allclose(grads[name], expected, atol=5e-7, err_msg=name)


def test_sigmoid_gate_equals_its_circuit() -> None:
    out1, grads1 = _neuron([Sigmoid()])
    out2, grads2 = _neuron([Scale(-1), Exp(), AddConstant(1), Reciprocal()])
    np.testing.assert_allclose(out1, out2, rtol=1e-14)
    for name in NEURON_GRADS:
        np.testing.assert_allclose(grads1[name], grads2[name], rtol=1e-13, err_msg=name)


def test_decomposed_sigmoid_intermediate_values_from_the_slides() -> None:
    # forward: 1 -> -1 -> 0.37 -> 1.37 -> 0.73; backward: 1 -> -0.53 -> -0.53 -> -0.20 -> 0.20
    chain = [Scale(-1), Exp(), AddConstant(1), Reciprocal()]
    values, v = [], 1.0
    for gate in chain:
        v = gate.forward(v)
        values.append(round(float(v), 2))
    assert values == [-1.0, 0.37, 1.37, 0.73]
    grads, d = [], 1.0
    for gate in reversed(chain):
        (d,) = gate.backward(d)
        grads.append(round(float(d), 2))
    assert grads == [-0.53, -0.53, -0.2, 0.2]


def test_patterns_circuit() -> None:
    # f = 2 (x y + max(z, w)) at x=3, y=-4, z=2, w=-1: f = -20; x: -8 (switcher), y: 6,
    # z: 2 (router, the larger), w: 0
    mul, mx, add, two = Multiply(), Max(), Add(), Scale(2)
    f = two.forward(add.forward(mul.forward(3.0, -4.0), mx.forward(2.0, -1.0)))
    assert f == -20.0
    (ds,) = two.backward(1.0)
    assert ds == 2.0
    dxy, dmax = add.backward(ds)
    assert (dxy, dmax) == (2.0, 2.0)
    assert mul.backward(dxy) == (-8.0, 6.0)
    assert mx.backward(dmax) == (2.0, 0.0)


# ---------------------------------------------------------------------------- Max


def test_max_routes_to_the_larger_input() -> None:
    mx = Max()
    np.testing.assert_array_equal(mx.forward(np.array([1.0, 5.0]), np.array([3.0, 2.0])), [3.0, 5.0])
    dx, dy = mx.backward(np.array([10.0, 20.0]))
    np.testing.assert_array_equal(dx, [0.0, 20.0])
    np.testing.assert_array_equal(dy, [10.0, 0.0])


def test_max_tie_splits_half_half() -> None:
    mx = Max()
    assert mx.forward(1.0, 1.0) == 1.0
    assert mx.backward(2.0) == (1.0, 1.0)
    mx.forward(np.array([-3.0, 0.0, 4.0]), np.array([-3.0, 0.0, 4.0]))
    dx, dy = mx.backward(np.array([1.0, 2.0, -6.0]))
    np.testing.assert_array_equal(dx, [0.5, 1.0, -3.0])
    np.testing.assert_array_equal(dy, [0.5, 1.0, -3.0])


def test_max_tie_with_broadcasting() -> None:
    mx = Max()
    mx.forward(np.array([[1.0, 2.0], [0.0, 1.0]]), 1.0)    # ties at (0, 0) and (1, 1)
    dx, dy = mx.backward(np.array([[4.0, 4.0], [4.0, 4.0]]))
    np.testing.assert_array_equal(dx, [[2.0, 4.0], [0.0, 2.0]])
    assert np.shape(dy) == ()
    assert dy == 2.0 + 4.0 + 2.0


def test_max_shape_mismatch_is_a_shape_error() -> None:
    # every shape mismatch is a gates.ShapeError naming the gate and both shapes.
    mx = Max()
    with pytest.raises(ShapeError) as info:
        mx.forward(np.ones((2, 3)), np.ones(4))
    message = str(info.value)
    assert "Max" in message and "(2, 3)" in message and "(4,)" in message, message


# ---------------------------------------------------------------------------- ReLU, LeakyReLU, ELU


def test_relu_gradient_is_zero_at_zero() -> None:
    relu = ReLU()
    np.testing.assert_array_equal(relu.forward(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 2.0])
    (dx,) = relu.backward(np.array([5.0, 5.0, 5.0]))
    np.testing.assert_array_equal(dx, [0.0, 0.0, 5.0])
    assert relu.forward(0.0) == 0.0
    assert relu.backward(3.0) == (0.0,)


def test_leaky_relu_default_alpha_and_kink() -> None:
    leaky = LeakyReLU()
    np.testing.assert_allclose(leaky.forward(np.array([-2.0, 0.0, 3.0])), [-0.02, 0.0, 3.0], rtol=1e-15)
    (dx,) = leaky.backward(np.array([1.0, 1.0, 2.0]))
    np.testing.assert_allclose(dx, [0.01, 0.01, 2.0], rtol=1e-15)
    leaky = LeakyReLU(alpha=0.2)
    leaky.forward(np.array([-1.0, 1.0]))
    np.testing.assert_allclose(leaky.backward(np.array([3.0, 3.0]))[0], [0.6, 3.0], rtol=1e-15)


def test_elu_known_answers_and_saturation() -> None:
    elu = ELU()
    np.testing.assert_allclose(elu.forward(np.array([-1.0, 0.0, 2.0])), [math.exp(-1) - 1, 0.0, 2.0],
                               rtol=1e-15)
    (dx,) = elu.backward(np.array([2.0, 2.0, 2.0]))
    np.testing.assert_allclose(dx, [2 * math.exp(-1), 2 * 1.0, 2.0], rtol=1e-15)  # smooth at 0: exp(0) = 1
    half = ELU(alpha=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow at either end
        assert half.forward(-1000.0) == -0.5
        assert half.backward(1.0) == (0.0,)
        assert half.forward(1000.0) == 1000.0
        assert half.backward(1.0) == (1.0,)
    assert repr(half) == "ELU(alpha=0.5)"


def test_relu_and_max_keep_nan() -> None:
    relu = ReLU()
    assert math.isnan(relu.forward(float("nan")))
    assert math.isnan(relu.forward(np.float64("nan")))
    assert math.isnan(relu.forward(np.array([np.nan]))[0])
    assert relu.forward(float("-inf")) == 0.0
    assert math.isnan(Max().forward(float("nan"), 1.0))
    assert math.isnan(Max().forward(1.0, np.array([np.nan]))[0])


# ---------------------------------------------------------------------------- Exp, Log, Tanh


def test_exp_log_tanh_known_answers() -> None:
    exp, log, tanh = Exp(), Log(), Tanh()
    assert exp.forward(0.0) == 1.0
    assert exp.backward(2.0) == (2.0,)
    np.testing.assert_allclose(exp.forward(np.array([1.0, -1.0])), [math.e, 1 / math.e], rtol=1e-15)
    np.testing.assert_allclose(exp.backward(np.array([2.0, 3.0]))[0], [2 * math.e, 3 / math.e], rtol=1e-15)
    np.testing.assert_allclose(log.forward(math.e), 1.0, rtol=1e-15)
    np.testing.assert_allclose(log.backward(2.0)[0], 2.0 / math.e, rtol=1e-15)
    log.forward(np.array([0.5, 4.0]))
    np.testing.assert_allclose(log.backward(np.array([1.0, 1.0]))[0], [2.0, 0.25], rtol=1e-15)
    assert tanh.forward(0.0) == 0.0
    assert tanh.backward(1.0) == (1.0,)
    np.testing.assert_allclose(tanh.forward(0.5), math.tanh(0.5), rtol=1e-15)
    np.testing.assert_allclose(tanh.backward(2.0)[0], 2 * (1 - math.tanh(0.5) ** 2), rtol=1e-14)


# ---------------------------------------------------------------------------- Sigmoid numerics


def test_sigmoid_known_values() -> None:
    sig = Sigmoid()
    assert sig.forward(0.0) == 0.5
    assert sig.backward(1.0) == (0.25,)
    x = np.linspace(-30.0, 30.0, 61)
    expected = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(sig.forward(x), expected, rtol=1e-14)
    # σ'(x) = σ(x) σ(-x); 1 - σ(x) would lose all digits for large x
    np.testing.assert_allclose(sig.backward(np.ones_like(x))[0], expected / (1 + np.exp(x)), rtol=1e-12)


@pytest.mark.parametrize("x", [1000.0, -1000.0, np.array([-1000.0, -800.0, 0.0, 800.0, 1000.0])], ids=repr)
def test_sigmoid_is_stable_at_extremes(x: Any) -> None:
    sig = Sigmoid()
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        out = sig.forward(x)
        (dx,) = sig.backward(np.ones(np.shape(x))[()])
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))
    assert np.all((np.asarray(out) >= 0.0) & (np.asarray(out) <= 1.0))
    np.testing.assert_allclose(out, np.where(np.asarray(x) > 0, 1.0, np.where(np.asarray(x) < 0, 0.0, 0.5)))
    np.testing.assert_allclose(dx, np.where(np.asarray(x) == 0, 0.25, 0.0), atol=1e-300)


@FAST
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=4),
                    elements=floats_in(-1000, 1000)))
def test_sigmoid_derivative_is_exactly_symmetric(x: np.ndarray) -> None:
    a, b = Sigmoid(), Sigmoid()
    out_pos, out_neg = a.forward(x), b.forward(-x)
    dout = np.ones(x.shape)[()]
    np.testing.assert_array_equal(a.backward(dout)[0], b.backward(dout)[0])
    np.testing.assert_allclose(np.asarray(out_pos) + out_neg, 1.0, rtol=1e-15)


# ---------------------------------------------------------------------------- dtypes and scalars

UNARY = [Exp, Log, Sigmoid, Tanh, ReLU, LeakyReLU, ELU]


@pytest.mark.parametrize("cls", UNARY, ids=lambda c: c.__name__)
def test_unary_gate_on_python_floats_gives_scalars(cls: type[Gate]) -> None:
    gate = cls()
    out = gate.forward(0.75)
    assert not isinstance(out, np.ndarray) and np.shape(out) == ()
    (grad,) = gate.backward(1.0)
    assert np.shape(grad) == ()


def test_max_on_python_floats_gives_scalars() -> None:
    mx = Max()
    out = mx.forward(0.5, -0.25)
    assert not isinstance(out, np.ndarray) and out == 0.5
    assert [np.shape(g) for g in mx.backward(1.0)] == [(), ()]


@pytest.mark.parametrize("cls", UNARY, ids=lambda c: c.__name__)
@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_unary_gate_keeps_float32(cls: type[Gate], shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(3)
    x = (rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)).astype(np.float32)
    if cls is Log:
        x = np.abs(x)
    x = x[()] if x.ndim == 0 else x
    gate = cls()
    out = gate.forward(x)
    assert np.asarray(out).dtype == np.float32, f"{cls.__name__} output is {np.asarray(out).dtype}"
    (grad,) = gate.backward(np.ones(shape, dtype=np.float32)[()])
    assert np.asarray(grad).dtype == np.float32, f"{cls.__name__} gradient is {np.asarray(grad).dtype}"
    assert np.shape(grad) == shape


@pytest.mark.parametrize(("x_shape", "y_shape"),
                         [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (3,)), ((3,), ())])
def test_max_keeps_float32(x_shape: tuple[int, ...], y_shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal(x_shape).astype(np.float32)
    y = rng.standard_normal(y_shape).astype(np.float32)[()]
    mx = Max()
    out = mx.forward(x, y)
    assert out.dtype == np.float32
    grads = mx.backward(np.ones(out.shape, dtype=np.float32))
    assert [np.asarray(g).dtype for g in grads] == [np.float32, np.float32]
    assert [np.shape(g) for g in grads] == [x_shape, y_shape]


# ---------------------------------------------------------------------------- gradients, property-based


def _no_ties(xy: list[Any]) -> bool:
    return bool(np.all(np.abs(np.subtract(xy[0], xy[1])) > 1e-3))


CASES = [
    pytest.param(Exp, with_gate(Exp, unary()), id="Exp"),
    pytest.param(Log, with_gate(Log, unary(positive())), id="Log"),
    pytest.param(Sigmoid, with_gate(Sigmoid, unary(floats_in(-6.0, 6.0))), id="Sigmoid"),
    pytest.param(Tanh, with_gate(Tanh, unary()), id="Tanh"),
    pytest.param(ReLU, with_gate(ReLU, unary(away_from_zero())), id="ReLU"),
    pytest.param(LeakyReLU, with_gate(LeakyReLU, unary(away_from_zero())), id="LeakyReLU()"),
    pytest.param(LeakyReLU, with_gate(lambda: LeakyReLU(alpha=0.2), unary(away_from_zero())),
                 id="LeakyReLU(0.2)"),
    pytest.param(ELU, with_gate(ELU, unary(away_from_zero())), id="ELU()"),
    pytest.param(ELU, with_gate(lambda: ELU(alpha=0.5), unary(away_from_zero())), id="ELU(0.5)"),
    pytest.param(Max, with_gate(Max, broadcast_pair().filter(_no_ties)), id="Max"),
]


def test_every_elementwise_gate_is_gradient_checked() -> None:
    checked = {p.values[0].__name__ for p in CASES}
    assert set(gates.elementwise.__all__) <= checked


test_gradients_match_central_differences, test_graph_gradcheck_agrees = gradient_property_tests(CASES)




@pytest.mark.parametrize("x", [-1e-10, -1e-17, -1e-300])
def test_elu_is_exact_near_zero(x: float) -> None:
    # exp(x) - 1 loses every digit near 0; expm1 keeps them (ELU(-1e-17) was 0, ELU(-1e-10) off by 8e-8)
    out = ELU().forward(x)
    assert out == pytest.approx(math.expm1(x), rel=1e-15)
    assert out != 0.0
