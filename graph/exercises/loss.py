"""`check_loss`: a learner's SVM or softmax loss, course-shaped, ``loss, dW = fn(W, X, y, reg)``.

The checker runs the learner's function on several random problems (different
N, D and C, one of them with D = C so that a transposed ``dW`` has the right
shape; ``reg`` 0 and > 0) and compares the loss and ``dW`` with its own: the
library's loss gate on the scores ``X·W``, as it was when the checker was
imported (`graph.exercises.pristine`), plus ``reg·ΣW²``. For the softmax one
more problem has scores near 1000 (the bias trick, with a bias of 1000), where
``exp`` overflows unless each row is shifted by its maximum first.

Besides the common mistakes it names, from the table of mistakes:
``not-averaged`` (the sum over N, not the mean), ``missing-reg`` (no L2 term in
the loss or in ``dW``), ``reg-scale`` (``reg·W`` for ``2·reg·W``),
``counts-correct-class`` (SVM margins that include j = yᵢ) and ``unstable``
(softmax overflow).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gates import Gate, MatMul, SoftmaxCrossEntropy, SVMLoss

from .compare import as_numbers, describe, fmt
from .judge import Quantity, Round, judge
from .learner import DEFAULT_TIMEOUT, Runner, crash_verdict, unreadable
from .mistakes import TABLE, Finding, meanings
from .pristine import pristine
from .verdict import Verdict

__all__ = ["KINDS", "LOSS_MISTAKES", "check_loss"]

#: The losses `check_loss` knows, with the library's gate for each.
KINDS: dict[str, type[Gate]] = {"svm": SVMLoss, "softmax": SoftmaxCrossEntropy}

FINGERPRINTS = ("unstable", "counts-correct-class", "missing-reg", "reg-scale", "not-averaged", "wrong-sign",
                "transposed", "wrong-scale")

#: Every mistake `check_loss` names.
LOSS_MISTAKES: dict[str, str] = meanings(
    (*FINGERPRINTS, "not-implemented", "crashed", "timeout", "wrong-count", "wrong-shape", "wrong"))

#: The problems, (N, D, C), and the reg each is tried with when none is given.
PROBLEMS = (((5, 4, 3), 0.0), ((8, 6, 4), 0.1), ((6, 4, 4), 0.05))

RULES = {
    "svm": ("the SVM loss is the mean over the rows i of Σ_{j ≠ yᵢ} max(0, s_j − s_yᵢ + 1), plus reg·ΣW², "
            "with s = X·W: each positive margin adds Xᵢ to column j of dW and subtracts it from column yᵢ; "
            "then divide by N and add 2·reg·W."),
    "softmax": ("the softmax loss is the mean over the rows i of −log(e^s_yᵢ / Σ_j e^s_j), plus reg·ΣW², "
                "with s = X·W: dW = Xᵀ·(softmax(s) − onehot(y)) / N + 2·reg·W."),
}


def check_loss(fn: Callable[..., Any], kind: str, *, reg: float | None = None, seed: int = 0,
               timeout: float | None = DEFAULT_TIMEOUT) -> Verdict:
    """Run a learner's loss function on random problems against the library's, and name the mistake if any.

    Parameters
    ----------
    fn : callable
        ``fn(W, X, y, reg) -> (loss, dW)``, the course's signature: W ``(D, C)``,
        X ``(N, D)``, y ``(N,)`` integer labels, reg a float; the loss averaged over
        the N examples plus ``reg * sum(W**2)``, and dW shaped like W.
    kind : str
        ``"svm"`` (multiclass hinge, margin 1) or ``"softmax"`` (cross-entropy).
    reg : float, optional
        The regularisation strength to try; by default 0 and two positive values.
    seed : int
        Seed of the problems.
    timeout : float or None
        The time the learner's function may take in all, in seconds; as for `check`.

    Returns
    -------
    Verdict
        ``ok``, or the mistake (`LOSS_MISTAKES`) on the first problem where it shows.

    Raises
    ------
    ValueError
        For an unknown ``kind``, or a negative ``reg``.

    Examples
    --------
    >>> def softmax_loss(W, X, y, reg):
    ...     scores = X @ W
    ...     scores -= scores.max(axis=1, keepdims=True)
    ...     probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    ...     N = X.shape[0]
    ...     loss = -np.log(probs[np.arange(N), y]).mean() + reg * np.sum(W * W)
    ...     probs[np.arange(N), y] -= 1
    ...     return loss, X.T @ probs / N + 2 * reg * W
    >>> check_loss(softmax_loss, "softmax").ok
    True
    """
    if kind not in KINDS:
        raise ValueError(f"check_loss: kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}")
    if reg is not None and not (isinstance(reg, (int, float)) and 0 <= reg < np.inf):
        raise ValueError(f"check_loss: reg must be a number >= 0, or None to try several; got {reg!r}")
    subject = str(getattr(fn, "__name__", type(fn).__name__))
    run = Runner(timeout)
    rng = np.random.default_rng(seed)
    problems = [(shape, r if reg is None else float(reg), False) for shape, r in PROBLEMS]
    if kind == "softmax":
        problems.append(((4, 3, 3), 0.0 if reg is None else float(reg), True))
    rounds: list[Round] = []
    for (N, D, C), r, large in problems:
        W = rng.standard_normal((D, C)) / np.sqrt(D)
        X, y = rng.standard_normal((N, D)), rng.integers(0, C, N)
        if large:  # the bias trick, with a bias of 1000: scores near 1000, where exp overflows
            X[:, -1], W[-1] = 1.0, 1000.0
        y[:C] = rng.permutation(C)[:N]  # every class appears (where N allows)
        given = (W.copy(), X.copy(), y.copy(), r)
        heard = len(run.warnings)
        result, crash = run(f"{subject}(W, X, y, reg)", fn, *given)
        where = (f"For W of shape {W.shape}, X of shape {X.shape}, y of shape {y.shape} and reg = {r:g}"
                 + (f" (scores near {np.mean(X @ W):.0f}: X's last column is 1, W's last row 1000)"
                    if large else ""))
        if crash is not None:
            if large and isinstance(crash.error, (OverflowError, FloatingPointError)):
                return TABLE["unstable"].verdict(Finding(
                    subject, what="loss", article="the", at="loss", where=where, mine=crash.describe(),
                    right=fmt(_reference(kind, W, X, y, r)[0]), rule=RULES[kind]))
            return crash_verdict(crash, subject, RULES[kind])
        try:
            found = _changed(subject, given, (W, X, y))
            if found is not None:
                return found
            if not (isinstance(result, (tuple, list)) and len(result) == 2):
                return TABLE["wrong-count"].verdict(Finding(
                    subject, code=subject, detail=("`(loss, dW)`, a number and an array shaped like W",
                                                   describe(result)),
                    rule="end with `return loss, dW`."))
            warned = sorted(set(run.warnings[heard:]))
            note = f"numpy warned: {'; '.join(warned)}." if warned else ""
            rounds.append(_round(kind, W, X, y, r, result, where, large, note))
        except Exception as error:  # what the learner's function returned defeated a comparison
            return unreadable(subject, error)
    verdict = judge(subject, subject, rounds, FINGERPRINTS)
    if verdict is not None:
        return verdict
    tried = "; ".join(f"N, D, C = {N}, {D}, {C} with reg = {r:g}" + (", scores near 1000" if large else "")
                      for (N, D, C), r, large in problems)
    return Verdict(True, None, (
        f"`{subject}` gives the loss and dW of the library's {KINDS[kind].__name__} on X·W, plus reg·ΣW², "
        f"on every problem tried: {tried}."), subject)


def _changed(subject: str, given: tuple[Any, ...], originals: tuple[Any, ...]) -> Verdict | None:
    for name, mine, theirs in zip(("W", "X", "y"), given, originals, strict=False):
        if not np.array_equal(mine, theirs):
            return TABLE["wrong"].verdict(Finding(subject, detail=(
                f"`{subject}` changed {name} in place: its values after the call are not the ones it was "
                "given."),
                rule="compute new arrays (`scores = X @ W`); the weights and the data belong to the caller."))
    return None


def _reference(kind: str, W: np.ndarray, X: np.ndarray, y: np.ndarray,
               reg: float) -> tuple[float, np.ndarray, float, np.ndarray]:
    """The data loss and its dW (both means over N), then the full loss and dW with the L2 term."""
    product, gate = pristine(MatMul()), pristine(KINDS[kind]())
    data = float(gate.forward(product.forward(X, W), y))
    dscores, _ = gate.backward(1.0)
    _, d_data = product.backward(dscores)
    return data + reg * float(np.sum(W * W)), d_data + 2 * reg * W, data, d_data


def _round(kind: str, W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float, result: Any, where: str,
           large: bool, note: str) -> Round:
    """The loss and dW of one problem, each with what every mistake of a loss would have made it."""
    loss, dW, data, d_data = _reference(kind, W, X, y, reg)
    N, R = len(y), float(np.sum(W * W))
    loss_variants: dict[str, list[tuple[Any, Any]]] = {"not-averaged": [(N, N * data + reg * R)]}
    grad_variants: dict[str, list[tuple[Any, Any]]] = {"not-averaged": [(N, N * d_data + 2 * reg * W)]}
    if reg > 0:
        loss_variants["missing-reg"] = [(fmt(reg), data)]
        grad_variants["missing-reg"] = [(fmt(reg), d_data)]
        loss_variants["reg-scale"] = [("loss", data + 0.5 * reg * R)]
        grad_variants["reg-scale"] = [("dW", d_data + reg * W)]
    if kind == "svm":
        loss_variants["counts-correct-class"] = [(1, loss + 1.0)]
    got_loss, got_dW = as_numbers(result[0]), as_numbers(result[1])
    return Round(where, [
        Quantity("loss", "loss", got_loss, loss, variants=loss_variants, rule=RULES[kind], article="the"),
        Quantity("dW", "dW", got_dW, dW, variable="W", variants=grad_variants, rule=RULES[kind]),
    ], tags=frozenset({"large"}) if large else frozenset(), note=note)
