"""Reusing arrays in place, for a plan that records nothing (``compile(record=False)``).

A run that is recorded keeps every value, so no array may be overwritten. A plan
compiled with ``record=False`` keeps only what backward needs, and may write a
result into the array of an operand that nothing reads afterwards: the bias added
into the product ``X @ W1`` it was added to, the ReLU applied in place, its mask
applied to the upstream gradient in place. That saves the allocation and a pass
over memory per gate, on arrays of megabytes.

The rewrite is safe by construction: an operand's array is reused only if

- the plan made it, with an operation that gives a new array (arithmetic, a ufunc,
  a matrix product), never a view, a copy of a name, or what a function returned;
- no other variable may hold it (it was never assigned on, viewed into a variable,
  nor passed to a function other than a ufunc);
- this statement is its last use (and it is not kept for backward or returned);
- it has the result's shape and dtype (known from the plan's kinds).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import numpy as np

from .build import stamp
from .kinds import Kind

__all__ = ["reuse_buffers"]

_UFUNCS = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.true_divide}
#: Elementwise ufuncs that may write into an operand (``out=``).
_INTO = frozenset({np.add, np.subtract, np.multiply, np.true_divide, np.divide, np.maximum, np.minimum})


def reuse_buffers(statements: list[ast.stmt], kinds: dict[str, Kind], live_out: set[str],
                  value_of: Callable[[ast.expr], Any], np_name: str) -> list[ast.stmt]:
    """``statements`` with results written into dead operands' arrays where that is safe (module docstring).

    Parameters
    ----------
    statements : list of ast.stmt
        One function's body, in order (each statement already on its line).
    kinds : dict of str to Kind
        What is known of the variables (node values and gradients).
    live_out : set of str
        The variables read after these statements (kept for backward, returned).
    value_of : callable
        The value an expression has when the plan is written (a global: ``np.add``), else None.
    np_name : str
        The plan's name for numpy.
    """
    last_use: dict[str, int] = {}
    fresh: set[str] = set()
    escaped: set[str] = set(live_out)
    for i, statement in enumerate(statements):
        for name in _reads(statement):
            last_use[name] = i
        _escapes(statement, escaped, value_of)
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
                and isinstance(statement.targets[0], ast.Name) and _makes_new(statement.value, value_of):
            fresh.add(statement.targets[0].id)
    out = list(statements)
    for i, statement in enumerate(statements):
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            continue
        result = kinds.get(statement.targets[0].id)
        if result is None or result.type is not np.ndarray:
            continue
        call = _as_ufunc(statement.value, value_of)
        if call is None:
            continue
        ufunc, operands = call
        for operand in operands:
            if isinstance(operand, ast.Name) and operand.id in fresh and operand.id not in escaped \
                    and last_use.get(operand.id) == i and kinds.get(operand.id) == result:
                line = statement.lineno
                function = stamp(ast.Attribute(stamp(ast.Name(np_name, ast.Load()), line), ufunc.__name__,
                                               ast.Load()), line)
                into = stamp(ast.keyword("out", stamp(ast.Name(operand.id, ast.Load()), line)), line)
                made = stamp(ast.Call(function, list(operands), [into]), line)
                out[i] = stamp(ast.Assign(targets=statement.targets, value=made), line)
                fresh.add(statement.targets[0].id)  # the same array, under its new name
                break
    return out


def _reads(statement: ast.stmt) -> list[str]:
    return [n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]


def _as_ufunc(value: ast.expr, value_of: Callable[[ast.expr], Any]) -> tuple[Any, list[ast.expr]] | None:
    """``(ufunc, operands)`` if ``value`` is an elementwise operation that may write into an operand."""
    if isinstance(value, ast.BinOp) and type(value.op) in _UFUNCS:
        return _UFUNCS[type(value.op)], [value.left, value.right]
    if isinstance(value, ast.Call) and not value.keywords and len(value.args) == 2:
        function = value_of(value.func)
        if function in _INTO:
            return function, list(value.args)
    return None


def _makes_new(value: ast.expr, value_of: Callable[[ast.expr], Any]) -> bool:
    """Whether ``value`` computes a new array (never a view of, or a name for, another)."""
    if isinstance(value, ast.BinOp):
        return True
    if isinstance(value, ast.Call):
        function = value_of(value.func)
        return isinstance(function, np.ufunc) and not value.keywords
    return False


def _escapes(statement: ast.stmt, escaped: set[str], value_of: Callable[[ast.expr], Any]) -> None:
    """Add to ``escaped`` every name whose array another variable or a function might hold after it."""
    def visit(node: ast.AST, consumed: bool) -> None:
        # ``consumed``: the value is used up by an elementwise operation, a product, a comparison
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load) and not consumed:
                escaped.add(node.id)
            return
        if isinstance(node, ast.BinOp | ast.UnaryOp | ast.Compare | ast.BoolOp):
            for child in ast.iter_child_nodes(node):
                visit(child, True)
            return
        if isinstance(node, ast.Call):
            function = value_of(node.func)
            for child in node.args:
                visit(child, isinstance(function, np.ufunc))
            for keyword in node.keywords:
                visit(keyword.value, False)
            visit(node.func, True)
            return
        if isinstance(node, ast.Attribute):  # x.T used at once is consumed; x.T kept is a view of x
            visit(node.value, consumed)
            return
        if isinstance(node, ast.Subscript):  # an item read at once is consumed; kept, it may be a view
            visit(node.value, consumed)
            visit(node.slice, True)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, False)

    if isinstance(statement, ast.Assign):
        visit(statement.value, False)  # the assigned value itself is held by the target
        for target in statement.targets:
            visit(target, True)
    else:
        visit(statement, False)
