"""Traces as plain data: to_dict / save_json and back with trace_from_dict / load_trace."""

from __future__ import annotations

import copy
import json
import os
import re

import numpy as np
import pytest

import nnteach as nt
from nnteach.tracing import PHASES, LoadedTrace, trace_from_dict
from nnteach.tracing.records import ARRAY_FIELDS
from test_tracing_reference import ARCH_NAMES, ARCHS


@pytest.fixture
def rng():
    return np.random.default_rng(31)


def record_trace(arch, rng, steps=4, **trace_kwargs):
    """A few momentum-SGD steps, then a forward-only step (no loss, no gradients)."""
    model = arch.build(rng)
    X, y, _ = arch.data(rng, 5)
    loss_fn, opt = arch.loss_fn(), nt.SGD(model.parameters(), lr=0.1, momentum=0.5)
    with nt.trace(model, **trace_kwargs) as tr:
        for _ in range(steps):
            opt.zero_grad()
            loss_fn(model(X), y)
            model.backward(loss_fn.backward())
            opt.step()
        model(X)
    return tr


def as_float(a):
    return None if a is None else np.asarray(a, dtype=np.float64)


def assert_same_trace(a, b):
    assert a.num_steps == b.num_steps
    assert (a.keep_every, a.keep_last) == (b.keep_every, b.keep_last)
    assert tuple(a.layer_names) == tuple(b.layer_names) and tuple(a.activations) == tuple(b.activations)
    assert np.array_equal(a.losses, b.losses, equal_nan=True)
    assert len(a.steps) == len(b.steps)
    for sa, sb in zip(a.steps, b.steps):
        for name in ("index", "loss", "loss_name", "optimizer", "lr", "plain_sgd"):
            assert getattr(sa, name) == getattr(sb, name), name
        for name in ("x", "y", "y_pred"):
            va, vb = as_float(getattr(sa, name)), as_float(getattr(sb, name))
            assert (va is None and vb is None) or np.array_equal(va, vb), name
        assert len(sa.layers) == len(sb.layers)
        for ra, rb in zip(sa.layers, sb.layers):
            assert (ra.index, ra.name, ra.activation) == (rb.index, rb.name, rb.activation)
            for name in ARRAY_FIELDS:
                va, vb = as_float(getattr(ra, name)), as_float(getattr(rb, name))
                assert (va is None and vb is None) or np.array_equal(va, vb), f"step {sa.index} {ra.name} {name}"


@pytest.mark.parametrize("arch_name", ARCH_NAMES)
def test_to_dict_round_trip_keeps_every_number(arch_name, rng):
    tr = record_trace(ARCHS[arch_name], rng)
    loaded = trace_from_dict(tr.to_dict())
    assert isinstance(loaded, LoadedTrace) and not loaded.active
    assert_same_trace(tr, loaded)
    assert loaded.steps[-1].has_backward is False and np.isnan(loaded.losses[-1])


@pytest.mark.parametrize("arch_name", ARCH_NAMES)
def test_save_json_and_load_trace_keep_every_number_and_every_explanation(arch_name, rng, tmp_path):
    tr = record_trace(ARCHS[arch_name], rng)
    path = tmp_path / "run.json"
    tr.save_json(path)
    assert os.listdir(tmp_path) == ["run.json"]  # written atomically: no temporary file left behind
    loaded = nt.load_trace(path)
    assert_same_trace(tr, loaded)
    for k in range(len(tr.steps) - 1):  # the last step is forward-only
        for layer, rec in enumerate(tr.steps[k].layers):
            for neuron in range(rec.out_features):
                for phase in PHASES:
                    a = tr.explain(k, layer, neuron, sample=1, phase=phase)
                    b = loaded.explain(k, layer, neuron, sample=1, phase=phase)
                    assert a.text == b.text
                    assert a._repr_html_() == b._repr_html_() and a._repr_latex_() == b._repr_latex_()


def test_the_json_file_is_plain_data_in_a_named_format(rng, tmp_path):
    tr = record_trace(ARCHS["leaky_relu_then_logits_bce"], rng)
    path = tmp_path / "run.json"
    tr.save_json(path)
    with open(path) as fh:
        d = json.load(fh)
    assert d["format"] == "nnteach-trace" and d["format_version"] == 2
    assert d["layer_options"][0] == {"negative_slope": 0.2}
    assert d["losses"][-1] is None  # the forward-only step has no loss: null, not NaN
    assert d == tr.to_dict()
    assert json.loads(json.dumps(tr.to_dict())) == tr.to_dict()


