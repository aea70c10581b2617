"""Checks run at the public boundary, so bad input gets a clear message instead of a NumPy traceback.

Every message follows one pattern: *who: expected what, got what. How to fix.*
"""

from __future__ import annotations

import math
import os
import numbers

import numpy as np

FLOAT_DTYPES = (np.float32, np.float64)


def as_array(x, who: str, name: str = "x") -> np.ndarray:
    """``np.asarray(x)``, keeping its dtype (labels stay integers), with a clear message for a ragged list.

    Raises:
        TypeError: when ``x`` cannot become an array, e.g. a list whose rows have different lengths.
    """
    if isinstance(x, np.ndarray):
        return x
    try:
        return np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        if "inhomogeneous" in str(exc) or "sequence" in str(exc):
            raise TypeError(
                f"{who}: expected {name} to be a numeric array, got {type(x).__name__} with rows of different "
                f"lengths ({_ragged_detail(x, exc)}). Every row needs the same number of entries."
            ) from None
        raise TypeError(f"{who}: expected {name} to be a numeric array, got {type(x).__name__} ({exc}).") from None


def _ragged_detail(x, exc: Exception) -> str:
    """Which rows of a ragged list differ, e.g. "row 0 has 2 entries, row 1 has 1 entry"; else NumPy's words."""
    def size(row):
        return len(row) if isinstance(row, (list, tuple, np.ndarray)) else None

    def say(i, n):
        return f"row {i} is a single number" if n is None else f"row {i} has {n} entr{'y' if n == 1 else 'ies'}"

    if isinstance(x, (list, tuple)) and x:
        first = size(x[0])
        for i, row in enumerate(x):
            if size(row) != first:
                return f"{say(0, first)}, {say(i, size(row))}"
    return f"NumPy: {exc}"


def as_float_array(x, who: str, name: str = "x", dtype=None) -> np.ndarray:
    """Convert ``x`` to a floating ndarray (float64 unless it already is float32/float64).

    With ``dtype``, the result has that dtype; a value too large for it (1e39 in float32) is refused
    rather than turned into infinity.

    Raises:
        TypeError: when ``x`` is not numeric (strings, objects, None, ragged lists).
        ValueError: when a value overflows ``dtype``.
    """
    if isinstance(x, np.ndarray) and dtype is None and x.dtype in FLOAT_DTYPES:
        return x
    arr = as_array(x, who, name)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        if x is None:
            raise TypeError(f"{who}: expected {name} to be a numeric array, got None.")
        raise TypeError(
            f"{who}: expected {name} to be a numeric array, got dtype {arr.dtype} "
            f"(from {type(x).__name__}). Convert it with np.asarray(..., dtype=float)."
        )
    if np.iscomplexobj(arr):
        raise TypeError(f"{who}: expected {name} to hold real numbers, got complex dtype {arr.dtype}.")
    if dtype is not None:
        if arr.dtype == dtype:
            return arr
        if arr.dtype.kind == "f" and arr.dtype.itemsize > np.dtype(dtype).itemsize:  # float64 -> float32
            return _narrow(arr, np.dtype(dtype), who, name)
        return arr.astype(dtype)
    return arr if arr.dtype in FLOAT_DTYPES else arr.astype(np.float64)


def _narrow(arr: np.ndarray, dtype: np.dtype, who: str, name: str) -> np.ndarray:
    """``arr`` cast to a smaller float dtype, refusing values that would overflow into infinity."""
    try:
        with np.errstate(over="raise"):
            return arr.astype(dtype)
    except FloatingPointError:
        largest = float(np.finfo(dtype).max)
        bad = np.argwhere(np.isfinite(arr) & (np.abs(arr) > largest))[0]
        where = tuple(int(i) for i in bad)
        raise ValueError(
            f"{who}: {name} holds a value too large for {dtype} (first at index {where}: {arr[tuple(bad)]:.4g}; "
            f"the largest {dtype} is about {largest:.4g}). Scale the values down (nt.data.Standardizer for "
            f"data), or compute in float64: model.double()."
        ) from None


def check_2d(x: np.ndarray, who: str, name: str = "x", features: int | None = None) -> None:
    """Require a batch of shape (N, features): samples in rows, features in columns."""
    if x.ndim != 2:
        hint = (
            f" For one sample use {name}.reshape(1, -1); for a column of N values use {name}.reshape(-1, 1)."
            if x.ndim == 1
            else " Flatten each sample into one row first, e.g. x.reshape(len(x), -1)."
            if x.ndim > 2
            else ""
        )
        want = f"(N, {features})" if features is not None else "(N, features)"
        raise ValueError(f"{who}: expected {name} of shape {want}, a 2-D batch, got {x.ndim}-D shape {x.shape}.{hint}")
    if features is not None and x.shape[1] != features:
        raise ValueError(f"{who}: expected {name} of shape (N, {features}), got {x.shape}.")


