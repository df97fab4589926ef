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
from graph.views.draw import FONT, GRAD_COLOR, VALUE_COLOR, find_engine, to_dot

needs_engine = pytest.mark.skipif(find_engine() is None,
                                  reason='no Graphviz engine installed (pip install "gategraph[viz]")')


def edge_labels(dot: str) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """{(source label, target label): (green text, red text)} of a DOT text: one entry per wire."""
    labels = {}
    nodes = r'^  (n\d+) \[id=[^\n]*class="(?:leaf|gate)"[^\n]*label=<(.*)>\];$'
    for nid, body in re.findall(nodes, dot, re.M):
        labels[nid] = re.sub(r"<[^>]+>", " ", body.split("<br/><font point-size")[0]).split()[0]
    edges = {}
    wires = r'^  "e[\w-]+" \[id="[^"]*", class="wire from-(\w+) to-(\w+)"(.*)\];$'
    for a, b, rest in re.findall(wires, dot, re.M):
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
    x_id = re.search(r'^  (n\d+) \[id=\S+, class="leaf", [^\n]*label=<x<br/>', dot, re.M)[1]
    wires = f'^  "e\\d+" .*class="wire from-{x_id} .*<font color="{GRAD_COLOR}">(.*?)</font>'
    red = re.findall(wires, dot, re.M)
    assert sorted(red) == ["-0.03576", "0.5121", "1.583"]  # each wire its own share: num, sigx, xpy


def test_drawing_is_deterministic():
    first, second = staged(), staged()
    first.run()
    second.run()
    assert first.graph.to_dot() == first.graph.to_dot() == second.graph.to_dot()


def test_small_arrays_are_drawn_in_full_large_ones_as_shape_on_the_node_and_norm_on_the_wire():
    example = vectorised()
    example.run()
    dot = example.graph.to_dot()
    assert f'<font color="{VALUE_COLOR}">[0.22, 0.26]</font>' in dot
    assert f'<font color="{GRAD_COLOR}">[0.44, 0.52]</font>' in dot
    assert "[[0.088, 0.176],<br/>[0.104, 0.208]]" in dot  # ∇W, one row a line
    assert "(2, 2)" not in dot                             # small enough to write out: no shape needed
    W, x = Parameter("W", np.ones((10, 10))), Input("x")
    g = ComputationalGraph((W @ x).named("q"))
    g.forward(x=np.ones(10))
    g.backward(np.ones(10))
    dot = g.to_dot()
    assert re.search(r'label=<W<br/><font [^>]*>\(10, 10\)</font>>', dot)    # the shape, once, on the node
    assert re.search(r'label=<<b>@</b><br/><font [^>]*>q</font><br/><font [^>]*>\(10,\)</font>>', dot)
    edges = edge_labels(dot)
    assert edges[("W", "@")] == ("‖·‖=10", "‖·‖=10")      # value and gradient (dout xᵀ): their norms
    assert edges[("@", "output")] == ("‖·‖=31.62", "‖·‖=3.162")


def test_integer_arrays_are_drawn_as_their_range_not_a_norm():
    from gates import SoftmaxCrossEntropy

    scores, labels = Input("scores"), Input("y", requires_grad=False)
    g = ComputationalGraph(SoftmaxCrossEntropy()(scores, labels, name="loss"))
    g.forward(scores=np.zeros((8, 3)), y=np.array([0, 1, 2, 2, 1, 0, 1, 2]))
    g.backward()
    dot = g.to_dot()
    assert edge_labels(dot)[("y", "softmax-CE")] == ("int 0..2", None)   # labels get no gradient
    assert "‖·‖=3.742" not in dot                                          # the labels' meaningless norm
    g.forward(scores=np.zeros((2, 3)), y=np.array([2, 0]))
    assert edge_labels(g.to_dot())[("y", "softmax-CE")] == ("[2, 0]", None)  # small: in full


def chain(gates: int) -> ComputationalGraph:
    """A graph of ``gates`` sigmoid gates in a row, run forward."""
    node = Input("x")
    for _ in range(gates):
        node = Sigmoid()(node)
    g = ComputationalGraph(node)
    g.forward(x=0.5)
    return g


