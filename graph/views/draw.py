r"""Drawings of a run as on the lecture's slides: `to_dot`, and `render` or `run_engine` to make a picture.

`to_dot` writes Graphviz DOT text from a run's tape (`graph.tape.Tape`) and needs
nothing: gates are small circles with their symbol (``+``, ``*``, ``max``, ``σ``,
...) and node name, leaves stand at the left with their names, and each wire
carries the value flowing along it in green above the line and, after a
``backward``, the gradient flowing back along it in red below the line, as on the
slides. Where a value is used more than once (fan-out), its node also shows the
sum of the gradients of its wires, ``Σ``: the "copy adds gradients" rule. The
drawing shows the run as the tape recorded it: an optimizer step or another
graph's run since then changes nothing in it.

A wire's numbers are never on a line: each wire is drawn through a small node of
its own that holds its numbers beside a piece of the wire (above and below it
from left to right, to its right from top to bottom), and Graphviz routes no
other wire through a node. The wire into input ``i`` of a gate is one such node
and two edges (see `to_dot`'s notes for their ids).

Numbers and arrays of up to six elements are written out. A larger array (a
batch, a weight matrix) is written as its shape on the node it leaves and its
norm on each wire; integer arrays (class labels) as the range of their entries.
The lecture's circuits run left to right; a longer graph, such as a network with
its loss, runs top to bottom, so that it fits the width of a notebook.

Turning DOT into a picture needs a Graphviz engine: a system ``dot`` if one is
on the ``PATH``, else the ``graphviz-pure`` program that
``pip install "gategraph[viz]"`` brings. Nothing here is imported by
``import graph`` beyond the standard library. `png` makes the picture a notebook
keeps beside the SVG, for viewers that show no SVG (JupyterLab, for a notebook
it does not trust yet).

Fonts: every box is sized for its label's width in the typeface the picture
uses, and an engine without a font renderer (graphviz-pure) knows the widths of
a few typefaces only. The labels are set in DejaVu Sans: it has known widths,
it is the usual sans-serif of Linux (and matplotlib's), and it is wider than the
sans-serifs that replace it where it is missing (Helvetica, Arial), so a label
always fits its box. Sized for Helvetica instead, labels shown in DejaVu Sans
overflow by about 14%. A PNG is drawn by the engine itself, so it names the font
the engine draws with: Helvetica (graphviz-pure draws it with Arimo, which has
Helvetica's widths; a system ``dot`` finds its own Helvetica or a look-alike).

Names are drawn as they are, except characters that cannot be shown (control
characters such as ``\x1b``, lone surrogates), which are written as escapes
(`graph.views.text.printable`): every name draws.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gates.base import shape_of

from ..nodes import Constant, Node
from ..tape import Tape
from .text import FULL_SIZE, format_value, printable
from .trace import node_label

__all__ = ["GRAD_COLOR", "PNG_DPI", "PNG_FONT", "VALUE_COLOR", "WIRE_COLOR", "GraphvizNotFoundError",
           "edge_ids", "find_engine", "png", "png_bundle", "render", "run_engine", "to_dot"]

#: Colour of forward values on edges (green, as on the slides).
VALUE_COLOR = "#1a7f37"
#: Colour of gradients on edges (red, as on the slides).
GRAD_COLOR = "#cf222e"
#: Colour of the wires (a dark grey).
WIRE_COLOR = "#57606a"
INSTALL_HINT = 'pip install "gategraph[viz]"'
#: The typeface of every label: the widest common sans-serif, so labels fit wherever it is missing.
FONT = "DejaVu Sans"
#: What an SVG asks for: the typeface, else the browser's sans-serif (Helvetica, Arial: narrower).
SVG_FONT_FAMILY = f"{FONT},sans-serif"
#: The typeface a PNG names: one every engine draws with its own widths (see the module's notes).
PNG_FONT = "Helvetica"
#: Pixels per inch of a PNG: 1.5 pixels per pixel of the SVG (96 per inch), sharp on most screens.
PNG_DPI = 144
#: Graphs with more gates than this are drawn top to bottom (`to_dot`'s ``direction``).
MAX_GATES_ACROSS = 10


class GraphvizNotFoundError(RuntimeError):
    """No Graphviz engine to draw with; the message says what to install."""


def _esc(text: str) -> str:
    """``text`` escaped for a Graphviz HTML-like label, characters that cannot be shown as escapes."""
    return (printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def _small(text: str) -> str:
    """``text`` in the small grey type of node names and shapes."""
    return f'<font point-size="8" color="#57606a">{_esc(text)}</font>'


def _is_large(value: Any) -> bool:
    """Whether ``value`` is an array too large to write out (more than `FULL_SIZE` elements)."""
    return value is not None and shape_of(value) != () and np.size(value) > FULL_SIZE


def _value_html(value: Any, digits: int) -> str:
    """A value on a wire: numbers and small arrays in full (a matrix one row a line).

    A large array is written as its norm, ``‖·‖=81.9``: its shape stands on the
    node it leaves (a gradient has the shape of its value, so one shape serves
    both). A large integer or boolean array (class labels, say) has no useful norm:
    it is written as the range of its entries, ``int 0..2``.
    """
    if value is None or shape_of(value) == ():
        return _esc(format_value(value, digits, FULL_SIZE))
    array = np.asarray(value)
    if array.size <= FULL_SIZE:
        if array.ndim == 2:
            rows = [format_value(row, digits, FULL_SIZE) for row in array]
            return "[" + ",<br/>".join(_esc(r) for r in rows) + "]"
        return _esc(format_value(array, digits, FULL_SIZE))
    if array.dtype.kind in "biu":
        kind = "bool" if array.dtype.kind == "b" else "int"
        return f"{kind} {int(array.min())}..{int(array.max())}"
    norm = float(np.linalg.norm(array.astype(np.float64, copy=False).ravel()))
    return f"‖·‖={format_value(norm, digits)}"


def _wire(wid: str, classes: str, value: Any, grad: Any, show_value: bool, show_grad: bool, digits: int,
          direction: str) -> str:
    """The node that carries a wire's numbers beside a piece of the wire (its port ``w``).

    Left to right, the value stands above the line and the gradient below it, as on
    the slides; top to bottom, both stand to the right of the line.
    """
    green = f'<font color="{VALUE_COLOR}">{_value_html(value, digits)}</font>' if show_value else ""
    red = f'<font color="{GRAD_COLOR}">{_value_html(grad, digits)}</font>' if show_grad else ""
    if direction == "LR":
        line = f'<td port="w" height="1" width="16" cellpadding="0" bgcolor="{WIRE_COLOR}"></td>'
        table = f"<tr><td>{green}</td></tr><tr>{line}</tr><tr><td>{red}</td></tr>"
    else:
        line = f'<td port="w" width="1" height="16" cellpadding="0" bgcolor="{WIRE_COLOR}"></td>'
        numbers = "<br/>".join(text for text in (green, red) if text)
        table = f'<tr>{line}<td cellpadding="3" align="left" balign="left">{numbers}</td></tr>'
    return (f'  "{wid}" [id="{wid}", class="{classes}", shape=plaintext, width=0, height=0, margin=0, '
            f'fontsize=10, label=<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
            f"{table}</table>>];")


def edge_ids(order: Sequence[Node]) -> dict[tuple[Node, int], str]:
    """The SVG id of every edge `to_dot` draws, by (gate node, input index): ``e0``, ``e1``, ...

    The edge into input ``i`` of a gate node has this id; the edge leaving the
    output is ``e-output``. `graph.views.player` finds the edges by these ids.

    Examples
    --------
    >>> from graph import ComputationalGraph, Input
    >>> x = Input("x")
    >>> g = ComputationalGraph((x * x).named("f"))
    >>> [(node.name, i, eid) for (node, i), eid in edge_ids(g.nodes_topologically_sorted()).items()]
    [('f', 0, 'e0'), ('f', 1, 'e1')]
    """
    ids: dict[tuple[Node, int], str] = {}
    for node in order:
        for i in range(len(node.inputs)):
            ids[node, i] = f"e{len(ids)}"
    return ids


def to_dot(tape: Tape, *, title: str | None = None, digits: int = 4, direction: str | None = None) -> str:
    """A run as Graphviz DOT text, drawn like the lecture's slides.

    Parameters
    ----------
    tape : Tape
        The run to draw (`ComputationalGraph.to_dot` passes its last one): its
        values once ``forward`` has run, its gradients once ``backward`` has.
    title : str, optional
        A caption above the drawing (a formula, say).
    digits : int
        Significant digits of the numbers on the wires.
    direction : {"LR", "TB"}, optional
        Left to right, as on the slides, or top to bottom. By default a graph of
        up to `MAX_GATES_ACROSS` gates runs left to right and a longer one (a
        network with its loss) top to bottom, so that it fits the width of a
        page or a notebook.

    Returns
    -------
    str
        DOT text; the same run always gives the same text.

    Notes
    -----
    Every gate and leaf has the SVG id ``n<i>`` (its place in the topological
    order) and the class ``gate`` or ``leaf``. Each wire is a node of its own,
    with the id ``e<k>`` (`edge_ids`; the wire leaving the output: ``e-output``)
    and the classes ``wire from-n<i> to-n<j>``, that holds its numbers beside a
    piece of the wire; the two edges that join it to its ends have the ids
    ``e<k>-in`` and ``e<k>-out``. So a page can find a wire and its numbers
    (`graph.views.player` does). The red number on a wire is the gradient sent
    along it (the gate's downstream gradient for that input); the output's value
    and gradient stand on a wire leaving the last gate.

    Examples
    --------
    >>> from graph import ComputationalGraph, Input
    >>> x, y = Input("x"), Input("y")
    >>> g = ComputationalGraph((x * y).named("f"))
    >>> g.forward(x=3, y=-4)
    -12.0
    >>> g.backward()
    {'x': -4.0, 'y': 3.0}
    >>> print(g.to_dot())  # doctest: +ELLIPSIS
    digraph gategraph {
      graph [rankdir=LR, ...];
      ...
      n0 [id="n0", class="leaf", shape=plaintext, ..., label=<x>];
      n1 [id="n1", class="leaf", shape=plaintext, ..., label=<y>];
      n2 [id="n2", class="gate", shape=circle, ..., label=<<b>*</b><br/>...f</font>>];
      output [shape=point, style=invis];
      "e0" [id="e0", class="wire from-n0 to-n2", ...>3</font>...>-4</font>...];
      n0 -> "e0":w:w [id="e0-in", class="wire-in", arrowhead=none];
      "e0":w:e -> n2 [id="e0-out", class="wire-out"];
      ...
      "e-output" [id="e-output", class="wire from-n2 to-output", ...>-12</font>...>1</font>...];
      n2 -> "e-output":w:w [id="e-output-in", class="wire-in", arrowhead=none];
      "e-output":w:e -> output [id="e-output-out", class="wire-out"];
    }
    """
    order = tape.order
    if direction is None:
        direction = "LR" if len(tape.gate_nodes) <= MAX_GATES_ACROSS else "TB"
    if direction not in ("LR", "TB"):
        raise ValueError(f"to_dot: direction must be 'LR' or 'TB', got {direction!r}")
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    values = tape.values
    has_grads = tape.backward_done
    downstream = {step.node: step.downstream for step in tape.steps} if has_grads else {}
    uses: dict[Node, int] = {tape.output: 1}
    for node in order:
        for x in node.inputs:
            uses[x] = uses.get(x, 0) + 1

    def total(node: Node) -> str:
        """The node's summed gradient, in red, where a fan-out made it a sum."""
        grad = tape.grads.get(node) if has_grads else None
        if grad is not None and uses.get(node, 0) > 1:
            return f'<br/><font color="{GRAD_COLOR}">Σ {_value_html(grad, digits)}</font>'
        return ""

    def shape(node: Node) -> str:
        """The shape of a node's value, in small grey type, where its wires give the norm only."""
        value = values.get(node)
        return f"<br/>{_small(str(shape_of(value)))}" if _is_large(value) else ""

    caption = f", labelloc=t, label=<{_esc(title)}>" if title else ""
    lines = ["digraph gategraph {",
             f'  graph [rankdir={direction}, bgcolor="white", fontname="{FONT}", '
             f"nodesep=0.15, ranksep=0.1{caption}];",
             f'  node [fontname="{FONT}", fontsize=12];',
             f'  edge [fontname="{FONT}", fontsize=10, arrowsize=0.6, color="{WIRE_COLOR}"];']
    for node in order:
        nid = ids[node]
        if node.gate is None:
            text = _esc(node_label(node, digits)) if isinstance(node, Constant) else _esc(str(node.name))
            label = f"{text}{shape(node)}{total(node)}"
            lines.append(f'  {nid} [id="{nid}", class="leaf", shape=plaintext, width=0, height=0, '
                         f'margin="0.04,0.02", label=<{label}>];')
        else:
            symbol = node.gate.symbol
            fits_a_circle = len(symbol) <= 4 and len(str(node.name)) <= 7  # a longer label: a box
            outline = "circle" if fits_a_circle else "box, style=rounded"
            label = f"<b>{_esc(symbol)}</b><br/>{_small(str(node.name))}{shape(node)}{total(node)}"
            lines.append(f'  {nid} [id="{nid}", class="gate", shape={outline}, margin=0.04, width=0.5, '
                         f"label=<{label}>];")
    lines.append("  output [shape=point, style=invis];")
    into, out_of = ("w", "e") if direction == "LR" else ("n", "s")

    def wire(wid: str, source: str, target: str, value: Any, grad: Any, show_value: bool) -> None:
        lines.append(_wire(wid, f"wire from-{source} to-{target}", value, grad, show_value, grad is not None,
                           digits, direction))
        lines.append(f'  {source} -> "{wid}":w:{into} [id="{wid}-in", class="wire-in", arrowhead=none];')
        lines.append(f'  "{wid}":w:{out_of} -> {target} [id="{wid}-out", class="wire-out"];')

    edges = edge_ids(order)
    for node in order:
        grads = downstream.get(node)
        for i, x in enumerate(node.inputs):
            grad = grads[i] if grads is not None and x.requires_grad else None
            wire(edges[node, i], ids[x], ids[node], values.get(x), grad, x in values)
    out = tape.output
    out_grad = tape.grads.get(out) if has_grads else None
    wire("e-output", ids[out], "output", values.get(out), out_grad, out in values)
    lines.append("}")
    return "\n".join(lines) + "\n"


def find_engine() -> str | None:
    """The Graphviz program to draw with, or ``None``.

    A system ``dot`` on the ``PATH`` comes first; then ``graphviz-pure`` (the
    ``viz`` extra) on the ``PATH`` or next to this Python (a virtual environment
    that is not activated, such as a Jupyter kernel's).
    """
    import shutil
    import sysconfig

    for name in ("dot", "graphviz-pure"):
        found = shutil.which(name)
        if found:
            return found
    scripts = Path(sysconfig.get_path("scripts"))
    for name in ("graphviz-pure", "graphviz-pure.exe"):
        candidate = scripts / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def run_engine(dot: str, format: str = "svg") -> bytes:
    """Lay out ``dot`` with the Graphviz engine; return the picture's bytes.

    Parameters
    ----------
    dot : str
        DOT text, as `to_dot` writes it.
    format : str
        Graphviz output format: ``svg``, ``png``, ...

    Raises
    ------
    GraphvizNotFoundError
        If no engine is installed (``pip install "gategraph[viz]"``).
    RuntimeError
        If the engine fails; its message is included.
    """
    import subprocess

    engine = find_engine()
    if engine is None:
        raise GraphvizNotFoundError('drawing a graph needs a Graphviz engine ("dot" or "graphviz-pure") '
                                    f"and none was found; install one with: {INSTALL_HINT}")
    if not format.isalnum():
        raise ValueError(f"render: format must be a Graphviz output format such as 'svg' or 'png', "
                         f"got {format!r}")
    done = subprocess.run([engine, "-Kdot", f"-T{format}"], input=dot.encode("utf-8"),
                          capture_output=True, check=False, timeout=120)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"{Path(engine).name} -T{format} failed (exit {done.returncode}): {message}")
    if format == "svg":  # a fallback for machines without the typeface: narrower, so labels still fit
        named, fallback = (f'font-family="{family}"'.encode() for family in (FONT, SVG_FONT_FAMILY))
        return done.stdout.replace(named, fallback)
    return done.stdout


