"""``XorVisualizer``: watch a 2-H-1 network learn XOR, one traced event at a time.

A thin ipywidgets view over :class:`~nnteach.widgets.xor_state.XorState`: every handler calls one
state method and then :meth:`XorVisualizer.render`, which draws the state's current frame. The
view computes nothing; the diagram is SVG text (:func:`nnteach.viz.network.frame_svg`) and the
plots are re-rendered only when their numbers change (:mod:`nnteach.viz.xor_plots`).

Examples:
    >>> from nnteach.widgets import XorVisualizer
    >>> viz = XorVisualizer.classic()          # the worked example of the course
    >>> viz                                    # shows the widget; ▶ steps through a real training step
    >>> viz.next_button.click(); print(viz)    # the same, from code: a deterministic text summary
"""

from __future__ import annotations

import inspect
from html import escape

import ipywidgets as W

from nnteach.widgets._display import ShowsSummary

from nnteach.viz.network import GRADIENT, frame_svg
from nnteach.widgets.xor_frame import Frame
from nnteach.widgets.xor_state import GRANULARITIES, XorState

_PHASE_COLORS = {"input": "#4a5568", "forward": "#2b6cb0", "loss": "#dd6b20", "backward": GRADIENT,
                 "update": "#2f855a"}


def details_html(frame: Frame) -> str:
    """The explanation panel: ``trace.explain``'s title and lines up to this event, its own lines marked."""
    shown = range(max(frame.current_lines) + 1)
    rows = []
    for i in shown:
        style = "background:#fefcbf; font-weight:bold" if i in frame.current_lines else "color:#4a5568"
        rows.append(f'<div class="nnteach-line{" nnteach-current" if i in frame.current_lines else ""}" '
                    f'style="{style}; padding:0 4px">{frame.lines_html[i]}</div>')
    return (f'<div class="nnteach-explain" style="font-family:monospace; line-height:1.6; font-size:13px">'
            f'<div style="color:#2d3748"><b>{escape(frame.title)}</b></div>{"".join(rows)}</div>')


def phase_html(frame: Frame) -> str:
    color = _PHASE_COLORS[frame.phase]
    return (f'<span style="background:{color}; color:white; padding:2px 10px; border-radius:10px; '
            f'font-weight:bold">{frame.phase}</span>')


def truth_label(frame: Frame, row: int, x, y) -> str:
    """One truth-table row: ``x = (0, 1)   y = 1   ŷ = 0.970``."""
    from nnteach.tracing.notation import num

    return f"x = ({num(x[0]).text}, {num(x[1]).text})   y = {num(y).text}   ŷ = {num(frame.predictions[row]).text}"


