"""Get data ready for a network: ``Standardizer`` (zero mean, unit variance) and ``one_hot`` labels."""

from __future__ import annotations

import numbers

import numpy as np

from .._validation import as_array, as_float_array, check_2d, check_finite, check_int


class Standardizer:
    r"""Rescale every feature (column) to mean 0 and standard deviation 1.

    .. math:: z_{ij} = \frac{x_{ij} - \mu_j}{\sigma_j}, \qquad
              \mu_j = \frac{1}{N}\sum_i x_{ij}, \qquad
              \sigma_j = \sqrt{\frac{1}{N}\sum_i (x_{ij} - \mu_j)^2}

    Fit on the training data only, then transform training and test data with the same
    :math:`\mu, \sigma`: the test set must not leak into the preprocessing. A column whose values
    are all equal has :math:`\sigma_j = 0`; its scale becomes 1 so it maps to 0 instead of NaN.

    Attributes:
        mean_: :math:`\mu`, shape (features,), None before :meth:`fit`.
        std_: :math:`\sigma`, shape (features,), None before :meth:`fit`.

    Examples:
        >>> import numpy as np
        >>> from nnteach import data
        >>> s = data.Standardizer().fit(np.array([[1.0, 10.0], [3.0, 10.0]]))
        >>> s.mean_.tolist(), s.std_.tolist()
        ([2.0, 10.0], [1.0, 1.0])
        >>> s.transform(np.array([[5.0, 10.0]])).tolist()
        [[3.0, 0.0]]
    """

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None

    @property
    def n_features(self) -> int | None:
        """The number of columns seen by :meth:`fit` (None before fitting)."""
        return None if self.mean_ is None else len(self.mean_)

    def _check_input(self, X, who: str, name: str = "X") -> np.ndarray:
        X = as_float_array(X, who, name)
        check_2d(X, who, name)
        if X.shape[1] != self.n_features:
            raise ValueError(
                f"{who}: expected {name} with {self.n_features} features (the width seen by fit), got "
                f"{X.shape[1]} (shape {X.shape}). Use the same columns the Standardizer was fitted on."
            )
        check_finite(X, who, name)
        return X

    def _check_fitted(self, who: str) -> None:
        if self.mean_ is None:
            raise RuntimeError(
                f"{who}: this Standardizer is not fitted yet. Call fit(X_train) first "
                f"(or fit_transform(X_train)), then transform other data with the same statistics."
            )

    def fit(self, X) -> "Standardizer":
        """Learn the per-column mean and standard deviation of ``X`` (N, features); returns self."""
        X = as_float_array(X, "Standardizer.fit", "X")
        check_2d(X, "Standardizer.fit", "X")  # any width: fitting again may change it
        check_finite(X, "Standardizer.fit", "X")
        if len(X) == 0:
            raise ValueError("Standardizer.fit: expected at least one sample, got X of shape (0, features).")
        X = X.astype(np.float64, copy=False)  # statistics in float64 even for float32 data
        mean = X.mean(axis=0)  # (features,)
        std = X.std(axis=0)  # (features,)
        constant = np.ptp(X, axis=0) == 0
        # Exact values for constant columns: they then transform to exactly 0 and back exactly.
        mean[constant] = X[0, constant]
        std[constant] = 1.0
        self.mean_, self.std_ = mean, std
        return self

    def transform(self, X) -> np.ndarray:
        """Return ``(X - mean_) / std_``, shape (N, features), in ``X``'s float dtype."""
        self._check_fitted("Standardizer.transform")
        X = self._check_input(X, "Standardizer.transform")
        return ((X - self.mean_) / self.std_).astype(X.dtype, copy=False)  # (N, features)

    def fit_transform(self, X) -> np.ndarray:
        """:meth:`fit` on ``X``, then :meth:`transform` it."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        """Undo :meth:`transform`: return ``Z * std_ + mean_`` in the original units."""
        self._check_fitted("Standardizer.inverse_transform")
        Z = self._check_input(Z, "Standardizer.inverse_transform", "Z")
        return (Z * self.std_ + self.mean_).astype(Z.dtype, copy=False)  # (N, features)

    def get_config(self) -> dict:
        """The fitted statistics as plain lists (JSON-ready; no pickle needed)."""
        if self.mean_ is None:
            return {"mean": None, "std": None}
        return {"mean": self.mean_.tolist(), "std": self.std_.tolist()}

    @classmethod
    def from_config(cls, config: dict) -> "Standardizer":
        """Rebuild a Standardizer from :meth:`get_config` output (floats round-trip exactly)."""
        who = "Standardizer.from_config"
        if not isinstance(config, dict) or set(config) != {"mean", "std"}:
            got = sorted(config) if isinstance(config, dict) else type(config).__name__
            raise ValueError(f"{who}: expected a dict with keys 'mean' and 'std' from get_config(), got {got}.")
        out = cls()
        if config["mean"] is None and config["std"] is None:
            return out
        mean = as_float_array(config["mean"], who, "config['mean']", dtype=np.float64)
        std = as_float_array(config["std"], who, "config['std']", dtype=np.float64)
        if mean.ndim != 1 or mean.shape != std.shape:
            raise ValueError(
                f"{who}: expected 'mean' and 'std' to be lists of equal length, "
                f"got shapes {mean.shape} and {std.shape}."
            )
        if not (np.isfinite(mean).all() and np.isfinite(std).all() and (std > 0).all()):
            raise ValueError(f"{who}: expected finite means and positive finite stds, got {config!r}.")
        out.mean_, out.std_ = mean, std
        return out

    def __repr__(self) -> str:
        if self.mean_ is None:
            return "Standardizer(not fitted)"

        def short(v: np.ndarray) -> str:
            items = [f"{x:.4g}" for x in v[:4]]
            return "[" + ", ".join(items) + (", ..." if len(v) > 4 else "") + "]"

        return f"Standardizer(features={self.n_features}, mean_={short(self.mean_)}, std_={short(self.std_)})"


def _as_labels(y, who: str) -> np.ndarray:
    """Class labels as a 1-D int64 array; whole-number floats (e.g. read from a file) are accepted."""
    arr = as_array(y, who, "y")
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{who}: expected integer class labels, got dtype {arr.dtype}.")
    if arr.ndim != 1:
        raise ValueError(
            f"{who}: expected labels of shape (N,), one class index per sample, got shape {arr.shape}. "
            f"For a column of labels use y.ravel()."
        )
    if np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool:
        return arr.astype(np.int64)
    whole = np.isfinite(arr) & (arr == np.round(arr))
    if not whole.all():
        i = int(np.flatnonzero(~whole)[0])
        raise ValueError(
            f"{who}: expected integer class labels, got {arr[i].item()!r} at index {i}. "
            f"Labels are class indices 0, 1, 2, ...; for probabilities use y.argmax(axis=1)."
        )
    return arr.astype(np.int64)


def one_hot(y, num_classes: int | None = None, dtype=np.float64) -> np.ndarray:
    r"""Turn class indices into one-hot rows: :math:`Y_{ic} = 1` if :math:`y_i = c`, else 0.

    Args:
        y: class labels of shape (N,), integers 0..C-1.
        num_classes: C; None means ``max(y) + 1``.
        dtype: dtype of the result (float64 by default).

    Returns:
        Array of shape (N, C) with exactly one 1 per row.

    Examples:
        >>> from nnteach import data
        >>> data.one_hot([0, 2, 1]).tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    who = "one_hot"
    labels = _as_labels(y, who)  # (N,)
    if num_classes is None:
        if len(labels) == 0:
            raise ValueError(f"{who}: cannot infer num_classes from an empty y; pass num_classes=C.")
        num_classes = int(labels.max()) + 1
    elif not isinstance(num_classes, numbers.Integral) or isinstance(num_classes, bool):
        got = f"{type(num_classes).__name__} {num_classes!r}"
        raise TypeError(f"{who}: expected num_classes to be an integer, got {got}.")
    num_classes = check_int(num_classes, "num_classes", who)
    if len(labels) and labels.min() < 0:
        i = int(np.argmin(labels))
        raise ValueError(
            f"{who}: expected labels >= 0, got {labels[i]} at index {i}. "
            f"Valid labels are 0..{num_classes - 1}; shift them, e.g. y - y.min()."
        )
    if len(labels) and labels.max() >= num_classes:
        i = int(np.argmax(labels))
        raise ValueError(
            f"{who}: label {labels[i]} at index {i} is out of range for num_classes={num_classes}; "
            f"valid labels are 0..{num_classes - 1}."
        )
    try:
        out = np.zeros((len(labels), num_classes), dtype=dtype)  # (N, C)
    except TypeError:
        raise TypeError(f"{who}: expected dtype to be a NumPy dtype such as np.float64, got {dtype!r}.") from None
    out[np.arange(len(labels)), labels] = 1
    return out
