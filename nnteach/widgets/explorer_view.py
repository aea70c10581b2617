"""``ForwardPassExplorer``: the thin ipywidgets view over :class:`ExplorerState`.

Move an input slider and the state runs the real forward pass under a trace; the view redraws the
network diagram (:func:`nnteach.viz.network.network_svg`), the table of every neuron's weighted sum
and activation, and the selected neuron's equation (``trace.explain``). It formats numbers it is
given; it computes none.

CSS classes: the root ``nnteach-explorer``; ``nnteach-explorer-input`` on each slider,
``nnteach-explorer-select``, ``nnteach-explorer-diagram``, ``nnteach-explorer-table`` and
``nnteach-explorer-equation``.
"""

from __future__ import annotations

import html

import ipywidgets as W

from nnteach._validation import check_interval
from nnteach.widgets._display import ShowsSummary

from nnteach.tracing.notation import num
from nnteach.viz.network import Text, network_svg
from nnteach.widgets.explorer_state import ExplorerFrame, ExplorerState

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_CELL = ' style="padding:2px 8px;white-space:nowrap;text-align:left"'


class ForwardPassExplorer(ShowsSummary, W.VBox):
    """Sliders for the inputs, the network with every neuron's numbers, and one neuron's equation.

    Args:
        model: an nnteach model with neuron layers (default: the seeded 2-3-2-1 network).
        seed: seeds the default network.
        input_range: (low, high) of the input sliders.
        state: an existing ExplorerState to show (then model and seed are ignored).

    Examples:
        >>> ForwardPassExplorer()                      # x₁ = 0.50, x₂ = −0.30 on a 2-3-2-1 network
        >>> ForwardPassExplorer(my_model, input_range=(-3, 3))
    """

    def __init__(self, model=None, seed: int = 0, input_range=(-2.0, 2.0), state: ExplorerState | None = None):
        if state is not None and not isinstance(state, ExplorerState):
            raise TypeError(f"ForwardPassExplorer: expected state to be an ExplorerState, got {type(state).__name__}.")
        self.state = state if state is not None else ExplorerState(model, seed=seed)
        low, high = check_interval(input_range, "input_range", "ForwardPassExplorer")
        self.sliders = []
        for i, value in enumerate(self.state.inputs):
            slider = W.FloatSlider(value=value, min=min(low, value), max=max(high, value), step=0.05,
                                   description=f"x{str(i + 1).translate(_SUB)}", readout_format=".2f",
                                   continuous_update=True, layout=W.Layout(width="320px"))
            slider.add_class("nnteach-explorer-input")
            slider.observe(self._on_input, names="value")
            self.sliders.append(slider)
        frame = self.state.frame()
        self.select = W.Dropdown(options=_neuron_options(frame), value=frame.selected, description="explain",
                                 layout=W.Layout(width="320px"))
        self.select.add_class("nnteach-explorer-select")
        self.select.observe(self._on_select, names="value")
        self.diagram = W.HTML()
        self.diagram.add_class("nnteach-explorer-diagram")
        self.table = W.HTML()
        self.table.add_class("nnteach-explorer-table")
        self.equation = W.HTML()
        self.equation.add_class("nnteach-explorer-equation")
        controls = W.VBox([W.HTML("<b>Inputs</b>"), *self.sliders, self.select])
        super().__init__([W.HBox([controls, self.diagram]), self.equation, self.table])
        self.add_class("nnteach-explorer")
        self.render(frame)

    def _on_input(self, change) -> None:
        # The browser snaps a slider to min + k·step in floating point (-0.3 comes back as
        # -0.29999999999999982): round that noise away so the equations show the number on the slider.
        self.render(self.state.set_input([round(s.value, 9) for s in self.sliders]))

    def _on_select(self, change) -> None:
        self.render(self.state.select(*change["new"]))

    def render(self, frame: ExplorerFrame | None = None) -> None:
        """Show ``frame`` (default: the state's current one) in the diagram, equation and table."""
        frame = frame or self.state.frame()
        self.diagram.value = explorer_svg(frame)
        self.equation.value = frame.html
        self.table.value = neuron_table_html(frame)


def _neuron_options(frame: ExplorerFrame) -> list:
    return [(f"{layer.name} · neuron {n.neuron + 1} ({n.label})", (layer.index, n.neuron))
            for layer in frame.layers for n in layer.neurons]


def explorer_svg(frame: ExplorerFrame, width: int = 620) -> str:
    """The diagram: a inside each neuron, z and b under it, the selected neuron and its weights marked."""
    last = len(frame.layers)
    weights = [[n.weights for n in layer.neurons] for layer in frame.layers]
    names, values, lines, labels = {}, {}, {}, {}
    inputs = [f"x{str(i + 1).translate(_SUB)}" for i in range(len(frame.inputs))]
    for i, x in enumerate(frame.inputs):
        values[(0, i)] = Text(num(x).text)
    sel_layer, sel_neuron = frame.selected
    for layer in frame.layers:
        col = layer.index + 1
        for n in layer.neurons:
            key, here = (col, n.neuron), (layer.index, n.neuron) == frame.selected
            names[key] = ("ŷ = " if col == last else "") + n.label
            values[key] = Text(num(n.a).text, current=here)
            lines[key] = [Text(f"z = {num(n.z).text}", current=here)]
            if n.bias is not None:
                lines[key].append(Text(f"b = {num(n.bias).text}", "dim"))
            if here:
                for i, w in enumerate(n.weights):
                    labels[(col, n.neuron, i)] = Text(num(w).text, current=True)
    sel_col = sel_layer + 1
    selected = frame.layers[sel_layer].neurons[sel_neuron]
    return network_svg(
        weights, input_names=inputs, node_names=names, node_values=values, node_lines=lines, edge_labels=labels,
        highlight_nodes={(sel_col, sel_neuron)},
        highlight_edges={(sel_col, sel_neuron, i) for i in range(len(selected.weights))},
        side=[Text(f"ŷ = ({', '.join(num(v).text for v in frame.output)})")], width=width,
        footer="· numbers from the traced forward pass")


def neuron_table_html(frame: ExplorerFrame) -> str:
    """Every neuron's weighted sum and activation, one row each, the selected neuron highlighted."""
    rows = []
    for layer in frame.layers:
        for n in layer.neurons:
            style = ' style="background:#fdebd0"' if (layer.index, n.neuron) == frame.selected else ""
            cells = (layer.name, n.z_numbers, n.a_numbers)
            rows.append(f"<tr{style}>" + "".join(f"<td{_CELL}>{html.escape(c)}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th{_CELL}>{h}</th>" for h in ("layer", "weighted sum z = Σ w·input + b", "activation a = f(z)"))
    # the symbolic form of each line is in the equation panel; the table keeps the numbers
    return (f'<table class="nnteach-neuron-table" style="font-family:monospace;font-size:12px;'
            f'border-collapse:collapse"><tr>{head}</tr>{"".join(rows)}</table>')


__all__ = ["ForwardPassExplorer", "explorer_svg", "neuron_table_html"]
