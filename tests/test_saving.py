"""``nt.save`` / ``nt.load``: exact round trips, atomic saves, and files that are refused clearly.

A model file is data, never code: loading reads JSON and plain ``.npy`` arrays with
``allow_pickle=False``. Every damaged or foreign file gets a :class:`nt.ModelFileError` (a
ValueError) that says what is wrong, never a traceback from deep inside zipfile or NumPy.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import nnteach as nt
from nnteach import saving
from nnteach.activations import Activation
from nnteach.module import MODULE_REGISTRY

from learner_modules import Cube  # tests/learner_modules.py


@pytest.fixture
def model(rng):
    return nt.Sequential(
        nt.Dense(2, 16, activation="relu", rng=rng),
        nt.Dense(16, 8, activation="leaky_relu", rng=rng),
        nt.Linear(8, 3, bias=False, rng=rng),
        nt.Softmax(),
    )


@pytest.fixture
def saved(model, tmp_path) -> Path:
    return nt.save(model, tmp_path / "model.nnteach")


def _same_state(a: dict, b: dict) -> bool:
    return list(a) == list(b) and all(a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]) for k in a)


def _leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


# ----------------------------------------------------------------------------- round trip
def test_save_then_load_gives_the_same_architecture_weights_and_predictions(model, saved, rng):
    loaded = nt.load(saved)
    assert repr(loaded) == repr(model)
    assert loaded.get_config() == model.get_config()
    assert _same_state(loaded.state_dict(), model.state_dict())
    x = rng.normal(size=(10, 2))
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_save_returns_the_path_and_accepts_a_string(model, tmp_path):
    path = nt.save(model, str(tmp_path / "m.nnteach"))
    assert path == tmp_path / "m.nnteach" and path.is_file()


def test_loaded_model_is_independent_of_the_original(model, saved):
    loaded = nt.load(saved)
    loaded[0].weight.data = np.zeros((16, 2))
    assert model[0].weight.data.any()


def test_loaded_model_trains_and_saves_again(saved, rng, tmp_path):
    loaded = nt.load(saved)
    X, y = rng.normal(size=(20, 2)), rng.integers(0, 3, size=20)
    # Softmax + one-hot targets through MSE, just to take steps with a loaded model.
    trainer = nt.Trainer(loaded, nt.MSELoss(), nt.Adam(loaded.parameters(), lr=0.01), rng=0)
    trainer.fit(X, np.eye(3)[y], epochs=2, verbose=0)
    again = nt.load(nt.save(loaded, tmp_path / "again.nnteach"))
    assert _same_state(again.state_dict(), loaded.state_dict())


def test_loading_does_not_shift_the_package_random_numbers(saved, package_rng):
    nt.seed(5)
    expected = nt.Linear(3, 3).weight.data.copy()
    nt.seed(5)
    nt.load(saved)  # rebuilding the layers initialises weights: from a throwaway generator
    np.testing.assert_array_equal(nt.Linear(3, 3).weight.data, expected)


def test_file_is_a_zip_with_a_json_header_and_one_npy_per_parameter(model, saved):
    with zipfile.ZipFile(saved) as zf:
        names = zf.namelist()
        header = json.loads(zf.read("nnteach.json"))
    assert names[0] == "nnteach.json"
    assert sorted(names[1:]) == sorted(f"params/{name}.npy" for name in model.state_dict())
    assert header["format"] == "nnteach-model"
    assert header["format_version"] == saving.FORMAT_VERSION
    assert header["nnteach_version"] == nt.__version__
    assert header["architecture"]["class"] == "Sequential"
    assert [p["name"] for p in header["parameters"]] == list(model.state_dict())


def test_saving_to_a_folder_raises_a_clear_error(model, tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder; give a file name"):
        nt.save(model, tmp_path)


def test_saving_something_that_is_not_a_module_raises_type_error(tmp_path):
    with pytest.raises(TypeError, match="nt.save: expected a Module, got dict"):
        nt.save({"weight": np.zeros(3)}, tmp_path / "x.nnteach")


# ----------------------------------------------------------------------------- atomic saves
def test_a_save_failing_mid_write_leaves_the_previous_file_intact(model, saved, monkeypatch):
    original = saved.read_bytes()
    state = model.state_dict()
    for p in model.parameters():
        p.data = p.data + 1.0  # the second save would hold different weights

    real_writestr = zipfile.ZipFile.writestr
    calls = []

    def failing_writestr(self, *args, **kwargs):
        calls.append(args[0])
        if len(calls) > 1:  # the header is written, then the first parameter fails
            raise OSError("disk full (simulated)")
        return real_writestr(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing_writestr)
    with pytest.raises(OSError, match="disk full"):
        nt.save(model, saved)
    monkeypatch.undo()

    assert len(calls) == 2
    assert saved.read_bytes() == original
    assert _same_state(nt.load(saved).state_dict(), state)
    assert _leftovers(saved.parent, {saved.name}) == []  # no temporary file left behind


def test_a_save_failing_at_the_rename_leaves_the_previous_file_intact(model, saved, monkeypatch):
    original = saved.read_bytes()
    state = model.state_dict()
    for p in model.parameters():
        p.data = p.data * 2.0

    def failing_replace(src, dst):
        raise OSError("rename failed (simulated)")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="rename failed"):
        nt.save(model, saved)
    monkeypatch.undo()

    assert saved.read_bytes() == original
    assert _same_state(nt.load(saved).state_dict(), state)
    assert _leftovers(saved.parent, {saved.name}) == []


def test_a_save_interrupted_by_keyboard_interrupt_cleans_up(model, tmp_path, monkeypatch):
    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(zipfile.ZipFile, "writestr", interrupted)
    with pytest.raises(KeyboardInterrupt):
        nt.save(model, tmp_path / "new.nnteach")
    assert _leftovers(tmp_path, set()) == []  # neither a half file nor a temporary one


def test_a_successful_save_replaces_the_old_file_and_leaves_no_temporary_file(model, saved):
    for p in model.parameters():
        p.data = p.data - 1.0
    nt.save(model, saved)
    assert _same_state(nt.load(saved).state_dict(), model.state_dict())
    assert _leftovers(saved.parent, {saved.name}) == []


# ----------------------------------------------------------------------------- files that are refused
def test_load_of_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nt.load: no file at .*missing.nnteach.*Check the name"):
        nt.load(tmp_path / "missing.nnteach")


def test_load_of_a_folder_raises_is_a_directory(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder, not a model file"):
        nt.load(tmp_path)


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.999])
def test_load_of_a_truncated_file_raises_model_file_error(saved, keep):
    raw = saved.read_bytes()
    saved.write_bytes(raw[: int(len(raw) * keep)])
    with pytest.raises(nt.ModelFileError, match="is truncated or corrupted.*Save the model again"):
        nt.load(saved)


def test_load_of_an_empty_file_raises_model_file_error(tmp_path):
    (tmp_path / "empty.nnteach").write_bytes(b"")
    with pytest.raises(nt.ModelFileError, match="is not an nnteach model file"):
        nt.load(tmp_path / "empty.nnteach")


def test_load_of_a_file_with_flipped_bytes_in_the_middle_raises_model_file_error(saved):
    raw = bytearray(saved.read_bytes())
    mid = len(raw) // 2
    raw[mid:mid + 16] = bytes(b ^ 0xFF for b in raw[mid:mid + 16])
    saved.write_bytes(bytes(raw))
    with pytest.raises(nt.ModelFileError, match="corrupted"):
        nt.load(saved)


def test_no_single_flipped_byte_gives_wrong_weights_or_an_unclear_error(model, saved):
    """Flip every 5th byte in turn: each file is either refused with ModelFileError or (when the
    byte is zip metadata nobody reads, such as a timestamp) loads the exact original weights."""
    raw = saved.read_bytes()
    state = model.state_dict()
    outcomes = {"refused": 0, "loaded": 0}
    for pos in range(0, len(raw), 5):
        damaged = bytearray(raw)
        damaged[pos] ^= 0xFF
        saved.write_bytes(bytes(damaged))
        try:
            loaded = nt.load(saved)
        except nt.ModelFileError:
            outcomes["refused"] += 1
        else:
            outcomes["loaded"] += 1
            assert _same_state(loaded.state_dict(), state), f"byte {pos} changed the weights silently"
    assert outcomes["refused"] > outcomes["loaded"]


def test_load_of_a_png_raises_model_file_error(tmp_path):
    png = tmp_path / "picture.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    with pytest.raises(nt.ModelFileError, match=r"is not an nnteach model file .*starting with b'\\x89PNG'.*another program"):
        nt.load(png)


def test_load_of_a_plain_zip_without_header_raises_model_file_error(tmp_path):
    path = tmp_path / "notes.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(nt.ModelFileError, match="is a zip archive but not an nnteach model .*no nnteach.json"):
        nt.load(path)


def test_load_of_a_numpy_savez_file_raises_model_file_error(tmp_path):
    path = tmp_path / "weights.npz"
    np.savez(path, weight=np.zeros((3, 2)), bias=np.zeros(3))
    with pytest.raises(nt.ModelFileError, match="is a zip archive but not an nnteach model"):
        nt.load(path)


def _rewrite(path: Path, header: dict | str, members: dict[str, bytes] | None = None) -> None:
    """Write an archive with the given header (dict as JSON, or raw text) and members."""
    with zipfile.ZipFile(path) as zf:
        old = {n: zf.read(n) for n in zf.namelist() if n != "nnteach.json"}
    old.update(members or {})
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("nnteach.json", header if isinstance(header, str) else json.dumps(header))
        for name, blob in old.items():
            zf.writestr(name, blob)


def _header(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("nnteach.json"))


def test_load_of_a_newer_format_version_says_to_upgrade(saved):
    header = _header(saved)
    header["format_version"] = saving.FORMAT_VERSION + 1
    _rewrite(saved, header)
    with pytest.raises(nt.ModelFileError, match=rf"format version {saving.FORMAT_VERSION + 1} .*reads up to version "
                                                 rf"{saving.FORMAT_VERSION}.*Upgrade nnteach"):
        nt.load(saved)


def test_load_of_a_header_that_is_not_json_raises_model_file_error(saved):
    _rewrite(saved, "{not json")
    with pytest.raises(nt.ModelFileError, match="nnteach.json is not valid JSON"):
        nt.load(saved)


def test_load_of_a_header_from_another_format_raises_model_file_error(saved):
    header = _header(saved)
    header["format"] = "keras"
    _rewrite(saved, header)
    with pytest.raises(nt.ModelFileError, match=r"not an nnteach model file \(format 'keras'\)"):
        nt.load(saved)


@pytest.mark.parametrize("damage", ["no parameters", "parameters not a list", "no architecture"])
def test_load_of_a_header_missing_its_fields_raises_model_file_error(saved, damage):
    header = _header(saved)
    if damage == "no parameters":
        del header["parameters"]
    elif damage == "parameters not a list":
        header["parameters"] = "all of them"
    else:
        del header["architecture"]
    _rewrite(saved, header)
    with pytest.raises(nt.ModelFileError, match="lacks a valid architecture or parameter list"):
        nt.load(saved)


def test_load_of_a_file_missing_a_parameter_raises_model_file_error(saved):
    with zipfile.ZipFile(saved) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    del members["params/0.linear.bias.npy"]
    with zipfile.ZipFile(saved, "w") as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    with pytest.raises(nt.ModelFileError, match=r"parameter '0.linear.bias' is missing"):
        nt.load(saved)


def test_load_of_a_parameter_changed_after_saving_fails_its_checksum(saved):
    buf = io.BytesIO()
    np.save(buf, np.zeros((16, 2)))
    _rewrite(saved, _header(saved), {"params/0.linear.weight.npy": buf.getvalue()})
    with pytest.raises(nt.ModelFileError, match=r"parameter '0.linear.weight' does not match its checksum"):
        nt.load(saved)


def test_load_of_an_unknown_layer_class_names_it(saved):
    header = _header(saved)
    header["architecture"] = {"class": "MyCustomLayer", "config": {}}
    header["parameters"] = []
    with zipfile.ZipFile(saved, "w") as zf:
        zf.writestr("nnteach.json", json.dumps(header))
    with pytest.raises(ValueError, match="names a layer class 'MyCustomLayer' that is not defined"):
        nt.load(saved)


def _layer_config(header: dict, i: int) -> dict:
    return header["architecture"]["config"]["layers"][i]["config"]


# The model fixture: 0 Dense(2, 16, relu), 1 Dense(16, 8, leaky_relu), 2 Linear(8, 3, bias=False), 3 Softmax
@pytest.mark.parametrize("damage, detail", [
    (lambda h: _layer_config(h, 2).__setitem__("in_features", "8"),
     "cannot rebuild Linear from config {'in_features': '8', 'out_features': 3, 'init': 'xavier', 'bias': False, "
     "'dtype': 'float64'}: Linear(8, 3): expected in_features to be an integer, got str '8'."),
    (lambda h: _layer_config(h, 2).__setitem__("out_features", -3),
     "Linear(8, -3): expected out_features >= 1, got -3."),
    (lambda h: _layer_config(h, 2).__setitem__("colour", "red"),
     "Linear.__init__() got an unexpected keyword argument 'colour'"),
    (lambda h: _layer_config(h, 0).__setitem__("activation", "swish"),
     "Dense(2, 16): unknown activation 'swish'. Valid names: 'relu'"),
    (lambda h: h["architecture"]["config"].pop("layers"),
     "cannot rebuild Sequential from config {}: Sequential.from_config: expected config['layers'] to be a list of "
     "module specs, got no 'layers'."),
    (lambda h: h["architecture"].__setitem__("config", [1, 2]),
     "expected the config of Sequential to be a dict of its arguments, got list [1, 2]."),
    (lambda h: h["architecture"]["config"]["layers"][2].__setitem__("config", [8, 3]),
     "expected the config of Linear to be a dict of its arguments, got list [8, 3]."),
    (lambda h: h["architecture"]["config"]["layers"][3].__setitem__("class", ["Softmax"]),
     "expected the class of a module spec to be a name (a str), got list ['Softmax']."),
    (lambda h: h["architecture"]["config"]["layers"].__setitem__(1, "Dense"),
     "expected a module spec {'class': ..., 'config': ...}, got 'Dense'."),
], ids=["in_features text", "negative size", "unknown argument", "unknown activation", "no layers",
        "config a list", "layer config a list", "class not a name", "layer not a spec"])
def test_load_of_an_architecture_that_cannot_be_built_names_the_file_and_the_reason(saved, damage, detail):
    # each raised a plain ValueError (some without the file's name) from inside the layers
    header = _header(saved)
    damage(header)
    _rewrite(saved, header)
    with pytest.raises(nt.ModelFileError, match=re.escape(f"nt.load: {str(saved)!r} has an architecture that cannot "
                                                          f"be built: ") + ".*" + re.escape(detail)):
        nt.load(saved)


@pytest.mark.parametrize("size", [4, 10**15, 10**30], ids=["one more", "too large to allocate", "too large for numpy"])
def test_load_of_a_layer_size_that_disagrees_with_the_stored_weights_names_both_shapes(saved, size):
    # sizes no memory holds gave a MemoryError, or numpy's "Maximum allowed dimension exceeded"; then "too large to
    # build in memory" once built; now every size is compared with the shapes the header lists before building
    header = _header(saved)
    _layer_config(header, 2)["out_features"] = size
    _rewrite(saved, header)
    with pytest.raises(nt.ModelFileError, match=re.escape(
            f"nt.load: {str(saved)!r} is damaged: parameter '2.weight' is stored with shape (3, 8), but the "
            f"architecture in the file gives it shape ({size}, 8). Were the layer sizes in its nnteach.json edited?")):
        nt.load(saved)


def test_load_of_a_header_that_leaves_out_a_parameter_names_it(saved):
    header = _header(saved)
    header["parameters"] = [e for e in header["parameters"] if e["name"] != "1.linear.bias"]
    _rewrite(saved, header)
    with pytest.raises(nt.ModelFileError, match=re.escape(
            f"nt.load: {str(saved)!r} is damaged: its parameters do not match its architecture (missing "
            f"['1.linear.bias']); the architecture has exactly ['0.linear.weight', '0.linear.bias', "
            f"'1.linear.weight', '1.linear.bias', '2.weight'].")):
        nt.load(saved)


@pytest.mark.parametrize("version", [True, 0, -1, "1", None])
def test_load_of_a_format_version_that_nnteach_never_wrote_is_refused(saved, version):
    # True, 0 and -1 were read as valid versions
    header = _header(saved)
    header["format_version"] = version
    _rewrite(saved, header)
    with pytest.raises(nt.ModelFileError, match=re.escape(
            f"nt.load: {str(saved)!r} is corrupted: expected format_version to be a whole number from 1 to 1, "
            f"got {version!r}.")):
        nt.load(saved)


def _store(path: Path, name: str, array: np.ndarray) -> None:
    """Replace one parameter with ``array``, header shape and checksum updated to match (a crafted file)."""
    header = _header(path)
    entry = next(e for e in header["parameters"] if e["name"] == name)
    entry["shape"], entry["dtype"] = list(array.shape), str(array.dtype)
    entry["sha256"] = hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=False)
    _rewrite(path, header, {f"params/{name}.npy": buf.getvalue()})


@pytest.mark.parametrize("array, dtype", [(np.full((16, 2), "1.0"), "<U3"), (np.ones((16, 2), complex), "complex128")],
                         ids=["text", "complex"])
def test_load_of_a_parameter_stored_as_something_else_than_real_numbers_names_its_dtype(saved, array, dtype):
    # was a TypeError from inside load_state_dict
    _store(saved, "0.linear.weight", array)
    with pytest.raises(nt.ModelFileError, match=re.escape(
            f"nt.load: {str(saved)!r} is corrupted: parameter '0.linear.weight' holds dtype {dtype}, expected real "
            f"numbers (float32 or float64).")):
        nt.load(saved)


def test_load_of_integer_weights_reads_them_as_floats(tmp_path):
    # every parameter stored as int64 used to fail inside Module.to
    path = nt.save(nt.Sequential(nt.Linear(2, 1, rng=0)), tmp_path / "m.nnteach")
    _store(path, "0.weight", np.array([[1, 2]]))
    _store(path, "0.bias", np.array([3]))
    loaded = nt.load(path)
    assert loaded[0].weight.data.dtype == np.float64 and loaded.predict(np.ones((1, 2)))[0, 0] == 6.0


def test_load_of_weights_that_diverged_to_nan_is_a_model_file_error(tmp_path):
    # nt.load raised load_state_dict's plain ValueError. nt.save now refuses such weights, so the file is crafted
    # (or written by an older nnteach).
    path = nt.save(nt.Sequential(nt.Linear(2, 1, rng=0)), tmp_path / "diverged.nnteach")
    _store(path, "0.weight", np.array([[0.5, np.nan]]))
    with pytest.raises(nt.ModelFileError, match=re.escape(
            f"nt.load: {str(path)!r} holds weights the model refuses: Sequential.load_state_dict: parameter "
            f"'0.weight' contains NaN or infinity")):
        nt.load(path)


@pytest.mark.parametrize("value, first", [(np.nan, "nan"), (np.inf, "inf"), (-np.inf, "-inf")])
def test_save_of_weights_that_diverged_to_nan_or_infinity_is_refused_and_writes_nothing(model, saved, value, first):
    # nt.save wrote such a model, and nt.load then refused the file ("contains NaN or infinity")
    original = saved.read_bytes()
    model[1].linear.bias.data[[2, 5]] = value
    with pytest.raises(ValueError, match=re.escape(
            f"nt.save: parameter '1.linear.bias' contains NaN or infinity (2 of its 8 values, the first at index "
            f"(2,): {first}), so nt.load could not read the file; nothing was written. Did training diverge? Lower "
            f"the learning rate and train again from fresh weights, or save the model from before it diverged.")):
        nt.save(model, saved)
    assert saved.read_bytes() == original  # the good file already there is untouched
    with pytest.raises(ValueError, match="nt.save: parameter '1.linear.bias' contains NaN or infinity"):
        nt.save(model, saved.parent / "new.nnteach")
    assert _leftovers(saved.parent, {saved.name}) == []  # neither the new file nor a temporary one


_NOT_COMPUTING = "a base class with no forward(x) of its own, which cannot compute"
_A_LOSS = ("a loss, which compares predictions with targets, loss_fn(y_pred, y_true), instead of computing outputs "
           "from inputs")


@pytest.mark.parametrize("module, why", [
    (nt.MSELoss(), f"MSELoss, {_A_LOSS}"),
    (nt.CrossEntropyLoss(), f"CrossEntropyLoss, {_A_LOSS}"),
    (Activation(), f"Activation, {_NOT_COMPUTING}"),
], ids=["MSELoss", "CrossEntropyLoss", "Activation"])
def test_save_of_a_loss_or_a_base_class_is_refused_and_writes_nothing(tmp_path, module, why):
    # nt.save wrote these; nt.load gave them back as a "model" that fails when called on inputs
    with pytest.raises(TypeError, match=re.escape(
            f"nt.save: expected a model, a Module that computes outputs from inputs (such as a Sequential), got "
            f"{why}. Nothing was written.")):
        nt.save(module, tmp_path / "m.nnteach")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("cls, why", [
    ("MSELoss", f"MSELoss, {_A_LOSS}"),
    ("BCEWithLogitsLoss", f"BCEWithLogitsLoss, {_A_LOSS}"),
    ("Loss", f"Loss, {_A_LOSS}"),
    ("Activation", f"Activation, {_NOT_COMPUTING}"),
    ("Module", f"Module, {_NOT_COMPUTING}"),  # was "names a layer class 'Module' that is not defined"
], ids=["MSELoss", "BCEWithLogitsLoss", "Loss base", "Activation base", "Module base"])
def test_load_of_a_file_whose_model_is_a_loss_or_a_base_class_is_a_model_file_error(saved, cls, why):
    # was returned as the loaded "model"
    header = _header(saved)
    header["architecture"], header["parameters"] = {"class": cls, "config": {}}, []
    with zipfile.ZipFile(saved, "w") as zf:
        zf.writestr("nnteach.json", json.dumps(header))
    with pytest.raises(nt.ModelFileError, match=re.escape(
            f"nt.load: {str(saved)!r} does not hold a model: expected a Module that computes outputs from inputs "
            f"(such as a Sequential), got {why}. Was its nnteach.json edited?")):
        nt.load(saved)


def test_a_model_that_keeps_its_loss_as_an_attribute_still_saves_and_loads(tmp_path):
    # only the top-level module must compute: a learner's model may hold its loss function
    class WithLoss(nt.Module):
        def __init__(self):
            super().__init__()
            self.body = nt.Linear(2, 1, rng=0)
            self.loss_fn = nt.MSELoss()

        def forward(self, x):
            return self.body(x)

    loaded = nt.load(nt.save(WithLoss(), tmp_path / "m.nnteach"))
    assert type(loaded) is WithLoss and isinstance(loaded.loss_fn, nt.MSELoss)


@pytest.mark.parametrize("cls, why", [
    ("Linear", "which is not an activation"),
    ("MSELoss", "which is not an activation"),
    ("Activation", "which has no forward(x) of its own, so it cannot compute"),
], ids=["Linear", "MSELoss", "Activation base"])
def test_load_of_a_dense_whose_activation_is_not_an_activation_names_the_class(saved, cls, why):
    # any Module class was accepted as the activation, even one that takes two inputs or has no forward
    header = _header(saved)
    _layer_config(header, 0)["activation"] = {"class": cls, "config": {}}
    _rewrite(saved, header)
    with pytest.raises(nt.ModelFileError, match=re.escape(
            f"nt.load: {str(saved)!r} has an architecture that cannot be built: ") + ".*" + re.escape(
            f"Dense(2, 16): expected activation to be a name, None or an activation Module, got the class {cls!r}, "
            f"{why}. Valid names: 'relu'")):
        nt.load(saved)


def test_load_of_a_bias_that_is_not_true_or_false_names_it(saved):
    # "bias": "no" built a layer with a bias, and the weights then did not fit
    header = _header(saved)
    _layer_config(header, 2)["bias"] = "no"
    _rewrite(saved, header)
    with pytest.raises(nt.ModelFileError, match=re.escape(
            f"nt.load: {str(saved)!r} has an architecture that cannot be built: ") + ".*" + re.escape(
            "Linear(8, 3): expected bias to be True or False, got str 'no'.")):
        nt.load(saved)


def test_a_dense_with_a_learners_own_activation_saves_and_loads_back(tmp_path, rng):
    model = nt.Sequential(nt.Dense(2, 3, activation=Cube(), rng=0), nt.Linear(3, 1, rng=0))
    loaded = nt.load(nt.save(model, tmp_path / "cube.nnteach"))
    assert type(loaded[0].activation) is Cube
    x = rng.normal(size=(5, 2))
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_load_of_a_header_nested_too_deeply_is_a_model_file_error(saved):
    # json raised RecursionError
    _rewrite(saved, "[" * 100_000 + "]" * 100_000)
    with pytest.raises(nt.ModelFileError, match=re.escape(
            f"nt.load: {str(saved)!r} is corrupted: its nnteach.json is nested too deeply to read.")):
        nt.load(saved)


class _Boom:
    """Unpickling this would run code: create a marker file."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_load_never_unpickles_a_parameter(saved, tmp_path):
    marker = tmp_path / "code-ran"
    evil = np.empty(2, dtype=object)
    evil[0], evil[1] = _Boom(str(marker)), 1
    buf = io.BytesIO()
    np.save(buf, evil, allow_pickle=True)
    # Sanity: with pickle allowed, these bytes would run code.
    np.load(io.BytesIO(buf.getvalue()), allow_pickle=True)
    assert marker.exists()
    marker.unlink()

    _rewrite(saved, _header(saved), {"params/0.linear.weight.npy": buf.getvalue()})
    with pytest.raises(nt.ModelFileError, match=r"parameter '0.linear.weight' is not a plain numeric array"):
        nt.load(saved)
    assert not marker.exists()


