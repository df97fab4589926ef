"""The players committed in notebooks 01-03: the run's end without a script, every step with one.

A notebook's committed outputs are what a reader sees before running anything: on a site that renders
notebooks, or in JupyterLab, which runs no script of a notebook it does not trust yet (one it has not
run itself) and sanitizes its HTML. There the player of the notebook's circuit must show the run's
final state, never an empty box. Where scripts run, the very same committed HTML steps with the buttons
and the arrow keys, and fetches nothing.

These tests read the committed notebooks only; ``tests/test_notebooks.py`` checks that the outputs are
still what a fresh run prints.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from graph.views.draw import GRAD_COLOR, VALUE_COLOR
from graph.views.player import html_page
from tests.browser import driver, keep_screenshot, launch, pixels_near, watch

nbformat = pytest.importorskip("nbformat")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@dataclass(frozen=True)
class Circuit:
    """A notebook and what the last step of its circuit's player says."""

    notebook: str
    steps: int
    done: str

    def __str__(self) -> str:
        return self.notebook[:2]


CIRCUITS = [
    Circuit("01_computational_graphs.ipynb", 4, "Done: f = -12; ∂f/∂x = -4, ∂f/∂y = -4, ∂f/∂z = 3"),
    Circuit("02_sigmoid_neuron.ipynb", 16, "Done: f = 0.7311; ∂f/∂w0 = -0.1966, ∂f/∂x0 = 0.3932, "
                                           "∂f/∂w1 = -0.3932, ∂f/∂x1 = -0.5898, ∂f/∂w2 = 0.1966"),
    Circuit("03_patterns_in_gradient_flow.ipynb", 8,
            "Done: f = -20; ∂f/∂x = -8, ∂f/∂y = 6, ∂f/∂z = 2, ∂f/∂w = 0"),
]


def committed_player(circuit: Circuit) -> str:
    """The HTML of the one player among the notebook's committed outputs."""
    nb = nbformat.read(NOTEBOOKS / circuit.notebook, as_version=4)
    htmls = [output.get("data", {}).get("text/html", "") for cell in nb.cells if cell.cell_type == "code"
             for output in cell.outputs]
    pieces = [html for html in htmls if "data-gategraph-player" in html]
    assert len(pieces) == 1, f"{circuit.notebook}: {len(pieces)} committed player outputs, expected one"
    return pieces[0]


