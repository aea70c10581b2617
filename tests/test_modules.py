"""ONE shared battery run over every kind of Module (Keras' layer test harness, in spirit).

Each kind is built by a factory that takes a seeded generator, so every check sees the same
numbers on every run. The battery checks: output shape, backward against finite differences
(parameters and input, float64), a readable and stable repr, the get_config/from_config round
trip, the save/load round trip, the error for a wrongly shaped input, and the error for backward
before forward.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import nnteach as nt
from nnteach.activations import ACTIVATIONS, Activation
from nnteach.module import MODULE_REGISTRY

IN = 3  # every kind takes 3 input features


def _sequential(rng):
    return nt.Sequential(
        nt.Linear(IN, 5, rng=rng), nt.Tanh(), nt.Dense(5, 4, activation="relu", rng=rng), nt.Linear(4, 2, rng=rng)
    )


# (id, factory(rng) -> module, expected repr)
KINDS = [
    ("Linear", lambda rng: nt.Linear(IN, 4, rng=rng), "Linear(in_features=3, out_features=4)"),
    ("Linear-no-bias", lambda rng: nt.Linear(IN, 4, bias=False, rng=rng),
     "Linear(in_features=3, out_features=4, bias=False)"),
    *[
        (f"Dense-{name}", (lambda rng, name=name: nt.Dense(IN, 4, activation=name, rng=rng)),
         f"Dense(in_features=3, out_features=4, activation={ACTIVATIONS[name]()!r})")
        for name in ACTIVATIONS
    ],
    ("Dense-None", lambda rng: nt.Dense(IN, 4, activation=None, rng=rng),
     "Dense(in_features=3, out_features=4, activation=Identity())"),
    ("ReLU", lambda rng: nt.ReLU(), "ReLU()"),
    ("LeakyReLU", lambda rng: nt.LeakyReLU(0.1), "LeakyReLU(negative_slope=0.1)"),
    ("Sigmoid", lambda rng: nt.Sigmoid(), "Sigmoid()"),
    ("Tanh", lambda rng: nt.Tanh(), "Tanh()"),
    ("Softmax", lambda rng: nt.Softmax(), "Softmax()"),
    ("Identity", lambda rng: nt.Identity(), "Identity()"),
    ("Sequential", _sequential,
     "Sequential(\n"
     "  (0): Linear(in_features=3, out_features=5)\n"
     "  (1): Tanh()\n"
     "  (2): Dense(in_features=5, out_features=4, activation=ReLU())\n"
     "  (3): Linear(in_features=4, out_features=2)\n"
     ")"),
]
IDS = [k[0] for k in KINDS]
FACTORIES = [k[1] for k in KINDS]
by_kind = pytest.mark.parametrize("make", FACTORIES, ids=IDS)
# The kinds that contain a Linear and so expect a fixed number of input features.
WITH_WIDTH = [k for k in KINDS if k[0].startswith(("Linear", "Dense", "Sequential"))]


def _out_features(module) -> int:
    return module.output_shape((1, IN))[-1]


def test_battery_covers_every_module_class_in_nnteach():
    """A new Module class must be added to the battery: every concrete layer/activation is here."""
    rng = np.random.default_rng(0)
    covered = {type(make(rng)) for make in FACTORIES}
    layer_classes = {cls for cls in MODULE_REGISTRY.values()
                     if cls.__module__ in ("nnteach.layers", "nnteach.activations", "nnteach.model")
                     and cls is not Activation}
    assert len(layer_classes) >= 9
    assert layer_classes <= covered, f"not in the battery: {sorted(c.__name__ for c in layer_classes - covered)}"


def test_dense_battery_covers_every_activation_name():
    assert {i for i in IDS if i.startswith("Dense-")} >= {f"Dense-{name}" for name in ACTIVATIONS}


@by_kind
def test_sequential_takes_every_kind_as_a_layer_and_refuses_a_loss_beside_it(make, rng):
    model = nt.Sequential(make(rng))
    model.append(make(rng))
    assert len(model) == 2
    with pytest.raises(TypeError, match=r"Sequential: layer 1 must compute outputs from inputs, got MSELoss, a loss"):
        nt.Sequential(make(rng), nt.MSELoss())


@by_kind
def test_output_has_batch_rows_and_expected_features(make, rng):
    module = make(rng)
    x = rng.normal(size=(5, IN))
    out = module(x)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    assert out.shape == (5, _out_features(module))
    assert module.output_shape((5, IN)) == out.shape
    assert np.isfinite(out).all()


@by_kind
def test_backward_matches_finite_differences(make, rng):
    module = make(rng)
    x = rng.normal(size=(4, IN))
    y = rng.normal(size=(4, _out_features(module)))
    result = nt.gradcheck(module, nt.MSELoss(), x, y)
    checked = {row.name for row in result.rows}
    assert checked == {name for name, _ in module.named_parameters()} | {"input"}
    # The check is not vacuous: some gradient is clearly non-zero.
    assert max(np.abs(g).max() for g in result.analytic.values()) > 1e-3
    assert result.max_rel_error <= 1e-6, result.table()


@pytest.mark.parametrize("kind, make, expected", KINDS, ids=IDS)
def test_repr_is_readable_and_stable(kind, make, expected, rng):
    module = make(rng)
    assert repr(module) == expected
    # The same for another instance with other weights, and after a forward and backward pass.
    assert repr(make(np.random.default_rng(99))) == expected
    out = module(rng.normal(size=(2, IN)))
    module.backward(np.ones_like(out))
    assert repr(module) == expected
    assert "array" not in repr(module) and "0x" not in repr(module)


@by_kind
def test_config_round_trip_gives_the_same_config(make, rng):
    module = make(rng)
    config = module.get_config()
    assert json.loads(json.dumps(config)) == config  # JSON-ready: saving needs no pickle
    rebuilt = type(module).from_config(config)
    assert type(rebuilt) is type(module)
    assert rebuilt.get_config() == config
    assert repr(rebuilt) == repr(module)
    assert {n: p.shape for n, p in rebuilt.named_parameters()} == {n: p.shape for n, p in module.named_parameters()}


@by_kind
def test_save_load_round_trip_is_exact(make, rng, tmp_path):
    module = make(rng)
    x = rng.normal(size=(6, IN))
    path = nt.save(module, tmp_path / "model.nnteach")
    loaded = nt.load(path)
    assert type(loaded) is type(module)
    assert loaded.get_config() == module.get_config()
    before, after = module.state_dict(), loaded.state_dict()
    assert list(after) == list(before)
    for name in before:
        assert after[name].dtype == before[name].dtype
        assert np.array_equal(after[name], before[name]), name
    assert np.array_equal(loaded(x), module(x))  # bit for bit


@by_kind
@pytest.mark.parametrize("shape", [(IN,), (2, IN, 1)], ids=["1-D", "3-D"])
def test_input_that_is_not_a_2d_batch_raises_value_error(make, rng, shape):
    module = make(rng)
    with pytest.raises(ValueError, match=rf"expected input of shape \(N, .*got {len(shape)}-D shape"):
        module(np.ones(shape))


@pytest.mark.parametrize("kind, make, expected_repr", WITH_WIDTH, ids=[k[0] for k in WITH_WIDTH])
def test_input_with_wrong_width_raises_value_error_naming_the_layer(kind, make, expected_repr, rng):
    module = make(rng)  # (element-wise modules take any number of features)
    with pytest.raises(ValueError, match=r"^Linear\(in_features=3, out_features=\d(, bias=False)?\) expected input of shape "
                                         r"\(N, 3\), got \(2, 5\)\. Does the previous layer output 5 features\?"):
        module(np.ones((2, 5)))


@by_kind
def test_backward_before_forward_raises_runtime_error(make, rng):
    module = make(rng)
    with pytest.raises(RuntimeError, match=r"backward\(\) called before forward\(\)"):
        module.backward(np.ones((2, _out_features(module))))


@by_kind
def test_float32_module_keeps_float32_through_save_and_load(make, rng, tmp_path):
    module = make(rng).to(np.float32)
    x = rng.normal(size=(3, IN)).astype(np.float32)
    loaded = nt.load(nt.save(module, tmp_path / "m32.nnteach"))
    assert all(p.data.dtype == np.float32 for p in loaded.parameters())
    assert loaded(x).dtype == module(x).dtype == np.float32
    assert np.array_equal(loaded(x), module(x))


class _LinearWithDoubledWeightGradient(nt.Linear):
    """A deliberately wrong backward: dL/dW comes out twice as large as it should."""

    def backward(self, grad_output):
        dL_dx = super().backward(grad_output)
        self.weight.grad *= 2
        return dL_dx


def test_gradcheck_catches_a_wrong_backward(rng):
    """The battery's gradient check has teeth: a weight gradient off by a factor of 2 fails it."""
    layer = _LinearWithDoubledWeightGradient(IN, 2, rng=rng)
    result = nt.gradcheck(layer, nt.MSELoss(), rng.normal(size=(4, IN)), rng.normal(size=(4, 2)))
    assert not result.ok
    assert result.where[0] == "weight"
    assert result.max_rel_error > 0.1
    assert {row.name: row.ok for row in result.rows} == {"weight": False, "bias": True, "input": True}
    assert "FAILED" in result.table()


