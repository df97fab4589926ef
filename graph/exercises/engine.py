"""`check_engine`: a learner's own ``ComputationalGraph`` (the lecture's two loops), against the real one.

The protocol, the lecture's pseudocode as a class::

    class MyGraph:
        def __init__(self, output):     # the graph's output node
            ...                         # sort the nodes once: topological_order(output)
        def forward(self, feed):        # feed: {input name: value}
            ...                         # every gate's forward, in topological order
            return value_of_the_output
        def backward(self):
            ...                         # every gate's backward, in reverse order, from ∂f/∂f = 1
            return {input name: gradient}

The checker builds each of the lecture's circuits twice: one copy runs on the
real engine, whose tape records every value and every gradient each gate
received and sent; the other on the learner's class, with each of its gates
watched (the order the learner's loops call them in, and with what). Then the
first thing that differs names the mistake: a gate run before its inputs (or,
going back, before the gates that use it) is ``wrong-order``; an output gate
that does not receive ∂f/∂f = 1 is ``missing-seed``; a node that fans out and
gets one of its gradients instead of their sum is ``assigns-at-fork``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..computational_graph import ComputationalGraph
from ..lecture import Example, patterns, sigmoid_neuron, simple_circuit, staged, vectorised
from ..nodes import Node
from ..tape import Tape
from .compare import close, fmt, numeric_problem
from .learner import DEFAULT_TIMEOUT, Crash, Runner, crash_verdict, method, unreadable
from .mistakes import TABLE, Finding, meanings
from .pristine import pristine
from .verdict import Verdict

__all__ = ["CIRCUITS", "ENGINE_MISTAKES", "check_engine"]

#: The mistakes `check_engine` names in a hand-written engine (the lecture's two loops).
ENGINE_MISTAKES: dict[str, str] = meanings(
    ("not-implemented", "crashed", "timeout", "missing-seed", "wrong-order", "assigns-at-fork", "wrong"))

#: The lecture's circuits an engine is checked on, simplest first; the staged example fans out.
CIRCUITS: tuple[Callable[[], Example], ...] = (
    simple_circuit, sigmoid_neuron, patterns, staged, vectorised)


def check_engine(engine: Callable[[Node], Any], *, circuits: Sequence[Callable[[], Example]] = CIRCUITS,
                 timeout: float | None = DEFAULT_TIMEOUT) -> Verdict:
    """Run a learner's engine on the lecture's circuits and compare every step with the real engine's tape.

    Parameters
    ----------
    engine : class
        Called with a graph's output node; its instances have ``forward(feed)``,
        returning the output's value, and ``backward()``, returning
        ``{input name: gradient}`` (module docstring).
    circuits : sequence of callables
        Each makes a fresh `graph.lecture.Example`; by default `CIRCUITS`.
    timeout : float or None
        The time the learner's engine may take in all, in seconds (``None``: no
        limit); past it the verdict is ``timeout``. As for `check`, the limit needs
        the main thread of a POSIX system and is off elsewhere.

    Returns
    -------
    Verdict
        ``ok``, or one mistake of `ENGINE_MISTAKES`, named on the first circuit where
        it shows, with the node and its numbers.

    Examples
    --------
    >>> from graph import ComputationalGraph
    >>> check_engine(ComputationalGraph).ok
    True
    """
    subject = str(getattr(engine, "__name__", type(engine).__name__))
    run = Runner(timeout)
    for make in circuits:
        circuit = _Circuit(engine, subject, make, run)
        try:
            verdict = circuit.verdict()
        except Exception as error:  # what the learner's engine returned defeated a comparison
            return unreadable(subject, error)
        if verdict is not None:
            return verdict
    names = "; ".join(make().formula for make in circuits)
    return Verdict(True, None, (
        f"`{subject}` computes every value and every gradient that ComputationalGraph does, on the "
        f"lecture's circuits: {names}. Each gate ran forward after its inputs, backward after the gates "
        "that use its output, from ∂f/∂f = 1, with the gradients summed where a value fans out."), subject)


@dataclass
class _Call:
    """A call the learner's engine made to a gate: which node, forward or backward, with what."""

    node: Node
    backward: bool
    args: tuple[Any, ...]


@dataclass
class _Watch:
    """Records the calls the learner's engine makes to the gates of one circuit."""

    calls: list[_Call] = field(default_factory=list)

    def attach(self, nodes: Sequence[Node]) -> None:
        for node in nodes:
            gate = node.gate
            if gate is not None:
                gate.forward = self._watched(node, gate.forward, False)    # type: ignore[method-assign]
                gate.backward = self._watched(node, gate.backward, True)   # type: ignore[method-assign]

    def _watched(self, node: Node, method: Callable[..., Any], backward: bool) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(_Call(node, backward, args))
            return method(*args, **kwargs)
        return call


