"""The ``gategraph`` command (also ``python -m graph``): one subcommand per module of this package.

``gategraph lecture`` runs the lecture's worked examples (`graph.cli.lecture`);
``gategraph check`` gradient-checks every built-in gate (`graph.cli.check`);
``gategraph train`` trains the lecture's 2-layer network (`graph.cli.train`).
Bad arguments exit 2 with a usage message.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import check, exercises, lecture, train

__all__ = ["build_parser", "main"]

COMMANDS = (lecture, check, train, exercises)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``gategraph`` command."""
    parser = argparse.ArgumentParser(
        prog="gategraph", description="Backpropagation as in CS231n Lecture 4: gates, graphs, gradients.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except BrokenPipeError:  # the reader went away (gategraph lecture | head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
