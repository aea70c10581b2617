"""Tests for nnteach.data: toy generators, splitting, preprocessing and the real data sets."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
import subprocess
import sys
import urllib.error
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from nnteach import _rng
from nnteach import data
from nnteach.data import real

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def shared_data(monkeypatch):
    """Point NNTEACH_DATA_DIR at <repo>/../shared/data, where CI keeps the real files."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared data folder {SHARED_DATA} does not exist on this machine")
    monkeypatch.setenv("NNTEACH_DATA_DIR", str(SHARED_DATA))
    return SHARED_DATA


# ----------------------------------------------------------------------------------------- Dataset


def test_dataset_unpacks_into_X_and_y_and_has_length():
    ds = data.xor()
    X, y = ds
    assert X is ds.X and y is ds.y
    assert len(ds) == 4


def test_dataset_repr_shows_name_and_shapes_not_values():
    ds = data.spiral(n=30, classes=3, seed=0)
    assert repr(ds) == "Dataset('spiral', X=(30, 2) float64, y=(30,) int64, classes=3)"


def test_dataset_is_frozen_and_turns_feature_names_into_a_tuple():
    ds = data.Dataset(np.zeros((2, 2)), np.zeros(2), ["a", "b"])
    assert ds.feature_names == ("a", "b")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.X = np.ones((2, 2))


def test_dataset_rejects_inconsistent_fields():
    with pytest.raises(ValueError, match=r"Dataset: X and y must have the same number of samples, got 3 and 2"):
        data.Dataset(np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"expected X to be a 2-D array .* got 1-D shape \(3,\)"):
        data.Dataset(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"expected feature_names to be 2 strings"):
        data.Dataset(np.zeros((3, 2)), np.zeros(3), ("only one",))
    with pytest.raises(ValueError, match=r"images and X must have the same number of samples, got 2 and 3"):
        data.Dataset(np.zeros((3, 2)), np.zeros(3), images=np.zeros((2, 1, 2)))


# ------------------------------------------------------------------------------------- generators


def test_xor_is_the_truth_table():
    X, y = data.xor()
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert data.xor(dtype=np.float32).X.dtype == np.float32


def test_xor_rejects_a_non_float_dtype():
    with pytest.raises(TypeError, match=r"xor: expected a floating dtype .* got int64"):
        data.xor(dtype=np.int64)
    with pytest.raises(TypeError, match=r"xor: expected dtype to be a NumPy floating dtype"):
        data.xor(dtype="not a dtype")


GENERATORS = {
    # name: (call with n and seed, expected class counts)
    "spiral": (lambda seed: data.spiral(n=301, classes=3, seed=seed), [101, 100, 100]),
    "circles": (lambda seed: data.circles(n=201, seed=seed), [100, 101]),
    "moons": (lambda seed: data.moons(n=201, seed=seed), [100, 101]),
    "blobs": (lambda seed: data.blobs(n=200, centers=3, seed=seed), [67, 67, 66]),
}


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_shapes_dtypes_and_class_counts(name):
    make, counts = GENERATORS[name]
    ds = make(0)
    assert ds.X.shape == (sum(counts), 2) and ds.X.dtype == np.float64
    assert ds.y.shape == (sum(counts),) and ds.y.dtype == np.int64
    assert np.bincount(ds.y).tolist() == counts
    assert ds.name == name and ds.feature_names == ("x1", "x2") and ds.target_name == "class"
    assert np.isfinite(ds.X).all()


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_is_reproducible_with_a_seed_and_differs_with_another(name):
    make, _ = GENERATORS[name]
    a, b, c = make(7), make(7), make(8)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_uses_a_passed_generator_and_never_the_global_numpy_state(name):
    make, _ = GENERATORS[name]
    before = np.random.get_state()[1].copy()
    shared = np.random.default_rng(3)
    first, second = make(shared), make(shared)  # one stream: the second call continues it
    assert not np.array_equal(first.X, second.X)
    assert np.array_equal(make(np.random.default_rng(3)).X, first.X)
    with _rng.isolated_rng():  # seed=None draws from the package generator
        from_package = make(None)
    with _rng.isolated_rng():
        assert np.array_equal(make(None).X, from_package.X)
    assert np.array_equal(np.random.get_state()[1], before)


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_shuffles_the_classes(name):
    make, _ = GENERATORS[name]
    y = make(0).y
    assert (np.diff(y) != 0).sum() > 10  # class-by-class order would change label only k-1 times


