r"""Loss functions, forward and backward, all reduced by the mean (as PyTorch's defaults).

Each forward returns a Python float; each backward returns :math:`\partial L/\partial \hat y` with
the shape of the prediction. Because the loss is a mean, every gradient carries a factor 1/N.
"""

from __future__ import annotations

import numpy as np

# PyTorch clamps log(p) at -100 in BCELoss so a prediction of exactly 0 or 1 gives a finite loss.
_LOG_FLOOR = -100.0


def _same_shape(pred: np.ndarray, y: np.ndarray, who: str, name: str = "y_pred") -> None:
    """The targets must match the prediction entry for entry: NumPy would broadcast an (N, 1) prediction
    against (N,) targets into an (N, N) matrix of every pair, and return a wrong number without a word."""
    shape = y.shape if type(y) is np.ndarray else np.shape(y)  # (the loss modules call this every step)
    if pred.shape != shape:
        hint = ""
        if np.ndim(y) == 1:
            hint = (" For class indices use nt.data.one_hot(y, C) (nt.CrossEntropyLoss takes them as they are)."
                    if who.startswith("cross_entropy") else " For N targets of one output use y.reshape(-1, 1).")
        raise ValueError(f"{who}: expected y of the same shape as {name}, {pred.shape}, got {np.shape(y)}.{hint}")


def mse_loss(y_pred: np.ndarray, y: np.ndarray) -> float:
    r"""Mean squared error :math:`L = \frac{1}{M}\sum_m (\hat y_m - y_m)^2` over all M elements."""
    _same_shape(y_pred, y, "mse_loss")
    d = y_pred - y
    return float(np.vdot(d, d) / d.size)  # vdot: the sum of d * d over every element


def mse_loss_backward(y_pred: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`\partial L/\partial \hat y = \frac{2}{M}(\hat y - y)`."""
    _same_shape(y_pred, y, "mse_loss_backward")
    return (2.0 / y_pred.size) * (y_pred - y)


def l1_loss(y_pred: np.ndarray, y: np.ndarray) -> float:
    r"""Mean absolute error :math:`L = \frac{1}{M}\sum_m |\hat y_m - y_m|`."""
    _same_shape(y_pred, y, "l1_loss")
    return float(np.abs(y_pred - y).sum() / y_pred.size)


def l1_loss_backward(y_pred: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`\partial L/\partial \hat y = \frac{1}{M}\operatorname{sign}(\hat y - y)` (0 where they are equal)."""
    _same_shape(y_pred, y, "l1_loss_backward")
    return np.sign(y_pred - y) / y_pred.size


def bce_loss(p: np.ndarray, y: np.ndarray) -> float:
    r"""Binary cross-entropy of probabilities :math:`p` against targets :math:`y \in [0, 1]`.

    .. math::  L = -\frac{1}{M}\sum_m \big[y_m \log p_m + (1 - y_m)\log(1 - p_m)\big]

    Each log is clamped at -100 (as in PyTorch) so that p = 0 or 1 gives a large finite loss. A p
    outside [0, 1] (or NaN) has no logarithm and makes the result NaN, which ``BCELoss`` reports.
    """
    _same_shape(p, y, "bce_loss", "p")
    with np.errstate(divide="ignore", invalid="ignore"):  # log 0 = -inf is clamped; p outside [0, 1] gives NaN
        log_p = np.maximum(np.log(p), _LOG_FLOOR)
        log_1mp = np.maximum(np.log1p(-p), _LOG_FLOOR)
    # y log p + (1 - y) log(1 - p) = y (log p - log(1 - p)) + log(1 - p): the same sum, fewer passes
    return float(-(np.vdot(y, log_p - log_1mp) + log_1mp.sum()) / p.size)


def bce_loss_backward(p: np.ndarray, y: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    r""":math:`\partial L/\partial p = \frac{1}{M}\,\frac{p - y}{p(1 - p)}`.

    The denominator is kept at least ``eps`` (as PyTorch does) so p = 0 or 1 does not divide by 0.
    Followed by a sigmoid's :math:`p(1-p)`, this becomes :math:`(p - y)/M`: see
    :func:`bce_with_logits_loss_backward`, which computes that product without the division.
    """
    _same_shape(p, y, "bce_loss_backward", "p")
    return (p - y) / (np.maximum(p * (1.0 - p), eps) * p.size)


def bce_with_logits_loss(z: np.ndarray, y: np.ndarray) -> float:
    r"""Binary cross-entropy of :math:`\sigma(z)` computed from the logits :math:`z` directly.

    .. math::  L = \frac{1}{M}\sum_m \big[\max(z_m, 0) - z_m y_m + \log(1 + e^{-|z_m|})\big]

    the same value as ``bce_loss(sigmoid(z), y)`` rearranged so no exponent is positive: it never
    overflows and never takes the log of 0.
    """
    _same_shape(z, y, "bce_with_logits_loss", "z")
    return float((np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))).sum() / z.size)


def bce_with_logits_loss_backward(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`\partial L/\partial z = \frac{1}{M}(\sigma(z) - y)`: the famous :math:`\hat y - y`."""
    from nnteach.functional.activations import sigmoid

    _same_shape(z, y, "bce_with_logits_loss_backward", "z")
    return (sigmoid(z) - y) / z.size


def log_softmax(z: np.ndarray) -> np.ndarray:
    r""":math:`\log \operatorname{softmax}(z)_k = z_k - \max z - \log\sum_c e^{z_c - \max z}` (stable)."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def cross_entropy_loss(z: np.ndarray, y: np.ndarray) -> float:
    r"""Softmax cross-entropy of logits :math:`z` (N, C) against target probabilities :math:`y` (N, C).

    .. math::  L = -\frac{1}{N}\sum_n \sum_c y_{nc} \log \operatorname{softmax}(z_n)_c

    With one-hot rows this is :math:`-\frac1N\sum_n \log \operatorname{softmax}(z_n)_{t_n}` for the
    true classes :math:`t_n`. The mean is over the N samples, not the N·C entries.
    """
    _same_shape(z, y, "cross_entropy_loss", "z")
    return float(-(y * log_softmax(z)).sum() / z.shape[0])


def cross_entropy_loss_backward(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`\partial L/\partial z = \frac{1}{N}(p\,\textstyle\sum_c y_c - y)`, where :math:`p = \operatorname{softmax}(z)`.

    Takes the probabilities the forward pass computed (not the logits). With one-hot or
    probability rows (each summing to 1) this is the famous :math:`(p - y)/N`.
    """
    _same_shape(p, y, "cross_entropy_loss_backward", "p")
    return (p * y.sum(axis=-1, keepdims=True) - y) / p.shape[0]
