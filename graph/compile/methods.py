"""A gate's method as a syntax tree, if it is straight-line code that a plan may inline.

The compiler writes a graph's run out from each gate's own ``forward`` and
``backward`` (the one rule): it reads their source, parses it, and, where the
method is straight-line, inlines its statements into the plan. Straight-line
means: no loops, no ``try``, no ``with``, no nested functions or classes, one
final ``return``; ``if ...: raise`` guards, ``assert`` and conditional
expressions are allowed. ``self`` may be read and written as ``self.name``
(what ``forward`` keeps for ``backward``, or a constant set in ``__init__``) and
passed to a function (``as_real(self, x, 0)``, for its error messages).

A method that is not straight-line, or whose source cannot be had (made by
``exec``, typed into a bare REPL), is not inlined: the plan calls it, with the
engine's checks, as the interpreter does. `read_method` says why.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import inspect
import textwrap
import weakref
from dataclasses import dataclass, field
from types import FunctionType
from typing import Any

__all__ = ["InlineError", "Method", "read_method"]


class InlineError(Exception):
    """Why a method is called through the gate rather than inlined."""


#: Functions that see or change the calling frame, or need the method's own class: never inlined.
_FRAME_NAMES = frozenset({"super", "locals", "vars", "globals", "eval", "exec", "dir", "__import__",
                          "breakpoint", "__class__"})

_ALLOWED_STATEMENTS = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.If, ast.Assert, ast.Pass)
_SCOPED_EXPRESSIONS = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Yield,
                       ast.YieldFrom, ast.Await, ast.NamedExpr, ast.Starred)


@dataclass(frozen=True, eq=False)
class Method:
    """A straight-line method, parsed once.

    Attributes
    ----------
    function : function
        The method.
    self_name : str
        The name of its first parameter (``self``).
    params : tuple of str
        The names of its other parameters, in order.
    defaults : dict of str to object
        The default values of those that have one.
    body : list of ast.stmt
        Its statements, the docstring left out; the last is the ``return``.
    stores : frozenset of str
        The attributes it writes on ``self`` (``self.x = ...``).
    loads : frozenset of str
        The attributes it reads from ``self``.
    free : dict of str to object
        What each free name of the body means when the method runs: its closure
        cell's value, else the module global, else the builtin (read now: a plan
        is written from the method as it is when the plan is written).
    """

    function: FunctionType
    self_name: str
    params: tuple[str, ...]
    defaults: dict[str, Any]
    body: list[ast.stmt]
    stores: frozenset[str]
    loads: frozenset[str]
    free: dict[str, Any] = field(default_factory=dict)


_CACHE: weakref.WeakKeyDictionary[Any, Method | InlineError] = weakref.WeakKeyDictionary()


def read_method(function: Any) -> Method:
    """``function`` (a gate's ``forward`` or ``backward``) parsed, or `InlineError` saying why not.

    Parsed once per function; a method changed later (a class patched) is a new
    function and is read again.
    """
    try:
        known = _CACHE.get(function)
    except TypeError:  # not weak-referenceable: not a plain function
        known = None
    if known is None:
        try:
            known = _read(function)
        except InlineError as reason:
            known = reason
        with contextlib.suppress(TypeError):
            _CACHE[function] = known
    if isinstance(known, InlineError):
        raise known
    return known


def _read(function: Any) -> Method:
    if not isinstance(function, FunctionType):
        raise InlineError(f"{function!r} is not a plain Python function")
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError) as exc:
        raise InlineError(f"the source of {function.__qualname__} cannot be read ({exc})") from None
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise InlineError(f"the source of {function.__qualname__} does not parse alone ({exc.msg})") from None
    definition = tree.body[0] if len(tree.body) == 1 else None
    if not isinstance(definition, ast.FunctionDef) or definition.name != function.__name__:
        raise InlineError(f"the source of {function.__qualname__} is not one function definition")
    if definition.decorator_list:
        raise InlineError(f"{function.__qualname__} is decorated")
    args = definition.args
    if args.vararg or args.kwarg or args.posonlyargs or not args.args:
        raise InlineError(f"{function.__qualname__} takes *args, **kwargs or no self")
    names = [a.arg for a in args.args]
    signature = inspect.signature(function)
    defaults = {name: p.default for name, p in signature.parameters.items()
                if p.default is not inspect.Parameter.empty}
    params = tuple(names[1:]) + tuple(a.arg for a in args.kwonlyargs)
    body = list(definition.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]  # the docstring
    self_name = names[0]
    stores, loads = _check_straight_line(function.__qualname__, body, self_name, {*params, self_name})
    return Method(function, self_name, params, defaults, body, frozenset(stores), frozenset(loads),
                  _free_names(function, body, {*params, self_name}))


def _check_straight_line(where: str, body: list[ast.stmt], self_name: str,
                         params: set[str]) -> tuple[set[str], set[str]]:
    """Refuse (`InlineError`) anything but straight-line code; return the attributes stored and read."""
    if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
        raise InlineError(f"{where} does not end in one `return <value>`")
    stores: set[str] = set()
    loads: set[str] = set()
    for statement in body[:-1]:
        if not isinstance(statement, _ALLOWED_STATEMENTS):
            raise InlineError(f"{where} has a {type(statement).__name__} statement (line "
                               f"{statement.lineno} of its source): not straight-line code")
        if isinstance(statement, ast.If) and (statement.orelse or not all(
                isinstance(s, ast.Raise) for s in statement.body)):
            raise InlineError(f"{where} has an `if` that does more than raise: not straight-line code")
        if isinstance(statement, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                _check_target(where, target, self_name)
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, _SCOPED_EXPRESSIONS):
            raise InlineError(f"{where} uses {type(node).__name__}: not inlined")
        if isinstance(node, ast.Return) and node is not body[-1]:
            raise InlineError(f"{where} returns before its end")
        if isinstance(node, ast.Name) and node.id in _FRAME_NAMES:
            raise InlineError(f"{where} uses {node.id}()")
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == self_name:
            (stores if isinstance(node.ctx, ast.Store) else loads).add(node.attr)
    _check_self_uses(where, body, self_name)
    return stores, loads


def _check_target(where: str, target: ast.expr, self_name: str) -> None:
    if isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            _check_target(where, element, self_name)
    elif isinstance(target, ast.Subscript):
        if isinstance(target.value, ast.Name) and target.value.id == self_name:
            raise InlineError(f"{where} assigns to an item of {self_name}")
    elif isinstance(target, ast.Attribute):
        if not (isinstance(target.value, ast.Name) and target.value.id == self_name):
            raise InlineError(f"{where} assigns to an attribute of something other than {self_name}")
    elif not isinstance(target, ast.Name):
        raise InlineError(f"{where} assigns to a {type(target).__name__}")


def _check_self_uses(where: str, body: list[ast.stmt], self_name: str) -> None:
    """``self`` appears only as ``self.name``, or as an argument of a call (for an error message)."""
    allowed: set[int] = set()
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            allowed.add(id(node.value))
        elif isinstance(node, ast.Call):
            allowed.update(id(a) for a in node.args if isinstance(a, ast.Name))
            allowed.update(id(k.value) for k in node.keywords if isinstance(k.value, ast.Name))
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Name) and node.id == self_name and id(node) not in allowed:
            raise InlineError(f"{where} uses {self_name} as a value (line {node.lineno} of its source)")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == self_name:
            raise InlineError(f"{where} calls {self_name}.{node.func.attr}()")


_MISSING = object()


def _free_names(function: FunctionType, body: list[ast.stmt], local: set[str]) -> dict[str, Any]:
    """The value of every name the body reads but never assigns: closure, module global or builtin."""
    assigned = set(local)
    read: list[str] = []
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                assigned.add(node.id)
            else:
                read.append(node.id)
    cells = dict(zip(function.__code__.co_freevars, function.__closure__ or (), strict=True))
    free: dict[str, Any] = {}
    for name in dict.fromkeys(read):
        if name in assigned:
            continue
        value: Any = _MISSING
        if name in cells:
            try:
                value = cells[name].cell_contents
            except ValueError:
                value = _MISSING
        elif name in function.__globals__:
            value = function.__globals__[name]
        else:
            value = getattr(builtins, name, _MISSING)
        if value is _MISSING:
            raise InlineError(f"{function.__qualname__} reads {name!r}, which is not defined yet")
        free[name] = value
    return free
