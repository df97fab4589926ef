"""ComputationalGraph: every behaviour and error of the public contract."""

from __future__ import annotations

import sys
import time
import traceback
from typing import Any

import numpy as np
import pytest

import gates
from gates import Gate, MatMul, Max, Sigmoid, SoftmaxCrossEntropy, SquaredNorm, Sum, Tanh
from graph import (
    ComputationalGraph,
    Constant,
    FeedError,
    GraphError,
    Input,
    Node,
    Parameter,
    ShapeError,
)


def lecture_circuit() -> tuple[ComputationalGraph, dict[str, Node]]:
    """f = (x + y) z, with every node by name."""
    x, y, z = Input("x"), Input("y"), Input("z")
    q = x + y
    f = q * z
    return ComputationalGraph(f), {"x": x, "y": y, "z": z, "q": q, "f": f}


# --- the lecture's example ----------------------------------------------------------------------


def test_lecture_example_with_a_feed_dict():
    g, _ = lecture_circuit()
    out = g.forward({"x": -2, "y": 5, "z": -4})
    assert out == -12.0
    assert type(out) is float
    grads = g.backward()
    assert grads == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert all(type(v) is float for v in grads.values()), {k: type(v) for k, v in grads.items()}


def test_lecture_example_with_keywords():
    g, _ = lecture_circuit()
    assert g.forward(x=-2, y=5, z=-4) == -12.0
    assert g.backward() == {"x": -4.0, "y": -4.0, "z": 3.0}


def test_feed_dict_and_keywords_together():
    g, _ = lecture_circuit()
    assert g.forward({"x": -2}, y=5, z=-4) == -12.0


def test_same_feed_in_dict_and_keyword_is_a_feed_error():
    g, _ = lecture_circuit()
    with pytest.raises(FeedError, match="x"):
        g.forward({"x": -2, "y": 5, "z": -4}, x=1)


def test_node_value_and_grad_after_a_run():
    g, n = lecture_circuit()
    g.forward(x=-2, y=5, z=-4)
    assert float(n["q"].value) == 3.0
    assert float(n["f"].value) == -12.0
    g.backward()
    assert float(n["f"].grad) == 1.0
    assert float(n["q"].grad) == -4.0
    assert float(n["x"].grad) == -4.0
    assert float(n["y"].grad) == -4.0
    assert float(n["z"].grad) == 3.0


def test_backward_with_an_explicit_scalar_dout_scales_the_gradients():
    g, _ = lecture_circuit()
    g.forward(x=-2, y=5, z=-4)
    assert g.backward(2.0) == {"x": -8.0, "y": -8.0, "z": 6.0}


# --- structure: topological order, inputs, parameters --------------------------------------------


def diamond_graph() -> tuple[ComputationalGraph, Node]:
    x, y = Input("x"), Input("y")
    W = Parameter("W", 1.5)
    a = x * y
    b = Sigmoid()(a + W)
    c = Tanh()(a) * y
    f = (b + c) * x
    return ComputationalGraph(f), f


def test_topological_order_has_every_node_once_and_output_last():
    g, f = diamond_graph()
    order = g.nodes_topologically_sorted()
    ids = [id(n) for n in order]
    assert len(ids) == len(set(ids))
    # every node f depends on, found independently
    reachable, stack = set(), [f]
    while stack:
        n = stack.pop()
        if id(n) not in reachable:
            reachable.add(id(n))
            stack.extend(n.inputs)
    assert set(ids) == reachable
    assert order[-1] is f


def test_topological_order_puts_each_node_after_all_its_inputs():
    g, _ = diamond_graph()
    order = g.nodes_topologically_sorted()
    position = {id(n): i for i, n in enumerate(order)}
    for n in order:
        for x in n.inputs:
            assert position[id(x)] < position[id(n)], f"{x.name} after {n.name}"


def test_topological_order_starts_with_an_input():
    g, _ = lecture_circuit()
    order = g.nodes_topologically_sorted()
    assert order[0].gate is None


def test_topological_order_puts_the_inputs_first():
    # the contract: "returns the nodes, all leaves first, `output` last".
    g, n = lecture_circuit()
    order = g.nodes_topologically_sorted()
    is_input = [isinstance(node, Input) for node in order]
    first_gate = next(i for i, node in enumerate(order) if node.gate is not None)
    assert not any(is_input[first_gate:]), [node.name for node in order]
    assert order[-1] is n["f"]


