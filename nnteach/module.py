"""``Parameter`` and ``Module``: the state and bookkeeping every layer, activation and loss shares.

A Module holds state (parameters, cached values); the math lives in :mod:`nnteach.functional`.
Children and parameters are found by reflection over the attributes, in the order they were set,
so a subclass just assigns them in ``__init__``, as in PyTorch.
"""

from __future__ import annotations

import copy
import inspect
import itertools
from typing import Any, Callable, Iterator

import numpy as np

from nnteach._validation import as_float_array, check_bool, check_float_dtype

# Every Module subclass by name, so `nt.load` can rebuild a model from plain JSON without pickle:
# a file can only name classes that are already imported, never carry code. nnteach's own classes
# go by their bare name ("Linear"); any other class by module and name ("__main__.Scale"), so a
# learner's class that happens to be called Sigmoid never replaces the built-in one.
MODULE_REGISTRY: dict[str, type["Module"]] = {}


def registry_name(cls: type) -> str:
    """The name a saved file uses for a Module class (see MODULE_REGISTRY).

    nnteach's own classes go by their name (``"Linear"``); any other, a learner's or one of the exercises'
    deliberately broken layers (``nnteach.exercises``), by its module and qualified name, so that it never
    passes for one of nnteach's layers.
    """
    module = cls.__module__
    if (module == "nnteach" or module.startswith("nnteach.")) and not module.startswith("nnteach.exercises."):
        return cls.__name__
    return f"{module}.{cls.__qualname__}"


class Parameter:
    """A learnable array and the gradient accumulated for it.

    Attributes:
        data: the values, a float64 or float32 ndarray (integers and bools become float64) whose
            shape never changes. Assigning ``p.data = new`` copies ``new`` into the existing array,
            so an optimizer that already holds the parameter keeps seeing its current values.
        grad: ``dL/d(data)`` summed over every ``backward`` since the last ``zero_grad``; same shape.
        name: the dotted name inside its model once it is part of one (e.g. ``"0.weight"``).
    """

    __slots__ = ("_data", "grad", "name")

    def __init__(self, data: np.ndarray, name: str = ""):
        # float32 stays float32; integers and bools become float64 (a gradient step moves by fractions);
        # None, strings, complex numbers and ragged lists are refused by name
        data = np.array(as_float_array(data, f"Parameter {name}".rstrip(), "data"))  # a copy of its own
        self._data = data
        self.grad = np.zeros_like(data)
        self.name = name

    @property
    def data(self) -> np.ndarray:
        return self._data

    @data.setter
    def data(self, value) -> None:
        value = as_float_array(value, f"Parameter {self.name}".rstrip(), "new data", dtype=self._data.dtype)
        if value.shape != self._data.shape:
            raise ValueError(
                f"Parameter {self.name or ''}: expected new data of shape {self._data.shape}, got {value.shape}. "
                f"A parameter keeps its shape; build a new layer for a different size."
            )
        self._data[...] = value

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def size(self) -> int:
        return self._data.size

    def zero_grad(self) -> None:
        self.grad.fill(0.0)

    def _rebind(self, data: np.ndarray, grad: np.ndarray) -> None:
        """Point data and grad at new arrays (views into an optimizer's flat buffers)."""
        self._data = data
        self.grad = grad

    def __repr__(self) -> str:
        name = f"{self.name!r}, " if self.name else ""
        return f"Parameter({name}shape={self.shape}, dtype={self._data.dtype})"


class HookHandle:
    """Returned by ``register_*_hook``; call ``remove()`` to detach the hook."""

    _ids = itertools.count()

    def __init__(self, hooks: dict, module: "Module | None", hook: Callable | None = None):
        self.id = next(HookHandle._ids)
        self._hooks = hooks
        self._module = module
        self._hook = hook
        self._removed = False

    def remove(self) -> None:
        self._removed = True
        self._hooks.pop(self.id, None)
        self._module._sync_hook_wrappers()


class GlobalHookHandle(HookHandle):
    """The handle of a hook registered for every instance of a kind (every loss, every optimizer)."""

    def remove(self) -> None:
        self._removed = True
        self._hooks.pop(self.id, None)


def _is_hook_wrapper(method) -> bool:
    """A wrapper that Module._set_wrapper installed to call hooks (its ``_wrapped``: the method it wraps
    if the instance had one of its own, else None)."""
    return hasattr(method, "_wrapped")


def _ours_or_none(method) -> bool:
    """No instance method, or a hook wrapper around the class's own method."""
    return method is None or (_is_hook_wrapper(method) and method._wrapped is None)


