"""The checker's own update rules, against numbers worked out by hand from the course's formulas."""

import numpy as np
import pytest

from graph.exercises.rules import ADAM_UNCORRECTED, UPDATES, fresh_state


def run(kind, w, grads, **hyper):
    h = {**UPDATES[kind].defaults, **hyper}
    state = fresh_state(kind, w)
    for dw in grads:
        w, state = UPDATES[kind].step(w, dw, h, state)
    return w, state


def test_sgd_and_momentum_by_hand():
    w, _ = run("sgd", np.array([1.0]), [np.array([2.0])], learning_rate=0.1)
    assert w == pytest.approx([0.8])
    w, state = run("sgd_momentum", np.array([1.0]), [np.array([2.0]), np.array([2.0])], learning_rate=0.1)
    # v1 = -0.2, w1 = 0.8; v2 = 0.9 * -0.2 - 0.2 = -0.38, w2 = 0.42
    assert w == pytest.approx([0.42]) and state["velocity"] == pytest.approx([-0.38])


def test_rmsprop_by_hand():
    w, state = run("rmsprop", np.array([1.0]), [np.array([2.0])])
    # cache = 0.01 * 4 = 0.04, sqrt = 0.2: w = 1 - 0.01 * 2 / 0.2 = 0.9
    assert w == pytest.approx([0.9]) and state["cache"] == pytest.approx([0.04])


def test_adams_first_step_is_the_learning_rate_with_t_1_and_without_correction_it_is_not():
    w0, dw = np.array([1.0, 1.0]), np.array([0.5, -20.0])
    w, state = run("adam", w0, [dw])
    assert w - w0 == pytest.approx([-1e-3, 1e-3]) and state["t"] == 1
    h = UPDATES["adam"].defaults
    uncorrected, _ = ADAM_UNCORRECTED(w0, dw, h, fresh_state("adam", w0))
    assert (uncorrected - w0) / (w - w0) == pytest.approx([0.1 / np.sqrt(1e-3)] * 2, rel=1e-5)  # 3.16


def test_the_state_each_rule_starts_from():
    w = np.ones((2, 3))
    assert fresh_state("sgd", w) == {}
    assert set(fresh_state("adam", w)) == {"m", "v", "t"} and fresh_state("adam", w)["t"] == 0
    assert fresh_state("sgd_momentum", w)["velocity"].shape == (2, 3)
