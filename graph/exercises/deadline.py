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
may be a garbage-collector callback, a ``__del__`` method or a generator being
closed as it is collected, where an exception cannot propagate: Python would
print it as "ignored" and carry on. So the alarm raises at once only in an
ordinary function; anywhere else it defers: it traces the frames that were
running, and raises `TimeUp` at the next line one of the ordinary ones runs (a
signal arriving during ``gc.collect()`` is handled in its callbacks, so waiting
for the next ring would not do). A learner's generator that loops for ever is
an ordinary place after all: after `PATIENCE` deferred rings it is stopped
there too.
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

#: Deferred rings after which `TimeUp` is raised in a generator's frame too.
PATIENCE = 10

_SUSPENDABLE = 0x20 | 0x80 | 0x200  # CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR


class TimeUp(BaseException):
    """Raised inside the learner's code when its time is up."""


class _State:
    armed = False      # the handler raises only while the learner's code runs
    deferred = False   # the alarm rang where it could not raise: raise at the next ordinary line
    rings = 0          # deferred rings so far


def available() -> bool:
    """Whether a time limit can be set here: POSIX timers, and this is the main thread."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _ring(signum: int, frame: FrameType | None) -> None:
    if not _State.armed:
        return
    if _ordinary(frame) or (_State.rings >= PATIENCE and not _inside_unraisable(frame)):
        raise TimeUp
    _State.deferred = True  # trace the frames running now, up to `within`, and raise at their next line
    _State.rings += 1
    running = frame
    while running is not None and running.f_code is not within.__code__:
        if _ordinary(running):
            running.f_trace = _trace
        running = running.f_back
    sys.settrace(_trace)


def _trace(frame: FrameType, event: str, arg: Any) -> Any:
    """A deferred alarm: `TimeUp` at the first event of an ordinary frame; other frames are not traced."""
    if _State.deferred and _State.armed and _ordinary(frame):
        _State.deferred = False
        raise TimeUp
    return None


def _ordinary(frame: FrameType | None) -> bool:
    """Whether an exception raised in ``frame`` propagates: a function, called by none of `_unraisable`."""
    return frame is None or not (frame.f_code.co_flags & _SUSPENDABLE or _inside_unraisable(frame))


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
    _State.armed, _State.rings = True, 0
    earlier = signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-6), REPEAT)
    try:
        try:
            return function(*args)
        finally:
            _State.armed = False
    finally:
        _State.armed = _State.deferred = False
        _State.rings = 0
        signal.setitimer(signal.ITIMER_REAL, 0)
        if sys.gettrace() is not tracing:  # a deferred alarm traced: put back what was there
            sys.settrace(tracing)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
        if earlier[0] > 0:  # someone else's timer: it keeps running, less the time spent here
            left = earlier[0] - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), earlier[1])
