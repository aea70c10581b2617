"""Drawing decision boundaries, loss curves and hidden-neuron heatmaps, fast enough to animate.

Pure drawing: these functions take arrays (a :class:`~nnteach.widgets.playground_state.PlaygroundFrame`
or plain NumPy) and return matplotlib artists or PNG bytes; they never train or predict. The grid
values come from :func:`nnteach.plotting.decision_grid` in the caller.

Figures are ``matplotlib.figure.Figure`` objects on an Agg canvas, never pyplot figures, so they
are never shown by themselves in a notebook (the same effect as building them under
``plt.ioff()``) and a widget can show their PNG in an ``ipywidgets.Image``. To reach 20+ frames a
second, :class:`PlaygroundFigure` draws its axes, ticks and labels once and afterwards only
redraws the artists that change (blitting), re-encoding one PNG per frame.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap, ListedColormap, Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

# Class 0 orange, class 1 blue, as in TensorFlow Playground; the background is a paler version.
ORANGE, BLUE = "#f59322", "#0877bd"
BINARY_CMAP = LinearSegmentedColormap.from_list("nnteach_binary", [ORANGE, "#ffffff", BLUE])
CLASS_COLORS = [ORANGE, BLUE, "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


def _pale(color, amount: float = 0.55):
    """The colour mixed with white (amount 0 = unchanged, 1 = white): backgrounds under the points."""
    return tuple(c + (1.0 - c) * amount for c in to_rgb(color))


def class_colormaps(classes: int):
    """``(point_cmap, background_cmap, norm)`` for 2 classes (a probability) or more (class indices)."""
    if classes == 2:
        pale = LinearSegmentedColormap.from_list("nnteach_binary_pale", [_pale(ORANGE), "#ffffff", _pale(BLUE)])
        return BINARY_CMAP, pale, Normalize(0.0, 1.0)
    colors = [CLASS_COLORS[k % len(CLASS_COLORS)] for k in range(classes)]
    return (ListedColormap(colors), ListedColormap([_pale(c) for c in colors]),
            Normalize(-0.5, classes - 0.5))


def draw_boundary(ax, xx: np.ndarray, yy: np.ndarray, values: np.ndarray, classes: int):
    """Colour the plane by ``values`` on the grid ``xx, yy`` (from ``decision_grid``); returns the image."""
    _, pale, norm = class_colormaps(classes)
    extent = (xx.min(), xx.max(), yy.min(), yy.max())
    interpolation = "bilinear" if classes == 2 else "nearest"  # class indices must not blend
    return ax.imshow(values, extent=extent, origin="lower", cmap=pale, norm=norm, interpolation=interpolation,
                     aspect="auto")


def draw_points(ax, X: np.ndarray, y: np.ndarray, classes: int, test: bool = False):
    """The data points coloured by class: train points with a white edge, test points with a black one."""
    cmap, _, norm = class_colormaps(classes)
    colour_value = y.astype(float)  # binary: 0 and 1 are the ends of the colormap
    return ax.scatter(X[:, 0], X[:, 1], c=colour_value, cmap=cmap, norm=norm, s=22 if test else 18,
                      edgecolors="black" if test else "white", linewidths=0.9 if test else 0.6,
                      label="test" if test else "train", zorder=3)


def loss_limits(train: np.ndarray, test: np.ndarray) -> tuple[tuple, tuple]:
    """Axis limits for the loss curves that change rarely: x doubles, y snaps to powers of ten.

    Stable limits are what make blitting pay: ticks are redrawn only when a limit changes.
    """
    n = max(len(train), 1)
    xmax = 50
    while xmax < n:
        xmax *= 2
    values = np.concatenate([train, test])
    values = values[np.isfinite(values) & (values > 0)]
    if len(values) == 0:
        return (0, xmax), (1e-3, 1.0)
    lo = 10.0 ** np.floor(np.log10(values.min()))
    hi = min(10.0 ** np.ceil(np.log10(values.max())), 1e3)  # a diverging loss leaves through the top
    return (0, xmax), (min(lo, hi / 10), hi)


def neuron_mosaic(hidden, activation: str, gap: int = 4) -> np.ndarray:
    """Every hidden neuron's map in one array: a row per layer, a tile per neuron, NaN between tiles.

    Args:
        hidden: one (neurons, R, R) array per hidden layer.
        activation: the hidden activation; tanh maps [-1, 1] and sigmoid [0, 1] to the colour
            range, other activations are scaled per layer by their largest magnitude.
        gap: pixels of NaN (drawn blank) between tiles.

    Returns:
        (layers·(R+gap), widest·(R+gap)) values in [0, 1], 0.5 meaning an output of zero
        (sigmoid: 0.5).
    """
    if not hidden:
        return np.full((1, 1), np.nan)
    r = hidden[0].shape[-1]
    widest = max(len(h) for h in hidden)
    step = r + gap
    mosaic = np.full((len(hidden) * step, widest * step), np.nan)
    for row, maps in enumerate(hidden):
        if activation == "sigmoid":
            scaled = maps
        else:
            bound = 1.0 if activation == "tanh" else max(float(np.nanmax(np.abs(maps))), 1e-12)
            scaled = 0.5 + 0.5 * maps / bound
        for col, tile in enumerate(scaled):
            top, left = row * step, col * step
            mosaic[top:top + r, left:left + r] = tile
    return mosaic[::-1]  # row 0 (first hidden layer) at the top once drawn with origin="lower"


def png_bytes(canvas: FigureCanvasAgg, compress_level: int = 1) -> bytes:
    """The canvas's current pixels as PNG (light compression: encoding speed matters more here)."""
    from PIL import Image

    width, height = canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    image = image.convert("RGB")  # the figure is opaque: a quarter less to compress
    out = io.BytesIO()
    image.save(out, format="png", compress_level=compress_level)
    return out.getvalue()


