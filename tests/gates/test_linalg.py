"""Tests for gates/linalg.py: MatMul, SquaredNorm, Sum, Mean."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gates.linalg
from gates import Gate, MatMul, Mean, ShapeError, SquaredNorm, Sum
from tests.strategies import SHAPES, fixed_dout, gradient_property_tests, unary, values, with_gate

W = np.array([[0.1, 0.5], [-0.3, 0.8]])
X = np.array([0.2, 0.4])

# ------------------------------------------------------------------------ the lecture's vectorised example


def test_lecture_vectorised_example() -> None:
    # q = W x, f = ||q||^2: q = [0.22, 0.26], f = 0.116 (not 0.46);
    # grad q = 2q, grad W = 2 q x^T, grad x = 2 W^T q
    mm, sq = MatMul(), SquaredNorm()
    q = mm.forward(W, X)
    np.testing.assert_allclose(q, [0.22, 0.26], rtol=1e-12)
    f = sq.forward(q)
    assert np.shape(f) == ()
    np.testing.assert_allclose(f, 0.116, rtol=1e-12)
    (dq,) = sq.backward(1.0)
    np.testing.assert_allclose(dq, [0.44, 0.52], rtol=1e-12)
    dW, dx = mm.backward(dq)
    assert dW.shape == W.shape and dx.shape == X.shape
    np.testing.assert_allclose(dW, [[0.088, 0.176], [0.104, 0.208]], rtol=1e-12)
    np.testing.assert_allclose(dx, [-0.112, 0.636], rtol=1e-12)


# ---------------------------------------------------------------------------- MatMul

RNG = np.random.default_rng(5)
A2, B2 = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 4))
A1, B1 = RNG.standard_normal(3), RNG.standard_normal(3)


@pytest.mark.parametrize(
    ("a", "b"), [(A2, B2), (A2, B1), (A1, B2), (A1, B1)], ids=["2d@2d", "2d@1d", "1d@2d", "1d@1d"]
)
def test_matmul_matches_numpy_in_all_four_1d_2d_combinations(a: np.ndarray, b: np.ndarray) -> None:
    mm = MatMul()
    out = mm.forward(a, b)
    expected = np.matmul(a, b)
    assert np.shape(out) == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    dout = fixed_dout(expected.shape)
    da, db = mm.backward(dout)
    assert da.shape == a.shape and db.shape == b.shape
    # the 2-D rule on the operands seen as a row (left) / a column (right)
    a2, b2 = np.atleast_2d(a), (b if b.ndim == 2 else b[:, None])
    d2 = np.reshape(dout, (a2.shape[0], b2.shape[1]))
    np.testing.assert_allclose(da, (d2 @ b2.T).reshape(a.shape), rtol=1e-12)
    np.testing.assert_allclose(db, (a2.T @ d2).reshape(b.shape), rtol=1e-12)


def test_matmul_shape_error_names_the_gate_and_both_shapes() -> None:
    mm = MatMul()
    with pytest.raises(ShapeError) as info:
        mm.forward(np.ones((2, 3)), np.ones((4, 5)))
    assert str(info.value) == "MatMul: (2, 3) @ (4, 5): inner dimensions 3 != 4"
    assert isinstance(info.value, ValueError)
    info.value.node = "fc1"  # what a graph running the gate adds
    assert str(info.value) == "MatMul 'fc1': (2, 3) @ (4, 5): inner dimensions 3 != 4"


def test_matmul_shape_error_without_a_name() -> None:
    with pytest.raises(ShapeError) as info:
        MatMul().forward(np.ones(3), np.ones((2, 3)))
    message = str(info.value)
    assert "MatMul" in message and "(3,)" in message and "(2, 3)" in message, message


@pytest.mark.parametrize(
    ("a", "b", "bad"),
    [
        (np.float64(2.0), np.ones(3), "()"),
        (np.ones(3), np.array(2.0), "()"),
        (np.ones((2, 2, 3)), np.ones((3, 2)), "(2, 2, 3)"),
        (np.ones((2, 3)), np.ones((1, 3, 2)), "(1, 3, 2)"),
    ],
    ids=["0d-left", "0d-right", "3d-left", "3d-right"],
)
def test_matmul_rejects_0d_and_3d_operands(a: Any, b: Any, bad: str) -> None:
    mm = MatMul()
    with pytest.raises(ShapeError) as info:
        mm.forward(a, b)
    message = str(info.value)
    assert message.startswith("MatMul: ") and bad in message, message


def test_matmul_skips_gradients_nobody_needs() -> None:
    mm = MatMul()
    mm.forward(A2, B2)
    dout = fixed_dout((2, 4))
    da, db = mm.backward(dout, needs_input_grad=(False, True))
    assert da is None
    np.testing.assert_allclose(db, A2.T @ dout, rtol=1e-12)

    da, db = mm.backward(dout, needs_input_grad=(True, False))
    assert db is None
    np.testing.assert_allclose(da, dout @ B2.T, rtol=1e-12)


# ---------------------------------------------------------------------------- SquaredNorm, Sum, Mean


def test_squared_norm_of_a_matrix() -> None:
    sq = SquaredNorm()
    q = np.array([[1.0, -2.0], [3.0, 0.5]])
    f = sq.forward(q)
    assert np.shape(f) == ()
    assert f == 1.0 + 4.0 + 9.0 + 0.25
    (dq,) = sq.backward(3.0)
    np.testing.assert_array_equal(dq, 2 * q * 3.0)


def test_sum_and_mean_known_answers() -> None:
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    s, m = Sum(), Mean()
    assert s.forward(x) == 10.0 and np.shape(s.forward(x)) == ()
    np.testing.assert_array_equal(s.backward(2.0)[0], np.full((2, 2), 2.0))
    assert m.forward(x) == 2.5 and np.shape(m.forward(x)) == ()
    np.testing.assert_array_equal(m.backward(2.0)[0], np.full((2, 2), 0.5))


def test_sum_and_mean_along_an_axis() -> None:
    x = np.arange(6.0).reshape(2, 3)
    s0, m1 = Sum(axis=0), Mean(axis=1)
    np.testing.assert_array_equal(s0.forward(x), [3.0, 5.0, 7.0])
    (dx,) = s0.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(dx, [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(m1.forward(x), [1.0, 4.0])
    (dx,) = m1.backward(np.array([3.0, 6.0]))
    np.testing.assert_allclose(dx, [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]], rtol=1e-15)


def test_sum_gradient_is_a_fresh_writable_array() -> None:
    # a broadcast view would be read-only and alias dout across elements
    s = Sum()
    s.forward(np.ones((2, 3)))
    (dx,) = s.backward(1.0)
    dx[0, 0] = 5.0
    assert dx[1, 1] == 1.0


@pytest.mark.parametrize("make", [MatMul, SquaredNorm, Sum, Mean, lambda: Sum(axis=0), lambda: Mean(axis=1)],
                         ids=["MatMul", "SquaredNorm", "Sum", "Mean", "Sum(axis=0)", "Mean(axis=1)"])
def test_keeps_float32(make: Any) -> None:
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3)).astype(np.float32)
    gate = make()
    inputs = [x, rng.standard_normal((3, 2)).astype(np.float32)] if isinstance(gate, MatMul) else [x]
    out = gate.forward(*inputs)
    assert np.asarray(out).dtype == np.float32
    grads = gate.backward(np.ones(np.shape(out), dtype=np.float32)[()])
    assert [np.asarray(g).dtype for g in grads] == [np.float32] * len(inputs)


# ---------------------------------------------------------------------------- gradients, property-based


@st.composite
def matmul_operands(draw: st.DrawFn) -> list[np.ndarray]:
    n, d, m = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    a_shape = draw(st.sampled_from([(n, d), (d,)]))
    b_shape = draw(st.sampled_from([(d, m), (d,)]))
    return [draw(values(a_shape)), draw(values(b_shape))]


@st.composite
def reduction(draw: st.DrawFn, cls: type[Gate]) -> tuple[Any, list[Any]]:
    """A Sum/Mean over a valid int or tuple axis (negative ones included) of a 1-3-D input."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
    ndim = len(shape)
    axis = draw(st.one_of(
        st.integers(-ndim, ndim - 1),
        st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple),
    ))
    return (lambda: cls(axis=axis)), [draw(values(shape))]


CASES = [
    pytest.param(MatMul, with_gate(MatMul, matmul_operands()), id="MatMul"),
    pytest.param(SquaredNorm, with_gate(SquaredNorm, unary()), id="SquaredNorm"),
    pytest.param(Sum, with_gate(Sum, unary(shape=SHAPES)), id="Sum()"),
    pytest.param(Sum, reduction(Sum), id="Sum(axis)"),
    pytest.param(Mean, with_gate(Mean, unary(shape=SHAPES)), id="Mean()"),
    pytest.param(Mean, reduction(Mean), id="Mean(axis)"),
]


def test_every_linalg_gate_is_gradient_checked() -> None:
    checked = {p.values[0].__name__ for p in CASES}
    assert set(gates.linalg.__all__) <= checked


test_gradients_match_central_differences, test_graph_gradcheck_agrees = gradient_property_tests(CASES)


