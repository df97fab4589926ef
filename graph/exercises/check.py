"""`check`: run a learner's gate against a correct one, and name the mistake if there is one.

How it works. One instance of the learner's gate runs on several trials (one per
shape set: scalars, arrays, each way broadcasting can stretch an input, or the
shapes given). Each trial is two rounds on that same instance, ``forward(A)``,
``backward(dA)``, then ``forward(B)``, ``backward(dB)``, so that a gate that
keeps values from an earlier run shows it. The learner gets copies of the
inputs and of ``dout``, and the checker looks at them afterwards: a gate that
changed ``dout`` in place is caught. The right answers come from fresh copies
of the reference gate.

Naming the mistake. The first round where something is off decides. An error is
``not-implemented`` or ``crashed``; a tuple of the wrong length ``wrong-count``;
a gradient of the wrong shape ``wrong-shape`` (or ``transposed``, if its
transpose is right). Wrong values are compared with transformed versions of the
right answer, each the fingerprint of one mistake: the gradient for ``dout = 1``
(``ignores-upstream``), the other input's gradient (``swapped-inputs``), minus
the right one (``wrong-sign``), its transpose (``transposed``), the gradient at
the previous forward's inputs, or the previous gradient, or the sum of both
(``stale-cache``), a constant multiple (``wrong-scale``). Where several
fingerprints fit one round (for scalars, any wrong number is a multiple of the
right one), the later rounds decide: a constant factor must be the same in both
rounds of a trial (so ``1/dout`` is no constant factor), and each later round
that is wrong too keeps only the fingerprints that fit it as well. What fits
nothing is ``wrong``. The values were drawn so that different mistakes give
different numbers (`graph.exercises.trials`). The fingerprints, the messages
and the hints are rows of the table every checker shares
(`graph.exercises.mistakes`); this module runs the gates and gathers the
evidence.

The reference is run as it was when the checker was imported
(`graph.exercises.pristine`): patching a gate later changes no verdict.
"""

from __future__ import annotations

import copy
import inspect
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from gates import Gate
from gates.base import shape_of

from .compare import close, element, fmt, numeric_problem, rule_of, summed_back, worst
from .global_nodes import node_problem
from .learner import DEFAULT_TIMEOUT, Crash, Runner, crash_verdict, method, unreadable
from .mistakes import TABLE, Evidence, Finding, meanings, named, narrow, rank, recognise
from .pristine import pristine, pristine_class
from .trials import ShapeSet, describe_shapes, draw_dout, draw_inputs, shape_sets
from .verdict import Verdict

__all__ = ["MISTAKES", "check"]

#: The mistakes whose numbers give them away in a gate, from the table (`graph.exercises.mistakes`).
FINGERPRINTS = ("stale-cache", "ignores-upstream", "swapped-inputs", "wrong-sign", "transposed",
                "wrong-scale")

#: Every mistake `check` names, with what it means.
MISTAKES: dict[str, str] = meanings(
    (*FINGERPRINTS, "not-implemented", "crashed", "timeout", "wrong-count", "wrong-shape", "mutates-upstream",
     "wrong"))

OUT = -1  # the quantity "forward's output"; gradients are 0, 1, ...