def test_gradients_accumulate_until_zero_grad(rng):
    layer = nt.Linear(IN, 2, rng=rng)
    x, g = rng.normal(size=(4, IN)), rng.normal(size=(4, 2))
    layer(x)
    layer.backward(g)
    once = layer.weight.grad.copy()
    layer(x)
    layer.backward(g)
    assert np.allclose(layer.weight.grad, 2 * once)
    layer.zero_grad()
    assert not layer.weight.grad.any() and not layer.bias.grad.any()


def test_linear_weight_layout_is_out_by_in_like_pytorch(rng):
    layer = nt.Linear(3, 2, rng=rng)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)
    x = rng.normal(size=(4, 3))
    assert np.allclose(layer(x), x @ layer.weight.data.T + layer.bias.data)


def test_state_dict_names_follow_pytorch_for_sequential(rng):
    model = _sequential(rng)
    assert list(model.state_dict()) == [
        "0.weight", "0.bias", "2.linear.weight", "2.linear.bias", "3.weight", "3.bias"]


def test_forward_hooks_observe_without_changing_the_output(rng):
    model = _sequential(rng)
    x = rng.normal(size=(3, IN))
    plain = model(x)
    seen = []
    handle = model[1].register_forward_hook(lambda m, inputs, out: seen.append(out.copy()))
    hooked = model(x)
    handle.remove()
    assert np.array_equal(hooked, plain)
    assert len(seen) == 1 and seen[0].shape == (3, 5)
    model(x)
    assert len(seen) == 1  # removed hooks stay removed


