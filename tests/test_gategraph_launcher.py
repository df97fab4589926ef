"""The command's entry point: Ctrl-C at any moment after the interpreter starts exits 130 with one line.

A Ctrl-C is simulated at a chosen moment: an import hook (a ``sitecustomize`` module on PYTHONPATH)
sends the process SIGINT when a chosen module starts to load, so the signal arrives in the middle of
loading numpy, `graph`, or the command's own modules, as a real one would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest

from tests.processes import Children

SITECUSTOMIZE = textwrap.dedent("""
    import os, signal, sys

    class InterruptAt:
        '''Press Ctrl-C (send SIGINT to this process) as the module GATEGRAPH_INTERRUPT_AT starts loading.'''

        def find_spec(self, name, path=None, target=None):
            if name == os.environ["GATEGRAPH_INTERRUPT_AT"]:
                sys.meta_path.remove(self)
                os.kill(os.getpid(), signal.SIGINT)
            return None

    sys.meta_path.insert(0, InterruptAt())
""")


def entry(how: str) -> list[str]:
    """The command line that starts ``gategraph``: the console script that pip installed, or ``-m``."""
    if how == "python -m graph":
        return [sys.executable, "-m", "graph"]
    script = Path(sys.executable).parent / "gategraph"
    if not script.exists():
        pytest.skip(f"no gategraph console script beside {sys.executable} (pip install -e .)")
    return [sys.executable, str(script)]


def interrupted_at(children: Children, tmp_path: Path, how: str, module: str,
                   argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``gategraph argv``, pressing Ctrl-C as ``module`` starts loading."""
    (tmp_path / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    path = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return children.run([*entry(how), *argv], capture_output=True, text=True,
                        env={**os.environ, "PYTHONPATH": path, "GATEGRAPH_INTERRUPT_AT": module})


@pytest.mark.parametrize("how", ["gategraph", "python -m graph"])
@pytest.mark.parametrize("module", ["numpy", "numpy.linalg", "gates", "graph.nodes", "graph.nn.network",
                                    "graph.cli.main", "graph.cli.train"])
def test_ctrl_c_while_the_command_loads_exits_130_with_one_line(children, tmp_path, how, module) -> None:
    done = interrupted_at(children, tmp_path, how, module, ["check"])
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "\ngategraph: interrupted\n")


@pytest.mark.parametrize("how", ["gategraph", "python -m graph"])
def test_ctrl_c_while_the_arguments_are_read_exits_130_with_one_line(children, tmp_path, how) -> None:
    done = interrupted_at(children, tmp_path, how, "importlib.metadata", ["--version"])  # loaded by --version
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "\ngategraph: interrupted\n")


def test_the_hook_presses_ctrl_c_indeed(children, tmp_path) -> None:
    """Without the launcher, the same Ctrl-C gives the traceback the launcher prevents."""
    (tmp_path / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "GATEGRAPH_INTERRUPT_AT": "numpy.linalg"}
    done = children.run([sys.executable, "-c", "import graph"], capture_output=True, text=True, env=env)
    assert done.returncode == -signal.SIGINT and "KeyboardInterrupt" in done.stderr


STUBBORN = textwrap.dedent("""
    import sys, time
    import graph.cli.check

    def stubborn(seed=0):
        '''A command that swallows the first Ctrl-C, as a careless library might.'''
        print("ready", flush=True)
        while True:
            try:
                time.sleep(600)
            except KeyboardInterrupt:
                print("swallowed", flush=True)

    graph.cli.check.check_all = stubborn
    from gategraph_launcher import main
    sys.exit(main(["check"]))
""")


def test_a_second_ctrl_c_ends_a_command_that_swallowed_the_first(children) -> None:
    process = children.start([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    assert children.readlines(process, 1) == ["ready\n"]
    process.send_signal(signal.SIGINT)
    assert children.readlines(process, 1) == ["swallowed\n"]
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert (process.returncode, out, err) == (130, "", "\ngategraph: interrupted\n")


def test_a_ctrl_c_the_caller_ignores_stays_ignored(children) -> None:
    code = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
            "import graph.cli.check\n"
            "graph.cli.check.check_all = lambda seed=0: os.kill(os.getpid(), signal.SIGINT) or []\n"
            "from gategraph_launcher import main; sys.exit(main(['check']))")
    done = children.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "") and "0 passed, 0 failed" in done.stdout


def test_the_console_script_is_the_launcher() -> None:
    scripts = {point.name: point.value for point in metadata.entry_points(group="console_scripts")}
    assert scripts.get("gategraph") == "gategraph_launcher:main", "reinstall: pip install -e ."
    assert "gategraph_launcher" in (Path(__file__).parent.parent / "setup.cfg").read_text(encoding="utf-8")
