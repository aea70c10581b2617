r"""The affine map of a dense layer, forward and backward."""

from __future__ import annotations

import numpy as np


def linear(x: np.ndarray, W: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    r"""Pre-activation of a dense layer for a batch.

    .. math::  z_{nj} = \sum_i x_{ni} W_{ji} + b_j \qquad Z = X W^\top + b

    Args:
        x: inputs, shape (N, in).
        W: weights, shape (out, in); row j holds the weights of neuron j.
        b: biases, shape (out,), or None for a layer without bias.

    Returns:
        z, shape (N, out).
    """
    z = x @ W.T  # (N, in) @ (in, out) -> (N, out)
    if b is not None:
        z += b  # (out,) broadcast over the N rows
    return z


def linear_backward(
    dL_dz: np.ndarray, x: np.ndarray, W: np.ndarray, input_grad: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    r"""Gradients of a dense layer, given :math:`\partial L/\partial z` and the cached input.

    .. math::
        \frac{\partial L}{\partial W} = \Big(\frac{\partial L}{\partial Z}\Big)^{\!\top} X, \qquad
        \frac{\partial L}{\partial b_j} = \sum_n \frac{\partial L}{\partial z_{nj}}, \qquad
        \frac{\partial L}{\partial X} = \frac{\partial L}{\partial Z}\, W

    The batch sums are exact sums: the loss already divided by N when it averaged, so its
    gradient carries the 1/N and each sample's contribution is summed here.

    Args:
        dL_dz: gradient at the pre-activation, shape (N, out).
        x: the input of the forward pass, shape (N, in).
        W: the weights of the forward pass, shape (out, in).
        input_grad: False skips :math:`\partial L/\partial X` (returned as None). For the first
            layer, whose input is the data, nobody needs it, and it is the largest product here
            when the input is wide (784 pixels, say).

    Returns:
        ``(dL_dx, dL_dW, dL_db)`` with shapes (N, in), (out, in), (out,).
    """
    dL_dW = dL_dz.T @ x  # (out, N) @ (N, in) -> (out, in)
    dL_db = dL_dz.sum(axis=0)  # (out,)
    dL_dx = dL_dz @ W if input_grad else None  # (N, out) @ (out, in) -> (N, in)
    return dL_dx, dL_dW, dL_db
