"""The step-through player: its steps and captions, its HTML, and the pages in a real browser."""

import html
import json
import re

import numpy as np
import pytest

import graph.views.draw
from gates import ReLU
from graph import ComputationalGraph, ForwardFirstError, GraphvizNotFoundError, Input, Network
from graph.cli import main
from graph.lecture import examples, patterns, sigmoid_neuron, simple_circuit, staged, vectorised
from graph.views.draw import GRAD_COLOR, VALUE_COLOR, find_engine
from graph.views.player import Player, html_page
from graph.views.text import format_value
from tests.browser import driver, keep_screenshot, launch, pixels_near, watch

needs_engine = pytest.mark.skipif(find_engine() is None,
                                  reason='no Graphviz engine installed (pip install "gategraph[viz]")')


def ran(example):
    example.run()
    return example


def network_graph():
    """The lecture's 2-layer network, 4 → 5 → 3, with its loss and L2 penalty, run on a batch of two."""
    g = Network([4, 5, 3], seed=0).training_graph(reg=1e-3)
    g.forward(X=np.random.default_rng(0).standard_normal((2, 4)), y=np.array([0, 2]))
    g.backward()
    return g


def text_of(markup):
    """``markup`` without its tags (entities left as they are)."""
    return re.sub(r"<[^>]+>", "", markup)


def plan_of(page_html):
    """The plan the player's script reads: each step's gate, wires and caption, and when numbers appear."""
    found = re.search(r'<script type="application/json" data-role="plan">(.*?)</script>', page_html, re.S)
    return json.loads(found[1])


# --- the steps and captions, read from the tape --------------------------------------------------------


def test_steps_are_the_gates_forward_then_backward_with_the_chain_rule_in_numbers():
    player = ran(simple_circuit()).graph.player()
    assert len(player) == 4
    assert [frame.phase for frame in player.frames] == ["start", "forward", "forward", "backward", "backward"]
    assert player.captions[0].startswith("Before the run")
    assert "q = 3" in player.captions[1] and "x = -2, y = 5" in player.captions[1]
    assert "f = -12" in player.captions[2] and "q = 3, z = -4" in player.captions[2]
    assert "upstream ∂f/∂f = 1" in player.captions[3]
    assert "q: downstream -4 = local -4 × upstream 1" in player.captions[3]
    assert "z: downstream 3 = local 3 × upstream 1" in player.captions[3]
    assert "x: downstream -4 = local 1 × upstream -4" in player.captions[4]
    assert "y: downstream -4 = local 1 × upstream -4" in player.captions[4]
    assert player.captions[4].endswith("Done: f = -12; ∂f/∂x = -4, ∂f/∂y = -4, ∂f/∂z = 3")


def test_default_node_names_give_the_captions_of_the_contract():
    x, y, z = Input("x"), Input("y"), Input("z")
    g = ComputationalGraph((x + y) * z)
    g.forward(x=-2, y=5, z=-4)
    g.backward()
    captions = g.player().captions
    assert "add1 = 3" in captions[1]
    assert "x: downstream -4 = local 1 × upstream -4" in captions[4]


def test_the_sigmoid_neuron_steps_through_its_eight_gates_with_the_slides_numbers():
    player = ran(sigmoid_neuron()).graph.player()
    assert len(player) == 16
    text = "\n".join(player.captions)
    assert "f = 0.7311" in player.captions[8]
    assert "1+e^-s: downstream -0.5344 = local -0.5344 × upstream 1" in player.captions[9]
    assert "-s: downstream -0.1966 = local 0.3679 × upstream -0.5344" in text   # exp: local e^x
    assert "-s (*-1), upstream ∂f/∂(-s) = -0.1966" in text      # a name that is not one word, in brackets
    assert "w0x0 (*), upstream ∂f/∂w0x0 = 0.1966" in player.captions[16]
    assert "w0: downstream -0.1966 = local -1 × upstream 0.1966" in player.captions[16]
    assert "x1: downstream -0.5898 = local -3 × upstream 0.1966" in text


