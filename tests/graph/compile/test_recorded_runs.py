"""A compiled run is a run: the graph's tape, trace, drawing, player and nodes show whichever ran last."""

from __future__ import annotations

import gc
import linecache

import numpy as np
import pytest

from gates import ForwardFirstError, MatMul, SquaredNorm
from graph import ComputationalGraph, GraphError, Input, Network, Parameter, load_dataset, train
from graph.lecture import simple_circuit, staged
from graph.views.trace import TraceError


def views(graph: ComputationalGraph) -> tuple[str, str, str]:
    """What a learner sees of the graph's last run: the trace, the drawing, the player's steps."""
    return str(graph.trace()), graph.to_dot(), repr(graph.player())


def test_after_a_compiled_run_every_view_shows_it_as_the_interpreter_would() -> None:
    example = staged()
    graph = example.graph
    graph.forward(x=-1.0, y=2.0)
    graph.backward()
    seen = views(graph)                       # what the interpreter shows of the run at (-1, 2)
    graph.forward(x=3.0, y=-4.0)              # a run of its own, then the compiled one
    graph.backward()
    compiled = graph.compile()
    compiled.forward(x=-1.0, y=2.0)
    compiled.backward()
    assert views(graph) == seen
    assert graph.tape().values[graph.output] == pytest.approx(graph.output.value)


def test_after_a_compiled_run_the_nodes_show_it() -> None:
    example = simple_circuit()
    graph = example.graph
    graph.forward(x=1.0, y=2.0, z=3.0)
    graph.backward()
    compiled = graph.compile()
    compiled.forward(x=-2.0, y=5.0, z=-4.0)
    q, f = graph.output.inputs[0], graph.output
    assert (q.value, f.value) == (3.0, -12.0)
    compiled.backward()
    assert (q.grad, graph.inputs["x"].grad, graph.inputs["z"].grad) == (-4.0, -4.0, 3.0)
    graph.forward(x=1.0, y=2.0, z=3.0)        # the interpreter's turn again: its run shows
    assert f.value == 9.0


def test_the_graphs_backward_after_a_compiled_forward_says_to_use_the_plans() -> None:
    graph = simple_circuit().graph
    compiled = graph.compile()
    graph.forward(x=1.0, y=2.0, z=3.0)
    compiled.forward(x=-2.0, y=5.0, z=-4.0)
    with pytest.raises(GraphError, match=r"ran compiled.*call that plan's backward\(\)"):
        graph.backward()
    assert compiled.backward() == {"x": -4.0, "y": -4.0, "z": 3.0}
    graph.forward(x=-2.0, y=5.0, z=-4.0)      # or run the graph's own forward again
    assert graph.backward() == {"x": -4.0, "y": -4.0, "z": 3.0}


def test_a_forward_alone_shows_as_the_interpreters_forward_alone() -> None:
    graph = simple_circuit().graph
    compiled = graph.compile()
    compiled.forward(x=-2.0, y=5.0, z=-4.0)
    with pytest.raises(TraceError, match="no backward has run yet"):
        graph.trace()
    assert "-12" in graph.to_dot() and repr(graph.player()).endswith("2 forward and 0 backward>")


def test_a_forward_that_raises_is_the_last_run_as_the_interpreters_is() -> None:
    x, w = Input("x"), Input("w")
    graph = ComputationalGraph(SquaredNorm()(MatMul()(w, x)))
    graph.forward(x=np.ones(2), w=np.ones((2, 2)))
    graph.backward()                          # an older run, complete: never to be shown instead
    compiled = graph.compile()
    for run in (graph, compiled):
        with pytest.raises(Exception, match="matmul"):
            run.forward(x=np.ones(3), w=np.ones((2, 2)))
        tape = graph.tape()
        assert tape.values[x].shape == (3,)   # the failed run's feed, not the older run's
        with pytest.raises(ForwardFirstError, match="before forward\\(\\) ran to the end"):
            run.backward()


