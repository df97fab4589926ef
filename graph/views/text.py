"""Numbers and tables as text, the way every view writes them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from gates.base import shape_of

__all__ = ["FULL_SIZE", "aligned_table", "format_value", "printable"]

#: Arrays with at most this many elements are written in full; larger ones as shape and norm.
FULL_SIZE = 6


def format_value(value: Any, digits: int = 6, full_size: int = FULL_SIZE) -> str:
    """A value written compactly: numbers to ``digits`` significant digits.

    Parameters
    ----------
    value : float or array_like or None
        What to write; ``None`` (no gradient) is written ``—``.
    digits : int
        Significant digits of each number.
    full_size : int
        Arrays with at most this many elements are written in full; larger
        ones as their shape and Euclidean norm.

    Returns
    -------
    str

    Examples
    --------
    >>> format_value(-4.0), format_value(0.7310585786300049), format_value(None)
    ('-4', '0.731059', '—')
    >>> format_value(np.array([0.44, 0.52]))
    '[0.44, 0.52]'
    >>> format_value(np.array([[0.088, 0.176], [0.104, 0.208]]), digits=3)
    '[[0.088, 0.176], [0.104, 0.208]]'
    >>> format_value(np.ones((3, 4)))
    '(3, 4) ‖·‖=3.4641'
    """
    if value is None:
        return "—"
    shape = shape_of(value)
    if shape == ():
        return _number(value, digits)
    array = np.asarray(value)
    if array.size <= full_size:
        return _nested(array, digits)
    norm = float(np.linalg.norm(array.astype(np.float64, copy=False).ravel()))
    return f"{shape} ‖·‖={_number(norm, digits)}"


def _number(x: Any, digits: int) -> str:
    x = x.item() if isinstance(x, np.generic) else x
    if isinstance(x, (bool, int, np.integer)) and not isinstance(x, float):
        return str(int(x))
    text = f"{float(x):.{digits}g}"
    return "0" if text == "-0" else text


def _nested(array: np.ndarray, digits: int) -> str:
    if array.ndim == 0:
        return _number(array[()], digits)
    return "[" + ", ".join(_nested(row, digits) for row in array) + "]"


def printable(text: str) -> str:
    r"""``text`` with every character that cannot be shown written as its escape, ``\x1b`` say.

    Control characters (an escape ``\x1b``, a form feed ``\x0c``, a NUL ``\x00``,
    line breaks), lone surrogates and other characters that Python does not count
    as printable are written as Python writes them in a string literal; every
    other character stays as it is, non-ASCII letters and symbols (σ, ‖·‖²) included.
    Drawings and pages show names this way: XML and Graphviz refuse the raw characters.

    Examples
    --------
    >>> print(printable("a\x1bb"), printable("line\nbreak"), printable("σ(x) ‖·‖²"))
    a\x1bb line\nbreak σ(x) ‖·‖²
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def aligned_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """``header`` and ``rows`` as left-aligned columns, with a dashed rule under the header.

    Examples
    --------
    >>> print(aligned_table(("node", "gate"), [("q", "+"), ("f", "*")]))
    node  gate
    ----  ----
    q     +
    f     *
    """
    widths = [max(len(row[j]) for row in (header, *rows)) for j in range(len(header))]
    rule = ["-" * w for w in widths]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                     for row in (header, rule, *rows))