def test_a_method_set_on_the_instance_survives_hooks_and_is_what_they_wrap():
    # Lesson 12 style: a learner breaks one layer's backward by hand. Tracing or gradchecking that
    # layer must observe the broken method, and leave it in place afterwards.
    import types

    layer = nt.Linear(2, 2, rng=0)

    def broken_backward(self, grad_output):
        out = nt.Linear.backward(self, grad_output)
        self.bias.grad *= 2.0  # the bug
        return out

    layer.backward = types.MethodType(broken_backward, layer)
    rng = np.random.default_rng(0)
    result = nt.gradcheck(layer, nt.MSELoss(), rng.normal(size=(3, 2)), rng.normal(size=(3, 2)))
    assert not result.ok and result.where[0] == "bias"
    assert vars(layer)["backward"].__func__ is broken_backward  # still the learner's method


def test_backward_without_input_grad_skips_only_the_unused_input_gradient(rng):
    from nnteach.module import backward_without_input_grad

    x, g = rng.normal(size=(4, IN)), rng.normal(size=(4, 2))
    full = _sequential(rng)
    hinted = _sequential(np.random.default_rng(0))
    hinted.load_state_dict(full.state_dict())
    full(x)
    hinted(x)
    dx = full.backward(g)
    assert dx.shape == (4, IN)
    assert backward_without_input_grad(hinted, g) is None  # the first Linear skipped dL/dx
    for (name, p), q in zip(full.named_parameters(), hinted.parameters()):
        assert np.array_equal(p.grad, q.grad), name  # every parameter gradient is the same


def test_an_observed_or_learner_written_first_layer_still_computes_its_input_gradient(rng):
    from nnteach.module import backward_without_input_grad

    class MyLinear(nt.Linear):  # a learner's override, which knows nothing of input_grad
        def backward(self, grad_output):
            return super().backward(grad_output)

    x, g = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    model = nt.Sequential(MyLinear(2, 3, rng=0), nt.Tanh(), nt.Linear(3, 1, rng=1))
    model(x)
    assert backward_without_input_grad(model, g).shape == (4, 2)

    model = nt.Sequential(nt.Linear(2, 3, rng=0), nt.Tanh(), nt.Linear(3, 1, rng=1))
    seen = []
    handle = model[0].register_backward_hook(lambda m, grad_z, grad_in: seen.append(grad_in))
    model(x)
    backward_without_input_grad(model, g)
    handle.remove()
    assert seen[0].shape == (4, 2)  # a hook sees everything a layer can report
    model(x)
    assert model.backward(g, input_grad=False) is None


def test_a_dense_first_layer_takes_the_hint_too(rng):
    from nnteach.module import backward_without_input_grad

    x, g = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    models = [nt.Sequential(nt.Dense(2, 3, activation="sigmoid", rng=0), nt.Linear(3, 1, rng=1)) for _ in range(2)]
    for m in models:
        m(x)
    assert models[0].backward(g).shape == (4, 2)
    assert backward_without_input_grad(models[1], g) is None
    assert all(np.array_equal(p.grad, q.grad) for p, q in zip(models[0].parameters(), models[1].parameters()))


