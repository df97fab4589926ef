"""Elementwise gates: exp, log, the activations, and max.

Each one-input gate keeps what its local gradient needs (its input or its output)
and returns ``local * dout``, shaped like its input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arithmetic import _constant
from .base import Gate, Kept, as_real, broadcasting, shape_of, unbroadcast

__all__ = ["ELU", "Exp", "LeakyReLU", "Log", "Max", "ReLU", "Sigmoid", "Tanh"]


class Exp(Gate):
    """``z = exp(x)``: ``dx = exp(x) * dout = z * dout``. Shapes: like ``x``.

    Examples
    --------
    >>> exp = Exp()
    >>> exp.forward(0.0)
    np.float64(1.0)
    >>> exp.backward(2.0)
    (np.float64(2.0),)
    """

    symbol = "exp"
    out = Kept()

    def forward(self, x: Any) -> Any:
        x = as_real(self, x)
        self.out = np.exp(x)
        return self.out

    def backward(self, dout: Any) -> tuple[Any]:
        return (self.out * dout,)


class Log(Gate):
    """``z = log(x)`` (natural log): ``dx = dout / x``. Shapes: like ``x``.

    Examples
    --------
    >>> log = Log()
    >>> log.forward(1.0)
    np.float64(0.0)
    >>> log.backward(1.0)
    (np.float64(1.0),)
    """

    symbol = "log"
    x = Kept()

    def forward(self, x: Any) -> Any:
        x = as_real(self, x)
        self.x = x
        return np.log(x)

    def backward(self, dout: Any) -> tuple[Any]:
        return (np.divide(dout, self.x),)


class Sigmoid(Gate):
    """``z = σ(x) = 1 / (1 + exp(-x))``: ``dx = (1 - σ(x)) σ(x) * dout``.

    The lecture's "sigmoid gate": one gate with a simple local gradient, equal to
    the circuit *-1, exp, +1, 1/x. It is computed without overflow at any ``x``
    from ``e = exp(-|x|)``: ``σ(x) = 1 / (1 + e)`` for ``x ≥ 0``, ``e / (1 + e)``
    otherwise, and ``(1 - σ)σ = e / (1 + e)**2``, so ``σ'(x) == σ'(-x)`` exactly.

    Shapes: ``z`` and ``dx`` like ``x``.

    Examples
    --------
    >>> sig = Sigmoid()
    >>> round(float(sig.forward(1.0)), 6)     # the lecture's neuron: w·x = 1
    0.731059
    >>> round(float(sig.backward(1.0)[0]), 6)
    0.196612
    """

    symbol = "σ"
    local = Kept()

    def forward(self, x: Any) -> Any:
        x = as_real(self, x)
        e = np.exp(-np.abs(x))
        self.local = e / (1.0 + e) ** 2
        return (np.where(np.greater_equal(x, 0), 1.0, e) / (1.0 + e))[()]

    def backward(self, dout: Any) -> tuple[Any]:
        return (self.local * dout,)


class Tanh(Gate):
    """``z = tanh(x)``: ``dx = (1 - z**2) * dout``. Shapes: like ``x``.

    Examples
    --------
    >>> tanh = Tanh()
    >>> tanh.forward(0.0)
    np.float64(0.0)
    >>> tanh.backward(1.0)
    (np.float64(1.0),)
    """

    symbol = "tanh"
    out = Kept()

    def forward(self, x: Any) -> Any:
        x = as_real(self, x)
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout: Any) -> tuple[Any]:
        return ((1.0 - self.out * self.out) * dout,)


class ReLU(Gate):
    """``z = max(0, x)``: ``dx = dout`` where ``x > 0``, else 0 (also at ``x = 0``).

    Shapes: ``z`` and ``dx`` like ``x``.

    Examples
    --------
    >>> relu = ReLU()
    >>> relu.forward(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 2.])
    >>> relu.backward(np.array([5.0, 5.0, 5.0]))
    (array([0., 0., 5.]),)
    """

    symbol = "relu"
    open = Kept()

    def forward(self, x: Any) -> Any:
        x = as_real(self, x)
        self.open = x > 0  # where the gradient may pass
        # (a Python float in plain Python, many times faster than a ufunc; nan stays nan, as in np.maximum)
        return (0.0 if x <= 0 else x) if type(x) is float else np.maximum(x, 0.0)

    def backward(self, dout: Any) -> tuple[Any]:
        return (dout * self.open,)


class LeakyReLU(Gate):
    """``z = x`` where ``x > 0``, else ``alpha * x``: ``dx = dout`` or ``alpha * dout``.

    Shapes: ``z`` and ``dx`` like ``x``.

    Examples
    --------
    >>> leaky = LeakyReLU(alpha=0.1)
    >>> leaky.forward(np.array([-2.0, 3.0]))
    array([-0.2,  3. ])
    >>> leaky.backward(np.array([1.0, 1.0]))
    (array([0.1, 1. ]),)
    """

    symbol = "leaky"
    positive = Kept()

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = _constant("LeakyReLU", alpha)

    def forward(self, x: Any) -> Any:
        x = as_real(self, x)
        self.positive = np.greater(x, 0)
        return np.where(self.positive, x, self.alpha * x)[()]

    def backward(self, dout: Any) -> tuple[Any]:
        return (np.where(self.positive, dout, self.alpha * dout)[()],)


    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha!r})"


class ELU(Gate):
    """``z = x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``: ``dx = dout`` or ``alpha * exp(x) * dout``.

    The exponential linear unit of the lecture's activation slide: smooth at 0 when
    ``alpha = 1``, saturating at ``-alpha`` for very negative ``x``. ``exp(x) - 1``
    is computed as ``expm1(x)``, exact near 0 (``ELU(-1e-17) = -1e-17``, not 0),
    and both only ever see ``min(x, 0)``, so nothing overflows.

    Shapes: ``z`` and ``dx`` like ``x``.

    Examples
    --------
    >>> elu = ELU()
    >>> elu.forward(np.array([-1.0, 0.0, 2.0]))
    array([-0.63212056,  0.        ,  2.        ])
    >>> elu.backward(np.array([1.0, 1.0, 1.0]))
    (array([0.36787944, 1.        , 1.        ]),)
    >>> float(elu.forward(-1e-17))
    -1e-17
    """

    symbol = "elu"
    local = Kept()

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = _constant("ELU", alpha)

    def forward(self, x: Any) -> Any:
        x = as_real(self, x)
        negative = np.minimum(x, 0)                     # x where x <= 0, 0 elsewhere
        positive = np.greater(x, 0)
        self.local = np.where(positive, 1.0, self.alpha * np.exp(negative))[()]
        return np.where(positive, x, self.alpha * np.expm1(negative))[()]

    def backward(self, dout: Any) -> tuple[Any]:
        return (self.local * dout,)

    def __repr__(self) -> str:
        return f"ELU(alpha={self.alpha!r})"


class Max(Gate):
    """``z = max(x, y)`` elementwise, the gradient router.

    Rule: ``dout`` goes to the larger input; on a tie it is split 0.5 / 0.5 (both
    halves are subgradients of max at a kink). A nan wins: ``max(nan, 1)`` is nan,
    as in numpy, and the whole ``dout`` goes to the nan input, which made the
    output (as in PyTorch); two nans tie.
    Shapes: as `Add` (broadcasting, each gradient summed back to its input's shape).

    Examples
    --------
    >>> mx = Max()
    >>> mx.forward(2.0, -1.0)
    np.float64(2.0)
    >>> mx.backward(2.0)
    (np.float64(2.0), np.float64(0.0))
    >>> mx.forward(1.0, 1.0)
    np.float64(1.0)
    >>> mx.backward(2.0)
    (np.float64(1.0), np.float64(1.0))
    >>> mx.forward(float("nan"), 1.0)
    np.float64(nan)
    >>> mx.backward(2.0)
    (np.float64(2.0), np.float64(0.0))
    """

    symbol = "max"
    x_wins, tie, x_shape, y_shape = Kept(), Kept(), Kept(), Kept()

    def forward(self, x: Any, y: Any) -> Any:
        x, y = as_real(self, x, 0), as_real(self, y, 1)
        out = broadcasting(self, np.maximum, x, y)   # a nan wins, as in numpy
        x_nan, y_nan = x != x, y != y
        self.x_shape, self.y_shape = shape_of(x), shape_of(y)
        self.x_wins = (x > y) | (x_nan > y_nan)      # x is larger, or x alone is nan
        self.tie = (x == y) | (x_nan & y_nan)
        return out

    def backward(self, dout: Any) -> tuple[Any, Any]:
        half = 0.5 * dout
        dx = np.where(self.tie, half, np.where(self.x_wins, dout, 0.0))[()]  # the winner takes all;
        dy = np.where(self.tie, half, np.where(self.x_wins, 0.0, dout))[()]  # a tie splits
        return unbroadcast(dx, self.x_shape), unbroadcast(dy, self.y_shape)
