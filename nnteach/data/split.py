"""Hold data out: ``train_test_split`` with scikit-learn's argument names and return order."""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._rng import RNGLike, get_rng
from .._validation import as_array

_WHO = "train_test_split"


def _as_rows(a, name: str) -> np.ndarray:
    """An array with samples along axis 0 (dtype kept: labels stay int)."""
    arr = as_array(a, _WHO, name)  # a ragged list gets a message, not NumPy's traceback
    if arr.ndim == 0:
        raise ValueError(f"{_WHO}: expected {name} to be an array with one sample per row, got a scalar {a!r}.")
    return arr


def _n_test(test_size, n: int) -> int:
    """How many of n samples go to the test side; errors if either side would be empty."""
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(
            f"{_WHO}: expected test_size to be a fraction in (0, 1) or an int count, "
            f"got {type(test_size).__name__} {test_size!r}."
        )
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
        if not 1 <= n_test <= n - 1:
            raise ValueError(
                f"{_WHO}: test_size={n_test} leaves an empty side: with {n} samples expected a count "
                f"from 1 to {n - 1}. Use a fraction such as test_size=0.2 for 20%."
            )
        return n_test
    if not 0 < test_size < 1:
        raise ValueError(
            f"{_WHO}: expected a fractional test_size in (0, 1), got {test_size}. "
            f"Write 0.2 for 20%, or pass an int for a count of samples."
        )
    n_test = math.ceil(test_size * n)  # scikit-learn rounds the test side up
    if n_test >= n:
        raise ValueError(
            f"{_WHO}: test_size={test_size} of {n} samples leaves an empty training side "
            f"({n_test} test, {n - n_test} train). Use a smaller test_size or more data."
        )
    return n_test


def _stratified_test_counts(counts: np.ndarray, n_test: int) -> np.ndarray:
    """Share n_test over classes in proportion to their sizes (largest remainder, so they sum exactly)."""
    exact = counts * n_test / counts.sum()  # (classes,)
    take = np.floor(exact).astype(np.int64)
    # stable sort so ties go to the earlier class: the split stays reproducible
    by_remainder = np.argsort(-(exact - take), kind="stable")
    take[by_remainder[: n_test - take.sum()]] += 1
    return take


def _stratified_indices(y: np.ndarray, n_test: int, rng: np.random.Generator):
    if y.ndim != 1:
        raise ValueError(
            f"{_WHO}: stratify=True needs y of shape (N,) with one class label per sample, got shape {y.shape}. "
            f"For one-hot targets pass y.argmax(axis=1)."
        )
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    take = _stratified_test_counts(counts, n_test)
    test, train = [], []
    for c in range(len(classes)):
        members = rng.permutation(np.flatnonzero(inverse == c))
        test.append(members[: take[c]])
        train.append(members[take[c]:])
    # shuffle again so the classes are mixed rather than grouped
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def train_test_split(X, y, test_size=0.2, seed: RNGLike = None, shuffle: bool = True, stratify: bool = False):
    """Split samples into a training part and a held-out test part.

    With ``test_size`` a fraction, the test side gets ``ceil(test_size * N)`` samples (as in
    scikit-learn). With ``stratify=True`` each class keeps (as nearly as whole samples allow) the
    same share on both sides, which matters for small or unbalanced data sets.

    Args:
        X: inputs with samples along the first axis, shape (N, ...).
        y: targets with samples along the first axis, shape (N, ...).
        test_size: a fraction in (0, 1) or an int count of test samples.
        seed: None, an int or a numpy Generator (only used when shuffling).
        shuffle: shuffle before splitting; with False the last samples form the test side.
        stratify: keep class proportions, treating ``y`` (shape (N,)) as class labels.

    Returns:
        ``X_train, X_test, y_train, y_test`` (scikit-learn's order), all new arrays.

    Examples:
        >>> from nnteach import data
        >>> X, y = data.spiral(n=100, seed=0)
        >>> X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.2, seed=0)
        >>> X_train.shape, X_test.shape
        ((80, 2), (20, 2))
    """
    X, y = _as_rows(X, "X"), _as_rows(y, "y")
    if len(X) != len(y):
        raise ValueError(f"{_WHO}: X and y must have the same number of samples, got {len(X)} and {len(y)}.")
    for name, flag in (("shuffle", shuffle), ("stratify", stratify)):
        if not isinstance(flag, (bool, np.bool_)):
            hint = " nnteach stratifies on y itself: pass stratify=True." if name == "stratify" else ""
            raise TypeError(f"{_WHO}: expected {name} to be True or False, got {type(flag).__name__}.{hint}")
    if stratify and not shuffle:
        raise ValueError(f"{_WHO}: stratify=True needs shuffle=True (a stratified split picks samples at random).")
    n = len(X)
    if n < 2:
        raise ValueError(f"{_WHO}: expected at least 2 samples to split into two non-empty parts, got {n}.")
    n_test = _n_test(test_size, n)
    rng = get_rng(seed, _WHO)  # checked even when unused, so a typo in seed= never passes silently
    if stratify:
        train, test = _stratified_indices(y, n_test, rng)
    elif shuffle:
        order = rng.permutation(n)
        train, test = order[: n - n_test], order[n - n_test:]
    else:
        train, test = np.arange(n - n_test), np.arange(n - n_test, n)
    # fancy indexing copies, so changing a split never changes the caller's arrays
    return X[train], X[test], y[train], y[test]
