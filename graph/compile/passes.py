"""Passes over an inlined rule: what makes the derived code as fast as code written by hand.

None of them knows a gate. They know Python, numpy, and the few helpers every
gate shares (`gates.base.as_real`, `unbroadcast`, `broadcasting`, `shape_of`,
`checked_upstream`; `gates.linalg.reduced`): knowledge of a helper, not a copy
of a rule. Given the kind of every value (`graph.compile.kinds`):

- **fold**: what the kinds decide is decided now: ``type(x) is float``,
  ``a.ndim == 2``, ``shape_of(x)``, a guard that cannot fire, a conditional
  expression whose test is known;
- **helpers**: ``as_real`` of a float is the float; ``broadcasting(g, op, x, y)``
  of shapes that fit is ``x op y``; ``unbroadcast`` where nothing was broadcast is
  the gradient itself, and elsewhere the one ``np.sum`` it comes to;
- **lower** (for a plan of Python floats): numpy on a float64 number becomes
  Python and ``math`` (``np.exp`` → ``math.exp``, ``np.where(c, a, b)`` →
  ``a if c else b``), keeping numpy's meaning at nan and ±inf; where ``math``
  raises instead (an overflow, a log of 0), the plan runs the numpy code;
- **propagate** copies and constants, then **drop** what nothing reads.

Code that is not this project's (a learner's gate) gets only the last two, which
change nothing it does.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from types import ModuleType
from typing import Any, cast

import numpy as np

from gates.base import as_real, broadcasting, checked_upstream, shape_of, unbroadcast, unbroadcast_like
from gates.linalg import reduced
from gates.losses import check_scores_and_labels

from .kinds import Kind, kind_of
from .rules import Rule, is_literal
from .syntax import LOAD, STORE, literal

__all__ = ["Sweep", "drop_dead", "name_results"]

_BINARY = {operator.add: ast.Add, operator.sub: ast.Sub, operator.mul: ast.Mult, operator.truediv: ast.Div}
_MATH = {np.exp: math.exp, np.log: math.log, np.tanh: math.tanh, np.expm1: math.expm1, np.sqrt: math.sqrt}
_COMPARE = {np.greater: ast.Gt, np.greater_equal: ast.GtE, np.less: ast.Lt, np.less_equal: ast.LtE,
            np.equal: ast.Eq, np.not_equal: ast.NotEq}
#: Calls that check values at run time (labels in range): never dropped, even when their result is unused.
_CHECKS: frozenset[Any] = frozenset({check_scores_and_labels})
_MISSING = object()


class Sweep:
    """One pass over a rule's statements, in order: fold, specialise helpers, lower, propagate.

    Parameters
    ----------
    rule : Rule
        The rule the statements come from (its ``!k`` globals; new ones are bound there).
    kinds : dict of int to Kind
        The kind of each expression of the statements as inlined, by ``id`` (empty: unknown).
    symbols : dict of str to Kind
        The kind of each symbol.
    lower : bool
        Lower numpy on float64 numbers to Python and ``math``.
    """

    def __init__(self, rule: Rule, kinds: dict[int, Kind], symbols: dict[str, Kind], lower: bool) -> None:
        self.rule, self.kinds, self.symbols, self.lower = rule, kinds, symbols, lower
        self.subst: dict[str, ast.expr] = {}
        self.python: set[int] = set()          # new nodes that now compute a Python number
        self.python_symbols: set[str] = set()
        self.rebound: set[str] = set()

    # --- statements ------------------------------------------------------------------------------

    def statements(self, statements: list[ast.stmt]) -> list[ast.stmt]:
        """The statements swept (a new list of new nodes; the given ones are left as they are)."""
        self.rebound |= {s.target.id for s in statements
                         if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name)}
        out: list[ast.stmt] = []
        for statement in statements:
            if isinstance(statement, ast.Assign):
                value = self.expression(statement.value)
                target = statement.targets[0]
                if len(statement.targets) == 1 and isinstance(target, ast.Name):
                    if isinstance(value, ast.Name | ast.Constant) and target.id not in self.rebound \
                            and not target.id.startswith("@"):
                        self.subst[target.id] = value  # a copy or a constant: propagated, not assigned
                        if self.is_python(value):
                            self.python_symbols.add(target.id)
                        continue
                    if self.is_python(value):
                        self.python_symbols.add(target.id)
                    out.append(ast.Assign(targets=[target], value=value))
                else:
                    out.append(ast.Assign(targets=[self.target(t) for t in statement.targets], value=value))
            elif isinstance(statement, ast.AugAssign):
                target = self.target(statement.target)
                assert isinstance(target, ast.Name | ast.Attribute | ast.Subscript)
                out.append(ast.AugAssign(target, statement.op, self.expression(statement.value)))
            elif isinstance(statement, ast.If):
                test = self.expression(statement.test)
                if isinstance(test, ast.Constant) and not test.value:
                    continue  # a guard that cannot fire
                out.append(ast.If(test, [ast.Raise(None if r.exc is None else self.expression(r.exc),  # type: ignore[attr-defined]
                                                   None if r.cause is None else self.expression(r.cause))  # type: ignore[attr-defined]
                                         for r in statement.body], []))
            elif isinstance(statement, ast.Assert):
                test = self.expression(statement.test)
                if isinstance(test, ast.Constant) and test.value:
                    continue
                message = None if statement.msg is None else self.expression(statement.msg)
                out.append(ast.Assert(test, message))
            elif isinstance(statement, ast.Expr):
                out.append(ast.Expr(self.expression(statement.value)))
            else:
                out.append(statement)
        return out

    def target(self, node: ast.expr) -> ast.expr:
        if isinstance(node, ast.Name):
            return node
        if isinstance(node, ast.Tuple | ast.List):
            return type(node)(elts=[self.target(e) for e in node.elts], ctx=STORE)
        if isinstance(node, ast.Subscript):
            return ast.Subscript(self.expression(node.value), self.expression(node.slice), STORE)
        return self.expression(node)

    # --- what is known of an expression -----------------------------------------------------------

    def kind(self, node: ast.expr) -> Kind | None:
        """The kind of an expression as inlined (not yet swept)."""
        if isinstance(node, ast.Name):
            return self.symbols.get(node.id)
        if isinstance(node, ast.Constant):
            return kind_of(node.value)
        return self.kinds.get(id(node))

    def static(self, node: ast.expr) -> Any:
        """The value of an expression fixed when the plan is written, else ``_MISSING``.

        That is a bound global, a module's function (``np.exp``) or a literal.
        """
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name) and node.id.startswith("!"):
            return self.rule.globals[node.id][1]
        if isinstance(node, ast.Attribute):
            owner = self.static(node.value)
            if isinstance(owner, ModuleType):  # a module's function: np.exp, operator.add
                return getattr(owner, node.attr, _MISSING)
        return _MISSING

    def is_python(self, node: ast.expr) -> bool:
        """Whether ``node`` (swept) computes a Python number or bool, not a numpy one."""
        if id(node) in self.python:
            return True
        if isinstance(node, ast.Constant):
            return type(node.value) in (float, int, bool)
        if isinstance(node, ast.Name):
            kind = self.symbols.get(node.id)
            return node.id in self.python_symbols or (kind is not None and kind.type in (float, bool))
        return False

    def python_number(self, node: ast.expr, original: ast.expr) -> bool:
        """Whether ``original`` is a float64 number (or a literal number): what Python arithmetic takes."""
        if isinstance(node, ast.Constant):
            return type(node.value) in (float, int)
        kind = self.kind(original)
        return self.is_python(node) or (kind is not None and kind.scalar64)

    def bind(self, value: Any, hint: str) -> ast.Name:
        for symbol, (_, bound) in self.rule.globals.items():
            if bound is value:
                return ast.Name(symbol, LOAD)
        symbol = f"!{len(self.rule.globals)}"
        while symbol in self.rule.globals:
            symbol += "'"
        self.rule.globals[symbol] = (hint, value)
        return ast.Name(symbol, LOAD)

    def literal(self, value: Any, hint: str) -> ast.expr:
        return literal(value) if is_literal(value) else self.bind(value, hint)

    def mark(self, node: ast.expr) -> ast.expr:
        self.python.add(id(node))
        return node

    # --- expressions ---------------------------------------------------------------------------

    def expression(self, node: ast.expr) -> ast.expr:
        method: Callable[[Any], ast.expr] | None = getattr(self, f"_{type(node).__name__.lower()}", None)
        new: ast.expr = method(node) if method is not None else self.generic(node)
        return new

    def generic(self, node: ast.AST) -> Any:
        fields: dict[str, Any] = {}
        for name in node._fields:
            value = getattr(node, name)
            if isinstance(value, list):
                fields[name] = [self.part(v) for v in value]
            elif isinstance(value, ast.expr):
                fields[name] = self.expression(value)
            else:
                fields[name] = value
        return type(node)(**fields)

    def part(self, value: Any) -> Any:
        """An element of a node's list field: an expression, a keyword argument, or a leaf kept as it is."""
        if isinstance(value, ast.expr):
            return self.expression(value)
        if isinstance(value, ast.keyword):
            return ast.keyword(value.arg, self.expression(value.value))
        if isinstance(value, ast.AST) and not isinstance(value, ast.expr_context):
            return self.generic(value)
        return value

    def _name(self, node: ast.Name) -> ast.expr:
        return self.subst.get(node.id, node)

    def _constant(self, node: ast.Constant) -> ast.expr:
        return node

    def _tuple(self, node: ast.Tuple) -> ast.expr:
        elements = [self.expression(e) for e in node.elts]
        if all(isinstance(e, ast.Constant) for e in elements):
            return literal(tuple(e.value for e in elements))  # type: ignore[attr-defined]
        return ast.Tuple(elements, LOAD)

    def _attribute(self, node: ast.Attribute) -> ast.expr:
        value = self.expression(node.value)
        kind = self.kind(node.value)
        if kind is not None and kind.shape is not None and kind.type is not float:
            if node.attr == "ndim":
                return literal(len(kind.shape))
            if node.attr == "shape":
                return literal(kind.shape)
            if node.attr == "size":
                return literal(math.prod(kind.shape))
            if node.attr == "dtype" and kind.dtype is not None:
                return self.bind(np.dtype(kind.dtype), "dtype")
        return ast.Attribute(value, node.attr, LOAD)

    def _subscript(self, node: ast.Subscript) -> ast.expr:
        value, index = self.expression(node.value), self.expression(node.slice)
        if isinstance(value, ast.Constant) and isinstance(index, ast.Constant):
            folded = _evaluate(lambda: value.value[index.value])  # type: ignore[index]
            if folded is not _MISSING and is_literal(folded):
                return literal(folded)
        if _is_empty_tuple(index):
            kind = self.kind(node.value)
            if self.is_python(value) or (kind is not None and kind.type is np.ndarray and kind.shape):
                return value  # x[()] of an array (a view of it) or of a Python number (itself)
        return ast.Subscript(value, index, LOAD)

    def _ifexp(self, node: ast.IfExp) -> ast.expr:
        test = self.expression(node.test)
        if isinstance(test, ast.Constant):
            return self.expression(node.body if test.value else node.orelse)
        new = ast.IfExp(test, self.expression(node.body), self.expression(node.orelse))
        if self.is_python(new.body) and self.is_python(new.orelse):
            self.mark(new)
        return new

    def _boolop(self, node: ast.BoolOp) -> ast.expr:
        values = [self.expression(v) for v in node.values]
        stop = isinstance(node.op, ast.Or)  # `or` stops at a true value, `and` at a false one
        while len(values) > 1 and isinstance(values[0], ast.Constant):
            if bool(values[0].value) is stop:
                return values[0]
            values = values[1:]
        return values[0] if len(values) == 1 else ast.BoolOp(node.op, values)

    def _unaryop(self, node: ast.UnaryOp) -> ast.expr:
        operand = self.expression(node.operand)
        if isinstance(operand, ast.Constant):
            folded = _evaluate(lambda: _UNARY[type(node.op)](operand.value))
            if folded is not _MISSING and is_literal(folded):
                return literal(folded)
        new = ast.UnaryOp(node.op, operand)
        return self.mark(new) if self.is_python(operand) else new

    def _binop(self, node: ast.BinOp) -> ast.expr:
        left, right = self.expression(node.left), self.expression(node.right)
        if isinstance(left, ast.Constant) and isinstance(right, ast.Constant):
            folded = _evaluate(lambda: _BINARY_OPS[type(node.op)](left.value, right.value))
            if folded is not _MISSING and is_literal(folded):
                return literal(folded)
        if self.lower and isinstance(node.op, ast.Mult):
            masked = (self.masked(left, node.left, right, node.right)
                      or self.masked(right, node.right, left, node.left))
            if masked is not None:
                return masked
        new = ast.BinOp(left, node.op, right)
        return self.mark(new) if self.is_python(left) and self.is_python(right) else new

    def masked(self, value: ast.expr, value_was: ast.expr, mask: ast.expr,
               mask_was: ast.expr) -> ast.expr | None:
        """A Python float times a Python bool (a gradient through a mask): ``value if mask else value * 0.0``.

        The same number, nan, ±inf and the sign of zero included, without Python's
        slow path for a float times a bool. Only for a value read twice at no cost.
        """
        value_kind, mask_kind = self.kind(value_was), self.kind(mask_was)
        if not (isinstance(value, ast.Name | ast.Constant) and self.is_python(value) and self.is_python(mask)
                and value_kind is not None and value_kind.type is float
                and mask_kind is not None and mask_kind.type is bool):
            return None
        zeroed = self.mark(ast.BinOp(_copy(value), ast.Mult(), literal(0.0)))
        return self.mark(ast.IfExp(mask, value, zeroed))

    def _compare(self, node: ast.Compare) -> ast.expr:
        left = self.expression(node.left)
        comparators = [self.expression(c) for c in node.comparators]
        values = [self.static(v) for v in (left, *comparators)]
        if _MISSING not in values:
            folded = _evaluate(lambda: all(_COMPARE_OPS[type(op)](a, b)
                                           for op, a, b in zip(node.ops, values, values[1:], strict=False)))
            if folded is not _MISSING:
                return literal(folded)
        new = ast.Compare(left, node.ops, comparators)
        return self.mark(new) if self.is_python(left) and all(map(self.is_python, comparators)) else new

    def _call(self, node: ast.Call) -> ast.expr:
        func = self.expression(node.func)
        args = [self.expression(a) for a in node.args]
        keywords = [ast.keyword(k.arg, self.expression(k.value)) for k in node.keywords]
        f = self.static(func)
        if f is not _MISSING and not any(isinstance(a, ast.Starred) for a in node.args):
            try:
                special = self.call(f, node, args, keywords)
            except TypeError:  # not hashable: not a helper
                special = None
            if special is not None:
                return special
        return ast.Call(func, args, keywords)

    def call(self, f: Any, node: ast.Call, args: list[ast.expr],
             keywords: list[ast.keyword]) -> ast.expr | None:
        """A helper's call, specialised on what is known of its arguments; None to keep it as it is."""
        given = node.args
        kinds = [self.kind(a) for a in given]
        n = len(args)
        if keywords:
            if f is reduced:
                return None
            return None
        if f is type and n == 1 and kinds[0] is not None:
            return self.bind(kinds[0].type, kinds[0].type.__name__)
        if f is as_real and n in (2, 3) and kinds[1] is not None and kinds[1].real:
            return args[1]
        if f is np.asarray and n == 1 and kinds[0] is not None and kinds[0].type is np.ndarray:
            return args[0]
        if f in (shape_of, np.shape) and n == 1 and kinds[0] is not None and kinds[0].shape is not None:
            return literal(kinds[0].shape)
        if f is np.size and n == 1 and kinds[0] is not None and kinds[0].shape is not None:
            return literal(math.prod(kinds[0].shape))
        if f is len and n == 1 and kinds[0] is not None and kinds[0].shape:
            return literal(kinds[0].shape[0])
        if f is np.result_type and n == 1 and kinds[0] is not None and kinds[0].dtype is not None:
            return self.bind(np.dtype(kinds[0].dtype), "dtype")
        if f in (max, min) and n and all(isinstance(a, ast.Constant) for a in args):
            folded = _evaluate(lambda: f(*[a.value for a in args if isinstance(a, ast.Constant)]))
            if folded is not _MISSING and is_literal(folded):
                return literal(folded)
        if f is broadcasting and n == 4 and self.kinds.get(id(node)) is not None:
            op = self.static(args[1])
            if op in _BINARY:
                new = ast.BinOp(args[2], _BINARY[op](), args[3])
                return self.mark(new) if self.is_python(args[2]) and self.is_python(args[3]) else new
            return self.lowered(op, given[2:], args[2:]) or ast.Call(args[1], args[2:], [])
        if f is unbroadcast and n == 2 and isinstance(args[1], ast.Constant) and kinds[0] is not None \
                and kinds[0].shape is not None:
            return self.summed(args[0], kinds[0].shape, cast(tuple[int, ...], args[1].value))
        if f is unbroadcast_like and n == 2 and kinds[0] is not None and kinds[0].shape is not None \
                and kinds[1] is not None and kinds[1].shape is not None:
            return self.summed(args[0], kinds[0].shape, kinds[1].shape)
        if f is checked_upstream and n == 3 and isinstance(args[2], ast.Constant) and kinds[1] is not None \
                and kinds[1].shape == cast(Any, args[2].value):
            return args[1]
        if f is reduced and n == 4 and self.kinds.get(id(node)) is not None \
                and isinstance(args[3], ast.Constant) and kinds[2] is not None \
                and kinds[2].type is np.ndarray:
            axis = args[3].value
            return ast.Call(args[1], [args[2]], [] if axis is None else [ast.keyword("axis", args[3])])
        return self.lowered(f, given, args)

    def summed(self, grad: ast.expr, have: tuple[int, ...], want: tuple[int, ...]) -> ast.expr:
        """``unbroadcast(grad, want)`` for a gradient of shape ``have``, as the code it comes to."""
        if have == want:
            return grad
        lead = len(have) - len(want)
        axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(want)
                                          if n == 1 and have[lead + i] != 1)
        np_name = self.bind(np, "np")
        total = ast.Call(ast.Attribute(np_name, "sum", LOAD), [grad],
                         [ast.keyword("axis", literal(axes[0] if len(axes) == 1 else axes))])
        if len(want) == len(have) - len(axes) and want != ():
            return total  # no axis of size 1 was summed away: the shape is right already
        return ast.Call(ast.Attribute(total, "reshape", LOAD), [literal(want)], [])

    def lowered(self, f: Any, given: list[ast.expr], args: list[ast.expr]) -> ast.expr | None:
        """numpy on float64 numbers, as Python and ``math`` (see the module's docstring); or None."""
        if not self.lower or not args:
            return None
        try:
            if f in _MATH and len(args) == 1 and self.python_number(args[0], given[0]):
                return self.mark(ast.Call(ast.Attribute(self.bind(math, "math"), _MATH[f].__name__, LOAD),
                                          args, []))
            if f is np.abs and len(args) == 1 and self.python_number(args[0], given[0]):
                return self.mark(ast.Call(ast.Name(self.bind(abs, "abs").id, LOAD), args, []))
        except TypeError:  # not hashable
            return None
        if len(args) != 2 and not (f is np.where and len(args) == 3):
            return None
        if f is np.where:
            test = self.kind(given[0])
            if ((test is not None and test.boolean) or self.is_python(args[0])) \
                    and all(self.python_number(a, g) for a, g in zip(args[1:], given[1:], strict=True)):
                return self.mark(ast.IfExp(args[0], _float(args[1]), _float(args[2])))
            return None
        if not all(self.python_number(a, g) for a, g in zip(args, given, strict=True)):
            return None
        a, b = args
        if f is np.divide:
            return self.mark(ast.BinOp(_float(a), ast.Div(), b))
        if f in _COMPARE:
            return self.mark(ast.Compare(a, [_COMPARE[f]()], [b]))
        if f is np.maximum or f is np.minimum:  # numpy's: a nan wins
            if not isinstance(b, ast.Name | ast.Constant) or not isinstance(a, ast.Name | ast.Constant):
                return None
            order: ast.cmpop = ast.GtE() if f is np.maximum else ast.LtE()
            wins = ast.BoolOp(ast.Or(), [ast.Compare(a, [order], [b]), ast.Compare(a, [ast.NotEq()], [a])])
            return self.mark(ast.IfExp(wins, _float(a), _float(b)))
        if f is np.power and isinstance(b, ast.Constant) and type(b.value) in (int, float) \
                and float(cast(float, b.value)).is_integer():
            p = float(cast(float, b.value))
            if p == 1.0:
                return a  # x**1 is x, nan, inf and -0.0 included
            return self.mark(ast.BinOp(a, ast.Pow(), literal(p)))
        return None


