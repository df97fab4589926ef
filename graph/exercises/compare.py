"""Comparing a learner's numbers with the right ones, and saying where they differ most.

Besides equality, `scale_of` finds a constant factor between two arrays (the
``wrong-scale`` and ``wrong-sign`` diagnoses), and `worst` the element that is
furthest off, whose numbers a verdict quotes.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import numpy as np

from gates.base import shape_of

from ..views.text import format_value

__all__ = ["RTOL", "close", "element", "fmt", "numeric_problem", "rule_of", "scale_of", "worst"]

#: Relative tolerance: a correct gate differs from the reference by rounding only (about 1e-15);
#: a float32 gate by about 1e-7.
RTOL = 1e-6


def _array(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def close(got: Any, right: Any) -> bool:
    """Whether ``got`` has ``right``'s shape and equals it to `RTOL` (relative to ``right``'s size).

    >>> close(1.0 + 1e-12, 1.0), close(np.ones(3), np.ones((3, 1))), close(2.0, 1.0)
    (True, False, False)
    """
    if shape_of(got) != shape_of(right):
        return False
    g, r = _array(got), _array(right)
    if not np.all(np.isfinite(g)):
        return False
    scale = float(np.max(np.abs(r), initial=0.0))
    return bool(np.all(np.abs(g - r) <= RTOL * (np.abs(r) + 1e-3 * scale) + 1e-12))


def scale_of(got: Any, right: Any) -> float | None:
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
    return c if close(g, c * r) else None


def worst(got: Any, right: Any) -> tuple[int, ...]:
    """The index of the element where ``got`` is furthest from ``right`` (same shapes; ``()`` for scalars)."""
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
