"""The chain-rule table of a backward pass: ``ComputationalGraph.trace()``.

The lecture's central sentence is *downstream gradient = local gradient ×
upstream gradient*. After a ``backward``, `trace_of` lists the steps in the
order they ran, one per gate: the node, the gate's symbol, the upstream
gradient the node received (summed over its uses), and for each input of the
gate its local gradient and the downstream gradient sent to it.

Nothing is recorded while ``backward`` runs, so tracing costs a backward pass
nothing. The table is rebuilt afterwards from what the graph holds: each
node's ``grad`` is its upstream gradient, and a gate's ``backward`` is a pure
function of what its ``forward`` kept and of ``dout``, so calling it again
gives the downstream gradients (and, for a gate with a scalar output,
``backward(1)`` gives the local gradients). The rebuilt gradients are checked
against the ones ``backward`` left on the nodes, so a ``forward`` run since
the last ``backward`` is reported instead of traced wrongly.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from gates.base import shape_of

from .nodes import Constant, Node
from .text import aligned_table

if TYPE_CHECKING:
    from .computational_graph import ComputationalGraph

__all__ = ["Trace", "TraceError", "TraceStep", "format_value", "node_label", "replay", "trace_of"]


class TraceError(RuntimeError):
    """There is no backward to trace: none has run since the last ``forward``."""


def format_value(value: Any, digits: int = 6, full_size: int = 0) -> str:
    """A value written compactly: numbers to ``digits`` significant digits.

    Parameters
    ----------
    value : float or array_like or None
        What to write; ``None`` (no gradient) is written ``—``.
    digits : int
        Significant digits of each number.
    full_size : int
        Arrays with at most this many elements are written in full; larger
        ones (and all arrays when 0) as their shape and Euclidean norm.

    Returns
    -------
    str

    Examples
    --------
    >>> format_value(-4.0), format_value(0.7310585786300049), format_value(None)
    ('-4', '0.731059', '—')
    >>> format_value(np.array([0.22, 0.26]))
    '(2,) ‖·‖=0.340588'
    >>> format_value(np.array([[0.088, 0.176], [0.104, 0.208]]), digits=3, full_size=6)
    '[[0.088, 0.176], [0.104, 0.208]]'
    """
    if value is None:
        return "—"
    shape = shape_of(value)
    if shape == ():
        return _number(value, digits)
    array = np.asarray(value)
    if array.size <= full_size:
        return _nested(array, digits)
    norm = float(np.linalg.norm(array.astype(np.float64, copy=False).ravel()))
    return f"{shape} ‖·‖={_number(norm, digits)}"


def _number(x: Any, digits: int) -> str:
    x = x.item() if isinstance(x, np.generic) else x
    if isinstance(x, (bool, int, np.integer)) and not isinstance(x, float):
        return str(int(x))
    text = f"{float(x):.{digits}g}"
    return "0" if text == "-0" else text


def _nested(array: np.ndarray, digits: int) -> str:
    if array.ndim == 0:
        return _number(array[()], digits)
    return "[" + ", ".join(_nested(row, digits) for row in array) + "]"


@dataclass(frozen=True)
class TraceStep:
    """One gate's share of a backward pass.

    Attributes
    ----------
    node : str
        Name of the gate's node.
    gate : str
        The gate's symbol (``+``, ``*``, ``σ``, ...).
    upstream : float or ndarray
        The gradient of the output with respect to this node, shaped like the
        node's value: the sum over all its uses (fan-out adds).
    inputs : tuple of str
        Names of the gate's input nodes (a constant is written as its value).
    local : tuple, or None
        For a gate with a scalar output, the local gradient with respect to
        each input (``gate.backward(1)``), shaped like that input; ``None`` when
        the output is an array (the local gradient is then a Jacobian, never
        formed). An entry is ``None`` for an input that takes no gradient.
    downstream : tuple
        The gradient sent to each input, shaped like that input:
        ``local × upstream``; ``None`` for an input that takes no gradient
        (a constant, data, labels).
    """

    node: str
    gate: str
    upstream: Any
    inputs: tuple[str, ...]
    local: tuple[Any, ...] | None
    downstream: tuple[Any, ...]

    def rows(self, digits: int = 6) -> list[tuple[str, str, str, str, str, str]]:
        """The step as table rows: one per input, node, gate and upstream on the first.

        Examples
        --------
        >>> step = TraceStep("q", "+", -4.0, ("x", "y"), (1.0, 1.0), (-4.0, -4.0))
        >>> step.rows()
        [('q', '+', '-4', 'x', '1', '-4'), ('', '', '', 'y', '1', '-4')]
        """
        local = self.local if self.local is not None else (None,) * len(self.inputs)
        rows = []
        for i, name in enumerate(self.inputs):
            first = i == 0
            rows.append((self.node if first else "", self.gate if first else "",
                         format_value(self.upstream, digits) if first else "", name,
                         format_value(local[i], digits), format_value(self.downstream[i], digits)))
        if not rows:  # a gate without inputs
            rows.append((self.node, self.gate, format_value(self.upstream, digits), "", "", ""))
        return rows


_HEADER = ("node", "gate", "upstream", "input", "local", "downstream")
_CAPTION = "downstream = local × upstream, gate by gate in the order backward ran"


class Trace:
    """The chain-rule steps of a backward pass, one `TraceStep` per gate, in the order they ran.

    ``str(trace)`` is an aligned text table; Jupyter shows an HTML table. The
    steps are available as a list: ``trace.steps``, ``trace[0]``,
    ``trace["q"]`` (by node name), ``len(trace)``, iteration.

    Examples
    --------
    >>> from graph import ComputationalGraph, Input
    >>> x, y, z = Input("x"), Input("y"), Input("z")
    >>> g = ComputationalGraph(((x + y).named("q") * z).named("f"))
    >>> g.forward(x=-2, y=5, z=-4)
    -12.0
    >>> g.backward()
    {'x': -4.0, 'y': -4.0, 'z': 3.0}
    >>> print(g.trace())
    downstream = local × upstream, gate by gate in the order backward ran
    node  gate  upstream  input  local  downstream
    ----  ----  --------  -----  -----  ----------
    f     *     1         q      -4     -4
                          z      3      3
    q     +     -4        x      1      -4
                          y      1      -4
    >>> [float(g) for g in g.trace()["q"].downstream]
    [-4.0, -4.0]
    """

    def __init__(self, steps: list[TraceStep]) -> None:
        self.steps = steps

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[TraceStep]:
        return iter(self.steps)

    def __getitem__(self, key: int | str) -> TraceStep:
        if isinstance(key, str):
            for step in self.steps:
                if step.node == key:
                    return step
            raise KeyError(f"no traced gate node is named {key!r}; "
                           f"the traced nodes are {[s.node for s in self.steps]}")
        return self.steps[key]

    def rows(self, digits: int = 6) -> list[tuple[str, ...]]:
        """Every step's rows (see `TraceStep.rows`), without the header."""
        return [row for step in self.steps for row in step.rows(digits)]

    def __str__(self) -> str:
        return f"{_CAPTION}\n{aligned_table(_HEADER, self.rows())}"

    def _repr_html_(self) -> str:
        """An HTML table: one block of rows per gate, node, gate and upstream spanning them."""
        out = ["<table>", f"<caption>{html.escape(_CAPTION)}</caption>", "<thead><tr>"]
        out += [f"<th>{name}</th>" for name in _HEADER]
        out.append("</tr></thead><tbody>")
        for step in self.steps:
            rows = step.rows()
            for i, row in enumerate(rows):
                cells = []
                for j, cell in enumerate(row):
                    if j < 3:
                        if i > 0:
                            continue
                        span = f' rowspan="{len(rows)}"' if len(rows) > 1 else ""
                        cells.append(f"<td{span}>{html.escape(cell)}</td>")
                    else:
                        cells.append(f"<td>{html.escape(cell)}</td>")
                out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</tbody></table>")
        return "\n".join(out)

    def __repr__(self) -> str:
        # The table itself: at a Python prompt, ``g.trace()`` shows what a learner asked for.
        return str(self)


