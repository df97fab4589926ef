"""Writing a graph's run out as code: each node's rule specialised, named, and assembled as a syntax tree.

For one signature of the leaves (their shapes and dtypes), `write` walks the
graph forward, specialising each gate's inlined rule (`graph.compile.rules`) to
the kinds of its inputs (`graph.compile.kinds`, `graph.compile.passes`), then
backward, specialising each backward to the kind of its upstream gradient. It
then instantiates every rule in the plan's names, all from one `Namer`: the node
``q``'s value is ``q``, its gradient ``dq``, its gate's temporaries ``q_local``,
``q_e``; constants stand in the tree as values, never as text. The result is a
``forward`` and a ``backward`` function as an `ast.Module`, every statement on
the line it has in the source text, so that an error in the generated code
names its node, and so that the text (`Written.source`) is rendered only when
someone asks for it.

Specialised rules are cached by everything they depend on (the gate's methods
and constants, the kinds of its inputs and of its upstream gradient, which
gradients are wanted), so a long chain of like gates costs one specialisation.
"""

from __future__ import annotations

import ast
import builtins
import gc
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gates import Gate

from ..nodes import Input, Node, Parameter
from ..tape import add_gradients, cast_like, checked_count, checked_gradient, checked_value
from .build import Builder, height, stamp
from .kinds import Kind, kind_of, learn, sample
from .methods import InlineError, read_method
from .names import Namer
from .passes import Sweep, drop_dead, name_results
from .reuse import reuse_buffers
from .rules import Rule, constant_key, inline, is_literal
from .syntax import LOAD, STORE, assign, function_def, literal, load, store

__all__ = ["Cache", "Line", "Written", "render", "write"]

_MISSING = object()


# --- what the plan is written from -------------------------------------------------------------------


@dataclass(eq=False)
class Special:
    """A rule specialised to the kinds of one node's inputs and upstream gradient.

    ``scalar_*`` are the same statements lowered to Python and ``math``, for a
    plan of Python floats (None otherwise). ``raw`` is the kind of each gradient
    as the rule computes it, ``grads`` once cast to its variable's dtype.
    """

    rule: Rule
    forward: list[ast.stmt]
    backward: list[ast.stmt]
    scalar_forward: list[ast.stmt] | None = None
    scalar_backward: list[ast.stmt] | None = None
    raw: tuple[Kind | None, ...] = ()
    grads: tuple[Kind | None, ...] = ()
    reads: set[str] | None = None   # the symbols of forward that the numpy backward reads (once known)


@dataclass(eq=False)
class _Forward:
    """What running a rule's forward on samples taught: the kind of everything it computes."""

    given: dict[str, Any]
    values: dict[str, Any]
    kinds: dict[int, Kind]
    out: Kind


class Cache:
    """Rules, what their forwards compute, and their specialisations: shared by the nodes of a plan."""

    def __init__(self) -> None:
        self.rules: dict[Any, Rule | InlineError] = {}
        self.forwards: dict[Any, _Forward | None] = {}
        self.specials: dict[Any, Special] = {}
        #: The statements of every special, by id: their builders, made when first used (the specials
        #: hold the statements, so the ids stay theirs).
        self.builders: dict[int, Builder | None] = {}

    def keep(self, special: Special) -> Special:
        """Cache ``special``'s statements as a rule's (to be made by `Builder`s); return it."""
        for statements in (special.forward, special.backward, special.scalar_forward or (),
                           special.scalar_backward or ()):
            for statement in statements:
                self.builders[id(statement)] = None
        return special

    def builder(self, statement: ast.stmt) -> Builder | None:
        """The builder of a rule's statement; None for a statement the plan made itself."""
        key = id(statement)
        if key not in self.builders:
            return None
        made = self.builders[key]
        if made is None:
            made = self.builders[key] = Builder(statement)
        return made

    def rule(self, gate: Gate, skips: tuple[bool, ...] | None) -> Rule:
        """``gate``'s rule, inlined (`graph.compile.rules.inline`), or `InlineError`."""
        kind = type(gate)
        try:
            kept = read_method(kind.forward).stores
        except InlineError:
            kept = frozenset()
        key = (kind, kind.forward, kind.backward, constant_key(gate, kept), skips)
        known = self.rules.get(key)
        if known is None:
            try:
                known = inline(gate, skips)
            except InlineError as reason:
                known = reason
            self.rules[key] = known
        if isinstance(known, InlineError):
            raise known
        return known

    def forward(self, rule: Rule, gate: Gate, inputs: tuple[Kind, ...]) -> _Forward | None:
        """The rule's forward run on samples of ``inputs``; None if it raised (its kinds stay unknown)."""
        key = (id(rule), inputs)
        if key not in self.forwards:
            given = {f"@{i}": sample(k) for i, k in enumerate(inputs)}
            given["@self"] = gate
            try:
                learnt = learn(rule.forward, given, {s: v for s, (_, v) in rule.globals.items()})
                out = kind_of(learnt.values["@out"])
                self.forwards[key] = _Forward(given, learnt.values, learnt.kinds, out)
            except Exception:  # shapes that do not fit: the run will raise the gate's own error
                self.forwards[key] = None
        return self.forwards[key]


def _cast_kind(grad: Kind, value: Kind) -> Kind:
    """The kind of a gradient once it has its variable's dtype (`graph.tape.cast_like`)."""
    if value.dtype is None or grad.dtype is None or grad.dtype == value.dtype \
            or np.dtype(value.dtype).kind != "f":
        return grad
    if grad.type is np.ndarray:
        return Kind(np.ndarray, grad.shape, value.dtype)
    return Kind(np.dtype(value.dtype).type, grad.shape, value.dtype)


