"""Pure drawing over nnteach results: SVG network diagrams and matplotlib figures for the widgets.

``import nnteach`` never imports this package. The SVG functions need no matplotlib; modules that
use matplotlib are imported on first use. Append new names to ``_LAZY`` (name -> module).
"""

from __future__ import annotations

from nnteach._lazy import lazy_exports

_LAZY = {
    # network diagrams (SVG text, no matplotlib)
    "network_svg": "nnteach.viz.network",
    "frame_svg": "nnteach.viz.network",
    # the XOR visualizer's plots (matplotlib)
    "create_xor_figure": "nnteach.viz.xor_plots",
    "update_xor_figure": "nnteach.viz.xor_plots",
    "figure_png": "nnteach.viz.xor_plots",
    # decision boundaries, loss curves and hidden-neuron heatmaps (matplotlib): the Playground's figures
    "PlaygroundFigure": "nnteach.viz.boundary",
    "NeuronFigure": "nnteach.viz.boundary",
    "draw_boundary": "nnteach.viz.boundary",
    "draw_points": "nnteach.viz.boundary",
    "neuron_mosaic": "nnteach.viz.boundary",
    "png_bytes": "nnteach.viz.boundary",
}

__all__ = list(_LAZY)


__getattr__, __dir__ = lazy_exports('nnteach.viz', _LAZY, globals())
