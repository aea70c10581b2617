"""``Sequential``: a stack of modules run in order, forward, and in reverse order, backward."""

from __future__ import annotations

import numpy as np

from nnteach._validation import as_float_array, check_2d, check_finite, check_int
from nnteach.losses import Loss
from nnteach.module import (MODULE_REGISTRY, Module, backward_watched, backward_without_input_grad, forward_watched,
                            registry_name)


def not_a_model(cls: type) -> str | None:
    """Why a module of class ``cls`` cannot compute outputs from inputs, ``model(x)``; None if it can.

    A loss is called on predictions and targets instead, and a class that never wrote ``forward`` (the
    bases Module and Activation) raises NotImplementedError when called. nt.save and nt.load refuse such a
    class as the model of a file, Sequential as one of its layers. Modules kept as attributes are not
    checked this way: a learner's model may keep its loss as an attribute.
    """
    if issubclass(cls, Loss):
        return (f"{cls.__name__}, a loss, which compares predictions with targets, loss_fn(y_pred, y_true), "
                f"instead of computing outputs from inputs")
    return cannot_compute(cls)


def cannot_compute(cls: type) -> str | None:
    """Why a class that never wrote ``forward`` cannot compute (nnteach's base class, or a learner's class that
    forgot it), or None for a class that has a forward."""
    if cls.forward is not Module.forward:
        return None
    if _nnteach_base(cls):
        return f"{cls.__name__}, a base class with no forward(x) of its own, which cannot compute"
    return f"{cls.__name__}, a class that defines no forward(x) (is the method's name misspelt?), which cannot compute"


def _nnteach_base(cls: type) -> bool:
    """One of nnteach's own classes (Module, Activation), not a learner's subclass (see registry_name)."""
    return registry_name(cls) == cls.__name__


_A_LOSS_IS_NOT_A_LAYER = ("A loss is not a layer: give it to the Trainer, nt.Trainer(model, loss_fn, optimizer), "
                          "or call it on the model's output, loss_fn(model(x), y).")
_USE_A_CONCRETE_LAYER = ("Use a concrete layer such as nt.Linear(2, 3) or nt.ReLU(), or subclass it and write "
                         "forward(x) and backward(grad_output).")
_WRITE_FORWARD = "Write its forward(x) and backward(grad_output)."


def _check_layer(layer, where: str):
    """Refuse, where the model is put together, a layer that would fail at the first forward: something that
    is not a Module, a loss or a base class. Returns the layer.

    ``where``: who speaks and the layer's position, e.g. ``"Sequential: layer 2"``.
    """
    if not isinstance(layer, Module):
        raise TypeError(f"{where} must be a Module (e.g. nt.Linear(2, 3)), got {type(layer).__name__}.")
    why = not_a_model(type(layer))
    if why:
        if isinstance(layer, Loss):
            fix = _A_LOSS_IS_NOT_A_LAYER
        else:
            fix = _USE_A_CONCRETE_LAYER if _nnteach_base(type(layer)) else _WRITE_FORWARD
        raise TypeError(f"{where} must compute outputs from inputs, got {why}. {fix}")
    return layer


def _check_not_shared(layers, who: str) -> None:
    """Refuse one module object in two places of a model (``act = nt.Tanh()`` given to two Dense layers, one Linear
    appended twice). A module keeps what its forward saw for its backward, so the second forward overwrites
    what the first place's backward needs: the gradients would be silently wrong."""
    seen: dict[int, str] = {}
    for i, layer in enumerate(layers):
        for name, module in layer.named_modules():
            place = f"model[{i}]" + "".join(f"[{part}]" if part.isdigit() else f".{part}"
                                            for part in name.split(".") if part)
            first = seen.get(id(module))
            if first is None:
                seen[id(module)] = place
            else:
                kind = type(module).__name__
                make = f"nt.{kind}(...)" if registry_name(type(module)) == kind else f"{kind}(...)"
                raise ValueError(
                    f"{who}: {place} is the same {kind} object as {first}. A module keeps what its forward saw "
                    f"for its backward, so one object cannot serve two places: the gradients would be wrong. "
                    f"Create one for each place (call {make} again instead of reusing the object).")


