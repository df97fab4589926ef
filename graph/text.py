"""Plain-text tables, as `gategraph check` and `ComputationalGraph.trace` print them."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["aligned_table"]


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