def test_spiral_without_noise_follows_the_arm_formula():
    X, y = data.spiral(n=200, classes=2, noise=0.0, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])  # (N,)
    assert r.min() == pytest.approx(0.0) and r.max() == pytest.approx(1.0)
    theta = np.arctan2(X[:, 0], X[:, 1])  # x1 = r sin(theta), x2 = r cos(theta)
    expected = 2 * np.pi * y / 2 + 4 * r
    gap = np.angle(np.exp(1j * (theta - expected)))  # wrapped to (-pi, pi]
    assert np.abs(gap[r > 1e-9]).max() < 1e-9


def test_spiral_with_one_point_per_class_and_too_few_points():
    assert np.bincount(data.spiral(n=4, classes=4, seed=0).y).tolist() == [1, 1, 1, 1]
    with pytest.raises(ValueError, match=r"spiral: expected n >= classes .* got n=2 and classes=3"):
        data.spiral(n=2, classes=3)


def test_circles_without_noise_lie_on_two_radii():
    X, y = data.circles(n=100, noise=0.0, factor=0.3, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(r[y == 0], 1.0) and np.allclose(r[y == 1], 0.3)


def test_moons_without_noise_lie_on_two_half_circles():
    X, y = data.moons(n=100, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0) and (upper[:, 1] >= -1e-12).all()
    assert np.allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0) and (lower[:, 1] <= 0.5 + 1e-12).all()


def test_blobs_with_given_centers_in_three_dimensions():
    centers = np.array([[0.0, 0.0, 0.0], [10.0, -10.0, 5.0]])
    X, y = data.blobs(n=2000, centers=centers, std=0.5, seed=0)
    assert X.shape == (2000, 3)
    assert np.allclose(X[y == 1].mean(axis=0), centers[1], atol=0.05)
    assert X[y == 0].std(axis=0) == pytest.approx([0.5] * 3, abs=0.03)
    assert data.blobs(n=10, centers=centers, seed=0).feature_names == ("x1", "x2", "x3")


def test_blobs_random_centers_stay_in_the_box():
    X, y = data.blobs(n=50, centers=5, std=0.0, seed=1, box=(2, 3))
    assert ((X >= 2) & (X <= 3)).all()
    assert len(np.unique(X, axis=0)) == 5  # std=0: every point sits on its center


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: data.spiral(noise=-0.1), ValueError, r"spiral: expected noise >= 0, got -0.1"),
        (lambda: data.spiral(n=10.5), TypeError, r"spiral: expected n to be an integer, got float 10.5"),
        (lambda: data.spiral(classes=True), TypeError, r"spiral: expected classes to be an integer"),
        (lambda: data.spiral(seed="abc"), TypeError, r"spiral: expected rng/seed to be None"),
        (lambda: data.circles(factor=1.0), ValueError, r"circles: expected factor in \[0, 1\).*got 1.0"),
        (lambda: data.circles(factor="big"), TypeError, r"circles: expected factor to be a real number"),
        (lambda: data.circles(n=1), ValueError, r"circles: expected n >= 2, got 1"),
        (lambda: data.moons(noise="lots"), TypeError, r"moons: expected noise to be a number"),
        (lambda: data.blobs(centers=[1.0, 2.0]), ValueError, r"blobs: expected centers of shape \(k, d\).*got shape \(2,\)"),
        (lambda: data.blobs(centers=2.5), TypeError, r"blobs: expected centers to be an int or an array"),
        (lambda: data.blobs(centers=0), ValueError, r"blobs: expected centers >= 1, got 0"),
        (lambda: data.blobs(centers=[[0, np.nan]]), ValueError, r"blobs: centers contains NaN"),
        (lambda: data.blobs(box=(5, -5)), ValueError, r"blobs: expected box=\(low, high\) with low < high, both finite, got \(5, -5\)"),
        (lambda: data.blobs(box=3), TypeError, r"blobs: expected box=\(low, high\), two numbers, got 3"),
        (lambda: data.blobs(n=2, centers=3), ValueError, r"blobs: expected n >= centers .* got n=2 and centers=3"),
    ],
)
def test_generators_reject_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


