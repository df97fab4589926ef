"""Backprop written out as code: ``ComputationalGraph.compile()``.

The course notes teach backprop twice: as a graph of gates, and as code, the
"staged computation" of small named assignments whose gradients are written in
reverse. `CompiledGraph` generates the second from the first. Each built-in gate
has its rule as code next to its ``forward`` and ``backward`` (``Gate.code``,
`gates.code.Code`); the compiler fills the node names in, walks the nodes in
topological order for ``forward`` and in reverse for ``backward``, writes ``+=``
where a value fans out, and executes the result::

    def forward(x, y, z):
        q = x + y                           # Add 'q'
        f = q * z                           # Multiply 'f'
        return f, (q, z)

    def backward(df, q, z):
        # f = q * z
        dq = z * df
        dz = q * df
        # q = x + y
        dx = dq
        dy = dq
        return dx, dy, dz

A plan is made for each signature of the leaves (the shapes and dtypes of the
inputs fed and of the parameters) and kept: the shapes are known when the code
is written, so that a gradient is summed back to its input's shape only where
broadcasting happened. A graph of Python floats gets plain arithmetic and
``math``; where ``math`` raises (an overflow, a log of 0) the same run is done by
the numpy code, which gives inf or nan as the graph does. A gate without code of
its own (a learner's) is called through its ``forward`` and ``backward``, with the
engine's checks.

The compiled graph accepts and refuses what its graph does, with the same errors,
and returns the same values and gradients; its runs are its own (it keeps what
backward needs in the generated code's variables, not on the gates).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import itertools
import keyword
import linecache
import math
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

import numpy as np

from gates import Gate, unbroadcast
from gates.code import Code
from gates.linalg import reduced, spread
from gates.losses import check_scores_and_labels

from .errors import ForwardFirstError, GraphError
from .nodes import Input, Node, Parameter
from .tape import RUNS, checked_count, checked_gradient, checked_value, name_the_node, public, stale_error

__all__ = ["CompiledGraph"]

#: The shape and dtype of each leaf a run starts from: what a plan is made for.
Signature = tuple[tuple[tuple[int, ...], str], ...]


class _Graph(Protocol):
    """What the compiler reads of a `ComputationalGraph`."""

    output: Node
    inputs: dict[str, Input]
    parameters: dict[str, Parameter]

    def nodes_topologically_sorted(self) -> tuple[Node, ...]: ...
    def tape(self) -> Any: ...
    def _feed(self, inputs: Mapping[str, Any] | None, named: dict[str, Any]) -> dict[str, Any]: ...
    def _seed(self, dout: Any, value: Any) -> Any: ...


class CompiledGraph:
    """A graph's run generated as straight-line Python, executed, and shown in `source`.

    Parameters
    ----------
    graph : ComputationalGraph
        The graph to compile. If it has run, the first plan is written for the
        shapes and dtypes of its last run.

    Attributes
    ----------
    graph : ComputationalGraph
    inputs, parameters : dict
        The graph's.

    Examples
    --------
    >>> from graph import ComputationalGraph, Input
    >>> x, y, z = Input("x"), Input("y"), Input("z")
    >>> cg = ComputationalGraph(((x + y).named("q") * z).named("f")).compile()
    >>> cg.forward(x=-2, y=5, z=-4)
    -12.0
    >>> cg.backward()
    {'x': -4.0, 'y': -4.0, 'z': 3.0}
    >>> print(cg.source)
    def forward(x, y, z):
        q = x + y                                   # Add 'q'
        f = q * z                                   # Multiply 'f'
        return f, (z, q)
    <BLANKLINE>
    def backward(df, z, q):
        # f = q * z
        dq = z * df
        dz = q * df
        # q = x + y
        dx = dq
        dy = dq
        return dx, dy, dz
    <BLANKLINE>
    """

    def __init__(self, graph: _Graph) -> None:
        self.graph = graph
        self.inputs, self.parameters = graph.inputs, graph.parameters
        self._order = graph.nodes_topologically_sorted()
        self._plans: dict[Signature | None, _Plan] = {}
        self._run: _Run | None = None
        self._plan = self._plan_for(_signature_of_last_run(graph))

    @property
    def source(self) -> str:
        """The generated forward and backward of the last run (or, before any, of the first plan)."""
        return self._plan.source

    def forward(self, inputs: Mapping[str, Any] | None = None, /, **named: Any) -> Any:
        """Feed the inputs by name and run the generated forward; return the output.

        Accepts and refuses exactly what `ComputationalGraph.forward` does.
        """
        feed = self.graph._feed(inputs, named)
        leaves = [*feed.values()]
        with RUNS:
            leaves += [param.recorded() for param in self.parameters.values()]
            plan = self._plan = self._plan_for(_signature(leaves))
            run = _Run(plan, threading.get_ident())
            self._run = None
            out, run.kept, run.numeric = plan.run_forward(leaves, run)
            if isinstance(out, np.ndarray):
                out.flags.writeable = False  # what backward may need, as a graph's output is
            run.value = out
            self._run = run
            return public(out)

    def backward(self, dout: Any = None) -> dict[str, Any]:
        """Run the generated backward from ``dout`` (∂f/∂f = 1 by default); return the gradients.

        Returns and refuses exactly what `ComputationalGraph.backward` does.
        """
        with RUNS:
            run = self._run
            if run is None:
                raise ForwardFirstError("CompiledGraph: backward() called before forward() ran to the end; "
                                        "nothing has been computed yet")
            if run.thread != threading.get_ident():
                raise GraphError("CompiledGraph: the last forward ran in another thread; run forward in "
                                 "this thread before its backward")
            for node in run.plan.called:
                if node.last_run is not run:
                    raise stale_error(node)
            if not self.graph.output.requires_grad:
                return {}
            seed = self.graph._seed(dout, run.value)
            return run.plan.run_backward(seed, run)

    def _plan_for(self, signature: Signature | None) -> _Plan:
        """The plan for ``signature``, written the first time it is asked for (``None``: shapes unknown)."""
        plan = self._plans.get(signature)
        if plan is None:
            plan = self._plans[signature] = _write_plan(self.graph, self._order, signature)
        return plan

    def __repr__(self) -> str:
        return f"<CompiledGraph of {self.graph!r}>"


@dataclass(eq=False)
class _Run:
    """One run of a compiled graph: its plan, what backward needs, and the thread that ran it."""

    plan: _Plan
    thread: int
    kept: tuple[Any, ...] = ()
    numeric: bool = False  # whether the numpy code ran (a scalar plan falls back to it)
    value: Any = None


def _signature(leaves: list[Any]) -> Signature:
    return tuple((np.shape(v), np.result_type(v).str) for v in leaves)


def _signature_of_last_run(graph: _Graph) -> Signature | None:
    """The signature of the graph's last run, if it has run (the plan a first `source` shows)."""
    try:
        tape = graph.tape()
    except ForwardFirstError:
        return None
    leaves = [*graph.inputs.values(), *graph.parameters.values()]
    return _signature([tape.values[leaf] for leaf in leaves])


