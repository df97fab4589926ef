"""Gradient checking: compare analytic gradients with central differences.

``numerical_gradient`` and ``rel_error`` are the CS231n helpers; `gradcheck` runs
the whole comparison for a gate or a graph, in float64.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from gates import Gate

from .computational_graph import ComputationalGraph
from .errors import GradcheckError

__all__ = ["GradientPair", "compare_pair", "gradcheck", "gradient_pairs", "numerical_gradient", "rel_error"]


def numerical_gradient(f: Callable[[np.ndarray], Any], x: Any, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of a scalar function ``f`` at ``x``.

    ``df/dx[i] ≈ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``, one element at a time.
    ``f`` is called on a float64 copy of ``x``, nudged in place and restored; ``x``
    itself is never touched.

    Parameters
    ----------
    f : callable
        Takes an array shaped like ``x``, returns a scalar.
    x : array_like
        Where to take the gradient.
    eps : float
        Step size.

    Returns
    -------
    ndarray of float64, shaped like ``x``

    Examples
    --------
    >>> numerical_gradient(lambda v: np.sum(v**2), np.array([1.0, -2.0]))
    array([ 2., -4.])
    """
    point = np.array(x, dtype=np.float64)  # our own copy
    grad = np.zeros_like(point)
    flat_point, flat_grad = point.reshape(-1), grad.reshape(-1)  # views
    for i in range(flat_point.size):
        original = flat_point[i]
        flat_point[i] = original + eps
        f_plus = _scalar(f(point))
        flat_point[i] = original - eps
        f_minus = _scalar(f(point))
        flat_point[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def _scalar(value: Any) -> float:
    if np.size(value) != 1:
        raise TypeError(f"numerical_gradient: f must return a scalar, got shape {np.shape(value)}")
    return float(np.reshape(value, ()))


def rel_error(a: Any, b: Any) -> float:
    """Largest elementwise relative error ``|a - b| / max(1e-8, |a| + |b|)``.

    Examples
    --------
    >>> rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.002]))  # doctest: +ELLIPSIS
    0.00049...
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


class GradientPair(NamedTuple):
    """Analytic and numerical gradient of one checked input."""

    what: str              #: "gate Multiply, input 0", "input 'x'", "parameter 'W'"
    point: np.ndarray      #: where the gradient was taken (float64)
    analytic: np.ndarray   #: from backward (zeros where backward gave None)
    numerical: np.ndarray  #: from central differences
    #: the random upstream gradient both are taken against, or None for a one-element output (dout = 1)
    dout: np.ndarray | None = None


def gradcheck(target: Gate | ComputationalGraph, inputs: Sequence[Any] | Mapping[str, Any], *,
              eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """Check ``target``'s analytic gradients against central differences, in float64.

    A non-scalar output is reduced to the scalar ``sum(output * dout)`` with a
    fixed random ``dout`` (seed 0), so every element of every gradient is checked;
    an error message then says so, and gives the local gradients as well.
    An element passes when ``|analytic - numerical| <= atol + rtol * |numerical|``.

    Parameters
    ----------
    target : Gate or ComputationalGraph
    inputs : sequence of array_like (for a gate) or mapping of str to array_like (for a graph)
        Where to check. Float inputs are checked, as are integer and boolean ones
        (as float64) unless their gradient is ``None`` (labels); for a graph,
        every `Input` that requires a gradient and every `Parameter` is checked.
        Nothing given is changed; parameter values are restored.
    eps, atol, rtol : float
        Step size and tolerances.

    Returns
    -------
    True

    Raises
    ------
    GradcheckError
        Naming the gate or input, the worst element, both values and the relative
        error; or saying that nothing could be checked.

    Notes
    -----
    A graph is left at the checked point: its last run is the analytic forward
    and backward there, so its values, gradients, trace and drawing show it.

    Examples
    --------
    >>> from gates import Multiply
    >>> gradcheck(Multiply(), [np.array([1.0, 2.0]), np.array([3.0, -1.0])])
    True
    """
    pairs = gradient_pairs(target, inputs, eps)
    if not pairs:
        raise GradcheckError(f"gradcheck of {_describe(target)}: nothing to check; no input or parameter "
                             "takes a gradient (integer inputs whose gradient is None are labels)")
    for pair in pairs:
        compare_pair(pair, atol, rtol)
    return True


def gradient_pairs(target: Gate | ComputationalGraph, inputs: Sequence[Any] | Mapping[str, Any],
                   eps: float = 1e-6) -> list[GradientPair]:
    """Analytic and numerical gradients of every checked input of ``target`` (see `gradcheck`)."""
    if isinstance(target, Gate):
        if isinstance(inputs, Mapping):
            raise TypeError(f"gradcheck of gate {_describe(target)}: inputs must be a sequence of arrays, "
                            "not a mapping")
        return _gate_pairs(target, list(inputs), eps)
    if isinstance(target, ComputationalGraph):
        if not isinstance(inputs, Mapping):
            raise TypeError("gradcheck of a graph: inputs must be a feed dict {name: value}")
        return _graph_pairs(target, dict(inputs), eps)
    raise TypeError(f"gradcheck takes a Gate or a ComputationalGraph, got {type(target).__name__}")


def _describe(target: Any) -> str:
    return type(target).__name__ if isinstance(target, Gate) else "a graph"


def _gate_pairs(gate: Gate, inputs: list[Any], eps: float) -> list[GradientPair]:
    kind = type(gate).__name__
    args = [np.array(x, dtype=np.float64) if _kind(x) == "f" else x for x in inputs]
    dout = _random_like(gate.forward(*args))
    analytic = _one_per_input(gate, gate.backward(dout), len(args))
    # integer and boolean inputs that take a gradient are checked too, as float64
    widen = [i for i, x in enumerate(args) if _kind(x) in "biu" and analytic[i] is not None]
    if widen:
        args = [np.array(x, dtype=np.float64) if i in widen else x for i, x in enumerate(args)]
        gate.forward(*args)
        analytic = _one_per_input(gate, gate.backward(dout), len(args))
    pairs = []
    for i, x in enumerate(args):
        if _kind(x) != "f":
            continue

        def objective(v: np.ndarray, i: int = i) -> float:
            trial = list(args)
            trial[i] = v
            return float(np.sum(gate.forward(*trial) * dout))

        pairs.append(GradientPair(f"gate {kind}, input {i}", x, _as_gradient(analytic[i], x),
                                  numerical_gradient(objective, x, eps), _random_part(dout)))
    return pairs


def _one_per_input(gate: Gate, grads: Any, n: int) -> tuple[Any, ...]:
    if not isinstance(grads, (tuple, list)) or len(grads) != n:
        raise GradcheckError(f"gate {type(gate).__name__}: backward must return a tuple of {n} gradient(s), "
                             f"one per input, got {grads!r:.80}")
    return tuple(grads)


def _graph_pairs(graph: ComputationalGraph, feed: dict[str, Any], eps: float) -> list[GradientPair]:
    def checked(name: str) -> bool:
        return name in graph.inputs and graph.inputs[name].requires_grad

    feed = {name: np.array(v, dtype=np.float64) if checked(name) else v for name, v in feed.items()}
    saved = {name: p.value for name, p in graph.parameters.items()}
    points = {name: np.array(value, dtype=np.float64) for name, value in saved.items()}
    dout: Any = None
    numeric: dict[str, np.ndarray] = {}
    try:
        for name, point in points.items():
            graph.parameters[name].value = point
        dout = _random_like(graph.forward(feed))

        def objective() -> float:
            return float(np.sum(graph.forward(feed) * dout))

        for name in filter(checked, graph.inputs):
            def with_input(v: np.ndarray, name: str = name) -> float:
                feed[name] = v
                return objective()

            point = feed[name]
            numeric[name] = numerical_gradient(with_input, point, eps)
            feed[name] = point
        for name, param in graph.parameters.items():
            def with_param(v: np.ndarray, param: Any = param) -> float:
                param.value = v
                return objective()

            numeric[name] = numerical_gradient(with_param, points[name], eps)
            param.value = points[name]
        # last, the analytic run at the checked point: the graph is left with it, trace and all
        graph.forward(feed)
        analytic = graph.backward(dout)
    finally:
        for name, value in saved.items():
            graph.parameters[name].value = value
    return [GradientPair(f"input {name!r}" if name in graph.inputs else f"parameter {name!r}",
                         feed[name] if name in feed else points[name],
                         _as_gradient(analytic.get(name), feed[name] if name in feed else points[name]),
                         grad, _random_part(dout))
            for name, grad in numeric.items()]


def _as_gradient(g: Any, x: np.ndarray) -> np.ndarray:
    """A gradient as a float64 array; ``None`` (no gradient claimed) counts as zeros."""
    return np.zeros_like(x) if g is None else np.array(g, dtype=np.float64)


def compare_pair(pair: GradientPair, atol: float, rtol: float) -> None:
    """Raise `GradcheckError` at the worst element where the two gradients disagree."""
    what, x, analytic, numeric, dout = pair
    if analytic.shape != numeric.shape:
        raise GradcheckError(f"{what}: analytic gradient has shape {analytic.shape}, "
                             f"expected {numeric.shape}, the input's shape")
    excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
    excess = np.where(np.isfinite(excess), excess, np.inf)  # nan or inf never passes
    if excess.size == 0 or excess.max() <= 0:
        return
    worst = np.unravel_index(int(np.argmax(excess)), excess.shape)
    a, n = analytic[worst], numeric[worst]
    message = (f"{what}: gradients disagree at element {tuple(int(i) for i in worst)} "
               f"(input value {np.asarray(x)[worst]:.6g}): analytic {a:.6g}, numerical {n:.6g}, "
               f"relative error {rel_error(a, n):.2e} (atol={atol:g}, rtol={rtol:g})")
    if dout is not None:
        message += ("; both are local gradient x upstream gradient, and the upstream gradient is a "
                    "fixed random dout (seed 0)")
        if dout.shape == analytic.shape and dout[worst] != 0:
            d = dout[worst]
            message += (f", {d:.6g} at this element: the local gradients are analytic {a / d:.6g}, "
                        f"numerical {n / d:.6g}")
    raise GradcheckError(message)


def _kind(x: Any) -> str:
    return str(np.asarray(x).dtype.kind)


def _random_like(out: Any) -> Any:
    """A fixed random ``dout`` for a non-scalar output; 1.0 for a scalar one."""
    if np.size(out) == 1 and np.ndim(out) == 0:
        return 1.0
    return np.random.default_rng(0).standard_normal(np.shape(out))


def _random_part(dout: Any) -> np.ndarray | None:
    return dout if isinstance(dout, np.ndarray) else None