def node_label(node: Node, digits: int = 6) -> str:
    """How a node is named in traces and drawings: its name, or a constant's value."""
    if node.name is not None:
        return node.name
    if isinstance(node, Constant):
        return format_value(node.value, digits, full_size=6)
    return "?"


def _one_like(value: Any) -> Any:
    """The seed ``1`` shaped and typed like a scalar ``value``."""
    if isinstance(value, (np.ndarray, np.generic)):
        return np.ones((), dtype=value.dtype)[()]
    return 1.0


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if shape_of(a) != shape_of(b):
        return False
    return bool(np.allclose(a, b, rtol=1e-9, atol=0.0, equal_nan=True))


def trace_of(graph: ComputationalGraph) -> Trace:
    """The chain-rule steps of ``graph``'s last ``backward`` (see the module's docstring).

    Parameters
    ----------
    graph : ComputationalGraph
        A graph on which ``forward`` and then ``backward`` have run.

    Returns
    -------
    Trace

    Raises
    ------
    TraceError
        If no ``backward`` has run, or a ``forward`` has run since the last one
        (or a value it used, such as a parameter, was changed in place).
    """
    return Trace([step for _, step in replay(graph)])


def replay(graph: ComputationalGraph) -> list[tuple[Node, TraceStep]]:
    """Each traced gate node with its step, in the order ``backward`` ran (see `trace_of`)."""
    order = graph.nodes_topologically_sorted()
    output = graph.output
    if not output.requires_grad:
        return []
    if output.grad is None:
        raise TraceError("ComputationalGraph.trace(): no backward has run yet; "
                         "call forward() and then backward() first")
    # Rebuild the backward pass: what each node received, and what each gate sent on.
    received: dict[int, Any] = {id(output): output.grad}
    steps = []
    for node in reversed(order):
        gate = node.gate
        if gate is None or not node.requires_grad:
            continue
        upstream = node.grad
        if upstream is None:  # only None gradients reached this node; backward skipped it
            continue
        grads = tuple(gate.backward(upstream))
        if len(grads) != len(node.inputs):
            raise TraceError(f"ComputationalGraph.trace(): {gate} (node {node.name!r}) returns "
                             f"{len(grads)} gradient(s) for {len(node.inputs)} input(s); "
                             "the last backward() cannot have finished")
        takes = [x.requires_grad for x in node.inputs]
        downstream = tuple(g if t else None for g, t in zip(grads, takes, strict=True))
        local = None
        if shape_of(node.value) == ():
            ones = tuple(gate.backward(_one_like(node.value)))
            local = tuple(g if t else None for g, t in zip(ones, takes, strict=True))
        for x, g in zip(node.inputs, downstream, strict=True):
            if g is not None:
                key = id(x)
                received[key] = g if key not in received else received[key] + g
        steps.append((node, TraceStep(node=node_label(node), gate=gate.symbol, upstream=upstream,
                                      inputs=tuple(node_label(x) for x in node.inputs),
                                      local=local, downstream=downstream)))
    stale = [n.name for n in order if n.requires_grad and not _same(received.get(id(n)), n.grad)]
    if stale:
        raise TraceError(
            "ComputationalGraph.trace(): the gradients on the graph do not belong to its current "
            f"values (first at node {stale[0]!r}): a forward() has run since the last backward(), "
            "or a value was changed in place; call backward() again, then trace()")
    return steps