def test_a_value_used_several_times_shows_its_gradients_adding_up():
    player = ran(staged()).graph.player()
    text = "\n".join(player.captions)
    assert text.count("x is used 3 times, its gradients add up: ∂f/∂x = 1.583 - 0.03576 + 0.5121 = 2.06") == 1
    assert text.count("y is used 2 times, its gradients add up: ∂f/∂y = 1.583 + 0.009046 = 1.592") == 1


def test_inputs_without_a_gradient_say_so():
    player = ran(patterns()).graph.player()
    assert "2: no gradient, it needs none" in player.captions[5]          # the constant 2 of 2·(...)
    assert "the * gate reads the constant 2, s = -10" in player.captions[4]
    assert "w: downstream 0 = local 0 × upstream 2" in player.captions[7]   # max routes


def test_array_graphs_show_small_arrays_in_full_and_large_ones_by_shape_and_norm():
    vector = ran(vectorised()).graph.player()
    assert "q = [0.22, 0.26]" in vector.captions[1]
    assert "q: downstream [0.44, 0.52] = local [0.44, 0.52] × upstream 1" in vector.captions[3]
    assert ("W: downstream [[0.088, 0.176], [0.104, 0.208]], from upstream [0.44, 0.52] "
            "through the gate's local Jacobian") in vector.captions[4]
    net = network_graph().player()
    assert len(net) == 11 + 11
    text = "\n".join(net.captions)
    assert re.search(r"X·W1 = \(2, 5\) ‖·‖=[\d.]+", text)
    assert re.search(r"W1: downstream \(4, 5\) ‖·‖=[\d.]+, from upstream \(2, 5\) ‖·‖=", text)
    assert "X: no gradient, it needs none" in text and "y: no gradient, it needs none" in text


def test_without_a_backward_the_player_steps_through_the_forward_pass_and_says_so():
    example = simple_circuit()
    example.graph.forward(example.feed)
    player = example.graph.player()
    assert len(player) == 2
    assert "No backward has run" in player.captions[-1]


def test_before_any_forward_there_is_nothing_to_play():
    from graph.tape import Tape

    g = simple_circuit().graph
    with pytest.raises(ForwardFirstError, match="call forward"):
        g.player()
    with pytest.raises(ForwardFirstError, match="no finished forward"):
        Player(Tape(g.nodes_topologically_sorted(), g.output))


def test_the_player_keeps_the_run_it_was_made_from():
    example = ran(simple_circuit())
    player = example.graph.player()
    example.graph.forward(x=1.0, y=1.0, z=1.0)
    example.graph.backward()
    assert "q = 3" in player.captions[1] and "Done: f = -12" in player.captions[-1]


# --- in Korean -------------------------------------------------------------------------------------------

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?")
HANGUL = re.compile("[\uac00-\ud7a3]")


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.title)
def test_korean_captions_say_the_same_numbers_in_korean(example):
    example.run()
    english = Player(example.graph.tape())
    korean = Player(example.graph.tape(), lang="ko")
    assert len(korean) == len(english)
    for en, ko in zip(english.frames, korean.frames, strict=True):
        assert (ko.phase, ko.node, ko.edges) == (en.phase, en.node, en.edges)
        assert len(ko.lines) == len(en.lines)
        for en_line, ko_line in zip(en.lines, ko.lines, strict=True):
            en_text = "".join(text for _, text in en_line)
            ko_text = "".join(text for _, text in ko_line)
            assert sorted(NUMBER.findall(ko_text)) == sorted(NUMBER.findall(en_text)), (en_text, ko_text)
            styled = [(style, text) for style, text in en_line if style in ("value", "grad", "local")]
            assert styled == [(style, text) for style, text in ko_line if style in ("value", "grad", "local")]
        assert HANGUL.search(ko.caption), ko.caption


