"""The lecture's four worked examples, built as graphs, to 6 decimals."""

from __future__ import annotations

import numpy as np
import pytest

from gates import AddConstant, Exp, Max, Reciprocal, Scale, Sigmoid, SquaredNorm
from graph import ComputationalGraph, Input

NEURON_FEED = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
NEURON_GRADS = {"w0": -0.196612, "x0": 0.393224, "w1": -0.393224, "x1": -0.589836, "w2": 0.196612}


def test_simple_circuit():
    x, y, z = Input("x"), Input("y"), Input("z")
    q = x + y
    g = ComputationalGraph(q * z)
    assert g.forward(x=-2.0, y=5.0, z=-4.0) == -12.0
    assert float(q.value) == 3.0
    assert g.backward() == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert float(q.grad) == -4.0


def neuron(decomposed: bool):
    w0, x0, w1, x1, w2 = (Input(name) for name in NEURON_FEED)
    s = w0 * x0 + w1 * x1 + w2
    if decomposed:
        neg = Scale(-1)(s, name="neg")
        e = Exp()(neg, name="exp")
        d = AddConstant(1)(e, name="plus1")
        f = Reciprocal()(d, name="inv")
        parts = {"s": s, "neg": neg, "exp": e, "plus1": d, "f": f}
    else:
        f = Sigmoid()(s, name="sigma")
        parts = {"s": s, "f": f}
    return ComputationalGraph(f), parts


@pytest.mark.parametrize("decomposed", [True, False], ids=["decomposed", "sigmoid-gate"])
def test_sigmoid_neuron(decomposed):
    g, parts = neuron(decomposed)
    out = g.forward(NEURON_FEED)
    assert type(out) is float
    assert round(out, 6) == 0.731059
    assert float(parts["s"].value) == 1.0
    grads = g.backward()
    assert set(grads) == set(NEURON_GRADS)
    for name, expected in NEURON_GRADS.items():
        assert type(grads[name]) is float
        assert round(grads[name], 6) == expected, name
    assert round(float(parts["s"].grad), 6) == 0.196612


def test_decomposed_sigmoid_circuit_intermediates():
    # the slide: -1 -> 0.37 -> 1.37 -> 0.73 forward; 1.00 -> -0.53 -> -0.53 -> -0.20 -> 0.20 back
    g, p = neuron(decomposed=True)
    g.forward(NEURON_FEED)
    g.backward()
    assert float(p["neg"].value) == -1.0
    assert round(float(p["exp"].value), 6) == 0.367879
    assert round(float(p["plus1"].value), 6) == 1.367879
    assert round(float(p["f"].value), 6) == 0.731059
    assert float(p["f"].grad) == 1.0
    assert round(float(p["plus1"].grad), 6) == -0.534447
    assert round(float(p["exp"].grad), 6) == -0.534447
    assert round(float(p["neg"].grad), 6) == -0.196612
    assert round(float(p["s"].grad), 6) == 0.196612


def test_decomposed_and_sigmoid_gate_agree():
    g1, _ = neuron(decomposed=True)
    g2, _ = neuron(decomposed=False)
    rng = np.random.default_rng(4)
    for _ in range(5):
        feed = {k: float(v) for k, v in zip(NEURON_FEED, rng.uniform(-2, 2, 5), strict=True)}
        assert g1.forward(feed) == pytest.approx(g2.forward(feed), abs=1e-12)
        d1, d2 = g1.backward(), g2.backward()
        assert d1.keys() == d2.keys()
        for k in d1:
            assert d1[k] == pytest.approx(d2[k], abs=1e-12), k


def test_gradient_flow_patterns():
    x, y, z, w = Input("x"), Input("y"), Input("z"), Input("w")
    m = Max()(z, w, name="max")
    p = x * y
    a = p + m
    g = ComputationalGraph(2 * a)
    assert g.forward(x=3.0, y=-4.0, z=2.0, w=-1.0) == -20.0
    assert g.backward() == {"x": -8.0, "y": 6.0, "z": 2.0, "w": 0.0}
    # add distributes, max routes, mul switches
    assert float(a.grad) == 2.0
    assert float(p.grad) == 2.0 and float(m.grad) == 2.0


def test_vectorised_example():
    W, x = Input("W", shape=(2, 2)), Input("x", shape=(2,))
    q = W @ x
    g = ComputationalGraph(SquaredNorm()(q, name="f"))
    out = g.forward(W=np.array([[0.1, 0.5], [-0.3, 0.8]]), x=np.array([0.2, 0.4]))
    assert type(out) is float
    assert round(out, 6) == 0.116
    np.testing.assert_allclose(q.value, [0.22, 0.26], atol=1e-12)
    grads = g.backward()
    assert set(grads) == {"W", "x"}
    assert grads["W"].shape == (2, 2) and grads["x"].shape == (2,)
    np.testing.assert_allclose(grads["W"], [[0.088, 0.176], [0.104, 0.208]], atol=1e-12)
    np.testing.assert_allclose(grads["x"], [-0.112, 0.636], atol=1e-12)
    np.testing.assert_allclose(q.grad, [0.44, 0.52], atol=1e-12)
