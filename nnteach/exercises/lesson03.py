"""Checkers for lesson 3, activations: the sigmoid's derivative, a stable softmax, dead ReLU units.

References come from nnteach's activation modules (``forward``, then ``backward`` of a gradient of
ones gives the derivative). Checkers never raise: see :func:`~nnteach.exercises.guarded`.
"""

from __future__ import annotations


import numpy as np

from nnteach.activations import ReLU, Sigmoid, Softmax
from nnteach.exercises.feedback import Feedback, call, compare_arrays, guarded, numbers



def _same(got, expected) -> bool:
    return got.shape == np.shape(expected) and np.allclose(got, expected, rtol=1e-6, atol=1e-12)


# --------------------------------------------------------------------------- 3.1
@guarded("Exercise 3.1")
def check_sigmoid_prime(sigmoid_prime) -> Feedback:
    """Check ``sigmoid_prime(z)`` = σ′(z) element-wise, against ``nt.Sigmoid``'s backward."""
    ex = "Exercise 3.1"
    z = np.concatenate([np.linspace(-6.0, 6.0, 13), np.random.default_rng(301).normal(0, 3, 7)]).reshape(4, 5)
    got = numbers(call(sigmoid_prime, "sigmoid_prime", z.copy()), "sigmoid_prime")
    act = Sigmoid()
    s = act(z)
    expected = act.backward(np.ones_like(z))  # dL/da = 1 gives da/dz itself
    if _same(got, expected):
        return Feedback(ex, True, f"correct: σ′(z) = σ(z)(1 − σ(z)); its largest value is σ′(0) = "
                                  f"{expected.max():.2f}, at |z| = 6 it is {expected[0, 0]:.4f}.")
    if got.shape == z.shape:
        if _same(got, s):
            return Feedback(ex, False, "you returned σ(z) itself; the derivative is σ(z)(1 − σ(z)).")
        if _same(got, z * (1 - z)):
            return Feedback(ex, False, "you applied a(1 − a) to z. The formula needs a = σ(z): compute "
                                       "s = 1 / (1 + np.exp(-z)) first, then s * (1 - s).")
        if _same(got, 1 - s * s):
            return Feedback(ex, False, "1 − σ² is the pattern of tanh′ = 1 − tanh². "
                                       "For the sigmoid it is σ(1 − σ).")
        if _same(got, s * (1 + s)):
            return Feedback(ex, False, "σ(1 + σ) has a sign error: σ′ = σ(1 − σ).")
    return Feedback(ex, False, compare_arrays("σ′(z)", got, expected) or "σ′(z) differs from the reference.")


# --------------------------------------------------------------------------- 3.2
@guarded("Exercise 3.2")
def check_softmax(softmax) -> Feedback:
    """Check ``softmax(z)`` over the last axis for a batch (N, C), including logits of ±1000."""
    ex = "Exercise 3.2"
    z = np.random.default_rng(302).normal(0, 2, size=(4, 3))  # (N, C): non-square, so axis mistakes show
    got = numbers(call(softmax, "softmax", z.copy()), "softmax")
    expected = Softmax()(z)
    if not _same(got, expected):
        e = np.exp(z)
        if got.shape == z.shape:
            if np.allclose(got.sum(axis=0), 1) and np.allclose(got, e / e.sum(axis=0)):
                return Feedback(ex, False, "your columns sum to 1, not your rows: each row is one sample, so "
                                           "normalise over the classes, axis=1 (with keepdims=True).")
            if np.isclose(got.sum(), 1) and np.allclose(got, e / e.sum()):
                return Feedback(ex, False, "you divided by the sum over the whole batch: each row (sample) must "
                                           "sum to 1 on its own, so sum over axis=1 with keepdims=True.")
            if np.allclose(got, e):
                return Feedback(ex, False, "you returned exp(z): divide each row by its sum.")
        return Feedback(ex, False, compare_arrays("softmax(z)", got, expected) or "softmax(z) differs.")
    big = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0], [-1000.0, 0.0, 1000.0]])
    got = numbers(call(softmax, "softmax", big.copy()), "softmax")
    expected = Softmax()(big)
    if got.shape == big.shape and not np.isfinite(got).all():
        rows = sorted({int(i) for i in np.argwhere(~np.isfinite(got))[:, 0]})
        if rows == [1]:
            return Feedback(ex, False, "NaN for the row [-1000, -1001, -1002] only: you subtracted the max of the "
                                       "whole batch. Subtract each row's own max: z - z.max(axis=1, keepdims=True).")
        return Feedback(ex, False, f"right for ordinary logits, but NaN/inf for logits like 1000 (row(s) {rows}): "
                                   f"np.exp(1000) overflows to inf and inf/inf = NaN. Subtract each row's max first "
                                   f"(softmax(z) = softmax(z − max z)), so every exponent is ≤ 0.")
    if not _same(got, expected):
        return Feedback(ex, False, "right for ordinary logits but not for logits like ±1000: "
                        + (compare_arrays("softmax(z)", got, expected) or "they differ."))
    return Feedback(ex, True, "correct, and stable: subtracting each row's max keeps every exponent ≤ 0, so "
                              "exp never overflows, and the ratio is unchanged.")


