"""What trace data read back from JSON must look like, checked field by field (for ``nt.load_trace``).

A real trace writes every array in the shape its step and layer give, keeps the steps its
``keep_every`` and ``keep_last`` say, and writes each step's loss twice (in the step and in
``losses``). Each check names the one place a damaged or edited file breaks this, by raising
:class:`Damaged` with the field, what it holds and what was expected; the loader adds the prefix.
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np

from nnteach.tracing.recorder import TraceReader
from nnteach.tracing.records import ARRAY_FIELDS

# How trace JSON writes numbers that JSON has no spelling for (Python's bare NaN tokens are rejected
# by strict parsers, such as a browser's JSON.parse); NumPy reads these strings back.
JSON_NON_FINITE = ("NaN", "Infinity", "-Infinity")
# A step's fields that are not arrays, as a StepRecord holds them.
STEP_SCALARS = ("index", "loss", "loss_name", "optimizer", "lr", "plain_sgd")
# The shape of each array of a layer record, in sizes of its step and layer: N (batch), in and out.
LAYER_DIMS = {"input": ("N", "in"), "weight": ("out", "in"), "bias": ("out",), "z": ("N", "out"), "a": ("N", "out"),
              "grad_a": ("N", "out"), "grad_z": ("N", "out"), "grad_input": ("N", "in"),
              "grad_weight": ("out", "in"), "grad_bias": ("out",), "weight_after": ("out", "in"),
              "bias_after": ("out",)}
_FORWARD = ("input", "weight", "z", "a")  # every recorded layer has its forward pass; the rest may be null
_OWN_LOSSES = ("MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss")


class Damaged(ValueError):
    """One place in the trace data that no trace writes; the message says where and what (without the prefix)."""


# What every trace file has (layer_options came later: a file without it has no layer options).
TOP_KEYS = ("layer_names", "activations", "keep_every", "keep_last", "num_steps", "losses", "steps")


def present(d: dict, keys: tuple, where: str) -> None:
    """Every one of ``keys`` is in ``d`` (its value may be null)."""
    missing = [k for k in keys if k not in d]
    if missing:
        raise Damaged(f"{where} has no {', '.join(map(repr, missing))}, expected the fields {', '.join(keys)}")


def whole(value, name: str, minimum: int, meaning: str, allow_null: bool = False) -> int | None:
    """A whole-number field of the trace (``keep_every``, ``keep_last``, ``num_steps``), checked."""
    if allow_null and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        null = "null (no limit) or " if allow_null else ""
        raise Damaged(f"{name} is {value!r:.40}, expected {null}a whole number >= {minimum} ({meaning})")
    return value


def layout(d: dict) -> tuple[tuple, tuple, tuple]:
    """layer_names, activations and layer_options: one entry per neuron layer each."""
    names = d["layer_names"]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise Damaged(f"layer_names is {names!r:.60}, expected a non-empty list of names (str), one per neuron layer")
    per_layer = f"one per layer of layer_names ({', '.join(names)})"
    acts = d["activations"]
    if not isinstance(acts, list) or len(acts) != len(names) or not all(isinstance(a, str) for a in acts):
        raise Damaged(f"activations is {acts!r:.60}, expected a list of {len(names)} names (str), {per_layer}")
    options = d.get("layer_options") or [{}] * len(names)  # null or absent: no layer has options
    if not isinstance(options, list) or len(options) != len(names) or not all(isinstance(o, dict) for o in options):
        raise Damaged(f"layer_options is {options!r:.60}, expected a list of {len(names)} dicts (such as "
                      f"{{'negative_slope': 0.01}} or {{}}), {per_layer}")
    return tuple(names), tuple(acts), tuple(options)


_NUMBER = "a number, one of " + ", ".join(map(repr, JSON_NON_FINITE))


def _number_or_null(v) -> bool:
    """A float as the JSON holds it: a number, one of the non-finite strings, or null."""
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) or v in JSON_NON_FINITE


def read_losses(value, num_steps: int) -> np.ndarray:
    """``losses`` as floats (null is NaN: no loss, or a NaN one), one per observed step."""
    if not isinstance(value, list):
        raise Damaged(f"losses is {type(value).__name__} {value!r:.40}, expected a list of {num_steps} losses, one "
                      f"per observed step (num_steps = {num_steps})")
    if len(value) != num_steps:
        raise Damaged(f"losses has {len(value)} values, expected {num_steps}, one per observed step (num_steps = "
                      f"{num_steps})")
    for i, v in enumerate(value):
        if not _number_or_null(v):
            raise Damaged(f"losses[{i}] is {v!r:.40}, expected {_NUMBER}, or null (no loss)")
    return np.array([np.nan if v is None else v for v in value], dtype=float)


def step_scalars(s, position: int) -> dict:
    """A step's index, loss, loss_name, optimizer, lr and plain_sgd, checked, as a StepRecord takes them."""
    if not isinstance(s, dict):
        raise Damaged(f"steps[{position}] is {type(s).__name__} {s!r:.40}, expected a dict of the step's fields")
    index = s.get("index")
    if isinstance(index, bool) or not isinstance(index, int):
        raise Damaged(f"steps[{position}] has index {index!r:.40}, expected a whole number (the step's number "
                      f"among all observed steps)")
    step, conv = f"step {index}", {k: s.get(k) for k in STEP_SCALARS}
    present(s, ("layers",), step)
    for f in ("loss", "lr"):
        if not _number_or_null(conv[f]):
            raise Damaged(f"{step}, field {f!r} is {conv[f]!r:.40}, expected {_NUMBER}, or null")
        if isinstance(conv[f], str):  # "NaN" / "Infinity": a diverged step, or a learner's lr
            conv[f] = float(conv[f])
    for f in ("loss_name", "optimizer"):
        if conv[f] is not None and not isinstance(conv[f], str):
            raise Damaged(f"{step}, field {f!r} is {conv[f]!r:.40}, expected a name (str) or null")
    if not isinstance(conv["plain_sgd"], bool):
        raise Damaged(f"{step}, field 'plain_sgd' is {conv['plain_sgd']!r:.40}, expected true or false")
    _together(step, s, ("y", "loss", "loss_name"), "a step whose loss was computed")
    _together(step, s, ("optimizer", "lr"), "a step with an optimizer update")
    return conv


