"""`check_network`: the lecture's 2-layer network, backward written by hand, against the engine.

The learner writes one function, in the staged style of the course notes::

    def two_layer(X, y, W1, b1, W2, b2):
        a1 = X @ W1 + b1                 # (N, H)
        h1 = np.maximum(0, a1)           # (N, H)
        scores = h1 @ W2 + b2            # (N, C)
        loss = ...                       # mean softmax cross-entropy
        ...                              # backward, one line per gate
        return loss, {"scores": dscores, "W2": dW2, "b2": db2, "h1": dh1, "a1": da1, "W1": dW1, "b1": db1}

The gradients of the parameters are required; those of the intermediate values
(named as the engine names its nodes) are optional, and help: the checker
walks back from the loss in the engine's order and reports the first gradient
that differs from the engine's, so a mistake is found where it is made, not
where it ends up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gates.base import shape_of, unbroadcast

from ..nn.network import Network
from .compare import close, element, fmt, numeric_problem, scale_of, worst
from .learner import attempt, crash_verdict
from .verdict import Verdict

__all__ = ["check_network"]

#: The values whose gradients the learner may give, in the order backward reaches them.
ORDER = ("scores", "W2", "b2", "h1", "a1", "W1", "b1")
PARAMETERS = ("W1", "b1", "W2", "b2")


def _hints(N: int, D: int, H: int, C: int) -> dict[str, str]:
    """What the lecture says about each gradient, with this network's shapes."""
    return {
        "scores": (f"the loss is the mean over the N = {N} rows of -log softmax(scores)[label]: its gradient "
                   "is softmax(scores) minus 1 at each row's label, divided by N."),
        "W2": (f"scores = h1·W2 + b2. The gradient has the variable's shape: dW2 is ({H}, {C}), like W2, and "
               f"the only product of h1 ({N}, {H}) and dscores ({N}, {C}) with that shape is h1ᵀ·dscores."),
        "b2": (f"b2 is added to every one of the {N} rows (a copy): its gradient is the sum of dscores over "
               f"the rows (copy adds), shaped ({C},) like b2."),
        "h1": (f"dh1 has h1's shape ({N}, {H}): the product of dscores ({N}, {C}) and W2ᵀ ({C}, {H})."),
        "a1": "h1 = max(0, a1): max routes. dh1 passes where a1 > 0, and 0 where a1 ≤ 0.",
        "W1": (f"a1 = X·W1 + b1: dW1 has W1's shape ({D}, {H}), the product Xᵀ·da1."),
        "b1": f"b1 is added to every row: its gradient is da1 summed over the rows, shaped ({H},).",
    }


def check_network(two_layer: Callable[..., Any], *, N: int = 6, D: int = 4, H: int = 5, C: int = 3,
                  seed: int = 0) -> Verdict:
    """Compare a hand-written forward and backward of f = W2·max(0, W1·x) with the engine's.

    Parameters
    ----------
    two_layer : callable
        ``two_layer(X, y, W1, b1, W2, b2) -> (loss, grads)`` (module docstring):
        the mean softmax loss of the scores ``max(0, X·W1 + b1)·W2 + b2``, and a
        dict of gradients with at least ``W1``, ``b1``, ``W2``, ``b2``.
    N, D, H, C : int
        Examples, features, hidden units, classes: all different by default, so
        that a transposed gradient cannot have the right shape.
    seed : int
        Seed of the data and the weights.

    Returns
    -------
    Verdict
        ``ok``, or the first gradient (in the order backward computes them) that
        differs from the engine's, its mistake named with `check`'s ids.

    Examples
    --------
    >>> def lazy(X, y, W1, b1, W2, b2):
    ...     return 0.0, {}
    >>> check_network(lazy).mistake
    'wrong'
    """
    rng = np.random.default_rng(seed)
    net = Network([D, H, C], seed=seed)
    for b in net.biases:
        b.value = 0.1 * rng.standard_normal(b.value.shape)
    X, y = rng.standard_normal((N, D)), rng.integers(0, C, N)
    graph = net.training_graph("softmax")
    loss = graph.forward(X=X, y=y)
    graph.backward()
    tape = graph.tape()
    nodes = {str(n.name): n for n in tape.order}
    right = {name: tape.grads[nodes[name]] for name in ORDER}
    params = {name: net.parameters[name].value for name in PARAMETERS}
    args = (X.copy(), y.copy(), *(params[k].copy() for k in ("W1", "b1", "W2", "b2")))
    subject = getattr(two_layer, "__name__", "your function")
    result, crash = attempt(f"{subject}(X, y, W1, b1, W2, b2)", two_layer, *args)
    if crash is not None:
        return crash_verdict(crash, subject)
    say = _Say(subject, N, D, H, C)
    for name, before, after in zip(("X", "y", "W1", "b1", "W2", "b2"), (X, y, *params.values()), args,
                                   strict=True):
        if not np.array_equal(before, after):
            return say("wrong", f"`{subject}` changed {name} in place.",
                       "compute new arrays; the inputs and the weights belong to the caller.")
    if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
        return say("wrong-count", f"`{subject}` must return `(loss, grads)`, a number and a dict; "
                   f"it returned {type(result).__name__} {result!r:.60}.",
                   "end with `return loss, {'W1': dW1, ...}`.")
    got_loss, grads = result
    if numeric_problem(got_loss, "") is not None or not close(got_loss, loss):
        return say("wrong", f"The loss is {fmt(got_loss)}; the engine's is {fmt(loss)}.",
                   "the loss is the mean over the rows of -log softmax(scores)[label].")
    missing = [k for k in PARAMETERS if k not in grads]
    if missing:
        return say("wrong-count", f"`{subject}` returned no gradient for {', '.join(missing)}.",
                   "return a gradient for every parameter: W1, b1, W2 and b2.")
    for name in ORDER:
        if name in grads:
            verdict = say.gradient(name, grads[name], right[name], _local(name, tape, nodes))
            if verdict is not None:
                return verdict
    shown = [name for name in ORDER if name in grads]
    return Verdict(True, None, (
        f"`{subject}` gives the engine's loss ({fmt(loss)}) and gradients of {', '.join(shown)}, for "
        f"N = {N} examples, D = {D} features, H = {H} hidden units and C = {C} classes."), subject)


