"""The ``gategraph`` command (also ``python -m graph``): one subcommand per module of this package.

``gategraph lecture`` runs the lecture's worked examples (`graph.cli.lecture`);
``gategraph check`` gradient-checks every built-in gate (`graph.cli.check`);
``gategraph train`` trains the lecture's 2-layer network (`graph.cli.train`).

Exit status: 0 on success; 2, with a usage message, for a user's mistake (bad
arguments, an empty path, a place that cannot be written to); 1, with a one-line
message, for a fault (a full disk, a failed check, an unexpected error); 130 when
interrupted (Ctrl-C, at any moment: the console script's entry is
`gategraph_launcher`, which handles it before numpy loads). Never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import check, exercises, lecture, train

__all__ = ["CommandParser", "build_parser", "main", "nonempty_path", "version"]

COMMANDS = (lecture, check, train, exercises)


def nonempty_path(text: str) -> Path:
    """A command's path argument: `pathlib.Path` would take ``""`` for ``"."``, the current directory.

    >>> nonempty_path("out/svg")
    PosixPath('out/svg')
    >>> nonempty_path("")
    Traceback (most recent call last):
      ...
    argparse.ArgumentTypeError: the path is empty
    """
    if not text:
        raise argparse.ArgumentTypeError("the path is empty")
    return Path(text)


class CommandParser(argparse.ArgumentParser):
    """The parser of one subcommand (``gategraph train``, ...): its mistakes show its own usage.

    - An option it does not know (``gategraph train --epcohs 5``) is its error,
      not the top-level parser's, so the message shows ``train``'s usage.
    - A path argument (``type=Path``) is never empty: ``--svg ""`` is a usage
      error, not the current directory (`nonempty_path`).
    """

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        if kwargs.get("type") is Path:
            kwargs["type"] = nonempty_path
        return super().add_argument(*args, **kwargs)

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


def version() -> str:
    """The installed distribution's version (its metadata), or what to do when it is not installed.

    >>> version() == __import__("importlib.metadata").metadata.version("gategraph")
    True
    """
    from importlib import metadata

    try:
        return metadata.version("gategraph")
    except metadata.PackageNotFoundError:  # run from a source tree that pip never installed
        return "unknown (not installed: pip install -e . gives it its version)"


class _Version(argparse.Action):
    """``--version``: print the version and exit 0; the metadata is read only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="print gategraph's version and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> NoReturn:
        print(f"gategraph {version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``gategraph`` command."""
    parser = argparse.ArgumentParser(
        prog="gategraph", description="Backpropagation as in CS231n Lecture 4: gates, graphs, gradients.")
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                     parser_class=CommandParser)
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


if __name__ == "__main__":  # pragma: no cover - python -m graph.cli.main: as gategraph, Ctrl-C handled
    from gategraph_launcher import main as launch

    sys.exit(launch())
