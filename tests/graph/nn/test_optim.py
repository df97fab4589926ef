"""The CS231n update rules, each against a step computed by hand: SGD with momentum, RMSProp, Adam."""

import inspect

import numpy as np
import pytest

import graph
from gates import SquaredNorm
from graph import ComputationalGraph, Input, Parameter
from graph.nn.optim import OPTIMIZERS, SGD, Adam, RMSProp, make_optimizer


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


@pytest.mark.parametrize("rule", [lambda ps: SGD(ps, lr=0.1, momentum=0.0), lambda ps: RMSProp(ps, lr=0.1),
                                  lambda ps: Adam(ps, lr=0.1)], ids=["SGD", "RMSProp", "Adam"])
def test_a_step_leaves_the_recorded_run_alone(rule):
    W, x = Parameter("W", [[1.0, 2.0], [3.0, 4.0]]), Input("x")
    g = ComputationalGraph(SquaredNorm()(W @ x, name="f"))
    g.forward(x=[1.0, -1.0])
    grads = g.backward()
    table, drawing = str(g.trace()), g.to_dot()
    before = W.value.copy()
    rule([W]).step(grads)
    assert not np.array_equal(W.value, before)
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


@pytest.mark.parametrize("rule", [lambda ps: SGD(ps, lr=0.5, momentum=0.5), lambda ps: RMSProp(ps, lr=0.01),
                                  lambda ps: Adam(ps, lr=0.01)], ids=["SGD", "RMSProp", "Adam"])
def test_descends_on_the_lecture_objective(rule):
    W = Parameter("W", [[0.1, 0.5], [-0.3, 0.8]])
    x = Input("x", requires_grad=False)
    objective = ComputationalGraph(SquaredNorm()(W @ x))  # ‖W·x‖²
    opt = rule([W])
    losses = []
    for _ in range(100):
        losses.append(objective.forward(x=[0.2, 0.4]))
        opt.step(objective.backward())
    assert losses[0] == pytest.approx(0.116)
    assert losses[-1] < 1e-3 * losses[0]


@pytest.mark.parametrize("rule", [SGD, RMSProp, Adam])
def test_learning_rate_decay(rule):
    w = Parameter("w", 1.0)
    opt = rule([w], lr=0.2, lr_decay=0.5)
    opt.decay()
    opt.decay()
    assert opt.lr == pytest.approx(0.05)
    opt.step({"w": 1.0})
    # the first step of each: SGD -lr g; RMSProp -lr g / sqrt(0.01 g²) = -10 lr; Adam -lr (bias-corrected)
    assert float(w.value) == pytest.approx({SGD: 0.95, RMSProp: 0.5, Adam: 0.95}[rule])


@pytest.mark.parametrize("rule", [SGD, RMSProp, Adam])
def test_parameters_without_a_gradient_and_other_names_are_left_alone(rule):
    a, b = Parameter("a", [1.0]), Parameter("b", [2.0])
    opt = rule([a, b], lr=1.0)
    opt.step({"a": np.array([1.0]), "x": np.array([5.0])})
    assert a.value[0] < 1.0
    np.testing.assert_array_equal(b.value, [2.0])


@pytest.mark.parametrize("rule", [SGD, RMSProp, Adam])
def test_a_gradient_of_the_wrong_shape_is_a_shape_error_naming_the_parameter(rule):
    W = Parameter("W", np.ones((2, 3)))
    with pytest.raises(graph.ShapeError, match=rf"{rule.__name__}: the gradient of 'W' has shape \(3, 2\), "
                                               r"expected \(2, 3\), the parameter's shape"):
        rule([W], lr=0.1).step({"W": np.ones((3, 2))})
    np.testing.assert_array_equal(W.value, np.ones((2, 3)))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"lr": 0.0}, "lr must be > 0"), ({"lr": float("nan")}, "lr must be > 0"),
    ({"momentum": 1.0}, r"momentum must be in \[0, 1\)"), ({"momentum": -0.1}, "momentum"),
    ({"lr_decay": 0.0}, r"lr_decay must be in \(0, 1\]"), ({"lr_decay": 1.5}, "lr_decay"),
])
def test_bad_settings_are_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SGD([Parameter("w", 1.0)], **kwargs)


