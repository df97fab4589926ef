"""check_layer(): course-shaped layers, out, cache = forward(...) and backward(dout, cache)."""

import numpy as np
import pytest

from graph.exercises import LAYER_MISTAKES, check_layer


def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)


def affine_backward(dout, cache):
    x, w, _ = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout.sum(axis=0)


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    return dout * (cache > 0)


def affine_relu_forward(x, w, b):
    a, fc = affine_forward(x, w, b)
    out, rc = relu_forward(a)
    return out, (fc, rc)


def affine_relu_backward(dout, cache):
    fc, rc = cache
    return affine_backward(relu_backward(dout, rc), fc)


def sigmoid_forward(x):
    out = 1 / (1 + np.exp(-x))
    return out, out


def sigmoid_backward(dout, out):
    return (1 - out) * out * dout


def tanh_forward(x):
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, out):
    return ((1 - out**2) * dout,)  # a tuple of one is fine too


LAYERS = {"affine": (affine_forward, affine_backward), "relu": (relu_forward, relu_backward),
          "affine_relu": (affine_relu_forward, affine_relu_backward),
          "sigmoid": (sigmoid_forward, sigmoid_backward), "tanh": (tanh_forward, tanh_backward)}


@pytest.mark.parametrize("kind", LAYERS)
def test_a_correct_layer_passes(kind):
    verdict = check_layer(*LAYERS[kind], kind)
    assert verdict.ok, str(verdict)
    assert f"the {kind} layer's output and gradients" in verdict.message


def test_float32_and_lists_pass():
    def affine_backward_lists(dout, cache):
        return [g.astype(np.float32) for g in affine_backward(dout, cache)]

    assert check_layer(affine_forward, affine_backward_lists, "affine").ok


# --- one learner's layer per mistake --------------------------------------------------------------------

def dx_left_flat(dout, cache):
    x, w, _ = cache
    return dout @ w.T, x.reshape(x.shape[0], -1).T @ dout, dout.sum(axis=0)


def db_not_summed(dout, cache):
    dx, dw, _ = affine_backward(dout, cache)
    return dx, dw, dout


def dw_transposed(dout, cache):
    x, _, _ = cache
    dx, _, db = affine_backward(dout, cache)
    return dx, dout.T @ x.reshape(x.shape[0], -1), db


def relu_local_only(dout, cache):
    return (cache > 0).astype(float)


def relu_in_place(dout, cache):
    dout[cache <= 0] = 0
    return dout


LAST = {}


def relu_forward_global(x):
    LAST["x"] = x
    return np.maximum(0, x), None


def relu_backward_global(dout, cache):
    return dout * (LAST["x"] > 0)


def sigmoid_minus(dout, out):
    return -(1 - out) * out * dout


def tanh_doubled(dout, out):
    return 2 * (1 - out**2) * dout


def sigmoid_of_the_output(dout, out):
    return out * dout


def swaps_dx_and_dw(dout, cache):
    dx, dw, db = affine_backward(dout, cache)
    return (dw, dx, db) if dx.shape == dw.shape else (dx, dw, db)  # where it can


def returns_two(dout, cache):
    return affine_backward(dout, cache)[:2]


def forward_without_cache(x):
    return np.maximum(0, x)


def forward_changes_x(x):
    x[x < 0] = 0
    return x.copy(), x


def not_written(dout, cache):
    raise NotImplementedError


def crashes(dout, cache):
    return dout @ cache


def loops(dout, cache):
    while True:
        dout = dout + 0


# (forward, backward, kind, mistake, words the message must contain)
CASES = [
    (affine_forward, dx_left_flat, "affine", "wrong-shape",
     ["dx of shape (2, 12), but x has shape (2, 3, 4)", "`dx.reshape(x.shape)`"]),
    (affine_forward, db_not_summed, "affine", "wrong-shape",
     ["db of shape (4, 3), but b has shape (3,)", "summed over the rows it would be the right db"]),
    (affine_forward, dw_transposed, "affine", "transposed", ["dw of shape (3, 5), but w has shape (5, 3)"]),
    (relu_forward, relu_local_only, "relu", "ignores-upstream",
     ["returns the local gradient alone as dx", "For x[", "and dout["]),
    (relu_forward, relu_in_place, "relu", "mutates-upstream",
     ["changed dout in place", "`dx = dout.copy()`"]),
    (relu_forward_global, relu_backward_global, "relu", "stale-cache",
     ["this layer ran forward twice", "reads values kept outside the cache", "`cache`"]),
    (sigmoid_forward, sigmoid_minus, "sigmoid", "wrong-sign", ["gets the sign of dx wrong"]),
    (tanh_forward, tanh_doubled, "tanh", "wrong-scale", ["Your dx is 2 times the right one"]),
    (sigmoid_forward, sigmoid_of_the_output, "sigmoid", "wrong",
     ["`sigmoid_of_the_output` computes dx wrong", "`dx = (1 - σ(x)) σ(x) dout`"]),
    (affine_forward, swaps_dx_and_dw, "affine", "swapped-inputs", ["gives x the gradient that belongs to w"]),
    (affine_forward, returns_two, "affine", "wrong-count",
     ["one gradient per input, (dx, dw, db)", "a tuple of 2"]),
    (forward_without_cache, relu_backward, "relu", "wrong-count", ["must return `(out, cache)`",
                                                                   "an ndarray of shape (4, 5)"]),
    (forward_changes_x, relu_backward, "relu", "wrong", ["changed its input x in place"]),
    (relu_forward, not_written, "relu", "not-implemented", ["`not_written` is not written yet"]),
    (relu_forward, crashes, "relu", "crashed", ["ValueError", "`return dout @ cache`"]),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[3]}:{c[1].__name__}" for c in CASES])
def test_each_mistake_is_named(case):
    forward, backward, kind, mistake, words = case
    verdict = check_layer(forward, backward, kind)
    assert verdict.mistake == mistake, str(verdict)
    for word in words:
        assert word in verdict.message, f"{word!r} not in:\n{verdict}"


def test_an_endless_loop_is_a_timeout():
    verdict = check_layer(relu_forward, loops, "relu", timeout=0.2)
    assert verdict.mistake == "timeout" and "stopped at test_layer_check.py, " in verdict.message


def test_every_layer_mistake_has_a_case():
    assert {c[3] for c in CASES} | {"timeout"} == set(LAYER_MISTAKES)


def test_an_unknown_kind_is_an_error_of_the_check():
    with pytest.raises(ValueError, match="kind must be one of 'affine', 'relu'"):
        check_layer(relu_forward, relu_backward, "conv")
