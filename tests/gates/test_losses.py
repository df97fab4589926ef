"""Tests for gates/losses.py: SoftmaxCrossEntropy and SVMLoss."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gates.losses
from gates import Gate, ShapeError, SoftmaxCrossEntropy, SVMLoss
from tests.strategies import floats_in, gradient_property_tests, with_gate

# CS231n's three images (cat, car, frog), one row each; columns are the class scores.
SCORES = np.array([[3.2, 5.1, -1.7],
                   [1.3, 4.9, 2.0],
                   [2.2, 2.5, -3.1]])
LABELS = np.array([0, 1, 2])

LOSSES = [SoftmaxCrossEntropy, SVMLoss]


# ---------------------------------------------------------------------------- SVMLoss


def test_svm_lecture_example_by_hand() -> None:
    # margins: cat 5.1-3.2+1 = 2.9 (frog: -3.9 -> 0); car: none positive;
    # frog 2.2+3.1+1 = 6.3 and 2.5+3.1+1 = 6.6 -> 12.9.  Mean (2.9 + 0 + 12.9) / 3.
    svm = SVMLoss()
    loss = svm.forward(SCORES, LABELS)
    assert np.shape(loss) == ()
    np.testing.assert_allclose(loss, 15.8 / 3, rtol=1e-12)
    dscores, dlabels = svm.backward(1.0)
    assert dlabels is None
    np.testing.assert_allclose(dscores, np.array([[-1.0, 1.0, 0.0],
                                                  [0.0, 0.0, 0.0],
                                                  [1.0, 1.0, -2.0]]) / 3, rtol=1e-12)


def test_svm_single_example_and_dout_scaling() -> None:
    svm = SVMLoss()
    np.testing.assert_allclose(svm.forward(SCORES[:1], LABELS[:1]), 2.9, rtol=1e-12)
    dscores, _ = svm.backward(2.0)
    np.testing.assert_allclose(dscores, [[-2.0, 2.0, 0.0]], rtol=1e-12)


def test_svm_no_loss_when_correct_class_wins_by_the_margin() -> None:
    svm = SVMLoss()
    assert svm.forward(np.array([[5.0, 3.9, -2.0]]), np.array([0])) == 0.0
    np.testing.assert_array_equal(svm.backward(1.0)[0], np.zeros((1, 3)))


# ---------------------------------------------------------------------------- SoftmaxCrossEntropy


def _softmax_loss_reference(scores: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Textbook formulas, fine for small scores."""
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    n = len(labels)
    loss = -np.log(probs[np.arange(n), labels]).mean()
    grad = probs.copy()
    grad[np.arange(n), labels] -= 1
    return float(loss), grad / n


def test_softmax_uniform_scores() -> None:
    ce = SoftmaxCrossEntropy()
    np.testing.assert_allclose(ce.forward(np.zeros((1, 3)), np.array([0])), math.log(3), rtol=1e-14)
    dscores, dlabels = ce.backward(1.0)
    assert dlabels is None
    np.testing.assert_allclose(dscores, [[-2 / 3, 1 / 3, 1 / 3]], rtol=1e-14)


def test_softmax_lecture_example_against_textbook_formula() -> None:
    ce = SoftmaxCrossEntropy()
    loss = ce.forward(SCORES, LABELS)
    assert np.shape(loss) == ()
    expected_loss, expected_grad = _softmax_loss_reference(SCORES, LABELS)
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-12)
    dscores, _ = ce.backward(1.5)
    np.testing.assert_allclose(dscores, 1.5 * expected_grad, rtol=1e-12)
    # the cat alone: -ln(e^3.2 / (e^3.2 + e^5.1 + e^-1.7)) = 2.04 (natural log)
    cat = SoftmaxCrossEntropy().forward(SCORES[:1], LABELS[:1])
    assert round(float(cat), 2) == 2.04


@pytest.mark.parametrize(("label", "loss", "grad"), [(0, 0.0, [0.0, 0.0, 0.0]), (1, 1000.0, [1.0, -1.0, 0.0]),
                                                     (2, 2000.0, [1.0, 0.0, -1.0])])
def test_softmax_is_stable_at_extreme_scores(label: int, loss: float, grad: list[float]) -> None:
    ce = SoftmaxCrossEntropy()
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        out = ce.forward(np.array([[1000.0, 0.0, -1000.0]]), np.array([label]))
        dscores, _ = ce.backward(1.0)
    assert np.isfinite(out) and np.all(np.isfinite(dscores))
    np.testing.assert_allclose(out, loss, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dscores, [grad], atol=1e-12)


