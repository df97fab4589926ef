"""Comparing a learner's numbers with the right ones, and saying where they differ most.

Numbers are compared at the learner's precision: a float32 result agrees with
the float64 reference to float32's rounding, not to float64's (`tolerance`).
Besides equality, `scale_of` finds a constant factor between two arrays (the
``wrong-scale`` and ``wrong-sign`` diagnoses), and `worst` the element that is
furthest off, whose numbers a verdict quotes.
"""

from __future__ import annotations

import inspect
import re
from typing import Any, TypeAlias

import numpy as np

from gates.base import shape_of

from ..views.text import format_value

__all__ = ["RTOL", "Tolerance", "as_numbers", "close", "describe", "element", "fmt", "numeric_problem",
           "rule_of", "scale_of", "summed_back", "tolerance", "worst"]

#: Relative tolerance for float64: a correct result differs from the reference by rounding only
#: (about 1e-15), a wrong one by far more.
RTOL = 1e-6

#: (relative tolerance, tolerance relative to the largest element) by the learner's precision: a few
#: hundred roundings of float32 (eps 1.2e-7) or float16 (eps 9.8e-4) through a network's sums.
_TOLERANCES = {8: (RTOL, 1e-3 * RTOL), 4: (1e-4, 2e-5), 2: (2e-2, 5e-3)}


def _array(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


Tolerance: TypeAlias = "tuple[float, float]"


def tolerance(*values: Any) -> Tolerance:
    """(rtol, atol as a fraction of the largest right element) at the least precise of ``values``' dtypes.

    Python numbers and integers count as float64.

    >>> tolerance(1.0), tolerance(np.float32(1.0)), tolerance(np.ones(2, dtype=np.float16), 1.0)
    ((1e-06, 1e-09), (0.0001, 2e-05), (0.02, 0.005))
    """
    size = 8
    for value in values:
        dtype = getattr(value, "dtype", None)
        if dtype is not None and dtype.kind == "f":
            size = min(size, dtype.itemsize)
    return _TOLERANCES.get(size, _TOLERANCES[8])


def close(got: Any, right: Any, tol: Tolerance | None = None) -> bool:
    """Whether ``got`` has ``right``'s shape and equals it at ``tol``, by default ``got``'s precision.

    >>> close(1.0 + 1e-12, 1.0), close(np.ones(3), np.ones((3, 1))), close(2.0, 1.0)
    (True, False, False)
    >>> close(np.float32(1 / 3), 1 / 3), close(1 / 3 + 1e-5, 1 / 3)
    (True, False)
    """
    if shape_of(got) != shape_of(right):
        return False
    return _close(_array(got), _array(right), tolerance(got) if tol is None else tol)


def _close(g: np.ndarray, r: np.ndarray, tol: tuple[float, float]) -> bool:
    if not np.all(np.isfinite(g)):
        return False
    rtol, atol = tol
    scale = float(np.max(np.abs(r), initial=0.0))
    with np.errstate(all="ignore"):
        return bool(np.all(np.abs(g - r) <= rtol * np.abs(r) + atol * scale + 1e-12))


def summed_back(grad: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    """``grad`` summed over the axes broadcasting would add to ``shape``; ``None`` if it cannot be.

    >>> summed_back(np.ones((2, 3)), (3,))
    array([2., 2., 2.])
    >>> summed_back(np.ones(()), (2, 1)) is None, summed_back(np.ones((2, 3)), (2,)) is None
    (True, True)
    """
    g = _array(grad)
    try:
        if np.broadcast_shapes(g.shape, shape) != g.shape:
            return None
    except ValueError:
        return None
    lead = g.ndim - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    summed: np.ndarray = np.sum(g, axis=tuple(range(lead)) + stretched).reshape(shape)
    return summed


def as_numbers(value: Any) -> Any:
    """A list or tuple of numbers as an array (course code may return one); anything else as it is.

    >>> as_numbers([[1, 2]]), as_numbers(3.0), as_numbers("x")
    (array([[1., 2.]]), 3.0, 'x')
    """
    if isinstance(value, (list, tuple)):
        try:
            array = np.asarray(value)
        except (ValueError, TypeError):
            return value
        if array.dtype.kind in "biuf":
            return array.astype(np.float64) if array.dtype.kind in "biu" else array
    return value


def describe(value: Any) -> str:
    """What a value is, in a few words, for a message: ``a tuple of 3``, ``an ndarray of shape (4, 5)``.

    >>> describe(None), describe((1, 2, 3)), describe(np.zeros((4, 5))), describe(2.0)
    ('None', 'a tuple of 3', 'an ndarray of shape (4, 5)', 'a float')
    """
    if value is None:
        return "None"
    name = type(value).__name__
    article = "an" if name[:1].lower() in "aeiou" or name.startswith("nd") else "a"
    if isinstance(value, (tuple, list, dict)):
        return f"{article} {name} of {len(value)}"
    if isinstance(value, np.ndarray):
        return f"{article} {name} of shape {value.shape}"
    return f"{article} {name}"


def scale_of(got: Any, right: Any, tol: Tolerance | None = None) -> float | None:
    """The constant ``c`` with ``got == c * right``, if there is one (and ``right`` is not all zeros).

    >>> scale_of(np.array([2.0, -4.0]), np.array([1.0, -2.0])), scale_of(np.array([2.0, 4.0]), np.ones(2))
    (2.0, None)
    """
    if shape_of(got) != shape_of(right):
        return None
    g, r = _array(got).ravel(), _array(right).ravel()
    norm = float(r @ r)
    if norm == 0.0 or not np.all(np.isfinite(g)):
        return None
    c = float(g @ r) / norm
    return c if _close(g, c * r, tolerance(got) if tol is None else tol) else None


def worst(got: Any, right: Any) -> tuple[int, ...]:
    """The index of the element where ``got`` is furthest from ``right`` (same shapes; ``()`` for scalars)."""
    with np.errstate(all="ignore"):
        diff = np.abs(_array(got) - _array(right))
    diff = np.where(np.isfinite(diff), diff, np.inf)
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape)) if diff.ndim else ()


