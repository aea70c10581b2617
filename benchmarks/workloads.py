"""The five training runs every implementation repeats, and everything they must share.

A :class:`Workload` says *what* to train (layer sizes, activations, loss, optimizer, batching,
epochs). :func:`make_problem` turns it into a :class:`Problem`: the concrete data, the initial
weights and the shuffle order. Every implementation receives the same Problem, so with the same
arithmetic they must end at the same weights; :func:`full_loss` scores those weights with one shared
float64 function, so a difference in the printed final losses can only come from training.

Seeds are fixed here (never global): data from ``DATA_SEED``, weights from ``INIT_SEED``, shuffle
order from ``SHUFFLE_SEED``.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DATA_SEED = 0
INIT_SEED = 1
SHUFFLE_SEED = 2

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Workload:
    """One training run, described the same way for every implementation.

    Attributes:
        id: short name used by ``--only`` and in the table, e.g. ``"W3"``.
        title: one line for the table.
        measures: what the workload tells us (printed in the README and by ``--list``).
        sizes: layer widths from input to output, e.g. ``(2, 16, 8, 1)``.
        activations: one per Linear layer: ``"tanh"``, ``"sigmoid"``, ``"relu"`` or ``"identity"``.
        loss: ``"mse"``, ``"bce"`` (on sigmoid probabilities) or ``"cross_entropy"`` (on logits).
        optimizer: ``"sgd"`` or ``"adam"``; its arguments in ``opt_args``.
        batch_size: samples per step; None means the whole data set (full batch).
        shuffle: draw a new sample order every epoch.
        epochs, quick_epochs: passes over the data in a full run and in ``--quick``.
        dtype: float dtype of data and parameters.
        data: name of the data maker in :data:`DATA_MAKERS`.
    """

    id: str
    title: str
    measures: str
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str
    optimizer: str
    opt_args: dict = field(hash=False)
    batch_size: int | None
    shuffle: bool
    epochs: int
    quick_epochs: int
    data: str
    dtype: str = "float64"

    @property
    def group(self) -> str:
        """The workload family (``"W5"`` for both ``"W5-f32"`` and ``"W5-f64"``), for ``--only``."""
        return self.id.split("-")[0]


WORKLOADS: tuple[Workload, ...] = (
    Workload(
        "W1", "XOR 2-3-1 tanh/tanh, MSE, SGD 0.1, batch 1",
        "Per-step overhead at its worst: 4,000 steps on one sample each, so nearly all the time is "
        "Python and call overhead, almost none is arithmetic.",
        (2, 3, 1), ("tanh", "tanh"), "mse", "sgd", {"lr": 0.1},
        batch_size=1, shuffle=False, epochs=1000, quick_epochs=100, data="xor"),
    Workload(
        "W2", "XOR 2-2-1 sigmoid/sigmoid, BCE, SGD 1.0, full batch",
        "The classic first network of the course: 5,000 full-batch steps of a 9-parameter model; "
        "overhead of forward, loss, backward and step with validation of probabilities.",
        (2, 2, 1), ("sigmoid", "sigmoid"), "bce", "sgd", {"lr": 1.0},
        batch_size=None, shuffle=False, epochs=5000, quick_epochs=500, data="xor"),
    Workload(
        "W3", "spiral 300 pts, 2-16-8-1 relu/relu/sigmoid, BCE, Adam 0.01, batch 32",
        "A typical lesson-sized model: small mini-batches with shuffling and Adam, 2,000 steps "
        "still dominated by per-step overhead.",
        (2, 16, 8, 1), ("relu", "relu", "sigmoid"), "bce", "adam", {"lr": 0.01},
        batch_size=32, shuffle=True, epochs=200, quick_epochs=20, data="spiral"),
    Workload(
        "W4", "20,640x8 regression, 8-64-64-1 relu, MSE, Adam 1e-3, batch 64",
        "The California Housing lesson: 1,615 steps of a 4.8k-parameter model on batches of 64, "
        "where overhead and arithmetic are of the same order.",
        (8, 64, 64, 1), ("relu", "relu", "identity"), "mse", "adam", {"lr": 1e-3},
        batch_size=64, shuffle=True, epochs=5, quick_epochs=1, data="california"),
    Workload(
        "W5-f32", "10,000x784 synthetic, 784-256-128-10 relu, CE, SGD 0.01 m0.9, batch 128, float32",
        "MNIST-sized: 237 steps of a 235k-parameter model, dominated by matrix products; measures "
        "whether nnteach does any avoidable arithmetic or copies.",
        (784, 256, 128, 10), ("relu", "relu", "identity"), "cross_entropy", "sgd",
        {"lr": 0.01, "momentum": 0.9}, batch_size=128, shuffle=True, epochs=3, quick_epochs=1,
        data="synthetic784", dtype="float32"),
    Workload(
        "W5-f64", "10,000x784 synthetic, 784-256-128-10 relu, CE, SGD 0.01 m0.9, batch 128, float64",
        "As W5-f32 in nnteach's default float64: twice the bytes, half the BLAS throughput.",
        (784, 256, 128, 10), ("relu", "relu", "identity"), "cross_entropy", "sgd",
        {"lr": 0.01, "momentum": 0.9}, batch_size=128, shuffle=True, epochs=3, quick_epochs=1,
        data="synthetic784", dtype="float64"),
)


# ---------------------------------------------------------------------------- data
@dataclass(frozen=True)
class Data:
    """Inputs and targets in float64, with a note saying where they came from."""

    X: np.ndarray  # (N, features)
    y: np.ndarray  # (N, 1) float targets, or (N,) int64 class indices
    source: str


def _xor() -> Data:
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)  # (4, 2)
    y = np.array([[0], [1], [1], [0]], dtype=np.float64)  # (4, 1)
    return Data(X, y, "the 4 XOR corners")


def _spiral() -> Data:
    """nnteach's own 2-arm spiral when ``nnteach.data`` has it, else the same formula here."""
    try:
        from nnteach.data import spiral
    except ImportError:
        spiral = None
    if spiral is not None:
        X, y = spiral(300, 2, 0.2, seed=DATA_SEED)
        return Data(np.asarray(X, np.float64), np.asarray(y, np.float64).reshape(-1, 1),
                    "nt.data.spiral(300, 2, 0.2, seed=0)")
    # CS231n spiral: radius 0..1 along each arm, angle 2*pi*k/K + 4r + noise
    rng = np.random.default_rng(DATA_SEED)
    parts, labels = [], []
    for k in range(2):
        r = np.linspace(0.0, 1.0, 150)  # (150,)
        theta = np.pi * k + 4.0 * r + 0.2 * rng.standard_normal(150)  # (150,)
        parts.append(np.column_stack([r * np.sin(theta), r * np.cos(theta)]))  # (150, 2)
        labels.append(np.full(150, k))
    X, y = np.concatenate(parts), np.concatenate(labels)
    order = rng.permutation(300)
    return Data(X[order], y[order].astype(np.float64).reshape(-1, 1), "spiral made in benchmarks (no nnteach.data)")


