"""`check_network`: a fully connected network's backward written by hand, against the engine's tape.

The learner writes one function, in the staged style of the course notes. For
the lecture's 2-layer network::

    def two_layer(X, y, W1, b1, W2, b2):
        a1 = X @ W1 + b1                 # (N, H)
        h1 = np.maximum(0, a1)           # (N, H)
        scores = h1 @ W2 + b2            # (N, C)
        loss = ...                       # mean softmax cross-entropy
        ...                              # backward, one line per gate
        return loss, {"scores": dscores, "W2": dW2, "b2": db2, "h1": dh1, "a1": da1, "W1": dW1, "b1": db1}

A network of any depth takes its parameters in the same order,
``network(X, y, W1, b1, W2, b2, ..., WL, bL)``, with ``a_k = h_{k-1}·W_k + b_k``,
``h_k = max(0, a_k)``, ``h_0 = X`` and ``scores = a_L``; the loss is staged as
``probs = softmax(scores)``, ``log_probs = log(probs)``, ``loss = -mean of
log_probs[i, y_i]``.

The gradients of the parameters are required; those of the intermediate values
(``log_probs``, ``probs``, ``scores``, ``h1``, ``a1``, ...) are optional, and
help: the checker builds the same network in the engine, from the gates as they
were when it was imported (the softmax staged in gates: exp, the row sums as a
product with a column of ones, a division, a log), and walks back from the loss
in the order backward reaches each value, reporting the first gradient that
differs from the one on the engine's tape, so that a mistake is found where it
is made, not where it ends up. Numbers are compared
at the precision of what the learner returned (float32 is fine), and a list may
stand for a tuple or an array.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from gates import Add, Divide, Exp, Log, MatMul, Multiply, ReLU, Scale, Sum
from gates.base import shape_of

from ..computational_graph import ComputationalGraph
from ..nodes import Constant, Input, Node, Parameter
from .compare import (
    Tolerance,
    as_numbers,
    close,
    element,
    fmt,
    numeric_problem,
    summed_back,
    tolerance,
    worst,
)
from .learner import DEFAULT_TIMEOUT, Runner, crash_verdict, unreadable
from .mistakes import TABLE, Evidence, Finding, meanings, named, recognise
from .pristine import pristine
from .verdict import Verdict

__all__ = ["NETWORK_MISTAKES", "check_network", "gradient_order"]

#: The mistakes whose numbers give them away in a network's gradient, from the table.
FINGERPRINTS = ("not-averaged", "ignores-upstream", "wrong-sign", "transposed", "wrong-scale")

#: Every mistake `check_network` names.
NETWORK_MISTAKES: dict[str, str] = meanings(
    (*FINGERPRINTS, "not-implemented", "crashed", "timeout", "wrong-count", "wrong-shape", "wrong"))


def gradient_order(layers: int) -> tuple[str, ...]:
    """The values whose gradients the learner may give, in the order backward reaches them.

    >>> gradient_order(2)
    ('log_probs', 'probs', 'scores', 'W2', 'b2', 'h1', 'a1', 'W1', 'b1')
    """
    order = ["log_probs", "probs", "scores", f"W{layers}", f"b{layers}"]
    for k in range(layers - 1, 0, -1):
        order += [f"h{k}", f"a{k}", f"W{k}", f"b{k}"]
    return tuple(order)


def _hints(sizes: Sequence[int], N: int) -> dict[str, str]:
    """What the lecture says about each gradient, with this network's shapes."""
    L = len(sizes) - 1
    hints = {
        "log_probs": (f"as loss = -(1/N) Σᵢ log_probs[i, yᵢ] with N = {N}, dlog_probs is -1/N at each row's "
                      "label and 0 elsewhere."),
        "probs": (f"as log_probs = log(probs), dprobs = dlog_probs / probs: -1/(N·probs[i, yᵢ]) at each "
                  f"row's label (N = {N}), and 0 elsewhere."),
        "scores": (f"the loss is the mean over the N = {N} rows of -log softmax(scores)[label]: its gradient "
                   "is softmax(scores) minus 1 at each row's label, divided by N. Step by step from dprobs, "
                   "through probs = e^s / Σ e^s: dscores = probs · (dprobs - Σⱼ dprobs·probs), the sum "
                   "over each row."),
    }
    for k in range(1, L + 1):
        below = "X" if k == 1 else f"h{k - 1}"
        out = "scores" if k == L else f"a{k}"
        fan_in, fan_out = sizes[k - 1], sizes[k]
        hints[f"W{k}"] = (f"as {out} = {below}·W{k} + b{k}, and the gradient has the variable's shape, "
                          f"dW{k} is ({fan_in}, {fan_out}), like W{k}, and the only product of {below} "
                          f"({N}, {fan_in}) and d{out} ({N}, {fan_out}) with that shape is {below}ᵀ·d{out}.")
        hints[f"b{k}"] = (f"b{k} is added to every one of the {N} rows (a copy): its gradient is the sum of "
                          f"d{out} over the rows (copy adds), shaped ({fan_out},) like b{k}.")
        if k < L:
            above = "scores" if k + 1 == L else f"a{k + 1}"
            hints[f"h{k}"] = (f"the gradient dh{k} has h{k}'s shape ({N}, {fan_out}): the product of "
                              f"d{above} ({N}, {sizes[k + 1]}) and W{k + 1}ᵀ ({sizes[k + 1]}, {fan_out}).")
            hints[f"a{k}"] = (f"as h{k} = max(0, a{k}), max routes: dh{k} passes where a{k} > 0, and 0 where "
                              f"a{k} ≤ 0.")
    return hints