# -------------------------------------------------------------------------------- train_test_split


def _rows(n):
    """X whose first column is a row id, and y = 10 * id, so pairs and rows can be tracked."""
    X = np.column_stack([np.arange(n), np.arange(n) ** 2]).astype(np.float64)  # (n, 2)
    return X, np.arange(n, dtype=np.int64) * 10


def test_split_sizes_follow_scikit_learn_rounding():
    X, y = _rows(10)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.25, seed=0)
    assert (len(X_train), len(X_test), len(y_train), len(y_test)) == (7, 3, 7, 3)  # ceil(2.5) = 3 test
    X_train, X_test, _, _ = data.train_test_split(X, y, test_size=4, seed=0)
    assert (len(X_train), len(X_test)) == (6, 4)


def test_split_partitions_the_rows_and_keeps_pairs_together():
    X, y = _rows(50)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, seed=0)
    both = np.concatenate([X_train, X_test])
    assert np.array_equal(both[np.argsort(both[:, 0])], X)
    assert np.array_equal(np.concatenate([y_train, y_test]), 10 * both[:, 0].astype(np.int64))
    assert y_train.dtype == np.int64
    assert not np.array_equal(X_train[:, 0], np.arange(40))  # shuffled


def test_split_is_reproducible_and_returns_copies():
    X, y = _rows(50)
    a = data.train_test_split(X, y, seed=3)
    b = data.train_test_split(X, y, seed=3)
    c = data.train_test_split(X, y, seed=4)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not np.array_equal(a[1], c[1])
    a[0][:] = -1
    assert X.min() == 0  # changing a split never changes the caller's data


def test_split_without_shuffle_keeps_order_and_takes_the_last_rows():
    X, y = _rows(10)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.3, shuffle=False)
    assert X_train[:, 0].tolist() == list(range(7)) and X_test[:, 0].tolist() == [7, 8, 9]
    assert y_test.tolist() == [70, 80, 90]


def test_stratified_split_keeps_class_proportions():
    y = np.repeat([0, 1], [70, 30])
    X = np.arange(100.0).reshape(-1, 1)
    _, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.2, seed=0, stratify=True)
    assert np.bincount(y_test).tolist() == [14, 6] and np.bincount(y_train).tolist() == [56, 24]
    assert np.array_equal(y[X_test[:, 0].astype(int)], y_test)