def test_a_learners_class_named_like_a_builtin_does_not_change_what_load_builds(tmp_path):
    model = nt.Sequential(nt.Linear(2, 1, rng=0), nt.Sigmoid())
    nt.save(model, tmp_path / "m.nnteach")

    class Sigmoid(nt.Module):  # a learner's own "Sigmoid", as lesson 8 invites them to write
        def forward(self, x):
            return x

    loaded = nt.load(tmp_path / "m.nnteach")
    assert type(loaded[1]) is nt.Sigmoid
    x = np.array([[1.0, 2.0]])
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_a_learners_own_module_is_saved_under_its_module_and_name_and_loads_back(tmp_path):
    class Double(nt.Module):
        def forward(self, x):
            return 2 * x

        def backward(self, grad_output):
            return 2 * grad_output

    model = nt.Sequential(nt.Linear(2, 1, rng=0), Double())
    nt.save(model, tmp_path / "m.nnteach")
    with zipfile.ZipFile(tmp_path / "m.nnteach") as zf:
        spec = json.loads(zf.read("nnteach.json"))["architecture"]
    assert spec["config"]["layers"][1]["class"] == f"{__name__}.{Double.__qualname__}"
    loaded = nt.load(tmp_path / "m.nnteach")
    assert type(loaded[1]) is Double


