"""`ComputationalGraph.trace()`: the chain-rule table of the last backward."""

import numpy as np
import pytest

from gates import Gate, Multiply, Sigmoid, SoftmaxCrossEntropy, SquaredNorm
from graph import ComputationalGraph, Constant, Input, Trace, TraceError, TraceStep
from graph.lecture import examples, sigmoid_neuron, simple_circuit, vectorised
from graph.views.text import format_value


def test_simple_circuit_table_is_the_slides_backward_pass():
    example = simple_circuit()
    example.run()
    assert str(example.graph.trace()) == "\n".join([
        "downstream = local × upstream, gate by gate in the order backward ran",
        "node  gate  upstream  input  local  downstream",
        "----  ----  --------  -----  -----  ----------",
        "f     *     1         q      -4     -4",
        "                      z      3      3",
        "q     +     -4        x      1      -4",
        "                      y      1      -4",
    ])


def test_steps_run_in_reverse_topological_order_one_per_gate():
    example = sigmoid_neuron(decomposed=True)
    example.run()
    gate_nodes = [n.name for n in example.graph.nodes_topologically_sorted() if n.gate is not None]
    trace = example.graph.trace()
    assert [step.node for step in trace] == gate_nodes[::-1]
    assert [step.gate for step in trace][:4] == ["1/x", "+1", "exp", "*-1"]
    assert len(trace) == len(gate_nodes)


@pytest.mark.parametrize("example", [e for e in examples() if e.title != vectorised().title],
                         ids=lambda e: e.title)
def test_downstream_is_local_times_upstream_for_every_scalar_step(example):
    example.run()
    nodes = {n.name: n for n in example.graph.nodes_topologically_sorted()}
    for step in example.graph.trace():
        assert step.upstream == nodes[step.node].grad
        assert step.local is not None
        for local, down in zip(step.local, step.downstream, strict=True):
            if down is None:
                assert local is None
            else:
                assert down == pytest.approx(local * step.upstream, rel=1e-15, abs=1e-300)


def test_sigmoid_gate_local_gradient_is_one_minus_sigma_times_sigma():
    example = sigmoid_neuron(decomposed=False)
    example.run()
    step = example.graph.trace()["f"]
    assert step.gate == "σ"
    assert step.upstream == 1.0
    assert float(step.local[0]) == pytest.approx(0.196612, abs=5e-7)
    assert step.inputs == ("s",)


def test_fan_out_each_use_gets_its_own_downstream_and_the_node_their_sum():
    x, y = Input("x"), Input("y")
    a = (x * y).named("a")
    f = (a + x).named("f")  # x is used twice
    g = ComputationalGraph(f)
    g.forward(x=3.0, y=-4.0)
    grads = g.backward()
    trace = g.trace()
    to_x = [down for step in trace for name, down in zip(step.inputs, step.downstream, strict=True)
            if name == "x"]
    assert sorted(float(d) for d in to_x) == [-4.0, 1.0]
    assert sum(to_x) == grads["x"] == -3.0


def test_small_arrays_are_shown_in_full_and_array_locals_are_not_formed():
    example = vectorised()
    example.run()
    trace = example.graph.trace()
    norm_step, matmul_step = trace["f"], trace["q"]
    q = np.array([0.22, 0.26])
    np.testing.assert_allclose(norm_step.local[0], 2 * q)  # scalar output: local gradient is 2q
    assert matmul_step.local is None                        # array output: a Jacobian, never formed
    np.testing.assert_allclose(matmul_step.downstream[0], [[0.088, 0.176], [0.104, 0.208]])
    text = str(trace)
    assert "[0.44, 0.52]" in text                           # the lecture's ∇q, in full
    assert "[[0.088, 0.176], [0.104, 0.208]]" in text       # and ∇W
    assert "[-0.112, 0.636]" in text
    assert "—" in text


def test_larger_arrays_are_shown_by_shape_and_norm():
    x = Input("x")
    g = ComputationalGraph(SquaredNorm()(Sigmoid()(x, name="s"), name="f"))
    g.forward(x=np.zeros(7))
    g.backward()
    assert f"(7,) ‖·‖={np.linalg.norm(np.full(7, 0.25)):.6g}" in str(g.trace())


def test_inputs_without_gradient_show_a_dash():
    x = Input("x")
    g = ComputationalGraph((2 * x).named("f"))
    g.forward(x=5.0)
    g.backward()
    step = g.trace()["f"]
    assert step.inputs == ("2", "x")
    assert step.downstream[0] is None and step.local[0] is None
    assert step.downstream[1] == 2.0
    assert step.rows()[0][3:] == ("2", "—", "—")


def test_labels_get_no_gradient_in_the_trace():
    scores, labels = Input("scores"), Input("labels", requires_grad=False)
    g = ComputationalGraph(SoftmaxCrossEntropy()(scores, labels, name="loss"))
    g.forward(scores=np.array([[1.0, 2.0, 0.5]]), labels=np.array([1]))
    g.backward()
    step = g.trace()["loss"]
    assert step.inputs == ("scores", "labels")
    assert step.downstream[1] is None
    np.testing.assert_allclose(step.downstream[0], step.local[0])  # upstream is 1


def test_float32_graph_traces_in_float32():
    q = Input("q")
    g = ComputationalGraph(SquaredNorm()(q, name="f"))
    g.forward(q=np.array([1.0, -2.0], dtype=np.float32))
    g.backward()
    (step,) = g.trace()
    assert step.local[0].dtype == np.float32
    np.testing.assert_array_equal(step.local[0], [2.0, -4.0])


