"""Compiled = interpreter: random graphs of every kind, hostile names, odd constants, learners' gates.

On graphs of arithmetic gates the compiled run equals the interpreter's: values,
gradients and dtypes, ``==`` with nan equal to nan (only the sign of a zero may
differ), errors string for string. Where the compiled code for Python floats uses
``math`` for a transcendental function, a last bit may differ, and cancellation can
grow it without bound end to end; so those graphs are compared gate by gate: each
gate's recorded output against its own ``forward`` on the recorded inputs, each
recorded gradient against its own ``backward`` (which also checks that the tape of a
compiled run is a true record). Deterministic: a fixed seed, no database.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import gates
from gates import Gate
from graph import ComputationalGraph, Constant, Input, Node, Parameter
from graph.tape import cast_like

SETTINGS = settings(max_examples=250, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

#: Names a user may give: keywords, the generated code's own names and temporaries, builtins,
#: dunders, Unicode, quotes, spaces and newlines.
HOSTILE = ["np", "math", "dx", "dout", "df", "saved", "run", "x_local", "s_local", "s_e", "gate_q",
           "node_q", "max1_tie", "multiply1_dx", "add1", "class", "lambda", "None", "True", "abs", "max",
           "float", "len", "type", "__builtins__", "__name__", "σ", "ß", "π₂", "q'", 'a"b', "a\nb", "a b",
           "1x", "_", "x.y", "", "d", "f", "exp", "X·W1", "‖q‖²", "-s"]
#: Constants a graph may hold, as nodes or as numbers in an operator expression.
CONSTANTS = [float("inf"), float("-inf"), float("nan"), -0.0, 0.0, -3.0, 2.5, 1e-300, -1e300]


class Cube(Gate):
    """A learner's straight-line gate: inlined, its results checked."""

    symbol = "^3"

    def forward(self, x):
        self.x = x
        return x * x * x

    def backward(self, dout):
        return (3.0 * self.x * self.x * dout,)


class LoopingScale(Gate):
    """A learner's gate with a loop: called through its methods."""

    def forward(self, x):
        out = x
        for _ in range(2):
            out = out * 0.5
        return out

    def backward(self, dout):
        return (0.25 * dout,)


class DoubledSigmoid(gates.Sigmoid):
    """A subclass that changes backward only."""

    def backward(self, dout):
        return (2.0 * self.local * dout,)


class ShiftedExp(gates.Exp):
    """A subclass that changes forward only."""

    def forward(self, x):
        self.out = np.exp(x + 1.0)
        return self.out


#: Gates whose Python-float code uses ``math`` (or ``**``), where a last bit may differ from numpy's.
TRANSCENDENTAL = (gates.Sigmoid, gates.Tanh, gates.Exp, gates.Log, gates.ELU, gates.Power)

UNARY: dict[str, Callable[[Node], Node]] = {
    "neg": lambda a: -a,
    "relu": lambda a: gates.ReLU()(a),
    "scale": lambda a: gates.Scale(-1.5)(a),
    "plus": lambda a: gates.AddConstant(0.25)(a),
    "square": lambda a: a**2,
    "sum": lambda a: gates.Sum()(a),
    "mean": lambda a: gates.Mean()(a),
    "sigmoid": lambda a: gates.Sigmoid()(a),
    "tanh": lambda a: gates.Tanh()(a),
    "exp": lambda a: gates.Exp()(a),
    "log": lambda a: gates.Log()(a),
    "elu": lambda a: gates.ELU()(a),
    "leaky": lambda a: gates.LeakyReLU(0.1)(a),
    "cube": lambda a: Cube()(a),
    "looping": lambda a: LoopingScale()(a),
    "doubled_sigmoid": lambda a: DoubledSigmoid()(a),
    "shifted_exp": lambda a: ShiftedExp()(a),
    "reciprocal": lambda a: gates.Reciprocal()(a),
}
BINARY: dict[str, Callable[[Any, Any], Node]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "max": lambda a, b: gates.Max()(a, b),
}
SHAPES = [(), (3,), (2, 3), (2, 1), (1, 3), (0,), (0, 3)]


