"""Small helpers to build Python syntax trees (`ast`) for the generated code."""

from __future__ import annotations

import ast
from typing import Any

__all__ = ["LOAD", "STORE", "assign", "function_def", "literal", "load", "store"]

LOAD, STORE = ast.Load(), ast.Store()


def load(name: str) -> ast.Name:
    """The name ``name``, read."""
    return ast.Name(name, LOAD)


def store(name: str) -> ast.Name:
    """The name ``name``, assigned to."""
    return ast.Name(name, STORE)


def assign(name: str, value: ast.expr) -> ast.Assign:
    """``name = value``."""
    return ast.Assign(targets=[store(name)], value=value)


def literal(value: Any) -> ast.Constant:
    """``value`` in the tree as itself (a number, a string, or a tuple of them), never as text."""
    return ast.Constant(value=value)


def function_def(name: str, params: list[str], body: list[ast.stmt]) -> ast.FunctionDef:
    """``def name(params): body`` (on every Python this project runs on: 3.12 added ``type_params``)."""
    fields: dict[str, Any] = {
        "name": name, "body": body, "decorator_list": [], "returns": None,
        "args": ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params], kwonlyargs=[],
                              kw_defaults=[], defaults=[])}
    if "type_params" in ast.FunctionDef._fields:
        fields["type_params"] = []
    return ast.FunctionDef(**fields)