class XorVisualizer(ShowsSummary):
    """Step through real training steps of a network learning XOR, and see every number.

    Args:
        state: an :class:`XorState` to show (default: ``XorState(**config)``).
        **config: passed to :class:`XorState` (hidden, activation, loss, lr, seed, mode, weights, ...).

    Attributes:
        state: the state object; the widgets below are public so code and tests can drive them:
        prev_button, next_button, play, speed, granularity, reset_button, epochs, train_button,
        truth_rows, param, param_value, network, details, phase, event, status, plots, message, root.
    """

    def __init__(self, state: XorState | None = None, **config):
        if state is not None and config:
            raise TypeError("XorVisualizer: pass either a state or configuration keywords, not both.")
        if state is not None and not isinstance(state, XorState):
            raise TypeError(f"XorVisualizer: expected state to be an XorState, got {type(state).__name__}.")
        valid = [name for name in inspect.signature(XorState).parameters]
        unknown = [name for name in config if name not in valid]
        if unknown:
            raise TypeError(f"XorVisualizer: unknown setting {unknown[0]!r}. Valid settings: {', '.join(valid)}.")
        self.state = state if state is not None else XorState(**config)
        self._figure = None
        self._plot_key = None
        self._syncing = False
        self._build()
        self.render()

    @classmethod
    def classic(cls, **kwargs) -> "XorVisualizer":
        """The worked example (see :meth:`XorState.classic`)."""
        return cls(XorState.classic(**kwargs))

    # ------------------------------------------------------------------ widgets
    def _build(self) -> None:
        s = self.state

        def button(text, css, tip, width="48px"):
            b = W.Button(description=text, tooltip=tip, layout=W.Layout(width=width))
            b.add_class(css)
            return b

        self.prev_button = button("◀", "nnteach-prev", "back one step of the chosen size")
        self.next_button = button("▶", "nnteach-next", "forward one step of the chosen size")
        self.play = W.Play(value=0, min=0, max=10**9, interval=700, show_repeat=False)
        self.play.add_class("nnteach-play")
        self.speed = W.IntSlider(value=700, min=50, max=2000, step=50, description="ms / step",
                                 layout=W.Layout(width="240px"))
        self.speed.add_class("nnteach-speed")
        self.granularity = W.ToggleButtons(options=list(GRANULARITIES), value=s.granularity,
                                           tooltips=["one event", "one layer", "one training step", "one epoch"],
                                           style={"button_width": "72px"})
        self.granularity.add_class("nnteach-granularity")
        self.reset_button = button("reset", "nnteach-reset", "a fresh network from the same configuration", "70px")
        self.epochs = W.BoundedIntText(value=100, min=1, max=100_000, description="epochs",
                                       layout=W.Layout(width="150px"))
        self.epochs.add_class("nnteach-epochs")
        self.train_button = button("train N epochs", "nnteach-train", "run real training steps", "120px")
        self.param = W.Dropdown(options=[(label, (name, idx)) for name, idx, label in s.parameters()],
                                description="set", layout=W.Layout(width="150px"))
        self.param.add_class("nnteach-param")
        self.param_value = W.FloatText(layout=W.Layout(width="90px"), continuous_update=False)
        self.param_value.add_class("nnteach-param-value")
        self.phase, self.event, self.status, self.message = (W.HTML() for _ in range(4))
        for w, css in ((self.phase, "nnteach-phase"), (self.event, "nnteach-event"),
                       (self.status, "nnteach-status"), (self.message, "nnteach-message")):
            w.add_class(css)
        self.network = W.HTML(layout=W.Layout(min_width="640px"))
        self.network.add_class("nnteach-network")
        self.details = W.HTML(layout=W.Layout(max_width="1100px"))
        self.details.add_class("nnteach-details")
        self.truth_rows = []
        for row in range(4):
            b = W.Button(layout=W.Layout(width="270px"), style={"font_family": "monospace"})
            b.add_class(f"nnteach-truth-row-{row}")
            b.add_class("nnteach-truth-row")
            b.on_click(lambda _, row=row: self._handle(self.state.select, row))
            self.truth_rows.append(b)
        truth_head = W.HTML("<b>Truth table</b> <small>(click a row to follow it)</small>")
        self.truth = W.VBox([truth_head, *self.truth_rows])
        self.truth.add_class("nnteach-truth")
        self.plots = W.Image(format="png", layout=W.Layout(width="756px"))
        self.plots.add_class("nnteach-plots")

        self.prev_button.on_click(lambda _: self._handle(self.state.prev))
        self.next_button.on_click(lambda _: self._handle(self.state.next))
        self.reset_button.on_click(lambda _: self._reset())
        self.train_button.on_click(lambda _: self._handle(self.state.train, self.epochs.value))
        self.play.observe(self._on_play, "value")
        self.speed.observe(lambda c: setattr(self.play, "interval", c["new"]), "value")
        self.granularity.observe(lambda c: setattr(self.state, "granularity", c["new"]), "value")
        self.param.observe(lambda _: self._sync_param(), "value")
        self.param_value.observe(self._on_param_value, "value")

        bar = W.HBox([self.prev_button, self.next_button, self.play, self.speed, self.granularity])
        tools = W.HBox([self.reset_button, self.epochs, self.train_button, self.param, self.param_value])
        status = W.HBox([self.phase, self.event, self.status], layout=W.Layout(align_items="center"))
        side = W.VBox([self.truth, self.message], layout=W.Layout(margin="0 0 0 12px", min_width="290px"))
        body = W.HBox([self.network, side])
        self.root = W.VBox([bar, tools, status, body, self.details, self.plots])
        self.root.add_class("nnteach-xor")

    # ------------------------------------------------------------------ handlers
    def _handle(self, method, *args) -> None:
        """Call one state method and redraw; an error is shown in the widget instead of lost in a log."""
        try:
            method(*args)
            self.message.value = ""
        except (ValueError, TypeError, IndexError, RuntimeError) as exc:
            self.play.playing = False
            self.message.value = f'<div style="color:#c53030; max-width:270px">{escape(str(exc))}</div>'
        self.render()

    def _on_play(self, change) -> None:
        if not self._syncing and change["new"] > change["old"]:
            self._handle(self.state.next)

    def _reset(self) -> None:
        self._syncing = True
        try:
            self.play.playing = False
            self.play.value = 0
        finally:
            self._syncing = False
        self._handle(self.state.reset)

    def _on_param_value(self, change) -> None:
        if not self._syncing:
            name, index = self.param.value
            self._handle(self.state.set_weight, name, index, change["new"])

    def _sync_param(self) -> None:
        """Show the chosen parameter's value as on screen (before the step, or after its update)."""
        name, index = self.param.value
        frame = self.state.frame()
        layer = 0 if name.startswith("0.") else 1
        values = frame.weights[layer] if name.endswith("weight") else frame.biases[layer]
        value = values[index[0]][index[1]] if name.endswith("weight") else values[index[0]]
        self._syncing = True
        try:
            self.param_value.value = value
        finally:
            self._syncing = False

    # ------------------------------------------------------------------ drawing
    @property
    def frame(self) -> Frame:
        return self.state.frame()

    def render(self) -> None:
        """Draw the state's current frame; plots only when their numbers changed."""
        s, f = self.state, self.state.frame()
        self.network.value = frame_svg(f)
        self.details.value = details_html(f)
        self.phase.value = phase_html(f)
        self.event.value = f'<span style="font-size:15px; margin:0 12px"><b>{escape(f.headline)}</b></span>'
        self.status.value = (f'<span style="color:#4a5568">step {f.step} · epoch {f.epoch} · '
                             f'event {f.event_index + 1} of {f.num_events} · mode {f.mode}</span>')
        for row, b in enumerate(self.truth_rows):
            b.description = truth_label(f, row, s.X[row], s.Y[row, 0])
            b.button_style = "info" if row == f.sample else ""
            (b.add_class if row == f.sample else b.remove_class)("nnteach-selected")
        self.prev_button.disabled = s.at_start
        self._sync_param()
        key = (s.version, f.step, f.updated, f.sample, f.loss is None)
        if key != self._plot_key:
            self._plot_key = key
            self._draw_plots(f)

    def _draw_plots(self, f: Frame) -> None:
        from nnteach.viz import xor_plots

        s = self.state
        if self._figure is None:
            self._figure = xor_plots.create_xor_figure(s.X, s.Y[:, 0])
        xor_plots.update_xor_figure(
            self._figure, losses=s.losses(upto_cursor=True), epoch_losses=s.epoch_losses(upto_cursor=True),
            steps_per_epoch=s.steps_per_epoch, step=f.step, grid=s.decision_grid(), X=s.X, selected=f.sample, hidden=f.hidden,
            hidden_plane=s.hidden_plane())
        self.plots.value = xor_plots.figure_png(self._figure)

    # ------------------------------------------------------------------ text and display
    def __repr__(self) -> str:
        return f"XorVisualizer({self.state!r})"

    def _widget_bundle(self, **kwargs) -> dict:
        return self.root._repr_mimebundle_(**kwargs)
