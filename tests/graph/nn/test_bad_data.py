"""Networks and training given data they cannot use: each refusal says what is wrong with the data."""

from __future__ import annotations

import io
import re
import sys

import numpy as np
import pytest

from graph import SGD, Dataset, Network, Parameter, ShapeError, load_dataset, train


@pytest.fixture(scope="module")
def spiral_data() -> Dataset:
    return load_dataset("spiral")


def test_accuracy_with_labels_of_shape_n_by_1_is_a_value_error() -> None:
    net = Network([2, 3], seed=0)
    X, y = np.ones((3, 2)), np.array([0, 1, 2])
    message = r"y must be a vector of integer labels, shape \(N,\), got shape \(3, 1\)"
    with pytest.raises(ValueError, match=message):
        net.accuracy(X, y[:, None])  # (before: compared (3,) with (3, 1), 9 pairs, and said 0.333)


@pytest.mark.parametrize(("y", "message"), [
    (np.array([0.0, 1.0, 2.0]), "of dtype float64"), (np.array(["0", "1", "2"]), "of dtype <U1"),
    (np.array([0, 1]), "X has 3 rows but y has 2 labels"),
])
def test_accuracy_with_labels_that_are_not_one_integer_per_row_is_a_value_error(y, message) -> None:
    with pytest.raises(ValueError, match=message):
        Network([2, 3], seed=0).accuracy(np.ones((3, 2)), y)


def test_accuracy_of_no_examples_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="the accuracy of no examples is undefined"):
        Network([2, 3], seed=0).accuracy(np.ones((0, 2)), np.zeros(0, dtype=int))


def test_predict_refuses_rows_whose_scores_are_nan() -> None:
    net = Network([2, 4, 3], seed=0)
    X = np.array([[0.5, 1.0], [np.nan, 0.0], [np.inf, -np.inf]])
    with pytest.raises(ValueError, match=r"the scores of 2 row\(s\) of X are nan \(first: row 1\)"), \
            np.errstate(invalid="ignore"):  # (inf - inf in the product: numpy's warning, silenced here)
        net.predict(X)  # (before: argmax of nan is 0, a confident class for no reason)
    assert net.predict(X[:1]).shape == (1,)


def _with(data: Dataset, **changes) -> Dataset:
    return data._replace(**changes)


@pytest.mark.parametrize("split", ["training", "validation"])
def test_training_on_an_empty_split_is_a_value_error_saying_so(spiral_data, split) -> None:
    empty = (_with(spiral_data, X_train=np.zeros((0, 2)), y_train=np.zeros(0, dtype=np.int64))
             if split == "training" else
             _with(spiral_data, X_val=np.zeros((0, 2)), y_val=np.zeros(0, dtype=np.int64)))
    with pytest.raises(ValueError, match=rf"the {split} split is empty \(0 examples\)"):
        train(Network([2, 3]), empty, epochs=1, progress=False)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("split", ["training", "validation"])
def test_nan_or_inf_in_the_data_is_reported_as_such(spiral_data, split, bad) -> None:
    X = (spiral_data.X_train if split == "training" else spiral_data.X_val).copy()
    X[7, 1] = bad
    data = _with(spiral_data, **{"X_train" if split == "training" else "X_val": X})
    message = rf"the {split} data X hold 1 nan or inf value\(s\) \(first in row 7\)"
    with pytest.raises(ValueError, match=message) as info:
        train(Network([2, 3]), data, epochs=1, progress=False)
    assert "learning rate" not in str(info.value)


def test_nan_in_the_parameters_is_reported_as_such(spiral_data) -> None:
    net = Network([2, 5, 3])
    net.parameters["W2"].value[1, 1] = np.nan
    with pytest.raises(ValueError, match="parameter 'W2' holds nan or inf values"):
        train(net, spiral_data, epochs=1, progress=False)


def test_rows_and_labels_that_differ_in_number_are_a_value_error(spiral_data) -> None:
    data = _with(spiral_data, y_train=spiral_data.y_train[:-1])
    with pytest.raises(ValueError, match="the training split has 300 rows of X but 299 labels in y"):
        train(Network([2, 3]), data, epochs=1, progress=False)


def test_the_progress_bar_shows_each_epochs_mean_loss(spiral_data, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # the text bar, whose every line we can read
    out = io.StringIO()
    history = train(Network([2, 10, 3], seed=0), spiral_data, epochs=3, batch_size=40, lr=0.5,
                    progress=True, progress_file=out)
    shown = [float(v) for v in re.findall(r"loss=(\d+\.\d+)", out.getvalue())]
    assert shown == [round(float(v), 3) for v in history.epoch_loss()]
    last_batches = history.loss[history.steps_per_epoch - 1::history.steps_per_epoch]
    assert shown != [round(v, 3) for v in last_batches]  # (what the bar showed before)


@pytest.mark.parametrize("sizes", [[2.5, 3], [2, True], "23", [2, "3"], [2, 3.0]])
def test_sizes_that_are_not_whole_numbers_are_a_type_error_never_truncated(sizes) -> None:
    with pytest.raises(TypeError, match="Network: sizes must be whole numbers"):
        Network(sizes)  # (before: [2.5, 3] became 2 → 3, and "23" became 2 → 3)


@pytest.mark.parametrize("reg", [np.inf, np.nan, -1.0, "a"])
def test_an_l2_strength_that_is_not_a_finite_number_is_a_value_error(reg) -> None:
    with pytest.raises(ValueError, match="reg must be >= 0 and finite"):
        Network([2, 3]).training_graph(reg=reg)


def test_an_sgd_step_with_a_gradient_of_another_shape_is_a_shape_error() -> None:
    W = Parameter("W", np.zeros((2, 3)))
    optimizer = SGD([W], lr=0.1)
    for bad in [np.ones(3), np.ones((1, 3)), np.ones((3, 2)), 1.0]:
        with pytest.raises(ShapeError, match=r"SGD: the gradient of 'W' has shape .*, expected \(2, 3\)"):
            optimizer.step({"W": bad})  # (before: broadcast into every row)
    np.testing.assert_array_equal(W.value, np.zeros((2, 3)))


@pytest.mark.parametrize(("y", "message"), [
    (lambda y: y.astype(float), "the training labels y must be integers, got dtype float64"),
    (lambda y: np.where(np.arange(len(y)) == 4, 3, y), r"the training labels y hold 3 \(row 4\), but the "
                                                         r"network has 3 classes, 0\.\.2"),
    (lambda y: np.where(np.arange(len(y)) == 0, -1, y), r"hold -1 \(row 0\)"),
])
def test_labels_that_are_not_the_networks_classes_are_a_value_error_naming_the_row(spiral_data, y,
                                                                                    message) -> None:
    with pytest.raises(ValueError, match=message):
        train(Network([2, 3]), _with(spiral_data, y_train=y(spiral_data.y_train)), epochs=1, progress=False)
