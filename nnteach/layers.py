"""Layers with parameters: ``Linear`` (the affine map) and ``Dense`` (Linear + activation)."""

from __future__ import annotations

import numpy as np

from nnteach import functional as F
from nnteach._rng import RNGLike, get_rng
from nnteach._validation import as_float_array, check_bool, check_choice, check_float_dtype, check_gradient, check_int
from nnteach.activations import activation_from_spec, activation_to_spec
from nnteach.init import INITS, init_weight
from nnteach.module import Module, Parameter, backward_watched, backward_without_input_grad, forward_watched


def _check_input(module: Module, x, features: int) -> np.ndarray:
    """Validate a forward input cheaply: the common case (a float ndarray of the right shape) costs two compares."""
    if type(x) is not np.ndarray or x.dtype.kind != "f":
        x = as_float_array(x, f"{module!r}", "input")
    if x.ndim != 2 or x.shape[1] != features:
        if x.ndim != 2:
            hint = " For a single sample use x.reshape(1, -1)." if x.ndim == 1 else ""
            raise ValueError(f"{module!r} expected input of shape (N, {features}), got {x.ndim}-D shape {x.shape}.{hint}")
        raise ValueError(
            f"{module!r} expected input of shape (N, {features}), got {x.shape}. "
            f"Does the previous layer output {x.shape[1]} features?"
        )
    return x


def _linear_arguments(in_features, out_features, init, bias, rng, dtype, who: str) -> tuple:
    """The arguments of a Linear, checked and in the form it keeps: (in_features, out_features,
    init, bias, a Generator, a dtype). ``who`` names the layer the learner wrote in the errors."""
    return (check_int(in_features, "in_features", who), check_int(out_features, "out_features", who),
            check_choice(init, INITS, "init", who),
            check_bool(bias, "bias", who),  # a string such as "no" would otherwise count as True
            get_rng(rng, who), check_float_dtype(dtype, who))


