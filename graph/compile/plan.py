"""`CompiledGraph`: a graph's run, written out as code (`graph.compile.emit`), run, and recorded.

A plan is written for each signature of the leaves (the kind of every input fed
and every parameter) the first time one is fed, and kept. A plan of Python
floats has two variants: Python and ``math``, tried first, and numpy, which a run
falls back to where ``math`` refuses (an overflow, a log of 0) so that the
results are numpy's inf and nan, as the graph's.

A compiled run is a run of its graph: forward keeps every node's value and
backward every gradient (one tuple each, no work per node), and the graph's
tape is built from them when a view asks for it (`CompiledRecord`). A plan
compiled with ``record=False`` keeps only what backward needs, and its runs leave
the views saying that the last run was not recorded.
"""

from __future__ import annotations

import gc
import itertools
import linecache
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol

import numpy as np

from ..errors import ForwardFirstError, GraphError
from ..nodes import Input, Node, Parameter, serials, show_later
from ..tape import RUNS, Tape, name_the_node, own, public, stale_error
from .emit import Cache, Written, render, write
from .kinds import Kind, kind_of

__all__ = ["CompiledGraph", "CompiledRecord", "NotRecorded"]


class _Graph(Protocol):
    """What a plan reads of a `ComputationalGraph`."""

    output: Node
    inputs: dict[str, Input]
    parameters: dict[str, Parameter]

    def nodes_topologically_sorted(self) -> tuple[Node, ...]: ...
    def _feed(self, inputs: Mapping[str, Any] | None, named: dict[str, Any]) -> dict[str, Any]: ...
    def _seed(self, dout: Any, value: Any) -> Any: ...
    def _recorded(self, record: Any) -> None: ...
    def _last_leaves(self) -> list[Any] | None: ...


Signature = tuple[Kind, ...]


class CompiledGraph:
    """A graph's run generated as straight-line Python from its gates' own methods, and run.

    Parameters
    ----------
    graph : ComputationalGraph
        The graph to compile. If it has run, the plan for the kinds of its last
        run's leaves is written now; else each is written at the first forward that
        feeds leaves of new kinds.
    record : bool, default True
        Record every run on the graph's tape, as the interpreter does (lazily:
        the tape is built when a view asks). ``False`` keeps only what backward
        needs; the graph's views then say that the last run was not recorded.

    Attributes
    ----------
    graph : ComputationalGraph
    inputs, parameters : dict
        The graph's.

    Examples
    --------
    >>> from graph import ComputationalGraph, Input
    >>> x, y, z = Input("x"), Input("y"), Input("z")
    >>> g = ComputationalGraph(((x + y).named("q") * z).named("f"))
    >>> cg = g.compile()
    >>> cg.forward(x=-2, y=5, z=-4)
    -12.0
    >>> cg.backward()
    {'x': -4.0, 'y': -4.0, 'z': 3.0}
    >>> print(cg.source)
    def forward(x, y, z):
        q = x + y                                   # q = x + y
        f = q * z                                   # f = q * z
        return (f, (z, q, f))
    <BLANKLINE>
    def backward(df, saved):
        z, q, f = saved
        # f = q * z
        dq = z * df
        dz = q * df
        # q = x + y
        dx = dq
        dy = dq
        return ((dx, dy, dz), (dx, dy, dz, dq, df))
    <BLANKLINE>
    """

    def __init__(self, graph: _Graph, *, record: bool = True) -> None:
        self.graph, self.record = graph, record
        self.inputs, self.parameters = graph.inputs, graph.parameters
        self._order = graph.nodes_topologically_sorted()
        self._leaves: list[Node] = [*graph.inputs.values(), *graph.parameters.values()]
        self._plans: dict[Signature | None, _Plan] = {}
        self._cache = Cache()
        self._plan: _Plan | None = None
        self._run: _Run | None = None
        self._record: CompiledRecord | NotRecorded | None = None   # the last run's, as the graph was given it
        leaves = graph._last_leaves()
        if leaves is not None:  # the graph has run: its plan is written now, for the kinds of that run
            self._plan = self._plan_for(tuple(map(kind_of, leaves)))

    @property
    def source(self) -> str:
        """The code of the last run's plan (before any run: of the graph's last run, or for any shapes)."""
        plan = self._plan
        if plan is None:
            leaves = self.graph._last_leaves()
            plan = self._plan_for(None if leaves is None else tuple(map(kind_of, leaves)))
        return plan.source

    def forward(self, inputs: Mapping[str, Any] | None = None, /, **named: Any) -> Any:
        """Feed the inputs by name and run the generated forward; return the output.

        Accepts and refuses exactly what `ComputationalGraph.forward` does.
        """
        feed = self.graph._feed(inputs, named)
        with RUNS:
            leaves = [*feed.values(), *(param.recorded() for param in self.parameters.values())]
            plan = self._plan = self._plan_for(tuple(map(kind_of, leaves)))
            self._run = None
            run = _Run(plan, threading.get_ident(), leaves)
            # from its start this run is the graph's last, as the interpreter's tape is: the previous
            # run's record goes now, not after this one has made its values beside it
            self._record = CompiledRecord(self.graph, self._order, run) if self.record else NotRecorded()
            self.graph._recorded(self._record)
            out = plan.run_forward(run)
            if isinstance(out, np.ndarray):
                out.flags.writeable = False  # what backward may need, as a graph's output is
            self._run = run
            self._show(run)
            return public(out)

    def backward(self, dout: Any = None) -> dict[str, Any]:
        """Run the generated backward from ``dout`` (∂f/∂f = 1 by default); return the gradients.

        Returns and refuses exactly what `ComputationalGraph.backward` does; the
        arrays returned are yours (copies), as the graph's are.
        """
        with RUNS:
            run = self._run
            if run is None:
                raise ForwardFirstError("CompiledGraph: backward() called before forward() ran to the end; "
                                        "nothing has been computed yet")
            if run.thread != threading.get_ident():
                raise GraphError("CompiledGraph: the last forward ran in another thread; run forward in "
                                 "this thread before its backward")
            for node in run.plan.written.called:
                if node.last_run is not run:
                    raise stale_error(node)
            if not self.graph.output.requires_grad:
                return {}
            run.seed = self.graph._seed(dout, run.out)
            grads = run.plan.run_backward(run)
            run.grad_serial = next(serials)
            self._show(run)
            if self.record:  # the record keeps its own: the caller gets copies
                return {name: own(g) for name, g in zip(run.plan.written.reported, grads, strict=True)
                        if g is not None}
            return _handed_over(run.plan.written.reported, grads)

    def _show(self, run: _Run) -> None:
        """Make ``run`` the graph's last run, as every view and every node sees it."""
        if not self.record:
            self.graph._recorded(NotRecorded())
            return
        record = self._record
        assert isinstance(record, CompiledRecord) and record.run is run
        self.graph._recorded(record)  # (again, if the interpreter ran in between)
        show_later(self.graph, max(run.serial, run.grad_serial), record.show)

    def _plan_for(self, signature: Signature | None) -> _Plan:
        """The plan for leaves of ``signature``, written the first time (``None``: kinds unknown)."""
        plan = self._plans.get(signature)
        if plan is None:
            kinds: dict[Node, Kind | None] = {} if signature is None else dict(
                zip(self._leaves, signature, strict=True))
            written = write(self.graph, self._order, kinds, self.record, self._cache)
            plan = self._plans[signature] = _Plan(written)
        return plan

    def __repr__(self) -> str:
        return f"<CompiledGraph of {self.graph!r}{'' if self.record else ', record=False'}>"


