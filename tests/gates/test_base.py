"""Tests for gates/base.py: unbroadcast, the Gate base class and its errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gates
from gates import ForwardFirstError, Gate, ShapeError, unbroadcast
from tests.strategies import FAST, assert_gate_gradients, fixed_dout, numerical_gradient

# The gates the public contract requires, with their exact class names.
REQUIRED_GATES = {
    "Add", "Multiply", "Max", "Sigmoid", "MatMul", "SquaredNorm",
    "Scale", "Exp", "AddConstant", "Reciprocal",
    "Subtract", "Divide", "Negate", "Power", "Log",
    "ReLU", "Tanh", "LeakyReLU", "ELU",
    "Sum", "Mean",
    "SoftmaxCrossEntropy", "SVMLoss",
}

# Constructor arguments for the gates that need them.
CONSTRUCTOR_ARGS: dict[str, tuple[Any, ...]] = {"Scale": (2.0,), "AddConstant": (1.0,), "Power": (3,)}

PUBLIC_GATE_CLASSES = sorted(
    (obj for name in gates.__all__
     if isinstance(obj := getattr(gates, name), type) and issubclass(obj, Gate) and obj is not Gate),
    key=lambda cls: cls.__name__,
)


def make(cls: type[Gate]) -> Gate:
    return cls(*CONSTRUCTOR_ARGS.get(cls.__name__, ()))


def gate_params() -> list[Any]:
    return [pytest.param(cls, id=cls.__name__) for cls in PUBLIC_GATE_CLASSES]


# ---------------------------------------------------------------------------- public names


def test_every_required_gate_is_exported_under_its_exact_name() -> None:
    exported = {cls.__name__ for cls in PUBLIC_GATE_CLASSES}
    assert exported >= REQUIRED_GATES, f"missing: {sorted(REQUIRED_GATES - exported)}"


def test_errors_are_exported_and_shape_error_is_a_value_error() -> None:
    assert issubclass(ShapeError, ValueError)
    assert issubclass(ForwardFirstError, RuntimeError)
    assert issubclass(ForwardFirstError, AttributeError)


def test_gates_does_not_import_graph(children) -> None:
    import sys
    from pathlib import Path

    code = "import sys, gates; print('graph' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    result = children.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert (result.returncode, result.stdout.strip()) == (0, "False"), result.stderr


# ---------------------------------------------------------------------------- unbroadcast


@pytest.mark.parametrize(
    ("grad_shape", "shape", "expected"),
    [
        ((2, 3), (3,), np.full(3, 2.0)),
        ((2, 3), (2, 1), np.full((2, 1), 3.0)),
        ((2, 3), (1, 3), np.full((1, 3), 2.0)),
        ((2, 3), (), np.float64(6.0)),
        ((4,), (), np.float64(4.0)),
        ((1,), (), np.float64(1.0)),
        ((2, 3, 4), (3, 1), np.full((3, 1), 8.0)),
        ((2, 3, 4), (2, 1, 4), np.full((2, 1, 4), 3.0)),
        ((2, 3), (2, 3), np.ones((2, 3))),
        ((), (), np.float64(1.0)),
    ],
    ids=str,
)
def test_unbroadcast_of_ones(grad_shape: tuple[int, ...], shape: tuple[int, ...], expected: Any) -> None:
    out = unbroadcast(np.ones(grad_shape), shape)
    assert np.shape(out) == shape
    np.testing.assert_array_equal(out, expected)


def test_unbroadcast_sums_the_right_elements() -> None:
    grad = np.arange(6.0).reshape(2, 3)                   # [[0, 1, 2], [3, 4, 5]]
    np.testing.assert_array_equal(unbroadcast(grad, (3,)), [3.0, 5.0, 7.0])
    np.testing.assert_array_equal(unbroadcast(grad, (1, 3)), [[3.0, 5.0, 7.0]])
    np.testing.assert_array_equal(unbroadcast(grad, (2, 1)), [[3.0], [12.0]])
    assert unbroadcast(grad, ()) == 15.0


@FAST
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=1, min_dims=0, max_dims=3, max_side=4),
       seed=st.integers(0, 2**32 - 1))
def test_unbroadcast_is_the_adjoint_of_broadcasting(shapes: Any, seed: int) -> None:
    # <unbroadcast(G, s), v> == <G, broadcast_to(v, R)> for every v of shape s:
    # exactly the chain rule through a broadcast.
    (shape,), result = shapes.input_shapes, shapes.result_shape
    rng = np.random.default_rng(seed)
    grad, v = rng.standard_normal(result), rng.standard_normal(shape)
    out = unbroadcast(grad, shape)
    assert np.shape(out) == shape
    expected = np.sum(grad * np.broadcast_to(v, result))
    np.testing.assert_allclose(np.sum(out * v), expected, rtol=1e-10, atol=1e-10)


# ---------------------------------------------------------------------------- Gate errors


@pytest.mark.parametrize("cls", gate_params())
def test_backward_before_forward_raises_naming_the_gate(cls: type[Gate]) -> None:
    gate = make(cls)
    with pytest.raises(ForwardFirstError) as info:
        gate.backward(1.0)
    assert str(info.value).startswith(cls.__name__), str(info.value)


@pytest.mark.parametrize("cls", gate_params())
def test_hasattr_works_before_forward(cls: type[Gate]) -> None:
    gate = make(cls)
    kept = [name for name in vars(cls) if isinstance(vars(cls)[name], gates.Kept)]
    assert kept, f"{cls.__name__} declares nothing it keeps"
    for name in kept:
        assert not hasattr(gate, name)
        assert getattr(gate, name, "default") == "default"
    assert not hasattr(gate, "_private")
    assert isinstance(gate.symbol, str) and gate.symbol


@pytest.mark.parametrize("cls", gate_params())
def test_a_gate_holds_no_graph_state(cls: type[Gate]) -> None:
    # the node's name, which inputs need a gradient and the link to the node live with the node
    gate = make(cls)
    for attr in ("name", "needs_input_grad", "_node", "node"):
        assert not hasattr(gate, attr), attr


def test_a_misspelt_attribute_gets_pythons_own_message() -> None:
    class Typo(Gate):
        def forward(self, x: Any) -> Any:
            self.x = x
            return x

        def backward(self, dout: Any) -> tuple[Any]:
            return (self.xx * dout,)

    gate = Typo()
    gate.forward(1.0)
    with pytest.raises(AttributeError) as info:
        gate.backward(1.0)
    assert not isinstance(info.value, ForwardFirstError)
    assert "'Typo' object has no attribute 'xx'" in str(info.value)
    assert "forward" not in str(info.value)


def test_kept_values_read_as_plain_attributes_once_forward_has_run() -> None:
    class Square(Gate):
        x = gates.Kept()

        def forward(self, x: Any) -> Any:
            self.x = x
            return x * x

        def backward(self, dout: Any) -> tuple[Any]:
            return (2 * self.x * dout,)

    with pytest.raises(ForwardFirstError, match="Square has no 'x' yet"):
        Square().backward(1.0)
    square = Square()
    square.forward(3.0)
    assert square.backward(1.0) == (6.0,)
    assert square.__dict__ == {"x": 3.0}
    assert isinstance(Square.x, gates.Kept)


@pytest.mark.parametrize("cls", gate_params())
def test_calling_a_gate_on_plain_values_raises_type_error(cls: type[Gate]) -> None:
    gate = make(cls)
    with pytest.raises(TypeError, match="forward") as info:
        gate(np.ones((2, 2)), 1.0)
    assert cls.__name__ in str(info.value)
    with pytest.raises(TypeError):
        gate(3.0)


def test_shape_error_names_the_gate_and_the_node_once() -> None:
    gate = gates.MatMul()
    error = ShapeError("(2, 3) @ (4, 5): inner dimensions 3 != 4", gate=gate)
    assert str(error) == "MatMul: (2, 3) @ (4, 5): inner dimensions 3 != 4"
    error.node = "fc1"
    assert str(error) == "MatMul 'fc1': (2, 3) @ (4, 5): inner dimensions 3 != 4"
    assert str(ShapeError("plain")) == "plain"
    assert str(ShapeError("dout has shape (2,)", node="f")) == "node 'f': dout has shape (2,)"


@pytest.mark.parametrize("make_gate", [lambda: gates.Scale("a"), lambda: gates.AddConstant([1]),
                                       lambda: gates.Power(None), lambda: gates.Scale(True)])
def test_a_gate_constant_must_be_a_real_number(make_gate: Any) -> None:
    with pytest.raises(TypeError, match="the constant must be a real number"):
        make_gate()


def test_base_gate_methods_are_abstract() -> None:
    with pytest.raises(NotImplementedError, match="Gate"):
        Gate().forward(1.0)
    with pytest.raises(NotImplementedError, match="Gate"):
        Gate().backward(1.0)




# ---------------------------------------------------------------------------- the checkers themselves


class _WrongCube(Gate):
    """x**3 with a wrong local gradient (2x**2 instead of 3x**2)."""

    def forward(self, x: Any) -> Any:
        self.x = x
        return x**3

    def backward(self, dout: Any) -> tuple[Any]:
        return (2 * self.x**2 * dout,)


class _WrongShape(Gate):
    """sum(x) whose gradient comes back flattened."""

    def forward(self, x: Any) -> Any:
        self.x = x
        return np.sum(x)

    def backward(self, dout: Any) -> tuple[Any]:
        return (np.full(np.size(self.x), dout),)


class _RightCube(_WrongCube):
    def backward(self, dout: Any) -> tuple[Any]:
        return (3 * self.x**2 * dout,)


X = np.array([[0.5, -1.2], [1.5, 0.3]])


def test_independent_check_passes_a_right_gate_and_catches_wrong_ones() -> None:
    assert_gate_gradients(_RightCube, [X])
    with pytest.raises(AssertionError, match="central differences"):
        assert_gate_gradients(_WrongCube, [X])
    with pytest.raises(AssertionError, match="shape"):
        assert_gate_gradients(_WrongShape, [X])


def test_independent_numerical_gradient_leaves_input_alone() -> None:
    x = X.copy()
    grad = numerical_gradient(lambda v: np.sum(np.sin(v)), x)
    np.testing.assert_allclose(grad, np.cos(X), rtol=1e-8)
    np.testing.assert_array_equal(x, X)


def test_graph_gradcheck_agrees_with_the_independent_check() -> None:
    graph = pytest.importorskip("graph")
    assert graph.gradcheck(_RightCube(), [X]) is True
    with pytest.raises(graph.GradcheckError):
        graph.gradcheck(_WrongCube(), [X])
    with pytest.raises((AssertionError, ValueError)):  # GradcheckError or ShapeError
        graph.gradcheck(_WrongShape(), [X])
    # and the two numerical gradients agree
    c = fixed_dout(X.shape)
    ours = numerical_gradient(lambda v: np.sum(np.tanh(v) * c), X)
    theirs = graph.numerical_gradient(lambda v: np.sum(np.tanh(v) * c), X)
    np.testing.assert_allclose(theirs, ours, rtol=1e-7, atol=1e-9)
