"""A time limit on a learner's code: ``SIGALRM`` stops it where it is, so that a check always answers.

An endless loop in a learner's gate would make a check hang for ever. Inside
`within`, a timer interrupts the code after the time it was given by raising
`TimeUp` where the code is, whose traceback then says where that was. `TimeUp`
is a ``BaseException``, so the learner's ``except Exception:`` cannot swallow
it, and the alarm repeats every 50 ms until `within` ends, in case a bare
``except:`` did.

It needs ``signal.setitimer`` (POSIX) and the main thread, where Python runs
signal handlers; elsewhere (Windows, a worker thread) there is no limit, and
`available` says so. Any timer that was set before is put back afterwards.

Python runs a signal handler wherever the main thread happens to be, and that
may be a garbage-collector callback or a ``__del__`` method, where an exception
cannot propagate: Python would print it as "ignored" and carry on. There the
alarm defers: it traces the frames that called it, and raises `TimeUp` at the
next line one of them runs (a signal arriving during ``gc.collect()`` is
handled in its callbacks, so waiting for the next ring would not do).
"""

from __future__ import annotations

import gc
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

__all__ = ["REPEAT", "TimeUp", "available", "within"]

#: After the first alarm, how often it rings again until the learner's code is left (seconds).
REPEAT = 0.05


class TimeUp(BaseException):
    """Raised inside the learner's code when its time is up."""


class _State:
    armed = False      # the handler raises only while the learner's code runs
    deferred = False   # the alarm rang where it could not raise: raise at the next ordinary line


def available() -> bool:
    """Whether a time limit can be set here: POSIX timers, and this is the main thread."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _ring(signum: int, frame: FrameType | None) -> None:
    if not _State.armed:
        return
    if not _inside_unraisable(frame):
        raise TimeUp
    _State.deferred = True  # trace the callers, up to `within`, and raise at their next line
    caller = frame.f_back if frame is not None else None
    while caller is not None and caller.f_code is not within.__code__:
        caller.f_trace = _trace
        caller = caller.f_back
    sys.settrace(_trace)


def _trace(frame: FrameType, event: str, arg: Any) -> Any:
    """A deferred alarm: `TimeUp` at the first event of a frame that no finaliser or callback called."""
    if _State.deferred and _State.armed and not _inside_unraisable(frame):
        _State.deferred = False
        raise TimeUp
    return _trace


def _unraisable(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs where an exception would be printed and ignored: a finaliser, a gc callback."""
    if frame is None:
        return False
    code = frame.f_code
    return code.co_name == "__del__" or any(getattr(cb, "__code__", None) is code for cb in gc.callbacks)


def _inside_unraisable(frame: FrameType | None) -> bool:
    """Whether ``frame`` or a frame that called it, up to `within`, is `_unraisable` (or this module's)."""
    while frame is not None and frame.f_code is not within.__code__:
        if _unraisable(frame) or frame.f_code in (_ring.__code__, _trace.__code__):
            return True
        frame = frame.f_back
    return False


def within(seconds: float, function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)``, stopped by `TimeUp` after ``seconds`` if `available`, else not limited.

    Parameters
    ----------
    seconds : float
        The time the call may take, > 0.
    function : callable
    *args
        Passed to ``function``.

    Returns
    -------
    Whatever ``function`` returns.

    Raises
    ------
    TimeUp
        When the time ran out, from where ``function`` was at that moment.
    Exception
        Whatever ``function`` raised.

    Examples
    --------
    >>> within(1.0, sum, [1, 2, 3])
    6
    """
    if not available():
        return function(*args)
    previous = signal.getsignal(signal.SIGALRM)
    tracing = sys.gettrace()
    signal.signal(signal.SIGALRM, _ring)
    started = time.monotonic()
    _State.armed = True
    earlier = signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-6), REPEAT)
    try:
        try:
            return function(*args)
        finally:
            _State.armed = False
    finally:
        _State.armed = _State.deferred = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        if sys.gettrace() is not tracing:  # a deferred alarm traced: put back what was there
            sys.settrace(tracing)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
        if earlier[0] > 0:  # someone else's timer: it keeps running, less the time spent here
            left = earlier[0] - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), earlier[1])