def test_topological_order_is_stable_between_calls():
    g, _ = diamond_graph()
    first = [id(n) for n in g.nodes_topologically_sorted()]
    g.forward(x=0.5, y=-1.0)
    g.backward()
    assert [id(n) for n in g.nodes_topologically_sorted()] == first


def test_the_graph_is_sorted_once_when_it_is_built(monkeypatch):
    import graph.engine as engine

    sorts = []
    real = engine.topological_order
    monkeypatch.setattr(engine, "topological_order", lambda output: sorts.append(output) or real(output))
    g, f = diamond_graph()
    assert sorts == [f]
    order = g.nodes_topologically_sorted()
    for _ in range(3):
        g.forward(x=0.5, y=-1.0)
        g.backward()
    assert sorts == [f]                                   # runs never sort again
    assert g.nodes_topologically_sorted() is order        # they walk the order sorted at build
    assert isinstance(order, tuple)                       # which nobody can reorder


def test_the_loops_walk_the_sorted_nodes_as_the_lecture_does():
    # the lecture's pseudocode: for gate in nodes_topologically_sorted(): gate.forward(), and reversed for
    # backward; the gates run in exactly that order
    ran = []

    class Spy(Gate):
        def __init__(self, tag: str) -> None:
            self.tag = tag

        def forward(self, x: Any) -> Any:
            ran.append(("forward", self.tag))
            return x

        def backward(self, dout: Any) -> tuple[Any]:
            ran.append(("backward", self.tag))
            return (dout,)

    x = Input("x")
    g = ComputationalGraph(Spy("c")(Spy("b")(Spy("a")(x))))
    g.forward(x=1.0)
    g.backward()
    assert ran == [("forward", "a"), ("forward", "b"), ("forward", "c"),
                   ("backward", "c"), ("backward", "b"), ("backward", "a")]


def test_inputs_and_parameters_dicts():
    x = Input("x")
    b = Input("b", requires_grad=False)
    W = Parameter("W", np.eye(2))
    v = Parameter("v", np.ones(2))
    f = SquaredNorm()(W @ x + b * v + Constant(1.0, name="one"))
    g = ComputationalGraph(f)
    assert g.inputs == {"x": x, "b": b}
    assert g.inputs["x"] is x and g.inputs["b"] is b
    assert g.parameters == {"W": W, "v": v}
    assert g.parameters["W"] is W and g.parameters["v"] is v


def test_only_nodes_the_output_depends_on_are_collected():
    x, unused = Input("x"), Input("unused")
    _ = unused * 2
    g = ComputationalGraph(x * 3)
    assert set(g.inputs) == {"x"}


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: Input("alpha") + Input("alpha"), "alpha"),
        (lambda: Input("beta") * Parameter("beta", 1.0), "beta"),
        (lambda: Parameter("gamma", 1.0) + Parameter("gamma", 2.0), "gamma"),
        (lambda: Input("delta") + Constant(1.0, name="delta"), "delta"),
        (lambda: Sigmoid()(Input("eps")) * Tanh()(Input("eps") + 1.0), "eps"),
    ],
    ids=["input-input", "input-parameter", "parameter-parameter", "input-constant", "far-apart"],
)
def test_duplicate_leaf_names_are_a_graph_error(make, name):
    f = make()
    with pytest.raises(GraphError, match=name):
        ComputationalGraph(f)


def test_duplicate_leaf_name_error_names_the_leaf():
    f = Input("speed") * Input("speed")
    with pytest.raises(GraphError, match="speed"):
        ComputationalGraph(f)


def test_same_leaf_used_twice_is_not_a_duplicate():
    x = Input("x")
    g = ComputationalGraph(x * x)
    assert g.forward(x=3.0) == 9.0


def test_feed_and_graph_errors_are_value_errors():
    assert issubclass(FeedError, ValueError)
    assert issubclass(GraphError, ValueError)
    assert issubclass(ShapeError, ValueError)
    assert ShapeError is gates.ShapeError


# --- feeds ----------------------------------------------------------------------------------------


def test_missing_feed_is_a_feed_error_naming_it():
    g, _ = lecture_circuit()
    with pytest.raises(FeedError, match="z"):
        g.forward(x=-2, y=5)


def test_no_feed_at_all_is_a_feed_error():
    g, _ = lecture_circuit()
    with pytest.raises(FeedError):
        g.forward()