def test_the_simple_circuit_in_korean():
    captions = Player(ran(simple_circuit()).graph.tape(), lang="ko").captions
    assert captions[0].startswith("실행 전: f의 graph, gate 2개")
    assert captions[1].splitlines() == ["순전파 1/2: q = 3", "+ gate의 입력: x = -2, y = 5"]
    assert captions[3].splitlines()[0] == "역전파 1/2: f (*): backward의 시작, upstream gradient ∂f/∂f = 1"
    assert captions[4].splitlines() == ["역전파 2/2: q (+): upstream gradient ∂f/∂q = -4",
                                        "x에 전달: downstream -4 = local 1 × upstream -4",
                                        "y에 전달: downstream -4 = local 1 × upstream -4",
                                        "완료: f = -12; ∂f/∂x = -4, ∂f/∂y = -4, ∂f/∂z = 3"]
    staged_text = "\n".join(Player(ran(staged()).graph.tape(), lang="ko").captions)
    assert "x: 3곳에서 쓰였으므로 gradient를 더합니다: ∂f/∂x = 1.583 - 0.03576 + 0.5121 = 2.06" in staged_text
    assert "2: gradient가 필요 없으므로 전달하지 않음" in "\n".join(
        Player(ran(patterns()).graph.tape(), lang="ko").captions)


def test_the_korean_html_has_korean_controls_and_says_its_language(monkeypatch):
    monkeypatch.setattr(graph.views.draw, "find_engine", lambda: None)
    player = Player(ran(simple_circuit()).graph.tape(), lang="ko")
    piece = player.html("p")
    assert re.search(r'<div id="p" class="gategraph-player" lang="ko" ', piece)
    labels = re.findall(r'<button [^>]*data-action="(\w+)"[^>]*>([^<]*)</button>', piece)
    assert [(action, html.unescape(text)) for action, text in labels] == [
        ("first", "« 처음"), ("prev", "‹ 이전"), ("next", "다음 ›"), ("last", "끝 »")]
    assert "4단계 중 4단계" in piece and "실행 전체, 4단계 모두." in piece
    assert plan_of(piece)["counter"] == "{steps}단계 중 {step}단계"
    assert player.page_title() == "gategraph: f의 backprop, 한 단계씩"
    assert html_page(piece, player.page_title(), lang="ko").startswith('<!DOCTYPE html>\n<html lang="ko">')
    assert 'lang="en"' in Player(ran(simple_circuit()).graph.tape()).html("q")    # English by default


def test_the_graphs_player_speaks_korean():
    # needs the lead's one-line change: ComputationalGraph.player(self, *, title=None, lang="en")
    player = ran(simple_circuit()).graph.player(lang="ko")
    assert player.lang == "ko"
    assert player.captions[-1].endswith("완료: f = -12; ∂f/∂x = -4, ∂f/∂y = -4, ∂f/∂z = 3")
    assert ran(simple_circuit()).graph.player().lang == "en"


# --- every name plays --------------------------------------------------------------------------------


@needs_engine
@pytest.mark.parametrize("name", ["a\x1bb", "form\x0cfeed", "nul\x00", "two\nlines", "lone\ud800"],
                         ids=ascii)
def test_names_with_control_characters_play_and_save(name, tmp_path):
    x = Input(name)
    g = ComputationalGraph(ReLU()(x, name=name + "!"))
    g.forward({name: 1.0})
    g.backward()
    player = g.player(title=name)
    page = player.save(tmp_path / "f.html").read_text(encoding="utf-8")
    shown = ascii(name)[1:-1]                     # written as its escape: a\x1bb
    assert player.captions[1].splitlines() == [f"Forward 1/1: {shown}! = 1",
                                               f"the relu gate reads {shown} = 1"]
    assert f"∂({shown}!)/∂({shown}) = 1" in text_of(html.unescape(page))          # the last caption, shown
    assert all(c.isprintable() or c == "\n" for c in page)                       # nothing raw in the page
    assert f"<title>{html.escape(shown)}</title>" in page
    assert re.search(rf"<text [^>]*>{re.escape(html.escape(shown))}</text>", page)   # and in the drawing


# --- the HTML ----------------------------------------------------------------------------------------


