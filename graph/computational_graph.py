"""`ComputationalGraph`: the engine (`graph.engine`), with the views of its runs and ``compile()``.

The engine knows the lecture's two loops and the tape they record; it knows no
view and no compiler. The class users import is the engine with these added, from
this module, above both: the chain-rule table (`trace`), the drawing (`to_dot`,
`render`, and Jupyter's pictures), the step-through `player`, and `compile`. Each
reads the graph's last run through `Engine.tape` (whichever executor ran it), and
imports its module when first called, so that ``import graph`` stays light.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .engine import Engine
from .tape import Tape

if TYPE_CHECKING:
    from .compile import CompiledGraph
    from .views.player import Player
    from .views.trace import Trace

__all__ = ["ComputationalGraph"]


class ComputationalGraph(Engine):
    """The graph of every node that ``output`` depends on, built and sorted once; its runs, viewed.

    The lecture's two loops, ``forward`` and ``backward``, are `Engine`'s (see
    there for the parameters, attributes and errors); this class adds the views of
    a run and ``compile()``.

    Examples
    --------
    The lecture's first circuit, f = (x + y) z:

    >>> from graph import Input
    >>> x, y, z = Input("x"), Input("y"), Input("z")
    >>> g = ComputationalGraph(((x + y).named("q") * z).named("f"))
    >>> g.forward(x=-2, y=5, z=-4)
    -12.0
    >>> g.backward()
    {'x': -4.0, 'y': -4.0, 'z': 3.0}
    >>> print(g.trace())
    downstream = local × upstream, gate by gate in the order backward ran
    node  gate  upstream  input  local  downstream
    ----  ----  --------  -----  -----  ----------
    f     *     1         q      -4     -4
                          z      3      3
    q     +     -4        x      1      -4
                          y      1      -4
    """

    def _shown(self) -> Tape:
        """The tape a view draws: the last run's, or an empty one before any run."""
        return self.tape() if self._record is not None else Tape(self._order, self.output)

    def trace(self) -> Trace:
        """The chain-rule steps of the last `backward`, one per gate, as recorded (`graph.views.trace`)."""
        from .views.trace import trace

        return trace(self._shown())

    def to_dot(self, *, title: str | None = None, digits: int = 4, direction: str | None = None) -> str:
        """The graph with its last run as Graphviz DOT text: values in green, gradients in red."""
        from .views.draw import to_dot

        return to_dot(self._shown(), title=title, digits=digits, direction=direction)

    def render(self, path: str | os.PathLike[str], format: str = "svg", *, title: str | None = None,
               digits: int = 4, direction: str | None = None) -> Path:
        """Draw the graph into the file ``path`` (`graph.views.draw.render`); needs a Graphviz engine.

        Raises
        ------
        graph.GraphvizNotFoundError
            If none is installed; ``pip install "gategraph[viz]"`` brings one.
        """
        from .views.draw import render

        return render(self.to_dot(title=title, digits=digits, direction=direction), path, format)

    def _repr_svg_(self) -> str:
        """Jupyter's picture of the graph, with values and gradients (`graph.views.draw`)."""
        from .views.draw import run_engine

        return run_engine(self.to_dot(), "svg").decode("utf-8")

    def _repr_png_(self) -> tuple[bytes, dict[str, int]]:
        """Jupyter's picture where no SVG shows (an untrusted notebook): a PNG (`graph.views.draw`)."""
        from .views.draw import png_bundle

        return png_bundle(self.to_dot())

    def player(self, *, title: str | None = None, lang: str = "en") -> Player:
        """A step-through player of the last run, for Jupyter or a saved page (`graph.views.player`)."""
        from .views.player import Player

        return Player(self.tape(), title=title, lang=lang)

    def compile(self, *, record: bool = True) -> CompiledGraph:
        """The graph's run written out as straight-line Python from its gates' own methods (`graph.compile`).

        ``record=False``: its runs record nothing (the views then say so) and keep only
        what backward needs.
        """
        from .compile import CompiledGraph

        return CompiledGraph(self, record=record)