def _local(name: str, tape: Any, nodes: dict[str, Any]) -> Any:
    """For ``a1``: the ReLU's local gradient (what ``da1`` would be for ``dh1 = 1``); else ``None``."""
    if name != "a1":
        return None
    return (np.asarray(tape.values[nodes["a1"]]) > 0).astype(np.float64)


class _Say:
    """The verdicts of `check_network`, worded with the network's sizes."""

    def __init__(self, subject: str, N: int, D: int, H: int, C: int) -> None:
        self.subject, self.N = subject, N
        self.hints = _hints(N, D, H, C)

    def __call__(self, mistake: str, text: str, hint: str) -> Verdict:
        return Verdict(False, mistake, f"{text}\nHint: {hint}", self.subject)

    def gradient(self, name: str, got: Any, right: Any, local: Any) -> Verdict | None:
        what, hint = f"d{name}", self.hints[name]
        problem = numeric_problem(got, what)
        if problem is not None:
            return self("wrong", f"{problem[0].upper()}{problem[1:]}.", hint)
        if shape_of(got) != shape_of(right):
            text = f"Your {what} has shape {shape_of(got)}, but {name} has shape {shape_of(right)}."
            if np.ndim(got) == 2 and close(np.transpose(got), right):
                return self("transposed", text + " It is the transpose of the engine's.", hint)
            try:
                if close(unbroadcast(np.asarray(got, dtype=np.float64), shape_of(right)), right):
                    text += " Summed over the rows it would be right."
            except ValueError:
                pass
            return self("wrong-shape", text, hint)
        if close(got, right):
            return None
        idx = worst(got, right)
        at = f"{what}[{', '.join(map(str, idx))}]" if idx else what
        numbers = f"your {at} = {fmt(element(got, idx))}; the engine's is {fmt(element(right, idx))}"
        if local is not None and close(got, local):
            return self("ignores-upstream", f"Your {what} is the local gradient of max(0, a1) alone, "
                        f"never multiplied by the upstream dh1: {numbers}.", hint)
        if close(got, np.negative(right)):
            return self("wrong-sign", f"Your {what} has the wrong sign everywhere: {numbers}.", hint)
        if np.ndim(got) == 2 and close(np.transpose(got), right):
            return self("transposed", f"Your {what} is the transpose of the engine's: {numbers}.", hint)
        c = scale_of(got, right)
        if c is not None and abs(abs(c) - 1) > 1e-6 and abs(c) > 1e-6:
            why = f" (N = {self.N}: the loss is a mean over the rows)" if abs(abs(c) - self.N) < 1e-6 else ""
            return self("wrong-scale",
                        f"Your {what} is {fmt(c)} times the engine's everywhere{why}: {numbers}.", hint)
        return self("wrong", f"Your {what} differs from the engine's: {numbers} "
                    "(the largest difference).", hint)