def _is_empty_tuple(node: ast.expr) -> bool:
    """Whether ``node`` is ``()``, as a literal or as an empty tuple display (``x[()]``)."""
    return (isinstance(node, ast.Constant) and node.value == ()) or (  # type: ignore[comparison-overlap]
        isinstance(node, ast.Tuple) and not node.elts)


def _float(node: ast.expr) -> ast.expr:
    """A literal integer as a float (numpy would give a float there)."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return literal(float(node.value))
    return node


_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos,
                                            ast.Not: operator.not_, ast.Invert: operator.invert}
_BINARY_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_COMPARE_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}


def _evaluate(compute: Callable[[], Any]) -> Any:
    """``compute()``, or ``_MISSING`` if it raises (the code keeps the expression, to raise at run time)."""
    try:
        return compute()
    except Exception:
        return _MISSING


# --- dropping what nothing reads -----------------------------------------------------------------


def _reads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _pure(node: ast.expr, rule: Rule) -> bool:
    """Whether evaluating ``node`` does nothing but compute (this project's code; no value checks)."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id.startswith("!") \
                and rule.globals[sub.func.id][1] in _CHECKS:
            return False
    return True


def drop_dead(statements: list[ast.stmt], live: set[str], rule: Rule) -> tuple[list[ast.stmt], set[str]]:
    """The statements that something in ``live`` (read afterwards) depends on; and what they read.

    Assignments whose targets nothing reads are dropped, and so are changes to an
    array nothing reads; guards, checks and anything else stay.
    """
    live = set(live)
    kept: list[ast.stmt] = []
    for statement in reversed(statements):
        if isinstance(statement, ast.Assign):
            targets = {n.id for t in statement.targets for n in ast.walk(t)
                       if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            bases = {t.value.id for t in statement.targets
                     if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)}
            needed = bool((targets | bases) & live) or not _pure(statement.value, rule)
            if not needed:
                continue
            if not bases:
                live -= targets
        elif isinstance(statement, ast.AugAssign):
            target = statement.target
            base = target.id if isinstance(target, ast.Name) else target.value.id \
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) else None
            if base is not None and base not in live and _pure(statement.value, rule):
                continue
        kept.append(statement)
        live |= _reads(statement)
        if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
            live.add(statement.target.id)
    kept.reverse()
    return kept, live


