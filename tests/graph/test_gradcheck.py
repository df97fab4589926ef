"""Gradient checking: gradcheck, numerical_gradient, rel_error."""

from __future__ import annotations

import re

import numpy as np
import pytest

from gates import (
    Add,
    Divide,
    Exp,
    Gate,
    MatMul,
    Max,
    Multiply,
    Sigmoid,
    SoftmaxCrossEntropy,
    SquaredNorm,
    Sum,
    Tanh,
)
from graph import (
    ComputationalGraph,
    GradcheckError,
    Input,
    Parameter,
    gradcheck,
    numerical_gradient,
    rel_error,
)

RNG = np.random.default_rng(231)


def numbers_in(message: str) -> list[float]:
    return [float(m) for m in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", message)]


# --- gradcheck on correct gates and graphs --------------------------------------------------------


@pytest.mark.parametrize(
    ("gate", "inputs"),
    [
        (Add(), [RNG.standard_normal((2, 3)), RNG.standard_normal(3)]),
        (Multiply(), [RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))]),
        (Divide(), [RNG.standard_normal(4), RNG.uniform(1.0, 2.0, 4)]),
        (Max(), [np.array([1.0, -2.0, 0.5]), np.array([0.0, 1.0, -0.5])]),
        (Sigmoid(), [RNG.standard_normal((3, 2))]),
        (Tanh(), [RNG.standard_normal(5)]),
        (Exp(), [RNG.uniform(-1, 1, 4)]),
        (MatMul(), [RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2))]),
        (MatMul(), [RNG.standard_normal((2, 3)), RNG.standard_normal(3)]),
        (SquaredNorm(), [RNG.standard_normal((2, 2))]),
        (SoftmaxCrossEntropy(), [RNG.standard_normal((4, 3)), np.array([0, 2, 1, 2])]),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Gate) else "",
)
def test_gradcheck_passes_on_correct_gates(gate, inputs):
    assert gradcheck(gate, inputs) is True


def test_gradcheck_on_a_gate_with_python_floats():
    assert gradcheck(Multiply(), [3.0, -4.0]) is True


def test_gradcheck_on_a_graph():
    x, y = Input("x"), Input("y")
    W = Parameter("W", RNG.standard_normal((2, 3)))
    f = Sum()(Sigmoid()(W @ x) * y)
    g = ComputationalGraph(f)
    assert gradcheck(g, {"x": RNG.standard_normal(3), "y": RNG.standard_normal(2)}) is True


def test_gradcheck_on_a_graph_with_array_output():
    x, y = Input("x"), Input("y")
    g = ComputationalGraph(Tanh()(x) * y + x)
    assert gradcheck(g, {"x": RNG.standard_normal((2, 2)), "y": RNG.standard_normal((2, 2))}) is True


def test_gradcheck_on_a_graph_with_labels():
    scores = Input("scores")
    labels = Input("labels", requires_grad=False)
    W = Parameter("W", RNG.standard_normal((3, 4)))
    g = ComputationalGraph(SoftmaxCrossEntropy()(scores @ W, labels))
    assert gradcheck(g, {"scores": RNG.standard_normal((5, 3)), "labels": np.array([0, 1, 2, 3, 0])}) is True


def test_gradcheck_on_the_lecture_circuit():
    x, y, z = Input("x"), Input("y"), Input("z")
    g = ComputationalGraph((x + y) * z)
    assert gradcheck(g, {"x": -2.0, "y": 5.0, "z": -4.0}) is True


# --- gradcheck on buggy gates ---------------------------------------------------------------------


class BuggyDot(Gate):
    """f = sum(x * y), but the gradient for y is doubled at element (1, 2)."""

    def forward(self, x, y):
        self.x, self.y = x, y
        return np.sum(x * y)

    def backward(self, dout):
        dy = np.array(self.x * dout, dtype=np.float64)
        dy[1, 2] *= 2
        return self.y * dout, dy


class BuggySquare(Gate):
    """f = x**2 with the local gradient x instead of 2x."""

    symbol = "^2"

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, dout):
        return (self.x * dout,)


class BuggySigmoid(Gate):
    """σ(x) whose backward forgets the (1 - σ) factor: local gradient σ instead of σ(1 - σ)."""

    def forward(self, x):
        self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, dout):
        return (self.out * dout,)


def test_with_a_random_upstream_gradient_the_message_says_so_and_gives_the_local_gradients():
    x = np.array([2.0, -1.0, 0.5])
    with pytest.raises(GradcheckError) as info:
        gradcheck(BuggySigmoid(), [x])
    message = str(info.value)
    assert "random dout (seed 0)" in message
    element = int(re.search(r"element \((\d+),\)", message).group(1))
    s = 1 / (1 + np.exp(-x[element]))
    local = re.search(r"local gradients are analytic (\S+), numerical (\S+)", message)
    assert float(local.group(1)) == pytest.approx(s, rel=1e-4)            # what the buggy gate uses
    assert float(local.group(2).rstrip(",")) == pytest.approx(s * (1 - s), rel=1e-4)  # σ'(x): recognisable


