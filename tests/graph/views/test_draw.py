"""Drawing a graph: DOT text always; SVG and other pictures where a Graphviz engine is installed."""

import html
import os
import re
import stat

import numpy as np
import pytest

import graph.views.draw
from gates import Sigmoid
from graph import ComputationalGraph, GraphvizNotFoundError, Input, Parameter
from graph.lecture import examples, simple_circuit, staged, vectorised
from graph.views.draw import GRAD_COLOR, VALUE_COLOR, find_engine, to_dot

needs_engine = pytest.mark.skipif(find_engine() is None,
                                  reason='no Graphviz engine installed (pip install "gategraph[viz]")')


def edge_labels(dot: str) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """{(source label, target label): (green text, red text)} of a DOT text."""
    labels = {}
    for nid, body in re.findall(r"^  (\w+) \[id=[^\n]*shape=[^\n]*label=<(.*)>\];$", dot, re.M):
        labels[nid] = re.sub(r"<[^>]+>", " ", body.split("<br/><font point-size")[0]).split()[0]
    edges = {}
    for a, b, rest in re.findall(r"^  (\w+) -> (\w+)(.*);$", dot, re.M):
        green = re.search(f'<font color="{VALUE_COLOR}">(.*?)</font>', rest)
        red = re.search(f'<font color="{GRAD_COLOR}">(.*?)</font>', rest)
        edges[(labels.get(a, a), labels.get(b, b))] = (green and green[1], red and red[1])
    return edges


def test_simple_circuit_edges_carry_values_in_green_and_gradients_in_red():
    example = simple_circuit()
    example.run()
    edges = edge_labels(example.graph.to_dot())
    assert edges == {
        ("x", "+"): ("-2", "-4"), ("y", "+"): ("5", "-4"),
        ("+", "*"): ("3", "-4"), ("z", "*"): ("-4", "3"),
        ("*", "output"): ("-12", "1"),  # the output's value and gradient, on an edge leaving the last gate
    }


def test_values_appear_after_forward_gradients_after_backward_and_go_stale_after_forward():
    example = simple_circuit()
    before = example.graph.to_dot()
    assert "font color" not in before
    example.graph.forward(example.feed)
    after_forward = example.graph.to_dot()
    assert VALUE_COLOR in after_forward and GRAD_COLOR not in after_forward
    example.graph.backward()
    assert GRAD_COLOR in example.graph.to_dot()
    example.graph.forward(x=1.0, y=1.0, z=1.0)  # new values: the old gradients no longer belong
    assert GRAD_COLOR not in example.graph.to_dot()


def test_layout_is_left_to_right_with_gate_symbols_and_node_names():
    example = staged()
    example.run()
    dot = example.graph.to_dot()
    assert dot.startswith("digraph gategraph {\n") and dot.endswith("}\n")
    assert "rankdir=LR" in dot
    for symbol, name in [("σ", "sigy"), ("σ", "sigx"), ("+", "num"), ("**2", "xpysqr"), ("1/x", "invden"),
                         ("*", "f")]:
        assert re.search(f"<b>{re.escape(symbol)}</b><br/><font [^>]*>{name}</font>", dot), name
    assert "label=<x" in dot and "label=<y" in dot
    assert "output [shape=point, style=invis];" in dot


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.title)
def test_every_gate_symbol_of_the_lecture_is_drawn(example):
    example.run()
    dot = example.graph.to_dot()
    for node in example.graph.nodes_topologically_sorted():
        if node.gate is not None:
            assert f"<b>{html.escape(node.gate.symbol)}</b>" in dot


def test_fan_out_shows_the_summed_gradient_on_the_node():
    example = staged()
    _, grads = example.run()
    dot = example.graph.to_dot()
    assert f'<font color="{GRAD_COLOR}">Σ {grads["x"]:.4g}</font>' in dot  # 2.06: three paths added
    assert f'<font color="{GRAD_COLOR}">Σ {grads["y"]:.4g}</font>' in dot
    assert dot.count("Σ") == 2
    x_id = re.search(r"^  (n\d+) \[id=\S+, class=\"leaf\", shape=plaintext, label=<x<br/>", dot, re.M)[1]
    red = re.findall(f"^  {x_id} -> n\\d+ .*<font color=\"{GRAD_COLOR}\">(.*?)</font>", dot, re.M)
    assert sorted(red) == ["-0.03576", "0.5121", "1.583"]  # each edge its own share: num, sigx, xpy


def test_drawing_is_deterministic():
    first, second = staged(), staged()
    first.run()
    second.run()
    assert first.graph.to_dot() == first.graph.to_dot() == second.graph.to_dot()


