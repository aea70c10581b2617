"""Notebook widgets: pure-Python state objects and thin ipywidgets views over them.

Names are imported on first use (``from nnteach.widgets import XorVisualizer``), so importing this
package stays cheap; ``import nnteach`` never imports it. To add a widget, add its names to
``_LAZY`` (name -> module).
"""

from __future__ import annotations

from nnteach._lazy import lazy_exports

_LAZY = {
    "XorState": "nnteach.widgets.xor_state",
    "XorVisualizer": "nnteach.widgets.xor_view",
    "PlaygroundState": "nnteach.widgets.playground_state",
    "Playground": "nnteach.widgets.playground_view",
    "ExplorerState": "nnteach.widgets.explorer_state",
    "ForwardPassExplorer": "nnteach.widgets.explorer_view",
}

__all__ = list(_LAZY)


__getattr__, __dir__ = lazy_exports('nnteach.widgets', _LAZY, globals())
