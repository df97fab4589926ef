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
"""

from __future__ import annotations

import signal
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
    armed = False  # the handler raises only while the learner's code runs


def available() -> bool:
    """Whether a time limit can be set here: POSIX timers, and this is the main thread."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _ring(signum: int, frame: FrameType | None) -> None:
    if _State.armed:
        raise TimeUp


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
        _State.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
        if earlier[0] > 0:  # someone else's timer: it keeps running, less the time spent here
            left = earlier[0] - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), earlier[1])
