r"""The math of nnteach as small pure functions: each forward beside its backward.

Modules (``nnteach.layers``, ``nnteach.activations``, ``nnteach.losses``) do the bookkeeping -
validating input, caching what backward needs, accumulating parameter gradients - and call these
functions for the numbers. Notation used everywhere in nnteach:

* ``x`` input batch (N, in); ``W`` weight (out, in), row j holds neuron j's weights; ``b`` bias (out,)
* ``z = x W^T + b`` pre-activation (N, out); ``a = f(z)`` activation (N, out)
* ``dL_dz`` is :math:`\partial L/\partial z`, with the same shape as ``z``; likewise for every gradient.
"""

from nnteach.functional.linear import linear, linear_backward
from nnteach.functional.activations import (
    identity,
    identity_backward,
    leaky_relu,
    leaky_relu_backward,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    softmax,
    softmax_backward,
    tanh,
    tanh_backward,
)
from nnteach.functional.losses import (
    bce_loss,
    bce_loss_backward,
    bce_with_logits_loss,
    bce_with_logits_loss_backward,
    cross_entropy_loss,
    cross_entropy_loss_backward,
    l1_loss,
    l1_loss_backward,
    log_softmax,
    mse_loss,
    mse_loss_backward,
)

__all__ = [
    "linear", "linear_backward",
    "identity", "identity_backward", "leaky_relu", "leaky_relu_backward", "relu", "relu_backward",
    "sigmoid", "sigmoid_backward", "softmax", "softmax_backward", "tanh", "tanh_backward",
    "bce_loss", "bce_loss_backward", "bce_with_logits_loss", "bce_with_logits_loss_backward",
    "cross_entropy_loss", "cross_entropy_loss_backward", "l1_loss", "l1_loss_backward", "log_softmax",
    "mse_loss", "mse_loss_backward",
]