@needs_engine
def test_the_html_carries_the_hooks_of_the_contract(tmp_path):
    player = ran(simple_circuit()).graph.player(title="f = (x + y) * z")
    page = player.save(tmp_path / "f.html").read_text(encoding="utf-8")
    root = re.search(r"<div id=\"(gg-[0-9a-f]{12})\" [^>]*>", page)
    assert root and "data-gategraph-player" in root[0]
    assert 'data-step="4"' in root[0] and 'data-steps="4"' in root[0]  # without a script: the whole run
    for action in ("first", "prev", "next", "last"):
        assert len(re.findall(f'<button [^>]*data-action="{action}"', page)) == 1
    assert len(re.findall('<div [^>]*data-role="caption"', page)) == 1
    assert "<title>f = (x + y) * z</title>" in page
    plan = plan_of(page)
    assert len(plan["steps"]) == 5 and plan["steps"][0]["node"] is None


@needs_engine
def test_a_saved_page_is_self_contained():
    player = ran(sigmoid_neuron()).graph.player()
    page = html_page(player.html(), "t")
    assert not re.search(r"https?://", page)                           # not even an SVG namespace
    assert not re.search(r"(?<![\w-])(src|srcset|action)=", page)
    assert re.findall(r"\bhref=\"([^\"]*)\"", page) == ["data:,"]       # the empty icon, so none is fetched
    assert "@import" not in page and "url(" not in page
    assert "default-src 'none'" in page                                 # and the browser holds it to that
    assert page.count("<svg") == 1 and page.count("<script>") == 1


@needs_engine
def test_numbers_appear_when_their_gate_works():
    """Step 0 shows nothing; a leaf's value at the first gate reading it; a gradient when its gate runs."""
    page = ran(simple_circuit()).graph.player().html("p")
    reveal = {part: (value, grad) for part, value, grad in plan_of(page)["reveal"]}
    # edges: e0 x→q, e1 y→q, e2 q→f, e3 z→f; steps: 1 q, 2 f, 3 f back, 4 q back
    assert reveal == {"e0": (1, 4), "e1": (1, 4), "e2": (1, 3), "e3": (2, 3), "e-output": (2, 3)}
    assert all(step > 0 for shown in reveal.values() for step in shown if step is not None)
    staged_page = ran(staged()).graph.player().html("p")
    sums = {part: grad for part, value, grad in plan_of(staged_page)["reveal"] if part.startswith("n")}
    assert sums == {"n0": 15, "n1": 16}   # x's sum once its third gradient came; y's at its second


@needs_engine
def test_the_drawing_is_the_runs_with_ids_scoped_to_the_player():
    page = html.unescape(ran(simple_circuit()).graph.player().html("demo"))
    assert 'id="demo-n3"' in page and 'id="demo-e-output"' in page and 'id="n3"' not in page
    assert "<title>" not in page                                   # no "n3" tooltips
    assert re.search(rf'<text class="gg-value"[^>]*fill="{VALUE_COLOR}"[^>]*>-12</text>', page)
    assert re.search(rf'<text class="gg-grad"[^>]*fill="{GRAD_COLOR}"[^>]*>-4</text>', page)


@needs_engine
def test_each_display_gets_its_own_id_and_a_saved_page_the_same_bytes(tmp_path):
    player = ran(simple_circuit()).graph.player()
    first, second = player._repr_html_(), player._repr_html_()
    ids = [re.search(r'<div id="([^"]+)"', html)[1] for html in (first, second)]
    assert ids[0] != ids[1]
    assert player.save(tmp_path / "a.html").read_bytes() == ran(simple_circuit()).graph.player().save(
        tmp_path / "b.html").read_bytes()


def test_jupyter_displays_the_player_as_html(monkeypatch):
    from IPython.core.formatters import DisplayFormatter

    monkeypatch.setattr(graph.views.draw, "find_engine", lambda: None)  # the HTML either way
    data, _ = DisplayFormatter().format(ran(simple_circuit()).graph.player())
    assert "data-gategraph-player" in data["text/html"]
    assert data["text/plain"] == "<Player of 'f': 4 steps, 2 forward and 2 backward>"