def check(gate: Gate | type[Gate], reference: Gate | type[Gate], *, shapes: Any = None,
          seed: int = 0, timeout: float | None = DEFAULT_TIMEOUT) -> Verdict:
    """Run a learner's gate against a correct one; return a `Verdict` that names the mistake, if any.

    Parameters
    ----------
    gate : Gate subclass or instance
        The learner's gate. A class is instantiated once, without arguments; one
        instance serves every forward and backward of the check.
    reference : Gate subclass or instance
        A correct gate with the same inputs (``gates.Multiply``, ``gates.Scale(-1)``).
    shapes : sequence, optional
        The shapes of the inputs: one per input, ``[(3, 4), (4,)]``, or a list of
        such sets, each tried in turn; `Labels` ``(C)`` stands for integer labels.
        By default: scalars, ``(3, 4)`` arrays, and for two inputs, broadcasting
        ``(3, 4)`` with ``(4,)``, ``(2, 1)`` with ``(1, 3)`` and ``()`` with ``(2, 3)``,
        as far as the reference accepts them.
    seed : int
        Seed of the random inputs and upstream gradients.
    timeout : float or None
        The time the learner's gate may take, in all, in seconds (``None``: no
        limit). Past it the gate is stopped and the verdict is ``timeout``, naming
        the line it was on. The limit uses ``SIGALRM``, so it works in the main
        thread on POSIX systems (Linux, macOS); elsewhere (Windows, another thread)
        it is off.

    Returns
    -------
    Verdict
        ``ok``, or the mistake (an id of `MISTAKES`) with the numbers of the worst
        element and a hint. It displays as a green or red box in Jupyter.

    Raises
    ------
    TypeError
        Only for a problem of the check itself: a reference class that needs
        constructor arguments, shapes that the reference refuses. Whatever the
        learner's gate does is a verdict: it never raises.

    Examples
    --------
    >>> from gates import Multiply
    >>> class MyMultiply(Multiply):
    ...     def backward(self, dout):
    ...         return self.x * dout, self.y * dout     # not switched
    >>> verdict = check(MyMultiply, Multiply)
    >>> verdict.ok, verdict.mistake
    (False, 'swapped-inputs')
    >>> check(Multiply, Multiply).ok
    True
    """
    ref = _reference(reference)
    subject = str(getattr(gate, "__name__", type(gate).__name__)) if isinstance(gate, type) \
        else type(gate).__name__
    sets, default = shape_sets(shapes, _arity(ref))
    names = _input_names(gate, ref, len(sets[0]))
    rounds = _rounds(ref, sets, np.random.default_rng(seed), default)
    run = Runner(timeout)
    if isinstance(gate, type):
        learner, crash = run(f"{subject}()", gate)
        if crash is not None:
            hint = ("pass an instance if your gate needs arguments: `check(MyScale(-1), Scale(-1))`."
                    if isinstance(crash.error, TypeError) else "")
            return crash_verdict(crash, subject, hint)
    else:
        learner = gate
    runs = []
    for rnd in rounds:
        seen = _run(run, learner, subject, names, rnd)
        runs.append((rnd, seen))
        if seen.crash is not None:
            break
    try:
        return _Diagnosis(subject, ref, names, runs, learner).verdict()
    except Exception as error:  # something the learner returned that no comparison foresaw
        return unreadable(subject, error)


# --- the reference side: trials, rounds and the right answers ----------------------------------------

@dataclass
class _Round:
    """One forward and backward of a trial, with the right answers and each mistake's fingerprint."""

    trial: int
    shapes: ShapeSet
    inputs: tuple[Any, ...]
    dout: Any
    out: Any
    grads: tuple[Any, ...]
    local: tuple[Any, ...]             # the gradients for dout = 1: the local gradients
    swapped_out: Any = None            # forward with the two inputs swapped, when the reference takes them
    earlier: _Round | None = None      # the round before, on the same instance with the same shapes
    stale: tuple[Any, ...] = ()        # the gradients at the earlier round's inputs, for this dout
    sibling: _Round | None = field(default=None, repr=False)


def _reference(reference: Gate | type[Gate]) -> Gate:
    """The reference gate, as it was when the checker was imported if it is a built-in one."""
    if not isinstance(reference, type):
        return pristine(reference)
    try:
        return pristine_class(reference)()
    except TypeError as exc:
        raise TypeError(f"check: the reference {reference.__name__} needs arguments ({exc}); "
                        f"pass an instance, such as {reference.__name__}(-1)") from None


def _arity(gate: Gate) -> int | None:
    params = list(inspect.signature(gate.forward).parameters.values())
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(p.kind in positional and p.default is p.empty for p in params)


