r"""The mistakes the checkers name: one row per id, with how to recognise it, what to say and the hint.

Every checker shares this table (DESIGN.md, "Mistakes are data"). A checker
runs the learner's code and the right code side by side; where a quantity
differs (a gradient, a loss, an updated weight) it gathers the `Evidence`: the
learner's value, the right one, and the value each mistake it knows of would
have given (its *variants*: the loss summed instead of averaged, the update
with the state thrown away, ...). The rows' recognisers say which mistakes fit,
in the table's order of priority, most specific first; the row of the one
named then writes the message from a `Finding` (the numbers of the worst
element, where it is, what it should be) and gives the hint.

Rows without a recogniser are named by how the code behaved rather than by
its numbers (it raised, returned the wrong number of things, changed ``dout``
in place): the checker sees those directly, and the row still writes the words.

Examples
--------
>>> import numpy as np
>>> right = np.array([1.0, -2.0])
>>> recognise(Evidence(-right, right), ("wrong-sign", "wrong-scale"))
{'wrong-sign': None}
>>> recognise(Evidence(2 * right, right, {"not-averaged": [(2, 2 * right)]}), ("wrong-scale", "not-averaged"))
{'wrong-scale': 2.0, 'not-averaged': 2}
>>> named(_)
'not-averaged'
>>> verdict = TABLE["wrong-sign"].verdict(Finding("MyNegate", code="MyNegate.backward", what="dx", at="dx",
...                                                mine="-1", right="1"))
>>> print(verdict.title)
✗ MyNegate: wrong-sign
>>> for sentence in verdict.message.split(". "):
...     print(sentence)
`MyNegate.backward` gets the sign of dx wrong: every element is minus the right one
Your dx = -1; the right dx = 1.
Hint: check the sign of the local gradient.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .compare import Tolerance, close, fmt, scale_of
from .verdict import Verdict

__all__ = ["ROWS", "TABLE", "Evidence", "Finding", "Mistake", "meanings", "named", "narrow", "rank",
           "recognise"]


# --- what a row reads -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """A learner's quantity that differs from the right one, and what each known mistake would have made it.

    Attributes
    ----------
    got, right : number or ndarray
        The learner's value and the right one, of the same shape.
    variants : mapping of str to sequence of (detail, value)
        For a mistake id, the values that mistake would give, each with a detail
        for the message (the other input, the factor, which state was lost).
    tags : frozenset of str
        What is special about this trial: ``"large"`` for scores far from 0.
    tol : (float, float) or None
        The precision to compare at (`compare.tolerance`); by default ``got``'s own.
    """

    got: Any
    right: Any
    variants: Mapping[str, Sequence[tuple[Any, Any]]] = field(default_factory=dict)
    tags: frozenset[str] = frozenset()
    tol: Tolerance | None = None

    def same(self, got: Any, value: Any) -> bool:
        """Whether ``got`` equals ``value`` at this evidence's precision."""
        return close(got, value, self.tol)


@dataclass(frozen=True)
class Finding:
    """What a message is written from; every field is text, ready to quote.

    Attributes
    ----------
    subject : str
        The learner's code as the verdict's title names it: ``"MyMultiply"``.
    code : str
        The function that computed the quantity: ``"MyMultiply.backward"``; for a
        crash, the call that raised: ``"MyMultiply.backward(dout)"``.
    what : str
        The quantity, as "your ..." names it: ``"dx"``, ``"output"``, ``"loss"``, ``"step"``.
    article : str
        The article the quantity takes elsewhere (``"the"`` for ``"the loss"``); empty for ``dx``.
    variable : str
        For a gradient, its variable (``"x"``); empty otherwise.
    at, mine, right : str
        The element quoted (``"dx[1, 2]"``), the learner's number there and the right one.
    index : tuple of int
        The index of that element, ``(1, 2)``; ``()`` for a scalar.
    where : str
        What the code was given there, as the start of a sentence: ``"For x = 1.5 and dout = 0.6"``.
    runs : str
        How the checker ran the code, where that matters (a stale cache): ``"This instance ran ...: "``.
    also : str
        Other quantities that are wrong too: ``" Also wrong: dy."``
    rule : str
        The checker's hint for this quantity: the gate's rule, the formula.
    upstream : str
        The name of the upstream gradient: ``"dout"``, ``"dh1"``.
    reference : str
        Who has the right numbers: ``"the right"`` or ``"the engine's"``.
    note : str
        A sentence the checker adds to the message.
    lead : str
        A sentence the checker puts before it: ``"dh1 differs; every gradient before it was right."``
    detail : object
        What the recogniser found (a factor, the other input), or what the checker saw.
    """

    subject: str
    code: str = ""
    what: str = ""
    article: str = ""
    variable: str = ""
    at: str = ""
    mine: str = ""
    right: str = ""
    index: tuple[int, ...] = ()
    where: str = ""
    runs: str = ""
    also: str = ""
    rule: str = ""
    upstream: str = "dout"
    reference: str = "the right"
    note: str = ""
    lead: str = ""
    detail: Any = None