def test_a_loaded_trace_converts_back_to_the_same_dict(rng):
    d = record_trace(ARCHS["tanh_then_logits_cross_entropy"], rng).to_dict()
    assert trace_from_dict(d).to_dict() == d


def test_thinned_traces_round_trip_with_their_step_indices(rng):
    tr = record_trace(ARCHS["dense_relu_tanh_identity_mse"], rng, steps=9, keep_every=2, keep_last=3)
    loaded = trace_from_dict(tr.to_dict())
    assert [s.index for s in loaded.steps] == [s.index for s in tr.steps] == [4, 6, 8]
    assert len(loaded.losses) == 10
    assert loaded.step(6).loss == tr.step(6).loss
    with pytest.raises(IndexError, match="step 5 was not kept"):
        loaded.step(5)


def test_a_loaded_trace_keeps_the_leaky_relu_slope_for_its_explanations(rng):
    tr = record_trace(ARCHS["leaky_relu_then_logits_bce"], rng)
    loaded = trace_from_dict(tr.to_dict())
    texts = [loaded.explain(0, 0, j, sample=s, phase="backward").text for j in range(6) for s in range(5)]
    assert any("LeakyReLU′(z⁽¹⁾" in t and "·0.2 =" in t for t in texts)  # some unit had z ≤ 0


# ----------------------------------------------------------------------------- bad input
@pytest.fixture
def good(rng):
    return record_trace(ARCHS["linear_act_pairs_bce"], rng, steps=2).to_dict()


@pytest.mark.parametrize("bad", [None, [1, 2], "nnteach-trace", {"format": "nnteach-model"}, {}])
def test_data_of_another_kind_is_refused_by_name(bad):
    with pytest.raises(ValueError, match=r"nt\.load_trace: expected a dict made by Trace\.to_dict\(\) \(format 'nnteach-trace'\)"):
        trace_from_dict(bad)


def test_a_newer_format_version_asks_to_upgrade(good):
    good["format_version"] = 3
    with pytest.raises(ValueError, match=r"trace format version 3 is newer than this nnteach reads \(2\)\. Upgrade nnteach"):
        trace_from_dict(good)


@pytest.mark.parametrize("version", ["2", 2.0, None, 0, -5, True])
def test_a_format_version_that_no_nnteach_wrote_is_named(good, version):
    # "2" was called newer than 2, and 0, -5 and True were read as if valid
    good["format_version"] = version
    with pytest.raises(ValueError, match=re.escape(f"nt.load_trace: expected format_version to be a whole number "
                                                   f"from 1 to 2, got {version!r}.")):
        trace_from_dict(good)


def _strict(text: str):
    """Parse as a strict JSON reader (a browser's JSON.parse) would: no NaN or Infinity tokens."""
    def refuse(token):
        raise ValueError(f"not JSON: {token}")
    return json.loads(text, parse_constant=refuse)


def test_a_diverged_run_is_saved_as_strict_json_and_its_nan_and_inf_come_back(tmp_path):
    model = nt.Sequential(nt.Linear(1, 2, rng=0), nt.Tanh(), nt.Linear(2, 1, rng=1))
    loss_fn = nt.MSELoss()
    batches = [(np.array([[1.0], [2.0]]), np.array([[1.0], [0.0]])),
               (np.array([[np.inf], [np.nan]]), np.array([[1.0], [0.0]]))]  # what a diverged run feeds on
    with nt.trace(model) as tr, np.errstate(invalid="ignore", over="ignore"):
        for X, y in batches:
            loss_fn(model(X), y)
            model.backward(loss_fn.backward())
    step = tr.steps[1]
    assert np.isnan(step.loss) and np.isposinf(step.x[0, 0]) and np.isinf(step.layers[0].z[0]).all()
    path = tmp_path / "diverged.json"
    tr.save_json(path)
    d = _strict(path.read_text())
    assert d["steps"][1]["loss"] == "NaN" and d["losses"][1] is None  # losses: null is no loss or NaN
    assert d["steps"][1]["x"] == [["Infinity"], ["NaN"]]
    loaded = nt.load_trace(path)
    assert np.isnan(loaded.steps[1].loss) and np.array_equal(loaded.losses, tr.losses, equal_nan=True)
    assert np.array_equal(loaded.steps[1].x, step.x, equal_nan=True)
    for i, layer in enumerate(step.layers):
        for field in ARRAY_FIELDS:
            a, b = getattr(layer, field), getattr(loaded.steps[1].layers[i], field)
            assert (a is None and b is None) or np.array_equal(a, b, equal_nan=True), (i, field)


