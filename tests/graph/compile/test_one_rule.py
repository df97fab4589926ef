"""One rule per gate: the plan is derived from each gate's own forward and backward, nothing else.

A subclass, a learner's gate, a gate whose constant changed: each compiles to its
own rule. Names and constants cannot change a result. The cases the old compiler
got wrong are here, one test each.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

import gates
from gates import Exp, Gate, MatMul, Max, Power, ReLU, Scale, ShapeError, Sigmoid, Sum
from graph import ComputationalGraph, Constant, Input
from graph.compile.methods import InlineError, read_method
from graph.lecture import vectorised


def both(graph: ComputationalGraph, feed: dict[str, Any], dout: Any = None) -> tuple[Any, Any]:
    """The interpreter's run and the compiled run of ``graph``: ((out, grads), (out, grads))."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        interpreted = graph.forward(feed), graph.backward(dout)
        compiled = graph.compile()
        return interpreted, (compiled.forward(feed), compiled.backward(dout))


# --- subclasses and learners' gates compile to their own rule -----------------------------------------


class DoubledSigmoid(Sigmoid):
    def backward(self, dout):
        return (2 * self.local * dout,)


class ShiftedExp(Exp):
    def forward(self, x):
        self.out = np.exp(x + 1.0)
        return self.out


def test_a_subclass_that_changes_backward_compiles_to_its_own_backward() -> None:
    x = Input("x")
    graph = ComputationalGraph(DoubledSigmoid()(x, name="s"))
    (_, grads), (_, got) = both(graph, {"x": 1.0})
    assert grads["x"] == pytest.approx(2 * 0.196612, abs=1e-6)   # twice σ'(1)
    assert got["x"] == pytest.approx(grads["x"], rel=1e-15)
    assert "2 * s_local * ds" in graph.compile().source


def test_a_subclass_that_changes_forward_compiles_to_its_own_forward() -> None:
    x = Input("x")
    graph = ComputationalGraph(ShiftedExp()(x, name="e"))
    (out, grads), (got, got_grads) = both(graph, {"x": -0.5})
    assert out == pytest.approx(math.exp(0.5)) and got == pytest.approx(out, rel=1e-15)
    assert got_grads["x"] == pytest.approx(grads["x"], rel=1e-15)
    assert "e = np.exp(x + 1.0)" in graph.compile().source


class Square(Gate):
    symbol = "²"

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, dout):
        return (2.0 * self.x * dout,)


def test_a_learners_gate_is_inlined_its_own_lines_in_the_source() -> None:
    x = Input("x")
    graph = ComputationalGraph(Square()(x, name="q"))
    both(graph, {"x": 3.0})
    source = graph.compile().source
    assert "    q = x * x" in source and "dx = 2.0 * x * dq" in source
    assert ".forward(" not in source and ".backward(" not in source


x = Input("x")  # a notebook's global, named as the gate's input is


class ReadsAGlobal(Gate):
    """backward reads the global ``x`` (a graph node) where it meant ``self.x``."""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, dout):
        return (2.0 * x * dout,)


def test_a_free_name_is_the_methods_global_never_a_variable_of_the_plan() -> None:
    leaf = Input("x")                          # the plan has a variable x too
    graph = ComputationalGraph(ReadsAGlobal()(leaf, name="q"))
    errors = []
    for run in (graph, graph.compile()):
        run.forward(x=3.0)
        with pytest.raises(TypeError) as info:
            run.backward()
        errors.append(str(info.value))
    assert errors[0] == errors[1] and "Node" in errors[0]


def test_a_method_whose_source_cannot_be_read_is_called_not_inlined() -> None:
    namespace: dict[str, Any] = {"Gate": Gate}
    exec("class Made(Gate):\n"
         "    def forward(self, x):\n        self.x = x\n        return 3.0 * x\n"
         "    def backward(self, dout):\n        return (3.0 * dout,)\n", namespace)
    with pytest.raises(InlineError, match="cannot be read"):
        read_method(namespace["Made"].forward)
    leaf = Input("x")
    graph = ComputationalGraph(namespace["Made"]()(leaf, name="m"))
    (out, grads), (got, got_grads) = both(graph, {"x": 2.0})
    assert (got, got_grads) == (out, grads) == (6.0, {"x": 3.0})
    assert "m_gate.forward(x)" in graph.compile().source


@pytest.mark.parametrize(("source", "reason"), [
    ("for _ in range(2):\n            x = x * 2\n        return x", "For statement"),
    ("try:\n            y = 1 / x\n        except ZeroDivisionError:\n            y = 0.0\n"
     "        return y", "Try"),
    ("if x > 0:\n            return x\n        return 0.0", "does more than raise"),
    ("return [v for v in x]", "ListComp"),
    ("return super().forward(x)", "super"),
    ("self.count = self.count + 1\n        return x", "state across runs"),
])
def test_what_is_not_straight_line_is_said(source: str, reason: str) -> None:
    namespace: dict[str, Any] = {"Gate": Gate}
    text = (f"class Odd(Gate):\n    count = 0\n    def forward(self, x):\n        {source}\n"
            "    def backward(self, dout):\n        return (dout,)\n")
    path = f"<odd gate {reason}>"
    import linecache
    linecache.cache[path] = (len(text), None, text.splitlines(keepends=True), path)
    try:
        exec(compile(text, path, "exec"), namespace)
        from graph.compile.emit import Cache
        with pytest.raises(InlineError, match=reason):
            Cache().rule(namespace["Odd"](), None)
    finally:
        linecache.cache.pop(path, None)


