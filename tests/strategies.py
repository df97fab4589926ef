"""Shared hypothesis strategies and a small, independent gradient check.

Import as ``from tests.strategies import ...`` (the repository root is on
``sys.path`` when pytest runs as ``python -m pytest`` from it).

The gradient check here is deliberately separate from ``graph.gradcheck``: the
gate tests must not depend on the engine's checker being right.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "FAST",
    "SHAPES",
    "assert_gate_gradients",
    "away_from_zero",
    "broadcast_pair",
    "fixed_dout",
    "floats_in",
    "gradient_property_tests",
    "numerical_gradient",
    "positive",
    "unary",
    "values",
    "with_gate",
]

#: Settings for property tests: few examples, small shapes, no timing, no database on disk.
FAST = settings(max_examples=40, deadline=None, database=None)

#: Small shapes: 0 to 3 dims, each side 1 to 4.
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


def floats_in(lo: float = -2.0, hi: float = 2.0) -> st.SearchStrategy[float]:
    """Finite float64 values in ``[lo, hi]``."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def positive(lo: float = 0.1, hi: float = 2.0) -> st.SearchStrategy[float]:
    """Values in ``[lo, hi]``, ``lo > 0``: safe for log, 1/x and fractional powers."""
    return floats_in(lo, hi)


def away_from_zero(lo: float = 0.1, hi: float = 2.0) -> st.SearchStrategy[float]:
    """Magnitudes in ``[lo, hi]`` with a random sign: far from the kink or pole at 0."""
    return st.one_of(floats_in(lo, hi), floats_in(-hi, -lo))


def _as_scalar_kind(arr: np.ndarray, kind: str) -> Any:
    """A 0-d array as a 0-d array, a numpy scalar or a Python float."""
    if kind == "python":
        return float(arr)
    if kind == "numpy":
        return arr[()]
    return arr


@st.composite
def values(draw: st.DrawFn, shape: Any = SHAPES, elements: st.SearchStrategy[float] | None = None) -> Any:
    """A float64 array of ``shape`` (a shape or a strategy of shapes).

    A 0-d value comes as a 0-d array, a numpy scalar or a Python float: gates
    accept all three, and a graph feeds scalars.
    """
    if isinstance(shape, st.SearchStrategy):
        shape = draw(shape)
    arr = draw(hnp.arrays(np.float64, shape, elements=floats_in() if elements is None else elements))
    if arr.ndim == 0:
        return _as_scalar_kind(arr, draw(st.sampled_from(["array", "numpy", "python"])))
    return arr


@st.composite
def broadcast_pair(
    draw: st.DrawFn,
    x_elements: st.SearchStrategy[float] | None = None,
    y_elements: st.SearchStrategy[float] | None = None,
) -> list[Any]:
    """Two float64 values whose shapes broadcast together (either may be the larger)."""
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4))
    x_shape, y_shape = shapes.input_shapes
    return [draw(values(x_shape, x_elements)), draw(values(y_shape, y_elements))]


def unary(
    elements: st.SearchStrategy[float] | None = None, shape: Any = SHAPES
) -> st.SearchStrategy[list[Any]]:
    """A one-element input list ``[x]`` for a one-input gate."""
    return values(shape, elements).map(lambda x: [x])


def with_gate(make_gate: Callable[[], Any], inputs: st.SearchStrategy[list[Any]]) -> st.SearchStrategy[Any]:
    """Pairs ``(make_gate, inputs)`` for a gate factory and a strategy of input lists."""
    return st.tuples(st.just(make_gate), inputs)


def fixed_dout(shape: tuple[int, ...], seed: int = 0) -> Any:
    """A fixed, reproducible upstream gradient of ``shape``, no element near 0.

    Magnitudes in [0.5, 1.5] with random signs; a Python float for shape ``()``.
    """
    rng = np.random.default_rng(seed)
    dout = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    return float(dout) if dout.ndim == 0 else dout


