"""Builders: each statement of a specialised rule, compiled once into a function that makes it anew.

A plan repeats a rule's statements once per node, in that node's names (a chain
of 10^5 multiply gates repeats ``out = x * c`` 10^5 times). Copying a syntax tree
node by node costs a Python call per node and field; a builder makes the same
tree in one call, positional constructors only, its leaves shared: literals,
operators, and one `ast.Name` per identifier (the tree is data; `compile` reads
it and changes nothing). Every statement and expression gets its line number as
it is made.
"""

from __future__ import annotations

import ast
from typing import Any

__all__ = ["Builder", "stamp"]

_POSITIONED = (ast.stmt, ast.expr, ast.keyword, ast.arg, ast.excepthandler)
_SHARED = (ast.Constant, ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop)


def stamp(node: Any, line: int) -> Any:
    """Put ``node`` (not its children) on line ``line``; return it."""
    node.lineno = node.end_lineno = line
    node.col_offset = node.end_col_offset = 0
    return node


def height(statement: ast.stmt) -> int:
    """How many lines ``statement`` takes: 1, or 1 + its body for an ``if`` (a guard and its raise)."""
    if isinstance(statement, ast.If):
        return 1 + sum(height(s) for s in statement.body)
    return 1


class Builder:
    """``statement`` (over a rule's symbols) as a function that builds it anew (see the module docstring).

    Attributes
    ----------
    symbols : list of (str, bool)
        The names the statement reads and writes, in the order the builder takes
        their replacements; True for a name written to.
    height : int
        The lines the statement takes.

    Examples
    --------
    >>> statement = ast.parse("y = x * 2.0").body[0]
    >>> build = Builder(statement)
    >>> build.symbols
    [('y', True), ('x', False)]
    >>> made = build([ast.Name("out", ast.Store()), ast.Name("a", ast.Load())], line=7)
    >>> ast.unparse(made), made.lineno, made.value.lineno
    ('out = a * 2.0', 7, 7)
    """

    def __init__(self, statement: ast.stmt) -> None:
        self.symbols: list[tuple[str, bool]] = []
        self.shared: list[Any] = []
        self.height = height(statement)
        source = f"def build(R, L, K):\n    return {self._source(statement, 0)}\n"
        namespace: dict[str, Any] = {"ast": ast, "_p": stamp}
        exec(compile(source, "<gategraph builder>", "exec"), namespace)  # our own code, made from the tree
        self._build = namespace["build"]

    def __call__(self, names: list[ast.expr], line: int) -> ast.stmt:
        """The statement with ``names[k]`` for its k-th symbol (`symbols`), on line ``line``."""
        made: ast.stmt = self._build(names, line, self.shared)
        return made

    def _source(self, node: Any, offset: int) -> str:
        """Python that builds ``node``: ``R[k]`` for a name, ``K[j]`` for a shared leaf."""
        if isinstance(node, ast.Name):
            self.symbols.append((node.id, isinstance(node.ctx, ast.Store)))
            return f"R[{len(self.symbols) - 1}]"
        if isinstance(node, _SHARED):
            if isinstance(node, ast.Constant):
                stamp(node, 1)  # (a literal never raises: its line is never shown)
            self.shared.append(node)
            return f"K[{len(self.shared) - 1}]"
        if isinstance(node, list):
            return "[" + ", ".join(self._source(n, offset) for n in node) + "]"
        if not isinstance(node, ast.AST):
            return repr(node)  # an attribute's name, a keyword's, None
        if isinstance(node, ast.If):  # a guard: its raise on the lines after it
            body, line = [], offset + 1
            for statement in node.body:
                body.append(self._source(statement, line))
                line += height(statement)
            return f"_p(ast.If({self._source(node.test, offset)}, [{', '.join(body)}], []), L + {offset})"
        fields = ", ".join(self._source(getattr(node, f), offset) for f in node._fields)
        made = f"ast.{type(node).__name__}({fields})"
        return f"_p({made}, L + {offset})" if isinstance(node, _POSITIONED) else made
