r"""Optimizers: ``step()`` applies one update to every parameter, ``zero_grad()`` clears gradients.

The base class does the bookkeeping; subclasses write only the update rule, once, for one flat
vector. At construction the optimizer moves its parameters into one contiguous buffer (each
``Parameter.data`` and ``.grad`` becomes a view into it), so an update over a whole network is a
few NumPy operations instead of a Python loop over layers. The parameters behave exactly as before.

Update rules, identical to PyTorch's (``g`` the gradient, :math:`\eta` the learning rate):

* SGD: :math:`g \leftarrow g + \lambda\theta`; with momentum :math:`\mu`, :math:`v \leftarrow \mu v + g`
  (:math:`v = g` at the first step); :math:`\theta \leftarrow \theta - \eta v`.
* Adam: :math:`m \leftarrow \beta_1 m + (1-\beta_1)g`, :math:`v \leftarrow \beta_2 v + (1-\beta_2)g^2`,
  :math:`\theta \leftarrow \theta - \eta\,\hat m/(\sqrt{\hat v} + \epsilon)` with
  :math:`\hat m = m/(1-\beta_1^t)`, :math:`\hat v = v/(1-\beta_2^t)`.
"""

from __future__ import annotations

import copy
from typing import Callable, Iterable

import numpy as np

from nnteach._validation import check_bool, check_positive
from nnteach.module import GlobalHookHandle, HookHandle, Parameter

# Hooks called after every optimizer step, of any optimizer: fn(optimizer). A trace uses this to
# see updates of the model it observes without being handed the optimizer.
_STEP_HOOKS: dict[int, Callable] = {}


def register_optimizer_step_hook(hook: Callable) -> HookHandle:
    """Call ``hook(optimizer)`` after every ``step()`` of every optimizer; returns a removable handle."""
    handle = GlobalHookHandle(_STEP_HOOKS, None, hook)
    _STEP_HOOKS[handle.id] = hook
    return handle


def _flatten(params: list[Parameter]) -> tuple[np.ndarray, np.ndarray]:
    """Move the parameters into one data and one grad buffer (reusing a buffer they already share)."""
    first = params[0]
    base_d, base_g = first.data.base, first.grad.base
    total = sum(p.size for p in params)
    if (base_d is not None and base_g is not None and base_d.ndim == 1 and base_d.size == total
            and all(p.data.base is base_d and p.grad.base is base_g for p in params)):
        offset = 0  # already laid out by another optimizer over the same parameters: share it
        for p in params:
            if p.data.__array_interface__["data"][0] != base_d[offset:].__array_interface__["data"][0]:
                break
            offset += p.size
        else:
            return base_d, base_g
    dtype = first.data.dtype
    flat_d = np.empty(total, dtype=dtype)
    flat_g = np.empty(total, dtype=dtype)
    offset = 0
    for p in params:
        n = p.size
        flat_d[offset:offset + n] = p.data.ravel()
        flat_g[offset:offset + n] = p.grad.ravel()
        p._rebind(flat_d[offset:offset + n].reshape(p.shape), flat_g[offset:offset + n].reshape(p.shape))
        offset += n
    return flat_d, flat_g


def _describe(p: Parameter, i: int) -> str:
    """A parameter as a message names it: by its name in the model, else by its place in the list."""
    return f"parameter {p.name!r}" if p.name else f"parameter #{i} of the list (shape {p.shape})"