def test_stratified_split_shares_leftover_samples_by_largest_remainder():
    y = np.repeat([0, 1, 2], [5, 3, 2])  # exact shares of 3 test samples: 1.5, 0.9, 0.6
    _, _, _, y_test = data.train_test_split(np.zeros((10, 1)), y, test_size=3, seed=0, stratify=True)
    assert np.bincount(y_test, minlength=3).tolist() == [1, 1, 1]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"test_size": 1.0}, ValueError, r"expected a fractional test_size in \(0, 1\), got 1.0"),
        ({"test_size": 0.0}, ValueError, r"expected a fractional test_size in \(0, 1\), got 0.0"),
        ({"test_size": 0}, ValueError, r"test_size=0 leaves an empty side: with 10 samples expected a count from 1 to 9"),
        ({"test_size": 10}, ValueError, r"test_size=10 leaves an empty side"),
        ({"test_size": 0.95}, ValueError,
         r"test_size=0.95 of 10 samples leaves an empty training side \(10 test, 0 train\)"),
        ({"test_size": True}, TypeError, r"expected test_size to be a fraction in \(0, 1\) or an int count, got bool"),
        ({"test_size": "20%"}, TypeError, r"expected test_size to be a fraction"),
        ({"stratify": np.zeros(10)}, TypeError,
         r"expected stratify to be True or False, got ndarray. .*pass stratify=True"),
        ({"stratify": True, "shuffle": False}, ValueError, r"stratify=True needs shuffle=True"),
        ({"seed": -1}, TypeError, r"train_test_split: expected rng/seed"),
    ],
)
def test_split_rejects_bad_arguments(kwargs, error, message):
    X, y = _rows(10)
    with pytest.raises(error, match=message):
        data.train_test_split(X, y, **kwargs)


def test_split_names_both_lengths_when_they_differ():
    with pytest.raises(ValueError, match=r"train_test_split: X and y must have the same number of samples, got 10 and 9"):
        data.train_test_split(np.zeros((10, 2)), np.zeros(9))
    with pytest.raises(ValueError, match=r"expected at least 2 samples .* got 1"):
        data.train_test_split(np.zeros((1, 2)), np.zeros(1))
    with pytest.raises(ValueError, match=r"stratify=True needs y of shape \(N,\).*got shape \(10, 2\)"):
        data.train_test_split(np.zeros((10, 2)), np.zeros((10, 2)), stratify=True)


# ------------------------------------------------------------------------------------ Standardizer


def test_standardizer_gives_zero_mean_unit_std_and_round_trips(rng):
    X = rng.normal(loc=[5.0, -3.0, 100.0], scale=[3.0, 0.1, 20.0], size=(500, 3))  # (500, 3)
    s = data.Standardizer()
    Z = s.fit_transform(X)
    assert Z.mean(axis=0) == pytest.approx([0, 0, 0], abs=1e-12)
    assert Z.std(axis=0) == pytest.approx([1, 1, 1], abs=1e-12)
    assert s.mean_ == pytest.approx(X.mean(axis=0)) and s.std_ == pytest.approx(X.std(axis=0))
    assert np.allclose(s.inverse_transform(Z), X, rtol=1e-13, atol=1e-12)


def test_standardizer_uses_training_statistics_on_new_data():
    s = data.Standardizer().fit(np.array([[1.0, 10.0], [3.0, 30.0]]))  # mean (2, 20), std (1, 10)
    assert s.transform(np.array([[5.0, 0.0]])).tolist() == [[3.0, -2.0]]


def test_standardizer_maps_a_constant_column_to_exactly_zero():
    X = np.array([[0.1, 1.0], [0.1, 2.0], [0.1, 3.0]])
    s = data.Standardizer().fit(X)
    assert s.std_[0] == 1.0 and s.mean_[0] == 0.1
    Z = s.transform(X)
    assert (Z[:, 0] == 0).all() and np.isfinite(Z).all()
    assert np.array_equal(s.inverse_transform(Z)[:, 0], X[:, 0])


def test_standardizer_keeps_float32(rng):
    X = rng.normal(size=(20, 2)).astype(np.float32)
    assert data.Standardizer().fit_transform(X).dtype == np.float32


def test_standardizer_config_round_trips_through_json(rng):
    s = data.Standardizer().fit(rng.normal(size=(30, 4)))
    config = json.loads(json.dumps(s.get_config()))
    t = data.Standardizer.from_config(config)
    assert np.array_equal(t.mean_, s.mean_) and np.array_equal(t.std_, s.std_)
    assert data.Standardizer.from_config(data.Standardizer().get_config()).mean_ is None


