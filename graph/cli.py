"""The ``gategraph`` command (also ``python -m graph``).

``gategraph lecture`` runs the lecture's worked examples, printing each one's
values, gradients and chain-rule table (``--svg DIR`` also draws them); ``gategraph check``
gradient-checks every built-in gate; ``gategraph train`` trains the lecture's 2-layer
network on a built-in dataset. Bad arguments exit 2 with a usage message.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["main"]


def slugify(text: str) -> str:
    """A file-name-safe version of ``text``: lower case, words joined by hyphens.

    >>> slugify("Sigmoid neuron, with one sigmoid gate")
    'sigmoid-neuron-with-one-sigmoid-gate'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "graph"


def _lecture(args: argparse.Namespace) -> int:
    from .lecture import examples
    from .trace import format_value

    def show(value: Any) -> str:  # numbers to 6 digits, small arrays in full
        return format_value(value, full_size=6)


    svg_dir: Path | None = args.svg
    if svg_dir is not None:
        from .draw import INSTALL_HINT, find_engine

        if svg_dir.exists() and not svg_dir.is_dir():
            args.parser.error(f"--svg {svg_dir}: not a directory")
        if find_engine() is None:
            print("gategraph lecture: --svg needs a Graphviz engine to draw with, and none was found; "
                  f"install one with: {INSTALL_HINT}", file=sys.stderr)
            return 1
        svg_dir.mkdir(parents=True, exist_ok=True)
    for number, example in enumerate(examples(), start=1):
        output, grads = example.run()
        name = example.graph.output.name
        print(f"{example.title}\n  {example.formula}")
        print("  inputs     " + ", ".join(f"{k} = {show(v)}" for k, v in example.feed.items()))
        print(f"  forward    {name} = {show(output)}")
        print("  gradients  " + ", ".join(f"d{name}/d{k} = {show(g)}" for k, g in grads.items()))
        print("  backward, step by step:")
        print(textwrap.indent(str(example.graph.trace()), "    "))
        if svg_dir is not None:
            path = example.graph.render(svg_dir / f"{number:02d}-{slugify(example.title)}.svg",
                                        title=f"{example.title}: {example.formula}")
            print(f"  drawing    {path}")
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


def _train(args: argparse.Namespace) -> int:
    import math

    from .datasets import load_dataset
    from .nn import Network
    from .train import RECIPES, train

    recipe = RECIPES[args.dataset]
    hidden = recipe.hidden if args.hidden is None else args.hidden
    epochs = recipe.epochs if args.epochs is None else args.epochs
    lr = recipe.lr if args.lr is None else args.lr
    for flag, value, ok, need in [("--hidden", hidden, hidden >= 0, ">= 0"),
                                  ("--epochs", epochs, epochs >= 1, ">= 1"),
                                  ("--lr", lr, math.isfinite(lr) and lr > 0, "a finite number > 0"),
                                  ("--seed", args.seed, args.seed >= 0, ">= 0")]:
        if not ok:
            args.parser.error(f"argument {flag}: must be {need}, got {value}")
    if args.save is not None and not args.save.resolve().parent.is_dir():
        args.parser.error(f"argument --save: no directory {str(args.save.parent)!r} to save into")
    try:
        data = load_dataset(args.dataset)
    except ImportError as exc:
        print(f"gategraph train: {exc}", file=sys.stderr)
        return 1
    net = Network([data.num_features, *([hidden] if hidden else []), data.num_classes], args.activation,
                  seed=args.seed)
    print(data.describe())
    print(net)
    print(f"softmax loss + L2 {recipe.reg:g}; SGD: {epochs} epochs of minibatches of {recipe.batch_size}, "
          f"lr {lr:g} x {recipe.lr_decay:g} per epoch, momentum {recipe.momentum:g}; seed {args.seed}")
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below, once
            history = train(net, data, epochs=epochs, batch_size=recipe.batch_size, lr=lr,
                            momentum=recipe.momentum, lr_decay=recipe.lr_decay, reg=recipe.reg,
                            seed=args.seed)
    except FloatingPointError as exc:
        print(f"gategraph train: {exc}", file=sys.stderr)
        return 1
    losses = history.epoch_loss()
    print(f"loss: {losses[0]:.3f} (epoch 1) -> {losses[-1]:.3f} (epoch {len(losses)})")
    if args.save is not None:
        try:
            net.save(args.save)
        except OSError as exc:
            print(f"gategraph train: cannot save to {str(args.save)!r}: {exc.strerror or exc}",
                  file=sys.stderr)
            return 1
        print(f"saved to {args.save} (load it with graph.Network.load)")
    print(f"train accuracy: {history.train_accuracy[-1]:.3f}  "
          f"validation accuracy: {history.val_accuracy[-1]:.3f}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``gategraph`` command."""
    parser = argparse.ArgumentParser(
        prog="gategraph", description="Backpropagation as in CS231n Lecture 4: gates, graphs, gradients.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    lecture = commands.add_parser("lecture", help="run the lecture's worked examples")
    lecture.add_argument("--svg", type=Path, metavar="DIR",
                         help="also draw each example's graph with its values and gradients, "
                              'as DIR/NN-title.svg (needs a Graphviz engine: pip install "gategraph[viz]")')
    lecture.set_defaults(run=_lecture, parser=lecture)
    check = commands.add_parser("check", help="gradient-check every built-in gate")
    check.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    check.set_defaults(run=_check)
    from .nn import ACTIVATIONS
    from .train import RECIPES

    def by_dataset(field: str) -> str:
        return ", ".join(f"{getattr(recipe, field):g} {name}" for name, recipe in RECIPES.items())

    train = commands.add_parser(
        "train", help="train the lecture's 2-layer network f = W2·max(0, W1·x) on a built-in dataset",
        description="Train a fully connected network with minibatch SGD; the defaults depend on the dataset. "
                    "Ends with the line 'train accuracy: A  validation accuracy: B'.")
    train.add_argument("--dataset", choices=list(RECIPES), default="spiral",
                       help="spiral (made in code; the default) or digits "
                            '(needs scikit-learn: pip install "gategraph[notebooks]")')
    train.add_argument("--hidden", type=int, metavar="N",
                       help=f"hidden units, 0 for the linear classifier (default {by_dataset('hidden')})")
    train.add_argument("--activation", choices=list(ACTIVATIONS), default="relu",
                       help="the hidden layers' gate (default relu)")
    train.add_argument("--epochs", type=int, metavar="N",
                       help=f"passes over the training data (default {by_dataset('epochs')})")
    train.add_argument("--lr", type=float, metavar="X", help=f"learning rate (default {by_dataset('lr')})")
    train.add_argument("--seed", type=int, default=0, metavar="N",
                       help="seed of the initial weights and the minibatch order (default 0)")
    train.add_argument("--save", type=Path, metavar="PATH", help="save the trained network to PATH (.npz)")
    train.set_defaults(run=_train, parser=train)
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