# --- the plans -------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Functions:
    """A generated forward and backward, compiled, and which node each of their lines belongs to."""

    forward: Any
    backward: Any
    filename: str
    line_nodes: dict[int, Node]


@dataclass(eq=False)
class _Plan:
    """The code written for one signature: for numpy, and for Python floats where every value is one.

    The numpy code of a plan for floats is written only when the floats' code
    first refuses (an overflow, a log of 0).
    """

    source: str
    gradient_names: list[str]
    called: list[Node]                   # gates without code, called through their methods
    scalar: _Functions | None
    write_numpy: Any                     # () -> _Functions
    numpy_functions: _Functions | None = None

    @property
    def numpy(self) -> _Functions:
        if self.numpy_functions is None:
            self.numpy_functions = self.write_numpy()
        return self.numpy_functions

    def run_forward(self, leaves: list[Any], run: _Run) -> tuple[Any, tuple[Any, ...], bool]:
        """The output, what backward needs, and whether the numpy code ran."""
        args = [*leaves, run] if self.called else leaves
        try:
            if self.scalar is not None:
                try:
                    out, kept = self.scalar.forward(*args)
                    return out, kept, False
                except (ArithmeticError, ValueError):
                    pass  # math refuses where numpy gives inf or nan: do it numpy's way
            out, kept = self.numpy.forward(*args)
        except Exception as exc:
            self._name_the_node(exc, "forward")
            raise
        return out, kept, True

    def run_backward(self, seed: Any, run: _Run) -> dict[str, Any]:
        """The gradients of the leaves, by name, as `ComputationalGraph.backward` returns them."""
        grads = None
        try:
            if self.scalar is not None and not run.numeric:
                with contextlib.suppress(ArithmeticError, ValueError):  # as in forward: numpy's way
                    grads = self.scalar.backward(seed, *run.kept)
            if grads is None:
                grads = self.numpy.backward(seed, *run.kept)
        except Exception as exc:
            self._name_the_node(exc, "backward")
            raise
        return {name: public(g) for name, g in zip(self.gradient_names, grads, strict=True) if g is not None}

    def _name_the_node(self, exc: BaseException, run: str) -> None:
        """Name the node whose generated lines raised ``exc``, as the interpreter does."""
        places = {f.filename: f.line_nodes for f in (self.scalar, self.numpy_functions) if f is not None}
        node = None
        tb: TracebackType | None = exc.__traceback__
        while tb is not None:
            lines = places.get(tb.tb_frame.f_code.co_filename)
            if lines is not None:
                node = lines.get(tb.tb_lineno, node)
            tb = tb.tb_next
        if node is not None:
            name_the_node(exc, node, run)