def name_results(forward: list[ast.stmt], backward: list[ast.stmt]) -> tuple[list[ast.stmt], list[ast.stmt]]:
    """Let a temporary that a rule returns carry the result's own name.

    ``exp = math.exp(s)``, not ``exp_out = math.exp(s)`` then ``exp = exp_out``;
    ``dW = dq[:, None] * x``, not ``da = ...`` then ``dW = da``: where ``@out = t``
    or ``@g0 = t``, with ``t`` assigned in the same function, ``t`` becomes the result.
    """
    for statements, results in ((forward, ("@out",)), (backward, None)):
        assigned = [n.id for s in statements if isinstance(s, ast.Assign | ast.AugAssign)
                    for t in (s.targets if isinstance(s, ast.Assign) else [s.target])
                    for n in ast.walk(t) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
        renames: dict[str, str] = {}
        for statement in statements:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
                    and isinstance(statement.targets[0], ast.Name) and isinstance(statement.value, ast.Name):
                result, source = statement.targets[0].id, statement.value.id
                if (result in results if results else result.startswith("@g")) \
                        and not source.startswith(("@", "!")) and source in assigned \
                        and source not in renames and assigned.count(result) == 1:
                    renames[source] = result
        if not renames:
            continue
        renamed = [_renamed(s, renames) for s in statements
                   if not _is_rename(s, renames)]
        if statements is forward:
            forward = renamed
            backward = [_renamed(s, renames) for s in backward]
        else:
            backward = renamed
    return forward, backward


def _is_rename(statement: ast.stmt, renames: dict[str, str]) -> bool:
    """Whether ``statement`` is ``result = t`` for one of ``renames`` (then it goes: ``t`` is the result)."""
    return isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Name) \
        and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name) \
        and renames.get(statement.value.id) == statement.targets[0].id


def _renamed(statement: ast.stmt, renames: dict[str, str]) -> ast.stmt:
    class Rename(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.Name:
            return ast.Name(renames.get(node.id, node.id), node.ctx)
    return Rename().visit(_copy(statement))  # type: ignore[no-any-return]


def _copy(node: Any) -> Any:
    if isinstance(node, list):
        return [_copy(n) for n in node]
    if not isinstance(node, ast.AST) or isinstance(node, ast.expr_context | ast.operator | ast.cmpop
                                                   | ast.unaryop | ast.boolop):
        return node
    return type(node)(**{f: _copy(getattr(node, f)) for f in node._fields})