class Linear(Module):
    r"""A fully connected layer: :math:`z = x W^\top + b`.

    Row j of ``weight`` holds the weights of neuron j, so ``weight[j, i]`` connects input i to
    neuron j (the same layout as PyTorch's ``nn.Linear``).

    Args:
        in_features: size of each input sample.
        out_features: number of neurons (size of each output sample).
        init: weight initialisation, one of ``"xavier"``, ``"he"``, ``"normal"``, ``"zeros"``
            (see :mod:`nnteach.init`). Biases start at zero.
        bias: whether to learn a bias.
        rng: seed or Generator for the initial weights (default: the package generator, see ``nt.seed``).
        dtype: np.float64 (default) or np.float32.

    Shape:
        input (N, in_features) -> output (N, out_features)

    Examples:
        >>> layer = nt.Linear(2, 3, rng=0)
        >>> layer(np.ones((4, 2))).shape
        (4, 3)
    """

    def __init__(self, in_features: int, out_features: int, init: str = "xavier", bias: bool = True,
                 rng: RNGLike = None, dtype=np.float64):
        super().__init__()
        in_features, out_features, init, bias, rng, dtype = _linear_arguments(
            in_features, out_features, init, bias, rng, dtype, f"Linear({in_features}, {out_features})")
        self.in_features, self.out_features = in_features, out_features
        self.init = init
        W = init_weight(init, in_features, out_features, rng, dtype)
        self.weight = Parameter(W)
        self.bias = Parameter(np.zeros(out_features, dtype=dtype)) if bias else None
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = _check_input(self, x, self.in_features)
        self._x = x  # backward needs the input: dL/dW = dL/dz^T x
        return F.linear(x, self.weight.data, None if self.bias is None else self.bias.data)

    def backward(self, grad_output: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Given dL/dz (N, out): add dL/dW and dL/db to the gradients, return dL/dx (N, in).

        ``input_grad=False`` says the caller has no use for dL/dx (the input is the data): it is
        not computed and None is returned. See :func:`nnteach.module.backward_without_input_grad`.
        """
        x = self._x
        if x is None:
            raise RuntimeError(f"{self!r}: backward() called before forward(). Run a forward pass first.")
        if type(grad_output) is not np.ndarray or grad_output.shape != (x.shape[0], self.out_features):
            grad_output = check_gradient(grad_output, (x.shape[0], self.out_features), repr(self))
        dL_dx, dL_dW, dL_db = F.linear_backward(grad_output, x, self.weight.data, input_grad)
        self.weight.grad += dL_dW
        if self.bias is not None:
            self.bias.grad += dL_db
        return dL_dx

    def output_shape(self, input_shape: tuple) -> tuple:
        return (*input_shape[:-1], self.out_features)

    def get_config(self) -> dict:
        return {"in_features": self.in_features, "out_features": self.out_features, "init": self.init,
                "bias": self.bias is not None, "dtype": str(self.weight.data.dtype)}

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}" + (
            "" if self.bias is not None else ", bias=False")


class Dense(Module):
    r"""One "neuron layer": a :class:`Linear` followed by an activation, :math:`a = f(x W^\top + b)`.

    The two steps are separate child modules (``.linear`` and ``.activation``), so the
    pre-activation ``z`` and the activation ``a`` are both visible to hooks and traces.

    Args:
        in_features: size of each input sample.
        out_features: number of neurons.
        activation: a name (``"relu"``, ``"leaky_relu"``, ``"sigmoid"``, ``"tanh"``, ``"softmax"``,
            ``"identity"``/``"linear"``/``None``) or an activation Module.
        init: weight initialisation; default ``"he"`` for the ReLU family, ``"xavier"`` otherwise.
        rng, dtype: as for :class:`Linear`.

    Examples:
        >>> hidden = nt.Dense(2, 16, activation="relu")
    """

    def __init__(self, in_features: int, out_features: int, activation="relu", init: str | None = None,
                 bias: bool = True, rng: RNGLike = None, dtype=np.float64):
        super().__init__()
        who = f"Dense({in_features}, {out_features})"
        act = activation_from_spec(activation, who)
        if init is None:
            init = "he" if type(act).__name__ in ("ReLU", "LeakyReLU") else "xavier"
        # checked here too, so that a mistake is reported as Dense's (the Linear inside is a detail)
        arguments = _linear_arguments(in_features, out_features, init, bias, rng, dtype, who)
        self.linear = Linear(*arguments)
        self.activation = act
        self._watch = None  # see forward

    @property
    def weight(self) -> Parameter:
        return self.linear.weight

    @property
    def bias(self) -> Parameter | None:
        return self.linear.bias

    @property
    def in_features(self) -> int:
        return self.linear.in_features

    @property
    def out_features(self) -> int:
        return self.linear.out_features

    def forward(self, x: np.ndarray) -> np.ndarray:
        if self._watch is not None:  # a trace watches z and a (module.ChildWatch)
            return forward_watched((self.linear, self.activation), x, self._watch)
        return self.activation(self.linear(x))

    def backward(self, grad_output: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        if self._watch is not None:
            return backward_watched((self.linear, self.activation), grad_output, self._watch)
        grad_z = self.activation.backward(grad_output)
        if input_grad:
            return self.linear.backward(grad_z)
        return backward_without_input_grad(self.linear, grad_z)

    def output_shape(self, input_shape: tuple) -> tuple:
        return self.linear.output_shape(input_shape)

    def get_config(self) -> dict:
        cfg = self.linear.get_config()
        cfg["activation"] = activation_to_spec(self.activation)
        return cfg

    def summary_label(self) -> str:
        return f"Dense({self.in_features}, {self.out_features}, {type(self.activation).__name__})"

    def __repr__(self) -> str:
        return (f"Dense(in_features={self.in_features}, out_features={self.out_features}, "
                f"activation={self.activation!r})")
