"""check_engine(): a hand-written ComputationalGraph, compared step by step with the real engine's tape."""

import numpy as np
import pytest

from graph import ComputationalGraph, Input
from graph.engine import topological_order
from graph.exercises import ENGINE_MISTAKES, check_engine
from graph.lecture import simple_circuit


class Engine:
    """A correct engine in the lecture's shape: sort once, two loops."""

    def __init__(self, output):
        self.output = output
        self.nodes = topological_order(output)

    def forward(self, feed):
        self.values = {}
        for node in self.nodes:
            if node.gate is None:
                self.values[node] = feed.get(node.name, node.value)
            else:
                self.values[node] = node.gate.forward(*[self.values[x] for x in node.inputs])
        return self.values[self.output]

    def seed(self):
        return {self.output: np.ones_like(self.values[self.output])}

    def order(self):
        return reversed(self.nodes)

    def give(self, grads, x, dx):
        grads[x] = grads[x] + dx if x in grads else dx

    def backward(self):
        grads = self.seed()
        for node in self.order():
            if node.gate is None or node not in grads:
                continue
            for x, dx in zip(node.inputs, node.gate.backward(grads[node]), strict=True):
                if dx is not None:
                    self.give(grads, x, dx)
        return {n.name: grads[n] for n in self.nodes if isinstance(n, Input)}


class AssignsAtForks(Engine):
    """grads[x] = dx: the last gradient to reach a fork wins."""

    def give(self, grads, x, dx):
        grads[x] = dx


class NotReversed(Engine):
    """Backward in forward order, reading gradients that are not there yet."""

    def order(self):
        return self.nodes

    def backward(self):
        grads = self.seed()
        for node in self.order():
            if node.gate is not None:
                for x, dx in zip(node.inputs, node.gate.backward(grads[node]), strict=True):
                    self.give(grads, x, dx)
        return grads


class NotReversedWithDefaults(Engine):
    """Backward in forward order, with 0 for gradients not there yet: no crash, wrong numbers."""

    def order(self):
        return self.nodes

    def backward(self):
        grads = self.seed()
        for node in self.order():
            if node.gate is not None:
                for x, dx in zip(node.inputs, node.gate.backward(grads.get(node, 0.0)), strict=True):
                    if dx is not None:
                        self.give(grads, x, dx)
        return {n.name: grads[n] for n in self.nodes if isinstance(n, Input)}


class NoSeed(Engine):
    """No ∂f/∂f = 1: the first lookup fails."""

    def seed(self):
        return {}

    def backward(self):
        grads = self.seed()
        for node in self.order():
            if node.gate is not None:
                for x, dx in zip(node.inputs, node.gate.backward(grads[node]), strict=True):
                    self.give(grads, x, dx)
        return grads


class NoSeedSkips(Engine):
    """No ∂f/∂f = 1, and nodes without a gradient skipped: nothing runs."""

    def seed(self):
        return {}


class SeedsWithTheValue(Engine):
    """Starts from f instead of ∂f/∂f."""

    def seed(self):
        return {self.output: self.values[self.output]}


class ForwardReversed(Engine):
    """Forward from the output back."""

    def forward(self, feed):
        self.nodes = self.nodes[::-1]
        try:
            return super().forward(feed)
        finally:
            self.nodes = self.nodes[::-1]


class FeedsZeros(Engine):
    """Leaves read as 0."""

    def forward(self, feed):
        self.values = {}
        for node in self.nodes:
            if node.gate is None:
                self.values[node] = 0.0 * np.asarray(feed.get(node.name, node.value))
            else:
                self.values[node] = node.gate.forward(*[self.values[x] for x in node.inputs])
        return self.values[self.output]


class DoublesUpstream(Engine):
    """Passes on twice what each gate returns."""

    def give(self, grads, x, dx):
        super().give(grads, x, 2 * dx)


class BackwardNotWritten(Engine):
    """The student version."""

    def backward(self):
        raise NotImplementedError


class Crashes(Engine):
    """A bug of its own."""

    def backward(self):
        return 1 / 0


