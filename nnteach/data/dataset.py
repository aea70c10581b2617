"""The ``Dataset`` container every loader in :mod:`nnteach.data` returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional, Tuple

import numpy as np


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set: inputs ``X``, targets ``y`` and the words that describe them.

    Frozen so a loaded data set keeps its fields; the arrays themselves are ordinary NumPy arrays
    (copy them before changing them in place). ``eq=False`` because comparing arrays with ``==``
    gives an array, not a bool.

    Args:
        X: inputs of shape (N, features), float64 unless a loader says otherwise.
        y: targets of shape (N,): int64 class indices for classification, float64 values for
            regression.
        feature_names: one name per column of ``X``, or None.
        target_name: what ``y`` measures, e.g. ``"MedHouseVal"`` or ``"class"``.
        description: where the data comes from and how it was made (cite it when you use it).
        images: the samples as images, shape (N, height, width), when that makes sense (digits).
        name: a short name shown in the repr, e.g. ``"spiral"``.

    Examples:
        >>> from nnteach import data
        >>> ds = data.xor()
        >>> X, y = ds          # unpacks like a tuple
        >>> len(ds), X.shape, y.tolist()
        (4, (4, 2), [0, 1, 1, 0])
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: Optional[Tuple[str, ...]] = None
    target_name: Optional[str] = None
    description: str = ""
    images: Optional[np.ndarray] = None
    name: str = "dataset"

    def __post_init__(self) -> None:
        # Loaders build these fields themselves, but learners build Datasets too: catch a
        # mismatch here rather than deep inside a training loop.
        who = "Dataset"
        if not isinstance(self.X, np.ndarray):
            raise TypeError(f"{who}: expected X to be a numpy array, got {type(self.X).__name__}. Use np.asarray(X).")
        if self.X.ndim != 2:
            got = f"{self.X.ndim}-D shape {self.X.shape}"
            raise ValueError(f"{who}: expected X to be a 2-D array of shape (N, features), got {got}.")
        if not isinstance(self.y, np.ndarray) or self.y.ndim == 0:
            got = f"a 0-D array {self.y!r}" if isinstance(self.y, np.ndarray) else type(self.y).__name__
            raise TypeError(f"{who}: expected y to be a numpy array with one target per sample, got {got}.")
        if len(self.y) != len(self.X):
            raise ValueError(
                f"{who}: X and y must have the same number of samples, got {len(self.X)} and {len(self.y)}."
            )
        if self.feature_names is not None:
            names = tuple(self.feature_names)
            if len(names) != self.X.shape[1] or not all(isinstance(n, str) for n in names):
                raise ValueError(
                    f"{who}: expected feature_names to be {self.X.shape[1]} strings (one per column of X), "
                    f"got {names!r}."
                )
            object.__setattr__(self, "feature_names", names)  # lists become tuples: frozen all the way
        if self.images is not None and len(self.images) != len(self.X):
            raise ValueError(
                f"{who}: images and X must have the same number of samples, "
                f"got {len(self.images)} and {len(self.X)}."
            )

    def __iter__(self) -> Iterator[np.ndarray]:
        """Yield ``X`` then ``y``, so ``X, y = ds`` works."""
        yield self.X
        yield self.y

    def __len__(self) -> int:
        """The number of samples N."""
        return len(self.X)

    def __repr__(self) -> str:
        parts = [
            repr(self.name),
            f"X={self.X.shape} {self.X.dtype}",
            f"y={self.y.shape} {self.y.dtype}",
        ]
        if self.y.ndim == 1 and np.issubdtype(self.y.dtype, np.integer) and len(self.y):
            parts.append(f"classes={len(np.unique(self.y))}")
        if self.images is not None:
            parts.append(f"images={self.images.shape}")
        return f"Dataset({', '.join(parts)})"
