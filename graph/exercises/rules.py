"""The course's update rules, as `check_update` runs them: its own references, written from the formulas.

Each rule takes the weights ``w``, their gradient ``dw``, the hyper-parameters
and the state the rule carries from step to step (``velocity``; ``cache``;
``m``, ``v`` and ``t``), and returns the next weights and the next state, with
the course's defaults. They are plain functions of this module, fixed when it
is imported: nothing a learner's code does later can change them.

Examples
--------
Adam's first step moves every weight by the learning rate, whatever the size
of its gradient (t = 1 in the bias correction):

>>> w, dw = np.array([1.0, 1.0]), np.array([0.5, -20.0])
>>> next_w, state = UPDATES["adam"].step(w, dw, UPDATES["adam"].defaults, fresh_state("adam", w))
>>> np.round(next_w - w, 6), state["t"]
(array([-0.001,  0.001]), 1)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np

__all__ = ["STATE", "UPDATES", "Update", "fresh_state"]

State: TypeAlias = "dict[str, Any]"
Step: TypeAlias = "Callable[[np.ndarray, np.ndarray, Mapping[str, float], State], tuple[np.ndarray, State]]"


def _sgd(w: np.ndarray, dw: np.ndarray, h: Mapping[str, float], state: State) -> tuple[np.ndarray, State]:
    return w - h["learning_rate"] * dw, {}


def _sgd_momentum(w: np.ndarray, dw: np.ndarray, h: Mapping[str, float],
                  state: State) -> tuple[np.ndarray, State]:
    v = h["momentum"] * state["velocity"] - h["learning_rate"] * dw
    return w + v, {"velocity": v}


def _rmsprop(w: np.ndarray, dw: np.ndarray, h: Mapping[str, float], state: State) -> tuple[np.ndarray, State]:
    cache = h["decay_rate"] * state["cache"] + (1 - h["decay_rate"]) * dw**2
    return w - h["learning_rate"] * dw / (np.sqrt(cache) + h["epsilon"]), {"cache": cache}


def _moments(dw: np.ndarray, h: Mapping[str, float], state: State) -> State:
    return {"m": h["beta1"] * state["m"] + (1 - h["beta1"]) * dw,
            "v": h["beta2"] * state["v"] + (1 - h["beta2"]) * dw**2, "t": state["t"] + 1}


def _adam(w: np.ndarray, dw: np.ndarray, h: Mapping[str, float], state: State) -> tuple[np.ndarray, State]:
    new = _moments(dw, h, state)
    m_hat = new["m"] / (1 - h["beta1"] ** new["t"])
    v_hat = new["v"] / (1 - h["beta2"] ** new["t"])
    return w - h["learning_rate"] * m_hat / (np.sqrt(v_hat) + h["epsilon"]), new


def _adam_uncorrected(w: np.ndarray, dw: np.ndarray, h: Mapping[str, float],
                      state: State) -> tuple[np.ndarray, State]:
    """Adam without its bias correction: the ``no-bias-correction`` mistake."""
    new = _moments(dw, h, state)
    return w - h["learning_rate"] * new["m"] / (np.sqrt(new["v"]) + h["epsilon"]), new


@dataclass(frozen=True)
class Update:
    """One of the course's update rules.

    Attributes
    ----------
    step : callable
        ``step(w, dw, hyper, state) -> (next_w, state)``.
    defaults : dict of str to float
        The course's hyper-parameters, by their config keys.
    state : tuple of str
        The config keys of the state carried from step to step.
    rule : str
        The formula, for hints.
    """

    step: Step
    defaults: Mapping[str, float]
    state: tuple[str, ...]
    rule: str


UPDATES: dict[str, Update] = {
    "sgd": Update(_sgd, {"learning_rate": 1e-2}, (), "next_w = w - learning_rate * dw."),
    "sgd_momentum": Update(
        _sgd_momentum, {"learning_rate": 1e-2, "momentum": 0.9}, ("velocity",),
        "v = momentum * v - learning_rate * dw, then next_w = w + v; v starts at zeros and is kept in "
        "config['velocity']."),
    "rmsprop": Update(
        _rmsprop, {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}, ("cache",),
        "cache = decay_rate * cache + (1 - decay_rate) * dw**2, then next_w = w - learning_rate * dw / "
        "(sqrt(cache) + epsilon); cache starts at zeros and is kept in config['cache']."),
    "adam": Update(
        _adam, {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}, ("m", "v", "t"),
        "t += 1; m = beta1 * m + (1 - beta1) * dw; v = beta2 * v + (1 - beta2) * dw**2; "
        "m̂ = m / (1 - beta1**t); v̂ = v / (1 - beta2**t); "
        "next_w = w - learning_rate * m̂ / (sqrt(v̂) + epsilon). "
        "m and v start at zeros, t at 0, so the first step uses t = 1."),
}

#: Adam without its bias correction, for the ``no-bias-correction`` fingerprint.
ADAM_UNCORRECTED: Step = _adam_uncorrected

#: The state each rule starts from, by its config key.
STATE = {"velocity": "zeros", "cache": "zeros", "m": "zeros", "v": "zeros", "t": 0}


def fresh_state(kind: str, w: np.ndarray) -> State:
    """The state a rule starts from: zeros like ``w`` for the arrays, 0 for ``t``."""
    return {key: (np.zeros_like(w) if STATE[key] == "zeros" else 0) for key in UPDATES[kind].state}
