"""``Playground``: the thin ipywidgets view over :class:`PlaygroundState` (TensorFlow Playground in Jupyter).

The view only turns control changes into ``state.configure(...)`` calls and frames into pictures.
An ``ipywidgets.Play`` ticks in the browser; every tick trains one small chunk
(``state.train_chunk()``, a few epochs) and redraws, so the kernel is free between ticks and
the pause button, the sliders and other cells stay responsive while the network learns.

CSS classes for tests and styling: the root ``nnteach-playground``; buttons ``nnteach-play``,
``nnteach-step``, ``nnteach-reset``; texts ``nnteach-loss`` and ``nnteach-message``; images
``nnteach-boundary`` and ``nnteach-neurons``.
"""

from __future__ import annotations

import html
import math
import time

import ipywidgets as W

from nnteach._validation import check_int
from nnteach.widgets._display import ShowsSummary

from nnteach.viz.boundary import NeuronFigure, PlaygroundFigure
from nnteach.widgets.playground_config import (ACTIVATIONS, BINARY_LOSSES, DATASETS, LOSS_NAMES, MAX_LAYERS,
                                               MAX_NEURONS, MULTICLASS_DATASETS)
from nnteach.widgets.playground_state import PlaygroundState

LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
OPTIMIZER_LABELS = (("SGD", "sgd"), ("SGD + momentum", "momentum"), ("Adam", "adam"))
CONFIG_CONTROLS = ("dataset", "classes", "noise", "test_fraction", "seed", "activation", "lr", "batch_size",
                   "optimizer", "loss", "epochs_per_chunk")
_SHORT = W.Layout(width="300px")
QUEUED_TICK_GAP = 0.005  # seconds


