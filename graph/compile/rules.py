"""A gate's rule as the compiler holds it: its ``forward`` and ``backward`` inlined, over symbols.

`inline` reads the gate's two methods (`graph.compile.methods`) and rewrites
their statements so that they can stand in a plan, one gate after another:

- every local variable gets a symbol of its own at each assignment (static
  single assignment), so later passes may move and drop statements freely;
- ``self.name = value`` in ``forward`` (what the lecture says forward must keep)
  becomes a symbol too, which ``backward`` reads in place of ``self.name``;
  any other ``self.name`` is a constant of the gate, read now (set in ``__init__``);
- the parameters of ``forward`` are the symbols ``@0``, ``@1``, ...; what it
  returns is assigned to ``@out``; the upstream gradient is ``@dout``; the
  gradient ``backward`` returns for input ``i`` is assigned to ``@g{i}``;
- free names (``np``, ``as_real``, a learner's module globals) and constants that
  are not Python literals are symbols ``!k``, bound to their values.

Symbols are not identifiers (``e#1``, ``@0``): only the emitter
(`graph.compile.emit`) turns them into names, through the plan's one `Namer`.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass, field
from typing import Any

from gates import Gate

from .methods import InlineError, Method, read_method
from .syntax import LOAD, STORE, literal

__all__ = ["Rule", "constant_key", "inline", "is_library", "is_literal"]

#: Values an `ast.Constant` may hold: written into the code as values, never as text.
LITERALS = (float, int, bool, str, bytes, type(None), complex)


def is_literal(value: Any) -> bool:
    """Whether ``value`` may stand in the code as an `ast.Constant` (numbers, strings, tuples of them)."""
    if type(value) is tuple:
        return all(is_literal(v) for v in value)
    return type(value) in LITERALS and type(value) is not complex


def is_library(function: Any) -> bool:
    """Whether ``function`` is one of this project's gates' own (tested) methods, rather than a learner's."""
    return getattr(function, "__module__", "").partition(".")[0] == "gates"


@dataclass(eq=False)
class Rule:
    """A gate's forward and backward, inlined for one gate's constants (see the module docstring).

    Attributes
    ----------
    kind : type
        The gate's class.
    forward, backward : list of ast.stmt
        The statements; ``forward`` ends by assigning ``@out``, ``backward`` by
        assigning each ``@g{i}`` it gives (or ``@grads``, the returned value, when
        that is not a tuple of one entry per input).
    inputs : int
        The number of inputs.
    gives : tuple of bool
        For each input, whether ``backward`` gives it a gradient (not a literal ``None``).
    globals : dict of str to (str, object)
        Each ``!k`` symbol: a readable hint for its name, and its value.
    hints : dict of str to str
        The readable name of each temporary symbol.
    trusted : (bool, bool)
        Whether ``forward`` and ``backward`` are this project's own methods (their
        results need no checks, and their values' types may be learnt from samples).
    counted : bool
        Whether ``backward`` returns a tuple literal of one entry per input
        (else the engine checks the count at run time).
    """

    kind: type
    forward: list[ast.stmt]
    backward: list[ast.stmt]
    inputs: int
    gives: tuple[bool, ...]
    globals: dict[str, tuple[str, Any]] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    trusted: tuple[bool, bool] = (False, False)
    counted: bool = True


def constant_key(gate: Gate, kept: frozenset[str]) -> tuple[Any, ...]:
    """What a gate's rule depends on besides its class: its own attributes that forward does not keep."""
    items = []
    for name, value in sorted(vars(gate).items()):
        if name in kept:
            continue
        items.append((name, value if is_literal(value) else ("id", id(value))))
    return tuple(items)


