"""Loss modules: ``loss_fn(y_pred, y_true) -> float``, then ``loss_fn.backward() -> dL/dy_pred``.

All reduce by the mean, as PyTorch's defaults, so values and gradients equal PyTorch's. Targets
may be given as (N,) for a single-output prediction (N, 1): they are reshaped, never broadcast
into an (N, N) matrix by accident.
"""

from __future__ import annotations

import math

import numpy as np

from nnteach import functional as F
from nnteach._validation import as_array, as_float_array, check_finite
from nnteach.module import GlobalHookHandle, HookHandle, Module

# Hooks called after every loss computation of any Loss: fn(loss_fn, y_pred, y_true, value). A trace
# of a model uses it to catch the loss of the model's output without being handed the loss object.
_LOSS_HOOKS: dict = {}


def register_loss_hook(hook) -> HookHandle:
    """Call ``hook(loss_fn, y_pred, y_true, value)`` after every loss forward; returns a removable handle.

    ``y_pred`` is the array the loss was given (the very object a model returned), ``y_true`` the
    validated targets as the loss uses them.
    """
    handle = GlobalHookHandle(_LOSS_HOOKS, None, hook)
    _LOSS_HOOKS[handle.id] = hook
    return handle


class Loss(Module):
    """Base of the losses: validates the pair, caches it, and checks that backward follows forward."""

    _pred: np.ndarray | None = None
    _target: np.ndarray | None = None

    def forward(self, y_pred, y_true) -> float:
        given = y_pred
        self._pred = None  # a pair the loss refuses leaves nothing for backward to use
        y_pred, y_true = self._check(y_pred, y_true)
        value = self._value(y_pred, y_true)
        self._pred, self._target = y_pred, y_true
        if _LOSS_HOOKS:
            for hook in tuple(_LOSS_HOOKS.values()):
                hook(self, given, y_true, value)
        return value

    def __call__(self, y_pred, y_true) -> float:
        return self.forward(y_pred, y_true)

    def backward(self, grad_output=None) -> np.ndarray:
        """dL/dy_pred for the values of the last call, with the shape of ``y_pred``."""
        if self._pred is None:
            raise RuntimeError(f"{self!r}: backward() called before the loss was computed. Call loss_fn(y_pred, y_true) first.")
        return self._grad(self._pred, self._target)

    # subclasses: the math
    def _value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def _grad(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # validation shared by the element-wise losses
    def _check(self, y_pred, y_true) -> tuple[np.ndarray, np.ndarray]:
        who = f"{type(self).__name__}"
        if type(y_pred) is not np.ndarray or y_pred.dtype.kind != "f":
            y_pred = as_float_array(y_pred, who, "y_pred")
        if type(y_true) is not np.ndarray or y_true.dtype != y_pred.dtype:  # else it is already what we need
            y_true = as_float_array(y_true, who, "y_true", dtype=y_pred.dtype)
        if y_pred.ndim != 2:
            raise ValueError(f"{who}: expected y_pred of shape (N, outputs), got {y_pred.ndim}-D shape {y_pred.shape}.")
        if not len(y_pred):
            _refuse_empty_batch(y_pred, who)
        if y_true.shape != y_pred.shape:
            if y_true.ndim == 1 and y_pred.shape[1] == 1 and len(y_true) == len(y_pred):
                y_true = y_true.reshape(-1, 1)
            else:
                raise ValueError(
                    f"{who}: y_pred and y_true must have the same shape, got {y_pred.shape} and {y_true.shape}. "
                    f"(A (N,) target is accepted for an (N, 1) prediction.)"
                )
        return y_pred, y_true


def _refuse_empty_batch(y_pred: np.ndarray, who: str) -> None:
    """A loss is a mean over the samples: of none, it would be 0/0 (NaN, and a NumPy warning)."""
    raise ValueError(
        f"{who}: y_pred has no samples (shape {y_pred.shape}): a loss is a mean over the samples of a batch, "
        f"and this batch is empty. A slice past the end of the data is empty: check the batch loop "
        f"(X[start:start + batch_size] needs start < len(X))."
    )


def _refuse_non_finite_targets(y_true: np.ndarray, who: str) -> None:
    """Called when a loss came out NaN or infinite: if the targets are to blame, say so. (A prediction
    gone to NaN is divergence, left to the caller as before; a valid batch never gets here.)"""
    if not np.isfinite(y_true).all():
        check_finite(y_true, who, "y_true")


class MSELoss(Loss):
    r"""Mean squared error :math:`L = \frac1M\sum (\hat y - y)^2`; :math:`\partial L/\partial\hat y = \frac2M(\hat y - y)`."""

    def _value(self, y_pred, y_true):
        value = F.mse_loss(y_pred, y_true)
        if not math.isfinite(value):
            _refuse_non_finite_targets(y_true, "MSELoss")
        return value

    def _grad(self, y_pred, y_true):
        return F.mse_loss_backward(y_pred, y_true)


class L1Loss(Loss):
    r"""Mean absolute error :math:`L = \frac1M\sum |\hat y - y|`; robust to outliers."""

    def _value(self, y_pred, y_true):
        value = F.l1_loss(y_pred, y_true)
        if not math.isfinite(value):
            _refuse_non_finite_targets(y_true, "L1Loss")
        return value

    def _grad(self, y_pred, y_true):
        return F.l1_loss_backward(y_pred, y_true)


def _check_binary_targets(y_true: np.ndarray, who: str) -> None:
    # Written so a NaN fails the test too (every comparison with NaN is False): two passes, not three.
    if y_true.size and not (y_true.min() >= 0.0 and y_true.max() <= 1.0):
        bad = y_true[(y_true < 0) | (y_true > 1) | np.isnan(y_true)][0]
        raise ValueError(
            f"{who}: expected targets in [0, 1] (class 0 or 1, or a probability), got {bad}. "
            f"Relabel the classes as 0 and 1 (e.g. y = (y == positive_label))."
        )


class BCELoss(Loss):
    r"""Binary cross-entropy of probabilities: :math:`L = -\frac1M\sum[y\log p + (1-y)\log(1-p)]`.

    The prediction must be a probability (after a Sigmoid). With a sigmoid output, prefer
    :class:`BCEWithLogitsLoss` on the logits: same value, numerically safer.
    """

    def _check(self, y_pred, y_true):
        y_pred, y_true = super()._check(y_pred, y_true)
        _check_binary_targets(y_true, type(self).__name__)
        return y_pred, y_true

    def _check_probabilities(self, y_pred: np.ndarray) -> None:
        who = type(self).__name__
        if y_pred.size and not (y_pred.min() >= 0.0 and y_pred.max() <= 1.0):  # NaN fails this too
            if np.isnan(y_pred).any():
                raise ValueError(
                    f"{who}: y_pred contains NaN (first at row {int(np.argwhere(np.isnan(y_pred))[0][0])}). The "
                    f"model's outputs are no longer numbers: training has probably diverged (try a smaller learning rate)."
                )
            raise ValueError(
                f"{who}: expected y_pred to be probabilities in [0, 1], got values from {y_pred.min():.4g} "
                f"to {y_pred.max():.4g}. Put a Sigmoid before the loss, or use BCEWithLogitsLoss on raw outputs."
            )

    def _value(self, y_pred, y_true):
        value = F.bce_loss(y_pred, y_true)
        # The range of y_pred is checked through the value: a log of p < 0 or of 1 - p < 0, or a NaN,
        # makes it NaN, while valid probabilities and targets always give a finite loss. One check of
        # a float per call instead of two passes over y_pred.
        if value != value:
            self._check_probabilities(y_pred)
        return value

    def _grad(self, y_pred, y_true):
        return F.bce_loss_backward(y_pred, y_true)


class BCEWithLogitsLoss(Loss):
    r"""Binary cross-entropy of :math:`\sigma(z)` taken from logits z: :math:`\partial L/\partial z = (\sigma(z) - y)/M`."""

    def _check(self, y_pred, y_true):
        y_pred, y_true = super()._check(y_pred, y_true)
        _check_binary_targets(y_true, type(self).__name__)
        return y_pred, y_true

    def _value(self, y_pred, y_true):
        return F.bce_with_logits_loss(y_pred, y_true)

    def _grad(self, y_pred, y_true):
        return F.bce_with_logits_loss_backward(y_pred, y_true)


# How far from 1 a row of target probabilities may sum: float32 softmax outputs miss 1 by a few 1e-7 per
# class; anything further off is a mistake (counts, a multi-hot row, a sign error), not rounding.
_ROW_SUM_TOL = 1e-4


def _check_target_rows(y: np.ndarray, who: str) -> None:
    """(N, C) targets are one-hot or probability rows: entries in [0, 1], each row summing to 1.

    Two vectorised passes: entries >= 0 that sum to 1 are also <= 1, and NaN or inf fails one of the two.
    The search for the culprit runs only on failure.
    """
    sums = y.sum(axis=1)  # (N,)
    if y.min() >= 0.0 and np.abs(sums - 1.0).max() <= _ROW_SUM_TOL:
        return
    check_finite(y, who, "y_true")
    outside = ((y < 0) | (y > 1)).any(axis=1)
    if outside.any():
        i = int(np.argmax(outside))
        raise ValueError(
            f"{who}: expected (N, C) targets to be one-hot or probability rows, entries in [0, 1], but row {i} "
            f"is {y[i]}. For class indices pass y of shape (N,); to build one-hot rows use nt.data.one_hot(y, C)."
        )
    i = int(np.argmax(np.abs(sums - 1.0) > _ROW_SUM_TOL))
    raise ValueError(
        f"{who}: expected each row of (N, C) targets to sum to 1 (one-hot, or probabilities), but row {i} "
        f"is {y[i]}, summing to {sums[i]:.6g}. Normalise the rows (y / y.sum(axis=1, keepdims=True)), or "
        f"for class indices pass y of shape (N,)."
    )


class CrossEntropyLoss(Loss):
    r"""Softmax cross-entropy on logits: :math:`L = -\frac1N\sum_n \log\operatorname{softmax}(z_n)_{t_n}`.

    Takes raw scores (no Softmax layer before it). Targets are class indices of shape (N,) with
    values in 0..C-1, or one-hot / probability rows of shape (N, C). The gradient is
    :math:`(\operatorname{softmax}(z) - y)/N`.
    """

    def _check(self, y_pred, y_true):
        who = type(self).__name__
        if type(y_pred) is not np.ndarray or y_pred.dtype.kind != "f":
            y_pred = as_float_array(y_pred, who, "y_pred")
        if y_pred.ndim != 2:
            raise ValueError(f"{who}: expected logits of shape (N, classes), got {y_pred.ndim}-D shape {y_pred.shape}.")
        n, c = y_pred.shape
        if not n:
            _refuse_empty_batch(y_pred, who)
        if c < 2:
            raise ValueError(
                f"{who}: expected logits for at least 2 classes, shape (N, C) with C >= 2, got {y_pred.shape}. "
                f"Softmax over one class is always 1, so nothing would be learned. For a yes/no output use "
                f"nt.BCEWithLogitsLoss (or a Sigmoid and nt.BCELoss); for C classes give the last layer C outputs."
            )
        y = as_array(y_true, who, "y_true")
        if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1 and c > 1):
            y = y.reshape(-1)
            if len(y) != n:
                raise ValueError(f"{who}: got {n} predictions but {len(y)} targets.")
            if y.dtype.kind == "f":
                if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
                    check_finite(y, who, "y_true")  # inf and NaN: say so
                    raise ValueError(f"{who}: class-index targets must be whole numbers, got {y[y != np.round(y)][:3]}.")
                y = y.astype(np.int64)
            elif y.dtype.kind == "b":
                y = y.astype(np.int64)  # False, True: classes 0 and 1 (not a mask)
            elif y.dtype.kind not in "iu":
                raise TypeError(f"{who}: expected integer class indices, got dtype {y.dtype}.")
            if y.size and (y.min() < 0 or y.max() >= c):
                bad = int(y[(y < 0) | (y >= c)][0])
                raise ValueError(
                    f"{who}: class index {bad} is out of range for {c} classes (valid: 0..{c - 1}). "
                    f"Does the output layer have one unit per class?"
                )
            onehot = np.zeros_like(y_pred)
            onehot[np.arange(n), y] = 1.0
            return y_pred, onehot
        y = as_float_array(y_true, who, "y_true", dtype=y_pred.dtype)
        if y.shape != y_pred.shape:
            raise ValueError(
                f"{who}: expected targets of shape ({n},) (class indices) or ({n}, {c}) (one-hot), got {y.shape}."
            )
        _check_target_rows(y, who)
        return y_pred, y

    def _value(self, y_pred, y_true):
        self._probs = F.softmax(y_pred)  # backward needs softmax(z): computed once, here
        return F.cross_entropy_loss(y_pred, y_true)

    def _grad(self, y_pred, y_true):
        return F.cross_entropy_loss_backward(self._probs, y_true)