def test_saving_into_a_folder_that_does_not_exist_names_the_folder(tmp_path):
    model = nt.Sequential(nt.Linear(2, 1, rng=0))
    missing = tmp_path / "models"
    with pytest.raises(FileNotFoundError, match=re.escape(f"nt.save: the folder {str(missing)!r} does not exist. "
                                                          f"Create it first, os.makedirs({str(missing)!r}")):
        nt.save(model, missing / "xor.nnteach")
    assert not missing.exists()  # nothing half-made either


@pytest.mark.parametrize("call", [lambda m: nt.save(m, None), lambda m: nt.load(5)], ids=["save None", "load 5"])
def test_a_path_that_is_not_a_file_name_is_refused(call):
    with pytest.raises(TypeError, match=r"nt\.(save|load): expected a file name \(a str or pathlib\.Path\), got "):
        call(nt.Sequential(nt.Linear(2, 1, rng=0)))


def test_a_model_that_could_not_be_loaded_back_is_not_written(tmp_path):
    class Scale(nt.Module):  # takes an argument, but has no get_config to say so
        def __init__(self, n):
            super().__init__()
            self.w = nt.Parameter(np.ones(n))

        def forward(self, x):
            return x * self.w.data

        def backward(self, grad_output):
            return grad_output

    path = tmp_path / "scale.nnteach"
    with pytest.raises(ValueError, match=r"nt.save: cannot rebuild .*Scale from config \{\}: .*missing 1 required "
                                         r"positional argument: 'n'\. So nt.load could not read the file, and nothing "
                                         r"was written"):
        nt.save(nt.Sequential(nt.Linear(2, 3, rng=0), Scale(3)), path)
    assert not path.exists() and list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- files that would take all the memory
