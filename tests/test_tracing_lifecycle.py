"""The life of a trace: attaching and detaching hooks, what counts as a step, and records as copies."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import nnteach as nt
import nnteach.losses
import nnteach.optim


@pytest.fixture
def rng():
    return np.random.default_rng(11)


def train_step(model, loss_fn, opt, X, y):
    opt.zero_grad()
    loss = loss_fn(model(X), y)
    model.backward(loss_fn.backward())
    opt.step()
    return loss


def assert_no_hooks_left(model: nt.Module) -> None:
    for name, module in model.named_modules():
        assert "forward" not in vars(module), f"{name or 'model'} still has a forward wrapper"
        assert "backward" not in vars(module), f"{name or 'model'} still has a backward wrapper"
        assert module._forward_hooks == {} and module._forward_pre_hooks == {} and module._backward_hooks == {}
        assert module._watch is None and not vars(module).get("_watchers"), f"{name or 'model'} is still watched"
    assert nnteach.losses._LOSS_HOOKS == {}
    assert nnteach.optim._STEP_HOOKS == {}


# ----------------------------------------------------------------------------- attaching and detaching
def test_hooks_are_attached_while_active_and_removed_after_the_with_block(small_net):
    model, loss_fn, opt, X, y = small_net
    assert_no_hooks_left(model)
    with nt.trace(model) as tr:
        assert tr.active
        assert "forward" in vars(model)
        assert nnteach.losses._LOSS_HOOKS  # every step's loss is kept, from the start
        train_step(model, loss_fn, opt, X, y)
        assert nnteach.optim._STEP_HOOKS  # attached with the per-layer hooks, for the kept steps
        # The containers report their layers' calls; the layers themselves carry nothing. Each Linear
        # is watched both ways; an activation that feeds straight into the next Linear is read at that
        # boundary and is not watched. The output activation's a is the model's output; its backward
        # is watched to read dL/dŷ as it comes in.
        forward, backward = model._watch
        assert sorted(forward) == [0] and sorted(backward) == [0]  # model[0], the Linear; not model[1], Tanh
        forward, backward = model[2]._watch  # the Dense: its linear (0) and its activation (1)
        assert sorted(forward) == [0] and sorted(backward) == [0, 1]
        for layer in (model[0], model[1], model[2].linear, model[2].activation):
            assert "forward" not in vars(layer) and "backward" not in vars(layer)
    assert not tr.active
    assert_no_hooks_left(model)


def test_hooks_are_removed_when_the_with_block_raises(small_net):
    model, loss_fn, opt, X, y = small_net
    with pytest.raises(KeyError, match="boom"):
        with nt.trace(model) as tr:
            train_step(model, loss_fn, opt, X, y)
            model(X)  # a step in progress when the error comes
            raise KeyError("boom")
    assert_no_hooks_left(model)
    assert not tr.active
    assert [s.index for s in tr.steps] == [0, 1]  # the records made so far stay
    assert tr.steps[1].has_backward is False


def test_hooks_are_removed_when_the_model_itself_fails_mid_forward(small_net):
    model, loss_fn, opt, X, y = small_net
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 2\)"):
        with nt.trace(model) as tr:
            train_step(model, loss_fn, opt, X, y)
            model(np.ones((4, 5)))
    assert_no_hooks_left(model)
    assert [s.index for s in tr.steps] == [0]  # the broken forward left no half-made record
    assert tr.num_steps == 2 and np.isnan(tr.losses[1])


def test_hooks_are_removed_when_trainer_fit_fails_inside_the_trace(small_net):
    model, loss_fn, opt, X, y = small_net

    def fail(trainer, batch, loss):
        if batch == 1:
            raise RuntimeError("stopped by a callback")

    trainer = nt.Trainer(model, loss_fn, opt, rng=0)
    with pytest.raises(RuntimeError, match="stopped by a callback"):
        with nt.trace(model) as tr:
            trainer.fit(X, y, epochs=3, batch_size=2, callbacks=[nt.LambdaCallback(on_batch_end=fail)], verbose=0)
    assert_no_hooks_left(model)
    assert tr.num_steps == 2 and all(s.has_update for s in tr.steps)


def test_start_and_stop_record_the_same_as_the_with_block(small_net, rng):
    model, loss_fn, opt, X, y = small_net
    tr = nt.trace(model).start()
    assert tr.active
    loss = train_step(model, loss_fn, opt, X, y)
    assert tr.stop() is tr
    assert_no_hooks_left(model)
    assert tr.num_steps == 1 and tr.steps[0].loss == loss and tr.steps[0].has_update


def test_a_stopped_trace_records_nothing_until_started_again(small_net):
    model, loss_fn, opt, X, y = small_net
    tr = nt.trace(model)
    train_step(model, loss_fn, opt, X, y)  # before start
    tr.start()
    train_step(model, loss_fn, opt, X, y)
    tr.stop()
    train_step(model, loss_fn, opt, X, y)  # between
    tr.start()
    train_step(model, loss_fn, opt, X, y)
    tr.stop()
    assert tr.num_steps == 2 and [s.index for s in tr.steps] == [0, 1] and len(tr.losses) == 2
    assert_no_hooks_left(model)


def test_starting_an_active_trace_twice_is_an_error(small_net):
    model, *_ = small_net
    with nt.trace(model) as tr:
        with pytest.raises(RuntimeError, match="already active"):
            tr.start()
    assert_no_hooks_left(model)


class _OwnLoop(nt.Sequential):
    """A learner's Sequential with a forward of its own: it does not report its layers' calls."""

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def test_a_learners_sequential_with_its_own_forward_is_watched_through_its_layers(small_net):
    model, loss_fn, _, X, y = small_net
    own = _OwnLoop(copy.deepcopy(model.layers))
    records = []
    for m in (model, own):
        opt = nt.SGD(m.parameters(), lr=0.3)
        with nt.trace(m, keep_every=2) as tr:
            for _ in range(5):
                train_step(m, loss_fn, opt, X, y)
            if m is own:  # its own layers carry module hooks (they stay on); the Dense inside still reports
                assert "forward" in vars(own[0]) and "backward" in vars(own[0])
                assert "forward" not in vars(own[2]) and own[2]._watch is not None  # step 4 is kept
        records.append(tr)
        assert_no_hooks_left(m)
    plain, learner = records
    assert [s.index for s in learner.steps] == [s.index for s in plain.steps] == [0, 2, 4]
    assert np.array_equal(learner.losses, plain.losses)
    for a, b in zip(plain.steps, learner.steps):
        for la, lb in zip(a.layers, b.layers):
            for field in ("input", "z", "a", "grad_a", "grad_z", "grad_weight", "grad_input", "weight_after"):
                assert np.array_equal(getattr(la, field), getattr(lb, field)), field


def test_the_users_own_hooks_survive_a_trace(small_net):
    model, loss_fn, opt, X, y = small_net
    seen = []
    handle = model[0].register_forward_hook(lambda m, args, out: seen.append(out.shape))
    with nt.trace(model):
        train_step(model, loss_fn, opt, X, y)
    train_step(model, loss_fn, opt, X, y)
    assert seen == [(6, 3), (6, 3)]
    assert list(model[0]._forward_hooks.values()) and "forward" in vars(model[0])
    handle.remove()
    assert_no_hooks_left(model)


def test_two_traces_of_one_model_record_the_same_steps(small_net):
    model, loss_fn, opt, X, y = small_net
    with nt.trace(model) as a, nt.trace(model, keep_every=2) as b:
        for _ in range(3):
            train_step(model, loss_fn, opt, X, y)
    assert_no_hooks_left(model)
    assert np.array_equal(a.losses, b.losses)
    assert [s.index for s in b.steps] == [0, 2]
    assert np.array_equal(a.steps[2].layers[0].grad_weight, b.steps[1].layers[0].grad_weight)


# ----------------------------------------------------------------------------- what can be traced
def test_a_model_without_neuron_layers_cannot_be_traced():
    with pytest.raises(ValueError, match="no neuron layers"):
        nt.trace(nt.Sequential(nt.ReLU()))
    with pytest.raises(ValueError, match="no neuron layers"):
        nt.trace(nt.Sigmoid())


def test_tracing_something_that_is_not_a_module_is_a_type_error():
    with pytest.raises(TypeError, match="expected a Module"):
        nt.trace(lambda x: x)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(keep_every=0), ValueError, "keep_every >= 1"),
    (dict(keep_every=1.5), TypeError, "keep_every to be an integer"),
    (dict(keep_last=0), ValueError, "keep_last >= 1"),
    (dict(keep_last="10"), TypeError, "keep_last to be an integer"),
])
def test_bad_keep_arguments_are_rejected_with_their_name(small_net, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        nt.trace(small_net[0], **kwargs)


def test_neuron_layers_are_named_and_typed_from_input_to_output(small_net):
    tr = nt.trace(small_net[0])
    assert tr.layer_names == ("hidden 1", "output")
    assert tr.activations == ("tanh", "sigmoid")
    assert "stopped" in repr(tr) and "hidden 1 (tanh)" in repr(tr)


def test_a_bare_linear_layer_without_bias_can_be_traced(rng):
    layer = nt.Linear(3, 2, bias=False, rng=rng)
    X, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    loss_fn, opt = nt.MSELoss(), nt.SGD(layer.parameters(), lr=0.1)
    W = layer.weight.data.copy()
    with nt.trace(layer) as tr:
        train_step(layer, loss_fn, opt, X, y)
    rec = tr.steps[0].layers[0]
    assert rec.bias is None and rec.grad_bias is None and rec.bias_after is None
    assert rec.activation == "identity" and np.array_equal(rec.a, rec.z)
    np.testing.assert_allclose(rec.z, X @ W.T, rtol=1e-12)
    np.testing.assert_allclose(rec.grad_z, 2 * (X @ W.T - y) / y.size, rtol=1e-12)
    assert "b⁽¹⁾" not in tr.explain(0, 0, 0).text
    assert_no_hooks_left(layer)


# ----------------------------------------------------------------------------- what a step is
def test_a_forward_only_step_is_recorded_with_no_gradients(small_net):
    model, _, _, X, _ = small_net
    with nt.trace(model) as tr:
        out = model(X)
    step = tr.steps[0]
    assert np.array_equal(step.y_pred, out)
    assert step.loss is None and step.y is None and step.optimizer is None
    assert not step.has_backward and not step.has_update
    for rec in step.layers:
        for name in ("grad_a", "grad_z", "grad_input", "grad_weight", "grad_bias", "weight_after", "bias_after"):
            assert getattr(rec, name) is None, name
    assert np.isnan(tr.losses[0])


def test_the_step_in_progress_is_visible_as_the_last_step_while_active(small_net):
    model, loss_fn, opt, X, y = small_net
    with nt.trace(model) as tr:
        train_step(model, loss_fn, opt, X, y)
        opt.zero_grad()
        y_pred = model(X)
        assert len(tr.steps) == 2 and tr.steps[-1].index == 1
        assert tr.steps[-1].loss is None and not tr.steps[-1].has_backward
        loss = loss_fn(y_pred, y)
        assert tr.steps[-1].loss == loss and tr.losses[-1] == loss
        model.backward(loss_fn.backward())
        assert tr.steps[-1].has_backward and not tr.steps[-1].has_update
        opt.step()
        assert tr.steps[-1].has_update
    assert len(tr.steps) == 2 and tr.steps[-1].has_update


def test_a_backward_without_an_optimizer_step_records_gradients_but_no_update(small_net):
    model, loss_fn, _, X, y = small_net
    with nt.trace(model) as tr:
        loss_fn(model(X), y)
        model.backward(loss_fn.backward())
    assert tr.steps[0].has_backward and not tr.steps[0].has_update
    assert tr.steps[0].layers[1].weight_after is None


def test_eval_mode_forwards_are_not_steps(small_net):
    model, loss_fn, opt, X, y = small_net
    with nt.trace(model) as tr:
        train_step(model, loss_fn, opt, X, y)
        model.eval()
        nt.BCELoss()(model(X), y)
        model.train()
        train_step(model, loss_fn, opt, X, y)
    assert tr.num_steps == 2 and len(tr.steps) == 2 and len(tr.losses) == 2


def test_a_loss_of_something_other_than_the_models_output_is_not_the_steps_loss(small_net):
    model, loss_fn, _, X, y = small_net
    with nt.trace(model) as tr:
        y_pred = model(X)
        nt.MSELoss()(y_pred.copy(), y)  # not the model's output object
    assert tr.steps[0].loss is None and np.isnan(tr.losses[0])


def test_a_loss_of_the_output_before_a_failed_forward_is_not_the_failed_steps_loss(small_net):
    # the failed pass is step 1; the learner's next line takes the loss of step 0's output again
    model, loss_fn, _, X, y = small_net
    with nt.trace(model) as tr:
        y_pred = model(X)
        first = loss_fn(y_pred, y)
        with pytest.raises(ValueError, match=r"expected input of shape \(N, 2\)"):
            model(np.ones((4, 5)))
        loss_fn(y_pred, y)
    assert tr.num_steps == 2
    assert tr.losses[0] == first and np.isnan(tr.losses[1])  # step 1 computed no output, so it has no loss
    assert [s.index for s in tr.steps] == [0] and tr.steps[0].loss == first


def test_an_optimizer_over_other_parameters_is_not_this_models_update(small_net, rng):
    model, loss_fn, _, X, y = small_net
    other = nt.Linear(2, 1, rng=rng)
    other_opt = nt.SGD(other.parameters(), lr=0.1)
    with nt.trace(model) as tr:
        loss_fn(model(X), y)
        model.backward(loss_fn.backward())
        other_opt.step()
    assert not tr.steps[0].has_update


# ----------------------------------------------------------------------------- Trainer.fit
def test_trainer_fit_records_one_step_per_batch_and_no_evaluation(small_net, rng):
    model, loss_fn, opt, X, y = small_net
    X = rng.normal(size=(10, 2))
    y = (X[:, 0] > 0).astype(np.float64)
    Xv, yv = rng.normal(size=(4, 2)), np.array([0.0, 1.0, 1.0, 0.0])
    trainer = nt.Trainer(model, loss_fn, opt, rng=3)
    with nt.trace(model) as tr:
        history = trainer.fit(X, y, epochs=4, batch_size=3, validation_data=(Xv, yv), verbose=0)
        trainer.evaluate(Xv, yv)
        trainer.predict(Xv)
    batches = 4  # 3 + 3 + 3 + 1
    assert tr.num_steps == len(tr.steps) == len(tr.losses) == 4 * batches
    assert [len(s.x) for s in tr.steps] == [3, 3, 3, 1] * 4
    assert all(s.has_update and s.loss_name == "BCELoss" for s in tr.steps)
    # the epoch losses of History are the batch losses the trace saw, weighted by batch size
    for epoch in range(4):
        total = 0.0
        for s in tr.steps[epoch * batches:(epoch + 1) * batches]:
            total += s.loss * len(s.x)
        assert total / len(X) == history["loss"][epoch]
    assert np.array_equal(tr.losses, [s.loss for s in tr.steps])


def test_trainer_fit_batches_are_the_shuffled_rows_of_the_data(small_net, rng):
    model, loss_fn, opt, _, _ = small_net
    X = rng.normal(size=(8, 2))
    y = (X[:, 0] > 0).astype(np.float64)
    with nt.trace(model) as tr:
        nt.Trainer(model, loss_fn, opt, rng=5).fit(X, y, epochs=2, batch_size=4, verbose=0)
    order = np.random.default_rng(5)
    for epoch in range(2):
        perm = order.permutation(8)
        for b in range(2):
            idx = perm[b * 4:(b + 1) * 4]
            step = tr.steps[epoch * 2 + b]
            assert np.array_equal(step.x, X[idx]) and np.array_equal(step.y, y[idx].reshape(-1, 1))


def test_include_eval_records_eval_mode_forward_passes_as_steps():
    model = nt.Sequential(nt.Linear(2, 3, rng=0), nt.Tanh(), nt.Linear(3, 1, rng=1))
    x = np.array([[0.5, -0.3]])
    model.eval()
    with nt.trace(model) as skipping:
        model(x)
    with nt.trace(model, include_eval=True) as including:
        out = model(x)
    assert skipping.num_steps == 0 and len(skipping.steps) == 0
    assert including.num_steps == 1
    np.testing.assert_array_equal(including.steps[0].y_pred, out)
    assert model.training is False  # tracing never switches the mode


def test_a_traced_model_told_to_skip_its_input_gradient_still_records_it(small_net):
    # A trace observes every layer, so a layer it hooks computes everything, hint or not.
    model, loss_fn, opt, X, y = small_net
    with nt.trace(model) as tr:
        loss_fn(model(X), y)
        returned = model.backward(loss_fn.backward(), input_grad=False)
    first = tr.steps[0].layers[0]
    assert first.grad_input is not None and first.grad_input.shape == X.shape
    assert np.array_equal(returned, first.grad_input)
    untraced = model.backward(loss_fn.backward(), input_grad=False)  # no trace: the hint is taken
    assert untraced is None


def test_models_a_trace_cannot_explain_are_refused_with_the_reason():
    class Square(nt.Module):  # lesson 8's own module, placed where an activation would be
        def forward(self, x):
            self._x = x
            return x * x

        def backward(self, grad_output):
            return 2 * self._x * grad_output

    with pytest.raises(ValueError, match="nt.trace: a Square follows a Linear, where a trace expects an activation"):
        nt.trace(nt.Sequential(nt.Linear(2, 3, rng=0), Square(), nt.Linear(3, 1, rng=0)))
    shared = nt.Linear(2, 2, rng=0)
    model = nt.Sequential(nt.Linear(2, 2, rng=0))
    model.layers = [shared, nt.Tanh(), shared]  # Sequential(...) refuses this; a list assigned by hand is not checked
    with pytest.raises(ValueError, match=r"nt.trace: the same Linear object is used twice in the model \(as modules "
                                         r"0 and 2 of its layers\)"):
        nt.trace(model)

    class MLP(nt.Module):  # layers as attributes: a trace follows Sequential, Dense and Linear only
        def __init__(self):
            super().__init__()
            self.l1, self.l2 = nt.Linear(2, 3, rng=0), nt.Linear(3, 1, rng=0)

    with pytest.raises(ValueError, match=r"MLP holds Linear, Linear as attributes, and a trace follows only "
                                         r"nt.Sequential, nt.Dense and nt.Linear: put the layers in an nt.Sequential"):
        nt.trace(MLP())