@pytest.mark.parametrize(("rule", "kwargs", "message"), [
    (RMSProp, {"lr": -1.0}, "RMSProp: lr must be > 0"),
    (RMSProp, {"decay_rate": 1.0}, r"RMSProp: decay_rate must be in \[0, 1\)"),
    (RMSProp, {"eps": 0.0}, "RMSProp: eps must be > 0"), (RMSProp, {"lr_decay": 2.0}, "RMSProp: lr_decay"),
    (Adam, {"lr": 0.0}, "Adam: lr must be > 0"), (Adam, {"beta1": 1.0}, r"Adam: beta1 must be in \[0, 1\)"),
    (Adam, {"beta2": -0.1}, r"Adam: beta2 must be in \[0, 1\)"),
    (Adam, {"eps": -1e-8}, "Adam: eps must be > 0"),
])
def test_bad_settings_of_rmsprop_and_adam_are_errors(rule, kwargs, message):
    with pytest.raises(ValueError, match=message):
        rule([Parameter("w", 1.0)], **kwargs)


@pytest.mark.parametrize("rule", [SGD, RMSProp, Adam])
def test_only_parameters_with_unique_names(rule):
    with pytest.raises(TypeError, match=f"{rule.__name__} updates Parameters"):
        rule([Input("x")])
    with pytest.raises(ValueError, match="two parameters are named 'w'"):
        rule([Parameter("w", 1.0), Parameter("w", 2.0)])


# ---------------------------------------------------------------------------- RMSProp and Adam by hand

def test_the_defaults_are_the_courses():
    def defaults(rule):
        return {name: p.default for name, p in inspect.signature(rule).parameters.items()
                if p.default is not inspect.Parameter.empty}

    assert defaults(SGD) == {"lr": 1e-2, "momentum": 0.9, "lr_decay": 1.0}
    assert defaults(RMSProp) == {"lr": 1e-2, "decay_rate": 0.99, "eps": 1e-8, "lr_decay": 1.0}
    assert defaults(Adam) == {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "lr_decay": 1.0}


GRADS = [np.array([[2.0, -0.5], [0.0, 4.0]]), np.array([[1.0, 1.0], [-3.0, 0.5]]),
         np.array([[-2.0, 0.25], [1.0, 0.0]])]


def test_rmsprop_matches_a_hand_computation():
    W = Parameter("W", [[1.0, -1.0], [0.5, 2.0]])
    opt = RMSProp([W], lr=0.01)  # decay_rate 0.99, eps 1e-8
    # the first step, written out: cache = 0.01 g², so each element moves by lr g / (0.1 |g| + eps),
    # about 0.1 sign(g)
    opt.step({"W": GRADS[0]})
    step = [[0.02 / (0.2 + 1e-8), -0.005 / (0.05 + 1e-8)], [0.0, 0.04 / (0.4 + 1e-8)]]
    np.testing.assert_allclose(W.value, np.array([[1.0, -1.0], [0.5, 2.0]]) - step, rtol=1e-15, atol=0)
    np.testing.assert_allclose(opt.cache["W"], [[0.04, 0.0025], [0.0, 0.16]], rtol=1e-14)
    w, cache = W.value.copy(), opt.cache["W"].copy()
    for g in GRADS[1:]:  # the course's rmsprop, line by line
        cache = 0.99 * cache + (1 - 0.99) * g**2
        w = w - 0.01 * g / (np.sqrt(cache) + 1e-8)
        opt.step({"W": g})
        np.testing.assert_allclose(W.value, w, rtol=1e-14, atol=0)
        np.testing.assert_allclose(opt.cache["W"], cache, rtol=1e-14, atol=0)


