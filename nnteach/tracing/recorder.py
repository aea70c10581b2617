"""``nt.trace(model)``: observe a model's real computation and keep the numbers of every step.

The trace attaches hooks to the model (and to losses and optimizers in general) while it is active
and removes them after, even on error; for the steps it keeps, it also watches the calls the
model's containers (Sequential, Dense) make to their layers (:class:`~nnteach.module.ChildWatch`).
It only keeps what crosses a module boundary - the input of a Linear, its output z, the
activation's output a, the gradients handed back - and parameter gradients and values (one copy of
all of them at a time, see :mod:`~nnteach.tracing.snapshots`). Nothing is recomputed, so a traced
run and an untraced run from the same seed end with bit-identical weights. What is kept never changes afterwards: arrays that
nnteach's own modules made for this step and never touch again are kept as they are, and everything
else (what a learner's code holds or a learner's module might change in place) is copied.

A step begins with every forward pass of the model in training mode (forward passes in eval mode,
such as ``Trainer.evaluate``, are not steps). The loss of a step is the loss computed on the
model's output; the update is the step of any optimizer over the model's parameters.
"""

from __future__ import annotations

from array import array
from collections import deque
from typing import Iterator, Sequence

import numpy as np

from nnteach._validation import check_bool, check_int
from nnteach.activations import Activation, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from nnteach.layers import Dense, Linear
from nnteach.losses import register_loss_hook
from nnteach.model import Sequential
from nnteach.module import ChildWatch, Module, _ours_or_none
from nnteach.optim import SGD, register_optimizer_step_hook
from nnteach.tracing.records import LayerRecord, StepRecord
from nnteach.tracing.snapshots import ParamLayout, Snapshot

_NAN = float("nan")
_ACTIVATION_NAMES = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "Sigmoid": "sigmoid", "Tanh": "tanh",
                     "Softmax": "softmax", "Identity": "identity"}


# nnteach's activations that return a new array (Identity returns the array it was given).
_OWN_ACTIVATIONS = (ReLU, LeakyReLU, Sigmoid, Tanh, Softmax)


def _is_own(module: Module | None, classes: tuple) -> bool:
    """Exactly one of nnteach's classes, with no method replaced on the instance (a learner's experiment)."""
    return type(module) in classes and "forward" not in vars(module) and "backward" not in vars(module)


def neuron_layers(model: Module) -> list[tuple[Linear, Module | None]]:
    """The model's neuron layers: each a Linear with the activation right after it (or None).

    A :class:`Dense` is one neuron layer; in a :class:`Sequential`, a Linear followed by an
    activation module is one, and a Linear followed by anything else stands alone (its a = z).
    """
    flat: list[Module] = []

    def walk(m: Module) -> None:
        if isinstance(m, Sequential):
            for child in m.layers:
                walk(child)
        else:
            flat.append(m)

    walk(model)
    seen: dict[int, int] = {}
    for k, m in enumerate(flat):
        if isinstance(m, (Linear, Dense)) and seen.setdefault(id(m), k) != k:
            raise ValueError(
                f"nt.trace: the same {type(m).__name__} object is used twice in the model (as modules {seen[id(m)]} "
                f"and {k} of its layers). A trace keeps one record per neuron layer, so it cannot tell the two "
                f"uses apart: build two layers (copy.deepcopy(layer) for a second one with the same weights)."
            )
    units, i = [], 0
    while i < len(flat):
        m = flat[i]
        nxt = flat[i + 1] if i + 1 < len(flat) else None
        if isinstance(m, Linear) and nxt is not None and not isinstance(nxt, (Activation, Linear, Dense)):
            # z -> something of the learner's -> the next layer: a trace would take a = z, and the next
            # layer's input (and dL/da) would not be this layer's a. Say so instead of explaining wrongly.
            raise ValueError(
                f"nt.trace: a {type(nxt).__name__} follows a Linear, where a trace expects an activation. A trace "
                f"explains each neuron as z = w·x + b, then a = f(z) with f one of nnteach's activations (or a "
                f"subclass of nt.Activation, whose forward and backward are yours)."
            )
        if isinstance(m, Dense):
            units.append((m.linear, m.activation))
        elif isinstance(m, Linear) and isinstance(nxt, Activation):
            units.append((m, nxt))
            i += 1
        elif isinstance(m, Linear):
            units.append((m, None))
        i += 1
    return units