def _data_dir() -> Path | None:
    """Where California Housing lives: $NNTEACH_DATA_DIR, else ../shared/data beside the repo."""
    env = os.environ.get("NNTEACH_DATA_DIR")
    if env:
        return Path(env)
    shared = REPO_ROOT.parent / "shared" / "data"
    return shared if (shared / "cal_housing.data.gz").is_file() else None


def _california() -> Data:
    """Real California Housing when a local copy exists (never downloads), else data of its shape."""
    folder = _data_dir()
    X = y = None
    source = ""
    if folder is not None:
        try:
            from nnteach.data import california_housing

            X, y = california_housing(data_dir=folder)
            source = f"California Housing from {folder}"
        except (ImportError, OSError, ValueError) as exc:
            source = f"synthetic ({type(exc).__name__}: {exc})"
    if X is None:
        rng = np.random.default_rng(DATA_SEED)
        X = rng.standard_normal((20640, 8))  # (20640, 8)
        w = rng.standard_normal(8)  # (8,)
        y = np.tanh(X @ w / 3.0) + 0.5 * np.sin(X[:, 0]) + 0.1 * rng.standard_normal(20640)  # (20640,)
        source = source or "synthetic, California-Housing shaped (no local data folder)"
    X = np.asarray(X, np.float64)
    X = (X - X.mean(axis=0)) / X.std(axis=0)  # standardized features, (20640, 8)
    return Data(X, np.asarray(y, np.float64).reshape(-1, 1), source + ", features standardized")


