"""Pure drawing functions over nnteach results (needs matplotlib, imported only by this module).

Nothing in the model or trainer plots: they return numbers, these functions draw them.
"""

from __future__ import annotations

import numpy as np


def plot_history(history, ax=None, keys=None):
    """Plot per-epoch metrics of a :class:`nnteach.History` (losses on one axes); returns the Axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    keys = keys or [k for k in history.keys() if "loss" in k] or list(history.keys())
    for key in keys:
        ax.plot(history.epoch, history[key], label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("value")
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def decision_grid(predict, xlim=(-1.5, 1.5), ylim=(-1.5, 1.5), resolution: int = 100):
    """Evaluate ``predict`` on a grid: returns ``(xx, yy, values)`` with values shaped like xx.

    ``predict`` maps an (M, 2) array to (M,) or (M, k) outputs; for k > 1 the argmax is taken.
    """
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    xx, yy = np.meshgrid(xs, ys)
    out = np.asarray(predict(np.column_stack([xx.ravel(), yy.ravel()])))
    if out.ndim == 2 and out.shape[1] > 1:
        out = out.argmax(axis=1)
    return xx, yy, out.reshape(xx.shape)


def plot_decision_boundary(predict, X, y, ax=None, resolution: int = 100, margin: float = 0.5):
    """Colour the plane by the model's output and draw the data points on top; returns the Axes."""
    import matplotlib.pyplot as plt

    X = np.asarray(X)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    xlim = (X[:, 0].min() - margin, X[:, 0].max() + margin)
    ylim = (X[:, 1].min() - margin, X[:, 1].max() + margin)
    xx, yy, values = decision_grid(predict, xlim, ylim, resolution)
    ax.contourf(xx, yy, values, levels=20, cmap="RdBu_r", alpha=0.6)
    ax.scatter(X[:, 0], X[:, 1], c=np.asarray(y).reshape(-1), cmap="RdBu_r", edgecolors="k", s=25)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.set_aspect("equal")
    return ax
