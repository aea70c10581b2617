"""The Playground's settings: what may be configured, how it is checked, and what it builds.

Kept apart from :mod:`nnteach.widgets.playground_state` so the state reads as the training story;
this module holds the tables (data sets, activations, losses), the validation of every setting and
the two builders (data set, model). Plain NumPy and the core, like the state.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, replace

import numpy as np

import nnteach as nt
from nnteach._validation import as_float_array, check_2d, check_choice, check_finite, check_int, check_positive

WHO = "PlaygroundState"
DATASETS = ("xor", "circles", "moons", "spiral", "blobs")
MULTICLASS_DATASETS = ("spiral", "blobs")
# noise means: xor, blobs - std of each cloud; circles, moons - std added to x1 and x2; spiral - angle std.
DEFAULT_NOISE = {"xor": 0.3, "circles": 0.1, "moons": 0.1, "spiral": 0.2, "blobs": 0.4, "custom": 0.0}
ACTIVATIONS = ("tanh", "relu", "sigmoid", "leaky_relu", "identity")
OPTIMIZERS = ("sgd", "momentum", "adam")
BINARY_LOSSES = ("bce", "bce_logits", "mse")
LOSSES = BINARY_LOSSES + ("cross_entropy",)
LOSS_NAMES = {"bce": "BCE", "bce_logits": "BCE with logits", "mse": "MSE", "cross_entropy": "cross-entropy"}
MAX_NEURONS = 16
MAX_LAYERS = 6


@dataclass(frozen=True)
class PlaygroundConfig:
    """Everything that decides the data, the network and the training (validated by the state)."""

    dataset: str = "circles"
    noise: float | None = None  # None: the data set's default (DEFAULT_NOISE)
    n_samples: int = 200
    test_fraction: float = 0.2
    classes: int = 2  # spiral and blobs only; xor, circles, moons are binary
    hidden: tuple = (4, 4)
    activation: str = "tanh"
    lr: float = 0.1
    batch_size: int = 10
    optimizer: str = "sgd"
    loss: str | None = None  # None: "bce" for two classes, "cross_entropy" for more
    epochs_per_chunk: int = 2
    seed: int = 0
    resolution: int = 40


def make_dataset(name: str, n: int, noise: float, classes: int, rng: np.random.Generator):
    """One of the Playground's data sets as ``(X, y)``, built with :mod:`nnteach.data`.

    ``xor`` here is a cloud of ``n`` points around the four corners (±1, ±1) of ``nt.data.xor()``
    (moved from {0, 1} to {-1, 1} so the classes sit symmetric about the origin), each labelled as
    its corner is; ``blobs`` puts ``classes`` clouds evenly on the unit circle.
    """
    if name == "xor":
        corners = nt.data.xor()
        ds = nt.data.blobs(n, centers=2 * corners.X - 1, std=noise, seed=rng)
        return ds.X, corners.y[ds.y]
    if name == "circles":
        return tuple(nt.data.circles(n, noise=noise, seed=rng))
    if name == "moons":
        return tuple(nt.data.moons(n, noise=noise, seed=rng))
    if name == "spiral":
        return tuple(nt.data.spiral(n, classes=classes, noise=noise, seed=rng))
    angles = 2 * np.pi * np.arange(classes) / classes + np.pi / 4  # (classes,)
    centers = np.column_stack([np.cos(angles), np.sin(angles)])  # (classes, 2)
    return tuple(nt.data.blobs(n, centers=centers, std=noise, seed=rng))


def build_model(hidden, activation: str, outputs: int, loss: str, rng) -> nt.Sequential:
    """``2 -> hidden... -> outputs`` as Dense layers; the output activation fits the loss."""
    sizes = (2, *hidden)
    layers = [nt.Dense(n_in, n_out, activation=activation, rng=rng) for n_in, n_out in zip(sizes, sizes[1:])]
    layers.append(nt.Dense(sizes[-1], outputs, activation="sigmoid" if loss == "bce" else "identity", rng=rng))
    return nt.Sequential(layers)


def check_custom(X, y) -> tuple[np.ndarray, np.ndarray]:
    who = f"{WHO}(X=..., y=...)"
    if X is None or y is None:
        raise ValueError(f"{who}: give both X and y for your own data, or neither.")
    X = as_float_array(X, who, "X", dtype=np.float64)
    check_2d(X, who, "X", 2)
    check_finite(X, who, "X")
    try:
        y = np.asarray(y)
    except ValueError:  # a ragged list such as [[0], [1, 2]]: NumPy's "inhomogeneous shape" says too little
        raise ValueError(f"{who}: expected y to be one class label per row of X, a flat list or 1-D array of "
                         f"{len(X)} labels, got a ragged {type(y).__name__} whose items have different "
                         f"lengths.") from None
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.reshape(-1)
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"{who}: expected y of shape ({len(X)},), one class label per row of X, got {y.shape}.")
    if y.dtype.kind == "f" and not np.all(y == np.round(y)):
        raise ValueError(f"{who}: expected class labels 0, 1, ... in y, got non-integer values such as "
                         f"{y[y != np.round(y)][0]}. The Playground classifies; round or bin the targets.")
    if y.dtype.kind not in "biuf":
        raise TypeError(f"{who}: expected integer class labels in y, got dtype {y.dtype}.")
    y = y.astype(np.int64)
    classes = np.unique(y)
    if len(classes) < 2 or classes.min() != 0 or classes.max() != len(classes) - 1:
        raise ValueError(f"{who}: expected labels 0..k-1 with k >= 2 classes, got {classes.tolist()}.")
    return X, y


def data_classes(y: np.ndarray) -> int:
    """How many classes labels ``0..k-1`` (checked by :func:`check_custom`) make: ``k``."""
    return int(y.max()) + 1


def validated(cfg: PlaygroundConfig, custom: bool, classes: int | None = None) -> PlaygroundConfig:
    """Check every setting, naming it and the valid range; returns the config with tuples normalised.

    ``classes``: with your own data (``custom``), the number of classes in it, which ``cfg.classes``
    must equal. The settings are checked one by one (:func:`checked_settings`) before any check that
    relates two of them.
    """
    cfg = checked_settings(cfg, custom)
    if custom and classes is not None and cfg.classes != classes:
        labels = "0 and 1" if classes == 2 else f"0..{classes - 1}"
        raise ValueError(f"{WHO}: your data has {classes} classes (labels {labels} in y), got "
                         f"classes={cfg.classes}. With your own data the number of classes comes from y and "
                         f"cannot be changed; to train on other classes, relabel y and pass X=..., y=... again.")
    if cfg.classes > 2 and cfg.dataset not in MULTICLASS_DATASETS + ("custom",):
        raise ValueError(f"{WHO}: the {cfg.dataset} data set has 2 classes, got classes={cfg.classes}. "
                         f"Several classes are available for 'spiral' and 'blobs'.")
    if cfg.loss is not None and cfg.classes > 2 and cfg.loss != "cross_entropy":
        raise ValueError(f"{WHO}: loss {cfg.loss!r} is for two classes, the data has {cfg.classes}. "
                         f"Use loss='cross_entropy'.")
    return cfg


def checked_settings(cfg: PlaygroundConfig, custom: bool) -> PlaygroundConfig:
    """Each setting on its own: its type and range (not how it fits the others); ``hidden`` as a tuple
    of ints. Run before any setting is compared with another or with the previous configuration."""
    if not isinstance(cfg.dataset, str):
        raise TypeError(f"{WHO}: expected dataset to be a name (a str) such as 'circles', got "
                        f"{type(cfg.dataset).__name__} {cfg.dataset!r}. Valid data sets: "
                        f"{', '.join(map(repr, DATASETS))} (or pass X=..., y=... for your own).")
    if custom:
        if cfg.dataset != "custom":
            raise ValueError(f"{WHO}: this Playground trains on your own X and y; the data set cannot change.")
    elif cfg.dataset not in DATASETS:
        raise ValueError(f"{WHO}: unknown dataset {cfg.dataset!r}. Valid data sets: "
                         f"{', '.join(map(repr, DATASETS))} (or pass X=..., y=... for your own).")
    if cfg.noise is not None:
        check_positive(cfg.noise, "noise", WHO, allow_zero=True)
    check_int(cfg.n_samples, "n_samples", WHO, minimum=20)
    if (isinstance(cfg.test_fraction, bool) or not isinstance(cfg.test_fraction, numbers.Real)
            or not 0.05 <= cfg.test_fraction <= 0.9):  # a NumPy float from a slider or an array is fine
        raise ValueError(f"{WHO}: expected test_fraction between 0.05 and 0.9, got {cfg.test_fraction}.")
    check_int(cfg.classes, "classes", WHO, minimum=2)
    hidden = tuple(cfg.hidden) if isinstance(cfg.hidden, (list, tuple)) else None
    if hidden is None:
        raise TypeError(f"{WHO}: expected hidden to be a tuple of layer widths such as (4, 4), got {cfg.hidden!r}.")
    if len(hidden) > MAX_LAYERS:
        raise ValueError(f"{WHO}: at most {MAX_LAYERS} hidden layers, got {len(hidden)}.")
    for i, n in enumerate(hidden):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_NEURONS:
            raise ValueError(f"{WHO}: expected 1 to {MAX_NEURONS} neurons in hidden layer {i + 1}, got {n!r}.")
    check_choice(cfg.activation, ACTIVATIONS, "activation", WHO)
    check_positive(cfg.lr, "lr (learning rate)", WHO)
    check_int(cfg.batch_size, "batch_size", WHO)
    check_choice(cfg.optimizer, OPTIMIZERS, "optimizer", WHO)
    if cfg.loss is not None:
        check_choice(cfg.loss, LOSSES, "loss", WHO)
    check_int(cfg.epochs_per_chunk, "epochs_per_chunk", WHO)
    check_int(cfg.seed, "seed", WHO, minimum=0)
    check_int(cfg.resolution, "resolution", WHO, minimum=5)
    return replace(cfg, hidden=tuple(int(n) for n in hidden))

