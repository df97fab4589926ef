"""``gategraph lecture``: every worked example of the lecture, its values, gradients and chain-rule table.

``--svg DIR`` also draws each example's graph with its values and gradients.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run", "slugify"]


def slugify(text: str) -> str:
    """A file-name-safe version of ``text``: lower case, words joined by hyphens.

    >>> slugify("Sigmoid neuron, with one sigmoid gate")
    'sigmoid-neuron-with-one-sigmoid-gate'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "graph"


def add_parser(commands: Any) -> None:
    """Add the ``lecture`` command to the ``gategraph`` parser's subcommands."""
    lecture = commands.add_parser("lecture", help="run the lecture's worked examples")
    lecture.add_argument("--svg", type=Path, metavar="DIR",
                         help="also draw each example's graph with its values and gradients, "
                              'as DIR/NN-title.svg (needs a Graphviz engine: pip install "gategraph[viz]")')
    lecture.set_defaults(run=run, parser=lecture)


def run(args: argparse.Namespace) -> int:
    """Run every worked example and print it; returns the exit status."""
    from ..lecture import examples
    from ..views.text import format_value

    svg_dir: Path | None = args.svg
    if svg_dir is not None:
        from ..views.draw import INSTALL_HINT, find_engine
        from .paths import PathError, writable_directory

        if svg_dir.exists() and not svg_dir.is_dir():
            args.parser.error(f"--svg {svg_dir}: not a directory")
        if find_engine() is None:
            print("gategraph lecture: --svg needs a Graphviz engine to draw with, and none was found; "
                  f"install one with: {INSTALL_HINT}", file=sys.stderr)
            return 1
        try:
            writable_directory(svg_dir)
        except PathError as exc:
            args.parser.error(f"argument --svg: {exc}")
    for number, example in enumerate(examples(), start=1):
        output, grads = example.run()
        name = example.graph.output.name
        print(f"{example.title}\n  {example.formula}")
        print("  inputs     " + ", ".join(f"{k} = {format_value(v)}" for k, v in example.feed.items()))
        print(f"  forward    {name} = {format_value(output)}")
        print("  gradients  " + ", ".join(f"d{name}/d{k} = {format_value(g)}" for k, g in grads.items()))
        print("  backward, step by step:")
        print(textwrap.indent(str(example.graph.trace()), "    "))
        if svg_dir is not None:
            path = example.graph.render(svg_dir / f"{number:02d}-{slugify(example.title)}.svg",
                                        title=f"{example.title}: {example.formula}")
            print(f"  drawing    {path}")
        print()
    return 0
