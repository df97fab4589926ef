"""Exercises: assignment notebooks, and checkers that name the mistake instead of printing an error size.

`check` runs a learner's gate against a correct one and returns a `Verdict`:
passed, or one mistake of `MISTAKES` explained with numbers and a hint in the
lecture's words. `check_engine` does the same for a hand-written
``ComputationalGraph`` (the lecture's two loops, `ENGINE_MISTAKES`), and
`check_network` for a network's backward written by hand, at any depth. Code
shaped as the course's assignments write it has its own checkers: `check_loss`
(``loss, dW = svm_loss(W, X, y, reg)``), `check_layer` (``out, cache =
affine_forward(x, w, b)``, ``dx, dw, db = affine_backward(dout, cache)``) and
`check_update` (``next_w, config = adam(w, dw, config)``).

Every checker names its mistakes from one table (`graph.exercises.mistakes`),
never raises for what the learner's code does (an error, an endless loop, a
strange return value are verdicts too), and compares with references captured
when it was imported. The notebooks that use them ship in this package
(`graph.exercises.assignments`); ``gategraph exercises DIR`` writes the student
versions.

This package builds on the engine and the gates; nothing there imports it.
"""

from .check import MISTAKES, check
from .engine import ENGINE_MISTAKES, check_engine
from .layer import LAYER_MISTAKES, check_layer
from .loss import LOSS_MISTAKES, check_loss
from .network import NETWORK_MISTAKES, check_network
from .trials import Labels
from .update import UPDATE_MISTAKES, check_update
from .verdict import Verdict

__all__ = ["ENGINE_MISTAKES", "LAYER_MISTAKES", "LOSS_MISTAKES", "MISTAKES", "NETWORK_MISTAKES",
           "UPDATE_MISTAKES", "Labels", "Verdict", "check", "check_engine", "check_layer", "check_loss",
           "check_network", "check_update"]