# --- writing the code ------------------------------------------------------------------------------

#: Names the generated code uses besides its own variables.
_NAMESPACE: dict[str, Any] = {
    "np": np, "math": math, "unbroadcast": unbroadcast, "spread": spread, "reduced": reduced,
    "check_scores_and_labels": check_scores_and_labels, "checked_value": checked_value,
    "checked_count": checked_count, "checked_gradient": checked_gradient,
}
_RESERVED = {*_NAMESPACE, "run", "forward", "backward",
             "max", "min", "abs", "len", "float", "int", "range", "sum", "math", "np"}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
#: Symbols of node names, spelled out for variable names: ``‖W1‖²`` is ``W1_sq``, ``-s`` is ``neg_s``.
_SPELLED = (("‖", ""), ("²", "_sq"), ("+", "_plus_"), ("·", "_"), ("*", "_times_"), ("/", "_over_"))
_COMMENT_COLUMN = 48

Line = tuple[str, "Node | None"]


def _write_plan(graph: _Graph, order: tuple[Node, ...], signature: Signature | None) -> _Plan:
    """Write the code for ``signature``, compile it, and return it as a plan."""
    shapes = _infer_shapes(graph, order, signature)
    writer = _Writer(graph, order, shapes)
    scalar = signature is not None and writer.all_scalar()
    lines = writer.write(scalar=scalar)
    source = "".join(f"{line}\n" for line, _ in lines)
    functions = _compile(lines, writer.objects)
    return _Plan(source, writer.gradient_names, writer.called, functions if scalar else None,
                 lambda: _compile(writer.write(scalar=False), writer.objects),
                 None if scalar else functions)


_serial = itertools.count(1)


def _compile(lines: list[Line], objects: dict[str, Any]) -> _Functions:
    """Compile generated lines into functions; tracebacks will show the lines (linecache)."""
    text = "".join(f"{line}\n" for line, _ in lines)
    filename = f"<gategraph compiled {next(_serial)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    namespace = dict(_NAMESPACE, **objects)
    exec(compile(text, filename, "exec"), namespace)  # our own code, written from the graph
    line_nodes = {number: node for number, (_, node) in enumerate(lines, start=1) if node is not None}
    return _Functions(namespace["forward"], namespace["backward"], filename, line_nodes)


