"""Traces as plain data: ``to_dict`` / JSON export, and loading them back for comparing or widgets."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

from nnteach._validation import as_path, check_writable
from nnteach.tracing.recorder import StepList, TraceReader
from nnteach.tracing.records import ARRAY_FIELDS, LayerRecord, StepRecord

FORMAT = "nnteach-trace"
FORMAT_VERSION = 2  # 2: NaN and infinities written as the strings "NaN", "Infinity", "-Infinity"
_STEP_SCALARS = ("index", "loss", "loss_name", "optimizer", "lr", "plain_sgd")
# JSON has no NaN or infinity (Python writes bare NaN tokens that strict parsers, such as a
# browser's JSON.parse, reject), so such numbers travel as these strings; NumPy reads them back.
_NON_FINITE = (("NaN", np.isnan), ("Infinity", np.isposinf), ("-Infinity", np.isneginf))
# The shape of each array of a layer record, in sizes of its step and layer: N (batch), in and out.
_LAYER_DIMS = {"input": ("N", "in"), "weight": ("out", "in"), "bias": ("out",), "z": ("N", "out"), "a": ("N", "out"),
               "grad_a": ("N", "out"), "grad_z": ("N", "out"), "grad_input": ("N", "in"),
               "grad_weight": ("out", "in"), "grad_bias": ("out",), "weight_after": ("out", "in"),
               "bias_after": ("out",)}
_FORWARD = ("input", "weight", "z", "a")  # every recorded layer has its forward pass; the rest may be null


def _arr(a):
    """An array as nested lists of numbers, with a NaN or an infinity written as a string."""
    if a is None:
        return None
    a = np.asarray(a)
    if np.isfinite(a).all():
        return a.tolist()
    out = a.astype(object)
    for text, where in _NON_FINITE:
        out[where(a)] = text
    return out.tolist()


def _num(v):
    """A float as JSON allows: the number, or "NaN" / "Infinity" / "-Infinity" (None stays None)."""
    if v is None or isinstance(v, (bool, str)) or math.isfinite(v):
        return v
    return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")


def trace_to_dict(tr: TraceReader) -> dict:
    """Every kept step with its arrays as nested lists, the loss of every step, and the layer layout."""
    steps = []
    for s in tr.steps:
        d = {k: _num(getattr(s, k)) for k in _STEP_SCALARS}
        d.update(x=_arr(s.x), y=_arr(s.y), y_pred=_arr(s.y_pred),
                 layers=[{f: _arr(getattr(rec, f)) for f in ARRAY_FIELDS} for rec in s.layers])
        steps.append(d)
    losses = [None if np.isnan(v) else _num(float(v)) for v in tr.losses]  # null: no loss, or a NaN one
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "layer_names": list(tr.layer_names),
            "activations": list(tr.activations), "layer_options": [dict(o) for o in tr.layer_options],
            "keep_every": tr.keep_every, "keep_last": tr.keep_last, "num_steps": tr.num_steps,
            "losses": losses, "steps": steps}


class LoadedTrace(TraceReader):
    """A trace rebuilt from :func:`trace_to_dict` data: the same steps, losses and ``explain``."""

    active = False

    def __init__(self, d: dict):
        who = "nt.load_trace"
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise ValueError(f"{who}: expected a dict made by Trace.to_dict() (format {FORMAT!r}), "
                             f"got {type(d).__name__} with format {d.get('format') if isinstance(d, dict) else None!r}.")
        version = d.get("format_version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ValueError(f"{who}: expected format_version to be a whole number from 1 to {FORMAT_VERSION}, got "
                             f"{version!r}. Was the file written by Trace.save_json, and not edited since?")
        if version > FORMAT_VERSION:
            raise ValueError(f"{who}: trace format version {version!r} is newer than this nnteach "
                             f"reads ({FORMAT_VERSION}). Upgrade nnteach.")
        try:
            self.layer_names = tuple(d["layer_names"])
            self.activations = tuple(d["activations"])
            self.layer_options = tuple(d.get("layer_options") or [{}] * len(self.layer_names))
            self.keep_every, self.keep_last, self.num_steps = d["keep_every"], d["keep_last"], d["num_steps"]
            self._losses = np.array([np.nan if v is None else v for v in d["losses"]], dtype=float)
            self._steps = StepList([self._step(s) for s in d["steps"]])
        except _Damaged as exc:
            raise ValueError(f"{who}: the trace data is incomplete or damaged: {exc}. Was the file edited or "
                             f"cut short?") from None
        except (KeyError, IndexError, AttributeError, TypeError, ValueError) as exc:
            raise ValueError(f"{who}: the trace data is incomplete or damaged ({type(exc).__name__}: {exc}).") from None

    def _step(self, s: dict) -> StepRecord:
        step = f"step {s.get('index')!r}"
        if len(s["layers"]) != len(self.layer_names):
            raise _Damaged(f"{step} has {len(s['layers'])} layers, expected {len(self.layer_names)} as the trace's "
                           f"layer_names ({', '.join(self.layer_names)})")
        raw = [_layer_fields(rec, f"{step}, layer {i} ({self.layer_names[i]})") for i, rec in enumerate(s["layers"])]
        given = {k: s.get(k) for k in ("x", "y_pred", "y")}
        top, arrays = _check_step_shapes(step, given, raw, self.layer_names)
        layers = tuple(LayerRecord(index=i, name=self.layer_names[i], activation=self.activations[i], **fields)
                       for i, fields in enumerate(arrays))
        conv = {k: s.get(k) for k in _STEP_SCALARS}
        conv["plain_sgd"] = bool(conv["plain_sgd"])
        if isinstance(conv["loss"], str):  # "NaN" / "Infinity": a diverged step
            conv["loss"] = float(conv["loss"])
        return StepRecord(**top, layers=layers, **conv)

    @property
    def steps(self) -> StepList:
        return self._steps

    @property
    def losses(self) -> np.ndarray:
        return self._losses.copy()

    def __repr__(self) -> str:
        return f"LoadedTrace({self.num_steps} steps observed, {len(self._steps)} kept, layers: {', '.join(self.layer_names)})"


class _Damaged(ValueError):
    """One place in the trace data that no trace writes; the message says where and what (without the prefix)."""


def _layer_fields(rec, where: str) -> dict:
    if not isinstance(rec, dict):
        raise _Damaged(f"{where} is {type(rec).__name__} {rec!r:.40}, expected a dict of its arrays")
    return {f: rec.get(f) for f in ARRAY_FIELDS}


def _read(value) -> np.ndarray | None:
    """The JSON value as a float array ("NaN" and "Infinity" included), or None if it is not one."""
    try:
        return None if value is None else np.asarray(value, dtype=float)
    except (TypeError, ValueError):  # ragged lists, text, dicts
        return None


def _ragged(value) -> bool:
    if not isinstance(value, list):
        return False
    lengths = {len(v) if isinstance(v, list) else None for v in value}
    return len(lengths) > 1 or any(map(_ragged, value))


def _found(value, a: np.ndarray | None) -> str:
    """What a field holds, for a message."""
    if a is not None:
        return f"has shape {a.shape}"
    if value is None:
        return "is missing (absent or null)"
    if _ragged(value):
        return "holds ragged nested lists (rows of different lengths)"
    return f"holds {value!r:.40}, not an array of numbers"


def _dims_text(dims: tuple) -> str:
    return f"({', '.join(dims)}{',' if len(dims) == 1 else ''})"


def _most_common(sizes: list) -> int | None:
    """The size most arrays agree on, so the one array an edit broke is the one named (ties: the first seen)."""
    return Counter(sizes).most_common(1)[0][0] if sizes else None


def _layer_sizes(arrays: dict) -> dict:
    """A layer's in and out, as most of its arrays of the right number of dimensions give them."""
    votes: dict[str, list] = {"in": [], "out": []}
    for f, a in arrays.items():
        dims = _LAYER_DIMS[f]
        if a is not None and a.ndim == len(dims):
            for dim, size in zip(dims, a.shape):
                if dim in votes:
                    votes[dim].append(size)
    return {dim: _most_common(sizes) for dim, sizes in votes.items()}


