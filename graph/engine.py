"""The engine: the lecture's `ComputationalGraph`, sorted once, its two runs recording themselves.

The two runs are the lecture's pseudocode::

    forward:   for gate in nodes_topologically_sorted():           gate.forward()
    backward:  for gate in reversed(nodes_topologically_sorted()): gate.backward()

Each run is recorded as it happens on a `Tape` that belongs to the graph: the
values forward computes, and the gradients each gate receives and sends on.
``backward`` returns what the tape holds, and every view of the run (the trace,
the drawing, the player) reads the tape. `Engine` knows no view and no compiler:
the class users import, `graph.ComputationalGraph`, is this engine with the views
and ``compile()`` added from the layer above (`graph.computational_graph`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import numpy as np

from gates.base import shape_of

from .errors import FeedError, ForwardFirstError, GraphError, ShapeError
from .nodes import Input, Node, Parameter, as_value
from .tape import RUNS, Record, Tape, cast_like, name_the_node, own, stale_error

__all__ = ["Engine", "topological_order"]

def topological_order(output: Node) -> list[Node]:
    """Every node ``output`` depends on, each after its inputs: the leaves first, ``output`` last.

    Kahn's algorithm run from the output, without recursion: count how many times
    each node is used, then take a node once all its users are taken. That lists
    the nodes from the output back to the leaves; reversed, it is the order to run
    them in. ``(x + y) * z`` gives ``x, y, z, x + y, (x + y) * z``.

    Raises
    ------
    GraphError
        If the nodes form a cycle.
    """
    uses: dict[Node, int] = {output: 0}
    stack = [output]
    while stack:
        for x in stack.pop().inputs:
            if x in uses:
                uses[x] += 1
            else:
                uses[x] = 1
                stack.append(x)
    if uses[output]:
        raise _cycle(output)
    backwards: list[Node] = []
    ready = [output]
    while ready:
        node = ready.pop()
        backwards.append(node)
        for x in node.inputs:
            uses[x] -= 1
            if uses[x] == 0:
                ready.append(x)
    if len(backwards) != len(uses):
        raise _cycle(next(n for n, count in uses.items() if count > 0))
    backwards.reverse()
    return [n for n in backwards if n.gate is None] + [n for n in backwards if n.gate is not None]


def _cycle(node: Node) -> GraphError:
    return GraphError(f"the graph has a cycle through node {node.name!r}: a value cannot depend on itself")


class Engine:
    """The graph of every node that ``output`` depends on, built and sorted once.

    This is the lecture's ``ComputationalGraph``: its two loops and their record,
    without the views (which `graph.ComputationalGraph` adds).

    Parameters
    ----------
    output : Node
        The node to compute (usually a scalar loss).

    Attributes
    ----------
    output : Node
    inputs : dict of str to Input
        The values to feed at each `forward`, by name.
    parameters : dict of str to Parameter
        The leaves that keep their values between runs.

    Raises
    ------
    GraphError
        If two leaves share a name, or the nodes form a cycle.

    Notes
    -----
    A run belongs to its graph. Graphs may share nodes, gates and parameters: each
    records its own runs, and ``backward`` refuses (`GraphError`) when another
    graph's forward has since overwritten what a shared gate kept. Runs are
    serialised by a lock, so graphs may be used from several threads; a
    ``backward`` must come from the thread that ran the graph's last ``forward``
    (else `GraphError`). To train in parallel, give each thread its own graph.

    Examples
    --------
    The lecture's first circuit, f = (x + y) z:

    >>> from graph import Input
    >>> x, y, z = Input("x"), Input("y"), Input("z")
    >>> g = Engine((x + y) * z)
    >>> g.forward(x=-2, y=5, z=-4)
    -12.0
    >>> g.backward()
    {'x': -4.0, 'y': -4.0, 'z': 3.0}
    """

    def __init__(self, output: Node) -> None:
        if not isinstance(output, Node):
            raise TypeError(f"ComputationalGraph needs a graph node as output, got {type(output).__name__}")
        self.output = output
        self._order = tuple(topological_order(output))
        self.inputs: dict[str, Input] = {}
        self.parameters: dict[str, Parameter] = {}
        self._collect_leaves()
        self._name_gate_nodes()
        self._gate_nodes = [n for n in self._order if n.gate is not None]
        self._takes_grads = sum(n.requires_grad for n in self._order)
        self._constants = {n: n.value for n in self._order
                           if n.gate is None and not isinstance(n, (Input, Parameter))}
        self._tape: Tape | None = None      # the interpreter's last run, which its backward continues
        self._record: Tape | Record | None = None  # the last run of either executor: what the views show

    def _collect_leaves(self) -> None:
        """Collect the inputs and parameters by name; leaf names must be unique."""
        leaves: dict[str, Node] = {}
        for node in self._order:
            if node.gate is None and node.name is not None:
                if node.name in leaves:
                    raise GraphError(f"two leaves are named {node.name!r}: {leaves[node.name]!r} "
                                     f"and {node!r}; leaf names must be unique")
                leaves[node.name] = node
                if isinstance(node, Input):
                    self.inputs[node.name] = node
                elif isinstance(node, Parameter):
                    self.parameters[node.name] = node

    def _name_gate_nodes(self) -> None:
        """Name every unnamed gate node after its gate: ``add1``, ``multiply1``, ``add2``, ..."""
        taken = {n.name for n in self._order if n.name is not None}
        counts: dict[type, int] = {}
        for node in self._order:
            if node.name is None and node.gate is not None:
                kind = type(node.gate)
                name = None
                while name is None or name in taken:
                    counts[kind] = counts.get(kind, 0) + 1
                    name = f"{kind.__name__.lower()}{counts[kind]}"
                node.name = name
                taken.add(name)

    def nodes_topologically_sorted(self) -> tuple[Node, ...]:
        """The nodes in the order forward runs them, sorted once when the graph was built.

        Every leaf comes first, then each gate node after its inputs; ``output`` is last.
        """
        return self._order

    # --- the lecture's two loops -----------------------------------------------------------------

    def forward(self, inputs: Mapping[str, Any] | None = None, /, **named: Any) -> Any:
        """Feed the inputs by name, run every gate's forward in order, return the output.

        Parameters
        ----------
        inputs : mapping of str to array_like, optional
            Values for the graph's `Input` nodes (positional only).
        **named : array_like
            The same, as keywords: ``g.forward(x=-2, y=5)``. Any name may be
            given so, ``inputs`` included.

        Returns
        -------
        float or ndarray
            The output's value (read-only); a 0-d value comes back as a Python float.

        Raises
        ------
        FeedError
            For a missing feed, an unknown name or a wrongly shaped value.
        TypeError
            For strings, objects or complex values.
        """
        feed = self._feed(inputs, named)
        with RUNS:
            tape = self._tape = self._record = self._start_forward(feed)
            values = tape.values
            node = self.output
            try:
                for node in self.nodes_topologically_sorted():
                    if node.gate is not None:
                        values[node] = node.gate.forward(*tape.inputs(node))
            except Exception as exc:
                tape.abandon(node)
                name_the_node(exc, node, "forward")
                raise
            return tape.finish_forward()

    def backward(self, dout: Any = None) -> dict[str, Any]:
        """Run every gate's backward in reverse order; return the gradients of the inputs and parameters.

        Each gate gets the sum of the gradients that reached its node (fan-out adds)
        and returns local gradient x upstream for each input. Every returned
        gradient is checked: one per input, a number or an array shaped exactly like
        its input.

        Parameters
        ----------
        dout : array_like, optional
            Gradient of the final objective with respect to the output, shaped
            like the output; may be omitted when the output has one element.

        Returns
        -------
        dict of str to float or ndarray
            The gradient for every `Input` that requires one and every `Parameter`
            (0-d gradients as Python floats). Leaves that got no gradient (labels)
            are left out.

        Raises
        ------
        ForwardFirstError
            Before any `forward`.
        GraphError
            When another graph's forward has overwritten what a shared gate kept
            since this graph's forward, or the forward ran in another thread.
        ShapeError
            For a ``dout`` not shaped like the output, or a gate that returns the
            wrong number of gradients or a gradient of the wrong shape.
        """
        with RUNS:
            tape = self._start_backward(dout)
            grads = tape.grads
            node = self.output
            try:
                for node in reversed(self.nodes_topologically_sorted()):
                    upstream = grads.get(node)
                    if node.gate is not None and upstream is not None:
                        tape.send(node, upstream, node.gate.backward(upstream) if node.skips is None else
                                  _gate_backward(node, upstream))
            except Exception as exc:
                name_the_node(exc, node, "backward")
                raise
            tape.finish_backward()
            return {name: own(grads[leaf]) for name, leaf in self._gradient_leaves() if leaf in grads}

    # --- the checks, and the start of each run ---------------------------------------------------

    def _feed(self, inputs: Mapping[str, Any] | None, named: dict[str, Any]) -> dict[str, Any]:
        """Every input's value by name, from the dict and the keywords, or a `FeedError`."""
        if inputs is not None and not isinstance(inputs, Mapping):
            raise FeedError(f"forward takes the inputs as a dict {{name: value}} or as keywords "
                            f"(name=value), got {type(inputs).__name__}; "
                            f"this graph's inputs are {sorted(self.inputs)}")
        feed = dict(inputs) if inputs is not None else {}
        if bad := [key for key in feed if not isinstance(key, str)]:
            raise FeedError(f"inputs are fed by name, a string; got the key {bad[0]!r} "
                            f"({type(bad[0]).__name__}); this graph's inputs are {sorted(self.inputs)}")
        if twice := feed.keys() & named.keys():
            raise FeedError(f"input(s) {sorted(twice)} given both in the dict and as keywords")
        feed.update(named)
        if unknown := feed.keys() - self.inputs.keys():
            raise FeedError(f"unknown input(s) {sorted(unknown)}; "
                            f"this graph's inputs are {sorted(self.inputs)}")
        if missing := self.inputs.keys() - feed.keys():
            raise FeedError(f"missing input(s) {sorted(missing)}; "
                            f"this graph's inputs are {sorted(self.inputs)}")
        return {name: leaf.accept(feed[name]) for name, leaf in self.inputs.items()}

    def _start_forward(self, feed: dict[str, Any]) -> Tape:
        """A new tape holding the leaves' values: the constants, the feed, the parameters."""
        tape = Tape(self._order, self.output, self._gate_nodes, self._takes_grads)
        values = tape.values
        values.update(self._constants)
        for name, node in self.inputs.items():
            values[node] = node._value = feed[name]
            node.last_run = tape
        for param in self.parameters.values():
            values[param] = param.recorded()
            param.last_run = tape
        return tape

    def _start_backward(self, dout: Any) -> Tape:
        """The tape of the last forward, ready for a backward that starts from ``dout`` (or ∂f/∂f = 1)."""
        tape = self._tape
        if tape is None or not tape.forward_done:
            first = self._gate_nodes[0] if self._gate_nodes else self.output
            raise ForwardFirstError(f"ComputationalGraph: backward() called before forward() ran to the "
                                    f"end; nothing has been computed yet (first gate: {first})")
        if self._record is not tape:
            raise GraphError("ComputationalGraph: the last forward of this graph ran compiled (a plan from "
                             "g.compile()); call that plan's backward(), or run g.forward() again before "
                             "g.backward()")
        if tape.thread != threading.get_ident():
            raise GraphError("ComputationalGraph: this graph's last forward ran in another thread; "
                             "run forward in this thread before its backward (or give each thread "
                             "its own graph)")
        for node in self._gate_nodes:
            if node.last_run is not tape:
                raise stale_error(node)
        tape.grads, tape.sent, tape.backward_done = {}, [], False  # each backward starts from zero
        if self.output.requires_grad:
            tape.dout = tape.grads[self.output] = self._seed(dout, tape.values[self.output])
        return tape

    def _seed(self, dout: Any, value: Any) -> Any:
        """The gradient of the output with respect to itself, or the given ``dout``, checked."""
        shape = shape_of(value)
        if dout is None:
            if np.size(value) != 1:
                raise ShapeError(f"output {self.output.name!r} has shape {shape}; "
                                 "backward(dout) needs dout of that shape (it may be omitted "
                                 "only for a one-element output)", node=self.output.name)
            dtype = value.dtype if isinstance(value, (np.ndarray, np.floating)) else np.float64
            return as_value(np.ones(shape, dtype=dtype), "dout", to_float=True)  # 1.0 as a Python float
        seed = as_value(dout, "dout", to_float=True)
        if shape_of(seed) != shape:
            raise ShapeError(f"dout has shape {shape_of(seed)}, expected {shape}, "
                             f"the shape of output {self.output.name!r}", node=self.output.name)
        return cast_like(seed, value)  # ∂f/∂f has the output's dtype, as every gradient has its variable's

    def _gradient_leaves(self) -> list[tuple[str, Node]]:
        """The leaves ``backward`` reports, by name: every parameter, and the inputs that need a gradient."""
        return [*self.parameters.items(), *((k, x) for k, x in self.inputs.items() if x.requires_grad)]

    def __repr__(self) -> str:
        return (f"<ComputationalGraph: {len(self._gate_nodes)} gates, "
                f"inputs {list(self.inputs)}, parameters {list(self.parameters)}, "
                f"output {self.output.name!r}>")

    # --- views of the last run: each reads the tape ----------------------------------------------

    def tape(self) -> Tape:
        """The record of the last run, by the interpreter or a compiled plan (see `graph.tape.Tape`).

        Raises
        ------
        ForwardFirstError
            Before any `forward`.
        GraphError
            When the last run was a compiled plan's that records nothing (``compile(record=False)``).
        """
        record = self._record
        if record is None:
            raise ForwardFirstError("ComputationalGraph: nothing has run yet; call forward() first")
        return record if isinstance(record, Tape) else record.tape()

    def _recorded(self, record: Record) -> None:
        """Make ``record`` (a compiled plan's run) this graph's last run, which every view shows."""
        self._record = record

    def _last_leaves(self) -> list[Any] | None:
        """The values of the inputs and parameters in the last run, if there was one that was recorded."""
        try:
            tape = self.tape()
        except (ForwardFirstError, GraphError):
            return None
        return [tape.values[leaf] for leaf in (*self.inputs.values(), *self.parameters.values())]

def _gate_backward(node: Node, upstream: Any) -> Any:
    """``node.gate.backward(upstream)`` for a gate that can skip gradients: which inputs need none."""
    gate = node.gate
    assert gate is not None
    return gate.backward(upstream, needs_input_grad=node.skips)  # type: ignore[call-arg]