def inline(gate: Gate, skips: tuple[bool, ...] | None) -> Rule:
    """Inline ``gate``'s ``forward`` and ``backward`` into a `Rule`, or raise `InlineError`.

    ``skips`` is the ``needs_input_grad`` a graph passes to a gate that takes it.
    """
    kind = type(gate)
    forward, backward = read_method(kind.forward), read_method(kind.backward)
    if forward.stores & forward.loads and _reads_before_storing(forward):
        raise InlineError(f"{kind.__name__}.forward reads what an earlier forward kept (state across runs)")
    inputs = len(forward.params)
    trusted = (is_library(forward.function), is_library(backward.function))
    rule = Rule(kind, [], [], inputs, (), trusted=trusted)
    writer = _Writer(rule, gate)
    kept: dict[str, str] = {}
    env: dict[str, Any] = {name: f"@{i}" for i, name in enumerate(forward.params)}
    for name, value in forward.defaults.items():
        if name in env and forward.params.index(name) >= inputs:
            env[name] = writer.constant(value, name)
    rule.forward = writer.statements(forward, env, kept, stores_allowed=True)
    out = writer.expression(_returned(forward), forward, env, kept)
    rule.forward.append(_assign("@out", out))
    params = backward.params
    if not params:
        raise InlineError(f"{kind.__name__}.backward takes no upstream gradient")
    env = {params[0]: "@dout"}  # (a new scope: backward's own locals)
    for name in params[1:]:
        if name == "needs_input_grad" and skips is not None:
            env[name] = writer.constant(skips, name)
        elif name in backward.defaults:
            env[name] = writer.constant(backward.defaults[name], name)
        else:
            raise InlineError(f"{kind.__name__}.backward has a parameter {name!r} without a default")
    backward_kept = dict(kept)
    rule.backward = writer.statements(backward, env, backward_kept, stores_allowed=True)
    returned = _returned(backward)
    if isinstance(returned, ast.Tuple) and len(returned.elts) == inputs \
            and not any(isinstance(e, ast.Starred) for e in returned.elts):
        gives = []
        for i, element in enumerate(returned.elts):
            if isinstance(element, ast.Constant) and element.value is None:
                gives.append(False)
                continue
            rule.backward.append(_assign(f"@g{i}", writer.expression(element, backward, env, backward_kept)))
            gives.append(True)
        rule.gives = tuple(gives)
    else:  # the engine checks the count at run time, as the interpreter does
        rule.counted = False
        rule.backward.append(_assign("@grads", writer.expression(returned, backward, env, backward_kept)))
        rule.gives = (True,) * inputs
    return rule


def _returned(method: Method) -> ast.expr:
    """What a straight-line method returns (`read_method` checked that it ends in ``return <value>``)."""
    last = method.body[-1]
    assert isinstance(last, ast.Return) and last.value is not None
    return last.value


def _reads_before_storing(method: Method) -> bool:
    """Whether ``method`` reads ``self.name`` before it stores it (so it depends on an earlier run)."""
    stored: set[str] = set()
    for statement in method.body:
        values: list[ast.AST] = [statement]
        if isinstance(statement, ast.Assign | ast.AugAssign | ast.AnnAssign) and statement.value is not None:
            values = [statement.value]
        if isinstance(statement, ast.AugAssign):
            values.append(statement.target)
        for part in values:
            for node in ast.walk(part):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                        and node.value.id == method.self_name and isinstance(node.ctx, ast.Load) \
                        and node.attr in method.stores and node.attr not in stored:
                    return True
        if isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                for node in ast.walk(target):
                    if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                        stored.add(node.attr)
    return False


def _assign(symbol: str, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[ast.Name(symbol, STORE)], value=value)


_MISSING = object()


