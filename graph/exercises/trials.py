"""The inputs `check` tries a gate on: shapes, random values that separate the mistakes, labels.

Values are drawn away from the places where two diagnoses coincide or a gate
has a kink: inputs have magnitudes in [0.5, 2] with random signs (never 0, so
ReLU and max are never at a kink or a tie), or are positive when the reference
gate needs it (log, a square root); the upstream gradient ``dout`` has
magnitudes in [0.5, 0.8] or [1.25, 2], so it is never ±1 and "times dout" is
always visible. Scalars are Python floats, as on the lecture's slides.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, TypeAlias

import numpy as np

__all__ = ["DEFAULT_SHAPES", "Labels", "ShapeSet", "describe_shapes", "draw_dout", "draw_inputs",
           "shape_sets"]


class Labels(NamedTuple):
    """Integer class labels as an input: one per row of the first input, each in ``0..classes - 1``.

    Write it among the shapes of a loss gate's inputs:
    ``check(MySoftmax, SoftmaxCrossEntropy, shapes=[(5, 3), Labels(3)])``.
    """

    classes: int


Shape: TypeAlias = "tuple[int, ...] | Labels"
#: The shapes of a gate's inputs on one trial, one entry per input.
ShapeSet: TypeAlias = "tuple[Shape, ...]"

#: The shape sets tried when none are given, by the number of inputs: scalars first (the lecture's
#: numbers), then arrays, then, for two inputs, each way broadcasting stretches an input.
DEFAULT_SHAPES: dict[int, list[tuple[tuple[int, ...], ...]]] = {
    1: [((),), ((3, 4),)],
    2: [((), ()), ((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1), (1, 3)), ((), (2, 3))],
}


def _is_shape(x: Any) -> bool:
    return isinstance(x, Labels) or (
        isinstance(x, (tuple, list)) and all(isinstance(n, (int, np.integer)) for n in x))


def shape_sets(shapes: Any, arity: int | None) -> tuple[list[ShapeSet], bool]:
    """The shape sets to try, and whether they are the defaults.

    Parameters
    ----------
    shapes : sequence or None
        One shape set (a shape per input: ``[(3, 4), (4,)]``), or several
        (``[[(3, 4), (4, 2)], [(4,), (4, 2)]]``); ``None`` for the defaults.
    arity : int or None
        The number of inputs of the reference gate's forward, if known.

    Raises
    ------
    TypeError
        If ``shapes`` is neither, or ``None`` with no defaults for ``arity``.

    Examples
    --------
    >>> shape_sets([(3, 4), (4,)], 2)
    ([((3, 4), (4,))], False)
    >>> shape_sets([[(2,)], [(3, 4)]], 1)
    ([((2,),), ((3, 4),)], False)
    >>> shape_sets(None, 1)
    ([((),), ((3, 4),)], True)
    """
    if shapes is None:
        if arity is None or arity < 1:
            raise TypeError("check: cannot tell how many inputs the reference gate's forward takes; "
                            "give their shapes: shapes=[(3, 4), (4,)]")
        defaults: list[ShapeSet] = list(DEFAULT_SHAPES.get(arity, [((),) * arity, ((3, 4),) * arity]))
        return defaults, True
    if isinstance(shapes, (tuple, list)) and shapes and all(map(_is_shape, shapes)):
        return [_shape_set(shapes)], False
    if isinstance(shapes, (tuple, list)) and shapes and all(
            isinstance(s, (tuple, list)) and all(map(_is_shape, s)) for s in shapes):
        return [_shape_set(s) for s in shapes], False
    raise TypeError(f"check: shapes must be a shape per input, [(3, 4), (4,)], or a list of such sets, "
                    f"[[(3, 4), (4, 2)], [(4,), (4, 2)]]; got {shapes!r}")


def _shape_set(shapes: Sequence[Any]) -> ShapeSet:
    return tuple(s if isinstance(s, Labels) else tuple(int(n) for n in s) for s in shapes)


def describe_shapes(shape_set: ShapeSet) -> str:
    """How a shape set reads in a message: ``scalars``, ``(3, 4) and (4,)``.

    >>> describe_shapes(((), ())), describe_shapes(((3, 4), (4,))), describe_shapes(((5, 3), Labels(3)))
    ('scalars', '(3, 4) and (4,)', '(5, 3) and labels')
    """
    if all(s == () for s in shape_set):
        return "scalars" if len(shape_set) > 1 else "a scalar"
    words = ["labels" if isinstance(s, Labels) else str(s) for s in shape_set]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def draw_inputs(shape_set: ShapeSet, rng: np.random.Generator, domain: str) -> tuple[Any, ...]:
    """Random inputs of these shapes, from ``domain``: ``"away"`` (±[0.5, 2]) or ``"positive"`` ([0.5, 2])."""
    values: list[Any] = []
    for shape in shape_set:
        if isinstance(shape, Labels):
            rows = np.shape(values[0])[0] if values and np.ndim(values[0]) else 1
            values.append(rng.integers(0, shape.classes, size=rows))
            continue
        magnitude = rng.uniform(0.5, 2.0, shape)
        value = magnitude if domain == "positive" else magnitude * rng.choice([-1.0, 1.0], shape)
        values.append(float(value) if shape == () else value)
    return tuple(values)


def draw_dout(shape: tuple[int, ...], rng: np.random.Generator) -> Any:
    """A random upstream gradient of ``shape``, its magnitudes in [0.5, 0.8] or [1.25, 2]: never ±1."""
    magnitude = rng.uniform(0.5, 0.8, shape) * rng.choice([1.0, 2.5], shape)
    value = magnitude * rng.choice([-1.0, 1.0], shape)
    return float(value) if shape == () else value