def test_short_graphs_run_left_to_right_and_long_ones_top_to_bottom():
    assert "rankdir=LR" in chain(graph.views.draw.MAX_GATES_ACROSS).to_dot()
    long = chain(graph.views.draw.MAX_GATES_ACROSS + 1)
    assert "rankdir=TB" in long.to_dot()
    assert "rankdir=LR" in to_dot(long.tape(), direction="LR")
    with pytest.raises(ValueError, match="direction must be 'LR' or 'TB', got 'up'"):
        to_dot(long.tape(), direction="up")


#: The width of a notebook's output area, in points: JupyterLab shows an SVG at its natural size, and
#: on a 1440-pixel screen it has about 1100 px for it (1000 with the file browser open).
NOTEBOOK_WIDTH = 820


def svg_width(svg: str) -> float:
    return float(re.search(r'<svg [^>]*?width="([\d.]+)pt"', svg)[1])


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.title)
def test_the_lecture_circuits_run_left_to_right_and_fit_a_notebook(example):
    example.run()
    assert "rankdir=LR" in example.graph.to_dot()
    if find_engine() is not None:
        assert svg_width(example.graph._repr_svg_()) <= NOTEBOOK_WIDTH


def two_layer_network() -> ComputationalGraph:
    """Notebook 6's network with its loss, run forward and backward on a batch of 300 spiral points."""
    from graph import Network, load_dataset

    data = load_dataset("spiral")
    g = Network([2, 100, 3], seed=0).training_graph("softmax", reg=1e-3)
    g.forward(X=data.X_train, y=data.y_train)
    g.backward()
    return g


@needs_engine
def test_a_network_fits_a_notebook():
    g = two_layer_network()
    assert "rankdir=TB" in g.to_dot()
    assert svg_width(g._repr_svg_()) <= NOTEBOOK_WIDTH        # left to right: about 1300 pt


# --- fonts: every label fits its box, whatever the machine --------------------------------------

def test_labels_name_one_typeface_and_the_svg_a_fallback():
    example = simple_circuit()
    example.run()
    dot = example.graph.to_dot(title="f")
    assert set(re.findall(r'fontname="([^"]*)"', dot)) == {FONT}
    if find_engine() is not None:
        families = set(re.findall(r'font-family="([^"]*)"', example.graph._repr_svg_()))
        assert families == {f"{FONT},sans-serif"}


def drawn_texts(layout: dict):
    """(text, font size, bold, left x, width the engine reserved, box) for every text of a json layout.

    ``box`` is (left, right) of the node or the graph the text belongs to, or None for an edge label.
    """
    def texts(ops, box):
        size, bold = 14.0, False
        for op in ops:
            if op["op"] == "F":
                size = op["size"]
            elif op["op"] == "t":
                bold = bool(op["fontchar"] & 1)
            elif op["op"] == "T":
                assert op["align"] in "lc"
                left = op["pt"][0] - (op["width"] / 2 if op["align"] == "c" else 0)
                yield op["text"], size, bold, left, op["width"], box

    left, _, right, _ = map(float, layout["bb"].split(","))
    yield from texts(layout.get("_ldraw_", []), (left, right))
    for node in layout["objects"]:
        x, half = float(node["pos"].split(",")[0]), 36 * float(node["width"])
        yield from texts(node.get("_ldraw_", []), (x - half, x + half))
    for edge in layout["edges"]:
        yield from texts(edge.get("_ldraw_", []), None)


@needs_engine
@pytest.mark.parametrize("name", ["lecture", "network"])
def test_every_label_fits_its_box_in_the_typeface_the_svg_names(name):
    """Measure each text in DejaVu Sans (matplotlib ships it): it must fit where the engine put it."""
    import json

    matplotlib = pytest.importorskip("matplotlib")
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    measure = TextToPath()
    drawings = []
    if name == "lecture":
        for example in examples():
            example.run()
            drawings.append(example.graph.to_dot(title=f"{example.title}: {example.formula}"))
    else:
        drawings.append(two_layer_network().to_dot(title="a 2-layer network and its loss, on 300 points"))
    checked = 0
    for dot in drawings:
        layout = json.loads(graph.views.draw.run_engine(dot, "json"))
        for text, size, bold, left, reserved, box in drawn_texts(layout):
            font = FontProperties(family=FONT, weight="bold" if bold else "normal", size=size)
            width = measure.get_text_width_height_descent(text, font, ismath=False)[0]
            if box is None:  # an edge label: the space reserved for it on the edge
                assert reserved >= 0.98 * width - 0.5, f"{text!r}: {width:.1f} pt, {reserved} reserved"
            else:            # a node's or the title's: inside the node or the picture
                assert box[0] - 0.5 <= left <= left + width <= box[1] + 0.5, f"{text!r} sticks out of its box"
            checked += 1
    assert checked > 50 and matplotlib


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
    assert re.search(r"class=\"leaf\", shape=plaintext, [^\n]*label=<2.5>\]", g.to_dot())


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