def _together(step: str, s: dict, names: tuple, meaning: str) -> None:
    """Fields a trace writes together: all of them set, or all null."""
    null = [f for f in names if s.get(f) is None]
    if 0 < len(null) < len(names):
        given, null, names = (", ".join(map(repr, fs)) for fs in ([f for f in names if f not in null], null, names))
        raise Damaged(f"{step} has {given} set but {null} null (or absent), expected {names} all set ({meaning}) "
                      f"or all null")


def layer_fields(rec, where: str) -> dict:
    if not isinstance(rec, dict):
        raise Damaged(f"{where} is {type(rec).__name__} {rec!r:.40}, expected a dict of its arrays")
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
        dims = LAYER_DIMS[f]
        if a is not None and a.ndim == len(dims):
            for dim, size in zip(dims, a.shape):
                if dim in votes:
                    votes[dim].append(size)
    return {dim: _most_common(sizes) for dim, sizes in votes.items()}


def check_step_shapes(step: str, top: dict, layers: list[dict], names) -> tuple[dict, list[dict]]:
    """The step's x, y_pred, y and every layer's fields as arrays, each checked against the shape a trace writes.

    N is the rows most of the step's arrays have; in and out what most of a layer's arrays give. x, y_pred and y
    are checked for N rows only: a learner's module before the first Linear or after the last activation may
    change their width (y against y_pred: :func:`check_targets`).
    """
    top_arrays = {k: _read(v) for k, v in top.items()}
    layer_arrays = [{f: _read(v) for f, v in fields.items()} for fields in layers]
    n = _most_common([a.shape[0] for a in top_arrays.values() if a is not None and a.ndim >= 1]
                     + [a.shape[0] for arrays in layer_arrays for f, a in arrays.items()
                        if a is not None and a.ndim == 2 and LAYER_DIMS[f][0] == "N"])
    for k, a in top_arrays.items():
        if k == "y" and top[k] is None:
            continue  # no loss was computed
        if a is None or a.ndim == 0 or a.shape[0] != n:
            raise Damaged(f"{step}, field {k!r} {_found(top[k], a)}, expected {n} rows (N, the batch size) "
                          f"as the other arrays of the step have")
    for i, (fields, arrays) in enumerate(zip(layers, layer_arrays)):
        sizes = {"N": n, **_layer_sizes(arrays)}
        for f, a in arrays.items():
            if a is None and fields[f] is None and f not in _FORWARD:
                continue  # not reached in this step: no backward, no update, or a layer without bias
            dims = LAYER_DIMS[f]
            expected = tuple(sizes[d] for d in dims)
            if a is not None and a.size == 0 and 0 in expected and None not in expected:
                a = arrays[f] = a.reshape(expected)  # an empty batch: JSON writes [] for (0, in) and for (0, out)
            if a is None or a.shape != expected:
                given = " and ".join(f"{d} = {sizes[d]}" for d in dims)
                raise Damaged(f"{step}, layer {i} ({names[i]}), field {f!r} {_found(fields[f], a)}, expected shape "
                              f"{expected} = {_dims_text(dims)} with {given} as the other arrays of the step give")
    return top_arrays, layer_arrays


