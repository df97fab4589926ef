"""Calling a learner's code: an error it raises becomes a `Crash`, located at the learner's own line.

A checker never lets the learner's exception out: it reports it as a verdict,
``not-implemented`` for a ``NotImplementedError`` (the student notebooks' empty
solutions), ``timeout`` for code that ran past the check's time limit, and
``crashed`` for anything else, naming the line of the learner's code where it
happened ("Cell In[4], line 7: `return dout * self.y`").

A `Runner` makes the calls of one check: they share one time limit
(`graph.exercises.deadline`), and the warnings numpy gives inside the learner's
code (an overflow in ``exp``) are recorded for the verdict instead of being
printed, or raised where warnings are errors.
"""

from __future__ import annotations

import linecache
import os
import sys
import sysconfig
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import numpy as np

import gates

from .deadline import TimeUp, available, within
from .mistakes import TABLE, Finding
from .verdict import Verdict

__all__ = ["DEFAULT_TIMEOUT", "Crash", "Runner", "crash_verdict", "located", "method", "unreadable"]

#: The time a check gives the learner's code, in all, by default (seconds).
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class Crash:
    """An exception raised while running the learner's code, and where.

    Attributes
    ----------
    error : BaseException
        What the code raised; `TimeUp` when it was stopped for running too long.
    call : str
        What the checker was doing: ``"MyAdd.backward(dout)"``.
    where : str or None
        The learner's line: ``"Cell In[4], line 7"`` or ``"my_gates.py, line 7"``;
        ``None`` when no frame of the traceback is the learner's.
    line : str
        The text of that line (empty if unknown).
    function : str or None
        The learner's function that raised, with its class for a method (``"MyExp.forward"``).
    limit : float or None
        For a timeout: the time the check allowed, in seconds.
    """

    error: BaseException
    call: str
    where: str | None = None
    line: str = ""
    function: str | None = None
    limit: float | None = None

    @property
    def not_implemented(self) -> bool:
        """Whether the learner's code has yet to be written (it raises ``NotImplementedError``)."""
        return isinstance(self.error, NotImplementedError)

    @property
    def timed_out(self) -> bool:
        """Whether the learner's code was stopped because it ran past the time limit."""
        return isinstance(self.error, TimeUp)

    def describe(self) -> str:
        """The error in one line: ``ZeroDivisionError: division by zero``."""
        return "".join(traceback.format_exception_only(type(self.error), self.error)).strip()


