"""Random bad values into every public gate and into a graph: a documented error or the right answer.

Values of every kind (Python numbers, huge integers, booleans, strings, None,
objects, complex numbers, lists, ragged lists; arrays of float16/32/64, ints,
uint8, bools, complex, objects, text; 0 to 3 dimensions, empty ones included;
nan and ±inf) go into each gate's ``forward`` directly and through a
`ComputationalGraph`. An independent oracle written with numpy says what must
happen:

- values that are not real numbers: a ``TypeError`` (or ``FeedError``, for a
  ragged list or an integer beyond float64) naming the gate or the input;
- shapes that do not fit, labels that are not labels: a ``ShapeError``,
  ``TypeError`` or ``ValueError`` naming the gate;
- anything else: the value numpy computes in float64, in the inputs' float
  dtype (float16 stays float16), nan and inf where numpy has them; and a
  ``backward`` whose gradients have the inputs' shapes and dtypes.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gates
from gates import Gate, ShapeError
from graph import ComputationalGraph, FeedError, Input

SETTINGS = settings(max_examples=60, deadline=None, database=None)


# ---------------------------------------------------------------------------- the oracle

class NotRealError(Exception):
    """The oracle's verdict: this value is not a real number, so a TypeError must name it."""


class RaggedError(Exception):
    """The oracle's verdict: a ragged list, which is no array at all."""


class MisfitError(Exception):
    """The oracle's verdict: shapes or labels that do not fit the gate."""


def real(x: Any) -> np.ndarray:
    """``x`` as float64, as gates promise to compute on it, or a verdict saying why it cannot be."""
    if isinstance(x, int) and not isinstance(x, bool) and abs(x) > 2**1023 * 2:
        raise NotRealError("beyond float64")
    try:
        array = np.asarray(x)
    except ValueError:
        raise RaggedError from None
    if array.dtype.kind == "O" and array.size and all(type(v) is int for v in array.flat):
        return array.astype(np.float64)
    if array.dtype.kind not in "biuf":
        raise NotRealError(str(array.dtype))
    return array.astype(np.float64)


def float_dtype(*xs: Any) -> np.dtype:
    """The dtype a gate computes in, by numpy's rules: Python numbers are weak, ints and bools are float64."""
    strong = []
    for x in xs:
        if isinstance(x, (np.ndarray, np.generic, list, tuple)):
            dtype = np.asarray(x).dtype
            strong.append(dtype if dtype.kind == "f" else np.dtype(np.float64))
    return np.result_type(*strong) if strong else np.dtype(np.float64)


def as_fed(x: Any, requires_grad: bool) -> Any:
    """``x`` as a graph's Input hands it to its gate: ints and bools as float64, 0-d float64
    as a Python float. Values that are not real numbers are left for the oracle to refuse."""
    try:
        real(x)
    except (NotRealError, RaggedError):
        return x
    if type(x) is float:
        return x
    array = np.asarray(x)
    if requires_grad and array.dtype.kind != "f":
        array = real(array)
    if array.ndim == 0:
        return float(array) if array.dtype == np.float64 else array[()]
    return array


def softmax_ce(s: np.ndarray, y: np.ndarray) -> Any:
    m = s.max(axis=1, keepdims=True) if s.size else np.zeros((len(s), 1))
    rows = np.arange(len(y))
    return np.mean(np.log(np.exp(s - m).sum(axis=1)) - (s - m)[rows, y])


def svm(s: np.ndarray, y: np.ndarray) -> Any:
    rows = np.arange(len(y))
    margins = np.maximum(0.0, s - s[rows, y][:, None] + 1.0)
    margins[rows, y] = 0.0
    return np.mean(margins.sum(axis=1))


def sigmoid(x: np.ndarray) -> Any:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def matmul(a: np.ndarray, b: np.ndarray) -> Any:
    if not (a.ndim in (1, 2) and b.ndim in (1, 2)) or a.shape[-1] != b.shape[0]:
        raise MisfitError
    return a @ b