@st.composite
def graphs(draw: st.DrawFn) -> tuple[ComputationalGraph, dict[str, Any]]:
    """A random DAG with fan-out over 1-3 leaves of broadcastable shapes, hostile names, odd constants."""
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    batch = draw(st.sampled_from([(), (3,), (2, 3), (0,), (0, 3)]))
    leaf_names = draw(st.lists(st.sampled_from([n for n in HOSTILE if n]), min_size=1, max_size=3,
                               unique=True))
    feed: dict[str, Any] = {}
    pool: list[Node] = []
    taken = set(leaf_names)  # leaf names are unique
    for name in leaf_names:
        shape = batch[draw(st.integers(0, len(batch))):]  # a trailing part: broadcasts against the batch
        if draw(st.integers(0, 9)) == 0:
            shape = (4,)  # (or does not: a ShapeError, the same from both)
        mixed = draw(st.sampled_from([dtype, np.float64]))   # float32 and float64 mixed in one graph
        value = draw(st.lists(st.floats(-3, 3, width=32), min_size=int(np.prod(shape)),
                              max_size=int(np.prod(shape))))
        array = np.array(value, dtype=mixed).reshape(shape)
        if draw(st.booleans()) and name != leaf_names[0]:
            pool.append(Parameter(name, array))
        else:
            pool.append(Input(name))
            python_float = shape == () and mixed == np.float64 and draw(st.booleans())
            feed[name] = float(array) if python_float else array
    for _ in range(draw(st.integers(1, 8))):
        # operands come from everything built so far: reuse gives fan-out, `a * a` included
        a = pool[draw(st.integers(0, len(pool) - 1))]
        kind = draw(st.sampled_from(["unary", "binary", "constant"]))
        if kind == "unary":
            node = UNARY[draw(st.sampled_from(sorted(UNARY)))](a)
        else:
            b: Any = pool[draw(st.integers(0, len(pool) - 1))]
            if kind == "constant":
                c = draw(st.sampled_from(CONSTANTS))
                name = draw(st.sampled_from([n for n in HOSTILE if n not in taken])) or None
                taken.add(name)
                with np.errstate(all="ignore"):  # (1e300 as float32 is inf: another odd constant)
                    value = np.full(batch[len(batch) - 1:], c).astype(dtype) if draw(st.booleans()) else c
                b = c if draw(st.booleans()) else Constant(value, name=name)
            op = BINARY[draw(st.sampled_from(sorted(BINARY)))]
            node = op(a, b) if draw(st.booleans()) else op(b, a)
        if draw(st.booleans()):
            node.named(draw(st.sampled_from(HOSTILE)))
        pool.append(node)
    out = pool[-1]
    if draw(st.booleans()):  # everything built flows into the output: every node fans out
        for node in pool[len(leaf_names):-1]:
            out = out + gates.Sum()(node)
    graph = ComputationalGraph(out)
    return graph, {name: value for name, value in feed.items() if name in graph.inputs}


def run(target: Any, feed: dict[str, Any], dout: Any) -> tuple[str, Any]:
    """Forward and backward of ``target``: ("ok", (out, grads)) or ("error", (type, message))."""
    try:
        out = target.forward(feed)
        return "ok", (out, target.backward(dout))
    except Exception as exc:  # compared below, type and message
        return "error", (type(exc), str(exc) + "".join(getattr(exc, "__notes__", [])))


def equal(a: Any, b: Any, where: str, strict: bool = True) -> None:
    """Equal as the contract says: ``==``, nan equal to nan, a zero's sign free; the same dtype.

    ``strict``: the same type too (what the user gets back; inside a record a float64
    number may be a Python float or numpy's).
    """
    if strict:
        assert type(a) is type(b), (where, type(a), type(b))
    assert np.result_type(a) == np.result_type(b), (where, np.result_type(a), np.result_type(b))
    assert np.shape(a) == np.shape(b), (where, np.shape(a), np.shape(b))
    assert np.array_equal(a, b, equal_nan=True), (where, a, b)


def close(a: Any, b: Any, where: str) -> None:
    """A transcendental gate's result: within a few units in the last place (or equal, inf and nan alike)."""
    assert np.shape(a) == np.shape(b), (where, np.shape(a), np.shape(b))
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    assert np.all(same | np.isclose(a, b, rtol=1e-13, atol=0.0)), (where, a, b)


def transcendental(graph: ComputationalGraph) -> bool:
    return any(isinstance(n.gate, TRANSCENDENTAL) for n in graph.nodes_topologically_sorted())


def gate_by_gate(graph: ComputationalGraph) -> None:
    """Each gate of the graph's last (compiled) run, against its own methods on what the tape recorded."""
    tape = graph.tape()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for node in graph.nodes_topologically_sorted():
            if node.gate is None:
                continue
            gate = copy.copy(node.gate)
            out = gate.forward(*[tape.values[x] for x in node.inputs])
            judge = close if isinstance(node.gate, TRANSCENDENTAL) else equal_value
            judge(tape.values[node], out, f"value of {node}")
        for step in tape.steps:
            gate = copy.copy(step.node.gate)
            gate.forward(*[tape.values[x] for x in step.node.inputs])
            grads = gate.backward(step.upstream)
            judge = close if isinstance(step.node.gate, TRANSCENDENTAL) else equal_value
            for x, got, right in zip(step.node.inputs, step.downstream, grads, strict=True):
                if got is not None and x.requires_grad:  # (the engine gives it its variable's dtype)
                    judge(got, cast_like(right, tape.values[x]), f"gradient {step.node} sent to {x.name!r}")


def equal_value(a: Any, b: Any, where: str) -> None:
    """Equal values, nan equal to nan (types may differ: the Python-float code gives floats)."""
    assert np.shape(a) == np.shape(b), (where, np.shape(a), np.shape(b))
    assert np.array_equal(np.asarray(a, np.float64), np.asarray(b, np.float64), equal_nan=True), (where, a, b)