# --- numbers beside their wire, never on a line ----------------------------------------------------

def copy_pattern() -> ComputationalGraph:
    """Notebook 3's copy pattern, f = x·y + max(x, w): x fans out to two gates."""
    from gates import Max

    x, y, w = Input("x"), Input("y"), Input("w")
    g = ComputationalGraph((x * y + Max()(x, w, name="m")).named("f"))
    g.forward(x=3, y=-4, w=-1)
    g.backward()
    return g


def text_boxes(layout: dict) -> list[tuple[str, float, float, float, float]]:
    """(text, left, bottom, right, top) of every text of a json layout: from the baseline's descent to the
    height of a digit, the part of a number that a line must not cross."""
    boxes = []
    for part in [layout, *layout["objects"], *layout["edges"]]:
        size = 14.0
        for op in part.get("_ldraw_", []):
            if op["op"] == "F":
                size = op["size"]
            elif op["op"] == "T":
                (x, baseline), width = op["pt"], op["width"]
                left = x - {"l": 0, "c": width / 2, "r": width}[op["align"]]
                boxes.append((op["text"], left, baseline - 0.2 * size, left + width, baseline + 0.72 * size))
    return boxes


def drawn_lines(layout: dict) -> list[tuple[float, float]]:
    """Points along every line of a json layout: each edge's curve and the piece of wire in each wire node."""
    points = []
    for edge in layout["edges"]:
        for op in edge.get("_draw_", []):
            if op["op"] == "b":                      # a B-spline: cubic Bézier pieces sharing their ends
                p = np.array(op["points"])
                for k in range(0, len(p) - 3, 3):
                    for t in np.linspace(0, 1, 25):
                        weights = [(1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t ** 2 * (1 - t), t ** 3]
                        points.append(tuple(sum(w * q for w, q in zip(weights, p[k:k + 4], strict=True))))
    for node in layout["objects"]:
        for op in node.get("_ldraw_", []):
            if op["op"] == "P":                      # the piece of wire a wire node carries
                corners = np.array(op["points"])
                (x0, y0), (x1, y1) = corners.min(axis=0), corners.max(axis=0)
                points += [(x, y) for x in np.linspace(x0, x1, 25) for y in (y0, y1)]
                points += [(x, y) for y in np.linspace(y0, y1, 25) for x in (x0, x1)]
    return points


@needs_engine
@pytest.mark.parametrize("name", [*(e.title for e in examples()), "copy pattern", "network"])
def test_no_line_crosses_a_number(name):
    """The numbers stand beside their wire (values above, gradients below, or both to the right), and no
    other wire passes through them: each wire's numbers are a node, which Graphviz routes no edge through."""
    import json

    if name == "copy pattern":
        g = copy_pattern()
    elif name == "network":
        g = two_layer_network()
    else:
        g = next(example for example in examples() if example.title == name).graph
        g.forward(next(example for example in examples() if example.title == name).feed)
        g.backward()
    layout = json.loads(graph.views.draw.run_engine(g.to_dot(), "json"))
    lines = np.array(drawn_lines(layout))
    boxes = text_boxes(layout)
    assert len(boxes) > 5 and len(lines) > 100
    for text, left, bottom, right, top in boxes:          # every line keeps at least 0.9 pt off every number
        dx = np.maximum.reduce([left - lines[:, 0], np.zeros(len(lines)), lines[:, 0] - right])
        dy = np.maximum.reduce([bottom - lines[:, 1], np.zeros(len(lines)), lines[:, 1] - top])
        nearest = int(np.argmin(np.hypot(dx, dy)))
        assert np.hypot(dx, dy)[nearest] >= 0.9, f"{name}: a line touches {text!r} at {lines[nearest]}"


def test_left_to_right_the_value_stands_above_its_wire_and_the_gradient_below():
    example = simple_circuit()
    example.run()
    dot = example.graph.to_dot()
    wire = re.search(r'^  "e0" \[.*\];$', dot, re.M)[0]
    value, line, grad = re.findall(r"<tr>(.*?)</tr>", wire)
    assert VALUE_COLOR in value and 'port="w"' in line and GRAD_COLOR in grad
    assert re.search(r'^  n0 -> "e0":w:w \[id="e0-in", .*arrowhead=none\];$', dot, re.M)   # x to its numbers
    assert re.search(r'^  "e0":w:e -> n3 \[id="e0-out"', dot, re.M)                         # on to the + gate
    top_down = to_dot(example.graph.tape(), direction="TB")
    wire = re.search(r'^  "e0" \[.*\];$', top_down, re.M)[0]
    assert re.search(r'<tr><td port="w"[^>]*></td><td [^>]*><font color="#1a7f37">-2</font><br/>'
                     r'<font color="#cf222e">-4</font></td></tr>', wire)                  # both to its right
    assert re.search(r'^  n0 -> "e0":w:n ', top_down, re.M)
    assert re.search(r'^  "e0":w:s -> n3 ', top_down, re.M)


# --- a PNG beside the SVG, for notebooks JupyterLab does not trust yet ----------------------------

@needs_engine
def test_png_is_drawn_in_the_engines_own_helvetica_at_one_and_a_half_times_the_svgs_pixels():
    from graph.views.draw import PNG_DPI, PNG_FONT, png, png_bundle

    example = staged()
    example.run()
    dot = example.graph.to_dot()
    data, size = png_bundle(dot)
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data == png(dot)
    pixels = (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))
    assert size == {"width": round(pixels[0] * 96 / PNG_DPI), "height": round(pixels[1] * 96 / PNG_DPI)}
    svg_size = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', example.graph._repr_svg_())
    css = [float(svg_size[1]) * 4 / 3, float(svg_size[2]) * 4 / 3]             # pt to CSS pixels
    assert abs(size["width"] - css[0]) < 0.2 * css[0] and abs(size["height"] - css[1]) < 0.2 * css[1]
    assert PNG_FONT == "Helvetica" and PNG_DPI >= 144
    from tests.browser import pixels_near

    assert pixels_near(data, VALUE_COLOR) > 50 and pixels_near(data, GRAD_COLOR) > 50   # the numbers