def _sizes(sizes: Sequence[int] | None, D: int, H: int, C: int) -> tuple[int, ...]:
    if sizes is None:
        sizes = (D, H, C)
    whole = isinstance(sizes, Sequence) and all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in sizes)
    if not whole or len(sizes) < 2:
        raise ValueError(f"check_network: sizes must be [D, H1, ..., C], two or more whole numbers >= 1; "
                         f"got {sizes!r}")
    return tuple(int(n) for n in sizes)


class _Reference:
    """The network in the engine: its data, its parameters, and the tape of one forward and backward."""

    def __init__(self, sizes: tuple[int, ...], N: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        L = len(sizes) - 1
        self.X, self.y = rng.standard_normal((N, sizes[0])), rng.integers(0, sizes[-1], N)
        self.params: dict[str, np.ndarray] = {}
        X = Input("X", requires_grad=False)
        h: Node = X
        for k in range(1, L + 1):  # the gates as they were when the checker was imported
            W = np.sqrt(2.0 / sizes[k - 1]) * rng.standard_normal((sizes[k - 1], sizes[k]))
            b = 0.1 * rng.standard_normal(sizes[k])
            self.params[f"W{k}"], self.params[f"b{k}"] = W, b
            product = pristine(MatMul())(h, Parameter(f"W{k}", W), name=f"{h.name}·W{k}")
            h = pristine(Add())(product, Parameter(f"b{k}", b), name="scores" if k == L else f"a{k}")
            if k < L:
                h = pristine(ReLU())(h, name=f"h{k}")
        graph = ComputationalGraph(_staged_softmax_loss(h, self.y, sizes[-1]))
        self.loss = graph.forward(X=self.X)
        graph.backward()
        tape = graph.tape()
        nodes = {str(n.name): n for n in tape.order}
        self.grads = {name: np.asarray(tape.grads[nodes[name]]) for name in gradient_order(L)}
        self.masks = {name: (np.asarray(tape.values[nodes[name]]) > 0).astype(np.float64)
                      for name in nodes if name.startswith("a")}


def _staged_softmax_loss(scores: Node, y: np.ndarray, C: int) -> Node:
    """-mean log softmax(scores)[y], staged in gates: exp, row sums, a division, a log, the labels picked.

    The row sums are a product with a column of ones, ``(N, C)·(C, 1)``, so that
    the division broadcasts them along each row; the labels are picked by a
    product with their one-hot rows and a sum. The scores of the check are a few
    units at most: no shift by the row maximum is needed for ``exp``.
    """
    exp_scores = pristine(Exp())(scores, name="exp_scores")
    row_sums = pristine(MatMul())(exp_scores, Constant(np.ones((C, 1)), name="ones"), name="row_sums")
    probs = pristine(Divide())(exp_scores, row_sums, name="probs")
    log_probs = pristine(Log())(probs, name="log_probs")
    picked = pristine(Multiply())(log_probs, Constant(np.eye(C)[y], name="onehot(y)"), name="picked")
    total = pristine(Sum())(picked, name="Σ picked")
    loss: Node = pristine(Scale(-1.0 / len(y)))(total, name="loss")
    return loss


def check_network(network: Callable[..., Any], sizes: Sequence[int] | None = None, *, N: int = 6, D: int = 4,
                  H: int = 5, C: int = 3, seed: int = 0, timeout: float | None = DEFAULT_TIMEOUT) -> Verdict:
    """Compare a hand-written forward and backward of a fully connected network with the engine's.

    Parameters
    ----------
    network : callable
        ``network(X, y, W1, b1, ..., WL, bL) -> (loss, grads)`` (module docstring):
        the mean softmax loss of the scores ``max(0, X·W1 + b1)·W2 + b2`` (for two
        layers), and a dict of gradients with at least every ``Wk`` and ``bk``.
        ``(loss, grads)`` may be a list; gradients may be lists or float32.
    sizes : sequence of int, optional
        ``[D, H1, ..., C]``: features, hidden units of each layer, classes; a network
        of any depth. By default ``[D, H, C]``, the lecture's 2-layer network.
    N : int
        Examples.
    D, H, C : int
        Features, hidden units, classes when ``sizes`` is not given: all different
        by default, so that a transposed gradient cannot have the right shape.
    seed : int
        Seed of the data and the weights.
    timeout : float or None
        The time the learner's function may take, in seconds; as for `check`.

    Returns
    -------
    Verdict
        ``ok``, or the first gradient (in the order backward computes them) that
        differs from the engine's, its mistake named from the table of mistakes.

    Raises
    ------
    ValueError
        For sizes that are not a network's.

    Examples
    --------
    >>> def lazy(X, y, W1, b1, W2, b2):
    ...     return 0.0, {}
    >>> check_network(lazy).mistake
    'wrong'
    """
    shape = _sizes(sizes, D, H, C)
    L = len(shape) - 1
    ref = _Reference(shape, N, seed)
    names = [name for k in range(1, L + 1) for name in (f"W{k}", f"b{k}")]
    args = [ref.X.copy(), ref.y.copy()] + [ref.params[name].copy() for name in names]
    subject = str(getattr(network, "__name__", "your function"))
    run = Runner(timeout)
    result, crash = run(f"{subject}(X, y, {', '.join(names)})", network, *args)
    if crash is not None:
        return crash_verdict(crash, subject)
    try:
        return _Judge(subject, shape, N, ref).verdict(result, args, names)
    except Exception as error:  # something returned that no comparison foresaw
        return unreadable(subject, error)


class _Judge:
    """The verdict on what the learner's function returned, worded with the network's sizes."""

    def __init__(self, subject: str, sizes: tuple[int, ...], N: int, ref: _Reference) -> None:
        self.subject, self.sizes, self.N, self.ref = subject, sizes, N, ref
        self.order = gradient_order(len(sizes) - 1)
        self.hints = _hints(sizes, N)

    def _say(self, mistake: str, text: str, hint: str) -> Verdict:
        return TABLE[mistake].verdict(Finding(self.subject, detail=text, rule=hint))

    def verdict(self, result: Any, args: list[Any], names: list[str]) -> Verdict:
        subject, ref = self.subject, self.ref
        before = [ref.X, ref.y] + [ref.params[name] for name in names]
        for name, mine, after in zip(["X", "y", *names], before, args, strict=True):
            if not np.array_equal(mine, after):
                return self._say("wrong", f"`{subject}` changed {name} in place.",
                                 "compute new arrays; the inputs and the weights belong to the caller.")
        if not (isinstance(result, (tuple, list)) and len(result) == 2 and isinstance(result[1], Mapping)):
            return TABLE["wrong-count"].verdict(Finding(
                subject, code=subject, detail=("`(loss, grads)`, a number and a dict",
                                               f"{type(result).__name__} {result!r:.60}"),
                rule="end with `return loss, {'W1': dW1, ...}`."))
        loss, grads = as_numbers(result[0]), {k: as_numbers(v) for k, v in result[1].items()}
        tol = tolerance(loss, *grads.values())
        found = self._loss(loss, tol)
        if found is not None:
            return found
        missing = [k for k in names if k not in grads]
        if missing:
            return TABLE["wrong-count"].verdict(Finding(
                subject, code=subject, detail=(f"a gradient for every parameter, {', '.join(names)}",
                                               f"no gradient for {', '.join(missing)}"),
                rule=f"return a gradient for every parameter: {', '.join(names)}."))
        given = [name for name in self.order if name in grads]
        for i, name in enumerate(given):
            verdict = self._gradient(name, grads[name], tol, given[:i], given[i + 1:], grads)
            if verdict is not None:
                return verdict
        sizes = " → ".join(map(str, self.sizes))
        return Verdict(True, None, (
            f"`{subject}` gives the engine's loss ({fmt(ref.loss)}) and gradients of {', '.join(given)}, for "
            f"N = {self.N} examples and the network {sizes}: every one agrees with the engine's tape."),
            subject)

    def _loss(self, loss: Any, tol: Tolerance) -> Verdict | None:
        right = self.ref.loss
        if numeric_problem(loss, "") is None and close(loss, right, tol):
            return None
        hint = "the loss is the mean over the rows of -log softmax(scores)[label]."
        if numeric_problem(loss, "") is None and close(loss, self.N * right, tol):
            return TABLE["not-averaged"].verdict(Finding(
                self.subject, what="loss", at="loss", mine=fmt(loss), right=fmt(right),
                reference="the engine's", detail=self.N))
        got = fmt(loss) if numeric_problem(loss, "") is None else f"a {type(loss).__name__}"
        return self._say("wrong", f"The loss is {got}; the engine's is {fmt(right)}.", hint)

    def _gradient(self, name: str, got: Any, tol: Tolerance, before: list[str], after: list[str],
                  grads: Mapping[str, Any]) -> Verdict | None:
        right = self.ref.grads[name]
        what, hint = f"d{name}", self.hints[name]
        lead = (f"{what} differs; every gradient before it ({', '.join('d' + b for b in before)}) was right."
                if before else "")
        problem = numeric_problem(got, what)
        if problem is not None:
            return self._say("wrong", f"{lead} {problem[0].upper()}{problem[1:]}.".strip(), hint)
        base = Finding(self.subject, code=self.subject, what=what, variable=name, reference="the engine's",
                       rule=hint, lead=lead, upstream=f"dh{name[1:]}" if name.startswith("a") else "dout")
        if shape_of(got) != shape_of(right):
            detail = (shape_of(got), shape_of(right), "")
            if np.ndim(got) == 2 and close(np.transpose(got), right, tol):
                return TABLE["transposed"].verdict(replace(base, detail=detail))
            summed = summed_back(got, shape_of(right))
            note = "Summed over the rows it would be right." if summed is not None and close(
                summed, right, tol) else ""
            return TABLE["wrong-shape"].verdict(replace(base, detail=detail, note=note))
        if close(got, right, tol):
            return None
        idx = worst(got, right)
        at = f"{what}[{', '.join(map(str, idx))}]" if idx else what
        variants: dict[str, list[tuple[Any, Any]]] = {"not-averaged": [(self.N, self.N * right)]}
        if name in self.ref.masks:
            variants["ignores-upstream"] = [(None, self.ref.masks[name])]
        fits = recognise(Evidence(got, right, variants, tol=tol), FINGERPRINTS)
        mistake = named(fits)
        wrong_after = [b for b in after if b in self.ref.grads
                       and not _agrees(grads[b], self.ref.grads[b], tol)]
        also = f" Also wrong after it: {', '.join('d' + b for b in wrong_after)}." if wrong_after else ""
        return TABLE[mistake].verdict(replace(
            base, at=at, index=idx, mine=fmt(element(got, idx)), right=fmt(element(right, idx)),
            detail=fits.get(mistake), also=also))


def _agrees(got: Any, right: Any, tol: Tolerance) -> bool:
    return numeric_problem(got, "") is None and close(got, right, tol)


