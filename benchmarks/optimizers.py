"""The optimizers of `gategraph train --optim`: the accuracy each reaches, and their loss curves.

Run:  python benchmarks/optimizers.py                     each optimizer at its default learning rate
      python benchmarks/optimizers.py --grid              ... and at the rates around it
      python benchmarks/optimizers.py --plot losses.png   the four loss curves (needs matplotlib)
      python benchmarks/optimizers.py --dataset digits    (needs scikit-learn)

Every run is what `gategraph train --optim NAME --seed S` does with the dataset's other defaults
(`RECIPES`): the same network, the same seed for the initial weights and the minibatch order. The
table gives the training and validation accuracy after the last epoch over seeds 0-4 (`--seeds`):
the lowest and the mean. The default learning rates (`LEARNING_RATES`) were chosen from `--grid` so
that every seed reaches a training accuracy of at least 0.9 on the spiral.
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass

import numpy as np

from graph import Network, load_dataset, train
from graph.nn.datasets import Dataset
from graph.nn.optim import OPTIMIZERS
from graph.nn.train import LEARNING_RATES, RECIPES, History

#: The learning rates tried by --grid, by optimizer: each default with the rates about 3x and 10x
#: either side of it.
GRID_FACTORS = (0.1, 0.3, 1.0, 3.0, 10.0)


@dataclass
class Run:
    """One training run: the optimizer, its learning rate, the seed, and what came of it."""

    optimizer: str
    lr: float
    seed: int
    history: History | None  # None: diverged

    @property
    def train_accuracy(self) -> float:
        return self.history.train_accuracy[-1] if self.history else float("nan")

    @property
    def val_accuracy(self) -> float:
        return self.history.val_accuracy[-1] if self.history else float("nan")


def run(data: Dataset, dataset: str, optimizer: str, lr: float, seed: int) -> Run:
    """Train as ``gategraph train --dataset DATASET --optim OPTIMIZER --lr LR --seed SEED`` does."""
    recipe = RECIPES[dataset]
    net = Network([data.num_features, recipe.hidden, data.num_classes], seed=seed)
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            history = train(net, data, epochs=recipe.epochs, batch_size=recipe.batch_size,
                            optimizer=optimizer, lr=lr, lr_decay=recipe.lr_decay, reg=recipe.reg, seed=seed,
                            progress=False)
    except FloatingPointError:
        return Run(optimizer, lr, seed, None)
    return Run(optimizer, lr, seed, history)


def table(runs: list[Run]) -> str:
    """One row per optimizer and learning rate: accuracies over the seeds, lowest and mean."""
    rows = ["optimizer   lr       train min  train mean  val min  val mean  diverged",
            "---------  -------  ---------  ----------  -------  --------  --------"]
    keys = sorted({(r.optimizer, r.lr) for r in runs}, key=lambda k: (list(OPTIMIZERS).index(k[0]), k[1]))
    for optimizer, lr in keys:
        these = [r for r in runs if (r.optimizer, r.lr) == (optimizer, lr)]
        done = [r for r in these if r.history is not None]
        train_acc = [r.train_accuracy for r in done] or [float("nan")]
        val_acc = [r.val_accuracy for r in done] or [float("nan")]
        rows.append(f"{optimizer:<9}  {lr:<7g}  {min(train_acc):9.3f}  {statistics.mean(train_acc):10.3f}  "
                    f"{min(val_acc):7.3f}  {statistics.mean(val_acc):8.3f}  {len(these) - len(done):>8}")
    return "\n".join(rows)


#: The course's default learning rates (its optim.py), for the plot's comparison.
COURSE_LR = {"sgd": 1e-2, "momentum": 1e-2, "rmsprop": 1e-2, "adam": 1e-3}


def plot(data: Dataset, dataset: str, path: str) -> None:
    """The mean loss of each epoch, one curve per optimizer, seed 0, log scale: at the course's
    default learning rates (left) and at gategraph's (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    recipe = RECIPES[dataset]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, (title, rates) in zip(axes, [("the course's learning rates", COURSE_LR),
                                         ("gategraph train's learning rates", LEARNING_RATES[dataset])],
                                  strict=True):
        for number, optimizer in enumerate(OPTIMIZERS):
            r = run(data, dataset, optimizer, rates[optimizer], seed=0)
            if r.history is not None:
                losses = r.history.epoch_loss()
                ax.plot(np.arange(1, len(losses) + 1), losses, color=f"C{number}",
                        label=f"{optimizer}, lr {r.lr:g}: train accuracy {r.train_accuracy:.3f}")
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_title(title)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("training loss (mean over the epoch's minibatches)")
    fig.suptitle(f"{dataset}: {recipe.hidden} hidden units, minibatches of {recipe.batch_size}, "
                 f"lr x {recipe.lr_decay:g} per epoch, L2 {recipe.reg:g}, seed 0")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"loss curves: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=list(RECIPES), default="spiral")
    parser.add_argument("--seeds", type=int, default=5, metavar="N", help="seeds 0..N-1 (default 5)")
    parser.add_argument("--grid", action="store_true", help="also the rates 0.1x to 10x each default")
    parser.add_argument("--plot", metavar="PNG", help="draw the loss curves (seed 0) into PNG, at the "
                                                      "course's learning rates and at gategraph's")
    args = parser.parse_args()
    data = load_dataset(args.dataset)
    runs = []
    for optimizer in OPTIMIZERS:
        default = LEARNING_RATES[args.dataset][optimizer]
        rates = [float(f"{default * factor:.3g}") for factor in GRID_FACTORS] if args.grid else [default]
        for lr in rates:
            for seed in range(args.seeds):
                runs.append(run(data, args.dataset, optimizer, lr, seed))
    print(f"{args.dataset}, gategraph train's recipe: {RECIPES[args.dataset]}; seeds 0-{args.seeds - 1}")
    print(table(runs))
    if args.plot:
        plot(data, args.dataset, args.plot)


if __name__ == "__main__":
    main()