class LayerList(list):
    """``Sequential.layers``: a list of the layers that checks what is put into it, as ``Sequential(...)``
    and ``append`` do, so ``model.layers.append("relu")`` fails there and then instead of at the next forward."""

    __slots__ = ()

    def append(self, layer) -> None:
        who = "Sequential.layers.append"
        _check_not_shared([*self, _check_layer(layer, f"{who}: layer {len(self)}")], who)
        super().append(layer)

    def insert(self, i, layer) -> None:
        who = f"Sequential.layers.insert({i}, …)"
        _check_layer(layer, f"{who}: the new layer")
        after = list(self)
        after.insert(i, layer)
        _check_not_shared(after, who)
        super().insert(i, layer)

    def extend(self, layers) -> None:
        super().extend(self._checked(layers, "Sequential.layers.extend(…)"))

    def __iadd__(self, layers):
        return super().__iadd__(self._checked(layers, "Sequential.layers += …"))

    def __setitem__(self, i, value) -> None:
        if isinstance(i, slice):
            where = f"{'' if i.start is None else i.start}:{'' if i.stop is None else i.stop}"
            who = f"Sequential.layers[{where}] = …"
            value = [_check_layer(layer, f"{who}: new layer {k}") for k, layer in enumerate(value)]
        else:
            who = f"Sequential.layers[{i}] = …"
            _check_layer(value, f"{who}: the new layer")
        after = list(self)
        after[i] = value
        _check_not_shared(after, who)
        super().__setitem__(i, value)

    def _checked(self, layers, who: str) -> list:
        """The layers to add at the end, each checked, and none already in the list or twice among them."""
        layers = [_check_layer(layer, f"{who}: new layer {k}") for k, layer in enumerate(layers)]
        _check_not_shared([*self, *layers], who)
        return layers