@needs_engine
def test_a_fresh_run_of_a_notebook_shows_the_same_html(children):
    """A notebook's committed outputs must match a fresh run: nothing random goes into the HTML."""
    import sys

    code = ("from graph.lecture import simple_circuit; e = simple_circuit(); e.run(); "
            "p = e.graph.player(); print(p._repr_html_()); print(p._repr_html_())")
    started = [children.run([sys.executable, "-c", code], capture_output=True, text=True) for _ in range(2)]
    assert [s.returncode for s in started] == [0, 0], started[0].stderr
    runs = [s.stdout for s in started]
    assert runs[0] == runs[1]
    ids = re.findall(r'<div id="([^"]+)" class="gategraph-player"', runs[0])
    assert len(ids) == 2 and ids[0] != ids[1]


def test_a_bad_element_id_is_refused():
    player = ran(simple_circuit()).graph.player()
    with pytest.raises(ValueError, match="element_id"):
        player.html('x" onclick="alert(1)')


def test_names_are_escaped_in_the_page_and_in_the_script_data(monkeypatch):
    monkeypatch.setattr(graph.views.draw, "find_engine", lambda: None)
    x = Input("</script><b>x")
    g = ComputationalGraph(ReLU()(x, name="a&b"))
    g.forward({"</script><b>x": 1.0})
    g.backward()
    page = g.player(title="<i>t</i>").html("p")
    assert "</script><b>" not in page and "<i>t" not in page
    assert "&lt;i&gt;t&lt;/i&gt;" in page
    captions = [step["caption"] for step in plan_of(page)["steps"]]          # the plan's JSON is intact
    assert "&lt;/script&gt;&lt;b&gt;x = 1" in text_of(captions[1])
    assert "a&amp;b = 1" in text_of(page)                       # in the caption shown without a script


def test_without_an_engine_jupyter_shows_the_captions_and_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(graph.views.draw, "find_engine", lambda: None)
    player = ran(simple_circuit()).graph.player()
    shown = player._repr_html_()
    assert 'pip install "gategraph[viz]"' in shown.replace("&quot;", '"')
    assert "data-gategraph-player" in shown and "Done: f = -12" in text_of(shown)
    with pytest.raises(GraphvizNotFoundError):
        player.save(tmp_path / "f.html")
    assert not (tmp_path / "f.html").exists()


# --- in a real browser -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def playwright():
    if find_engine() is None:
        pytest.skip('no Graphviz engine installed (pip install "gategraph[viz]")')
    with driver() as started:
        yield started


@pytest.fixture(scope="module")
def browser(playwright, tmp_path_factory):
    """One headless Chromium for the module's tests, on a fresh profile."""
    context = launch(playwright, tmp_path_factory.mktemp("chromium-profile"),
                     viewport={"width": 1000, "height": 700})
    yield context
    context.close()


@pytest.fixture
def open_page(browser):
    """Open a URL in a new tab that records its requests and errors; the tabs close after the test."""
    pages = []

    def open_(url):
        page = browser.new_page()
        pages.append(page)
        watched = watch(page)
        page.goto(url)
        return watched

    yield open_
    for page in pages:
        page.close()


def state(page, root="[data-gategraph-player]"):
    """(data-step, data-steps, caption text) of the player at ``root``."""
    player = page.locator(root)
    return (int(player.get_attribute("data-step")), int(player.get_attribute("data-steps")),
            player.locator('[data-role="caption"]').inner_text())


def visible_numbers(page, kind, root="[data-gategraph-player]"):
    """The texts of the drawing's values (``kind`` "value") or gradients ("grad") that can be seen."""
    return page.locator(root).evaluate(
        """(root, kind) => Array.from(root.querySelectorAll("svg text.gg-" + kind))
               .filter(t => getComputedStyle(t).visibility === "visible").map(t => t.textContent)""", kind)


