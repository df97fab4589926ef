"""The command line never answers with a traceback.

Exit 2 with a usage message for a user's mistake (checked before any work starts),
1 with a one-line message for a fault, 130 for Ctrl-C.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph import load_dataset
from graph.cli import main
from tests.processes import TIMEOUT, Children

LAST_LINE = "train accuracy: "


def usage_error(capsys, argv: list[str]) -> str:
    """Run ``gategraph argv``, expecting exit 2 with a usage message on stderr and nothing on stdout."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"usage: gategraph {argv[0]}") and "Traceback" not in captured.err
    assert captured.out == "", "the mistake is found before any work starts"
    return captured.err


@pytest.fixture
def unwritable(tmp_path: Path) -> Iterator[Path]:
    """A directory nobody may create files in: read-only for a user; a system directory for root."""
    if os.geteuid() != 0:
        directory = tmp_path / "read-only"
        directory.mkdir()
        directory.chmod(0o555)
        yield directory
        directory.chmod(0o755)
        return
    for candidate in (Path("/sys"), Path("/proc")):
        try:
            with tempfile.TemporaryFile(dir=candidate):
                pass
        except OSError:
            yield candidate
            return
    pytest.skip("no directory here is closed to root")


@pytest.fixture
def an_engine(monkeypatch) -> None:
    """Pretend a Graphviz engine is installed: the path checks come before any drawing."""
    import graph.views.draw

    monkeypatch.setattr(graph.views.draw, "find_engine", lambda: "dot")


# ---------------------------------------------------------------------------- user errors: exit 2

@pytest.mark.parametrize("seed", ["-1", "-100"])
def test_check_with_a_negative_seed_is_a_usage_error(capsys, seed) -> None:
    assert f"argument --seed: must be >= 0, got {seed}" in usage_error(capsys, ["check", "--seed", seed])


def test_lecture_svg_under_a_file_is_a_usage_error(capsys, tmp_path, an_engine) -> None:
    (tmp_path / "notes.txt").write_text("")
    err = usage_error(capsys, ["lecture", "--svg", str(tmp_path / "notes.txt" / "svg")])
    assert "is a file, so no directory can be made under it" in err


def test_lecture_svg_into_an_unwritable_place_is_a_usage_error(capsys, unwritable, an_engine) -> None:
    err = usage_error(capsys, ["lecture", "--svg", str(unwritable / "svg")])
    assert f"argument --svg: cannot create the directory {str(unwritable / 'svg')!r}" in err


def test_lecture_svg_into_a_directory_that_takes_no_files_is_a_usage_error(capsys, unwritable,
                                                                           an_engine) -> None:
    err = usage_error(capsys, ["lecture", "--svg", str(unwritable)])
    assert f"argument --svg: cannot write in the directory {str(unwritable)!r}" in err


@pytest.mark.parametrize("where", ["directory", "empty", "under a file", "missing directory"])
def test_train_save_to_a_place_it_cannot_write_is_refused_before_training(capsys, tmp_path, where) -> None:
    (tmp_path / "notes.txt").write_text("")
    notes = tmp_path / "notes.txt"
    path, message = {
        "directory": (str(tmp_path), f"{str(tmp_path)!r} is a directory"),
        "empty": ("", "the path is empty"),
        "under a file": (str(notes / "net.npz"), f"{str(notes)!r} is a file, not a directory"),
        "missing directory": (str(tmp_path / "no" / "net.npz"), f"no directory {str(tmp_path / 'no')!r}"),
    }[where]
    assert f"argument --save: {message}" in usage_error(capsys, ["train", "--save", path])


@pytest.mark.parametrize("kind", ["a FIFO", "a socket", "a character device", "a name too long"])
def test_train_save_never_destroys_what_is_there(capsys, tmp_path, kind) -> None:
    from tests.graph.nn.test_files import SPECIAL

    if kind == "a name too long":
        path = tmp_path / ("n" * (os.pathconf(tmp_path, "PC_NAME_MAX") + 1))
        message = "'.*n': the file name is .* bytes long; this file system takes names of at most"
    else:
        path = SPECIAL[kind](tmp_path / "special")
        message = f"{re.escape(repr(str(path)))} is {kind}.*, not a regular file"
    before = sorted((p.name, p.stat().st_mode) for p in tmp_path.iterdir())
    err = usage_error(capsys, ["train", "--epochs", "1", "--save", str(path)])
    assert re.search(f"argument --save: {message}", err), err
    assert sorted((p.name, p.stat().st_mode) for p in tmp_path.iterdir()) == before