@needs_engine
def test_a_graph_shows_itself_as_svg_and_png_in_jupyter():
    # needs the lead's one-line ComputationalGraph._repr_png_ (delegating to draw.png_bundle)
    from IPython.core.formatters import DisplayFormatter

    example = simple_circuit()
    example.run()
    data, metadata = DisplayFormatter().format(example.graph)
    assert {"image/svg+xml", "image/png", "text/plain"} <= data.keys()
    assert data["image/png"].startswith(b"\x89PNG")
    assert set(metadata["image/png"]) == {"width", "height"}


# --- every name draws -------------------------------------------------------------------------------

CONTROL_NAMES = ["a\x1bb", "form\x0cfeed", "nul\x00", "two\nlines", "tab\tbed", "del\x7f", "lone\ud800",
                 "sep\u2028", "next\x85line"]


@pytest.mark.parametrize("name", CONTROL_NAMES, ids=ascii)
def test_names_with_control_characters_are_escaped_in_the_dot_text(name):
    x = Input(name)
    g = ComputationalGraph(Sigmoid()(x, name=name + "!"))
    g.forward({name: 0.0})
    g.backward()
    dot = g.to_dot(title=name)
    assert dot.isprintable() or set(dot) - set(filter(str.isprintable, dot)) == {"\n"}
    escaped = ascii(name)[1:-1].replace("\\\\", "\\")
    assert f"label=<{escaped}>" in dot and f"{escaped}!</font>" in dot
    dot.encode("utf-8")                           # a lone surrogate could not be written to the engine


@needs_engine
@pytest.mark.parametrize("name", CONTROL_NAMES, ids=ascii)
def test_names_with_control_characters_draw(name, tmp_path):
    x = Input(name)
    g = ComputationalGraph(Sigmoid()(x, name=name + "!"))
    g.forward({name: 0.0})
    g.backward()
    svg = html.unescape(g.render(tmp_path / "f.svg", title=name).read_text(encoding="utf-8"))
    shown = ascii(name)[1:-1]
    assert shown in svg and f"{shown}!" in svg
    assert g.render(tmp_path / "f.png", format="png").read_bytes().startswith(b"\x89PNG")