def _with_pristine_gates(order: Sequence[Node]) -> dict[Node, Node]:
    """The graph of ``order`` again, each gate node remade on its gate as it was at import (`pristine`).

    Leaves stay as they are. Returns a map from each node of ``order`` to its remade twin.
    """
    twin: dict[Node, Node] = {}
    for node in order:
        if node.gate is None:
            twin[node] = node
        else:
            twin[node] = pristine(node.gate)(*(twin[x] for x in node.inputs), name=node.name)
    return twin


class _Circuit:
    """One circuit: the real engine's tape, the learner's run, and the first difference."""

    def __init__(self, engine: Callable[[Node], Any], subject: str, make: Callable[[], Example],
                 run: Runner) -> None:
        self.engine, self.subject, self.run = engine, subject, run
        reference = make()
        rebuilt = _with_pristine_gates(reference.graph.nodes_topologically_sorted())
        graph = ComputationalGraph(rebuilt[reference.graph.output])
        graph.forward(reference.feed)
        self.right_grads = graph.backward()
        self.tape: Tape = graph.tape()
        self.example = make()
        self.order = self.example.graph.nodes_topologically_sorted()
        self.twin = {mine: rebuilt[theirs] for mine, theirs in
                     zip(self.order, reference.graph.nodes_topologically_sorted(), strict=True)}
        self.users = {n: [m for m in self.order if n in m.inputs] for n in self.order}
        feed = ", ".join(f"{k} = {fmt(v)}" for k, v in self.example.feed.items())
        self.where = f"On the lecture's circuit {self.example.formula}, with {feed}"

    def _say(self, mistake: str, text: str, hint: str) -> Verdict:
        return TABLE[mistake].verdict(Finding(self.subject, where=self.where, detail=f"{self.where}: {text}",
                                              rule=hint))

    def verdict(self) -> Verdict | None:
        watch = _Watch()
        watch.attach(self.order)
        output = self.example.graph.output
        engine, crash = self.run(f"{self.subject}(output)", self.engine, output)
        if crash is not None:
            return crash_verdict(crash, self.subject)
        feed = dict(self.example.feed)
        value, crash = self.run(f"{self.subject}(output).forward(feed)", method(engine, "forward"), feed)
        if crash is not None and crash.timed_out:  # (its calls may be countless: nothing to learn from them)
            return crash_verdict(crash, self.subject)
        found = self._forward(watch.calls, value, crash)
        if found is not None:
            return found
        done = len(watch.calls)
        grads, crash = self.run(f"{self.subject}(output).backward()", method(engine, "backward"))
        if crash is not None and crash.timed_out:
            return crash_verdict(crash, self.subject)
        return self._backward(watch.calls[done:], grads, crash)

    # forward: each gate after its inputs, with the right values

    def _forward(self, calls: list[_Call], value: Any, crash: Crash | None) -> Verdict | None:
        ran: set[Node] = set()
        for call in calls:
            if call.backward:
                continue
            early = [x for x in call.node.inputs if x.gate is not None and x not in ran]
            if early:
                return self._forward_order(call.node, early[0])
            ran.add(call.node)
            right = tuple(self.tape.values[self.twin[x]] for x in call.node.inputs)
            for x, got, want in zip(call.node.inputs, call.args, right, strict=False):
                if not close(got, want):
                    return self._say("wrong", (
                        f"forward gave gate {call.node.name!r} the input {x.name or 'constant'} = "
                        f"{fmt(got)}, but {x.name or 'it'} = {fmt(want)}."),
                        "a leaf's value comes from the feed (an input) or from the node itself (a constant); "
                        "a gate's inputs are the values forward computed for its input nodes.")
        if crash is not None:
            key = crash.error.args[0] if isinstance(crash.error, KeyError) and crash.error.args else None
            if isinstance(key, Node) and key.gate is not None and key not in ran:
                user = next((m for m in self.users[key] if m not in ran), key)
                return self._forward_order(user, key)
            return crash_verdict(crash, self.subject)
        missing = [n.name for n in self.order if n.gate is not None and n not in ran]
        if missing:
            return self._say("wrong", f"forward never ran the gate of {', '.join(map(repr, missing))}.",
                             "forward runs every gate, in topological order: `for node in nodes`.")
        right = self.tape.values[self.twin[self.example.graph.output]]
        if numeric_problem(value, "") is not None or not close(value, right):
            got = fmt(value) if numeric_problem(value, "") is None else f"a {type(value).__name__}"
            return self._say("wrong", f"forward returned {got}; the output's value is {fmt(right)}.",
                             "forward returns the value of the output node, the last in topological order.")
        return None

    def _forward_order(self, node: Node, before: Node) -> Verdict:
        return TABLE["wrong-order"].verdict(Finding(
            self.subject, where=self.where,
            detail=(f"forward needs the value of {before.name!r} for gate {node.name!r} before it has "
                    "computed it."),
            rule="forward visits the nodes in topological order, each after its inputs: "
                 "`for node in nodes_topologically_sorted()`."))

    # backward: from ∂f/∂f = 1, each gate after its users, with the sum of its gradients

    def _backward(self, calls: list[_Call], grads: Any, crash: Crash | None) -> Verdict | None:
        output = self.example.graph.output
        done: set[Node] = set()
        for call in calls:
            if not call.backward:
                continue
            node = call.node
            pending = [m for m in self.users[node] if m not in done]
            if pending:
                return self._backward_order(node, pending[0])
            done.add(node)
            upstream, right = call.args[0] if call.args else None, self.tape.grads[self.twin[node]]
            if not close(upstream, right):
                if node is output:
                    return self._seed(upstream)
                return self._upstream(node, upstream, right)
        if crash is not None:  # a gradient looked up before it was there: too early, or never seeded
            key = crash.error.args[0] if isinstance(crash.error, KeyError) and crash.error.args else None
            if isinstance(key, Node):
                pending = [m for m in self.users[key] if m not in done] if key in self.users else []
                if key.gate is not None and pending:
                    return self._backward_order(key, pending[0])
                if output not in done:
                    return self._seed(None)
            return crash_verdict(crash, self.subject)
        if output not in done:
            return self._seed(None)
        if not isinstance(grads, dict):
            return self._say("wrong", f"backward returned {type(grads).__name__}, not a dict.",
                             "backward returns `{name: gradient}` for every input, as ComputationalGraph "
                             "does.")
        leaves = {n.name: n for n in self.order if n.gate is None}
        for name, right in self.right_grads.items():
            if name not in grads:
                return self._say("wrong", f"backward returned no gradient for input {name!r}.",
                                 "backward returns `{name: gradient}` for every input.")
            if not close(grads[name], right):
                return self._upstream(leaves[name], grads[name], right)
        return None

    def _backward_order(self, node: Node, user: Node) -> Verdict:
        return TABLE["wrong-order"].verdict(Finding(
            self.subject, where=self.where,
            detail=(f"backward ran gate {node.name!r} before gate {user.name!r}, which uses its value: at "
                    f"that time the gradient of {node.name!r} was not complete."),
            rule="backward visits the nodes in reverse topological order, "
                 "`for node in reversed(nodes_topologically_sorted())`, so that every gate has received all "
                 "of its gradient before it passes it on."))

    def _seed(self, upstream: Any) -> Verdict:
        output = self.example.graph.output
        got = ("never ran the output's gate" if upstream is None else
               f"gave the output's gate {output.name!r} the upstream gradient {fmt(upstream)}")
        return TABLE["missing-seed"].verdict(Finding(self.subject, where=self.where, detail=got,
                                                     right=fmt(self.tape.dout)))

    def _upstream(self, node: Node, got: Any, right: Any) -> Verdict:
        twin = self.twin[node]
        parts = [(step.node.name, d) for step in self.tape.steps
                 for x, d in zip(step.node.inputs, step.downstream, strict=True)
                 if x is twin and d is not None]
        what = "the upstream gradient of gate" if node.gate is not None else "the gradient of input"
        if len(parts) > 1 and any(close(got, d) for _, d in parts):
            return TABLE["assigns-at-fork"].verdict(Finding(
                self.subject, where=self.where, detail=(node.name, len(parts), _sum_of(parts)),
                right=fmt(right), mine=fmt(got)))
        return self._say("wrong", f"{what} {node.name!r} is {fmt(got)}; it should be {fmt(right)}.",
                         "each gate's backward gets the gradient of its own node (summed over its uses), "
                         "and its results go to its inputs in order: "
                         "`zip(node.inputs, gate.backward(dout))`.")


def _sum_of(parts: list[tuple[str | None, Any]]) -> str:
    """The terms of a sum as text, each with its gate: ``1.58 (from 'xpy') - 0.04 (from 'sigx')``."""
    text = ""
    for user, value in parts:
        number = fmt(value)
        if text:
            number = f"- {number[1:]}" if number.startswith("-") else f"+ {number}"
            text += " "
        text += f"{number} (from {user!r})"
    return text