def reduce_axis0(f: Callable[..., Any]) -> Callable[[np.ndarray], Any]:
    def on_axis0(x: np.ndarray) -> Any:
        try:
            return f(x, axis=0)  # (numpy lets a 0-d array take axis 0)
        except ValueError:  # numpy's AxisError
            raise MisfitError from None
    return on_axis0


def broadcast(f: Callable[[Any, Any], Any]) -> Callable[[np.ndarray, np.ndarray], Any]:
    def checked(x: np.ndarray, y: np.ndarray) -> Any:
        try:
            np.broadcast_shapes(x.shape, y.shape)
        except ValueError:
            raise MisfitError from None
        return f(x, y)
    return checked


@dataclass(frozen=True)
class Case:
    """A gate, how to make it, and its reference in float64 numpy."""

    name: str
    make: Callable[[], Gate]
    reference: Callable[..., Any]
    inputs: int = 1
    loss: bool = False
    #: Inputs where numpy itself has two answers, left out: (-inf)**0.5 is nan in float32/64 (numpy takes
    #: the square root) but inf in float16 (C's pow).
    numpy_disagrees: Callable[[list[Any]], bool] = lambda inputs: False


CASES = [
    Case("Add", gates.Add, broadcast(np.add), 2),
    Case("Subtract", gates.Subtract, broadcast(np.subtract), 2),
    Case("Multiply", gates.Multiply, broadcast(np.multiply), 2),
    Case("Divide", gates.Divide, broadcast(np.divide), 2),
    Case("Max", gates.Max, broadcast(np.maximum), 2),
    Case("MatMul", gates.MatMul, matmul, 2),
    Case("Negate", gates.Negate, np.negative),
    Case("Scale", lambda: gates.Scale(-2.5), lambda x: -2.5 * x),
    Case("AddConstant", lambda: gates.AddConstant(1), lambda x: x + 1.0),
    Case("Reciprocal", gates.Reciprocal, lambda x: 1.0 / x),
    Case("Power3", lambda: gates.Power(3), lambda x: x**3),
    Case("PowerHalf", lambda: gates.Power(0.5), np.sqrt,
         numpy_disagrees=lambda inputs: float_dtype(*inputs) == np.float16
         and -np.inf in np.asarray(inputs[0])),
    Case("Power0", lambda: gates.Power(0), lambda x: np.ones_like(x)),
    Case("Exp", gates.Exp, np.exp),
    Case("Log", gates.Log, np.log),
    Case("Sigmoid", gates.Sigmoid, sigmoid),
    Case("Tanh", gates.Tanh, np.tanh),
    Case("ReLU", gates.ReLU, lambda x: np.maximum(x, 0.0)),
    Case("LeakyReLU", gates.LeakyReLU, lambda x: np.where(x > 0, x, 0.01 * x)),
    Case("ELU", gates.ELU, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))),
    Case("SquaredNorm", gates.SquaredNorm, lambda x: np.sum(x * x)),
    Case("Sum", gates.Sum, np.sum),
    Case("Mean", gates.Mean, np.mean),
    Case("Sum0", lambda: gates.Sum(axis=0), reduce_axis0(np.sum)),
    Case("Mean0", lambda: gates.Mean(axis=0), reduce_axis0(np.mean)),
    Case("SoftmaxCrossEntropy", gates.SoftmaxCrossEntropy, softmax_ce, 2, loss=True),
    Case("SVMLoss", gates.SVMLoss, svm, 2, loss=True),
]


def test_the_cases_cover_every_public_gate() -> None:
    public = {obj for obj in vars(gates).values()
              if isinstance(obj, type) and issubclass(obj, Gate) and obj is not Gate}
    assert {type(case.make()) for case in CASES} == public