def test_standardizer_repr():
    assert repr(data.Standardizer()) == "Standardizer(not fitted)"
    s = data.Standardizer().fit(np.array([[0.0, 1, 2, 3, 4], [2.0, 1, 2, 3, 4]]))
    assert repr(s) == "Standardizer(features=5, mean_=[1, 1, 2, 3, ...], std_=[1, 1, 1, 1, ...])"


def test_standardizer_errors():
    s = data.Standardizer()
    with pytest.raises(RuntimeError, match=r"Standardizer.transform: this Standardizer is not fitted yet. Call fit"):
        s.transform(np.zeros((2, 2)))
    with pytest.raises(RuntimeError, match=r"Standardizer.inverse_transform: .*Call fit"):
        s.inverse_transform(np.zeros((2, 2)))
    s.fit(np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match=r"expected X with 3 features \(the width seen by fit\), got 2 \(shape \(4, 2\)\)"):
        s.transform(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"Standardizer.transform: X contains NaN or infinity \(first at index \(1, 2\)"):
        s.transform(np.array([[0.0, 0, 0], [0, 0, np.inf]]))
    with pytest.raises(ValueError, match=r"Standardizer.fit: X contains NaN or infinity"):
        data.Standardizer().fit(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match=r"Standardizer.fit: expected X of shape \(N, features\), a 2-D batch, got 1-D"):
        data.Standardizer().fit(np.zeros(5))
    with pytest.raises(ValueError, match=r"Standardizer.fit: expected at least one sample"):
        data.Standardizer().fit(np.zeros((0, 3)))
    with pytest.raises(ValueError, match=r"Standardizer.from_config: expected a dict with keys 'mean' and 'std'"):
        data.Standardizer.from_config({"mu": [0.0]})
    with pytest.raises(ValueError, match=r"expected finite means and positive finite stds"):
        data.Standardizer.from_config({"mean": [0.0], "std": [0.0]})
    with pytest.raises(ValueError, match=r"lists of equal length, got shapes \(2,\) and \(1,\)"):
        data.Standardizer.from_config({"mean": [0.0, 1.0], "std": [1.0]})


# ------------------------------------------------------------------------------------------ one_hot


def test_one_hot_values():
    assert data.one_hot([0, 2, 1]).tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    Y = data.one_hot(np.array([1, 1]), num_classes=4, dtype=np.float32)
    assert Y.tolist() == [[0, 1, 0, 0], [0, 1, 0, 0]] and Y.dtype == np.float32
    assert data.one_hot(np.array([0.0, 1.0])).tolist() == [[1, 0], [0, 1]]  # whole-number floats are labels
    assert data.one_hot(np.array([], dtype=np.int64), num_classes=3).shape == (0, 3)


@pytest.mark.parametrize(
    "y, kwargs, error, message",
    [
        ([0, 0.5, 1], {}, ValueError, r"one_hot: expected integer class labels, got 0.5 at index 1"),
        ([0, -1, 1], {}, ValueError, r"one_hot: expected labels >= 0, got -1 at index 1. Valid labels are 0..1"),
        ([0, 1, 3], {"num_classes": 3}, ValueError,
         r"label 3 at index 2 is out of range for num_classes=3; valid labels are 0..2"),
        (["cat", "dog"], {}, TypeError, r"one_hot: expected integer class labels, got dtype <U3"),
        ([[0], [1]], {}, ValueError,
         r"expected labels of shape \(N,\).*got shape \(2, 1\). For a column of labels use y.ravel"),
        ([0, 1], {"num_classes": 0}, ValueError, r"one_hot: expected num_classes >= 1, got 0"),
        ([0, 1], {"num_classes": 2.0}, TypeError, r"one_hot: expected num_classes to be an integer, got float"),
        ([], {}, ValueError, r"cannot infer num_classes from an empty y"),
    ],
)
def test_one_hot_rejects_bad_labels(y, kwargs, error, message):
    with pytest.raises(error, match=message):
        data.one_hot(y, **kwargs)