class Optimizer:
    """Base class: validates, flattens the parameters, and wraps each update with the bookkeeping."""

    def __init__(self, params: Iterable[Parameter], lr: float):
        who = type(self).__name__
        if callable(params):  # nt.SGD(model.parameters, ...): the method, not its result
            raise TypeError(f"{who}: expected the list of parameters, got the method itself. Call it: "
                            f"{who}(model.parameters(), lr=...).")
        try:
            params = list(params)
        except TypeError:
            raise TypeError(f"{who}: expected the model's parameters, model.parameters(), got "
                            f"{type(params).__name__}.") from None
        if not params:
            raise ValueError(f"{who}: got an empty parameter list. Pass model.parameters().")
        for p in params:
            if not isinstance(p, Parameter):
                raise TypeError(f"{who}: expected Parameters (model.parameters()), got {type(p).__name__}.")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{who}: a parameter appears twice in the list.")
        first = params[0].data.dtype
        for i, p in enumerate(params):
            if p.data.dtype != first:
                raise ValueError(
                    f"{who}: all parameters must share one dtype, but {_describe(p, i)} is {p.data.dtype} while "
                    f"{_describe(params[0], 0)} is {first}. Convert the whole model once, model.to(np.float32) "
                    f"or model.to(np.float64), before creating the optimizer."
                )
            if p.data.dtype not in (np.float32, np.float64):  # only a Parameter rebound by hand gets here
                raise TypeError(f"{who}: expected float32 or float64 parameters, but {_describe(p, i)} is "
                                f"{p.data.dtype}. Create it with nt.Parameter(...), which makes it float64.")
        self.lr = check_positive(lr, "lr (learning rate)", who)
        self.params = params
        self._data, self._grad = _flatten(params)
        self.step_count = 0

    def __deepcopy__(self, memo) -> "Optimizer":
        # A copy of a model and its optimizer (copy.deepcopy of a widget state, say) gets parameters
        # that are plain arrays again: lay them out in fresh flat buffers of the copy's own.
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        for key, value in vars(self).items():
            if key not in ("_data", "_grad"):
                setattr(new, key, copy.deepcopy(value, memo))
        new._data, new._grad = _flatten(new.params)
        return new

    def zero_grad(self) -> None:
        """Set the gradients of all the optimizer's parameters to zero, in one operation."""
        self._grad.fill(0.0)

    def step(self) -> None:
        """Apply one update to every parameter, using the gradients accumulated since ``zero_grad``."""
        data, grad = self._data, self._grad
        # Every parameter, not just the ends: an optimizer over a middle layer alone moves only that
        # layer's arrays, and this one would otherwise update stale copies without a word.
        for p in self.params:
            if p.data.base is not data or p.grad.base is not grad:
                what = f"parameter {p.name!r}" if p.name else f"a parameter of shape {p.shape}"
                raise RuntimeError(
                    f"{type(self).__name__}.step: {what} was moved since this "
                    f"optimizer was created (by .to(dtype), by another optimizer over a different set, or by "
                    f"assigning a new array to .grad). Create the optimizer again."
                )
        self.step_count += 1
        self._update(data, grad)
        for hook in tuple(_STEP_HOOKS.values()):
            hook(self)

    def _update(self, data: np.ndarray, grad: np.ndarray) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def state_dict(self) -> dict:
        """Hyper-parameters, the step count and copies of the internal buffers (momentum, moments)."""
        return {"step_count": self.step_count, **self._hyper(), **{k: v.copy() for k, v in self._buffers().items()}}

    def _buffers(self) -> dict[str, np.ndarray]:
        return {}

    def _hyper(self) -> dict:
        return {"lr": self.lr}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self._hyper().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional momentum and weight decay.

    .. math::  v \leftarrow \mu v + (g + \lambda\theta), \qquad \theta \leftarrow \theta - \eta v

    Args:
        params: the parameters to optimize, ``model.parameters()``.
        lr: learning rate :math:`\eta` (> 0).
        momentum: :math:`\mu` in [0, 1); 0 is plain gradient descent.
        weight_decay: L2 penalty :math:`\lambda` (≥ 0) added to the gradient.
        nesterov: use Nesterov momentum (:math:`\theta \leftarrow \theta - \eta(g + \mu v)`).

    Examples:
        >>> opt = nt.SGD(model.parameters(), lr=0.1, momentum=0.9)
    """

    def __init__(self, params, lr: float, momentum: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False):
        super().__init__(params, lr)
        self.momentum = check_positive(momentum, "momentum", "SGD", allow_zero=True)
        if self.momentum >= 1.0:
            raise ValueError(f"SGD: expected momentum in [0, 1), got {momentum}.")
        self.weight_decay = check_positive(weight_decay, "weight_decay", "SGD", allow_zero=True)
        if nesterov and self.momentum == 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0.")
        self.nesterov = check_bool(nesterov, "nesterov", "SGD")
        self._velocity: np.ndarray | None = None

    def _update(self, data, grad):
        g = grad + self.weight_decay * data if self.weight_decay else grad
        if self.momentum:
            if self._velocity is None:
                self._velocity = np.array(g)  # PyTorch: the first step's buffer is the gradient itself
            else:
                self._velocity *= self.momentum
                self._velocity += g
            g = g + self.momentum * self._velocity if self.nesterov else self._velocity
        data -= self.lr * g

    def _hyper(self):
        return {"lr": self.lr, "momentum": self.momentum, "weight_decay": self.weight_decay}

    def _buffers(self):
        return {} if self._velocity is None else {"velocity": self._velocity}


class Adam(Optimizer):
    r"""Adam: gradient descent with per-parameter step sizes from running moments of the gradient.

    Args:
        params: the parameters to optimize.
        lr: learning rate :math:`\eta` (> 0), default 1e-3.
        betas: decay rates :math:`(\beta_1, \beta_2)` of the first and second moments, each in [0, 1).
        eps: :math:`\epsilon` added to the denominator (> 0).
        weight_decay: L2 penalty added to the gradient (as ``torch.optim.Adam``, not AdamW).
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(params, lr)
        try:
            b1, b2 = (float(b) for b in betas)
        except (TypeError, ValueError):
            raise TypeError(f"Adam: expected betas to be a pair of numbers, got {betas!r}.") from None
        for name, b in (("betas[0]", b1), ("betas[1]", b2)):
            if not 0.0 <= b < 1.0:
                raise ValueError(f"Adam: expected {name} in [0, 1), got {b}.")
        self.betas = (b1, b2)
        self.eps = check_positive(eps, "eps", "Adam")
        self.weight_decay = check_positive(weight_decay, "weight_decay", "Adam", allow_zero=True)
        self._m = np.zeros_like(self._data)
        self._v = np.zeros_like(self._data)
        self._tmp = np.empty_like(self._data)

    def _update(self, data, grad):
        b1, b2 = self.betas
        g = grad + self.weight_decay * data if self.weight_decay else grad
        m, v, tmp = self._m, self._v, self._tmp
        t = self.step_count
        m *= b1
        m += (1.0 - b1) * g  # m <- b1 m + (1 - b1) g
        v *= b2
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        v += tmp  # v <- b2 v + (1 - b2) g^2
        bias1 = 1.0 - b1 ** t
        bias2 = 1.0 - b2 ** t
        # PyTorch's arrangement of the same formula: theta -= (lr / bias1) * m / (sqrt(v) / sqrt(bias2) + eps)
        np.sqrt(v, out=tmp)
        tmp /= np.sqrt(bias2)
        tmp += self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= self.lr / bias1
        data -= tmp

    def _hyper(self):
        return {"lr": self.lr, "betas": self.betas, "eps": self.eps, "weight_decay": self.weight_decay}

    def _buffers(self):
        return {"exp_avg": self._m, "exp_avg_sq": self._v}
