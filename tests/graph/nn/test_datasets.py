"""Datasets: the CS231n spiral made in code, the digits through scikit-learn, the split."""

import sys

import numpy as np
import pytest

from graph.nn.datasets import digits, load_dataset, spiral, split


def test_spiral_is_the_case_study_data():
    X, y = spiral()
    assert X.shape == (300, 2) and X.dtype == np.float64
    assert y.dtype == np.int64 and np.bincount(y).tolist() == [100, 100, 100]
    for j in range(3):
        arm = X[y == j]
        arm = arm[np.argsort(np.hypot(arm[:, 0], arm[:, 1]))]  # the arm from its centre outwards
        # radius evenly spaced 0..1, angle 4j..4(j+1) plus noise of std 0.2
        np.testing.assert_allclose(np.hypot(arm[:, 0], arm[:, 1]), np.linspace(0, 1, 100), atol=1e-12)
        theta = np.arctan2(arm[1:, 0], arm[1:, 1])  # x = r sin t, y = r cos t
        noise = np.angle(np.exp(1j * (theta - np.linspace(4 * j, 4 * (j + 1), 100)[1:])))
        assert 0.12 < noise.std() < 0.28 and abs(noise.mean()) < 0.08


def test_spiral_rows_are_shuffled_not_sorted_by_class():
    _, y = spiral()
    assert set(y[:10].tolist()) == {0, 1, 2}                       # any slice holds every class
    assert np.count_nonzero(np.diff(y)) > 150                      # arm by arm would change label twice
    np.testing.assert_array_equal(spiral()[1], y)                  # the same order every time


def test_spiral_is_reproducible_from_its_seed():
    np.testing.assert_array_equal(spiral(seed=3)[0], spiral(seed=3)[0])
    assert not np.array_equal(spiral(seed=3)[0], spiral(seed=4)[0])
    X, y = spiral(points_per_class=10, num_classes=5, noise=0.0)
    assert X.shape == (50, 2) and set(y.tolist()) == set(range(5))
    with pytest.raises(ValueError, match="points_per_class"):
        spiral(points_per_class=0)


def test_load_spiral_trains_on_the_case_study_points_and_validates_on_a_fresh_draw():
    data = load_dataset("spiral")
    X, y = spiral(seed=0)
    np.testing.assert_array_equal(data.X_train, X)
    np.testing.assert_array_equal(data.y_train, y)
    assert data.X_val.shape == (300, 2) and not np.array_equal(data.X_val, X)
    np.testing.assert_array_equal(load_dataset("spiral").X_val, data.X_val)
    assert (data.num_features, data.num_classes) == (2, 3)


def test_split_holds_out_every_fifth_example_of_each_class():
    X = np.arange(40.0).reshape(20, 2)
    y = np.array([0, 1] * 8 + [2] * 4)
    X_train, y_train, X_val, y_val = split(X, y, every=4)
    # the 4th and 8th example of each class, in the data's order
    np.testing.assert_array_equal(X_val[:, 0] // 2, [6, 7, 14, 15, 19])
    assert y_val.tolist() == [0, 1, 0, 1, 2]
    assert sorted(X_train[:, 0].tolist() + X_val[:, 0].tolist()) == X[:, 0].tolist()
    assert len(y_train) == 15
    with pytest.raises(ValueError, match="every must be >= 2"):
        split(X, y, every=1)


def test_digits():
    pytest.importorskip("sklearn")
    X, y = digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert X.min() == 0.0 and X.max() == 1.0
    assert sorted(set(y.tolist())) == list(range(10))
    data = load_dataset("digits")
    assert (len(data.y_train), len(data.y_val), data.num_classes) == (1442, 355, 10)
    assert np.all(np.abs(np.bincount(data.y_val) - 0.2 * np.bincount(y)) < 1)


def test_digits_without_scikit_learn_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r'pip install "gategraph\[notebooks\]"'):
        load_dataset("digits")


def test_unknown_dataset():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'; the datasets are spiral, digits"):
        load_dataset("mnist")
