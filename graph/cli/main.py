"""The ``gategraph`` command (also ``python -m graph``): one subcommand per module of this package.

``gategraph lecture`` runs the lecture's worked examples (`graph.cli.lecture`);
``gategraph check`` gradient-checks every built-in gate (`graph.cli.check`);
``gategraph train`` trains the lecture's 2-layer network (`graph.cli.train`).

Exit status: 0 on success; 2, with a usage message, for a user's mistake (bad
arguments, a place that cannot be written to); 1, with a one-line message, for a
fault (a full disk, a failed check, an unexpected error); 130 when interrupted
(Ctrl-C). Never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import io
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
    """Run the command line; returns the exit status (see the module's docstring)."""
    args = build_parser().parse_args(argv)
    command = f"gategraph {args.command}"
    if isinstance(sys.stdout, io.TextIOWrapper):  # an output that cannot show σ or → shows '?' instead
        sys.stdout.reconfigure(errors="replace")
    try:
        status: int = args.run(args)
        if sys.stdout is not None:  # (None when started with standard output closed)
            sys.stdout.flush()  # here, where a full disk can still be reported, not at exit
    except BrokenPipeError:  # the reader went away (gategraph lecture | head): stop quietly
        _drop_stdout()
        return 1
    except KeyboardInterrupt:
        print(f"\n{command}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # a fault of the machine: a full disk, a file that cannot be written
        if exc.filename is None:  # (a stream: the output itself)
            _drop_stdout()
        where = "cannot write its output" if exc.filename is None else f"{exc.filename}"
        print(f"{command}: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: say what it is in one line, not in a traceback
        print(f"{command}: unexpected error {type(exc).__name__}: {exc}; please report it", file=sys.stderr)
        return 1
    return status


def _drop_stdout() -> None:
    """Point standard output at the null device: nothing fails again when Python flushes it at exit."""
    with contextlib.suppress(OSError, ValueError, AttributeError):  # (no descriptor: a captured stdout)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
