r"""Checkers for lesson 10, real data: California Housing (``notebooks/10_california_housing.ipynb``).

The references are nnteach's own ``nt.data.Standardizer`` (fitted on the training part), the
RMSE as ``Trainer.evaluate`` computes it, and NumPy's least squares. Each checker runs the
learner's function on a small made-up data set whose training and test parts differ clearly, so
that every typical mistake gives a different, recognisable result.
"""

from __future__ import annotations

import warnings

import numpy as np

import nnteach as nt
from nnteach.exercises.feedback import Feedback, compare_arrays, guarded


def _quietly(fn, *args):
    """Call the learner's function without NumPy's warnings: the checker explains instead."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args)


# ----------------------------------------------------------------------------- exercise 10.1
def _standardize_data():
    """A training part and a test part whose statistics differ clearly (the test part is shifted)."""
    rng = np.random.default_rng(1010)
    mean, std = np.array([5.0, -2.0, 100.0]), np.array([2.0, 0.5, 30.0])
    X_train = mean + std * rng.normal(size=(40, 3))  # (40, 3)
    X_test = mean + 1.5 * std + 2.0 * std * rng.normal(size=(12, 3))  # (12, 3): shifted and wider
    return X_train, X_test


def _scaled(fit_on: np.ndarray, *parts: np.ndarray, ddof: int = 0) -> tuple:
    mean, std = fit_on.mean(axis=0), fit_on.std(axis=0, ddof=ddof)
    return tuple((p - mean) / std for p in parts)


def _close(a, b) -> bool:
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-9)


@guarded("Exercise 10.1")
def check_standardize(standardize) -> Feedback:
    """Run ``standardize(X_train, X_test) -> (Z_train, Z_test)``; compare with a Standardizer fitted on X_train."""
    ex = "Exercise 10.1"
    if not callable(standardize):
        return Feedback(ex, False, f"expected your function standardize, got {type(standardize).__name__}.")
    X_train, X_test = _standardize_data()
    result = _quietly(standardize, X_train.copy(), X_test.copy())
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return Feedback(ex, False, "standardize should return two arrays: (Z_train, Z_test).")
    try:
        Z_train, Z_test = (np.asarray(r, dtype=float) for r in result)
    except (TypeError, ValueError):
        return Feedback(ex, False, "standardize should return two numeric arrays: (Z_train, Z_test).")
    scaler = nt.data.Standardizer().fit(X_train)
    ref_train, ref_test = scaler.transform(X_train), scaler.transform(X_test)
    for name, got, ref in (("Z_train", Z_train, ref_train), ("Z_test", Z_test, ref_test)):
        if got.shape != ref.shape:
            return Feedback(ex, False, compare_arrays(f"your {name}", got, ref))
    if _close(Z_train, ref_train) and _close(Z_test, ref_test):
        return Feedback(ex, True, "both parts are scaled with the training part's mean and standard deviation, "
                                  "exactly as nt.data.Standardizer().fit(X_train) does.")
    both = np.vstack([X_train, X_test])
    mistakes = [
        (_scaled(both, X_train, X_test),
         "you fitted the statistics on the whole data set (training and test together), so the test rows "
         "leaked into the mean and the standard deviation. Fit on X_train only: the test part stands for "
         "data the model has never seen."),
        (_scaled(X_test, X_train, X_test),
         "you computed the mean and standard deviation from the test part. Fit them on X_train: the test "
         "part must stay unseen until the very end."),
        ((_scaled(X_train, X_train)[0], _scaled(X_test, X_test)[0]),
         "Z_train is right, but you standardized the test part with its own mean and standard deviation. "
         "Transform it with the training statistics: the network learned on that scale, and with its own "
         "statistics any test set, however different, would look centred at 0."),
        (_scaled(X_train, X_train, X_test, ddof=1),
         None),  # the sample standard deviation: a defensible choice, accepted below
        ((X_train - X_train.mean(axis=0), X_test - X_train.mean(axis=0)),
         "you subtracted the training mean but did not divide by the standard deviation."),
        ((X_train / X_train.std(axis=0), X_test / X_train.std(axis=0)),
         "you divided by the standard deviation but did not subtract the mean first."),
        (((X_train - X_train.mean()) / X_train.std(), (X_test - X_train.mean()) / X_train.std()),
         "you used one mean and one standard deviation for all the columns together. Each feature needs "
         "its own: X_train.mean(axis=0) and X_train.std(axis=0), one value per column."),
        (((X_train - X_train.mean(axis=0)) * X_train.std(axis=0), (X_test - X_train.mean(axis=0)) * X_train.std(axis=0)),
         "you multiplied by the standard deviation: divide by it, z = (x − mean) / std."),
    ]
    for (got_train, got_test), message in mistakes:
        if _close(Z_train, got_train) and _close(Z_test, got_test):
            if message is None:
                return Feedback(ex, True, "right, with the sample standard deviation (ddof=1). nt.data.Standardizer "
                                          "and scikit-learn divide by N (np.std's default, ddof=0); with thousands "
                                          "of rows the two agree to a fraction of a percent.")
            return Feedback(ex, False, message)
    if not _close(Z_train, ref_train):
        means = Z_train.mean(axis=0)
        if not np.allclose(means, 0, atol=1e-6):
            return Feedback(ex, False, f"the columns of your Z_train should have mean 0 (it was fitted on that part), "
                                       f"but have means {np.round(means, 3).tolist()}.")
        return Feedback(ex, False, compare_arrays("your Z_train", Z_train, ref_train))
    return Feedback(ex, False, "Z_train is right; " + compare_arrays("your Z_test", Z_test, ref_test)
                    + " Transform X_test with the training mean and standard deviation.")


# ----------------------------------------------------------------------------- exercise 10.2
def _rmse_data():
    rng = np.random.default_rng(1020)
    y_true = rng.uniform(0.5, 5.0, 30)  # (30,)
    y_pred = (y_true + rng.normal(0, 0.6, 30)).reshape(-1, 1)  # (30, 1): as a model predicts
    return y_pred, y_true


@guarded("Exercise 10.2")
def check_rmse(rmse) -> Feedback:
    """Run ``rmse(y_pred, y_true)`` with y_pred of shape (N, 1), as a model returns it, and y_true of shape (N,)."""
    ex = "Exercise 10.2"
    if not callable(rmse):
        return Feedback(ex, False, f"expected your function rmse, got {type(rmse).__name__}.")
    y_pred, y_true = _rmse_data()
    err = y_pred.ravel() - y_true  # (N,)
    expected = float(np.sqrt(np.mean(err ** 2)))
    flat = _as_number(_quietly(rmse, y_pred.ravel().copy(), y_true.copy()))
    got = _as_number(_quietly(rmse, y_pred.copy(), y_true.copy()))
    if isinstance(got, str):
        return Feedback(ex, False, got)
    if np.isclose(got, expected, rtol=1e-9):
        return Feedback(ex, True, f"RMSE = {expected:.4f} for predictions of shape (N, 1) and targets of shape (N,): "
                                  f"in the units of the target, the typical size of an error.")
    pairs = y_pred - y_true  # (N, N): what broadcasting gives
    mistakes = [
        (float(np.mean(err ** 2)), "this is the MSE, the square of the RMSE: take its square root, np.sqrt(...)."),
        (float(np.sqrt(np.mean(pairs ** 2))),
         "y_pred has shape (N, 1) and y_true shape (N,): subtracting them broadcasts to an (N, N) matrix of "
         "every prediction minus every target. Flatten first: y_pred.reshape(-1) - y_true."),
        (float(np.mean(pairs ** 2)),
         "two mistakes: (N, 1) minus (N,) broadcasts to an (N, N) matrix (flatten y_pred first), and this is "
         "the MSE: take its square root."),
        (float(np.mean(np.abs(err))), "this is the mean absolute error (MAE); the RMSE squares the errors, "
                                      "averages them, then takes the square root."),
        (float(np.sqrt(np.sum(err ** 2))), "you took the root of the sum of the squared errors: average them "
                                           "first (np.mean), then take the square root."),
        (float(np.sqrt(np.mean(np.abs(err)))), "square the errors (err ** 2) before averaging, not their absolute values."),
        (float(np.mean(np.abs(err))) ** 0.5, "square the errors (err ** 2) before averaging, not their absolute values."),
    ]
    for value, message in mistakes:
        if np.isclose(got, value, rtol=1e-9):
            return Feedback(ex, False, message)
    if not isinstance(flat, str) and np.isclose(flat, expected, rtol=1e-9):
        return Feedback(ex, False, f"right for two arrays of shape (N,), but with y_pred of shape (N, 1), as "
                                   f"model.predict returns it, you get {got:.4f} instead of {expected:.4f}. "
                                   f"Flatten both: y_pred.reshape(-1), y_true.reshape(-1).")
    return Feedback(ex, False, f"your RMSE is {got:.6g}, expected {expected:.6g}: "
                               f"√(mean of (ŷ − y)²) over the N samples.")


def _as_number(value) -> float | str:
    """The learner's result as a float, or a sentence saying why it is not one number."""
    if value is None:
        return "rmse returned None: return the number (use return, not print)."
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return f"rmse should return one number, got {type(value).__name__}."
    if arr.size != 1:
        return (f"rmse should return one number, got an array of shape {arr.shape}: average over the samples "
                f"(np.mean) to get one number.")
    if arr.ndim > 0:
        return (f"rmse should return one number, got an array of shape {arr.shape}: a mean along an axis keeps "
                f"that axis. Take np.mean over all the values (no axis), or return float(...) of the result.")
    result = float(arr.reshape(()))
    if not np.isfinite(result):
        return f"rmse returned {result}."
    return result