def _handed_over(names: list[str], grads: tuple[Any, ...]) -> dict[str, Any]:
    """The gradients of a run that nothing records, handed over as they are.

    No copy, but of an array two leaves share: the caller gets arrays of their own,
    as from a recorded run.
    """
    out: dict[str, Any] = {}
    seen: set[int] = set()
    for name, grad in zip(names, grads, strict=True):
        if grad is None:
            continue
        if isinstance(grad, np.ndarray) and grad.ndim:
            out[name] = grad.copy() if id(grad) in seen else grad
            seen.add(id(grad))
        else:
            out[name] = float(grad)
    return out


@dataclass(eq=False)
class _Run:
    """One run of a plan: what forward kept, what backward gave, and the thread that ran it."""

    plan: _Plan
    thread: int
    leaves: list[Any]
    serial: int = field(default_factory=lambda: next(serials))   # its place in time (`graph.nodes.serials`)
    grad_serial: int = 0
    out: Any = None
    kept: tuple[Any, ...] = ()
    variant: int = 0
    forward_done: bool = False
    seed: Any = None
    grads: tuple[Any, ...] | None = None
    recorded: tuple[Any, ...] = ()


_serial = itertools.count(1)


class _Plan:
    """A written plan, compiled: its functions, one pair per variant (numpy; Python floats)."""

    def __init__(self, written: Written) -> None:
        self.written = written
        variants = len(written.modules)
        self.compiled: list[tuple[Any, Any] | None] = [None] * variants
        self.filenames = [f"<gategraph plan {next(_serial)}>" for _ in range(variants)]
        self.line_nodes: list[dict[int, Node] | None] = [None] * variants
        self.functions(variants - 1)

    def functions(self, variant: int) -> tuple[Any, Any]:
        """Variant ``variant``'s forward and backward, compiled the first time they are needed."""
        done = self.compiled[variant]
        if done is None:
            module, _ = self.written.variant(variant)
            filename = self.filenames[variant]
            namespace = dict(self.written.namespace)
            paused = gc.isenabled()
            gc.disable()  # (Python's compiler makes many objects, none of them garbage)
            try:
                exec(compile(module, filename, "exec"), namespace)  # our own code, written from the graph
            finally:
                if paused:
                    gc.enable()
            done = self.compiled[variant] = (namespace["forward"], namespace["backward"])
            # the lines, for tracebacks, rendered only when one is shown; gone with the plan
            linecache.cache[filename] = (_lines_of(weakref.ref(self.written), variant),)
            weakref.finalize(self, linecache.cache.pop, filename, None)
        return done

    @property
    def source(self) -> str:
        return self.written.source()

    def run_forward(self, run: _Run) -> Any:
        args = [*run.leaves, run] if self.written.called else run.leaves
        variant = len(self.compiled) - 1
        try:
            if variant:
                try:
                    run.out, run.kept = self.functions(variant)[0](*args)
                    run.variant, run.forward_done = variant, True
                    return run.out
                except (ArithmeticError, ValueError):
                    pass  # math refuses where numpy gives inf or nan: do it numpy's way
            run.out, run.kept = self.functions(0)[0](*args)
            run.variant, run.forward_done = 0, True
        except Exception as exc:
            self._name_the_node(exc, "forward")
            raise
        return run.out

    def run_backward(self, run: _Run) -> tuple[Any, ...]:
        try:
            if run.variant:
                try:
                    run.grads, run.recorded = self.functions(run.variant)[1](run.seed, run.kept)
                    return run.grads
                except (ArithmeticError, ValueError):
                    pass
            run.grads, run.recorded = self.functions(0)[1](run.seed, run.kept)
        except Exception as exc:
            self._name_the_node(exc, "backward")
            raise
        return run.grads

    def _name_the_node(self, exc: BaseException, run: str) -> None:
        """Name the node whose generated lines raised ``exc``, as the interpreter does."""
        node = None
        tb: TracebackType | None = exc.__traceback__
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename in self.filenames:
                variant = self.filenames.index(filename)
                lines = self.line_nodes[variant]
                if lines is None:
                    lines = self.line_nodes[variant] = self.written.line_nodes(variant)
                node = lines.get(tb.tb_lineno, node)
            tb = tb.tb_next
        if node is not None:
            name_the_node(exc, node, run)


