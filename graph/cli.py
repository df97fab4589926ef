"""The ``gategraph`` command (also ``python -m graph``).

``gategraph lecture`` runs the lecture's worked examples; ``gategraph check``
gradient-checks every built-in gate. Bad arguments exit 2 with a usage message.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["main"]


def _fmt(value: Any) -> str:
    """A value as the slides write it: numbers to 6 significant digits, arrays inline."""
    if np.ndim(value) == 0:
        return f"{float(value):.6g}"
    text = np.array2string(np.asarray(value), precision=6, suppress_small=True, separator=", ")
    return " ".join(text.split())


def _lecture(args: argparse.Namespace) -> int:
    from .lecture import examples

    for example in examples():
        output, grads = example.run()
        name = example.graph.output.name
        print(f"{example.title}\n  {example.formula}")
        print("  inputs     " + ", ".join(f"{k} = {_fmt(v)}" for k, v in example.feed.items()))
        print(f"  forward    {name} = {_fmt(output)}")
        print("  gradients  " + ", ".join(f"d{name}/d{k} = {_fmt(g)}" for k, g in grads.items()))
        print()
    return 0


def _check(args: argparse.Namespace) -> int:
    from .check import check_all, format_table

    results = check_all(seed=args.seed)
    print(format_table(results))
    failed = [r for r in results if not r.passed]
    for r in failed:
        print(f"\n{r.error}")
    print(f"\n{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``gategraph`` command."""
    parser = argparse.ArgumentParser(
        prog="gategraph", description="Backpropagation as in CS231n Lecture 4: gates, graphs, gradients.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    lecture = commands.add_parser("lecture", help="run the lecture's worked examples")
    lecture.set_defaults(run=_lecture)
    check = commands.add_parser("check", help="gradient-check every built-in gate")
    check.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    check.set_defaults(run=_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