def _infer_shapes(graph: _Graph, order: tuple[Node, ...],
                  signature: Signature | None) -> dict[Node, tuple[tuple[int, ...], str] | None]:
    """The shape and dtype of every node for ``signature``, by running copies of the gates on zeros.

    A gate without code of its own is not run (it may do anything): from there on
    shapes are unknown (``None``), and the code asks for them at run time.
    """
    known: dict[Node, tuple[tuple[int, ...], str] | None] = dict.fromkeys(order)
    if signature is None:
        return known
    if all(leaf == ((), "<f8") for leaf in signature) and all(
            type(n.value) is float for n in order if n.gate is None and n not in graph.inputs.values()
            and n not in graph.parameters.values()) and all(
            _elementwise(n.gate) for n in order if n.gate is not None):
        return dict.fromkeys(order, ((), "<f8"))  # Python floats in, through gates for floats: floats out
    values: dict[Node, Any] = {}
    for leaf, (shape, dtype) in zip([*graph.inputs.values(), *graph.parameters.values()], signature,
                                    strict=True):
        values[leaf] = np.zeros(shape, dtype)[()]
    for node in order:
        if node.gate is None and node not in values:
            values[node] = node.value  # a constant
    for node in order:
        if node.gate is None or not hasattr(node.gate, "code") or any(x not in values for x in node.inputs):
            continue
        with np.errstate(all="ignore"):
            try:
                values[node] = copy.copy(node.gate).forward(*[values[x] for x in node.inputs])
            except Exception as exc:  # the shapes do not fit: the graph's own error, naming the node
                if getattr(exc, "gate", None) is not None:
                    exc.gate = node.gate  # type: ignore[attr-defined]
                name_the_node(exc, node, "forward")
                raise
    for node, value in values.items():
        known[node] = (np.shape(value), np.result_type(value).str)
    return known


def _elementwise(gate: Gate) -> bool:
    """Whether a gate has code for Python floats, which maps floats to floats."""
    code = getattr(gate, "code", None)
    if code is None:
        return False
    rule = code(((),) * len(_PARAMETERS.get(type(gate)) or _forward_parameters(type(gate))))
    return bool(rule.plain or rule.scalar is not None)


@dataclass(eq=False)
class _Grad:
    """A gradient variable while the backward is written: its name, and the variable it may alias."""

    name: str
    root: str          # the variable whose array it is (itself, when it owns its value)
    guarded: bool      # starts as None (a gate without code may give None for it)


class _Names(dict[str, str]):
    """What a gate's template names, for one node: its inputs, ``out``, ``dout``, ``gate``, ``_values``."""

    def __init__(self, out: str, dout: str) -> None:
        super().__init__(out=out, dout=dout, gate=f"gate_{out}")

    def __missing__(self, key: str) -> str:
        if key.startswith("_"):  # a value of the gate's own, named after its output
            return f"{self['out']}{key}"
        raise KeyError(key)