def check_finite(x: np.ndarray, who: str, name: str = "x") -> None:
    """Reject NaN and infinity, naming where the first one is."""
    if not np.isfinite(x).all():
        bad = np.argwhere(~np.isfinite(x))[0]
        where = tuple(int(i) for i in bad)
        raise ValueError(
            f"{who}: {name} contains NaN or infinity (first at index {where}: {x[tuple(bad)]}). "
            f"Clean or impute the data before training, e.g. check np.isfinite({name}).all()."
        )


def check_same_length(x: np.ndarray, y: np.ndarray, who: str, xname: str = "X", yname: str = "y") -> None:
    if len(x) != len(y):
        raise ValueError(
            f"{who}: {xname} and {yname} must have the same number of samples, got {len(x)} and {len(y)}."
        )


def check_positive(value, name: str, who: str, allow_zero: bool = False) -> float:
    """A real hyper-parameter that must be > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{who}: expected {name} to be a number, got {type(value).__name__} {value!r}.")
    value = float(value)
    ok = value >= 0 if allow_zero else value > 0
    if not ok or not math.isfinite(value):
        want = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{who}: expected {name} {want}, got {value!r}.")
    return value


def check_int(value, name: str, who: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{who}: expected {name} to be an integer, got {type(value).__name__} {value!r}.")
    if value < minimum:
        raise ValueError(f"{who}: expected {name} >= {minimum}, got {value}.")
    return int(value)


def check_choice(value: str, choices, name: str, who: str) -> str:
    if not isinstance(value, str):  # a list is not even hashable: name the mistake instead
        valid = ", ".join(repr(c) for c in choices)
        raise TypeError(f"{who}: expected {name} to be a name (a str), got {type(value).__name__} {value!r}. "
                        f"Valid names: {valid}.")
    if value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{who}: unknown {name} {value!r}. Valid names: {valid}.")
    return value


def check_gradient(grad, expected_shape: tuple, who: str) -> np.ndarray:
    """``grad`` as dL/d(output) of ``expected_shape``, or a clear error for what it is instead.

    Callers run it only once the cheap check (a plain ndarray of the right shape) has failed, so the
    common case pays nothing for these messages. An ndarray subclass of the right shape is accepted.
    """
    if isinstance(grad, np.ndarray) and grad.shape == expected_shape:
        return np.asarray(grad)
    what = f"dL/d(output), the gradient of the loss with respect to this module's output: an array of shape {expected_shape}"
    if callable(grad):
        raise TypeError(f"{who}.backward expected {what}, got the function {getattr(grad, '__qualname__', grad)!r} "
                        f"itself. Call it: loss_fn.backward() returns the array.")
    if not isinstance(grad, np.ndarray):
        hint = (" A single number is the loss value, not its gradient: pass loss_fn.backward()."
                if np.isscalar(grad) else " Convert it with np.array(...).")
        raise TypeError(f"{who}.backward expected {what}, got {type(grad).__name__}.{hint}")
    raise ValueError(f"{who}.backward expected {what} (the shape of its last output), got {grad.shape}.")


def as_path(path, who: str):
    """A file name given as str or path-like, as a ``pathlib.Path``."""
    from pathlib import Path

    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{who}: expected a file name (a str or pathlib.Path), got {type(path).__name__} {path!r}.")
    return Path(path)


def check_writable(path, who: str, example: str) -> None:
    """A file can be written at ``path``: it is not a folder, and its folder exists."""
    if path.is_dir():
        raise IsADirectoryError(f"{who}: {str(path)!r} is a folder; give a file name such as {str(path / example)!r}.")
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"{who}: the folder {str(folder)!r} does not exist. Create it first, "
                                f"os.makedirs({str(folder)!r}, exist_ok=True), or choose another place.")


def check_float_dtype(dtype, who: str) -> np.dtype:
    """``dtype`` as np.float32 or np.float64, the two precisions nnteach computes in."""
    try:
        resolved = None if dtype is None else np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved not in (np.float32, np.float64):
        raise ValueError(f"{who}: expected dtype np.float32 or np.float64, got {dtype!r}.")
    return resolved


def check_bool(value, name: str, who: str) -> bool:
    """A yes/no option: True or False (a string such as "no" would otherwise count as True)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{who}: expected {name} to be True or False, got {type(value).__name__} {value!r}.")
    return bool(value)


def check_interval(value, name: str, who: str) -> tuple[float, float]:
    """``(low, high)``: two finite numbers, low below high (a slider's range, a plot's limits)."""
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise TypeError(f"{who}: expected {name}=(low, high), two numbers, got {value!r}.") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"{who}: expected {name}=(low, high) with low < high, both finite, got {value!r}.")
    return low, high