def _input_names(gate: Gate | type[Gate], ref: Gate, n: int) -> tuple[str, ...]:
    """The inputs' names as the learner's forward calls them (``W``, ``x``), else as the reference does."""
    for candidate in (gate, ref):
        try:
            forward = candidate.forward if isinstance(candidate, type) else type(candidate).forward
            params = list(inspect.signature(forward).parameters.values())[1:]
        except Exception:  # a learner's class whose forward is no function: its own names are unknown
            continue
        names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(names) == n and not any(p.kind is p.VAR_POSITIONAL for p in params):
            return tuple(names)
    return tuple(f"x{i}" for i in range(n))


def _reference_run(ref: Gate, inputs: tuple[Any, ...], dout: Any = None) -> tuple[Any, tuple[Any, ...]]:
    """The reference's output and, for ``dout``, its gradients: on a fresh copy, quietly."""
    gate = copy.deepcopy(ref)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = gate.forward(*inputs)
        grads = tuple(gate.backward(dout)) if dout is not None else ()
    return out, grads


def _finite(*values: Any) -> bool:
    return all(v is None or np.all(np.isfinite(np.asarray(v, dtype=np.float64))) for v in values)


def _ones(shape: tuple[int, ...]) -> Any:
    return 1.0 if shape == () else np.ones(shape)


def _make_round(ref: Gate, trial: int, shapes: ShapeSet, rng: np.random.Generator, domain: str,
                earlier: _Round | None) -> _Round:
    inputs = draw_inputs(shapes, rng, domain)
    out, _ = _reference_run(ref, inputs)
    dout = draw_dout(shape_of(out), rng)
    _, grads = _reference_run(ref, inputs, dout)
    _, local = _reference_run(ref, inputs, _ones(shape_of(out)))
    if not _finite(out, *grads):
        raise FloatingPointError(f"not finite for inputs of domain {domain!r}")
    rnd = _Round(trial, shapes, inputs, dout, out, grads, local, earlier=earlier)
    if len(inputs) == 2:
        try:
            swapped, _ = _reference_run(ref, inputs[::-1])
            rnd.swapped_out = swapped if _finite(swapped) else None
        except Exception:  # the reference refuses the inputs swapped (a matrix product): no fingerprint
            rnd.swapped_out = None
    if earlier is not None:
        _, rnd.stale = _reference_run(ref, earlier.inputs, dout)
        earlier.sibling, rnd.sibling = rnd, earlier
    return rnd


def _rounds(ref: Gate, sets: list[ShapeSet], rng: np.random.Generator, default: bool) -> list[_Round]:
    """Two rounds per shape set, in a domain the reference takes (signed, else positive values)."""
    rounds: list[_Round] = []
    refused: list[str] = []
    for trial, shapes in enumerate(sets):
        for domain in ("away", "positive"):
            state = rng.bit_generator.state
            try:
                first = _make_round(ref, trial, shapes, rng, domain, None)
                rounds += [first, _make_round(ref, trial, shapes, rng, domain, first)]
                break
            except Exception as exc:
                rng.bit_generator.state = state
                reason = exc
        else:
            if not default:
                raise TypeError(f"check: the reference {type(ref).__name__} refuses inputs of shapes "
                                f"{describe_shapes(shapes)}: {reason}") from None
            refused.append(describe_shapes(shapes))
    if not rounds:
        raise TypeError(f"check: the reference {type(ref).__name__} takes none of the default shapes "
                        f"({'; '.join(refused)}); give the shapes of its inputs: shapes=[(3, 4), (4, 2)]")
    return rounds


# --- the learner's side ------------------------------------------------------------------------------

@dataclass
class _Seen:
    """What the learner's gate did in one round."""

    out: Any = None
    grads: Any = None
    crash: Crash | None = None
    dout_after: Any = None                   # the learner's copy of dout, after backward
    changed_input: int | None = None         # an input the learner's gate changed in place


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


def _run(run: Runner, learner: Gate, subject: str, names: tuple[str, ...], rnd: _Round) -> _Seen:
    inputs = tuple(_copy(x) for x in rnd.inputs)
    dout = _copy(rnd.dout)
    seen = _Seen()
    seen.out, seen.crash = run(f"{subject}.forward({', '.join(names)})", method(learner, "forward"), *inputs)
    if seen.crash is None:
        seen.grads, seen.crash = run(f"{subject}.backward(dout)", method(learner, "backward"), dout)
    seen.dout_after = dout
    for i, (mine, theirs) in enumerate(zip(rnd.inputs, inputs, strict=True)):
        if isinstance(theirs, np.ndarray) and not np.array_equal(mine, theirs):
            seen.changed_input = i
            break
    return seen