# --- the markup, read as a viewer that runs no script reads it ---------------------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    children: list[Element | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text() for child in self.children)

    def lines(self) -> list[str]:
        """The text, one entry per child ``div`` (a caption's lines)."""
        return [child.text() for child in self.children if isinstance(child, Element) and child.tag == "div"]

    def find_all(self, test) -> list[Element]:
        found = [self] if test(self) else []
        for child in self.children:
            if isinstance(child, Element):
                found += child.find_all(test)
        return found

    def find(self, **attrs: str) -> Element:
        """The one element carrying all these attributes (``data_role="caption"`` for ``data-role``)."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        found = self.find_all(lambda e: all(e.attrs.get(k) == v for k, v in wanted.items()))
        assert len(found) == 1, f"{len(found)} elements with {wanted}"
        return found[0]


class _TreeBuilder(HTMLParser):
    VOID = frozenset({"br", "hr", "img", "input", "meta", "link"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.open[-1].children.append(element)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.open[-1].children.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag):
        assert self.open[-1].tag == tag, f"</{tag}> closes <{self.open[-1].tag}>"
        self.open.pop()

    def handle_data(self, data):
        self.open[-1].children.append(data)


def parse(markup: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(markup)
    builder.close()
    assert builder.open == [builder.root], "unclosed elements"
    return builder.root


def classes(element: Element) -> set[str]:
    return set((element.attrs.get("class") or "").split())


@pytest.mark.parametrize("circuit", CIRCUITS, ids=str)
def test_the_committed_player_shows_the_end_of_the_run_without_a_script(circuit):
    page = parse(committed_player(circuit))
    [root] = page.find_all(lambda e: "data-gategraph-player" in e.attrs)
    assert root.attrs["data-step"] == root.attrs["data-steps"] == str(circuit.steps)

    plan = json.loads(root.find(type="application/json", data_role="plan").text())
    assert len(plan["steps"]) == circuit.steps + 1
    last = parse(plan["steps"][-1]["caption"]).lines()
    caption = root.find(data_role="caption").lines()
    assert caption == last                                     # the caption shown is the last step's
    assert caption[0].startswith(f"Backward {circuit.steps // 2}/{circuit.steps // 2}: ")
    assert caption[-1] == circuit.done

    drawing = root.find(data_role="drawing")
    svgs = drawing.find_all(lambda e: e.tag == "svg")
    assert len(svgs) == 1, f"{circuit.notebook}: the player holds no drawing: {drawing.text()[:200]!r}"
    [svg] = svgs
    assert not drawing.find_all(lambda e: "gg-missing" in classes(e))
    assert not svg.find_all(lambda e: "gg-hidden" in classes(e) or "gg-active" in classes(e))
    values = [e.text() for e in svg.find_all(lambda e: e.tag == "text" and "gg-value" in classes(e))]
    grads = [e.text() for e in svg.find_all(lambda e: e.tag == "text" and "gg-grad" in classes(e))]
    f, *gradients = re.findall(r"= (-?[\d.]+)", circuit.done)
    assert f in values and set(gradients) <= set(grads)        # the output's value, the inputs' gradients

    # No buttons that do nothing: hidden="hidden", as a bare `hidden` is an empty attribute, which
    # sanitizers drop
    assert root.find(data_role="controls").attrs.get("hidden") == "hidden"
    assert f"all {circuit.steps} steps" in root.find(data_role="static-note").text()


# --- the same, in a real browser ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def playwright():
    with driver() as started:
        yield started


@pytest.fixture(scope="module")
def browser(playwright, tmp_path_factory):
    context = launch(playwright, tmp_path_factory.mktemp("chromium-profile"),
                     viewport={"width": 900, "height": 700})
    yield context
    context.close()


def save_page(circuit: Circuit, folder: Path, markup: str | None = None) -> Path:
    """The committed player (or ``markup``) as a standalone page, as the notebook's output shows it."""
    path = folder / f"notebook-{circuit}.html"
    path.write_text(html_page(markup or committed_player(circuit), circuit.notebook), encoding="utf-8")
    return path


def state(page):
    player = page.locator("[data-gategraph-player]")
    return (int(player.get_attribute("data-step")), int(player.get_attribute("data-steps")),
            player.locator('[data-role="caption"]').inner_text())


def visible_numbers(page, kind):
    return page.locator("[data-gategraph-player]").evaluate(
        """(root, kind) => Array.from(root.querySelectorAll("svg text.gg-" + kind))
               .filter(t => getComputedStyle(t).visibility === "visible").map(t => t.textContent)""", kind)


