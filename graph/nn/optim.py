"""Stochastic gradient descent with momentum, and learning-rate decay.

The optimizer is the last step of the lecture's loop: forward, backward, then
nudge every `Parameter` against its gradient. It reads the dict that
`ComputationalGraph.backward` returns and moves each parameter with
`Parameter.update`, which leaves the value a run recorded as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..nodes import Parameter

__all__ = ["SGD"]


class SGD:
    """SGD with momentum, as in CS231n: ``v = mu v - lr dW``, then ``W += v``.

    ``v`` is a velocity per parameter, starting at zero; ``mu`` (``momentum``)
    is the friction that keeps part of the last step. With ``momentum=0`` this
    is plain gradient descent, ``W -= lr dW``. `decay` multiplies the learning
    rate by ``lr_decay``; the training loop calls it once per epoch.

    Parameters
    ----------
    parameters : mapping of str to Parameter, or iterable of Parameter
        What to update, by name (the names `ComputationalGraph.backward` uses).
    lr : float
        Learning rate (step size), > 0.
    momentum : float
        ``mu`` in [0, 1).
    lr_decay : float
        Factor applied to ``lr`` by each `decay`, in (0, 1].

    Examples
    --------
    One step on ``f = w**2`` from ``w = 3`` (gradient 6):

    >>> from graph import ComputationalGraph
    >>> w = Parameter("w", 3.0)
    >>> g = ComputationalGraph(w ** 2)
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> g.forward(); opt.step(g.backward()); w.value  # v = -0.1 * 6
    9.0
    array(2.4)
    >>> g.forward(); opt.step(g.backward()); w.value  # v = 0.9 * -0.6 - 0.1 * 4.8
    5.76
    array(1.38)
    """

    def __init__(self, parameters: Mapping[str, Parameter] | Iterable[Parameter], lr: float = 1e-2,
                 momentum: float = 0.9, lr_decay: float = 1.0) -> None:
        params = list(parameters.values()) if isinstance(parameters, Mapping) else list(parameters)
        if not lr > 0:
            raise ValueError(f"SGD: lr must be > 0, got {lr}")
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum}")
        if not 0 < lr_decay <= 1:
            raise ValueError(f"SGD: lr_decay must be in (0, 1], got {lr_decay}")
        self.parameters: dict[str, Parameter] = {}
        for p in params:
            if not isinstance(p, Parameter):
                raise TypeError(f"SGD updates Parameters, got {p!r}")
            if p.name in self.parameters:
                raise ValueError(f"SGD: two parameters are named {p.name!r}")
            self.parameters[str(p.name)] = p
        self.lr, self.momentum, self.lr_decay = lr, momentum, lr_decay
        self.velocity: dict[str, np.ndarray] = {
            name: np.zeros_like(p.value) for name, p in self.parameters.items()}

    def step(self, grads: Mapping[str, Any]) -> None:
        """Update every parameter that has a gradient in ``grads``.

        Parameters
        ----------
        grads : mapping of str to array_like
            Gradients by name, as `ComputationalGraph.backward` returns them; each
            shaped like its parameter. Names that are not parameters of this
            optimizer (a graph's inputs) are ignored.
        """
        for name, param in self.parameters.items():
            g = grads.get(name)
            if g is None:
                continue
            g = np.asarray(g)
            v = self.velocity[name]
            if g.shape != v.shape:
                raise ShapeError(f"SGD: the gradient of {name!r} has shape {g.shape}, expected {v.shape}, "
                                 "the parameter's shape")
            v *= self.momentum
            v -= self.lr * g
            param.update(v)

    def decay(self) -> None:
        """Multiply the learning rate by ``lr_decay`` (once per epoch)."""
        self.lr *= self.lr_decay

    def __repr__(self) -> str:
        return (f"SGD({list(self.parameters)}, lr={self.lr:g}, momentum={self.momentum:g}, "
                f"lr_decay={self.lr_decay:g})")
