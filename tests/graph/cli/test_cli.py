"""The gategraph command: lecture, check, and usage errors."""

import sys

import pytest

from graph.cli import main
from graph.cli.check import CASES, Case, check_all, format_table


def test_lecture_prints_every_example_with_its_numbers(capsys):
    assert main(["lecture"]) == 0
    out = capsys.readouterr().out
    for text in ["f = -12", "df/dx = -4", "df/dz = 3",              # (x + y) z
                 "f = 0.731059", "df/dw0 = -0.196612", "df/dx1 = -0.589836",  # sigmoid neuron
                 "f = -20", "df/dy = 6", "df/dw = 0",               # patterns
                 "f = 0.116", "df/dx = [-0.112, 0.636]"]:            # vectorised
        assert text in out, text


def test_lecture_prints_the_staged_example_and_a_trace_table_per_example(capsys):
    from graph.lecture import examples

    assert main(["lecture"]) == 0
    out = capsys.readouterr().out
    assert "Staged computation" in out
    for text in ["f = 1.54564", "df/dx = 2.05957", "df/dy = 1.59223"]:
        assert text in out, text
    assert out.count("downstream = local × upstream") == len(examples())
    assert "    invden  1/x   3.01799    den     -0.262292  -0.791593" in out  # a row of the staged table
    assert "drawing" not in out


def _svg_texts(path):
    import html
    import re

    svg = path.read_text(encoding="utf-8")
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg)]


def test_lecture_svg_writes_one_drawing_per_example_with_values_and_gradients(tmp_path, capsys):
    from graph.lecture import examples
    from graph.views.draw import find_engine

    if find_engine() is None:
        pytest.skip('no Graphviz engine installed (pip install "gategraph[viz]")')
    out_dir = tmp_path / "out" / "svg"  # created, parents too
    assert main(["lecture", "--svg", str(out_dir)]) == 0
    files = sorted(p.name for p in out_dir.iterdir())
    assert len(files) == len(examples())
    assert files[0] == "01-a-simple-circuit.svg" and files[3] == "04-staged-computation.svg"
    assert all(name.endswith(".svg") for name in files)
    simple = _svg_texts(out_dir / files[0])
    for text in ["-2", "5", "-4", "3", "-12", "1"]:                    # values and gradients
        assert text in simple, text
    staged = _svg_texts(out_dir / files[3])
    for text in ["1.546", "Σ 2.06", "Σ 1.592", "0.5121", "3.018"]:
        assert text in staged, text
    assert f"drawing    {out_dir / files[0]}" in capsys.readouterr().out


def test_lecture_svg_without_an_engine_says_what_to_install(tmp_path, monkeypatch, capsys):
    import graph.views.draw

    monkeypatch.setattr(graph.views.draw, "find_engine", lambda: None)
    assert main(["lecture", "--svg", str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    assert 'pip install "gategraph[viz]"' in captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert not (tmp_path / "out").exists()


def test_lecture_svg_onto_a_file_is_a_usage_error(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("")
    with pytest.raises(SystemExit) as exit_info:
        main(["lecture", "--svg", str(target)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: gategraph lecture") and "not a directory" in err


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


@pytest.mark.parametrize("argv", [[], ["bogus"], ["check", "--seed", "x"], ["lecture", "--nope"],
                                  ["lecture", "--svg"], ["lecture", "--html"]])
def test_bad_arguments_exit_2_with_usage(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: gategraph")
    assert "Traceback" not in err


def test_python_dash_m_graph_runs_the_command(children):
    done = children.run([sys.executable, "-m", "graph", "lecture"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "f = 0.116" in done.stdout


def test_python_dash_m_graph_bad_argument_exits_2_without_traceback(children):
    done = children.run([sys.executable, "-m", "graph", "bogus"], capture_output=True, text=True)
    assert done.returncode == 2
    assert "usage: gategraph" in done.stderr and "Traceback" not in done.stderr


def test_lecture_html_writes_a_page_per_example_and_an_index_linking_them(tmp_path, capsys):
    import re

    from graph.lecture import examples
    from graph.views.draw import find_engine

    if find_engine() is None:
        pytest.skip('no Graphviz engine installed (pip install "gategraph[viz]")')
    out_dir = tmp_path / "out" / "html"  # created, parents too
    assert main(["lecture", "--html", str(out_dir)]) == 0
    pages = sorted(p.name for p in out_dir.iterdir() if p.name != "index.html")
    assert len(pages) == len(examples()) and pages[0] == "01-a-simple-circuit.html"
    index = (out_dir / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<a href="([^"]+)"', index) == pages
    first = (out_dir / pages[0]).read_text(encoding="utf-8")
    assert "data-gategraph-player" in first and 'data-steps="4"' in first
    assert 'href="index.html"' in first and f'href="{pages[1]}"' in first
    out = capsys.readouterr().out
    assert f"page       {out_dir / pages[0]}" in out
    assert f"step-through pages: {out_dir / 'index.html'}" in out
    before = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    assert main(["lecture", "--html", str(out_dir)]) == 0    # the same pages, byte for byte
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == before


def test_lecture_html_without_an_engine_says_what_to_install_and_writes_nothing(tmp_path, monkeypatch,
                                                                                   capsys):
    import graph.views.draw

    monkeypatch.setattr(graph.views.draw, "find_engine", lambda: None)
    assert main(["lecture", "--html", str(tmp_path / "pages"), "--svg", str(tmp_path / "svg")]) == 1
    captured = capsys.readouterr()
    assert "--svg and --html need a Graphviz engine" in captured.err
    assert 'pip install "gategraph[viz]"' in captured.err and captured.out == ""
    assert not (tmp_path / "pages").exists() and not (tmp_path / "svg").exists()


def test_lecture_html_onto_a_file_is_a_usage_error(tmp_path, capsys):
    target = tmp_path / "taken.html"
    target.write_text("")
    with pytest.raises(SystemExit) as exit_info:
        main(["lecture", "--html", str(target)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: gategraph lecture") and f"--html {target}: not a directory" in err
    assert target.read_text() == ""


def test_lecture_code_prints_each_examples_run_written_out_as_python(capsys):
    from graph.lecture import examples

    assert main(["lecture", "--code"]) == 0
    out = capsys.readouterr().out
    assert out.count("as code (ComputationalGraph.compile()):") == len(examples())
    assert "        dx = dq\n        dy = dq\n" in out             # the first circuit: add distributes
    assert "        dx += dnum\n" in out                           # the staged example: x fans out
    vectorised = out.split("Vectorised")[1]
    assert "    def forward(W, x):\n        q = W @ x" in vectorised and "np." in vectorised  # arrays: numpy
    assert "np." not in out.split("Vectorised")[0].split("as code")[1]                    # floats: no numpy