def test_a_version_1_file_with_bare_nan_tokens_still_loads(good):
    good["format_version"] = 1
    good["steps"][0]["layers"][0]["z"][0][0] = float("nan")
    text = json.dumps(good)  # Python writes the bare NaN token version 1 files have
    assert "NaN" in text
    loaded = trace_from_dict(json.loads(text))
    assert np.isnan(loaded.steps[0].layers[0].z[0, 0])


@pytest.mark.parametrize("damage", [
    lambda d: d.pop("steps"),
    lambda d: d.pop("layer_names"),
    lambda d: d["steps"][0].pop("x"),
    lambda d: d["steps"][0]["layers"][0].__setitem__("z", [[1.0, 2.0], [3.0]]),  # ragged
    lambda d: d["steps"][0]["layers"][0].__setitem__("z", "not numbers"),
    lambda d: d["steps"][0].__setitem__("layers", [[1.0, 2.0]]),  # a layer that is not a dict
    lambda d: d["steps"][0]["layers"].append(copy.deepcopy(d["steps"][0]["layers"][0])),  # more layers than names
    lambda d: d["steps"][0]["layers"].pop(),  # fewer layers than names
    lambda d: d["steps"][0]["layers"][1].__setitem__("z", None),  # a forward value missing
    lambda d: d.__setitem__("losses", 3.0),
], ids=["no steps", "no layer names", "no x", "ragged array", "text for numbers", "layer not a dict",
        "extra layer", "missing layer", "null z", "losses not a list"])
def test_damaged_data_gives_a_clear_error(good, damage):
    damage(good)
    with pytest.raises(ValueError, match=r"nt\.load_trace: the trace data is incomplete or damaged"):
        trace_from_dict(good)


@pytest.mark.parametrize("damage, message", [
    (lambda d: d.pop("steps"), "the trace has no 'steps', expected the fields layer_names, activations, keep_every, "
                               "keep_last, num_steps, losses, steps"),
    (lambda d: (d.pop("losses"), d.pop("num_steps")), "the trace has no 'num_steps', 'losses', expected the fields "),
    (lambda d: d["steps"][0].pop("layers"), "step 0 has no 'layers', expected the fields layers"),
], ids=["steps", "losses and num_steps", "a step's layers"])
def test_a_missing_field_is_named(good, damage, message):
    # these used to read "(KeyError: 'steps')"
    damage(good)
    with pytest.raises(ValueError, match=re.escape(f"nt.load_trace: the trace data is incomplete or damaged: {message}")):
        trace_from_dict(good)


def _layer(d, layer, step=0):
    return d["steps"][step]["layers"][layer]


def _set(d, field, value, layer=None, step=0):
    (d["steps"][step] if layer is None else _layer(d, layer, step))[field] = value