def expected(case: Case, inputs: list[Any]) -> Any:
    """What the gate must give for ``inputs``: a value, or the class of verdict for an error."""
    if case.loss:
        scores, labels = real(inputs[0]), np.asarray(inputs[1])
        if scores.ndim != 2 or scores.shape[1] == 0 or labels.shape != scores.shape[:1]:
            raise MisfitError
        if labels.dtype.kind not in "iu" or ((labels < 0) | (labels >= scores.shape[1])).any():
            raise MisfitError
        dtype = float_dtype(inputs[0])
        return np.asarray(case.reference(scores, labels)).astype(dtype)
    arrays = [real(x) for x in inputs]
    dtype = float_dtype(*inputs)
    # A Python number is weak: numpy first casts it to the other operands' dtype (65520 is inf in float16).
    arrays = [a.astype(dtype).astype(np.float64) if isinstance(x, (int, float)) else a
              for a, x in zip(arrays, inputs, strict=True)]
    return np.asarray(case.reference(*arrays)).astype(dtype)


def oracle(case: Case, inputs: list[Any]) -> tuple[str, Any]:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return "value", expected(case, inputs)
        except NotRealError:
            return "not real", None
        except RaggedError:
            return "ragged", None
        except MisfitError:
            return "misfit", None


# ---------------------------------------------------------------------------- the values

FLOATS = st.one_of(st.floats(-100, 100), st.sampled_from([0.0, -0.0, np.nan, np.inf, -np.inf]))
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)


@st.composite
def arrays(draw: st.DrawFn, shape: Any = None) -> np.ndarray:
    shape = draw(SHAPES) if shape is None else shape
    dtype = draw(st.sampled_from(["float64", "float64", "float32", "float16", "int8", "int64", "uint8",
                                  "bool", "complex128", "object", "U3"]))
    if dtype.startswith("float"):
        return draw(hnp.arrays(dtype, shape, elements=FLOATS.map(lambda v: np.dtype(dtype).type(v))))
    if dtype == "object":
        return draw(hnp.arrays(object, shape, elements=st.sampled_from([1.0, None, "a"])))
    return draw(hnp.arrays(dtype, shape))


SCALARS = st.one_of(
    FLOATS, st.integers(-5, 5), st.sampled_from([2**70, -(2**70), 10**400, True, False]),
    st.sampled_from(["a", b"a", None, object(), 1j, np.complex128(1j), np.float16(1.5), np.float32(-2.5),
                     np.int8(100), np.bool_(True)]),
    st.lists(st.floats(-5, 5), min_size=1, max_size=3), st.just([[1.0], [1.0, 2.0]]),
)


@st.composite
def inputs_for(draw: st.DrawFn, case: Case) -> list[Any]:
    if case.loss:
        n, c = draw(st.integers(0, 3)), draw(st.integers(0, 3))
        scores = draw(st.one_of(arrays((n, c)), arrays(), SCALARS))
        labels = draw(st.one_of(hnp.arrays(np.int64, (n,), elements=st.integers(-1, c)),
                                hnp.arrays(np.int64, (n,), elements=st.integers(0, max(c - 1, 0))),
                                arrays()))
        return [scores, labels]
    if case.inputs == 2 and draw(st.booleans()):  # shapes that broadcast, to reach the arithmetic
        pair = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
        return [draw(arrays(shape)) for shape in pair.input_shapes]
    return [draw(st.one_of(arrays(), SCALARS)) for _ in range(case.inputs)]


# ---------------------------------------------------------------------------- the checks

def _tolerance(dtype: np.dtype) -> dict[str, float]:
    return {"float16": {"rtol": 2e-2, "atol": 2e-2}, "float32": {"rtol": 1e-4, "atol": 1e-5}}.get(
        dtype.name, {"rtol": 1e-9, "atol": 1e-12})


