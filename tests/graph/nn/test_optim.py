"""SGD with momentum: the CS231n update, by hand; learning-rate decay."""

import numpy as np
import pytest

from gates import SquaredNorm
from graph import ComputationalGraph, Input, Parameter
from graph.nn.optim import SGD


def test_momentum_update_matches_a_hand_computation():
    W = Parameter("W", [[1.0, -2.0], [0.5, 3.0]])
    b = Parameter("b", [0.1, -0.1])
    opt = SGD({"W": W, "b": b}, lr=0.1, momentum=0.9)
    w_array = W.value
    grads = [{"W": np.array([[1.0, 0.0], [-1.0, 2.0]]), "b": np.array([1.0, 1.0])},
             {"W": np.array([[0.5, 1.0], [0.0, -2.0]]), "b": np.array([-1.0, 0.0])},
             {"W": np.array([[0.0, 0.0], [1.0, 1.0]]), "b": np.array([0.0, 2.0])}]
    w, v_w = np.array([[1.0, -2.0], [0.5, 3.0]]), np.zeros((2, 2))
    bb, v_b = np.array([0.1, -0.1]), np.zeros(2)
    for g in grads:
        opt.step(g)
        v_w = 0.9 * v_w - 0.1 * g["W"]
        w = w + v_w
        v_b = 0.9 * v_b - 0.1 * g["b"]
        bb = bb + v_b
        np.testing.assert_allclose(W.value, w, rtol=0, atol=1e-15)
        np.testing.assert_allclose(b.value, bb, rtol=0, atol=1e-15)
    # after the third step, written out: v1 = -0.1 g1, v2 = 0.9 v1 - 0.1 g2, v3 = 0.9 v2 - 0.1 g3
    assert W.value[0, 0] == pytest.approx(1.0 + (-0.1) + (-0.09 - 0.05) + (-0.126 - 0.0))
    np.testing.assert_array_equal(w_array, [[1.0, -2.0], [0.5, 3.0]])  # moved to new arrays: the old one
    # stays as any run recorded it


def test_a_step_leaves_the_recorded_run_alone():
    W, x = Parameter("W", [[1.0, 2.0], [3.0, 4.0]]), Input("x")
    g = ComputationalGraph(SquaredNorm()(W @ x, name="f"))
    g.forward(x=[1.0, -1.0])
    grads = g.backward()
    table, drawing = str(g.trace()), g.to_dot()
    SGD([W], lr=0.1, momentum=0.0).step(grads)
    np.testing.assert_allclose(W.value, [[1.2, 1.8], [3.2, 3.8]])
    assert str(g.trace()) == table and g.to_dot() == drawing  # the run, as it was recorded
    again = g.backward()                                     # and its gradients, again
    for name in grads:
        np.testing.assert_array_equal(again[name], grads[name])


def test_momentum_zero_is_plain_gradient_descent():
    w = Parameter("w", [1.0, 2.0])
    opt = SGD([w], lr=0.5, momentum=0.0)
    opt.step({"w": np.array([2.0, -2.0])})
    opt.step({"w": np.array([2.0, -2.0])})
    np.testing.assert_array_equal(w.value, [-1.0, 4.0])


def test_descends_on_the_lecture_objective():
    W = Parameter("W", [[0.1, 0.5], [-0.3, 0.8]])
    x = Input("x", requires_grad=False)
    graph = ComputationalGraph(SquaredNorm()(W @ x))  # ‖W·x‖²
    opt = SGD([W], lr=0.5, momentum=0.5)
    losses = []
    for _ in range(30):
        losses.append(graph.forward(x=[0.2, 0.4]))
        opt.step(graph.backward())
    assert losses[0] == pytest.approx(0.116)
    assert losses[-1] < 1e-3 * losses[0]


def test_learning_rate_decay():
    w = Parameter("w", 1.0)
    opt = SGD([w], lr=0.2, lr_decay=0.5)
    opt.decay()
    opt.decay()
    assert opt.lr == pytest.approx(0.05)
    opt.step({"w": 1.0})
    assert float(w.value) == pytest.approx(0.95)


def test_parameters_without_a_gradient_and_other_names_are_left_alone():
    a, b = Parameter("a", [1.0]), Parameter("b", [2.0])
    opt = SGD([a, b], lr=1.0, momentum=0.0)
    opt.step({"a": np.array([1.0]), "x": np.array([5.0])})
    np.testing.assert_array_equal(a.value, [0.0])
    np.testing.assert_array_equal(b.value, [2.0])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"lr": 0.0}, "lr must be > 0"), ({"lr": float("nan")}, "lr must be > 0"),
    ({"momentum": 1.0}, r"momentum must be in \[0, 1\)"), ({"momentum": -0.1}, "momentum"),
    ({"lr_decay": 0.0}, r"lr_decay must be in \(0, 1\]"), ({"lr_decay": 1.5}, "lr_decay"),
])
def test_bad_settings_are_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SGD([Parameter("w", 1.0)], **kwargs)


def test_only_parameters_with_unique_names():
    with pytest.raises(TypeError, match="SGD updates Parameters"):
        SGD([Input("x")])
    with pytest.raises(ValueError, match="two parameters are named 'w'"):
        SGD([Parameter("w", 1.0), Parameter("w", 2.0)])
