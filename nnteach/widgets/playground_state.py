"""The Playground's state: data, model, training in small chunks and what one frame shows.

Plain Python over NumPy and the core (no ipywidgets, no matplotlib), so every behaviour of the
Playground is testable without a notebook. :class:`~nnteach.widgets.playground_view.Playground` is
a thin view over it: its controls call :meth:`PlaygroundState.configure`, its Play ticker calls
:meth:`PlaygroundState.train_chunk`, and it draws :meth:`PlaygroundState.frame`.

The model is ``nt.Sequential`` of ``nt.Dense`` layers built from the configuration, trained by an
``nt.Trainer``; the boundary values come from the model's own ``predict`` on a grid, and the hidden
neurons' maps from forward hooks during that same call - never from a second computation.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, replace

import numpy as np

import nnteach as nt
from nnteach import functional as F
from nnteach._validation import check_int
from nnteach.plotting import decision_grid
from nnteach.widgets.playground_config import (BINARY_LOSSES, DEFAULT_NOISE, LOSS_NAMES, MULTICLASS_DATASETS, WHO,
                                               PlaygroundConfig, build_model, check_custom, checked_settings,
                                               data_classes, make_dataset, validated)


@dataclass(frozen=True, eq=False)
class PlaygroundFrame:
    """What one frame of the Playground shows, as plain arrays.

    Attributes:
        xx, yy: (R, R) grid coordinates; values: (R, R) probability of class 1 (binary) or the
            predicted class index (several classes), NaN where the model's output is not finite.
        hidden: one (neurons, R, R) array per hidden layer: each neuron's activation on the grid
            (empty unless asked for).
        train_losses, test_losses, train_accuracy, test_accuracy: one value per epoch trained.
    """

    xx: np.ndarray
    yy: np.ndarray
    values: np.ndarray
    hidden: tuple
    classes: int
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    train_losses: np.ndarray
    test_losses: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    epoch: int
    diverged: bool
    message: str
    hidden_activation: str
    data_version: int = 0


class PlaygroundState:
    """TensorFlow-Playground-like training of a small network on 2-D data, one chunk at a time.

    Args:
        dataset: ``"xor"``, ``"circles"``, ``"moons"``, ``"spiral"`` or ``"blobs"`` (ignored when
            ``X`` and ``y`` are given).
        X, y: your own data instead: X of shape (N, 2), y class labels 0..k-1 of shape (N,).
        **config: any field of :class:`PlaygroundConfig` (hidden=(8, 8), lr=0.03, optimizer="adam"...).

    Examples:
        >>> state = PlaygroundState("xor", hidden=(4,), lr=0.3, seed=0)
        >>> state.train_chunk(epochs=50)
        >>> state.train_losses[-1] < state.train_losses[0]
        True
    """

    def __init__(self, dataset: str = "circles", *, X=None, y=None, **config):
        unknown = set(config) - set(PlaygroundConfig.__dataclass_fields__)
        if unknown:
            raise TypeError(f"{WHO}: unknown setting(s) {sorted(unknown)}. Valid settings: "
                            f"{', '.join(PlaygroundConfig.__dataclass_fields__)}.")
        self._custom = None if X is None and y is None else check_custom(X, y)
        if self._custom is not None:
            dataset = "custom"
            config.setdefault("classes", data_classes(self._custom[1]))  # another number is refused
        self.config = PlaygroundConfig()
        self.data_version = 0
        self._apply(replace(self.config, dataset=dataset, **config), rebuild_data=True)

    # ------------------------------------------------------------------ configuration
    def configure(self, **changes) -> None:
        """Change settings. Data settings rebuild the data, network settings rebuild the model (and
        reset training); ``lr``, ``batch_size``, ``optimizer`` and ``epochs_per_chunk`` keep the
        weights, so a learner can raise the learning rate mid-training and watch what happens.

        A refused change raises and leaves the state exactly as it was (settings, data, model,
        optimizer, history). With your own data (``X=..., y=...``) the classes are those of ``y``.
        """
        unknown = set(changes) - set(PlaygroundConfig.__dataclass_fields__)
        if unknown:
            raise TypeError(f"{WHO}.configure: unknown setting(s) {sorted(unknown)}.")
        old = self.config
        # Every value is checked on its own first: the comparisons below need a str, an int, a tuple.
        new = checked_settings(replace(old, **changes), custom=self._custom is not None)
        if new.dataset != old.dataset:
            if "noise" not in changes:
                new = replace(new, noise=None)  # each data set has its own noise scale
            if new.dataset not in MULTICLASS_DATASETS and "classes" not in changes:
                new = replace(new, classes=2)  # xor, circles and moons have two classes
        if "loss" not in changes and (new.classes > 2) != (old.classes > 2):
            new = replace(new, loss=None)  # the old loss does not fit the new number of classes: use the default
        data_keys = ("dataset", "noise", "n_samples", "test_fraction", "classes", "seed")
        model_keys = data_keys + ("hidden", "activation", "loss")
        def changed(key):  # noise=None means the data set's default: compare the noise in use
            if key == "noise":
                return _noise(new) != _noise(old)
            return getattr(new, key) != getattr(old, key)

        rebuild_data = any(changed(k) for k in data_keys)
        rebuild_model = any(changed(k) for k in model_keys)
        self._apply(new, rebuild_data=rebuild_data, rebuild_model=rebuild_model)

    def add_layer(self, neurons: int = 4) -> None:
        """Append a hidden layer (before the output layer); rebuilds the model."""
        self.configure(hidden=self.config.hidden + (neurons,))

    def remove_layer(self) -> None:
        """Remove the last hidden layer (none left means logistic regression); rebuilds the model."""
        if not self.config.hidden:
            raise ValueError(f"{WHO}.remove_layer: there is no hidden layer left to remove.")
        self.configure(hidden=self.config.hidden[:-1])

    def set_neurons(self, layer: int, neurons: int) -> None:
        """Set the width of hidden layer ``layer`` (0-based); rebuilds the model."""
        hidden = list(self.config.hidden)
        if isinstance(layer, bool) or not isinstance(layer, numbers.Integral) or not 0 <= layer < len(hidden):
            raise IndexError(f"{WHO}.set_neurons: hidden layer {layer} does not exist; "
                             f"valid layers are 0..{len(hidden) - 1}.")
        hidden[int(layer)] = neurons
        self.configure(hidden=tuple(hidden))

    def _apply(self, config: PlaygroundConfig, rebuild_data: bool = False, rebuild_model: bool = True) -> None:
        custom = self._custom is not None
        config = validated(config, custom=custom, classes=data_classes(self._custom[1]) if custom else None)
        old = self.config
        # Validated above; should building still fail, every attribute goes back as it was. Rebuilding
        # makes new objects (data, model, loss, trainer, history lists), so a shallow copy keeps the old
        # ones; only the optimizer swap and its lr change touch an existing object, the trainer.
        saved = dict(self.__dict__)
        trainer = saved.get("trainer")
        saved_optimizer = None if trainer is None else (trainer.optimizer, trainer.optimizer.lr)
        self.config = config
        try:
            if rebuild_data:
                self._build_data()
            if rebuild_data or rebuild_model:
                self.reset()
            else:
                self._sync_training(old)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            if saved_optimizer is not None:
                trainer.optimizer = saved_optimizer[0]
                trainer.optimizer.lr = saved_optimizer[1]
            raise

    # ------------------------------------------------------------------ data and model
    def _build_data(self) -> None:
        cfg = self.config
        data_rng, _, _ = _streams(cfg.seed)
        if self._custom is not None:
            X, y = self._custom
        else:
            X, y = make_dataset(cfg.dataset, cfg.n_samples, self.noise, cfg.classes, data_rng)
        self.X_train, self.X_test, self.y_train, self.y_test = nt.data.train_test_split(
            X, y, test_size=cfg.test_fraction, seed=data_rng, stratify=True)
        margin = 0.25 * max(np.ptp(X[:, 0]), np.ptp(X[:, 1]), 1e-3)
        self.xlim = (float(X[:, 0].min() - margin), float(X[:, 0].max() + margin))
        self.ylim = (float(X[:, 1].min() - margin), float(X[:, 1].max() + margin))
        self.data_version += 1

    def reset(self) -> None:
        """Rebuild the model from the seed (same initial weights every time) and clear the history."""
        cfg = self.config
        _, weight_rng, shuffle_rng = _streams(cfg.seed)
        self.model = build_model(cfg.hidden, cfg.activation, self.output_units, self.loss_name, weight_rng)
        self.loss_fn = {"bce": nt.BCELoss, "bce_logits": nt.BCEWithLogitsLoss, "mse": nt.MSELoss,
                        "cross_entropy": nt.CrossEntropyLoss}[self.loss_name]()
        self._eval_loss = type(self.loss_fn)()  # evaluating must not overwrite the training loss's cache
        self.trainer = nt.Trainer(self.model, self.loss_fn, self._make_optimizer(), rng=shuffle_rng)
        self.train_losses: list[float] = []
        self.test_losses: list[float] = []
        self.train_accuracy: list[float] = []
        self.test_accuracy: list[float] = []
        self.epoch = 0
        self.diverged = False
        self.message = ""
        self.diverged_detail = ""
        self._record_epoch()

    def _make_optimizer(self) -> nt.Optimizer:
        cfg, params = self.config, self.model.parameters()
        if cfg.optimizer == "adam":
            return nt.Adam(params, lr=cfg.lr)
        return nt.SGD(params, lr=cfg.lr, momentum=0.9 if cfg.optimizer == "momentum" else 0.0)

    def _sync_training(self, old: PlaygroundConfig) -> None:
        if self.config.optimizer != old.optimizer:
            self.trainer.optimizer = self._make_optimizer()  # fresh state (momentum, moments), same weights
        else:
            self.trainer.optimizer.lr = self.config.lr

    @property
    def noise(self) -> float:
        """The noise in use: the configured value, or the data set's default."""
        return _noise(self.config)

    @property
    def loss_name(self) -> str:
        cfg = self.config
        return cfg.loss or ("bce" if cfg.classes == 2 else "cross_entropy")

    @property
    def output_units(self) -> int:
        return 1 if self.loss_name in BINARY_LOSSES else self.config.classes

    @property
    def layer_sizes(self) -> tuple:
        """The widths from input to output, e.g. (2, 4, 4, 1)."""
        return (2, *self.config.hidden, self.output_units)

    # ------------------------------------------------------------------ training
    def train_chunk(self, epochs: int | None = None) -> bool:
        """Train ``epochs`` epochs (default ``epochs_per_chunk``), recording losses after each.

        Returns False (and trains nothing) once training has diverged; ``reset()`` recovers.
        """
        if self.diverged:
            return False
        epochs = self.config.epochs_per_chunk if epochs is None else check_int(epochs, "epochs", f"{WHO}.train_chunk")
        # Divergence is expected here and reported in words; NumPy's overflow warnings would only add noise.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for _ in range(epochs):
                try:
                    self.trainer.fit(self.X_train, self._targets(self.y_train), epochs=1,
                                     batch_size=self.config.batch_size, verbose=0)
                except (nt.TrainingDiverged, ValueError) as exc:
                    if isinstance(exc, ValueError) and self._weights_finite():
                        raise  # a real error, not a blown-up network
                    self._diverge(str(exc))
                    return False
                self.epoch += 1
                if not self._record_epoch():
                    return False
        return True

    def _record_epoch(self) -> bool:
        train_loss, train_acc = self._evaluate(self.X_train, self.y_train)
        test_loss, test_acc = self._evaluate(self.X_test, self.y_test)
        self.train_losses.append(train_loss)
        self.test_losses.append(test_loss)
        self.train_accuracy.append(train_acc)
        self.test_accuracy.append(test_acc)
        if not (math.isfinite(train_loss) and math.isfinite(test_loss)):
            self._diverge(f"{WHO}: the loss became {train_loss:g} after epoch {self.epoch}.")
            return False
        return True

    def _evaluate(self, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """Loss and accuracy of the model's predictions (eval mode) on one side of the split."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            out = self.model.predict(X)
            if not np.isfinite(out).all():
                return math.nan, math.nan
            loss = self._eval_loss(out, self._targets(y))
        if out.shape[1] > 1:
            predicted = out.argmax(axis=1)
        else:
            predicted = (out[:, 0] > (0.0 if self.loss_name == "bce_logits" else 0.5)).astype(np.int64)
        return float(loss), float(np.mean(predicted == y))

    def _targets(self, y: np.ndarray) -> np.ndarray:
        return y if self.loss_name == "cross_entropy" else y.astype(np.float64)

    def _weights_finite(self) -> bool:
        return all(np.isfinite(p.data).all() for p in self.model.parameters())

    def _diverge(self, detail: str) -> None:
        self.diverged = True
        self.diverged_detail = detail
        self.message = (f"Training diverged in epoch {self.epoch + 1}: the loss is no longer a finite number. "
                        f"The learning rate {self.config.lr:g} is too large for this network and loss: "
                        f"lower it, then press reset.")

    # ------------------------------------------------------------------ what a frame shows
    def frame(self, neurons: bool = False) -> PlaygroundFrame:
        """The boundary on a grid (from ``model.predict``), the data, and the loss history.

        Args:
            neurons: also return every hidden neuron's activation on the grid, caught by forward
                hooks on the hidden layers during the same ``predict`` call.
        """
        hidden_layers = self.model.layers[:-1]
        caught: list = []
        handles = [layer.register_forward_hook(lambda m, args, out: caught.append(out))
                   for layer in (hidden_layers if neurons else [])]
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                xx, yy, values = decision_grid(self._display_output, self.xlim, self.ylim, self.config.resolution)
        finally:
            for handle in handles:
                handle.remove()
        r = self.config.resolution
        hidden = tuple(a.T.reshape(a.shape[1], r, r) for a in caught)  # (M, n) -> (n, R, R)
        return PlaygroundFrame(
            xx=xx, yy=yy, values=values, hidden=hidden, classes=self.config.classes,
            X_train=self.X_train, y_train=self.y_train, X_test=self.X_test, y_test=self.y_test,
            train_losses=np.array(self.train_losses), test_losses=np.array(self.test_losses),
            train_accuracy=np.array(self.train_accuracy), test_accuracy=np.array(self.test_accuracy),
            epoch=self.epoch, diverged=self.diverged, message=self.message,
            hidden_activation=self.config.activation, data_version=self.data_version)

    def _display_output(self, grid: np.ndarray) -> np.ndarray:
        """The model's output on grid points as a colour value: P(class 1), or scores for argmax."""
        if not self._weights_finite():
            return np.full((len(grid), self.output_units), np.nan)
        out = self.model.predict(grid)  # (M, outputs)
        if self.loss_name == "bce_logits":
            return F.sigmoid(out)  # the logit's probability, the number BCEWithLogitsLoss compares
        if self.loss_name == "mse":
            return np.clip(out, 0.0, 1.0)  # a regression output: colour saturates outside [0, 1]
        return out

    def summary(self) -> str:
        """Deterministic text of the set-up and the latest figures (for nbval, next to the widget)."""
        cfg = self.config
        n_params = self.model.num_parameters()
        data = ("your data" if cfg.dataset == "custom" else f"{cfg.dataset} (noise {self.noise:g})")
        if cfg.dataset in MULTICLASS_DATASETS + ("custom",):
            data += f", {cfg.classes} classes"
        out_act = {"bce": "sigmoid", "cross_entropy": "identity (logits)"}.get(self.loss_name, "identity")
        lines = [
            f"Playground: {data}; {len(self.X_train)} train / {len(self.X_test)} test points, seed {cfg.seed}",
            f"Network: {'-'.join(map(str, self.layer_sizes))}, "
            f"{f'{cfg.activation} hidden' if len(self.layer_sizes) > 2 else 'no hidden layer'}, {out_act} output, "
            f"{n_params} parameters",
            f"Training: {cfg.optimizer} lr={cfg.lr:g}, batch {cfg.batch_size}, loss {LOSS_NAMES[self.loss_name]}",
            f"Epoch {self.epoch}: train loss {self.train_losses[-1]:.4g}, test loss {self.test_losses[-1]:.4g}, "
            f"train accuracy {self.train_accuracy[-1]:.3f}, test accuracy {self.test_accuracy[-1]:.3f}",
        ]
        if self.diverged:
            lines.append("DIVERGED: " + self.message)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"PlaygroundState({self.config.dataset}, {'-'.join(map(str, self.layer_sizes))}, "
                f"epoch {self.epoch}{', diverged' if self.diverged else ''})")


# ---------------------------------------------------------------------- helpers
def _noise(cfg: PlaygroundConfig) -> float:
    return DEFAULT_NOISE[cfg.dataset] if cfg.noise is None else cfg.noise


def _streams(seed: int) -> list[np.random.Generator]:
    """Independent generators for the data, the initial weights and the shuffling, from one seed."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)]