def png(dot: str) -> bytes:
    """``dot`` laid out and drawn as a PNG at `PNG_DPI`, in the font the engine draws with (`PNG_FONT`).

    The picture that notebooks keep beside the SVG, for a viewer that shows no SVG:
    JupyterLab renders no SVG of a notebook it does not trust yet (one it has not
    run itself), and shows this PNG instead. graphviz-pure (``pip install
    "gategraph[viz]"``) draws it with no system library; so does a system ``dot``
    built with cairo (its usual build).

    Raises
    ------
    GraphvizNotFoundError
        If no Graphviz engine is installed (``pip install "gategraph[viz]"``).
    """
    font = f'fontname="{PNG_FONT}"'
    drawn = dot.replace(f'fontname="{FONT}"', font).replace("digraph gategraph {\n  graph [",
                                                           f"digraph gategraph {{\n  graph [dpi={PNG_DPI}, ")
    return run_engine(drawn, "png")


def png_bundle(dot: str) -> tuple[bytes, dict[str, int]]:
    """A PNG of ``dot`` (`png`) for Jupyter's ``_repr_png_``, with the size to show it at.

    Returns
    -------
    data : bytes
        The PNG, drawn at `PNG_DPI`.
    metadata : dict
        ``{"width": ..., "height": ...}`` in CSS pixels (96 per inch): the size of
        the SVG beside it, so both pictures show the graph at the same size.

    Examples
    --------
    A graph delegates its ``_repr_png_`` here::

        def _repr_png_(self):
            return png_bundle(self.to_dot())
    """
    data = png(dot)
    width, height = (int.from_bytes(data[at:at + 4], "big") for at in (16, 20))  # the PNG's IHDR chunk
    return data, {"width": round(width * 96 / PNG_DPI), "height": round(height * 96 / PNG_DPI)}


def render(dot: str, path: str | os.PathLike[str], format: str = "svg") -> Path:
    """Lay out ``dot`` and write the picture into the file ``path``; return the path.

    Parameters
    ----------
    dot : str
        DOT text, as `to_dot` writes it.
    path : str or path-like
        The file to write, exactly as given (no suffix is added).
    format : str
        A Graphviz output format: ``svg`` (the default), ``png``, ...

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    GraphvizNotFoundError
        If no Graphviz engine is installed (``pip install "gategraph[viz]"``).
    """
    picture = run_engine(dot, format)
    target = Path(path)
    target.write_bytes(picture)
    return target