def _lines_of(written: weakref.ref[Written], variant: int) -> Any:
    def lines() -> str:
        plan = written()
        return "" if plan is None else render(plan.variant(variant)[1], plan.formula)
    return lines


class NotRecorded:
    """The record of a run made by a plan compiled with ``record=False``: there is none."""

    def tape(self) -> Tape:
        raise GraphError("the last run of this graph was a compiled plan's with record=False, which records "
                         "nothing; run g.forward() and g.backward(), or a plan from g.compile(), "
                         "to see a run")


@dataclass(eq=False)
class CompiledRecord:
    """A compiled run as its graph's record: the tape is built from what the plan kept, when asked for."""

    graph: Any
    order: tuple[Node, ...]
    run: _Run
    built: Tape | None = field(default=None)

    def tape(self) -> Tape:
        """The run as a `Tape`, as the interpreter would have recorded it (built once)."""
        run = self.run
        if self.built is not None and (self.built.backward_done or run.grads is None):
            return self.built
        written = run.plan.written
        gate_nodes = [n for n in self.order if n.gate is not None]
        tape = Tape(self.order, self.graph.output, gate_nodes)
        tape.thread = run.thread
        values = tape.values
        leaves = [*self.graph.inputs.values(), *self.graph.parameters.values()]
        for leaf, value in zip(leaves, run.leaves, strict=True):
            values[leaf] = value
        for node in self.order:
            if node.gate is None and node not in values:
                values[node] = node._value  # a constant
            elif node.gate is not None and run.forward_done:
                values[node] = _frozen(run.kept[written.kept[node]])
        if not run.forward_done:  # it raised (or runs still): its leaves are all there is to show
            return tape
        tape.forward_done = True
        if run.grads is not None:
            tape.dout = run.seed
            seen: set[int] = set()
            grads = tape.grads
            for node, index in written.grads.items():
                g = run.recorded[index]
                if g is None:
                    continue
                if isinstance(g, np.ndarray):
                    if id(g) in seen:  # each node's gradient is an array of its own, as the interpreter's
                        g = g.copy()
                    seen.add(id(g))
                grads[node] = _frozen(g)
            for node in reversed(gate_nodes):
                if node not in grads:
                    continue
                downstream = []
                for i, x in enumerate(node.inputs):
                    edge = written.edges.get((node, i))
                    g = None if edge is None else run.recorded[edge]
                    downstream.append(grads[x] if g is not None and written.grads.get(x) == edge else
                                      None if g is None else _frozen(g))
                tape.sent.append(tuple(downstream))
            tape.backward_done = True
        self.built = tape
        return tape

    def show(self) -> None:
        """Put this run's values and gradients on its nodes (``node.value``, ``node.grad``).

        A node that a later run of the interpreter has reached keeps that run's.
        """
        tape, run = self.tape(), self.run
        for node in self.order:
            last = node.last_run
            later = isinstance(last, Tape) and last.serial > run.serial
            if (node.gate is not None or isinstance(node, Input)) and not later:
                node._value = tape.values[node]
            if node.requires_grad and tape.backward_done and not (
                    isinstance(last, Tape) and last.backward_done and last.grad_serial > run.grad_serial):
                node._grad = tape.grads.get(node)


def _frozen(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    return value