def _check_step_shapes(step: str, top: dict, layers: list[dict], names) -> tuple[dict, list[dict]]:
    """The step's x, y_pred, y and every layer's fields as arrays, each checked against the shape a trace writes.

    N is the rows most of the step's arrays have; in and out what most of a layer's arrays give. x, y_pred and y
    are checked for N rows only: a learner's module before the first Linear or after the last activation may
    change their width.
    """
    top_arrays = {k: _read(v) for k, v in top.items()}
    layer_arrays = [{f: _read(v) for f, v in fields.items()} for fields in layers]
    n = _most_common([a.shape[0] for a in top_arrays.values() if a is not None and a.ndim >= 1]
                     + [a.shape[0] for arrays in layer_arrays for f, a in arrays.items()
                        if a is not None and a.ndim == 2 and _LAYER_DIMS[f][0] == "N"])
    for k, a in top_arrays.items():
        if k == "y" and top[k] is None:
            continue  # no loss was computed
        if a is None or a.ndim == 0 or a.shape[0] != n:
            raise _Damaged(f"{step}, field {k!r} {_found(top[k], a)}, expected {n} rows (N, the batch size) "
                           f"as the other arrays of the step have")
    for i, (fields, arrays) in enumerate(zip(layers, layer_arrays)):
        sizes = {"N": n, **_layer_sizes(arrays)}
        for f, a in arrays.items():
            if a is None and fields[f] is None and f not in _FORWARD:
                continue  # not reached in this step: no backward, no update, or a layer without bias
            dims = _LAYER_DIMS[f]
            expected = tuple(sizes[d] for d in dims)
            if a is not None and a.size == 0 and 0 in expected and None not in expected:
                a = arrays[f] = a.reshape(expected)  # an empty batch: JSON writes [] for (0, in) and for (0, out)
            if a is None or a.shape != expected:
                given = " and ".join(f"{d} = {sizes[d]}" for d in dims)
                raise _Damaged(f"{step}, layer {i} ({names[i]}), field {f!r} {_found(fields[f], a)}, expected shape "
                               f"{expected} = {_dims_text(dims)} with {given} as the other arrays of the step give")
    return top_arrays, layer_arrays


def trace_from_dict(d: dict) -> LoadedTrace:
    return LoadedTrace(d)


def save_trace(tr: TraceReader, path) -> Path:
    """Write the trace as JSON (atomically: a temporary file renamed into place)."""
    path = as_path(path, "trace.save_json")
    check_writable(path, "trace.save_json", "trace.json")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(trace_to_dict(tr), fh, allow_nan=False)  # strict JSON, readable anywhere
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def load_trace(path) -> LoadedTrace:
    """Read a trace written by ``Trace.save_json``."""
    path = as_path(path, "nt.load_trace")
    if not path.exists():
        raise FileNotFoundError(f"nt.load_trace: no file at {str(path)!r}.")
    if path.is_dir():
        raise IsADirectoryError(f"nt.load_trace: {str(path)!r} is a folder, not a trace file.")
    try:
        with open(path) as fh:
            d = json.load(fh)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"nt.load_trace: {str(path)!r} is not a JSON trace ({exc}).") from None
    return LoadedTrace(d)
