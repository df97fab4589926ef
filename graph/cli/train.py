"""``gategraph train``: the lecture's 2-layer network trained on a built-in dataset, with a progress bar.

``--hidden 100,50`` gives two hidden layers (``0``: the linear classifier), ``--loss svm`` the
multiclass SVM loss, ``--optim sgd|momentum|rmsprop|adam`` the update rule (each with a learning
rate of its own by default, `graph.nn.train.LEARNING_RATES`). Everything the command will need is
checked before training starts: the arguments, the place ``--save`` writes to, and that the
network fits in memory. Ctrl-C stops it with exit status 130, saving nothing.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import Any

import numpy as np

__all__ = ["MEMORY_LIMIT", "add_parser", "hidden_layers", "memory_needed", "run"]


def add_parser(commands: Any) -> None:
    """Add the ``train`` command to the ``gategraph`` parser's subcommands."""
    from ..nn.network import ACTIVATIONS, LOSSES
    from ..nn.optim import OPTIMIZERS, make_optimizer
    from ..nn.train import LEARNING_RATES, RECIPES

    def by_dataset(field: str) -> str:
        return ", ".join(f"{getattr(recipe, field):g} {name}" for name, recipe in RECIPES.items())

    rates = "; ".join(f"{dataset}: " + ", ".join(f"{name} {lr:g}" for name, lr in by_optimizer.items())
                      for dataset, by_optimizer in LEARNING_RATES.items())
    rules = "; ".join(f"{name}: {type(rule).__name__}, {rule.settings}" for name, rule in
                      ((name, make_optimizer(name, [], lr=1.0)) for name in OPTIMIZERS))
    train = commands.add_parser(
        "train", help="train the lecture's 2-layer network f = W2·max(0, W1·x) on a built-in dataset",
        description="Train a fully connected network with minibatch SGD with momentum (or plain SGD, RMSProp "
                    "or Adam: --optim); the defaults depend on the dataset. "
                    "Ends with the line 'train accuracy: A  validation accuracy: B'.")
    train.add_argument("--dataset", choices=list(RECIPES), default="spiral",
                       help="spiral (made in code; the default) or digits "
                            '(needs scikit-learn: pip install "gategraph[notebooks]")')
    train.add_argument("--hidden", type=hidden_layers, metavar="N[,N...]",
                       help="hidden units per hidden layer, e.g. 100 or 100,50; 0 for the linear classifier "
                            f"(default {by_dataset('hidden')})")
    train.add_argument("--activation", choices=list(ACTIVATIONS), default="relu",
                       help="the hidden layers' gate (default relu)")
    train.add_argument("--epochs", type=int, metavar="N",
                       help=f"passes over the training data (default {by_dataset('epochs')})")
    train.add_argument("--optim", choices=list(OPTIMIZERS), default="momentum",
                       help=f"the update rule, as in CS231n (default momentum): {rules}")
    train.add_argument("--lr", type=float, metavar="X",
                       help=f"learning rate, before its decay per epoch (default, by dataset and --optim: "
                            f"{rates})")
    train.add_argument("--loss", choices=list(LOSSES), default="softmax",
                       help="the data loss: softmax cross-entropy or multiclass SVM (default softmax)")
    train.add_argument("--seed", type=int, default=0, metavar="N",
                       help="seed of the initial weights and the minibatch order (default 0)")
    train.add_argument("--interpreter", action="store_true",
                       help="run the graph through the interpreter's two loops instead of its compiled code "
                            "(the same numbers, slower)")
    train.add_argument("--save", metavar="PATH",
                       help="save the trained network to PATH (.npz), a regular file (replaced) or a new "
                            "path, never a device, FIFO or directory; checked before training starts")
    train.set_defaults(run=run, parser=train)


def hidden_layers(text: str) -> tuple[int, ...]:
    """The ``--hidden`` argument: hidden-layer widths separated by commas; ``0`` alone is no hidden layer.

    >>> hidden_layers("100"), hidden_layers("100,50"), hidden_layers("0")
    ((100,), (100, 50), ())
    """
    try:
        widths = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths like 100 or 100,50 (0: no hidden layer), "
                                         f"got {text!r}") from None
    if widths == (0,):
        return ()
    if min(widths) < 1:
        raise argparse.ArgumentTypeError("each hidden layer needs >= 1 unit (0 alone: the linear "
                                         f"classifier), got {text!r}")
    return widths