def test_unknown_name_is_a_feed_error_listing_the_valid_names():
    g, _ = lecture_circuit()
    with pytest.raises(FeedError) as info:
        g.forward(x=-2, y=5, z=-4, zz=1)
    message = str(info.value)
    assert "zz" in message
    for name in ("'x'", "'y'", "'z'"):
        assert name in message, message


def test_unknown_name_in_a_dict_is_a_feed_error():
    g, _ = lecture_circuit()
    with pytest.raises(FeedError, match="weight"):
        g.forward({"x": -2, "y": 5, "z": -4, "weight": 1.0})


def test_wrong_shape_for_a_declared_shape_is_a_feed_error():
    x = Input("x", shape=(2, 3))
    g = ComputationalGraph(Sum()(x * 2))
    assert g.forward(x=np.ones((2, 3))) == 12.0
    with pytest.raises(FeedError, match=r"\(3, 2\)") as info:
        g.forward(x=np.ones((3, 2)))
    assert "(2, 3)" in str(info.value)
    assert "x" in str(info.value)
    with pytest.raises(FeedError):
        g.forward(x=np.ones(6))
    with pytest.raises(FeedError):
        g.forward(x=1.0)


def test_an_input_without_a_shape_accepts_any_shape():
    x = Input("x")
    g = ComputationalGraph(Sum()(x * 2))
    assert g.forward(x=1.0) == 2.0
    assert g.forward(x=np.ones(4)) == 8.0
    assert g.forward(x=np.ones((2, 3))) == 12.0


def test_feeds_may_be_nested_lists():
    x = Input("x", shape=(2, 2))
    g = ComputationalGraph(Sum()(x * x))
    assert g.forward(x=[[1, 2], [3, 4]]) == 30.0
    np.testing.assert_array_equal(g.backward()["x"], [[2.0, 4.0], [6.0, 8.0]])


# --- dtypes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "feed",
    [np.array([1, 2, 3]), np.array([1, 2, 3], dtype=np.int8), np.array([1, 2, 3], dtype=np.uint16),
     [1, 2, 3]],
    ids=["int64", "int8", "uint16", "list"],
)
def test_integer_feeds_become_float64(feed):
    x = Input("x")
    g = ComputationalGraph(x / 2)
    out = g.forward(x=feed)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [0.5, 1.0, 1.5])
    assert np.asarray(x.value).dtype == np.float64
    grad = g.backward(np.ones(3))["x"]
    assert grad.dtype == np.float64
    np.testing.assert_array_equal(grad, [0.5, 0.5, 0.5])


def test_python_int_feed_becomes_a_float():
    x = Input("x")
    g = ComputationalGraph(x * 3)
    out = g.forward(x=7)
    assert out == 21.0 and type(out) is float
    assert np.asarray(x.value).dtype == np.float64


def test_boolean_feeds_become_float64():
    x, y = Input("x"), Input("y")
    g = ComputationalGraph(x + y)
    out = g.forward(x=np.array([True, False]), y=np.array([True, True]))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [2.0, 1.0])  # not a boolean "or"
    assert np.asarray(x.value).dtype == np.float64


def test_float32_feeds_stay_float32():
    x, y = Input("x"), Input("y")
    g = ComputationalGraph(x * y)
    a = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    b = np.array([4.0, 5.0, 6.0], dtype=np.float32)
    out = g.forward(x=a, y=b)
    assert out.dtype == np.float32
    assert x.value.dtype == np.float32
    grads = g.backward(np.ones(3, dtype=np.float32))
    assert grads["x"].dtype == np.float32
    assert grads["y"].dtype == np.float32
    np.testing.assert_array_equal(grads["x"], b)


def test_float32_scalar_loss_gives_float32_gradients():
    x = Input("x")
    g = ComputationalGraph(Sum()(x * x))
    out = g.forward(x=np.array([1.0, 2.0], dtype=np.float32))
    assert out == 5.0 and type(out) is float
    grad = g.backward()["x"]
    assert grad.dtype == np.float32
    np.testing.assert_array_equal(grad, [2.0, 4.0])


def test_requires_grad_false_keeps_integer_dtype():
    x = Input("x")
    k = Input("k", requires_grad=False)
    g = ComputationalGraph(x * k)
    g.forward(x=np.array([1.5, 2.5]), k=np.array([2, 3]))
    assert k.value.dtype.kind in "iu"
    assert np.asarray(x.value).dtype == np.float64


