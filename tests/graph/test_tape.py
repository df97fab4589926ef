"""A run belongs to its graph: the tape; shared nodes, gates and parameters; in-place changes;
threads."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from gates import Gate, MatMul, Multiply, ReLU, Sigmoid, SquaredNorm
from graph import (
    ComputationalGraph,
    ForwardFirstError,
    GraphError,
    Input,
    Network,
    Parameter,
    Tape,
)

# --- the tape records the run as it happens ----------------------------------------------------------


def test_the_tape_records_values_in_order_and_each_gates_upstream_and_downstream():
    x, y, z = Input("x"), Input("y"), Input("z")
    q = (x + y).named("q")
    f = (q * z).named("f")
    g = ComputationalGraph(f)
    g.forward(x=-2, y=5, z=-4)
    tape = g.tape()
    assert isinstance(tape, Tape) and tape.forward_done and not tape.backward_done
    assert [tape.values[n] for n in g.nodes_topologically_sorted()] == [-2.0, 5.0, -4.0, 3.0, -12.0]
    g.backward()
    assert tape.backward_done and tape.dout == 1.0
    assert [(s.node.name, s.upstream, s.downstream) for s in tape.steps] == [
        ("f", 1.0, (-4.0, 3.0)), ("q", -4.0, (-4.0, -4.0))]
    assert {n.name: tape.grads[n] for n in (x, y, z, q, f)} == {"x": -4, "y": -4, "z": 3, "q": -4, "f": 1}


def test_each_forward_starts_a_new_record_and_each_backward_starts_from_zero():
    x = Input("x")
    g = ComputationalGraph((x * x).named("f"))
    g.forward(x=3.0)
    first = g.tape()
    assert g.backward() == {"x": 6.0}
    assert g.backward() == {"x": 6.0}            # never doubled
    assert len(first.steps) == 1
    g.forward(x=1.0)
    assert g.tape() is not first and first.values[x] == 3.0


def test_a_forward_that_fails_leaves_no_run_to_backward():
    class Fails(Gate):
        def forward(self, x: Any) -> Any:
            raise RuntimeError("boom")

        def backward(self, dout: Any) -> tuple[Any]:
            return (dout,)

    x = Input("x")
    g = ComputationalGraph(Fails()(Sigmoid()(x, name="s"), name="bad"))
    with pytest.raises(RuntimeError, match="boom"):
        g.forward(x=1.0)
    with pytest.raises(ForwardFirstError, match="before forward"):
        g.backward()


# --- graphs that share nodes and gates -----------------------------------------------------------------


def test_another_graphs_forward_through_a_shared_gate_is_detected_by_backward():
    # before the tape, the gate's values kept for g2 answered g1: {'x': 4, 'y': 3}
    x, y, z = Input("x"), Input("y"), Input("z")
    xy = (x * y).named("xy")
    g1, g2 = ComputationalGraph(xy), ComputationalGraph(xy * z)
    g1.forward(x=1, y=2)
    g2.forward(x=3, y=4, z=1)
    with pytest.raises(GraphError, match=r"Multiply 'xy'.*another graph's forward.*run this graph's forward"):
        g1.backward()
    g1.forward(x=1, y=2)
    assert g1.backward() == {"x": 2.0, "y": 1.0}


def test_graphs_that_share_only_leaves_keep_their_own_runs():
    W = Parameter("W", [[1.0, 2.0], [3.0, 4.0]])
    a, b = Input("a"), Input("b")
    ga = ComputationalGraph(SquaredNorm()(W @ a))
    gb = ComputationalGraph(SquaredNorm()(W @ b))
    ga.forward(a=[1.0, 0.0])
    gb.forward(b=[0.0, 1.0])
    gb_grads = gb.backward()
    ga_grads = ga.backward()                     # ga's own run, whatever gb did since
    np.testing.assert_allclose(ga_grads["W"], [[2.0, 0.0], [6.0, 0.0]])
    np.testing.assert_allclose(gb_grads["W"], [[0.0, 4.0], [0.0, 8.0]])


def test_node_value_and_grad_show_the_last_run_that_reached_the_node():
    x, y, z = Input("x"), Input("y"), Input("z")
    xy = (x * y).named("xy")
    g1, g2 = ComputationalGraph(xy), ComputationalGraph((xy * z).named("f"))
    g1.forward(x=1.0, y=2.0)
    g1.backward()
    assert (xy.value, xy.grad, x.grad) == (2.0, 1.0, 2.0)
    g2.forward(x=3.0, y=4.0, z=5.0)
    assert xy.value == 12.0
    g2.backward()
    assert (xy.grad, x.grad) == (5.0, 20.0)
    assert g1.tape().values[xy] == 2.0 and g1.tape().grads[x] == 2.0   # g1's own record


def test_prediction_between_a_training_forward_and_its_backward_changes_nothing():
    net = Network([2, 8, 3], seed=0)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 2)), np.array([0, 1, 2, 0, 1, 2])
    train = net.training_graph("softmax")
    train.forward(X=X, y=y)
    expected = train.backward()
    train.forward(X=X, y=y)
    net.predict(rng.standard_normal((4, 2)))     # a validation batch, in between
    net.accuracy(X, y)
    got = train.backward()
    for name in expected:
        np.testing.assert_array_equal(got[name], expected[name])


def test_two_training_graphs_of_one_network_do_not_disturb_each_other():
    net = Network([2, 4, 3], seed=1)
    X, y = np.ones((2, 2)), np.array([0, 2])
    softmax, svm = net.training_graph("softmax"), net.training_graph("svm")
    softmax.forward(X=X, y=y)
    svm.forward(X=X, y=y)
    assert set(softmax.backward()) == set(net.parameters)


# --- in-place changes never reach a pending backward ----------------------------------------------------


def test_the_returned_output_is_read_only():
    x = Input("x")
    g = ComputationalGraph(Sigmoid()(x, name="s"))  # Sigmoid keeps what backward needs
    out = g.forward(x=np.zeros(3))
    with pytest.raises(ValueError, match="read-only"):
        out *= 2
    np.testing.assert_allclose(g.backward(np.ones(3))["x"], [0.25] * 3)


def test_a_parameter_changed_in_place_after_forward_leaves_the_pending_backward_alone():
    W, x = Parameter("W", [[1.0, 0.0], [0.0, 1.0]]), Input("x")
    g = ComputationalGraph(SquaredNorm()(MatMul()(W, x, name="q"), name="f"))
    g.forward(x=[1.0, 2.0])
    W.value *= 10.0                              # in place: lands on a copy of its own
    grads = g.backward()
    np.testing.assert_allclose(grads["W"], [[2.0, 4.0], [4.0, 8.0]])   # ∇W = 2q xᵀ at the forwarded W
    np.testing.assert_allclose(grads["x"], [2.0, 4.0])
    np.testing.assert_allclose(W.value, [[10.0, 0.0], [0.0, 10.0]])   # and the change is there for next time
    assert g.forward(x=[1.0, 2.0]) == pytest.approx(500.0)


def test_a_parameter_array_held_before_a_run_changes_the_next_run_never_the_recorded_one():
    W = Parameter("W", [1.0, 2.0])
    held = W.value                               # held: the run records a copy of its own
    g = ComputationalGraph(SquaredNorm()(W))
    g.forward()
    held[0] = 5.0
    assert g.backward()["W"].tolist() == [2.0, 4.0]
    assert g.tape().values[W].tolist() == [1.0, 2.0]
    assert g.forward() == 29.0                   # the parameter's value is the held array


def test_a_fed_array_changed_after_forward_does_not_reach_backward():
    x = Input("x")
    g = ComputationalGraph(SquaredNorm()(x))
    a = np.array([1.0, 2.0])
    g.forward(x=a)
    a[:] = 100.0
    assert g.backward()["x"].tolist() == [2.0, 4.0]


# --- structure -------------------------------------------------------------------------------------------


def test_a_cycle_is_a_graph_error():
    x = Input("x")
    a = Sigmoid()(x, name="a")
    b = ReLU()(a, name="b")
    a.inputs = (b,)                              # rewired into a loop
    with pytest.raises(GraphError, match="cycle"):
        ComputationalGraph(b)


def test_building_a_million_deep_chain_needs_no_recursion():
    # (how long it takes is measured in benchmarks/deep_chain.py, never here)
    x = Input("x")
    node = x
    for _ in range(20_000):
        node = ReLU()(node)
    g = ComputationalGraph(node)
    assert g.forward(x=2.0) == 2.0 and g.backward() == {"x": 1.0}


# --- threads -----------------------------------------------------------------------------------------------


def test_graphs_sharing_a_parameter_in_several_threads_each_get_their_own_gradients():
    W = Parameter("W", np.arange(4.0).reshape(2, 2))
    errors: list[str] = []

    def work(seed: int) -> None:
        x = Input("x")
        g = ComputationalGraph(SquaredNorm()(W @ x))
        rng = np.random.default_rng(seed)
        for _ in range(200):
            v = rng.standard_normal(2)
            g.forward(x=v)
            dW = g.backward()["W"]
            expected = 2 * np.outer(W.value @ v, v)
            if not np.allclose(dW, expected):
                errors.append(f"thread {seed}: {dW} != {expected}")

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_a_network_predicts_correctly_from_several_threads():
    net = Network([3, 16, 4], seed=0)
    rng = np.random.default_rng(1)
    batches = [rng.standard_normal((5, 3)) for _ in range(8)]
    expected = [net.forward(b).copy() for b in batches]
    results: dict[int, list[bool]] = {}

    def work(i: int) -> None:
        results[i] = [np.array_equal(net.forward(batches[i]), expected[i]) for _ in range(50)]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(all(r) for r in results.values())


def test_a_backward_must_come_from_the_thread_of_the_last_forward():
    x = Input("x")
    g = ComputationalGraph(Multiply()(x, x))
    g.forward(x=2.0)
    done: list[BaseException] = []

    def elsewhere() -> None:
        try:
            g.backward()
        except GraphError as exc:
            done.append(exc)

    t = threading.Thread(target=elsewhere)
    t.start()
    t.join()
    assert "another thread" in str(done[0])
    assert g.backward() == {"x": 4.0}
