"""`ComputationalGraph.compile()`: the graph's run, written out as code (API §5, clause by clause)."""

from __future__ import annotations

import inspect
import threading
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gates
from gates import Gate, MatMul, ReLU, Sigmoid, SoftmaxCrossEntropy, SquaredNorm, Sum
from graph import (
    ComputationalGraph,
    FeedError,
    ForwardFirstError,
    GraphError,
    Input,
    Network,
    Parameter,
    ShapeError,
)
from graph.compile import CompiledGraph
from graph.lecture import examples, simple_circuit, staged
from tests.graph.test_random_graphs import random_graphs


def same(a: Any, b: Any) -> None:
    """Equal within 1e-12 relative, with equal dtypes (0-d values compared as the user gets them)."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-300)


def same_run(graph: ComputationalGraph, feed: dict[str, Any], dout: Any = None) -> CompiledGraph:
    """Run ``graph`` and its compiled twin on ``feed`` and check they agree; return the twin."""
    expected_out = graph.forward(feed)
    expected = graph.backward(dout)
    compiled = graph.compile()
    same(compiled.forward(feed), expected_out)
    got = compiled.backward(dout)
    assert got.keys() == expected.keys()
    for name in expected:
        same(got[name], expected[name])
    return compiled


# --- the lecture's examples, and the source a learner reads ------------------------------------------


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.title)
def test_every_worked_example_compiles_to_the_same_numbers(example):
    compiled = same_run(example.graph, example.feed)
    assert compiled.graph is example.graph
    assert compiled.inputs is example.graph.inputs and compiled.parameters is example.graph.parameters


def test_the_first_circuit_reads_as_the_staged_computation():
    example = simple_circuit()
    example.run()
    source = example.graph.compile().source
    assert source == (
        "def forward(x, y, z):\n"
        "    q = x + y                                   # q = x + y\n"
        "    f = q * z                                   # f = q * z\n"
        "    return (f, (z, q, f))\n"
        "\n"
        "def backward(df, saved):\n"
        "    z, q, f = saved\n"
        "    # f = q * z\n"
        "    dq = z * df\n"
        "    dz = q * df\n"
        "    # q = x + y\n"
        "    dx = dq\n"
        "    dy = dq\n"
        "    return ((dx, dy, dz), (dx, dy, dz, dq, df))\n")


def test_gradients_add_up_at_forks_with_plus_equals():
    # the course notes' staged example: x and y each feed three stages
    example = staged()
    example.run()
    for record in (True, False):
        source = example.graph.compile(record=record).source
        assert source.count("dx += ") == 2 and source.count("dy += ") == 1
        assert "dx += dnum" in source
        assert "math.exp(-abs(y))" in source                       # floats compile to math
        assert "np." not in source
        forward = source.split("def backward")[0]
        for name in ("sigy", "num", "sigx", "xpy", "xpysqr", "den", "invden"):  # one assignment per stage
            assert f"    {name} = " in forward
    assert "    dx += sigx_local * dsigx\n" in source               # unrecorded: the notes' very line
    assert "dxpy = 2.0 * xpy * dxpysqr" in source                 # not `xpy ** 1.0`


def test_arrays_compile_to_numpy_and_sum_gradients_only_where_broadcasting_happened():
    net = Network([4, 5, 3], seed=0)
    g = net.training_graph("softmax")
    X, y = np.random.default_rng(0).standard_normal((6, 4)), np.array([0, 1, 2, 0, 1, 2])
    compiled = same_run(g, {"X": X, "y": y})
    source = compiled.source
    assert "db1 = np.sum(da1, axis=0)" in source and "db2 = np.sum(dscores, axis=0)" in source
    assert "unbroadcast" not in source and "math." not in source
    assert "dW2 = h1.T @ dh1_W2" in source and "dh1 = dh1_W2 @ W2.T" in source
    assert "astype" not in source and "result_type" not in source   # no dtype bookkeeping
    assert "dX =" not in source                                 # the data batch gets no gradient
    assert source.count("# ") >= 2 * 6                           # every gate named, forward and back


# --- the contract of §5, clause by clause --------------------------------------------------------------


def lecture_circuit() -> ComputationalGraph:
    x, y, z = Input("x"), Input("y"), Input("z")
    return ComputationalGraph(((x + y).named("q") * z).named("f"))


@pytest.mark.parametrize(("args", "named"), [
    ((), {"x": 1.0, "y": 2.0}),                                  # missing
    ((), {"x": 1.0, "y": 2.0, "z": 3.0, "w": 4.0}),              # unknown
    (({"x": 1.0},), {"x": 1.0, "y": 2.0, "z": 3.0}),             # twice
    ((3.0,), {}),                                                # not a dict
    ((), {"x": "one", "y": 2.0, "z": 3.0}),                      # a string
    ((), {"x": 1j, "y": 2.0, "z": 3.0}),                         # complex
])
def test_it_refuses_exactly_what_the_graph_refuses_with_the_same_error(args, named):
    graph = lecture_circuit()
    compiled = graph.compile()
    with pytest.raises((FeedError, TypeError)) as expected:
        graph.forward(*args, **named)
    with pytest.raises(type(expected.value)) as got:
        compiled.forward(*args, **named)
    assert str(got.value) == str(expected.value)


def test_shapes_declared_on_inputs_are_refused_alike():
    W, x = Input("W", shape=(2, 2)), Input("x", shape=(2,))
    graph = ComputationalGraph(SquaredNorm()(W @ x))
    compiled = graph.compile()
    for run in (graph.forward, compiled.forward):
        with pytest.raises(FeedError, match=r"input 'x': expected shape \(2,\), got \(3,\)"):
            run(W=np.eye(2), x=np.ones(3))


def test_a_gates_error_names_the_node_as_the_graph_does():
    a, b = Input("a"), Input("b")
    graph = ComputationalGraph(Sum()(MatMul()(a, b, name="fc1")))
    compiled = graph.compile()
    for run in (graph.forward, compiled.forward):
        with pytest.raises(ShapeError) as info:
            run(a=np.ones((2, 3)), b=np.ones((4, 5)))
        assert str(info.value) == "MatMul 'fc1': (2, 3) @ (4, 5): inner dimensions 3 != 4"


def test_an_error_at_run_time_names_the_node_as_the_graph_does():
    scores, labels = Input("scores"), Input("labels", requires_grad=False)
    graph = ComputationalGraph(SoftmaxCrossEntropy()(scores, labels, name="loss"))
    compiled = graph.compile()
    messages = []
    for run in (graph.forward, compiled.forward):
        with pytest.raises(ValueError, match=r"label 7 at index 1 is outside 0\.\.2") as info:
            run(scores=np.zeros((2, 3)), labels=np.array([0, 7]))
        messages.append(str(info.value) + "".join(getattr(info.value, "__notes__", [])))
    assert messages[0] == messages[1] and "'loss'" in messages[1]


def test_dout_is_checked_as_the_graph_checks_it():
    x = Input("x")
    graph = ComputationalGraph(Sigmoid()(x, name="s"))
    compiled = graph.compile()
    for run in (graph, compiled):
        run.forward(x=np.zeros(3))
        with pytest.raises(ShapeError, match="output 's' has shape"):
            run.backward()
        with pytest.raises(ShapeError, match=r"dout has shape \(2,\), expected \(3,\)"):
            run.backward(np.ones(2))
    same_run(graph, {"x": np.array([-1.0, 0.0, 2.0])}, dout=np.array([1.0, 2.0, 3.0]))


def test_backward_before_forward_is_refused():
    with pytest.raises(ForwardFirstError, match="before forward"):
        lecture_circuit().compile().backward()


def test_float32_stays_float32_and_float64_within_1e_12():
    net = Network([3, 4, 2], seed=1)
    for p in net.parameters.values():
        p.value = p.value.astype(np.float32)
    g = net.training_graph("svm")
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((5, 3)).astype(np.float32), np.array([0, 1, 1, 0, 1])
    compiled = same_run(g, {"X": X, "y": y})
    assert compiled.backward()["W1"].dtype == np.float32


def test_parameters_are_read_at_every_call():
    W = Parameter("W", [1.0, 2.0])
    x = Input("x")
    compiled = ComputationalGraph(SquaredNorm()(W * x)).compile()
    assert compiled.forward(x=[1.0, 1.0]) == 5.0
    W.value -= 1.0                                   # an optimizer's step, in place
    assert compiled.forward(x=[1.0, 1.0]) == 1.0
    np.testing.assert_array_equal(compiled.backward()["W"], [0.0, 2.0])


def test_a_plan_per_signature_kept_and_reused():
    x, b = Input("x"), Input("b")
    compiled = ComputationalGraph(Sum()(x + b)).compile()
    compiled.forward(x=np.ones((2, 3)), b=np.ones(3))
    first = compiled.source
    assert "db = np.sum(dadd1, axis=0)" in first
    compiled.forward(x=np.ones((2, 3)), b=np.ones(3))
    assert compiled.source is first                   # the same plan, not written again
    compiled.forward(x=np.ones((5, 3)), b=np.ones((5, 3)))  # the last minibatch, say: no broadcasting
    assert "np.sum" not in compiled.source.split("def backward")[1].split("# add1")[1]
    np.testing.assert_array_equal(compiled.backward()["b"], np.ones((5, 3)))
    compiled.forward(x=np.ones((2, 3)), b=np.ones(3))
    assert compiled.source is first


def test_the_output_is_read_only_and_gradients_are_arrays_of_their_own():
    a, b = Input("a"), Input("b")
    compiled = ComputationalGraph(a + b).compile()
    out = compiled.forward(a=np.zeros(2), b=np.zeros(2))
    with pytest.raises(ValueError, match="read-only"):
        out += 1
    grads = compiled.backward(np.array([1.0, 2.0]))
    grads["a"] += 10
    np.testing.assert_array_equal(grads["b"], [1.0, 2.0])


# --- a learner's gate: inlined, or called through its methods, with the engine's checks -----------------


class Cube(Gate):
    symbol = "^3"

    def forward(self, x):
        self.x = x
        return x**3

    def backward(self, dout):
        return (3 * self.x**2 * dout,)


class FlatGradient(Cube):
    def backward(self, dout):
        return (np.ravel(3 * self.x**2 * dout),)


class ListGradient(Cube):
    def backward(self, dout):
        return ([3 * self.x**2 * dout],)


class LoopingCube(Cube):
    """Not straight-line: called through its methods."""

    def backward(self, dout):
        grad = dout
        for _ in range(2):
            grad = grad * self.x
        return (3 * grad,)


def test_a_learners_straight_line_gate_is_inlined_and_its_results_checked():
    x = Input("x")
    graph = ComputationalGraph(Sigmoid()(Cube()(x, name="c"), name="s"))
    compiled = same_run(graph, {"x": 0.5})
    assert "    c = x ** 3" in compiled.source and "dx = 3 * x ** 2 * dc" in compiled.source
    assert ".forward(" not in compiled.source and ".backward(" not in compiled.source
    assert compiled.source.count("checked_value(") == 1 and compiled.source.count("checked_gradient(") == 1
    same_run(graph, {"x": np.array([[0.5, -1.0]])}, dout=np.array([[1.0, 2.0]]))


def test_a_gate_that_is_not_straight_line_is_called_through_its_own_methods():
    x = Input("x")
    graph = ComputationalGraph(Sigmoid()(LoopingCube()(x, name="c"), name="s"))
    compiled = same_run(graph, {"x": 0.5})
    assert "c_gate.forward(x)" in compiled.source and "c_gate.backward(dc)" in compiled.source


@pytest.mark.parametrize(("kind", "error", "match"), [
    (FlatGradient, ShapeError, r"Cube|FlatGradient 'c': gradient for input 0 \('x'\) has shape \(2,\)"),
    (ListGradient, TypeError, "ListGradient 'c': backward returned list"),
])
def test_a_learners_wrong_gradient_is_refused_as_the_graph_refuses_it(kind, error, match):
    x = Input("x")
    graph = ComputationalGraph(Sum()(kind()(x, name="c")))
    compiled = graph.compile()
    for run in (graph, compiled):
        run.forward(x=np.ones((1, 2)))
        with pytest.raises(error, match=match):
            run.backward()


def test_another_graphs_forward_through_a_called_gate_is_detected():
    x = Input("x")
    c = LoopingCube()(x, name="c")
    compiled, other = ComputationalGraph(c).compile(), ComputationalGraph(c * 2.0)
    compiled.forward(x=1.0)
    other.forward(x=3.0)
    with pytest.raises(GraphError, match=r"LoopingCube 'c'.*another graph's forward"):
        compiled.backward()


def test_an_inlined_gate_keeps_nothing_on_itself_so_another_graphs_run_changes_nothing():
    x = Input("x")
    c = Cube()(x, name="c")
    compiled, other = ComputationalGraph(c).compile(), ComputationalGraph(c * 2.0)
    compiled.forward(x=1.0)
    other.forward(x=3.0)
    assert compiled.backward() == {"x": 3.0}


def test_a_backward_must_come_from_the_thread_of_the_last_forward():
    compiled = lecture_circuit().compile()
    compiled.forward(x=1.0, y=2.0, z=3.0)
    errors: list[BaseException] = []

    def elsewhere() -> None:
        try:
            compiled.backward()
        except GraphError as exc:
            errors.append(exc)

    t = threading.Thread(target=elsewhere)
    t.start()
    t.join()
    assert "another thread" in str(errors[0])


@pytest.mark.parametrize("dout", [2.0, -2.0, 0.0, -0.0, np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("x", [-1.0, 0.0, 1.0])
def test_a_float_through_a_mask_keeps_nan_inf_and_the_sign_of_zero(x, dout):
    """In plain Python, a gradient times a ReLU's mask is written ``d if mask else d * 0.0``: the same."""
    graph = ComputationalGraph(ReLU()(Input("x"), name="r"))
    expected = graph.forward(x=x), graph.backward(dout)["x"]
    compiled = graph.compile()
    got = compiled.forward(x=x), compiled.backward(dout)["x"]
    assert "dx = dr if r_open else dr * 0.0" in compiled.source
    assert type(got[1]) is type(expected[1]) is float
    assert str(got) == str(expected)          # nan is nan, and -0.0 stays -0.0


