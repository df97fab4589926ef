"""``gategraph lecture``: every worked example of the lecture, its values, gradients and chain-rule table.

``--code`` also prints each example's run written out as Python (`ComputationalGraph.compile`);
``--svg DIR`` draws each example's graph with its values and gradients; ``--html DIR`` writes a page
per example that steps through its run gate by gate (`graph.views.player`), and ``DIR/index.html`` linking
them, captioned in English or, with ``--lang ko``, in Korean (any language with a catalogue in
`graph.views.lang`). Both need a Graphviz engine to lay out the drawings: without one the command says what
to install, exits 1 and writes nothing.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..views.lang import DEFAULT, languages

if TYPE_CHECKING:
    from ..lecture import Example

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
    lecture.add_argument("--code", action="store_true",
                         help="also print each example's forward and backward written out as Python, "
                              "the code ComputationalGraph.compile() generates and runs")
    lecture.add_argument("--svg", type=Path, metavar="DIR",
                         help="also draw each example's graph with its values and gradients, "
                              'as DIR/NN-title.svg (needs a Graphviz engine: pip install "gategraph[viz]")')
    lecture.add_argument("--html", type=Path, metavar="DIR",
                         help="also write a page per example that steps through its forward and backward "
                              "pass, as DIR/NN-title.html, and DIR/index.html linking them; the pages work "
                              'offline (needs a Graphviz engine: pip install "gategraph[viz]")')
    lecture.add_argument("--lang", choices=languages(), default=DEFAULT,
                         help="the language of the --html pages' captions and controls "
                              f"(default: {DEFAULT}; ko: Korean)")
    lecture.set_defaults(run=run, parser=lecture)


def run(args: argparse.Namespace) -> int:
    """Run every worked example and print it; returns the exit status."""
    from ..lecture import examples
    from ..views.text import format_value

    svg_dir: Path | None = args.svg
    html_dir: Path | None = args.html
    if args.lang != DEFAULT and html_dir is None:
        args.parser.error("--lang captions the step-through pages: give --html DIR too")
    folders = {option: folder for option, folder in (("--svg", svg_dir), ("--html", html_dir)) if folder}
    if folders:
        from ..views.draw import INSTALL_HINT, find_engine
        from .paths import PathError, writable_directory

        for option, folder in folders.items():
            if folder.exists() and not folder.is_dir():
                args.parser.error(f"{option} {folder}: not a directory")
        if find_engine() is None:
            print(f"gategraph lecture: {' and '.join(folders)} need{'s' if len(folders) == 1 else ''} a "
                  "Graphviz engine to draw with, and none was found; "
                  f"install one with: {INSTALL_HINT}", file=sys.stderr)
            return 1
        for option, folder in folders.items():
            try:
                writable_directory(folder)
            except PathError as exc:
                args.parser.error(f"argument {option}: {exc}")
    pages: list[tuple[str, str, str]] = []  # (file name, title, formula) of each page written
    all_examples = examples()
    names = [f"{number:02d}-{slugify(example.title)}" for number, example in enumerate(all_examples, 1)]
    for number, example in enumerate(all_examples, start=1):
        output, grads = example.run()
        name = example.graph.output.name
        print(f"{example.title}\n  {example.formula}")
        print("  inputs     " + ", ".join(f"{k} = {format_value(v)}" for k, v in example.feed.items()))
        print(f"  forward    {name} = {format_value(output)}")
        print("  gradients  " + ", ".join(f"d{name}/d{k} = {format_value(g)}" for k, g in grads.items()))
        print("  backward, step by step:")
        print(textwrap.indent(str(example.graph.trace()), "    "))
        if args.code:
            print("  as code (ComputationalGraph.compile()):")
            print(textwrap.indent(example.graph.compile().source.rstrip(), "    "))
        if svg_dir is not None:
            path = example.graph.render(svg_dir / f"{number:02d}-{slugify(example.title)}.svg",
                                        title=f"{example.title}: {example.formula}")
            print(f"  drawing    {path}")
        if html_dir is not None:
            following = names[number] + ".html" if number < len(names) else None
            page = html_dir / f"{names[number - 1]}.html"
            title = _title(example, args.lang)
            _write_page(example, page, following, title, args.lang)
            pages.append((page.name, title, example.formula))
            print(f"  page       {page}")
        print()
    if html_dir is not None:
        index = html_dir / "index.html"
        _write_index(index, pages, args.lang)
        print(f"step-through pages: {index}")
    return 0


def _title(example: Example, lang: str) -> str:
    """The example's title in ``lang``, from the catalogue (its English title where it has no key)."""
    from ..views.lang import catalogue

    return catalogue(lang).get(f"example.{example.key}", example.title)


def _write_page(example: Example, path: Path, following: str | None, title: str, lang: str) -> None:
    """One example's step-through page, with links to the index and to the next example."""
    from ..views.lang import catalogue
    from ..views.player import Player, html_page

    messages = catalogue(lang)
    player = Player(example.graph.tape(), title=f"{title}: {example.formula}", lang=lang)
    links = [f'<a href="index.html">{html.escape(messages["nav.index"])}</a>']
    if following is not None:
        links.append(f'<a href="{html.escape(following)}">{html.escape(messages["nav.next"])}</a>')
    nav = f'<nav>{"".join(links)}</nav>\n'
    path.write_text(html_page(nav + player.html(player.stable_id()), player.page_title(), lang=lang),
                    encoding="utf-8")


def _write_index(path: Path, pages: list[tuple[str, str, str]], lang: str) -> None:
    """The index of the step-through pages: one link per worked example, in the lecture's order."""
    from ..views.lang import catalogue
    from ..views.player import html_page

    messages = catalogue(lang)
    items = "\n".join(f'<li><a href="{html.escape(name)}">{html.escape(title)}</a>: '
                       f"<code>{html.escape(formula)}</code></li>" for name, title, formula in pages)
    footer = html.escape(messages["index.footer"]).replace(
        "{command}", "<code>gategraph lecture --html</code>")
    body = (f"<h1>{html.escape(messages['index.heading'])}</h1>\n"
            f"<p>{html.escape(messages['index.intro'])}</p>\n"
            f"<ol>\n{items}\n</ol>\n"
            f"<p><small>{footer}</small></p>")
    path.write_text(html_page(body, messages["index.title"], lang=lang), encoding="utf-8")
