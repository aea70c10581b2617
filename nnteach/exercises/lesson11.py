r"""Checkers for lesson 11, multi-class classification of handwritten digits (``notebooks/11_digits.ipynb``).

The references: the accuracy as ``nt.Trainer.evaluate`` computes it for ``nt.CrossEntropyLoss``
(the argmax of each row of logits against the labels), a confusion matrix counted one sample at a
time, and per-class precision and recall read from its columns and rows. Each checker's data are
chosen so that every typical mistake gives a different, recognisable result.
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


# ----------------------------------------------------------------------------- exercise 11.1
def _accuracy_data():
    """Logits of 10 samples over 10 classes (as many samples as classes: a wrong axis still runs)."""
    rng = np.random.default_rng(1110)
    logits = rng.normal(0, 2, (10, 10))  # (N, C)
    y = logits.argmax(axis=1).copy()  # (N,): start from "all right" ...
    y[[1, 4, 7]] = (y[[1, 4, 7]] + 3) % 10  # ... then make three wrong: accuracy 0.7
    return logits, y


def _reference_accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    """The accuracy exactly as Trainer.evaluate reports it for CrossEntropyLoss."""
    model = nt.Sequential(nt.Identity())  # passes the logits through unchanged
    trainer = nt.Trainer(model, nt.CrossEntropyLoss(), nt.SGD([nt.Parameter(np.zeros(1))], lr=0.1))
    return trainer.evaluate(logits, y)["accuracy"]


@guarded("Exercise 11.1")
def check_accuracy(accuracy) -> Feedback:
    """Run ``accuracy(logits, y)`` on logits of shape (N, C) and labels of shape (N,)."""
    ex = "Exercise 11.1"
    if not callable(accuracy):
        return Feedback(ex, False, f"expected your function accuracy, got {type(accuracy).__name__}.")
    logits, y = _accuracy_data()
    expected = _reference_accuracy(logits, y)
    try:
        value = _quietly(accuracy, logits.copy(), y.copy())
    except ValueError as exc:
        if "broadcast" in str(exc):
            return Feedback(ex, False, f"your code raised ValueError ({exc}). Compare one predicted class per "
                                       f"sample with y: logits.argmax(axis=1) has shape (N,), like y.")
        raise
    if value is None:
        return Feedback(ex, False, "accuracy returned None: return the number (use return, not print).")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return Feedback(ex, False, f"accuracy should return one number, got {type(value).__name__}.")
    if arr.size != 1:
        return Feedback(ex, False, f"accuracy should return one number, got an array of shape {arr.shape}: "
                                   f"the mean of (predicted == y) over the samples.")
    got = float(arr.reshape(()))
    if np.isclose(got, expected):
        return Feedback(ex, True, f"accuracy = {expected:.2f}: the class with the largest logit is the prediction "
                                  f"(softmax would not change which one is largest).")
    wrong_axis = float(np.mean(logits.argmax(axis=0) == y))
    mistakes = [
        (100 * expected, "that is a percentage: return the fraction of correct predictions, between 0 and 1."),
        (1 - expected, "that is the error rate, the fraction of *wrong* predictions: accuracy is the fraction "
                       "of right ones."),
        (float(np.sum(logits.argmax(axis=1) == y)), f"that is the number of correct predictions; divide by the "
                                                    f"number of samples N = {len(y)} (np.mean does both)."),
        (wrong_axis, "you took the argmax over axis 0, down the samples. Each row holds one sample's C class "
                     "scores: logits.argmax(axis=1)."),
        (float(np.mean(logits.max(axis=1) == y)), "you compared the largest logit *value* with y; the predicted "
                                                  "class is its *position*: logits.argmax(axis=1)."),
    ]
    for value_, message in mistakes:
        if np.isclose(got, value_):
            return Feedback(ex, False, message)
    return Feedback(ex, False, f"your accuracy is {got:.4g}, expected {expected:.4g}: the mean over the samples of "
                               f"(logits.argmax(axis=1) == y).")


# ----------------------------------------------------------------------------- exercise 11.2
CM_CLASSES = 5


def _cm_data():
    """Labels with repeated (true, predicted) pairs and lopsided errors; class 4 never occurs."""
    rng = np.random.default_rng(1120)
    y_true = rng.integers(0, 4, 60)  # (60,) classes 0..3 only: class 4 is absent
    y_pred = y_true.copy()
    wrong = rng.choice(60, 18, replace=False)
    y_pred[wrong[:10]] = (y_true[wrong[:10]] + 1) % 4  # mostly confused with the next class ...
    y_pred[wrong[10:]] = (y_true[wrong[10:]] + 2) % 4  # ... and some two classes on
    return y_true, y_pred


def reference_confusion_matrix(y_true, y_pred, num_classes: int) -> np.ndarray:
    """Counts M[i, j] of samples of true class i predicted as class j, one sample at a time."""
    M = np.zeros((num_classes, num_classes), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        M[t, p] += 1
    return M


@guarded("Exercise 11.2")
def check_confusion_matrix(confusion_matrix) -> Feedback:
    """Run ``confusion_matrix(y_true, y_pred, num_classes)``; rows are true classes, columns predicted ones."""
    ex = "Exercise 11.2"
    if not callable(confusion_matrix):
        return Feedback(ex, False, f"expected your function confusion_matrix, got {type(confusion_matrix).__name__}.")
    y_true, y_pred = _cm_data()
    C = CM_CLASSES
    expected = reference_confusion_matrix(y_true, y_pred, C)
    got = _quietly(confusion_matrix, y_true.copy(), y_pred.copy(), C)
    if got is None:
        return Feedback(ex, False, "confusion_matrix returned None: return the matrix.")
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return Feedback(ex, False, f"confusion_matrix should return a {C}×{C} array of counts, got {type(got).__name__}.")
    if got.shape != (C, C):
        if got.ndim == 2 and got.shape[0] == got.shape[1] and got.shape[0] < C:
            return Feedback(ex, False, f"your matrix is {got.shape[0]}×{got.shape[1]}, but there are num_classes = {C} "
                                       f"classes: a class can be missing from a sample (here class {C - 1} never "
                                       f"occurs). Size the matrix with num_classes, not with the largest label seen.")
        return Feedback(ex, False, f"confusion_matrix should return a {C}×{C} array, got shape {got.shape}.")
    if np.array_equal(got, expected):
        return Feedback(ex, True, f"rows are true classes, columns predicted ones; all {len(y_true)} samples counted, "
                                  f"{int(np.trace(expected))} on the diagonal.")
    rows = expected.sum(axis=1, keepdims=True)
    mistakes = [
        (expected.T, "your matrix is transposed: row i should count the samples whose *true* class is i, and "
                     "column j those *predicted* as j, so M[y_true, y_pred], not M[y_pred, y_true]."),
        ((expected > 0).astype(float),
         "each (true, predicted) pair is counted at most once: with fancy indexing, M[y_true, y_pred] += 1 "
         "adds 1 once per *distinct* pair, because NumPy does not accumulate repeated indices. Use "
         "np.add.at(M, (y_true, y_pred), 1), or np.bincount(y_true * C + y_pred, minlength=C * C)."),
        (((expected > 0).astype(float)).T, "two mistakes: the matrix is transposed (rows should be the true "
                                           "classes), and M[y_pred, y_true] += 1 counts each distinct pair only "
                                           "once; use np.add.at(M, (y_true, y_pred), 1)."),
        (np.divide(expected, rows, out=np.zeros((C, C)), where=rows > 0),
         "your rows are fractions that sum to 1: the confusion matrix holds counts (normalising by row is a "
         "useful view, but not this exercise)."),
        (expected / expected.sum(), "your entries are fractions of all samples: the confusion matrix holds counts."),
    ]
    for value, message in mistakes:
        if np.allclose(got, value):
            return Feedback(ex, False, message)
    if got.sum() != expected.sum():
        return Feedback(ex, False, f"your matrix counts {got.sum():g} samples, but there are {len(y_true)}: every "
                                   f"sample adds exactly 1 to one entry.")
    return Feedback(ex, False, compare_arrays("your matrix", got, expected))


# ----------------------------------------------------------------------------- exercise 11.3
def _pr_matrix() -> np.ndarray:
    """A 4-class confusion matrix whose row and column sums differ, so precision and recall differ."""
    return np.array([[50, 2, 3, 0],
                     [10, 30, 5, 5],
                     [0, 1, 20, 4],
                     [2, 8, 0, 40]])


@guarded("Exercise 11.3")
def check_precision_recall(precision_recall) -> Feedback:
    """Run ``precision_recall(M) -> (precision, recall)``, one value per class, M with rows = true classes."""
    ex = "Exercise 11.3"
    if not callable(precision_recall):
        return Feedback(ex, False, f"expected your function precision_recall, got {type(precision_recall).__name__}.")
    M = _pr_matrix()
    diag = np.diag(M).astype(float)
    precision, recall = diag / M.sum(axis=0), diag / M.sum(axis=1)
    result = _quietly(precision_recall, M.copy())
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return Feedback(ex, False, "precision_recall should return two arrays: (precision, recall).")
    try:
        got_p, got_r = (np.asarray(r, dtype=float) for r in result)
    except (TypeError, ValueError):
        return Feedback(ex, False, "precision_recall should return two numeric arrays: (precision, recall).")
    C = len(M)
    if got_p.shape != (C,) or got_r.shape != (C,):
        if got_p.size == 1 and got_r.size == 1:
            return Feedback(ex, False, f"you returned one number each; return one value per class ({C} here): "
                                       f"averaging them is a later step.")
        return Feedback(ex, False, f"precision and recall should each have one value per class, shape ({C},), "
                                   f"got {got_p.shape} and {got_r.shape}.")
    ok_p, ok_r = np.allclose(got_p, precision), np.allclose(got_r, recall)
    if ok_p and ok_r:
        return Feedback(ex, True, f"precision = {np.round(precision, 3).tolist()}, recall = {np.round(recall, 3).tolist()}.")
    if np.allclose(got_p, recall) and np.allclose(got_r, precision):
        return Feedback(ex, False, "you swapped them. Precision of class k: of everything *predicted* as k (column "
                                   "k), the fraction that is k: M[k, k] / M[:, k].sum(). Recall: of everything "
                                   "that *is* k (row k), the fraction found: M[k, k] / M[k, :].sum().")
    total = M.sum()
    if np.allclose(got_p, diag / total) or np.allclose(got_r, diag / total):
        return Feedback(ex, False, "you divided by the total number of samples; divide by the column sum for "
                                   "precision and by the row sum for recall.")
    if ok_p:
        return Feedback(ex, False, "precision is right; " + compare_arrays("your recall", got_r, recall)
                        + " Recall of class k: M[k, k] / M[k, :].sum(), the row of the true class.")
    if ok_r:
        return Feedback(ex, False, "recall is right; " + compare_arrays("your precision", got_p, precision)
                        + " Precision of class k: M[k, k] / M[:, k].sum(), the column of the predicted class.")
    return Feedback(ex, False, compare_arrays("your precision", got_p, precision)
                    + " Precision of class k: M[k, k] / M[:, k].sum(); recall: M[k, k] / M[k, :].sum().")