def _seed_kind(out: Kind) -> Kind:
    """The kind of ∂f/∂f (`ComputationalGraph._seed`).

    It has the output's shape and dtype; a float64 number is a Python float.
    """
    if out.shape == () and out.dtype == "<f8":
        return Kind(float, (), "<f8")
    if out.shape == ():
        return Kind(np.dtype(out.dtype).type, (), out.dtype)
    return Kind(np.ndarray, out.shape, out.dtype)


# --- the plan as written ----------------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class Line:
    """One line of the generated source: a statement (of a node) or a comment, at line ``lineno``.

    ``formula``: the line is commented with its node's gate as a formula (``# q = W @ x``),
    written only when the source is shown.
    """

    statement: ast.stmt | None
    node: Node | None = None
    comment: str = ""
    indent: int = 1
    lineno: int = 0
    formula: bool = False


@dataclass(eq=False)
class Written:
    """A plan's code: what to compile, what to show, and where its results are.

    Attributes
    ----------
    modules : list of ast.Module
        The numpy code, then (for a plan of Python floats) the same lowered to
        Python and ``math``. Both keep the same values, in the same order.
    lines : list of list of Line
        Each module's lines, numbered as compiled.
    namespace : dict
        The globals the code reads (bound values, by their names in the code).
    called : list of Node
        Gate nodes called through their methods (not inlined).
    reported : list of str
        The leaves whose gradients backward returns, in order.
    kept : dict of Node to int
        The index of a node's value in what forward returns.
    grads, edges : dict
        The index in backward's recorded gradients of each node's gradient, and
        of the gradient each gate sent along each input edge ``(node, i)``.
    """

    modules: list[ast.Module | None]
    lines: list[list[Line] | None]
    namespace: dict[str, Any]
    called: list[Node]
    reported: list[str]
    kept: dict[Node, int]
    grads: dict[Node, int] = field(default_factory=dict)
    edges: dict[tuple[Node, int], int] = field(default_factory=dict)
    formula: Callable[[Node], str] = repr
    later: Callable[[], tuple[ast.Module, list[Line]]] | None = None
    text: str | None = None

    def variant(self, index: int) -> tuple[ast.Module, list[Line]]:
        """Variant ``index``'s module and lines, written now if it was left for later."""
        module, lines = self.modules[index], self.lines[index]
        if module is None or lines is None:
            assert self.later is not None
            module, lines = self.later()
            self.modules[index], self.lines[index], self.later = module, lines, None
        return module, lines

    def line_nodes(self, variant: int) -> dict[int, Node]:
        """Which node each line of a variant belongs to (to name it in an error)."""
        return {line.lineno + k: line.node for line in self.variant(variant)[1] if line.node is not None
                for k in range(height(line.statement) if line.statement is not None else 1)}

    def source(self) -> str:
        """The generated code as text: the variant a run tries first (rendered once, when first asked for)."""
        if self.text is None:
            self.text = render(self.variant(len(self.lines) - 1)[1], self.formula)
        return self.text


def render(lines: list[Line], formula: Callable[[Node], str] = repr) -> str:
    """The source text of ``lines``: every statement on the line number it was compiled with."""
    out: list[str] = []
    for line in lines:
        pad = "    " * line.indent
        comment = formula(line.node) if line.formula and line.node is not None else line.comment
        if line.statement is None:
            out.append(comment if line.indent == 0 else f"{pad}# {comment}" if comment else "")
            continue
        text = ast.unparse(_for_display(line.statement))
        first, *rest = text.split("\n")
        first = pad + first
        if comment:
            first = f"{first.ljust(_COMMENT_COLUMN - 2)}  # {comment}"
        out.append(first)
        out += [pad + r for r in rest]
    return "\n".join(out) + "\n"


_COMMENT_COLUMN = 48


class _Display(ast.NodeTransformer):
    """Constants as a reader writes them: ``(-3.0)``, ``inf``, ``nan`` (the compiled code holds values)."""

    def visit_Constant(self, node: ast.Constant) -> ast.expr:
        value = node.value
        if type(value) is float:
            if math.isnan(value):
                return ast.Name("nan")
            if math.isinf(value):
                return ast.Name("inf" if value > 0 else "(-inf)")
            if math.copysign(1.0, value) < 0:
                return ast.Name(f"({value!r})")
        if type(value) is int and value < 0:
            return ast.Name(f"({value!r})")
        return node


def _for_display(statement: ast.stmt) -> ast.stmt:
    if not any(isinstance(n, ast.Constant) and type(n.value) in (float, int) for n in ast.walk(statement)):
        return statement
    return ast.fix_missing_locations(_Display().visit(_clone(statement, None)))  # type: ignore[no-any-return]


_LEAF_TYPES = (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop)


def _clone(item: Any, rename: Any, lineno: int = 0) -> Any:
    """A copy of a syntax tree on line ``lineno`` (an ``if``'s body on the lines after it).

    For the few statements a plan makes itself (a rule's are made by their `Builder`).

    ``rename(name_node)`` gives each `ast.Name`'s replacement; literals are shared, not copied.
    """
    kind = type(item)
    if kind is ast.Name and rename is not None:
        return stamp(rename(item), lineno)
    if kind is ast.Constant:
        return stamp(item, lineno)
    if kind is list:
        return [_clone(i, rename, lineno) for i in item]
    if not isinstance(item, ast.AST) or isinstance(item, _LEAF_TYPES):
        return item
    if isinstance(item, ast.If):
        line = lineno + 1
        body = []
        for statement in item.body:
            body.append(_clone(statement, rename, line))
            line += height(statement)
        new = ast.If(_clone(item.test, rename, lineno), body, [])
        new.end_lineno = line - 1
        stamp(new, lineno)
        new.end_lineno = line - 1
        return new
    new = kind(**{f: _clone(getattr(item, f), rename, lineno) for f in item._fields})
    if isinstance(new, _POSITIONED):
        stamp(new, lineno)
    return new


_POSITIONED = (ast.stmt, ast.expr, ast.arg, ast.keyword, ast.excepthandler)


