"""``XorState``: the pure-Python state behind the XOR visualizer (no ipywidgets, no matplotlib).

It owns a real 2-H-1 network, its loss and optimizer, and a cursor over recorded training steps.
Each training step is run for real (``Trainer.train_step``: zero_grad, forward, loss, backward,
optimizer step) under :func:`nnteach.trace` as soon as the cursor enters it; the cursor then walks
over the recorded :class:`~nnteach.tracing.StepRecord` one event at a time (see
:mod:`nnteach.widgets.xor_frame`). The state never redoes the math: every number in a
:class:`Frame` is read from a trace.

Examples:
    >>> state = XorState.classic()      # the worked example: x = (0, 1), W⁽¹⁾ = [[5, 5], [5, 5]], ...
    >>> state.next().headline           # 'z⁽¹⁾₁ = 2.5'
    >>> print(state.summary())
"""

from __future__ import annotations

import math
import numbers
from collections import deque
from dataclasses import dataclass, replace

import numpy as np

import nnteach as nt
from nnteach._validation import check_choice, check_int, check_interval, check_positive
from nnteach.tracing import StepRecord
from nnteach.tracing.notation import num, sym
from nnteach.widgets.xor_config import (ACTIVATIONS, CLASSIC_WEIGHTS, GRANULARITIES, LOSSES, MAX_HIDDEN, MODES,
                                         check_row, check_weights)
from nnteach.widgets.xor_frame import Frame, build_events, build_frame, summary
from nnteach.widgets.xor_probe import Probe

_LINEAR = ("0", "2")  # the Linear of neuron layer l is module 2·l of the Sequential


@dataclass(frozen=True)
class _Kept:
    """A recorded step (its ``index`` renumbered to our step count) and the XOR rows of its batch."""

    record: StepRecord
    rows: tuple[int, ...]


