"""Copies of every neuron layer's weights (or gradients) at one moment, taken in one go.

Once an optimizer exists, a model's parameters are views into the optimizer's one flat buffer
(see :mod:`nnteach.optim`), so the values of every layer can be copied with a single ``copy()`` of
that buffer; the per-layer ``(out, in)`` and ``(out,)`` arrays are views cut from the copy only
when a record is read. Without such a buffer (no optimizer yet, or parameters spread over several
buffers) each array is copied on its own. Either way the copy is private to the trace: training
never changes it.
"""

from __future__ import annotations

import operator
from typing import Sequence

import numpy as np

from nnteach.module import Parameter


_DATA, _GRAD = operator.attrgetter("_data"), operator.attrgetter("grad")  # a Parameter's arrays, read in C


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


class Snapshot:
    """The copied arrays of one moment: one flat copy with where each array sits in it, or one copy each."""

    __slots__ = ("_flat", "_where", "_copies")

    def __init__(self, flat: np.ndarray | None, where: Sequence[tuple[int, int, tuple]] | None,
                 copies: list[np.ndarray] | None):
        self._flat, self._where, self._copies = flat, where, copies

    def arrays(self) -> list[np.ndarray]:
        """One array per parameter, in the layout's order (views into the flat copy when there is one)."""
        if self._copies is not None:
            return self._copies
        flat = self._flat
        return [flat[start:stop].reshape(shape) for start, stop, shape in self._where]

    def buffers(self) -> list[np.ndarray]:
        """The arrays that hold the data (for counting bytes): the flat copy, or each copy."""
        return [self._flat] if self._copies is None else list(self._copies)


class ParamLayout:
    """Where the weight and bias of each neuron layer live, and how to copy them all at once.

    Args:
        pairs: for each neuron layer, its ``(weight, bias)`` Parameters (bias may be None).
    """

    def __init__(self, pairs: Sequence[tuple[Parameter, Parameter | None]]):
        self.params: list[Parameter] = []
        self.slots: list[tuple[int, int | None]] = []  # per layer: positions of weight and bias in params
        for weight, bias in pairs:
            w = self._position(weight)
            self.slots.append((w, None if bias is None else self._position(bias)))
        # For values and for gradients: the flat buffer last seen, each parameter's place in it (None
        # if they are not all in one), and the arrays it was found for (an array's base never changes).
        self._located: dict[bool, tuple] = {}

    def _position(self, p: Parameter) -> int:
        for i, q in enumerate(self.params):
            if q is p:  # a parameter shared by two layers is copied once
                return i
        self.params.append(p)
        return len(self.params) - 1

    def take(self, grads: bool = False) -> Snapshot:
        """Copy every parameter's values (or, with ``grads=True``, its accumulated gradient) now."""
        arrays = list(map(_GRAD if grads else _DATA, self.params))
        known = self._located.get(grads)
        if known is None or not all(map(operator.is_, arrays, known[2])):  # new arrays (a new optimizer)
            base = arrays[0].base
            place = self._locate(base, arrays) if base is not None and all(a.base is base for a in arrays) else None
            known = self._located[grads] = (base, place, arrays)
        base, place, _ = known
        if place is None:
            return Snapshot(None, None, [a.copy() for a in arrays])
        return Snapshot(base.copy(), place, None)

    @staticmethod
    def _locate(base: np.ndarray, arrays: list[np.ndarray]) -> list[tuple[int, int, tuple]] | None:
        """Each array's (start, stop, shape) inside a 1-D contiguous ``base``, or None if one is not a plain slice of it."""
        if base.ndim != 1 or not base.flags.c_contiguous:
            return None
        origin, itemsize = _address(base), base.itemsize
        where = []
        for a in arrays:
            start, rem = divmod(_address(a) - origin, itemsize)
            if rem or a.dtype != base.dtype or not a.flags.c_contiguous or start < 0 or start + a.size > base.size:
                return None
            where.append((start, start + a.size, a.shape))
        return where

    def per_layer(self, snapshot: Snapshot | None) -> list[tuple[np.ndarray | None, np.ndarray | None]]:
        """``(weight, bias)`` arrays for each neuron layer from a snapshot (Nones without one)."""
        if snapshot is None:
            return [(None, None)] * len(self.slots)
        arrays = snapshot.arrays()
        return [(arrays[w], None if b is None else arrays[b]) for w, b in self.slots]