class Sequential(Module):
    """Modules applied one after the other: ``Sequential([Linear(2, 3), Tanh(), Linear(3, 1)])``.

    ``forward`` feeds each module's output to the next; ``backward`` sends the gradient back
    through them in reverse, each module turning dL/d(its output) into dL/d(its input).

    Args:
        *layers: the modules, as one list or as separate arguments.

    Examples:
        >>> model = nt.Sequential(nt.Linear(2, 16), nt.ReLU(), nt.Linear(16, 1), nt.Sigmoid())
        >>> model[0]            # the first Linear
        >>> len(model)          # 4
    """

    def __init__(self, *layers):
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        layers = [_check_layer(layer, f"Sequential: layer {i}") for i, layer in enumerate(layers)]
        _check_not_shared(layers, "Sequential")
        self.layers = LayerList(layers)
        self._watch = None  # see forward (on the instance: read twice a step, a class attribute costs more)

    def named_children(self):
        # PyTorch's names: "0", "1", ... so state_dict keys read "0.weight", "2.bias".
        return ((str(i), layer) for i, layer in enumerate(self.layers))

    def __getitem__(self, i):
        if isinstance(i, slice):
            return Sequential(self.layers[i])
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def append(self, layer: Module) -> "Sequential":
        _check_not_shared([*self.layers, _check_layer(layer, f"Sequential.append: layer {len(self.layers)}")],
                          "Sequential.append")
        list.append(self.layers, layer)
        return self

    def forward(self, x):
        if self._watch is not None:  # a trace watches the layers' calls (module.ChildWatch)
            return forward_watched(self.layers, x, self._watch)
        for layer in self.layers:
            x = layer(x)
        return x

    def backward(self, grad_output, input_grad: bool = True):
        """Send dL/d(output) back through every layer, last to first; returns dL/d(input).

        With ``input_grad=False`` the first layer may skip dL/d(input), which nobody needs when the
        input is the data, and None is returned (``Trainer`` does this).
        """
        if self._watch is not None:
            return backward_watched(self.layers, grad_output, self._watch)
        if not self.layers:
            return grad_output
        for layer in reversed(self.layers[1:]):
            grad_output = layer.backward(grad_output)
        if input_grad:
            return self.layers[0].backward(grad_output)
        return backward_without_input_grad(self.layers[0], grad_output)

    def output_shape(self, input_shape):
        """Each layer's output shape in turn; None as soon as one layer cannot tell (a Module of your own)."""
        for layer in self.layers:
            input_shape = layer.output_shape(input_shape)
            if input_shape is None:
                return None
        return input_shape

    @property
    def in_features(self) -> int | None:
        """The input width, read from the first layer that has one (None if no layer does)."""
        for m in self.modules():
            if m is not self and hasattr(m, "in_features"):
                return m.in_features
        return None

    def predict(self, x) -> np.ndarray:
        """Outputs for a batch, in eval mode, with the input validated first (shape, NaN/inf).

        Returns what the last layer outputs (e.g. probabilities after a Sigmoid); round or take
        ``argmax(axis=1)`` for class labels.
        """
        x = as_float_array(x, "Sequential.predict", "x", dtype=self.dtype)
        check_2d(x, "Sequential.predict", "x", self.in_features)
        check_finite(x, "Sequential.predict", "x")
        was_training = self.training
        self.eval()
        try:
            return self.forward(x)
        finally:
            self.train(was_training)

    def summary(self, input_features: int | None = None) -> "ModelSummary":
        """A table of the layers, their output shapes and parameter counts, with the total.

        Returns a :class:`ModelSummary`: a string that displays as the table at the end of a
        notebook cell (or use ``print(model.summary())``), with ``.total_params`` and ``.rows``.
        For 2-16-8-1 (ReLU, ReLU, Sigmoid) the total is 193: (2·16 + 16) + (16·8 + 8) + (8·1 + 1).

        Args:
            input_features: the width of the input (default: the first layer's ``in_features``).

        Raises:
            ValueError: when a Linear or Dense would get another width than its ``in_features``.
        """
        given = input_features is not None
        n_in = check_int(input_features, "input_features", "Sequential.summary") if given else self.in_features
        shape: tuple = ("N", n_in if n_in is not None else "?")
        rows = [("#", "Layer (type)", "Output shape", "Param #")]
        for i, layer in enumerate(self.layers):
            shape, given = _output_shape_checked(layer, shape, str(i), given)
            rows.append((str(i), layer.summary_label(),
                         "(" + ", ".join(str(s) for s in shape) + ")", f"{layer.num_parameters():,}"))
        widths = [max(len(r[c]) for r in rows) for c in range(4)]
        fmt = lambda r: f"{r[0]:>{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]:>{widths[3]}}"
        rule = "=" * len(fmt(rows[0]))
        total = self.num_parameters()
        lines = [fmt(rows[0]), rule, *(fmt(r) for r in rows[1:]), rule,
                 f"Total params: {total:,}", f"Trainable params: {total:,}"]
        return ModelSummary("\n".join(lines), total_params=total, rows=rows[1:])

    def get_config(self) -> dict:
        return {"layers": [module_to_spec(layer) for layer in self.layers]}

    @classmethod
    def from_config(cls, config: dict) -> "Sequential":
        layers = config.get("layers")
        if not isinstance(layers, list):
            got = "no 'layers'" if "layers" not in config else f"{type(layers).__name__} {_short(layers, 60)}"
            raise ValueError(f"Sequential.from_config: expected config['layers'] to be a list of module specs, "
                             f"got {got}.")
        return cls([module_from_spec(spec) for spec in layers])


def _output_shape_checked(layer: Module, shape: tuple, where: str, given: bool) -> tuple[tuple, bool]:
    """``layer.output_shape(shape)``, once each Linear or Dense in it (nested Sequentials too) gets the width it
    expects. ``given``: the width is still summary's input_features, no Linear or Dense has been passed yet."""
    if isinstance(layer, Sequential):
        for k, inner in enumerate(layer.layers):
            shape, given = _output_shape_checked(inner, shape, f"{where}.{k}", given)
        return shape, given
    expected, got = getattr(layer, "in_features", None), shape[-1]
    if isinstance(expected, int) and isinstance(got, int) and got != expected:
        if given:
            got_text = (f"input_features={got}. Call summary({expected}), or leave input_features out to use "
                        f"the model's own input width.")
        else:
            got_text = f"{got} from the layers before it. Does the previous layer output {got} features?"
        raise ValueError(f"Sequential.summary: layer {where}, {layer.summary_label()}, expects {expected} input "
                         f"features, got {got_text}")
    out = layer.output_shape(shape)
    if out is None:  # a Module of your own that does not say: its width is unknown, as for a model without in_features
        out = (*shape[:-1], "?")
    return out, given and expected is None