def test_a_saved_page_steps_with_the_buttons(tmp_path, open_page):
    path = ran(simple_circuit()).graph.player(title="f = (x + y) * z").save(tmp_path / "circuit.html")
    watched = open_page(path.as_uri())
    page = watched.page
    step, steps, caption = state(page)
    assert (step, steps) == (0, 4) and caption.startswith("Before the run")
    assert visible_numbers(page, "value") == [] and visible_numbers(page, "grad") == []
    drawing = page.locator('[data-role="drawing"]')
    bare = drawing.screenshot()
    keep_screenshot(bare, "circuit-step-0.png", tmp_path)
    assert pixels_near(bare, VALUE_COLOR) == 0 and pixels_near(bare, GRAD_COLOR) == 0

    page.click('[data-action="next"]')
    step, _, caption = state(page)
    assert step == 1 and "Forward 1/2: q = 3" in caption
    assert sorted(visible_numbers(page, "value")) == ["-2", "3", "5"] and visible_numbers(page, "grad") == []
    assert page.locator('[id$="-n3"]').get_attribute("class").endswith("gg-active")   # the + gate at work

    for _ in range(3):
        page.click('[data-action="next"]')
    step, _, caption = state(page)
    assert step == 4 and "x: downstream -4 = local 1 × upstream -4" in caption
    assert sorted(visible_numbers(page, "grad")) == ["-4", "-4", "-4", "1", "3"]
    whole = drawing.screenshot()
    keep_screenshot(whole, "circuit-step-4.png", tmp_path)
    assert pixels_near(whole, VALUE_COLOR) > 20 and pixels_near(whole, GRAD_COLOR) > 20

    assert page.locator('[data-action="next"]').get_attribute("aria-disabled") == "true"
    page.click('[data-action="next"]', force=True)         # greyed out, and clicked all the same: stays
    assert state(page)[0] == 4
    page.click('[data-action="prev"]')
    step, _, caption = state(page)
    assert step == 3 and "Backward 1/2" in caption
    assert sorted(visible_numbers(page, "grad")) == ["-4", "1", "3"]
    page.click('[data-action="first"]')
    assert state(page)[0] == 0 and visible_numbers(page, "value") == []
    page.click('[data-action="last"]')
    assert state(page)[0] == 4
    watched.assert_offline_and_quiet(path.as_uri())


def test_the_arrow_keys_step_only_the_player_that_has_the_focus(tmp_path, open_page):
    circuit, neuron = ran(simple_circuit()).graph.player(), ran(sigmoid_neuron()).graph.player()
    body = f"<p>Two players on one page, as in a notebook.</p>{circuit._repr_html_()}{neuron._repr_html_()}"
    path = tmp_path / "two.html"
    path.write_text(html_page(body, "two players"), encoding="utf-8")
    watched = open_page(path.as_uri())
    page = watched.page
    first, second = "[data-gategraph-player] >> nth=0", "[data-gategraph-player] >> nth=1"
    ids = page.evaluate("Array.from(document.querySelectorAll('[id]'), e => e.id)")
    assert len(ids) == len(set(ids)), "ids repeat between the players"

    page.click(f'{first} >> [data-role="caption"]')       # a click anywhere in a player gives it the keys
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert state(page, first)[:2] == (2, 4) and state(page, second)[:2] == (0, 16)
    page.keyboard.press("ArrowLeft")
    assert state(page, first)[0] == 1 and "q = 3" in state(page, first)[2]
    page.keyboard.press("End")
    assert state(page, first)[0] == 4 and state(page, second)[0] == 0

    page.click(f'{second} >> [data-action="next"]')       # a button keeps the focus in its player
    page.keyboard.press("ArrowRight")
    assert state(page, second)[0] == 2 and state(page, first)[0] == 4
    page.keyboard.press("Home")
    assert state(page, second)[0] == 0 and state(page, first)[0] == 4

    page.click("p")                                       # outside both: the keys step nothing
    page.keyboard.press("ArrowRight")
    assert state(page, first)[0] == 4 and state(page, second)[0] == 0
    keep_screenshot(page.screenshot(full_page=True), "two-players.png", tmp_path)
    watched.assert_offline_and_quiet(path.as_uri())


