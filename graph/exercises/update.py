"""`check_update`: a learner's update rule, course-shaped, ``next_w, config = step(w, dw, config)``.

The checker runs the learner's rule for several steps with the state carried in
the ``config`` the rule returns, as the course's solver does, and runs its own
reference (`graph.exercises.rules`) beside it. At each step both start from the
same ``w`` (the reference's), so a mistake shows at the step where it is made
and does not pile up; only the learner's ``config`` carries over. It judges the
step ``next_w − w``, never the values stored under each key: course templates
differ in how they keep ``t``, but the first step's bias correction uses t = 1.

Two runs: one from ``config = {}`` (the course's defaults), one with every
hyper-parameter given (a rule that ignores ``config['learning_rate']`` shows).
Besides the common mistakes it names ``ignores-state`` (velocity, cache or
moments not kept in ``config`` between steps) and ``no-bias-correction`` (Adam).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gates.base import shape_of

from .compare import as_numbers, describe, numeric_problem
from .judge import Quantity, Round, judge
from .learner import DEFAULT_TIMEOUT, Runner, crash_verdict, unreadable
from .mistakes import TABLE, Finding, meanings
from .rules import ADAM_UNCORRECTED, UPDATES, State, fresh_state
from .verdict import Verdict

__all__ = ["KINDS", "UPDATE_MISTAKES", "check_update"]

#: The update rules `check_update` knows, by the course's names.
KINDS = tuple(UPDATES)

FINGERPRINTS = ("no-bias-correction", "ignores-state", "wrong-sign", "wrong-scale")

#: Every mistake `check_update` names.
UPDATE_MISTAKES: dict[str, str] = meanings(
    (*FINGERPRINTS, "not-implemented", "crashed", "timeout", "wrong-count", "wrong-shape", "wrong"))

#: Steps per run.
STEPS = 5

#: The second run's config: every hyper-parameter given, none at its default (epsilon left out: its
#: effect is below what the comparison can see).
GIVEN: dict[str, dict[str, float]] = {
    "sgd": {"learning_rate": 0.1},
    "sgd_momentum": {"learning_rate": 0.05, "momentum": 0.5},
    "rmsprop": {"learning_rate": 0.02, "decay_rate": 0.9},
    "adam": {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.95},
}


def check_update(step: Callable[..., Any], kind: str, *, seed: int = 0,
                 timeout: float | None = DEFAULT_TIMEOUT) -> Verdict:
    """Run a learner's update rule for several steps against the course's, and name the mistake if any.

    Parameters
    ----------
    step : callable
        ``step(w, dw, config) -> (next_w, config)``, the course's signature: ``w``
        and ``dw`` are arrays of one shape, ``config`` a dict of hyper-parameters
        and state (empty at the first step: the rule fills in its defaults).
    kind : str
        ``"sgd"``, ``"sgd_momentum"``, ``"rmsprop"`` or ``"adam"``, with the course's
        config keys and defaults: learning_rate 1e-2, momentum 0.9 and velocity;
        learning_rate 1e-2, decay_rate 0.99, epsilon 1e-8 and cache; learning_rate
        1e-3, beta1 0.9, beta2 0.999, epsilon 1e-8, m, v and t.
    seed : int
        Seed of the weights and gradients.
    timeout : float or None
        The time the learner's rule may take in all, in seconds; as for `check`.

    Returns
    -------
    Verdict
        ``ok``, or the mistake (`UPDATE_MISTAKES`) at the first step it shows, with numbers.

    Raises
    ------
    ValueError
        For an unknown ``kind``.

    Examples
    --------
    >>> def sgd(w, dw, config=None):
    ...     config = {} if config is None else config
    ...     config.setdefault("learning_rate", 1e-2)
    ...     w -= config["learning_rate"] * dw
    ...     return w, config
    >>> check_update(sgd, "sgd").ok
    True
    >>> def uphill(w, dw, config=None):
    ...     return w + 1e-2 * dw, config
    >>> check_update(uphill, "sgd").mistake
    'wrong-sign'
    """
    if kind not in UPDATES:
        raise ValueError(f"check_update: kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}")
    subject = str(getattr(step, "__name__", type(step).__name__))
    run = Runner(timeout)
    rng = np.random.default_rng(seed)
    rounds: list[Round] = []
    runs = [("{}", {}), (repr(GIVEN[kind]), GIVEN[kind])]
    for start_text, start in runs:
        w = rng.standard_normal((4, 5))
        config: Any = dict(start)
        hyper = {**UPDATES[kind].defaults, **start}
        state = fresh_state(kind, w)
        for n in range(1, STEPS + 1):
            dw = rng.standard_normal(w.shape) * rng.choice([0.2, 1.0, 3.0], w.shape)
            right, after = UPDATES[kind].step(w, dw, hyper, state)
            result, crash = run(f"{subject}(w, dw, config)", step, w.copy(), dw.copy(), config)
            if crash is not None:
                return crash_verdict(crash, subject, f"the rule: {UPDATES[kind].rule}")
            where = f"At step {n} of a run from config = {start_text}, with w and dw of shape {w.shape}"
            try:
                found, config, rnd = _round(subject, kind, result, w, dw, right, hyper, state, where)
            except Exception as error:  # what the learner's rule returned defeated a comparison
                return unreadable(subject, error)
            if found is not None:
                return found
            rounds.append(rnd)
            w, state = right, after
    verdict = judge(subject, subject, rounds, FINGERPRINTS)
    if verdict is not None:
        return verdict
    return Verdict(True, None, (
        f"`{subject}` gives the {kind} step of the course at every step: {len(runs)} runs of {STEPS} steps, "
        f"from config = {{}} (the defaults) and from config = {GIVEN[kind]!r}, with the state carried in the "
        "config it returns."), subject)


def _round(subject: str, kind: str, result: Any, w: np.ndarray, dw: np.ndarray, right: np.ndarray,
           hyper: Mapping[str, float], state: State, where: str) -> tuple[Verdict | None, Any, Round]:
    """One step judged for its structure; the round of its values, and the config to carry."""
    rule = f"the rule: {UPDATES[kind].rule}"
    nothing = Round("", [])
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        return TABLE["wrong-count"].verdict(Finding(
            subject, code=subject,
            detail=("`(next_w, config)`: the new weights, and the config", describe(result)),
            rule="end with `return next_w, config`: the next step starts from that config.")), None, nothing
    next_w, config = as_numbers(result[0]), result[1]
    problem = numeric_problem(next_w, "next_w")
    if problem is not None:
        return TABLE["wrong"].verdict(Finding(
            subject, detail=f"`{subject}` did not return usable weights: {problem}. {where}.",
            rule=rule)), None, nothing
    if shape_of(next_w) != w.shape:
        return TABLE["wrong-shape"].verdict(Finding(
            subject, code=subject, what="next_w", variable="w", detail=(shape_of(next_w), w.shape, ""),
            rule=rule)), None, nothing
    step = np.asarray(next_w, dtype=np.float64) - w
    variants: dict[str, list[tuple[Any, Any]]] = {}
    keys = UPDATES[kind].state
    if keys:
        lost = [(_listed(keys), UPDATES[kind].step(w, dw, hyper, fresh_state(kind, w))[0] - w)]
        if kind == "adam":
            no_t = {**state, "t": 0}
            no_moments = {**fresh_state(kind, w), "t": state["t"]}
            lost += [("t", UPDATES[kind].step(w, dw, hyper, no_t)[0] - w),
                     ("m and v", UPDATES[kind].step(w, dw, hyper, no_moments)[0] - w)]
        variants["ignores-state"] = lost
    if kind == "adam":
        variants["no-bias-correction"] = [(None, ADAM_UNCORRECTED(w, dw, hyper, state)[0] - w)]
    if getattr(next_w, "dtype", None) == np.float32:  # judged at the learner's precision
        step = step.astype(np.float32)
    quantity = Quantity("step", "(next_w − w)", step, right - w, variants=variants, rule=rule, article="the")
    return None, config, Round(where, [quantity])


def _listed(keys: tuple[str, ...]) -> str:
    """``("m", "v", "t")`` as ``"m, v and t"``."""
    return keys[0] if len(keys) == 1 else ", ".join(keys[:-1]) + " and " + keys[-1]
