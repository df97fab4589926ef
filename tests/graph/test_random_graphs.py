"""Property-based: random expression graphs (trees and DAGs with fan-out) pass gradcheck.

Each random graph is built twice over: as graph nodes, and as a plain numpy function
of the feed, so that forward can be compared with an independent evaluation.
Values are kept away from the kinks of Max and ReLU and from zeros of divisors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gates import Divide, Exp, Max, ReLU, Sigmoid, Sum, Tanh
from graph import ComputationalGraph, Input, Node, gradcheck

Env = dict[str, Any]
Term = tuple[Node, Callable[[Env], Any]]

BINARY: dict[str, tuple[Callable[[Node, Node], Node], Callable[[Any, Any], Any]]] = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / b, lambda a, b: a / b),
    "max": (lambda a, b: Max()(a, b), np.maximum),
}
UNARY: dict[str, tuple[Callable[[Node], Node], Callable[[Any], Any]]] = {
    "neg": (lambda a: -a, lambda a: -a),
    "sigmoid": (lambda a: Sigmoid()(a), lambda a: 0.5 * (1.0 + np.tanh(0.5 * a))),
    "tanh": (lambda a: Tanh()(a), np.tanh),
    "exp": (lambda a: Exp()(a), np.exp),
    "relu": (lambda a: ReLU()(a), lambda a: np.maximum(a, 0.0)),
    "square": (lambda a: a**2, lambda a: a * a),
    "scale": (lambda a: 0.5 * a, lambda a: 0.5 * a),
    "shift": (lambda a: 1.0 - a, lambda a: 1.0 - a),
}
VALUE_BOUND = 20.0   # larger values would make central differences lose digits to rounding
KINK_MARGIN = 1e-2   # far beyond gradcheck's eps = 1e-6


def _binary(name: str, p: Term, q: Term) -> Term:
    build, fn = BINARY[name]
    return build(p[0], q[0]), lambda env: fn(p[1](env), q[1](env))


def _unary(name: str, p: Term) -> Term:
    build, fn = UNARY[name]
    return build(p[0]), lambda env: fn(p[1](env))


def _leaf(name: str) -> Term:
    return Input(name), lambda env: env[name]


@st.composite
def random_graphs(draw: st.DrawFn) -> tuple[ComputationalGraph, Callable[[Env], Any], Env]:
    """A random DAG over 1-3 inputs of shape () or (3,), its numpy twin, and a feed."""
    n_inputs = draw(st.integers(1, 3))
    feed: Env = {}
    pool: list[Term] = []
    for i in range(n_inputs):
        name = f"x{i}"
        shape = draw(st.sampled_from([(), (3,)]))
        value = draw(arrays(np.float64, shape, elements=st.floats(-1.5, 1.5)))
        feed[name] = float(value) if shape == () else value
        pool.append(_leaf(name))
    for _ in range(draw(st.integers(1, 7))):
        # operands are drawn from everything built so far: reuse gives fan-out
        p = pool[draw(st.integers(0, len(pool) - 1))]
        if draw(st.booleans()):
            q = pool[draw(st.integers(0, len(pool) - 1))]
            pool.append(_binary(draw(st.sampled_from(sorted(BINARY))), p, q))
        else:
            pool.append(_unary(draw(st.sampled_from(sorted(UNARY))), p))
    # the output uses every gate node built, so intermediate nodes fan out too
    out = pool[n_inputs]
    for term in pool[n_inputs + 1:]:
        out = _binary("add", out, term)
    node, fn = out
    return ComputationalGraph(Sum()(node)), lambda env: np.sum(fn(env)), feed


def _well_conditioned(g: ComputationalGraph) -> bool:
    """Finite, bounded values, away from the kinks of Max/ReLU and from zero divisors."""
    for node in g.nodes_topologically_sorted():
        value = np.asarray(node.value, dtype=np.float64)
        if not np.all(np.isfinite(value)) or np.max(np.abs(value), initial=0.0) > VALUE_BOUND:
            return False
        gate = node.gate
        if isinstance(gate, Max):
            a, b = (np.asarray(x.value) for x in node.inputs)
            distance = np.min(np.abs(a - b))  # from the tie
        elif isinstance(gate, ReLU):
            distance = np.min(np.abs(node.inputs[0].value))  # from the kink at 0
        elif isinstance(gate, Divide):
            distance = np.min(np.abs(node.inputs[1].value)) - 0.3  # from a small divisor
        else:
            continue
        if distance < KINK_MARGIN:
            return False
    return True


def _run(g: ComputationalGraph, feed: Env) -> Any:
    """Forward with numpy's warnings silenced; rejects the case unless it is well conditioned."""
    try:
        with np.errstate(all="ignore"):
            out = g.forward({name: feed[name] for name in g.inputs})
    except ZeroDivisionError:  # Python floats (0-d feeds) raise rather than give inf
        assume(False)
    assume(_well_conditioned(g))
    return out


@settings(max_examples=25, deadline=None, database=None)
@given(random_graphs())
def test_random_graph_passes_gradcheck(case):
    g, _, feed = case
    _run(g, feed)
    assert gradcheck(g, {name: feed[name] for name in g.inputs}) is True


@settings(max_examples=25, deadline=None, database=None)
@given(random_graphs())
def test_random_graph_forward_matches_numpy_and_backward_is_repeatable(case):
    g, reference, feed = case
    out = _run(g, feed)
    assert type(out) is float
    assert np.isclose(out, reference(feed), rtol=1e-12, atol=1e-12)
    first = {k: np.copy(v) for k, v in g.backward().items()}
    assert set(first) == set(g.inputs)
    for name, grad in first.items():
        assert np.shape(grad) == np.shape(feed[name])
    second = g.backward()
    for name in first:
        np.testing.assert_array_equal(second[name], first[name])
