"""The worked examples of CS231n Lecture 4, as graphs ready to run.

Each function returns an `Example`: the graph, the lecture's inputs, and the
numbers on the slides, so the command line, the notebooks and the tests all
run the very same circuits. Every node is named as the slides and the course
notes name it (``q``, ``s``, ``sigy``, ...; a product ``w0x0``, the ``-s`` of the
``*-1`` gate), so no trace or caption of a worked example shows a name the
engine made up (``multiply1``, ``add1``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gates import AddConstant, Exp, Max, Reciprocal, Scale, Sigmoid, SquaredNorm

from .computational_graph import ComputationalGraph
from .nodes import Input

__all__ = ["Example", "examples", "patterns", "sigmoid_neuron", "simple_circuit", "staged", "vectorised"]


@dataclass
class Example:
    """A lecture example: its graph, its inputs, and the expected output and gradients.

    ``key`` names the example in the pages' catalogues (`graph.views.lang`), where
    ``example.<key>`` is its title in each language.
    """

    title: str
    formula: str
    graph: ComputationalGraph
    feed: dict[str, Any]
    expected_output: Any
    expected_gradients: dict[str, Any] = field(default_factory=dict)
    key: str = ""

    def run(self) -> tuple[Any, dict[str, Any]]:
        """Forward, then backward: the output and the gradients."""
        return self.graph.forward(self.feed), self.graph.backward()


def simple_circuit() -> Example:
    """f = (x + y) z at x = -2, y = 5, z = -4: q = 3, f = -12."""
    x, y, z = Input("x"), Input("y"), Input("z")
    q = (x + y).named("q")
    f = (q * z).named("f")
    return Example("A simple circuit", "f = (x + y) * z", ComputationalGraph(f),
                   {"x": -2.0, "y": 5.0, "z": -4.0}, -12.0, {"x": -4.0, "y": -4.0, "z": 3.0},
                   key="simple_circuit")


_NEURON_FEED = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
_NEURON_GRADS = {"w0": -0.196612, "x0": 0.393224, "w1": -0.393224, "x1": -0.589836, "w2": 0.196612}


def sigmoid_neuron(decomposed: bool = True) -> Example:
    """f = σ(w0 x0 + w1 x1 + w2): 0.73 out, gradients -0.20, 0.39, -0.39, -0.59, 0.20.

    With ``decomposed`` the sigmoid is the lecture's circuit of four gates
    (*-1, exp, +1, 1/x), whose nodes are named for what they hold: ``-s``,
    ``e^-s``, ``1+e^-s``, ``f``; otherwise it is the one `Sigmoid` gate. The
    weighted sum is ``w0x0``, ``w1x1``, their sum ``w0x0+w1x1``, and ``s``.
    """
    w0, x0, w1, x1, w2 = (Input(name) for name in _NEURON_FEED)
    s = (((w0 * x0).named("w0x0") + (w1 * x1).named("w1x1")).named("w0x0+w1x1") + w2).named("s")
    if decomposed:
        minus_s = Scale(-1)(s, name="-s")
        f = Reciprocal()(AddConstant(1)(Exp()(minus_s, name="e^-s"), name="1+e^-s"), name="f")
        title, key = "Sigmoid neuron, as the circuit *-1, exp, +1, 1/x", "sigmoid_circuit"
    else:
        f = Sigmoid()(s, name="f")
        title, key = "Sigmoid neuron, with one sigmoid gate", "sigmoid_gate"
    return Example(title, "f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))", ComputationalGraph(f),
                   dict(_NEURON_FEED), 0.731059, dict(_NEURON_GRADS), key=key)


def staged() -> Example:
    """f = (x + σ(y)) / (σ(x) + (x + y)²) at x = 3, y = -4, staged as in the course notes.

    "Backprop in practice": the forward pass is broken into small named stages
    (``sigy``, ``num``, ``sigx``, ``xpy``, ``xpysqr``, ``den``, ``invden``), each
    one easy to differentiate, and ``x`` and ``y`` fan out, so their gradients add.
    By the quotient rule, with ``N = x + σ(y)`` and ``D = σ(x) + (x + y)²``:
    ``df/dx = (D - N (σ'(x) + 2 (x + y))) / D² = 2.059570`` and
    ``df/dy = (σ'(y) D - N 2 (x + y)) / D² = 1.592233``, where f = N / D = 1.545645.
    """
    x, y = Input("x"), Input("y")
    sigy = Sigmoid()(y, name="sigy")                   # σ(y)
    num = (x + sigy).named("num")                       # numerator
    sigx = Sigmoid()(x, name="sigx")                    # σ(x)
    xpy = (x + y).named("xpy")
    xpysqr = (xpy**2).named("xpysqr")
    den = (sigx + xpysqr).named("den")                  # denominator
    invden = Reciprocal()(den, name="invden")
    f = (num * invden).named("f")
    return Example("Staged computation", "f = (x + σ(y)) / (σ(x) + (x + y)^2)", ComputationalGraph(f),
                   {"x": 3.0, "y": -4.0}, 1.545645, {"x": 2.059570, "y": 1.592233}, key="staged")


def patterns() -> Example:
    """f = 2 (x y + max(z, w)) at x = 3, y = -4, z = 2, w = -1: add, max, mul, at work.

    The nodes: ``xy``, ``m`` (the max), their sum ``s``, and ``f``.
    """
    x, y, z, w = Input("x"), Input("y"), Input("z"), Input("w")
    s = ((x * y).named("xy") + Max()(z, w, name="m")).named("s")
    f = (2 * s).named("f")
    return Example("Patterns in gradient flow", "f = 2 * (x*y + max(z, w))", ComputationalGraph(f),
                   {"x": 3.0, "y": -4.0, "z": 2.0, "w": -1.0}, -20.0,
                   {"x": -8.0, "y": 6.0, "z": 2.0, "w": 0.0}, key="patterns")


def vectorised() -> Example:
    """f = ‖W x‖² with W = [[0.1, 0.5], [-0.3, 0.8]], x = [0.2, 0.4]: q = [0.22, 0.26], f = 0.116."""
    W, x = Input("W", shape=(2, 2)), Input("x", shape=(2,))
    q = (W @ x).named("q")
    f = SquaredNorm()(q, name="f")
    return Example("Vectorised: a matrix and a squared norm", "f = ||W x||^2", ComputationalGraph(f),
                   {"W": np.array([[0.1, 0.5], [-0.3, 0.8]]), "x": np.array([0.2, 0.4])}, 0.116,
                   {"W": np.array([[0.088, 0.176], [0.104, 0.208]]), "x": np.array([-0.112, 0.636])},
                   key="vectorised")


def examples() -> list[Example]:
    """Every worked example, in the order of the lecture and its course notes."""
    return [simple_circuit(), sigmoid_neuron(decomposed=True), sigmoid_neuron(decomposed=False),
            staged(), patterns(), vectorised()]
