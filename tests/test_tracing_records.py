"""Records: copies that never change, frozen dataclasses, and reading steps by position or index."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

import nnteach as nt
from nnteach.activations import Activation
from test_tracing_lifecycle import train_step
from test_tracing_reference import ARCHS


@pytest.fixture
def rng():
    return np.random.default_rng(11)


# ----------------------------------------------------------------------------- records are copies
def snapshot(steps):
    return [copy.deepcopy(dataclasses.asdict(rec)) for s in steps for rec in s.layers] + \
           [(s.x.copy(), s.y_pred.copy(), s.y.copy(), s.loss) for s in steps]


def assert_snapshot_equal(a, b):
    for ra, rb in zip(a, b):
        if isinstance(ra, dict):
            assert ra.keys() == rb.keys()
            for k in ra:
                va, vb = ra[k], rb[k]
                assert (va is None and vb is None) or np.array_equal(va, vb), k
        else:
            assert all(np.array_equal(u, v) for u, v in zip(ra, rb))


def test_recorded_arrays_do_not_change_when_training_continues_untraced(small_net):
    model, loss_fn, opt, X, y = small_net
    with nt.trace(model) as tr:
        train_step(model, loss_fn, opt, X, y)
    before = snapshot(tr.steps)
    for _ in range(50):
        train_step(model, loss_fn, opt, X, y)
    assert not np.array_equal(model[0].weight.data, tr.steps[0].layers[0].weight_after)  # it did train
    assert_snapshot_equal(before, snapshot(tr.steps))


def test_recorded_arrays_do_not_change_when_the_model_data_or_gradients_change_in_place(small_net):
    model, loss_fn, opt, X, y = small_net
    X, y = X.copy(), y.copy()
    with nt.trace(model) as tr:
        train_step(model, loss_fn, opt, X, y)
    before = snapshot(tr.steps)
    for p in model.parameters():
        p.data[...] = 42.0
        p.data *= 2
        p.grad[...] = -1.0
    opt.zero_grad()
    X[...] = 0.0
    y[...] = 0.0
    assert_snapshot_equal(before, snapshot(tr.steps))


@pytest.mark.parametrize("last", ["sigmoid", "identity", "none"])
def test_arrays_the_learner_holds_are_copied_so_changing_them_changes_no_record(last, rng):
    # The model's output, the gradient handed to backward and the one it returns belong to the
    # learner's code; with an identity (or no) output activation the output is the last z itself.
    tail = {"sigmoid": [nt.Sigmoid()], "identity": [nt.Identity()], "none": []}[last]
    model = nt.Sequential(nt.Linear(2, 4, rng=rng), nt.ReLU(), nt.Linear(4, 1, rng=rng), *tail)
    X = rng.normal(size=(5, 2))
    with nt.trace(model) as tr:
        y_pred = model(X)
        grad = np.ones_like(y_pred) / 5
        grad_x = model.backward(grad)
    before = [copy.deepcopy(dataclasses.asdict(r)) for r in tr.steps[0].layers]
    y_pred *= -3.0
    grad[...] = 7.0
    grad_x[...] = 9.0
    assert_snapshot_equal(before, [dataclasses.asdict(r) for r in tr.steps[0].layers])
    assert not np.any(tr.steps[0].layers[0].grad_input == 9.0)


def test_a_learners_in_place_activation_does_not_change_the_recorded_z(rng):
    class InPlaceReLU(Activation):  # writes its output over its input, as a learner might
        def forward(self, x):
            self._cache = x > 0
            np.maximum(x, 0.0, out=x)
            return x

        def backward(self, grad_output):
            return grad_output * self._cache

    model = nt.Sequential(nt.Linear(2, 4, rng=rng), InPlaceReLU(), nt.Linear(4, 1, rng=rng))
    X = rng.normal(size=(6, 2))
    with nt.trace(model) as tr:
        model(X)
    first = tr.steps[0].layers[0]
    z = X @ model[0].weight.data.T + model[0].bias.data  # computed here, independently
    assert np.allclose(first.z, z, rtol=1e-12) and (first.z < 0).any()  # the negative z are still there
    assert np.allclose(first.a, np.maximum(z, 0.0), rtol=1e-12)


def test_records_are_frozen(small_net):
    model, loss_fn, opt, X, y = small_net
    with nt.trace(model) as tr:
        train_step(model, loss_fn, opt, X, y)
    with pytest.raises(dataclasses.FrozenInstanceError):
        tr.steps[0].loss = 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        tr.steps[0].layers[0].z = None


# ----------------------------------------------------------------------------- reading the steps
def test_steps_index_errors_name_the_valid_range(small_net):
    model, loss_fn, opt, X, y = small_net
    empty = nt.trace(model)
    with pytest.raises(IndexError, match="no step has been recorded yet"):
        empty.steps[0]
    with nt.trace(model) as tr:
        for _ in range(3):
            train_step(model, loss_fn, opt, X, y)
    with pytest.raises(IndexError, match=r"step 3 does not exist; valid steps: 0\.\.2 \(or -3\.\.-1\)"):
        tr.steps[3]
    with pytest.raises(IndexError, match=r"valid steps: 0\.\.2"):
        tr.steps[-4]
    with pytest.raises(TypeError, match="expected a step position"):
        tr.steps["0"]
    assert [s.index for s in tr.steps[1:]] == [1, 2]
    assert tr.steps[-1] is tr.steps[2]


def test_step_finds_a_step_by_its_global_index_or_says_which_were_kept(small_net):
    model, loss_fn, opt, X, y = small_net
    with nt.trace(model, keep_every=2) as tr:
        for _ in range(5):
            train_step(model, loss_fn, opt, X, y)
    assert tr.step(4) is tr.steps[2]
    with pytest.raises(IndexError, match=r"step 3 was not kept .*indices 0\.\.4; keep_every=2"):
        tr.step(3)


def test_a_bare_dense_model_is_traced_as_one_output_layer(rng):
    arch = ARCHS["single_dense_sigmoid_bce"]
    model = arch.build(rng)
    X, y, _ = arch.data(rng, 4)
    with nt.trace(model) as tr:
        nt.BCELoss()(model(X), y)
    assert tr.layer_names == ("output",) and tr.activations == ("sigmoid",)
    assert tr.steps[0].layers[0].a.shape == (4, 2)


def test_trace_step_takes_an_integer_index():
    model = nt.Sequential(nt.Linear(2, 1, rng=0), nt.Sigmoid())
    with nt.trace(model) as tr:
        model(np.ones((1, 2)))
    assert tr.step(0) is tr.steps[0]
    for bad in ("0", None, 0.0):
        with pytest.raises(TypeError, match=r"trace\.step: expected a step index \(int\), got "):
            tr.step(bad)
