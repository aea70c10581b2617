"""Tracing observes, never repeats: traced and untraced training end bit for bit identical."""

from __future__ import annotations

import numpy as np
import pytest

import nnteach as nt
from test_tracing_reference import ARCH_NAMES, ARCHS

SEED = 1234


def fit_with_trainer(arch, traced: bool, **trace_kwargs):
    """Adam, shuffled mini-batches (the last one short), validation each epoch; all from SEED."""
    rng = np.random.default_rng(SEED)
    model = arch.build(rng)
    X, y, _ = arch.data(rng, 23)
    Xv, yv, _ = arch.data(rng, 6)
    trainer = nt.Trainer(model, arch.loss_fn(), nt.Adam(model.parameters(), lr=0.02), rng=SEED)
    batch_losses = []
    cb = nt.LambdaCallback(on_batch_end=lambda trainer, b, loss: batch_losses.append(loss))
    kwargs = dict(epochs=6, batch_size=5, shuffle=True, validation_data=(Xv, yv), callbacks=[cb], verbose=0)
    if traced:
        with nt.trace(model, **trace_kwargs) as tr:
            history = trainer.fit(X, y, **kwargs)
    else:
        tr, history = None, trainer.fit(X, y, **kwargs)
    return model, history, batch_losses, tr


def hand_loop(arch, traced: bool, steps: int = 25, **trace_kwargs):
    """SGD with momentum, mini-batches in a fixed random order, written out by hand."""
    rng = np.random.default_rng(SEED)
    model = arch.build(rng)
    X, y, _ = arch.data(rng, 16)
    loss_fn = arch.loss_fn()
    opt = nt.SGD(model.parameters(), lr=0.05, momentum=0.9)
    order = np.random.default_rng(SEED + 1).integers(0, len(X), size=(steps, 4))
    losses = []

    def run():
        for idx in order:
            opt.zero_grad()
            y_pred = model(X[idx])
            losses.append(loss_fn(y_pred, y[idx]))
            model.backward(loss_fn.backward())
            opt.step()

    if traced:
        with nt.trace(model, **trace_kwargs) as tr:
            run()
    else:
        tr = None
        run()
    return model, losses, tr


def assert_same_weights(a: nt.Module, b: nt.Module) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for k in sa:
        assert np.array_equal(sa[k], sb[k]), f"{k} differs between the traced and the untraced run"


@pytest.mark.parametrize("arch_name", ARCH_NAMES)
def test_traced_and_untraced_trainer_fit_end_bit_identical(arch_name):
    arch = ARCHS[arch_name]
    plain, h_plain, losses_plain, _ = fit_with_trainer(arch, traced=False)
    traced, h_traced, losses_traced, tr = fit_with_trainer(arch, traced=True)
    assert_same_weights(plain, traced)
    assert h_plain.history == h_traced.history  # every epoch metric, exactly
    assert losses_plain == losses_traced
    assert np.array_equal(tr.losses, np.array(losses_plain))  # and the trace saw every step's loss


@pytest.mark.parametrize("arch_name", ARCH_NAMES)
def test_traced_and_untraced_hand_loop_with_sgd_momentum_end_bit_identical(arch_name):
    arch = ARCHS[arch_name]
    plain, losses_plain, _ = hand_loop(arch, traced=False)
    traced, losses_traced, tr = hand_loop(arch, traced=True)
    assert_same_weights(plain, traced)
    assert losses_plain == losses_traced
    assert np.array_equal(tr.losses, np.array(losses_plain))
    assert len(tr.steps) == tr.num_steps == len(losses_plain)
    assert not tr.steps[0].plain_sgd and "momentum=0.9" in tr.steps[0].optimizer


@pytest.mark.parametrize("trace_kwargs", [dict(keep_every=3), dict(keep_last=2), dict(keep_every=2, keep_last=3)])
def test_thinned_traces_also_leave_training_bit_identical(trace_kwargs):
    arch = ARCHS["leaky_relu_then_logits_bce"]
    plain, losses_plain, _ = hand_loop(arch, traced=False)
    traced, losses_traced, tr = hand_loop(arch, traced=True, **trace_kwargs)
    assert_same_weights(plain, traced)
    assert np.array_equal(tr.losses, np.array(losses_plain))


def test_a_trace_on_one_model_leaves_another_models_training_untouched():
    arch = ARCHS["tanh_then_logits_cross_entropy"]
    plain, losses_plain, _ = hand_loop(arch, traced=False)
    bystander = arch.build(np.random.default_rng(0))
    with nt.trace(bystander) as tr:
        other, losses_other, _ = hand_loop(arch, traced=False)
    assert_same_weights(plain, other)
    assert losses_plain == losses_other
    assert tr.num_steps == 0 and len(tr.steps) == 0 and len(tr.losses) == 0


def test_float32_training_is_bit_identical_and_recorded_in_float32():
    def run(traced):
        rng = np.random.default_rng(SEED)
        model = nt.Sequential(nt.Linear(2, 4, rng=rng, dtype=np.float32), nt.Tanh(),
                              nt.Linear(4, 1, rng=rng, dtype=np.float32), nt.Sigmoid())
        X = rng.normal(size=(12, 2)).astype(np.float32)
        y = (X[:, 0] * X[:, 1] > 0).astype(np.float32)
        trainer = nt.Trainer(model, nt.BCELoss(), nt.Adam(model.parameters(), lr=0.05), rng=SEED)
        if not traced:
            trainer.fit(X, y, epochs=5, batch_size=4, verbose=0)
            return model, None
        with nt.trace(model) as tr:
            trainer.fit(X, y, epochs=5, batch_size=4, verbose=0)
        return model, tr

    plain, _ = run(False)
    traced, tr = run(True)
    assert_same_weights(plain, traced)
    rec = tr.steps[-1].layers[0]
    assert all(getattr(rec, f).dtype == np.float32 for f in ("input", "weight", "z", "a", "grad_z", "grad_weight"))