@dataclass(frozen=True)
class Mistake:
    """One row of the table: a mistake id, what it means, how to recognise it, its message and hint.

    Attributes
    ----------
    id : str
    meaning : str
        One line, for the list of mistakes.
    recognise : callable or None
        ``recognise(evidence)``: ``None`` if the evidence does not fit, else a
        1-tuple holding a detail for the message. ``None`` for the mistakes a
        checker sees from how the code behaved.
    text, hint : callable
        The message and the hint, from a `Finding`.
    """

    id: str
    meaning: str
    recognise: Callable[[Evidence], tuple[Any] | None] | None
    text: Callable[[Finding], str]
    hint: Callable[[Finding], str]

    def verdict(self, finding: Finding) -> Verdict:
        """The `Verdict` naming this mistake, worded from ``finding``."""
        text = self.text(finding) + (f" {finding.note}" if finding.note else "")
        text = f"{finding.lead} {text}" if finding.lead else text
        hint = self.hint(finding)
        return Verdict(False, self.id, text + (f"\nHint: {hint}" if hint else ""), finding.subject)


# --- recognisers ------------------------------------------------------------------------------------

def _variant(mistake: str) -> Callable[[Evidence], tuple[Any] | None]:
    """Fits where the learner's value is one of the values this mistake would give."""
    def fits(ev: Evidence) -> tuple[Any] | None:
        for detail, value in ev.variants.get(mistake, ()):
            if value is not None and ev.same(ev.got, value):
                return (detail,)
        return None
    return fits


def _negated(ev: Evidence) -> tuple[Any] | None:
    return (None,) if ev.same(ev.got, np.negative(ev.right)) else None


def _transposed(ev: Evidence) -> tuple[Any] | None:
    return (None,) if np.ndim(ev.got) == 2 and ev.same(np.transpose(ev.got), ev.right) else None


def _scaled(ev: Evidence) -> tuple[Any] | None:
    c = scale_of(ev.got, ev.right, ev.tol)
    return None if c is None or abs(c) < 1e-6 or abs(abs(c) - 1) < 1e-6 else (c,)


def _not_finite(ev: Evidence) -> tuple[Any] | None:
    """Fits where, on scores far from 0, the learner's value overflowed and the right one did not."""
    got = np.asarray(ev.got, dtype=np.float64)
    return (None,) if "large" in ev.tags and not np.all(np.isfinite(got)) else None


# --- the words --------------------------------------------------------------------------------------

def _yours(f: Finding) -> str:
    return f"{f.where}, your {f.at} = {f.mine}" if f.where else f"Your {f.at} = {f.mine}"


def _theirs(f: Finding) -> str:
    return f"{f.reference} {f.at} = {f.right}"


def _the(f: Finding) -> str:
    """The quantity with its article: ``the loss``, ``dx``."""
    return f"{f.article} {f.what}".strip()


def _then(rule: str) -> str:
    """A hint's second sentence: the checker's rule, capitalised."""
    return f" {rule[0].upper()}{rule[1:]}" if rule else ""


def _one(f: Finding) -> str:
    return "the right one" if f.reference == "the right" else f.reference


def _with_rule(text: str) -> Callable[[Finding], str]:
    return lambda f: text + _then(f.rule)


def _rule_or(text: str) -> Callable[[Finding], str]:
    return lambda f: f.rule or text