# ------------------------------------------------------------------------------- California Housing


def test_california_housing_matches_the_readme(shared_data):
    ds = data.california_housing()
    X, y = ds
    assert X.shape == (20640, 8) and y.shape == (20640,)
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert ds.feature_names == (
        "MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude", "Longitude",
    )
    assert ds.target_name == "MedHouseVal"
    # first row, to the precision the README prints
    assert X[0] == pytest.approx([8.3252, 41, 6.984127, 1.023810, 322, 2.555556, 37.88, -122.23], abs=5e-7)
    assert y[0] == pytest.approx(4.526, abs=5e-13)
    assert (y.min(), y.max()) == (0.14999, 5.00001)
    assert (y == 5.00001).sum() == 965
    assert X[:, 5].max() == pytest.approx(1243.33, abs=0.01)  # AveOccup outlier
    assert X[:, 2].max() == pytest.approx(141.91, abs=0.01)  # AveRooms outlier
    assert X[:, 0].max() == 15.0001 and X[:, 1].max() == 52


def test_california_housing_description_cites_the_source(shared_data):
    text = data.california_housing().description
    for words in ("Pace", "Barry", "1997", "StatLib", "No explicit licence"):
        assert words in text


def test_california_housing_returns_copies_of_the_cached_arrays(shared_data):
    first = data.california_housing()
    first.X[:] = 0
    first.y[:] = 0
    again = data.california_housing()
    assert again.X[0, 0] == 8.3252 and again.y[0] == 4.526


def test_california_housing_data_dir_wins_over_the_environment(shared_data, monkeypatch, tmp_path):
    monkeypatch.setenv("NNTEACH_DATA_DIR", str(tmp_path / "nowhere"))
    assert data.california_housing(data_dir=shared_data).X.shape == (20640, 8)


def test_california_housing_follows_scikit_learns_derivation_bit_for_bit(shared_data):
    # scikit-learn's fetch_california_housing, step by step as it derives its 8 features from StatLib's
    # 9 raw columns (the same float64 operations, so the same bits). Runs everywhere: the test below
    # compares with scikit-learn's own cached copy, which a fresh machine does not have.
    import gzip

    with gzip.open(shared_data / "cal_housing.data.gz", "rt") as fh:
        raw = np.loadtxt(fh, delimiter=",")  # lon, lat, age, rooms, bedrooms, population, households, income, value
    raw = raw[:, [8, 7, 2, 3, 4, 5, 6, 1, 0]]
    target, X = raw[:, 0], raw[:, 1:]
    X[:, 2] /= X[:, 5]  # rooms per household
    X[:, 3] /= X[:, 5]  # bedrooms per household
    X[:, 5] = X[:, 4] / X[:, 5]  # people per household
    ds = data.california_housing()
    assert np.array_equal(ds.X, X) and np.array_equal(ds.y, target / 100000.0)


def test_california_housing_is_bit_identical_to_scikit_learns_cached_copy(shared_data):
    sk = pytest.importorskip("sklearn.datasets")
    try:
        bunch = sk.fetch_california_housing(download_if_missing=False)  # tests never download
    except OSError:
        pytest.skip("scikit-learn's cached copy of California Housing is not available (tests never download)")
    ds = data.california_housing()
    assert np.array_equal(ds.X, bunch.data) and np.array_equal(ds.y, bunch.target)


def test_california_housing_missing_folder_and_file(monkeypatch, tmp_path):
    missing = tmp_path / "no_such_folder"
    message = rf"the folder {re.escape(str(missing))} \(from the data_dir argument\) does not exist"
    with pytest.raises(FileNotFoundError, match=message):
        data.california_housing(data_dir=missing)
    monkeypatch.setenv("NNTEACH_DATA_DIR", str(tmp_path))
    path = re.escape(str(tmp_path / "cal_housing.data.gz"))
    with pytest.raises(FileNotFoundError, match=rf"expected the file {path} .* from the environment variable NNTEACH_DATA_DIR"):
        data.california_housing()