def test_a_plan_that_records_nothing_leaves_views_that_say_so() -> None:
    graph = simple_circuit().graph
    graph.forward(x=1.0, y=2.0, z=3.0)
    graph.backward()                          # an older run, recorded: never to be shown instead
    quiet = graph.compile(record=False)
    quiet.forward(x=-2.0, y=5.0, z=-4.0)
    assert quiet.backward() == {"x": -4.0, "y": -4.0, "z": 3.0}
    for view in (graph.tape, graph.trace, graph.to_dot, graph.player):
        with pytest.raises(GraphError, match="record=False, which records nothing"):
            view()
    assert "saved" in quiet.source and "(dx, dy, dz), ()" in quiet.source


def test_the_record_of_a_compiled_run_survives_an_optimizer_step() -> None:
    W, x = Parameter("W", [[1.0, 0.0], [0.0, 1.0]]), Input("x")
    graph = ComputationalGraph(SquaredNorm()(MatMul()(W, x, name="q"), name="f"))
    compiled = graph.compile()
    compiled.forward(x=np.array([1.0, 2.0]))
    grads = compiled.backward()
    table = str(graph.trace())
    W.value -= 0.5 * grads["W"]               # a step, in place: on the parameter's own copy
    grads["W"] *= 100                         # the caller's copy
    assert str(graph.trace()) == table
    np.testing.assert_array_equal(graph.tape().values[W], [[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="read-only"):
        graph.tape().grads[W][0, 0] = 5.0


def test_training_hands_back_its_graph_whose_views_show_the_last_step() -> None:
    data = load_dataset("spiral")
    net = Network([2, 16, 3], seed=0)
    history = train(net, data, epochs=2, batch_size=64, progress=False)
    graph = history.graph
    assert graph is not None and graph.output.name == "loss"
    tape = graph.tape()
    assert tape.backward_done and tape.values[graph.output] == pytest.approx(history.loss[-1])
    last = len(data.y_train) % 64 or 64      # the last minibatch of the last epoch
    assert tape.values[graph.inputs["X"]].shape == (last, 2)
    player = graph.player()
    assert "backward" in repr(player)


def plans_in_linecache() -> int:
    return sum(name.startswith("<gategraph plan") for name in linecache.cache)


def test_a_plans_lines_go_when_its_graph_goes() -> None:
    gc.collect()
    before = plans_in_linecache()
    for _ in range(30):
        graph = simple_circuit().graph
        compiled = graph.compile()
        compiled.forward(x=1.0, y=2.0, z=3.0)
        compiled.backward()
        del graph, compiled
    gc.collect()
    assert plans_in_linecache() <= before


def test_training_again_and_again_leaves_nothing_behind() -> None:
    """What train() makes goes with its History: the count of live containers stays where it was.

    (Once, a compiled run waiting to be shown on its nodes was kept after its graph went, and so was
    each gate's entry of the node it served: 17 objects per call.) Strings are not counted: CPython's
    method cache keeps some, up to a bound. `benchmarks/leaks.py` runs this 1,000 times and counts all.
    """
    data = load_dataset("spiral")

    def once() -> None:
        train(Network([2, 8, 3], seed=0), data, epochs=1, batch_size=100, progress=False)

    for _ in range(5):                        # what the first calls make once: caches, arenas
        once()
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(40):
        once()
    gc.collect()
    assert len(gc.get_objects()) - before < 40


def test_a_node_two_graphs_share_shows_whichever_ran_last() -> None:
    x = Input("x")
    shared = (x * 2.0).named("shared")
    first, second = ComputationalGraph(shared + 1.0), ComputationalGraph(shared * 3.0)
    compiled = first.compile()
    compiled.forward(x=1.0)                   # recorded lazily: not on the nodes yet
    second.forward(x=5.0)                     # the interpreter, later, through the same node
    assert shared.value == 10.0               # the later run's, not overwritten by the earlier one
    compiled.forward(x=7.0)                   # and a compiled run later still
    assert shared.value == 14.0