def _not_implemented(f: Finding) -> str:
    function = getattr(f.detail, "function", None)
    what = f"`{function}`" if function not in (None, "<module>") else "Your code"
    return (f"{what} is not written yet: it raises NotImplementedError.\n"
            "Replace `raise NotImplementedError` with your code, then run this check again.")


def _stopped_at(f: Finding) -> str:
    where, line = getattr(f.detail, "where", None), getattr(f.detail, "line", "")
    if where is None:
        return ""
    return f" at {where}: `{line}`" if line else f" at {where}"


def _crashed(f: Finding) -> str:
    describe = f.detail.describe() if hasattr(f.detail, "describe") else str(f.detail)
    return f"Calling `{f.code}` raised {describe}{_stopped_at(f)}."


def _timeout(f: Finding) -> str:
    limit = getattr(f.detail, "limit", None)
    after = f" after {limit:g} s, the time this check gives your code," if limit is not None else ""
    where = _stopped_at(f)
    if not where and getattr(getattr(f.detail, "error", None), "__traceback__", None) is None:
        where = " before it started: the calls before it had used up that time"
    return f"`{f.code}` was still running{after} and was stopped{where}."


def _wrong_count(f: Finding) -> str:
    expected, got = f.detail
    return f"`{f.code}` must return {expected}; it returned {got}."


def _wrong_shape(f: Finding) -> str:
    got_shape, right_shape, context = f.detail
    if f.variable:
        return (f"`{f.code}` returns {_the(f)} of shape {got_shape}, but {f.variable} has shape "
                f"{right_shape}{context}.")
    return f"`{f.code}` returns {_the(f)} of shape {got_shape}; it should have shape {right_shape}{context}."


def _ignores_upstream(f: Finding) -> str:
    return (f"`{f.code}` returns the local gradient alone as {f.what}: it never multiplies by the upstream "
            f"gradient {f.upstream}. {_yours(f)} is the local gradient alone (what it would be for "
            f"{f.upstream} = 1); {_theirs(f)} is local × upstream.{f.also}")


def _swapped(f: Finding) -> str:
    if not f.variable:  # forward took its inputs the wrong way round
        return (f"`{f.code}` takes its inputs the wrong way round. {f.where}, it returns {f.at} = {f.mine}, "
                f"which is the output for ({f.detail}); {_theirs(f)}.")
    return (f"`{f.code}` gives {f.variable} the gradient that belongs to {f.detail}. {_yours(f)} is "
            f"{f.reference} d{f.detail}; {_theirs(f)}.{f.also}")


def _transposed_text(f: Finding) -> str:
    if isinstance(f.detail, tuple):  # found by its shape: (got shape, right shape, context)
        return _wrong_shape(f) + f" It is the transpose of {_one(f)}."
    mirror = f"{f.what}[{', '.join(map(str, f.index[::-1]))}]" if f.index else f.what
    return (f"Your {f.what} is the transpose of {_one(f)}: your {f.at} = {f.mine} is {f.reference} {mirror}, "
            f"and {_theirs(f)}.{f.also}")


def _transposed_hint(f: Finding) -> str:
    layout = f" d{f.variable}[i, j] is ∂f/∂ of element [i, j] of {f.variable}." if f.variable else ""
    return ("the gradient with respect to a variable has that variable's shape and layout:" + layout +
            " Match the shapes to find the order of the matrix product and which factor is transposed."
            + _then(f.rule))


def _factor(c: Any) -> str:
    """A constant factor as a message writes it: 4 significant digits."""
    return fmt(c) if isinstance(c, (int, float)) else str(c)


