"""`ComputationalGraph`: sort once, then run the gates forward and backward.

The two runs are the lecture's pseudocode::

    forward:   for gate in nodes_topologically_sorted():           gate.forward()
    backward:  for gate in reversed(nodes_topologically_sorted()): gate.backward()

Everything that does not change between runs (the order, which nodes need a
gradient, the names) is worked out once, when the graph is built.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from gates.base import shape_of

from .errors import FeedError, ForwardFirstError, GraphError, ShapeError
from .nodes import Input, Node, Parameter, as_value
from .trace import Trace, trace_of

__all__ = ["ComputationalGraph", "topological_order"]


def topological_order(output: Node) -> list[Node]:
    """Every node ``output`` depends on: the leaves first, then each gate after its inputs.

    A depth-first search in post-order, written with an explicit stack so that a
    chain of a million gates needs no recursion. Inputs are visited left to right,
    so ``(x + y) * z`` gives ``x, y, z, x + y, (x + y) * z``; ``output`` comes last.
    """
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(output, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((x, False) for x in reversed(node.inputs) if id(x) not in seen)
    return [n for n in order if n.gate is None] + [n for n in order if n.gate is not None]


def _public(value: Any) -> Any:
    """A value as the user gets it: 0-d values as Python floats, arrays as they are."""
    return float(value) if shape_of(value) == () else value


class ComputationalGraph:
    """The graph of every node that ``output`` depends on, built and sorted once.

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
        If two leaves share a name.

    Examples
    --------
    The lecture's first circuit, f = (x + y) z:

    >>> from graph import Input
    >>> x, y, z = Input("x"), Input("y"), Input("z")
    >>> g = ComputationalGraph((x + y) * z)
    >>> g.forward(x=-2, y=5, z=-4)
    -12.0
    >>> g.backward()
    {'x': -4.0, 'y': -4.0, 'z': 3.0}
    """

    def __init__(self, output: Node) -> None:
        if not isinstance(output, Node):
            raise TypeError(f"ComputationalGraph needs a graph node as output, got {type(output).__name__}")
        self.output = output
        self._order = topological_order(output)
        self.inputs: dict[str, Input] = {}
        self.parameters: dict[str, Parameter] = {}
        self._name_nodes()
        # The run plans: forward steps through every gate; backward, in reverse, through
        # the gates that have a gradient to pass on.
        self._steps = [(n, n.gate, n.inputs) for n in self._order if n.gate is not None]
        self._backward_steps = [step for step in reversed(self._steps) if step[0].requires_grad]
        self._grad_nodes = [n for n in self._order if n.requires_grad]
        for _, gate, inputs in self._steps:
            gate.needs_input_grad = tuple(x.requires_grad for x in inputs)
        self._grad_leaves = [*self.parameters.values(), *(x for x in self.inputs.values() if x.requires_grad)]
        self._ran_forward = False

    def _name_nodes(self) -> None:
        """Collect the leaves by name (unique), and name every unnamed gate node."""
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
        taken = {n.name for n in self._order if n.name is not None}
        counts: dict[str, int] = {}
        for node in self._order:
            if node.gate is not None and node.name is None:
                kind = type(node.gate).__name__.lower()
                while node.name is None or node.name in taken:
                    counts[kind] = counts.get(kind, 0) + 1
                    node.name = f"{kind}{counts[kind]}"
                taken.add(node.name)
                node.gate.name = node.name

    def nodes_topologically_sorted(self) -> list[Node]:
        """The nodes in the order forward runs them: inputs first, ``output`` last."""
        return list(self._order)

    def forward(self, inputs: Mapping[str, Any] | None = None, **named: Any) -> Any:
        """Feed the inputs by name, run every gate's forward in order, return the output.

        Parameters
        ----------
        inputs : mapping of str to array_like, optional
            Values for the graph's `Input` nodes.
        **named : array_like
            The same, as keywords: ``g.forward(x=-2, y=5)``.

        Returns
        -------
        float or ndarray
            The output's value; a 0-d value comes back as a Python float.

        Raises
        ------
        FeedError
            For a missing feed, an unknown name or a wrongly shaped value.
        TypeError
            For strings, objects or complex values.
        """
        feed = dict(inputs) if inputs is not None else {}
        if twice := feed.keys() & named.keys():
            raise FeedError(f"input(s) {sorted(twice)} given both in the dict and as keywords")
        feed.update(named)
        if unknown := feed.keys() - self.inputs.keys():
            raise FeedError(f"unknown input(s) {sorted(unknown)}; "
                            f"this graph's inputs are {sorted(self.inputs)}")
        if missing := self.inputs.keys() - feed.keys():
            raise FeedError(f"missing input(s) {sorted(missing)}; "
                            f"this graph's inputs are {sorted(self.inputs)}")
        self._ran_forward = False
        for name, leaf in self.inputs.items():
            leaf.value = leaf.accept(feed[name])
        node = self.output
        try:
            for node, gate, args in self._steps:
                # one and two inputs unrolled: building a list costs more than a scalar gate
                if len(args) == 1:
                    node.value = gate.forward(args[0].value)
                elif len(args) == 2:
                    node.value = gate.forward(args[0].value, args[1].value)
                else:
                    node.value = gate.forward(*[x.value for x in args])
        except Exception as exc:
            if sys.version_info >= (3, 11):
                exc.add_note(f"(in the forward of node {node.name!r}, gate {node.gate!r})")
            raise
        self._ran_forward = True
        return _public(self.output.value)

    def backward(self, dout: Any = None) -> dict[str, Any]:
        """Run every gate's backward in reverse order; return the leaves' gradients.

        Each gate gets the sum of the gradients flowing into its node (fan-out adds)
        and returns local gradient x upstream for each input. Every returned
        gradient is checked against its input's shape.

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
        ShapeError
            For a ``dout`` not shaped like the output, or a gate that returns the
            wrong number of gradients or a gradient of the wrong shape.
        """
        if not self._ran_forward:
            first = self._steps[0][1] if self._steps else self.output.name
            raise ForwardFirstError(f"ComputationalGraph: backward() called before forward(); "
                                    f"nothing has been computed yet (first gate: {first})")
        for node in self._grad_nodes:
            node.grad = None
        if self.output.requires_grad:
            self.output.grad = self._seed(dout)
        for node, gate, inputs in self._backward_steps:
            upstream = node.grad
            if upstream is None:  # only None gradients reached this node
                continue
            grads: Any = gate.backward(upstream)  # a learner's gate may return anything
            if type(grads) is not tuple or len(grads) != len(inputs):
                _check_count(node, grads)
            for x, g in zip(inputs, grads, strict=True):
                if g is None:
                    continue
                value = x.value
                # (two Python floats have the same shape: no look-up needed on scalar graphs)
                if (type(g) is not float or type(value) is not float) and shape_of(g) != shape_of(value):
                    _check_shapes(node, grads)
                if not x.requires_grad:
                    continue
                if x.grad is None:
                    # the first gradient to arrive: keep our own copy if it shares memory with
                    # another gradient (a gate may hand dout through, or return one array twice)
                    if type(g) is not float and isinstance(g, np.ndarray) and (
                            np.may_share_memory(g, upstream) or sum(h is g for h in grads) > 1):
                        g = g.copy()
                    x.grad = g
                else:
                    x.grad = x.grad + g  # fan-out: gradients add (never in place: a new array)
        return {str(n.name): _public(n.grad) for n in self._grad_leaves if n.grad is not None}

    def _seed(self, dout: Any) -> Any:
        """The gradient of the output with respect to itself, or the given ``dout``, checked."""
        value = self.output.value
        shape = shape_of(value)
        if dout is None:
            if np.size(value) != 1:
                raise ShapeError(f"ComputationalGraph: output {self.output.name!r} has shape {shape}; "
                                 "backward(dout) needs dout of that shape (it may be omitted "
                                 "only for a one-element output)")
            dtype = value.dtype if isinstance(value, (np.ndarray, np.floating)) else np.float64
            return as_value(np.ones(shape, dtype=dtype), "dout", to_float=True)  # 1.0 as a Python float
        seed = as_value(dout, "dout", to_float=True)
        if shape_of(seed) != shape:
            raise ShapeError(f"ComputationalGraph: dout has shape {shape_of(seed)}, expected {shape}, "
                             f"the shape of output {self.output.name!r}")
        return seed

    def __repr__(self) -> str:
        return (f"<ComputationalGraph: {len(self._steps)} gates, "
                f"inputs {list(self.inputs)}, parameters {list(self.parameters)}, "
                f"output {self.output.name!r}>")

    # Looking at a run: the chain-rule table and the drawing (graph/trace.py, graph/draw.py).
    # Nothing is recorded during forward or backward; these read what the nodes hold.

    def trace(self) -> Trace:
        """The chain-rule steps of the last `backward`: one per gate, in the order they ran.

        Each step gives the node, its gate, the upstream gradient, and for each
        input the local gradient and the downstream gradient (local × upstream);
        array values are summarised by shape and norm. ``print`` it for a text
        table; Jupyter shows an HTML table. See `graph.trace.Trace`.

        Raises
        ------
        graph.TraceError
            Before any `backward`, or after a `forward` that followed it.
        """
        return trace_of(self)

    def to_dot(self, *, title: str | None = None, digits: int = 4) -> str:
        """The graph as Graphviz DOT text: values in green, gradients in red (`graph.draw.to_dot`)."""
        from .draw import to_dot

        return to_dot(self, title=title, digits=digits)

    def render(self, path: str | os.PathLike[str], format: str = "svg", *, title: str | None = None,
               digits: int = 4) -> Path:
        """Draw the graph into the file ``path`` (`graph.draw.render`); needs a Graphviz engine.

        Raises
        ------
        graph.GraphvizNotFoundError
            If none is installed; ``pip install "gategraph[viz]"`` brings one.
        """
        from .draw import render

        return render(self, path, format, title=title, digits=digits)

    def _repr_svg_(self) -> str:
        """Jupyter's picture of the graph, with values and gradients (`graph.draw.to_svg`)."""
        from .draw import to_svg

        return to_svg(self)


def _check_count(node: Node, grads: Any) -> None:
    """Raise `ShapeError` unless a gate returned one gradient per input (a tuple or list)."""
    if not isinstance(grads, (tuple, list)) or len(grads) != len(node.inputs):
        got = f"{len(grads)}" if isinstance(grads, (tuple, list)) else f"a {type(grads).__name__}"
        raise ShapeError(f"{node.gate} (node {node.name!r}): backward must return a tuple of "
                         f"{len(node.inputs)} gradient(s), one per input, got {got}")


def _check_shapes(node: Node, grads: Any) -> None:
    """Raise `ShapeError` for the first gradient not shaped exactly like its input."""
    for i, (x, g) in enumerate(zip(node.inputs, grads, strict=True)):
        if g is not None and shape_of(g) != shape_of(x.value):
            raise ShapeError(
                f"{node.gate} (node {node.name!r}): gradient for input {i} ({x.name!r}) "
                f"has shape {shape_of(g)}, expected {shape_of(x.value)}, the input's shape")