# --- naming the mistake ------------------------------------------------------------------------------

class _Diagnosis:
    """The verdict on a learner's runs: the first round that is off decides, the later ones refine."""

    def __init__(self, subject: str, ref: Gate, names: tuple[str, ...], runs: list[tuple[_Round, _Seen]],
                 learner: Gate) -> None:
        self.subject, self.ref, self.names, self.runs, self.learner = subject, ref, names, runs, learner
        self.rule = rule_of(ref)

    def verdict(self) -> Verdict:
        for rnd, seen in self.runs:  # a changed dout comes first: it explains wrong numbers anywhere
            if isinstance(rnd.dout, np.ndarray) and not _equal(seen.dout_after, rnd.dout):
                return self._mutated(rnd, seen)
        for k, (rnd, seen) in enumerate(self.runs):
            if seen.crash is not None:
                method = "backward" if ".backward(" in seen.crash.call else "forward"
                nodes = (node_problem(self.learner, method, crash=seen.crash)
                         if not seen.crash.not_implemented and not seen.crash.timed_out else None)
                if nodes is not None:  # it crashed on a notebook's graph node it read by mistake
                    return self._say("wrong", *nodes)
                return crash_verdict(seen.crash, self.subject, self._crash_hint(seen.crash))
            found = self._structure(k)
            if found is not None:
                return found
            wrong = self._wrong_quantities(rnd, seen)
            if wrong:
                return self._values(k, wrong)
        return self._passed()

    # what is checked before values: inputs left alone, one gradient per input, types and shapes

    def _structure(self, k: int) -> Verdict | None:
        rnd, seen = self.runs[k]
        if seen.changed_input is not None:
            name = self.names[seen.changed_input]
            return self._say("wrong", f"`{self.subject}` changed its input {name} in place (its values after "
                             "forward and backward are not the ones it was given). A gate must leave its "
                             "inputs as they are: other gates use them too.",
                             "Compute new arrays (`z = x * y`); never assign into an input (`x *= ...`).")
        node = node_problem(self.learner, "forward", value=seen.out, what="the output")
        if node is not None:
            return self._say("wrong", *node)
        problem = numeric_problem(seen.out, "the output")
        if problem is not None:
            tip = " Did you forget to `return` it?" if seen.out is None else ""
            return self._say("wrong", f"`{self.subject}.forward` returned no usable value: {problem}.{tip}",
                             "forward computes the gate's output and returns it.")
        if shape_of(seen.out) != shape_of(rnd.out):
            return self._shape(k, seen.out, rnd.out, OUT)
        n = len(self.names)
        grads = seen.grads
        if not isinstance(grads, (tuple, list)) or len(grads) != n:
            return self._count(grads)
        for i, (got, right) in enumerate(zip(grads, rnd.grads, strict=True)):
            if right is None:  # an input without a gradient (labels): whatever the learner says
                continue
            node = node_problem(self.learner, "backward", value=got, what=f"d{self.names[i]}")
            if node is not None:
                return self._say("wrong", *node)
            problem = numeric_problem(got, f"d{self.names[i]}")
            if problem is not None:
                return self._say("wrong", f"`{self.subject}.backward` returned no usable gradient for "
                                 f"{self.names[i]}: {problem}. Only an input without a gradient (class "
                                 "labels) gets None.", self._rule_hint())
            if shape_of(got) != shape_of(right):
                return self._shape(k, got, right, i)
        return None

    def _wrong_quantities(self, rnd: _Round, seen: _Seen) -> list[int]:
        if not close(seen.out, rnd.out):
            return [OUT]
        return [i for i, right in enumerate(rnd.grads)
                if right is not None and not close(seen.grads[i], right)]

    # wrong values: the evidence for the table's recognisers

    def _evidence(self, rnd: _Round, seen: _Seen, q: int) -> Evidence | None:
        """What quantity ``q`` (output or a gradient) is in ``rnd``, and what each mistake would make it."""
        got, right = (seen.out, rnd.out) if q == OUT else (seen.grads[q], rnd.grads[q])
        if numeric_problem(got, "") is not None or shape_of(got) != shape_of(right):
            return None
        variants: dict[str, list[tuple[Any, Any]]] = {}
        before = rnd.earlier
        if before is not None:
            stale = ([("output", before.out)] if q == OUT else
                     [("inputs", rnd.stale[q]), ("gradient", before.grads[q]),
                      ("sum", np.add(before.grads[q], right))])
            variants["stale-cache"] = stale
        if q == OUT:
            variants["swapped-inputs"] = [(", ".join(reversed(self.names)), rnd.swapped_out)]
        else:
            variants["ignores-upstream"] = [(None, rnd.local[q])]
            variants["swapped-inputs"] = [(self.names[j], other) for j, other in enumerate(rnd.grads)
                                          if j != q and other is not None]
        return Evidence(got, right, variants)

    def _fits(self, k: int, q: int) -> dict[str, Any]:
        """The fingerprints of quantity ``q`` in run ``k``; ``{}`` where it is right or unusable."""
        rnd, seen = self.runs[k]
        if seen.crash is not None or self._structure(k) is not None:
            return {}
        if q not in self._wrong_quantities(rnd, seen):
            return {}
        evidence = self._evidence(rnd, seen, q)
        return {} if evidence is None else self._confirmed(k, q, recognise(evidence, FINGERPRINTS))

    def _confirmed(self, k: int, q: int, fits: dict[str, Any]) -> dict[str, Any]:
        """``fits`` less a constant factor that the other round of the same trial does not show too."""
        if "wrong-scale" not in fits:
            return fits
        rnd = self.runs[k][0]
        sibling = next((j for j, (r, _) in enumerate(self.runs) if r is rnd.sibling), None)
        other = None
        if sibling is not None:
            srnd, sseen = self.runs[sibling]
            if (sseen.crash is None and self._structure(sibling) is None
                    and q in self._wrong_quantities(srnd, sseen)):
                evidence = self._evidence(srnd, sseen, q)
                other = recognise(evidence, ("wrong-scale",)).get("wrong-scale") if evidence else None
        if other is None or abs(other - fits["wrong-scale"]) > 1e-6 * abs(other):
            fits = {m: d for m, d in fits.items() if m != "wrong-scale"}
        return fits

    def _values(self, k: int, wrong: list[int]) -> Verdict:
        options = {q: self._fits(k, q) for q in wrong}
        q = min(wrong, key=lambda q: rank(options[q]))
        fits = narrow(options[q], (self._fits(later, q) for later in range(k + 1, len(self.runs))))
        mistake = named(fits)
        return self._explain(k, q, mistake, fits.get(mistake), [w for w in wrong if w != q])

    # the facts the table's messages are written from

    def _say(self, mistake: str, text: str, hint: str = "") -> Verdict:
        return TABLE[mistake].verdict(Finding(self.subject, detail=text, rule=hint))

    def _rule_hint(self) -> str:
        return f"the rule of {type(self.ref).__name__}: {self.rule}" if self.rule else ""

    def _context(self, rnd: _Round, index: tuple[int, ...], shape: tuple[int, ...], dout: bool = True) -> str:
        """The inputs (and dout) at ``index``, element by element where that means something, else shapes."""
        values = list(zip(self.names, rnd.inputs, strict=True)) + ([("dout", rnd.dout)] if dout else [])
        if shape != () and all(shape_of(v) in ((), shape) for _, v in values) and self._elementwise(rnd):
            where = "[" + ", ".join(map(str, index)) + "]"
            parts = [f"{name}{where if shape_of(v) else ''} = {fmt(element(v, index if shape_of(v) else ()))}"
                     for name, v in values]
        else:
            parts = [f"{name} = {fmt(v)}" if shape_of(v) == () else f"{name} of shape {shape_of(v)}"
                     for name, v in values]
        return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]

    def _elementwise(self, rnd: _Round) -> bool:
        """Whether the reference works element by element: one input element moves one output element."""
        nudged = [np.array(x, dtype=np.float64) for x in rnd.inputs]
        for x in nudged:
            if x.ndim:
                x.flat[0] += 0.125
        try:
            out, _ = _reference_run(self.ref, tuple(nudged))
        except Exception:
            return False
        moved = np.asarray(out) != np.asarray(rnd.out)
        return bool(np.shape(moved) == np.shape(rnd.out) and moved.flat[0] and moved.sum() == 1)

    def _quantity(self, q: int) -> str:
        return "the output" if q == OUT else f"d{self.names[q]}"

    def _noun(self, q: int) -> tuple[str, str]:
        """(what, article) of quantity ``q`` for the table's messages: ("output", "the") or ("dx", "")."""
        return ("output", "the") if q == OUT else (f"d{self.names[q]}", "")

    def _explain(self, k: int, q: int, mistake: str, detail: Any, others: list[int]) -> Verdict:
        rnd, seen = self.runs[k]
        got, right = (seen.out, rnd.out) if q == OUT else (seen.grads[q], rnd.grads[q])
        idx = worst(got, right)
        label = "output" if q == OUT else self._quantity(q)  # "your output = 3", "your dx[1, 2] = 3"
        also = (" Also wrong: " + ", ".join(self._quantity(o) for o in others) + ".") if others else ""
        what, article = self._noun(q)
        return TABLE[mistake].verdict(Finding(
            self.subject, code=f"{self.subject}.{'forward' if q == OUT else 'backward'}",
            what=what, article=article, variable="" if q == OUT else self.names[q],
            at=f"{label}[{', '.join(map(str, idx))}]" if idx else label, index=idx,
            mine=fmt(element(got, idx)), right=fmt(element(right, idx)),
            where=f"For {self._context(rnd, idx, shape_of(right), dout=q != OUT)}",
            runs=self._runs(rnd, q) if rnd.earlier is not None else "",
            also=also, rule=self._rule_hint(), detail=detail))

    def _runs(self, rnd: _Round, q: int) -> str:
        """How the instance ran, for a stale cache: "This instance ran forward and backward for ...: "."""
        before = rnd.earlier
        assert before is not None
        shape = shape_of(rnd.out if q == OUT else rnd.grads[q])
        first = (self._context(before, (), shape, dout=q != OUT) if shape == ()
                 else describe_shapes(rnd.shapes))
        second = self._context(rnd, (), shape, dout=q != OUT) if shape == () else "new ones"
        return f"This instance ran forward and backward for {first}, then again for {second}: "

    def _shape(self, k: int, got: Any, right: Any, q: int) -> Verdict:
        rnd, _ = self.runs[k]
        got_shape, right_shape = shape_of(got), shape_of(right)
        inputs = describe_shapes(rnd.shapes)
        finding = Finding(self.subject, code=f"{self.subject}.{'forward' if q == OUT else 'backward'}",
                          what="output" if q == OUT else f"d{self.names[q]}",
                          article="an" if q == OUT else "",
                          variable="" if q == OUT else self.names[q],
                          detail=(got_shape, right_shape, f" (inputs {inputs})" if q != OUT
                                  else f" for inputs {inputs}"))
        if np.ndim(got) == 2 and close(np.transpose(got), right):
            return TABLE["transposed"].verdict(finding)
        summed = summed_back(got, right_shape) if q != OUT else None
        broadcast = summed is not None and close(summed, right)
        earlier = None if broadcast else self._earlier_shape(k, q, got)
        if earlier is not None:
            return TABLE["stale-cache"].verdict(replace(finding, article="the" if q == OUT else "",
                                                        detail=(got_shape, earlier, right_shape)))
        hint = ""
        note = ""
        if q != OUT:
            if broadcast:
                note = (f"Its numbers are those of the broadcast value: summed back to shape {right_shape} "
                        f"they would be the right d{self.names[q]}.")
            hint = ("Where forward broadcast an input (numpy copied it along an axis), its gradient is the "
                    "sum over the copies (copy adds): `unbroadcast(grad, shape)` sums it back.")
        return TABLE["wrong-shape"].verdict(replace(finding, note=note, rule=hint))

    def _earlier_shape(self, k: int, q: int, got: Any) -> str | None:
        """The inputs of an earlier trial at which the right quantity ``q`` is ``got``, if there is one.

        A gate that keeps values from its first forward only returns, later, what
        those values give, often with their shapes: the output of an earlier
        forward, or the gradient at earlier inputs for this ``dout``.
        """
        rnd = self.runs[k][0]
        for earlier, _ in self.runs[:k]:
            if earlier.trial == rnd.trial:
                continue
            try:
                value = earlier.out if q == OUT else _reference_run(self.ref, earlier.inputs, rnd.dout)[1][q]
            except Exception:  # the reference refuses that mix of shapes: no fingerprint
                continue
            if value is not None and close(got, value):
                return describe_shapes(earlier.shapes)
        return None

    def _count(self, grads: Any) -> Verdict:
        n = len(self.names)
        want = "(" + ", ".join(f"d{x}" for x in self.names) + ("," if n == 1 else "") + ")"
        if grads is None:
            got = "None (did you forget to `return`?)"
        elif isinstance(grads, (tuple, list)):
            got = f"a {type(grads).__name__} of {len(grads)}"
        else:
            shape = f" of shape {shape_of(grads)}" if isinstance(grads, np.ndarray) else ""
            got = f"a {type(grads).__name__}{shape}, not a tuple"
        return TABLE["wrong-count"].verdict(Finding(
            self.subject, code=f"{self.subject}.backward", detail=(f"one gradient per input, {want}", got),
            rule=(f"even a gate with one input returns a tuple: `return {want}`." if n == 1 else
                  "backward returns a tuple of the inputs' gradients, in the order of forward's.")))

    def _mutated(self, rnd: _Round, seen: _Seen) -> Verdict:
        after = seen.dout_after
        if shape_of(after) == shape_of(rnd.dout):
            idx = worst(after, rnd.dout)
            now = fmt(element(after, idx))
        else:
            idx, now = (), f"an array of shape {shape_of(after)}"
        at = "dout[" + ", ".join(map(str, idx)) + "]" if idx else "dout"
        return TABLE["mutates-upstream"].verdict(Finding(
            self.subject, code=f"{self.subject}.backward", at=at,
            detail=(fmt(element(rnd.dout, idx)) if idx else fmt(rnd.dout), now)))

    def _crash_hint(self, crash: Crash) -> str:
        error = crash.error
        if not isinstance(error, AttributeError):
            return self._rule_hint()
        if isinstance(getattr(error, "obj", None), Gate):
            return (f"backward can only use what forward kept: store it on self in forward "
                    f"(`self.{error.name} = ...`), the lecture's \"must keep these around\".")
        if isinstance(getattr(error, "obj", None), float):
            return ("a scalar input is a Python float, as on the lecture's slides: `np.shape(x)`, "
                    "`np.exp(x)` and the like work for numbers and arrays alike.")
        return self._rule_hint()

    def _passed(self) -> Verdict:
        trials: dict[int, ShapeSet] = {}
        for rnd, _ in self.runs:
            trials.setdefault(rnd.trial, rnd.shapes)
        tried = "; ".join(describe_shapes(s) for s in trials.values())
        return Verdict(True, None, (
            f"`{self.subject}` agrees with {type(self.ref).__name__}: the same outputs and gradients in "
            f"{len(self.runs)} runs of one instance (inputs: {tried}), and dout left unchanged."),
            self.subject)



def _equal(a: Any, b: Any) -> bool:
    """Whether the learner's ``a`` is still the array ``b``: same shape, same numbers."""
    return isinstance(a, np.ndarray) and a.shape == np.shape(b) and bool(np.array_equal(a, b))