def test_small_arrays_are_drawn_in_full_large_ones_as_shape_and_norm():
    example = vectorised()
    example.run()
    dot = example.graph.to_dot()
    assert f'<font color="{VALUE_COLOR}">[0.22, 0.26]</font>' in dot
    assert f'<font color="{GRAD_COLOR}">[0.44, 0.52]</font>' in dot
    assert "[[0.088, 0.176],<br/>[0.104, 0.208]]" in dot  # ∇W, one row a line
    W, x = Parameter("W", np.ones((10, 10))), Input("x")
    g = ComputationalGraph((W @ x).named("q"))
    g.forward(x=np.ones(10))
    assert "(10, 10) ‖·‖=10" in g.to_dot() and "(10,) ‖·‖=31.62" in g.to_dot()


def test_labels_are_escaped():
    a = Input('a<b>&"c\'')
    g = ComputationalGraph(Sigmoid()(a, name="<s>"))
    g.forward({'a<b>&"c\'': 0.0})
    dot = g.to_dot(title="f < 1 & g > 0")
    assert "label=<a&lt;b&gt;&amp;&quot;c&#39;>" in dot
    assert "&lt;s&gt;" in dot
    assert "label=<f &lt; 1 &amp; g &gt; 0>" in dot
    assert "<s>" not in dot and "<b>&" not in dot


def test_constants_are_drawn_with_their_value():
    x = Input("x")
    g = ComputationalGraph((2.5 * x).named("f"))
    g.forward(x=1.0)
    assert "shape=plaintext, label=<2.5>]" in g.to_dot()


def test_digits_sets_the_precision_on_the_edges():
    example = staged()
    example.run()
    assert "1.545645" in example.graph.to_dot(digits=7)
    assert "1.546<" in example.graph.to_dot()


# --- engines ---------------------------------------------------------------------------------------

def test_no_engine_says_exactly_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(graph.views.draw, "find_engine", lambda: None)
    example = simple_circuit()
    example.run()
    for draw in (lambda: example.graph.render(tmp_path / "f.svg"), example.graph._repr_svg_):
        with pytest.raises(GraphvizNotFoundError, match=re.escape('pip install "gategraph[viz]"')):
            draw()
    assert not (tmp_path / "f.svg").exists()


def test_find_engine_prefers_a_system_dot(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: "/opt/graphviz/bin/dot" if name == "dot" else None)
    assert find_engine() == "/opt/graphviz/bin/dot"


def test_find_engine_finds_graphviz_pure_next_to_python_when_not_on_path(monkeypatch, tmp_path):
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setattr("sysconfig.get_path", lambda name: str(tmp_path))
    assert find_engine() is None
    program = tmp_path / "graphviz-pure"
    program.write_text("#!/bin/sh\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    if os.name != "nt":
        assert find_engine() == str(program)


@needs_engine
def test_svg_carries_the_values_and_gradients():
    example = simple_circuit()
    example.run()
    svg = example.graph._repr_svg_()
    assert "<svg" in svg
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg)]
    for expected in ["-2", "5", "-4", "3", "-12", "1", "+", "*", "q", "f", "x", "y", "z"]:
        assert expected in texts, expected
    assert 'fill="#1a7f37">&#45;12</text>' in svg or 'fill="#1a7f37">-12</text>' in svg


@needs_engine
def test_render_writes_svg_and_png(tmp_path):
    example = staged()
    example.run()
    path = example.graph.render(tmp_path / "staged.svg", title=example.formula)
    assert path == tmp_path / "staged.svg"
    svg = html.unescape(path.read_text(encoding="utf-8"))
    for number in ["1.546", "2.06", "1.592", "0.5121", "-0.7916"]:
        assert number in svg, number
    png = example.graph.render(tmp_path / "staged.png", format="png")
    assert png.read_bytes().startswith(b"\x89PNG")


@needs_engine
def test_an_unknown_format_is_an_error_naming_it(tmp_path):
    example = simple_circuit()
    example.run()
    with pytest.raises(RuntimeError, match="-Tbogus"):
        example.graph.render(tmp_path / "f.bogus", format="bogus")
    with pytest.raises(ValueError, match="format must be"):
        example.graph.render(tmp_path / "f", format="svg -o /etc/x")


def test_the_drawing_is_of_the_tape():
    example = simple_circuit()
    example.run()
    assert to_dot(example.graph.tape(), title="t") == example.graph.to_dot(title="t")


def test_the_drawing_survives_a_step_and_gradcheck_with_its_gradients():
    from graph import gradcheck

    W, x = Parameter("W", np.array([[0.1, 0.5], [-0.3, 0.8]])), Input("x")
    from gates import SquaredNorm

    g = ComputationalGraph(SquaredNorm()((W @ x).named("q"), name="f"))
    g.forward(x=np.array([0.2, 0.4]))
    dW = g.backward()["W"]
    drawing = g.to_dot()
    assert GRAD_COLOR in drawing and "0.116" in drawing
    W.value -= 0.1 * dW
    assert g.to_dot() == drawing                        # an optimizer step changes nothing in it
    gradcheck(g, {"x": np.array([0.2, 0.4])})
    after = g.to_dot()
    assert f'<font color="{GRAD_COLOR}">' in after      # gradcheck leaves the graph with gradients drawn
