"""Stop "Run All" at the first cell that needs an exercise not solved yet, and say which.

A student notebook's solutions are stubs that ``raise NotImplementedError``
(`graph.exercises.assignments`). The checks (`graph.exercises.check`) report such
a stub as a verdict and never raise; but a cell that *uses* the learner's code,
building a graph of their gates or training with their gradients, would stop on
the stub deep inside the engine, with a long traceback that names everything but
the exercise. Such a cell starts with `require_solved`, which looks at the
learner's code before it runs and stops with one short error whose first line
names the first exercise still to write::

    NotImplementedError: Exercise 1.1 is not solved yet: MyAdd.forward still raises
    NotImplementedError. Write it in the cell under "Exercise 1.1", run that cell, then this one.

Nothing is run to find out: a stub is code that names ``NotImplementedError``,
which no solution does. In IPython (Jupyter), the traceback shows the notebook's
cell alone, not this module's frame that raised the error.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from types import CodeType, FunctionType
from typing import Any

__all__ = ["require_solved", "stubs"]


def _code_objects(code: CodeType) -> Iterator[CodeType]:
    yield code
    for constant in code.co_consts:
        if isinstance(constant, CodeType):
            yield from _code_objects(constant)


def _raises_not_implemented(function: Callable[..., Any]) -> bool:
    code = getattr(inspect.unwrap(function), "__code__", None)
    return code is not None and any("NotImplementedError" in c.co_names for c in _code_objects(code))


def _learners_classes(cls: type) -> list[type]:
    """``cls`` and the bases a learner wrote: not `gates.Gate` and its kin, numpy's or Python's."""
    theirs = ("gates", "numpy", "builtins", "abc", "typing")
    return [base for base in cls.__mro__ if base.__module__.split(".")[0] not in theirs]


def stubs(solution: Any) -> list[str]:
    """The names of the functions of ``solution`` that are still stubs (raise ``NotImplementedError``).

    Parameters
    ----------
    solution : class, instance or function, or a tuple or list of them
        A learner's gate (class or instance), engine class, or function; or the
        several functions one exercise asks for, such as a layer's forward and
        backward, in their order.

    Examples
    --------
    >>> class Half:
    ...     def forward(self, x):
    ...         return x / 2
    ...     def backward(self, dout):
    ...         raise NotImplementedError
    >>> stubs(Half), stubs(Half()), stubs(len)
    (['Half.backward'], ['Half.backward'], [])
    >>> def relu_forward(x):
    ...     return max(0, x), x
    >>> def relu_backward(dout, cache):
    ...     raise NotImplementedError
    >>> stubs((relu_forward, relu_backward))
    ['relu_backward']
    """
    if isinstance(solution, (tuple, list)):
        return [name for part in solution for name in stubs(part)]
    if isinstance(solution, FunctionType):
        return [solution.__name__] if _raises_not_implemented(solution) else []
    cls = solution if isinstance(solution, type) else type(solution)
    found = []
    for owner in _learners_classes(cls):
        for name, member in vars(owner).items():
            function = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
            if isinstance(function, FunctionType) and _raises_not_implemented(function):
                found.append(f"{cls.__name__}.{name}")
    return found


def require_solved(exercises: Mapping[str, Any]) -> None:
    """Stop here, naming the first exercise whose code is still a stub; do nothing once all are written.

    Parameters
    ----------
    exercises : mapping of str to class, instance or function, or a tuple of them
        Each exercise's name, as its heading says it (``"Exercise 1.1"``), and the
        learner's code that solves it (a tuple where it asks for several
        functions, ``(affine_forward, affine_backward)``), in the order the
        notebook asks for them.

    Raises
    ------
    NotImplementedError
        For the first exercise not solved yet. The message's first line names
        it and the functions to write; the traceback is this one call.

    Examples
    --------
    >>> def two_layer(X):
    ...     raise NotImplementedError
    >>> require_solved({"Exercise 5.1": two_layer})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    NotImplementedError: Exercise 5.1 is not solved yet: two_layer still raises NotImplementedError. ...
    """
    __tracebackhide__ = True  # pytest leaves this frame out of the traceback
    for exercise, solution in exercises.items():
        missing = stubs(solution)
        if missing:
            names = " and ".join(missing)
            verb = "still raises" if len(missing) == 1 else "still raise"
            error = NotImplementedError(
                f"{exercise} is not solved yet: {names} {verb} NotImplementedError. Write "
                f'{"it" if len(missing) == 1 else "them"} in the cell under "{exercise}", run that cell, '
                "then this one.")
            error._render_traceback_ = partial(_cell_alone, error)  # type: ignore[attr-defined]
            raise error from None


def _cell_alone(error: BaseException) -> list[str]:
    """IPython's traceback of ``error`` without its last frame, `require_solved`'s own: the cell alone.

    IPython renders an exception through its ``_render_traceback_`` where it has one
    (and shows the frame that raised an error even where the frame asks to be hidden).
    """
    from IPython import get_ipython

    tb = error.__traceback__
    entry = tb
    while entry is not None and entry.tb_next is not None:
        if entry.tb_next.tb_frame.f_code is require_solved.__code__:
            entry.tb_next = None                  # the cell that called require_solved is the last frame
            break
        entry = entry.tb_next
    shell = get_ipython()
    stb: list[str] = shell.InteractiveTB.structured_traceback(type(error), error, tb)
    return stb
