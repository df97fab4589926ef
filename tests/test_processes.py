"""The ``children`` fixture: a test's processes end with the test, whatever happens to it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.processes import owned_children, running

#: A child that starts a child of its own, says its pid, and sleeps: a stand-in for a hung command.
PARENT = ("import subprocess, sys, time; "
          "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
          "print(child.pid, flush=True); time.sleep(600)")


def gone(pids: list[int]) -> bool:
    """Whether every process of ``pids`` has ended; waits while they are being killed (a SIGKILL
    takes effect when the process is next scheduled, on a loaded machine not at once)."""
    for _ in range(3000):
        if not any(running(pid) for pid in pids):
            return True
        time.sleep(0.01)
    return False


pytestmark = pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads process states from /proc (Linux)")


def test_a_failing_test_leaves_neither_its_child_nor_the_childs_child() -> None:
    with pytest.raises(AssertionError, match="the test fails"), owned_children() as children:
        parent = children.start([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
        grandchild = int(children.readlines(parent, 1)[0])
        pids = [parent.pid, grandchild]
        assert all(running(pid) for pid in pids)
        raise AssertionError("the test fails")
    assert parent.returncode is not None and gone(pids)


def test_a_child_that_runs_past_its_timeout_is_killed_with_its_children() -> None:
    with owned_children() as children:
        parent = children.start([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
        grandchild = int(children.readlines(parent, 1)[0])
        with pytest.raises(subprocess.TimeoutExpired):
            children.readlines(parent, 1, timeout=0.01)  # it never says anything else
        assert parent.returncode is not None and gone([grandchild])  # killed at the timeout, not later
        with pytest.raises(subprocess.TimeoutExpired):
            children.run([sys.executable, "-c", PARENT], timeout=0.01)
        assert children.started[-1].returncode is not None


def test_run_returns_what_subprocess_run_would(children) -> None:
    done = children.run([sys.executable, "-c", "import sys; print('out'); sys.exit(3)"], capture_output=True,
                        text=True)
    assert (done.returncode, done.stdout, done.stderr) == (3, "out\n", "")
    echoed = children.run([sys.executable, "-c", "import sys; print(sys.stdin.read()[::-1])"], input="abc",
                          capture_output=True, text=True)
    assert echoed.stdout == "cba\n"
