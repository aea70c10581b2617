"""Checkers for lesson 4, losses: BCE, the gradient of sigmoid + BCE, stable BCE from logits, cross-entropy.

References come from nnteach's loss modules (``nt.BCELoss``, ``nt.BCEWithLogitsLoss``,
``nt.CrossEntropyLoss``) and ``nt.Sigmoid``'s backward. Checkers never raise: see
:func:`~nnteach.exercises.guarded`.
"""

from __future__ import annotations

import math

import numpy as np

from nnteach import functional as F
from nnteach.activations import Sigmoid
from nnteach.exercises.feedback import Feedback, call, compare_arrays, guarded, numbers
from nnteach.losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss



def _scalar(value, name: str):
    """The learner's loss as a float, or a message saying why it is not one."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None, f"{name} should return one number (a float), got {type(value).__name__}."
    if arr.size != 1:
        return None, (f"{name} should return one number, the mean over the batch, got an array of shape "
                      f"{arr.shape}: take its mean.")
    return float(arr.reshape(())), None


def _is(got: float, expected: float) -> bool:
    return math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-12)


def _same(got, expected) -> bool:
    return got.shape == np.shape(expected) and np.allclose(got, expected, rtol=1e-6, atol=1e-12)


def _binary_batch(seed: int):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.05, 0.95, size=(6, 1))  # (N, 1) probabilities
    y = np.array([[1.0], [0.0], [1.0], [1.0], [0.0], [0.0]])  # (N, 1)
    return p, y


# --------------------------------------------------------------------------- 4.1
@guarded("Exercise 4.1")
def check_bce(bce) -> Feedback:
    """Check ``bce(p, y) -> float``: the mean binary cross-entropy, against ``nt.BCELoss``."""
    ex = "Exercise 4.1"
    p, y = _binary_batch(401)
    got, problem = _scalar(call(bce, "bce", p.copy(), y.copy()), "bce")
    if problem:
        return Feedback(ex, False, problem)
    expected = BCELoss()(p, y)
    n = len(p)
    if _is(got, expected):
        return Feedback(ex, True, f"correct: L = −mean(y log p + (1 − y) log(1 − p)) = {expected:.4f} "
                                  f"on the test batch.")
    if not math.isfinite(got):
        return Feedback(ex, False, "your loss is inf or NaN for ordinary probabilities (0.05 to 0.95): did you "
                                   "take the log of y (which is 0 or 1) instead of p?")
    terms = y * np.log(p) + (1 - y) * np.log(1 - p)
    known = [
        (-expected, "the sign is wrong: log p < 0, so L = −mean(...) is positive."),
        (expected * n, f"you summed over the {n} samples: take the mean (divide by N = {n})."),
        (-float(np.mean(y * np.log(p))), "the (1 − y)·log(1 − p) term is missing: samples with y = 0 add nothing "
                                         "to your loss, so a model could predict p = 1 everywhere for free."),
        (-float(np.mean((1 - y) * np.log(1 - p))), "the y·log p term is missing: samples with y = 1 add nothing."),
        (expected / np.log(10), "you used log base 10: cross-entropy uses the natural log, np.log."),
        (-float(np.mean(y * np.log(1 - p) + (1 - y) * np.log(p))), "p and 1 − p are swapped: y = 1 should "
                                                                   "pay −log p, y = 0 should pay −log(1 − p)."),
        (-float(np.sum(terms)) / (2 * n), "you divided by 2N: divide by N only."),
    ]
    for value, message in known:
        if _is(got, value):
            return Feedback(ex, False, message)
    return Feedback(ex, False, f"your loss is {got:.6g}, expected {expected:.6g}: "
                               f"L = −mean(y·log p + (1 − y)·log(1 − p)).")


# --------------------------------------------------------------------------- 4.2
@guarded("Exercise 4.2")
def check_bce_sigmoid_grad(bce_sigmoid_grad) -> Feedback:
    """Check ``bce_sigmoid_grad(z, y) -> dL_dz`` for L = BCE(σ(z), y), against Sigmoid.backward(BCELoss.backward())."""
    ex = "Exercise 4.2"
    rng = np.random.default_rng(402)
    z = rng.normal(0, 2, size=(6, 1))  # (N, 1) logits
    _, y = _binary_batch(402)
    got = numbers(call(bce_sigmoid_grad, "bce_sigmoid_grad", z.copy(), y.copy()), "bce_sigmoid_grad")
    sigmoid, loss = Sigmoid(), BCELoss()
    y_hat = sigmoid(z)
    loss(y_hat, y)
    expected = sigmoid.backward(loss.backward())  # (N, 1), the chain rule through nnteach's own modules
    n = len(z)
    if _same(got, expected):
        return Feedback(ex, True, "correct: ∂L/∂z = (ŷ − y)/N. The sigmoid's ŷ(1 − ŷ) cancels the denominator of "
                                  "∂L/∂ŷ, so the gradient never vanishes when the neuron is confidently wrong.")
    if got.shape == expected.shape:
        known = [
            (expected * n, f"{n}× too large: L is the mean over N = {n} samples, so each ∂L/∂z carries a 1/N: "
                           f"(ŷ − y)/N."),
            ((z - y) / n, "you used z in place of ŷ: the prediction is ŷ = σ(z), so ∂L/∂z = (σ(z) − y)/N."),
            (z - y, "you used z in place of ŷ = σ(z), and the 1/N of the mean is missing: (σ(z) − y)/N."),
            ((y_hat - y) / (y_hat * (1 - y_hat) * n),
             "this is ∂L/∂ŷ, the gradient at the sigmoid's output. Multiply by σ′(z) = ŷ(1 − ŷ), and watch the "
             "denominator cancel."),
            ((y_hat - y) * y_hat * (1 - y_hat) / n,
             "you multiplied ŷ − y by σ′ = ŷ(1 − ŷ), but ŷ − y is already the product ∂L/∂ŷ · σ′: "
             "the ŷ(1 − ŷ) cancelled. Drop it."),
        ]
        for value, message in known:
            if _same(got, value):
                return Feedback(ex, False, message)
    return Feedback(ex, False, compare_arrays("dL_dz", got, expected) or "dL_dz differs from the reference.")


# --------------------------------------------------------------------------- 4.3
@guarded("Exercise 4.3")
def check_bce_with_logits(bce_with_logits) -> Feedback:
    """Check ``bce_with_logits(z, y) -> float``: BCE of σ(z) from the logits, finite and right even for |z| = 1000."""
    ex = "Exercise 4.3"
    rng = np.random.default_rng(403)
    z = rng.normal(0, 3, size=(6, 1))
    _, y = _binary_batch(403)
    got, problem = _scalar(call(bce_with_logits, "bce_with_logits", z.copy(), y.copy()), "bce_with_logits")
    if problem:
        return Feedback(ex, False, problem)
    expected = BCEWithLogitsLoss()(z, y)
    n = len(z)
    if not _is(got, expected):
        if _is(got, -expected):
            return Feedback(ex, False, "the sign is wrong: the loss is positive.")
        if _is(got, expected * n):
            return Feedback(ex, False, f"you summed over the {n} samples: take the mean.")
        return Feedback(ex, False, f"wrong already for ordinary logits: your loss is {got:.6g}, expected "
                                   f"{expected:.6g}. Start from max(z, 0) − z·y + log(1 + e^(−|z|)).")
    z_big = np.array([[1000.0], [-1000.0], [40.0], [-40.0]])
    y_big = np.array([[0.0], [1.0], [0.0], [1.0]])  # every one confidently wrong
    got, problem = _scalar(call(bce_with_logits, "bce_with_logits", z_big.copy(), y_big.copy()), "bce_with_logits")
    if problem:
        return Feedback(ex, False, problem)
    expected = BCEWithLogitsLoss()(z_big, y_big)  # (1000 + 1000 + 40 + 40) / 4 = 520
    if _is(got, expected):
        return Feedback(ex, True, f"correct, and stable: for z = ±1000 and ±40, confidently wrong, the loss is "
                                  f"{expected:g} (each sample pays |z|), with no overflow and no log(0).")
    if not math.isfinite(got):
        return Feedback(ex, False, "right for ordinary logits, but inf/NaN for z = ±1000: exp(1000) overflows, "
                                   "or σ(z) rounds to exactly 0 or 1 and log(0) = −inf. Never form σ(z): use "
                                   "max(z, 0) − z·y + np.log1p(np.exp(-np.abs(z))).")
    if _is(got, BCELoss()(F.sigmoid(z_big), y_big)):
        return Feedback(ex, False, f"right for ordinary logits, but for z = ±1000 and ±40 you get {got:g} "
                                   f"instead of {expected:g}: σ(40) rounds to exactly 1.0, so log(1 − σ(z)) is "
                                   f"clamped at −100. Work with z directly: max(z, 0) − z·y + log(1 + e^(−|z|)).")
    return Feedback(ex, False, f"right for ordinary logits, but for z = ±1000 and ±40 (all confidently wrong) you "
                               f"get {got:g} instead of {expected:g} (each sample should pay |z|). σ(z) rounds to "
                               f"0 or 1 there; work with z directly.")


# --------------------------------------------------------------------------- 4.4
@guarded("Exercise 4.4")
def check_cross_entropy(cross_entropy) -> Feedback:
    """Check ``cross_entropy(z, t) -> float``: mean softmax cross-entropy of logits (N, C) and class indices (N,)."""
    ex = "Exercise 4.4"
    rng = np.random.default_rng(404)
    z = rng.normal(0, 2, size=(5, 4))  # (N, C)
    t = np.array([2, 0, 3, 3, 1])  # (N,) class indices
    got, problem = _scalar(call(cross_entropy, "cross_entropy", z.copy(), t.copy()), "cross_entropy")
    if problem:
        return Feedback(ex, False, problem)
    expected = CrossEntropyLoss()(z, t)
    n, c = z.shape
    if not _is(got, expected):
        log_p = F.log_softmax(z)
        p = np.exp(log_p)
        rows = np.arange(n)
        known = [
            (-expected, "the sign is wrong: log-probabilities are ≤ 0, so L = −mean(log softmax(z)[n, t_n])."),
            (expected * n, f"you summed over the {n} samples: take the mean."),
            (expected / c, f"{c}× too small: np.mean over the (N, C) one-hot product divides by N·C. Sum the "
                           f"picked log-probabilities and divide by N only."),
            (-float(np.mean(p[rows, t])), "you averaged the probabilities of the true classes: take their log "
                                          "first, L = −mean(log p[n, t_n])."),
            (-float(np.mean(np.log(np.exp(z) / np.exp(z).sum(axis=0))[rows, t])),
             "you normalised over the samples (axis=0): softmax runs over the classes of each sample, axis=1."),
            (-float(np.mean(log_p[rows, :].mean(axis=1))), "you averaged over every class: pick the log-probability "
                                                            "of the true class t_n only, log_p[np.arange(N), t]."),
            (-float(np.mean(z[rows, t])), "you used the raw logit z[n, t_n]; take log softmax: "
                                          "z[n, t_n] − log Σ_c e^(z[n, c])."),
        ]
        for value, message in known:
            if _is(got, value):
                return Feedback(ex, False, message)
        return Feedback(ex, False, f"your loss is {got:.6g}, expected {expected:.6g}: "
                                   f"L = −(1/N) Σ_n log softmax(z_n)[t_n].")
    # the last row lies far below the batch's max: subtracting that max instead of the row's own underflows it
    z_big = np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 999.0], [-1000.0, -1001.0, -1002.0]])
    t_big = np.array([1, 2, 0])
    got, problem = _scalar(call(cross_entropy, "cross_entropy", z_big.copy(), t_big.copy()), "cross_entropy")
    if problem:
        return Feedback(ex, False, problem)
    expected = CrossEntropyLoss()(z_big, t_big)
    if _is(got, expected):
        return Feedback(ex, True, f"correct, and stable: for logits of ±1000 the loss is {expected:.4f}, with no "
                                  f"overflow (log-softmax subtracts each row's max before exp).")
    with np.errstate(all="ignore"):
        s = z_big - z_big.max()
        batch_max = -float(np.mean((s - np.log(np.exp(s).sum(axis=1, keepdims=True)))[np.arange(3), t_big]))
    if got == batch_max:
        return Feedback(ex, False, "−inf for a batch with the row [-1000, -1001, -1002]: you subtracted the max of "
                                   "the whole batch (1000), so every exponent of that row underflows to 0 and "
                                   "log 0 = −inf. Subtract each row's own max: z - z.max(axis=1, keepdims=True).")
    if not math.isfinite(got):
        return Feedback(ex, False, "right for ordinary logits, but inf/NaN for logits like 1000: exp(1000) overflows. "
                                   "Use log-softmax: z − max − log Σ e^(z − max), with the max of each row.")
    return Feedback(ex, False, f"right for ordinary logits, but for logits like ±1000 you get {got:g} instead of "
                               f"{expected:g}: compute log softmax directly (z − max − log Σ e^(z − max)), not "
                               f"log of a softmax that rounded to 0.")
