"""A plain-NumPy reference network for the tracing tests, and the tests that make it trustworthy.

The tracing tests compare every number a trace records with an *independent* computation. This
module is that computation: forward pass, loss and backward pass written out here with NumPy
only, never calling ``nnteach.functional`` or any module's ``forward``/``backward``. It is checked
against central finite differences below, so a disagreement in another test points at the trace
(or the core), not at the reference.

It also holds the small model zoo (architecture, loss, targets) the tracing tests share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

import nnteach as nt

RTOL = 1e-12  # float64, relative; see assert_close


def assert_close(actual, expected, what: str = "") -> None:
    """Equal to 1e-12 relative, measured against the array's own scale (so an entry that
    cancels to ~1e-17 is not held to a relative tolerance of its own)."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=RTOL * scale, err_msg=what)


# ----------------------------------------------------------------------------- activations
def act_forward(name: str, z: np.ndarray, slope: float = 0.01) -> np.ndarray:
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, slope * z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if name == "identity":
        return z.copy()
    raise AssertionError(f"reference: unknown activation {name}")


def act_backward(name: str, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray, slope: float = 0.01) -> np.ndarray:
    """dL/dz = dL/da · f'(z); softmax through its full Jacobian, one sample at a time."""
    if name == "sigmoid":
        return grad_a * a * (1.0 - a)
    if name == "tanh":
        return grad_a * (1.0 - a ** 2)
    if name == "relu":
        return grad_a * (z > 0).astype(np.float64)
    if name == "leaky_relu":
        return grad_a * np.where(z > 0, 1.0, slope)
    if name == "softmax":
        out = np.empty_like(grad_a)
        for n in range(len(a)):
            jac = np.diag(a[n]) - np.outer(a[n], a[n])  # da_k/dz_c, symmetric
            out[n] = jac.T @ grad_a[n]
        return out
    if name == "identity":
        return grad_a.copy()
    raise AssertionError(f"reference: unknown activation {name}")


