"""The update rules of CS231n: SGD (with momentum), RMSProp and Adam, and learning-rate decay.

The optimizer is the last step of the lecture's loop: forward, backward, then
nudge every `Parameter` against its gradient. Each optimizer reads the dict that
`ComputationalGraph.backward` returns and moves each parameter with
`Parameter.update`, which leaves the value a run recorded as it was. The rules
and their defaults are the course's (``sgd_momentum``, ``rmsprop`` and ``adam``
of its ``optim.py``); each keeps its state (velocity, caches, moments) per
parameter, in the parameter's shape.

`OPTIMIZERS` names them as `train` and ``gategraph train --optim`` do:
``"sgd"`` (momentum 0), ``"momentum"`` (0.9), ``"rmsprop"`` and ``"adam"``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..nodes import Parameter

__all__ = ["OPTIMIZERS", "SGD", "Adam", "Optimizer", "RMSProp", "make_optimizer"]


class Optimizer:
    """What `SGD`, `RMSProp` and `Adam` share: the parameters by name, the learning rate and its decay.

    A subclass says how one parameter moves, given its gradient (`_delta`),
    and which of its attributes are its settings (`SETTINGS`).

    Parameters
    ----------
    parameters : mapping of str to Parameter, or iterable of Parameter
        What to update, by name (the names `ComputationalGraph.backward` uses).
    lr : float
        Learning rate (step size), > 0.
    lr_decay : float
        Factor applied to ``lr`` by each `decay`, in (0, 1].
    """

    #: The attributes that make the rule's settings (its ``eps`` left out): shown by `settings` and repr.
    SETTINGS: tuple[str, ...] = ()

    def __init__(self, parameters: Mapping[str, Parameter] | Iterable[Parameter], lr: float,
                 lr_decay: float = 1.0) -> None:
        kind = type(self).__name__
        params = list(parameters.values()) if isinstance(parameters, Mapping) else list(parameters)
        if not lr > 0:
            raise ValueError(f"{kind}: lr must be > 0, got {lr}")
        if not 0 < lr_decay <= 1:
            raise ValueError(f"{kind}: lr_decay must be in (0, 1], got {lr_decay}")
        self.parameters: dict[str, Parameter] = {}
        for p in params:
            if not isinstance(p, Parameter):
                raise TypeError(f"{kind} updates Parameters, got {p!r}")
            if p.name in self.parameters:
                raise ValueError(f"{kind}: two parameters are named {p.name!r}")
            self.parameters[str(p.name)] = p
        self.lr, self.lr_decay = lr, lr_decay
        #: each parameter's shape, read once: reading ``value`` after a run would copy the recorded array
        self.shapes = {name: np.shape(p.value) for name, p in self.parameters.items()}

    def _state(self) -> dict[str, np.ndarray]:
        """A zero array per parameter, shaped and typed like it: a velocity, a cache, a moment."""
        return {name: np.zeros_like(p.value) for name, p in self.parameters.items()}

    def step(self, grads: Mapping[str, Any]) -> None:
        """Update every parameter that has a gradient in ``grads``.

        Parameters
        ----------
        grads : mapping of str to array_like
            Gradients by name, as `ComputationalGraph.backward` returns them; each
            shaped like its parameter. Names that are not parameters of this
            optimizer (a graph's inputs) are ignored.

        Raises
        ------
        ShapeError
            When a gradient is not shaped like its parameter.
        """
        for name, param in self.parameters.items():
            g = grads.get(name)
            if g is None:
                continue
            g = np.asarray(g)
            if g.shape != self.shapes[name]:
                raise ShapeError(f"{type(self).__name__}: the gradient of {name!r} has shape {g.shape}, "
                                 f"expected {self.shapes[name]}, the parameter's shape")
            param.update(self._delta(name, g))

    def _delta(self, name: str, g: np.ndarray) -> np.ndarray:
        """How much the parameter ``name`` moves, given its gradient ``g``; updates its state."""
        raise NotImplementedError

    def decay(self) -> None:
        """Multiply the learning rate by ``lr_decay`` (once per epoch)."""
        self.lr *= self.lr_decay

    @property
    def settings(self) -> str:
        """The rule's own settings, in words: ``"momentum 0.9"``, ``"beta1 0.9, beta2 0.999"``."""
        return ", ".join(f"{name.replace('_', ' ')} {getattr(self, name):g}" for name in self.SETTINGS)

    def __repr__(self) -> str:
        settings = "".join(f", {name}={getattr(self, name):g}" for name in self.SETTINGS)
        return (f"{type(self).__name__}({list(self.parameters)}, lr={self.lr:g}{settings}, "
                f"lr_decay={self.lr_decay:g})")


class SGD(Optimizer):
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

    Attributes
    ----------
    velocity : dict of str to ndarray
        ``v`` of each parameter, shaped like it.

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

    SETTINGS = ("momentum",)

    def __init__(self, parameters: Mapping[str, Parameter] | Iterable[Parameter], lr: float = 1e-2,
                 momentum: float = 0.9, lr_decay: float = 1.0) -> None:
        super().__init__(parameters, lr, lr_decay)
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum}")
        self.momentum = momentum
        self.velocity = self._state()

    def _delta(self, name: str, g: np.ndarray) -> np.ndarray:
        v = self.velocity[name]
        v *= self.momentum
        v -= self.lr * g
        return v



