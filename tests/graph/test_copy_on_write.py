"""No array a user holds can change a recorded run (issue 17: copy-on-write without escapes).

Each array a user can get hold of is either read-only (the change is refused) or
the user's own copy:

- a parameter's value (``W.value``) is the parameter's: changing it changes the next
  run, never a run already recorded (a run records a frozen copy where someone
  else may still write to the array: a view taken before the run, say);
- the gradients ``backward`` returns are the caller's own copies (``dW += reg * W``);
- ``node.value``, ``node.grad``, ``Parameter.grad`` and the tape's arrays are read-only.
"""

from __future__ import annotations

import numpy as np
import pytest

from gates import MatMul, Max, Sum
from graph import ComputationalGraph, Input, Parameter
from graph.tape import cast_like


def weighted_sum() -> tuple[ComputationalGraph, Parameter, Input]:
    W, x = Parameter("W", [[1.0, 2.0], [3.0, 4.0]]), Input("x")
    return ComputationalGraph(Sum()(x @ W, name="f")), W, x


@pytest.mark.parametrize("compiled", [False, True], ids=["interpreter", "compiled"])
def test_a_view_of_a_parameter_taken_before_the_run_cannot_change_it(compiled: bool) -> None:
    graph, W, _ = weighted_sum()
    run = graph.compile() if compiled else graph
    row = W.value[0]                          # a view taken before the run
    run.forward(x=np.array([1.0, 1.0]))
    row[:] = 100.0                            # changes the parameter, for the next run
    np.testing.assert_array_equal(run.backward()["x"], [3.0, 7.0])
    np.testing.assert_array_equal(graph.tape().values[W], [[1.0, 2.0], [3.0, 4.0]])
    assert W.value[0, 0] == 100.0


@pytest.mark.parametrize("compiled", [False, True], ids=["interpreter", "compiled"])
def test_the_gradients_backward_returns_are_the_callers_own(compiled: bool) -> None:
    graph, W, _ = weighted_sum()
    run = graph.compile() if compiled else graph
    run.forward(x=np.array([1.0, 2.0]))
    grads = run.backward()
    table = str(graph.trace())
    grads["W"] += 0.1 * W.value               # the course's dW += reg * W
    grads["x"] *= 100
    assert str(graph.trace()) == table
    np.testing.assert_array_equal(W.grad, [[1.0, 1.0], [2.0, 2.0]])
    np.testing.assert_array_equal(run.backward()["W"], [[1.0, 1.0], [2.0, 2.0]])


@pytest.mark.parametrize("compiled", [False, True], ids=["interpreter", "compiled"])
def test_what_the_nodes_show_is_read_only(compiled: bool) -> None:
    graph, W, x = weighted_sum()
    run = graph.compile() if compiled else graph
    run.forward(x=np.array([1.0, 2.0]))
    run.backward()
    product = graph.output.inputs[0]
    for array in (product.value, product.grad, W.grad, x.grad, x.value, graph.tape().values[W]):
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 0.0


def test_a_parameter_changed_in_place_after_the_run_leaves_the_run_alone() -> None:
    graph, W, _ = weighted_sum()
    graph.forward(x=np.array([1.0, 1.0]))
    W.value -= 1.0                             # in place, on a copy of the parameter's own
    assert graph.backward()["x"].tolist() == [3.0, 7.0]
    np.testing.assert_array_equal(W.value, [[0.0, 1.0], [2.0, 3.0]])


# --- gradients have their variable's dtype (as in PyTorch) ----------------------------------------------


@pytest.mark.parametrize("compiled", [False, True], ids=["interpreter", "compiled"])
def test_a_float16_input_gets_a_float16_gradient_past_a_float64_parameter(compiled: bool) -> None:
    W, x = Parameter("W", np.ones((3, 2))), Input("x")
    graph = ComputationalGraph(Sum()(MatMul()(x, W)))
    run = graph.compile() if compiled else graph
    run.forward(x=np.ones((4, 3), np.float16))
    grads = run.backward()
    assert grads["x"].dtype == np.float16 and grads["W"].dtype == np.float64


def test_cast_like_keeps_integers_alone_and_numbers_as_numbers() -> None:
    assert cast_like(np.ones(2), np.zeros(2, np.int64)).dtype == np.float64
    assert type(cast_like(np.float32(2.0), 1.0)) is np.float64
    assert cast_like(np.ones(2, np.float32), np.zeros(2, np.float16)).dtype == np.float16


# --- Max routes dout to a nan input, compiled and interpreted alike ---------------------------------------


@pytest.mark.parametrize("compiled", [False, True], ids=["interpreter", "compiled"])
@pytest.mark.parametrize(("a", "b", "da", "db"), [
    (float("nan"), 1.0, 1.0, 0.0),           # the nan made the output: it gets the gradient
    (1.0, float("nan"), 0.0, 1.0),
    (float("nan"), float("nan"), 0.5, 0.5),  # two nans tie
    (2.0, 2.0, 0.5, 0.5),
])
def test_max_routes_the_gradient_to_the_input_that_made_the_output(compiled: bool, a: float, b: float,
                                                                   da: float, db: float) -> None:
    x, y = Input("x"), Input("y")
    graph = ComputationalGraph(Max()(x, y))
    run = graph.compile() if compiled else graph
    run.forward(x=a, y=b)
    assert run.backward() == {"x": da, "y": db}