def _execution_order(model: Module) -> list[tuple[Module | None, int, Module]]:
    """The leaf modules in the order a forward pass runs them, each as (its container, its position
    there, the module); a Dense is its Linear (position 0), then its activation (position 1). The
    model itself, when it is a leaf, has no container (None)."""
    order: list[tuple[Module | None, int, Module]] = []

    def walk(m: Module, container: Module | None, k: int) -> None:
        if isinstance(m, Sequential):
            for i, child in enumerate(m.layers):
                walk(child, m, i)
        elif isinstance(m, Dense):
            order.extend([(m, 0, m.linear), (m, 1, m.activation)])
        else:
            order.append((container, k, m))

    walk(model, None, 0)
    return order


def _reports_calls(container: Module | None) -> bool:
    """Does this container run its children through forward_watched / backward_watched while watched?
    nnteach's Sequential and Dense do, unless a subclass or the instance has a forward or backward of
    its own (hook wrappers around the class's methods only observe)."""
    if container is None:
        return False
    cls = Sequential if isinstance(container, Sequential) else Dense
    return (type(container).forward is cls.forward and type(container).backward is cls.backward
            and _ours_or_none(vars(container).get("forward")) and _ours_or_none(vars(container).get("backward")))


def activation_name(module: Module | None) -> str:
    if module is None:
        return "identity"
    return _ACTIVATION_NAMES.get(type(module).__name__, type(module).__name__.lower())


class _StepBuilder:
    """The step being recorded: one dict of fields per neuron layer, frozen into a StepRecord on read.

    Arrays shared between records (a layer's input is the previous layer's a) are one copy.
    """

    __slots__ = ("index", "layers", "step", "weights", "grads", "weights_after", "version", "_frozen")

    def __init__(self, index: int, n_layers: int, weights: Snapshot):
        self.index = index
        self.layers: list[dict] = [{} for _ in range(n_layers)]
        self.step: dict = {}
        self.weights = weights  # the parameters as this step's forward pass uses them
        self.grads: Snapshot | None = None  # their gradients after the backward pass
        self.weights_after: Snapshot | None = None  # their values after the optimizer step
        self.version = 0
        self._frozen: tuple[int, StepRecord | None] | None = None

    def finish(self) -> None:
        for rec in self.layers:
            rec.pop("_raw_input", None)  # drop the reference to the live input array
        described = self.step.pop("update_by", None)
        if described is not None:
            self.step.update(described)

    def freeze(self, names: Sequence[str], acts: Sequence[str], layout: ParamLayout) -> StepRecord | None:
        if self._frozen is not None and self._frozen[0] == self.version:
            return self._frozen[1]
        record = None
        if "update_by" in self.step:  # a step still in progress, read early
            self.finish()
        if self.layers[0] and "x" in self.step:  # else the forward pass did not complete
            params = zip(layout.per_layer(self.weights), layout.per_layer(self.grads),
                         layout.per_layer(self.weights_after))
            layers = tuple(
                LayerRecord(index=i, name=names[i], activation=acts[i], weight=w, bias=b,
                            grad_weight=gw if "grad_z" in fields else None,
                            grad_bias=gb if "grad_z" in fields else None,
                            weight_after=wa, bias_after=ba,
                            **{k: v for k, v in fields.items() if k != "_raw_input"})
                for i, (fields, ((w, b), (gw, gb), (wa, ba))) in enumerate(zip(self.layers, params)))
            record = StepRecord(index=self.index, layers=layers, **self.step)
        self._frozen = (self.version, record)
        return record

    def snapshots(self) -> list[Snapshot]:
        return [s for s in (self.weights, self.grads, self.weights_after) if s is not None]