# linear_act_pairs_bce: 3 -> 5 (tanh) -> 4 (sigmoid) -> 1 (sigmoid), a batch of N = 5
@pytest.mark.parametrize("damage, message", [
    (lambda d: _set(d, "weight", [row[:4] for row in _layer(d, 1)["weight"]], layer=1),
     "step 0, layer 1 (hidden 2), field 'weight' has shape (4, 4), expected shape (4, 5) = (out, in) with out = 4 "
     "and in = 5 as the other arrays of the step give"),
    (lambda d: _set(d, "weight", _layer(d, 1)["weight"][:3], layer=1),
     "step 0, layer 1 (hidden 2), field 'weight' has shape (3, 5), expected shape (4, 5) = (out, in)"),
    (lambda d: _set(d, "z", _layer(d, 2)["z"][:4], layer=2),
     "step 0, layer 2 (output), field 'z' has shape (4, 1), expected shape (5, 1) = (N, out) with N = 5 and out = 1"),
    (lambda d: _set(d, "z", [[1.0] * 5] * 4 + [[1.0] * 4], layer=0),
     "step 0, layer 0 (hidden 1), field 'z' holds ragged nested lists (rows of different lengths), expected shape "
     "(5, 5) = (N, out)"),
    (lambda d: _set(d, "a", "not numbers", layer=0),
     "step 0, layer 0 (hidden 1), field 'a' holds 'not numbers', not an array of numbers, expected shape (5, 5)"),
    (lambda d: _layer(d, 0).pop("input"),
     "step 0, layer 0 (hidden 1), field 'input' is missing (absent or null), expected shape (5, 3) = (N, in) "
     "with N = 5 and in = 3"),
    (lambda d: _set(d, "bias", _layer(d, 0)["bias"][:4], layer=0),
     "step 0, layer 0 (hidden 1), field 'bias' has shape (4,), expected shape (5,) = (out,) with out = 5"),
    (lambda d: _set(d, "grad_input", np.array(_layer(d, 2)["grad_input"]).T.tolist(), layer=2),
     "step 0, layer 2 (output), field 'grad_input' has shape (4, 5), expected shape (5, 4) = (N, in)"),
    (lambda d: _set(d, "weight_after", sum(_layer(d, 1)["weight_after"], []), layer=1),
     "step 0, layer 1 (hidden 2), field 'weight_after' has shape (20,), expected shape (4, 5) = (out, in)"),
    (lambda d: _set(d, "grad_bias", 0.5, layer=2),
     "step 0, layer 2 (output), field 'grad_bias' has shape (), expected shape (1,) = (out,)"),
    (lambda d: _set(d, "x", d["steps"][0]["x"][:4]),
     "step 0, field 'x' has shape (4, 3), expected 5 rows (N, the batch size) as the other arrays of the step have"),
    (lambda d: d["steps"][0].pop("y_pred"),
     "step 0, field 'y_pred' is missing (absent or null), expected 5 rows (N, the batch size)"),
    (lambda d: _set(d, "y", d["steps"][0]["y"] * 2),
     "step 0, field 'y' has shape (10, 1), expected 5 rows (N, the batch size)"),
    (lambda d: d["steps"][0]["layers"].append(copy.deepcopy(_layer(d, 0))),
     "step 0 has 4 layers, expected 3 as the trace's layer_names (hidden 1, hidden 2, output)"),
    (lambda d: _set(d, "layers", [_layer(d, 0), [1.0, 2.0], _layer(d, 2)]),
     "step 0, layer 1 (hidden 2) is list [1.0, 2.0], expected a dict of its arrays"),
], ids=["weight column dropped", "weight row dropped", "z rows fewer than x", "ragged z", "text for a", "no input",
        "bias too short", "grad_input transposed", "weight_after flattened", "grad_bias a number", "x rows dropped",
        "no y_pred", "y rows doubled", "extra layer", "layer not a dict"])
def test_arrays_of_the_wrong_shape_are_named_with_the_shape_expected(good, damage, message):
    # such a file loaded (or failed with a NumPy error naming nothing), then explain() or a widget failed inside NumPy
    damage(good)
    prefix = "nt.load_trace: the trace data is incomplete or damaged: "
    with pytest.raises(ValueError, match=re.escape(prefix + message)):
        trace_from_dict(good)


def test_load_trace_names_the_damaged_array_of_a_file(good, tmp_path):
    _set(good, "z", [row[:3] for row in _layer(good, 1, step=1)["z"]], layer=1, step=1)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(good))
    with pytest.raises(ValueError, match=re.escape(
            "nt.load_trace: the trace data is incomplete or damaged: step 1, layer 1 (hidden 2), field 'z' has shape "
            "(5, 3), expected shape (5, 4) = (N, out) with N = 5 and out = 4 as the other arrays of the step give. "
            "Was the file edited or cut short?")):
        nt.load_trace(path)


def test_every_array_field_of_a_layer_record_has_a_shape_to_check():
    from nnteach.tracing.checks import LAYER_DIMS

    assert tuple(LAYER_DIMS) == ARRAY_FIELDS


class _Widen(nt.Module):  # a learner's module before the first Linear: x is not the first layer's input
    def forward(self, x):
        return np.concatenate([x, x], axis=1)

    def backward(self, grad_output, input_grad=True):
        half = grad_output.shape[1] // 2
        return grad_output[:, :half] + grad_output[:, half:]


class _SumColumns(nt.Module):  # a learner's module after the last activation: y_pred is not the last a
    def forward(self, x):
        self._width = x.shape[1]
        return x.sum(axis=1, keepdims=True)

    def backward(self, grad_output, input_grad=True):
        return np.repeat(grad_output, self._width, axis=1)


def test_traces_that_record_less_or_wrap_the_layers_still_load(rng):
    """The nulls and widths a real trace writes are accepted: a layer without bias, a backward without
    dL/d(input), a backward that stopped early, and learner's modules around the neuron layers."""
    model = nt.Sequential(_Widen(), nt.Linear(4, 3, bias=False, rng=rng), nt.Tanh(),
                          nt.Dense(3, 2, activation="sigmoid", rng=rng), _SumColumns())
    X, y = rng.normal(size=(6, 2)), rng.normal(size=(6, 1))
    loss_fn, opt = nt.MSELoss(), nt.SGD(model.parameters(), lr=0.1)
    with nt.trace(model) as tr:
        model(X)  # forward only
        loss_fn(model(X), y)
        model.backward(loss_fn.backward(), input_grad=False)
        opt.step()
        loss_fn(model(X), y)
        model[3].backward(model[4].backward(loss_fn.backward()))  # stops before the first layer
        opt.step()
    assert tr.steps[1].layers[0].grad_input is not None and tr.steps[2].layers[0].grad_z is None
    loaded = trace_from_dict(json.loads(json.dumps(tr.to_dict())))
    assert_same_trace(tr, loaded)
    assert loaded.steps[0].x.shape == (6, 2) and loaded.steps[0].layers[0].input.shape == (6, 4)
    assert loaded.explain(1, 1, 0, phase="update").text == tr.explain(1, 1, 0, phase="update").text