class _Writer:
    """Rewrites one gate's method statements into a rule's symbols (see the module docstring)."""

    def __init__(self, rule: Rule, gate: Gate) -> None:
        self.rule, self.gate = rule, gate
        self.counter = 0
        self.global_ids: dict[int, str] = {}

    def fresh(self, hint: str) -> str:
        self.counter += 1
        symbol = f"{hint}#{self.counter}"
        self.rule.hints[symbol] = hint
        return symbol

    def bind(self, value: Any, hint: str) -> str:
        """The ``!k`` symbol of a value the code reads (one per object)."""
        symbol = self.global_ids.get(id(value))
        if symbol is None:
            symbol = self.global_ids[id(value)] = f"!{len(self.global_ids)}"
            self.rule.globals[symbol] = (hint, value)
        return symbol

    def constant(self, value: Any, hint: str) -> str | ast.Constant:
        """What a parameter's default stands for in the code: the literal itself, or a bound global."""
        return literal(value) if is_literal(value) else self.bind(value, hint)

    # --- statements --------------------------------------------------------------------------

    def statements(self, method: Method, env: dict[str, Any], kept: dict[str, str],
                   stores_allowed: bool) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for statement in method.body[:-1]:
            if isinstance(statement, ast.Pass):
                continue
            if isinstance(statement, ast.Expr):
                if isinstance(statement.value, ast.Constant):
                    continue  # a string or a number standing alone
                out.append(ast.Expr(self.expression(statement.value, method, env, kept)))
            elif isinstance(statement, ast.If):
                test = self.expression(statement.test, method, env, kept)
                body: list[ast.stmt] = [ast.Raise(
                    exc=None if s.exc is None else self.expression(s.exc, method, env, kept),  # type: ignore[attr-defined]
                    cause=None if s.cause is None else self.expression(s.cause, method, env, kept))  # type: ignore[attr-defined]
                    for s in statement.body]
                out.append(ast.If(test=test, body=body, orelse=[]))
            elif isinstance(statement, ast.Assert):
                out.append(ast.Assert(self.expression(statement.test, method, env, kept),
                                      None if statement.msg is None else
                                      self.expression(statement.msg, method, env, kept)))
            elif isinstance(statement, ast.AugAssign):
                value = self.expression(statement.value, method, env, kept)
                target = statement.target
                if isinstance(target, ast.Name):
                    symbol = env.get(target.id)
                    if not isinstance(symbol, str):
                        raise InlineError(f"{method.function.__qualname__} updates {target.id!r} before "
                                           "assigning it")
                    new = self.fresh(self.rule.hints.get(symbol, target.id))
                    out.append(_assign(new, ast.Name(symbol, LOAD)))  # the same object, rebound
                    out.append(ast.AugAssign(ast.Name(new, STORE), statement.op, value))
                    env[target.id] = new
                elif isinstance(target, ast.Attribute):
                    symbol = kept.get(target.attr)
                    if symbol is None:
                        raise InlineError(f"{method.function.__qualname__} updates self.{target.attr}, "
                                           "which only an earlier run could have set")
                    new = self.fresh(target.attr)
                    out.append(_assign(new, ast.Name(symbol, LOAD)))
                    out.append(ast.AugAssign(ast.Name(new, STORE), statement.op, value))
                    kept[target.attr] = new
                else:
                    out.append(ast.AugAssign(self.expression(target, method, env, kept, store=True),
                                             statement.op, value))
            else:  # Assign, AnnAssign
                if isinstance(statement, ast.AnnAssign):
                    if statement.value is None:
                        continue
                    targets: list[ast.expr] = [statement.target]
                    value_node = statement.value
                else:
                    assert isinstance(statement, ast.Assign)
                    targets, value_node = list(statement.targets), statement.value
                out += self.assignment(targets, value_node, method, env, kept)
        return out

    def assignment(self, targets: list[ast.expr], value_node: ast.expr, method: Method, env: dict[str, Any],
                   kept: dict[str, str]) -> list[ast.stmt]:
        # x, y = a, b: assigned one by one (the right side is read first), so that each may be simplified
        if len(targets) == 1 and isinstance(targets[0], ast.Tuple | ast.List) \
                and isinstance(value_node, ast.Tuple | ast.List) \
                and len(targets[0].elts) == len(value_node.elts) \
                and not any(isinstance(e, ast.Starred) for e in (*targets[0].elts, *value_node.elts)):
            values = [self.expression(v, method, env, kept) for v in value_node.elts]
            out: list[ast.stmt] = []
            for target, value in zip(targets[0].elts, values, strict=True):
                out.append(ast.Assign(targets=[self.target(target, method, env, kept)], value=value))
            return out
        value = self.expression(value_node, method, env, kept)
        if len(targets) > 1:  # a = b = value: once, then copied
            symbol = self.fresh("t")
            out = [_assign(symbol, value)]
            out += [ast.Assign(targets=[self.target(t, method, env, kept)], value=ast.Name(symbol, LOAD))
                    for t in targets]
            return out
        return [ast.Assign(targets=[self.target(targets[0], method, env, kept)], value=value)]

    def target(self, target: ast.expr, method: Method, env: dict[str, Any], kept: dict[str, str]) -> ast.expr:
        if isinstance(target, ast.Name):
            symbol = self.fresh(target.id)
            env[target.id] = symbol
            return ast.Name(symbol, STORE)
        if isinstance(target, ast.Attribute):  # self.name = ...: kept for backward
            symbol = self.fresh(target.attr)
            kept[target.attr] = symbol
            return ast.Name(symbol, STORE)
        if isinstance(target, ast.Tuple | ast.List):
            return type(target)(elts=[self.target(e, method, env, kept) for e in target.elts], ctx=STORE)
        new: ast.expr = self.expression(target, method, env, kept, store=True)  # x[i] = ...
        return new

    # --- expressions -------------------------------------------------------------------------

    def expression(self, node: ast.expr, method: Method, env: dict[str, Any], kept: dict[str, str],
                   store: bool = False) -> Any:
        """A copy of ``node`` over the rule's symbols (the method's own tree is never changed)."""
        if isinstance(node, ast.Name):
            if node.id in env:
                bound = env[node.id]
                return ast.Name(bound, LOAD) if isinstance(bound, str) else literal(bound.value)
            if node.id == method.self_name:
                return ast.Name("@self", LOAD)  # the gate (each node's own), passed for its error messages
            value = method.free[node.id]
            if is_literal(value):
                return literal(value)
            return ast.Name(self.bind(value, node.id), LOAD)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == method.self_name and node.value.id not in env:
            if node.attr in kept:
                return ast.Name(kept[node.attr], LOAD)
            value = self.attribute(node.attr)
            return literal(value) if is_literal(value) else ast.Name(self.bind(value, node.attr), LOAD)
        if isinstance(node, ast.Constant):
            return literal(node.value)
        if isinstance(node, ast.expr_context):
            return node
        fields: dict[str, Any] = {}
        for name in node._fields:
            value = getattr(node, name)
            if isinstance(value, list):
                fields[name] = [self.expression(v, method, env, kept) if isinstance(v, ast.expr) else
                                self.part(v, method, env, kept) if isinstance(v, ast.AST) else v
                                for v in value]
            elif isinstance(value, ast.expr_context):
                fields[name] = STORE if store and name == "ctx" else LOAD
            elif isinstance(value, ast.expr):
                fields[name] = self.expression(value, method, env, kept)
            elif isinstance(value, ast.AST):
                fields[name] = self.part(value, method, env, kept)
            else:
                fields[name] = value
        return type(node)(**fields)

    def part(self, node: ast.AST, method: Method, env: dict[str, Any], kept: dict[str, str]) -> ast.AST:
        """A copy of a part of an expression that is no expression itself (a keyword argument, a slice's)."""
        if isinstance(node, ast.keyword):
            return ast.keyword(node.arg, self.expression(node.value, method, env, kept))
        return node  # an operator or a context: shared

    def attribute(self, name: str) -> Any:
        """The value of ``self.name`` that is not kept by forward: a constant of the gate, read now."""
        gate = self.gate
        if name in vars(gate):
            return vars(gate)[name]
        value = inspect.getattr_static(type(gate), name, _MISSING)
        if value is _MISSING or hasattr(type(value), "__get__"):
            raise InlineError(f"{type(gate).__name__} reads self.{name}, which is neither kept by forward "
                               "nor a constant of the gate")
        return value


