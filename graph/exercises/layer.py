"""`check_layer`: a learner's layer, ``out, cache = forward(*inputs)``, ``backward(dout, cache)``.

The course writes each layer as a pair of functions: forward returns its output
and a cache of what backward will need; backward takes the upstream gradient
and that cache and returns one gradient per input. The checker runs a pair on
random inputs against its own layer, made of the library's gates as they were
when it was imported (`graph.exercises.pristine`):

- ``"affine"``: ``out = x.reshape(N, -1) @ w + b`` for x of any number of dimensions
  ``(N, d1, ..., dk)``, w ``(D, M)`` with D = d1·…·dk, b ``(M,)``; dx has x's shape;
- ``"relu"``, ``"sigmoid"``, ``"tanh"``: elementwise, one input x;
- ``"affine_relu"``: the "sandwich", ``relu(affine(x, w, b))``.

In each trial forward runs twice (inputs A, then B), then backward with B's cache,
then with A's, as a network's layers do: a backward that reads what the last
forward left anywhere but in its cache shows (``stale-cache``). It names the
mistakes of §7: ``wrong-shape`` (a dx left flat for a 4-d x, say),
``ignores-upstream``, ``mutates-upstream``, ``transposed``, ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gates import Add, MatMul, ReLU, Sigmoid, Tanh

from .compare import as_numbers, describe, fmt
from .judge import Quantity, Round, judge
from .learner import DEFAULT_TIMEOUT, Runner, crash_verdict, unreadable
from .mistakes import TABLE, Finding, meanings
from .pristine import pristine
from .trials import describe_shapes, draw_dout, draw_inputs
from .verdict import Verdict

__all__ = ["KINDS", "LAYER_MISTAKES", "check_layer"]

FINGERPRINTS = ("stale-cache", "ignores-upstream", "swapped-inputs", "wrong-sign", "transposed",
                "wrong-scale")

#: Every mistake `check_layer` names.
LAYER_MISTAKES: dict[str, str] = meanings(
    (*FINGERPRINTS, "not-implemented", "crashed", "timeout", "wrong-count", "wrong-shape", "mutates-upstream",
     "wrong"))

#: Rows, then x of 3 and 4 dimensions, then all square: x, w and so dx, dw of one shape (a swap shows).
_AFFINE_SHAPES = (((4, 5), (5, 3), (3,)), ((2, 3, 4), (12, 5), (5,)), ((3, 2, 2, 2), (8, 8), (8,)),
                  ((4, 4), (4, 4), (4,)))
_ELEMENTWISE_SHAPES = (((4, 5),), ((2, 3, 4),))


@dataclass(frozen=True)
class _Kind:
    names: tuple[str, ...]
    shapes: tuple[tuple[tuple[int, ...], ...], ...]
    rule: str
    elementwise: bool


KINDS: dict[str, _Kind] = {
    "affine": _Kind(("x", "w", "b"), _AFFINE_SHAPES,
                    "the layer: `out = x.reshape(N, -1) @ w + b`; `dx = (dout @ w.T).reshape(x.shape)`, "
                    "`dw = x.reshape(N, -1).T @ dout`, `db = dout.sum(axis=0)`.", False),
    "relu": _Kind(("x",), _ELEMENTWISE_SHAPES,
                  "the layer: `out = max(0, x)`; dx is dout where x > 0, and 0 elsewhere.", True),
    "affine_relu": _Kind(("x", "w", "b"), _AFFINE_SHAPES,
                         "the layer: `out = relu(affine(x, w, b))`; backward runs relu's backward, then "
                         "affine's, each on its own cache.", False),
    "sigmoid": _Kind(("x",), _ELEMENTWISE_SHAPES,
                     "the layer: `out = σ(x) = 1 / (1 + exp(-x))`; `dx = (1 - σ(x)) σ(x) dout`.", True),
    "tanh": _Kind(("x",), _ELEMENTWISE_SHAPES, "the layer: `out = tanh(x)`; `dx = (1 - tanh(x)**2) dout`.",
                  True),
}


def _reference(kind: str, inputs: tuple[Any, ...], dout: Any) -> tuple[Any, tuple[Any, ...]]:
    """The layer's output and, for ``dout``, its gradients, on fresh gates as they were at import."""
    def affine(x: Any, w: Any, b: Any) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
        product, add = pristine(MatMul()), pristine(Add())
        out = add.forward(product.forward(np.reshape(x, (np.shape(x)[0], -1)), w), b)

        def back(d: Any) -> tuple[Any, ...]:
            dz, db = add.backward(d)
            dx, dw = product.backward(dz)
            return np.reshape(dx, np.shape(x)), dw, db
        return out, back

    def gate(cls: type[Any], x: Any) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
        g = pristine(cls())
        return g.forward(x), g.backward

    if kind == "affine":
        out, back = affine(*inputs)
    elif kind == "affine_relu":
        z, back_affine = affine(*inputs)
        out, back_relu = gate(ReLU, z)

        def back(d: Any) -> tuple[Any, ...]:
            return back_affine(back_relu(d)[0])
    else:
        out, back = gate({"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}[kind], inputs[0])
    return out, (tuple(back(dout)) if dout is not None else ())


def check_layer(forward: Callable[..., Any], backward: Callable[..., Any], kind: str, *, seed: int = 0,
                timeout: float | None = DEFAULT_TIMEOUT) -> Verdict:
    """Run a learner's forward and backward pair against the layer of that kind, and name the mistake if any.

    Parameters
    ----------
    forward : callable
        ``out, cache = forward(*inputs)``: ``forward(x, w, b)`` for the affine
        kinds, ``forward(x)`` for the elementwise ones.
    backward : callable
        ``backward(dout, cache)``: one gradient (``dx``), or a tuple of them in the
        inputs' order (``dx, dw, db``), each shaped like its input.
    kind : str
        ``"affine"`` (x of any number of dimensions, reshaped to rows), ``"relu"``,
        ``"affine_relu"``, ``"sigmoid"`` or ``"tanh"``.
    seed : int
        Seed of the inputs and upstream gradients.
    timeout : float or None
        The time the learner's functions may take in all, in seconds; as for `check`.

    Returns
    -------
    Verdict
        ``ok``, or the mistake (`LAYER_MISTAKES`) with its numbers.

    Raises
    ------
    ValueError
        For an unknown ``kind``.

    Examples
    --------
    >>> def relu_forward(x):
    ...     return np.maximum(0, x), x
    >>> def relu_backward(dout, cache):
    ...     return dout * (cache > 0)
    >>> check_layer(relu_forward, relu_backward, "relu").ok
    True
    >>> def relu_backward_in_place(dout, cache):
    ...     dout[cache <= 0] = 0
    ...     return dout
    >>> check_layer(relu_forward, relu_backward_in_place, "relu").mistake
    'mutates-upstream'
    """
    if kind not in KINDS:
        raise ValueError(f"check_layer: kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}")
    spec = KINDS[kind]
    names = spec.names
    fw = str(getattr(forward, "__name__", "forward"))
    bw = str(getattr(backward, "__name__", "backward"))
    subject = f"{fw}/{bw}" if fw != bw else fw
    run = Runner(timeout)
    rng = np.random.default_rng(seed)
    rounds: list[Round] = []
    for shapes in spec.shapes:
        first, second = draw_inputs(shapes, rng, "away"), draw_inputs(shapes, rng, "away")
        out_shape = np.shape(_reference(kind, first, None)[0])
        dout_a, dout_b = draw_dout(out_shape, rng), draw_dout(out_shape, rng)
        given_a, given_b = tuple(np.copy(x) for x in first), tuple(np.copy(x) for x in second)
        seen_a, seen_b = np.copy(dout_a), np.copy(dout_b)
        call = f"{fw}({', '.join(names)})"
        results: list[Any] = []
        for given in (given_a, given_b):
            result, crash = run(call, forward, *given)
            if crash is not None:
                return crash_verdict(crash, subject, spec.rule)
            if not (isinstance(result, (tuple, list)) and len(result) == 2):
                return TABLE["wrong-count"].verdict(Finding(
                    subject, code=fw, detail=("`(out, cache)`: the output, and what backward needs",
                                              describe(result)),
                    rule="end forward with `return out, cache`; backward gets that cache back."))
            results.append(result)
        grads: dict[str, Any] = {}
        for label, dout, (_, cache) in (("B", seen_b, results[1]), ("A", seen_a, results[0])):
            got, crash = run(f"{bw}(dout, cache)", backward, dout, cache)
            if crash is not None:
                return crash_verdict(crash, subject, spec.rule)
            grads[label] = got
        try:
            found = _structure(subject, fw, bw, names, (given_a, given_b), (first, second),
                               ((seen_a, dout_a), (seen_b, dout_b)), grads)
            if found is not None:
                return found
            for label, inputs, other, dout, (out, _) in (("A", first, second, dout_a, results[0]),
                                                         ("B", second, first, dout_b, results[1])):
                rounds.append(_round(kind, names, inputs, other, dout, out, _tuple(grads[label]),
                                     first=label == "A"))
        except Exception as error:  # what the learner's layer returned defeated a comparison
            return unreadable(subject, error)
    verdict = judge(subject, bw, rounds, FINGERPRINTS)
    if verdict is not None:
        return verdict
    tried = "; ".join(describe_shapes(s) for s in spec.shapes)
    return Verdict(True, None, (
        f"`{subject}` computes the {kind} layer's output and gradients for inputs {tried}, each forward's "
        "cache kept apart from the other's, and dout left unchanged."), subject)


def _tuple(grads: Any) -> tuple[Any, ...]:
    return tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)


def _structure(subject: str, fw: str, bw: str, names: tuple[str, ...], given: tuple[tuple[Any, ...], ...],
               originals: tuple[tuple[Any, ...], ...], douts: tuple[tuple[Any, Any], ...],
               grads: dict[str, Any]) -> Verdict | None:
    """Inputs and dout left alone, one gradient per input."""
    for mine_set, theirs_set in zip(given, originals, strict=True):
        for name, mine, theirs in zip(names, mine_set, theirs_set, strict=True):
            if np.shape(mine) != np.shape(theirs) or not np.array_equal(mine, theirs):
                return TABLE["wrong"].verdict(Finding(subject, detail=(
                    f"`{subject}` changed its input {name} in place: its values after forward and backward "
                    "are not the ones it was given."),
                    rule="compute new arrays; the inputs belong to the caller, and other layers use them."))
    for seen, dout in douts:
        if np.shape(seen) != np.shape(dout) or not np.array_equal(seen, dout):
            idx = np.unravel_index(int(np.argmax(np.abs(np.asarray(seen, float) - dout))), dout.shape)
            at = "dout[" + ", ".join(map(str, idx)) + "]"
            return TABLE["mutates-upstream"].verdict(Finding(
                subject, code=bw, at=at, detail=(fmt(dout[idx]), fmt(np.asarray(seen)[idx]))))
    for got in grads.values():
        if len(_tuple(got)) != len(names) or (len(names) > 1 and not isinstance(got, (tuple, list))):
            want = "(" + ", ".join(f"d{n}" for n in names) + ")"
            return TABLE["wrong-count"].verdict(Finding(
                subject, code=bw, detail=(f"one gradient per input, {want}" if len(names) > 1 else
                                          "dx, the gradient of the layer's one input", describe(got)),
                rule=f"end backward with `return {want[1:-1]}`."))
    return None


def _round(kind: str, names: tuple[str, ...], inputs: tuple[Any, ...], other: tuple[Any, ...], dout: Any,
           out: Any, grads: tuple[Any, ...], *, first: bool) -> Round:
    """One forward and its backward, with each mistake's fingerprint on every gradient."""
    spec = KINDS[kind]
    right_out, right = _reference(kind, inputs, dout)
    _, local = _reference(kind, inputs, np.ones(np.shape(dout)))
    _, stale = _reference(kind, other, dout)
    quantities = [Quantity("output", "out", as_numbers(out), right_out, article="the", rule=spec.rule,
                           elementwise={"x": inputs[0]} if spec.elementwise else {})]
    for i, name in enumerate(names):
        variants: dict[str, list[tuple[Any, Any]]] = {
            "ignores-upstream": [(None, local[i])],
            "swapped-inputs": [(names[j], right[j]) for j in range(len(names))
                               if j != i and np.shape(right[j]) == np.shape(right[i])],
        }
        if first:  # backward got the first forward's cache, after a second forward
            variants["stale-cache"] = [("cache", stale[i])]
        quantities.append(Quantity(f"d{name}", f"d{name}", as_numbers(grads[i]), right[i], variable=name,
                                   variants=variants, rule=spec.rule,
                                   elementwise={"x": inputs[0], "dout": dout} if spec.elementwise else {}))
    where = "For " + ", ".join(f"{n} of shape {np.shape(v)}" for n, v in zip(names, inputs, strict=True)) \
        + f" and dout of shape {np.shape(dout)}"
    return Round(where, quantities)
