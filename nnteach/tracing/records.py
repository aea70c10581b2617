"""What a trace keeps: frozen records of arrays that never change, one per neuron layer per training step.

Notation (as everywhere in nnteach): for neuron layer l with input ``input`` (N, in),
``z = input @ weight.T + bias`` (N, out) and ``a = f(z)``; each ``grad_*`` is dL/d(that quantity).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass(frozen=True, eq=False)
class LayerRecord:
    """One neuron layer (a Linear and the activation after it) in one step.

    Attributes:
        index: position among the model's neuron layers (0 = first hidden layer).
        name: ``"hidden 1"``, ``"hidden 2"``, ..., ``"output"``.
        activation: the activation's name (``"sigmoid"``, ``"relu"``, ``"identity"``, ...).
        input: (N, in) what entered the layer (x for the first layer, else the previous ``a``).
        weight: (out, in) and bias: (out,) as used in this forward pass.
        z: (N, out) pre-activation; a: (N, out) activation.
        grad_a, grad_z: (N, out) dL/da and dL/dz; grad_input: (N, in) dL/d(input).
        grad_weight: (out, in) and grad_bias: (out,) the gradients the optimizer applies
            (``weight.grad`` after this backward: the batch sum of each sample's share).
        weight_after, bias_after: the values after the optimizer step, if one happened.
        Fields not reached (no backward yet, no update) are None.
    """

    index: int
    name: str
    activation: str
    input: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    z: np.ndarray
    a: np.ndarray
    grad_a: np.ndarray | None = None
    grad_z: np.ndarray | None = None
    grad_input: np.ndarray | None = None
    grad_weight: np.ndarray | None = None
    grad_bias: np.ndarray | None = None
    weight_after: np.ndarray | None = None
    bias_after: np.ndarray | None = None

    @property
    def in_features(self) -> int:
        return self.weight.shape[1]

    @property
    def out_features(self) -> int:
        return self.weight.shape[0]

    @property
    def batch_size(self) -> int:
        return self.z.shape[0]

    def per_sample_grad_weight(self) -> np.ndarray:
        r"""Each sample's own :math:`\partial \ell_n/\partial W`, shape (N, out, in).

        The loss is a mean, :math:`L = \frac1N\sum_n \ell_n`, so ``grad_z`` holds
        :math:`\frac1N \partial\ell_n/\partial z_n`; sample n's own gradient is therefore
        :math:`N \cdot (\partial L/\partial z_n)^\top x_n`, and their mean is ``grad_weight``.
        """
        self._need_backward("per_sample_grad_weight")
        n = self.batch_size
        return n * self.grad_z[:, :, None] * self.input[:, None, :]  # (N, out, 1) * (N, 1, in)

    def per_sample_grad_bias(self) -> np.ndarray:
        """Each sample's own dℓ_n/db, shape (N, out); their mean is ``grad_bias``."""
        self._need_backward("per_sample_grad_bias")
        return self.batch_size * self.grad_z

    def _need_backward(self, what: str) -> None:
        if self.grad_z is None:
            raise RuntimeError(f"{self.name}: {what} needs a backward pass, and this step has none recorded.")

    def __repr__(self) -> str:
        done = "forward" + (", backward" if self.grad_z is not None else "") + (
            ", update" if self.weight_after is not None else "")
        return (f"LayerRecord({self.name}: {self.in_features}->{self.out_features} {self.activation}, "
                f"batch {self.batch_size}, recorded: {done})")


@dataclass(frozen=True, eq=False)
class StepRecord:
    """One training step: a forward pass of the model and what followed it.

    Attributes:
        index: the step number since tracing began (0-based), counting every step even when
            only some are kept.
        x: (N, in) the batch; y: the targets the loss compared with (None if no loss was computed).
        y_pred: the model's output; loss: the loss value (None if no loss was computed).
        loss_name: the loss class (``"BCELoss"``...); optimizer: its repr, when an update happened.
        layers: one :class:`LayerRecord` per neuron layer, input to output.
    """

    index: int
    x: np.ndarray
    y_pred: np.ndarray
    layers: tuple
    y: np.ndarray | None = None
    loss: float | None = None
    loss_name: str | None = None
    optimizer: str | None = None
    lr: float | None = None
    plain_sgd: bool = False

    @property
    def has_backward(self) -> bool:
        return bool(self.layers) and self.layers[0].grad_z is not None

    @property
    def has_update(self) -> bool:
        return bool(self.layers) and self.layers[0].weight_after is not None

    def __repr__(self) -> str:
        loss = f", loss={self.loss:.6g}" if self.loss is not None else ""
        return f"StepRecord(index={self.index}, batch={len(self.x)}{loss}, layers={len(self.layers)})"


ARRAY_FIELDS = tuple(f.name for f in fields(LayerRecord) if f.name not in ("index", "name", "activation"))