def test_a_scalar_output_has_no_random_upstream_to_mention():
    with pytest.raises(GradcheckError) as info:
        gradcheck(BuggySquare(), [np.float64(3.0)])
    assert "random" not in str(info.value)


class Twice(Gate):
    """2 x: its input may be an integer array, which then gets a gradient."""

    def forward(self, x):
        return 2 * x

    def backward(self, dout):
        return (2 * dout,)


class WrongTwice(Twice):
    def backward(self, dout):
        return (3 * dout,)


def test_integer_and_boolean_inputs_are_checked_as_float64_unless_their_gradient_is_none():
    assert gradcheck(Twice(), [np.array([1, 2, 3])])
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(WrongTwice(), [np.array([1, 2, 3])])
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(WrongTwice(), [np.array([True, False])])
    # labels: an integer input whose gradient is None is passed through, unchecked
    assert gradcheck(SoftmaxCrossEntropy(), [RNG.standard_normal((3, 4)), np.array([0, 3, 1])])


def test_nothing_to_check_is_a_gradcheck_error():
    class Labels(Gate):
        def forward(self, y):
            return np.sum(y)

        def backward(self, dout):
            return (None,)

    with pytest.raises(GradcheckError, match="nothing to check"):
        gradcheck(Labels(), [np.array([0, 1])])
    y = Input("y", requires_grad=False)
    with pytest.raises(GradcheckError, match="nothing to check"):
        gradcheck(ComputationalGraph(Sum()(y * 2.0)), {"y": np.ones(2)})


def test_a_graph_is_left_at_the_checked_point_with_its_trace():
    x, W = Input("x"), Parameter("W", [[1.0, 2.0], [3.0, 4.0]])
    g = ComputationalGraph(SquaredNorm()((W @ x).named("q"), name="f"))
    g.forward(x=[9.0, 9.0])
    g.backward()
    point = np.array([0.2, 0.4])
    assert gradcheck(g, {"x": point})
    tape = g.tape()
    np.testing.assert_array_equal(tape.values[x], point)
    assert tape.backward_done
    np.testing.assert_allclose(g.trace()["f"].local[0], 2 * (np.array([[1.0, 2.0], [3.0, 4.0]]) @ point))
    np.testing.assert_array_equal(W.value, [[1.0, 2.0], [3.0, 4.0]])


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(GradcheckError, AssertionError)


def test_buggy_gate_raises_naming_gate_input_index_and_values():
    x = np.arange(6.0).reshape(2, 3) + 1.0      # element (1, 2) of x is 6
    y = np.full((2, 3), 0.5)
    with pytest.raises(GradcheckError) as info:
        gradcheck(BuggyDot(), [x, y])
    message = str(info.value)
    assert "BuggyDot" in message
    assert re.search(r"input\W*1", message), message
    assert re.search(r"1,\s*2", message), message      # the worst element's index
    values = numbers_in(message)
    assert any(abs(v - 12.0) < 1e-3 for v in values), message   # analytic
    assert any(abs(v - 6.0) < 1e-3 for v in values), message    # numerical
    assert any(abs(v - 1 / 3) < 1e-2 for v in values), message  # relative error |12 - 6| / 18


def test_buggy_gate_input_0_is_fine_so_input_1_is_blamed():
    x = np.arange(6.0).reshape(2, 3) + 1.0
    y = np.full((2, 3), 0.5)
    with pytest.raises(GradcheckError) as info:
        gradcheck(BuggyDot(), [x, y])
    assert not re.search(r"input\W*0", str(info.value))


def test_buggy_gate_raises_as_an_assertion_error():
    with pytest.raises(AssertionError):
        gradcheck(BuggySquare(), [np.array([1.0, 2.0])])


def test_buggy_gate_in_a_graph_names_the_input():
    velocity = Input("velocity")
    mass = Input("mass")
    g = ComputationalGraph(Sum()(mass * BuggySquare()(velocity)))
    feed = {"velocity": np.array([1.0, 3.0, -2.0]), "mass": np.array([1.0, 1.0, 1.0])}
    with pytest.raises(GradcheckError) as info:
        gradcheck(g, feed)
    message = str(info.value)
    assert "velocity" in message
    assert re.search(r"[(\[]1,?[)\]]", message), message    # worst element: |x| largest at index 1
    values = numbers_in(message)
    assert any(abs(v - 3.0) < 1e-3 for v in values), message    # analytic x
    assert any(abs(v - 6.0) < 1e-3 for v in values), message    # numerical 2x