class RMSProp(Optimizer):
    """RMSProp, as in CS231n: a per-element step size from a running mean of squared gradients.

    ``cache = rho cache + (1 - rho) dW**2``, then ``W -= lr dW / (sqrt(cache) + eps)``,
    with ``rho`` the ``decay_rate``. An element whose gradients are large takes
    small steps, and one whose gradients are small takes large ones.

    Parameters
    ----------
    parameters : mapping of str to Parameter, or iterable of Parameter
        What to update, by name (the names `ComputationalGraph.backward` uses).
    lr : float
        Learning rate (step size), > 0.
    decay_rate : float
        ``rho`` in [0, 1): how much of the cache each step keeps.
    eps : float
        > 0: keeps the division finite where the cache is 0.
    lr_decay : float
        Factor applied to ``lr`` by each `decay`, in (0, 1].

    Attributes
    ----------
    cache : dict of str to ndarray
        The running mean of each parameter's squared gradients, shaped like it.

    Examples
    --------
    One step on ``f = w**2`` from ``w = 3`` (gradient 6): ``cache = 0.01 * 36``,
    so the step is ``lr * 6 / 0.6``, ten times the learning rate.

    >>> from graph import ComputationalGraph
    >>> w = Parameter("w", 3.0)
    >>> g = ComputationalGraph(w ** 2)
    >>> opt = RMSProp([w], lr=0.01)
    >>> g.forward(); opt.step(g.backward()); w.value.round(8), opt.cache["w"].round(8)
    9.0
    (np.float64(2.9), np.float64(0.36))
    """

    SETTINGS = ("decay_rate",)

    def __init__(self, parameters: Mapping[str, Parameter] | Iterable[Parameter], lr: float = 1e-2,
                 decay_rate: float = 0.99, eps: float = 1e-8, lr_decay: float = 1.0) -> None:
        super().__init__(parameters, lr, lr_decay)
        if not 0 <= decay_rate < 1:
            raise ValueError(f"RMSProp: decay_rate must be in [0, 1), got {decay_rate}")
        if not eps > 0:
            raise ValueError(f"RMSProp: eps must be > 0, got {eps}")
        self.decay_rate, self.eps = decay_rate, eps
        self.cache = self._state()

    def _delta(self, name: str, g: np.ndarray) -> np.ndarray:
        cache = self.cache[name]
        cache *= self.decay_rate
        cache += (1 - self.decay_rate) * g**2
        delta: np.ndarray = -self.lr * g / (np.sqrt(cache) + self.eps)
        return delta



