"""Fully connected networks built from gates: the lecture's f = W2·max(0, W1·x).

A `Network` is a graph of `MatMul`, bias `Add` and activation gates on an
`Input` named ``"X"``, with a `Parameter` per weight matrix and bias. Data come
in rows, so the lecture's ``W1·x`` for one column ``x`` is ``X @ W1`` for a
batch ``X: (N, D)``. `Network.training_graph` adds a loss gate and the L2
penalty, built from gates too; `graph.train` runs it.

The 2-layer network, by hand, reads like the lecture's formula:

>>> from graph import Input, Parameter
>>> from gates import ReLU
>>> X = Input("X", shape=(None, 2), requires_grad=False)
>>> W1, b1 = Parameter("W1", np.ones((2, 3))), Parameter("b1", np.zeros(3))
>>> W2, b2 = Parameter("W2", np.ones((3, 1))), Parameter("b2", np.zeros(1))
>>> f = ReLU()(X @ W1 + b1) @ W2 + b2          # f = W2 max(0, W1 x)
>>> ComputationalGraph(f).forward(X=[[1.0, -3.0], [1.0, 2.0]])
array([[0.],
       [9.]])

`Network([2, 3, 1])` builds the same graph, initialised for its activation.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from gates import (
    Add,
    Gate,
    LeakyReLU,
    MatMul,
    ReLU,
    Scale,
    Sigmoid,
    SoftmaxCrossEntropy,
    SquaredNorm,
    SVMLoss,
    Tanh,
)

from ..computational_graph import ComputationalGraph
from ..nodes import Input, Node, Parameter

if TYPE_CHECKING:
    from ..compile import CompiledGraph
    from .files import NpzArchive

__all__ = ["ACTIVATIONS", "LOSSES", "Network", "l2_penalty", "parameter_count"]

#: Activation gates by name, and the initialisation each calls for.
ACTIVATIONS: dict[str, tuple[type[Gate], str]] = {
    "relu": (ReLU, "he"),
    "leaky_relu": (LeakyReLU, "he"),
    "tanh": (Tanh, "xavier"),
    "sigmoid": (Sigmoid, "xavier"),
}

#: Loss gates by name: both take scores ``(N, C)`` and labels ``(N,)``.
LOSSES: dict[str, type[Gate]] = {"softmax": SoftmaxCrossEntropy, "svm": SVMLoss}

#: Standard deviation of the initial weights, given the fan-in ``n`` (CS231n's calibrations).
_INIT_STD = {"he": lambda n: np.sqrt(2.0 / n), "xavier": lambda n: np.sqrt(1.0 / n)}


def l2_penalty(weights: Sequence[Node], reg: float) -> Node:
    """The L2 regularisation term ``0.5 reg Σ_W ‖W‖²``, built from gates.

    One `SquaredNorm` per weight, summed by `Add` gates and scaled by
    ``Scale(0.5 * reg)``; its gradient is ``reg W`` for each ``W``.

    Parameters
    ----------
    weights : sequence of Node
        The weight matrices to penalise (not the biases).
    reg : float
        Regularisation strength.

    Returns
    -------
    Node
        A scalar node named ``"l2"``.

    Examples
    --------
    >>> W = Parameter("W", [[1.0, -2.0], [0.0, 3.0]])
    >>> g = ComputationalGraph(l2_penalty([W], reg=0.1))
    >>> round(g.forward(), 12)                # 0.5 * 0.1 * (1 + 4 + 0 + 9)
    0.7
    >>> g.backward()["W"]                     # reg * W
    array([[ 0.1, -0.2],
           [ 0. ,  0.3]])
    """
    if not weights:
        raise ValueError("l2_penalty needs at least one weight")
    name = f"‖{weights[0].name}‖²"
    total = SquaredNorm()(weights[0], name=name)
    for W in weights[1:]:
        name = f"{name} + ‖{W.name}‖²"
        total = Add()(total, SquaredNorm()(W, name=f"‖{W.name}‖²"), name=name)
    return cast(Node, Scale(0.5 * reg)(total, name="l2"))


class Network:
    """A fully connected network: affine layers with an activation between them.

    For ``sizes = [D, H, C]`` the scores are ``act(X @ W1 + b1) @ W2 + b2``,
    the lecture's f = W2·max(0, W1·x) with biases; ``[D, C]`` is the linear
    classifier ``X @ W1 + b1``; more sizes make deeper networks. Hidden layers
    are initialised for their activation (He, ``std = sqrt(2 / fan_in)``, for
    ReLU-like gates; Xavier, ``std = sqrt(1 / fan_in)``, for tanh and sigmoid),
    the output layer with Xavier; biases start at zero.

    Parameters
    ----------
    sizes : sequence of int
        ``[D, H1, ..., C]``: input features, hidden units per layer, classes.
    activation : str
        A key of `ACTIVATIONS`: ``"relu"``, ``"leaky_relu"``, ``"tanh"`` or ``"sigmoid"``.
    seed : int
        Seed of the initial weights (`numpy.random.default_rng`).
    compiled : bool
        Compute `forward` and `predict` with the score graph compiled
        (`ComputationalGraph.compile`, the default), or with the interpreter.

    Attributes
    ----------
    X : Input
        The data, ``(N, D)``, named ``"X"``; it needs no gradient.
    scores : Node
        The class scores, ``(N, C)``, as `forward` and `predict` compute them. Each
        `training_graph` computes its own, on gates of its own and the same parameters.
    weights, biases : list of Parameter
        ``W1: (D, H1)``, ..., ``b1: (H1,)``, ...
    parameters : dict of str to Parameter
        ``{"W1": ..., "b1": ..., ...}``, in layer order.

    Notes
    -----
    `forward`, `predict` and `accuracy` may be called from several threads at
    once: each call is one run of the scores graph, and runs are serialised
    (`ComputationalGraph`, Notes). Train a network from one thread at a time.

    Examples
    --------
    >>> net = Network([2, 100, 3], seed=0)
    >>> print(net)
    Network 2 → 100 → 3: scores = max(0, X·W1 + b1)·W2 + b2
    >>> X = np.array([[0.5, -0.5], [0.0, 1.0]])
    >>> net.forward(X).shape, net.predict(X).shape
    ((2, 3), (2,))
    >>> {name: p.value.shape for name, p in net.parameters.items()}
    {'W1': (2, 100), 'b1': (100,), 'W2': (100, 3), 'b2': (3,)}
    """

    def __init__(self, sizes: Sequence[int], activation: str = "relu", *, seed: int = 0,
                 compiled: bool = True) -> None:
        if not all(isinstance(n, (int, np.integer)) and type(n) is not bool for n in sizes):  # ("23": no)
            raise TypeError(f"Network: sizes must be whole numbers [D, ..., C], got {sizes!r}")
        sizes = [int(n) for n in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"Network: sizes must be [D, ..., C], at least two numbers >= 1, got {sizes}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"Network: unknown activation {activation!r}; "
                             f"the activations are {', '.join(ACTIVATIONS)}")
        self.sizes, self.activation = tuple(sizes), activation
        hidden_init = ACTIVATIONS[activation][1]
        rng = np.random.default_rng(seed)
        self.weights: list[Parameter] = []
        self.biases: list[Parameter] = []
        layers = len(sizes) - 1
        for k, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes), start=1):
            init = hidden_init if k < layers else "xavier"
            W = _INIT_STD[init](fan_in) * rng.standard_normal((fan_in, fan_out))
            self.weights.append(Parameter(f"W{k}", W))
            self.biases.append(Parameter(f"b{k}", np.zeros(fan_out)))
        self.parameters: dict[str, Parameter] = {}
        for W, b in zip(self.weights, self.biases, strict=True):
            self.parameters[str(W.name)], self.parameters[str(b.name)] = W, b
        self.X, self.scores = self._layers()
        self._score_graph = ComputationalGraph(self.scores)
        self.compiled = compiled
        self._compiled_scores: CompiledGraph | None = None

    def _layers(self) -> tuple[Input, Node]:
        """A new data input ``X`` and the scores computed from it, on new gates and this network's parameters.

        Every graph of the network gets gates of its own (they share the parameters): a
        prediction between a training graph's forward and its backward, say, must not
        overwrite what the training graph's gates kept.
        """
        gate_class = ACTIVATIONS[self.activation][0]
        X = Input("X", shape=(None, self.sizes[0]), requires_grad=False)
        h: Node = X
        layers = len(self.weights)
        for k, (W, b) in enumerate(zip(self.weights, self.biases, strict=True), start=1):
            h = Add()(MatMul()(h, W, name=f"X·W{k}" if k == 1 else f"h{k - 1}·W{k}"), b,
                      name="scores" if k == layers else f"a{k}")
            if k < layers:
                h = gate_class()(h, name=f"h{k}")
        return X, h

    @property
    def formula(self) -> str:
        """The scores as a formula, ``max(0, X·W1 + b1)·W2 + b2`` for a 2-layer ReLU network."""
        text = "X"
        for k in range(1, len(self.sizes)):
            text = f"{text}·W{k} + b{k}"
            if k < len(self.sizes) - 1:
                text = f"max(0, {text})" if self.activation == "relu" else f"{self.activation}({text})"
        return text

    def forward(self, X: Any) -> np.ndarray:
        """The class scores of a batch.

        Parameters
        ----------
        X : array_like, shape (N, D)

        Returns
        -------
        ndarray, shape (N, C)
        """
        scores: np.ndarray = np.asarray(self._scores().forward(X=X))
        return scores

    def _scores(self) -> ComputationalGraph | CompiledGraph:
        """What computes the scores: the compiled graph (by default), or the interpreter."""
        if not self.compiled:
            return self._score_graph
        if self._compiled_scores is None:
            self._compiled_scores = self._score_graph.compile()
        return self._compiled_scores

    def predict(self, X: Any) -> np.ndarray:
        """The predicted class of each row of ``X: (N, D)``: the index of its highest score, ``(N,)``.

        Raises
        ------
        ValueError
            When a row's scores are nan (from nan or inf in ``X`` or in the
            parameters): such a row has no highest score.
        """
        scores = self.forward(X)
        undefined = np.isnan(scores).any(axis=1)
        if undefined.any():
            rows = np.flatnonzero(undefined)
            raise ValueError(f"Network.predict: the scores of {len(rows)} row(s) of X are nan (first: row "
                             f"{rows[0]}), so they have no predicted class; X or the parameters hold "
                             "nan or inf")
        labels: np.ndarray = np.argmax(scores, axis=1)
        return labels

    def accuracy(self, X: Any, y: Any) -> float:
        """The fraction of rows of ``X: (N, D)`` whose predicted class is ``y: (N,)``, integer labels.

        Raises
        ------
        ValueError
            When ``y`` is not a vector of integer labels, one per row of ``X``,
            or there are no rows.
        """
        y = np.asarray(y)
        if y.ndim != 1 or y.dtype.kind not in "iu":
            raise ValueError(f"Network.accuracy: y must be a vector of integer labels, shape (N,), "
                             f"got shape {y.shape} of dtype {y.dtype}")
        predicted = self.predict(X)
        if len(predicted) != len(y):
            raise ValueError(f"Network.accuracy: X has {len(predicted)} rows but y has {len(y)} labels")
        if not len(y):
            raise ValueError("Network.accuracy: X and y are empty; the accuracy of no examples is undefined")
        return float(np.mean(predicted == y))

    def training_graph(self, loss: str = "softmax", reg: float = 0.0) -> ComputationalGraph:
        """The graph of the training objective: data loss plus L2 penalty on the weights.

        ``loss = L(scores, y) + 0.5 reg Σ_k ‖W_k‖²``, with ``L`` the mean softmax
        cross-entropy or multiclass SVM loss. Its inputs are ``X`` and the labels
        ``y`` (an `Input` that needs no gradient); its parameters are this
        network's. Build it once and run it on every minibatch.

        Parameters
        ----------
        loss : str
            A key of `LOSSES`: ``"softmax"`` or ``"svm"``.
        reg : float
            L2 strength, >= 0; 0 leaves the penalty out.

        Returns
        -------
        ComputationalGraph
            Output: the scalar loss, named ``"loss"``.

        Examples
        --------
        >>> net = Network([2, 3], seed=0)
        >>> g = net.training_graph("softmax", reg=1e-3)
        >>> sorted(g.inputs), list(g.parameters)
        (['X', 'y'], ['W1', 'b1'])
        >>> from graph import gradcheck
        >>> gradcheck(g, {"X": np.ones((4, 2)), "y": np.array([0, 1, 2, 0])})
        True
        """
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; the losses are {', '.join(LOSSES)}")
        if not isinstance(reg, (int, float, np.integer, np.floating)) or not 0 <= reg < math.inf:
            raise ValueError(f"reg must be >= 0 and finite, got {reg!r}")
        y = Input("y", shape=(None,), requires_grad=False)
        _, scores = self._layers()
        data_loss = LOSSES[loss]()(scores, y, name="data_loss" if reg else "loss")
        if not reg:
            return ComputationalGraph(data_loss)
        return ComputationalGraph(Add()(data_loss, l2_penalty(self.weights, reg), name="loss"))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the sizes, the activation and every parameter to ``path`` as ``.npz``.

        The file holds plain arrays only (no pickles): ``W1``, ``b1``, ..., plus
        ``sizes`` and ``activation``. It is written at ``path`` exactly (no
        ``.npz`` is added), atomically: into a temporary file of its own beside
        it, then renamed into place, so that a failure (a full disk, Ctrl-C)
        leaves any previous file at ``path`` as it was. Saving never destroys:
        ``path`` must be a regular file (replaced) or a new path; a symbolic
        link is followed. `load` reads it back.

        Raises
        ------
        ValueError
            Naming ``path``, before anything is written, when it is a directory,
            a device, a FIFO or a socket, or its name is too long for its file
            system (`graph.nn.files.save_target`).
        OSError
            When the file cannot be written (a missing directory, no permission,
            no space, ...).

        Examples
        --------
        >>> import tempfile
        >>> Network([2, 3]).save(tempfile.gettempdir())  # doctest: +ELLIPSIS
        Traceback (most recent call last):
          ...
        ValueError: '...' is a directory, not a regular file or a new path
        """
        arrays: dict[str, Any] = {"sizes": np.array(self.sizes, dtype=np.int64),
                                  "activation": np.array(self.activation),
                                  **{name: p.value for name, p in self.parameters.items()}}
        from .files import write_atomically  # (zipfile and its kin load only when a file is written)

        write_atomically(path, lambda file: np.savez(file, **arrays))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Network:
        """A network read from a file that `save` wrote; it predicts exactly as the saved one.

        Everything the file claims is checked before anything is allocated: that it
        is an ``.npz`` archive, that it holds exactly ``sizes``, ``activation``
        and the parameters those sizes call for, with those shapes, and that
        its members hold the data their headers announce; every member's
        checksum is verified as it is read. Nothing in the file is executed (no
        pickles).

        Raises
        ------
        ValueError
            Naming the file and what is wrong with it, whatever the fault, if it
            is not a network that `save` wrote: random bytes, a ``.npy``, a file
            cut short or with bytes flipped anywhere, forged sizes, offsets,
            versions or flags, missing or extra arrays, sizes that its arrays do
            not match, ... (`graph.nn.files.FileFormatError`).
        OSError
            If the file cannot be read (missing, a directory, a disk error, ...).

        Examples
        --------
        >>> import tempfile, os
        >>> net = Network([2, 5, 3], seed=1)
        >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
        >>> net.save(path)
        >>> X = np.random.default_rng(0).standard_normal((4, 2))
        >>> bool(np.array_equal(Network.load(path).forward(X), net.forward(X)))
        True
        """
        from .files import NpzArchive

        with NpzArchive(path) as archive:
            sizes, activation = _saved_architecture(archive)
            expected: dict[str, tuple[int, ...]] = {}
            for k, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes), start=1):
                expected[f"W{k}"], expected[f"b{k}"] = (fan_in, fan_out), (fan_out,)
            held = archive.headers.keys() - {"sizes", "activation"}
            layout = f"(a network of sizes {sizes} has {', '.join(expected)})"
            if missing := [name for name in expected if name not in held]:
                which = ", ".join(map(repr, missing))
                raise archive.error(f"parameter {which} is missing {layout}" if len(missing) == 1
                                    else f"parameters {which} are missing {layout}")
            if extra := sorted(held - expected.keys()):
                raise archive.error(f"unexpected array(s) {', '.join(map(repr, extra))} {layout}")
            for name, shape in expected.items():
                header = archive.headers[name]
                if header.shape != shape:
                    raise archive.error(f"parameter {name!r} has shape {header.shape}, expected {shape} "
                                        f"for sizes {sizes}")
                if header.dtype.kind not in "iuf":
                    raise archive.error(f"parameter {name!r} holds {header.dtype} values, not numbers")
            values = {name: archive.read(name) for name in expected}  # sizes now vouched for by the data
        net = cls(sizes, activation)
        for name, param in net.parameters.items():
            param.value = values[name].astype(np.float64)
        return net

    def __str__(self) -> str:
        return f"Network {' → '.join(map(str, self.sizes))}: scores = {self.formula}"

    def __repr__(self) -> str:
        return f"Network({list(self.sizes)}, activation={self.activation!r})"


