"""Stepping through a run, one gate at a time: ``ComputationalGraph.player()``.

A `Player` reads a run's tape (`graph.tape.Tape`) and lays the run out as the
lecture's slides build it. Step 0 is the bare graph. Each forward step is one
gate computing its value, in topological order; each backward step is one gate
passing the gradient back to its inputs, in reverse order, with the chain rule
written out in numbers::

    Forward 1/2: q = 3
    the + gate reads x = -2, y = 5
    ...
    Backward 2/2: q (+), upstream ∂f/∂q = -4
    x: downstream -4 = local 1 × upstream -4

The gate at work is highlighted in the drawing (`graph.views.draw`), and the
numbers it produced appear on its wires: green values going forward, red
gradients coming back. Leaves (inputs, parameters, constants) have no step of
their own: a leaf's value appears on its wires at the first gate that reads it,
and that gate's caption names it. Where a value fans out, the sum of its
gradients (``Σ``) appears once the last of them has arrived.

The player is one self-contained piece of HTML: the drawing as inline SVG, a
small script and a style, nothing fetched from anywhere. ``save`` writes it as a
page that works offline; Jupyter shows it in a notebook (`Player._repr_html_`).
Without scripts (a notebook viewer that strips them) the piece shows the end of
the run, every value and gradient drawn, never an empty box. A viewer that
sanitizes the HTML further, dropping the style, the SVG and empty attributes
(JupyterLab does for a notebook it does not trust yet), shows the last caption,
the run's result in numbers, without buttons that do nothing or the drawing's
numbers spilled as loose text.

The hooks of the public contract, for tests and teachers' pages: the root element carries
``data-gategraph-player``, ``data-step`` (0: nothing revealed) and ``data-steps``;
the buttons carry ``data-action="first" | "prev" | "next" | "last"``; the caption
element carries ``data-role="caption"``. The arrow keys step (Home and End jump)
while the player has the keyboard focus; clicking it gives it the focus. The
drawing's ids (``n<i>``, ``e<k>``, see `graph.views.draw.to_dot`) are prefixed
with the player's element id and a hyphen, so that several players share a page.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import os
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ForwardFirstError
from ..nodes import Constant, Node
from ..tape import Step, Tape
from .draw import GRAD_COLOR, VALUE_COLOR, GraphvizNotFoundError, edge_ids, run_engine, to_dot
from .lang import DEFAULT, catalogue
from .text import format_value, printable
from .trace import local_gradients, node_label

__all__ = ["Frame", "Player", "html_page"]

#: Counts the pieces of HTML made in this process, to tell apart the displays of one player.
_PIECES = itertools.count(1)

#: One run of caption text with its style: ``""`` (plain), ``"head"``, ``"value"``, ``"grad"`` or ``"local"``.
Run = tuple[str, str]
#: One line of a caption: runs of text.
Line = tuple[Run, ...]


@dataclass(frozen=True)
class Frame:
    """What one step of a player shows.

    Attributes
    ----------
    phase : str
        ``"start"`` (step 0, the bare graph), ``"forward"`` or ``"backward"``.
    node : str or None
        The drawing's id of the gate at work (``"n3"``); ``None`` at step 0.
    edges : tuple of str
        The drawing's ids of the wires the gate reads and writes.
    lines : tuple of Line
        The caption, line by line.
    """

    phase: str
    node: str | None
    edges: tuple[str, ...]
    lines: tuple[Line, ...]

    @property
    def caption(self) -> str:
        """The caption as plain text, one line per line."""
        return "\n".join("".join(text for _, text in line) for line in self.lines)

    def caption_html(self) -> str:
        """The caption as HTML: one ``div`` per line, numbers coloured as on the drawing."""
        out = []
        for line in self.lines:
            runs = "".join(html.escape(text) if not style else
                           f'<span class="gg-{style}">{html.escape(text)}</span>' for style, text in line)
            out.append(f"<div>{runs}</div>")
        return "".join(out)


class Player:
    """A step-through view of the run recorded on ``tape``: forward gate by gate, then backward.

    Parameters
    ----------
    tape : Tape
        The run (`ComputationalGraph.player` passes the graph's last one). Its
        forward must have finished; without a backward the player steps through
        the forward pass only, and its last caption says so.
    title : str, optional
        A heading above the player (a formula, say).
    digits : int
        Significant digits of the numbers, on the wires and in the captions.
    lang : str
        The language of the captions and the controls: ``"en"`` (the default),
        ``"ko"``, or any other with a catalogue in `graph.views.lang`. The numbers
        are the same in every language.

    Attributes
    ----------
    frames : list of Frame
        What each step shows; ``frames[0]`` is the bare graph (step 0).
    captions : list of str
        Each step's caption as plain text.
    title : str or None

    Raises
    ------
    ForwardFirstError
        If the tape holds no finished forward.
    ValueError
        If there is no catalogue for ``lang``.

    Notes
    -----
    A leaf (input, parameter, constant) has no step of its own: its value appears
    on its wires at the first gate that reads it, whose caption names it. So each
    step is one gate at work: ``data-steps`` is the number of gates, plus, after
    a backward, the number that passed a gradient back (all of them, unless some
    compute from data alone).

    Everything is read from the tape when the player is made: a later run of the
    graph changes nothing in it. The drawing is laid out by a Graphviz engine
    (`graph.views.draw.run_engine`) the first time the HTML is asked for. Without
    one, `save` raises `GraphvizNotFoundError`, and Jupyter shows the captions
    with a note saying what to install in place of the drawing.

    Examples
    --------
    >>> from graph import ComputationalGraph, Input
    >>> x, y, z = Input("x"), Input("y"), Input("z")
    >>> g = ComputationalGraph(((x + y).named("q") * z).named("f"))
    >>> g.forward(x=-2, y=5, z=-4)
    -12.0
    >>> g.backward()
    {'x': -4.0, 'y': -4.0, 'z': 3.0}
    >>> player = g.player()
    >>> len(player)                                # 2 gates forward, 2 back
    4
    >>> print(player.captions[1])
    Forward 1/2: q = 3
    the + gate reads x = -2, y = 5
    >>> print(player.captions[4])
    Backward 2/2: q (+), upstream ∂f/∂q = -4
    x: downstream -4 = local 1 × upstream -4
    y: downstream -4 = local 1 × upstream -4
    Done: f = -12; ∂f/∂x = -4, ∂f/∂y = -4, ∂f/∂z = 3
    """

    def __init__(self, tape: Tape, *, title: str | None = None, digits: int = 4, lang: str = DEFAULT) -> None:
        if not tape.forward_done:
            raise ForwardFirstError("Player: the tape holds no finished forward; "
                                    "run forward() (and backward()) first")
        self.messages = catalogue(lang)
        self.lang = lang
        self.title = title
        self.digits = digits
        self.frames, self._reveal = _plan(tape, digits, lang)
        self.captions = [frame.caption for frame in self.frames]
        self._dot = to_dot(tape, digits=digits)
        self._output = printable(node_label(tape.output))
        self._svg: str | None = None

    def __len__(self) -> int:
        """The number of steps, ``data-steps``: one per gate forward, one per gate backward."""
        return len(self.frames) - 1

    def __repr__(self) -> str:
        forward = sum(frame.phase == "forward" for frame in self.frames)
        return (f"<Player of {self._output!r}: {len(self)} steps, {forward} forward and "
                f"{len(self) - forward} backward>")

    def svg(self) -> str:
        """The drawing of the whole run as SVG text, laid out once and kept.

        Raises
        ------
        GraphvizNotFoundError
            If no Graphviz engine is installed.
        """
        if self._svg is None:
            self._svg = run_engine(self._dot, "svg").decode("utf-8")
        return self._svg

    def html(self, element_id: str | None = None) -> str:
        """The player as a piece of HTML: one ``div`` holding its style, drawing, caption and script.

        Parameters
        ----------
        element_id : str, optional
            The root element's id, which also prefixes the drawing's ids: it should
            be unique on the page. By default `stable_id` and a count of the pieces
            made so far in this process: the same player shown twice on a notebook
            page makes two independent players, and a fresh run of the notebook
            makes the same HTML again.

        Returns
        -------
        str
            Without a script the piece shows the end of the run (``data-step`` is
            ``data-steps``); its script starts it at step 0. Without a Graphviz
            engine the drawing's place says what to install; the captions still step.
        """
        uid = element_id if element_id is not None else f"{self.stable_id()}-{next(_PIECES)}"
        if not re.fullmatch(r"[A-Za-z][\w-]*", uid):
            raise ValueError(f"Player.html: element_id must start with a letter and hold only letters, "
                             f"digits, '_' and '-', got {uid!r}")
        try:
            drawing = _scoped_svg(self.svg(), uid)
        except GraphvizNotFoundError as missing:
            drawing = f'<p class="gg-missing">{html.escape(str(missing))}</p>'
        return self._piece(uid, drawing)

    def _repr_html_(self) -> str:
        """Jupyter's view: the player, under an id of its own each time it is shown."""
        return self.html()

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the player as one self-contained HTML page that needs no network; return the path.

        The same run gives the same bytes: the element id is derived from the content.

        Raises
        ------
        GraphvizNotFoundError
            If no Graphviz engine is installed to draw with (``pip install "gategraph[viz]"``).
        """
        self.svg()  # a page without its drawing is no page to keep: raise now if it cannot be drawn
        target = Path(path)
        target.write_text(html_page(self.html(self.stable_id()), self.page_title(), lang=self.lang),
                          encoding="utf-8")
        return target

    def stable_id(self) -> str:
        """An element id derived from what the player shows: the same run gives the same id."""
        digest = hashlib.sha256(self._dot.encode("utf-8"))
        digest.update(json.dumps([self.title, self._plan_json()]).encode("utf-8"))
        return f"gg-{digest.hexdigest()[:12]}"

    def page_title(self) -> str:
        """The title of a saved page: the player's, or one naming the output."""
        return printable(self.title) if self.title else self.messages["page.title"].format(f=self._output)

    # --- the HTML ---------------------------------------------------------------------------------

    def _plan_json(self) -> str:
        """What the script needs: each step's gate, wires and caption, and when each number appears."""
        steps = [{"phase": f.phase, "node": f.node, "edges": list(f.edges), "caption": f.caption_html()}
                 for f in self.frames]
        reveal = [[part, shown[0], shown[1]] for part, shown in self._reveal.items()]
        text = json.dumps({"steps": steps, "reveal": reveal, "counter": self.messages["counter"]},
                          ensure_ascii=False, separators=(",", ":"))
        # Inside <script>, "</script>" (or "<!--") would end or confuse the element: escape every "<".
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

    def _piece(self, uid: str, drawing: str) -> str:
        m = self.messages
        steps = len(self)
        lines = max(len(frame.lines) for frame in self.frames)
        title = printable(self.title) if self.title else None
        heading = f'<div class="gg-title">{html.escape(title)}</div>' if title else ""
        label = html.escape(title or m["player.label"].format(f=self._output), quote=True)
        buttons = "".join(f'<button type="button" data-action="{action}" '
                          f'aria-label="{html.escape(m[f"button.{action}.label"], quote=True)}" '
                          f'title="{html.escape(m[f"button.{action}.label"], quote=True)}">'
                          f'{html.escape(m[f"button.{action}"])}</button>' for action in _ACTIONS)
        style = (_STYLE.replace("#ROOT", f"#{uid}").replace("CAPTION_LINES", f"{1.45 * lines:.2f}em")
                 .replace("DRAWING_WIDTH", _fit(drawing)))
        script = _SCRIPT.replace('"ROOT"', json.dumps(uid))
        counter = html.escape(m["counter"].format(step=steps, steps=steps))
        # For sanitizing viewers, which drop <style>, <svg> (keeping its text) and empty attributes: the
        # controls are hidden="hidden", not just hidden; the drawing is hidden by an inline style that
        # only the player's own style overrides.
        return (f'<div id="{uid}" class="gategraph-player" lang="{html.escape(self.lang, quote=True)}" '
                f'data-gategraph-player data-step="{steps}" '
                f'data-steps="{steps}" tabindex="0" role="group" aria-label="{label}">\n'
                f"<style>{style}</style>\n{heading}\n"
                f'<div class="gg-controls" data-role="controls" hidden="hidden">{buttons}'
                f'<span class="gg-counter" data-role="counter">{counter}</span>'
                f'<span class="gg-keys">{html.escape(m["keys"])}</span></div>\n'
                f'<div class="gg-caption" data-role="caption" aria-live="polite">'
                f"{self.frames[-1].caption_html()}</div>\n"
                f'<div class="gg-drawing" data-role="drawing" style="display: none">{drawing}</div>\n'
                f'<div class="gg-static" data-role="static-note">'
                f'{html.escape(m["static"].format(steps=steps))}</div>\n'
                f'<script type="application/json" data-role="plan">{self._plan_json()}</script>\n'
                f"<script>{script}</script>\n</div>")


def html_page(body: str, title: str, *, lang: str = DEFAULT) -> str:
    """A complete HTML page around ``body`` that loads nothing from anywhere.

    Its Content-Security-Policy allows only what is inline (script, style,
    ``data:`` images), so a page that tried to fetch anything would fail loudly
    in the browser's console rather than work only while online. ``lang`` is the
    page's language (``<html lang="...">``), for fonts and screen readers.
    """
    return (f"<!DOCTYPE html>\n<html lang=\"{html.escape(lang, quote=True)}\">\n<head>\n"
            "<meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(printable(title))}</title>\n"
            '<link rel="icon" href="data:,">\n'
            "<style>body { margin: 1.5rem; font-family: system-ui, -apple-system, 'Segoe UI', Helvetica, "
            "Arial, sans-serif; color: #1f2328; background: #ffffff; } a { color: #0969da; } "
            "nav { display: flex; gap: 1.5em; margin-bottom: 0.75em; }</style>\n"
            f"</head>\n<body>\n{body}\n</body>\n</html>\n")


# --- the steps, read from the tape -------------------------------------------------------------------


def _plan(tape: Tape, digits: int, lang: str = DEFAULT
          ) -> tuple[list[Frame], dict[str, list[int | None]]]:
    """The frames of a run, and for each part of the drawing the steps at which its numbers appear.

    Returns
    -------
    frames : list of Frame
        Step 0, then one per gate forward (topological order), one per gate
        backward (in the order it ran); the last caption ends with the result.
        Worded in language ``lang`` (`graph.views.lang`).
    reveal : dict of str to [int or None, int or None]
        For a wire ``e<k>``: the step its value (green) appears at, and the step
        its gradient (red) does. For a node ``n<i>``: ``[None, step]``, the step at
        which its sum of gradients (``Σ``, drawn where it fans out) is complete.
    """
    planner = _Planner(tape, digits, catalogue(lang))
    gates = [node for node in tape.order if node.gate is not None]
    backward = tape.steps if tape.backward_done else []
    frames = [planner.start(len(gates), bool(backward))]
    for k, node in enumerate(gates, start=1):
        frames.append(planner.forward(node, len(frames), k, len(gates)))
    planner.expect(backward, first=len(frames))
    for j, step in enumerate(backward, start=1):
        frames.append(planner.backward(step, len(frames), j, len(backward)))
    last = frames[-1]
    frames[-1] = Frame(last.phase, last.node, last.edges, (*last.lines, planner.done(bool(backward))))
    return frames, planner.reveal


#: A field of a caption's template: plain text, one styled run, or runs.
Field = str | Run | list[Run]


def _runs(template: str, **fields: Field) -> list[Run]:
    """``template`` (a catalogue's message) with its fields filled in, as runs of styled text.

    Examples
    --------
    >>> _runs("{x}: downstream {down}", x="q", down=("grad", "-4"))
    [('', 'q: downstream '), ('grad', '-4')]
    """
    runs: list[Run] = []
    for literal, field, _, _ in string.Formatter().parse(template):
        parts: list[Run] = [("", literal)] if literal else []
        if field is not None:
            value = fields[field]
            parts += (value if isinstance(value, list) else [value] if isinstance(value, tuple) else
                      [("", value)])
        for style, text in parts:
            if runs and runs[-1][0] == style == "":
                runs[-1] = ("", runs[-1][1] + text)
            elif text:
                runs.append((style, text))
    return runs


def _partial(f: str, x: str) -> str:
    """``∂f/∂x``, a name that is not one word (``-s``, ``X·W1``) in brackets: ``∂f/∂(-s)``."""
    def term(name: str) -> str:
        return name if re.fullmatch(r"\w+", name) else f"({name})"

    return f"∂{term(f)}/∂{term(x)}"


class _Planner:
    """Writes the frames of one run, and notes when each number of the drawing appears."""

    def __init__(self, tape: Tape, digits: int, messages: dict[str, str]) -> None:
        self.tape, self.digits, self.m = tape, digits, messages
        order = tape.order
        self.node_id = {node: f"n{i}" for i, node in enumerate(order)}
        self.edge_id = edge_ids(order)
        self.wires_in: dict[Node, list[str]] = {node: [] for node in order}
        self.wires_out: dict[Node, list[str]] = {node: [] for node in order}
        for (node, i), edge in self.edge_id.items():
            self.wires_in[node].append(edge)
            self.wires_out[node.inputs[i]].append(edge)
        self.wires_out[tape.output].append("e-output")
        self.f = printable(node_label(tape.output, digits))
        self.reveal: dict[str, list[int | None]] = {}
        #: The gradients each node receives in backward, with the step each arrives at.
        self.arrivals: dict[Node, list[tuple[int, Any]]] = {}

    def say(self, key: str, **fields: Field) -> list[Run]:
        """The message ``key`` of the catalogue, its fields filled in."""
        return _runs(self.m[key], **fields)

    def appear(self, part: str, which: int, step: int) -> None:
        """Note that the value (``which`` 0) or gradient (1) of ``part`` first shows at ``step``."""
        shown = self.reveal.setdefault(part, [None, None])
        if shown[which] is None:
            shown[which] = step

    def fmt(self, value: Any) -> str:
        return format_value(value, self.digits)

    def name(self, node: Node) -> str:
        return self.fmt(self.tape.values[node]) if isinstance(node, Constant) else printable(node_label(node))

    def uses(self, node: Node) -> int:
        return len(self.wires_out[node])

    def wires(self, node: Node) -> tuple[str, ...]:
        return (*self.wires_in[node], *self.wires_out[node])

    def start(self, gates: int, backward: bool) -> Frame:
        head = ("head", self.m["start.head"])
        return Frame("start", None, (), (
            (head, *self.say("start.graph", f=self.f, gates=str(gates))),
            tuple(self.say("start.both" if backward else "start.forward"))))

    def forward(self, node: Node, step: int, k: int, n: int) -> Frame:
        """A gate computes its value; it shows on the gate's wires out, each leaf it reads on the leaf's."""
        values = self.tape.values
        for x in node.inputs:
            if x.gate is None:  # a leaf's value appears where it is first read
                for wire in self.wires_out[x]:
                    self.appear(wire, 0, step)
        for wire in self.wires_out[node]:
            self.appear(wire, 0, step)
        reads: list[Run] = []
        for x in node.inputs:
            if reads:
                reads += self.say("list.sep")
            value = ("value", self.fmt(values[x]))
            reads += (self.say("forward.constant", value=value) if isinstance(x, Constant) else
                      self.say("forward.input", name=self.name(x), value=value))
        head = ("head", self.m["forward.head"].format(k=k, n=n))
        return Frame("forward", self.node_id[node], self.wires(node), (
            (head, *self.say("forward.value", name=self.name(node), value=("value", self.fmt(values[node])))),
            tuple(self.say("forward.reads", symbol=_symbol(node), inputs=reads))))

    def expect(self, steps: list[Step], first: int) -> None:
        """Note which gradients each node will receive, and when: a sum is complete at its last one."""
        for at, step in enumerate(steps, start=first):
            for x, down in zip(step.node.inputs, step.downstream, strict=True):
                if down is not None and x.requires_grad:
                    self.arrivals.setdefault(x, []).append((at, down))

    def total(self, x: Node) -> list[Run]:
        """``∂f/∂x = a + b = s``: the sum of the gradients that reached ``x``, with the terms if numbers."""
        terms = [down for _, down in self.arrivals.get(x, [])]
        out: list[Run] = [("", f"{_partial(self.f, self.name(x))} = ")]
        if all(np.size(term) == 1 for term in terms):
            out.append(("grad", " + ".join(self.fmt(t) for t in terms).replace("+ -", "- ") + " = "))
        return [*out, ("grad", self.fmt(self.tape.grads[x]))]

    def backward(self, record: Step, step: int, k: int, n: int) -> Frame:
        """A gate passes the gradient back: downstream = local × upstream, for each of its inputs."""
        node, upstream = record.node, record.upstream
        fmt, name, say = self.fmt, self.name, self.say
        gate = say("backward.gate", name=name(node), symbol=_symbol(node))
        up = ("grad", fmt(upstream))
        if node is self.tape.output:
            self.appear("e-output", 1, step)
            one = np.size(upstream) == 1 and np.all(upstream == 1)
            first = say("backward.start", gate=gate, seed=_partial(self.f, self.f) if one else "dout", up=up)
        elif self.uses(node) > 1:
            self.appear(self.node_id[node], 1, step)
            first = say("backward.fanout", gate=gate, uses=str(self.uses(node)), total=self.total(node))
        else:
            first = say("backward.upstream", gate=gate, partial=_partial(self.f, name(node)), up=up)
        head = ("head", self.m["backward.head"].format(k=k, n=n))
        lines: list[Line] = [(head, *first)]
        local = local_gradients(record)
        for i, (x, down) in enumerate(zip(node.inputs, record.downstream, strict=True)):
            if down is None or not x.requires_grad:
                lines.append(tuple(say("backward.none", x=name(x))))
                continue
            self.appear(self.edge_id[node, i], 1, step)
            sent = ("grad", fmt(down))
            if local is not None and local[i] is not None:
                lines.append(tuple(say("backward.local", x=name(x), down=sent, local=("local", fmt(local[i])),
                                       up=up)))
            elif np.size(upstream) == 1:  # upstream 0: the record cannot tell the local gradient
                lines.append(tuple(say("backward.zero", x=name(x), down=sent)))
            else:  # an array flows in: the local gradient is a Jacobian, never formed
                lines.append(tuple(say("backward.jacobian", x=name(x), down=sent, up=up)))
        for x in dict.fromkeys(node.inputs):  # a leaf used several times whose last gradient just came
            complete = x in self.tape.grads and self.arrivals[x][-1][0] == step
            if x.gate is None and self.uses(x) > 1 and complete:
                self.appear(self.node_id[x], 1, step)
                lines.append(tuple(say("backward.adds", x=name(x), uses=str(self.uses(x)),
                                       total=self.total(x))))
        return Frame("backward", self.node_id[node], self.wires(node), tuple(lines))

    def done(self, backward: bool) -> Line:
        """The result: the output's value, and the gradient of every leaf that takes one."""
        tape, say = self.tape, self.say
        done = [("head", self.m["done.head"]),
                *say("done.value", f=self.f, value=("value", self.fmt(tape.values[tape.output])))]
        if not backward:
            return (*done, *say("done.no_backward"))
        leaves = [x for x in tape.order if x.gate is None and x.requires_grad and x in tape.grads]
        grads: list[Run] = []
        for x in leaves:
            if grads:
                grads += say("list.sep")
            grads += [("", f"{_partial(self.f, self.name(x))} = "), ("grad", self.fmt(tape.grads[x]))]
        return (*done, *say("done.grads", grads=grads))


def _symbol(node: Node) -> str:
    """How a gate is named in captions: its symbol, else its class name."""
    gate = node.gate
    symbol = getattr(gate, "symbol", "?")
    return symbol if symbol != "?" else type(gate).__name__


# --- the drawing, made fit for a page with other players ----------------------------------------------

_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.S)
_TITLE = re.compile(r"<title>.*?</title>\s*", re.S)
_COMMENT = re.compile(r"<!--.*?-->\s*", re.S)
_ID = re.compile(r'(?<=\s)id="([^"]*)"')
_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