class Adam(Optimizer):
    """Adam, as in CS231n: momentum and RMSProp together, with bias correction.

    For the ``t``-th step of a parameter (``t = 1`` on the first)::

        m = beta1 m + (1 - beta1) dW             first moment: a velocity
        v = beta2 v + (1 - beta2) dW**2          second moment: RMSProp's cache
        mt = m / (1 - beta1**t),  vt = v / (1 - beta2**t)
        W -= lr mt / (sqrt(vt) + eps)

    ``m`` and ``v`` start at zero, so early on they are too small; dividing by
    ``1 - beta**t`` corrects that, and the first step is about ``lr`` in each
    element whatever the gradient's size.

    Parameters
    ----------
    parameters : mapping of str to Parameter, or iterable of Parameter
        What to update, by name (the names `ComputationalGraph.backward` uses).
    lr : float
        Learning rate (step size), > 0.
    beta1, beta2 : float
        In [0, 1): how much of the first and second moments each step keeps.
    eps : float
        > 0: keeps the division finite where the second moment is 0.
    lr_decay : float
        Factor applied to ``lr`` by each `decay`, in (0, 1].

    Attributes
    ----------
    m, v : dict of str to ndarray
        The moments of each parameter, shaped like it.
    t : dict of str to int
        The steps each parameter has taken.

    Examples
    --------
    The first step on ``f = w**2`` from ``w = 3`` (gradient 6): ``m = 0.6``, ``mt = 6``,
    ``vt = 36``, a step of ``lr``; from ``w = 300`` (gradient 600) the same step.

    >>> from graph import ComputationalGraph
    >>> w, u = Parameter("w", 3.0), Parameter("u", 300.0)
    >>> g = ComputationalGraph(w ** 2 + u ** 2)
    >>> opt = Adam([w, u], lr=1e-3)
    >>> g.forward(); opt.step(g.backward()); opt.t["w"], w.value.round(8), u.value.round(8)
    90009.0
    (1, np.float64(2.999), np.float64(299.999))
    """

    SETTINGS = ("beta1", "beta2")

    def __init__(self, parameters: Mapping[str, Parameter] | Iterable[Parameter], lr: float = 1e-3,
                 beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8, lr_decay: float = 1.0) -> None:
        super().__init__(parameters, lr, lr_decay)
        for label, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"Adam: {label} must be in [0, 1), got {beta}")
        if not eps > 0:
            raise ValueError(f"Adam: eps must be > 0, got {eps}")
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m, self.v = self._state(), self._state()
        self.t = dict.fromkeys(self.parameters, 0)

    def _delta(self, name: str, g: np.ndarray) -> np.ndarray:
        self.t[name] = t = self.t[name] + 1
        m, v = self.m[name], self.v[name]
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * g**2
        mt = m / (1 - self.beta1**t)
        vt = v / (1 - self.beta2**t)
        delta: np.ndarray = -self.lr * mt / (np.sqrt(vt) + self.eps)
        return delta



#: The optimizers by the names that `train` and ``gategraph train --optim`` take; each is called
#: with the parameters, ``lr`` and ``lr_decay``. ``"momentum"`` is SGD with CS231n's momentum 0.9.
OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "sgd": lambda parameters, **settings: SGD(parameters, momentum=0.0, **settings),
    "momentum": lambda parameters, momentum=0.9, **settings: SGD(parameters, momentum=momentum, **settings),
    "rmsprop": RMSProp,
    "adam": Adam,
}


def make_optimizer(name: str, parameters: Mapping[str, Parameter] | Iterable[Parameter], *, lr: float,
                   lr_decay: float = 1.0, momentum: float | None = None) -> Optimizer:
    """The optimizer called ``name`` (a key of `OPTIMIZERS`), with the course's other defaults.

    Parameters
    ----------
    name : str
        ``"sgd"``, ``"momentum"``, ``"rmsprop"`` or ``"adam"``.
    parameters : mapping of str to Parameter, or iterable of Parameter
    lr, lr_decay : float
    momentum : float, optional
        For ``"momentum"`` only: its ``mu`` (0.9 when not given).

    Raises
    ------
    ValueError
        For an unknown name, or a ``momentum`` given to another optimizer.

    Examples
    --------
    >>> make_optimizer("adam", [Parameter("w", 1.0)], lr=0.01)
    Adam(['w'], lr=0.01, beta1=0.9, beta2=0.999, lr_decay=1)
    >>> make_optimizer("sgd", [Parameter("w", 1.0)], lr=0.5, lr_decay=0.9)
    SGD(['w'], lr=0.5, momentum=0, lr_decay=0.9)
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; the optimizers are {', '.join(OPTIMIZERS)}")
    if momentum is None:
        return OPTIMIZERS[name](parameters, lr=lr, lr_decay=lr_decay)
    if name != "momentum":
        raise ValueError(f"momentum={momentum} is a setting of the optimizer 'momentum', not of {name!r}")
    return OPTIMIZERS[name](parameters, lr=lr, lr_decay=lr_decay, momentum=momentum)