# --------------------------------------------------------------------------- 3.3
def _dead_z() -> np.ndarray:
    """Pre-activations (6 samples, 5 units) with dead units of every kind: negative, zero, mixed."""
    return np.array([
        # dead    alive   dead(0)  alive   dead (≤ 0, some exactly 0)
        [-1.2,    0.7,    0.0,     2.0,    -0.5],
        [-0.3,   -0.4,    0.0,     0.1,     0.0],
        [-2.5,    1.1,    0.0,     0.8,    -1.0],
        [-0.1,   -2.0,    0.0,     1.5,     0.0],
        [-4.0,    0.2,    0.0,     0.3,    -0.2],
        [-0.7,   -0.9,    0.0,     0.9,    -3.0],
    ])  # (N, units)


@guarded("Exercise 3.3")
def check_dead_units(dead_units) -> Feedback:
    """Check ``dead_units(z) -> mask`` (units,): True for the units whose ReLU gets zero gradient on every sample."""
    ex = "Exercise 3.3"
    z = _dead_z()
    relu = ReLU()
    relu(z)
    passes = relu.backward(np.ones_like(z))  # (N, units): 1 where gradient flows, 0 where the unit is off
    expected = ~passes.any(axis=0)  # dead: no sample lets a gradient through
    got = call(dead_units, "dead_units", z.copy())
    if isinstance(got, (int, np.integer)) and not isinstance(got, (bool, np.bool_)):
        return Feedback(ex, False, f"return the mask (one True/False per unit), not the count; the count is "
                                   f"mask.sum() = {int(expected.sum())} here.")
    got = np.asarray(got)
    if got.shape == (z.shape[0],):
        return Feedback(ex, False, f"your mask has one entry per sample (shape {got.shape}); it should have one "
                                   f"per unit, shape ({z.shape[1]},): reduce over axis=0, the samples.")
    if got.shape != expected.shape:
        return Feedback(ex, False, f"the mask should have shape ({z.shape[1]},), one entry per unit, got {got.shape}.")
    if got.dtype != bool and not np.isin(got, (0, 1)).all():
        return Feedback(ex, False, "the mask should hold True/False (e.g. the result of a comparison and .all()).")
    got = got.astype(bool)
    if (got == expected).all():
        units = [int(i) for i in np.flatnonzero(expected)]
        return Feedback(ex, True, f"correct: units {units} never fire, so ReLU′ = 0 for "
                                  f"every sample and their weights get no gradient.")
    if (got == (z <= 0).any(axis=0)).all():
        return Feedback(ex, False, "you marked units that are off for at least one sample (.any). A dead unit is "
                                   "off for every sample: use .all(axis=0).")
    if (got == (z < 0).all(axis=0)).all():
        return Feedback(ex, False, "a unit with z = 0 is off too: nnteach's ReLU′(0) = 0, so no gradient flows. "
                                   "Use z <= 0, not z < 0.")
    if (got == ~expected).all():
        return Feedback(ex, False, "your mask is inverted: True should mark the dead units, the ones that never fire.")
    wrong = [int(i) for i in np.flatnonzero(got != expected)]
    return Feedback(ex, False, f"units {wrong} are classified wrongly. A unit is dead when z <= 0 for every sample "
                               f"(column) of z.")

