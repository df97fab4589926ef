"""Networks built from gates: the lecture's formula, initialisation, L2, gradients, save and load."""

import numpy as np
import pytest

from gates import Add, MatMul, ReLU, SoftmaxCrossEntropy, SVMLoss, Tanh
from graph import ComputationalGraph, FeedError, GradcheckError, Parameter, gradcheck
from graph.nn.network import ACTIVATIONS, Network, l2_penalty


def batch(n=6, d=3, c=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, c, size=n)


def test_two_layer_scores_are_the_lecture_formula():
    net = Network([3, 7, 4], seed=1)
    X, _ = batch()
    W1, b1, W2, b2 = (net.parameters[k].value for k in ["W1", "b1", "W2", "b2"])
    np.testing.assert_array_equal(net.forward(X), np.maximum(0, X @ W1 + b1) @ W2 + b2)
    assert str(net) == "Network 3 → 7 → 4: scores = max(0, X·W1 + b1)·W2 + b2"


def test_the_graph_is_made_of_the_lecture_gates():
    net = Network([3, 7, 4])
    gate_nodes = [n for n in ComputationalGraph(net.scores).nodes_topologically_sorted() if n.gate]
    assert [type(n.gate) for n in gate_nodes] == [MatMul, Add, ReLU, MatMul, Add]
    assert [n.name for n in gate_nodes] == ["X·W1", "a1", "h1", "h1·W2", "scores"]
    assert gate_nodes[0].needs_input_grad == (False, True)  # the data batch X gets no gradient


def test_hidden_zero_is_the_linear_classifier():
    net = Network([3, 4], seed=0)
    assert list(net.parameters) == ["W1", "b1"]
    X, _ = batch()
    np.testing.assert_array_equal(net.forward(X), X @ net.parameters["W1"].value)  # biases start at 0
    assert net.formula == "X·W1 + b1"


def test_deeper_networks_and_other_activations():
    net = Network([3, 5, 6, 4], activation="tanh", seed=0)
    assert [p.value.shape for p in net.weights] == [(3, 5), (5, 6), (6, 4)]
    assert net.formula == "tanh(tanh(X·W1 + b1)·W2 + b2)·W3 + b3"
    X, _ = batch()
    W1, W2, W3 = (w.value for w in net.weights)
    np.testing.assert_allclose(net.forward(X), np.tanh(np.tanh(X @ W1) @ W2) @ W3, rtol=1e-12)
    assert Tanh in {type(n.gate) for n in ComputationalGraph(net.scores).nodes_topologically_sorted()}


@pytest.mark.parametrize(("activation", "hidden_std"),
                         [("relu", np.sqrt(2 / 400)), ("leaky_relu", np.sqrt(2 / 400)),
                          ("tanh", np.sqrt(1 / 400)), ("sigmoid", np.sqrt(1 / 400))])
def test_initialisation_he_for_relu_xavier_for_tanh_and_sigmoid(activation, hidden_std):
    net = Network([400, 300, 200], activation=activation, seed=0)
    W1, W2 = (w.value for w in net.weights)
    assert W1.std() == pytest.approx(hidden_std, rel=0.02)
    assert W2.std() == pytest.approx(np.sqrt(1 / 300), rel=0.02)  # the output layer: Xavier
    assert abs(W1.mean()) < 0.01 * hidden_std * 10
    assert all(not b.value.any() for b in net.biases)


def test_same_seed_same_weights_other_seed_other_weights():
    a, b, c = Network([3, 5, 2], seed=7), Network([3, 5, 2], seed=7), Network([3, 5, 2], seed=8)
    for name in a.parameters:
        np.testing.assert_array_equal(a.parameters[name].value, b.parameters[name].value)
    assert not np.array_equal(a.parameters["W1"].value, c.parameters["W1"].value)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("loss", ["softmax", "svm"])
def test_gradients_of_the_whole_network_pass_gradcheck(activation, loss):
    net = Network([3, 5, 4, 3], activation=activation, seed=2)
    for b in net.biases:  # nonzero biases, so their gradients are checked away from zero too
        b.value[:] = np.random.default_rng(3).standard_normal(b.value.shape) * 0.1
    X, y = batch(n=5, d=3, c=3, seed=4)
    assert gradcheck(net.training_graph(loss, reg=0.1), {"X": X, "y": y})


def test_gradcheck_of_the_network_can_fail():
    net = Network([3, 5, 3], seed=2)
    graph = net.training_graph("softmax", reg=0.1)
    relu = next(n.gate for n in graph.nodes_topologically_sorted() if isinstance(n.gate, ReLU))
    relu.backward = lambda dout: (2 * dout * relu.open,)  # a wrong local gradient
    X, y = batch(n=5, d=3, c=3)
    with pytest.raises(GradcheckError, match="parameter 'W1'"):
        gradcheck(graph, {"X": X, "y": y})