@pytest.mark.parametrize("circuit", CIRCUITS, ids=str)
def test_without_scripts_the_browser_shows_the_whole_run(circuit, playwright, tmp_path):
    path = save_page(circuit, tmp_path)
    context = launch(playwright, tmp_path / "profile", viewport={"width": 900, "height": 700},
                     java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        step, steps, caption = state(page)
        assert step == steps == circuit.steps and caption.splitlines()[-1] == circuit.done
        assert visible_numbers(page, "value") and visible_numbers(page, "grad")
        assert not page.locator('[data-role="controls"]').is_visible()
        drawing = page.locator('[data-role="drawing"]')
        assert drawing.is_visible()
        png = drawing.screenshot()
        keep_screenshot(png, f"notebook-{circuit}-no-script.png", tmp_path)
        assert pixels_near(png, VALUE_COLOR) > 20 and pixels_near(png, GRAD_COLOR) > 20   # not an empty box
    finally:
        context.close()


class _Sanitizer(HTMLParser):
    """What JupyterLab 4 leaves of an untrusted notebook's HTML output (as seen in its DOM): HTML elements
    only, the text of the others kept (the SVG's numbers) but not that of ``script`` and ``style``; a few
    attributes, none with an empty value; ``id`` renamed ``data-jupyter-id``; no other ``data-``."""

    TAGS = frozenset({"div", "span", "button", "p", "b", "i", "em", "strong", "code", "pre"})
    ATTRIBUTES = frozenset({"class", "hidden", "style", "title", "type", "dir", "lang"})
    NO_TEXT = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.muted = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.NO_TEXT:
            self.muted += 1
        if tag not in self.TAGS or self.muted:
            return
        kept = "".join(f' {"data-jupyter-id" if name == "id" else name}="{value}"' for name, value in attrs
                       if value and (name in self.ATTRIBUTES or name == "id"))
        self.out.append(f"<{tag}{kept}>")

    def handle_endtag(self, tag):
        if tag in self.NO_TEXT:
            self.muted -= 1
        elif tag in self.TAGS and not self.muted:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if not self.muted:
            self.out.append(data)

    def handle_entityref(self, name):
        self.handle_data(f"&{name};")

    def handle_charref(self, name):
        self.handle_data(f"&#{name};")


def sanitized(markup: str) -> str:
    sanitizer = _Sanitizer()
    sanitizer.feed(markup)
    sanitizer.close()
    return "".join(sanitizer.out)


@pytest.mark.parametrize("circuit", CIRCUITS, ids=str)
def test_an_untrusted_notebook_shows_the_last_caption_and_nothing_loose(circuit, browser, tmp_path):
    """Sanitized, the player is its title, its last caption and its note: no dead buttons, and none of the
    drawing's numbers spilled as a line of loose text."""
    markup = committed_player(circuit)
    cleaned = sanitized(markup)
    assert "<svg" not in cleaned and "<script" not in cleaned and "<style" not in cleaned
    page = browser.new_page()
    try:
        page.goto(save_page(circuit, tmp_path, cleaned).as_uri())
        shown = [line for line in page.locator("body").inner_text().splitlines() if line.strip()]
        player = parse(markup)
        caption = player.find(data_role="caption").lines()
        [title] = [e.text() for e in player.find_all(lambda e: "gg-title" in classes(e))]
        note = player.find(data_role="static-note").text()
        assert shown == [title, *caption, note]
        assert caption[-1] == circuit.done and note.startswith(f"The whole run, all {circuit.steps} steps")
        keep_screenshot(page.screenshot(full_page=True), f"notebook-{circuit}-sanitized.png", tmp_path)
    finally:
        page.close()


@pytest.mark.parametrize("circuit", CIRCUITS, ids=str)
def test_the_committed_html_steps_with_the_buttons_and_the_keys_offline(circuit, browser, tmp_path):
    path = save_page(circuit, tmp_path)
    page = browser.new_page()
    watched = watch(page)
    try:
        page.goto(path.as_uri())
        plan = json.loads(page.locator('script[data-role="plan"]').text_content())
        expected = [parse(step["caption"]).lines() for step in plan["steps"]]
        step, steps, caption = state(page)
        assert (step, steps) == (0, circuit.steps) and caption.startswith("Before the run")
        assert visible_numbers(page, "value") == [] == visible_numbers(page, "grad")
        for k in range(1, steps + 1):                                  # forward, then backward: the buttons
            page.click('[data-action="next"]')
            step, _, caption = state(page)
            assert step == k and caption.splitlines() == expected[k]
            if k == steps // 2:
                assert visible_numbers(page, "value") and visible_numbers(page, "grad") == []
        assert caption.splitlines()[-1] == circuit.done
        keep_screenshot(page.locator("[data-gategraph-player]").screenshot(), f"notebook-{circuit}-last.png",
                        tmp_path)
        page.focus("[data-gategraph-player]")                        # and the keys
        page.keyboard.press("ArrowLeft")
        assert state(page)[0] == steps - 1
        page.keyboard.press("Home")
        assert state(page)[0] == 0
        page.keyboard.press("ArrowRight")
        assert state(page)[0] == 1 and state(page)[2].splitlines() == expected[1]
        page.keyboard.press("End")
        assert state(page)[0] == steps
        page.click('[data-action="first"]')
        assert state(page)[0] == 0 and visible_numbers(page, "value") == []
        if circuit.notebook.startswith("01"):                          # the lecture's numbers, gate by gate
            page.click('[data-action="next"]')
            assert "Forward 1/2: q = 3" in state(page)[2]
            assert sorted(visible_numbers(page, "value")) == ["-2", "3", "5"]
            page.click('[data-action="last"]')
            assert "x: downstream -4 = local 1 × upstream -4" in state(page)[2]
            assert sorted(visible_numbers(page, "grad")) == ["-4", "-4", "-4", "1", "3"]
        watched.assert_offline_and_quiet(path.as_uri())
    finally:
        page.close()