def test_buggy_gate_in_a_graph_names_the_parameter():
    W = Parameter("weights", np.array([[0.5, -1.0], [2.0, 0.25]]))
    g = ComputationalGraph(Sum()(BuggySquare()(W)))
    with pytest.raises(GradcheckError, match="weights") as info:
        gradcheck(g, {})
    assert re.search(r"1,\s*0", str(info.value)), str(info.value)   # |x| largest at (1, 0)


class NoneGradient(Gate):
    """f = x * y, claiming no gradient for y."""

    def forward(self, x, y):
        self.y = y
        return x * y

    def backward(self, dout):
        return self.y * dout, None


def test_a_gate_claiming_no_gradient_for_a_real_input_fails():
    with pytest.raises(GradcheckError):
        gradcheck(NoneGradient(), [np.array([1.0, 2.0]), np.array([3.0, 4.0])])


# --- gradcheck leaves its inputs alone -----------------------------------------------------------


def test_gradcheck_on_a_gate_leaves_inputs_unchanged():
    a = RNG.standard_normal((3, 2))
    b = RNG.standard_normal((3, 2))
    a0, b0 = a.copy(), b.copy()
    gradcheck(Multiply(), [a, b])
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(b, b0)


def test_gradcheck_leaves_float32_inputs_unchanged():
    a = np.array([0.5, -1.5], dtype=np.float32)
    a0 = a.copy()
    gradcheck(Tanh(), [a])
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a, a0)


def test_gradcheck_leaves_inputs_unchanged_even_when_it_fails():
    x = np.array([1.0, 2.0])
    with pytest.raises(GradcheckError):
        gradcheck(BuggySquare(), [x])
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_gradcheck_on_a_graph_leaves_feed_and_parameters_unchanged():
    x = Input("x")
    W = Parameter("W", np.array([[1.0, 2.0], [3.0, 4.0]]))
    g = ComputationalGraph(SquaredNorm()(W @ x))
    feed_x = np.array([0.5, -0.5])
    feed = {"x": feed_x}
    W_value = W.value
    W_copy = np.copy(W.value)
    assert gradcheck(g, feed) is True
    assert feed.keys() == {"x"} and feed["x"] is feed_x
    np.testing.assert_array_equal(feed_x, [0.5, -0.5])
    np.testing.assert_array_equal(W.value, W_copy)
    np.testing.assert_array_equal(W_value, W_copy)
    assert np.asarray(W.value).dtype == W_copy.dtype


def test_gradcheck_on_a_graph_leaves_parameters_unchanged_when_it_fails():
    W = Parameter("W", np.array([1.0, -2.0]))
    g = ComputationalGraph(Sum()(BuggySquare()(W)))
    with pytest.raises(GradcheckError):
        gradcheck(g, {})
    np.testing.assert_array_equal(W.value, [1.0, -2.0])


def test_gradcheck_on_a_graph_leaves_labels_unchanged():
    scores, labels = Input("scores"), Input("labels", requires_grad=False)
    g = ComputationalGraph(SoftmaxCrossEntropy()(scores, labels))
    y = np.array([1, 0])
    gradcheck(g, {"scores": RNG.standard_normal((2, 2)), "labels": y})
    np.testing.assert_array_equal(y, [1, 0])
    assert y.dtype.kind == "i"


# --- numerical_gradient and rel_error ------------------------------------------------------------


def test_numerical_gradient_of_a_cubic():
    x = np.array([1.0, -2.0, 0.5])
    grad = numerical_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_allclose(grad, [3.0, 12.0, 0.75], rtol=1e-6)
    assert grad.shape == (3,)
    np.testing.assert_array_equal(x, [1.0, -2.0, 0.5])


def test_numerical_gradient_of_a_matrix_function():
    W = np.array([[0.1, 0.5], [-0.3, 0.8]])
    x = np.array([0.2, 0.4])
    grad = numerical_gradient(lambda M: np.sum((M @ x) ** 2), W)
    assert grad.shape == (2, 2)
    np.testing.assert_allclose(grad, [[0.088, 0.176], [0.104, 0.208]], atol=1e-8)
    np.testing.assert_array_equal(W, [[0.1, 0.5], [-0.3, 0.8]])


def test_numerical_gradient_with_a_given_eps():
    # central differences are exact for a quadratic, whatever eps
    grad = numerical_gradient(lambda v: float(np.sum(v * v)), np.array([3.0]), eps=0.5)
    np.testing.assert_allclose(grad, [6.0], rtol=1e-12)


def test_rel_error_known_values():
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.002])) == pytest.approx(0.002 / 4.002)
    assert rel_error(1.0, 3.0) == pytest.approx(0.5)
    assert rel_error(np.array([1.0, -1.0]), np.array([1.0, 1.0])) == pytest.approx(1.0)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(np.array([2.0, 5.0]), np.array([2.0, 5.0])) == 0.0