def assert_same_value(actual: Any, want: np.ndarray, graph: bool = False) -> None:
    assert np.shape(actual) == want.shape, (np.shape(actual), want.shape)
    if graph and want.shape == ():
        assert type(actual) is float  # a graph's 0-d output is a Python float
    elif isinstance(actual, (np.ndarray, np.generic)):
        assert actual.dtype == want.dtype, (actual.dtype, want.dtype)
    else:
        assert type(actual) is float and want.dtype == np.float64, (type(actual), want.dtype)
    np.testing.assert_allclose(np.asarray(actual, np.float64), want.astype(np.float64), equal_nan=True,
                               **_tolerance(want.dtype))


def assert_documented_error(exc: BaseException, verdict: str, names: tuple[str, ...]) -> None:
    allowed: dict[str, tuple[type[BaseException], ...]] = {
        "not real": (TypeError, FeedError, ValueError), "ragged": (ShapeError, FeedError),
        "misfit": (ShapeError, TypeError, ValueError)}
    assert isinstance(exc, allowed[verdict]), f"{verdict}: {type(exc).__name__}: {exc}"
    assert any(name in str(exc) for name in names), f"{exc} names none of {names}"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@SETTINGS
@given(data=st.data())
def test_a_gate_gives_a_documented_error_or_the_right_answer(case: Case, data: st.DataObject) -> None:
    inputs = data.draw(inputs_for(case))
    verdict, want = oracle(case, inputs)
    assume(verdict != "value" or not case.numpy_disagrees(inputs))
    gate = case.make()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            out = gate.forward(*inputs)
        except Exception as exc:  # (judged below)
            assert verdict != "value", f"{case.name}{tuple(inputs)!r:.200}: {type(exc).__name__}: {exc}"
            assert_documented_error(exc, verdict, (type(gate).__name__,))
            return
        assert verdict == "value", f"{case.name} gave {out!r:.100} where it must refuse ({verdict})"
        assert_same_value(out, want)
        grads = gate.backward(np.ones(np.shape(out), want.dtype)[()])
    assert len(grads) == len(inputs)
    for x, g in zip(inputs, grads, strict=True):
        if case.loss and g is None:
            continue
        assert np.shape(g) == np.shape(x)
        assert np.result_type(g) == want.dtype  # the dtype the gate computed in: float16 stays float16


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@SETTINGS
@given(data=st.data())
def test_a_graph_gives_a_documented_error_or_the_right_answer(case: Case, data: st.DataObject) -> None:
    inputs = data.draw(inputs_for(case))
    leaves = [Input(f"x{i}", requires_grad=not (case.loss and i == 1)) for i in range(case.inputs)]
    fed = [as_fed(x, leaf.requires_grad) for x, leaf in zip(inputs, leaves, strict=True)]
    verdict, want = oracle(case, fed)
    assume(verdict != "value" or not case.numpy_disagrees(fed))
    g = ComputationalGraph(case.make()(*leaves, name="gate"))
    gate_name = type(g.output.gate).__name__
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            out = g.forward({f"x{i}": x for i, x in enumerate(inputs)})
        except Exception as exc:  # (judged below)
            assert verdict != "value", f"{case.name}{tuple(inputs)!r:.200}: {type(exc).__name__}: {exc}"
            assert_documented_error(exc, verdict, (gate_name, "input 'x0'", "input 'x1'"))
            return
        assert verdict == "value", f"{case.name} gave {out!r:.100} where it must refuse ({verdict})"
        assert_same_value(out, want, graph=True)
        grads = g.backward(None if np.size(out) == 1 else np.ones(np.shape(out), want.dtype))
    for i, x in enumerate(inputs):
        if leaves[i].requires_grad:
            assert np.shape(grads[f"x{i}"]) == np.shape(x)
            if np.ndim(x):  # (0-d gradients come back as Python floats); a gradient has its variable's dtype
                assert grads[f"x{i}"].dtype == np.asarray(fed[i]).dtype
