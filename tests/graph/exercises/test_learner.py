"""Running a learner's code: every error a Crash placed at the learner's line, one time limit per check."""

import numpy as np
import pytest

from graph.exercises import learner
from graph.exercises.learner import Runner, crash_verdict, located


def test_an_error_is_a_crash_at_the_learners_line():
    def learners(x):
        return x / 0

    _, crash = Runner()("learners(1.0)", learners, 1.0)
    assert crash.where.startswith("test_learner.py, line") and crash.line == "return x / 0"
    assert crash.function == "learners" and crash.describe() == "ZeroDivisionError: float division by zero"
    assert crash_verdict(crash, "learners").mistake == "crashed"


def test_a_frame_stopped_between_two_lines_is_placed_in_its_function(monkeypatch):
    monkeypatch.setattr(learner, "_learner_frame", lambda tb: (__file__, None, "Mine.backward"))
    crash = located("Mine.backward(dout)", ValueError("x"))
    assert crash.where == "test_learner.py, in `Mine.backward`" and crash.line == ""


def test_numpys_warnings_are_recorded_not_raised():
    run = Runner()
    value, crash = run("np.exp(1000.0)", np.exp, 1000.0)  # an error where pytest turns warnings into errors
    assert crash is None and value == np.inf
    assert run.warnings == ["overflow encountered in exp"]


def test_the_calls_of_one_check_share_its_time():
    def forever():
        while True:
            pass

    run = Runner(0.1)
    _, crash = run("forever()", forever)
    assert crash.timed_out and crash.limit == 0.1
    _, later = run("sum([1])", sum, [1])  # the time is used up: the next call is not even made
    assert later.timed_out and crash_verdict(later, "f").message.startswith(
        "`sum([1])` was still running after 0.1 s, the time this check gives your code, and was stopped "
        "before it started")


@pytest.mark.parametrize("timeout", [0, -1, "10", float("nan")])
def test_a_time_limit_that_is_no_number_of_seconds_is_an_error_of_the_check(timeout):
    with pytest.raises(ValueError, match="timeout must be a number of seconds > 0, or None"):
        Runner(timeout)