def test_even_the_same_piece_twice_on_a_page_makes_two_players(tmp_path, open_page):
    """Outputs of two kernel sessions may repeat an id: each script still finds its own player."""
    piece = ran(simple_circuit()).graph.player().html("gg-repeated")
    path = tmp_path / "twice.html"
    path.write_text(html_page(piece + piece, "twice"), encoding="utf-8")
    watched = open_page(path.as_uri())
    page = watched.page
    first, second = "[data-gategraph-player] >> nth=0", "[data-gategraph-player] >> nth=1"
    assert state(page, first)[0] == state(page, second)[0] == 0       # both scripts ran
    page.click(f'{second} >> [data-action="last"]')
    assert state(page, second)[0] == 4 and state(page, first)[0] == 0
    assert len(visible_numbers(page, "grad", second)) == 5 and visible_numbers(page, "grad", first) == []
    watched.assert_offline_and_quiet(path.as_uri())


def test_without_scripts_the_page_shows_the_whole_run(tmp_path, playwright):
    path = ran(simple_circuit()).graph.player().save(tmp_path / "circuit.html")
    context = launch(playwright, tmp_path / "profile", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        step, steps, caption = state(page)
        assert step == steps == 4
        assert "Done: f = -12; ∂f/∂x = -4, ∂f/∂y = -4, ∂f/∂z = 3" in caption
        assert sorted(visible_numbers(page, "value")) == ["-12", "-2", "-4", "3", "5"]
        assert len(visible_numbers(page, "grad")) == 5
        assert not page.locator('[data-role="controls"]').is_visible()      # no buttons that do nothing
        assert "all 4 steps" in page.locator('[data-role="static-note"]').inner_text()
        keep_screenshot(page.screenshot(full_page=True), "circuit-no-script.png", tmp_path)
    finally:
        context.close()


def test_the_two_layer_network_is_usable_at_a_notebooks_width(tmp_path, browser):
    player = network_graph().player(title="f = W2·max(0, W1·x), softmax loss and L2")
    path = player.save(tmp_path / "net.html")
    page = browser.new_page()
    page.set_viewport_size({"width": 900, "height": 700})
    watched = watch(page)
    page.goto(path.as_uri())
    sizes = page.evaluate("""() => {
        const svg = document.querySelector("svg"), drawing = svg.parentElement;
        return {page: document.documentElement.scrollWidth, window: innerWidth,
                scrolls: drawing.scrollWidth > drawing.clientWidth,
                scale: svg.getBoundingClientRect().width / svg.width.baseVal.value};
    }""")
    assert sizes["page"] <= sizes["window"], "the page itself overflows; only the drawing may scroll"
    assert sizes["scale"] >= 0.75 - 1e-3              # readable text: fitted, or scrolled sideways if need be
    page.focus("[data-gategraph-player]")
    for step in range(1, 23):
        page.keyboard.press("ArrowRight")
        assert state(page)[0] == step
        inside = page.evaluate("""() => {
            const gate = document.querySelector(".gg-active").getBoundingClientRect();
            const box = document.querySelector('[data-role="drawing"]').getBoundingClientRect();
            return gate.left >= box.left - 1 && gate.right <= box.right + 1;
        }""")
        assert inside, f"step {step}: the gate at work is scrolled out of view"
        if step in (5, 12, 21):
            keep_screenshot(page.screenshot(full_page=True), f"network-900-step-{step}.png", tmp_path)
    assert "Done: loss = " in state(page)[2]
    page.close()
    watched.assert_offline_and_quiet(path.as_uri())


def test_the_lecture_pages_step_through_every_worked_example_offline(tmp_path, open_page, capsys):
    out = tmp_path / "out"
    assert main(["lecture", "--html", str(out)]) == 0
    capsys.readouterr()
    watched = open_page((out / "index.html").as_uri())
    page = watched.page
    links = page.locator("ol a")
    assert links.count() == len(examples())
    for number, example in enumerate(examples()):
        page.locator("ol a").nth(number).click()
        page.wait_for_selector("[data-gategraph-player][data-live]")
        assert page.title().startswith(example.title)
        output, grads = example.run()
        step, steps, caption = state(page)
        gates = [node for node in example.graph.nodes_topologically_sorted() if node.gate is not None]
        assert step == 0 and steps == 2 * len(gates)
        for _ in range(5):                                    # the keyboard alone reaches the player
            page.keyboard.press("Tab")
            if page.evaluate("!!document.activeElement.closest('[data-gategraph-player]')"):
                break
        page.keyboard.press("End")
        step, steps, caption = state(page)
        assert step == steps
        assert f"Done: f = {format_value(output, 4)}" in caption
        for name, grad in grads.items():
            assert f"∂f/∂{name} = {format_value(grad, 4)}" in caption
        keep_screenshot(page.screenshot(full_page=True), f"lecture-{number + 1:02d}-last.png", tmp_path)
        page.click("text=all worked examples")
    watched.assert_offline_and_quiet(out.as_uri() + "/")


def test_a_korean_page_steps_in_korean_with_the_buttons_and_the_keys(tmp_path, open_page, capsys):
    """``gategraph lecture --html DIR --lang ko``: the index, the links and every caption in Korean."""
    out = tmp_path / "ko"
    assert main(["lecture", "--html", str(out), "--lang", "ko"]) == 0
    capsys.readouterr()
    watched = open_page((out / "index.html").as_uri())
    page = watched.page
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator("h1").inner_text() == "역전파(backpropagation), 한 단계씩"
    assert page.locator("ol a").nth(0).inner_text() == "간단한 회로"
    page.locator("ol a").nth(0).click()
    page.wait_for_selector("[data-gategraph-player][data-live]")
    assert page.title() == "간단한 회로: f = (x + y) * z"
    plan = json.loads(page.locator('script[data-role="plan"]').text_content())
    expected = [[line for line in re.sub(r"<[^>]+>", "\n", step["caption"]).split("\n") if line]
                for step in plan["steps"]]
    step, steps, caption = state(page)
    assert (step, steps) == (0, 4) and caption.startswith("실행 전: f의 graph, gate 2개")
    assert page.locator('[data-role="counter"]').inner_text() == "4단계 중 0단계"
    buttons = [page.locator(f'[data-action="{a}"]').inner_text() for a in ("first", "prev", "next", "last")]
    assert buttons == ["« 처음", "‹ 이전", "다음 ›", "끝 »"]
    for k in range(1, steps + 1):
        page.click('[data-action="next"]')
        step, _, caption = state(page)
        assert step == k and "".join(caption.split()) == "".join("".join(expected[k]).split())
        assert page.locator('[data-role="counter"]').inner_text() == f"4단계 중 {k}단계"
    assert caption.splitlines()[1:] == ["x에 전달: downstream -4 = local 1 × upstream -4",
                                        "y에 전달: downstream -4 = local 1 × upstream -4",
                                        "완료: f = -12; ∂f/∂x = -4, ∂f/∂y = -4, ∂f/∂z = 3"]
    assert sorted(visible_numbers(page, "grad")) == ["-4", "-4", "-4", "1", "3"]    # the same numbers
    player = page.locator("[data-gategraph-player]")
    keep_screenshot(player.screenshot(), "korean-circuit-step-4.png", tmp_path)
    page.focus("[data-gategraph-player]")
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    step, _, caption = state(page)
    assert step == 1 and caption.splitlines() == ["순전파 1/2: q = 3", "+ gate의 입력: x = -2, y = 5"]
    keep_screenshot(player.screenshot(), "korean-circuit-step-1.png", tmp_path)
    page.click("text=다음 예제 →")
    page.wait_for_selector("[data-gategraph-player][data-live]")
    page.focus("[data-gategraph-player]")
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    step, _, caption = state(page)
    assert step == 9 and caption.splitlines()[0] == (
        "역전파 1/8: f (1/x): backward의 시작, upstream gradient ∂f/∂f = 1")
    keep_screenshot(player.screenshot(), "korean-neuron-step-9.png", tmp_path)
    watched.assert_offline_and_quiet(out.as_uri() + "/")
