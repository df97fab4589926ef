"""The lecture's worked examples, as `graph.lecture` builds them, give the slides' numbers."""

import re

import numpy as np
import pytest

from graph.lecture import examples, patterns, sigmoid_neuron, simple_circuit, vectorised


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.title)
def test_each_example_reproduces_its_numbers(example):
    output, grads = example.run()
    np.testing.assert_allclose(output, example.expected_output, atol=5e-7)
    assert grads.keys() == example.expected_gradients.keys()
    for name, expected in example.expected_gradients.items():
        np.testing.assert_allclose(grads[name], expected, atol=5e-7, err_msg=name)


def test_simple_circuit_intermediate_q():
    example = simple_circuit()
    example.run()
    q = next(n for n in example.graph.nodes_topologically_sorted() if n.name == "q")
    assert q.value == 3.0
    assert q.grad == -4.0  # df/dq = z


def test_decomposed_and_one_gate_sigmoid_agree_exactly_enough():
    out_d, grads_d = sigmoid_neuron(decomposed=True).run()
    out_s, grads_s = sigmoid_neuron(decomposed=False).run()
    assert out_d == pytest.approx(out_s, rel=1e-15)
    for name in grads_d:
        assert grads_d[name] == pytest.approx(grads_s[name], rel=1e-12)


def test_sigmoid_local_gradient_is_about_0_2():
    example = sigmoid_neuron(decomposed=False)
    example.run()
    s = next(n for n in example.graph.nodes_topologically_sorted() if n.name == "s")
    assert s.grad == pytest.approx(0.196612, abs=5e-7)  # (1 - σ) σ at w·x = 1


def test_patterns_max_routes_and_mul_switches():
    example = patterns()
    _, grads = example.run()
    assert grads["w"] == 0.0 and grads["z"] == 2.0  # max routes the gradient to z
    assert (grads["x"], grads["y"]) == (-8.0, 6.0)  # mul switches: dx = 2*y, dy = 2*x


def test_vectorised_f_is_0_116_not_0_46():
    example = vectorised()
    output, _ = example.run()
    assert output == pytest.approx(0.22**2 + 0.26**2, rel=1e-12)
    assert output == pytest.approx(0.116, rel=1e-12)
    q = next(n for n in example.graph.nodes_topologically_sorted() if n.name == "q")
    np.testing.assert_allclose(q.value, [0.22, 0.26], rtol=1e-12)
    np.testing.assert_allclose(q.grad, 2 * q.value, rtol=1e-12)


def test_staged_example_matches_a_hand_derivation():
    from math import exp

    from graph.lecture import staged

    def sigma(t):
        return 1 / (1 + exp(-t))

    x, y = 3.0, -4.0
    N, D = x + sigma(y), sigma(x) + (x + y) ** 2               # f = N / D, the quotient rule:
    dfdx = (D - N * (sigma(x) * (1 - sigma(x)) + 2 * (x + y))) / D**2
    dfdy = (sigma(y) * (1 - sigma(y)) * D - N * 2 * (x + y)) / D**2
    example = staged()
    output, grads = example.run()
    assert output == pytest.approx(N / D, rel=1e-14)
    assert grads["x"] == pytest.approx(dfdx, rel=1e-12)
    assert grads["y"] == pytest.approx(dfdy, rel=1e-12)
    assert (round(N / D, 6), round(dfdx, 6), round(dfdy, 6)) == (1.545645, 2.05957, 1.592233)
    nodes = {n.name: n for n in example.graph.nodes_topologically_sorted()}
    assert nodes["num"].value == pytest.approx(N) and nodes["den"].value == pytest.approx(D)
    assert nodes["xpysqr"].value == 1.0


def test_staged_example_gradients_add_where_x_and_y_fan_out():
    from graph.lecture import staged

    example = staged()
    _, grads = example.run()
    trace = example.graph.trace()
    for leaf in ("x", "y"):
        parts = [down for step in trace for name, down in zip(step.inputs, step.downstream, strict=True)
                 if name == leaf]
        assert len(parts) == {"x": 3, "y": 2}[leaf]  # x feeds num, sigx and xpy; y feeds sigy and xpy
        assert sum(parts) == pytest.approx(grads[leaf], rel=1e-15)


def test_examples_come_in_the_lecture_order_with_unique_titles():
    titles = [e.title for e in examples()]
    assert titles[0] == "A simple circuit" and titles[-1].startswith("Vectorised")
    assert titles.index("Staged computation") == 3
    assert len(set(titles)) == len(titles)


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.title)
def test_every_node_is_named_as_the_slides_name_it_not_by_the_engine(example):
    """No trace, caption or drawing of a worked example shows a made-up name such as ``multiply1``."""
    example.run()
    for node in example.graph.nodes_topologically_sorted():
        if node.gate is not None:
            made_up = f"{type(node.gate).__name__.lower()}"
            assert not (node.name.startswith(made_up) and node.name[len(made_up):].isdigit()), node.name
    text = str(example.graph.trace()) + "\n".join(example.graph.player().captions)
    assert not re.search(r"\b(add|multiply|matmul|max|scale|exp|reciprocal|sigmoid)\d+\b", text)


def test_the_neuron_names_its_stages():
    names = [n.name for n in sigmoid_neuron().graph.nodes_topologically_sorted() if n.gate is not None]
    assert names == ["w0x0", "w1x1", "w0x0+w1x1", "s", "-s", "e^-s", "1+e^-s", "f"]
    assert [n.name for n in patterns().graph.nodes_topologically_sorted() if n.gate is not None] == [
        "xy", "m", "s", "f"]