def test_trace_before_backward_says_what_to_do():
    example = simple_circuit()
    with pytest.raises(TraceError, match=r"no backward has run yet.*forward\(\) and then backward\(\)"):
        example.graph.trace()
    example.graph.forward(example.feed)
    with pytest.raises(TraceError, match="no backward has run yet"):
        example.graph.trace()


def test_the_next_forward_starts_a_new_record():
    example = simple_circuit()
    example.run()
    example.graph.forward(x=1.0, y=2.0, z=3.0)
    with pytest.raises(TraceError, match="no backward has run yet since the last forward"):
        example.graph.trace()
    example.graph.backward()
    assert example.graph.trace()["q"].upstream == 3.0  # now z = 3


def test_graph_without_gradients_has_an_empty_trace():
    g = ComputationalGraph(Constant(2.0) * Constant(3.0))
    g.forward()
    g.backward()
    assert len(g.trace()) == 0


class CountingMultiply(Multiply):
    calls = 0

    def backward(self, dout):
        CountingMultiply.calls += 1
        return super().backward(dout)


def test_the_trace_reads_the_record_and_runs_no_gate():
    x, y = Input("x"), Input("y")
    g = ComputationalGraph(CountingMultiply()(x, y, name="f"))
    g.forward(x=2.0, y=3.0)
    CountingMultiply.calls = 0
    g.backward()
    assert CountingMultiply.calls == 1  # backward: one call per gate, recorded as it ran
    g.trace()
    g.to_dot()
    assert CountingMultiply.calls == 1  # the views read the record


def test_trace_is_repeatable_and_leaves_gradients_alone():
    example = simple_circuit()
    _, grads = example.run()
    first = str(example.graph.trace())
    assert str(example.graph.trace()) == first
    assert example.graph.backward() == grads


def test_lookup_by_name_and_index():
    example = simple_circuit()
    example.run()
    trace = example.graph.trace()
    assert isinstance(trace, Trace) and isinstance(trace[0], TraceStep)
    assert trace[0] is trace["f"]
    with pytest.raises(KeyError, match="no traced gate node is named 'nope'"):
        trace["nope"]
    assert repr(trace) == str(trace)  # a Python prompt shows the table


def test_html_table_spans_each_gate_and_escapes_names():
    a, b = Input("a<&>"), Input("b")
    g = ComputationalGraph(Multiply()(a, b, name="<f>"))
    g.forward({"a<&>": 2.0, "b": 3.0})
    g.backward()
    page = g.trace()._repr_html_()
    assert page.startswith("<table>") and page.endswith("</table>")
    assert '<td rowspan="2">&lt;f&gt;</td>' in page
    assert "<td>a&lt;&amp;&gt;</td>" in page
    assert "<f>" not in page and "a<&>" not in page
    assert page.count("<tr>") == 3  # header + one row per input


def test_a_gate_returning_the_wrong_count_is_reported():
    class Broken(Gate):
        symbol = "!"

        def forward(self, x):
            return x

        def backward(self, dout):
            return (dout, dout)

    x = Input("x")
    g = ComputationalGraph(Broken()(x, name="f"))
    g.forward(x=1.0)
    with pytest.raises(ValueError, match="backward must return a tuple of 1 gradient"):
        g.backward()
    with pytest.raises(TraceError, match="no backward has run yet"):  # a backward that failed is no record
        g.trace()


@pytest.mark.parametrize(("value", "text"), [
    (3.0, "3"), (-0.0, "0"), (np.float32(0.5), "0.5"), (np.int64(7), "7"), (None, "—"),
    (1234567.0, "1.23457e+06"), (np.zeros((3, 4)), "(3, 4) ‖·‖=0"),
])
def test_format_value(value, text):
    assert format_value(value) == text


def test_sigmoid_in_a_bigger_graph_is_traced_with_arrays():
    x = Input("x")
    g = ComputationalGraph(SquaredNorm()(Sigmoid()(x, name="s"), name="f"))
    g.forward(x=np.zeros(4))
    g.backward()
    step = g.trace()["s"]
    assert step.local is None
    np.testing.assert_allclose(step.downstream[0], np.full(4, 0.25))  # 2 * 0.5 * 0.25


def test_the_trace_survives_an_optimizer_step_in_place():
    from graph import Parameter

    W, x = Parameter("W", np.array([1.0, 2.0])), Input("x")
    g = ComputationalGraph(SquaredNorm()(W * x, name="f"))
    g.forward(x=np.array([3.0, 4.0]))
    dW = g.backward()["W"]
    table = str(g.trace())
    W.value -= 0.5 * dW  # the lecture's update, in place
    assert str(g.trace()) == table
    np.testing.assert_array_equal(g.trace()["multiply1"].downstream[0], dW)


def test_the_trace_survives_gradcheck_and_shows_the_checked_point():
    from graph import gradcheck

    x = Input("x")
    g = ComputationalGraph(Sigmoid()(x, name="f"))
    g.forward(x=5.0)
    g.backward()
    assert gradcheck(g, {"x": 0.0})
    (step,) = g.trace()
    assert step.upstream == 1.0 and step.local[0] == pytest.approx(0.25)  # σ'(0), at the checked point


def test_another_graphs_run_on_shared_nodes_does_not_change_the_trace():
    x, y, z = Input("x"), Input("y"), Input("z")
    q = (x * y).named("q")
    g1, g2 = ComputationalGraph(q), ComputationalGraph((q * z).named("f"))
    g1.forward(x=1.0, y=2.0)
    g1.backward()
    table = str(g1.trace())
    g2.forward(x=3.0, y=4.0, z=1.0)
    g2.backward()
    assert str(g1.trace()) == table
