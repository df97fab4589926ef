"""Stepping through a run, one gate at a time: ``ComputationalGraph.player()`` (API.md §6).

Not written yet: `Player` reads a run's tape and shows it step by step.
"""

from __future__ import annotations

from ..tape import Tape

__all__ = ["Player"]


class Player:
    """A step-through view of the run recorded on ``tape`` (not written yet)."""

    def __init__(self, tape: Tape, *, title: str | None = None) -> None:
        raise NotImplementedError("ComputationalGraph.player() is not written yet")
