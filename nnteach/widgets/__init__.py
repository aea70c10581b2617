"""Notebook widgets: pure-Python state objects and thin ipywidgets views over them.

Names are imported on first use (``from nnteach.widgets import XorVisualizer``), so importing this
package stays cheap; ``import nnteach`` never imports it. To add a widget, add its names to
``_LAZY`` (name -> module).
"""

from __future__ import annotations

import importlib

_LAZY = {
    "XorState": "nnteach.widgets.xor_state",
    "XorVisualizer": "nnteach.widgets.xor_view",
    "PlaygroundState": "nnteach.widgets.playground_state",
    "Playground": "nnteach.widgets.playground_view",
    "ExplorerState": "nnteach.widgets.explorer_state",
    "ForwardPassExplorer": "nnteach.widgets.explorer_view",
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nnteach.widgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