#: What `gategraph train` agrees to allocate: it is for the lecture's small networks.
MEMORY_LIMIT = 2 * 2**30


def memory_needed(sizes: list[int], rows: int) -> int:
    """About how many bytes training a network of ``sizes`` on ``rows`` examples takes (float64).

    Each parameter is held about four times (its value, a recorded copy, its gradient,
    its velocity), and evaluating a split holds about three arrays per layer of every row.
    """
    from ..nn.network import parameter_count

    return 8 * (4 * parameter_count(sizes) + 3 * rows * sum(sizes))


def run(args: argparse.Namespace) -> int:
    """Train as the arguments say and print the result; returns the exit status."""
    from ..nn.datasets import load_dataset
    from ..nn.network import Network
    from ..nn.optim import make_optimizer
    from ..nn.train import LEARNING_RATES, RECIPES, train
    from .paths import PathError, writable_file

    recipe = RECIPES[args.dataset]
    hidden = ((recipe.hidden,) if recipe.hidden else ()) if args.hidden is None else args.hidden
    epochs = recipe.epochs if args.epochs is None else args.epochs
    lr = LEARNING_RATES[args.dataset][args.optim] if args.lr is None else args.lr
    momentum = recipe.momentum if args.optim == "momentum" else None
    for flag, value, ok, need in [("--epochs", epochs, epochs >= 1, ">= 1"),
                                  ("--lr", lr, math.isfinite(lr) and lr > 0, "a finite number > 0"),
                                  ("--seed", args.seed, args.seed >= 0, ">= 0")]:
        if not ok:
            args.parser.error(f"argument {flag}: must be {need}, got {value}")
    if args.save is not None:
        try:
            writable_file(args.save)
        except PathError as exc:
            args.parser.error(f"argument --save: {exc}")
    try:
        data = load_dataset(args.dataset)
    except ImportError as exc:
        print(f"gategraph train: {exc}", file=sys.stderr)
        return 1
    sizes = [data.num_features, *hidden, data.num_classes]
    needed = memory_needed(sizes, max(len(data.y_train), len(data.y_val)))
    if needed > MEMORY_LIMIT:
        args.parser.error(f"argument --hidden: a network {' → '.join(map(str, sizes))} would need about "
                          f"{needed / 2**30:,.1f} GiB of memory to train; gategraph train is for small "
                          f"networks (at most {MEMORY_LIMIT // 2**30} GiB)")
    net = Network(sizes, args.activation, seed=args.seed, compiled=not args.interpreter)
    try:  # from here on, Ctrl-C says what happens to --save
        print(data.describe())
        print(net)
        rule = make_optimizer(args.optim, [], lr=lr, lr_decay=recipe.lr_decay, momentum=momentum)
        print(f"{args.loss} loss + L2 {recipe.reg:g}; {type(rule).__name__}: {epochs} epochs of minibatches "
              f"of {recipe.batch_size}, lr {lr:g} x {recipe.lr_decay:g} per epoch, {rule.settings}; "
              f"seed {args.seed}", flush=True)  # shown before training starts
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below, once
            history = train(net, data, epochs=epochs, batch_size=recipe.batch_size, optimizer=args.optim,
                            lr=lr, momentum=momentum, lr_decay=recipe.lr_decay, reg=recipe.reg,
                            loss=args.loss, seed=args.seed, compiled=not args.interpreter)
    except FloatingPointError as exc:
        print(f"gategraph train: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        saving = "nothing was saved" if args.save is None else f"nothing was saved to {args.save!r}" + (
            " (the file there is left as it was)" if os.path.exists(args.save) else "")
        print(f"\ngategraph train: interrupted; {saving}", file=sys.stderr)
        return 130
    losses = history.epoch_loss()
    print(f"loss: {losses[0]:.3f} (epoch 1) -> {losses[-1]:.3f} (epoch {len(losses)})")
    if args.save is not None:
        try:
            net.save(args.save)
        except OSError as exc:
            print(f"gategraph train: cannot save to {args.save!r}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        except ValueError as exc:  # (the path became a FIFO, say, while training: it is left alone)
            print(f"gategraph train: cannot save: {exc}", file=sys.stderr)
            return 1
        print(f"saved to {args.save} (load it with graph.Network.load)")
    print(f"train accuracy: {history.train_accuracy[-1]:.3f}  "
          f"validation accuracy: {history.val_accuracy[-1]:.3f}")
    return 0