@pytest.mark.parametrize(
    "bad",
    ["abc", np.array(["a", "b"]), np.array([1, None], dtype=object), [1, None], 1 + 2j,
     np.array([1 + 2j, 3.0])],
    ids=["str", "str-array", "object-array", "list-with-None", "complex", "complex-array"],
)
@pytest.mark.parametrize("requires_grad", [True, False])
def test_strings_objects_and_complex_are_a_type_error_naming_the_input(bad, requires_grad):
    velocity = Input("velocity", requires_grad=requires_grad)
    g = ComputationalGraph(Parameter("p", 1.0) * velocity)
    with pytest.raises(TypeError, match="velocity"):
        g.forward(velocity=bad)


# --- fed arrays are the graph's own ---------------------------------------------------------------


def test_mutating_a_fed_array_after_forward_does_not_change_backward():
    x, y = Input("x"), Input("y")
    g = ComputationalGraph(Sum()(x * y))
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([4.0, 5.0, 6.0])
    assert g.forward(x=a, y=b) == 32.0
    a[:] = 100.0
    b[:] = -100.0
    grads = g.backward()
    np.testing.assert_array_equal(grads["x"], [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(grads["y"], [1.0, 2.0, 3.0])


def test_mutating_a_fed_array_does_not_change_node_values():
    x = Input("x")
    g = ComputationalGraph(Sigmoid()(x))
    a = np.array([0.0, 1.0])
    g.forward(x=a)
    a[0] = 50.0
    np.testing.assert_array_equal(x.value, [0.0, 1.0])
    np.testing.assert_allclose(g.backward(np.ones(2))["x"], [0.25, 0.196612], atol=1e-6)


def test_mutating_a_fed_float32_array_after_forward_does_not_change_backward():
    x = Input("x")
    g = ComputationalGraph(SquaredNorm()(x))
    a = np.array([1.0, -2.0], dtype=np.float32)
    g.forward(x=a)
    a *= 10
    np.testing.assert_array_equal(g.backward()["x"], [2.0, -4.0])


def test_mutating_a_fed_integer_label_array_does_not_change_backward():
    s = Input("s")
    y = Input("y", requires_grad=False)
    g = ComputationalGraph(SoftmaxCrossEntropy()(s, y))
    labels = np.array([2])
    g.forward(s=np.array([[1.0, 2.0, 3.0]]), y=labels)
    labels[0] = 0
    np.testing.assert_allclose(g.backward()["s"], [[0.090031, 0.244728, -0.334759]], atol=1e-6)


# --- dout -----------------------------------------------------------------------------------------


def test_dout_is_required_for_a_multi_element_output():
    x = Input("x")
    g = ComputationalGraph(x * 2)
    g.forward(x=np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ShapeError, match=r"\(3,\)"):
        g.backward()


@pytest.mark.parametrize("shape", [(1,), (1, 1), (1, 1, 1)])
def test_dout_may_be_omitted_for_a_one_element_output(shape):
    x = Input("x")
    g = ComputationalGraph(Tanh()(x) * 3)
    out = g.forward(x=np.zeros(shape))
    assert isinstance(out, np.ndarray) and out.shape == shape
    grad = g.backward()["x"]
    assert np.shape(grad) == shape
    np.testing.assert_array_equal(grad, np.full(shape, 3.0))


def test_dout_may_be_omitted_for_a_1x1_matmul_output():
    W, v = Input("W"), Input("v")
    g = ComputationalGraph(W @ v)
    out = g.forward(W=np.array([[1.0, 2.0]]), v=np.array([[3.0], [4.0]]))
    assert out.shape == (1, 1) and out[0, 0] == 11.0
    grads = g.backward()
    np.testing.assert_array_equal(grads["W"], [[3.0, 4.0]])
    np.testing.assert_array_equal(grads["v"], [[1.0], [2.0]])


def test_dout_with_the_output_shape():
    x = Input("x")
    g = ComputationalGraph(x * 2)
    g.forward(x=np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(g.backward(np.array([1.0, -1.0, 0.5]))["x"], [2.0, -2.0, 1.0])


@pytest.mark.parametrize("dout_shape", [(2,), (3, 1), (1, 3), (), (4,)])
def test_wrong_dout_shape_is_a_shape_error(dout_shape):
    x = Input("x")
    g = ComputationalGraph(x * 2)
    g.forward(x=np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ShapeError) as info:
        g.backward(np.ones(dout_shape))
    message = str(info.value)
    assert str(dout_shape) in message and "(3,)" in message, message


def test_wrong_dout_shape_for_a_scalar_output_is_a_shape_error():
    x = Input("x")
    g = ComputationalGraph(Sum()(x))
    g.forward(x=np.array([1.0, 2.0]))
    with pytest.raises(ShapeError):
        g.backward(np.ones(3))


# --- a gate that gets its gradients wrong -------------------------------------------------------


class WrongShapeGate(Gate):
    """x * y, but the gradient for input 1 comes back with 5 elements."""

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        return self.y * dout, np.ones(5)


class BroadcastShapeGate(Gate):
    """x * 2, with a gradient of shape (1, 3) for an input of shape (3,): broadcastable, not equal."""

    def forward(self, x):
        return 2 * x

    def backward(self, dout):
        return (2 * np.reshape(dout, (1, 3)),)


class WrongCountGate(Gate):
    """x * y, but backward gives one gradient for two inputs."""

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        return (self.y * dout,)


def test_gradient_of_the_wrong_shape_is_a_shape_error_naming_everything():
    x, y = Input("x"), Input("y")
    g = ComputationalGraph(Sum()(WrongShapeGate()(x, y, name="badnode")))
    g.forward(x=np.ones(3), y=np.ones(3))
    with pytest.raises(ShapeError) as info:
        g.backward()
    message = str(info.value)
    for part in ("WrongShapeGate", "badnode", "input 1", "(5,)", "(3,)"):
        assert part in message, f"{part!r} not in {message!r}"


def test_broadcastable_gradient_shape_is_still_a_shape_error():
    x = Input("x")
    g = ComputationalGraph(Sum()(BroadcastShapeGate()(x, name="twice")))
    g.forward(x=np.ones(3))
    with pytest.raises(ShapeError) as info:
        g.backward()
    message = str(info.value)
    for part in ("BroadcastShapeGate", "twice", "input 0", "(1, 3)", "(3,)"):
        assert part in message, f"{part!r} not in {message!r}"


def test_wrong_number_of_gradients_is_a_shape_error_naming_gate_and_node():
    x, y = Input("x"), Input("y")
    g = ComputationalGraph(Sum()(WrongCountGate()(x, y, name="shortnode")))
    g.forward(x=np.ones(3), y=np.ones(3))
    with pytest.raises(ShapeError) as info:
        g.backward()
    message = str(info.value)
    for part in ("WrongCountGate", "shortnode", "2"):
        assert part in message, f"{part!r} not in {message!r}"


# --- backward runs ---------------------------------------------------------------------------------


def test_backward_twice_gives_the_same_gradients():
    x, y = Input("x"), Input("y")
    W = Parameter("W", np.array([[1.0, -2.0], [0.5, 3.0]]))
    f = SquaredNorm()(W @ x + x * y)
    g = ComputationalGraph(f)
    g.forward(x=np.array([1.0, 2.0]), y=np.array([-1.0, 0.5]))
    first = g.backward()
    first = {k: np.copy(v) for k, v in first.items()}
    second = g.backward()
    assert first.keys() == second.keys() == {"x", "y", "W"}
    for k in first:
        np.testing.assert_array_equal(second[k], first[k])


def test_backward_twice_with_scalars_and_fan_out():
    x = Input("x")
    g = ComputationalGraph(x * x + x)
    g.forward(x=3.0)
    assert g.backward() == {"x": 7.0}
    assert g.backward() == {"x": 7.0}
    assert float(x.grad) == 7.0


def test_forward_backward_forward_backward_starts_from_zero():
    x = Input("x")
    g = ComputationalGraph(Sum()(x * x))
    g.forward(x=np.array([1.0, 2.0]))
    g.backward()
    g.forward(x=np.array([1.0, 2.0]))
    np.testing.assert_array_equal(g.backward()["x"], [2.0, 4.0])


def test_fan_out_x_times_x():
    x = Input("x")
    g = ComputationalGraph(x * x)
    assert g.forward(x=3.0) == 9.0
    assert g.backward() == {"x": 6.0}


def test_fan_out_x_plus_x():
    x = Input("x")
    g = ComputationalGraph(x + x)
    assert g.forward(x=3.0) == 6.0
    assert g.backward() == {"x": 2.0}


def test_fan_out_x_plus_x_with_arrays():
    # Add hands dout through unchanged: summing in place into the first would double it
    x = Input("x")
    g = ComputationalGraph(Sum()(x + x))
    g.forward(x=np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(g.backward()["x"], [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(g.backward()["x"], [2.0, 2.0, 2.0])


def test_fan_out_three_ways_with_arrays():
    x = Input("x")
    g = ComputationalGraph(Sum()(x + x + x))
    g.forward(x=np.zeros(2))
    np.testing.assert_array_equal(g.backward()["x"], [3.0, 3.0])


def test_fan_out_diamond():
    # f = (x y) (x + y): df/dx = y (x + y) + x y, df/dy = x (x + y) + x y
    x, y = Input("x"), Input("y")
    g = ComputationalGraph((x * y) * (x + y))
    assert g.forward(x=2.0, y=3.0) == 30.0
    assert g.backward() == {"x": 21.0, "y": 16.0}


def test_fan_out_of_an_intermediate_node():
    # h = sigmoid(x) used twice: f = h * h, df/dx = 2 h h'
    x = Input("x")
    h = Sigmoid()(x, name="h")
    g = ComputationalGraph(h * h)
    g.forward(x=0.0)
    assert g.backward()["x"] == pytest.approx(2 * 0.5 * 0.25)
    assert float(h.grad) == pytest.approx(1.0)


def test_gradients_of_broadcast_inputs_have_the_inputs_shapes():
    X, b = Input("X"), Input("b")
    g = ComputationalGraph(Sum()(X * b))
    Xv = np.arange(6.0).reshape(2, 3)
    g.forward(X=Xv, b=np.array([1.0, 2.0, 3.0]))
    grads = g.backward()
    assert grads["X"].shape == (2, 3)
    assert grads["b"].shape == (3,)
    np.testing.assert_array_equal(grads["b"], [3.0, 5.0, 7.0])
    np.testing.assert_array_equal(grads["X"], [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])


def test_no_aliasing_between_the_two_inputs_of_add():
    a, b, c = Input("a"), Input("b"), Input("c")
    q = a + b
    g = ComputationalGraph(Sum()(q * c))
    g.forward(a=np.zeros(3), b=np.zeros(3), c=np.array([1.0, 2.0, 3.0]))
    grads = g.backward()
    grads["a"][0] = 99.0
    np.testing.assert_array_equal(grads["b"], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(b.grad, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(q.grad, [1.0, 2.0, 3.0])
    grads["b"] *= 0
    np.testing.assert_array_equal(q.grad, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(np.asarray(c.grad), [0.0, 0.0, 0.0])


def test_no_aliasing_with_a_straight_add_output():
    a, b = Input("a"), Input("b")
    g = ComputationalGraph(a + b)
    g.forward(a=np.zeros(2), b=np.zeros(2))
    dout = np.array([1.0, 2.0])
    grads = g.backward(dout)
    grads["a"] += 10
    np.testing.assert_array_equal(grads["b"], [1.0, 2.0])
    np.testing.assert_array_equal(dout, [1.0, 2.0])


def test_gradient_arrays_are_distinct_objects_per_node():
    a, b = Input("a"), Input("b")
    q = a + b
    g = ComputationalGraph(Sum()(q * 2))
    g.forward(a=np.ones(2), b=np.ones(2))
    g.backward()
    arrays = [a.grad, b.grad, q.grad]
    for i in range(3):
        for j in range(i + 1, 3):
            assert not np.shares_memory(arrays[i], arrays[j])


# --- backward before forward ------------------------------------------------------------------------


def test_backward_before_forward_names_the_first_gate():
    x = Input("x")
    f = Tanh()(Sigmoid()(x, name="squash"))
    g = ComputationalGraph(f)
    with pytest.raises(gates.ForwardFirstError, match="squash") as info:
        g.backward()
    assert "Sigmoid" in str(info.value)
    assert isinstance(info.value, RuntimeError)


def test_backward_before_forward_in_the_lecture_circuit():
    g, n = lecture_circuit()
    with pytest.raises(RuntimeError, match="Add"):
        g.backward()
    assert isinstance(n["q"].gate, gates.Add)


# --- leaves left out of the result -------------------------------------------------------------------


def test_requires_grad_false_inputs_are_left_out():
    X = Input("X", requires_grad=False)
    W = Parameter("W", np.array([[1.0], [2.0]]))
    g = ComputationalGraph(Sum()(X @ W))
    g.forward(X=np.array([[1.0, 1.0], [2.0, 3.0]]))
    grads = g.backward()
    assert set(grads) == {"W"}
    np.testing.assert_array_equal(grads["W"], [[3.0], [4.0]])


def test_requires_grad_false_scalar_input_is_left_out():
    x = Input("x")
    k = Input("k", requires_grad=False)
    g = ComputationalGraph(x * k)
    assert g.forward(x=2.0, k=5.0) == 10.0
    assert g.backward() == {"x": 5.0}


class NoGradientForInput1(Gate):
    """x * k, with no gradient claimed for k (as a loss does for its labels)."""

    def forward(self, x, k):
        self.k = k
        return x * k

    def backward(self, dout):
        return self.k * dout, None


def test_an_input_whose_gates_all_give_none_is_left_out():
    x, k = Input("x"), Input("k")  # k requires a gradient, but no gate gives one
    g = ComputationalGraph(Sum()(NoGradientForInput1()(x, k)) + Sum()(NoGradientForInput1()(x, k)))
    g.forward(x=np.array([1.0, 2.0]), k=np.array([3.0, 4.0]))
    grads = g.backward()
    assert set(grads) == {"x"}
    np.testing.assert_array_equal(grads["x"], [6.0, 8.0])


def test_labels_are_left_out_of_a_softmax_graph():
    scores = Input("scores")
    labels = Input("labels", requires_grad=False)
    g = ComputationalGraph(SoftmaxCrossEntropy()(scores, labels))
    loss = g.forward(scores=np.array([[1.0, 2.0, 3.0]]), labels=np.array([2]))
    assert type(loss) is float
    assert loss == pytest.approx(0.407606, abs=1e-6)
    assert labels.value.dtype.kind in "iu"
    grads = g.backward()
    assert set(grads) == {"scores"}
    np.testing.assert_allclose(grads["scores"], [[0.090031, 0.244728, -0.334759]], atol=1e-6)


def test_labels_from_a_python_list_stay_integers():
    scores = Input("scores")
    labels = Input("labels", requires_grad=False)
    g = ComputationalGraph(SoftmaxCrossEntropy()(scores, labels))
    g.forward(scores=np.zeros((2, 3)), labels=[0, 2])
    assert set(g.backward()) == {"scores"}


# --- parameters -------------------------------------------------------------------------------------


def test_parameters_keep_their_values_between_runs_and_get_gradients():
    W = Parameter("W", np.array([[0.1, 0.5], [-0.3, 0.8]]))
    x = Input("x")
    g = ComputationalGraph(SquaredNorm()(W @ x))
    assert g.forward(x=np.array([0.2, 0.4])) == pytest.approx(0.116)
    grads = g.backward()
    assert set(grads) == {"W", "x"}
    np.testing.assert_allclose(grads["W"], [[0.088, 0.176], [0.104, 0.208]])
    assert g.forward(x=np.array([1.0, 0.0])) == pytest.approx(0.1)
    np.testing.assert_allclose(W.value, [[0.1, 0.5], [-0.3, 0.8]])
    assert g.forward(x=np.array([0.2, 0.4])) == pytest.approx(0.116)


def test_an_optimizer_step_on_param_value_changes_the_next_run():
    w = Parameter("w", np.array([1.0, -1.0]))
    x = Input("x")
    g = ComputationalGraph(SquaredNorm()(w * x))
    before = g.forward(x=np.array([1.0, 1.0]))
    grad = g.backward()["w"]
    w.value = w.value - 0.1 * grad
    after = g.forward(x=np.array([1.0, 1.0]))
    assert before == 2.0
    assert after == pytest.approx(2 * 0.8**2)
    w.value -= 0.1 * g.backward()["w"]  # in place also works
    assert g.forward(x=np.array([1.0, 1.0])) == pytest.approx(2 * 0.64**2)


def test_graph_of_parameters_only_runs_with_no_feed():
    W = Parameter("W", 3.0)
    g = ComputationalGraph(W * W)
    assert g.forward() == 9.0
    assert g.backward() == {"W": 6.0}


# --- returned values ---------------------------------------------------------------------------------


def test_zero_d_output_is_a_python_float():
    x = Input("x")
    g = ComputationalGraph(Sum()(Sigmoid()(x)))
    out = g.forward(x=np.zeros(4))
    assert type(out) is float
    assert out == 2.0


def test_zero_d_gradient_is_a_python_float():
    x, s = Input("x"), Input("s")
    g = ComputationalGraph(Sum()(x * s))
    g.forward(x=np.array([1.0, 2.0]), s=np.float64(3.0))
    grads = g.backward()
    assert type(grads["s"]) is float
    assert grads["s"] == 3.0
    assert isinstance(grads["x"], np.ndarray)


def test_array_output_has_the_right_shape():
    W, x = Input("W"), Input("x")
    g = ComputationalGraph(Tanh()(W @ x))
    out = g.forward(W=np.zeros((4, 3)), x=np.ones((3, 2)))
    assert isinstance(out, np.ndarray)
    assert out.shape == (4, 2)
    grads = g.backward(np.ones((4, 2)))
    assert isinstance(grads["W"], np.ndarray) and grads["W"].shape == (4, 3)
    assert isinstance(grads["x"], np.ndarray) and grads["x"].shape == (3, 2)
    np.testing.assert_array_equal(grads["W"], np.full((4, 3), 2.0))


def test_new_forward_replaces_every_cached_value():
    g, n = lecture_circuit()
    g.forward(x=-2, y=5, z=-4)
    assert g.forward(x=1, y=2, z=3) == 9.0
    assert float(n["q"].value) == 3.0
    assert float(n["x"].value) == 1.0
    assert float(n["f"].value) == 9.0
    assert g.backward() == {"x": 3.0, "y": 3.0, "z": 3.0}


def test_new_forward_with_a_new_shape_replaces_cached_values():
    x = Input("x")
    m = Max()(x, 0.0, name="m")
    g = ComputationalGraph(Sum()(m))
    g.forward(x=np.array([1.0, -1.0]))
    g.forward(x=np.array([-1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(m.value, [0.0, 2.0, 3.0])
    np.testing.assert_array_equal(g.backward()["x"], [0.0, 1.0, 1.0])


# --- a long chain --------------------------------------------------------------------------------------


def test_a_chain_of_100000_gates_runs_without_recursion():
    n = 100_000
    start = time.perf_counter()
    x = Input("x")
    h = x
    for _ in range(n):
        h = -h
    g = ComputationalGraph(h)
    order = g.nodes_topologically_sorted()
    assert len(order) == n + 1
    assert order[0] is x and order[-1] is h
    assert g.forward(x=1.5) == 1.5
    assert g.backward() == {"x": 1.0}
    assert g.forward(x=-2.0) == -2.0
    assert g.backward(3.0) == {"x": 3.0}
    assert time.perf_counter() - start < 20.0


def test_a_chain_with_a_lowered_recursion_limit():
    limit = sys.getrecursionlimit()
    x = Input("x")
    h = x
    for _ in range(2000):
        h = h + 1.0
    depth = len(traceback.extract_stack())
    sys.setrecursionlimit(depth + 200)  # far below the chain's 2000 gates
    try:
        g = ComputationalGraph(h)
        assert g.forward(x=0.0) == 2000.0
        assert g.backward() == {"x": 1.0}
    finally:
        sys.setrecursionlimit(limit)


# --- MatMul skipping data gradients ----------------------------------------------------------------------


def test_matmul_of_a_data_batch_gets_no_gradient_request():
    X = Input("X", requires_grad=False)
    W = Parameter("W", np.ones((2, 2)))
    mm = MatMul()
    g = ComputationalGraph(Sum()(mm(X, W)))
    g.forward(X=np.ones((3, 2)))
    grads = g.backward()
    assert set(grads) == {"W"}
    np.testing.assert_array_equal(grads["W"], np.full((2, 2), 3.0))


def test_a_fed_array_is_copied_by_default_and_shared_with_copy_false():
    shared, copied = Input("shared", copy=False), Input("copied")
    g = ComputationalGraph(shared * copied)
    a, b = np.ones(3), np.full(3, 2.0)
    g.forward(shared=a, copied=b)
    assert shared.value is a                     # copy=False: the caller's own array
    assert not np.shares_memory(copied.value, b)
    g.forward(shared=np.arange(3), copied=b)     # integers still become float64 (a new array)
    assert shared.value.dtype == np.float64