def _scoped_svg(svg: str, uid: str) -> str:
    """Graphviz's SVG, ready to inline: ids prefixed with ``uid``, numbers classed, tooltips dropped.

    The XML prologue, the namespace declarations and comments go (inline in
    HTML they mean nothing, and the page then holds no URL at all); each ``id``
    becomes ``uid-id``; the green text of values gets the class ``gg-value`` and
    the red text of gradients ``gg-grad``, which the script shows and hides; the
    ``title`` elements, which browsers show as tooltips ("n3"), go.
    """
    svg = _COMMENT.sub("", _PROLOGUE.sub("", svg, count=1))
    svg = _TITLE.sub("", svg)
    opening = re.match(r"<svg\b[^>]*>", svg)
    if opening is not None:
        svg = _XMLNS.sub("", opening[0]) + svg[opening.end():]
    svg = _ID.sub(lambda m: f'id="{uid}-{m[1]}"', svg)
    for color, cls in ((VALUE_COLOR, "gg-value"), (GRAD_COLOR, "gg-grad")):
        svg = re.sub(rf'<text\b([^>]*\bfill="{re.escape(color)}")', rf'<text class="{cls}"\1', svg,
                     flags=re.I)
    return svg.strip()


#: A wide drawing shrinks to the player's width down to this scale (its smallest text stays near 10
#: pixels); beyond, it scrolls sideways, and the script keeps the gate at work in view.
MIN_SCALE = 0.75


