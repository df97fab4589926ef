"""``gategraph exercises DIR``: write the exercise notebooks, as students get them, into ``DIR``.

Each notebook teaches a part of the lecture, asks for a piece of code (a
solution block, now ``raise NotImplementedError``) and checks it with one of
the checkers of `graph.exercises`, whose verdict names the mistake. A notebook
already in ``DIR`` is the learner's and is left alone (the command names it):
a folder holding the first exercises gets the new ones. ``--force`` overwrites.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    """Add the ``exercises`` command to the ``gategraph`` parser's subcommands."""
    exercises = commands.add_parser(
        "exercises", help="write the exercise notebooks (student versions) into a directory",
        description="Write the exercise notebooks into DIR: each asks for a piece of backprop and checks it, "
                    "naming the mistake if there is one. Notebooks already in DIR are yours and are left as "
                    "they are; the others are written. Open them with Jupyter.")
    exercises.add_argument("dir", type=Path, metavar="DIR", help="where to write them (made if missing)")
    exercises.add_argument("--force", action="store_true",
                           help="overwrite the notebooks already in DIR too (your work in them is lost)")
    exercises.set_defaults(run=run, parser=exercises)


def run(args: argparse.Namespace) -> int:
    """Write the notebooks not yet in DIR and list them; returns 2 if every one is there already."""
    from ..exercises.assignments import write_student_notebooks

    directory: Path = args.dir
    if directory.exists() and not directory.is_dir():
        args.parser.error(f"{directory}: not a directory")
    try:
        written, kept = write_student_notebooks(directory, force=args.force)
    except FileExistsError as exc:
        print(f"gategraph exercises: {exc}; use --force to overwrite them", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    if kept:
        print(f"left as they were (already there, your work): {', '.join(p.name for p in kept)}; "
              "--force overwrites them")
    count = f"{len(written)} {'new ' if kept else ''}notebook{'s' if len(written) != 1 else ''}"
    print(f"{count}; open them with: jupyter lab {directory}")
    return 0
