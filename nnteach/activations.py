"""Activation modules: element-wise non-linearities (and softmax), with no parameters."""

from __future__ import annotations

import numpy as np

from nnteach import functional as F
from nnteach._validation import as_float_array, check_gradient, check_positive
from nnteach.module import MODULE_REGISTRY, Module, registry_name


class Activation(Module):
    """Base of the activations: caches what its derivative needs and checks the call order.

    An activation of your own subclasses it (``nt.Activation``) and writes ``forward`` and
    ``backward``; nt.trace, Dense, saving and loading then treat it like nnteach's own::

        class Cube(nt.Activation):
            def forward(self, x):                 # a = z³
                x = self._checked_input(x)        # a float (N, features) batch, or a clear error
                self._cache = x                   # what the derivative needs
                return x**3

            def backward(self, grad_output):      # dL/dz = dL/da · 3z²
                return grad_output * 3 * self._cached(grad_output) ** 2
    """

    _cache: np.ndarray | None = None

    def output_shape(self, input_shape: tuple) -> tuple:
        """An activation works element by element (softmax row by row): the output has the input's shape."""
        return input_shape

    def _checked_input(self, x) -> np.ndarray:
        """A float batch of shape (N, features), as every layer takes; the common case costs two compares."""
        if type(x) is not np.ndarray or x.dtype.kind != "f":
            x = as_float_array(x, f"{self!r}", "input")
        if x.ndim != 2:
            hint = (" For one sample use x.reshape(1, -1); for a column of N values use x.reshape(-1, 1)."
                    if x.ndim == 1 else "")
            raise ValueError(
                f"{self!r} expected input of shape (N, features), a 2-D batch, got {x.ndim}-D shape {x.shape}.{hint}"
            )
        return x

    def _cached(self, grad_output: np.ndarray) -> np.ndarray:
        cache = self._cache
        if cache is None:
            raise RuntimeError(f"{self!r}: backward() called before forward(). Run a forward pass first.")
        if type(grad_output) is not np.ndarray or grad_output.shape != cache.shape:
            check_gradient(grad_output, cache.shape, repr(self))
        return cache


class Identity(Activation):
    r""":math:`a = z`. Use it for a linear output (regression) or to mean "no activation"."""

    def forward(self, x):
        x = self._checked_input(x)
        self._cache = x
        return x

    def backward(self, grad_output):
        self._cached(grad_output)
        return F.identity_backward(grad_output)


class ReLU(Activation):
    r"""Rectified linear unit :math:`a = \max(0, z)`; derivative 1 where z > 0, else 0."""

    def forward(self, x):
        x = self._checked_input(x)
        self._cache = x  # z: the derivative needs its sign
        return F.relu(x)

    def backward(self, grad_output):
        return F.relu_backward(grad_output, self._cached(grad_output))


class LeakyReLU(Activation):
    r""":math:`a = z` for z > 0, else ``negative_slope`` · z: negative inputs keep a small gradient.

    Args:
        negative_slope: the slope :math:`\alpha` for z ≤ 0 (default 0.01, must be ≥ 0).
    """

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = check_positive(negative_slope, "negative_slope", "LeakyReLU", allow_zero=True)

    def forward(self, x):
        x = self._checked_input(x)
        self._cache = x
        return F.leaky_relu(x, self.negative_slope)

    def backward(self, grad_output):
        return F.leaky_relu_backward(grad_output, self._cached(grad_output), self.negative_slope)

    def get_config(self):
        return {"negative_slope": self.negative_slope}

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Activation):
    r""":math:`a = \sigma(z) = 1/(1 + e^{-z})`, squashing to (0, 1); :math:`\sigma' = a(1 - a)`."""

    def forward(self, x):
        x = self._checked_input(x)
        a = F.sigmoid(x)
        self._cache = a  # sigma'(z) = a(1 - a): cheaper from a than from z
        return a

    def backward(self, grad_output):
        return F.sigmoid_backward(grad_output, self._cached(grad_output))


class Tanh(Activation):
    r""":math:`a = \tanh z`, squashing to (-1, 1); :math:`\tanh' = 1 - a^2`."""

    def forward(self, x):
        x = self._checked_input(x)
        a = F.tanh(x)
        self._cache = a
        return a

    def backward(self, grad_output):
        return F.tanh_backward(grad_output, self._cached(grad_output))


class Softmax(Activation):
    r"""Softmax over the features of each sample: :math:`a_k = e^{z_k}/\sum_c e^{z_c}`; rows sum to 1.

    For classification, prefer a plain output layer and :class:`nnteach.CrossEntropyLoss`, which
    applies softmax inside the loss (more stable, and its gradient is simply softmax(z) − y).
    """

    def forward(self, x):
        x = self._checked_input(x)
        a = F.softmax(x)
        self._cache = a
        return a

    def backward(self, grad_output):
        return F.softmax_backward(grad_output, self._cached(grad_output))


ACTIVATIONS = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "softmax": Softmax,
    "identity": Identity,
    "linear": Identity,
}


def activation_from_spec(spec, who: str = "activation") -> Module:
    """Build an activation from a name (``"relu"``), None (identity), an activation or its class, or a saved spec.

    Only activations are accepted: an instance or subclass of :class:`Activation` (nnteach's, or a
    learner's own) that has a ``forward`` of its own. A ``Linear``, a loss or the base class itself is
    refused here, where the mistake is made, instead of failing at the first forward pass.
    """
    if spec is None:
        return Identity()
    if isinstance(spec, Module):
        _check_activation_class(type(spec), spec.summary_label(), who, TypeError)
        return spec
    if isinstance(spec, type) and issubclass(spec, Module):
        _check_activation_class(spec, f"the class {registry_name(spec)}", who, TypeError)
        return spec()
    if isinstance(spec, dict) and "class" in spec:
        cls = MODULE_REGISTRY.get(spec["class"]) if isinstance(spec["class"], str) else None
        if cls is None:
            raise ValueError(f"{who}: unknown activation class {spec['class']!r}.")
        _check_activation_class(cls, f"the class {spec['class']!r}", who, ValueError)
        return cls.from_config(spec.get("config", {}))
    if isinstance(spec, str):
        key = spec.lower().replace("-", "_")
        if key in ACTIVATIONS:
            return ACTIVATIONS[key]()
        raise ValueError(f"{who}: unknown activation {spec!r}. Valid names: {_valid_names()} "
                         f"(or pass an activation Module).")
    raise TypeError(f"{who}: expected activation to be a name, None or a Module, got {type(spec).__name__}.")


def _valid_names() -> str:
    return ", ".join(repr(k) for k in ACTIVATIONS)


def _check_activation_class(cls: type, what: str, who: str, error: type[Exception]) -> None:
    """Refuse a Module class that is not an activation, or is the base class that cannot compute.

    ``error``: TypeError for an object of the wrong kind, ValueError for a saved spec naming the wrong class.
    """
    if not issubclass(cls, Activation):
        why = "which is not an activation"
    elif cls.forward is Module.forward:  # Activation itself, or a subclass that never wrote forward(x)
        why = "which has no forward(x) of its own, so it cannot compute"
    else:
        return
    raise error(
        f"{who}: expected activation to be a name, None or an activation Module, got {what}, {why}. "
        f"Valid names: {_valid_names()}. An activation of your own must subclass nt.Activation "
        f"and define forward(x) and backward(grad_output)."
    )


def activation_to_spec(module: Module) -> dict:
    return {"class": registry_name(type(module)), "config": module.get_config()}