class ModelSummary(str):
    """The text of ``Sequential.summary()``; shown as the table itself, not as a quoted string."""

    def __new__(cls, text: str, total_params: int, rows: list):
        obj = super().__new__(cls, text)
        obj.total_params = total_params
        obj.rows = rows
        return obj

    def __repr__(self) -> str:
        return str(self)


def module_to_spec(module: Module) -> dict:
    """``{"class": name, "config": {...}}``: JSON that rebuilds the module's architecture."""
    return {"class": registry_name(type(module)), "config": module.get_config()}


class SpecError(ValueError):
    """A module spec that cannot be rebuilt; the message already says which class and config."""


def _short(value, limit: int = 100) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def module_from_spec(spec: dict, who: str = "nt.load") -> Module:
    """Rebuild a module from :func:`module_to_spec` output; only known Module classes can be named.

    Raises:
        SpecError: a ValueError naming the class and config that could not be built, and why.
    """
    cls, config = resolve_spec(spec, who)
    try:
        return cls.from_config(dict(config))
    except SpecError:
        raise  # a module inside this one, already named
    except (TypeError, KeyError, ValueError) as exc:  # the arguments the config gives, refused by the class
        raise SpecError(f"{who}: cannot rebuild {spec['class']} from config {_short(config)}: {exc}") from None


def resolve_spec(spec, who: str = "nt.load") -> tuple[type, dict]:
    """The class and the config a module spec names, checked as :func:`module_from_spec` needs them, building nothing.

    Raises:
        SpecError: not a spec, a class that is not a name or not defined, nnteach's base class Module or
            Activation (nt.save never writes one), or a config that is not a dict.
    """
    if not isinstance(spec, dict) or "class" not in spec:
        raise SpecError(f"{who}: expected a module spec {{'class': ..., 'config': ...}}, got {spec!r:.80}.")
    name = spec["class"]
    if not isinstance(name, str):
        raise SpecError(f"{who}: expected the class of a module spec to be a name (a str), got "
                        f"{type(name).__name__} {_short(name, 60)}.")
    cls = spec_class(name, who)
    base = cannot_compute(cls)
    if base and _nnteach_base(cls):  # a learner's class may have lost its forward since: building says so
        raise SpecError(f"{who}: the file names the class {base}: it is not a layer. nt.save never writes one, "
                        f"so the file was probably edited.")
    config = spec.get("config", {})
    if not isinstance(config, dict):
        raise SpecError(f"{who}: expected the config of {name} to be a dict of its arguments, got "
                        f"{type(config).__name__} {_short(config, 60)}.")
    return cls, config


def spec_class(name: str, who: str = "nt.load", kind: type = Module) -> type:
    """The Module class a saved spec names, or a SpecError listing the names that are defined.

    ``kind``: Module for a layer, or nnteach.activations.Activation for a Dense's activation (the names
    listed). The base class Module is found too, though MODULE_REGISTRY holds only its subclasses, so a
    file naming it is told what Module is rather than that it is not defined.
    """
    cls = Module if name == registry_name(Module) else MODULE_REGISTRY.get(name)
    if cls is None:
        noun = "a layer" if kind is Module else "an activation"
        valid = ", ".join(repr(n) for n in defined_names(kind))
        raise SpecError(f"{who}: the file names {noun} class {name!r} that is not defined. If it is your own "
                        f"{kind.__name__} subclass, import or define it before loading. Valid names: {valid}.")
    return cls


def defined_names(kind: type = Module) -> list[str]:
    """The names a file may give a module of ``kind``, sorted: every subclass defined so far (nnteach's and
    the learner's) that computes outputs from inputs. Losses and base classes are left out."""
    return sorted(n for n, cls in MODULE_REGISTRY.items() if issubclass(cls, kind) and not not_a_model(cls))