class XorState:
    """A 2-H-1 network learning XOR, and a cursor over its real, traced training steps.

    Args:
        hidden: hidden neurons H, 1..8 (default 2, or read from ``weights``).
        activation: of the hidden layer: ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"leaky_relu"``,
            ``"identity"``. The output is always one sigmoid neuron, ŷ = P(x₁ XOR x₂ = 1).
        loss: ``"bce"`` (binary cross-entropy, default) or ``"mse"``.
        lr: the SGD learning rate η (> 0).
        seed: seeds the initial weights (xavier), so ``reset()`` repeats exactly.
        mode: ``"sample"`` (one XOR row per step, rows in turn) or ``"batch"`` (all four per step).
        weights: hand-set initial parameters by name, e.g. ``{"0.weight": [[5, 5], [5, 5]], ...}``.
        first_sample: the XOR row (0..3) of the first step in sample mode, the row shown in batch mode.
        window: how many recorded steps are kept for ◀ (the trace's ``keep_last``).
        granularity: how far ▶ / ◀ move: ``"event"``, ``"layer"``, ``"sample"`` or ``"epoch"``.

    Stepping: ``next()`` / ``prev()`` move to the next / previous *stop* of the granularity: every
    event; the last event of each (phase, layer) group; the last event of each step; the last event
    of each epoch's last step (``steps_per_epoch``: 4 in sample mode, 1 in batch mode). Past the
    newest recorded step, ``next()`` runs a new real step. ``prev()`` stops at the oldest kept event.
    """

    def __init__(self, hidden: int | None = None, activation: str = "sigmoid", loss: str = "bce", lr: float = 0.5,
                 seed: int = 0, mode: str = "sample", weights: dict | None = None, first_sample: int = 0,
                 window: int = 200, granularity: str = "event"):
        who = "XorState"
        checked = None if weights is None else check_weights(weights)
        if hidden is None:
            hidden = checked["0.weight"].shape[0] if checked is not None and "0.weight" in checked else 2
        self.hidden = check_int(hidden, "hidden (the number of hidden neurons)", who)
        if self.hidden > MAX_HIDDEN:
            raise ValueError(f"{who}: expected hidden <= {MAX_HIDDEN} (the diagram must stay readable), got {hidden}.")
        self.activation = check_choice(activation, ACTIVATIONS, "activation", who)
        self.loss = check_choice(loss, LOSSES, "loss", who)
        self.lr = check_positive(lr, "lr (learning rate)", who)
        self.seed = check_int(seed, "seed", who, minimum=0)
        self.mode = check_choice(mode, MODES, "mode", who)
        self.first_sample = check_row(first_sample, "first_sample")
        self.window = check_int(window, "window", who)
        self.granularity = granularity
        self.initial_weights = checked
        data = nt.data.xor()
        self.X = data.X  # (4, 2)
        self.Y = data.y.astype(np.float64).reshape(-1, 1)  # (4, 1)
        self._events = build_events((self.hidden, 1))
        self._reveal = {(ev.layer, ev.neuron, ev.quantity): i for i, ev in enumerate(self._events)}
        self._group_end = {ev.group: i for i, ev in enumerate(self._events)}
        self.reset()

    @classmethod
    def classic(cls, **kwargs) -> "XorState":
        """The course's worked example: hand-set weights, sigmoid, BCE, η = 0.1, first sample x = (0, 1).

        Its weights are for 2 hidden neurons; other widths need ``XorState(hidden=...)`` or your own
        ``weights=...``.
        """
        hidden = kwargs.get("hidden")
        if ("weights" not in kwargs and isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool)
                and 1 <= hidden <= MAX_HIDDEN and hidden != 2):  # out of range: __init__ says so
            raise ValueError(
                f"XorState.classic: the worked example's weights are for 2 hidden neurons "
                f"(W⁽¹⁾ = [[5, 5], [5, 5]] is 2×2), got hidden={hidden}. For {hidden} hidden neurons use "
                f"XorState(hidden={hidden}, lr=0.1, first_sample=1) (seeded random weights), or pass "
                f"weights=... with {hidden} rows in '0.weight'.")
        config = dict(weights=CLASSIC_WEIGHTS, activation="sigmoid", loss="bce", lr=0.1, first_sample=1)
        config.update(kwargs)
        return cls(**config)

    @property
    def granularity(self) -> str:
        return self._granularity

    @granularity.setter
    def granularity(self, value: str) -> None:
        self._granularity = check_choice(value, GRANULARITIES, "granularity", "XorState")

    @property
    def steps_per_epoch(self) -> int:
        return 4 if self.mode == "sample" else 1

    # ------------------------------------------------------------------ life cycle
    def reset(self) -> Frame:
        """A fresh network from the configuration (same seed, same weights), its first step recorded."""
        self.model = self._build_model()
        if self.initial_weights is not None:
            self.model.load_state_dict(self.initial_weights)
        self.loss_fn = LOSSES[self.loss]()
        self.optimizer = nt.SGD(self.model.parameters(), lr=self.lr)
        self.trainer = nt.Trainer(self.model, self.loss_fn, self.optimizer)
        self._probe = Probe(self._build_model(), self.X, self.activation)  # the network as on screen
        self._steps: deque[_Kept] = deque(maxlen=self.window)
        self._losses: list[float] = []
        self._num_steps = 0
        self._selected = self.first_sample
        self._version = 0
        self._cache: dict = {}
        self.trace = None
        self._run([self._rows_for(self.first_sample)])
        self._k, self._e = len(self._steps) - 1, 0
        return self.frame()

    def _build_model(self) -> nt.Sequential:
        rng = np.random.default_rng(self.seed)
        return nt.Sequential(nt.Linear(2, self.hidden, rng=rng), ACTIVATIONS[self.activation](),
                             nt.Linear(self.hidden, 1, rng=rng), nt.Sigmoid())

    def _rows_for(self, row: int) -> tuple[int, ...]:
        return (row,) if self.mode == "sample" else (0, 1, 2, 3)

    def _run(self, batches: list[tuple[int, ...]]) -> None:
        """Run one real training step per batch under one trace; keep the records and losses."""
        base, done = self._num_steps, 0
        tr = nt.trace(self.model, keep_last=self.window)
        try:
            with tr:
                for rows in batches:
                    idx = list(rows)
                    self.trainer.train_step(self.X[idx], self.Y[idx])  # the real step, exactly as Trainer.fit
                    done += 1
        except nt.TrainingDiverged as exc:
            raise nt.TrainingDiverged(
                f"XorState: the loss became {exc.args[0]} at step {base + done}: training diverged. The learning "
                f"rate ({self.lr:g}) is probably too large: try {self.lr / 10:g}, then reset().") from None
        finally:
            self.trace = tr
            self._losses.extend(tr.losses[:done].tolist())
            for rec in tr.steps:
                if rec.index < done:
                    self._steps.append(_Kept(replace(rec, index=base + rec.index), batches[rec.index]))
            self._num_steps += done
            self._version += 1
            self._cache.clear()
            self._probe.clear()

    def _replay_newest(self, rows: tuple[int, ...], edit=None) -> None:
        """Replace the newest step: restore the weights it started from, apply ``edit``, run it again."""
        kept = self._steps.pop()
        self._losses.pop()
        self._num_steps -= 1
        self.model.load_state_dict(self._state_dict(kept.record, after=False))
        if edit is not None:
            name, index, value = edit
            dict(self.model.named_parameters())[name].data[index] = value
        self._run([rows])

    def _state_dict(self, record: StepRecord, after: bool) -> dict:
        """The parameters a record shows, by name: before its step, or after the optimizer's update."""
        out = {}
        for prefix, rec in zip(_LINEAR, record.layers):
            out[f"{prefix}.weight"] = rec.weight_after if after else rec.weight
            out[f"{prefix}.bias"] = rec.bias_after if after else rec.bias
        return out

    # ------------------------------------------------------------------ the cursor
    @property
    def _last(self) -> int:
        return len(self._events) - 1

    def _advance(self) -> None:
        if self._e < self._last:
            self._e += 1
        elif self._k < len(self._steps) - 1:
            self._k, self._e = self._k + 1, 0
        else:  # past the newest record: run the next real step
            newest = self._steps[-1]
            self._run([self._rows_for((newest.rows[0] + 1) % 4)])
            self._k, self._e = len(self._steps) - 1, 0

    def _retreat(self) -> bool:
        if self._e > 0:
            self._e -= 1
        elif self._k > 0:
            self._k, self._e = self._k - 1, self._last
        else:
            return False
        return True

    def _is_stop(self, granularity: str) -> bool:
        e = self._e
        if granularity == "event":
            return True
        if granularity == "layer":
            return self._group_end[self._events[e].group] == e
        if e != self._last:
            return False
        return granularity == "sample" or (self._steps[self._k].record.index + 1) % self.steps_per_epoch == 0

    def next(self, granularity: str | None = None) -> Frame:
        """Move to the next stop of ``granularity`` (default: ``self.granularity``); returns the frame."""
        g = self.granularity if granularity is None else check_choice(granularity, GRANULARITIES, "granularity",
                                                                      "XorState.next")
        self._advance()
        while not self._is_stop(g):
            self._advance()
        return self.frame()

    def prev(self, granularity: str | None = None) -> Frame:
        """Move to the previous stop of ``granularity``, or to the oldest kept event; returns the frame."""
        g = self.granularity if granularity is None else check_choice(granularity, GRANULARITIES, "granularity",
                                                                      "XorState.prev")
        moved = self._retreat()
        while moved and not self._is_stop(g):
            moved = self._retreat()
        return self.frame()

    @property
    def at_start(self) -> bool:
        """True at the oldest kept event, where ◀ cannot go further."""
        return self._k == 0 and self._e == 0

    def select(self, row: int) -> Frame:
        """Choose the XOR row to follow.

        Batch mode: show that row's numbers (the step covers all four). Sample mode: if the newest
        step is complete (cursor on its last event) a new step starts on that row; otherwise the
        newest step is run again on that row from the weights it started with, at the same event.
        Either way the next steps continue with the rows after it.
        """
        row = check_row(row, "row", "XorState.select")
        self._selected = row
        if self.mode == "sample":
            at_end = self._e == self._last
            self._k = len(self._steps) - 1
            if at_end:
                self._run([(row,)])
                self._k, self._e = len(self._steps) - 1, 0
            else:
                self._replay_newest((row,))
        return self.frame()

    def set_weight(self, name: str, index, value: float) -> Frame:
        """Set one weight or bias by hand, as the value going into the newest step, and run that step again.

        Args:
            name: ``"0.weight"``, ``"0.bias"``, ``"2.weight"`` or ``"2.bias"`` (see :meth:`parameters`).
            index: ``(neuron, input)`` for a weight, ``neuron`` (or ``(neuron,)``) for a bias.
            value: the new value.

        The cursor moves to the newest step and stays at its event, so every downstream z, a, ŷ,
        loss and gradient changes at once; from the update events it moves back to the loss event,
        where the diagram shows the value you typed.
        """
        params = dict(self.model.named_parameters())
        if name not in params:
            raise ValueError(f"XorState.set_weight: unknown parameter {name!r}. Valid names: {list(params)}.")
        if isinstance(index, numbers.Integral):
            index = (index,)
        elif isinstance(index, (tuple, list)):
            index = tuple(index)
        else:
            raise TypeError(f"XorState.set_weight: expected index (neuron, input) for a weight or neuron for a bias, "
                            f"got {type(index).__name__} {index!r}. The value comes third: set_weight(name, index, value).")
        shape = params[name].shape
        if len(index) != len(shape) or not all(isinstance(i, numbers.Integral) and 0 <= i < n
                                               for i, n in zip(index, shape)):
            raise IndexError(f"XorState.set_weight: index {index} does not exist in {name!r} of shape {shape}.")
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ValueError(f"XorState.set_weight: expected a finite number for {name}{list(index)}, got {value!r}.")
        self._k = len(self._steps) - 1
        if self._events[self._e].phase == "update":
            self._e = self._reveal[(None, None, "L")]
        self._replay_newest(self._steps[-1].rows, edit=(name, index, float(value)))
        return self.frame()

    def parameters(self) -> list[tuple[str, tuple[int, ...], str]]:
        """Every settable number: ``(name, index, label)``, e.g. ``("0.weight", (0, 1), "w⁽¹⁾₁₂")``."""
        out = []
        for layer, prefix in enumerate(_LINEAR):
            W = dict(self.model.named_parameters())[f"{prefix}.weight"]
            for j in range(W.shape[0]):
                for i in range(W.shape[1]):
                    out.append((f"{prefix}.weight", (j, i), sym("w", layer + 1, j + 1, i + 1).text))
                out.append((f"{prefix}.bias", (j,), sym("b", layer + 1, j + 1).text))
        return out

    def train(self, epochs: int) -> Frame:
        """Run ``epochs`` real epochs of training steps (traced, keeping the last ``window``); the
        cursor moves to the end of the newest step."""
        epochs = check_int(epochs, "epochs", "XorState.train")
        row = (self._steps[-1].rows[0] + 1) % 4
        self._run([self._rows_for((row + i) % 4) for i in range(epochs * self.steps_per_epoch)])
        self._k, self._e = len(self._steps) - 1, self._last
        return self.frame()

    # ------------------------------------------------------------------ reading
    @property
    def num_steps(self) -> int:
        """How many training steps have been run (and count) since the last reset."""
        return self._num_steps

    @property
    def kept_steps(self) -> int:
        """How many recorded steps ◀ can walk back over (at most ``window``)."""
        return len(self._steps)

    @property
    def version(self) -> int:
        """Grows whenever steps are run or replaced: a view redraws its plots when it changes."""
        return self._version

    def losses(self, upto_cursor: bool = False) -> np.ndarray:
        """The loss of every step since the last reset (one sample's loss per step in sample mode).

        With ``upto_cursor``, the newest step's loss is left out until the cursor reaches its loss event,
        so a loss curve never shows a number the step has not computed yet on screen.
        """
        n = len(self._losses)
        if upto_cursor and self._k == len(self._steps) - 1 and self._e < self._reveal[(None, None, "L")]:
            n -= 1
        return np.array(self._losses[:n])

    def epoch_losses(self, upto_cursor: bool = False) -> np.ndarray:
        """The mean step loss of every complete epoch, as ``Trainer.fit`` reports it (``upto_cursor``:
        as in :meth:`losses`)."""
        losses, spe = self.losses(upto_cursor), self.steps_per_epoch
        n = len(losses) // spe
        return losses[: n * spe].reshape(n, spe).mean(axis=1)

    def _position(self):
        kept = self._steps[self._k]
        ev = self._events[self._e]
        s = kept.rows.index(self._selected) if self.mode == "batch" else 0
        return kept, ev, s

    def _shown(self) -> tuple[tuple, dict]:
        """A key naming the weights on screen, and those weights: before the step, or after its update."""
        kept, ev, _ = self._position()
        after = ev.phase == "update"
        return (kept.record.index, after, self._version), self._state_dict(kept.record, after)

    def _predictions(self) -> tuple[tuple, tuple]:
        """ŷ and hidden a of the four XOR inputs with the weights on screen, from a traced forward pass."""
        return self._probe.predictions(*self._shown())

    def decision_grid(self, resolution: int = 41, lim: tuple[float, float] = (-0.5, 1.5)) -> np.ndarray:
        """ŷ on a ``resolution`` × ``resolution`` grid over ``lim``² (rows: x₂, columns: x₁), with the
        weights on screen (``Sequential.predict``, eval mode, not a training step)."""
        resolution = check_int(resolution, "resolution", "XorState.decision_grid", minimum=2)
        low, high = check_interval(lim, "lim", "XorState.decision_grid")
        return self._probe.decision_grid(*self._shown(), resolution, (low, high))

    def hidden_plane(self, resolution: int = 41):
        """For H = 2: the output ŷ over the hidden plane (a⁽¹⁾₁, a⁽¹⁾₂), as ``(extent, values)`` with
        extent ``(left, right, bottom, top)``; None for other H. The line ŷ = 0.5 in it is the output
        neuron's boundary: where it separates the four hidden points, XOR has become linearly separable."""
        return self._probe.hidden_plane(*self._shown(), resolution) if self.hidden == 2 else None

    def frame(self) -> Frame:
        """What is on screen at the cursor (cached until the cursor or the model changes)."""
        key = ("frame", self._k, self._e, self._selected, self._version)
        if key not in self._cache:
            if len(self._cache) > 256:  # walking back and forth over a long window: keep memory bounded
                self._cache.clear()
            kept, _, s = self._position()
            predictions, hidden = self._predictions()
            self._cache[key] = build_frame(
                kept.record, kept.rows, s, self._events, self._e, self._reveal, mode=self.mode,
                steps_per_epoch=self.steps_per_epoch, predictions=predictions, hidden=hidden,
                explain=self.trace.explain)
        return self._cache[key]

    def summary(self) -> str:
        """A deterministic text of the current moment, for notebooks checked by nbval."""
        return summary(self.frame(), self.describe(), self.X, self.Y[:, 0])

    def describe(self) -> str:
        """The configuration in one line, e.g. ``XOR network 2-2-1 (sigmoid hidden, sigmoid output) · BCE loss ...``."""
        return (f"XOR network 2-{self.hidden}-1 ({self.activation} hidden, sigmoid output) · "
                f"{self.loss.upper()} loss · SGD η = {num(self.lr).text} · mode {self.mode} · seed {self.seed}")

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (f"XorState(hidden={self.hidden}, activation={self.activation!r}, loss={self.loss!r}, lr={self.lr:g}, "
                f"mode={self.mode!r}, step={self.frame().step}, event={self._e + 1}/{len(self._events)})")
