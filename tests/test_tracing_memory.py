"""Bounded memory: keep_every and keep_last thin the records, the losses are always complete, and
a long run with keep_last holds its memory flat."""

from __future__ import annotations

import gc
import time
import tracemalloc

import numpy as np
import pytest

import nnteach as nt

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # (4, 2)
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])  # (4, 1)


@pytest.fixture
def rng():
    return np.random.default_rng(5)


def xor_setup(rng, loss_fn=None):
    model = nt.Sequential(nt.Linear(2, 3, rng=rng), nt.Tanh(), nt.Linear(3, 1, rng=rng), nt.Sigmoid())
    return model, loss_fn or nt.BCELoss(), nt.SGD(model.parameters(), lr=0.5)


def run_steps(model, loss_fn, opt, n: int) -> list[float]:
    losses = []
    for _ in range(n):
        opt.zero_grad()
        losses.append(loss_fn(model(XOR_X), XOR_Y))
        model.backward(loss_fn.backward())
        opt.step()
    return losses


def untraced_losses(n: int) -> list[float]:
    return run_steps(*xor_setup(np.random.default_rng(5)), n)


def test_keep_every_keeps_steps_0_n_2n_and_every_loss(rng):
    model, loss_fn, opt = xor_setup(rng)
    with nt.trace(model, keep_every=4) as tr:
        run_steps(model, loss_fn, opt, 11)
    assert [s.index for s in tr.steps] == [0, 4, 8]
    assert tr.num_steps == 11
    assert np.array_equal(tr.losses, untraced_losses(11))
    assert all(s.has_update for s in tr.steps)


def test_keep_last_keeps_the_newest_steps_and_every_loss(rng):
    model, loss_fn, opt = xor_setup(rng)
    with nt.trace(model, keep_last=3) as tr:
        run_steps(model, loss_fn, opt, 10)
    assert [s.index for s in tr.steps] == [7, 8, 9]
    assert np.array_equal(tr.losses, untraced_losses(10))
    assert [s.loss for s in tr.steps] == tr.losses[7:].tolist()


def test_keep_every_and_keep_last_combine(rng):
    model, loss_fn, opt = xor_setup(rng)
    with nt.trace(model, keep_every=3, keep_last=2) as tr:
        run_steps(model, loss_fn, opt, 13)
    assert [s.index for s in tr.steps] == [9, 12]
    assert len(tr.losses) == 13


def test_keep_last_also_bounds_the_steps_seen_while_a_step_is_in_progress(rng):
    model, loss_fn, opt = xor_setup(rng)
    with nt.trace(model, keep_last=3) as tr:
        run_steps(model, loss_fn, opt, 5)
        model(XOR_X)  # step 5 in progress
        assert [s.index for s in tr.steps] == [3, 4, 5]
    assert [s.index for s in tr.steps] == [3, 4, 5]


def test_thinned_steps_of_a_bare_linear_model_are_recorded_whole(rng):
    # the per-layer hooks come and go with keep_every: the kept steps must still be complete
    layer = nt.Linear(2, 1, rng=rng)
    loss_fn, opt = nt.MSELoss(), nt.SGD(layer.parameters(), lr=0.1)
    with nt.trace(layer, keep_every=2) as tr:
        run_steps(layer, loss_fn, opt, 5)
    assert [s.index for s in tr.steps] == [0, 2, 4]
    for s in tr.steps:
        assert np.array_equal(s.x, XOR_X) and s.has_update
        np.testing.assert_allclose(s.layers[0].z, XOR_X @ s.layers[0].weight.T + s.layers[0].bias, rtol=1e-12)


def test_losses_of_steps_that_were_not_kept_are_the_real_losses(rng):
    model, loss_fn, opt = xor_setup(rng)
    with nt.trace(model, keep_every=5, keep_last=1) as tr:
        expected = run_steps(model, loss_fn, opt, 23)
    assert tr.losses.dtype == np.float64
    assert np.array_equal(tr.losses, expected)
    returned = tr.losses
    returned[:] = 0.0  # a copy: changing it does not change the trace
    assert np.array_equal(tr.losses, expected)


@pytest.mark.slow
def test_a_100000_step_xor_run_with_keep_last_holds_memory_flat(rng):
    total, warm, window = 100_000, 5_000, 1_000
    # MSE rather than BCE: the same XOR run with fewer NumPy temporaries per step, which is what
    # tracemalloc's per-allocation cost makes slow.
    model, loss_fn, opt = xor_setup(rng, nt.MSELoss())
    X, Y = XOR_X, XOR_Y
    zero_grad, step, backward, grad = opt.zero_grad, opt.step, model.backward, loss_fn.backward

    def run(n):
        for _ in range(n):
            zero_grad()
            loss_fn(model(X), Y)
            backward(grad())
            step()

    t0 = time.perf_counter()
    with nt.trace(model, keep_last=window) as tr:
        run(warm - window)
        # tracemalloc only sees what is allocated after it starts: let one whole window of
        # records be made under it, so records freed later are records it counted.
        tracemalloc.start()
        try:
            run(window)
            gc.collect()
            base = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            run(total - warm)
            gc.collect()
            current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    seconds = time.perf_counter() - t0

    assert tr.num_steps == total and len(tr.losses) == total
    assert [s.index for s in tr.steps][::333] == [99_000, 99_333, 99_666, 99_999]
    assert len(tr.steps) == window
    assert np.all(np.isfinite(tr.losses)) and tr.losses[-1] < 0.1 * tr.losses[0]  # it did learn XOR

    growth = current - base
    # What may grow: the float64 loss array, 8 bytes a step, whose buffer doubles (so at most
    # twice what the steps need), and a little slack for interpreter caches.
    allowed = 2 * 8 * total + 64 * 1024
    per_record = base / window  # at `base`, the traced memory is almost all the kept window
    keep_all = per_record * total
    print(f"\n100k traced XOR steps: growth {growth / 1024:.0f} KiB (allowed {allowed / 1024:.0f} KiB), "
          f"peak over base {(peak - base) / 1024:.0f} KiB; one record ~{per_record:.0f} B, keeping all "
          f"would take ~{keep_all / 2**20:.0f} MiB; {seconds:.1f} s")
    assert growth <= allowed
    assert growth < keep_all / 100