class ChildWatch:
    """An observer of the calls a container (``Sequential``, ``Dense``) makes to its children.

    While switched on, the container sends its pass through :func:`forward_watched` and
    :func:`backward_watched`, which call ``forward[k](input, output)`` after child ``k``'s forward
    and ``backward[k](grad_output, grad_input)`` after its backward. The same children run, in the
    same order, on the same arrays: only the reporting is added. The children themselves are never
    touched, so switching a watch on or off sets one attribute of the container. That is what lets
    ``nt.trace(model, keep_every=10)`` watch every 10th step at almost no cost for the nine between
    (module hooks would wrap and unwrap every layer each time).

    Args:
        container: a Sequential or a Dense (any module whose forward and backward honour ``_watch``).
        forward, backward: child position -> callback; positions left out are not reported.
    """

    def __init__(self, container: "Module", forward: dict[int, Callable], backward: dict[int, Callable]):
        self.container = container
        # position -> the callbacks to call there: one each, until another watch joins (see switch)
        self.tables = ({k: (fn,) for k, fn in forward.items()}, {k: (fn,) for k, fn in backward.items()})
        self.on = False

    def switch(self, on: bool) -> None:
        if on == self.on:
            return
        self.on = on
        c = self.container
        watchers = getattr(c, "_watchers", None)
        if watchers is None:
            watchers = c._watchers = []
        if on:
            watchers.append(self)
        else:
            watchers.remove(self)
        if len(watchers) <= 1:
            c._watch = watchers[0].tables if watchers else None
            return
        # Several traces of one model watch at once: each position calls every watcher's callbacks.
        merged: tuple[dict, dict] = ({}, {})
        for w in watchers:
            for table, callbacks in zip(merged, w.tables):
                for k, fns in callbacks.items():
                    table[k] = table.get(k, ()) + fns
        c._watch = merged


def forward_watched(children, x, watch: tuple[dict, dict]):
    """``x`` through ``children`` in order, as a container's forward does, reporting each child's call."""
    on_forward = watch[0]
    for k, child in enumerate(children):
        out = child(x)
        for fn in on_forward.get(k, ()):
            fn(x, out)
        x = out
    return x


def backward_watched(children, grad_output, watch: tuple[dict, dict]):
    """dL/d(output) back through ``children``, last to first, reporting each child's backward.

    Every child computes its full gradient, the first one's dL/d(input) included: what is
    watched is what would be computed for a caller who needs it.
    """
    on_backward = watch[1]
    for k in range(len(children) - 1, -1, -1):
        grad_input = children[k].backward(grad_output)
        for fn in on_backward.get(k, ()):
            fn(grad_output, grad_input)
        grad_output = grad_input
    return grad_output


_TAKES_INPUT_GRAD: dict[Callable, bool] = {}


def backward_without_input_grad(module: "Module", grad_output):
    """``module.backward(grad_output)`` for a caller that will not use the returned dL/d(input).

    A module whose ``backward`` accepts ``input_grad`` (``Linear``, ``Dense``, ``Sequential``) is
    told ``input_grad=False`` and may skip that product, as PyTorch skips the gradient of data that
    does not require one. Any other module, and a module observed by hooks or given its own
    ``backward`` on the instance (a trace, a learner's experiment), computes everything as usual.
    Returns whatever ``backward`` returned (None when it skipped).
    """
    if "backward" in vars(module):  # hooks or an instance method: run it as it is
        return module.backward(grad_output)
    method = type(module).backward
    takes = _TAKES_INPUT_GRAD.get(method)
    if takes is None:
        try:
            takes = "input_grad" in inspect.signature(method).parameters
        except (TypeError, ValueError):  # no signature to read (a builtin, say): do not guess
            takes = False
        _TAKES_INPUT_GRAD[method] = takes
    return module.backward(grad_output, input_grad=False) if takes else module.backward(grad_output)


def names_mismatch(expected, given) -> str | None:
    """How the parameter names ``given`` differ from ``expected`` ("missing [...]; unexpected [...]"), or None."""
    missing = [k for k in expected if k not in given]
    extra = [k for k in given if k not in expected]
    parts = ([f"missing {missing}"] if missing else []) + ([f"unexpected {extra}"] if extra else [])
    return "; ".join(parts) or None