ENGINES = [
    (AssignsAtForks, "assigns-at-fork", ["fans out to 3 gates", "(from 'xpy')", "one of them", "copy"]),
    (NotReversed, "wrong-order", ["before gate 'f'", "reversed(nodes_topologically_sorted())"]),
    (NotReversedWithDefaults, "wrong-order", ["backward ran gate 'q' before gate 'f'"]),
    (ForwardReversed, "wrong-order", ["forward needs the value of 'q' for gate 'f'"]),
    (NoSeed, "missing-seed", ["never ran the output's gate", "∂f/∂f = 1"]),
    (NoSeedSkips, "missing-seed", ["never ran the output's gate"]),
    (SeedsWithTheValue, "missing-seed", ["upstream gradient -12"]),
    (FeedsZeros, "wrong", ["the input x = 0, but x = -2"]),
    (DoublesUpstream, "wrong", ["the upstream gradient of gate 'q' is -8; it should be -4"]),
    (BackwardNotWritten, "not-implemented", ["`BackwardNotWritten.backward`"]),
    (Crashes, "crashed", ["ZeroDivisionError", "test_engine.py, line", "`return 1 / 0`"]),
]


def test_a_correct_engine_passes_and_so_does_the_real_one():
    for engine in (Engine, ComputationalGraph):
        verdict = check_engine(engine)
        assert verdict.ok, str(verdict)
        assert "f = (x + σ(y)) / (σ(x) + (x + y)^2)" in verdict.message  # the fan-out circuit was among them


@pytest.mark.parametrize("engine, mistake, words", ENGINES, ids=[e[0].__name__ for e in ENGINES])
def test_each_mistake_of_a_hand_written_engine_is_named(engine, mistake, words):
    verdict = check_engine(engine)
    assert verdict.mistake == mistake, str(verdict)
    assert verdict.message.startswith("On the lecture's circuit") or mistake in ("not-implemented", "crashed")
    for word in words:
        assert word in verdict.message, f"{word!r} not in:\n{verdict}"


class LoopsBack(Engine):
    """Walks the nodes for ever: an index that never moves on."""

    def order(self):
        i = len(self.nodes) - 1
        while i >= 0:
            yield self.nodes[i]


def test_an_engine_that_never_finishes_is_stopped():
    verdict = check_engine(LoopsBack, timeout=0.2)
    assert verdict.mistake == "timeout", str(verdict)
    assert "was still running after 0.2 s" in verdict.message
    assert "stopped at test_engine.py, " in verdict.message


def test_every_engine_mistake_id_has_an_engine_written_for_it():
    assert {mistake for _, mistake, _ in ENGINES} | {"timeout"} == set(ENGINE_MISTAKES)


def test_an_engine_without_the_methods_is_a_crash_not_an_error():
    class NoMethods:
        def __init__(self, output):
            pass

    verdict = check_engine(NoMethods)
    assert verdict.mistake == "crashed" and "'NoMethods' object has no attribute 'forward'" in verdict.message


def test_a_patched_gate_class_does_not_change_the_engine_the_learner_is_compared_with(monkeypatch):
    import gates

    monkeypatch.setattr(gates.Add, "backward", lambda self, dout: (dout, -dout))
    assert check_engine(Engine).mistake == "wrong"


def test_the_fork_message_adds_up_the_lecture_numbers():
    text = check_engine(AssignsAtForks).message
    assert "with x = 3, y = -4" in text and "= 2.06" in text       # df/dx = 2.059570 in the staged example


def test_only_the_given_circuits_are_run():
    assert check_engine(AssignsAtForks, circuits=[simple_circuit]).ok  # no fork there


class ReturnsEveryValue(Engine):
    """forward returns the dict of values instead of the output's value."""

    def forward(self, feed):
        super().forward(feed)
        return self.values


def test_a_forward_that_returns_something_else_than_the_output_value():
    verdict = check_engine(ReturnsEveryValue)
    assert verdict.mistake == "wrong"
    assert "forward returned a dict; the output's value is -12" in verdict.message
