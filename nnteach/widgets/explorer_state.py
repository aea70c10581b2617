"""``ExplorerState``: the pure-Python state behind the ForwardPassExplorer (no ipywidgets, no matplotlib).

Set the inputs, and the state runs the model's real forward pass under :func:`nnteach.trace`;
every number a :class:`ExplorerFrame` holds - each neuron's weights, inputs, z and a, and the
equation of the selected neuron - is read from that trace (``trace.explain`` for the equations).
Nothing is recomputed here, so what the explorer shows is what the network computed.

Examples:
    >>> state = ExplorerState(seed=0)           # a 2-3-2-1 network: tanh, tanh, sigmoid
    >>> state.set_input([0.5, -0.3])
    >>> state.select(0, 1)                      # hidden layer 1, neuron 2
    >>> print(state.summary())
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

import nnteach as nt
from nnteach._validation import check_int
from nnteach.module import Module
from nnteach.tracing import Trace, neuron_layers
from nnteach.tracing.notation import num, op, sym

WHO = "ExplorerState"
DEFAULT_INPUT = (0.5, -0.3)  # the example of the issue: x₁ = 0.50, x₂ = −0.30


@dataclass(frozen=True)
class NeuronView:
    """One neuron in one forward pass, as recorded.

    Attributes:
        layer, neuron: 0-based indices; label: its symbol in the course's notation (``a⁽¹⁾₂``).
        inputs: what entered its layer (x, or the previous layer's a); weights: its row of W.
        bias: b (None without a bias); z: the pre-activation; a: the activation.
        weighted_sum: the explained z line, e.g. ``z⁽¹⁾₁ = w⁽¹⁾₁₁·x₁ + ... = 5·0 + 5·1 + (−2.5) = 2.5``.
        activation_text: the explained a line, e.g. ``a⁽¹⁾₁ = σ(z⁽¹⁾₁) = σ(2.5) = 0.924``.
        z_numbers, a_numbers: the same lines with the symbolic middle left out, for a compact
            table: ``z⁽¹⁾₁ = 5·0 + 5·1 + (−2.5) = 2.5`` and ``a⁽¹⁾₁ = σ(2.5) = 0.924``.
    """

    layer: int
    neuron: int
    label: str
    inputs: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float | None
    z: float
    a: float
    weighted_sum: str
    activation_text: str
    z_numbers: str
    a_numbers: str


@dataclass(frozen=True)
class LayerView:
    """A neuron layer: ``index`` (0 = first hidden), ``name`` (``"hidden 1"``... ``"output"``), ``activation``."""

    index: int
    name: str
    activation: str
    neurons: tuple[NeuronView, ...]


@dataclass(frozen=True)
class ExplorerFrame:
    """Everything the explorer shows, as plain numbers and strings (equal frames compare equal).

    Attributes:
        inputs: x; layer_sizes: widths from input to output, e.g. (2, 3, 2, 1).
        layers: one :class:`LayerView` per neuron layer; output: the network's output ŷ.
        selected: (layer, neuron) of the explained neuron.
        title, lines_text, lines_html: ``trace.explain(...)`` of the selected neuron's forward step;
            html: the whole explanation as HTML.
    """

    inputs: tuple[float, ...]
    layer_sizes: tuple[int, ...]
    layers: tuple[LayerView, ...]
    output: tuple[float, ...]
    selected: tuple[int, int]
    title: str
    lines_text: tuple[str, ...]
    lines_html: tuple[str, ...]
    html: str

    @property
    def neuron(self) -> NeuronView:
        """The selected neuron."""
        layer, neuron = self.selected
        return self.layers[layer].neurons[neuron]


class ExplorerState:
    """A small network, its inputs, and the traced forward pass for those inputs.

    Args:
        model: any model with neuron layers (``nt.Linear``/``nt.Dense``, e.g. an ``nt.Sequential``);
            default: a 2-3-2-1 network (tanh, tanh, sigmoid) with weights and biases from ``seed``.
        seed: seeds the default network's weights (ignored when ``model`` is given).
        inputs: the first input; default (0.5, −0.3) for two inputs, zeros otherwise.
    """

    def __init__(self, model: Module | None = None, seed: int = 0, inputs=None):
        if model is None:
            model = default_model(seed)
        elif not isinstance(model, Module):
            raise TypeError(f"{WHO}: expected model to be an nnteach Module such as nt.Sequential(...), "
                            f"got {type(model).__name__}.")
        units = neuron_layers(model)
        if not units:
            raise ValueError(f"{WHO}: the model has no neuron layers (nt.Linear or nt.Dense) to explore.")
        self.model = model
        self.num_inputs = units[0][0].in_features
        self.trace: Trace | None = None
        self.selected = (0, 0)
        if inputs is None:
            inputs = DEFAULT_INPUT if self.num_inputs == 2 else (0.0,) * self.num_inputs
        self.set_input(inputs)

    # ------------------------------------------------------------------ actions
    def set_input(self, values) -> "ExplorerFrame":
        """Set x and run the model's forward pass on it under a fresh trace; returns the new frame."""
        x = self._check_input(values)
        with nt.trace(self.model, keep_last=1, include_eval=True) as tr:
            self.model(x)  # (1, inputs) -> (1, outputs), whatever mode the model is in
        self.trace = tr
        self.inputs = tuple(float(v) for v in x[0])
        return self.frame()

    def select(self, layer: int, neuron: int) -> "ExplorerFrame":
        """Explain neuron ``neuron`` (0-based) of neuron layer ``layer`` (0 = first hidden layer)."""
        layers = self.trace.steps[-1].layers
        _check_index("layer", layer, len(layers), ", ".join(f"{i} = {r.name}" for i, r in enumerate(layers)))
        rec = layers[layer]
        _check_index("neuron", neuron, rec.out_features, f"layer {layer} ({rec.name}) has {rec.out_features} neurons")
        self.selected = (int(layer), int(neuron))
        return self.frame()

    # ------------------------------------------------------------------ reading
    def frame(self) -> ExplorerFrame:
        """Everything on screen, read from the trace of the last forward pass."""
        record = self.trace.steps[-1]
        layers = []
        for rec in record.layers:
            neurons = []
            for j in range(rec.out_features):
                equation = self.trace.explain(-1, rec.index, j, phase="forward")
                neurons.append(NeuronView(
                    layer=rec.index, neuron=j, label=sym("a", rec.index + 1, j + 1).text,
                    inputs=tuple(float(v) for v in rec.input[0]), weights=tuple(float(w) for w in rec.weight[j]),
                    bias=None if rec.bias is None else float(rec.bias[j]), z=float(rec.z[0, j]),
                    a=float(rec.a[0, j]), weighted_sum=equation.lines[0].text,
                    activation_text=equation.lines[1].text, z_numbers=_numbers_only(equation.lines[0]),
                    a_numbers=_numbers_only(equation.lines[1])))
            layers.append(LayerView(rec.index, rec.name, rec.activation, tuple(neurons)))
        explanation = self.trace.explain(-1, *self.selected, phase="forward")
        return ExplorerFrame(
            inputs=self.inputs,
            layer_sizes=(record.layers[0].in_features, *(r.out_features for r in record.layers)),
            layers=tuple(layers), output=tuple(float(v) for v in record.y_pred[0]), selected=self.selected,
            title=explanation.title, lines_text=tuple(line.text for line in explanation.lines),
            lines_html=tuple(line.html for line in explanation.lines), html=explanation._repr_html_())

    def summary(self) -> str:
        """Deterministic text of the pass: x, every layer's z and a, ŷ, and the selected equation."""
        f = self.frame()
        fmt = lambda values: "(" + ", ".join(num(v).text for v in values) + ")"  # noqa: E731
        acts = ", ".join(layer.activation for layer in f.layers)
        lines = [f"Forward pass of a {'-'.join(map(str, f.layer_sizes))} network ({acts}), x = {fmt(f.inputs)}"]
        for layer in f.layers:
            lines.append(f"  layer {layer.index + 1} ({layer.name}, {layer.activation}): "
                         f"z = {fmt(n.z for n in layer.neurons)}, a = {fmt(n.a for n in layer.neurons)}")
        lines.append(f"  ŷ = {fmt(f.output)}")
        lines.append(f.title)
        lines.extend("  " + text for text in f.lines_text)
        return "\n".join(lines)

    def _check_input(self, values) -> np.ndarray:
        who, n = f"{WHO}.set_input", self.num_inputs
        if isinstance(values, (str, bytes)) or not np.iterable(values):
            raise TypeError(f"{who}: expected {n} numbers, one per input, got {type(values).__name__} {values!r}.")
        values = list(np.asarray(values, dtype=object).reshape(-1))
        if len(values) != n:
            raise ValueError(f"{who}: the network has {n} inputs, got {len(values)} values {values!r}.")
        for i, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(f"{who}: expected x{i + 1} to be a number, got {type(v).__name__} {v!r}.")
            if not math.isfinite(float(v)):
                raise ValueError(f"{who}: expected a finite x{i + 1}, got {v!r}.")
        return np.array([values], dtype=self.model.dtype)  # (1, inputs)

    def __repr__(self) -> str:
        sizes = self.frame().layer_sizes if self.trace is not None else "?"
        return f"ExplorerState({'-'.join(map(str, sizes))}, x={self.inputs}, selected={self.selected})"


def _numbers_only(line) -> str:
    """An explained line without its symbolic step: ``z = w·x + b = 5·0 + (−2.5) = 2.5`` -> ``z = 5·0 + (−2.5) = 2.5``.

    Works on the line's parts, split at its "=" signs: [result symbol, symbolic, numbers..., value].
    """
    groups, current = [], []
    for part in line.parts:
        if part == op("="):
            groups.append(current)
            current = []
        else:
            current.append(part)
    groups.append(current)
    if len(groups) >= 4:
        groups = [groups[0], *groups[2:]]
    return " = ".join("".join(p.text for p in group) for group in groups)


def _check_index(name: str, value, size: int, detail: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{WHO}.select: expected {name} to be an int, got {type(value).__name__}.")
    if not 0 <= value < size:
        raise IndexError(f"{WHO}.select: {name} {value} does not exist; valid: 0..{size - 1} ({detail}).")


def default_model(seed: int = 0) -> nt.Sequential:
    """The explorer's 2-3-2-1 network: tanh, tanh, sigmoid, weights and biases drawn from ``seed``.

    Biases are drawn too (a fresh layer's are zero), so every "+ b" in an equation shows a number.
    """
    rng = np.random.default_rng(check_int(seed, "seed", WHO, minimum=0))
    model = nt.Sequential(nt.Linear(2, 3, rng=rng), nt.Tanh(), nt.Linear(3, 2, rng=rng), nt.Tanh(),
                          nt.Linear(2, 1, rng=rng), nt.Sigmoid())
    for layer in (model[0], model[2], model[4]):
        layer.bias.data = np.round(rng.uniform(-0.5, 0.5, size=layer.bias.shape), 2)
        layer.weight.data = np.round(layer.weight.data, 2)  # short numbers a learner can check by hand
    return model
