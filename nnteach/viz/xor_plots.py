"""The XOR visualizer's plots: loss curve, decision boundary, and the four samples in hidden space.

Pure drawing over numbers the caller computed (losses, a grid of ŷ, hidden activations): nothing
here trains or predicts. The figure is a ``matplotlib.figure.Figure`` on an Agg canvas, never a
pyplot figure, so a notebook never shows it by itself (as if built under ``plt.ioff()``) and it
works in JupyterLab without ipympl: :func:`update_xor_figure` changes the artists' data in place
(``set_data``, ``set_offsets``) and :func:`figure_png` renders the PNG an ``ipywidgets.Image`` shows.

Rendering a whole figure costs 0.1-0.3 s (mostly tick labels), too slow for a click. So the artists
that change are marked *animated*: a full draw paints only the fixed parts, which are kept as a
background, and each later frame restores that background and draws just the changing artists
(blitting), a few milliseconds. Only when an axis' limits change is the figure drawn in full again;
the loss axis grows in doublings so that happens rarely.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

ORANGE, BLUE = "#f59322", "#0877bd"  # class 0, class 1 (the colours of the Playground widget)
CMAP = LinearSegmentedColormap.from_list("nnteach_xor", ["#fbd3a6", "#ffffff", "#9cc9ea"])
LIM = (-0.5, 1.5)


@dataclass
class XorFigure:
    """The figure and the artists that change; built once by :func:`create_xor_figure`."""

    fig: Figure
    loss_line: object
    epoch_line: object
    loss_marker: object
    boundary: object
    points: object
    ring: object
    hidden_image: object
    hidden_points: object
    hidden_ring: object
    axes: tuple
    contours: list
    background: object = None
    layout: tuple = ()
    extra: list = field(default_factory=list)

    def dynamic(self) -> list:
        """The artists redrawn on every frame, in drawing order."""
        artists = [self.loss_line, self.epoch_line, self.loss_marker, self.boundary, self.points, self.ring,
                   self.hidden_image, self.hidden_points, self.hidden_ring, *self.contours]
        return sorted(artists, key=lambda a: a.get_zorder())


def create_xor_figure(X: np.ndarray, y: np.ndarray, width: float = 10.5, height: float = 3.2,
                      dpi: int = 72) -> XorFigure:
    """Three empty panels with their fixed parts (axes, titles, the four XOR points) drawn once."""
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    ax_loss, ax_xy, ax_h = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.35, 1, 1]})
    colors = [BLUE if t > 0.5 else ORANGE for t in y]
    ax_loss.set_title("loss per step", fontsize=10)
    ax_loss.set_xlabel("step", fontsize=9)
    (loss_line,) = ax_loss.plot([], [], color="#a0aec0", lw=1, label="one step")
    (epoch_line,) = ax_loss.plot([], [], color="#2d3748", lw=1.8, label="epoch mean")
    (loss_marker,) = ax_loss.plot([], [], "o", color="#dd6b20", ms=6, label="this step")
    ax_loss.legend(fontsize=8, loc="upper right")
    ax_loss.grid(alpha=0.3)

    ax_xy.set_title("ŷ over the input plane", fontsize=10)
    boundary = ax_xy.imshow(np.zeros((2, 2)), extent=(*LIM, *LIM), origin="lower", cmap=CMAP, vmin=0, vmax=1,
                            interpolation="bilinear")
    points = ax_xy.scatter(X[:, 0], X[:, 1], c=colors, s=70, edgecolors="k", zorder=3)
    (ring,) = ax_xy.plot([], [], "o", ms=17, mfc="none", mec="#d69e2e", mew=2.5, zorder=4)
    ax_xy.set_xlim(*LIM)
    ax_xy.set_ylim(*LIM)
    ax_xy.set_xlabel("x₁", fontsize=9)
    ax_xy.set_ylabel("x₂", fontsize=9)
    ax_xy.set_aspect("equal")

    ax_h.set_title("the samples in hidden space", fontsize=10)
    hidden_image = ax_h.imshow(np.zeros((2, 2)), extent=(0, 1, 0, 1), origin="lower", cmap=CMAP, vmin=0, vmax=1,
                               interpolation="bilinear")
    hidden_points = ax_h.scatter(np.zeros(len(X)), np.zeros(len(X)), c=colors, s=70, edgecolors="k", zorder=3)
    (hidden_ring,) = ax_h.plot([], [], "o", ms=17, mfc="none", mec="#d69e2e", mew=2.5, zorder=4)
    ax_h.set_xlabel("a⁽¹⁾₁", fontsize=9)
    ax_h.set_ylabel("a⁽¹⁾₂", fontsize=9)
    for ax in (ax_loss, ax_xy, ax_h):
        ax.tick_params(labelsize=8)
    fig.tight_layout(pad=0.6)
    xf = XorFigure(fig, loss_line, epoch_line, loss_marker, boundary, points, ring, hidden_image, hidden_points,
                     hidden_ring, (ax_loss, ax_xy, ax_h), [])
    for artist in xf.dynamic():
        artist.set_animated(True)
    return xf


def _nice_ceiling(v: float) -> float:
    """The next number of the form d·10ᵏ (d = 1..10) at or above v: axis limits that rarely change."""
    if not v > 0 or not math.isfinite(v):
        return 1.0
    e = 10 ** math.floor(math.log10(v))
    return math.ceil(v / e - 1e-9) * e


def update_xor_figure(xf: XorFigure, *, losses: np.ndarray, epoch_losses: np.ndarray, steps_per_epoch: int,
                      step: int, grid: np.ndarray, X: np.ndarray, selected: int, hidden: np.ndarray,
                      hidden_plane=None) -> None:
    """Put new numbers into the artists (no new axes): the loss so far, ŷ over the plane, hidden points.

    Args:
        losses: every step's loss; epoch_losses: each complete epoch's mean; step: the step shown.
        grid: ŷ on a square grid over [−0.5, 1.5]² (rows x₂, columns x₁).
        selected: the XOR row to ring; hidden: (4, H) hidden activations of the four inputs.
        hidden_plane: ``(extent, values)`` of ŷ over the hidden plane (H = 2), or None.
    """
    ax_loss, ax_xy, ax_h = xf.axes
    steps = np.arange(len(losses))
    xf.loss_line.set_data(steps, losses)
    ends = (np.arange(len(epoch_losses)) + 1) * steps_per_epoch - 1
    xf.epoch_line.set_data(ends, epoch_losses)
    if 0 <= step < len(losses):
        xf.loss_marker.set_data([step], [losses[step]])
    else:
        xf.loss_marker.set_data([], [])
    top = float(np.nanmax(losses)) if len(losses) else 0.95
    ax_loss.set_xlim(-0.5, 2 ** max(3, math.ceil(math.log2(max(len(losses), 1)))))  # grows in doublings
    ax_loss.set_ylim(0, _nice_ceiling(top * 1.05))

    for c in xf.contours:
        c.remove()
    xf.contours.clear()
    xf.boundary.set_data(grid)
    xf.boundary.set_extent((*LIM, *LIM))
    xs = np.linspace(*LIM, grid.shape[0])
    if grid.min() < 0.5 < grid.max():
        xf.contours.append(ax_xy.contour(xs, xs, grid, levels=[0.5], colors="k", linewidths=1.2))
    xf.ring.set_data([X[selected, 0]], [X[selected, 1]])

    h = np.asarray(hidden, dtype=float)
    pts = np.column_stack([h[:, 0], h[:, 1] if h.shape[1] > 1 else np.zeros(len(h))])  # (4, 2)
    xf.hidden_points.set_offsets(pts)
    xf.hidden_ring.set_data([pts[selected, 0]], [pts[selected, 1]])
    if hidden_plane is not None:
        extent, values = hidden_plane
        xf.hidden_image.set_data(values)
        xf.hidden_image.set_extent(extent)
        xf.hidden_image.set_visible(True)
        hs = np.linspace(extent[0], extent[1], values.shape[0])
        if values.min() < 0.5 < values.max():
            xf.contours.append(ax_h.contour(hs, hs, values, levels=[0.5], colors="k", linewidths=1.2))
        ax_h.set_xlim(extent[0], extent[1])
        ax_h.set_ylim(extent[2], extent[3])
    else:
        xf.hidden_image.set_visible(False)
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        pad = np.maximum(0.1 * (hi - lo), 0.1)
        ax_h.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
        ax_h.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
        ax_h.set_ylabel("a⁽¹⁾₂" if h.shape[1] > 1 else "", fontsize=9)


def figure_png(xf: XorFigure) -> bytes:
    """Render the figure now (blitting onto the kept background when the layout is unchanged) and
    return its PNG, encoded at a fast zlib level because it is re-sent on every change."""
    from PIL import Image

    for c in xf.contours:
        c.set_animated(True)
    canvas = xf.fig.canvas
    layout = tuple((ax.get_xlim(), ax.get_ylim(), ax.get_ylabel()) for ax in xf.axes)
    if xf.background is None or layout != xf.layout:
        canvas.draw()  # the fixed parts only: animated artists are skipped
        xf.background = canvas.copy_from_bbox(xf.fig.bbox)
        xf.layout = layout
    else:
        canvas.restore_region(xf.background)
    for artist in xf.dynamic():
        if artist.get_visible():
            xf.fig.draw_artist(artist)
    buf = io.BytesIO()
    Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).save(
        buf, format="png", compress_level=1)
    return buf.getvalue()