# ----------------------------------------------------------------------------- losses
def loss_value_and_grad(loss: str, out: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """L and dL/d(out) for the network output ``out`` (probabilities or logits, by loss)."""
    m = out.size
    if loss == "mse":
        d = out - y
        return float((d ** 2).sum() / m), 2.0 * d / m
    if loss == "bce":
        value = -(y * np.log(out) + (1.0 - y) * np.log(1.0 - out)).sum() / m
        return float(value), (out - y) / (out * (1.0 - out)) / m
    if loss == "bce_logits":
        value = (np.logaddexp(0.0, out) - y * out).sum() / m  # log(1 + e^z) - y z
        return float(value), (1.0 / (1.0 + np.exp(-out)) - y) / m
    if loss == "ce":  # y one-hot (N, C); mean over samples
        n = out.shape[0]
        shifted = out - out.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return float(-(y * log_p).sum() / n), (np.exp(log_p) - y) / n
    raise AssertionError(f"reference: unknown loss {loss}")


# ----------------------------------------------------------------------------- the network
@dataclass
class RefLayer:
    input: np.ndarray
    weight: np.ndarray
    bias: np.ndarray
    z: np.ndarray
    a: np.ndarray
    grad_a: np.ndarray | None = None
    grad_z: np.ndarray | None = None
    grad_weight: np.ndarray | None = None
    grad_bias: np.ndarray | None = None
    grad_input: np.ndarray | None = None


def reference_step(params, acts, x, y, loss: str):
    """One forward and backward pass of a stack of (W, b) layers with activations ``acts``.

    Args:
        params: list of (W (out, in), b (out,)).
        acts: list of (name, negative_slope).
        x: (N, in); y: targets in the loss's own layout (one-hot for "ce").

    Returns:
        (loss value, list of RefLayer).
    """
    layers, h = [], x
    for (W, b), (name, slope) in zip(params, acts):
        z = h @ W.T + b  # (N, out)
        a = act_forward(name, z, slope)
        layers.append(RefLayer(input=h, weight=W, bias=b, z=z, a=a))
        h = a
    value, grad = loss_value_and_grad(loss, h, y)
    for layer, (name, slope) in zip(reversed(layers), reversed(acts)):
        layer.grad_a = grad
        layer.grad_z = act_backward(name, layer.z, layer.a, grad, slope)
        layer.grad_weight = layer.grad_z.T @ layer.input  # (out, in)
        layer.grad_bias = layer.grad_z.sum(axis=0)  # (out,)
        layer.grad_input = layer.grad_z @ layer.weight  # (N, in)
        grad = layer.grad_input
    return value, layers


def reference_loss(params, acts, x, y, loss: str) -> float:
    return reference_step(params, acts, x, y, loss)[0]


# ----------------------------------------------------------------------------- the model zoo
@dataclass
class Arch:
    """A model recipe: build(rng) -> model, the activation of each neuron layer, the loss."""

    name: str
    build: Callable[[np.random.Generator], nt.Module]
    acts: list  # (name, negative_slope) per neuron layer
    loss: str  # "mse", "bce", "bce_logits", "ce"
    in_features: int
    out_features: int

    def loss_fn(self) -> nt.Loss:
        return {"mse": nt.MSELoss, "bce": nt.BCELoss, "bce_logits": nt.BCEWithLogitsLoss,
                "ce": nt.CrossEntropyLoss}[self.loss]()

    def data(self, rng: np.random.Generator, n: int):
        """(X, y_for_the_model, y_for_the_reference): class indices for CE, one-hot for the reference."""
        X = rng.normal(size=(n, self.in_features))
        if self.loss == "ce":
            labels = rng.integers(0, self.out_features, size=n)
            return X, labels, np.eye(self.out_features)[labels]
        if self.loss in ("bce", "bce_logits"):
            y = rng.integers(0, 2, size=(n, self.out_features)).astype(np.float64)
            return X, y, y
        if self.acts[-1][0] == "softmax":  # MSE against one-hot rows
            y = np.eye(self.out_features)[rng.integers(0, self.out_features, size=n)]
            return X, y, y
        y = rng.normal(size=(n, self.out_features))
        return X, y, y


def _seq(*layers):
    return nt.Sequential(*layers)


ARCHS = {
    a.name: a for a in [
        Arch("linear_act_pairs_bce",
             lambda r: _seq(nt.Linear(3, 5, rng=r), nt.Tanh(), nt.Linear(5, 4, rng=r), nt.Sigmoid(),
                            nt.Linear(4, 1, rng=r), nt.Sigmoid()),
             [("tanh", 0), ("sigmoid", 0), ("sigmoid", 0)], "bce", 3, 1),
        Arch("dense_relu_tanh_identity_mse",
             lambda r: _seq(nt.Dense(3, 6, activation="relu", rng=r), nt.Dense(6, 4, activation="tanh", rng=r),
                            nt.Dense(4, 2, activation=None, rng=r)),
             [("relu", 0), ("tanh", 0), ("identity", 0)], "mse", 3, 2),
        Arch("leaky_relu_then_logits_bce",
             lambda r: _seq(nt.Linear(2, 6, rng=r), nt.LeakyReLU(0.2), nt.Linear(6, 1, rng=r)),
             [("leaky_relu", 0.2), ("identity", 0)], "bce_logits", 2, 1),
        Arch("tanh_then_logits_cross_entropy",
             lambda r: _seq(nt.Linear(4, 5, rng=r), nt.Tanh(), nt.Linear(5, 3, rng=r)),
             [("tanh", 0), ("identity", 0)], "ce", 4, 3),
        Arch("softmax_output_mse",
             lambda r: _seq(nt.Linear(2, 4, rng=r), nt.ReLU(), nt.Linear(4, 3, rng=r), nt.Softmax()),
             [("relu", 0), ("softmax", 0)], "mse", 2, 3),
        Arch("single_dense_sigmoid_bce",
             lambda r: nt.Dense(3, 2, activation="sigmoid", rng=r),
             [("sigmoid", 0)], "bce", 3, 2),
    ]
}
ARCH_NAMES = list(ARCHS)


def model_params(model: nt.Module) -> list[tuple[np.ndarray, np.ndarray]]:
    """Copies of (W, b) of each neuron layer, read from the model's parameters in order."""
    params = [p.data.copy() for p in model.parameters()]
    return list(zip(params[0::2], params[1::2]))


# ----------------------------------------------------------------------------- tests of the reference
@pytest.fixture
def rng():
    return np.random.default_rng(20240607)


@pytest.mark.parametrize("arch_name", ARCH_NAMES)
def test_reference_gradients_match_finite_differences(arch_name, rng):
    arch = ARCHS[arch_name]
    model = arch.build(rng)
    X, _, y_ref = arch.data(rng, 5)
    params = model_params(model)
    _, layers = reference_step(params, arch.acts, X, y_ref, arch.loss)
    h = 1e-6
    for li, (W, b) in enumerate(params):
        for arr, analytic in ((W, layers[li].grad_weight), (b, layers[li].grad_bias)):
            numeric = np.zeros_like(arr)
            for idx in np.ndindex(arr.shape):
                old = arr[idx]
                arr[idx] = old + h
                up = reference_loss(params, arch.acts, X, y_ref, arch.loss)
                arr[idx] = old - h
                down = reference_loss(params, arch.acts, X, y_ref, arch.loss)
                arr[idx] = old
                numeric[idx] = (up - down) / (2 * h)
            np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("arch_name", ARCH_NAMES)
def test_reference_loss_equals_the_library_loss_value(arch_name, rng):
    # The reference loss formulas are written independently; they must still agree with nnteach's.
    arch = ARCHS[arch_name]
    model = arch.build(rng)
    X, y_model, y_ref = arch.data(rng, 6)
    value, _ = reference_step(model_params(model), arch.acts, X, y_ref, arch.loss)
    assert value == pytest.approx(arch.loss_fn()(model(X), y_model), rel=1e-12)