def test_a_child_watch_reports_each_watched_call_with_the_very_arrays_passed(rng):
    from nnteach.module import ChildWatch

    model = _sequential(rng)  # Linear, Tanh, Dense(Linear, ReLU), Linear
    x, g = rng.normal(size=(3, IN)), rng.normal(size=(3, 2))
    plain_out, plain_grad = model(x), model.backward(g)
    seen = []
    watch = ChildWatch(model, forward={1: lambda i, o: seen.append(("tanh", i, o))},
                       backward={0: lambda go, gi: seen.append(("linear0", go, gi))})
    inner = ChildWatch(model[2], forward={0: lambda i, o: seen.append(("z", i, o))}, backward={})
    watch.switch(True)
    inner.switch(True)
    assert "forward" not in vars(model[1]) and "backward" not in vars(model[0])  # the layers are untouched
    out, grad = model(x), model.backward(g)
    assert np.array_equal(out, plain_out) and np.array_equal(grad, plain_grad)  # the same computation
    assert [what for what, *_ in seen] == ["tanh", "z", "linear0"]
    _, tanh_in, tanh_out = seen[0]
    _, z_in, z = seen[1]
    assert z_in is tanh_out  # what one child gave is what the next one got, the very array
    assert np.array_equal(tanh_out, np.tanh(tanh_in)) and np.array_equal(z, z_in @ model[2].weight.data.T + model[2].bias.data)
    assert seen[2][2] is grad  # the first layer's dL/dx is what the model's backward returned
    watch.switch(False)
    inner.switch(False)
    assert model._watch is None and model[2]._watch is None
    model.backward(np.ones_like(model(x)))
    assert len(seen) == 3  # switched off: nothing reported


def test_two_child_watches_of_one_container_both_see_every_call_until_one_is_switched_off(rng):
    from nnteach.module import ChildWatch

    model = _sequential(rng)
    x = rng.normal(size=(3, IN))
    a, b = [], []
    first = ChildWatch(model, forward={0: lambda i, o: a.append(o)}, backward={})
    second = ChildWatch(model, forward={0: lambda i, o: b.append(o), 3: lambda i, o: b.append(o)}, backward={})
    first.switch(True)
    second.switch(True)
    first.switch(True)  # switching on twice is once
    model(x)
    assert len(a) == 1 and len(b) == 2 and a[0] is b[0]
    first.switch(False)
    model(x)
    assert len(a) == 1 and len(b) == 4
    second.switch(False)
    assert model._watch is None and vars(model)["_watchers"] == []


def test_a_watched_sequential_still_runs_every_layer_when_one_is_appended(rng):
    from nnteach.module import ChildWatch

    model = _sequential(rng)
    x = rng.normal(size=(3, IN))
    watch = ChildWatch(model, forward={0: lambda i, o: None}, backward={0: lambda go, gi: None})
    watch.switch(True)
    model.append(nt.Sigmoid())
    out = model(x)
    assert np.all((out > 0) & (out < 1))  # the appended Sigmoid ran
    assert model.backward(np.ones_like(out)).shape == x.shape
    watch.switch(False)


def test_a_copy_of_an_observed_model_has_no_hooks_and_computes_with_its_own_weights(rng):
    import copy

    model = _sequential(rng)
    x = rng.normal(size=(3, IN))
    with nt.trace(model) as tr:
        model(x)
        clone = copy.deepcopy(model)
        for p in clone.parameters():
            p.data = np.zeros(p.shape)
        out = clone(x)
        clone.backward(np.ones_like(out))
    assert np.array_equal(out, np.zeros_like(out))  # its own (zero) weights, not the original's
    assert tr.num_steps == 1  # the copy's forward pass is not a step of the original's trace
    for name, m in clone.named_modules():
        assert "forward" not in vars(m) and "backward" not in vars(m), name
        assert m._forward_hooks == {} and m._backward_hooks == {} and m._forward_pre_hooks == {}
        assert m._watch is None and "_watchers" not in vars(m), name  # a trace watches the original only
    assert not np.array_equal(model(x), out)


def test_a_copy_keeps_a_learners_instance_method_bound_to_the_copy(rng):
    import copy
    import types

    layer = nt.Linear(2, 2, rng=0)
    calls = []

    def noisy_forward(self, x):
        calls.append(self)
        return nt.Linear.forward(self, x)

    layer.forward = types.MethodType(noisy_forward, layer)
    handle = layer.register_forward_hook(lambda m, i, o: None)
    clone = copy.deepcopy(layer)
    handle.remove()
    clone(np.ones((1, 2)))
    assert calls == [clone]
