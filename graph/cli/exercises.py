"""``gategraph exercises DIR``: write the exercise notebooks, as students get them, into ``DIR``.

Each notebook teaches a part of the lecture, asks for a piece of code (a
solution block, now ``raise NotImplementedError``) and checks it with
`graph.exercises.check`, whose verdict names the mistake. Existing files are
never overwritten, unless ``--force`` is given.
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
                    "naming the mistake if there is one. Open them with Jupyter.")
    exercises.add_argument("dir", type=Path, metavar="DIR", help="where to write them (made if missing)")
    exercises.add_argument("--force", action="store_true", help="overwrite notebooks already in DIR")
    exercises.set_defaults(run=run, parser=exercises)


def run(args: argparse.Namespace) -> int:
    """Write the notebooks and list them; returns 2 if one exists already and ``--force`` was not given."""
    from ..exercises.assignments import write_student_notebooks

    directory: Path = args.dir
    if directory.exists() and not directory.is_dir():
        args.parser.error(f"{directory}: not a directory")
    try:
        paths = write_student_notebooks(directory, force=args.force)
    except FileExistsError as exc:
        print(f"gategraph exercises: {exc}; use --force to overwrite", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    print(f"{len(paths)} notebooks; open them with: jupyter lab {directory}")
    return 0