class _Scale(nt.Module):
    """A learner's layer with a parameter of its own (a learned scale per feature), which nt.load cannot plan."""

    def __init__(self, n):
        super().__init__()
        self.n = n
        self.scale = nt.Parameter(np.ones(n))

    def forward(self, x):
        return x * self.scale.data

    def backward(self, grad_output):
        return grad_output * self.scale.data

    def get_config(self):
        return {"n": self.n}


def _peak_bytes_while(call) -> int:
    """The most memory Python and NumPy held at once while ``call()`` ran (it may raise)."""
    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def _refused_by_load(path: Path, message: str) -> int:
    """Check that nt.load refuses ``path`` with exactly ``message``; returns the peak memory it took doing so."""
    def load():
        with pytest.raises(nt.ModelFileError, match=re.escape(message)):
            nt.load(path)
    return _peak_bytes_while(load)


@pytest.mark.parametrize("layer, key, name, stored, edited", [
    (2, "out_features", "2.weight", (3, 8), (10**6, 8)),
    (0, "in_features", "0.linear.weight", (16, 2), (16, 10**6)),
], ids=["Linear out_features", "Dense in_features"])
def test_load_of_layer_sizes_edited_to_millions_is_refused_before_any_weight_is_allocated(saved, layer, key, name,
                                                                                          stored, edited):
    # the layers were built first (a 10**6 x 8 weight alone is 64 MB, and billions fit in virtual memory), and
    # only then compared with the stored shapes
    header = _header(saved)
    _layer_config(header, layer)[key] = 10**6
    _rewrite(saved, header)
    peak = _refused_by_load(saved, f"nt.load: {str(saved)!r} is damaged: parameter {name!r} is stored with shape "
                                   f"{stored}, but the architecture in the file gives it shape {edited}. Were the "
                                   f"layer sizes in its nnteach.json edited?")
    assert peak < 2**20, f"{peak:,} bytes"


