"""Nodes: leaves, operators, gate nodes."""

from __future__ import annotations

import numpy as np
import pytest

from gates import Add, MatMul, Max, Multiply, Sigmoid, Sum, Tanh
from graph import ComputationalGraph, Constant, GraphError, Input, Node, Parameter


def run(output: Node, **feed: object) -> tuple[object, dict[str, object]]:
    """Forward and backward of a fresh graph: the output and the gradients."""
    g = ComputationalGraph(output)
    return g.forward(feed), g.backward()


# --- leaves -------------------------------------------------------------------------------------


def test_input_is_a_leaf_with_its_name():
    x = Input("x")
    assert x.name == "x"
    assert x.gate is None
    assert len(x.inputs) == 0


def test_input_accepts_shape_and_requires_grad_keywords():
    x = Input("x", shape=(2, 3), requires_grad=False)
    assert x.name == "x"
    assert x.gate is None


def test_parameter_keeps_its_value_and_name():
    W = Parameter("W", np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert W.name == "W"
    assert W.gate is None
    assert len(W.inputs) == 0
    np.testing.assert_array_equal(W.value, [[1.0, 2.0], [3.0, 4.0]])


def test_constant_value_and_optional_name():
    c = Constant(2.5)
    assert c.name is None
    assert c.gate is None
    assert len(c.inputs) == 0
    assert float(c.value) == 2.5
    assert Constant(3.0, name="three").name == "three"


def test_constants_and_parameters_are_not_inputs():
    x = Input("x")
    W = Parameter("W", 2.0)
    c = Constant(3.0, name="c")
    g = ComputationalGraph(x * W + c)
    assert set(g.inputs) == {"x"}
    assert set(g.parameters) == {"W"}


def test_constant_gets_no_gradient():
    x = Input("x")
    c = Constant(3.0, name="c")
    g = ComputationalGraph(x * c)
    assert g.forward(x=2.0) == 6.0
    assert g.backward() == {"x": 3.0}


# --- operators ----------------------------------------------------------------------------------


def test_add_and_multiply_operators_build_add_and_multiply_nodes():
    a, b = Input("a"), Input("b")
    s = a + b
    p = a * b
    assert isinstance(s, Node) and isinstance(p, Node)
    assert isinstance(s.gate, Add)
    assert isinstance(p.gate, Multiply)
    assert s.inputs[0] is a and s.inputs[1] is b
    assert p.inputs[0] is a and p.inputs[1] is b
    assert len(s.inputs) == 2


def test_matmul_operator_builds_a_matmul_node():
    W, x = Input("W"), Input("x")
    q = W @ x
    assert isinstance(q.gate, MatMul)
    assert q.inputs[0] is W and q.inputs[1] is x


def test_each_operator_gets_its_own_gate_instance():
    a, b = Input("a"), Input("b")
    s1, s2 = a + b, a + b
    assert s1.gate is not s2.gate


@pytest.mark.parametrize(
    ("build", "value", "grads"),
    [
        (lambda a, b: a + b, 5.0, {"a": 1.0, "b": 1.0}),
        (lambda a, b: a - b, -1.0, {"a": 1.0, "b": -1.0}),
        (lambda a, b: a * b, 6.0, {"a": 3.0, "b": 2.0}),
        (lambda a, b: a / b, 2.0 / 3.0, {"a": 1.0 / 3.0, "b": -2.0 / 9.0}),
        (lambda a, b: -a, -2.0, {"a": -1.0}),
        (lambda a, b: a**3, 8.0, {"a": 12.0}),
        (lambda a, b: a**0.5, 2.0**0.5, {"a": 0.5 / 2.0**0.5}),
    ],
    ids=["add", "sub", "mul", "div", "neg", "pow3", "pow_half"],
)
def test_operators_between_nodes(build, value, grads):
    a, b = Input("a"), Input("b")
    g = ComputationalGraph(build(a, b))
    feed = {"a": 2.0, "b": 3.0}
    out = g.forward({k: v for k, v in feed.items() if k in g.inputs})
    assert out == pytest.approx(value, abs=1e-12)
    result = g.backward()
    assert result.keys() == grads.keys()
    for k, v in grads.items():
        assert result[k] == pytest.approx(v, abs=1e-12)


@pytest.mark.parametrize(
    ("build", "value", "grad"),
    [
        (lambda a: a + 10, 12.0, 1.0),
        (lambda a: 10 + a, 12.0, 1.0),
        (lambda a: a - 10, -8.0, 1.0),
        (lambda a: 10 - a, 8.0, -1.0),
        (lambda a: a * 10, 20.0, 10.0),
        (lambda a: 10 * a, 20.0, 10.0),
        (lambda a: a / 10, 0.2, 0.1),
        (lambda a: 10 / a, 5.0, -2.5),
        (lambda a: a * 2.5, 5.0, 2.5),
        (lambda a: a**2, 4.0, 4.0),
        (lambda a: a**-1, 0.5, -0.25),
    ],
    ids=["a+n", "n+a", "a-n", "n-a", "a*n", "n*a", "a/n", "n/a", "a*float", "a**2", "a**-1"],
)
def test_operators_with_numbers_on_either_side(build, value, grad):
    a = Input("a")
    node = build(a)
    out, grads = run(node, a=2.0)
    assert out == pytest.approx(value, abs=1e-12)
    assert grads == {"a": pytest.approx(grad, abs=1e-12)}


def test_numbers_become_constants():
    a = Input("a")
    right = a + 2
    left = 3 * a
    assert isinstance(right.inputs[1], Constant)
    assert float(right.inputs[1].value) == 2.0
    assert isinstance(left.inputs[0], Constant)
    assert float(left.inputs[0].value) == 3.0
    assert left.inputs[1] is a


def test_reflected_operator_keeps_operand_order():
    a = Input("a")
    node = 10 - a
    assert isinstance(node.inputs[0], Constant)
    assert node.inputs[1] is a


@pytest.mark.parametrize("op", ["add", "radd", "mul", "rmul", "sub", "rsub", "div", "rdiv"])
def test_numpy_array_on_either_side_builds_a_node(op):
    arr = np.array([1.0, 2.0, 4.0])
    a = Input("a")
    expressions = {
        "add": (lambda: a + arr, lambda v: v + arr, lambda v: np.ones(3)),
        "radd": (lambda: arr + a, lambda v: arr + v, lambda v: np.ones(3)),
        "mul": (lambda: a * arr, lambda v: v * arr, lambda v: arr),
        "rmul": (lambda: arr * a, lambda v: arr * v, lambda v: arr),
        "sub": (lambda: a - arr, lambda v: v - arr, lambda v: np.ones(3)),
        "rsub": (lambda: arr - a, lambda v: arr - v, lambda v: -np.ones(3)),
        "div": (lambda: a / arr, lambda v: v / arr, lambda v: 1 / arr),
        "rdiv": (lambda: arr / a, lambda v: arr / v, lambda v: -arr / v**2),
    }
    build, value, grad = expressions[op]
    node = build()
    assert isinstance(node, Node), f"{op}: got {type(node).__name__}, not a graph node"
    v = np.array([2.0, -1.0, 0.5])
    g = ComputationalGraph(Sum()(node))
    out = g.forward(a=v)
    assert out == pytest.approx(float(np.sum(value(v))), abs=1e-12)
    np.testing.assert_allclose(g.backward()["a"], grad(v), atol=1e-12)


def test_numpy_matrix_at_node_builds_a_node():
    W = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = Input("x")
    q = W @ x
    assert isinstance(q, Node)
    assert isinstance(q.gate, MatMul)
    g = ComputationalGraph(Sum()(q))
    assert g.forward(x=np.array([1.0, -1.0])) == pytest.approx(-2.0)
    np.testing.assert_allclose(g.backward()["x"], [4.0, 6.0])


def test_pow_with_a_node_exponent_is_a_type_error():
    a, b = Input("a"), Input("b")
    with pytest.raises(TypeError):
        a**b


def test_pow_with_a_string_exponent_is_a_type_error():
    a = Input("a")
    with pytest.raises(TypeError):
        a ** "2"


# --- gate nodes ---------------------------------------------------------------------------------


def test_calling_a_gate_on_a_node_builds_a_gate_node():
    a = Input("a")
    sig = Sigmoid()
    s = sig(a)
    assert isinstance(s, Node)
    assert s.gate is sig
    assert len(s.inputs) == 1 and s.inputs[0] is a


def test_calling_a_gate_with_a_name():
    a, b = Input("a"), Input("b")
    h = Max()(a, b, name="h")
    assert h.name == "h"
    assert isinstance(h.gate, Max)
    assert h.inputs[0] is a and h.inputs[1] is b


def test_gate_node_computes_through_a_graph():
    a, b = Input("a"), Input("b")
    h = Max()(a, b, name="h")
    out, grads = run(h, a=2.0, b=-1.0)
    assert out == 2.0
    assert grads == {"a": 1.0, "b": 0.0}


def test_numbers_in_a_gate_call_become_constants():
    a = Input("a")
    h = Max()(a, 0.0)
    assert isinstance(h.inputs[1], Constant)
    out, grads = run(h, a=-3.0)
    assert out == 0.0
    assert grads == {"a": 0.0}


def test_reusing_a_gate_instance_is_a_graph_error():
    a, b = Input("a"), Input("b")
    sig = Sigmoid()
    h = sig(a, name="h")
    with pytest.raises(GraphError, match=r"Sigmoid gate already serves node 'h': .* make a new Sigmoid\(\)"):
        sig(b)
    assert h.gate is sig


def test_reusing_a_gate_instance_on_the_same_node_is_a_graph_error():
    a = Input("a")
    tanh = Tanh()
    t = tanh(a)
    with pytest.raises(GraphError, match="already serves an unnamed node computed from 'a'"):
        tanh(a)
    assert t.gate is tanh


def test_a_gate_whose_node_is_gone_may_serve_again():
    a = Input("a")
    sig = Sigmoid()
    sig(a)  # the node is dropped at once: the gate serves nothing
    g = ComputationalGraph(sig(a))
    assert g.forward(a=0.0) == 0.5


def test_graph_error_is_a_value_error():
    assert issubclass(GraphError, ValueError)


def test_wrong_number_of_inputs_for_a_gate_is_a_graph_error():
    a, b = Input("a"), Input("b")
    with pytest.raises(GraphError, match="Sigmoid"):
        Sigmoid()(a, b)
    with pytest.raises(GraphError, match="Max"):
        Max()(a)


def test_structure_of_an_expression():
    x, y, z = Input("x"), Input("y"), Input("z")
    q = x + y
    f = q * z
    assert f.inputs[0] is q and f.inputs[1] is z
    assert q.inputs[0] is x and q.inputs[1] is y
    assert q.gate is not None and f.gate is not None


def test_unnamed_gate_nodes_get_unique_names_when_a_graph_is_built():
    x = Input("x")
    h = Sigmoid()(x, name="h")
    f = (h + x) * (h + 2) + Tanh()(h)
    g = ComputationalGraph(f)
    names = [n.name for n in g.nodes_topologically_sorted() if n.gate is not None]
    assert all(isinstance(n, str) and n for n in names)
    assert len(set(names)) == len(names)
    assert h.name == "h"