class Module:
    """Base class of every layer, activation, loss and model.

    Subclasses implement ``forward(x)`` (caching what backward needs) and ``backward(grad_output)``
    (returning the gradient with respect to the input and adding parameter gradients to
    ``param.grad``). Calling the module, ``module(x)``, is ``module.forward(x)``.

    Hooks observe a module without it knowing: ``register_forward_pre_hook(fn)`` calls
    ``fn(module, inputs)`` before every forward, ``register_forward_hook(fn)`` calls
    ``fn(module, inputs, output)`` after every forward, ``register_backward_hook(fn)`` calls
    ``fn(module, grad_output, grad_input)`` after every backward. With no hooks attached nothing
    extra runs at all: the wrappers that call hooks exist only on instances that have hooks.
    """

    _watch: tuple[dict, dict] | None = None  # set on a container while a ChildWatch observes it

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        MODULE_REGISTRY[registry_name(cls)] = cls

    def __init__(self) -> None:
        self.training = True
        self._forward_pre_hooks: dict[int, Callable] = {}
        self._forward_hooks: dict[int, Callable] = {}
        self._backward_hooks: dict[int, Callable] = {}

    # ----------------------------------------------------------------- computation
    def forward(self, x):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x).")

    def backward(self, grad_output):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement backward(grad_output).")

    def __call__(self, *args):
        return self.forward(*args)

    def output_shape(self, input_shape: tuple) -> tuple | None:
        """The shape of the output for an input of ``input_shape``, or None when it cannot be known without running
        the module. None is the default: a Module of your own may change the width (override this method to say).
        nnteach's layers know theirs, and an activation keeps the shape of its input."""
        return None

    # ----------------------------------------------------------------- structure
    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """Direct sub-modules, found among the attributes (and lists of modules) in assignment order."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Module) for v in value):
                for i, child in enumerate(value):
                    yield f"{name}.{i}", child

    def children(self) -> Iterator["Module"]:
        return (m for _, m in self.named_children())

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        """This module and every module below it, depth first, with dotted names."""
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator["Module"]:
        return (m for _, m in self.named_modules())

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name (``"0.weight"``), each once, in a fixed order."""
        seen: set[int] = set()
        for mod_name, module in self.named_modules(prefix):
            for name, value in vars(module).items():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    full = f"{mod_name}.{name}" if mod_name else name
                    if not prefix and not value.name:
                        value.name = full  # the name inside the outermost model that listed it first
                    yield full, value

    def parameters(self) -> list[Parameter]:
        """The learnable parameters, to hand to an optimizer: ``nt.SGD(model.parameters(), lr=0.1)``."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        return sum(p.size for p in self.parameters())

    def zero_grad(self) -> None:
        """Set every parameter's gradient to zero (gradients accumulate across backward calls)."""
        for p in self.parameters():
            p.grad.fill(0.0)

    def train(self, mode: bool = True) -> "Module":
        """Switch this module and its children to training mode (``eval()`` switches it off)."""
        mode = check_bool(mode, "mode", f"{type(self).__name__}.train")
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> "Module":
        return self.train(False)

    @property
    def dtype(self):
        """The floating dtype of the parameters (float64 unless converted with ``to``)."""
        params = self.parameters()
        return params[0].data.dtype if params else np.dtype(np.float64)

    def to(self, dtype) -> "Module":
        """Convert every parameter to ``dtype`` (np.float32 or np.float64), in place; returns self.

        Do this before creating the optimizer: an optimizer keeps the arrays it was given.
        """
        dtype = check_float_dtype(dtype, f"{type(self).__name__}.to")
        for p in self.parameters():
            p._rebind(p.data.astype(dtype), np.zeros(p.shape, dtype=dtype))
        return self

    def float(self) -> "Module":
        return self.to(np.float32)

    def double(self) -> "Module":
        return self.to(np.float64)

    # ----------------------------------------------------------------- state
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter's values, keyed by dotted name."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Copy values into the parameters. Every name must match, with the same shape.

        Raises:
            ValueError: naming the missing, unexpected or wrongly shaped parameters.
        """
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, dict):
            raise TypeError(f"{who}: expected a dict of name -> array, got {type(state).__name__}.")
        params = dict(self.named_parameters())
        mismatch = names_mismatch(params, state)
        if mismatch:
            raise ValueError(f"{who}: the state does not match this model: {mismatch}. "
                             f"Expected exactly {list(params)}.")
        values = {}
        for name, p in params.items():  # every value checked before any is copied: all or nothing
            # cast to the parameter's dtype here, so 1e39 for a float32 model is refused, not stored as inf
            value = as_float_array(state[name], who, f"parameter {name!r}", dtype=p.data.dtype)
            if value.shape != p.shape:
                raise ValueError(
                    f"{who}: parameter {name!r} has shape {p.shape} in the model but {value.shape} in the state. "
                    f"Was the state saved from a model with different layer sizes?"
                )
            if not np.isfinite(value).all():
                raise ValueError(f"{who}: parameter {name!r} contains NaN or infinity: a model with such weights "
                                 f"computes NaN. Was the state saved after training diverged?")
            values[name] = value
        for name, p in params.items():
            p.data[...] = values[name]

    # ----------------------------------------------------------------- config (saving without pickle)
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this module, as JSON-ready values."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Module":
        return cls(**config)

    # ----------------------------------------------------------------- hooks
    def register_forward_pre_hook(self, hook: Callable) -> HookHandle:
        """Call ``hook(module, inputs)`` before each forward; returns a handle to remove it."""
        handle = HookHandle(self._forward_pre_hooks, self, hook)
        self._forward_pre_hooks[handle.id] = hook
        self._sync_hook_wrappers()
        return handle

    def register_forward_hook(self, hook: Callable) -> HookHandle:
        """Call ``hook(module, inputs, output)`` after each forward; returns a handle to remove it."""
        handle = HookHandle(self._forward_hooks, self, hook)
        self._forward_hooks[handle.id] = hook
        self._sync_hook_wrappers()
        return handle

    def register_backward_hook(self, hook: Callable) -> HookHandle:
        """Call ``hook(module, grad_output, grad_input)`` after each backward; returns a handle."""
        handle = HookHandle(self._backward_hooks, self, hook)
        self._backward_hooks[handle.id] = hook
        self._sync_hook_wrappers()
        return handle

    def _sync_hook_wrappers(self) -> None:
        # A wrapper that calls the hooks is set on the instance only while hooks exist, so a module
        # without hooks runs its plain forward/backward with no extra call or branch. The hooks are
        # kept as tuples, rebuilt here, so a hooked call does not copy the registries.
        self._pre, self._post = tuple(self._forward_pre_hooks.values()), tuple(self._forward_hooks.values())
        self._back = tuple(self._backward_hooks.values())
        self._set_wrapper("forward", bool(self._pre or self._post), self._forward_wrapper)
        self._set_wrapper("backward", bool(self._back), self._backward_wrapper)

    def _set_wrapper(self, name: str, wanted: bool, make) -> None:
        """Install or remove the hook wrapper of ``name``, keeping any method set on the instance itself
        (a learner's ``layer.backward = buggy``): the wrapper calls it, and removing the wrapper puts it back."""
        current = vars(self).get(name)
        ours = current is not None and _is_hook_wrapper(current)
        if wanted and not ours:
            own = current  # None, or a method the instance was given
            wrapper = make(own if own is not None else getattr(type(self), name).__get__(self))
            wrapper._wrapped = own
            setattr(self, name, wrapper)
        elif not wanted and ours:
            if current._wrapped is None:
                delattr(self, name)
            else:
                setattr(self, name, current._wrapped)

    def _forward_wrapper(self, plain_forward):
        def forward(*args):
            for hook in self._pre:
                hook(self, args)
            out = plain_forward(*args)
            for hook in self._post:
                hook(self, args, out)
            return out

        return forward

    def _backward_wrapper(self, plain_backward):
        def backward(*args, **kwargs):  # kwargs: input_grad=False, for a backward that takes it
            grad_in = plain_backward(*args, **kwargs)
            for hook in self._back:
                hook(self, args[0] if args else None, grad_in)
            return grad_in

        return backward

    def __deepcopy__(self, memo) -> "Module":
        # Hooks belong to the instance they were registered on (a trace observes one model), and a
        # hook wrapper calls the original's methods: a copy starts with no hooks, so it computes
        # with its own parameters and nobody's trace counts its steps. A method a learner set on
        # the instance is kept (bound to the copy).
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        for key, value in vars(self).items():
            if key in ("forward", "backward") and _is_hook_wrapper(value):
                if value._wrapped is None:
                    continue  # the class's own method, as on any module without hooks
                value = value._wrapped
            elif key in ("_forward_pre_hooks", "_forward_hooks", "_backward_hooks"):
                value = {}
            elif key in ("_pre", "_post", "_back"):
                value = ()
            elif key == "_watchers":
                continue  # watches observe the original
            elif key == "_watch":
                value = None
            new.__dict__[key] = copy.deepcopy(value, memo)
        return new

    # ----------------------------------------------------------------- repr
    def summary_label(self) -> str:
        """How ``Sequential.summary()`` names this module: its repr, or the class name if that is long."""
        text = repr(self)
        return text if len(text) <= 40 and "\n" not in text else type(self).__name__

    def extra_repr(self) -> str:
        """The arguments shown inside the parentheses of ``repr`` (override in subclasses)."""
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, child in children:
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_repr}")
        lines.append(")")
        return "\n".join(lines)