def _stale(f: Finding) -> str:
    if isinstance(f.detail, tuple):  # found by its shape: (its shape, earlier inputs it fits, the right one)
        got_shape, earlier, right_shape = f.detail
        return (f"`{f.code}` returns {_the(f)} of shape {got_shape}, the shape it had when this instance ran "
                f"on {earlier}; for the inputs it has now it must have shape {right_shape}. It uses values "
                "kept from an earlier forward.")
    runs = f.runs
    if f.detail == "output":
        return (f"{runs}the second forward returned the first one's output, {f.at} = {f.mine}; "
                f"{_theirs(f)}.")
    if f.detail == "inputs":
        return (f"{runs}the second backward's {f.at} = {f.mine} is the gradient at the first forward's "
                f"inputs; {_theirs(f)}. It uses values kept from an earlier forward.{f.also}")
    if f.detail == "gradient":
        return (f"{runs}the second backward returned the first one's {f.at} = {f.mine} again; "
                f"{_theirs(f)}.{f.also}")
    if f.detail == "cache":
        return (f"{f.where}: this layer ran forward twice, then backward with the second forward's cache, "
                f"then with the first's. Given the first forward's cache, your {f.at} = {f.mine} is the "
                f"gradient at the second forward's inputs; {_theirs(f)}. It reads values kept outside the "
                f"cache.{f.also}")
    return (f"{runs}the second backward's {f.at} = {f.mine} is the first run's gradient plus the second's: "
            f"gradients pile up from call to call. {_theirs(f)[0].upper()}{_theirs(f)[1:]}.{f.also}")


def _stale_hint(f: Finding) -> str:
    if f.detail == "cache":
        return ("backward must take everything it needs from the `cache` it is given, which forward "
                "returned: a value kept anywhere else (a global, an attribute) belongs to whichever forward "
                "ran last.")
    return ("forward must keep on `self` what backward needs, every time it runs, replacing what the last "
            "forward kept; backward must compute its result from that each time, never reuse or add to an "
            "earlier result.")


def _mutated(f: Finding) -> str:
    before, after = f.detail
    return (f"`{f.code}` changed {f.upstream} in place: {f.at} was {before} before backward and {after} "
            "after. The upstream gradient belongs to the caller, and may be another gate's gradient as well.")


def _not_averaged(f: Finding) -> str:
    return (f"Your {f.what} adds up the N = {f.detail} examples instead of averaging them. {_yours(f)}, what "
            f"the sum gives; {_theirs(f)}.{f.also}")


def _missing_reg(f: Finding) -> str:
    return (f"Your {f.what} leaves out the L2 regularisation. {_yours(f)}, which is {_the(f)} without the "
            f"term of reg = {f.detail}; {_theirs(f)}.{f.also}")


def _reg_scale(f: Finding) -> str:
    form = "reg·W instead of 2·reg·W" if f.detail == "dW" else "0.5·reg·ΣW² instead of reg·ΣW²"
    return (f"Your {f.what} has the L2 term at the wrong scale: {form}. {_yours(f)}; {_theirs(f)}.{f.also}")


def _counts_correct(f: Finding) -> str:
    return (f"Your {f.what} counts the correct class among the margins. {_yours(f)}, {f.detail} more than "
            f"{f.right}: the margin of j = yᵢ is always s_yᵢ − s_yᵢ + 1 = 1, for every example. "
            f"{_theirs(f)[0].upper()}{_theirs(f)[1:]}.{f.also}")


def _unstable(f: Finding) -> str:
    return (f"Your {f.what} is not a finite number when the scores are large. {_yours(f)}; "
            f"{_theirs(f)}.{f.also}")


def _no_bias_correction(f: Finding) -> str:
    return (f"Your {f.what} skips Adam's bias correction. {_yours(f)}, what m / (√v + ε) gives; "
            f"{_theirs(f)}, from m̂ = m / (1 − β1ᵗ) and v̂ = v / (1 − β2ᵗ).{f.also}")


def _ignores_state(f: Finding) -> str:
    return (f"Your {f.what} is what the update gives when {f.detail} starts again at every step: it is not "
            f"carried from one step to the next in `config`. {_yours(f)}; {_theirs(f)}.{f.also}")


def _ignores_state_hint(f: Finding) -> str:
    return (f"keep the state in config and return it (`config['{_first_key(f.detail)}'] = ...`, "
            "`return next_w, config`): the next step starts from what this one left there."
            + _then(f.rule))


def _first_key(state: Any) -> str:
    text = str(state)
    return text.split()[0].strip(",") if text else "velocity"


def _missing_seed(f: Finding) -> str:
    return f"{f.where}: backward {f.detail}. The chain rule starts at the output: ∂f/∂f = {f.right}."


def _wrong_order(f: Finding) -> str:
    return f"{f.where}: {f.detail}"


