"""Calling a learner's code: an error it raises becomes a `Crash`, located at the learner's own line.

A checker never lets the learner's exception out: it reports it as a verdict,
``not-implemented`` for a ``NotImplementedError`` (the student notebooks' empty
solutions) and ``crashed`` for anything else, naming the line of the learner's
code where it happened ("Cell In[4], line 7: `return dout * self.y`").
"""

from __future__ import annotations

import linecache
import os
import sys
import sysconfig
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import numpy as np

import gates

from .verdict import Verdict

__all__ = ["Crash", "attempt", "crash_verdict"]


@dataclass(frozen=True)
class Crash:
    """An exception raised while running the learner's code, and where.

    Attributes
    ----------
    error : Exception
    call : str
        What the checker was doing: ``"MyAdd.backward(dout)"``.
    where : str or None
        The learner's line: ``"Cell In[4], line 7"`` or ``"my_gates.py, line 7"``;
        ``None`` when no frame of the traceback is the learner's.
    line : str
        The text of that line (empty if unknown).
    function : str or None
        The learner's function that raised, with its class for a method (``"MyExp.forward"``).
    """

    error: Exception
    call: str
    where: str | None = None
    line: str = ""
    function: str | None = None

    @property
    def not_implemented(self) -> bool:
        """Whether the learner's code has yet to be written (it raises ``NotImplementedError``)."""
        return isinstance(self.error, NotImplementedError)

    def describe(self) -> str:
        """The error in one line: ``ZeroDivisionError: division by zero``."""
        return "".join(traceback.format_exception_only(type(self.error), self.error)).strip()


def attempt(call: str, function: Callable[..., Any], *args: Any) -> tuple[Any, Crash | None]:
    """``function(*args)``, and ``None``; or ``None`` and the `Crash` it raised.

    Only ``Exception`` is caught: an interrupt still stops the check.
    """
    try:
        return function(*args), None
    except Exception as error:  # the learner's error is the verdict, never the checker's
        return None, located(call, error)


def located(call: str, error: Exception) -> Crash:
    """``error`` as a `Crash`, with the innermost frame of its traceback that is the learner's code."""
    frame = _learner_frame(error.__traceback__)
    if frame is None:
        return Crash(error, call)
    filename, lineno, function = frame
    return Crash(error, call, _place(filename, lineno), linecache.getline(filename, lineno).strip(), function)


def crash_verdict(crash: Crash, subject: str, hint: str = "") -> Verdict:
    """The verdict for a crash: ``not-implemented`` for a ``NotImplementedError``, else ``crashed``."""
    if crash.not_implemented:
        what = f"`{crash.function}`" if crash.function not in (None, "<module>") else "Your code"
        return Verdict(False, "not-implemented", (
            f"{what} is not written yet: it raises NotImplementedError.\n"
            "Replace `raise NotImplementedError` with your code, then run this check again."), subject)
    where = f" at {crash.where}: `{crash.line}`" if crash.where is not None and crash.line else ""
    text = f"Calling `{crash.call}` raised {crash.describe()}{where}."
    return Verdict(False, "crashed", f"{text}\nHint: {hint}" if hint else text, subject)


# --- which frames are the learner's -----------------------------------------------------------------

def _library_dirs() -> tuple[str, ...]:
    """Directories of code that is not the learner's: the standard library, site-packages, numpy, ours."""
    paths = sysconfig.get_paths()
    dirs = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    dirs |= {os.path.dirname(np.__file__), os.path.dirname(gates.__file__),
             os.path.dirname(os.path.dirname(__file__))}  # the graph package
    return tuple(os.path.join(os.path.realpath(d), "") for d in dirs)


_LIBRARY = _library_dirs()


def _is_learners(filename: str) -> bool:
    if filename.startswith("<"):  # code without a file: a doctest, exec, an old IPython cell ... but
        return not filename.startswith("<frozen") and "internals>" not in filename  # not Python's own
    return not os.path.realpath(filename).startswith(_LIBRARY)


def _learner_frame(tb: TracebackType | None) -> tuple[str, int, str] | None:
    """(filename, line, function) of the innermost learner's frame of ``tb``, if there is one."""
    found = None
    for frame, lineno in traceback.walk_tb(tb):
        code = frame.f_code
        if _is_learners(code.co_filename):
            owner = frame.f_locals.get("self")
            name = code.co_name if owner is None else f"{type(owner).__name__}.{code.co_name}"
            found = (code.co_filename, lineno, name)
    return found


def _place(filename: str, lineno: int) -> str:
    """``Cell In[4], line 7`` for a Jupyter cell, else ``name.py, line 7``."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    compiler = getattr(shell, "compile", None)
    label = getattr(compiler, "format_code_name", lambda name: None)(filename)
    if label is not None:
        return f"{label[0]} {label[1]}, line {lineno}"
    return f"{os.path.basename(filename)}, line {lineno}"
