"""A gate that computed with a notebook's graph nodes instead of its own values: which global it read.

In a notebook, ``x, y = Input("x"), Input("y")`` at top level and a gate whose
backward writes ``x * dout`` for ``self.x * dout`` make a quiet mix-up: Python
finds the global ``x``, a graph `Node`, and ``x * dout`` builds a new node
instead of a number. `node_problem` sees a `Node` where a number should be,
finds the globals the learner's method reads that are nodes (and, among them,
those the returned node was built from), and says which one it was.
"""

from __future__ import annotations

import dis
from collections.abc import Iterator
from types import CodeType
from typing import Any

from ..nodes import Node

__all__ = ["global_nodes", "node_problem"]


def _global_names(code: CodeType) -> Iterator[str]:
    """The global names a function's code loads, its nested functions and comprehensions included."""
    for instruction in dis.get_instructions(code):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            yield str(instruction.argval)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _global_names(const)


def global_nodes(owner: Any, method: str) -> dict[str, Node]:
    """The graph nodes among the globals that ``owner``'s ``method`` reads, by name.

    Examples
    --------
    >>> from graph import Input
    >>> x = Input("x")
    >>> class Gate:
    ...     def backward(self, dout):
    ...         return (x * dout,)
    >>> list(global_nodes(Gate(), "backward"))
    ['x']
    """
    function = getattr(type(owner) if not isinstance(owner, type) else owner, method, None)
    function = getattr(function, "__func__", function)
    code, namespace = getattr(function, "__code__", None), getattr(function, "__globals__", None)
    if not isinstance(code, CodeType) or not isinstance(namespace, dict):
        return {}
    found = {}
    for name in _global_names(code):
        value = namespace.get(name)
        if isinstance(value, Node):
            found[name] = value
    return found


def _built_from(node: Node) -> set[int]:
    """The ids of every node ``node`` was built from, itself included (iteratively: no recursion limit)."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if id(n) not in seen:
            seen.add(id(n))
            stack.extend(n.inputs)
    return seen


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def node_problem(learner: Any, method: str, *, value: Any = None, what: str = "",
                 crash: Any = None) -> tuple[str, str] | None:
    """What went wrong, and a hint, when a gate's method computed with the notebook's graph nodes.

    Two ways it shows: the method returns a graph `Node` where a number should
    be (``value``, for quantity ``what``), or it crashes on one (``crash``, a
    `graph.exercises.learner.Crash`) because a node is no number.

    Parameters
    ----------
    learner : object
        The learner's gate (an instance).
    method : str
        ``"forward"`` or ``"backward"``.
    value : object, optional
        What the method returned for ``what`` (``"dx"``, ``"the output"``).
    what : str
    crash : Crash, optional
        How the method crashed.

    Returns
    -------
    (str, str) or None
        The message and the hint; ``None`` when no node was involved.
    """
    read = global_nodes(learner, method)
    subject = f"`{type(learner).__name__}.{method}`"
    if isinstance(value, Node):
        used = _built_from(value)
        culprits = [name for name, node in read.items() if id(node) in used] or list(read)
        returned = f"{subject} returned a graph node for {what}, not a number: "
        if not culprits:
            return (returned + "it computed with a graph node, which builds a new node instead of a value.",
                    "compute with numbers and arrays: the values forward kept on `self`.")
        text = returned + f"it read {_globals(read, culprits)} instead of a value of its own."
    elif crash is not None and read:
        culprits = list(read)
        where = f" at {crash.where}: `{crash.line}`" if crash.where is not None and crash.line else ""
        text = (f"{subject} read {_globals(read, culprits)} instead of values of its own, and failed on "
                f"{'them' if len(culprits) > 1 else 'it'}: {crash.describe()}{where}.")
    else:
        return None
    kept = vars(learner) if hasattr(learner, "__dict__") else {}
    suggestions = [f"`self.{name}`" for name in culprits if name in kept]
    if suggestions:
        return text + f" Did you mean {_and(suggestions)}?", (
            "inside a gate, use what forward kept on `self` (`self.x`); a name without `self.` is looked up "
            "among the notebook's globals, where the graph's nodes live.")
    return text, ("forward must keep on `self` what backward needs (`self.x = x`), and backward read it from "
                  "there: a name without `self.` is looked up among the notebook's globals.")


def _globals(read: dict[str, Node], names: list[str]) -> str:
    """``the global `x`, the notebook's graph node Input('x')``, for one name or several."""
    plural = len(names) > 1
    nodes = _and([f"{type(read[name]).__name__}({read[name].name!r})" for name in names])
    quoted = _and([f"`{name}`" for name in names])
    return (f"the global{'s' if plural else ''} {quoted}, the notebook's graph node{'s' if plural else ''} "
            f"{nodes},")
