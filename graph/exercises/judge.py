"""Judging course-shaped code: rounds of quantities, each the learner's and the right one, and one verdict.

The checkers of a loss, a layer and an update rule run the learner's function
several times (a `Round` each: one problem, one call or pair of calls) and
compare what came back with their own reference, quantity by quantity (a
`Quantity`: the loss, ``dW``, ``dx``, the step ``next_w − w``). Each quantity
carries the values the mistakes of the table would have given it (its
variants). `judge` then names one mistake:

1. the first round where something is off decides, and within it the first
   quantity whose shape or type is wrong (``wrong-shape``, or ``transposed``
   when the transpose fits), else the wrong quantity whose mistake is the most
   specific in the table (`graph.exercises.mistakes`);
2. the later rounds where that quantity is wrong too narrow the candidates,
   as `graph.exercises.check` does for gates;
3. the row of the mistake writes the message from the worst element.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from gates.base import shape_of

from .compare import Tolerance, close, element, fmt, numeric_problem, summed_back, tolerance, worst
from .learner import unreadable
from .mistakes import TABLE, Evidence, Finding, named, narrow, rank, recognise
from .verdict import Verdict

__all__ = ["Quantity", "Round", "judge"]


@dataclass
class Quantity:
    """One thing the learner's code computed in a round, and what it should be.

    Attributes
    ----------
    what : str
        Its name in a message, after "your": ``"dW"``, ``"loss"``, ``"step"``.
    label : str
        How one element is written: ``"dW"`` gives ``dW[1, 2]``; ``"loss"`` gives ``loss``.
    got, right
        The learner's value and the right one.
    variable : str
        For a gradient, its variable (``"W"``); empty otherwise.
    variants : dict of str to list of (detail, value)
        What each mistake of the table would have made it (`mistakes.Evidence`).
    rule : str
        The hint for this quantity: its formula.
    elementwise : dict of str to value, optional
        Values to quote at the worst element, by name (``{"x": x, "dout": dout}``),
        where the quantity is computed element by element.
    article : str
        ``"the"`` for a quantity that takes it (``the loss``); empty for ``dW``.
    """

    what: str
    label: str
    got: Any
    right: Any
    variable: str = ""
    variants: dict[str, list[tuple[Any, Any]]] = field(default_factory=dict)
    rule: str = ""
    elementwise: dict[str, Any] = field(default_factory=dict)
    article: str = ""


@dataclass
class Round:
    """One run of the learner's code on one problem: what it was given, and what it computed.

    Attributes
    ----------
    where : str
        What the code was given, to start a sentence: ``"For W of shape (4, 3), ..."``.
    quantities : list of Quantity
        In the order they are judged.
    tags : frozenset of str
        ``"large"`` for scores far from 0.
    note : str
        A sentence added to a verdict on this round (what numpy warned, say).
    """

    where: str
    quantities: list[Quantity]
    tags: frozenset[str] = frozenset()
    note: str = ""


def judge(subject: str, code: str, rounds: Sequence[Round], fingerprints: Sequence[str], *,
          reference: str = "the right") -> Verdict | None:
    """The verdict on the rounds, or ``None`` if every quantity of every round is right.

    Parameters
    ----------
    subject : str
        The learner's function, for the title.
    code : str
        The function that computed the quantities, for messages (``"svm_loss_naive"``).
    rounds : sequence of Round
    fingerprints : sequence of str
        The table's ids whose recognisers apply to these quantities.
    reference : str
        Who has the right numbers, in messages.

    Whatever the learner's values do to the comparison (an object whose
    arithmetic raises, say), this answers: `unreadable`'s ``wrong``.
    """
    try:
        return _judged(subject, code, rounds, fingerprints, reference)
    except Exception as error:  # what the learner's code returned defeated a comparison
        return unreadable(subject, error)


def _judged(subject: str, code: str, rounds: Sequence[Round], fingerprints: Sequence[str],
            reference: str) -> Verdict | None:
    tol = tolerance(*(q.got for r in rounds for q in r.quantities))
    for k, rnd in enumerate(rounds):
        for q in rnd.quantities:
            found = _structure(subject, code, rnd, q, fingerprints, tol, reference)
            if found is not None:
                return found
        wrong = [q for q in rnd.quantities if not close(q.got, q.right, tol)]
        if not wrong:
            continue
        options = [(q, _fits(rnd, q, fingerprints, tol)) for q in wrong]
        q, fits = min(options, key=lambda option: rank(option[1]))
        later = (_fits(r, same, fingerprints, tol) for r in rounds[k + 1:]
                 for same in r.quantities if same.what == q.what and not close(same.got, same.right, tol))
        fits = narrow(fits, later)
        mistake = named(fits)
        others = [o.what for o in wrong if o is not q]
        return _explain(subject, code, rnd, q, mistake, fits.get(mistake), others, reference)
    return None


def _fits(rnd: Round, q: Quantity, fingerprints: Sequence[str], tol: Tolerance) -> dict[str, Any]:
    if numeric_problem(q.got, "") is not None or shape_of(q.got) != shape_of(q.right):
        return {}
    return recognise(Evidence(q.got, q.right, q.variants, rnd.tags, tol), fingerprints)


def _finding(subject: str, code: str, rnd: Round, q: Quantity, reference: str, **more: Any) -> Finding:
    return Finding(subject, code=code, what=q.what, article=q.article, variable=q.variable, rule=q.rule,
                   reference=reference, note=rnd.note, **more)


def _structure(subject: str, code: str, rnd: Round, q: Quantity, fingerprints: Sequence[str],
               tol: Tolerance, reference: str) -> Verdict | None:
    """A quantity that is no usable number, or not shaped like the right one."""
    problem = numeric_problem(q.got, q.what)
    if problem is not None:
        if "unstable" in fingerprints and q.got is not None and _numbers(q.got):
            fits = recognise(Evidence(q.got, q.right, q.variants, rnd.tags, tol), ("unstable",))
            if fits and shape_of(q.got) == shape_of(q.right):
                return _explain(subject, code, rnd, q, "unstable", None, [], reference)
        return TABLE["wrong"].verdict(_finding(
            subject, code, rnd, q, reference,
            detail=(f"`{code}` did not return a usable value for {f'{q.article} {q.what}'.strip()}: "
                    f"{problem}. {rnd.where}.")))
    got_shape, right_shape = shape_of(q.got), shape_of(q.right)
    if got_shape == right_shape:
        return None
    detail = (got_shape, right_shape, "")
    if np.ndim(q.got) == 2 and close(np.transpose(q.got), q.right, tol):
        return TABLE["transposed"].verdict(_finding(subject, code, rnd, q, reference, detail=detail))
    note = ""
    summed = summed_back(q.got, right_shape)
    if summed is not None and close(summed, q.right, tol):
        note = (f"Its numbers are those of the broadcast value: summed over the rows it would be the right "
                f"{q.what}.")
    elif np.size(q.got) == np.size(q.right) and close(np.reshape(q.got, right_shape), q.right, tol):
        name = q.variable or "the input"
        note = (f"Its numbers are right: reshaped to {name}'s shape, `{q.what}.reshape({name}.shape)`, it "
                f"would be the right {q.what}.")
    finding = _finding(subject, code, rnd, q, reference, detail=detail)
    return TABLE["wrong-shape"].verdict(replace(finding, note=" ".join(n for n in (note, rnd.note) if n)))


def _numbers(value: Any) -> bool:
    """Whether ``value`` is a number or an array of real numbers (nan and inf included)."""
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "biuf"
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _explain(subject: str, code: str, rnd: Round, q: Quantity, mistake: str, detail: Any,
             others: list[str], reference: str) -> Verdict:
    idx = worst(q.got, q.right) if shape_of(q.got) == shape_of(q.right) and _numbers(q.got) else ()
    at = f"{q.label}[{', '.join(map(str, idx))}]" if idx else q.label
    where = rnd.where
    if q.elementwise and idx:
        index = "[" + ", ".join(map(str, idx)) + "]"
        parts = [f"{name}{index} = {fmt(element(v, idx))}" for name, v in q.elementwise.items()]
        where = "For " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0])
    also = f" Also wrong: {', '.join(others)}." if others else ""
    return TABLE[mistake].verdict(_finding(
        subject, code, rnd, q, reference, at=at, index=idx, mine=fmt(element(q.got, idx)),
        right=fmt(element(q.right, idx)), where=where, also=also, detail=detail))
