"""Traces as plain data: ``to_dict`` / JSON export, and loading them back for comparing or widgets.

What a loaded file must look like is checked in :mod:`nnteach.tracing.checks`.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from nnteach._validation import as_path, check_writable
from nnteach.tracing import checks
from nnteach.tracing.checks import JSON_NON_FINITE, STEP_SCALARS, Damaged
from nnteach.tracing.recorder import StepList, TraceReader
from nnteach.tracing.records import ARRAY_FIELDS, LayerRecord, StepRecord

FORMAT = "nnteach-trace"
FORMAT_VERSION = 2  # 2: NaN and infinities written as the strings "NaN", "Infinity", "-Infinity"
_NON_FINITE = tuple(zip(JSON_NON_FINITE, (np.isnan, np.isposinf, np.isneginf)))


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
        d = {k: _num(getattr(s, k)) for k in STEP_SCALARS}
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
            checks.present(d, checks.TOP_KEYS, "the trace")
            self.layer_names, self.activations, self.layer_options = checks.layout(d)
            self.keep_every = checks.whole(d["keep_every"], "keep_every", 1, "keep every n-th step")
            self.keep_last = checks.whole(d["keep_last"], "keep_last", 1, "keep only the newest n steps", allow_null=True)
            self.num_steps = checks.whole(d["num_steps"], "num_steps", 0, "the steps observed")
            self._losses = checks.read_losses(d["losses"], self.num_steps)
            if not isinstance(d["steps"], list):
                raise Damaged(f"steps is {type(d['steps']).__name__} {d['steps']!r:.40}, expected a list of steps")
            self._steps = StepList([self._step(s, position) for position, s in enumerate(d["steps"])])
            checks.check_kept_steps(self, d["losses"], d["steps"], version)
        except Damaged as exc:
            raise ValueError(f"{who}: the trace data is incomplete or damaged: {exc}. Was the file edited or "
                             f"cut short?") from None
        except (KeyError, IndexError, AttributeError, TypeError, ValueError) as exc:
            raise ValueError(f"{who}: the trace data is incomplete or damaged ({type(exc).__name__}: {exc}).") from None

    def _step(self, s: dict, position: int) -> StepRecord:
        conv = checks.step_scalars(s, position)
        step = f"step {conv['index']!r}"
        if len(s["layers"]) != len(self.layer_names):
            raise Damaged(f"{step} has {len(s['layers'])} layers, expected {len(self.layer_names)} as the trace's "
                          f"layer_names ({', '.join(self.layer_names)})")
        raw = [checks.layer_fields(rec, f"{step}, layer {i} ({self.layer_names[i]})") for i, rec in enumerate(s["layers"])]
        given = {k: s.get(k) for k in ("x", "y_pred", "y")}
        top, arrays = checks.check_step_shapes(step, given, raw, self.layer_names)
        checks.check_targets(step, top["y"], top["y_pred"], conv["loss_name"])
        layers = tuple(LayerRecord(index=i, name=self.layer_names[i], activation=self.activations[i], **fields)
                       for i, fields in enumerate(arrays))
        return StepRecord(**top, layers=layers, **conv)

    @property
    def steps(self) -> StepList:
        return self._steps

    @property
    def losses(self) -> np.ndarray:
        return self._losses.copy()

    def __repr__(self) -> str:
        return f"LoadedTrace({self.num_steps} steps observed, {len(self._steps)} kept, layers: {', '.join(self.layer_names)})"


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
