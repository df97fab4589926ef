"""Exercises: assignment notebooks, and checkers that name the mistake instead of printing an error size.

`check` runs a learner's gate against a correct one and returns a `Verdict`:
passed, or one mistake of `MISTAKES` explained with numbers and a hint in the
lecture's words. `check_engine` does the same for a hand-written
``ComputationalGraph`` (the lecture's two loops, `ENGINE_MISTAKES`), and
`check_network` for a network's backward written by hand, at any depth. The
notebooks that use them ship in this package (`graph.exercises.assignments`);
``gategraph exercises DIR`` writes the student versions.

This package builds on the engine and the gates; nothing there imports it.
"""

from .check import MISTAKES, check
from .engine import ENGINE_MISTAKES, check_engine
from .network import check_network
from .trials import Labels
from .verdict import Verdict

__all__ = ["ENGINE_MISTAKES", "MISTAKES", "Labels", "Verdict", "check", "check_engine", "check_network"]
