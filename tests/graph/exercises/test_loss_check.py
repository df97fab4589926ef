"""check_loss(): a course-shaped SVM or softmax loss, in loops or vectorised, against the library's gates."""

import numpy as np
import pytest

from graph.exercises import LOSS_MISTAKES, check_loss


def svm_loss_naive(W, X, y, reg, slip=None):
    """The course's loops: every margin j != y_i, then the mean and the L2 term."""
    dW = np.zeros(W.shape)
    loss = 0.0
    for i in range(X.shape[0]):
        scores = X[i] @ W
        for j in range(W.shape[1]):
            if j == y[i] and slip != "counts-correct-class":
                continue
            margin = scores[j] - scores[y[i]] + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    if slip != "not-averaged":
        loss /= X.shape[0]
        dW /= X.shape[0]
    if slip != "missing-reg":
        loss += reg * np.sum(W * W)
        dW += (1 if slip == "reg-scale" else 2) * reg * W
    if slip == "wrong-sign":
        dW = -dW
    if slip == "transposed":
        dW = dW.T
    if slip == "wrong-scale":
        dW = 0.5 * dW
    return loss, dW


def softmax_loss_vectorized(W, X, y, reg, slip=None):
    N = X.shape[0]
    scores = X @ W
    if slip != "unstable":
        scores = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(N), y]).mean() + reg * np.sum(W * W)
    probs[np.arange(N), y] -= 1
    dW = X.T @ probs / N + 2 * reg * W
    if slip == "wrong-shape":
        dW = probs  # the gradient of the scores, not of W
    return loss, dW


def slipped(fn, slip):
    def learner(W, X, y, reg):
        return fn(W, X, y, reg, slip=slip)
    learner.__name__ = fn.__name__
    return learner


@pytest.mark.parametrize("fn, kind", [(svm_loss_naive, "svm"), (softmax_loss_vectorized, "softmax")])
def test_a_correct_loss_passes_with_and_without_reg(fn, kind):
    for reg in (None, 0.0, 0.3):
        verdict = check_loss(fn, kind, reg=reg)
        assert verdict.ok, str(verdict)
    assert "on every problem tried" in check_loss(fn, kind).message


def test_a_float32_loss_and_lists_pass():
    def float32(W, X, y, reg):
        return softmax_loss_vectorized(W.astype(np.float32), X.astype(np.float32), y, np.float32(reg))

    def lists(W, X, y, reg):
        loss, dW = softmax_loss_vectorized(W, X, y, reg)
        return [loss, dW.tolist()]

    assert check_loss(float32, "softmax").ok
    assert check_loss(lists, "softmax").ok


# (function, kind, slip, mistake, words the message must contain)
CASES = [
    (svm_loss_naive, "svm", "counts-correct-class", "counts-correct-class",
     ["counts the correct class among the margins", "1 more than", "`if j == y[i]: continue`"]),
    (svm_loss_naive, "svm", "not-averaged", "not-averaged",
     ["adds up the N = 5 examples instead of averaging them", "Also wrong: dW"]),
    (svm_loss_naive, "svm", "missing-reg", "missing-reg",
     ["leaves out the L2 regularisation", "reg = 0.1", "the term belongs in both"]),
    (svm_loss_naive, "svm", "reg-scale", "reg-scale", ["reg·W instead of 2·reg·W", "the 2 of a square"]),
    (svm_loss_naive, "svm", "wrong-sign", "wrong-sign", ["gets the sign of dW wrong"]),
    (svm_loss_naive, "svm", "transposed", "transposed",
     ["dW of shape (3, 4), but W has shape (4, 3)", "transpose of the right one"]),
    (svm_loss_naive, "svm", "wrong-scale", "wrong-scale", ["Your dW is 0.5 times the right one"]),
    (softmax_loss_vectorized, "softmax", "unstable", "unstable",
     ["not a finite number when the scores are large", "scores near 1000", "numpy warned: ",
      "overflow encountered in exp", "shift each row of scores by its maximum"]),
    (softmax_loss_vectorized, "softmax", "wrong-shape", "wrong-shape",
     ["dW of shape (5, 3), but W has shape (4, 3)"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[3] for c in CASES])
def test_each_mistake_is_named(case):
    fn, kind, slip, mistake, words = case
    verdict = check_loss(slipped(fn, slip), kind)
    assert verdict.mistake == mistake, str(verdict)
    for word in words:
        assert word in verdict.message, f"{word!r} not in:\n{verdict}"


def not_written(W, X, y, reg):
    raise NotImplementedError


def crashes(W, X, y, reg):
    return X @ W @ W, W  # (N, C) @ (D, C)


def loops(W, X, y, reg):
    loss = 0.0
    i = 0
    while i < X.shape[0]:
        loss += 1.0  # i never moves on


def returns_the_loss_alone(W, X, y, reg):
    return 1.0


def per_example(W, X, y, reg):
    loss, dW = softmax_loss_vectorized(W, X, y, reg)
    return np.full(X.shape[0], loss), dW


def scales_w(W, X, y, reg):
    W *= 2
    return softmax_loss_vectorized(W, X, y, reg)


def wrong_numbers(W, X, y, reg):
    loss, dW = softmax_loss_vectorized(W, X, y, reg)
    return loss, dW + 0.01 * np.arange(dW.size).reshape(dW.shape)


@pytest.mark.parametrize("fn, mistake, words", [
    (not_written, "not-implemented", ["`not_written` is not written yet"]),
    (crashes, "crashed", ["ValueError", "`return X @ W @ W, W"]),
    (returns_the_loss_alone, "wrong-count", ["must return `(loss, dW)`", "it returned a float"]),
    (per_example, "wrong-shape", ["the loss of shape (5,); it should have shape ()"]),
    (scales_w, "wrong", ["changed W in place"]),
    (wrong_numbers, "wrong", ["`wrong_numbers` computes dW wrong", "(the largest difference)"]),
])
def test_what_the_learners_function_does_is_a_verdict(fn, mistake, words):
    verdict = check_loss(fn, "softmax")
    assert verdict.mistake == mistake, str(verdict)
    for word in words:
        assert word in verdict.message, f"{word!r} not in:\n{verdict}"


def test_an_endless_loop_is_a_timeout():
    verdict = check_loss(loops, "svm", timeout=0.2)
    assert verdict.mistake == "timeout" and "stopped at test_loss_check.py, " in verdict.message


def test_a_naive_loop_overflowing_with_math_exp_is_unstable():
    import math

    def with_math(W, X, y, reg):
        loss, dW = softmax_loss_vectorized(W, X, y, reg)
        return loss + 0 * math.exp(float((X @ W).max())), dW

    assert check_loss(with_math, "softmax").mistake == "unstable"


def test_every_loss_mistake_has_a_case():
    named = {c[3] for c in CASES} | {"not-implemented", "crashed", "timeout", "wrong-count", "wrong"}
    assert named == set(LOSS_MISTAKES)


def test_problems_of_the_check_itself_are_errors():
    with pytest.raises(ValueError, match="kind must be one of 'svm', 'softmax'"):
        check_loss(svm_loss_naive, "hinge")
    with pytest.raises(ValueError, match="reg must be a number >= 0"):
        check_loss(svm_loss_naive, "svm", reg=-1)


def test_a_patched_loss_gate_changes_nothing(monkeypatch):
    import gates

    monkeypatch.setattr(gates.SVMLoss, "backward", lambda self, dout: (0 * self.positive, None))
    assert check_loss(svm_loss_naive, "svm").ok
