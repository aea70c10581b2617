r"""Element-wise activations and softmax, forward and backward.

Each backward takes :math:`\partial L/\partial a` and whatever the forward cached (``z`` or ``a``,
whichever makes the derivative cheapest) and returns :math:`\partial L/\partial z`.
"""

from __future__ import annotations

import numpy as np


def identity(z: np.ndarray) -> np.ndarray:
    r""":math:`a = z`."""
    return z


def identity_backward(dL_da: np.ndarray) -> np.ndarray:
    r""":math:`\partial L/\partial z = \partial L/\partial a`, since :math:`a' = 1`."""
    return dL_da


def relu(z: np.ndarray) -> np.ndarray:
    r""":math:`a = \max(0, z)`."""
    return np.maximum(z, 0.0)


def relu_backward(dL_da: np.ndarray, z: np.ndarray) -> np.ndarray:
    r""":math:`\partial L/\partial z = \partial L/\partial a \cdot [z > 0]` (the derivative at 0 is taken as 0)."""
    return dL_da * (z > 0)


def leaky_relu(z: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    r""":math:`a = z` for :math:`z > 0`, else :math:`\alpha z` with :math:`\alpha` = ``negative_slope``."""
    return np.where(z > 0, z, negative_slope * z)


def leaky_relu_backward(dL_da: np.ndarray, z: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    r""":math:`\partial L/\partial z = \partial L/\partial a \cdot (1 \text{ if } z > 0 \text{ else } \alpha)`."""
    return dL_da * np.where(z > 0, 1.0, negative_slope)


def sigmoid(z: np.ndarray) -> np.ndarray:
    r""":math:`a = \sigma(z) = 1 / (1 + e^{-z})`, the formula itself, safe for large :math:`|z|`.

    For z < -709 (-88 in float32), :math:`e^{-z}` overflows to ``inf``, and :math:`1/(1 + \infty) = 0`
    is exactly the right answer (the true value is below the smallest float), so the overflow is
    expected here and its warning silenced. For large positive z, :math:`e^{-z}` underflows to 0
    and the result is 1.
    """
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(np.negative(z)))


def sigmoid_backward(dL_da: np.ndarray, a: np.ndarray) -> np.ndarray:
    r""":math:`\partial L/\partial z = \partial L/\partial a \cdot \sigma(z)(1-\sigma(z)) = \partial L/\partial a \cdot a(1-a)`."""
    return dL_da * a * (1.0 - a)


def tanh(z: np.ndarray) -> np.ndarray:
    r""":math:`a = \tanh(z) = (e^{z} - e^{-z})/(e^{z} + e^{-z})`."""
    return np.tanh(z)


def tanh_backward(dL_da: np.ndarray, a: np.ndarray) -> np.ndarray:
    r""":math:`\partial L/\partial z = \partial L/\partial a \cdot (1 - \tanh^2 z) = \partial L/\partial a \cdot (1 - a^2)`."""
    return dL_da * (1.0 - a * a)


def softmax(z: np.ndarray) -> np.ndarray:
    r"""Softmax over the last axis: :math:`a_{k} = e^{z_k} / \sum_c e^{z_c}`.

    Subtracting :math:`\max_c z_c` first leaves the result unchanged (it cancels in the ratio) and
    keeps every exponent :math:`\le 0`, so nothing overflows.
    """
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_backward(dL_da: np.ndarray, a: np.ndarray) -> np.ndarray:
    r"""Backward of softmax through its Jacobian :math:`\partial a_k/\partial z_c = a_k(\delta_{kc} - a_c)`.

    .. math::  \frac{\partial L}{\partial z_c} = a_c\Big(\frac{\partial L}{\partial a_c}
               - \sum_k \frac{\partial L}{\partial a_k} a_k\Big)
    """
    return a * (dL_da - (dL_da * a).sum(axis=-1, keepdims=True))