def _write_gz(folder: Path, text: str) -> Path:
    path = folder / "cal_housing.data.gz"
    with gzip.open(path, "wt") as f:
        f.write(text)
    return path


def test_california_housing_malformed_files(tmp_path):
    path = tmp_path / "cal_housing.data.gz"
    path.write_text("not gzip at all")
    with pytest.raises(ValueError, match=rf"could not decompress {re.escape(str(path))} .*Expected the gzip"):
        data.california_housing(data_dir=tmp_path)
    _write_gz(tmp_path, "1,2,3,4,5,6,7,8,9\n" * 3)
    with pytest.raises(ValueError, match=r"has shape \(3, 9\). Expected .* 20640 rows x 9 comma-separated numbers"):
        data.california_housing(data_dir=tmp_path)
    _write_gz(tmp_path, "longitude,latitude\n-122.23,37.88\n")
    with pytest.raises(ValueError, match=rf"could not parse {re.escape(str(path))}"):
        data.california_housing(data_dir=tmp_path)
    _write_gz(tmp_path, "1,2,3,4,5,6,0,8,9\n" * 20640)
    with pytest.raises(ValueError, match=r"NaN, infinity or a household count <= 0"):
        data.california_housing(data_dir=tmp_path)
    with pytest.raises(TypeError, match=r"california_housing: expected data_dir to be a folder path .* got int 3"):
        data.california_housing(data_dir=3)


def test_california_housing_without_any_source_says_how_to_get_it(monkeypatch):
    monkeypatch.delenv("NNTEACH_DATA_DIR", raising=False)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # as if scikit-learn were not installed
    with pytest.raises(FileNotFoundError, match=r"set the environment variable NNTEACH_DATA_DIR .*pip install scikit-learn"):
        data.california_housing()


def test_california_housing_falls_back_to_scikit_learn(monkeypatch, rng):
    sk = pytest.importorskip("sklearn.datasets")
    monkeypatch.delenv("NNTEACH_DATA_DIR", raising=False)
    fake = SimpleNamespace(data=rng.normal(size=(20640, 8)), target=rng.uniform(size=20640))
    monkeypatch.setattr(sk, "fetch_california_housing", lambda: fake)  # no download in tests
    ds = data.california_housing()
    assert np.array_equal(ds.X, fake.data) and ds.X is not fake.data
    assert ds.feature_names[0] == "MedInc"

    def offline():
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(sk, "fetch_california_housing", offline)
    with pytest.raises(RuntimeError, match=r"scikit-learn could not download the data .*set NNTEACH_DATA_DIR"):
        data.california_housing()


# ------------------------------------------------------------------------------------------- digits


def test_digits_shapes_dtypes_and_ranges():
    pytest.importorskip("sklearn")
    ds = data.digits()
    assert ds.X.shape == (1797, 64) and ds.X.dtype == np.float64
    assert ds.y.shape == (1797,) and ds.y.dtype == np.int64
    assert ds.images.shape == (1797, 8, 8)
    assert ds.X.min() == 0 and ds.X.max() == 16
    assert np.bincount(ds.y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert np.array_equal(ds.images.reshape(1797, 64), ds.X)
    ds.X[:] = -1
    assert data.digits().X.min() == 0  # a copy, not the cache


def test_digits_without_scikit_learn_says_what_to_install(monkeypatch):
    monkeypatch.setattr(real, "_DIGITS_CACHE", {})
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"digits: needs scikit-learn, .*pip install scikit-learn .*nnteach\[data\]"):
        data.digits()


# ------------------------------------------------------------------------------------------ layering


def test_importing_data_needs_only_numpy():
    code = (
        "import sys, nnteach.data; "
        "print(sorted(m for m in ('sklearn', 'matplotlib', 'ipywidgets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]"