class PlaygroundFigure:
    """The Playground's main figure: boundary and points on the left, loss curves on the right.

    ``render(frame)`` returns PNG bytes. The first render, and any render after the data or the
    axis limits changed, draws everything; the others restore the saved background and redraw
    only the boundary image, the points, the curves and the texts.
    """

    def __init__(self, width: float = 8.4, height: float = 3.8, dpi: int = 80):
        self.fig = Figure(figsize=(width, height), dpi=dpi)
        self.pixels = (round(width * dpi), round(height * dpi))  # show it at this size: scaling blurs it
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax, self.loss_ax = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.15]})
        self.fig.subplots_adjust(left=0.075, right=0.98, bottom=0.13, top=0.9, wspace=0.22)
        self._key = None  # what the background was drawn for: data version, classes, limits
        self._background = None
        self._build_loss_axes()

    def _build_loss_axes(self) -> None:
        ax = self.loss_ax
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))  # 0.1, 1, 10 - not 10⁻¹
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("epoch")
        ax.set_title("loss (log scale)", fontsize=10)
        ax.grid(alpha=0.3, which="both")
        (self.train_line,) = ax.plot([], [], color="#444444", lw=1.6, label="train", animated=True)
        (self.test_line,) = ax.plot([], [], color="#d62728", lw=1.6, ls="--", label="test", animated=True)
        ax.legend(loc="upper right", fontsize=8)
        self.status = self.ax.set_title("", fontsize=10, animated=True)
        self.warning = self.ax.text(0.5, 0.5, "", transform=self.ax.transAxes, ha="center", va="center",
                                    fontsize=13, color="#b00020", weight="bold", animated=True, zorder=5,
                                    bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "#b00020"})
        self.image = None
        self.points = ()

    def _rebuild_data(self, frame) -> None:
        """New data or classes: new image and points (they are drawn every frame, so animated)."""
        ax = self.ax
        for artist in (self.image, *self.points):
            if artist is not None:
                artist.remove()
        self.image = draw_boundary(ax, frame.xx, frame.yy, frame.values, frame.classes)
        self.points = (draw_points(ax, frame.X_train, frame.y_train, frame.classes),
                       draw_points(ax, frame.X_test, frame.y_test, frame.classes, test=True))
        for artist in (self.image, *self.points):
            artist.set_animated(True)
        ax.set_xlim(frame.xx.min(), frame.xx.max())
        ax.set_ylim(frame.yy.min(), frame.yy.max())
        ax.set_xlabel("x₁", labelpad=1)
        ax.set_ylabel("x₂", labelpad=1)

    def render(self, frame) -> bytes:
        """Draw ``frame`` (a PlaygroundFrame) and return the figure as PNG bytes."""
        train, test = frame.train_losses, frame.test_losses
        xlim, ylim = loss_limits(train, test)
        key = (frame.data_version, frame.classes, xlim, ylim)
        if self.image is None or key[:2] != (self._key or (None, None))[:2]:
            self._rebuild_data(frame)
        epochs = np.arange(len(train))
        # Agg draws nothing for a segment to 1e250: a diverging curve is cut just above the top instead.
        self.train_line.set_data(epochs, np.clip(np.where(np.isfinite(train), train, np.inf), None, 10 * ylim[1]))
        self.test_line.set_data(epochs, np.clip(np.where(np.isfinite(test), test, np.inf), None, 10 * ylim[1]))
        self.image.set_data(frame.values)
        self.status.set_text(f"epoch {frame.epoch}")
        self.warning.set_text("diverged: lower the learning rate\nand press reset" if frame.diverged else "")
        self.warning.set_visible(frame.diverged)
        if key != self._key:
            self.loss_ax.set_xlim(*xlim)
            self.loss_ax.set_ylim(*ylim)
            self.canvas.draw()  # everything not animated: axes, ticks, labels, legend
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
            self._key = key
        else:
            self.canvas.restore_region(self._background)
        for artist in (self.image, *self.points, self.status, self.warning):
            self.ax.draw_artist(artist)
        self.loss_ax.draw_artist(self.train_line)
        self.loss_ax.draw_artist(self.test_line)
        return png_bytes(self.canvas)