class Runner:
    """Calls a learner's code for one check, turning whatever it raises into a `Crash`.

    Parameters
    ----------
    timeout : float or None
        The time the learner's code may take in all, over every call of this
        runner, in seconds; ``None`` for no limit. The limit needs the main
        thread of a POSIX system (`graph.exercises.deadline`); elsewhere it is off.

    Attributes
    ----------
    warnings : list of str
        The warnings raised inside the learner's code so far (``overflow encountered in exp``).

    Examples
    --------
    >>> run = Runner()
    >>> run("int('3')", int, "3")
    (3, None)
    >>> _, crash = run("int('x')", int, "x")
    >>> crash.describe()
    "ValueError: invalid literal for int() with base 10: 'x'"
    """

    def __init__(self, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
            raise ValueError(f"timeout must be a number of seconds > 0, or None for no limit; "
                             f"got {timeout!r}")
        self.timeout = None if timeout is None else float(timeout)
        self.spent = 0.0
        self.warnings: list[str] = []

    def __call__(self, call: str, function: Callable[..., Any], *args: Any) -> tuple[Any, Crash | None]:
        """``function(*args)`` and ``None``, or ``None`` and the `Crash` it raised; ``call`` says what it is.

        Only ``Exception`` and the time limit are caught: an interrupt still stops the check.
        """
        left = None if self.timeout is None or not available() else self.timeout - self.spent
        if left is not None and left <= 0:
            return None, Crash(TimeUp(), call, limit=self.timeout)
        caught: list[warnings.WarningMessage] = []
        started = time.monotonic()
        try:
            with warnings.catch_warnings(record=True) as caught, \
                    np.errstate(divide="warn", over="warn", invalid="warn"):
                warnings.simplefilter("always")
                result = function(*args) if left is None else within(left, function, *args)
        except TimeUp as stop:
            return None, located(call, stop, self.timeout)
        except Exception as error:  # the learner's error is the verdict, never the checker's
            return None, located(call, error)
        finally:
            self.spent += time.monotonic() - started
            self.warnings += [str(w.message) for w in caught or ()]
        return result, None


def located(call: str, error: BaseException, limit: float | None = None) -> Crash:
    """``error`` as a `Crash`, with the innermost frame of its traceback that is the learner's code."""
    frame = _learner_frame(error.__traceback__)
    if frame is None:
        return Crash(error, call, limit=limit)
    filename, lineno, function = frame
    if lineno is None:  # a frame stopped between lines: the function, then
        return Crash(error, call, _place(filename, None, function), "", function, limit)
    return Crash(error, call, _place(filename, lineno), linecache.getline(filename, lineno).strip(), function,
                 limit)


def crash_verdict(crash: Crash, subject: str, hint: str = "") -> Verdict:
    """The verdict on a crash: ``not-implemented``, ``timeout`` or ``crashed``."""
    mistake = "not-implemented" if crash.not_implemented else "timeout" if crash.timed_out else "crashed"
    return TABLE[mistake].verdict(Finding(subject, code=crash.call, rule=hint, detail=crash))


def method(owner: Any, name: str) -> Callable[..., Any]:
    """A call of ``owner.name``, looked up when called: a missing method is then the learner's crash.

    >>> method([], "append")(1) is None, method([], "forward").__name__
    (True, 'forward')
    """
    def call(*args: Any) -> Any:
        return getattr(owner, name)(*args)
    call.__name__ = name
    return call


def unreadable(subject: str, error: Exception) -> Verdict:
    """The verdict when what the learner's code returned defeated the comparison itself: ``wrong``.

    A last resort, so that a check answers whatever comes back (an object whose
    arithmetic raises, say); the message quotes the error.
    """
    described = "".join(traceback.format_exception_only(type(error), error)).strip()
    return TABLE["wrong"].verdict(Finding(subject, detail=(
        f"What `{subject}` returned could not be compared with the right answer: doing so raised "
        f"{described}."),
        rule="return numbers or numpy arrays of real numbers, shaped as the docstring says."))


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
    if filename.startswith("<"):  # code without a file: a doctest, an old IPython cell ... but not Python's
        return not filename.startswith("<frozen") and "internals>" not in filename and filename != "<string>"
    return not os.path.realpath(filename).startswith(_LIBRARY)


def _learner_frame(tb: TracebackType | None) -> tuple[str, int | None, str] | None:
    """(filename, line, function) of the innermost learner's frame of ``tb``, if there is one.

    The line is ``None`` for a frame that was between two lines (a signal can
    arrive as a loop over a generator resumes).
    """
    found = None
    for frame, lineno in traceback.walk_tb(tb):
        code = frame.f_code
        if _is_learners(code.co_filename):
            owner = frame.f_locals.get("self")
            name = code.co_name if owner is None else f"{type(owner).__name__}.{code.co_name}"
            found = (code.co_filename, lineno if lineno is not None else frame.f_lineno, name)
    return found


def _place(filename: str, lineno: int | None, function: str = "") -> str:
    """``Cell In[4], line 7`` for a Jupyter cell, else ``name.py, line 7``; ``..., in `f``` without a line."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    compiler = getattr(shell, "compile", None)
    label = getattr(compiler, "format_code_name", lambda name: None)(filename)
    where = f"{label[0]} {label[1]}" if label is not None else os.path.basename(filename)
    return f"{where}, line {lineno}" if lineno is not None else f"{where}, in `{function}`"
