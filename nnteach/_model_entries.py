"""One parameter of a model file, read safely: for ``nt.load`` (see :mod:`nnteach.saving`).

A model file is a zip archive with one ``.npy`` entry per parameter, and its header lists each one's
shape and checksum. An edited or hostile file may declare anything, so an entry is checked before
memory is spent on it: its unpacked size against what its shape can need (a "zip bomb" packs
gigabytes of zeros into kilobytes), then its ``.npy`` header's shape and dtype against the header's
entry (NumPy allocates the whole array before it finds the numbers missing). It is read with
``allow_pickle=False``: a file never runs code.
"""

from __future__ import annotations

import hashlib
import io
import math
import zipfile

import numpy as np

NPY_HEADER_ALLOWANCE = 4096  # bytes an entry may hold beside its numbers (nt.save's .npy headers take 128)


class EntryError(ValueError):
    """What is wrong with one parameter entry; nt.load names the file around it."""


def read_parameter(zf: zipfile.ZipFile, member: str, entry: dict) -> np.ndarray:
    """One parameter, its .npy header checked against the header's entry before NumPy allocates anything,
    read with ``allow_pickle=False``, and compared with its checksum."""
    name, shape = entry["name"], tuple(entry["shape"])
    blob = _unpack(zf, member, name, shape)
    fp = io.BytesIO(blob)
    npy_shape, dtype = _npy_header(fp, name)
    if dtype.hasobject:  # a pickle: refused, never unpickled
        raise EntryError(f"parameter {name!r} is not a plain numeric array (it holds Python objects, which "
                         f"nt.load never unpickles).")
    if dtype.kind not in "biuf":  # text, bytes, dates, complex: not numbers a layer takes
        raise EntryError(f"parameter {name!r} holds dtype {dtype}, expected real numbers (float32 or float64).")
    if npy_shape != shape:
        raise EntryError(f"parameter {name!r} does not match its checksum.")
    numbers, needed = len(blob) - fp.tell(), math.prod(shape) * dtype.itemsize
    if numbers != needed:  # NumPy would allocate the whole array first, then find the numbers missing
        raise EntryError(f"parameter {name!r} holds {numbers:,} bytes of numbers, but shape {shape} in {dtype} "
                         f"takes {needed:,}.")
    try:
        arr = np.lib.format.read_array(io.BytesIO(blob), allow_pickle=False)
    except ValueError as exc:
        raise EntryError(f"parameter {name!r} is not a plain numeric array ({exc}).") from None
    if hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest() != entry["sha256"]:
        raise EntryError(f"parameter {name!r} does not match its checksum.")
    return arr


def _unpack(zf: zipfile.ZipFile, member: str, name: str, shape: tuple) -> bytes:
    """The bytes of a parameter's entry, refused before unpacking when it is larger than its shape can need:
    a "zip bomb" packs gigabytes of zeros into kilobytes."""
    limit = math.prod(shape) * 8 + NPY_HEADER_ALLOWANCE  # 8 bytes a number: float64, the widest nt.save writes
    size = zf.getinfo(member).file_size
    if size > limit:
        raise EntryError(_too_large(name, shape, f"{size:,} bytes", limit))
    with zf.open(member) as fh:
        blob = fh.read(limit + 1)  # the size an archive declares can lie: never read more than the shape can need
    if len(blob) > limit:
        raise EntryError(_too_large(name, shape, f"more bytes than its archive entry declares ({size:,})", limit))
    return blob


def _too_large(name: str, shape: tuple, size: str, limit: int) -> str:
    return (f"parameter {name!r} unpacks to {size}, more than its shape {shape} can need ({limit:,} bytes at "
            f"most: 8 a number, plus the .npy header).")


def _npy_header(fp: io.BytesIO, name: str) -> tuple[tuple, np.dtype]:
    """The shape and dtype a .npy header gives, read without reading (or allocating) the array."""
    try:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(fp)
        else:  # 3.0 is only written for field names outside latin-1: no plain numeric array has those
            raise ValueError(f".npy format version {version[0]}.{version[1]}")
    except ValueError as exc:
        raise EntryError(f"parameter {name!r} is not a plain numeric array ({exc}).") from None
    return shape, dtype