def _fit(drawing: str) -> str:
    """CSS sizing the drawing: its natural width at most, shrunk to fit down to `MIN_SCALE`."""
    found = re.search(r'<svg\b[^>]*?\bwidth="([\d.]+)(pt|px)?"', drawing)
    if found is None:
        return "max-width: 100%;"
    width, unit = float(found[1]), found[2] or "px"
    return f"width: 100%; max-width: {width:g}{unit}; min-width: {MIN_SCALE * width:.6g}{unit};"


#: The buttons, in order: each one's label and description come from the catalogue (``button.first``, ...).
_ACTIONS = ("first", "prev", "next", "last")

_STYLE = f"""
#ROOT {{ display: block; box-sizing: border-box; max-width: 100%; margin: 0.5em 0; padding: 8px 12px;
  border: 1px solid #d0d7de; border-radius: 6px; background: #ffffff; color: #1f2328; outline: none;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }}
#ROOT:focus-within {{ border-color: #0969da; box-shadow: 0 0 0 2px rgba(9, 105, 218, 0.25); }}
#ROOT [hidden] {{ display: none !important; }}
#ROOT .gg-title {{ font-weight: 600; margin-bottom: 6px; }}
#ROOT .gg-controls {{ display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin-bottom: 6px; }}
#ROOT button {{ font: inherit; color: inherit; padding: 2px 10px; border: 1px solid #d0d7de;
  border-radius: 6px; background: #f6f8fa; cursor: pointer; }}
#ROOT button:hover {{ background: #eaeef2; }}
#ROOT button[aria-disabled="true"] {{ opacity: 0.4; cursor: default; }}
#ROOT .gg-counter {{ margin-left: 6px; font-variant-numeric: tabular-nums; }}
#ROOT .gg-keys {{ margin-left: auto; color: #57606a; font-size: 12px; }}
#ROOT .gg-caption {{ min-height: CAPTION_LINES; margin-bottom: 6px; font-variant-numeric: tabular-nums;
  overflow-wrap: anywhere; }}
#ROOT .gg-head {{ font-weight: 600; }}
#ROOT .gg-value {{ color: {VALUE_COLOR}; }}
#ROOT .gg-grad {{ color: {GRAD_COLOR}; }}
#ROOT .gg-local {{ font-weight: 600; }}
#ROOT .gg-drawing {{ display: block !important; overflow-x: auto; max-width: 100%; }}
#ROOT .gg-drawing svg {{ display: block; height: auto; DRAWING_WIDTH }}
#ROOT .gg-drawing text.gg-value, #ROOT .gg-drawing text.gg-grad {{ color: inherit; }}
#ROOT .gg-missing {{ color: #57606a; font-style: italic; }}
#ROOT .gg-static {{ color: #57606a; font-size: 12px; margin-top: 4px; }}
#ROOT svg .gg-hidden {{ visibility: hidden; }}
#ROOT svg .gg-new {{ font-weight: bold; }}
#ROOT[data-phase="forward"] svg .gg-active > ellipse,
#ROOT[data-phase="forward"] svg .gg-active > path,
#ROOT[data-phase="forward"] svg .gg-active > polygon {{
  stroke: {VALUE_COLOR}; stroke-width: 2.5px; fill: #dafbe1; }}
#ROOT[data-phase="backward"] svg .gg-active > ellipse,
#ROOT[data-phase="backward"] svg .gg-active > path,
#ROOT[data-phase="backward"] svg .gg-active > polygon {{
  stroke: {GRAD_COLOR}; stroke-width: 2.5px; fill: #ffebe9; }}
#ROOT[data-phase="forward"] svg .gg-lit > path {{ stroke: {VALUE_COLOR}; stroke-width: 2px; }}
#ROOT[data-phase="forward"] svg .gg-lit > polygon {{ stroke: {VALUE_COLOR}; fill: {VALUE_COLOR}; }}
#ROOT[data-phase="backward"] svg .gg-lit > path {{ stroke: {GRAD_COLOR}; stroke-width: 2px; }}
#ROOT[data-phase="backward"] svg .gg-lit > polygon {{ stroke: {GRAD_COLOR}; fill: {GRAD_COLOR}; }}
"""