def _assigns_at_fork(f: Finding) -> str:
    node, count, terms = f.detail
    return (f"{f.where}: {node!r} fans out to {count} gates, so its gradient is the sum {terms} = {f.right}; "
            f"your backward kept only {f.mine}, one of them.")


def _wrong(f: Finding) -> str:
    if isinstance(f.detail, str):  # what the checker saw, in its words
        return f.detail
    largest = " (the largest difference)" if "[" in f.at else ""
    return f"`{f.code}` computes {_the(f)} wrong. {_yours(f)}; {_theirs(f)}{largest}.{f.also}"


#: The table, most specific first: where several recognisers fit, the earliest row is named.
ROWS: tuple[Mistake, ...] = (
    Mistake("unstable", "the loss overflows (nan or inf) on large scores where the right one is finite",
            _not_finite, _unstable,
            lambda f: ("shift each row of scores by its maximum before `exp`: "
                       "`scores - scores.max(axis=1, keepdims=True)` leaves softmax as it is, and the "
                       "largest exponent becomes e⁰ = 1.")),
    Mistake("stale-cache", "backward uses values kept from an earlier forward (or backward)",
            _variant("stale-cache"), _stale, _stale_hint),
    Mistake("ignores-state", "the update's state (velocity, cache, m, v, t) is not carried in config",
            _variant("ignores-state"), _ignores_state, _ignores_state_hint),
    Mistake("no-bias-correction", "Adam's m and v are used without the bias correction",
            _variant("no-bias-correction"), _no_bias_correction,
            _with_rule("m and v start at zero, so for the first steps they are too small: divide by "
                       "1 − β1ᵗ and 1 − β2ᵗ, with t = 1 at the first step (add 1 to t before using it).")),
    Mistake("counts-correct-class", "the SVM's margins include j = yᵢ",
            _variant("counts-correct-class"), _counts_correct,
            lambda f: ("the SVM loss sums over the classes j ≠ yᵢ: skip j = y[i] in the loop "
                       "(`if j == y[i]: continue`), or zero those margins "
                       "(`margins[np.arange(N), y] = 0`).")),
    Mistake("missing-reg", "the L2 term is missing from the loss or from dW",
            _variant("missing-reg"), _missing_reg,
            lambda f: ("loss = data loss + reg·ΣW², so dW = data gradient + 2·reg·W: "
                       "the term belongs in both.")),
    Mistake("reg-scale", "the L2 gradient is reg·W instead of 2·reg·W (or the loss's term is halved)",
            _variant("reg-scale"), _reg_scale,
            lambda f: "the gradient of reg·ΣW² is 2·reg·W: the 2 of a square."),
    Mistake("not-averaged", "the loss (or its gradient) is summed over the N examples, not averaged",
            _variant("not-averaged"), _not_averaged,
            lambda f: ("the loss is the mean over the N examples: divide the data loss and its gradient by "
                       "N; the L2 term is added once, after the mean.")),
    Mistake("ignores-upstream", "backward returns the local gradient alone, never multiplied by dout",
            _variant("ignores-upstream"), _ignores_upstream,
            lambda f: (f"downstream gradient = local gradient × upstream gradient (the chain rule): "
                       f"multiply by `{f.upstream}`.")),
    Mistake("swapped-inputs", "the gradients (or the inputs) of two inputs are swapped",
            _variant("swapped-inputs"), _swapped,
            lambda f: f.rule or f"each input gets its own gradient: d{f.detail} belongs to {f.detail}."),
    Mistake("wrong-sign", "a gradient or value has the wrong sign",
            _negated,
            lambda f: (f"`{f.code}` gets the sign of {_the(f)} wrong: every element is minus {_one(f)}. "
                       f"{_yours(f)}; {_theirs(f)}.{f.also}"),
            _rule_or("check the sign of the local gradient.")),
    Mistake("transposed", "a gradient or value is the transpose of the right one",
            _transposed, _transposed_text, _transposed_hint),
    Mistake("wrong-scale", "a gradient or value is off by a constant factor",
            _scaled,
            lambda f: (f"Your {f.what} is {_factor(f.detail)} times {_one(f)}, in every element. "
                       f"{_yours(f)}; {_theirs(f)}.{f.also}"),
            lambda f: ("a constant factor is missing or extra: the 2 of a square, the 1/N of a mean, "
                       "the c of a scaling gate?" + _then(f.rule))),
    Mistake("not-implemented", "the code still raises NotImplementedError",
            None, _not_implemented, lambda f: ""),
    Mistake("crashed", "the code raised an error", None, _crashed, lambda f: f.rule),
    Mistake("timeout", "the code ran past the check's time limit (10 s unless `timeout=` says otherwise)",
            None, _timeout,
            lambda f: ("a loop that never ends? Check that every `while` loop's condition becomes false and "
                       "that no function calls itself for ever. If your code is only slow, give it more "
                       "time: `timeout=60`.")),
    Mistake("wrong-count", "not one result per output: one gradient per input, (loss, dW), (next_w, config)",
            None, _wrong_count, lambda f: f.rule),
    Mistake("wrong-shape", "a value or gradient is not shaped as it should be (broadcasting not undone, say)",
            None, _wrong_shape,
            _with_rule("the gradient with respect to a variable has that variable's shape.")),
    Mistake("mutates-upstream", "backward changes dout in place",
            None, _mutated,
            lambda f: (f"compute a new array (`dx = {f.upstream} * ...`, or `dx = {f.upstream}.copy()` "
                       f"before changing it), never `{f.upstream} *= ...` or `{f.upstream}[...] = ...`.")),
    Mistake("missing-seed", "backward does not start from ∂f/∂f = 1",
            None, _missing_seed,
            lambda f: ("before the loop, set the output's gradient to 1: `grads[output] = 1.0` "
                       "(an array of ones for an array output).")),
    Mistake("wrong-order", "forward is not in topological order, or backward not in reverse",
            None, _wrong_order, lambda f: f.rule),
    Mistake("assigns-at-fork", "where a value fans out, its gradient is assigned, not summed",
            None, _assigns_at_fork,
            lambda f: ("where a value is used several times, its gradients add (copy is a gradient adder): "
                       "`grads[x] = grads.get(x, 0) + dx`, not `grads[x] = dx`.")),
    Mistake("wrong", "the values are wrong in some other way", None, _wrong, lambda f: f.rule),
)