class NeuronFigure:
    """Small heatmaps of every hidden neuron's output over the plane, as one mosaic image."""

    def __init__(self, dpi: int = 80):
        self.dpi = dpi
        self._shape = None

    def _build(self, frame, shape) -> None:
        rows, cols = len(frame.hidden), max(len(h) for h in frame.hidden)
        width = min(1.0 + 0.62 * cols, 10.5)
        self.fig = Figure(figsize=(width, 0.35 + 0.62 * rows), dpi=self.dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_axes((0.9 / width, 0.02, 1 - 1.0 / width, 0.9))
        self.ax.set_axis_off()
        self.image = self.ax.imshow(np.zeros(shape), cmap=BINARY_CMAP, vmin=0, vmax=1, origin="lower",
                                    interpolation="nearest", aspect="equal")
        step = shape[0] / rows
        for row, maps in enumerate(frame.hidden):
            self.ax.text(-2, shape[0] - (row + 0.5) * step, f"hidden {row + 1}", ha="right", va="center",
                         fontsize=8)
        self.fig.suptitle(f"each hidden neuron's output ({frame.hidden_activation}) over the plane",
                          fontsize=9, y=0.99)

    def render(self, frame) -> bytes | None:
        """PNG of the neuron mosaic, or None when the network has no hidden layer."""
        if not frame.hidden:
            return None
        mosaic = neuron_mosaic(frame.hidden, frame.hidden_activation)
        key = (mosaic.shape, frame.hidden_activation, tuple(len(h) for h in frame.hidden))
        if key != self._shape:
            self._build(frame, mosaic.shape)
            self._shape = key
        self.image.set_data(mosaic)
        self.canvas.draw()
        return png_bytes(self.canvas)
