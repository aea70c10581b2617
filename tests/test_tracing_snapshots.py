"""Parameter snapshots: a trace copies every layer's weights (or gradients) at once, and its copies
are private whatever happens to the parameters later (a new optimizer, a dtype change)."""

from __future__ import annotations

import numpy as np

import nnteach as nt
from nnteach.tracing.snapshots import ParamLayout


def _model(rng):
    return nt.Sequential(nt.Linear(2, 3, rng=rng), nt.ReLU(), nt.Linear(3, 1, rng=rng))


def _pairs(model):
    return [(m.weight, m.bias) for m in model if isinstance(m, nt.Linear)]


def test_with_an_optimizer_a_snapshot_is_one_copy_of_its_flat_buffer_cut_into_layers():
    rng = np.random.default_rng(0)
    model = _model(rng)
    opt = nt.SGD(model.parameters(), lr=0.1)
    layout = ParamLayout(_pairs(model))
    snap = layout.take()
    [flat] = snap.buffers()
    assert flat.shape == (13,) and flat is not opt._data and np.array_equal(flat, opt._data)
    (w0, b0), (w1, b1) = layout.per_layer(snap)
    assert np.array_equal(w0, model[0].weight.data) and np.array_equal(b1, model[2].bias.data)
    assert all(a.base is flat for a in (w0, b0, w1, b1))
    model[0].weight.data = np.full((3, 2), 7.0)  # training moves on; the snapshot does not
    assert not np.any(w0 == 7.0)


def test_without_a_shared_buffer_each_array_is_copied_and_a_new_layout_is_found_when_one_appears():
    rng = np.random.default_rng(1)
    model = _model(rng)
    layout = ParamLayout(_pairs(model))
    before = layout.take()
    assert len(before.buffers()) == 4  # no optimizer yet: four separate copies
    opt = nt.Adam(model.parameters(), lr=0.1)
    model[2].bias.grad[...] = 3.0
    grads = layout.take(grads=True)
    assert len(grads.buffers()) == 1
    assert layout.per_layer(grads)[1][1].tolist() == [3.0]
    model.to(np.float32)  # parameters moved out of the optimizer's buffer: copied one by one again
    after = layout.take()
    assert len(after.buffers()) == 4 and after.arrays()[0].dtype == np.float32
    assert np.array_equal(layout.per_layer(before)[0][0].astype(np.float32), model[0].weight.data)
    del opt


def test_a_parameter_shared_by_two_layers_is_copied_once():
    first, second = nt.Linear(2, 2, rng=0), nt.Linear(2, 2, rng=1)
    second.weight = first.weight  # tied weights (one Linear object twice is refused by Sequential)
    model = nt.Sequential(first, nt.Tanh(), second)
    nt.SGD(model.parameters(), lr=0.1)
    layout = ParamLayout(_pairs(model))
    assert len(layout.params) == 3  # the tied weight once, and the two biases
    (w0, _), (w1, _) = layout.per_layer(layout.take())
    assert np.array_equal(w0, w1) and w0.base is w1.base


def test_a_trace_of_every_step_records_the_weights_each_step_used_and_after_its_update():
    rng = np.random.default_rng(2)
    model = _model(rng)
    X, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    loss_fn, opt = nt.MSELoss(), nt.SGD(model.parameters(), lr=0.1)
    expected = []
    with nt.trace(model) as tr:
        for _ in range(3):
            expected.append(model[2].weight.data.copy())
            opt.zero_grad()
            loss_fn(model(X), y)
            model.backward(loss_fn.backward())
            grad = model[2].weight.grad.copy()
            opt.step()
            assert np.array_equal(tr.steps[-1].layers[1].grad_weight, grad)
    for k, step in enumerate(tr.steps):
        assert np.array_equal(step.layers[1].weight, expected[k])
        following = expected[k + 1] if k + 1 < 3 else model[2].weight.data
        assert np.array_equal(step.layers[1].weight_after, following)