# --- writing ----------------------------------------------------------------------------------------


def write(graph: Any, order: tuple[Node, ...], kinds: dict[Node, Kind | None], record: bool,
          cache: Cache | None = None) -> Written:
    """The code of ``graph``'s run for leaves of the given kinds (`kinds` holds the leaves' kinds).

    ``record``: forward keeps every node's value and backward every gradient, for
    the graph's tape; otherwise only what backward needs.
    """
    paused = gc.isenabled()
    gc.disable()  # many small objects, none of them garbage: the collector would walk them over and over
    try:
        plan = _Plan(graph, order, dict(kinds), record, cache or Cache())
        plan.specialise()
        return plan.assemble()
    finally:
        if paused:
            gc.enable()


class _Plan:
    """The state of one plan being written (see `write`)."""

    def __init__(self, graph: Any, order: tuple[Node, ...], kinds: dict[Node, Kind | None], record: bool,
                 cache: Cache) -> None:
        self.graph, self.order, self.record, self.cache, self.kinds = graph, order, record, cache, kinds
        self.namespace: dict[str, Any] = {}
        self.global_names: dict[int, str] = {}
        self.leaves = [*graph.inputs.values(), *graph.parameters.values()]
        self.gates = [n for n in order if n.gate is not None]
        for node in order:
            if node.gate is None and not isinstance(node, Input | Parameter):
                self.kinds[node] = kind_of(node.value)
        self.grad_names: dict[Node, str] = {}
        self.rules: dict[Node, Rule] = {}
        self.called: list[Node] = []
        self.specials: dict[Node, Special] = {}
        self.maybe_none: set[Node] = set()      # nodes whose gradient may be None at run time
        self.instances: dict[tuple[Node, str], str] = {}
        self.scalar = False

    # --- names -------------------------------------------------------------------------------

    def name_nodes(self) -> None:
        """Names for the nodes, the users' own first: every name the plan makes up comes after.

        The builtins that the gates' methods call are taken from the start, so that a
        node called ``max`` or ``len`` cannot hide them; a node may take any other.
        """
        rules = {id(rule): rule for rule in self.rules.values()}.values()
        used = {hint for rule in rules for hint, value in rule.globals.values()
                if getattr(builtins, hint, _MISSING) is value}
        self.namer = Namer(taken=used)
        self.names: dict[Node, str] = {}
        self.values: dict[Node, ast.expr] = {}
        for node in self.order:
            if node.gate is None and not isinstance(node, Input | Parameter):
                if is_literal(node.value):
                    self.values[node] = literal(node.value)  # a number: the value itself, in the tree
                    continue
                self.names[node] = self.namer.name(node.name if node.name is not None else "c")
                self.namespace[self.names[node]] = node.value
            else:
                self.names[node] = self.namer.name(str(node.name))
            self.values[node] = load(self.names[node])
        self.run_name = self.namer.name("run") if self.called else "run"

    def grad_name(self, node: Node) -> str:
        name = self.grad_names.get(node)
        if name is None:
            name = self.grad_names[node] = self.namer.name(f"d{self.names[node]}")
        return name

    def once(self, key: Any, hint: str) -> str:
        """A name for ``key`` (an edge, a node's returned tuple): the same one in both variants."""
        name = self.instances.get(key)
        if name is None:
            name = self.instances[key] = self.namer.name(hint)
        return name

    def bind(self, value: Any, hint: str) -> str:
        """The plan's global name for ``value`` (one per object), bound in the namespace."""
        name = self.global_names.get(id(value))
        if name is None:
            if getattr(builtins, hint, _MISSING) is value:
                name = hint  # a builtin: found without binding (and no user's name can take it)
            else:
                name = self.namer.name(hint)
                self.namespace[name] = value
            self.global_names[id(value)] = name
        return name

    # --- specialising --------------------------------------------------------------------------

    def specialise(self) -> None:
        """Every gate node's rule, specialised to the kinds of its inputs and upstream gradient."""
        forwards: dict[Node, _Forward | None] = {}
        for node in self.gates:
            assert node.gate is not None
            try:
                rule = self.cache.rule(node.gate, node.skips)
            except InlineError:
                self.called.append(node)
                self.kinds[node] = None
                continue
            self.rules[node] = rule
            in_kinds = tuple(self.kinds.get(x) for x in node.inputs)
            known = tuple(k for k in in_kinds if k is not None)
            typed = rule.trusted[0] and len(known) == len(in_kinds)
            learnt = self.cache.forward(rule, node.gate, known) if typed else None
            forwards[node] = learnt
            self.kinds[node] = learnt.out if learnt is not None else None
        self.scalar = bool(self.gates) and not self.called and all(
            k is not None and k.scalar64 for n, k in self.kinds.items()
            if n.gate is not None or n in self.leaves)
        self.forwards = forwards
        self.backward_kinds()

    def backward_kinds(self) -> None:
        """Walk backward: the kind of each upstream gradient, and each node's rule specialised to it."""
        self.contributions: dict[Node, list[Kind | None]] = {}
        self.reached: set[Node] = set()
        output = self.graph.output
        if output.requires_grad and output.gate is not None:
            out = self.kinds.get(output)
            self.contributions[output] = [_seed_kind(out) if out is not None else None]
            self.reached.add(output)
        for node in reversed(self.gates):
            if node not in self.reached:
                continue
            dout = self._sum_kind(self.contributions[node])
            wanted = tuple(x.requires_grad for x in node.inputs)
            rule = self.rules.get(node)
            if rule is None:
                grads: tuple[Kind | None, ...] = (None,) * len(node.inputs)
                unsure = True  # called through its methods: anything may come back, None included
            else:
                special = self.specials[node] = self.special(node, rule, dout, wanted)
                grads = special.grads
                unsure = not rule.trusted[1] or not rule.counted or node in self.maybe_none
            for x, want, gives, kind in zip(node.inputs, wanted, self.gives(node), grads, strict=True):
                if want and gives:
                    self.contributions.setdefault(x, []).append(kind)
                    self.reached.add(x)
                    if unsure:
                        self.maybe_none.add(x)

    def gives(self, node: Node) -> tuple[bool, ...]:
        rule = self.rules.get(node)
        return rule.gives if rule is not None else (True,) * len(node.inputs)

    @staticmethod
    def _sum_kind(kinds: list[Kind | None]) -> Kind | None:
        if None in kinds:
            return None
        if len(kinds) == 1:
            return kinds[0]
        total = sample(kinds[0])  # type: ignore[arg-type]
        for kind in kinds[1:]:
            total = total + sample(kind)  # type: ignore[arg-type]
        return kind_of(total)

    def special(self, node: Node, rule: Rule, dout: Kind | None, wanted: tuple[bool, ...]) -> Special:
        in_kinds = tuple(self.kinds.get(x) for x in node.inputs)
        key = (id(rule), in_kinds, dout, wanted, self.scalar)
        known = self.cache.specials.get(key)
        if known is not None:
            return known
        learnt = self.forwards.get(node)
        symbols: dict[str, Kind] = {f"@{i}": k for i, k in enumerate(in_kinds) if k is not None}
        kinds: dict[int, Kind] = {}
        raw: list[Kind | None] = [None] * len(node.inputs)
        if learnt is not None:
            symbols.update({s: kind_of(v) for s, v in learnt.values.items()})
            kinds.update(learnt.kinds)
            if rule.trusted[1] and dout is not None:
                given = {**learnt.given, **learnt.values, "@dout": sample(dout)}
                try:
                    back = learn(rule.backward, given, {s: v for s, (_, v) in rule.globals.items()})
                except Exception:  # the run will raise it, with the gate's own message
                    back = None
                if back is not None:
                    symbols["@dout"] = dout
                    symbols.update({s: kind_of(v) for s, v in back.values.items()})
                    kinds.update(back.kinds)
                    raw = [kind_of(back.values[f"@g{i}"]) if f"@g{i}" in back.values else None
                           for i in range(len(node.inputs))]
        grads = tuple(None if r is None or k is None else _cast_kind(r, k) for r, k in zip(raw, in_kinds,
                                                                                           strict=True))
        live = {f"@g{i}" for i, w in enumerate(wanted) if w} | {"@grads"}
        swept = []
        for sweep in self.sweeps(rule, kinds, symbols):
            forward = sweep.statements(rule.forward)
            if not rule.trusted[1]:
                sweep.kinds, sweep.lower = {}, False
            swept.append(name_results(forward, sweep.statements(rule.backward)))
        # one liveness for both variants, so that either backward can follow either forward
        reads: set[str] = {"@out"}
        backs = []
        for _, backward in swept:
            if rule.trusted[1]:
                backward, needed = drop_dead(backward, live, rule)
            else:
                needed = {n.id for s in backward for n in ast.walk(s) if isinstance(n, ast.Name)}
            backs.append(backward)
            reads |= needed
        fronts = [drop_dead(forward, reads, rule)[0] if rule.trusted[0] else forward for forward, _ in swept]
        special = Special(rule, fronts[0], backs[0], raw=tuple(raw), grads=grads)
        if self.scalar:
            special.scalar_forward, special.scalar_backward = fronts[1], backs[1]
        self.cache.specials[key] = self.cache.keep(special)
        return special

    def sweeps(self, rule: Rule, kinds: dict[int, Kind], symbols: dict[str, Kind]) -> list[Sweep]:
        """A sweep per variant: numpy's, and for a plan of floats the one lowered to Python.

        The kinds learnt on samples are used for this project's own forward only.
        """
        return [Sweep(rule, kinds if rule.trusted[0] else {}, symbols, lower)
                for lower in ((False, True) if self.scalar else (False,))]

    def forward_only(self, node: Node) -> Special:
        """The specialised forward of a node that no gradient reaches (its backward never runs)."""
        rule = self.rules[node]
        in_kinds = tuple(self.kinds.get(x) for x in node.inputs)
        key = (id(rule), in_kinds, "forward only", self.scalar)
        known = self.cache.specials.get(key)
        if known is None:
            learnt = self.forwards.get(node)
            symbols = {f"@{i}": k for i, k in enumerate(in_kinds) if k is not None}
            kinds: dict[int, Kind] = {}
            if learnt is not None:
                symbols.update({s: kind_of(v) for s, v in learnt.values.items()})
                kinds = learnt.kinds
            fronts = []
            for sweep in self.sweeps(rule, kinds, symbols):
                forward, _ = name_results(sweep.statements(rule.forward), [])
                fronts.append(drop_dead(forward, {"@out"}, rule)[0] if rule.trusted[0] else forward)
            known = self.cache.keep(Special(rule, fronts[0], [], fronts[-1] if self.scalar else None))
            self.cache.specials[key] = known
        self.specials[node] = known
        return known

    # --- assembling ----------------------------------------------------------------------------

    def assemble(self) -> Written:
        """The plan's code, one variant per module.

        For a plan of floats: the Python-float variant now, and the numpy one when a
        run first needs it (both keep the same values in the same order); else the
        numpy code alone.
        """
        self.name_nodes()
        self.params = [self.names[leaf] for leaf in self.leaves] + ([self.run_name] if self.called else [])
        self.read_names: set[str] = set()    # what the backwards read, and what the forwards make
        self.made_names: set[str] = set()
        self.loaded: dict[str, ast.Name] = {}   # one shared Name node per name read,
        self.stored: dict[str, ast.Name] = {}   # and per name written
        self.globals_seen: dict[tuple[int, str], str | ast.expr] = {}
        first = self.variant(scalar=self.scalar)
        if self.scalar:  # what the numpy backward will read of forward must be kept as well
            for node, special in self.specials.items():
                self.read_names |= self.forward_reads(node, special)
        leaf_names = self.params[:len(self.leaves)]
        gate_names = [self.names[n] for n in self.gates]
        kept = [name for name in dict.fromkeys([*leaf_names, *gate_names, *self.instances.values()])
                if name in self.read_names and (name in self.made_names or name in leaf_names)]
        if self.record:
            kept = list(dict.fromkeys([*kept, *gate_names]))
        self.kept = kept
        position = {name: i for i, name in enumerate(kept)}
        self.dout = self.grad_name(self.graph.output) if self.graph.output in self.reached \
            else self.namer.name("dout")
        self.saved = self.namer.name("saved")
        if not self.record and not self.scalar:  # nothing records the run: reuse what nothing reads again
            first = self.reuse(*first)
        module, lines = self.module(*first)
        reported = [name for name, _ in self.reported()]
        written = Written([module], [lines], self.namespace, self.called, reported,
                          {n: position[self.names[n]] for n in self.order
                           if n in self.names and self.names[n] in position},
                          self.recorded_grads, self.recorded_edges, formula=self.formula)
        if self.scalar:
            written.modules.insert(0, None)
            written.lines.insert(0, None)
            written.later = lambda: self.module(*self.variant(scalar=False))
        return written

    def variant(self, scalar: bool) -> tuple[list[Line], list[Line], list[ast.expr], list[ast.expr]]:
        """The forward's and the backward's lines of one variant, and what backward returns."""
        self.line = 2                    # (line 1: def forward)
        self.section = self.made_names
        forward: list[Line] = []
        for node in self.gates:
            statements = self.forward_statements(node, scalar)
            makes = _maker(statements, self.names[node])
            forward += [Line(s, node, formula=i == makes, lineno=s.lineno)
                        for i, s in enumerate(self.emit(statements, node))]
        self.line += 4                   # return; a blank line; def backward; unpacking what forward kept
        self.section = self.read_names
        backward: list[Line] = []
        grads_out, recorded = self.backward_lines(scalar, backward)
        return forward, backward, grads_out, recorded

    def module(self, forward: list[Line], backward: list[Line], grads_out: list[ast.expr],
               recorded: list[ast.expr]) -> tuple[ast.Module, list[Line]]:
        """The two functions around a variant's lines: forward returns what it keeps, backward unpacks it."""
        kept, params, dout, saved = self.kept, self.params, self.dout, self.saved
        name = self.shared_name
        at = 2 + sum(height(line.statement) if line.statement is not None else 1 for line in forward)
        output = self.values[self.graph.output]
        out = stamp(ast.Return(stamp(ast.Tuple([name(output.id) if isinstance(output, ast.Name) else stamp(
            output, at), stamp(ast.Tuple([name(k) for k in kept], LOAD), at)], LOAD), at)), at)
        unpack = stamp(ast.Assign(targets=[stamp(ast.Tuple([name(k, True) for k in kept], STORE), at + 3)],
                                  value=name(saved)) if kept else ast.Pass(), at + 3)
        last = backward[-1] if backward else None
        end = at + 4 if last is None else last.lineno + (height(last.statement) if last.statement else 1)
        final = stamp(ast.Return(stamp(ast.Tuple([
            stamp(ast.Tuple([name(g.id) if isinstance(g, ast.Name) else stamp(g, end) for g in grads_out],
                            LOAD), end),
            stamp(ast.Tuple([name(g.id) if isinstance(g, ast.Name) else stamp(g, end) for g in recorded],
                            LOAD), end)], LOAD), end)), end)
        lines = [Line(None, comment=f"def forward({', '.join(params)}):", indent=0, lineno=1), *forward,
                 Line(out, lineno=at), Line(None, indent=0, lineno=at + 1),
                 Line(None, comment=f"def backward({dout}, {saved}):", indent=0, lineno=at + 2),
                 Line(unpack, lineno=at + 3), *backward, Line(final, lineno=end)]
        forward_def = stamp(function_def("forward", params, [line.statement for line in forward
                                                             if line.statement is not None] + [out]), 1)
        backward_def = stamp(function_def("backward", [dout, saved], [unpack] + [
            line.statement for line in backward if line.statement is not None] + [final]), at + 2)
        for function in (forward_def, backward_def):
            for arg in function.args.args:
                stamp(arg, function.lineno)
        return ast.Module([forward_def, backward_def], []), lines

    def reuse(self, forward: list[Line], backward: list[Line], grads_out: list[ast.expr],
              recorded: list[ast.expr]) -> tuple[list[Line], list[Line], list[ast.expr], list[ast.expr]]:
        """The lines with results written into arrays nothing reads afterwards (`graph.compile.reuse`)."""
        kinds: dict[str, Kind] = {}
        for node, kind in self.kinds.items():
            if kind is not None and node in self.names:
                kinds[self.names[node]] = kind
                if node in self.grad_names:  # a gradient has its variable's shape and dtype
                    kinds[self.grad_names[node]] = kind
        np_name = self.bind(np, "np")
        returned = {g.id for g in grads_out if isinstance(g, ast.Name)} | {self.dout}
        for lines, live in ((forward, set(self.kept)), (backward, returned)):
            body = [line for line in lines if line.statement is not None]
            new = reuse_buffers([line.statement for line in body], kinds, live,  # type: ignore[misc]
                                self.value_of, np_name)
            for line, statement in zip(body, new, strict=True):
                line.statement = statement
        return forward, backward, grads_out, recorded

    def value_of(self, node: ast.expr) -> Any:
        """What a plan-level expression is when the plan is written, else None.

        That is a bound global, or a module's attribute (``np.add``).
        """
        if isinstance(node, ast.Name):
            return self.namespace.get(node.id, getattr(builtins, node.id, None))
        if isinstance(node, ast.Attribute):
            owner = self.value_of(node.value)
            return getattr(owner, node.attr, None) if owner is not None else None
        return None

    def forward_reads(self, node: Node, special: Special) -> set[str]:
        """The names of what ``node``'s numpy backward reads of its forward (its inputs' values included)."""
        if special.reads is None:  # the symbols, once per special
            made = {"@out", *(f"@{i}" for i in range(len(node.inputs)))}
            made |= {n.id for s in special.forward for n in ast.walk(s)
                     if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            special.reads = {n.id for s in special.backward for n in ast.walk(s)
                             if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in made}
        out = set()
        for symbol in special.reads:
            value = self.mapping(node, symbol)
            if isinstance(value, ast.Name):
                out.add(value.id)
        return out

    def emit(self, statements: list[ast.stmt], node: Node) -> list[ast.stmt]:
        """``statements`` made anew in the plan's names, each on the next line.

        They are a rule's (over its symbols, made by their builders) or the plan's own.
        """
        out = []
        rename = None
        symbol = self.symbol
        for statement in statements:
            builder = self.cache.builder(statement)
            if builder is not None:
                names = [symbol(node, name, written) for name, written in builder.symbols]
                out.append(builder(names, self.line))
            else:  # made by the plan itself: already in its names
                if rename is None:
                    rename = self.renamer(node)
                out.append(_clone(statement, rename, self.line))
            self.line += height(statement)
        return out

    def symbol(self, node: Node, symbol: str, written: bool) -> ast.expr:
        """A symbol of ``node``'s rule in the plan's names: one shared `ast.Name` per name (or a literal).

        The name is noted in the current section (what a forward makes, a backward reads).
        """
        if symbol[0] == "!":  # a global: the same for every node of the rule
            key = (id(self.rules[node]), symbol)
            value: str | ast.expr | None = self.globals_seen.get(key)
            if value is None:
                value = self.globals_seen[key] = self.meaning(node, symbol)
        elif symbol[0] == "@" or "#" in symbol:
            value = self.meaning(node, symbol)
        else:
            value = symbol
        if not isinstance(value, str):
            made: ast.expr = stamp(value, 1)  # a literal (a constant's value): shared, never raises
            return made
        self.section.add(value)
        cache = self.stored if written else self.loaded
        shared = cache.get(value)
        if shared is None:
            shared = cache[value] = stamp(ast.Name(value, STORE if written else LOAD), 1)
        return shared

    def shared_name(self, name: str, written: bool = False) -> ast.Name:
        """The one `ast.Name` node of ``name``, read or written, that every statement of the plan shares."""
        return self.symbol(None, name, written)  # type: ignore[return-value,arg-type]

    def renamer(self, node: Node) -> Callable[[ast.Name], ast.expr]:

        def rename(name: ast.Name) -> ast.expr:
            return self.symbol(node, name.id, isinstance(name.ctx, ast.Store))
        return rename

    def formula(self, node: Node) -> str:
        """The gate as a formula in the plan's names, for a comment: ``q = W @ x``, ``s = σ(x)``."""
        gate = node.gate
        assert gate is not None
        symbol = str(gate.symbol)
        args = [self.display(x) for x in node.inputs]
        out = self.names[node]
        if len(args) == 2 and symbol in ("+", "-", "*", "/", "@"):
            return f"{out} = {args[0]} {symbol} {args[1]}"
        if len(args) == 1 and symbol == "‖·‖²":
            return f"{out} = ‖{args[0]}‖²"
        if len(args) == 1 and symbol == "1/x":
            return f"{out} = 1/{args[0]}"
        if len(args) == 1 and symbol == "-x":
            return f"{out} = -{args[0]}"
        if len(args) == 1 and symbol[:1] in ("*", "+", "/", "-"):
            return f"{out} = {args[0]} {symbol}"
        name = symbol if symbol != "?" else type(gate).__name__
        return f"{out} = {name}({', '.join(args)})"

    def display(self, node: Node) -> str:
        value = self.values[node]
        if isinstance(value, ast.Constant):
            return ast.unparse(_Display().visit(literal(value.value)))
        return self.names[node]

    # --- one node's statements -----------------------------------------------------------------

    def mapping(self, node: Node, symbol: str) -> ast.expr:
        """What a rule's symbol is in this plan, for ``node``: a name read, or a literal."""
        known = self.meaning(node, symbol)
        return load(known) if isinstance(known, str) else known

    def meaning(self, node: Node, symbol: str) -> str | ast.expr:
        """What a rule's symbol is in this plan, for ``node`` (see `graph.compile.rules`).

        That is the name of a variable or a global, or a literal.
        """
        if symbol[0] == "@":
            if symbol == "@out":
                return self.names[node]
            if symbol == "@dout":
                return self.grad_name(node)
            if symbol[1] == "g":  # @g0, @g1, ..., @grads
                name = self.edge_names.get(symbol)
                if name is None:  # a gradient nobody wants, needed on the way to one that is wanted
                    x = node.inputs[int(symbol[2:])]
                    name = self.once((node, symbol), f"{self.names[node]}_d{self.names.get(x, 'c')}")
                return name
            if symbol == "@self":
                return self.bind(node.gate, f"{self.names[node]}_gate")
            x = node.inputs[int(symbol[1:])]
            return self.names.get(x) or self.values[x]
        if symbol[0] == "!":
            hint, value = self.rules[node].globals[symbol]
            return self.bind(value, f"{self.names[node]}_gate" if value is node.gate else hint)
        name = self.instances.get((node, symbol))
        if name is None:
            hint = self.rules[node].hints.get(symbol, "t")
            name = self.instances[node, symbol] = self.namer.name(f"{self.names[node]}_{hint}")
        return name

    def forward_statements(self, node: Node, scalar: bool) -> list[ast.stmt]:
        name = self.names[node]
        if node in self.called:  # not inlined: its own forward, checked; what it keeps this run's
            gate_name, node_name = self.bind(node.gate, f"{name}_gate"), self.bind(node, f"{name}_node")
            call = ast.Call(ast.Attribute(load(gate_name), "forward", LOAD),
                            [self.values[x] for x in node.inputs], [])
            return [ast.Assign(targets=[ast.Attribute(load(node_name), "last_run", STORE)],
                               value=load(self.run_name)),
                    assign(name, ast.Call(load(self.bind(checked_value, "checked_value")),
                                          [load(node_name), call], []))]
        special = self.specials.get(node) or self.forward_only(node)
        statements = special.forward
        if scalar and special.scalar_forward is not None:
            statements = special.scalar_forward
        out = list(statements)
        if not self.rules[node].trusted[0]:  # a learner's forward: its result checked, as in the interpreter
            out.append(assign(name, ast.Call(load(self.bind(checked_value, "checked_value")),
                                             [load(self.bind(node, f"{name}_node")), load(name)], [])))
        return out

    def backward_lines(self, scalar: bool, lines: list[Line]) -> tuple[list[ast.expr], list[ast.expr]]:
        """Each reached gate's backward, in reverse order; return the leaves' gradients and the recorded ones.

        A value that fans out gets the sum of its gradients, in the order they
        arrive (the interpreter's): ``dx = ...`` for the first, ``dx += ...`` after.
        When the run is recorded, each of those gradients keeps a name of its own
        (``dx_sigx``), so that the tape can show what each gate sent.
        """
        arrived: dict[Node, int] = {}
        expected = {x: len(kinds) for x, kinds in self.contributions.items()}
        fanned: dict[tuple[Node, int], str] = {}    # a fanned-out edge's gradient: the name that holds it
        for node in reversed(self.gates):
            if node not in self.reached:
                continue
            targets: list[tuple[int, Node, str]] = []
            self.edge_names: dict[str, str] = {}
            for i, (x, gives) in enumerate(zip(node.inputs, self.gives(node), strict=True)):
                if x.requires_grad and gives:
                    name = self.grad_name(x) if expected[x] == 1 else \
                        self.once((node, i), f"{self.grad_name(x)}_{self.names[node]}")
                    self.edge_names[f"@g{i}"] = name
                    targets.append((i, x, name))
            statements, rewritten = self.gate_backward(node, scalar, targets)
            for i, x, name in targets:
                if expected[x] > 1:
                    arrived[x] = arrived.get(x, 0) + 1
                    fanned[node, i] = self.accumulate(node, i, x, name, statements, arrived[x] == 1,
                                                      name not in rewritten)
            lines.append(Line(None, node, formula=True, lineno=self.line))
            self.line += 1
            if node in self.maybe_none:  # its upstream gradient may be None: then its backward does not run
                statements = [*(assign(name, literal(None)) for _, _, name in targets),
                              ast.If(ast.Compare(load(self.grad_name(node)), [ast.IsNot()], [literal(None)]),
                                     statements, [])]
            for statement in self.emit(statements, node):
                lines.append(Line(statement, node, lineno=statement.lineno))
        if self.graph.output.gate is None and self.graph.output.requires_grad:  # a graph of one leaf
            self.reached.add(self.graph.output)
        grads_out: list[ast.expr] = [load(self.grad_name(leaf)) if leaf in self.reached else literal(None)
                                     for _, leaf in self.reported()]
        # what the tape will need: every node's gradient, then each fanned-out edge's (one layout for both
        # variants: the names may differ, the places do not)
        self.recorded_grads: dict[Node, int] = {}
        self.recorded_edges: dict[tuple[Node, int], int] = {}
        recorded: list[ast.expr] = []
        if self.record:
            for node in self.order:
                if node in self.reached:
                    self.recorded_grads[node] = len(recorded)
                    recorded.append(load(self.grad_name(node)))
            for node in reversed(self.gates):
                for i, x in enumerate(node.inputs):
                    if (node, i) in fanned:
                        self.recorded_edges[node, i] = len(recorded)
                        recorded.append(load(fanned[node, i]))
                    elif x in self.recorded_grads and node in self.reached and x.requires_grad \
                            and self.gives(node)[i]:
                        self.recorded_edges[node, i] = self.recorded_grads[x]
        return grads_out, recorded

    def accumulate(self, node: Node, i: int, x: Node, name: str, statements: list[ast.stmt], first: bool,
                   fold: bool) -> str:
        """Add the gradient ``node`` sends along input ``i`` (``name``) to ``x``'s (see `backward_lines`).

        ``fold``: nothing after the rule's own ``@g{i} = value`` changes the gradient
        (no cast, no check), so the value may be added where it is computed.
        Returns the name that holds the gradient sent, for the tape.
        """
        total, symbol = self.grad_name(x), f"@g{i}"
        mine = [s for s in statements if isinstance(s, ast.Assign) and len(s.targets) == 1
                and isinstance(s.targets[0], ast.Name) and s.targets[0].id == symbol]
        value: ast.expr = load(name)
        if fold and len(mine) == 1 and not _reads(statements, symbol):
            if not self.record:
                statements.remove(mine[0])  # nothing records it: added where it is computed
                value = mine[0].value
            elif isinstance(mine[0].value, ast.Name):  # it has a name already (dx = dnum): recorded as that
                mapped = self.mapping(node, mine[0].value.id) if mine[0].value.id[0] in "@!" \
                    or "#" in mine[0].value.id else mine[0].value
                if isinstance(mapped, ast.Name):
                    statements.remove(mine[0])
                    value, name = mine[0].value, mapped.id
        if first:
            statements.append(assign(total, value))
        elif x in self.maybe_none:
            statements.append(assign(total, ast.Call(load(self.bind(add_gradients, "add_gradients")),
                                                     [load(total), value], [])))
        elif self.kinds.get(x) is not None and self.kinds[x].type is not np.ndarray:  # type: ignore[union-attr]
            statements.append(ast.AugAssign(store(total), ast.Add(), value))  # a number: += makes a new one
        else:
            statements.append(assign(total, ast.BinOp(load(total), ast.Add(), value)))  # never in place:
        return name                                                      # the array may be another's

    def reported(self) -> list[tuple[str, Node]]:
        """The leaves whose gradients backward reports, by name, in the interpreter's order."""
        inputs = [(k, x) for k, x in self.graph.inputs.items() if x.requires_grad]
        return [*self.graph.parameters.items(), *inputs]

    def gate_backward(self, node: Node, scalar: bool,
                      targets: list[tuple[int, Node, str]]) -> tuple[list[ast.stmt], set[str]]:
        """``node``'s backward statements (unnumbered), and the gradients they change after computing them."""
        every = {name for _, _, name in targets}
        if node in self.called:
            return self.called_backward(node, targets), every
        rule, special = self.rules[node], self.specials[node]
        if not rule.counted:
            self.edge_names["@grads"] = self.once((node, "@grads"), f"{self.names[node]}_grads")
        source = special.backward
        if scalar and special.scalar_backward is not None:
            source = special.scalar_backward
        statements = list(source)
        if not rule.counted:
            return statements + self.uncounted(node, self.edge_names["@grads"], targets), every
        if not rule.trusted[1]:
            return statements + self.checked(node, targets), every
        casts = self.casts(node, special, targets)
        recast = {t.id for s in casts if isinstance(s, ast.Assign) for t in s.targets
                  if isinstance(t, ast.Name)}
        return statements + casts, recast

    def casts(self, node: Node, special: Special, targets: list[tuple[int, Node, str]]) -> list[ast.stmt]:
        """The gradients of this project's gates, cast to their variable's dtype where the kinds say so."""
        out: list[ast.stmt] = []
        for i, x, name in targets:
            raw, cast, value = special.raw[i], special.grads[i], self.kinds.get(x)
            if raw is None or value is None:  # kinds unknown: the engine's cast, at run time
                out.append(assign(name, ast.Call(load(self.bind(cast_like, "cast_like")),
                                                 [load(name), self.values[x]], [])))
            elif cast != raw:
                dtype = np.dtype(value.dtype)
                out.append(assign(name, ast.Call(ast.Attribute(load(name), "astype", LOAD),
                                                 [load(self.bind(dtype, f"{dtype.name}"))], [])
                                  if raw.type is np.ndarray else
                                  ast.Call(load(self.bind(dtype.type, dtype.name)), [load(name)], [])))
        return out

    def checked(self, node: Node, targets: list[tuple[int, Node, str]]) -> list[ast.stmt]:
        """A learner's gradients, checked as the interpreter checks them (and cast to their input's dtype)."""
        node_name = self.bind(node, f"{self.names[node]}_node")
        names = {i: name for i, _, name in targets}
        every = ast.Tuple([load(names[i]) if i in names else literal(None)
                           for i in range(len(node.inputs))], LOAD)
        check = self.bind(checked_gradient, "checked_gradient")
        return [assign(name, ast.Call(load(check), [load(node_name), literal(i), load(name), self.values[x],
                                                    load(self.grad_name(node)), every], []))
                for i, x, name in targets]

    def uncounted(self, node: Node, grads: str, targets: list[tuple[int, Node, str]]) -> list[ast.stmt]:
        """A backward that returns no tuple literal: the count checked, then each gradient."""
        node_name = self.bind(node, f"{self.names[node]}_node")
        out: list[ast.stmt] = [assign(grads, ast.Call(load(self.bind(checked_count, "checked_count")),
                                                      [load(node_name), load(grads)], []))]
        return out + self.each_checked(node, node_name, grads, targets)

    def each_checked(self, node: Node, node_name: str, grads: str,
                     targets: list[tuple[int, Node, str]]) -> list[ast.stmt]:
        check = self.bind(checked_gradient, "checked_gradient")
        wanted = {i: name for i, _, name in targets}
        out: list[ast.stmt] = []
        for i, x in enumerate(node.inputs):
            call = ast.Call(load(check), [load(node_name), literal(i),
                                          ast.Subscript(load(grads), literal(i), LOAD), self.values[x],
                                          load(self.grad_name(node)), load(grads)], [])
            out.append(assign(wanted[i], call) if i in wanted else ast.Expr(call))  # checked all the same
        return out

    def called_backward(self, node: Node, targets: list[tuple[int, Node, str]]) -> list[ast.stmt]:
        name = self.names[node]
        gate_name, node_name = self.bind(node.gate, f"{name}_gate"), self.bind(node, f"{name}_node")
        grads = self.once((node, "@grads"), f"{name}_grads")
        keywords = [] if node.skips is None else [ast.keyword("needs_input_grad", literal(node.skips))]
        method = ast.Attribute(load(gate_name), "backward", LOAD)
        call = ast.Call(method, [load(self.grad_name(node))], keywords)
        out: list[ast.stmt] = [assign(grads, ast.Call(load(self.bind(checked_count, "checked_count")),
                                                      [load(node_name), call], []))]
        return out + self.each_checked(node, node_name, grads, targets)


def _maker(statements: list[ast.stmt], name: str) -> int:
    """The index of the statement that makes the node's value (``@out``, or ``name``), else the last one."""
    for i, statement in enumerate(statements):
        if isinstance(statement, ast.Assign) and any(isinstance(t, ast.Name) and t.id in ("@out", name)
                                                     for t in statement.targets):
            return i
    return len(statements) - 1


def _reads(statements: list[ast.stmt], symbol: str) -> bool:
    """Whether any of ``statements`` reads ``symbol``."""
    return any(isinstance(n, ast.Name) and n.id == symbol and isinstance(n.ctx, ast.Load)
               for s in statements for n in ast.walk(s))