def test_a_trace_of_an_empty_batch_still_loads_with_its_layer_shapes():
    # JSON writes [] for an array of shape (0, in): the shape checks must not refuse what a trace wrote
    model = nt.Sequential(nt.Linear(2, 3, rng=0), nt.ReLU(), nt.Linear(3, 1, rng=1))
    with nt.trace(model) as tr:
        model(np.zeros((0, 2)))
    loaded = trace_from_dict(tr.to_dict())
    assert [(r.input.shape, r.z.shape) for r in loaded.steps[0].layers] == [((0, 2), (0, 3)), ((0, 3), (0, 1))]


def test_load_trace_explains_a_missing_or_non_json_file(tmp_path, rng):
    with pytest.raises(FileNotFoundError, match="nt.load_trace: no file at"):
        nt.load_trace(tmp_path / "missing.json")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match="is not a JSON trace"):
        nt.load_trace(text)
    model_file = tmp_path / "model.nnteach"
    nt.save(nt.Sequential(nt.Linear(2, 1, rng=rng)), model_file)  # a zip archive, not JSON
    with pytest.raises(ValueError, match="is not a JSON trace"):
        nt.load_trace(model_file)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(ValueError, match="expected a dict made by Trace.to_dict"):
        nt.load_trace(other)


def test_save_json_into_a_missing_folder_and_load_trace_of_a_folder_are_named(tmp_path):
    model = nt.Sequential(nt.Linear(2, 1, rng=0), nt.Sigmoid())
    with nt.trace(model) as tr:
        model(np.ones((1, 2)))
    with pytest.raises(FileNotFoundError, match=re.escape(f"trace.save_json: the folder {str(tmp_path / 'no')!r} "
                                                          f"does not exist")):
        tr.save_json(tmp_path / "no" / "t.json")
    with pytest.raises(IsADirectoryError, match="nt.load_trace: .* is a folder, not a trace file"):
        nt.load_trace(tmp_path)
    with pytest.raises(TypeError, match=r"nt.load_trace: expected a file name"):
        nt.load_trace(None)


# ----------------------------------------------------------------------------- the trace's fields against each other
def assert_refused(d, message):
    full = f"nt.load_trace: the trace data is incomplete or damaged: {message}. Was the file edited or cut short?"
    with pytest.raises(ValueError, match=re.escape(full)):
        trace_from_dict(d)


@pytest.mark.parametrize("arch_name, damage, message", [
    ("linear_act_pairs_bce", lambda d: _set(d, "y", sum(d["steps"][0]["y"], [])),
     "step 0, field 'y' has shape (5,), expected (5, 1), y_pred's shape: a trace keeps the targets as BCELoss "
     "compares them with y_pred"),
    ("dense_relu_tanh_identity_mse", lambda d: _set(d, "y", [row[:1] for row in d["steps"][0]["y"]]),
     "step 0, field 'y' has shape (5, 1), expected (5, 2), y_pred's shape: a trace keeps the targets as MSELoss "
     "compares them with y_pred"),
    ("tanh_then_logits_cross_entropy", lambda d: _set(d, "y", [row.index(1.0) for row in d["steps"][0]["y"]]),
     "step 0, field 'y' has shape (5,), expected (5, 3), y_pred's shape: a trace keeps the targets as "
     "CrossEntropyLoss compares them with y_pred (class indices as one-hot rows)"),
    ("linear_act_pairs_bce", lambda d: _set(d, "y_pred", sum(d["steps"][0]["y_pred"], [])),
     "step 0, field 'y_pred' has shape (5,), expected 2-D (N, outputs) as BCELoss requires"),
    ("linear_act_pairs_bce", lambda d: _set(d, "loss_name", "CrossEntropyLoss"),
     "step 0, field 'y_pred' has shape (5, 1), expected (N, C) with C >= 2 classes as CrossEntropyLoss requires"),
], ids=["bce targets flattened", "mse target column dropped", "ce one-hot rows as class indices",
        "bce y_pred flattened", "one output called cross-entropy"])
