"""``gategraph train``: the lecture's 2-layer network trained on a built-in dataset, with a progress bar."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    """Add the ``train`` command to the ``gategraph`` parser's subcommands."""
    from ..nn.network import ACTIVATIONS
    from ..nn.train import RECIPES

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
    train.set_defaults(run=run, parser=train)


def run(args: argparse.Namespace) -> int:
    """Train as the arguments say and print the result; returns the exit status."""
    from ..nn.datasets import load_dataset
    from ..nn.network import Network
    from ..nn.train import RECIPES, train

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
