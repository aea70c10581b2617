r"""``nt.to_torch(model)``: the same network in PyTorch, for a learner who moves on.

nnteach follows PyTorch's conventions on purpose: a Linear's weight is (out, in) and
:math:`z = x W^\top + b`, losses are means, and SGD and Adam update as ``torch.optim`` does. So a
model built and trained here carries over number for number: the PyTorch copy computes the same
outputs, and autograd the same gradients that nnteach's ``backward`` methods compute by hand. See
``course/next_steps_pytorch.md``.

PyTorch is not a dependency of nnteach: it is imported when :func:`to_torch` is called.
"""

from __future__ import annotations

import numpy as np

from nnteach.activations import Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from nnteach.layers import Dense, Linear
from nnteach.model import Sequential
from nnteach.module import Module, _ours_or_none

_ACTIVATIONS = {ReLU: "ReLU", Sigmoid: "Sigmoid", Tanh: "Tanh", Identity: "Identity"}


def _computes_as_its_class(module: Module) -> bool:
    """No forward or backward of the module's own (a learner's patch); hook wrappers only observe."""
    return all(_ours_or_none(vars(module).get(name)) for name in ("forward", "backward"))


def _leaves(module: Module, path: str):
    """``(path, module)`` for the modules that compute, in forward order (a Dense is its Linear, then its activation)."""
    if type(module) is Sequential:
        for i, child in enumerate(module.layers):
            yield from _leaves(child, f"{path}[{i}]")
    elif type(module) is Dense:
        yield f"{path}.linear", module.linear
        yield f"{path}.activation", module.activation
    else:
        yield path, module


def _layer(path: str, module: Module) -> tuple[str, dict]:
    """The ``torch.nn`` class name and keyword arguments that compute what ``module`` computes."""
    kind = type(module)
    if not _computes_as_its_class(module):
        raise TypeError(f"nt.to_torch: model{path} has its own forward or backward set on the instance; "
                        f"only nnteach's layers as they come can be converted.")
    if kind is Linear:
        # copies: training either model later leaves the other as it is
        return "Linear", {"in_features": module.in_features, "out_features": module.out_features,
                          "weight": np.array(module.weight.data),
                          "bias": None if module.bias is None else np.array(module.bias.data)}
    if kind is LeakyReLU:
        return "LeakyReLU", {"negative_slope": module.negative_slope}
    if kind is Softmax:
        return "Softmax", {"dim": -1}  # nnteach's softmax runs over each sample's features
    if kind in _ACTIVATIONS:
        return _ACTIVATIONS[kind], {}
    raise TypeError(
        f"nt.to_torch: model{path} is a {kind.__name__}, which has no PyTorch counterpart here "
        f"(nt.to_torch converts nnteach's Sequential, Dense, Linear, ReLU, LeakyReLU, Sigmoid, Tanh, "
        f"Softmax and Identity). For a module of your own, write its forward in PyTorch as a torch.nn.Module: "
        f"autograd then computes its backward."
    )


def _plan(model: Module) -> list[tuple[str, dict]]:
    """What :func:`to_torch` builds, as plain data: one ``(torch.nn class name, arguments)`` per layer,
    in forward order, a Linear's weight and bias as NumPy copies. Needs no PyTorch."""
    if not isinstance(model, Module):
        raise TypeError(f"nt.to_torch: expected an nnteach model (a Module), got {type(model).__name__}.")
    return [_layer(path, m) for path, m in _leaves(model, "")]


def _build(torch, name: str, args: dict):
    if name != "Linear":
        return getattr(torch.nn, name)(**args)
    weight, bias = args["weight"], args["bias"]
    dtype = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}[weight.dtype]
    layer = torch.nn.Linear(args["in_features"], args["out_features"], bias=bias is not None, dtype=dtype)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(weight))
        if bias is not None:
            layer.bias.copy_(torch.from_numpy(bias))
    return layer


def to_torch(model: Module):
    """A ``torch.nn.Sequential`` that computes what ``model`` computes, with a copy of its weights.

    Each Linear becomes a ``torch.nn.Linear`` (the same weight layout, so no transpose), each
    activation its ``torch.nn`` namesake (Softmax over the last axis), a Dense its Linear followed
    by its activation, and nested Sequentials are flattened. For a Sequential of Linear and
    activation modules the ``state_dict`` keys are the same in both (``"0.weight"``, ``"2.bias"``).
    The parameters keep the model's dtype: float64 by default here, where PyTorch defaults to
    float32 (``.float()`` on the result converts it). The training mode is copied too.

    Args:
        model: a Sequential, Dense, Linear or activation of nnteach.

    Returns:
        a new ``torch.nn.Sequential``; changing either model afterwards leaves the other as it is.

    Raises:
        ImportError: PyTorch is not installed (``pip install torch``).
        TypeError: the model contains a module with no PyTorch counterpart (a learner's own module).

    Examples:
        >>> model = nt.Sequential(nt.Linear(2, 16), nt.ReLU(), nt.Linear(16, 1), nt.Sigmoid())
        >>> twin = nt.to_torch(model)
        >>> twin(torch.from_numpy(X)).detach().numpy()   # == model(X)
    """
    plan = _plan(model)  # first: a model that cannot be converted says so, PyTorch or not
    try:
        import torch
    except ImportError:
        raise ImportError(
            "nt.to_torch needs PyTorch, which nnteach does not install: pip install torch "
            "(the CPU build is enough: see https://pytorch.org/get-started/locally/)."
        ) from None
    twin = torch.nn.Sequential(*(_build(torch, name, args) for name, args in plan))
    return twin.train(model.training)