def test_targets_of_another_shape_than_the_loss_keeps_are_named(arch_name, damage, message, rng):
    # they loaded (only their rows were checked), then a widget indexing y[s, 0] failed inside NumPy
    d = record_trace(ARCHS[arch_name], rng, steps=2).to_dict()
    damage(d)
    assert_refused(d, message)


class _HingeLoss(nt.Loss):
    """A learner's loss that keeps its (N,) targets of ±1 as given: a trace stores them so."""

    def _check(self, y_pred, y_true):
        return np.asarray(y_pred, dtype=float), np.asarray(y_true, dtype=float)

    def _value(self, y_pred, y_true):
        return float(np.maximum(0.0, 1.0 - y_true * y_pred[:, 0]).mean())

    def _grad(self, y_pred, y_true):
        return -(y_true * (y_true * y_pred[:, 0] < 1.0))[:, None] / len(y_true)


def test_the_targets_of_a_learners_own_loss_are_checked_for_rows_only(rng):
    model = nt.Sequential(nt.Linear(2, 3, rng=rng), nt.Tanh(), nt.Linear(3, 1, rng=rng))
    X, y = rng.normal(size=(4, 2)), np.array([1.0, -1.0, 1.0, -1.0])
    loss_fn = _HingeLoss()
    with nt.trace(model) as tr:
        loss_fn(model(X), y)
        model.backward(loss_fn.backward())
    d = tr.to_dict()
    assert np.array(d["steps"][0]["y"]).shape == (4,) and d["steps"][0]["loss_name"] == "_HingeLoss"
    assert_same_trace(tr, trace_from_dict(d))


# good (linear_act_pairs_bce): steps 0 and 1 trained (loss, update), step 2 forward only; num_steps 3, all kept
@pytest.mark.parametrize("damage, message", [
    (lambda d: d["losses"].pop(), "losses has 2 values, expected 3, one per observed step (num_steps = 3)"),
    (lambda d: d.__setitem__("num_steps", 4), "losses has 3 values, expected 4, one per observed step (num_steps = 4)"),
    (lambda d: d["losses"].__setitem__(1, "lots"),
     "losses[1] is 'lots', expected a number, one of 'NaN', 'Infinity', '-Infinity', or null (no loss)"),
    (lambda d: d.__setitem__("losses", {"0": 0.5}),
     "losses is dict {'0': 0.5}, expected a list of 3 losses, one per observed step (num_steps = 3)"),
    (lambda d: d.__setitem__("num_steps", "3"), "num_steps is '3', expected a whole number >= 0 (the steps observed)"),
    (lambda d: d.__setitem__("num_steps", -1), "num_steps is -1, expected a whole number >= 0 (the steps observed)"),
    (lambda d: d.__setitem__("keep_every", 0), "keep_every is 0, expected a whole number >= 1 (keep every n-th step)"),
    (lambda d: d.__setitem__("keep_every", 1.0),
     "keep_every is 1.0, expected a whole number >= 1 (keep every n-th step)"),
    (lambda d: d.__setitem__("keep_last", 0),
     "keep_last is 0, expected null (no limit) or a whole number >= 1 (keep only the newest n steps)"),
    (lambda d: d.__setitem__("keep_last", True),
     "keep_last is True, expected null (no limit) or a whole number >= 1 (keep only the newest n steps)"),
    (lambda d: d.__setitem__("keep_last", 2), "steps holds 3 steps, expected at most keep_last = 2 (a trace keeps "
                                              "the newest 2)"),
    (lambda d: _set(d, "index", 3, step=2),
     "steps[2] has index 3, expected an index from 0 to 2, as num_steps = 3 steps were observed"),
    (lambda d: _set(d, "index", -1, step=0),
     "steps[0] has index -1, expected an index from 0 to 2, as num_steps = 3 steps were observed"),
    (lambda d: d["steps"].reverse(),
     "steps[1] has index 1, expected more than 2, the index of steps[0] (kept steps are listed oldest first, "
     "each once)"),
    (lambda d: d["steps"].insert(1, copy.deepcopy(d["steps"][0])),
     "steps[1] has index 0, expected more than 0, the index of steps[0] (kept steps are listed oldest first, "
     "each once)"),
    (lambda d: d.__setitem__("keep_every", 2),
     "steps[1] has index 1, expected a multiple of keep_every = 2 (a trace keeps steps 0, 2, 4, ...)"),
    (lambda d: _set(d, "loss", 0.25, step=1),
     "step 1, field 'loss' is 0.25 but losses[1] is <losses[1]>, expected the same loss in both (losses holds every "
     "observed step's loss, null for none or NaN)"),
    (lambda d: d["losses"].__setitem__(0, None),
     "step 0, field 'loss' is <losses[0]> but losses[0] is null, expected the same loss in both (losses holds every "
     "observed step's loss, null for none or NaN)"),
    (lambda d: d["steps"].pop(1),
     "step 1 is missing from steps, expected it kept: losses[1] is <losses[1]>, so its forward pass "
     "completed, 1 is a multiple of keep_every = 1, and a trace keeps every such step"),
], ids=["losses shorter", "num_steps larger", "text in losses", "losses a dict", "num_steps text", "num_steps negative",
        "keep_every zero", "keep_every float", "keep_last zero", "keep_last bool", "more steps than keep_last",
        "index past num_steps", "index negative", "steps reversed", "step listed twice", "index off keep_every",
        "step loss edited", "losses entry erased", "kept step deleted"])
