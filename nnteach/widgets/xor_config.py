"""The XOR visualizer's choices and their validation (pure Python, no widgets)."""

from __future__ import annotations

import numbers

import numpy as np

import nnteach as nt
from nnteach._validation import as_float_array

ACTIVATIONS = {"sigmoid": nt.Sigmoid, "tanh": nt.Tanh, "relu": nt.ReLU, "leaky_relu": nt.LeakyReLU,
               "identity": nt.Identity}
LOSSES = {"bce": nt.BCELoss, "mse": nt.MSELoss}
MODES = ("sample", "batch")
GRANULARITIES = ("event", "layer", "sample", "epoch")
MAX_HIDDEN = 8  # the diagram must stay readable
# The worked example of the course: for x = (0, 1), z⁽¹⁾ = (2.5, −2.5), a⁽¹⁾ = (0.924, 0.076), ŷ = 0.970.
CLASSIC_WEIGHTS = {"0.weight": [[5.0, 5.0], [5.0, 5.0]], "0.bias": [-2.5, -7.5],
                   "2.weight": [[10.0, -10.0]], "2.bias": [-5.0]}


def check_row(row, name: str, who: str = "XorState") -> int:
    """An XOR row index, 0..3."""
    if isinstance(row, bool) or not isinstance(row, numbers.Integral):
        raise TypeError(f"{who}: expected {name} to be an XOR row 0..3, got {type(row).__name__} {row!r}.")
    if not 0 <= row <= 3:
        raise ValueError(f"{who}: expected {name} to be an XOR row 0..3 (x = (0,0), (0,1), (1,0), (1,1)), got {row}.")
    return int(row)


def check_weights(weights, who: str = "XorState") -> dict:
    """Hand-set parameters: a dict of name -> finite numbers (names and shapes are checked on loading)."""
    if not isinstance(weights, dict):
        raise TypeError(f"{who}: expected weights as a dict of name -> array (e.g. {{'0.weight': ...}}), "
                        f"got {type(weights).__name__}.")
    out = {}
    for name, value in weights.items():
        arr = as_float_array(value, who, f"weights[{name!r}]")
        want = 2 if str(name).endswith("weight") else 1  # (out, in) for a weight, (out,) for a bias
        if arr.ndim != want:
            shape = "rows of numbers, one row per neuron" if want == 2 else "one number per neuron"
            raise ValueError(f"{who}: expected weights[{name!r}] as {shape} ({want}-D), got {arr.ndim}-D {value!r}.")
        if not np.isfinite(arr).all():
            raise ValueError(f"{who}: weights[{name!r}] contains NaN or infinity: {value!r}.")
        out[name] = arr
    return out