# --- where math refuses, numpy's answer ----------------------------------------------------------------


@pytest.mark.parametrize(("build", "feed"), [
    (lambda x: gates.Log()(x), 0.0),                   # log 0 = -inf
    (lambda x: gates.Reciprocal()(x), 0.0),            # 1/0 = inf
    (lambda x: gates.Exp()(x), 1000.0),                # exp overflows to inf
    (lambda x: x ** 0.5, -4.0),                        # a negative base to a fractional power: nan
    (lambda x: gates.Divide()(x, x * 0.0), 1.0),       # x / 0
])
def test_where_math_raises_the_compiled_graph_gives_the_graphs_inf_or_nan(build, feed):
    x = Input("x")
    graph = ComputationalGraph(build(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected, expected_grads = graph.forward(x=feed), graph.backward()
        compiled = graph.compile()
        got, got_grads = compiled.forward(x=feed), compiled.backward()
    np.testing.assert_equal(got, expected)
    np.testing.assert_equal(got_grads, expected_grads)


# --- every gate compiles to what its methods compute ----------------------------------------------------

PUBLIC = sorted((cls for name in gates.__all__ if isinstance(cls := getattr(gates, name), type)
                and issubclass(cls, Gate) and cls is not Gate), key=lambda c: c.__name__)
MAKE = {"Scale": lambda: gates.Scale(-1.5), "AddConstant": lambda: gates.AddConstant(0.5),
        "Power": lambda: gates.Power(3), "LeakyReLU": lambda: gates.LeakyReLU(0.1),
        "ELU": lambda: gates.ELU(0.7), "Sum": lambda: gates.Sum(axis=0), "Mean": lambda: gates.Mean(axis=-1)}
LOSSES = {"SoftmaxCrossEntropy", "SVMLoss"}


@st.composite
def gate_and_feed(draw: st.DrawFn, cls: type[Gate]) -> tuple[ComputationalGraph, dict[str, Any], Any]:
    """A one-gate graph of ``cls`` on random inputs (shapes, dtypes, broadcasting), its feed and a dout."""
    gate = MAKE.get(cls.__name__, cls)()
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    elements = st.floats(0.2, 2.0) if cls.__name__ in {"Log", "Power"} else st.floats(-2, 2).filter(
        lambda v: abs(v) > 0.05)
    if cls.__name__ in LOSSES:
        n, c = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        scores = draw(hnp.arrays(dtype, (n, c), elements=st.floats(-3, 3, width=32)))
        labels = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
        feeds = [scores, labels]
    elif cls is MatMul:
        n, d, m = (draw(st.integers(1, 3)) for _ in range(3))
        shapes = [draw(st.sampled_from([(n, d), (d,)])), draw(st.sampled_from([(d, m), (d,)]))]
        feeds = [draw(hnp.arrays(dtype, s, elements=elements)) for s in shapes]
    elif len(inspect.signature(cls.forward).parameters) == 3:  # self, x, y
        shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
        feeds = [draw(hnp.arrays(dtype, s, elements=elements)) for s in shapes.input_shapes]
    else:
        shape = draw(hnp.array_shapes(min_dims=1 if cls.__name__ in {"Sum", "Mean"} else 0, max_dims=3,
                                      max_side=3))
        feeds = [draw(hnp.arrays(dtype, shape, elements=elements))]
    names = [f"in{i}" for i in range(len(feeds))]
    leaves = [Input(name, requires_grad=not (cls.__name__ in LOSSES and i == 1))
              for i, name in enumerate(names)]
    graph = ComputationalGraph(gate(*leaves, name="out"))
    feed = {name: (float(v) if v.ndim == 0 and v.dtype == np.float64 and draw(st.booleans()) else v)
            for name, v in zip(names, feeds, strict=True)}
    out_shape = np.shape(graph.forward(feed))
    dout = None if out_shape == () else np.random.default_rng(0).uniform(0.5, 1.5, out_shape).astype(dtype)
    return graph, feed, dout


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda c: c.__name__)
@settings(max_examples=25, deadline=None, database=None)
@given(data=st.data())
def test_every_gate_compiles_to_what_its_methods_compute(cls, data):
    graph, feed, dout = data.draw(gate_and_feed(cls))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # float32 overflow in exp, say: alike in both
        same_run(graph, feed, dout)


@settings(max_examples=30, deadline=None, database=None)
@given(random_graphs())
def test_random_graphs_with_fan_out_compile_to_the_same_run(drawn):
    graph, _, feed = drawn
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a division by 0: inf alike in both
        same_run(graph, {name: feed[name] for name in graph.inputs})


def test_a_graph_that_is_a_single_input_compiles():
    x = Input("x")
    compiled = same_run(ComputationalGraph(x), {"x": 2.0})
    assert "return ((dx,)" in compiled.source


def test_relu_network_predictions_agree():
    net = Network([2, 8, 3], seed=0)
    X = np.random.default_rng(3).standard_normal((10, 2))
    graph = ComputationalGraph(net.scores)
    same_run(graph, {"X": X}, dout=np.ones((10, 3)))
    assert isinstance(ReLU(), Gate)
