"""check_network(): the 2-layer network's backward written by hand, against the engine's gradients."""

import numpy as np
import pytest

from graph.exercises import check_network


def two_layer(X, y, W1, b1, W2, b2, slip=None):
    N = X.shape[0]
    a1 = X @ W1 + b1
    h1 = np.maximum(0, a1)
    scores = h1 @ W2 + b2
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(N), y]).mean()
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    if slip != "no-mean":
        dscores /= N
    dW2 = h1.T @ dscores if slip != "transposed" else dscores.T @ h1
    db2 = dscores.sum(axis=0) if slip != "bias-not-summed" else dscores
    dh1 = dscores @ W2.T
    da1 = dh1 * (a1 > 0) if slip != "relu-local-only" else (a1 > 0) * 1.0
    dW1 = X.T @ da1 if slip != "sign" else -(X.T @ da1)
    db1 = da1.sum(axis=0)
    if slip == "changes-W1":
        W1 -= 1.0
    grads = {"scores": dscores, "W2": dW2, "b2": db2, "h1": dh1, "a1": da1, "W1": dW1, "b1": db1}
    if slip == "parameters-only":
        grads = {k: grads[k] for k in ("W1", "b1", "W2", "b2")}
    if slip == "no-W1":
        del grads["W1"]
    if slip == "relu-times-h1":
        grads["a1"] = dh1 * h1  # the value, not the mask
    return loss, grads


def with_slip(slip):
    def learner(*args):
        return two_layer(*args, slip=slip)
    learner.__name__ = "two_layer"
    return learner


def test_the_right_backward_passes_with_or_without_the_intermediate_gradients():
    for slip in (None, "parameters-only"):
        verdict = check_network(with_slip(slip))
        assert verdict.ok, str(verdict)
    assert check_network(with_slip(None), N=10, D=3, H=7, C=4, seed=1).ok


@pytest.mark.parametrize("slip, mistake, words", [
    ("no-mean", "wrong-scale", ["dscores is 6 times", "N = 6: the loss is a mean"]),
    ("transposed", "transposed", ["dW2 has shape (3, 5), but W2 has shape (5, 3)", "h1ᵀ·dscores"]),
    ("bias-not-summed", "wrong-shape", ["db2 has shape (6, 3), but b2 has shape (3,)", "copy adds"]),
    ("relu-local-only", "ignores-upstream", ["local gradient of max(0, a1) alone"]),
    ("sign", "wrong-sign", ["dW1 has the wrong sign"]),
    ("relu-times-h1", "wrong", ["Your da1 differs from the engine's", "max routes"]),
    ("no-W1", "wrong-count", ["no gradient for W1"]),
    ("changes-W1", "wrong", ["changed W1 in place"]),
])
def test_the_first_wrong_gradient_is_named(slip, mistake, words):
    verdict = check_network(with_slip(slip))
    assert verdict.mistake == mistake, str(verdict)
    for word in words:
        assert word in verdict.message, f"{word!r} not in:\n{verdict}"


def test_a_wrong_dscores_is_named_there_not_in_the_parameters_it_spoils():
    verdict = check_network(with_slip("no-mean"))
    assert "dscores" in verdict.message and "dW2" not in verdict.message


def test_not_written_and_crashes_are_verdicts():
    def not_written(X, y, W1, b1, W2, b2):
        raise NotImplementedError

    def crashes(X, y, W1, b1, W2, b2):
        return X @ W2

    assert check_network(not_written).mistake == "not-implemented"
    verdict = check_network(crashes)
    assert verdict.mistake == "crashed" and "`return X @ W2`" in verdict.message
