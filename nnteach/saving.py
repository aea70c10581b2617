"""``save`` and ``load``: one file with the architecture and the weights, and no pickle.

The file is a zip archive (open it with any unzip tool) holding

* ``nnteach.json`` - the format name and version, the nnteach version, the architecture as
  ``{"class": ..., "config": ...}`` specs, and each parameter's name, shape, dtype and SHA-256;
* ``params/<name>.npy`` - one NumPy array per parameter, read with ``allow_pickle=False``.

Loading rebuilds the model only from classes nnteach already has (or that you imported): a model
file is data, never code. Saving writes to a temporary file beside the target and renames it into
place, so an interrupted save never leaves a damaged file where a good one was.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from nnteach._model_entries import EntryError, read_parameter
from nnteach._rng import isolated_rng
from nnteach._validation import as_path, check_writable
from nnteach.activations import Activation
from nnteach.layers import Dense, Linear
from nnteach.model import (Sequential, SpecError, module_from_spec, module_to_spec, not_a_model, resolve_spec,
                           spec_class)
from nnteach.module import Module, names_mismatch

FORMAT = "nnteach-model"
FORMAT_VERSION = 1
HEADER = "nnteach.json"


class ModelFileError(ValueError):
    """A file that ``nt.load`` cannot read: not an nnteach model, damaged, or from a newer version."""


def save(model: Module, path) -> Path:
    """Save ``model`` (architecture and weights) to ``path``; returns the path.

    Nothing is written when the file could not be loaded back: weights holding NaN or infinity
    (training diverged), a loss or a base class instead of a model, or an architecture that
    ``get_config()`` does not describe.

    Examples:
        >>> nt.save(model, "xor.nnteach")
        >>> same = nt.load("xor.nnteach")
    """
    from nnteach import __version__

    if not isinstance(model, Module):
        raise TypeError(f"nt.save: expected a Module, got {type(model).__name__}.")
    why = not_a_model(type(model))
    if why:
        raise TypeError(f"nt.save: expected a model, a Module that computes outputs from inputs (such as a "
                        f"Sequential), got {why}. Nothing was written.")
    path = as_path(path, "nt.save")
    check_writable(path, "nt.save", "model.nnteach")
    arrays = {}
    params = []
    for name, p in model.named_parameters():
        data = np.ascontiguousarray(p.data)
        _check_finite_weights(data, name)
        buf = io.BytesIO()
        np.lib.format.write_array(buf, data, allow_pickle=False)
        arrays[name] = buf.getvalue()
        params.append({"name": name, "shape": list(data.shape), "dtype": str(data.dtype),
                       "sha256": hashlib.sha256(data.tobytes()).hexdigest()})
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "nnteach_version": __version__,
              "architecture": module_to_spec(model), "parameters": params}
    _check_loadable(model, header["architecture"])
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(HEADER, json.dumps(header, indent=1))
                for name, blob in arrays.items():
                    zf.writestr(f"params/{name}.npy", blob)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes the file private; give it the usual mode
        os.replace(tmp, path)  # atomic: readers see the old file or the new one, never half of one
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _check_finite_weights(data: np.ndarray, name: str) -> None:
    """nt.load refuses NaN or infinite weights (they compute NaN): refuse to write them in the first place."""
    finite = np.isfinite(data)
    if not finite.all():
        where = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise ValueError(
            f"nt.save: parameter {name!r} contains NaN or infinity ({int(data.size - finite.sum())} of its "
            f"{data.size} values, the first at index {where}: {data[where]}), so nt.load could not read the file; "
            f"nothing was written. Did training diverge? Lower the learning rate and train again from fresh "
            f"weights, or save the model from before it diverged."
        )


def _check_loadable(model: Module, architecture: dict) -> None:
    """Rebuild the model from its architecture, as nt.load will: refuse to write a file it could not read."""
    try:
        with isolated_rng():  # building layers draws initial weights: the learner's random stream stays as it was
            rebuilt = module_from_spec(json.loads(json.dumps(architecture)), who="nt.save")
    except ValueError as exc:
        detail = str(exc).split(": ", 1)[-1].rstrip(".")  # module_from_spec names nt.load; this is nt.save speaking
        raise ValueError(
            f"nt.save: {detail}. So nt.load could not read the file, and nothing was written. A Module of your own whose "
            f"__init__ takes arguments needs a get_config() that returns them (lesson 8, exercise 8.3)."
        ) from None
    theirs = {name: p.shape for name, p in rebuilt.named_parameters()}
    ours = {name: p.shape for name, p in model.named_parameters()}
    if theirs != ours:
        raise ValueError(
            f"nt.save: rebuilt from its get_config(), the model would have the parameters {theirs}, not {ours}, "
            f"so nt.load could not put the weights back; nothing was written. Check what get_config() returns."
        )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load(path) -> Module:
    """Rebuild a model saved by :func:`save`: same architecture, same weights, same predictions.

    Raises:
        FileNotFoundError: no file at ``path``.
        ModelFileError: the file is not an nnteach model, is truncated or corrupted, was written
            by a newer format version, describes an architecture that cannot be built or does not
            fit the weights it stores, or holds a loss or a base class that cannot compute instead of a model.
    """
    path = as_path(path, "nt.load")
    if not path.exists():
        raise FileNotFoundError(f"nt.load: no file at {str(path)!r}. Check the name and the working folder ({os.getcwd()!r}).")
    if path.is_dir():
        raise IsADirectoryError(f"nt.load: {str(path)!r} is a folder, not a model file.")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic != b"PK\x03\x04":
        raise ModelFileError(
            f"nt.load: {str(path)!r} is not an nnteach model file (expected a zip archive written by nt.save, "
            f"got a file starting with {magic!r}). Was it saved by another program?"
        )
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if HEADER not in names:
                raise ModelFileError(
                    f"nt.load: {str(path)!r} is a zip archive but not an nnteach model (it has no {HEADER}). "
                    f"Was it saved by another program?"
                )
            header = _read_header(zf, path)
            _check_architecture_fits(header, path)  # before any weight is unpacked or built
            state = {}
            for entry in header["parameters"]:
                member = f"params/{entry['name']}.npy"
                if member not in names:
                    raise ModelFileError(f"nt.load: {str(path)!r} is damaged: parameter {entry['name']!r} is missing.")
                try:
                    state[entry["name"]] = read_parameter(zf, member, entry)
                except EntryError as exc:
                    raise ModelFileError(f"nt.load: {str(path)!r} is corrupted: {exc}") from None
    # NotImplementedError: a damaged zip entry naming an unknown compression method.
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError, NotImplementedError) as exc:
        raise ModelFileError(f"nt.load: {str(path)!r} is truncated or corrupted ({exc}). Save the model again.") from None
    model = _build(header["architecture"], path)
    _check_a_model(type(model), path)
    _check_parameters_fit({name: p.shape for name, p in model.named_parameters()},
                          {name: arr.shape for name, arr in state.items()}, path)
    dtypes = {a.dtype for a in state.values()}
    if len(dtypes) == 1 and dtypes <= {np.dtype(np.float32), np.dtype(np.float64)}:
        model.to(dtypes.pop())
    try:
        model.load_state_dict(state)
    except ValueError as exc:  # names and shapes fit (checked above): a value the model refuses, such as NaN
        raise ModelFileError(f"nt.load: {str(path)!r} holds weights the model refuses: {exc}") from None
    return model


def _build(architecture: dict, path: Path) -> Module:
    """The model the header's architecture describes, or a ModelFileError saying what in it cannot be built."""
    try:
        # building layers draws initial weights: the learner's random stream stays as it was
        with _architecture_errors(path), isolated_rng():
            return module_from_spec(architecture)
    except MemoryError:
        raise ModelFileError(f"nt.load: {str(path)!r} has an architecture too large to build in memory. Was its "
                             f"{HEADER} edited (layer sizes such as in_features or out_features)?") from None


