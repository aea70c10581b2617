"""Every number a trace records agrees with an independent plain-NumPy computation.

The reference (tests/test_tracing_reference.py) recomputes z, a, the loss and every gradient from
the weights the model had *before* the step and the batch alone, never through nnteach's code.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnteach as nt
from test_tracing_reference import ARCH_NAMES, ARCHS, assert_close, model_params, reference_step

LR = 0.1


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def traced_sgd_step(arch, rng, n=7):
    """One plain-SGD step of a fresh model under a trace; returns what the test needs."""
    model = arch.build(rng)
    X, y_model, y_ref = arch.data(rng, n)
    params_before = model_params(model)
    loss_fn = arch.loss_fn()
    opt = nt.SGD(model.parameters(), lr=LR)
    with nt.trace(model) as tr:
        opt.zero_grad()
        loss = loss_fn(model(X), y_model)
        model.backward(loss_fn.backward())
        opt.step()
    return model, tr, X, y_ref, params_before, loss


@pytest.mark.parametrize("arch_name", ARCH_NAMES)
def test_recorded_forward_values_match_plain_numpy(arch_name, rng):
    arch = ARCHS[arch_name]
    _, tr, X, y_ref, params, _ = traced_sgd_step(arch, rng)
    _, ref = reference_step(params, arch.acts, X, y_ref, arch.loss)
    step = tr.steps[0]
    assert len(step.layers) == len(ref)
    for i, (rec, exp) in enumerate(zip(step.layers, ref)):
        assert rec.index == i
        assert rec.activation == arch.acts[i][0]
        assert rec.input.shape == (len(X), exp.weight.shape[1])
        assert rec.z.shape == rec.a.shape == (len(X), exp.weight.shape[0])
        assert np.array_equal(rec.weight, exp.weight), "weight must be the value used in this forward pass"
        assert np.array_equal(rec.bias, exp.bias)
        assert_close(rec.input, exp.input, f"layer {i} input")
        assert_close(rec.z, exp.z, f"layer {i} z")  # z = input @ W.T + b
        assert_close(rec.a, exp.a, f"layer {i} a")  # a = f(z)


@pytest.mark.parametrize("arch_name", ARCH_NAMES)
def test_recorded_gradients_match_plain_numpy(arch_name, rng):
    arch = ARCHS[arch_name]
    _, tr, X, y_ref, params, _ = traced_sgd_step(arch, rng)
    _, ref = reference_step(params, arch.acts, X, y_ref, arch.loss)
    for i, (rec, exp) in enumerate(zip(tr.steps[0].layers, ref)):
        assert_close(rec.grad_a, exp.grad_a, f"layer {i} dL/da")  # from the loss formula / next layer
        assert_close(rec.grad_z, exp.grad_z, f"layer {i} dL/dz")  # dL/da * f'(z)
        assert_close(rec.grad_weight, exp.grad_weight, f"layer {i} dL/dW")  # dL/dz.T @ input
        assert_close(rec.grad_bias, exp.grad_bias, f"layer {i} dL/db")  # dL/dz summed over the batch
        assert_close(rec.grad_input, exp.grad_input, f"layer {i} dL/dinput")  # dL/dz @ W


@pytest.mark.parametrize("arch_name", ARCH_NAMES)
def test_recorded_update_is_weight_minus_lr_times_gradient_for_plain_sgd(arch_name, rng):
    arch = ARCHS[arch_name]
    model, tr, X, y_ref, params, _ = traced_sgd_step(arch, rng)
    _, ref = reference_step(params, arch.acts, X, y_ref, arch.loss)
    step = tr.steps[0]
    assert step.plain_sgd and step.lr == LR
    after = model_params(model)
    for i, (rec, exp) in enumerate(zip(step.layers, ref)):
        assert_close(rec.weight_after, exp.weight - LR * exp.grad_weight, f"layer {i} weight_after")
        assert_close(rec.bias_after, exp.bias - LR * exp.grad_bias, f"layer {i} bias_after")
        # and they are the values the model holds now
        assert np.array_equal(rec.weight_after, after[i][0])
        assert np.array_equal(rec.bias_after, after[i][1])


@pytest.mark.parametrize("arch_name", ARCH_NAMES)
def test_layers_chain_and_step_fields_match_the_batch_and_loss(arch_name, rng):
    arch = ARCHS[arch_name]
    _, tr, X, y_ref, params, loss = traced_sgd_step(arch, rng)
    ref_loss, _ = reference_step(params, arch.acts, X, y_ref, arch.loss)
    step = tr.steps[0]
    assert step.index == 0
    assert np.array_equal(step.x, X)
    for lower, upper in zip(step.layers, step.layers[1:]):
        assert np.array_equal(upper.input, lower.a), "the input of layer l+1 is the a of layer l"
        assert np.array_equal(lower.grad_a, upper.grad_input), "dL/da of layer l is what layer l+1 sends back"
    assert np.array_equal(step.y_pred, step.layers[-1].a)
    assert np.array_equal(step.y, y_ref.reshape(step.y_pred.shape))  # CE: class indices as one-hot
    assert step.loss == loss
    assert step.loss == pytest.approx(ref_loss, rel=1e-12)
    assert step.loss_name == type(arch.loss_fn()).__name__
    assert tr.losses.tolist() == [loss]


def test_second_step_starts_from_the_first_steps_weight_after(rng):
    arch = ARCHS["linear_act_pairs_bce"]
    model = arch.build(rng)
    X, y, y_ref = arch.data(rng, 6)
    loss_fn, opt = arch.loss_fn(), nt.SGD(model.parameters(), lr=LR)
    with nt.trace(model) as tr:
        for _ in range(3):
            opt.zero_grad()
            loss_fn(model(X), y)
            model.backward(loss_fn.backward())
            opt.step()
    assert [s.index for s in tr.steps] == [0, 1, 2]
    for before, after in zip(tr.steps, tr.steps[1:]):
        for r0, r1 in zip(before.layers, after.layers):
            assert np.array_equal(r1.weight, r0.weight_after)
            assert np.array_equal(r1.bias, r0.bias_after)
    # and the third step's numbers are still the independent computation's
    last = tr.steps[2]
    params = [(r.weight, r.bias) for r in last.layers]
    _, ref = reference_step(params, arch.acts, X, y_ref, arch.loss)
    for rec, exp in zip(last.layers, ref):
        assert_close(rec.grad_weight, exp.grad_weight)


# ----------------------------------------------------------------------------- per-sample contributions
@pytest.mark.parametrize("arch_name", ARCH_NAMES)
def test_per_sample_gradients_average_to_the_batch_gradient(arch_name, rng):
    arch = ARCHS[arch_name]
    _, tr, X, _, _, _ = traced_sgd_step(arch, rng)
    for rec in tr.steps[0].layers:
        gw, gb = rec.per_sample_grad_weight(), rec.per_sample_grad_bias()
        assert gw.shape == (len(X), rec.out_features, rec.in_features)
        assert gb.shape == (len(X), rec.out_features)
        assert_close(gw.mean(axis=0), rec.grad_weight)
        assert_close(gb.mean(axis=0), rec.grad_bias)


@pytest.mark.parametrize("arch_name", ARCH_NAMES)
def test_each_per_sample_gradient_is_that_samples_own_loss_gradient(arch_name, rng):
    arch = ARCHS[arch_name]
    _, tr, X, y_ref, params, _ = traced_sgd_step(arch, rng)
    layers = tr.steps[0].layers
    per_w = [r.per_sample_grad_weight() for r in layers]
    per_b = [r.per_sample_grad_bias() for r in layers]
    for n in range(len(X)):
        # a separate forward/backward of sample n alone (its own loss, a batch of one)
        _, alone = reference_step(params, arch.acts, X[n:n + 1], y_ref[n:n + 1], arch.loss)
        for i, exp in enumerate(alone):
            assert_close(per_w[i][n], exp.grad_weight, f"sample {n}, layer {i} dW")
            assert_close(per_b[i][n], exp.grad_bias, f"sample {n}, layer {i} db")


def test_per_sample_gradients_of_a_single_sample_match_a_traced_single_sample_step(rng):
    # The same check through the library itself: trace sample 2 alone, from the same weights.
    arch = ARCHS["tanh_then_logits_cross_entropy"]
    model = arch.build(rng)
    X, y, _ = arch.data(rng, 5)
    state = model.state_dict()
    loss_fn = arch.loss_fn()
    with nt.trace(model) as tr:
        loss_fn(model(X), y)
        model.backward(loss_fn.backward())
        model.zero_grad()
        loss_fn(model(X[2:3]), y[2:3])
        model.backward(loss_fn.backward())
    assert all(np.array_equal(v, model.state_dict()[k]) for k, v in state.items())
    batch, alone = tr.steps
    for rb, ra in zip(batch.layers, alone.layers):
        assert_close(rb.per_sample_grad_weight()[2], ra.grad_weight)
        assert_close(rb.per_sample_grad_bias()[2], ra.grad_bias)


def test_per_sample_gradients_need_a_backward_pass(rng):
    model = ARCHS["linear_act_pairs_bce"].build(rng)
    with nt.trace(model) as tr:
        model(rng.normal(size=(4, 3)))
    rec = tr.steps[0].layers[0]
    with pytest.raises(RuntimeError, match="needs a backward pass"):
        rec.per_sample_grad_weight()
    with pytest.raises(RuntimeError, match="needs a backward pass"):
        rec.per_sample_grad_bias()
