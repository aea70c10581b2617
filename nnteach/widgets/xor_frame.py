"""The events of one training step and the frozen :class:`Frame` that describes one moment of it.

A training step of a 2-H-1 network, cut into the smallest pieces a learner can follow::

    input                      x enters; the weights are those before the step
    forward  layer 1, 2        z then a, neuron by neuron, input to output
    loss                       L of the prediction ŷ against y
    backward layer 2, 1        ∂L/∂a, ∂L/∂z, ∂L/∂W (row j), ∂L/∂b, neuron by neuron, output to input
    update   layer 1, 2        the optimizer's new W and b, neuron by neuron

Events of one (phase, layer) form a *group*: the unit of a "layer" step. Pure Python: no widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnteach.tracing.notation import Line, Part, grad, num, sym

PHASE_NAMES = ("input", "forward", "loss", "backward", "update")


@dataclass(frozen=True)
class Event:
    """One moment of a training step.

    Attributes:
        phase: ``"input"``, ``"forward"``, ``"loss"``, ``"backward"`` or ``"update"``.
        layer: neuron layer, 0 = hidden, 1 = output (None for input and loss).
        neuron: neuron within the layer, 0-based (None for input and loss).
        quantity: what becomes known: ``"x"``, ``"z"``, ``"a"``, ``"L"``, ``"dL_da"``, ``"dL_dz"``,
            ``"dL_dW"``, ``"dL_db"`` or ``"update"``.
        group: index of the event's (phase, layer) group, the unit a "layer" step moves by.
    """

    phase: str
    layer: int | None
    neuron: int | None
    quantity: str
    group: int

    @property
    def label(self) -> str:
        """The symbol of what this event computes, in nnteach notation (1-based: z⁽¹⁾₁)."""
        q = self.quantity
        if q == "x":
            return "x"
        if q == "L":
            return "L"
        L, J = self.layer + 1, self.neuron + 1
        if q in ("z", "a"):
            return sym(q, L, J).text
        if q == "dL_da":
            return grad(sym("a", L, J)).text
        if q == "dL_dz":
            return grad(sym("z", L, J)).text
        if q == "dL_dW":
            return grad(sym("w", L, J)).text
        if q == "dL_db":
            return grad(sym("b", L, J)).text
        return f"{sym('w', L, J).text}, {sym('b', L, J).text}"  # update


def build_events(layer_sizes: tuple[int, ...]) -> tuple[Event, ...]:
    """Every event of one training step of a network with these neuron-layer sizes (e.g. (2, 1))."""
    events: list[Event] = []
    group = 0

    def add(phase, layer, neuron, quantity):
        events.append(Event(phase, layer, neuron, quantity, group))

    add("input", None, None, "x")
    for layer, size in enumerate(layer_sizes):
        group += 1
        for j in range(size):
            add("forward", layer, j, "z")
            add("forward", layer, j, "a")
    group += 1
    add("loss", None, None, "L")
    for layer in reversed(range(len(layer_sizes))):
        group += 1
        for j in range(layer_sizes[layer]):
            for q in ("dL_da", "dL_dz", "dL_dW", "dL_db"):
                add("backward", layer, j, q)
    for layer, size in enumerate(layer_sizes):
        group += 1
        for j in range(size):
            add("update", layer, j, "update")
    return tuple(events)


@dataclass(frozen=True)
class NeuronValues:
    """What one neuron shows at this moment; a number is None until its event has happened.

    ``z``, ``a`` are this sample's forward values; ``dL_da``, ``dL_dz`` its gradients; ``dL_dW``
    (a row, one entry per input) and ``dL_db`` the batch gradients the optimizer applies.
    """

    layer: int
    neuron: int
    z: float | None
    a: float | None
    dL_da: float | None
    dL_dz: float | None
    dL_dW: tuple[float, ...] | None
    dL_db: float | None


@dataclass(frozen=True)
class Frame:
    """Everything the visualizer shows at one cursor position, as plain numbers and strings.

    Every number is read from the trace of the real step (``StepRecord``) or, for the four
    predictions, from a traced forward pass of the model with the weights shown. Two frames at the
    same position are equal (``==``), so "▶ then ◀" can be tested exactly.

    Attributes:
        step: the training step since the start (0-based); epoch: ``step // steps_per_epoch``.
        event_index, num_events, event: where the cursor is within the step.
        mode: ``"sample"`` or ``"batch"``; rows: the XOR rows in this step's batch.
        sample: the XOR row whose numbers are shown (0..3); x, y: its input and target.
        weights, biases: per neuron layer, W (out × in) and b as shown: before the step, or after
            the optimizer's update during the update events (``updated``).
        neurons: per neuron layer, one :class:`NeuronValues` per neuron.
        y_pred: ŷ for this sample (after the output's a event); loss: the step's L (after the loss event).
        predictions: ŷ of the four XOR inputs with the weights shown; hidden: their hidden a (4 × H).
        headline: the current event's result, e.g. ``"z⁽¹⁾₁ = 2.5"``.
        title, lines_text, lines_html: the explanation (``trace.explain``) of the current neuron;
            current_lines: indices of the lines this event computes; the view shows lines up to them.
    """

    step: int
    epoch: int
    event_index: int
    num_events: int
    event: Event
    mode: str
    rows: tuple[int, ...]
    sample: int
    x: tuple[float, ...]
    y: float
    weights: tuple
    biases: tuple
    updated: bool
    neurons: tuple
    y_pred: float | None
    loss: float | None
    loss_name: str
    predictions: tuple[float, ...]
    hidden: tuple
    headline: str
    title: str
    lines_text: tuple[str, ...]
    lines_html: tuple[str, ...]
    current_lines: tuple[int, ...]

    @property
    def phase(self) -> str:
        return self.event.phase

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return tuple(len(b) for b in self.biases)


# --------------------------------------------------------------------------- building a frame
def _row(values) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


def build_frame(record, rows: tuple[int, ...], s: int, events: tuple[Event, ...], e: int, reveal: dict, *,
                mode: str, steps_per_epoch: int, predictions: tuple, hidden: tuple, explain) -> Frame:
    """The :class:`Frame` at event ``e`` of a recorded step, showing batch row ``s``.

    Args:
        record: the step's StepRecord; rows: the XOR rows of its batch.
        events: the step's events; reveal: ``(layer, neuron, quantity) -> event index`` where it appears.
        predictions, hidden: ŷ and hidden a of the four XOR inputs with the weights shown.
        explain: ``trace.explain`` (any trace of this model: it reads only the record given to it).
    """
    ev = events[e]
    seen = lambda layer, j, q: reveal[(layer, j, q)] <= e  # noqa: E731
    updated = ev.phase == "update"
    weights, biases, neurons = [], [], []
    for l, rec in enumerate(record.layers):
        W, b = (rec.weight_after, rec.bias_after) if updated else (rec.weight, rec.bias)
        weights.append(tuple(_row(w) for w in W))
        biases.append(_row(b))
        neurons.append(tuple(NeuronValues(
            layer=l, neuron=j,
            z=float(rec.z[s, j]) if seen(l, j, "z") else None,
            a=float(rec.a[s, j]) if seen(l, j, "a") else None,
            dL_da=float(rec.grad_a[s, j]) if seen(l, j, "dL_da") else None,
            dL_dz=float(rec.grad_z[s, j]) if seen(l, j, "dL_dz") else None,
            dL_dW=_row(rec.grad_weight[j]) if seen(l, j, "dL_dW") else None,
            dL_db=float(rec.grad_bias[j]) if seen(l, j, "dL_db") else None,
        ) for j in range(rec.out_features)))
    out = len(record.layers) - 1
    y_pred = float(record.layers[out].a[s, 0]) if seen(out, 0, "a") else None
    loss = float(record.loss) if seen(None, None, "L") else None
    title, lines, current = _explanation(record, ev, s, explain)
    return Frame(
        step=record.index, epoch=record.index // steps_per_epoch, event_index=e, num_events=len(events), event=ev,
        mode=mode, rows=rows, sample=rows[s], x=_row(record.x[s]), y=float(np.asarray(record.y)[s, 0]),
        weights=tuple(weights), biases=tuple(biases), updated=updated, neurons=tuple(neurons), y_pred=y_pred,
        loss=loss, loss_name=record.loss_name, predictions=predictions, hidden=hidden,
        headline=_headline(ev, record, s, weights, biases), title=title,
        lines_text=tuple(line.text for line in lines), lines_html=tuple(line.html for line in lines),
        current_lines=current,
    )


def _headline(ev: Event, record, s: int, weights, biases) -> str:
    """The current event's result in one line: ``"z⁽¹⁾₁ = 2.5"``."""
    q = ev.quantity
    if q == "x":
        x = ", ".join(num(v).text for v in record.x[s])
        return f"x = ({x}), y = {num(np.asarray(record.y)[s, 0]).text}"
    if q == "L":
        return f"L = {num(record.loss).text}"
    rec = record.layers[ev.layer]
    j = ev.neuron
    value = {"z": rec.z, "a": rec.a, "dL_da": rec.grad_a, "dL_dz": rec.grad_z}.get(q)
    if value is not None:
        text = f"{ev.label} = {num(value[s, j]).text}"
        return text.replace(" = ", " = ŷ = ", 1) if q == "a" and ev.layer == len(record.layers) - 1 else text
    if q == "dL_dW":
        return f"{ev.label} = [{', '.join(num(v).text for v in rec.grad_weight[j])}]"
    if q == "dL_db":
        return f"{ev.label} = {num(rec.grad_bias[j]).text}"
    L, J = ev.layer + 1, j + 1
    row = ", ".join(num(v).text for v in weights[ev.layer][j])
    return f"{sym('w', L, J).text} ← [{row}], {sym('b', L, J).text} ← {num(biases[ev.layer][j]).text}"


def _explanation(record, ev: Event, s: int, explain):
    """``trace.explain`` for the event's neuron, and which of its lines this event computes."""
    q = ev.quantity
    if q == "x":
        x = ", ".join(num(v).text for v in record.x[s])
        y = num(np.asarray(record.y)[s, 0]).text
        n = len(record.x)
        title = f"Step {record.index} · input · sample {s + 1} of {n}, x = ({x})"
        lines = [Line([Part(f"x = ({x}) enters the network; the target is y = {y}.", "")], kind="text"),
                 Line([Part("The weights shown are those before this step; ▶ computes z⁽¹⁾₁ first.", "")],
                      kind="text")]
        return title, lines, (0, 1)
    out = len(record.layers) - 1
    if ev.phase in ("forward", "loss"):
        layer, j = (out, 0) if q == "L" else (ev.layer, ev.neuron)
        exp = explain(record, layer, j, s, phase="forward")
        n = len(exp.lines)
        current = {"z": (0,), "a": (1, 2) if layer == out and n > 2 else (1,), "L": (n - 1,)}[q]
    elif ev.phase == "backward":
        exp = explain(record, ev.layer, ev.neuron, s, phase="backward")
        n = len(exp.lines)
        batch_line = 1 if len(record.x) > 1 else 0  # "summed over the batch" closes the list
        b = n - 1 - batch_line  # the ∂L/∂b line
        current = {"dL_da": (0,), "dL_dz": (1,), "dL_dW": tuple(range(2, b)),
                   "dL_db": (b,) + ((n - 1,) if batch_line else ())}[q]
    else:
        exp = explain(record, ev.layer, ev.neuron, s, phase="update")
        current = tuple(range(len(exp.lines)))
    return exp.title, exp.lines, current


# --------------------------------------------------------------------------- text summary
def summary(frame: Frame, config: str, x_rows, y_rows) -> str:
    """A deterministic text of a frame (3 decimals), for nbval: position, current event, predictions, loss."""
    f = frame
    lines = [config,
             f"step {f.step} · epoch {f.epoch} · event {f.event_index + 1} of {f.num_events} · phase {f.phase}",
             # rows of the XOR table count from 1, as the explanations count neurons and samples
             f"XOR row {f.sample + 1} of {len(x_rows)}: x = ({', '.join(num(v).text for v in f.x)}), y = {num(f.y).text}"
             + (f" (sample {f.rows.index(f.sample) + 1} of the batch of {len(f.rows)})" if len(f.rows) > 1 else ""),
             f"now: {f.headline}"]
    shown = range(max(f.current_lines) + 1)
    lines += [f"  {f.lines_text[i]}" for i in shown]
    lines.append("loss: " + (f"{f.loss_name} L = {num(f.loss).text}" if f.loss is not None else "not computed yet"))
    when = "after this step's update" if f.updated else "before this step's update"
    lines.append(f"predictions (weights {when}):")
    for i, (x, y, p) in enumerate(zip(x_rows, y_rows, f.predictions)):
        mark = " <" if i == f.sample else ""
        lines.append(f"  x = ({num(x[0]).text}, {num(x[1]).text})  y = {num(y).text}  ŷ = {num(p).text}{mark}")
    return "\n".join(lines)