class TraceReader:
    """What every trace can do with its records (a live :class:`Trace` or one loaded from JSON).

    Needs ``steps``, ``losses``, ``num_steps``, ``layer_names``, ``activations``, ``layer_options``,
    ``keep_every`` and ``keep_last``.
    """

    def step(self, index: int) -> StepRecord:
        """The step with this global index (``StepRecord.index``), if it was kept."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"trace.step: expected a step index (int), got {type(index).__name__} {index!r}.")
        for s in self.steps:
            if s.index == index:
                return s
        kept = [s.index for s in self.steps]
        span = f"{kept[0]}..{kept[-1]}" if kept else "none"
        raise IndexError(f"trace.step: step {index} was not kept (kept: {len(kept)} steps, indices {span}; "
                         f"keep_every={self.keep_every}, keep_last={self.keep_last}).")

    def explain(self, step: int | StepRecord = -1, layer: int = 0, neuron: int = 0, sample: int = 0,
                phase: str = "forward", digits: int = 3):
        """The equation of one neuron in one step, with every number substituted.

        Args:
            step: position in ``tr.steps`` (``-1`` the newest) or a StepRecord.
            layer: neuron layer, 0-based (0 = first hidden layer); neuron: 0-based within the layer.
            sample: row of the batch, 0-based.
            phase: ``"forward"`` (z and a), ``"backward"`` (dL/da, dL/dz, dL/dW, dL/db) or
                ``"update"`` (the optimizer's change to the weights).
            digits: decimals shown.

        Returns:
            an :class:`~nnteach.tracing.explain.Explanation`: prints as text, shows as HTML or
            LaTeX in a notebook. Text indices count from 1, as in mathematics (layer=0,
            neuron=0 is written z⁽¹⁾₁).
        """
        from nnteach.tracing.explain import explain_step

        record = step if isinstance(step, StepRecord) else self.steps.get(step, "trace.explain")
        return explain_step(record, layer, neuron, sample, phase, digits=digits,
                            layer_options=self.layer_options)

    def to_dict(self) -> dict:
        """The whole trace as JSON-ready plain data: lists of numbers, with NaN and infinities as the
        strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` (JSON has no such numbers); see
        :func:`trace_from_dict`."""
        from nnteach.tracing.serialize import trace_to_dict

        return trace_to_dict(self)

    def save_json(self, path) -> None:
        from nnteach.tracing.serialize import save_trace

        save_trace(self, path)



class Trace(TraceReader):
    """A recording of a model's training steps. Use as ``with nt.trace(model) as tr:`` or start/stop.

    Args:
        model: the model to observe (a Sequential, a Dense, a Linear...).
        keep_every: keep the full record of every n-th step only (steps 0, n, 2n, ...).
        keep_last: keep at most this many full records, the newest (None: no limit).
        The loss of every step is kept whatever these say (``tr.losses``).
        include_eval: also record forward passes made in eval mode (``model.eval()``, ``predict``,
            ``Trainer.evaluate``) as steps; by default only training-mode passes are steps.

    Attributes:
        steps: the kept steps (a sequence of :class:`StepRecord`; ``tr.steps[-1]`` is the newest,
            including a step still in progress).
        losses: the loss of every step since tracing began (NaN for a step without a loss).
        num_steps: how many steps were observed.
        layer_names, activations: one entry per neuron layer.
    """

    def __init__(self, model: Module, keep_every: int = 1, keep_last: int | None = None,
                 include_eval: bool = False):
        if not isinstance(model, Module):
            raise TypeError(f"nt.trace: expected a Module to observe, got {type(model).__name__}.")
        self.keep_every = check_int(keep_every, "keep_every", "nt.trace")
        self.keep_last = None if keep_last is None else check_int(keep_last, "keep_last", "nt.trace")
        self.model = model
        self.include_eval = check_bool(include_eval, "include_eval", "nt.trace")
        self._units = neuron_layers(model)
        if not self._units:
            inside = [type(m).__name__ for m in model.modules() if isinstance(m, (Linear, Dense))]
            where = (f"{type(model).__name__} holds {', '.join(inside[:3])}{'…' if len(inside) > 3 else ''} as "
                     f"attributes, and a trace follows only nt.Sequential, nt.Dense and nt.Linear: put the layers "
                     f"in an nt.Sequential." if inside else
                     f"there is no Linear or Dense in {type(model).__name__}: build the model from nt.Linear or nt.Dense.")
            raise ValueError(
                f"nt.trace: the model has no neuron layers to trace. A trace records z and a for each layer of "
                f"neurons, and {where}"
            )
        n = len(self._units)
        self.layer_names = tuple(f"hidden {i + 1}" for i in range(n - 1)) + ("output",)
        self.activations = tuple(activation_name(act) for _, act in self._units)
        self.layer_options = tuple(
            {"negative_slope": act.negative_slope} if act is not None and hasattr(act, "negative_slope") else {}
            for _, act in self._units
        )
        # Where each unit's a and dL/da are read. A trace reads every number where it crosses a
        # boundary anyway: when an activation's output goes straight into the next Linear (or is
        # the model's output), a is that Linear's input (or the model's output) and dL/da is the
        # gradient that Linear hands back (or the one handed to the model's backward, read as it
        # enters the output activation). Only an activation followed by something else needs a
        # forward hook of its own.
        # Each unit's Linear is one place in the execution order (a Linear is never used twice), and
        # its activation the next place.
        order = _execution_order(model)
        at = {id(m): k for k, (_, _, m) in enumerate(order) if isinstance(m, Linear)}
        units = self._units
        self._places = [(order[at[id(linear)]], None if act is None else order[at[id(linear)] + 1])
                        for linear, act in units]
        self._a_at_next = [act is not None and i + 1 < n and at[id(linear)] + 2 == at[id(units[i + 1][0])]
                           for i, (linear, act) in enumerate(units)]
        self._a_at_output = units[-1][1] is not None and at[id(units[-1][0])] + 1 == len(order) - 1
        # Which arrays are kept as they are instead of copied. An array that passes only between
        # nnteach's own Linear and activations is one they made for this step and never change
        # afterwards (every function in nnteach.functional returns a new array): z and dL/dz
        # between a Linear and its activation, a and dL/da between an activation and the next Linear.
        # Everything else is copied: what a learner's code holds (the model's input and output, the
        # gradient handed to backward and the one it returns, the targets) and whatever passes
        # through a learner's module, which might change an array in place.
        self._own_z = [_is_own(linear, (Linear,)) and _is_own(act, _OWN_ACTIVATIONS) for linear, act in units]
        self._own_input = [i > 0 and self._a_at_next[i - 1] and _is_own(units[i - 1][1], _OWN_ACTIVATIONS)
                           and _is_own(linear, (Linear,)) for i, (linear, _) in enumerate(units)]
        self._param_ids = {id(p) for p in model.parameters()}
        self._layout = ParamLayout([(linear.weight, linear.bias) for linear, _ in units])
        self._kept: deque[_StepBuilder] = deque(maxlen=self.keep_last)
        self._losses = array("d")  # every step's loss: 8 bytes a step, NaN until it is known
        self.num_steps = 0
        self._current: _StepBuilder | None = None
        self._recording = False  # is the current forward/backward being recorded?
        self._last_output = None
        self._handles: list = []
        self._layer_watches: list | None = None  # made at the first kept step, on for each kept step
        self._step_hook = None  # the optimizer hook, attached for the kept steps
        self._layers_on = False
        self._in_eval = False
        self._optimizers: dict[int, tuple] = {}
        self._description: tuple | None = None
        self.active = False

    # ------------------------------------------------------------------ life cycle
    def start(self) -> "Trace":
        """Attach the hooks; recording begins with the next forward pass."""
        if self.active:
            raise RuntimeError("nt.trace: this trace is already active.")
        try:
            self._handles.append(self.model.register_forward_pre_hook(self._on_model_begin))
            self._handles.append(self.model.register_forward_hook(self._on_model_end))
            self._handles.append(register_loss_hook(self._on_loss))
        except BaseException:
            self._detach()
            raise
        self.active = True
        return self

    def _layer_hooks(self, on: bool) -> None:
        """Watch the layers (and the optimizer) during a kept step; between kept steps the model runs
        as if untraced but for the model's own hooks, which count the steps and keep the losses."""
        if self._layer_watches is None:
            self._layer_watches = self._watch_layers()
        for watch in self._layer_watches:
            watch.switch(on)
        if on:
            self._step_hook = register_optimizer_step_hook(self._on_step)
        elif self._step_hook is not None:
            self._step_hook.remove()
            self._step_hook = None
        self._layers_on = on

    def _watch_layers(self) -> list:
        """What a kept step watches: each Linear's input and z and its gradients, and an activation's a
        and dL/da where they are not read at a boundary anyway. One ChildWatch per container. A layer
        with no container that reports its calls (a model that is a Linear alone, or a learner's
        subclass of Sequential with a forward of its own) is watched with module hooks instead: kept
        on for the whole trace, they return at once between kept steps."""
        per_container: dict[int, tuple[Module, dict, dict, dict]] = {}

        def watch(place: tuple, on_forward, on_backward) -> None:
            container, k, module = place
            _, fwd, bwd, modules = per_container.setdefault(id(container), (container, {}, {}, {}))
            modules[k] = module
            if on_forward is not None:
                fwd[k] = on_forward
            if on_backward is not None:
                bwd[k] = on_backward

        last = len(self._units) - 1
        for i, (linear_place, act_place) in enumerate(self._places):
            alone = act_place is None
            watch(linear_place, self._linear_forward(i, alone), self._linear_backward(i, alone))
            if alone:
                continue
            if i == last and self._a_at_output:
                # a is the model's output (read there); dL/da is the gradient handed to the model's
                # backward, which reaches this activation first
                watch(act_place, None, self._activation_backward(i))
            elif not self._a_at_next[i]:
                watch(act_place, self._activation_forward(i), self._activation_backward(i))
        watches = []
        for container, fwd, bwd, modules in per_container.values():
            if _reports_calls(container):
                watches.append(ChildWatch(container, fwd, bwd))
                continue
            for k, module in modules.items():
                if k in fwd:
                    self._handles.append(module.register_forward_hook(lambda m, args, out, f=fwd[k]: f(args[0], out)))
                if k in bwd:
                    self._handles.append(module.register_backward_hook(lambda m, g, gin, f=bwd[k]: f(g, gin)))
        return watches

    def stop(self) -> "Trace":
        """Detach every hook and close the step in progress. The records stay."""
        self._detach()
        self._close_step()
        self.active = False
        return self

    def _detach(self) -> None:
        if self._layer_watches is not None:
            self._layer_hooks(False)
            self._layer_watches = None
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def __enter__(self) -> "Trace":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ hooks
    def _on_model_begin(self, module, args) -> None:
        if not module.training and not self.include_eval:
            self._recording = False
            self._last_output = None
            self._in_eval = True
            return
        self._in_eval = False
        self._last_output = None  # until this pass ends: a loss of an older output is not this step's
        if self._current is not None:
            self._close_step()
        index = self.num_steps
        self.num_steps = index + 1
        self._losses.append(_NAN)
        recording = self._recording = index % self.keep_every == 0
        if recording:
            self._current = _StepBuilder(index, len(self._units), self._layout.take())
            if not self._layers_on:
                self._layer_hooks(True)
        elif self._layers_on:
            self._layer_hooks(False)

    def _on_model_end(self, module, args, out) -> None:
        if self._in_eval:
            return
        self._last_output = out
        if self._recording:
            b = self._current
            x = args[0]
            first = b.layers[0]
            if x is first.get("_raw_input"):
                b.step["x"] = first["input"]  # the same array entered the first layer: one copy
            else:
                b.step["x"] = np.array(x, dtype=out.dtype)  # (a list, or a module before the first layer)
            y_pred = b.step["y_pred"] = out.copy()
            if self._a_at_output:
                b.layers[-1]["a"] = y_pred
            b.version += 1

    def _linear_forward(self, i: int, alone: bool):
        # decided once per layer: where this layer's numbers go, and which are kept as made
        own_input, own_z = self._own_input[i], self._own_z[i]
        prev_a = i > 0 and self._a_at_next[i - 1]

        def hook(x, z):
            if not self._recording:
                return
            b = self._current
            rec = b.layers[i]
            if i == 0:
                rec["_raw_input"] = x
            if own_input:
                inp = x
            else:
                inp = x.copy() if type(x) is np.ndarray and x.dtype == z.dtype else np.array(x, dtype=z.dtype)
            rec["input"] = inp
            if prev_a:
                b.layers[i - 1]["a"] = inp  # the previous activation's output is this input
            rec["z"] = z if own_z else z.copy()
            if alone:
                rec["a"] = rec["z"]
            b.version += 1
        return hook

    def _activation_forward(self, i: int):
        def hook(z, a):
            if self._recording:
                self._current.layers[i]["a"] = a.copy()
                self._current.version += 1
        return hook

    def _activation_backward(self, i: int):
        def hook(grad_a, grad_z):
            if self._recording and self._current.layers[i]:
                self._current.layers[i]["grad_a"] = np.array(grad_a, copy=True)
                self._current.version += 1
        return hook

    def _linear_backward(self, i: int, alone: bool):
        own_input, own_z = self._own_input[i], self._own_z[i]
        prev_a = i > 0 and self._a_at_next[i - 1]

        def hook(grad_z, grad_input):
            if not (self._recording and self._current.layers[i]):
                return
            b = self._current
            rec = b.layers[i]
            rec["grad_z"] = grad_z if own_z else grad_z.copy()
            if alone:
                rec["grad_a"] = rec["grad_z"]
            if grad_input is None:  # called with input_grad=False: the layer skipped dL/d(input)
                gin = None
            else:
                gin = grad_input if own_input else grad_input.copy()
            rec["grad_input"] = gin
            if prev_a:
                b.layers[i - 1]["grad_a"] = gin  # what this layer hands back is dL/da of the one before
            if i == 0:  # the first layer runs backward last: every parameter gradient is complete now
                b.grads = self._layout.take(grads=True)
            b.version += 1
        return hook

    def _on_loss(self, loss_fn, y_pred, y_true, value) -> None:
        if y_pred is None or y_pred is not self._last_output:
            return  # a loss of something else than this model's latest training output
        self._losses[-1] = value
        if self._recording:
            b = self._current
            b.step.update(y=np.array(y_true, copy=True), loss=float(value), loss_name=type(loss_fn).__name__)
            b.version += 1

    def _on_step(self, optimizer) -> None:
        if not (self._recording and self._current is not None and self._current.layers[0]):
            return
        ours = self._optimizers.get(id(optimizer))
        if ours is None or ours[0] is not optimizer:  # is it an optimizer of this model? (asked once)
            ours = self._optimizers[id(optimizer)] = (optimizer, any(id(p) in self._param_ids for p in optimizer.params))
        if not ours[1]:
            return
        b = self._current
        if b.grads is None and any("grad_z" in rec for rec in b.layers):  # a backward that stopped early
            b.grads = self._layout.take(grads=True)
        b.weights_after = self._layout.take()
        b.step["update_by"] = self._describe(optimizer)
        b.version += 1

    def _describe(self, optimizer) -> dict:
        """The optimizer as a step record shows it; formatted again only when its settings change."""
        key = (id(optimizer), optimizer.lr, getattr(optimizer, "momentum", None), getattr(optimizer, "weight_decay", None))
        if self._description is None or self._description[0] != key:
            plain = isinstance(optimizer, SGD) and not optimizer.momentum and not optimizer.weight_decay
            self._description = (key, {"optimizer": repr(optimizer), "lr": float(optimizer.lr), "plain_sgd": plain})
        return self._description[1]

    def _close_step(self) -> None:
        b = self._current
        if b is not None and b.layers[0] and "x" in b.step:
            b.finish()
            self._kept.append(b)  # frozen into a StepRecord when first read
        self._current = None

    # ------------------------------------------------------------------ reading
    @property
    def steps(self) -> "StepList":
        names, acts, layout = self.layer_names, self.activations, self._layout
        records = [b.freeze(names, acts, layout) for b in self._kept]
        if self._current is not None:
            current = self._current.freeze(names, acts, layout)
            if current is not None:
                records.append(current)
                if self.keep_last is not None and len(records) > self.keep_last:
                    records = records[-self.keep_last:]  # as the deque will be once this step closes
        return StepList(records)

    @property
    def losses(self) -> np.ndarray:
        return np.array(self._losses, dtype=np.float64)

    @property
    def nbytes(self) -> int:
        """Bytes of NumPy data this trace holds: the kept records' arrays (each counted once) and the losses."""
        seen: dict[int, int] = {}
        builders = list(self._kept) + ([self._current] if self._current is not None else [])
        for b in builders:
            for fields in [b.step, *b.layers]:
                for value in fields.values():
                    if isinstance(value, np.ndarray):
                        seen[id(value)] = value.nbytes
            for snapshot in b.snapshots():
                for buffer in snapshot.buffers():
                    seen[id(buffer)] = buffer.nbytes
        return sum(seen.values()) + self._losses.itemsize * len(self._losses)

    def __repr__(self) -> str:
        state = "active" if self.active else "stopped"
        return (f"Trace({state}, {self.num_steps} steps observed, {len(self.steps)} kept, "
                f"layers: {', '.join(f'{n} ({a})' for n, a in zip(self.layer_names, self.activations))})")


class StepList(Sequence):
    """The kept steps, indexable by position (``tr.steps[0]``, ``tr.steps[-1]``)."""

    def __init__(self, records: list[StepRecord]):
        self._records = records

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return StepList(self._records[k])
        return self.get(k, "trace.steps")

    def get(self, k, who: str) -> StepRecord:
        n = len(self._records)
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise TypeError(f"{who}: expected a step position (int), got {type(k).__name__}.")
        if not -n <= k < n:
            valid = f"0..{n - 1} (or -{n}..-1)" if n else "none: no step has been recorded yet"
            raise IndexError(f"{who}: step {k} does not exist; valid steps: {valid}.")
        return self._records[k]

    def __iter__(self) -> Iterator[StepRecord]:
        return iter(self._records)

    def __repr__(self) -> str:
        if not self._records:
            return "StepList([])"
        return f"StepList({len(self)} steps, indices {self._records[0].index}..{self._records[-1].index})"


def trace(model: Module, keep_every: int = 1, keep_last: int | None = None, include_eval: bool = False) -> Trace:
    """Record every step of ``model``: ``with nt.trace(model) as tr: ...`` (see :class:`Trace`)."""
    return Trace(model, keep_every=keep_every, keep_last=keep_last, include_eval=include_eval)