@contextlib.contextmanager
def _architecture_errors(path: Path):
    """Turn the SpecError of an architecture that cannot be built into a ModelFileError naming the file."""
    try:
        yield
    except SpecError as exc:
        detail = str(exc).split(": ", 1)[-1]  # module_from_spec speaks as nt.load already
        raise ModelFileError(f"nt.load: {str(path)!r} has an architecture that cannot be built: {detail}") from None


def _check_a_model(cls: type, path: Path) -> None:
    why = not_a_model(cls)
    if why:
        raise ModelFileError(f"nt.load: {str(path)!r} does not hold a model: expected a Module that computes outputs "
                             f"from inputs (such as a Sequential), got {why}. Was its {HEADER} edited?")


def _check_architecture_fits(header: dict, path: Path) -> None:
    """Before anything is unpacked or built: the model's class computes, and the parameters the architecture
    would build have the names and shapes the header lists, worked out from the configs (see _planned_shapes).
    A file whose layer sizes were edited to billions is refused before billions of weights are allocated."""
    architecture = header["architecture"]
    with _architecture_errors(path):
        if isinstance(architecture.get("class"), str):
            _check_a_model(spec_class(architecture["class"]), path)
        planned, complete = _planned_shapes(architecture)
    listed = {entry["name"]: tuple(entry["shape"]) for entry in header["parameters"]}
    _check_parameters_fit(planned, listed, path, every_name=complete)


