"""Backprop written out as code: ``ComputationalGraph.compile()`` (API.md §5).

Not written yet.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CompiledGraph"]


class CompiledGraph:
    """A graph's run generated as straight-line Python (not written yet)."""

    def __init__(self, graph: Any) -> None:
        raise NotImplementedError("ComputationalGraph.compile() is not written yet")
