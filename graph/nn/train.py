"""The training loop: minibatches through one static graph, SGD, a progress bar, a history.

Each step is the lecture's loop: ``forward`` a minibatch through the training
graph (built once), ``backward`` for the gradients, and let the optimizer (`SGD`
with momentum by default; plain SGD, `RMSProp` or `Adam` by name) update the
parameters. After every epoch the network is evaluated on the training and
validation splits, so the validation accuracy is known from the first epoch on.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from .datasets import Dataset
from .network import Network
from .optim import OPTIMIZERS, make_optimizer

if TYPE_CHECKING:
    from ..computational_graph import ComputationalGraph

__all__ = ["LEARNING_RATES", "RECIPES", "History", "Recipe", "TextProgress", "train"]


@dataclass(frozen=True)
class Recipe:
    """Default hyperparameters for one dataset: what `gategraph train` uses unless told otherwise."""

    hidden: int         #: hidden units (0: the linear classifier)
    epochs: int
    batch_size: int
    lr: float           #: for SGD with momentum, the default optimizer (the others: `LEARNING_RATES`)
    lr_decay: float     #: per epoch
    reg: float          #: L2 strength
    momentum: float = 0.9


#: The defaults of `gategraph train`, by dataset. Spiral: train accuracy 0.993 (seeds 0-4) in
#: about a second; digits: validation accuracy 0.977 (seed 0; 0.972 to 0.980 over seeds 0-4), with
#: an L2 strength that also wipes the random initial weights out of the hidden templates.
#: The learning rate of each optimizer of `OPTIMIZERS`, by dataset, when none is given: what
#: `gategraph train --optim NAME` uses with the recipe's other settings, and what `train` uses (the
#: spiral's). Chosen with ``python benchmarks/optimizers.py --grid`` (seeds 0-4), each well inside
#: the range that trains: on the spiral every seed reaches a training accuracy of 0.990 or more with
#: each (the course's own rates do not with this recipe: Adam's 1e-3 reaches 0.78 to 0.88); on digits
#: a validation accuracy of 0.972 or more.
LEARNING_RATES: dict[str, dict[str, float]] = {
    "spiral": {"sgd": 1.0, "momentum": 0.3, "rmsprop": 0.01, "adam": 0.01},
    "digits": {"sgd": 0.5, "momentum": 0.1, "rmsprop": 0.003, "adam": 0.003},
}

RECIPES: dict[str, Recipe] = {
    "spiral": Recipe(hidden=100, epochs=200, batch_size=32, lr=LEARNING_RATES["spiral"]["momentum"],
                     lr_decay=0.98, reg=1e-4),
    "digits": Recipe(hidden=100, epochs=30, batch_size=32, lr=LEARNING_RATES["digits"]["momentum"],
                     lr_decay=0.95, reg=3e-3),
}


@dataclass
class History:
    """What happened during `train`.

    Attributes
    ----------
    loss : list of float
        The training objective on each minibatch, one entry per step.
    train_accuracy, val_accuracy : list of float
        Accuracy on the whole training / validation split before training
        (entry 0) and after each epoch.
    lr : list of float
        The learning rate used in each epoch.
    steps_per_epoch : int
        Minibatches per epoch (to line ``loss`` up with the epochs).
    best_epoch : int
        The epoch with the highest validation accuracy (the first, on ties).
    stopped_early : bool
        Whether ``patience`` ran out before the last epoch.
    graph : ComputationalGraph or None
        The training graph (`Network.training_graph`); its tape, trace, drawing and
        player show the last minibatch step, compiled or not.
    """

    loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    steps_per_epoch: int = 0
    best_epoch: int = 0
    stopped_early: bool = False
    graph: ComputationalGraph | None = field(default=None, repr=False)

    @property
    def epochs(self) -> int:
        """The number of epochs trained."""
        return len(self.lr)

    def epoch_loss(self) -> np.ndarray:
        """The mean minibatch loss of each epoch, ``(epochs,)``."""
        n = self.steps_per_epoch
        losses = np.asarray(self.loss[:n * self.epochs], dtype=np.float64).reshape(-1, n)
        means: np.ndarray = losses.mean(axis=1)
        return means


class TextProgress:
    r"""A one-line text progress bar, for when tqdm is not installed.

    Rewrites its line with ``\r`` on each `update` and ends it at `close`.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> bar = TextProgress(total=4, file=out, width=8)
    >>> bar.set_postfix(loss="0.5")
    >>> bar.update(2)
    >>> bar.close()
    >>> out.getvalue()
    '\rtraining  2/4 epochs [####....] loss=0.5\n'
    """

    def __init__(self, total: int, file: TextIO, desc: str = "training", width: int = 30) -> None:
        self.total, self.file, self.desc, self.width = total, file, desc, width
        self.n = 0
        self.postfix = ""
        self._width = 0  # of the last line written, to blank out what a shorter line leaves

    def set_postfix(self, refresh: bool = False, **values: Any) -> None:
        """Show ``name=value`` pairs after the bar at the next `update` (as tqdm's)."""
        self.postfix = " ".join(f"{k}={v}" for k, v in values.items())

    def update(self, n: int = 1) -> None:
        """Advance by ``n`` and redraw."""
        self.n += n
        filled = self.width * self.n // max(self.total, 1)
        digits = len(str(self.total))
        bar = "#" * filled + "." * (self.width - filled)
        line = f"{self.desc} {self.n:>{digits}}/{self.total} epochs [{bar}] {self.postfix}"
        self.file.write(f"\r{line:<{self._width}}")
        self.file.flush()
        self._width = len(line)

    def close(self) -> None:
        """End the line."""
        self.file.write("\n")
        self.file.flush()


def _progress_bar(total: int, show: bool | None, file: TextIO) -> Any:
    """tqdm when importable, else `TextProgress`; ``None`` when there is nothing to show.

    ``show=None`` shows a bar only when ``file`` is a terminal.
    """
    if show is None:
        show = file.isatty()
    if not show:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return TextProgress(total, file)
    return tqdm(total=total, desc="training", unit="epoch", file=file, leave=True)


def train(net: Network, data: Dataset, *, epochs: int = 10, batch_size: int = 64,
          optimizer: str = "momentum", lr: float | None = None, momentum: float | None = None,
          lr_decay: float = 1.0, reg: float = 0.0, loss: str = "softmax", seed: int = 0,
          patience: int | None = None, progress: bool | None = None, progress_file: TextIO | None = None,
          compiled: bool = True) -> History:
    """Train ``net`` on ``data`` with minibatch SGD (with momentum), plain SGD, RMSProp or Adam.

    The training graph (``net.training_graph(loss, reg)``) is built once, and
    compiled (`ComputationalGraph.compile`) unless ``compiled`` is false. Each
    epoch visits the training split in a fresh random order, ``batch_size`` rows
    per step (the last batch may be smaller); after each epoch the learning rate
    is multiplied by ``lr_decay`` and both splits are evaluated. The same
    ``seed`` (with the same initial network) gives the same run.

    Parameters
    ----------
    net : Network
        Updated in place.
    data : Dataset
        ``X_train: (N, D)``, ``y_train: (N,)``, ``X_val: (M, D)``, ``y_val: (M,)``.
    epochs : int
        Passes over the training split, >= 1.
    batch_size : int
        Rows per step, >= 1 (at most ``N`` are used).
    optimizer : str
        The update rule, a key of `OPTIMIZERS`: ``"momentum"`` (`SGD` with
        momentum 0.9, the default), ``"sgd"`` (momentum 0), ``"rmsprop"``
        (`RMSProp`) or ``"adam"`` (`Adam`), each with the course's settings.
    lr : float, optional
        The learning rate, > 0; by default the optimizer's on the spiral
        (`LEARNING_RATES`): sgd 1, momentum 0.3, rmsprop 0.01, adam 0.01.
    momentum : float, optional
        For ``optimizer="momentum"`` only: its friction (0.9 when not given).
    lr_decay : float
        Factor applied to the learning rate after each epoch, in (0, 1].
    reg : float
        L2 strength on the weights.
    loss : str
        ``"softmax"`` or ``"svm"``.
    seed : int
        Seed of the minibatch order.
    patience : int, optional
        Early stopping: stop when the validation accuracy has not improved
        for this many epochs, and in any case end with the parameters of the
        best epoch (the highest validation accuracy). ``None`` trains every
        epoch and keeps the last parameters.
    progress : bool, optional
        Show a progress bar (tqdm if installed, else a text line) on
        ``progress_file``; ``None`` shows it only when that is a terminal.
    progress_file : file, optional
        Where the bar goes; standard error by default.
    compiled : bool
        Run the training graph compiled (the default), or through the
        interpreter's two loops; the numbers are the same.

    Returns
    -------
    History

    Raises
    ------
    ValueError
        When the optimizer is unknown, ``momentum`` is given to another one,
        a split is empty, its ``X`` and ``y`` differ in length, ``X``
        holds nan or inf (said so, with the first such row) or a parameter of
        ``net`` does, or ``y`` holds anything but the network's classes.
    FloatingPointError
        When the loss becomes infinite or nan from finite data (a learning rate
        too large).

    Examples
    --------
    >>> from graph.nn.datasets import load_dataset
    >>> data = load_dataset("spiral")
    >>> net = Network([2, 50, 3], seed=0)
    >>> history = train(net, data, epochs=30, batch_size=50, lr=0.3, reg=1e-3, progress=False)
    >>> history.val_accuracy[0] < 0.6 < 0.9 < history.val_accuracy[-1]
    True
    >>> history = train(Network([2, 50, 3], seed=0), data, epochs=30, batch_size=50, optimizer="adam",
    ...                 reg=1e-3, progress=False)             # Adam, at its default learning rate 0.01
    >>> history.lr[0], history.val_accuracy[-1] > 0.9
    (0.01, True)
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"train: unknown optimizer {optimizer!r}; "
                         f"the optimizers are {', '.join(OPTIMIZERS)}")
    if lr is None:
        lr = LEARNING_RATES["spiral"][optimizer]
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"train: epochs and batch_size must be >= 1, got {epochs} and {batch_size}")
    if patience is not None and patience < 1:
        raise ValueError(f"train: patience must be >= 1 or None, got {patience}")
    _check_split("training", data.X_train, data.y_train, net.sizes[-1])
    _check_split("validation", data.X_val, data.y_val, net.sizes[-1])
    for name, param in net.parameters.items():
        if not np.isfinite(param.value).all():
            raise ValueError(f"train: the network's parameter {name!r} holds nan or inf values; "
                             "start from a network with finite parameters")
    graph = net.training_graph(loss, reg)
    # Compiled, each epoch's last step runs a plan that records its run, and the others one that records
    # nothing: the graph shows the last step (``history.graph``), and no other step pays for a record.
    unrecorded, recorded = (graph.compile(record=False), graph.compile()) if compiled else (graph, graph)
    rule = make_optimizer(optimizer, net.parameters, lr=lr, lr_decay=lr_decay, momentum=momentum)
    rng = np.random.default_rng(seed)
    X, y = data.X_train, data.y_train
    n = len(y)
    history = History(steps_per_epoch=-(-n // min(batch_size, n)), graph=graph)
    history.train_accuracy.append(net.accuracy(X, y))
    history.val_accuracy.append(net.accuracy(data.X_val, data.y_val))
    best = {name: p.value.copy() for name, p in net.parameters.items()} if patience is not None else {}
    bar = _progress_bar(epochs, progress, progress_file or sys.stderr)
    try:
        for epoch in range(1, epochs + 1):
            history.lr.append(rule.lr)
            order = rng.permutation(n)
            epoch_losses: list[float] = []
            for start in range(0, n, batch_size):
                rows = order[start:start + batch_size]
                objective = recorded if start + batch_size >= n else unrecorded
                loss_value = objective.forward(X=X[rows], y=y[rows])
                if not np.isfinite(loss_value):
                    raise FloatingPointError(
                        f"training diverged: the loss became {loss_value} in epoch {epoch}; "
                        f"try a smaller learning rate than {lr:g}")
                history.loss.append(loss_value)
                epoch_losses.append(loss_value)
                rule.step(objective.backward())
            rule.decay()
            history.train_accuracy.append(net.accuracy(X, y))
            history.val_accuracy.append(net.accuracy(data.X_val, data.y_val))
            if history.val_accuracy[epoch] > history.val_accuracy[history.best_epoch]:
                history.best_epoch = epoch
                if patience is not None:
                    best = {name: p.value.copy() for name, p in net.parameters.items()}
            if bar is not None:
                bar.set_postfix(refresh=False, loss=f"{np.mean(epoch_losses):.3f}",  # the epoch's mean
                                train=f"{history.train_accuracy[-1]:.3f}",
                                val=f"{history.val_accuracy[-1]:.3f}")
                bar.update(1)
            if patience is not None and epoch - history.best_epoch >= patience:
                history.stopped_early = epoch < epochs
                break
    finally:
        if bar is not None:
            bar.close()
    if patience is not None:
        for name, p in net.parameters.items():
            p.value = best[name]
    return history


def _check_split(split: str, X: Any, y: Any, num_classes: int) -> None:
    """Refuse a split that cannot be trained on or evaluated, saying why: empty, nan or inf, bad labels."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or y.ndim != 1:
        raise ValueError(f"train: the {split} split must be X (N, D) and y (N,), "
                         f"got X {X.shape} and y {y.shape}")
    if len(X) != len(y):
        raise ValueError(f"train: the {split} split has {len(X)} rows of X but {len(y)} labels in y")
    if not len(y):
        raise ValueError(f"train: the {split} split is empty (0 examples); "
                         f"training needs at least one example in each split")
    if X.dtype.kind in "fc" and not np.isfinite(X).all():
        bad = ~np.isfinite(X)
        row = int(np.argmax(bad.any(axis=1)))
        raise ValueError(f"train: the {split} data X hold {int(bad.sum())} nan or inf value(s) "
                         f"(first in row {row}); remove or impute them before training")
    if y.dtype.kind not in "iu":
        raise ValueError(f"train: the {split} labels y must be integers, got dtype {y.dtype}")
    if (outside := (y < 0) | (y >= num_classes)).any():
        row = int(np.argmax(outside))
        raise ValueError(f"train: the {split} labels y hold {y[row]} (row {row}), but the network has "
                         f"{num_classes} classes, 0..{num_classes - 1}")
