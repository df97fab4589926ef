"""check_update(): course-shaped update rules, next_w, config = step(w, dw, config), over several steps."""

import numpy as np
import pytest

from graph.exercises import UPDATE_MISTAKES, check_update


def sgd(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    w -= config["learning_rate"] * dw  # the course's sgd changes w in place: that is fine
    return w, config


def sgd_momentum(w, dw, config=None, slip=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    if slip != "ignores-state":
        config["velocity"] = v
    if slip == "wrong-sign":
        return w - v, config
    return w + v, config


def rmsprop(w, dw, config=None, slip=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))
    cache = config["decay_rate"] * config["cache"] + (1 - config["decay_rate"]) * dw**2
    if slip != "ignores-state":
        config["cache"] = cache
    lr = 1e-2 if slip == "fixed-lr" else config["learning_rate"]
    return w - lr * dw / (np.sqrt(cache) + config["epsilon"]), config


def adam(w, dw, config=None, slip=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)
    t = config["t"] + 1
    m = config["beta1"] * config["m"] + (1 - config["beta1"]) * dw
    v = config["beta2"] * config["v"] + (1 - config["beta2"]) * dw**2
    config["m"], config["v"] = m, v
    if slip != "t-not-kept":
        config["t"] = t
    if slip == "no-bias-correction":
        m_hat, v_hat = m, v
    else:
        m_hat, v_hat = m / (1 - config["beta1"] ** t), v / (1 - config["beta2"] ** t)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config


def adam_with_t_stored_first(w, dw, config=None):
    """Another template: t starts at 1 and is used before it is increased."""
    if config is None:
        config = {}
    config.setdefault("t", 1)
    config["t"] -= 1
    next_w, config = adam(w, dw, config)
    config["t"] += 1
    return next_w, config


RULES = {"sgd": sgd, "sgd_momentum": sgd_momentum, "rmsprop": rmsprop, "adam": adam}


@pytest.mark.parametrize("kind", RULES)
def test_a_correct_rule_passes(kind):
    verdict = check_update(RULES[kind], kind)
    assert verdict.ok, str(verdict)
    assert "2 runs of 5 steps" in verdict.message


def test_the_checker_judges_the_steps_not_how_t_is_stored():
    assert check_update(adam_with_t_stored_first, "adam").ok


def slipped(rule, slip):
    def learner(w, dw, config=None):
        return rule(w, dw, config, slip=slip)
    learner.__name__ = rule.__name__
    return learner


def not_written(w, dw, config=None):
    raise NotImplementedError


def forgets_config(w, dw, config=None):
    return w - 1e-2 * dw


def flattens(w, dw, config=None):
    return (w - 1e-2 * dw).ravel(), config


def nan_step(w, dw, config=None):
    return w / 0.0, config


def plain_wrong(w, dw, config=None):
    return w - 1e-2 * dw**2, config


# (rule, kind, mistake, words the message must contain)
CASES = [
    (slipped(adam, "no-bias-correction"), "adam", "no-bias-correction",
     ["skips Adam's bias correction", "At step 1", "t = 1 at the first step"]),
    (slipped(adam, "t-not-kept"), "adam", "ignores-state",
     ["when t starts again at every step", "At step 2", "`config['t'] = ...`"]),
    (slipped(sgd_momentum, "ignores-state"), "sgd_momentum", "ignores-state",
     ["when velocity starts again at every step", "not carried from one step to the next in `config`"]),
    (slipped(rmsprop, "ignores-state"), "rmsprop", "ignores-state", ["when cache starts again"]),
    (slipped(sgd_momentum, "wrong-sign"), "sgd_momentum", "wrong-sign", ["gets the sign of the step wrong"]),
    (slipped(rmsprop, "fixed-lr"), "rmsprop", "wrong-scale",
     ["Your step is 0.5 times the right one", "config = {'learning_rate': 0.02, 'decay_rate': 0.9}"]),
    (not_written, "sgd", "not-implemented", ["`not_written` is not written yet"]),
    (forgets_config, "sgd", "wrong-count", ["must return `(next_w, config)`", "an ndarray of shape (4, 5)"]),
    (flattens, "sgd", "wrong-shape", ["next_w of shape (20,), but w has shape (4, 5)"]),
    (nan_step, "sgd", "wrong", ["did not return usable weights: next_w holds nan or inf"]),
    (plain_wrong, "sgd", "wrong",
     ["`plain_wrong` computes the step wrong", "next_w = w - learning_rate * dw"]),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[2]}:{c[1]}" for c in CASES])
def test_each_mistake_is_named(case):
    rule, kind, mistake, words = case
    verdict = check_update(rule, kind)
    assert verdict.mistake == mistake, str(verdict)
    for word in words:
        assert word in verdict.message, f"{word!r} not in:\n{verdict}"


def test_a_crash_and_an_endless_loop_are_verdicts():
    def crashes(w, dw, config=None):
        return w - config["learning_rate"] * dw, config  # no default: {} has no learning_rate

    def loops(w, dw, config=None):
        while True:
            w = w + 0

    crashed = check_update(crashes, "sgd")
    assert crashed.mistake == "crashed" and "KeyError: 'learning_rate'" in crashed.message
    timeout = check_update(loops, "sgd", timeout=0.2)
    assert timeout.mistake == "timeout" and "stopped at test_update_check.py, " in timeout.message


def test_every_update_mistake_has_a_case():
    assert {c[2] for c in CASES} | {"crashed", "timeout"} == set(UPDATE_MISTAKES)


def test_an_unknown_kind_is_an_error_of_the_check():
    with pytest.raises(ValueError, match="kind must be one of 'sgd', 'sgd_momentum', 'rmsprop', 'adam'"):
        check_update(sgd, "adagrad")
