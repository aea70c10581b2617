"""``Trainer``: the training loop (mini-batches, shuffling, validation, callbacks, progress bar)."""

from __future__ import annotations

import math
import warnings

import numpy as np

from nnteach._rng import RNGLike, get_rng
from nnteach._validation import as_array, as_float_array, check_2d, check_bool, check_finite, check_int, check_same_length
from nnteach.activations import Sigmoid, Softmax
from nnteach.callbacks import Callback, History
from nnteach.layers import Dense
from nnteach.losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, Loss, MSELoss
from nnteach.model import Sequential
from nnteach.module import Module, backward_without_input_grad
from nnteach.optim import Optimizer


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite during training."""


class Trainer:
    """Trains a model with a loss and an optimizer, one mini-batch at a time.

    Each step: ``optimizer.zero_grad()``, forward, loss, ``loss_fn.backward()``,
    ``model.backward(...)``, ``optimizer.step()`` - the loop a learner writes by hand in lesson 7.

    Args:
        model: the Module to train.
        loss_fn: a Loss, e.g. ``nt.BCELoss()``.
        optimizer: an Optimizer over ``model.parameters()``.
        rng: seed or Generator for shuffling (default: the package generator, see ``nt.seed``).

    Examples:
        >>> trainer = nt.Trainer(model, nt.BCELoss(), nt.Adam(model.parameters(), lr=0.01), rng=0)
        >>> history = trainer.fit(X, y, epochs=200, batch_size=32, verbose=0)
        >>> trainer.evaluate(X, y)["accuracy"]
    """

    def __init__(self, model: Module, loss_fn: Loss, optimizer: Optimizer, rng: RNGLike = None):
        if not isinstance(model, Module):
            raise TypeError(f"Trainer: expected model to be a Module, got {type(model).__name__}.")
        if not isinstance(loss_fn, Loss):
            raise TypeError(f"Trainer: expected loss_fn to be a Loss such as nt.MSELoss(), got {type(loss_fn).__name__}.")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"Trainer: expected an Optimizer such as nt.SGD(...), got {type(optimizer).__name__}.")
        ours = {id(p) for p in model.parameters()}
        if ours and not ours & {id(p) for p in optimizer.params}:
            # typically a notebook cell that rebuilt the model after the optimizer was made: training
            # would step the old model's parameters and leave this one as it is, silently
            raise ValueError(
                f"Trainer: the optimizer holds none of this model's parameters (was it made for an earlier "
                f"model?). Create it after the model, from its parameters: {type(optimizer).__name__}(model.parameters(), ...)."
            )
        _warn_if_applied_twice(model, loss_fn)
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.rng = get_rng(rng, "Trainer")
        self.stop_training = False

    # ------------------------------------------------------------------ the loop
    def train_step(self, x: np.ndarray, y: np.ndarray) -> float:
        """One gradient step on one batch; returns the batch loss (before the update).

        Raises:
            TrainingDiverged: if the loss is NaN or infinite (the weights are then left unchanged).
        """
        x = as_float_array(x, "Trainer.train_step", "x", dtype=self.model.dtype)
        check_finite(x, "Trainer.train_step", "x")  # NaN data is not divergence: say which it is
        # A diverging run overflows before the loss check below turns it into one clear error, so
        # NumPy's overflow warnings would only be noise before it.
        with np.errstate(over="ignore", invalid="ignore"):
            return self._step(x, y)

    def _step(self, x: np.ndarray, y: np.ndarray) -> float:
        model, loss_fn, opt = self.model, self.loss_fn, self.optimizer
        opt.zero_grad()
        y_pred = model(x)
        try:
            loss = loss_fn(y_pred, y)
        except ValueError:  # e.g. BCELoss refusing NaN "probabilities": that is divergence, say so
            if not np.isfinite(y_pred).all():
                raise TrainingDiverged(float("nan")) from None
            raise
        if not math.isfinite(loss):
            raise TrainingDiverged(loss)
        backward_without_input_grad(model, loss_fn.backward())  # model.backward, minus the unused dL/dx
        opt.step()
        return loss

    def fit(self, X, y, epochs: int = 1, batch_size: int | None = None, shuffle: bool = True,
            validation_data=None, callbacks: list[Callback] | None = None, verbose: int = 1) -> History:
        """Train for ``epochs`` passes over the data; returns the per-epoch History.

        Args:
            X: inputs (N, features); y: targets (N,) or (N, outputs).
            epochs: passes over the data.
            batch_size: samples per gradient step; None means the whole set (full-batch).
            shuffle: reshuffle the samples every epoch (seeded by the Trainer's rng).
            validation_data: optional ``(X_val, y_val)`` evaluated after every epoch.
            callbacks: e.g. ``[nt.EarlyStopping(patience=10)]``.
            verbose: 1 shows a progress bar (a widget in notebooks), 0 is silent.

        Raises:
            TrainingDiverged: when the loss becomes NaN or infinite, naming the epoch and batch.
        """
        X, y = self._check_data(X, y, "Trainer.fit")
        epochs = check_int(epochs, "epochs", "Trainer.fit")
        shuffle = check_bool(shuffle, "shuffle", "Trainer.fit")
        verbose = int(verbose) if isinstance(verbose, (bool, np.bool_)) else check_int(
            verbose, "verbose (0 silent, 1 a progress bar)", "Trainer.fit", minimum=0)
        n = len(X)
        bs = n if batch_size is None else min(check_int(batch_size, "batch_size", "Trainer.fit"), n)
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("Trainer.fit: expected validation_data=(X_val, y_val).")
            X_val, y_val = self._check_data(*validation_data, "Trainer.fit (validation_data)")
        callbacks = _check_callbacks(callbacks)
        history = History()
        self.stop_training = False
        for cb in callbacks:
            cb.on_train_begin(self)
        self.model.train()
        validation = None if validation_data is None else (X_val, y_val)
        bar = _progress(epochs, verbose)
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # see train_step
                for epoch in range(epochs):
                    logs = self._epoch(X, y, bs, shuffle, callbacks, epoch, epochs)
                    if validation is not None:
                        logs.update({f"val_{k}": v for k, v in self.evaluate(*validation).items()})
                    history._append(epoch, logs)
                    for cb in callbacks:
                        cb.on_epoch_end(self, epoch, logs)
                    if bar is not None:
                        bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=False)
                        bar.update(1)
                    if self.stop_training:
                        break
        finally:
            if bar is not None:
                bar.close()
        for cb in callbacks:
            cb.on_train_end(self)
        return history

    def _epoch(self, X, y, bs: int, shuffle: bool, callbacks, epoch: int, epochs: int) -> dict[str, float]:
        """One pass over the data in mini-batches; returns the epoch's mean loss (and accuracy, or rmse for MSE)."""
        n = len(X)
        n_batches = -(-n // bs)
        count_correct = self._correct_counter()
        order = self.rng.permutation(n) if shuffle and bs < n else None  # one full batch: order is moot
        total, correct = 0.0, 0.0
        for b, start in enumerate(range(0, n, bs)):
            if order is None:
                xb, yb = X[start:start + bs], y[start:start + bs]
            else:
                idx = order[start:start + bs]
                xb, yb = X[idx], y[idx]
            try:
                loss = self._step(xb, yb)
            except TrainingDiverged as exc:
                raise self._diverged(exc.args[0], epoch, epochs, b, n_batches) from None
            total += loss * len(xb)
            if count_correct is not None:
                correct += count_correct(self.loss_fn._pred, self.loss_fn._target)
            for cb in callbacks:
                cb.on_batch_end(self, b, loss)
        if not np.isfinite(self.optimizer._data).all():  # the last update overflowed
            raise self._diverged(float("nan"), epoch, epochs, n_batches - 1, n_batches, after_update=True)
        logs = {"loss": total / n}
        if count_correct is not None:
            logs["accuracy"] = correct / n
        elif isinstance(self.loss_fn, MSELoss):
            logs["rmse"] = math.sqrt(logs["loss"])  # in the targets' own units, as evaluate() reports it
        return logs

    def _correct_counter(self):
        """For classification losses, a function counting a batch's right predictions (else None).

        It receives the prediction and the targets as the loss validated them: one-hot rows for
        cross-entropy, an (N, k) array of 0/1 for the binary losses.
        """
        loss_fn = self.loss_fn
        if isinstance(loss_fn, CrossEntropyLoss):
            return lambda p, t: np.count_nonzero(p.argmax(axis=1) == t.argmax(axis=1))
        if isinstance(loss_fn, (BCELoss, BCEWithLogitsLoss)):
            threshold = 0.5 if isinstance(loss_fn, BCELoss) else 0.0
            return lambda p, t: np.count_nonzero((p > threshold) == (t > 0.5)) / p.shape[1]
        return None

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, X, y) -> dict[str, float]:
        """Loss on (X, y) in eval mode, plus ``accuracy`` for classification and ``rmse`` for MSE."""
        X, y = self._check_data(X, y, "Trainer.evaluate")
        model = self.model
        was_training = model.training
        model.eval()
        try:
            y_pred = model(X)
        finally:
            model.train(was_training)
        # A separate loss object of the same kind: evaluating must not overwrite the values the
        # training loss cached for its backward.
        loss_fn = self._fresh_loss()
        loss = loss_fn(y_pred, y)
        result = {"loss": loss}
        count_correct = self._correct_counter()
        if count_correct is not None:
            result["accuracy"] = count_correct(loss_fn._pred, loss_fn._target) / len(y_pred)
        elif isinstance(loss_fn, MSELoss):
            result["rmse"] = math.sqrt(loss)  # the MSE is the mean of every squared error
        return result

    def predict(self, X) -> np.ndarray:
        """Model outputs for X in eval mode (probabilities after a Sigmoid, raw scores otherwise)."""
        X = as_float_array(X, "Trainer.predict", "X", dtype=self.model.dtype)
        check_2d(X, "Trainer.predict", "X", _in_features(self.model))
        check_finite(X, "Trainer.predict", "X")
        model = self.model
        was_training = model.training
        model.eval()
        try:
            return model(X)
        finally:
            model.train(was_training)

    # ------------------------------------------------------------------ helpers
    def _check_data(self, X, y, who: str) -> tuple[np.ndarray, np.ndarray]:
        model = self.model
        X = as_float_array(X, who, "X", dtype=model.dtype)
        check_2d(X, who, "X", _in_features(model))
        if len(X) == 0:
            raise ValueError(f"{who}: X has no samples (shape {X.shape}): there is nothing to train on or to score.")
        check_finite(X, who, "X")
        y = as_array(y, who, "y")  # labels keep their dtype; a ragged list is named
        if y.ndim == 0:
            raise ValueError(f"{who}: expected y with one target per sample, got a scalar.")
        check_same_length(X, y, who)
        if not isinstance(self.loss_fn, CrossEntropyLoss) or y.dtype.kind == "f":
            y = as_float_array(y, who, "y", dtype=model.dtype)
            check_finite(y, who, "y")
        out = model.output_shape((len(X), X.shape[1]))  # None for a model of your own that does not say
        if out is not None and len(out) == 2 and isinstance(out[1], int):
            if y.ndim == 1 and out[1] == 1 and not isinstance(self.loss_fn, CrossEntropyLoss):
                y = y.reshape(-1, 1)  # once here rather than in every batch
            # Validate every target once, before training, with the loss's own messages.
            self._fresh_loss()._check(np.full(out, 0.5, dtype=model.dtype), y)
        return X, y

    def _fresh_loss(self) -> Loss:
        return type(self.loss_fn).from_config(self.loss_fn.get_config())

    def _diverged(self, loss: float, epoch: int, epochs: int, batch: int, n_batches: int,
                  after_update: bool = False) -> TrainingDiverged:
        lr = getattr(self.optimizer, "lr", None)
        hint = f"The learning rate ({lr:g}) is probably too large: try {lr / 10:g}." if lr else "Try a smaller learning rate."
        what = "the weights became NaN or infinite after the update" if after_update else f"the loss became {loss}"
        return TrainingDiverged(
            f"Trainer.fit: {what} at epoch {epoch + 1} of {epochs}, batch {batch + 1} of "
            f"{n_batches}: training diverged. {hint} The weights may now hold huge values: rebuild the "
            f"model (or reload a saved one) before training again."
        )

    def __repr__(self) -> str:
        return f"Trainer(loss_fn={self.loss_fn!r}, optimizer={self.optimizer!r})"


# A loss that takes logits applies its own squashing: a model that ends in the same one squashes twice.
_APPLIED_BY_THE_LOSS = {BCEWithLogitsLoss: (Sigmoid, "σ", "nt.BCELoss()"),
                        CrossEntropyLoss: (Softmax, "softmax", None)}


def _last_module(model: Module) -> Module:
    """The module that makes the model's output: the last layer of a Sequential, the activation of a Dense."""
    while True:
        if isinstance(model, Sequential) and model.layers:
            model = model.layers[-1]
        elif isinstance(model, Dense):
            model = model.activation
        else:
            return model


def _warn_if_applied_twice(model: Module, loss_fn: Loss) -> None:
    """Warn about a model ending in a Sigmoid trained with BCEWithLogitsLoss (or a Softmax with CrossEntropyLoss):
    the loss applies σ (softmax) to what it is given, so σ(σ(z)) is compared with the targets; outputs squeezed into
    (0.5, 0.73) learn slowly or not at all, with no error."""
    squash = _APPLIED_BY_THE_LOSS.get(type(loss_fn))
    if squash is None or not isinstance(_last_module(model), squash[0]):
        return
    cls, what, instead = squash
    fix = f"remove the last {cls.__name__} (Dense(..., activation=None)) so the model outputs logits"
    fix += f", or keep it and use {instead}" if instead else f", and apply nt.{cls.__name__}() to the outputs to read probabilities"
    warnings.warn(f"Trainer: {type(loss_fn).__name__} applies {what} to the model's outputs itself, and the model already "
                  f"ends in a {cls.__name__}: {what} is applied twice, and the model learns slowly or not at all. "
                  f"To fix it, {fix}.", UserWarning, stacklevel=3)


def _check_callbacks(callbacks) -> list[Callback]:
    """``callbacks=[...]`` as a list of Callback instances, or a clear error naming what was given."""
    if callbacks is None:
        return []
    if isinstance(callbacks, (Callback, type)) or not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"Trainer.fit: expected callbacks to be a list, such as [nt.EarlyStopping()], got "
                        f"{getattr(callbacks, '__name__', type(callbacks).__name__)}. Put it in brackets.")
    for cb in callbacks:
        if isinstance(cb, type) and issubclass(cb, Callback):
            raise TypeError(f"Trainer.fit: callbacks holds the class {cb.__name__}, not a callback: create one, "
                            f"{cb.__name__}().")
        if not isinstance(cb, Callback):
            raise TypeError(f"Trainer.fit: expected every callback to be an nt.Callback (such as nt.EarlyStopping() "
                            f"or nt.LambdaCallback(on_epoch_end=...)), got {type(cb).__name__}.")
    return list(callbacks)


def _in_features(model: Module) -> int | None:
    return getattr(model, "in_features", None)


def _progress(epochs: int, verbose: int):
    if not verbose:
        return None
    from tqdm.auto import tqdm  # imported here: `import nnteach` must stay free of widget imports

    return tqdm(total=epochs, unit="epoch", desc="Training", leave=True)