def test_counts_indices_and_losses_that_disagree_are_named(good, damage, message):
    # each of these loaded silently (or failed naming nothing): a step's loss disagreed with the loss curve,
    # trace.step(i) found the wrong step, a widget's slider ran past the losses
    for i, loss in enumerate(good["losses"]):  # <losses[i]>: the value as the file holds it
        message = message.replace(f"<losses[{i}]>", json.dumps(loss))
    damage(good)
    assert_refused(good, message)


@pytest.mark.parametrize("damage, message", [
    (lambda d: d["activations"].pop(),
     "activations is ['tanh', 'sigmoid'], expected a list of 3 names (str), one per layer of layer_names (hidden 1, "
     "hidden 2, output)"),
    (lambda d: d["layer_options"].append({}),
     "layer_options is [{}, {}, {}, {}], expected a list of 3 dicts (such as {'negative_slope': 0.01} or {}), one "
     "per layer of layer_names (hidden 1, hidden 2, output)"),
    (lambda d: d.__setitem__("layer_names", "output"),
     "layer_names is 'output', expected a non-empty list of names (str), one per neuron layer"),
    (lambda d: d.__setitem__("steps", {"0": {}}), "steps is dict {'0': {}}, expected a list of steps"),
    (lambda d: d["steps"].__setitem__(0, [1, 2]), "steps[0] is list [1, 2], expected a dict of the step's fields"),
    (lambda d: _set(d, "index", "0"),
     "steps[0] has index '0', expected a whole number (the step's number among all observed steps)"),
    (lambda d: _set(d, "loss", "low"),
     "step 0, field 'loss' is 'low', expected a number, one of 'NaN', 'Infinity', '-Infinity', or null"),
    (lambda d: _set(d, "lr", [0.1]),
     "step 0, field 'lr' is [0.1], expected a number, one of 'NaN', 'Infinity', '-Infinity', or null"),
    (lambda d: _set(d, "loss_name", 3), "step 0, field 'loss_name' is 3, expected a name (str) or null"),
    (lambda d: _set(d, "plain_sgd", None), "step 0, field 'plain_sgd' is None, expected true or false"),
    (lambda d: _set(d, "y", None),
     "step 0 has 'loss', 'loss_name' set but 'y' null (or absent), expected 'y', 'loss', 'loss_name' all set "
     "(a step whose loss was computed) or all null"),
    (lambda d: _set(d, "loss", 0.5, step=2),
     "step 2 has 'loss' set but 'y', 'loss_name' null (or absent), expected 'y', 'loss', 'loss_name' all set "
     "(a step whose loss was computed) or all null"),
    (lambda d: d["steps"][1].pop("lr"),
     "step 1 has 'optimizer' set but 'lr' null (or absent), expected 'optimizer', 'lr' all set (a step with an "
     "optimizer update) or all null"),
], ids=["activation missing", "layer options extra", "layer names text", "steps a dict", "step a list", "index text",
        "loss text", "lr a list", "loss_name a number", "plain_sgd null", "loss without y", "loss on forward-only step",
        "update without lr"])
def test_layer_lists_and_step_fields_of_the_wrong_kind_are_named(good, damage, message):
    damage(good)
    assert_refused(good, message)