def test_l2_penalty_value_and_gradient():
    rng = np.random.default_rng(0)
    W1, W2 = Parameter("W1", rng.standard_normal((3, 4))), Parameter("W2", rng.standard_normal((4, 2)))
    graph = ComputationalGraph(l2_penalty([W1, W2], reg=0.3))
    value = graph.forward()
    assert value == pytest.approx(0.5 * 0.3 * (np.sum(W1.value ** 2) + np.sum(W2.value ** 2)), rel=1e-14)
    grads = graph.backward()
    np.testing.assert_allclose(grads["W1"], 0.3 * W1.value, rtol=1e-14)
    np.testing.assert_allclose(grads["W2"], 0.3 * W2.value, rtol=1e-14)
    assert gradcheck(graph, {})


def test_training_graph_adds_l2_on_weights_only():
    net = Network([3, 5, 4], seed=0)
    for b in net.biases:
        b.value[:] = 1.0
    X, y = batch()
    plain, regularised = net.training_graph("softmax"), net.training_graph("softmax", reg=0.5)
    penalty = 0.25 * sum(np.sum(w.value ** 2) for w in net.weights)
    assert regularised.forward(X=X, y=y) - plain.forward(X=X, y=y) == pytest.approx(penalty, rel=1e-12)
    assert regularised.output.name == plain.output.name == "loss"
    grad_plain, grad_reg = plain.backward(), regularised.backward()
    for w in net.weights:
        np.testing.assert_allclose(grad_reg[w.name] - grad_plain[w.name], 0.5 * w.value, atol=1e-14)
    for b in net.biases:
        np.testing.assert_array_equal(grad_reg[b.name], grad_plain[b.name])
    assert set(grad_reg) == set(net.parameters)  # neither X nor y gets a gradient


@pytest.mark.parametrize(("loss", "gate"), [("softmax", SoftmaxCrossEntropy), ("svm", SVMLoss)])
def test_training_graph_uses_the_loss_gate(loss, gate):
    net = Network([3, 4], seed=0)
    X, y = batch()
    scores = net.forward(X)
    assert net.training_graph(loss).forward(X=X, y=y) == pytest.approx(float(gate().forward(scores, y)))


def test_predict_and_accuracy():
    net = Network([3, 4], seed=0)
    X, _ = batch()
    predicted = net.predict(X)
    np.testing.assert_array_equal(predicted, np.argmax(net.forward(X), axis=1))
    assert net.accuracy(X, predicted) == 1.0
    assert net.accuracy(X, (predicted + 1) % 4) == 0.0


def test_wrong_inputs_are_errors():
    net = Network([3, 4])
    with pytest.raises(FeedError, match="input 'X': expected shape"):
        net.forward(np.ones((2, 5)))
    with pytest.raises(ValueError, match="sizes"):
        Network([3])
    with pytest.raises(ValueError, match="sizes"):
        Network([3, 0, 2])
    with pytest.raises(ValueError, match="unknown activation 'softplus'; the activations are relu"):
        Network([3, 2], activation="softplus")
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        net.training_graph("hinge")
    with pytest.raises(ValueError, match="reg must be >= 0"):
        net.training_graph(reg=-1.0)


def test_save_and_load_round_trip_exactly(tmp_path):
    net = Network([3, 6, 5, 4], activation="tanh", seed=3)
    for p in net.parameters.values():  # values that are not the initialisation
        p.value += np.random.default_rng(1).standard_normal(p.value.shape)
    path = tmp_path / "model"  # no suffix: written exactly here
    net.save(path)
    assert path.exists()
    with np.load(path, allow_pickle=False) as data:  # plain arrays only
        assert set(data.files) == {"sizes", "activation", "W1", "b1", "W2", "b2", "W3", "b3"}
    loaded = Network.load(path)
    assert loaded.sizes == net.sizes and loaded.activation == "tanh"
    for name, p in net.parameters.items():
        np.testing.assert_array_equal(loaded.parameters[name].value, p.value)
        assert loaded.parameters[name].value.dtype == np.float64
    X = np.random.default_rng(2).standard_normal((50, 3))
    np.testing.assert_array_equal(loaded.forward(X), net.forward(X))
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))


def test_load_says_what_is_wrong_with_a_file(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, W1=np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"not a saved Network: it lacks \['activation', 'sizes'\]"):
        Network.load(path)
    np.savez(path, sizes=np.array([2, 3]), activation=np.array("relu"), W1=np.ones((3, 2)), b1=np.zeros(3))
    with pytest.raises(ValueError, match=r"parameter 'W1' has shape \(3, 2\), expected \(2, 3\)"):
        Network.load(path)
    np.savez(path, sizes=np.array([2, 3]), activation=np.array("relu"), W1=np.ones((2, 3)))
    with pytest.raises(ValueError, match="parameter 'b1' is missing"):
        Network.load(path)
