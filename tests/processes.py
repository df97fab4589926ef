"""Child processes that a test owns, and ends on every path: success, failure, timeout, Ctrl-C.

A test that starts a process takes the ``children`` fixture (``tests/conftest.py``) and starts it
with ``children.start(...)`` (a `subprocess.Popen`) or ``children.run(...)`` (like `subprocess.run`).
Each child gets a process group of its own; when the test ends, however it ends, the fixture kills
that whole group (the child and anything it started) and reaps the child. A test that hangs on a
child fails at the timeout instead, and leaves nothing behind either.

Import as ``from tests.processes import ...``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["TIMEOUT", "Children", "owned_children", "running"]

#: How long a test waits for a child by default, in seconds: long enough for a loaded machine,
#: short enough that a hung child fails its test instead of the whole run.
TIMEOUT = 300.0


class Children:
    """The processes one test started; `close` kills each one's process group and reaps it."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[Any]] = []

    def start(self, args: Sequence[str], **options: Any) -> subprocess.Popen[Any]:
        """`subprocess.Popen` in a new session (its own process group), owned by this test."""
        process: subprocess.Popen[Any] = subprocess.Popen(args, start_new_session=True, **options)
        self.started.append(process)
        return process

    def run(self, args: Sequence[str], *, timeout: float = TIMEOUT, input: Any = None,
            capture_output: bool = False, **options: Any) -> subprocess.CompletedProcess[Any]:
        """Start ``args``, wait for it to end, and return what `subprocess.run` would.

        Raises `subprocess.TimeoutExpired` after ``timeout`` seconds, having killed the child's group.
        """
        if capture_output:
            options["stdout"] = options["stderr"] = subprocess.PIPE
        if input is not None:
            options["stdin"] = subprocess.PIPE
        process = self.start(args, **options)
        try:
            out, err = process.communicate(input, timeout=timeout)
        except BaseException:
            self.kill(process)
            raise
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)

    def readlines(self, process: subprocess.Popen[Any], count: int, timeout: float = TIMEOUT) -> list[Any]:
        """The next ``count`` lines of ``process``'s standard output (fewer if it closes it).

        Raises `subprocess.TimeoutExpired` when they do not come within ``timeout`` seconds.
        """
        assert process.stdout is not None, "start the process with stdout=subprocess.PIPE"
        stdout = process.stdout
        lines: list[Any] = []

        def read() -> None:
            for _ in range(count):
                line = stdout.readline()
                if not line:
                    return
                lines.append(line)

        reader = threading.Thread(target=read, daemon=True)  # ends when the child is killed, at the latest
        reader.start()
        reader.join(timeout)
        if reader.is_alive():
            self.kill(process)
            raise subprocess.TimeoutExpired(process.args, timeout, output="".join(map(str, lines)))
        return lines

    @staticmethod
    def kill(process: subprocess.Popen[Any]) -> None:
        """Kill ``process``'s whole process group (SIGKILL), reap the process and close its pipes."""
        with contextlib.suppress(ProcessLookupError, PermissionError):  # (the group is gone already)
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def close(self) -> None:
        """Kill every child's process group and reap every child."""
        for process in self.started:
            self.kill(process)
        self.started.clear()


@contextlib.contextmanager
def owned_children() -> Iterator[Children]:
    """`Children` that are all killed when the block ends, however it ends."""
    children = Children()
    try:
        yield children
    finally:
        children.close()


def running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (dead, waiting for its parent to reap it)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            state = stat.read().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")