def element(value: Any, index: tuple[int, ...]) -> Any:
    """``value[index]``, for a scalar or an array."""
    return np.asarray(value)[index] if index else value


def fmt(value: Any) -> str:
    """A number or small array as a verdict writes it: 4 significant digits.

    >>> fmt(-0.19661193324148185), fmt(np.array([0.5, 2.0]))
    ('-0.1966', '[0.5, 2]')
    """
    return format_value(value, digits=4)


def numeric_problem(value: Any, what: str) -> str | None:
    """Why ``value`` is not a usable number or array, in words; ``None`` if it is one.

    >>> numeric_problem(None, "dx"), numeric_problem([1.0], "dx"), numeric_problem(np.ones(2), "dx")
    ('dx is None', 'dx is a list; it must be a number or a numpy array', None)
    """
    if value is None:
        return f"{what} is None"
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            return f"{what} is an array of dtype {value.dtype}; it must hold real numbers"
    elif isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating, np.bool_)):
        return f"{what} is a {type(value).__name__}; it must be a number or a numpy array"
    if not np.all(np.isfinite(_array(value))):
        return f"{what} holds nan or inf: {fmt(value)}"
    return None


def rule_of(gate: object) -> str:
    """The rule a gate's class docstring states, in its own words, with code in single backticks.

    The first paragraph, and the first sentence of a paragraph that starts with
    "Rule": the lecture's patterns (add distributes, mul switches, max routes) are
    written there. Empty for a class without a docstring.

    >>> from gates import Multiply
    >>> rule_of(Multiply())
    '`z = x * y`, the gradient switcher: `dx = y * dout`, `dy = x * dout`.'
    """
    doc = inspect.getdoc(type(gate)) if type(gate).__doc__ else None
    if not doc:
        return ""
    paragraphs = [" ".join(p.split()) for p in doc.split("\n\n")]
    parts = [paragraphs[0]]
    for p in paragraphs[1:]:
        if p.startswith("Rule"):
            parts.append(re.split(r"(?<=\.)\s", p, maxsplit=1)[0])
            break
    return " ".join(parts).replace("``", "`")