def numerical_gradient(f: Callable[[Any], Any], x: Any, eps: float = 1e-6) -> np.ndarray:
    """Central differences of scalar ``f`` at ``x``; ``x`` is never modified.

    ``f`` receives a fresh value of the same kind as ``x`` at every call (a Python
    float for a Python float, a numpy scalar for a numpy scalar, an array otherwise).
    """
    if isinstance(x, float):
        kind = "python"
    elif np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        kind = "numpy"
    else:
        kind = "array"
    point = np.array(x, dtype=np.float64)
    grad = np.zeros_like(point)
    for idx in np.ndindex(point.shape):
        original = point[idx]
        point[idx] = original + eps
        f_plus = float(f(_as_scalar_kind(point.copy(), kind)))
        point[idx] = original - eps
        f_minus = float(f(_as_scalar_kind(point.copy(), kind)))
        point[idx] = original
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad


def _is_float(x: Any) -> bool:
    return np.asarray(x).dtype.kind == "f"


def assert_gate_gradients(
    make_gate: Callable[[], Any],
    inputs: Sequence[Any],
    *,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> None:
    """Check a gate's ``backward`` against central differences of ``sum(forward * dout)``.

    ``dout`` is `fixed_dout` of the output's shape. Also checks: one gradient per
    input, each exactly shaped like its input, ``None`` for integer inputs (labels),
    and neither the inputs nor ``dout`` changed by the gate.
    """
    inputs = list(inputs)
    before = [np.array(x, copy=True) for x in inputs]
    gate = make_gate()
    out = gate.forward(*inputs)
    dout = fixed_dout(np.shape(out))
    dout_before = np.array(dout, copy=True)
    grads = gate.backward(dout)

    assert isinstance(grads, tuple), f"{gate}: backward returned {type(grads).__name__}, not a tuple"
    assert len(grads) == len(inputs), f"{gate}: {len(grads)} gradients for {len(inputs)} inputs"
    for i, x in enumerate(inputs):
        np.testing.assert_array_equal(x, before[i], err_msg=f"{gate} changed input {i}")
    np.testing.assert_array_equal(dout, dout_before, err_msg=f"{gate} changed dout")

    for i, (x, g) in enumerate(zip(inputs, grads, strict=True)):
        if not _is_float(x):
            assert g is None, f"{gate}: integer input {i} should get gradient None, got {g!r}"
            continue
        assert g is not None, f"{gate}: input {i} got gradient None"
        assert np.shape(g) == np.shape(x), (
            f"{gate}: gradient {i} has shape {np.shape(g)}, input has shape {np.shape(x)}"
        )

        def f(xi: Any, i: int = i) -> float:
            args = list(inputs)
            args[i] = xi
            return float(np.sum(make_gate().forward(*args) * dout))

        num = numerical_gradient(f, x, eps)
        np.testing.assert_allclose(
            np.asarray(g, dtype=np.float64), num, rtol=rtol, atol=atol,
            err_msg=f"{gate}: gradient of input {i} (shape {np.shape(x)}) disagrees with central differences",
        )


def gradient_property_tests(cases: list[Any]) -> tuple[Callable[..., None], Callable[..., None]]:
    """The two property tests each gate module runs over its ``cases``.

    ``cases`` holds ``pytest.param(GateClass, strategy)``, the strategy drawing
    ``(make_gate, inputs)``. The first test checks every gradient against this
    module's own central differences, the second against ``graph.gradcheck``, so
    neither checker can hide a bug of the other. Assign the pair to two
    ``test_...`` names in the test module.
    """
    import pytest

    @pytest.mark.parametrize(("cls", "drawn"), cases)
    @FAST
    @given(data=st.data())
    def test_gradients_match_central_differences(cls: type, drawn: Any, data: st.DataObject) -> None:
        make_gate, inputs = data.draw(drawn)
        assert_gate_gradients(make_gate, inputs)

    @pytest.mark.parametrize(("cls", "drawn"), cases)
    @FAST
    @given(data=st.data())
    def test_graph_gradcheck_agrees(cls: type, drawn: Any, data: st.DataObject) -> None:
        from graph import gradcheck

        make_gate, inputs = data.draw(drawn)
        assert gradcheck(make_gate(), [np.asarray(x) for x in inputs]) is True

    return test_gradients_match_central_differences, test_graph_gradcheck_agrees