class _Writer:
    """Writes a graph's forward and backward as code (see `_write_plan`)."""

    def __init__(self, graph: _Graph, order: tuple[Node, ...],
                 shapes: dict[Node, tuple[tuple[int, ...], str] | None]) -> None:
        self.graph, self.order, self.shapes = graph, order, shapes
        self._fills: dict[Node, _Names] = {}
        self.leaves = [*graph.inputs.values(), *graph.parameters.values()]
        self.gates = [n for n in order if n.gate is not None]
        self.objects: dict[str, Any] = {}
        self.called = [n for n in self.gates if not hasattr(n.gate, "code")]
        self.taken = set(_RESERVED)
        self.names: dict[Node, str] = {}
        for node in order:
            if node.gate is None and not isinstance(node, (Input, Parameter)) and type(node.value) is float:
                self.names[node] = repr(node.value)  # a number: written as itself
            else:
                self.names[node] = self._identifier(node.name if node.name is not None else "c")
                if node.gate is None and not isinstance(node, (Input, Parameter)):
                    self.objects[self.names[node]] = node.value  # an array constant
        self.grad_names = {node: self._identifier(f"d{self.names[node]}") for node in order
                           if node.requires_grad}
        self.gradient_names = [name for name, leaf in self._reported()]
        self.uses: dict[Node, int] = dict.fromkeys(order, 0)
        for node in order:
            for x in node.inputs:
                self.uses[x] += 1
        self.codes: dict[Node, Code] = {}
        for node in self.gates:
            if node in self.called:
                self.objects[f"gate_{self.names[node]}"] = node.gate
                self.objects[f"node_{self.names[node]}"] = node
            else:
                in_shapes = tuple(s[0] if (s := shapes[x]) is not None else None for x in node.inputs)
                self.codes[node] = node.gate.code(in_shapes)  # type: ignore[union-attr]
                if "{gate}" in self.codes[node].forward:
                    self.objects[f"gate_{self.names[node]}"] = node.gate
        # integers and booleans a gate computes on as floats (gates.base.as_real): converted first
        self.reals: dict[tuple[Node, int], str] = {}
        for node, code in self.codes.items():
            for i, x in enumerate(node.inputs):
                shape = shapes[x]
                if not code.converts and shape is not None and np.dtype(shape[1]).kind in "biu":
                    self.reals[node, i] = self._identifier(f"{self.names[x]}_real")

    def _identifier(self, name: str) -> str:
        """``name`` made a Python identifier no other variable has: ``X·W1`` gives ``X_W1``."""
        text = name
        if not (name.isascii() and name.isidentifier()):
            for symbol, word in _SPELLED:
                text = text.replace(symbol, word)
            text = re.sub(r"[\W_]+", "_", text, flags=re.ASCII).strip("_") or "v"
            if name.startswith("-"):
                text = f"neg_{text}"
        if text[0].isdigit() or keyword.iskeyword(text) or text in _RESERVED:
            text = f"v_{text}" if text[0].isdigit() else f"{text}_"
        base, k = text, 2
        while text in self.taken:
            text, k = f"{base}_{k}", k + 1
        self.taken.add(text)
        return text

    def _reported(self) -> list[tuple[str, Node]]:
        """The leaves whose gradients backward reports, by name, in the interpreter's order."""
        return [*self.graph.parameters.items(),
                *((k, x) for k, x in self.graph.inputs.items() if x.requires_grad)]

    def all_scalar(self) -> bool:
        """Whether every value is a Python float and every gate has code for floats."""
        return all(s is not None and s == ((), "<f8") for s in self.shapes.values()) and all(
            code.scalar is not None or code.plain for code in self.codes.values())

    # --- filling templates in --------------------------------------------------------------------

    def _fill(self, template: str, node: Node) -> str:
        """``template`` with ``node``'s names filled in (see `gates.code`)."""
        names = self._fills.get(node)
        if names is None:
            names = self._fills[node] = _Names(self.names[node], self.grad_names.get(node, "dout"))
            names.update(zip(_parameters(node), (self.reals.get((node, i), self.names[x])
                                                  for i, x in enumerate(node.inputs)), strict=False))
        return template.format_map(names)

    def _code(self, node: Node, scalar: bool) -> Code:
        code = self.codes[node]
        return code.scalar if scalar and code.scalar is not None else code

    # --- forward ---------------------------------------------------------------------------------

    def write(self, *, scalar: bool) -> list[Line]:
        """The forward and backward functions, as (line, node) pairs.

        The forward returns the output and the values the backward reads: the same
        ones for the code for floats and for numpy, so that either backward can
        follow either forward.
        """
        backward = self._write_backward(scalar)
        kept = self._kept()
        args = [self.names[leaf] for leaf in self.leaves] + (["run"] if self.called else [])
        lines: list[Line] = [(f"def forward({', '.join(args)}):", None)]
        for node in self.gates:
            if node in self.called:
                lines += self._call_forward(node)
                continue
            code = self._code(node, scalar)
            for i, x in enumerate(node.inputs):
                if (node, i) in self.reals:
                    lines.append((f"    {self.reals[node, i]} = np.asarray({self.names[x]}, "
                                  "dtype=np.float64)[()]  # as the gate does: floats, not integers", node))
            template = code.inplace if not scalar and self._may_overwrite(node, code, kept) else code.forward
            for i, line in enumerate(self._fill(template, node).splitlines()):
                comment = f"{type(node.gate).__name__} {node.name!r}" if i == 0 else ""
                lines.append((_with_comment(f"    {line}", comment), node))
        out = self.names[self.graph.output]
        kept_names = [name for name in self._defined() if name in kept]
        kept_tuple = ", ".join(kept_names) + ("," if len(kept_names) == 1 else "")
        lines.append((f"    return {out}, ({kept_tuple})", None))
        lines.append(("", None))
        dout = self.grad_names.get(self.graph.output, "dout")
        lines.append((f"def backward({', '.join([dout, *kept_names])}):", None))
        lines += backward
        return lines

    def _may_overwrite(self, node: Node, code: Code, kept: set[str]) -> bool:
        """Whether ``node``'s forward may write into its first input's array: nothing else reads it.

        That input must be an array an earlier gate's code made (not a leaf's, not
        a learner's gate's), used once, not kept for backward, and of the output's
        shape and dtype.
        """
        x = node.inputs[0] if node.inputs else None
        if not code.inplace or x is None or x not in self.codes or self.uses[x] != 1:
            return False
        shape = self.shapes[x]
        return self.names[x] not in kept and x is not self.graph.output and shape is not None \
            and shape == self.shapes[node] and shape[0] != ()

    def _defined(self) -> list[str]:
        """Every name the forward defines, in order: the leaves, then each gate's values."""
        names = [self.names[leaf] for leaf in self.leaves]
        for node in self.gates:
            names += [self.reals[node, i] for i in range(len(node.inputs)) if (node, i) in self.reals]
            names.append(self.names[node])
            if node in self.codes:
                out = self.names[node]
                for code in (self.codes[node], self.codes[node].scalar):
                    if code is not None:
                        names += [out + key for key in _placeholders(code.forward) if key.startswith("_")]
        return list(dict.fromkeys(names))

    def _kept(self) -> set[str]:
        """The forward values the backward reads, for numpy and for floats alike (see `write`)."""
        kept: set[str] = set()
        for node in self.gates:
            if not node.requires_grad:
                continue
            if node in self.called:  # its gradients are checked against its inputs' values
                kept.update(self.names[x] for x in node.inputs)
                continue
            for code in (self.codes[node], self.codes[node].scalar):
                if code is None:
                    continue
                wanted = [b for b, x in zip(code.backward, node.inputs, strict=True) if b and x.requires_grad]
                for key in set().union(_placeholders(code.prelude), *map(_placeholders, wanted)):
                    if key not in ("dout", "gate"):
                        kept.add(self._fill("{" + key + "}", node))
                if code.broadcasts:  # gradients summed back to shapes known only at run time
                    kept.update(self.names[x] for x in node.inputs
                                if self.shapes[x] is None or self.shapes[node] is None)
        return kept

    def _call_forward(self, node: Node) -> list[Line]:
        v = self.names[node]
        args = ", ".join(self.names[x] for x in node.inputs)
        return [(f"    node_{v}.last_run = run", node),
                (_with_comment(f"    {v} = checked_value(node_{v}, gate_{v}.forward({args}))",
                               f"{type(node.gate).__name__} {node.name!r}: its own forward"), node)]

    # --- backward --------------------------------------------------------------------------------

    def _write_backward(self, scalar: bool) -> list[Line]:
        """The backward's body: each gate in reverse, then the gradients of the leaves returned."""
        grads: dict[Node, _Grad] = {}
        self.roots: dict[str, str] = {}  # each gradient variable: the variable whose array it holds
        guarded = {x for node in self.called for x in node.inputs if x.requires_grad}
        lines: list[Line] = [(f"    {self.grad_names[x]} = None", None) for x in self.order if x in guarded]
        for x in guarded:
            grads[x] = _Grad(self.grad_names[x], self.grad_names[x], guarded=True)
        out = self.graph.output
        if out.requires_grad:
            grads[out] = _Grad(self.grad_names[out], self.grad_names[out], guarded=False)
        body: list[Line] = []
        for node in reversed(self.gates):
            if node not in grads or not node.requires_grad:
                continue  # no gradient reaches it
            if node in self.called:
                body += self._call_backward(node, grads)
            else:
                body += self._gate_backward(node, scalar, grads)
        lines += body
        returned: list[str] = []
        roots: set[str] = set()
        for _, leaf in self._reported():
            grad = grads.get(leaf)
            if grad is None:
                returned.append("None")
            elif grad.root in roots and not scalar:
                returned.append(f"{grad.name}.copy()")  # two leaves must not share one array
            else:
                returned.append(grad.name)
                roots.add(grad.root)
        lines.append((f"    return {', '.join(returned)}{',' if len(returned) == 1 else ''}", None))
        return lines

    def _gate_backward(self, node: Node, scalar: bool, grads: dict[Node, _Grad]) -> list[Line]:
        code = self._code(node, scalar)
        forward = code.forward.splitlines()
        summary = (self._fill(forward[0], node) if len(forward) == 1 else
                   f"{self.names[node]} = {node.gate.symbol}({', '.join(self.names[x] for x in node.inputs)})"  # type: ignore[union-attr]
                   )
        lines: list[Line] = [(f"    # {summary}", None)]
        wanted = [i for i, x in enumerate(node.inputs) if x.requires_grad and code.backward[i] is not None]
        if not wanted:
            return []
        temps = {self.names[node] + key for key in _placeholders(code.prelude) if key.startswith("_")}
        lines += [(f"    {line}", node) for line in self._fill(code.prelude, node).splitlines()]
        for i in wanted:
            x = node.inputs[i]
            template = code.backward[i]
            alias = None
            shape = self.shapes[node]
            if i == 0 and not scalar and code.inplace_backward and shape is not None and shape[0] != () \
                    and self._owned(self.grad_names[node]):
                template, alias = code.inplace_backward, self.grad_names[node]  # into dout's own array
            expr = self._fill(template, node)  # type: ignore[arg-type]
            if code.broadcasts:
                expr = self._unbroadcast(expr, x, node)
            if alias is None and expr.isidentifier() and expr not in temps:
                alias = expr
            lines.append((self._accumulate(x, expr, alias, scalar, grads), node))
        return lines

    def _owned(self, name: str) -> bool:
        """Whether the gradient variable ``name`` holds an array no other variable holds."""
        return self.roots.get(name) == name and sum(root == name for root in self.roots.values()) == 1

    def _call_backward(self, node: Node, grads: dict[Node, _Grad]) -> list[Line]:
        v, dout = self.names[node], self.grad_names[node]
        skips = f", needs_input_grad={node.skips!r}" if node.skips is not None else ""
        kind = type(node.gate).__name__
        lines: list[Line] = [(f"    # {v}: {kind}, called through its own backward", None),
                             (f"    g_{v} = checked_count(node_{v}, gate_{v}.backward({dout}{skips}))", node)]
        for i, x in enumerate(node.inputs):
            check = f"checked_gradient(node_{v}, g_{v}, g_{v}[{i}], {self.names[x]}, {dout})"
            lines.append((f"    if g_{v}[{i}] is not None:", node))
            if x.requires_grad:
                lines.append((f"    {self._accumulate(x, check, None, False, grads)}", node))
            else:
                lines.append((f"        {check}", node))
        return lines

    def _accumulate(self, x: Node, expr: str, alias: str | None, scalar: bool,
                    grads: dict[Node, _Grad]) -> str:
        """The line that adds ``expr`` to ``x``'s gradient: ``=`` the first time, then ``+=`` (fan-out)."""
        grad = grads.get(x)
        name = self.grad_names[x]
        if grad is None:
            root = self.roots.get(alias, alias) if alias is not None else name
            grads[x] = _Grad(name, root, guarded=False)
            self.roots[name] = root
            return f"    {name} = {expr}"
        grad.root = self.roots[name] = name
        if grad.guarded:
            return f"    {name} = {expr} if {name} is None else {name} + {expr}"
        if scalar:
            return f"    {name} += {expr}"
        return f"    {name} = {name} + {expr}"  # (a new array: the old one may be another gradient too)

    def _unbroadcast(self, expr: str, x: Node, node: Node) -> str:
        """``expr`` summed back to ``x``'s shape, where broadcasting made it bigger."""
        x_shape, out_shape = self.shapes[x], self.shapes[node]
        if x_shape is None or out_shape is None:
            return f"unbroadcast({expr}, np.shape({self.names[x]}))"
        shape, full = x_shape[0], out_shape[0]
        if shape == full:
            return expr
        lead = len(full) - len(shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                          if n == 1 and full[lead + i] != 1)
        summed = f"np.sum({expr}, axis={axes[0] if len(axes) == 1 else axes!r})"
        if len(shape) == len(full) - len(axes) and shape != ():
            return summed
        return f"{summed}.reshape({shape!r})"  # (the axes of size 1 are summed away: put them back)


@functools.cache
def _placeholders(template: str) -> tuple[str, ...]:
    """The names a template fills in (templates repeat from gate to gate: looked up once each)."""
    return tuple(dict.fromkeys(_PLACEHOLDER.findall(template)))


def _parameters(node: Node) -> list[str]:
    """The names of the parameters of ``node``'s gate's ``forward``: the template's input names."""
    assert node.gate is not None
    return _forward_parameters(type(node.gate))


def _forward_parameters(kind: type[Gate]) -> list[str]:
    if kind not in _PARAMETERS:
        _PARAMETERS[kind] = list(inspect.signature(kind.forward).parameters)[1:]
    return _PARAMETERS[kind]


_PARAMETERS: dict[type, list[str]] = {}


def _with_comment(line: str, comment: str) -> str:
    return f"{line.ljust(_COMMENT_COLUMN - 2)}  # {comment}" if comment else line