def _planned_shapes(spec, prefix: str = "") -> tuple[dict[str, tuple[int, ...]], bool]:
    """The parameter shapes ``module_from_spec(spec)`` would build, by name, read from the configs without
    building anything; and whether they are all of its parameters.

    Sequential, Linear, Dense and nnteach's activations are planned. A config these classes would refuse,
    and any other class (a learner's own), is left to building, which says what is wrong: its
    parameters are not planned, and the plan is incomplete.
    """
    cls, config = resolve_spec(spec)  # what building would refuse about the spec itself, refused now
    if cls is Sequential:
        layers = config.get("layers")
        if not isinstance(layers, list):
            return {}, False
        shapes, complete = {}, True
        for i, layer in enumerate(layers):
            more, all_of_them = _planned_shapes(layer, f"{prefix}{i}.")
            shapes.update(more)
            complete = complete and all_of_them
        return shapes, complete
    if cls is Linear:
        return _linear_shapes(config, prefix)
    if cls is Dense:
        shapes, complete = _linear_shapes(config, f"{prefix}linear.")
        return shapes, complete and _builtin_activation(config.get("activation", "relu"))
    return {}, cls.__module__ == Activation.__module__  # nnteach's activations have no parameters


def _linear_shapes(config: dict, prefix: str) -> tuple[dict[str, tuple[int, ...]], bool]:
    """A Linear's weight (out, in) and bias (out,); none, and incomplete, for sizes or a bias Linear would refuse."""
    n_in, n_out, bias = config.get("in_features"), config.get("out_features"), config.get("bias", True)
    if not all(type(n) is int and n >= 1 for n in (n_in, n_out)) or not isinstance(bias, bool):
        return {}, False
    shapes = {f"{prefix}weight": (n_out, n_in)}  # (out, in): row j holds neuron j's weights
    if bias:
        shapes[f"{prefix}bias"] = (n_out,)
    return shapes, True


def _builtin_activation(spec) -> bool:
    """Whether a Dense's saved activation is one of nnteach's (no parameters). A class name nobody defined is
    refused here, with the names that are; any other mistake is left to building the Dense."""
    if isinstance(spec, dict) and isinstance(spec.get("class"), str):
        return spec_class(spec["class"], kind=Activation).__module__ == Activation.__module__
    return spec is None or isinstance(spec, str)


def _check_parameters_fit(built: dict, stored: dict, path: Path, every_name: bool = True) -> None:
    """The file stores exactly the parameters its architecture builds, each with the shape it builds.

    ``built``, ``stored``: name -> shape. ``every_name=False``: ``built`` is only part of the architecture's
    parameters (a plan with a learner's class in it), so other names stored are not refused here.
    """
    mismatch = names_mismatch(built, stored if every_name else {k: v for k, v in stored.items() if k in built})
    if mismatch:
        exactly = f"; the architecture has exactly {list(built)}" if every_name else ""
        raise ModelFileError(f"nt.load: {str(path)!r} is damaged: its parameters do not match its architecture "
                             f"({mismatch}){exactly}.")
    for name, shape in built.items():
        if stored[name] != shape:
            raise ModelFileError(
                f"nt.load: {str(path)!r} is damaged: parameter {name!r} is stored with shape {stored[name]}, "
                f"but the architecture in the file gives it shape {shape}. Were the layer sizes in its {HEADER} edited?"
            )


def _read_header(zf: zipfile.ZipFile, path: Path) -> dict:
    try:
        header = json.loads(zf.read(HEADER).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ModelFileError(f"nt.load: {str(path)!r} is corrupted: its {HEADER} is not valid JSON.") from None
    except RecursionError:  # brackets nested thousands deep: no model file has them
        raise ModelFileError(f"nt.load: {str(path)!r} is corrupted: its {HEADER} is nested too deeply "
                             f"to read.") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(f"nt.load: {str(path)!r} is not an nnteach model file (format {header.get('format') if isinstance(header, dict) else None!r}).")
    version = header.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ModelFileError(f"nt.load: {str(path)!r} is corrupted: expected format_version to be a whole number "
                             f"from 1 to {FORMAT_VERSION}, got {version!r}.")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"nt.load: {str(path)!r} was written in model format version {version} (by nnteach "
            f"{header.get('nnteach_version', '?')}), but this nnteach reads up to version {FORMAT_VERSION}. "
            f"Upgrade nnteach (pip install -U nnteach) to load it."
        )
    params = header.get("parameters")
    if not isinstance(header.get("architecture"), dict) or not isinstance(params, list) or not all(
        isinstance(e, dict) and isinstance(e.get("name"), str) and isinstance(e.get("shape"), list)
        and all(type(n) is int and n >= 0 for n in e["shape"]) and isinstance(e.get("sha256"), str) for e in params
    ):
        raise ModelFileError(f"nt.load: {str(path)!r} is corrupted: its {HEADER} lacks a valid architecture or parameter list.")
    return header