def test_train_saves_under_the_longest_name_the_file_system_takes(capsys, tmp_path) -> None:
    path = tmp_path / ("n" * (os.pathconf(tmp_path, "PC_NAME_MAX") - 4) + ".npz")
    assert main(["train", "--epochs", "1", "--hidden", "5", "--save", str(path)]) == 0
    assert f"saved to {path}" in capsys.readouterr().out
    assert os.listdir(tmp_path) == [path.name]


def test_train_save_into_an_unwritable_place_is_refused_before_training(capsys, unwritable) -> None:
    err = usage_error(capsys, ["train", "--save", str(unwritable / "net.npz")])
    assert f"argument --save: cannot write in the directory {str(unwritable)!r}" in err


def test_train_with_a_huge_hidden_layer_is_refused_before_allocating(capsys) -> None:
    load_dataset("spiral")  # (made once, outside the measurement)
    tracemalloc.start()
    try:
        err = usage_error(capsys, ["train", "--hidden", "100000000000"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "argument --hidden: a network 2 → 100000000000 → 3 would need about" in err
    assert "GiB of memory" in err
    assert peak < 10_000_000


@pytest.mark.parametrize(("hidden", "message"), [
    ("100,0", "each hidden layer needs >= 1 unit"), ("-5", "each hidden layer needs >= 1 unit"),
    ("x", "expected widths like 100 or 100,50"), ("100,,50", "expected widths like"), ("", "expected widths"),
])
def test_train_hidden_that_is_not_a_list_of_widths_is_a_usage_error(capsys, hidden, message) -> None:
    assert message in usage_error(capsys, ["train", "--hidden", hidden])


@pytest.mark.parametrize(("argv", "typo"), [
    (["train", "--epcohs", "5"], "--epcohs 5"), (["lecture", "--svgg", "out"], "--svgg out"),
    (["check", "-x"], "-x"), (["exercises", "out", "--froce"], "--froce")])
def test_a_typo_in_a_subcommand_shows_that_subcommands_usage(capsys, argv, typo) -> None:
    err = usage_error(capsys, argv)
    assert err.splitlines()[-1] == f"gategraph {argv[0]}: error: unrecognized arguments: {typo}"


def test_a_mistake_before_the_subcommand_shows_the_top_level_usage(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--bogus", "train"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: gategraph [-h] [--version] COMMAND")
    assert err.splitlines()[-1] == "gategraph: error: unrecognized arguments: --bogus"


@pytest.mark.parametrize(("argv", "argument"), [
    (["lecture", "--svg", ""], "--svg"), (["lecture", "--html", ""], "--html"),
    (["lecture", "--code", "--svg", "", "--html", "x"], "--svg"), (["exercises", ""], "DIR"),
    (["train", "--save", ""], "--save")])
def test_an_empty_path_is_a_usage_error(capsys, tmp_path, monkeypatch, an_engine, argv, argument) -> None:
    monkeypatch.chdir(tmp_path)  # where an empty path used to write
    assert f"argument {argument}: the path is empty" in usage_error(capsys, argv)
    assert os.listdir(tmp_path) == []


def test_version_is_the_installed_distributions(capsys) -> None:
    from importlib import metadata

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr() == (f"gategraph {metadata.version('gategraph')}\n", "")


def test_version_when_not_installed_says_so(capsys, monkeypatch) -> None:
    from importlib import metadata

    def not_installed(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out == "gategraph unknown (not installed: pip install -e . gives it its version)\n"


def test_train_loss_must_be_softmax_or_svm(capsys) -> None:
    assert "argument --loss: invalid choice: 'hinge'" in usage_error(capsys, ["train", "--loss", "hinge"])


# ---------------------------------------------------------------------------- what train now offers

def test_train_with_two_hidden_layers_and_the_svm_loss(capsys) -> None:
    assert main(["train", "--hidden", "30,20", "--loss", "svm", "--epochs", "20"]) == 0
    out = capsys.readouterr().out
    assert "Network 2 → 30 → 20 → 3: scores = max(0, max(0, X·W1 + b1)·W2 + b2)·W3 + b3" in out
    assert "svm loss + L2" in out
    accuracy = float(out.splitlines()[-1].split()[2])
    assert accuracy > 0.6  # well above chance (1/3) on the spiral after 20 epochs


# ---------------------------------------------------------------------------- faults: exit 1

@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("argv", [["lecture"], ["check"], ["train", "--epochs", "2"]])
def test_output_to_a_full_device_exits_1_with_a_message(argv, children) -> None:
    with open("/dev/full", "w") as full:
        done = children.run([sys.executable, "-m", "graph", *argv], stdout=full, stderr=subprocess.PIPE,
                            text=True)
    assert done.returncode == 1
    assert done.stderr == f"gategraph {argv[0]}: cannot write its output: No space left on device\n"


def test_an_unexpected_error_is_one_line_not_a_traceback(capsys, monkeypatch) -> None:
    import graph.cli.check

    def broken(seed: int = 0) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(graph.cli.check, "check_all", broken)
    assert main(["check"]) == 1
    err = capsys.readouterr().err
    assert err == "gategraph check: unexpected error RuntimeError: boom; please report it\n"


# ---------------------------------------------------------------------------- Ctrl-C: exit 130

def test_ctrl_c_in_any_command_exits_130_saying_interrupted(capsys, monkeypatch) -> None:
    import graph.cli.check

    def interrupted(seed: int = 0) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(graph.cli.check, "check_all", interrupted)
    assert main(["check"]) == 130
    assert capsys.readouterr().err == "\ngategraph check: interrupted\n"


def _interrupt_training(children: Children, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Start ``gategraph train`` for a long run, press Ctrl-C once it is training, and wait for the end.

    The ``children`` fixture owns the process: a timeout or a failed assertion kills it (it would
    otherwise train for 100000 epochs).
    """
    process = children.start([sys.executable, "-m", "graph", "train", "--epochs", "100000", *argv],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    header = children.readlines(process, 3)  # the last one is printed as training starts
    assert len(header) == 3 and header[2].startswith("softmax loss"), (header, process.poll())
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=TIMEOUT)
    return subprocess.CompletedProcess(process.args, process.returncode, "".join(header) + out, err)


def test_ctrl_c_during_train_exits_130_and_saves_nothing(tmp_path, children) -> None:
    done = _interrupt_training(children, ["--save", str(tmp_path / "net.npz")])
    assert done.returncode == 130
    assert done.stderr.endswith(f"gategraph train: interrupted; nothing was saved to "
                                f"{str(tmp_path / 'net.npz')!r}\n"), done.stderr
    assert "Traceback" not in done.stderr and os.listdir(tmp_path) == []


def test_ctrl_c_during_train_leaves_an_earlier_save_as_it_was(tmp_path, children) -> None:
    path = tmp_path / "net.npz"
    path.write_bytes(b"an earlier network")
    done = _interrupt_training(children, ["--save", str(path)])
    assert done.returncode == 130 and "(the file there is left as it was)" in done.stderr
    assert path.read_bytes() == b"an earlier network" and os.listdir(tmp_path) == ["net.npz"]


# ---------------------------------------------------------------------------- odd outputs

def test_standard_output_closed_is_no_error(children) -> None:
    done = children.run([sys.executable, "-m", "graph", "check"], stderr=subprocess.PIPE, text=True,
                        preexec_fn=lambda: os.close(1))
    assert done.returncode == 0 and done.stderr == ""


def test_an_output_that_cannot_show_the_symbols_shows_question_marks(children) -> None:
    done = children.run([sys.executable, "-m", "graph", "lecture"], capture_output=True,
                        env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert done.returncode == 0 and done.stderr == b""
    assert b"downstream = local ? upstream" in done.stdout
