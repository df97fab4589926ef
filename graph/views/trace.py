"""The chain-rule table of a backward pass: ``ComputationalGraph.trace()``.

The lecture's central sentence is *downstream gradient = local gradient ×
upstream gradient*. `trace` reads a run's tape (`graph.tape.Tape`), where
``backward`` recorded, gate by gate as it ran, the upstream gradient each gate
received and the downstream gradient it sent to each input, and lays those steps
out as a table. Nothing is run again: the table shows the run as it happened,
whatever has happened since to the parameters or to nodes that other graphs share.

The local gradient is not recorded, because it follows: for a gate whose output
is one number, ``local = downstream / upstream``. For a gate with an array
output the local gradient is a Jacobian, and the table leaves it out, as the
lecture does.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..nodes import Constant, Node
from ..tape import Step, Tape
from .text import aligned_table, format_value

__all__ = ["Trace", "TraceError", "TraceStep", "node_label", "trace"]


class TraceError(RuntimeError):
    """There is no backward to trace: none has run since the last ``forward``."""


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
        For a gate with a one-element output, the local gradient with respect to
        each input (``downstream / upstream``), shaped like that input; ``None``
        when the output is an array (the local gradient is then a Jacobian, never
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
        return format_value(node.value, digits)
    return "?"


def local_gradients(step: Step) -> tuple[Any, ...] | None:
    """The local gradients of a step, ``downstream / upstream``, for a gate with a one-element output.

    ``None`` when the output is an array (the local gradient is a Jacobian) or the
    upstream gradient is 0 (the record cannot tell); an entry is ``None`` for an
    input that takes no gradient.
    """
    upstream = step.upstream
    if np.size(upstream) != 1 or upstream == 0:
        return None
    scalar = np.reshape(upstream, ())[()] if isinstance(upstream, np.ndarray) else upstream
    return tuple(None if d is None or not x.requires_grad else np.divide(d, scalar)
                 for x, d in zip(step.node.inputs, step.downstream, strict=True))


def trace(tape: Tape) -> Trace:
    """The chain-rule steps of the backward recorded on ``tape``, in the order they ran.

    Raises
    ------
    TraceError
        If no backward has run since the tape's forward.
    """
    if not tape.backward_done:
        raise TraceError("trace(): no backward has run yet since the last forward; "
                         "call forward() and then backward() first")
    steps = []
    for step in tape.steps:
        inputs = step.node.inputs
        steps.append(TraceStep(
            node=node_label(step.node), gate=step.node.gate.symbol if step.node.gate else "?",
            upstream=step.upstream, inputs=tuple(node_label(x) for x in inputs),
            local=local_gradients(step),
            downstream=tuple(d if x.requires_grad else None for x, d in zip(inputs, step.downstream,
                                                                             strict=True))))
    return Trace(steps)
