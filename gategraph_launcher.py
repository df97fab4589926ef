"""The ``gategraph`` command's entry point: Ctrl-C is handled before numpy and `graph` load.

Loading the command (numpy, `gates`, `graph`) takes a few tenths of a second; a
Ctrl-C in that time used to end it with a `KeyboardInterrupt` traceback and death
by the signal. This module needs nothing but ``os``, ``signal`` and ``sys``, so the
console script (``gategraph``, in setup.cfg) and ``python -m graph`` install its
handler of SIGINT first, then load the command and run it. Ctrl-C then ends the
command with exit status 130 and one line on standard error at any moment after
the interpreter's own start-up:

- while the command loads: at once, ``gategraph: interrupted``;
- while it runs: a `KeyboardInterrupt`, which the command turns into its own line
  (``gategraph train: interrupted; nothing was saved``) and 130; a second Ctrl-C
  while it stops ends it at once, with the line above;
- once it has returned: nothing; its exit status stands.

A SIGINT that the caller ignores (``nohup``, a background job) stays ignored.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

__all__ = ["install", "main", "started_as_module"]

#: What happens to a Ctrl-C now: see `_on_interrupt`.
LOADING, RUNNING, STOPPING, DONE = "loading", "running", "stopping", "done"
_phase = LOADING

#: The one line said when the command has not said its own.
INTERRUPTED = b"\ngategraph: interrupted\n"


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGINT: exit 130 while loading or stopping, `KeyboardInterrupt` while running, nothing when done."""
    global _phase
    if _phase == RUNNING:
        _phase = STOPPING
        raise KeyboardInterrupt
    if _phase == DONE:
        return
    _say_interrupted()
    os._exit(130)


def _say_interrupted() -> None:
    """Write the one line on standard error, straight to its descriptor (no buffer to flush)."""
    with contextlib.suppress(OSError):  # (standard error closed: the exit status says it)
        os.write(2, INTERRUPTED)


def install() -> None:
    """Handle Ctrl-C from now on as the module's docstring says, unless SIGINT is ignored."""
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, _on_interrupt)


def started_as_module(name: str) -> bool:
    """Whether the interpreter was started as ``python -m name`` (or a module of it) and is loading it.

    While ``-m`` looks for its module, ``sys.argv[0]`` is ``"-m"``, and the
    module's name is the command-line word just before ``sys.argv[1:]``.
    """
    if sys.argv[:1] != ["-m"] or len(sys.orig_argv) < len(sys.argv):
        return False
    given = sys.orig_argv[len(sys.orig_argv) - len(sys.argv)]
    if given.startswith("-"):  # -mgraph, -Bmgraph
        given = given.partition("m")[2]
    return given == name or given.startswith(f"{name}.")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``gategraph`` command (`graph.cli.main.main`), Ctrl-C handled throughout; its exit status."""
    global _phase
    install()
    from graph.cli.main import main as command

    try:
        _phase = RUNNING
        return command(argv)
    except KeyboardInterrupt:  # (the command's own handling had not begun: its arguments were being read)
        _phase = STOPPING
        _say_interrupted()
        return 130
    finally:
        _phase = DONE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