def test_adams_first_step_is_bias_corrected_with_t_1():
    W = Parameter("W", [[1.0, -1.0], [0.5, 2.0]])
    opt = Adam([W], lr=0.1)
    opt.step({"W": GRADS[0]})
    # t = 1: m = 0.1 g, mt = m / (1 - 0.9) = g; v = 0.001 g², vt = v / (1 - 0.999) = g²;
    # W -= lr g / (|g| + eps): each element with a gradient moves by lr, whatever the gradient's size
    assert opt.t["W"] == 1
    np.testing.assert_allclose(W.value, [[0.9, -0.9], [0.5, 1.9]], rtol=0, atol=1e-8)
    np.testing.assert_allclose(opt.m["W"], 0.1 * GRADS[0], rtol=1e-15)
    np.testing.assert_allclose(opt.v["W"], 0.001 * GRADS[0] ** 2, rtol=1e-12)
    # without the correction the step would be lr (0.1 g) / (sqrt(0.001) |g|) = 3.16 lr: far off
    assert abs(W.value[0, 0] - (1.0 - 0.1 * 0.1 / np.sqrt(0.001))) > 0.2


def test_adam_matches_a_hand_computation_over_several_steps():
    W = Parameter("W", [[1.0, -1.0], [0.5, 2.0]])
    opt = Adam([W], lr=0.01, beta1=0.8, beta2=0.99)
    w, m, v = W.value.copy(), np.zeros((2, 2)), np.zeros((2, 2))
    for t, g in enumerate(GRADS, start=1):  # the course's adam, line by line
        m = 0.8 * m + (1 - 0.8) * g
        mt = m / (1 - 0.8**t)
        v = 0.99 * v + (1 - 0.99) * g**2
        vt = v / (1 - 0.99**t)
        w = w - 0.01 * mt / (np.sqrt(vt) + 1e-8)
        opt.step({"W": g})
        assert opt.t["W"] == t
        np.testing.assert_allclose(W.value, w, rtol=1e-14, atol=0)


def test_adam_counts_the_steps_of_each_parameter():
    a, b = Parameter("a", 1.0), Parameter("b", 1.0)
    opt = Adam([a, b], lr=0.1)
    opt.step({"a": 1.0})
    opt.step({"a": 1.0, "b": 1.0})
    assert opt.t == {"a": 2, "b": 1}
    assert float(b.value) == pytest.approx(0.9)  # b's first step, bias-corrected with its own t = 1


def test_the_optimizers_are_exported_from_graph():
    assert (graph.SGD, graph.RMSProp, graph.Adam) == (SGD, RMSProp, Adam)
    assert {"SGD", "RMSProp", "Adam"} <= set(graph.__all__)


def test_the_optimizers_by_name():
    w = Parameter("w", 1.0)
    made = {name: make_optimizer(name, [w], lr=0.1, lr_decay=0.9) for name in OPTIMIZERS}
    assert list(made) == ["sgd", "momentum", "rmsprop", "adam"]
    assert [type(opt) for opt in made.values()] == [SGD, SGD, RMSProp, Adam]
    assert (made["sgd"].momentum, made["momentum"].momentum) == (0.0, 0.9)
    assert all(opt.lr == 0.1 and opt.lr_decay == 0.9 for opt in made.values())
    assert make_optimizer("momentum", [w], lr=0.1, momentum=0.5).momentum == 0.5
    assert repr(made["rmsprop"]) == "RMSProp(['w'], lr=0.1, decay_rate=0.99, lr_decay=0.9)"
    assert made["adam"].settings == "beta1 0.9, beta2 0.999"
    with pytest.raises(ValueError, match="unknown optimizer 'adagrad'; the optimizers are sgd, momentum, "):
        make_optimizer("adagrad", [w], lr=0.1)
    with pytest.raises(ValueError, match=r"momentum=0\.5 is a setting of the optimizer 'momentum', not of"):
        make_optimizer("adam", [w], lr=0.1, momentum=0.5)
