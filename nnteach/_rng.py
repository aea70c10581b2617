"""Reproducible randomness without touching NumPy's global state.

nnteach keeps one package-level :class:`numpy.random.Generator`. Every function that makes a random
choice (weight initialisation, shuffling, synthetic data) takes an ``rng=`` argument:

* ``None`` - draw from the package generator, which :func:`seed` resets;
* an ``int`` - a fresh generator seeded with it (the call is reproducible on its own);
* a ``numpy.random.Generator`` - used as is (share one generator across a whole notebook).
"""

from __future__ import annotations

import contextlib
from typing import Iterator, Union

import numpy as np

RNGLike = Union[None, int, np.integer, np.random.Generator]

_default = np.random.default_rng(0)


def seed(n: int) -> None:
    """Reset nnteach's package-level random generator so every later random choice repeats.

    Args:
        n: a non-negative integer seed.

    Examples:
        >>> import nnteach as nt
        >>> nt.seed(42)
        >>> a = nt.Linear(2, 3).weight.data
        >>> nt.seed(42)
        >>> bool((nt.Linear(2, 3).weight.data == a).all())
        True
    """
    global _default
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"nt.seed: expected a non-negative integer, got {n!r}.")
    _default = np.random.default_rng(int(n))


def get_rng(rng: RNGLike = None, who: str = "rng") -> np.random.Generator:
    """Turn an ``rng=`` argument into a Generator (see the module docstring for the rules)."""
    if rng is None:
        return _default
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{who}: expected rng/seed to be None, a non-negative int or a numpy.random.Generator, "
        f"got {type(rng).__name__} {rng!r}."
    )


@contextlib.contextmanager
def isolated_rng() -> Iterator[None]:
    """Run a block with a throwaway package generator, leaving the real one untouched.

    ``nt.load`` uses it: rebuilding layers initialises weights that are overwritten at once, and
    loading a model must not shift the random numbers a learner's notebook draws next.
    """
    global _default
    saved = _default
    _default = np.random.default_rng(0)
    try:
        yield
    finally:
        _default = saved