@SETTINGS
@given(graphs())
def test_the_compiled_run_is_the_interpreters_run(drawn: tuple[ComputationalGraph, dict[str, Any]]) -> None:
    graph, feed = drawn
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            out_shape = np.shape(graph.forward(feed))
        except Exception:
            out_shape = ()
        dout = None if out_shape == () else np.linspace(-1.0, 2.0, int(np.prod(out_shape))).reshape(out_shape)
        status, expected = run(graph, feed, dout)
        interpreted = graph.tape() if status == "ok" else None
        compiled = graph.compile()
        got_status, got = run(compiled, feed, dout)
    assert got_status == status, (status, expected, got)
    event(f"{status}, {'gate by gate' if transcendental(graph) else 'end to end'}")
    if status == "error":
        event(f"error: {expected[1][:60]}")
        assert got == expected
        return
    if transcendental(graph):
        gate_by_gate(graph)
        return
    out, grads = expected
    got_out, got_grads = got
    equal(got_out, out, "output")
    assert got_grads.keys() == grads.keys()
    for name in grads:
        equal(got_grads[name], grads[name], f"gradient of {name!r}")
    compiled_tape = graph.tape()
    assert interpreted is not None and compiled_tape is not interpreted
    for node in graph.nodes_topologically_sorted():  # the compiled run's record is the interpreter's
        equal(compiled_tape.values[node], interpreted.values[node], f"recorded value of {node}", strict=False)
        assert (node in compiled_tape.grads) == (node in interpreted.grads), node
        if node in interpreted.grads:
            equal(compiled_tape.grads[node], interpreted.grads[node], f"recorded gradient of {node}", False)
    assert [s.node for s in compiled_tape.steps] == [s.node for s in interpreted.steps]
    for mine, theirs in zip(compiled_tape.steps, interpreted.steps, strict=True):
        equal(mine.upstream, theirs.upstream, f"upstream of {mine.node}", strict=False)
        for x, a, b in zip(mine.node.inputs, mine.downstream, theirs.downstream, strict=True):
            if x.requires_grad:
                assert (a is None) == (b is None), (mine.node, x)
                if a is not None:
                    equal(a, b, f"downstream of {mine.node} to {x.name!r}", strict=False)


@pytest.mark.parametrize("name", HOSTILE)
def test_any_string_names_a_node_beside_any_other(name: str) -> None:
    # a node named like a temporary, a global or a gradient of its neighbours: each its own variable
    x = Input("x")
    s = gates.Sigmoid()(x * 2.0, name="s")
    t = (s * x).named(name)
    m = gates.Max()(t, s, name=f"{name}_tie" if name else "tie")
    u = (m / (x + 3.0)).named(f"d{name}")
    graph = ComputationalGraph(gates.Sum()(u * s, name=name or "out"))
    for value in (0.5, np.array([0.5, -2.0, 3.0])):
        expected = graph.forward(x=value), graph.backward()
        compiled = graph.compile()
        got = compiled.forward(x=value), compiled.backward()
        np.testing.assert_allclose(got[0], expected[0], rtol=1e-14)
        np.testing.assert_allclose(got[1]["x"], expected[1]["x"], rtol=1e-14)


SPECIAL = [float("nan"), float("inf"), float("-inf"), -0.0, 0.0, 1.0, -2.0, 1e308, -1e-310]
ONE_INPUT = ["neg", "relu", "scale", "plus", "square", "sigmoid", "tanh", "exp", "log", "elu", "leaky",
             "reciprocal"]


@pytest.mark.parametrize("op", sorted(BINARY))
def test_python_float_code_keeps_numpys_meaning_at_special_values_of_two_inputs(op: str) -> None:
    # the plan for Python floats lowers numpy to Python and math: nan, ±inf and ±0 must mean what they did
    x, y = Input("x"), Input("y")
    graph = ComputationalGraph(BINARY[op](x, y) * 1.0)
    compiled = graph.compile()
    for a in SPECIAL:
        for b in SPECIAL:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                expected = run(graph, {"x": a, "y": b}, None)
                got = run(compiled, {"x": a, "y": b}, None)
            assert got[0] == expected[0] == "ok", (op, a, b, got, expected)
            equal(got[1][0], expected[1][0], f"{op}({a}, {b})")
            for name in ("x", "y"):
                equal(got[1][1][name], expected[1][1][name], f"d{name} of {op}({a}, {b})")


@pytest.mark.parametrize("op", ONE_INPUT)
def test_python_float_code_keeps_numpys_meaning_at_special_values_of_one_input(op: str) -> None:
    x = Input("x")
    graph = ComputationalGraph(UNARY[op](x))
    compiled = graph.compile()
    for a in SPECIAL:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            expected = run(graph, {"x": a}, None)
            got = run(compiled, {"x": a}, None)
        assert got[0] == expected[0] == "ok", (op, a, got, expected)
        judge = close if op in {"sigmoid", "tanh", "exp", "log", "elu"} else equal
        judge(got[1][0], expected[1][0], f"{op}({a})")
        judge(got[1][1]["x"], expected[1][1]["x"], f"d{op}({a})")