#: The rows by id.
TABLE: dict[str, Mistake] = {row.id: row for row in ROWS}
_PRIORITY = {row.id: i for i, row in enumerate(ROWS)}


def meanings(ids: Iterable[str]) -> dict[str, str]:
    """``{id: meaning}`` for these ids, in the table's order: the list of mistakes a checker names.

    >>> list(meanings(["wrong", "wrong-sign"]))
    ['wrong-sign', 'wrong']
    """
    return {i: TABLE[i].meaning for i in sorted(ids, key=_PRIORITY.__getitem__)}


def recognise(evidence: Evidence, ids: Iterable[str]) -> dict[str, Any]:
    """The mistakes among ``ids`` whose recogniser fits ``evidence``, each with its detail."""
    fits: dict[str, Any] = {}
    for i in ids:
        check = TABLE[i].recognise
        found = check(evidence) if check is not None else None
        if found is not None:
            fits[i] = found[0]
    return fits


def named(fits: Mapping[str, Any]) -> str:
    """The id to name among ``fits``: the earliest row of the table; ``"wrong"`` if nothing fits."""
    return min(fits, key=_PRIORITY.__getitem__) if fits else "wrong"


def rank(fits: Mapping[str, Any]) -> int:
    """The table's row number of the mistake `named` among ``fits``: lower is more specific."""
    return _PRIORITY[named(fits)]


def narrow(fits: Mapping[str, Any], later: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """``fits`` as later evidence of the same quantity narrows it: each keeps only what fits it too.

    Where one round cannot tell two mistakes apart (for scalars, any wrong number is
    a multiple of the right one), the next round where the quantity is wrong again
    usually can. A round that keeps nothing is passed over.

    >>> narrow({"wrong-scale": 2.0, "ignores-upstream": None}, [{"ignores-upstream": None}])
    {'ignores-upstream': None}
    """
    kept = dict(fits)
    for more in later:
        both = {m: d for m, d in kept.items() if m in more}
        if both:
            kept = both
    return kept