def parameter_count(sizes: Sequence[int]) -> int:
    """The number of weights and biases of a network of ``sizes``, without building it.

    >>> parameter_count([3, 4, 2]), parameter_count([3, 4, 4, 1])   # the lecture's two networks
    (26, 41)
    """
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in itertools.pairwise(sizes))


def _saved_architecture(archive: NpzArchive) -> tuple[list[int], str]:
    """The ``sizes`` and ``activation`` a saved network's archive holds, checked."""
    headers = archive.headers
    if missing := sorted({"sizes", "activation"} - headers.keys()):
        raise archive.error(f"not a saved Network: it lacks {missing}")
    sizes_header, activation_header = headers["sizes"], headers["activation"]
    if len(sizes_header.shape) != 1 or sizes_header.dtype.kind not in "iu" or sizes_header.shape[0] < 2:
        raise archive.error(f"'sizes' must be at least two integers, got {sizes_header.dtype} of shape "
                            f"{sizes_header.shape}")
    sizes = [int(n) for n in archive.read("sizes")]
    if min(sizes) < 1:
        raise archive.error(f"'sizes' must all be >= 1, got {sizes}")
    if activation_header.shape != () or activation_header.dtype.kind != "U":
        raise archive.error(f"'activation' must be one string, got {activation_header.dtype} of shape "
                            f"{activation_header.shape}")
    activation = str(archive.read("activation")[()])
    if activation not in ACTIVATIONS:
        raise archive.error(f"unknown activation {activation!r}; "
                            f"the activations are {', '.join(ACTIVATIONS)}")
    return sizes, activation