def test_a_step_missing_where_keep_last_keeps_the_newest_is_named(rng):
    tr = record_trace(ARCHS["dense_relu_tanh_identity_mse"], rng, steps=7, keep_every=2, keep_last=2)
    d = tr.to_dict()
    assert [s["index"] for s in d["steps"]] == [4, 6] and len(d["losses"]) == 8
    d["keep_every"] = 1  # then step 5 would have been kept, and keep_last drops only the oldest
    assert_refused(d, f"step 5 is missing from steps, expected it kept: losses[5] is {json.dumps(d['losses'][5])}, so "
                      f"its forward pass completed, 5 is a multiple of keep_every = 1, and keep_last = 2 drops only "
                      f"steps older than the kept ones (4 to 6)")


def test_a_trace_holding_fewer_steps_than_keep_last_has_dropped_none(rng):
    tr = record_trace(ARCHS["dense_relu_tanh_identity_mse"], rng, steps=3, keep_last=2)  # kept: 2 (trained), 3
    d = tr.to_dict()
    d["steps"].pop(0)
    assert_refused(d, f"step 2 is missing from steps, expected it kept: losses[2] is {json.dumps(d['losses'][2])}, so "
                      f"its forward pass completed, 2 is a multiple of keep_every = 1, and a trace keeps every such "
                      f"step (fewer than keep_last = 2 are kept, so none was dropped)")


def _thinned_run(rng, export_at=None):
    """keep_every=3, keep_last=2 over 10 steps: step 6 forward only, step 9 still in progress (loss, no backward).
    Returns the trace and its to_dict() taken inside the with block, while step 9 is in progress."""
    model = nt.Sequential(nt.Linear(3, 4, rng=rng), nt.ReLU(), nt.Linear(4, 3, rng=rng))
    loss_fn, opt = nt.CrossEntropyLoss(), nt.Adam(model.parameters(), lr=0.01)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 3, size=6)
    with nt.trace(model, keep_every=3, keep_last=2) as tr:
        for t in range(10):
            out = model(X)
            if t == 6:
                continue  # a look at the output, no loss
            loss_fn(out, y)
            if t == 9:
                in_progress = tr.to_dict()
                break
            opt.zero_grad()
            model.backward(loss_fn.backward())
            opt.step()
    return tr, in_progress


def test_thinned_traces_with_a_step_in_progress_and_one_without_loss_still_load(rng):
    tr, in_progress = _thinned_run(rng)
    assert [s["index"] for s in in_progress["steps"]] == [6, 9] and in_progress["num_steps"] == 10
    assert in_progress["steps"][0]["loss"] is None and in_progress["losses"][6] is None
    assert in_progress["steps"][1]["layers"][0]["grad_z"] is None  # in progress: no backward yet
    loaded = trace_from_dict(json.loads(json.dumps(in_progress)))
    assert [s.index for s in loaded.steps] == [6, 9] and len(loaded.losses) == 10
    assert loaded.steps[0].loss is None and loaded.steps[1].loss == tr.losses[9] and not loaded.steps[1].has_backward
    assert_same_trace(tr, trace_from_dict(tr.to_dict()))  # after the with block: the same steps, closed


def test_a_version_1_file_may_list_the_step_in_progress_beside_keep_last_closed_ones(rng):
    # nnteach's first traces listed the step in progress after the keep_last closed ones, and wrote version 1
    tr, in_progress = _thinned_run(rng)
    d = copy.deepcopy(in_progress)
    d["keep_last"] = 1
    assert_refused(copy.deepcopy(d), "steps holds 2 steps, expected at most keep_last = 1 (a trace keeps the newest 1)")
    d["format_version"] = 1
    assert [s.index for s in trace_from_dict(d).steps] == [6, 9]
    d["steps"][-1]["index"] = 8  # not the step in progress (num_steps - 1 = 9): no exception for it
    d["steps"][-1]["loss"] = d["losses"][8]
    assert_refused(d, "steps holds 2 steps, expected at most keep_last = 1 (a trace keeps the newest 1)")


def test_a_learning_rate_set_to_infinity_comes_back_as_a_number():
    # the loss was read back from "Infinity" as a float, the learning rate stayed the string "Infinity"
    model = nt.Sequential(nt.Linear(2, 1, rng=0))
    opt, loss_fn = nt.SGD(model.parameters(), lr=0.1), nt.MSELoss()
    with nt.trace(model) as tr, np.errstate(invalid="ignore", over="ignore"):
        opt.lr = float("inf")  # set by hand after the optimizer checked it
        loss_fn(model(np.ones((2, 2))), np.ones((2, 1)))
        model.backward(loss_fn.backward())
        opt.step()
    d = _strict(json.dumps(tr.to_dict()))
    assert d["steps"][0]["lr"] == "Infinity"
    loaded = trace_from_dict(d)
    assert loaded.steps[0].lr == float("inf")
    assert_same_trace(tr, loaded)
