r"""Weight initialisations, by name. Biases always start at zero.

=========  =====================================================================================
name       weights W (out × in), with fan_in = in and fan_out = out
=========  =====================================================================================
xavier     Glorot uniform: :math:`U(-r, r)`, :math:`r = \sqrt{6/(\text{fan\_in}+\text{fan\_out})}`
           keeps the variance of activations and gradients steady through tanh/sigmoid layers
he         He (Kaiming) normal: :math:`N(0, 2/\text{fan\_in})`, the same for ReLU, which zeroes half
normal     small random numbers: :math:`N(0, 0.01^2)` (too small for deep nets: a lesson in itself)
zeros      all zeros: every neuron stays identical forever (symmetry is never broken)
=========  =====================================================================================
"""

from __future__ import annotations

import numpy as np

from nnteach._rng import get_rng
from nnteach._validation import check_choice, check_float_dtype, check_int

INITS = ("xavier", "he", "normal", "zeros")


def init_weight(name: str, fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float64,
                who: str = "init_weight") -> np.ndarray:
    """A freshly initialised weight matrix of shape (fan_out, fan_in).

    ``rng`` is a numpy Generator, an int seed, or None for the package generator (see ``nt.seed``).
    """
    check_choice(name, INITS, "init", who)
    fan_in = check_int(fan_in, "fan_in (the number of inputs)", who)  # >= 1: he divides by it
    fan_out = check_int(fan_out, "fan_out (the number of neurons)", who)
    rng = get_rng(rng, who)
    dtype = check_float_dtype(dtype, who)
    shape = (fan_out, fan_in)
    if name == "xavier":
        r = np.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-r, r, size=shape)
    elif name == "he":
        w = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)
    elif name == "normal":
        w = rng.normal(0.0, 0.01, size=shape)
    else:
        w = np.zeros(shape)
    return w.astype(dtype, copy=False)
