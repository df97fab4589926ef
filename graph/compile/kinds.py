"""What kind of value each expression of a rule computes, learnt by running the rule on samples.

A plan is written for known leaves: the shape and dtype of every input and
parameter (and whether a 0-d value is a Python float). The passes that make the
code fast need the same of every value the gates compute: that a sum over no
broadcast axes can go, that a number is a Python float so that ``math`` may
replace numpy, that ``x.ndim`` is 2. Rather than restate numpy's rules of types
(a second copy of numpy), the compiler runs each of this project's gates' rules
once on zeros of the right kinds, JAX-style, with every subexpression given a
name of its own (A-normal form), and reads off the kind of each.

Only the project's own gates are run so: they are shape-stable and have no side
effects. A learner's code is never run on samples; its values stay of unknown
kind, and the code around them keeps its run-time checks.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .syntax import function_def

__all__ = ["Kind", "kind_of", "learn", "sample"]


class Kind(NamedTuple):
    """The type, shape and dtype of a value (``shape`` and ``dtype`` None where it has none).

    (A named tuple: plans look kinds up in dictionaries, and a tuple hashes fast.)

    Examples
    --------
    >>> kind_of(1.0), kind_of(np.zeros((2, 3), np.float32)).shape
    (Kind(type=<class 'float'>, shape=(), dtype='<f8'), (2, 3))
    """

    type: type
    shape: tuple[int, ...] | None = None
    dtype: str | None = None

    @property
    def scalar64(self) -> bool:
        """Whether it is a float64 number: a Python float or a numpy float64 scalar (what ``math`` takes)."""
        return self.type is float or self.type is np.float64

    @property
    def boolean(self) -> bool:
        """Whether it is a single truth value, Python's or numpy's."""
        return self.type is bool or self.type is np.bool_

    @property
    def real(self) -> bool:
        """Whether it is a float or an array of floats (what a gate computes on without conversion)."""
        return self.dtype is not None and np.dtype(self.dtype).kind == "f" and (
            self.type is float or self.type is np.ndarray or issubclass(self.type, np.floating))


def kind_of(value: Any) -> Kind:
    """The `Kind` of ``value``."""
    if type(value) is float:
        return _FLOAT
    if isinstance(value, np.ndarray | np.generic):
        return Kind(type(value), value.shape, value.dtype.str)
    if type(value) is bool or type(value) is int:
        return Kind(type(value), (), np.result_type(value).str)
    return Kind(type(value))


_FLOAT = Kind(float, (), "<f8")


def sample(kind: Kind) -> Any:
    """A value of ``kind`` (zeros), to learn the kinds of what a rule computes from it."""
    if kind.type is float:
        return 0.0
    if kind.type is np.ndarray:
        return np.zeros(kind.shape, kind.dtype)
    if kind.dtype is not None:
        return np.zeros((), kind.dtype)[()]
    raise ValueError(f"no sample of {kind}")


@dataclass
class Learnt:
    """What running a rule's statements on samples found."""

    values: dict[str, Any]     #: each symbol the statements assign, its value
    kinds: dict[int, Kind]     #: the kind of each expression, by ``id`` of its node


def learn(statements: list[ast.stmt], given: dict[str, Any], bound: dict[str, Any]) -> Learnt:
    """Run ``statements`` on the ``given`` symbols' values, naming every subexpression; see the module.

    ``bound`` holds the values of the ``!k`` symbols. Raises whatever the
    statements raise (the caller then leaves the kinds unknown).
    """
    anf = _Normal()
    body: list[ast.stmt] = []
    for statement in statements:
        body += anf.statement(statement)
    names = [*anf.temps, *anf.assigned]
    body.append(ast.Return(ast.Tuple([ast.Name(n, ast.Load()) for n in names], ast.Load())))
    params = sorted(given)
    function = function_def("learn", params, body)
    module = ast.fix_missing_locations(ast.Module([function], []))
    namespace = dict(bound)
    exec(compile(module, "<gategraph kinds>", "exec"), namespace)  # the project's own gates' code
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = namespace["learn"](*[given[p] for p in params])
    kinds = {anf.temps[temp]: kind_of(v) for temp, v in zip(anf.temps, results, strict=False)}
    values = dict(zip(anf.assigned, results[len(anf.temps):], strict=True))
    return Learnt(values, kinds)


class _Normal:
    """A-normal form: each subexpression assigned to a temporary of its own, in evaluation order.

    The branches of a conditional expression and the later operands of ``and`` /
    ``or`` stay inside it (they may not run); a subscript's index stays whole.
    """

    def __init__(self) -> None:
        self.temps: dict[str, int] = {}      # temporary -> id of the node it evaluates
        self.assigned: list[str] = []
        self.out: list[ast.stmt] = []

    def statement(self, statement: ast.stmt) -> list[ast.stmt]:
        self.out = []
        if isinstance(statement, ast.Assign):
            value = self.hoist(statement.value)
            self.out.append(ast.Assign(targets=statement.targets, value=value))
            for target in statement.targets:
                for node in ast.walk(target):
                    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) \
                            and node.id not in self.assigned:
                        self.assigned.append(node.id)
        elif isinstance(statement, ast.AugAssign):
            self.out.append(ast.AugAssign(statement.target, statement.op, self.hoist(statement.value)))
        elif isinstance(statement, ast.If):
            self.out.append(ast.If(self.hoist(statement.test), statement.body, []))
        elif isinstance(statement, ast.Assert):
            self.out.append(ast.Assert(self.hoist(statement.test), statement.msg))
        elif isinstance(statement, ast.Expr):
            self.out.append(ast.Expr(self.hoist(statement.value)))
        else:
            self.out.append(statement)
        return self.out

    def hoist(self, node: ast.expr) -> ast.expr:
        if isinstance(node, ast.Name | ast.Constant | ast.JoinedStr | ast.Slice):
            return node
        if isinstance(node, ast.IfExp):
            new: ast.expr = ast.IfExp(self.hoist(node.test), node.body, node.orelse)
        elif isinstance(node, ast.BoolOp):
            new = ast.BoolOp(node.op, [self.hoist(node.values[0]), *node.values[1:]])
        elif isinstance(node, ast.Subscript):
            new = ast.Subscript(self.hoist(node.value), node.slice, ast.Load())
        else:
            fields: dict[str, Any] = {}
            for name in node._fields:
                value = getattr(node, name)
                if isinstance(value, list):
                    fields[name] = [self.hoist(v) if isinstance(v, ast.expr) else
                                    ast.keyword(v.arg, self.hoist(v.value)) if isinstance(v, ast.keyword)
                                    else v for v in value]
                elif isinstance(value, ast.expr):
                    fields[name] = self.hoist(value)
                else:
                    fields[name] = value
            new = type(node)(**fields)
        temp = f"$t{len(self.temps)}"
        self.temps[temp] = id(node)
        self.out.append(ast.Assign(targets=[ast.Name(temp, ast.Store())], value=new))
        return ast.Name(temp, ast.Load())