def _synthetic784() -> Data:
    """10 Gaussian classes in 784 dimensions: MNIST's shape, learnable but not in one step."""
    rng = np.random.default_rng(DATA_SEED)
    centers = rng.normal(0.0, 0.05, size=(10, 784))  # (10, 784)
    y = rng.integers(0, 10, size=10_000)  # (10000,)
    X = centers[y] + rng.standard_normal((10_000, 784))  # (10000, 784)
    return Data(X, y.astype(np.int64), "synthetic: 10 Gaussian classes, 784 features")


DATA_MAKERS = {"xor": _xor, "spiral": _spiral, "california": _california, "synthetic784": _synthetic784}


@functools.lru_cache(maxsize=None)
def load_data(name: str) -> Data:
    """The data set ``name``, made once per process (W5-f32 and W5-f64 share theirs)."""
    return DATA_MAKERS[name]()


# ---------------------------------------------------------------------------- problem
@dataclass
class Problem:
    """A workload made concrete: the arrays every implementation trains on.

    Attributes:
        workload: the description.
        X: inputs (N, in) in the workload's dtype.
        y: (N, 1) targets in that dtype for MSE and BCE; (N,) int64 classes for cross-entropy.
        init: initial ``(W (out, in), b (out,))`` per layer, float64, shared by everyone.
        orders: one permutation of range(N) per epoch, or None to go through the data in order.
        epochs: passes over the data (fewer with ``--quick``).
        source: where the data came from.
    """

    workload: Workload
    X: np.ndarray
    y: np.ndarray
    init: list[tuple[np.ndarray, np.ndarray]]
    orders: list[np.ndarray] | None
    epochs: int
    source: str

    @property
    def n(self) -> int:
        return len(self.X)

    @property
    def batch_size(self) -> int:
        bs = self.workload.batch_size
        return self.n if bs is None else min(bs, self.n)

    @property
    def steps(self) -> int:
        return self.epochs * -(-self.n // self.batch_size)


def initial_weights(sizes: tuple[int, ...], seed: int = INIT_SEED) -> list[tuple[np.ndarray, np.ndarray]]:
    """Xavier-uniform weights and zero biases, drawn once with NumPy and loaded into every implementation."""
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        r = np.sqrt(6.0 / (fan_in + fan_out))
        W = rng.uniform(-r, r, size=(fan_out, fan_in))  # (out, in)
        layers.append((W, np.zeros(fan_out)))  # b: (out,)
    return layers


def shuffle_orders(n: int, epochs: int, seed: int = SHUFFLE_SEED) -> list[np.ndarray]:
    """One permutation per epoch, drawn in turn from one generator.

    ``nt.Trainer(..., rng=seed)`` draws ``rng.permutation(n)`` once per epoch in the same way, so
    ``Trainer.fit`` sees the same order as the hand loops (the loss check confirms it).
    """
    rng = np.random.default_rng(seed)
    return [rng.permutation(n) for _ in range(epochs)]


def make_problem(workload: Workload, quick: bool = False) -> Problem:
    data = load_data(workload.data)
    dtype = np.dtype(workload.dtype)
    y = data.y if workload.loss == "cross_entropy" else data.y.astype(dtype)
    epochs = workload.quick_epochs if quick else workload.epochs
    orders = shuffle_orders(len(data.X), epochs) if workload.shuffle else None
    return Problem(workload, data.X.astype(dtype), y, initial_weights(workload.sizes), orders, epochs, data.source)


# ---------------------------------------------------------------------------- shared scoring
def _activate(z: np.ndarray, name: str) -> np.ndarray:
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    if name == "relu":
        return np.maximum(z, 0.0)
    return z


def full_loss(workload: Workload, weights: list[tuple[np.ndarray, np.ndarray]], X: np.ndarray,
              y: np.ndarray) -> float:
    """The loss of ``weights`` on the whole data set, in float64, the same function for everyone."""
    a = np.asarray(X, np.float64)
    for (W, b), act in zip(weights, workload.activations):
        a = _activate(a @ np.asarray(W, np.float64).T + np.asarray(b, np.float64), act)  # (N, out)
    if workload.loss == "mse":
        return float(np.mean((a - y) ** 2))
    if workload.loss == "bce":
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(a), -100.0)  # clamped as PyTorch's BCELoss
            log_1mp = np.maximum(np.log1p(-a), -100.0)
        return float(-np.mean(y * log_p + (1.0 - y) * log_1mp))
    shifted = a - a.max(axis=1, keepdims=True)  # (N, C)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, C)
    return float(-log_p[np.arange(len(y)), y].mean())
