"""One answer whatever the value's type: what every gate does with unusual values.

Python floats, numpy scalars, 0-d arrays and arrays give the same numbers, inf and
nan included; integers, booleans and lists compute as the numbers they are;
anything else is a TypeError naming the gate; float16 and float32 stay so.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import gates
from gates import (
    ELU,
    Divide,
    Gate,
    LeakyReLU,
    Log,
    MatMul,
    Max,
    Mean,
    Power,
    Reciprocal,
    ReLU,
    ShapeError,
    SoftmaxCrossEntropy,
    Sum,
    SVMLoss,
)

#: Every public gate, made with the constants it needs, and how many inputs it takes.
ONE_INPUT: list[Callable[[], Gate]] = [
    gates.Negate, lambda: gates.Scale(-2), lambda: gates.AddConstant(1), gates.Reciprocal,
    lambda: gates.Power(3), lambda: gates.Power(0.5), gates.Exp, gates.Log, gates.Sigmoid, gates.Tanh,
    gates.ReLU, gates.LeakyReLU, gates.ELU, gates.SquaredNorm, gates.Sum, gates.Mean,
    lambda: gates.Sum(axis=0), lambda: gates.Mean(axis=0),
]
TWO_INPUTS: list[Callable[[], Gate]] = [gates.Add, gates.Subtract, gates.Multiply, gates.Divide, gates.Max,
                                        gates.MatMul]
LOSSES: list[Callable[[], Gate]] = [gates.SoftmaxCrossEntropy, gates.SVMLoss]


def name_of(make: Callable[[], Gate]) -> str:
    return repr(make())


def test_the_lists_cover_every_public_gate() -> None:
    public = {obj for obj in vars(gates).values()
              if isinstance(obj, type) and issubclass(obj, Gate) and obj is not Gate}
    assert {type(make()) for make in ONE_INPUT + TWO_INPUTS + LOSSES} == public


NOT_NUMBERS = [
    pytest.param("a", id="str"), pytest.param(b"a", id="bytes"), pytest.param(None, id="None"),
    pytest.param(object(), id="object"), pytest.param(1j, id="complex"),
    pytest.param(np.array([1.0 + 2j]), id="complex-array"), pytest.param(np.array(["a"]), id="str-array"),
    pytest.param(np.array([1.0], dtype=object), id="object-array"),
    pytest.param(np.array(["2020-01-01"], dtype="datetime64[D]"), id="datetime"),
    pytest.param(np.array([1], dtype="timedelta64[s]"), id="timedelta"),
]


@pytest.mark.parametrize("bad", NOT_NUMBERS)
@pytest.mark.parametrize("make", ONE_INPUT + TWO_INPUTS, ids=name_of)
def test_what_is_not_a_real_number_is_a_type_error_naming_the_gate_and_input(make: Any, bad: Any) -> None:
    gate = make()
    n = 2 if make in TWO_INPUTS else 1
    for i in range(n):
        inputs: list[Any] = [np.ones(1)] * n
        inputs[i] = bad
        with pytest.raises(TypeError, match=rf"^{type(gate).__name__}: input {i} must be real numbers"):
            gate.forward(*inputs)


@pytest.mark.parametrize("make", LOSSES, ids=name_of)
@pytest.mark.parametrize("bad", NOT_NUMBERS[:6])
def test_loss_scores_that_are_not_real_numbers_are_a_type_error(make: Any, bad: Any) -> None:
    with pytest.raises(TypeError, match=rf"^{type(make()).__name__}: input 0 must be real numbers"):
        make().forward(bad, np.array([0]))


def test_lists_add_and_multiply_as_numbers_never_concatenate() -> None:
    np.testing.assert_array_equal(gates.Add().forward([1.0, 2.0], [3.0, 4.0]), [4.0, 6.0])
    np.testing.assert_array_equal(gates.Multiply().forward([1.0, 2.0], 3), [3.0, 6.0])
    np.testing.assert_array_equal(gates.Scale(2).forward([1, 2]), [2.0, 4.0])
    assert gates.MatMul().forward([1.0, 2.0], (3.0, 4.0)) == 11.0


def test_booleans_and_small_integers_compute_as_numbers() -> None:
    both = np.array([True, False])
    np.testing.assert_array_equal(gates.Add().forward(both, both), [2.0, 0.0])  # not logical or
    assert gates.MatMul().forward(np.array([True, True]), np.array([True, True])) == 2.0
    assert gates.Add().forward(np.int8(100), np.int8(100)) == 200.0  # no wrap-around to -56
    assert gates.SquaredNorm().forward(np.array([100], dtype=np.int8)) == 10000.0
    e = gates.Exp().forward(True)
    assert e.dtype == np.float64 and e == math.e  # not float16's 2.719
    assert gates.Add().forward(2**70, 1) == 2.0**70


def test_an_integer_beyond_float_range_is_a_value_error_naming_the_gate() -> None:
    with pytest.raises(ValueError, match=r"^Exp: input 0 is an integer of 1329 bits, too large for a float"):
        gates.Exp().forward(10**400)


def test_a_ragged_list_is_a_shape_error_naming_the_gate() -> None:
    with pytest.raises(ShapeError, match=r"^Add: input 1 is not an array of numbers"):
        gates.Add().forward([1.0], [[1.0], [1.0, 2.0]])


# ---------------------------------------------------------------------------- float16 and float32

def _inputs(make: Callable[[], Gate], dtype: type, scalar: bool) -> list[Any]:
    """Positive inputs of ``dtype`` for the gate: 0-d numpy scalars or small arrays."""
    gate = make()
    if isinstance(gate, (SoftmaxCrossEntropy, SVMLoss)):
        return [np.array([[0.5, 1.5, 1.0], [2.0, 0.25, 1.0]], dtype=dtype), np.array([0, 2])]
    if isinstance(gate, MatMul):
        return [np.full(3, 0.5, dtype), np.full(3, 1.5, dtype)] if scalar else \
            [np.full((2, 3), 0.5, dtype), np.full((3, 4), 1.5, dtype)]
    values = [dtype(0.75), dtype(1.5)] if scalar else \
        [np.array([[0.5, 1.5, 2.0]], dtype), np.array([[1.25], [0.75]], dtype)]
    return values[:2 if make in TWO_INPUTS else 1]


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
@pytest.mark.parametrize(("make", "scalar"), [
    pytest.param(make, scalar, id=f"{name_of(make)}-{'scalars' if scalar else 'arrays'}")
    for make in ONE_INPUT + TWO_INPUTS + LOSSES for scalar in (False, True)
    if not (scalar and (make in LOSSES or "axis=0" in name_of(make)))])  # (those take arrays only)
def test_float16_and_float32_inputs_get_outputs_and_gradients_of_their_dtype(make: Any, scalar: bool,
                                                                             dtype: type) -> None:
    gate = make()
    inputs = _inputs(make, dtype, scalar)
    out = gate.forward(*inputs)
    assert np.result_type(out) == dtype
    douts = [np.ones(np.shape(out), dtype)[()]]
    if np.shape(out) == () and not scalar:
        douts.append(1.0)  # a Python float is weak, as in numpy: gate.backward(1.0)
    for dout in douts:
        gate.forward(*inputs)
        for x, g in zip(inputs, gate.backward(dout), strict=True):
            if g is not None:
                assert np.result_type(g) == np.result_type(x) == dtype, (dout, g)
                assert np.shape(g) == np.shape(x)


# ---------------------------------------------------------------------------- inf and nan

ZERO_KINDS = [pytest.param(0.0, id="python-float"), pytest.param(np.float64(0.0), id="numpy-scalar"),
              pytest.param(np.array(0.0), id="0-d-array"), pytest.param(np.zeros(2), id="array")]


@pytest.mark.parametrize("zero", ZERO_KINDS)
def test_one_over_zero_is_inf_with_numpys_warning_whatever_the_kind_of_value(zero: Any) -> None:
    for gate, inputs, expected in [(Reciprocal(), (zero,), np.inf), (Divide(), (1.0, zero), np.inf),
                                   (Divide(), (-2.0, zero), -np.inf), (Divide(), (zero, zero), np.nan),
                                   (Log(), (zero,), -np.inf)]:
        with pytest.warns(RuntimeWarning):
            out = gate.forward(*inputs)
        np.testing.assert_array_equal(out, np.broadcast_to(expected, np.shape(zero)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            grads = gate.backward(np.ones(np.shape(out))[()])
        assert all(np.shape(g) == np.shape(x) for g, x in zip(grads, inputs, strict=True))
        assert not np.isfinite(grads[-1]).any()  # the gradient at the pole is infinite or undefined


@pytest.mark.parametrize("make", [Mean, lambda: Mean(axis=0)])
def test_the_mean_of_nothing_is_nan_and_its_gradient_empty(make: Any) -> None:
    mean = make()
    with pytest.warns(RuntimeWarning):
        out = mean.forward(np.zeros((0, 3)))
    assert np.isnan(out).all() and np.shape(out) == ((3,) if mean.axis == 0 else ())
    assert mean.backward(np.ones(np.shape(out))[()])[0].shape == (0, 3)


@pytest.mark.parametrize("cls", [SoftmaxCrossEntropy, SVMLoss])
def test_a_loss_over_an_empty_batch_is_nan_with_an_empty_gradient(cls: type[Gate]) -> None:
    loss = cls()
    with pytest.warns(RuntimeWarning):
        out = loss.forward(np.zeros((0, 3)), np.zeros(0, dtype=np.int64))
    assert math.isnan(out)
    dscores, dlabels = loss.backward(1.0)
    assert dscores.shape == (0, 3) and dlabels is None


@pytest.mark.parametrize("nan", [float("inf") * 0, np.float64("nan"), np.array(np.nan), np.array([np.nan])])
def test_relu_max_and_leaky_relu_keep_nan(nan: Any) -> None:
    for gate, inputs in [(ReLU(), (nan,)), (LeakyReLU(), (nan,)), (ELU(), (nan,)),
                         (Max(), (nan, 1.0)), (Max(), (1.0, nan)), (Max(), (nan, -np.inf))]:
        assert np.isnan(gate.forward(*inputs)).all(), gate


@pytest.mark.parametrize("x", [0.0, np.float64(0.0), np.zeros(3), 2.0, np.array([-1.0, 0.0, 3.0])])
def test_x_to_the_zero_has_gradient_zero_everywhere_zero_included(x: Any) -> None:
    power = Power(0)
    np.testing.assert_array_equal(power.forward(x), np.ones(np.shape(x)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0 * inf, no divide by zero
        (dx,) = power.backward(np.full(np.shape(x), 2.0)[()])
    np.testing.assert_array_equal(dx, np.zeros(np.shape(x)))


# ---------------------------------------------------------------------------- constants and axes

@pytest.mark.parametrize("make", [lambda: LeakyReLU("a"), lambda: LeakyReLU([0.1]), lambda: ELU(None),
                                  lambda: ELU(1j), lambda: gates.Scale("a"), lambda: gates.Power(True)])
def test_a_constant_that_is_not_a_real_number_is_a_type_error_naming_the_gate(make: Any) -> None:
    with pytest.raises(TypeError, match=r"^(LeakyReLU|ELU|Scale|Power): the constant must be a real number"):
        make()


@pytest.mark.parametrize("cls", [Sum, Mean])
def test_an_axis_that_is_not_an_int_is_a_type_error_naming_the_gate(cls: type[Gate]) -> None:
    for axis in ["a", 1.5, [0], (0, "b"), True]:
        with pytest.raises(TypeError, match=rf"^{cls.__name__}: axis must be None, an int or a tuple"):
            cls(axis=axis)  # type: ignore[call-arg]


@pytest.mark.parametrize("cls", [Sum, Mean])
@pytest.mark.parametrize("axis", [2, -3, (0, 0)])
def test_an_axis_that_does_not_fit_the_input_is_a_shape_error_naming_the_gate(cls: type[Gate],
                                                                              axis: Any) -> None:
    pattern = rf"^{cls.__name__}: axis {re.escape(repr(axis))} does not fit input 0 of shape \(2, 3\)"
    with pytest.raises(ShapeError, match=pattern):
        cls(axis=axis).forward(np.ones((2, 3)))  # type: ignore[call-arg]
