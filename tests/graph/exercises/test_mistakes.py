"""The table of mistakes: one row per id, every checker's ids among them, every row able to speak."""

import numpy as np
import pytest

from graph.exercises import (
    ENGINE_MISTAKES,
    LAYER_MISTAKES,
    LOSS_MISTAKES,
    MISTAKES,
    NETWORK_MISTAKES,
    UPDATE_MISTAKES,
)
from graph.exercises.learner import Crash
from graph.exercises.mistakes import ROWS, TABLE, Evidence, Finding, named, narrow, recognise

CHECKERS = [MISTAKES, ENGINE_MISTAKES, LAYER_MISTAKES, LOSS_MISTAKES, NETWORK_MISTAKES, UPDATE_MISTAKES]


def test_one_row_per_id_and_every_row_named_by_some_checker():
    assert len(TABLE) == len(ROWS)
    used = set().union(*CHECKERS)
    assert used == set(TABLE)
    for ids in CHECKERS:
        assert all(ids[i] == TABLE[i].meaning for i in ids)


def test_the_ids_of_the_api_are_all_there():
    api = ["not-implemented", "crashed", "wrong-count", "wrong-shape", "ignores-upstream", "swapped-inputs",
           "wrong-sign", "wrong-scale", "transposed", "stale-cache", "mutates-upstream", "timeout", "wrong",
           "missing-seed", "wrong-order", "assigns-at-fork", "not-averaged", "missing-reg", "reg-scale",
           "counts-correct-class", "unstable", "no-bias-correction", "ignores-state"]
    assert sorted(api) == sorted(TABLE)


DETAILS = {  # what each row's message is written from, when it needs more than numbers
    "not-implemented": Crash(NotImplementedError(), "f()", function="f"),
    "crashed": Crash(ZeroDivisionError("division by zero"), "f()", "cell, line 2", "1 / 0"),
    "timeout": Crash(KeyboardInterrupt(), "f()", "cell, line 3", "while True:", limit=10.0),
    "wrong-count": ("one gradient per input, (dx, dy)", "a tuple of 1"),
    "wrong-shape": ((3, 4), (4,), ""), "mutates-upstream": ("1", "0"), "swapped-inputs": "y",
    "wrong-scale": "2", "transposed": "1, 0", "stale-cache": "inputs", "not-averaged": 5,
    "missing-reg": "0.1", "reg-scale": "dW", "counts-correct-class": 1, "ignores-state": "velocity",
    "assigns-at-fork": ("x", 2, "1 (from 'a') + 2 (from 'b')"), "wrong": None,
}


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_every_row_writes_a_message_with_its_numbers_and_a_title(row):
    finding = Finding("MyGate", code="MyGate.backward", what="dx", variable="x", at="dx[1, 0]", mine="2.5",
                      right="-1.25", where="For x[1, 0] = 0.5", detail=DETAILS.get(row.id))
    verdict = row.verdict(finding)
    assert not verdict.ok and verdict.mistake == row.id and verdict.subject == "MyGate"
    assert str(verdict).startswith(f"✗ MyGate: {row.id}\n")
    if row.recognise is not None:  # a mistake named by its numbers quotes them
        assert "2.5" in verdict.message and "-1.25" in verdict.message


def test_the_recognisers_in_the_tables_order():
    right = np.array([[1.0, 2.0], [3.0, 5.0]])
    assert recognise(Evidence(right.T, right), ["transposed", "wrong-sign"]) == {"transposed": None}
    fits = recognise(Evidence(3 * right, right, {"not-averaged": [(3, 3 * right)]}),
                     ["wrong-scale", "not-averaged"])
    assert named(fits) == "not-averaged"
    big = Evidence(np.array([np.nan]), np.array([1.0]), tags=frozenset({"large"}))
    assert recognise(big, ["unstable"]) == {"unstable": None}
    assert recognise(Evidence(np.array([np.nan]), np.array([1.0])), ["unstable"]) == {}
    assert named({}) == "wrong"


def test_later_evidence_narrows_what_fits():
    assert narrow({"a": 1, "b": 2}, [{"c": 3}, {"b": 2}]) == {"b": 2}  # a round that keeps nothing is passed
    assert narrow({"a": 1}, []) == {"a": 1}
