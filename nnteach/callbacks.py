"""Training callbacks and the ``History`` that ``Trainer.fit`` returns."""

from __future__ import annotations

import inspect
import math

from nnteach._validation import check_bool, check_int, check_positive


class History:
    """Per-epoch metrics of a ``fit`` call: ``history["loss"]``, ``history["val_accuracy"]``, ...

    Attributes:
        history: dict of metric name -> list with one value per epoch.
        epoch: the epoch numbers (0-based) that were run.
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def _append(self, epoch: int, logs: dict) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.history:
            raise KeyError(f"History has no metric {key!r}; it has {sorted(self.history)}.")
        return self.history[key]

    def __contains__(self, key: str) -> bool:
        return key in self.history

    def __len__(self) -> int:
        return len(self.epoch)

    def keys(self):
        return self.history.keys()

    def plot(self, ax=None):
        """Plot every metric against the epoch (needs matplotlib); returns the Axes."""
        from nnteach.plotting import plot_history

        return plot_history(self, ax=ax)

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items()) if self.epoch else "empty"
        return f"History(epochs={len(self.epoch)}, last: {last})"


class Callback:
    """Override any of these to act during ``Trainer.fit``; set ``trainer.stop_training = True`` to stop."""

    def on_train_begin(self, trainer) -> None:
        pass

    def on_batch_end(self, trainer, batch: int, loss: float) -> None:
        pass

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        pass

    def on_train_end(self, trainer) -> None:
        pass


class EarlyStopping(Callback):
    """Stop when a monitored metric has not improved for ``patience`` epochs.

    Args:
        monitor: a key of the epoch logs, e.g. ``"val_loss"`` (default), ``"loss"``, ``"val_accuracy"``.
        patience: epochs without improvement to wait before stopping.
        min_delta: the smallest change that counts as an improvement.
        mode: ``"min"`` or ``"max"``; ``"auto"`` picks max for accuracy, min otherwise.
        restore_best_weights: at the end, put back the weights of the best epoch.

    Attributes:
        best: the best value seen; ``best_epoch``; ``stopped_epoch`` (None if it never stopped).
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = True):
        if not isinstance(monitor, str):
            raise TypeError(f"EarlyStopping: expected monitor to be a metric name such as 'val_loss', got "
                            f"{type(monitor).__name__} {monitor!r}.")
        self.monitor = monitor
        self.patience = check_int(patience, "patience", "EarlyStopping", minimum=0)
        self.min_delta = check_positive(min_delta, "min_delta", "EarlyStopping", allow_zero=True)
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: expected mode 'auto', 'min' or 'max', got {mode!r}.")
        self.mode = ("max" if "acc" in monitor else "min") if mode == "auto" else mode
        self.restore_best_weights = check_bool(restore_best_weights, "restore_best_weights", "EarlyStopping")

    def on_train_begin(self, trainer) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = None
        self.stopped_epoch = None
        self._wait = 0
        self._best_state = None

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        if self.monitor not in logs:
            raise ValueError(
                f"EarlyStopping: monitor {self.monitor!r} is not among the epoch metrics {sorted(logs)}. "
                f"(Monitoring 'val_*' needs validation_data in fit.)"
            )
        value = logs[self.monitor]
        better = value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta
        if better:
            self.best, self.best_epoch, self._wait = value, epoch, 0
            if self.restore_best_weights:
                self._best_state = trainer.model.state_dict()
        else:
            self._wait += 1
            if self._wait >= self.patience:  # `patience` epochs in a row without improvement
                self.stopped_epoch = epoch
                trainer.stop_training = True

    def on_train_end(self, trainer) -> None:
        if self.restore_best_weights and self._best_state is not None:
            trainer.model.load_state_dict(self._best_state)

    def __repr__(self) -> str:
        return f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, mode={self.mode!r})"


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda trainer, epoch, logs: ...)``.

    Each function is called as the method it replaces: ``on_train_begin(trainer)``,
    ``on_batch_end(trainer, batch, loss)``, ``on_epoch_end(trainer, epoch, logs)``, ``on_train_end(trainer)``.
    """

    _SIGNATURES = {"on_train_begin": ("trainer",), "on_batch_end": ("trainer", "batch", "loss"),
                   "on_epoch_end": ("trainer", "epoch", "logs"), "on_train_end": ("trainer",)}

    def __init__(self, on_train_begin=None, on_batch_end=None, on_epoch_end=None, on_train_end=None):
        for name, fn in (("on_train_begin", on_train_begin), ("on_batch_end", on_batch_end),
                         ("on_epoch_end", on_epoch_end), ("on_train_end", on_train_end)):
            if fn is not None:
                _check_hook(fn, name, self._SIGNATURES[name])
                setattr(self, name, fn)


def _check_hook(fn, name: str, args: tuple) -> None:
    """``fn`` can be called as ``fn(*args)``: checked now, rather than failing inside ``fit`` later."""
    call = f"{name}({', '.join(args)})"
    example = f"{name}=lambda {', '.join(args)}: ..."
    if not callable(fn):
        raise TypeError(f"LambdaCallback: expected {name} to be a function called as {call}, got "
                        f"{type(fn).__name__} {fn!r}. Pass the function itself (e.g. {example}).")
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin without a readable signature: trust it
        return
    try:
        signature.bind(*args)
    except TypeError:
        label = getattr(fn, "__name__", None) or type(fn).__name__
        them = "them" if len(args) > 1 else "it"
        raise TypeError(
            f"LambdaCallback: {name} is called as {call}, with {len(args)} argument{'s' if len(args) > 1 else ''}, "
            f"but {label}{signature} cannot take {them}. Give it these parameters (e.g. {example})."
        ) from None
