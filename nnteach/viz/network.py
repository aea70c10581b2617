"""Network diagrams as SVG text: neurons with their numbers, edges coloured and sized by their weights.

Pure Python (no matplotlib, no widgets): a diagram is a string, so it renders crisply in an
``ipywidgets.HTML`` or ``IPython.display.SVG`` and tests can read its numbers as text.

* :func:`network_svg` draws any fully connected network from its weights and the texts to show.
* :func:`frame_svg` draws one moment of a traced training step (a frame of
  :class:`nnteach.widgets.XorState`): forward values in black, gradients in purple with a "∂"
  prefix, the neuron and edges of the current event highlighted.

Edges: blue for w > 0, red for w < 0, stroke width growing with |w|.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Mapping, Sequence

from nnteach.tracing.notation import num, sym

POSITIVE, NEGATIVE = "#2b6cb0", "#c53030"  # weight signs
GRADIENT = "#6b46c1"  # every gradient, everywhere: purple, prefixed with ∂
HIGHLIGHT = "#f6ad55"
_TEXT_COLOR = {"value": "#1a202c", "grad": GRADIENT, "dim": "#718096"}
_SANS = ' font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'  # superscripts read better than in mono


@dataclass(frozen=True)
class Text:
    """One piece of text in a diagram: ``kind`` is ``"value"``, ``"grad"`` or ``"dim"``; ``current``
    draws it bold (the number the current event computes)."""

    text: str
    kind: str = "value"
    current: bool = False


def edge_width(w: float) -> float:
    """Stroke width for a weight: 0.8 px plus 0.5 px per unit of |w|, at most 9 px."""
    return min(0.8 + 0.5 * abs(w), 9.0)


def _text(x, y, t: Text, size=12, anchor="middle", extra="") -> str:
    weight = "bold" if t.current else "normal"
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="{_TEXT_COLOR[t.kind]}" class="nnteach-svg-{t.kind}"{extra} '
            f'style="paint-order: stroke; stroke: white; stroke-width: 3px">{escape(t.text)}</text>')


def network_svg(weights: Sequence, *, input_names: Sequence[str], node_names: Mapping | None = None,
                node_values: Mapping | None = None, node_lines: Mapping | None = None,
                edge_labels: Mapping | None = None, highlight_nodes=(), highlight_edges=(),
                side: Sequence[Text] = (), side_highlight: bool = False, footer: str = "", width: int = 640) -> str:
    """An SVG picture of a fully connected network.

    Args:
        weights: per neuron layer, W of shape (out, in) (nested lists or arrays); column 0 holds
            the inputs, column l + 1 the neurons of layer l.
        input_names: a name per input, e.g. ``["x₁", "x₂"]``.
        node_names: ``{(col, j): "a⁽¹⁾₁"}`` written above a neuron.
        node_values: ``{(col, j): Text}`` written inside the circle.
        node_lines: ``{(col, j): [Text, ...]}`` written under the circle.
        edge_labels: ``{(col, j, i): Text}`` on the edge from node i of column col − 1 to node j.
        highlight_nodes, highlight_edges: keys as above, drawn with a highlight halo.
        side: lines of text in a box right of the last column (e.g. the loss); ``side_highlight`` halos it.
        footer: a caption under the picture.
    """
    node_names, node_values = node_names or {}, node_values or {}
    node_lines, edge_labels = node_lines or {}, edge_labels or {}
    hl_nodes, hl_edges = set(highlight_nodes), set(highlight_edges)
    sizes = [len(input_names)] + [len(W) for W in weights]
    tallest = max(sizes)
    # Up to 4 neurons a column: names above, text lines below each neuron. More: a compact layout,
    # smaller neurons, names upper left and at most two lines on the right.
    compact = tallest > 4
    r, gap, below = (21, 58, 14) if compact else (26, 104, 56)
    top0 = 34 + r
    height = int(top0 + gap * (tallest - 1) + r + below + 30)
    cols = len(sizes)
    xs = [70 + k * (width - 230) / (cols - 1) for k in range(cols)]

    def pos(col, j):
        return xs[col], top0 + (tallest - sizes[col]) * gap / 2 + gap * j

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="nnteach-network-svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    edges, labels = [], []
    for col in range(1, cols):
        for j, row in enumerate(weights[col - 1]):
            for i, w in enumerate(row):
                (x1, y1), (x2, y2) = pos(col - 1, i), pos(col, j)
                x1, x2 = x1 + r, x2 - r
                key = (col, j, i)
                color = POSITIVE if w >= 0 else NEGATIVE
                if key in hl_edges:
                    edges.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{HIGHLIGHT}" '
                                 f'stroke-width="{edge_width(w) + 8:.1f}" stroke-linecap="round" opacity="0.7"/>')
                faded = ' opacity="0.45"' if (hl_edges or hl_nodes) and key not in hl_edges else ""
                edges.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
                             f'stroke-width="{edge_width(w):.2f}"{faded} class="nnteach-edge" '
                             f'data-edge="{col}-{j}-{i}" data-weight="{w:.6g}"/>')
                if key in edge_labels:
                    # Edges into a column of several neurons cross halfway: label them near the target,
                    # where the edges into one neuron fan apart; into a single neuron, halfway.
                    t = 0.72 if sizes[col] > 1 else 0.5
                    labels.append(_text(x1 + t * (x2 - x1), y1 + t * (y2 - y1) - 5, edge_labels[key], size=11))
    out += edges + labels
    for col, n in enumerate(sizes):
        for j in range(n):
            x, y = pos(col, j)
            key = (col, j)
            if key in hl_nodes:
                out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r + 6}" fill="{HIGHLIGHT}" opacity="0.8"/>')
            fill = "#f7fafc" if col == 0 else "#ffffff"
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{fill}" stroke="#2d3748" stroke-width="1.5" '
                       f'class="nnteach-node" data-node="{col}-{j}"/>')
            name = input_names[j] if col == 0 else node_names.get(key, "")
            if name and compact and col not in (0, cols - 1):
                out.append(_text(x - r - 2, y - r + 2, Text(name, "dim"), size=11, anchor="end", extra=_SANS))
            elif name:
                out.append(_text(x, y - r - 6, Text(name, "dim"), size=13, extra=_SANS))
            if key in node_values:
                out.append(_text(x, y + 5, node_values[key], size=13 if not compact else 11))
            lines = list(node_lines.get(key, ()))
            for k, line in enumerate(lines[-2:] if compact else lines):
                if compact and col != cols - 1:
                    out.append(_text(x + r + 4, y - 3 + 13 * k, line, size=10, anchor="start"))
                else:
                    out.append(_text(x, y + r + 16 + 14 * k, line, size=11))
    if side:
        x, y = pos(cols - 1, 0)
        bx, by = x + r + 34, y - 22
        box_h = 16 * len(side) + 12
        stroke = HIGHLIGHT if side_highlight else "#a0aec0"
        out.append(f'<rect x="{bx}" y="{by:.1f}" width="{width - bx - 6}" height="{box_h}" rx="6" fill="#fffaf0" '
                   f'stroke="{stroke}" stroke-width="{4 if side_highlight else 1}" class="nnteach-side"/>')
        for k, line in enumerate(side):
            out.append(_text(bx + 8, by + 20 + 16 * k, line, size=12, anchor="start"))
    legend = (f'<text x="10" y="{height - 10}" font-size="11" fill="#4a5568">'
              f'<tspan fill="{POSITIVE}">━ w &gt; 0</tspan>  <tspan fill="{NEGATIVE}">━ w &lt; 0</tspan>  '
              f'width ∝ |w|  <tspan fill="{GRADIENT}">∂ gradient</tspan>  {escape(footer)}</text>')
    out += [legend, "</svg>"]
    return "\n".join(out)


# --------------------------------------------------------------------------- a frame of a traced step
def _n(v) -> str:
    return num(v).text


def frame_svg(frame, width: int = 640) -> str:
    """The diagram of one :class:`~nnteach.widgets.xor_frame.Frame`: what the network knows at this event.

    Forward: each neuron shows a inside and z, b under it. Backward: ∂L/∂a, ∂L/∂z, ∂L/∂b under it and,
    at a ∂L/∂W event, the gradient on each incoming edge. Update: the new weights on the edges.
    The numbers are the frame's, which come from the trace; this function only formats them.
    """
    ev = frame.event
    last = len(frame.weights)
    backward = frame.phase in ("backward", "update")
    cur_col = None if ev.layer is None else ev.layer + 1
    names, values, lines, labels = {}, {}, {}, {}
    inputs = [f"x{'₁₂₃₄₅₆₇₈₉'[i]}" for i in range(len(frame.x))]
    for i, x in enumerate(frame.x):
        values[(0, i)] = Text(_n(x), current=ev.phase == "input")
    for layer, neurons in enumerate(frame.neurons):
        col = layer + 1
        for nv in neurons:
            key, j = (col, nv.neuron), nv.neuron
            here = cur_col == col and ev.neuron == j
            names[key] = ("ŷ = " if col == last else "") + sym("a", col, j + 1).text
            if nv.a is not None:
                values[key] = Text(_n(nv.a), "dim" if backward else "value", current=here and ev.quantity == "a")
            b = frame.biases[layer][j]
            if not backward:
                rows = [Text(f"z = {_n(nv.z)}", current=here and ev.quantity == "z")] if nv.z is not None else []
                rows.append(Text(f"b = {_n(b)}", "dim"))
            elif frame.phase == "update":
                rows = [Text(f"b ← {_n(b)}", current=here)]
            else:
                rows = []
                for q, sym_name in (("dL_da", "a"), ("dL_dz", "z"), ("dL_db", "b")):
                    v = getattr(nv, q)
                    if v is not None:
                        rows.append(Text(f"∂L/∂{sym_name} = {_n(v)}", "grad", current=here and ev.quantity == q))
            lines[key] = rows
            for i, w in enumerate(frame.weights[layer][j]):
                if here and ev.quantity == "dL_dW":
                    labels[(col, j, i)] = Text(f"∂ {_n(nv.dL_dW[i])}", "grad", current=True)
                elif here and ev.quantity == "update":
                    labels[(col, j, i)] = Text(f"← {_n(w)}", current=True)
                elif sum(len(W) * len(W[0]) for W in frame.weights) <= 12:
                    labels[(col, j, i)] = Text(_n(w), "dim")
    hl_nodes, hl_edges = set(), set()
    if ev.phase == "input":
        hl_nodes = {(0, i) for i in range(len(frame.x))}
    elif ev.phase == "loss":
        hl_nodes = {(last, 0)}
    elif cur_col is not None:
        j = ev.neuron
        hl_nodes = {(cur_col, j)}
        if ev.quantity in ("z", "dL_dW", "update"):
            hl_edges = {(cur_col, j, i) for i in range(len(frame.weights[ev.layer][j]))}
        elif ev.quantity == "dL_da" and cur_col < last:
            nxt = frame.weights[ev.layer + 1]
            hl_edges = {(cur_col + 1, k, j) for k in range(len(nxt))}
            hl_nodes |= {(cur_col + 1, k) for k in range(len(nxt))}
    side = [Text(f"y = {_n(frame.y)}")]
    if frame.y_pred is not None:
        side.append(Text(f"ŷ = {_n(frame.y_pred)}"))
    if frame.loss is not None:
        side.append(Text(f"L = {_n(frame.loss)}", current=ev.phase == "loss"))
    footer = "· weights after the update" if frame.updated else ""
    return network_svg(frame.weights, input_names=inputs, node_names=names, node_values=values, node_lines=lines,
                       edge_labels=labels, highlight_nodes=hl_nodes, highlight_edges=hl_edges, side=side,
                       side_highlight=ev.phase == "loss" or (ev.quantity == "dL_da" and cur_col == last),
                       footer=footer, width=width)
