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
    ("no-mean", "not-averaged", ["dscores adds up the N = 6 examples instead of averaging them"]),
    ("transposed", "transposed", ["dW2 of shape (3, 5), but W2 has shape (5, 3)", "h1ᵀ·dscores",
                                  "dW2 differs; every gradient before it (dscores) was right."]),
    ("bias-not-summed", "wrong-shape", ["db2 of shape (6, 3), but b2 has shape (3,)", "copy adds",
                                        "Summed over the rows it would be right"]),
    ("relu-local-only", "ignores-upstream", ["local gradient alone as da1", "upstream gradient dh1"]),
    ("sign", "wrong-sign", ["sign of dW1 wrong", "every gradient before it (dscores, dW2, db2, dh1, da1)"]),
    ("relu-times-h1", "wrong", ["`two_layer` computes da1 wrong", "max routes"]),
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
    first, spoiled = verdict.message.split(" Also wrong after it: ")
    assert first.startswith("Your dscores") and "dW2" not in first
    assert spoiled.startswith("dW2, db2, dh1, da1, dW1, db1.")


def test_not_written_and_crashes_are_verdicts():
    def not_written(X, y, W1, b1, W2, b2):
        raise NotImplementedError

    def crashes(X, y, W1, b1, W2, b2):
        return X @ W2

    assert check_network(not_written).mistake == "not-implemented"
    verdict = check_network(crashes)
    assert verdict.mistake == "crashed" and "`return X @ W2`" in verdict.message


# --- issue 17: correct solutions in float32 or with lists pass; nothing a solution does raises -----------

def test_a_correct_float32_solution_passes():
    def float32(X, y, W1, b1, W2, b2):
        loss, grads = two_layer(*(a.astype(np.float32) if a.dtype.kind == "f" else a
                                  for a in (X, y, W1, b1, W2, b2)))
        assert all(g.dtype == np.float32 for g in grads.values())
        return loss, grads

    verdict = check_network(float32)
    assert verdict.ok, str(verdict)


def test_a_float32_solution_with_a_mistake_is_still_named():
    def slipped(X, y, W1, b1, W2, b2):
        loss, grads = two_layer(*(a.astype(np.float32) if a.dtype.kind == "f" else a
                                  for a in (X, y, W1, b1, W2, b2)), slip="sign")
        return loss, grads

    assert check_network(slipped).mistake == "wrong-sign"


def test_lists_may_stand_for_tuples_and_arrays():
    def as_lists(*args):
        loss, grads = two_layer(*args)
        return [loss, {name: g.tolist() for name, g in grads.items()}]

    verdict = check_network(as_lists)
    assert verdict.ok, str(verdict)


@pytest.mark.parametrize("result, mistake", [
    (None, "wrong-count"), ((1.0,), "wrong-count"), ((1.0, {"W1": "W1"}), "wrong"),
    ((np.nan, {}), "wrong"), ((1.0, [1, 2]), "wrong-count"),
])
def test_whatever_comes_back_is_a_verdict(result, mistake):
    def returns(X, y, W1, b1, W2, b2):
        return result

    assert check_network(returns).mistake == mistake


def test_a_network_that_never_finishes_is_stopped():
    def forever(X, y, W1, b1, W2, b2):
        while True:
            X = X + 0

    verdict = check_network(forever, timeout=0.2)
    assert verdict.mistake == "timeout" and "stopped at test_network_check.py, " in verdict.message


# --- any depth ----------------------------------------------------------------------------------------

def network(X, y, *params, slip=None):
    """A fully connected ReLU network of any depth, backward by hand: the learner's general solution."""
    Ws, bs = params[0::2], params[1::2]
    L = len(Ws)
    h, cache = X, []
    for k in range(L):
        a = h @ Ws[k] + bs[k]
        cache.append((h, a))
        h = np.maximum(0, a) if k < L - 1 else a
    scores = h
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    N = X.shape[0]
    loss = -np.log(probs[np.arange(N), y]).mean()
    grads = {}
    da = probs.copy()
    da[np.arange(N), y] -= 1
    da /= N
    grads["scores"] = da
    for k in range(L, 0, -1):
        h_below, a = cache[k - 1]
        grads[f"W{k}"], grads[f"b{k}"] = h_below.T @ da, da.sum(axis=0)
        if k > 1:
            dh = da @ Ws[k - 1].T
            if slip == k - 1:
                dh = dh * 2
            grads[f"h{k - 1}"] = dh
            da = dh * (cache[k - 2][1] > 0)
            grads[f"a{k - 1}"] = da
    return loss, grads


@pytest.mark.parametrize("sizes", [[4, 5, 3], [4, 6, 5, 3], [3, 4, 5, 6, 7, 2], [5, 3]],
                         ids=["2 layers", "3 layers", "5 layers", "linear"])
def test_a_network_of_any_depth_passes(sizes):
    verdict = check_network(network, sizes=sizes)
    assert verdict.ok, str(verdict)
    assert " → ".join(map(str, sizes)) in verdict.message


def test_at_depth_3_the_first_wrong_intermediate_is_named_with_all_before_it_right():
    def slipped(X, y, *params):
        return network(X, y, *params, slip=1)

    slipped.__name__ = "network"
    verdict = check_network(slipped, sizes=[4, 6, 5, 3])
    assert verdict.mistake == "wrong-scale", str(verdict)
    assert verdict.message.startswith(
        "dh1 differs; every gradient before it (dscores, dW3, db3, dh2, da2, dW2, db2) was right. ")
    assert "Your dh1 is 2 times the engine's, in every element." in verdict.message
    assert "Also wrong after it: da1, dW1, db1." in verdict.message


def test_sizes_that_are_no_network_are_an_error_of_the_check():
    for sizes in ([4], [4, 0, 3], "4,5,3", [4, 5.0, 3]):
        with pytest.raises(ValueError, match="sizes must be"):
            check_network(network, sizes=sizes)


def test_a_patched_gate_does_not_change_the_engines_gradients(monkeypatch):
    import gates

    monkeypatch.setattr(gates.MatMul, "backward", lambda self, dout, needs_input_grad=(True, True): (0, 0))
    monkeypatch.setattr(gates.ReLU, "backward", lambda self, dout: (dout,))
    assert check_network(with_slip(None)).ok


# --- the softmax staged: dlog_probs and dprobs, then dscores through the softmax ---------------------------

def staged(X, y, W1, b1, W2, b2, slip=None):
    loss, grads = two_layer(X, y, W1, b1, W2, b2)
    N = X.shape[0]
    scores = np.maximum(0, X @ W1 + b1) @ W2 + b2
    probs = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    dlog_probs = np.zeros_like(probs)
    dlog_probs[np.arange(N), y] = -1.0 / N
    dprobs = dlog_probs / probs
    dscores = probs * (dprobs - (dprobs * probs).sum(axis=1, keepdims=True))
    if slip == "softmax-without-the-sum":
        dscores = probs * dprobs
    grads.update(log_probs=dlog_probs, probs=dprobs, scores=dscores)
    return loss, grads


def test_the_softmax_steps_are_checked_first_when_given():
    verdict = check_network(staged, [4, 5, 3])
    assert verdict.ok, str(verdict)
    assert "gradients of log_probs, probs, scores, W2" in verdict.message

    def slipped(*args):
        return staged(*args, slip="softmax-without-the-sum")

    verdict = check_network(slipped)
    assert verdict.mistake == "wrong", str(verdict)
    assert verdict.message.startswith(
        "dscores differs; every gradient before it (dlog_probs, dprobs) was right.")
    assert "dscores = probs · (dprobs - Σⱼ dprobs·probs)" in verdict.message