# ---------------------------------------------------------------------------- both losses


@pytest.mark.parametrize("cls", LOSSES, ids=lambda c: c.__name__)
def test_label_gradient_is_none(cls: type[Gate]) -> None:
    gate = cls()
    gate.forward(SCORES, LABELS)
    grads = gate.backward(1.0)
    assert isinstance(grads, tuple) and len(grads) == 2
    assert grads[0].shape == SCORES.shape
    assert grads[1] is None


@pytest.mark.parametrize("cls", LOSSES, ids=lambda c: c.__name__)
def test_loss_is_a_mean_over_the_batch(cls: type[Gate]) -> None:
    one, two = cls(), cls()
    loss1 = one.forward(SCORES, LABELS)
    loss2 = two.forward(np.vstack([SCORES, SCORES]), np.concatenate([LABELS, LABELS]))
    np.testing.assert_allclose(loss2, loss1, rtol=1e-14)
    np.testing.assert_allclose(two.backward(1.0)[0], np.vstack([one.backward(0.5)[0]] * 2), rtol=1e-14)


@pytest.mark.parametrize("cls", LOSSES, ids=lambda c: c.__name__)
def test_keeps_float32(cls: type[Gate]) -> None:
    gate = cls()
    out = gate.forward(SCORES.astype(np.float32), LABELS)
    assert np.asarray(out).dtype == np.float32
    dscores, _ = gate.backward(np.float32(1.0))
    assert dscores.dtype == np.float32


@pytest.mark.parametrize("cls", LOSSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    ("scores", "labels", "parts"),
    [
        (np.zeros(3), np.array([0]), ["(3,)"]),
        (np.zeros((2, 3)), np.array([0, 1, 2]), ["(2, 3)", "(3,)"]),
        (np.zeros((2, 3)), np.array([[0], [1]]), ["(2, 3)", "(2, 1)"]),
    ],
    ids=["1d-scores", "too-many-labels", "2d-labels"],
)
def test_wrong_shapes_are_shape_errors(cls: type[Gate], scores: Any, labels: Any, parts: list[str]) -> None:
    with pytest.raises(ShapeError) as info:
        cls().forward(scores, labels)
    message = str(info.value)
    assert cls.__name__ in message, message
    for part in parts:
        assert part in message, message


@pytest.mark.parametrize("cls", LOSSES, ids=lambda c: c.__name__)
def test_non_integer_labels_are_a_type_error(cls: type[Gate]) -> None:
    with pytest.raises(TypeError, match=cls.__name__):
        cls().forward(SCORES, np.array([0.0, 1.0, 2.0]))


@pytest.mark.parametrize("cls", LOSSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("bad", [-1, 3])
def test_labels_out_of_range_are_a_value_error(cls: type[Gate], bad: int) -> None:
    with pytest.raises(ValueError, match=cls.__name__) as info:
        cls().forward(SCORES, np.array([0, bad, 2]))
    assert not isinstance(info.value, IndexError)


# ---------------------------------------------------------------------------- gradients, property-based


@st.composite
def scores_and_labels(draw: st.DrawFn) -> list[np.ndarray]:
    n, c = draw(st.integers(1, 4)), draw(st.integers(2, 4))
    scores = draw(hnp.arrays(np.float64, (n, c), elements=floats_in(-3.0, 3.0)))
    labels = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    return [scores, labels]


def _away_from_hinges(inputs: list[np.ndarray]) -> bool:
    scores, labels = inputs
    rows = np.arange(len(labels))
    margins = scores - scores[rows, labels][:, None] + 1.0
    margins[rows, labels] = 1.0   # the label's own column is no hinge
    return bool(np.all(np.abs(margins) > 1e-3))


CASES = [
    pytest.param(SoftmaxCrossEntropy, with_gate(SoftmaxCrossEntropy, scores_and_labels()),
                 id="SoftmaxCrossEntropy"),
    pytest.param(SVMLoss, with_gate(SVMLoss, scores_and_labels().filter(_away_from_hinges)), id="SVMLoss"),
]


def test_every_loss_gate_is_gradient_checked() -> None:
    checked = {p.values[0].__name__ for p in CASES}
    assert set(gates.losses.__all__) <= checked


test_gradients_match_central_differences, test_graph_gradcheck_agrees = gradient_property_tests(CASES)