# The script of one player: it finds its own root (the element around the script; by id where a page
# runs scripts some other way) and touches nothing outside it; keys act only while the player holds the
# focus. Without it the piece shows the whole run (see Player.html).
_SCRIPT = """
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.parentNode;
  var root = here && here.id === "ROOT" ? here : document.getElementById("ROOT");
  if (!root || root.hasAttribute("data-live")) { return; }
  root.setAttribute("data-live", "");
  var plan = JSON.parse(root.querySelector('script[data-role="plan"]').textContent);
  var last = plan.steps.length - 1;
  var caption = root.querySelector('[data-role="caption"]');
  var counter = root.querySelector('[data-role="counter"]');
  var drawing = root.querySelector('[data-role="drawing"]');
  var buttons = root.querySelectorAll("[data-action]");
  function part(name) { return drawing.querySelector('[id="' + root.id + "-" + name + '"]'); }
  var labels = [];
  plan.reveal.forEach(function (entry) {
    var group = part(entry[0]);
    if (!group) { return; }
    group.querySelectorAll(".gg-value").forEach(function (text) { labels.push([text, entry[1]]); });
    group.querySelectorAll(".gg-grad").forEach(function (text) { labels.push([text, entry[2]]); });
  });
  var lit = [];
  function keepInView(elements) {
    var box = drawing.getBoundingClientRect(), left = Infinity, right = -Infinity;
    elements.forEach(function (element) {
      var at = element.getBoundingClientRect();
      left = Math.min(left, at.left);
      right = Math.max(right, at.right);
    });
    if (left < box.left || right > box.right) {
      drawing.scrollLeft += (left + right - box.left - box.right) / 2;
    }
  }
  function show(step) {
    step = Math.max(0, Math.min(last, step));
    var frame = plan.steps[step];
    labels.forEach(function (label) {
      var at = label[1];
      label[0].classList.toggle("gg-hidden", at === null || step < at);
      label[0].classList.toggle("gg-new", step > 0 && at === step);
    });
    lit.forEach(function (element) { element.classList.remove("gg-active", "gg-lit"); });
    lit = [];
    var gate = frame.node && part(frame.node);
    if (gate) {
      gate.classList.add("gg-active");
      lit.push(gate);
      frame.edges.forEach(function (name) {   // a wire: its numbers' node and the edges to its two ends
        [name, name + "-in", name + "-out"].forEach(function (piece) {
          var wire = part(piece);
          if (wire) { wire.classList.add("gg-lit"); lit.push(wire); }
        });
      });
      keepInView(lit);
    }
    root.setAttribute("data-step", String(step));
    root.setAttribute("data-phase", frame.phase);
    caption.innerHTML = frame.caption;
    counter.textContent = plan.counter.replace("{step}", String(step)).replace("{steps}", String(last));
    buttons.forEach(function (button) {
      var action = button.getAttribute("data-action");
      var stuck = (action === "first" || action === "prev") ? step === 0 : step === last;
      button.setAttribute("aria-disabled", stuck ? "true" : "false");
    });
  }
  function act(action) {
    var step = Number(root.getAttribute("data-step"));
    var to = {first: 0, prev: step - 1, next: step + 1, last: last}[action];
    if (to !== undefined) { show(to); }
  }
  root.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action]");
    if (button && root.contains(button)) { act(button.getAttribute("data-action")); }
    if (!root.contains(document.activeElement)) { root.focus({preventScroll: true}); }
  });
  var keys = {ArrowRight: "next", ArrowLeft: "prev", Home: "first", End: "last"};
  root.addEventListener("keydown", function (event) {
    var action = keys[event.key];
    if (!action || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    event.preventDefault();
    event.stopPropagation();
    act(action);
  });
  root.querySelector('[data-role="controls"]').hidden = false;
  root.querySelector('[data-role="static-note"]').hidden = true;
  show(0);
})();
"""