class Playground(ShowsSummary, W.VBox):
    """Train a small network on 2-D data and watch its decision boundary and losses move.

    Args:
        dataset, X, y, **config: as for :class:`PlaygroundState` (ignored if ``state`` is given).
        state: an existing PlaygroundState to show.
        interval: milliseconds between training frames while playing.

    Examples:
        >>> Playground("spiral", hidden=(8, 8), optimizer="adam", lr=0.03)
        >>> Playground(X=my_X, y=my_y)       # your own 2-D data, labels 0..k-1
    """

    def __init__(self, dataset: str = "circles", *, X=None, y=None, state: PlaygroundState | None = None,
                 interval: int = 100, **config):
        if state is not None and not isinstance(state, PlaygroundState):
            raise TypeError(f"Playground: expected state to be a PlaygroundState, got {type(state).__name__}.")
        interval = check_int(interval, "interval (milliseconds between frames)", "Playground", minimum=10)
        self.state = state if state is not None else PlaygroundState(dataset, X=X, y=y, **config)
        self._figure, self._neuron_figure = PlaygroundFigure(), NeuronFigure()
        self._busy = False
        self._last_tick_end = 0.0
        self.frames_drawn = 0
        self._build_controls()
        self.ticker = W.Play(value=0, min=0, max=10**9, interval=interval, show_repeat=False,
                             layout=W.Layout(display="none"))
        self.ticker.observe(self._on_tick, names="value")
        self.image = W.Image(format="png", layout=W.Layout(width=f"{self._figure.pixels[0]}px", max_width="100%",
                                                           align_self="flex-start"))
        self.image.add_class("nnteach-boundary")
        self.neuron_image = W.Image(format="png", layout=W.Layout(display="none", max_width="100%",
                                                                  align_self="flex-start"))
        self.neuron_image.add_class("nnteach-neurons")
        bar = W.HBox([self.play_button, self.step_button, self.reset_button, self.loss_text])
        super().__init__([W.HBox([self._data_box, self._network_box, self._training_box]), bar,
                          self.message, self.image, self.neuron_image, self.ticker])
        self.add_class("nnteach-playground")
        self._sync_controls()
        self.redraw()

    # ------------------------------------------------------------------ building
    def _build_controls(self) -> None:
        cfg, custom = self.state.config, self.state.config.dataset == "custom"
        style = {"description_width": "96px"}
        self.dataset = W.Dropdown(options=[("your data", "custom")] if custom else DATASETS, value=cfg.dataset,
                                  description="data", disabled=custom, style=style, layout=_SHORT)
        self.classes = W.IntSlider(value=cfg.classes, min=2, max=6, description="classes", style=style,
                                   layout=_SHORT, continuous_update=False)
        self.noise = W.FloatSlider(value=self.state.noise, min=0.0, max=1.0, step=0.05, description="noise",
                                   style=style, layout=_SHORT, continuous_update=False, disabled=custom)
        self.test_fraction = W.FloatSlider(value=cfg.test_fraction, min=0.1, max=0.9, step=0.05,
                                           description="test share", style=style, layout=_SHORT,
                                           continuous_update=False)
        self.seed = W.BoundedIntText(value=cfg.seed, min=0, max=10**6, description="seed", style=style,
                                     layout=W.Layout(width="170px"))
        self.add_layer = W.Button(description="+ layer", layout=W.Layout(width="80px"))
        self.remove_layer = W.Button(description="− layer", layout=W.Layout(width="80px"))
        self.add_layer.add_class("nnteach-add-layer")
        self.remove_layer.add_class("nnteach-remove-layer")
        self.add_layer.on_click(lambda _: self._configure_with(self.state.add_layer))
        self.remove_layer.on_click(lambda _: self._configure_with(self.state.remove_layer))
        self.neurons = W.VBox()
        self.activation = W.Dropdown(options=ACTIVATIONS, value=cfg.activation, description="activation",
                                     style=style, layout=_SHORT)
        self.lr = W.Dropdown(options=_lr_options(cfg.lr), value=cfg.lr, description="learning rate",
                             style=style, layout=_SHORT)
        self.batch_size = W.IntSlider(value=cfg.batch_size, min=1, max=64, description="batch size", style=style,
                                      layout=_SHORT, continuous_update=False)
        self.optimizer = W.Dropdown(options=OPTIMIZER_LABELS, value=cfg.optimizer, description="optimizer",
                                    style=style, layout=_SHORT)
        self.loss = W.Dropdown(description="loss", style=style, layout=_SHORT)
        self.epochs_per_chunk = W.IntSlider(value=cfg.epochs_per_chunk, min=1, max=20, description="epochs/frame",
                                            style=style, layout=_SHORT, continuous_update=False)
        self.show_neurons = W.Checkbox(value=False, description="show hidden neurons", indent=False)
        self.show_neurons.observe(lambda _: self.redraw(), names="value")
        for name in CONFIG_CONTROLS:  # each control sets the config field of the same name
            getattr(self, name).observe(lambda change, name=name: self._on_control(name, change["new"]), names="value")
        self._data_box = W.VBox([W.HTML("<b>Data</b>"), self.dataset, self.classes, self.noise,
                                 self.test_fraction, self.seed])
        self._network_box = W.VBox([W.HTML("<b>Network</b>"), W.HBox([self.add_layer, self.remove_layer]),
                                    self.neurons, self.activation])
        self._training_box = W.VBox([W.HTML("<b>Training</b>"), self.lr, self.optimizer, self.loss,
                                     self.batch_size, self.epochs_per_chunk, self.show_neurons])
        self.play_button = W.ToggleButton(value=False, description="Play", icon="play", tooltip="train continuously")
        self.step_button = W.Button(description="Step", icon="step-forward", tooltip="train one chunk of epochs")
        self.reset_button = W.Button(description="Reset", icon="undo", tooltip="new initial weights from the seed")
        for button, css in ((self.play_button, "nnteach-play"), (self.step_button, "nnteach-step"),
                            (self.reset_button, "nnteach-reset")):
            button.add_class(css)
        self.play_button.observe(self._on_play, names="value")
        self.step_button.on_click(lambda _: self.step())
        self.reset_button.on_click(lambda _: self.reset())
        self.loss_text = W.HTML()
        self.loss_text.add_class("nnteach-loss")
        self.message = W.HTML()
        self.message.add_class("nnteach-message")

    # ------------------------------------------------------------------ actions
    def step(self) -> None:
        """Train one chunk of epochs and redraw (the Step button)."""
        self.state.train_chunk()
        self.redraw()

    def reset(self) -> None:
        """Pause, rebuild the model from the seed, clear the curves (the Reset button)."""
        self.play_button.value = False
        self.state.reset()
        self.redraw()

    def redraw(self) -> None:
        """Show the state's current frame: images, loss text, message."""
        neurons = self.show_neurons.value
        frame = self.state.frame(neurons=neurons)
        self.image.value = self._figure.render(frame)
        png = self._neuron_figure.render(frame) if neurons else None
        if png is not None:
            self.neuron_image.value = png
        self.neuron_image.layout.display = None if png is not None else "none"
        self.loss_text.value = _loss_html(frame)
        self.message.value = (f'<div style="color:#b00020;font-weight:bold">{html.escape(frame.message)}</div>'
                              if frame.diverged else "")
        if frame.diverged:
            self.play_button.value = False
        self.frames_drawn += 1

    def _on_tick(self, change) -> None:
        # Ticks come from the browser at a fixed rate, whether the kernel keeps up or not. A tick
        # handled within a few ms of the previous frame's end waited in the queue during that frame:
        # dropping it keeps the queue empty on a slow machine, so Pause and the sliders stay prompt.
        if self._busy or time.perf_counter() - self._last_tick_end < QUEUED_TICK_GAP:
            return
        self._busy = True
        try:
            self.step()
        finally:
            self._busy = False
            self._last_tick_end = time.perf_counter()

    def _on_play(self, change) -> None:
        playing = change["new"]
        if playing and self.state.diverged:
            self.play_button.value = False
            return
        self.play_button.description, self.play_button.icon = ("Pause", "pause") if playing else ("Play", "play")
        self.ticker.playing = playing

    def _on_control(self, name: str, value) -> None:
        if isinstance(value, float):
            value = round(value, 9)  # the browser's slider snapping adds float noise (0.1 -> 0.10000000000000002)
        current = self.state.noise if name == "noise" else getattr(self.state.config, name)
        if not self._syncing and value != current:
            self._configure_with(self.state.configure, **{name: value})

    def _on_neurons(self, change) -> None:
        if not self._syncing:
            layer = self.neurons.children.index(change["owner"])
            self._configure_with(self.state.set_neurons, layer, change["new"])

    def _configure_with(self, action, *args, **kwargs) -> None:
        """Apply a change to the state; show a refused change as a message instead of a traceback."""
        try:
            action(*args, **kwargs)
        except (ValueError, TypeError, IndexError) as exc:
            self.message.value = f'<div style="color:#b00020">{html.escape(str(exc))}</div>'
            self._sync_controls()
            return
        self._sync_controls()
        self.redraw()

    # ------------------------------------------------------------------ controls follow the state
    _syncing = False

    def _sync_controls(self) -> None:
        """Set every control from the state's config (without triggering the handlers)."""
        state, cfg = self.state, self.state.config
        self._syncing = True
        try:
            self.dataset.value = cfg.dataset
            self.classes.value = cfg.classes
            self.classes.disabled = cfg.dataset not in MULTICLASS_DATASETS
            self.noise.value = state.noise
            self.test_fraction.value = cfg.test_fraction
            self.seed.value = cfg.seed
            self.activation.value = cfg.activation
            self.lr.options = _lr_options(cfg.lr)
            self.lr.value = cfg.lr
            self.batch_size.value = cfg.batch_size
            self.optimizer.value = cfg.optimizer
            names = BINARY_LOSSES + ("cross_entropy",) if cfg.classes == 2 else ("cross_entropy",)
            self.loss.options = [(LOSS_NAMES[n], n) for n in names]
            self.loss.value = state.loss_name
            self.epochs_per_chunk.value = cfg.epochs_per_chunk
            self._sync_neuron_sliders(cfg.hidden)
            self.add_layer.disabled = len(cfg.hidden) >= MAX_LAYERS
            self.remove_layer.disabled = not cfg.hidden
        finally:
            self._syncing = False

    def _sync_neuron_sliders(self, hidden: tuple) -> None:
        sliders = list(self.neurons.children)
        while len(sliders) < len(hidden):
            slider = W.IntSlider(min=1, max=MAX_NEURONS, description=f"layer {len(sliders) + 1}",
                                 style={"description_width": "96px"}, layout=_SHORT, continuous_update=False)
            slider.add_class("nnteach-neurons-slider")
            slider.observe(self._on_neurons, names="value")
            sliders.append(slider)
        sliders = sliders[:len(hidden)]
        for slider, n in zip(sliders, hidden):
            slider.value = n
        if len(sliders) != len(self.neurons.children):
            self.neurons.children = sliders


def _lr_options(current: float) -> list:
    return sorted(set(LEARNING_RATES) | {current})


def _loss_html(frame) -> str:
    """``epoch 12 · loss train 0.5120 / test 0.5300 · accuracy 82% / 80%`` as HTML."""
    def fmt(v, spec):
        return "n/a" if not math.isfinite(v) else f"{v:.3g}" if abs(v) >= 1e4 else format(v, spec)

    train, test = frame.train_losses[-1], frame.test_losses[-1]
    acc_train, acc_test = frame.train_accuracy[-1], frame.test_accuracy[-1]
    status = " · <b style='color:#b00020'>diverged</b>" if frame.diverged else ""
    return (f"<span style='font-family:monospace;white-space:nowrap'>epoch {frame.epoch} · loss train "
            f"{fmt(train, '.4f')} / test {fmt(test, '.4f')} · accuracy {fmt(acc_train, '.0%')} / "
            f"{fmt(acc_test, '.0%')}{status}</span>")
