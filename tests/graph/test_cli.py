"""The gategraph command: lecture, check, and usage errors."""

import subprocess
import sys

import pytest

from graph.check import CASES, Case, check_all, format_table
from graph.cli import main


def test_lecture_prints_every_example_with_its_numbers(capsys):
    assert main(["lecture"]) == 0
    out = capsys.readouterr().out
    for text in ["f = -12", "df/dx = -4", "df/dz = 3",              # (x + y) z
                 "f = 0.731059", "df/dw0 = -0.196612", "df/dx1 = -0.589836",  # sigmoid neuron
                 "f = -20", "df/dy = 6", "df/dw = 0",               # patterns
                 "f = 0.116", "df/dx = [-0.112, 0.636]"]:            # vectorised
        assert text in out, text


def test_check_passes_every_builtin_gate(capsys):
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert f"{len(CASES)} passed, 0 failed" in out
    for name in ["Add()", "Sigmoid()", "MatMul()", "SoftmaxCrossEntropy()", "SVMLoss()"]:
        assert name in out


def test_check_covers_every_public_gate():
    import gates

    checked = {type(case.make()) for case in CASES}
    public = {obj for obj in vars(gates).values()
              if isinstance(obj, type) and issubclass(obj, gates.Gate) and obj is not gates.Gate}
    assert public <= checked, public - checked


def test_check_reports_a_wrong_gate():
    from gates import Gate

    class WrongSquare(Gate):
        def forward(self, x):
            self.x = x
            return x * x

        def backward(self, dout):
            return (self.x * dout,)  # forgot the 2

    results = check_all(cases=[Case(WrongSquare, ((3,),))])
    assert not results[0].passed
    assert "WrongSquare" in results[0].error
    assert results[0].max_rel_error > 0.3
    assert "FAIL" in format_table(results)


@pytest.mark.parametrize("argv", [[], ["bogus"], ["check", "--seed", "x"], ["lecture", "--nope"]])
def test_bad_arguments_exit_2_with_usage(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: gategraph")
    assert "Traceback" not in err


def test_python_dash_m_graph_runs_the_command():
    done = subprocess.run([sys.executable, "-m", "graph", "lecture"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "f = 0.116" in done.stdout


def test_python_dash_m_graph_bad_argument_exits_2_without_traceback():
    done = subprocess.run([sys.executable, "-m", "graph", "bogus"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 2
    assert "usage: gategraph" in done.stderr and "Traceback" not in done.stderr