def check_targets(step: str, y: np.ndarray | None, y_pred: np.ndarray, loss_name: str | None) -> None:
    """y against y_pred for nnteach's losses: a trace keeps the targets as the loss uses them, y_pred's shape
    ((N,) targets become (N, 1), class indices one-hot rows). A learner's own loss is checked for N rows only."""
    if y is None or loss_name not in _OWN_LOSSES or y_pred.size == 0:  # JSON writes [] for any empty batch
        return
    classes = loss_name == "CrossEntropyLoss"
    if y_pred.ndim != 2 or (classes and y_pred.shape[1] < 2):
        expected = "(N, C) with C >= 2 classes" if classes else "2-D (N, outputs)"
        raise Damaged(f"{step}, field 'y_pred' has shape {y_pred.shape}, expected {expected} as {loss_name} requires")
    if y.shape != y_pred.shape:
        raise Damaged(f"{step}, field 'y' has shape {y.shape}, expected {y_pred.shape}, y_pred's shape: a trace keeps "
                      f"the targets as {loss_name} compares them with y_pred"
                      + (" (class indices as one-hot rows)" if classes else ""))


def check_kept_steps(tr: TraceReader, raw_losses: list, raw_steps: list, version: int) -> None:
    """The kept steps against the trace's counts, as a trace keeps them: indices below num_steps, oldest first,
    multiples of keep_every, at most keep_last of them, each loss the one in ``losses``, and no step missing
    that a trace would have kept (a kept-step index whose loss shows its forward pass completed)."""
    steps, losses, every, last, num = tr.steps, tr.losses, tr.keep_every, tr.keep_last, tr.num_steps
    limit = last
    if last is not None and version == 1 and steps and steps[-1].index == num - 1:
        limit = last + 1  # the first traces listed a step in progress after keep_last closed ones
    if limit is not None and len(steps) > limit:
        raise Damaged(f"steps holds {len(steps)} steps, expected at most keep_last = {last} (a trace keeps the "
                      f"newest {last})")
    previous = -1
    for k, s in enumerate(steps):
        i = s.index
        if not 0 <= i < num:
            valid = f"from 0 to {num - 1}" if num else "none"
            raise Damaged(f"steps[{k}] has index {i}, expected an index {valid}, as num_steps = {num} steps were "
                          f"observed")
        if i <= previous:
            raise Damaged(f"steps[{k}] has index {i}, expected more than {previous}, the index of steps[{k - 1}] "
                          f"(kept steps are listed oldest first, each once)")
        if i % every:
            raise Damaged(f"steps[{k}] has index {i}, expected a multiple of keep_every = {every} (a trace keeps "
                          f"steps 0, {every}, {2 * every}, ...)")
        if s.loss is not None and not (s.loss == losses[i] or (np.isnan(s.loss) and np.isnan(losses[i]))):
            raise Damaged(f"step {i}, field 'loss' is {json.dumps(raw_steps[k]['loss'])} but losses[{i}] is "
                          f"{json.dumps(raw_losses[i])}, expected the same loss in both (losses holds every "
                          f"observed step's loss, null for none or NaN)")
        previous = i
    _check_none_missing(tr, raw_losses)


def _check_none_missing(tr: TraceReader, raw_losses: list) -> None:
    """A step a trace keeps (index a multiple of keep_every, a loss so its forward pass completed) is in steps
    unless keep_last dropped it, which it does only to steps older than every kept one."""
    steps, every, last = tr.steps, tr.keep_every, tr.keep_last
    full = last is not None and len(steps) >= last
    candidates = np.arange(steps[0].index if full else 0, tr.num_steps, every)
    candidates = candidates[~np.isnan(tr.losses[candidates])]
    missing = np.setdiff1d(candidates, [s.index for s in steps])
    if missing.size:
        i = int(missing[-1])  # the newest: where a file cut short or edited lost its steps
        why = (f"keep_last = {last} drops only steps older than the kept ones ({steps[0].index} to "
               f"{steps[-1].index})" if full else "a trace keeps every such step" +
               (f" (fewer than keep_last = {last} are kept, so none was dropped)" if last is not None else ""))
        raise Damaged(f"step {i} is missing from steps, expected it kept: losses[{i}] is {json.dumps(raw_losses[i])}, "
                      f"so its forward pass completed, {i} is a multiple of keep_every = {every}, and {why}")