# ----------------------------------------------------------------------------- exercise 10.3
def _linear_data():
    rng = np.random.default_rng(1030)
    X = rng.normal(size=(60, 3))  # (60, 3)
    y = X @ np.array([0.8, -0.5, 0.3]) + 2.0 + rng.normal(0, 0.3, 60)  # (60,): an intercept of 2
    return X, y


def _lstsq(A: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.linalg.lstsq(A, y, rcond=None)[0]


@guarded("Exercise 10.3")
def check_fit_linear(fit_linear) -> Feedback:
    """Run ``fit_linear(X, y) -> (w, b)``; compare with the least-squares solution with an intercept."""
    ex = "Exercise 10.3"
    if not callable(fit_linear):
        return Feedback(ex, False, f"expected your function fit_linear, got {type(fit_linear).__name__}.")
    X, y = _linear_data()
    n, d = X.shape
    result = _quietly(fit_linear, X.copy(), y.copy())
    coef = _lstsq(np.column_stack([X, np.ones(n)]), y)  # (d + 1,): w then b
    w_ref, b_ref = coef[:d], float(coef[d])
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        try:
            flat = np.asarray(result, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            flat = None
        if flat is not None and flat.shape == (d + 1,) and np.allclose(flat, coef, rtol=1e-6):
            return Feedback(ex, False, "your coefficients are right, but return them as two things, (w, b): "
                                       "w = coef[:-1] (one weight per feature) and b = coef[-1].")
        return Feedback(ex, False, "fit_linear should return two things: (w, b), w with one weight per feature "
                                   "and b a number.")
    try:
        w = np.asarray(result[0], dtype=float).reshape(-1)
        b = np.asarray(result[1], dtype=float)
    except (TypeError, ValueError):
        return Feedback(ex, False, "fit_linear should return (w, b): an array of weights and a number.")
    if w.size == 1 and b.size == d:
        return Feedback(ex, False, "you returned (b, w): return the weights first, then the bias, (w, b).")
    if b.size != 1:
        return Feedback(ex, False, f"b should be one number (the intercept), got an array of shape {b.shape}.")
    b = float(b.reshape(()))
    if w.shape != (d,):
        return Feedback(ex, False, f"w should hold one weight per feature, {d} here, got shape {w.shape}.")
    if np.allclose(w, w_ref, rtol=1e-6, atol=1e-9) and np.isclose(b, b_ref, rtol=1e-6):
        return Feedback(ex, True, f"w = {np.round(w_ref, 4).tolist()}, b = {b_ref:.4f}: the exact minimiser of the "
                                  f"squared error, no training needed.")
    no_bias = _lstsq(X, y)
    if np.allclose(w, no_bias, rtol=1e-6) and abs(b) < 1e-9:
        return Feedback(ex, False, "you fitted without an intercept, so the line must pass through the origin. "
                                   "Append a column of ones, A = np.column_stack([X, np.ones(len(X))]); its "
                                   "coefficient is b.")
    first = _lstsq(np.column_stack([np.ones(n), X]), y)  # ones first: b then w
    if np.allclose(w, first[:d], rtol=1e-6) and np.isclose(b, first[d], rtol=1e-6):
        return Feedback(ex, False, "your column of ones is the first column, so coef[0] is b and coef[1:] is w; "
                                   "you split it as if the ones came last.")
    if np.allclose(w, w_ref, rtol=2e-2, atol=2e-3) and np.isclose(b, b_ref, rtol=2e-2, atol=2e-3):
        return Feedback(ex, False, "close, but not the exact solution: did you train it with gradient descent? "
                                   "np.linalg.lstsq gives the exact minimiser in one call.")
    if not np.allclose(w, w_ref, rtol=1e-6, atol=1e-9):
        return Feedback(ex, False, compare_arrays("your w", w, w_ref))
    return Feedback(ex, False, f"w is right but b = {b:.6g}, expected {b_ref:.6g}.")
