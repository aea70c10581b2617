"""Lazy package exports: names imported from their module on first use (PEP 562)."""

from __future__ import annotations

import importlib


def lazy_exports(package: str, names: dict[str, str], namespace: dict):
    """Return ``(__getattr__, __dir__)`` for a package whose names live in ``names`` (name -> module).

    The first ``package.name`` imports its module and caches the value in the package namespace,
    so importing the package itself stays cheap (no ipywidgets or matplotlib until needed).
    """

    def __getattr__(name: str):
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__():
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__
