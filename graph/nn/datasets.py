"""Datasets for training: the CS231n spiral (made in code) and scikit-learn's digits.

`load_dataset` gives either one as a `Dataset`: a training split and a
validation split, the same on every call. The digits need scikit-learn
(``pip install "gategraph[notebooks]"``), imported only when they are asked for.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["DATASETS", "Dataset", "digits", "load_dataset", "spiral", "split"]

#: The names `load_dataset` knows.
DATASETS = ("spiral", "digits")


class Dataset(NamedTuple):
    """A classification problem, split for training and validation.

    Shapes: ``X_train: (N, D)`` float64, ``y_train: (N,)`` int64 in
    ``0..num_classes-1``; ``X_val: (M, D)``, ``y_val: (M,)`` likewise.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    num_classes: int

    @property
    def num_features(self) -> int:
        """``D``, the length of one example."""
        return int(self.X_train.shape[1])

    def describe(self) -> str:
        """One line: the sizes of the splits, the features and the classes.

        >>> print(load_dataset("spiral").describe())
        spiral: 300 training and 300 validation examples, 2 features, 3 classes
        """
        return (f"{self.name}: {len(self.y_train)} training and {len(self.y_val)} validation examples, "
                f"{self.num_features} features, {self.num_classes} classes")


def spiral(points_per_class: int = 100, num_classes: int = 3, *, noise: float = 0.2,
           seed: int | np.random.Generator = 0) -> tuple[np.ndarray, np.ndarray]:
    """The spiral data of the CS231n case study: ``num_classes`` arms in the plane.

    Arm ``j`` has ``points_per_class`` points at radii evenly spaced from 0 to 1,
    at angles evenly spaced from ``4j`` to ``4(j+1)`` radians plus Gaussian noise
    of standard deviation ``noise``. No line separates the arms: a linear classifier
    gets about half of them right, a 2-layer network nearly all.

    The rows come in a random order, the same for the same seed: not arm by arm
    as the case study builds them, so that any slice of the data (a first
    minibatch, a quick look at ``X[:10]``) holds every class.

    Parameters
    ----------
    points_per_class, num_classes : int
        ``N`` and ``K``.
    noise : float
        Standard deviation of the angle noise, in radians.
    seed : int or numpy.random.Generator
        Seed of the noise, or the generator to draw it from.

    Returns
    -------
    X : ndarray, shape (N K, 2)
        Points, float64, within the unit disc.
    y : ndarray, shape (N K,)
        Class of each point, int64.

    Examples
    --------
    >>> X, y = spiral()
    >>> X.shape, y.shape, np.bincount(y).tolist()
    ((300, 2), (300,), [100, 100, 100])
    >>> y[:10].tolist()
    [0, 1, 2, 1, 2, 1, 1, 0, 0, 2]
    >>> bool(np.all(np.hypot(X[:, 0], X[:, 1]) <= 1.0))
    True
    """
    if points_per_class < 1 or num_classes < 1:
        raise ValueError(f"spiral: points_per_class and num_classes must be >= 1, "
                         f"got {points_per_class} and {num_classes}")
    rng = np.random.default_rng(seed)
    radius = np.linspace(0.0, 1.0, points_per_class)
    X = np.empty((points_per_class * num_classes, 2))
    y = np.repeat(np.arange(num_classes, dtype=np.int64), points_per_class)
    for j in range(num_classes):
        theta = np.linspace(4.0 * j, 4.0 * (j + 1), points_per_class)
        theta += noise * rng.standard_normal(points_per_class)
        rows = slice(j * points_per_class, (j + 1) * points_per_class)
        X[rows, 0], X[rows, 1] = radius * np.sin(theta), radius * np.cos(theta)
    shuffled = rng.permutation(len(y))
    return X[shuffled], y[shuffled]


def digits() -> tuple[np.ndarray, np.ndarray]:
    """Scikit-learn's bundled handwritten digits: 1797 images of 8×8 pixels, 10 classes.

    Needs scikit-learn (``pip install "gategraph[notebooks]"``); no download.

    Returns
    -------
    X : ndarray, shape (1797, 64)
        Each image as a row of 64 pixels, row by row, scaled from 0..16 to [0, 1].
    y : ndarray, shape (1797,)
        The digit shown, int64 in 0..9.

    Raises
    ------
    ImportError
        When scikit-learn is not installed, saying what to install.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError('the digits dataset needs scikit-learn: pip install "gategraph[notebooks]"'
                          ) from None
    bunch = load_digits()
    return np.asarray(bunch.data, dtype=np.float64) / 16.0, np.asarray(bunch.target, dtype=np.int64)


def split(X: np.ndarray, y: np.ndarray,
          every: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hold out every ``every``-th example of each class, in the data's order, for validation.

    Deterministic (no shuffling, no seed) and stratified: each class gives
    ``1/every`` of its examples to validation (the 5th, 10th, ... for
    ``every=5``), so the validation set does not change from run to run.

    Parameters
    ----------
    X : ndarray, shape (N, D)
    y : ndarray, shape (N,)
        Integer labels.
    every : int
        ``>= 2``; 5 holds out 20%.

    Returns
    -------
    X_train : (N - M, D), y_train : (N - M,), X_val : (M, D), y_val : (M,)
        Each split in the data's order.

    Examples
    --------
    >>> X, y = np.arange(20.0).reshape(10, 2), np.array([0] * 5 + [1] * 5)
    >>> X_train, y_train, X_val, y_val = split(X, y, every=5)
    >>> X_train.shape, X_val.tolist(), y_val.tolist()
    ((8, 2), [[8.0, 9.0], [18.0, 19.0]], [0, 1])
    """
    if every < 2:
        raise ValueError(f"split: every must be >= 2, got {every}")
    held_out = np.zeros(len(y), dtype=bool)
    for label in np.unique(y):
        held_out[np.flatnonzero(y == label)[every - 1::every]] = True
    return X[~held_out], y[~held_out], X[held_out], y[held_out]


def load_dataset(name: str = "spiral") -> Dataset:
    """The dataset ``name`` ("spiral" or "digits"), split for training and validation.

    The same every time (training seeds change the network, not the data):

    - ``"spiral"``: the case study's 3 arms × 100 points for training
      (``spiral(seed=0)``), and a second draw of the same spiral, with fresh
      angle noise, for validation; so the network trains on all 300 points as in
      the case study.
    - ``"digits"``: the 1797 digit images, pixels in [0, 1]; every 5th image of
      each digit (20%) held out for validation (`split`).

    Parameters
    ----------
    name : str
        One of `DATASETS`.

    Raises
    ------
    ValueError
        For an unknown name.
    ImportError
        For ``"digits"`` without scikit-learn.

    Examples
    --------
    >>> data = load_dataset("spiral")
    >>> data.X_train.shape, data.X_val.shape, data.num_classes
    ((300, 2), (300, 2), 3)
    """
    if name == "spiral":
        rng = np.random.default_rng(0)
        X_train, y_train = spiral(seed=rng)     # the same points as spiral(seed=0)
        X_val, y_val = spiral(seed=rng)
        return Dataset(name, X_train, y_train, X_val, y_val, 3)
    if name == "digits":
        X, y = digits()
        return Dataset(name, *split(X, y, every=5), 10)
    raise ValueError(f"unknown dataset {name!r}; the datasets are {', '.join(DATASETS)}")