def test_a_gates_constants_are_read_when_the_plan_is_written() -> None:
    leaf = Input("x")
    scale = Scale(2.0)
    graph = ComputationalGraph(scale(leaf, name="y"))
    compiled = graph.compile()
    assert compiled.forward(x=1.5) == 3.0
    assert "y = 2.0 * x" in compiled.source


# --- names and constants cannot change a result ------------------------------------------------------


@pytest.mark.parametrize("build", [
    lambda v: Sum()(Sigmoid()(v, name="s") * (v + 1.0).named("s_local")),
    lambda v: Sum()(Max()(v, v * 2.0) + (v - 1.0).named("max1_tie")),
    lambda v: Sum()(gates.Divide()(v, v + 3.0) + (v * 2.0).named("multiply1_dx")),
    lambda v: Sum()(Square()(v, name="q") + Input("gate_q") * Input("node_q")),
], ids=["s_local", "max1_tie", "multiply1_dx", "gate_q and node_q"])
def test_a_name_like_a_temporary_of_the_old_compiler_changes_nothing(build: Any) -> None:
    leaf = Input("v")
    graph = ComputationalGraph(build(leaf))
    feed = {name: np.array([0.5, -1.5, 2.0]) for name in graph.inputs}
    (out, grads), (got, got_grads) = both(graph, feed)
    assert got == pytest.approx(out, rel=1e-14)
    for name in grads:
        np.testing.assert_allclose(got_grads[name], grads[name], rtol=1e-14)


def test_a_constant_is_a_value_not_text() -> None:
    graph = ComputationalGraph(Power(2)(Constant(-3.0)) * Input("x"))
    (out, _), (got, _) = both(graph, {"x": 1.0})
    assert out == got == 9.0                  # not -3.0 ** 2.0 = -9
    assert "(-3.0) ** 2.0" in graph.compile().source


@pytest.mark.parametrize("c", [math.inf, -math.inf, math.nan, -0.0])
def test_inf_nan_and_minus_zero_constants_compile(c: float) -> None:
    leaf = Input("x")
    for graph in (ComputationalGraph(leaf * c), ComputationalGraph(Scale(c)(leaf))):
        (out, grads), (got, got_grads) = both(graph, {"x": 2.0})
        np.testing.assert_equal(got, out)
        np.testing.assert_equal(got_grads, grads)


# --- the divergences the old compiler had ------------------------------------------------------------


def test_a_fractional_power_of_minus_infinity_is_nan_compiled_too() -> None:
    graph = ComputationalGraph(Power(0.5)(Input("x")))
    (out, _), (got, _) = both(graph, {"x": -math.inf})
    assert math.isnan(out) and math.isnan(got)


def test_a_float32_graph_gets_float32_gradients_past_a_float64_constant() -> None:
    leaf = Input("x")
    graph = ComputationalGraph(Sum()(ReLU()(Constant(-1.0)) + leaf))
    feed = {"x": np.ones(3, np.float32)}
    (_, grads), (_, got) = both(graph, feed)
    assert grads["x"].dtype == got["x"].dtype == np.float32


class Flatten(Gate):
    def forward(self, x):
        self.shape = np.shape(x)
        return np.ravel(x)

    def backward(self, dout):
        return (np.reshape(dout, self.shape),)


def test_after_a_learners_gate_a_shape_error_is_still_a_shape_error() -> None:
    a, b = Input("a"), Input("b")
    graph = ComputationalGraph(Sum()(Flatten()(a, name="flat") + b))
    messages = []
    for run in (graph, graph.compile()):
        with pytest.raises(ShapeError) as info:
            run.forward(a=np.ones((2, 2)), b=np.ones(3))
        messages.append(str(info.value))
    assert messages[0] == messages[1] == ("Add 'add1': input 0 of shape (4,) and input 1 of shape (3,) "
                                          "do not broadcast together")


def test_the_sum_of_a_product_of_two_empty_vectors() -> None:
    u, v = Input("u"), Input("v")
    graph = ComputationalGraph(Sum()(MatMul()(u, v)))
    (out, grads), (got, got_grads) = both(graph, {"u": np.zeros(0), "v": np.zeros(0)})
    assert out == got == 0.0
    assert got_grads["u"].shape == grads["u"].shape == (0,)


# --- the code a student reads -------------------------------------------------------------------------


def test_the_vectorised_example_reads_as_the_notes() -> None:
    example = vectorised()
    example.run()
    source = example.graph.compile().source
    assert "    q = W @ x" in source and "# q = W @ x" in source
    assert "dq = 2.0 * q * df" in source
    assert "dW = dq[:, None] * x" in source and "dx = W.T @ dq" in source
    assert "astype" not in source and "reshape" not in source and "result_type" not in source
    assert "** 1.0" not in source