def test_a_layer_size_edited_beside_a_learners_own_layer_is_refused_before_any_weight_is_allocated(tmp_path):
    # a learner's class is only known by building it, but the Linear layers around it are still checked first
    model = nt.Sequential(nt.Linear(2, 3, rng=0), _Scale(3), nt.Linear(3, 1, rng=0))
    path = nt.save(model, tmp_path / "scale.nnteach")
    assert type(nt.load(path)[1]) is _Scale
    header = _header(path)
    _layer_config(header, 2)["out_features"] = 10**6
    _rewrite(path, header)
    peak = _refused_by_load(path, f"nt.load: {str(path)!r} is damaged: parameter '2.weight' is stored with shape "
                                  f"(1, 3), but the architecture in the file gives it shape (1000000, 3).")
    assert peak < 2**20, f"{peak:,} bytes"


def _npy_header_bytes(shape: tuple, descr: str = "<f8") -> bytes:
    """The header of a .npy file, for arrays crafted byte by byte."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def test_load_refuses_a_zip_bomb_parameter_before_unpacking_it(saved):
    # the entry was read whole: 32 MiB here, as many gigabytes as one likes in a file of a few kilobytes
    member = "params/0.linear.weight.npy"
    with zipfile.ZipFile(saved) as zf:
        others = {n: zf.read(n) for n in zf.namelist() if n != member}
    with zipfile.ZipFile(saved, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, blob in others.items():
            zf.writestr(name, blob)
        with zf.open(member, "w") as fh:
            fh.write(_npy_header_bytes((16, 2)))
            for _ in range(32):
                fh.write(bytes(2**20))
    assert saved.stat().st_size < 2**17
    size = len(_npy_header_bytes((16, 2))) + 32 * 2**20
    peak = _refused_by_load(saved, f"nt.load: {str(saved)!r} is corrupted: parameter '0.linear.weight' unpacks to "
                                   f"{size:,} bytes, more than its shape (16, 2) can need (4,352 bytes at most: 8 a "
                                   f"number, plus the .npy header).")
    assert peak < 2**20, f"{peak:,} bytes"


def test_load_never_reads_more_of_a_parameter_than_its_shape_can_need(saved, monkeypatch):
    # the entry was read whole, trusting the size the archive declares
    member = "params/0.linear.weight.npy"
    with zipfile.ZipFile(saved) as zf:
        declared = zf.getinfo(member).file_size
    asked = []

    class EndlessEntry(io.BytesIO):
        """An entry that gives as many bytes as it is asked for, whatever size its archive declared."""

        def read(self, n=-1):
            asked.append(n)
            return bytes(n if n is not None and n >= 0 else 64 * 2**20)

    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, name, *args, **kwargs: (
        EndlessEntry() if name == member else real_open(self, name, *args, **kwargs)))
    _refused_by_load(saved, f"nt.load: {str(saved)!r} is corrupted: parameter '0.linear.weight' unpacks to more bytes "
                            f"than its archive entry declares ({declared:,}), more than its shape (16, 2) can need "
                            f"(4,352 bytes at most: 8 a number, plus the .npy header).")
    assert asked and all(0 <= n <= 4353 for n in asked), asked


def test_load_of_a_npy_header_claiming_another_shape_is_refused_before_numpy_allocates_it(saved):
    # NumPy allocated the 10**12 numbers the .npy header claims (a MemoryError: 7 TiB) before finding 256 bytes
    _rewrite(saved, _header(saved), {"params/0.linear.weight.npy": _npy_header_bytes((10**12,)) + bytes(256)})
    _refused_by_load(saved, f"nt.load: {str(saved)!r} is corrupted: parameter '0.linear.weight' does not match its "
                            f"checksum.")


def test_load_of_a_parameter_holding_fewer_numbers_than_its_shape_is_refused_before_numpy_allocates_them(tmp_path):
    # a learner's layer, so the architecture cannot say the shape is wrong: NumPy allocated 10**12 numbers for the
    # 3 stored (a MemoryError)
    path = nt.save(nt.Sequential(nt.Linear(2, 3, rng=0), _Scale(3)), tmp_path / "scale.nnteach")
    header = _header(path)
    _layer_config(header, 1)["n"] = 10**12
    next(e for e in header["parameters"] if e["name"] == "1.scale")["shape"] = [10**12]
    _rewrite(path, header, {"params/1.scale.npy": _npy_header_bytes((10**12,)) + bytes(24)})
    peak = _refused_by_load(path, f"nt.load: {str(path)!r} is corrupted: parameter '1.scale' holds 24 bytes of "
                                  f"numbers, but shape (1000000000000,) in float64 takes 8,000,000,000,000.")
    assert peak < 2**20, f"{peak:,} bytes"


@pytest.mark.parametrize("shape", [["16", 2], [16, -2], [16, 2.0], [True, 2], [[16], 2]],
                         ids=["text", "negative", "float", "bool", "list"])
def test_load_of_a_parameter_shape_that_is_not_whole_numbers_is_refused(saved, shape):
    # was only compared with the stored array's shape ("does not match its checksum")
    header = _header(saved)
    header["parameters"][0]["shape"] = shape
    _rewrite(saved, header)
    _refused_by_load(saved, f"nt.load: {str(saved)!r} is corrupted: its nnteach.json lacks a valid architecture or "
                            f"parameter list.")


# ----------------------------------------------------------------------------- classes a file names
def _append_layer(path: Path, spec: dict) -> None:
    header = _header(path)
    header["architecture"]["config"]["layers"].append(spec)
    _rewrite(path, header)


@pytest.mark.parametrize("cls", ["Module", "Activation"])
def test_load_of_a_base_class_named_as_a_layer_says_it_cannot_compute(saved, cls):
    # Module was "not defined" (it is: the base of every layer); Activation was built, and failed at the first forward
    _append_layer(saved, {"class": cls, "config": {}})
    _refused_by_load(saved, f"nt.load: {str(saved)!r} has an architecture that cannot be built: the file names the "
                            f"class {cls}, {_NOT_COMPUTING}: it is not a layer. nt.save never writes one, so the file "
                            f"was probably edited.")


def test_load_of_a_learners_layer_that_lost_its_forward_since_saving_says_so(tmp_path):
    # was loaded, and the model raised NotImplementedError at its first forward
    class Half(nt.Module):
        def forward(self, x):
            return x / 2

        def backward(self, grad_output):
            return grad_output / 2

    path = nt.save(nt.Sequential(nt.Linear(2, 3, rng=0), Half()), tmp_path / "half.nnteach")

    class Half(nt.Module):  # the learner edits the class and runs the cell again
        def foward(self, x):
            return x / 2

    with pytest.raises(nt.ModelFileError, match=re.escape(
            f"nt.load: {str(path)!r} has an architecture that cannot be built: cannot rebuild Sequential from config ")
            + ".*" + re.escape(": Sequential: layer 1 must compute outputs from inputs, got Half, a class that defines no "
                               "forward(x) (is the method's name misspelt?), which cannot compute. Write its forward(x) "
                               "and backward(grad_output).")):
        nt.load(path)


@pytest.mark.parametrize("cls", ["Loss", "MSELoss"])
def test_load_of_a_loss_named_as_a_layer_says_a_loss_is_not_a_layer(saved, cls):
    # was loaded, and the model failed at its first forward
    _append_layer(saved, {"class": cls, "config": {}})
    with pytest.raises(nt.ModelFileError, match=re.escape(
            f"nt.load: {str(saved)!r} has an architecture that cannot be built: cannot rebuild Sequential from config ")
            + ".*" + re.escape(f": Sequential: layer 4 must compute outputs from inputs, got {cls}, {_A_LOSS}. A loss "
                               f"is not a layer: give it to the Trainer")):
        nt.load(saved)


def _valid_names(message: str) -> list[str]:
    return re.findall(r"'([^']+)'", message.split("Valid names: ", 1)[1])


def test_load_of_an_unknown_layer_class_lists_the_layer_names_that_are_defined(saved):
    # the message named no valid class
    _append_layer(saved, {"class": "Swishy", "config": {}})
    with pytest.raises(nt.ModelFileError, match=re.escape(
            f"nt.load: {str(saved)!r} has an architecture that cannot be built: the file names a layer class 'Swishy' "
            f"that is not defined. If it is your own Module subclass, import or define it before loading. Valid names: "
            f"'")) as info:
        nt.load(saved)
    listed = _valid_names(str(info.value))
    computing = {name for name, cls in MODULE_REGISTRY.items()
                 if not issubclass(cls, nt.Loss) and cls.forward is not nt.Module.forward}
    assert listed == sorted(computing)  # every class defined so far (a learner's too: it can be loaded), in order
    assert {"Dense", "Identity", "LeakyReLU", "Linear", "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh",
            "learner_modules.Cube"} <= set(listed)
    assert not {"Module", "Activation", "Loss", "MSELoss"} & set(listed)


def test_load_of_a_dense_naming_an_unknown_activation_class_lists_the_activation_names(saved):
    # "Dense(2, 16): unknown activation class 'Swishy'." named no valid class
    header = _header(saved)
    _layer_config(header, 0)["activation"] = {"class": "Swishy", "config": {}}
    _rewrite(saved, header)
    with pytest.raises(nt.ModelFileError, match=re.escape(
            f"nt.load: {str(saved)!r} has an architecture that cannot be built: the file names an activation class "
            f"'Swishy' that is not defined. If it is your own Activation subclass, import or define it before "
            f"loading. Valid names: '")) as info:
        nt.load(saved)
    listed = _valid_names(str(info.value))
    assert listed == sorted(name for name, cls in MODULE_REGISTRY.items()
                            if issubclass(cls, Activation) and cls.forward is not nt.Module.forward)
    assert {"Identity", "LeakyReLU", "ReLU", "Sigmoid", "Softmax", "Tanh", "learner_modules.Cube"} <= set(listed)
    assert not {"Activation", "Linear", "Dense"} & set(listed)


@pytest.mark.parametrize("make", [
    lambda: nt.Sequential(nt.Linear(2, 3, rng=0), nt.Tanh(), nt.Linear(3, 1, bias=False, rng=0), nt.Sigmoid()),
    lambda: nt.Sequential(nt.Dense(4, 5, activation=nt.LeakyReLU(0.2), rng=0),
                          nt.Sequential(nt.Dense(5, 2, activation=None, bias=False, rng=0), nt.Softmax())),
    lambda: nt.Dense(3, 2, activation="tanh", rng=0),
    lambda: nt.Linear(7, 4, rng=0),
    lambda: nt.Sequential(nt.Linear(2, 3, rng=0), nt.Dense(3, 3, activation=Cube(), rng=0), nt.Linear(3, 1, rng=0)),
], ids=["linears", "nested denses", "dense", "linear", "learner's activation"])
def test_the_shapes_planned_before_loading_are_the_shapes_building_gives(make):
    # nt.load compares the header with shapes worked out from the configs before it builds anything; the
    # plan repeats what Linear and Dense build, so it is checked against them (a learner's class: not planned)
    model = make()
    planned, complete = saving._planned_shapes(json.loads(json.dumps(nt.model.module_to_spec(model))))
    built = {name: p.shape for name, p in model.named_parameters()}
    assert complete == (not any(isinstance(m, Cube) for m in model.modules()))
    assert planned == built if complete else planned.items() <= built.items()
    assert list(planned) == [name for name in built if name in planned]  # and in the same order
