"""Optimizers: the update rules equal PyTorch's and a hand-written NumPy version of the formula,
and the flat parameter buffer behaves exactly like separate arrays would."""

from __future__ import annotations

import numpy as np
import pytest

import nnteach as nt

STEPS = 6


def _model(rng):
    return nt.Sequential(nt.Linear(3, 4, rng=rng), nt.Tanh(), nt.Linear(4, 2, rng=rng))


@pytest.fixture
def problem(rng):
    """Initial parameter values and a sequence of gradients, one list per step."""
    model = _model(rng)
    init = [p.data.copy() for p in model.parameters()]
    grads = [[rng.normal(size=a.shape) for a in init] for _ in range(STEPS)]
    return init, grads


# ----------------------------------------------------------------------------- reference rules
def sgd_reference(init, grads, lr, momentum=0.0, weight_decay=0.0, nesterov=False):
    """SGD as documented by PyTorch (dampening 0), written out plainly."""
    params = [p.copy() for p in init]
    velocity = [None] * len(params)
    for step_grads in grads:
        for i, g in enumerate(step_grads):
            g = g + weight_decay * params[i]
            if momentum:
                velocity[i] = g.copy() if velocity[i] is None else momentum * velocity[i] + g
                g = g + momentum * velocity[i] if nesterov else velocity[i]
            params[i] = params[i] - lr * g
    return params


def adam_reference(init, grads, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    """Adam (Kingma & Ba, Algorithm 1) with L2 weight decay added to the gradient, as torch.optim.Adam."""
    b1, b2 = betas
    params = [p.copy() for p in init]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for t, step_grads in enumerate(grads, start=1):
        for i, g in enumerate(step_grads):
            g = g + weight_decay * params[i]
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            m_hat = m[i] / (1 - b1**t)
            v_hat = v[i] / (1 - b2**t)
            params[i] = params[i] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return params


def run_nnteach(opt_cls, kwargs, init, grads):
    params = [nt.Parameter(a.copy()) for a in init]
    opt = opt_cls(params, **kwargs)
    for step_grads in grads:
        opt.zero_grad()
        for p, g in zip(params, step_grads):
            p.grad += g
        opt.step()
    return [p.data.copy() for p in params]


def run_torch(torch, opt_name, kwargs, init, grads):
    params = [torch.tensor(a.copy(), dtype=torch.float64, requires_grad=True) for a in init]
    opt = getattr(torch.optim, opt_name)(params, **kwargs)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
    return [p.detach().numpy().copy() for p in params]


SGD_CASES = {
    "plain": dict(lr=0.1),
    "momentum": dict(lr=0.1, momentum=0.9),
    "weight_decay": dict(lr=0.1, weight_decay=0.01),
    "nesterov": dict(lr=0.1, momentum=0.9, nesterov=True),
    "momentum+weight_decay+nesterov": dict(lr=0.05, momentum=0.5, weight_decay=0.1, nesterov=True),
}
ADAM_CASES = {
    "default": dict(lr=0.01),
    "weight_decay": dict(lr=0.01, weight_decay=0.1),
    "custom_betas_eps": dict(lr=0.1, betas=(0.8, 0.99), eps=1e-6),
}


def _assert_same(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kwargs", SGD_CASES.values(), ids=SGD_CASES.keys())
def test_sgd_matches_the_formula_written_in_numpy(kwargs, problem):
    init, grads = problem
    ours = run_nnteach(nt.SGD, kwargs, init, grads)
    _assert_same(ours, sgd_reference(init, grads, **kwargs))
    assert not np.allclose(ours[0], init[0])  # the parameters really moved


@pytest.mark.parametrize("kwargs", SGD_CASES.values(), ids=SGD_CASES.keys())
def test_sgd_matches_torch_optim_sgd(kwargs, problem):
    torch = pytest.importorskip("torch")
    init, grads = problem
    _assert_same(run_nnteach(nt.SGD, kwargs, init, grads), run_torch(torch, "SGD", kwargs, init, grads))


@pytest.mark.parametrize("kwargs", ADAM_CASES.values(), ids=ADAM_CASES.keys())
def test_adam_matches_the_formula_written_in_numpy(kwargs, problem):
    init, grads = problem
    ours = run_nnteach(nt.Adam, kwargs, init, grads)
    _assert_same(ours, adam_reference(init, grads, **kwargs))
    assert not np.allclose(ours[0], init[0])


@pytest.mark.parametrize("kwargs", ADAM_CASES.values(), ids=ADAM_CASES.keys())
def test_adam_matches_torch_optim_adam(kwargs, problem):
    torch = pytest.importorskip("torch")
    init, grads = problem
    _assert_same(run_nnteach(nt.Adam, kwargs, init, grads), run_torch(torch, "Adam", kwargs, init, grads))


def test_adam_first_step_moves_each_entry_by_about_lr(problem):
    # m_hat / sqrt(v_hat) = g / |g| at t = 1: every entry moves by lr against its gradient's sign.
    init, grads = problem
    after = run_nnteach(nt.Adam, dict(lr=0.01), init, grads[:1])
    for a, p0, g in zip(after, init, grads[0]):
        np.testing.assert_allclose(p0 - a, 0.01 * g / (np.abs(g) + 1e-8), rtol=1e-12)


def test_step_uses_the_gradients_that_backward_computed(rng):
    model = _model(rng)
    before = [p.data.copy() for p in model.parameters()]
    opt = nt.SGD(model.parameters(), lr=0.1)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    loss_fn = nt.MSELoss()
    opt.zero_grad()
    loss_fn(model(x), y)
    model.backward(loss_fn.backward())
    grads = [p.grad.copy() for p in model.parameters()]
    assert all(np.abs(g).max() > 0 for g in grads)
    opt.step()
    for p, p0, g in zip(model.parameters(), before, grads):
        np.testing.assert_array_equal(p.data, p0 - 0.1 * g)


def test_zero_grad_clears_every_gradient(rng):
    model = _model(rng)
    opt = nt.Adam(model.parameters())
    for p in model.parameters():
        p.grad += 1.0
    opt.zero_grad()
    assert all(not p.grad.any() for p in model.parameters())


# ----------------------------------------------------------------------------- the flat buffer
def test_creating_an_optimizer_keeps_values_shapes_and_outputs(rng):
    model = _model(rng)
    x = rng.normal(size=(4, 3))
    out = model(x)
    state = model.state_dict()
    nt.Adam(model.parameters())
    assert {n: a.shape for n, a in model.state_dict().items()} == {n: a.shape for n, a in state.items()}
    assert all(np.array_equal(model.state_dict()[n], state[n]) for n in state)
    np.testing.assert_array_equal(model(x), out)


def test_assigning_new_data_after_creating_the_optimizer_is_seen_by_step(rng):
    model = _model(rng)
    opt = nt.SGD(model.parameters(), lr=0.1)
    w = model[0].weight
    w.data = np.ones((4, 3))  # a new array of the same shape: copied into the optimizer's buffer
    opt.zero_grad()
    w.grad += 1.0
    opt.step()
    np.testing.assert_allclose(w.data, np.full((4, 3), 0.9), rtol=1e-15)
    x = rng.normal(size=(2, 3))
    np.testing.assert_allclose(model[0](x), x @ np.full((3, 4), 0.9) + model[0].bias.data)


def test_assigning_data_of_another_shape_raises_value_error(rng):
    model = _model(rng)
    nt.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"expected new data of shape \(4, 3\), got \(3, 4\)"):
        model[0].weight.data = np.ones((3, 4))


def test_two_optimizers_over_the_same_parameters_both_work(rng):
    model = _model(rng)
    params = model.parameters()
    sgd = nt.SGD(params, lr=0.1)
    adam = nt.Adam(params, lr=0.01)
    start = [p.data.copy() for p in params]
    for p in params:
        p.grad[...] = 1.0
    sgd.step()
    for p, p0 in zip(params, start):
        np.testing.assert_allclose(p.data, p0 - 0.1, rtol=1e-14)
    adam.step()  # first Adam step with g = 1: each entry moves by lr * 1 / (1 + eps)
    for p, p0 in zip(params, start):
        np.testing.assert_allclose(p.data, p0 - 0.1 - 0.01 / (1 + 1e-8), rtol=1e-14)
    adam.zero_grad()
    assert all(not p.grad.any() for p in params)  # one grad buffer, shared


def test_converting_the_model_after_creating_the_optimizer_makes_step_raise(rng):
    model = _model(rng)
    opt = nt.SGD(model.parameters(), lr=0.1)
    model.to(np.float32)
    with pytest.raises(RuntimeError, match=r"SGD.step: .*was moved since this optimizer was created.*"
                                            r"Create the optimizer again"):
        opt.step()


def test_an_optimizer_over_a_middle_layer_makes_the_full_optimizer_raise(rng):
    model = nt.Sequential(nt.Linear(2, 3, rng=rng), nt.Linear(3, 3, rng=rng), nt.Linear(3, 1, rng=rng))
    full = nt.SGD(model.parameters(), lr=0.1)
    nt.SGD(model[1].parameters(), lr=0.1)  # moves only the middle layer's arrays
    with pytest.raises(RuntimeError, match="was moved since this optimizer was created"):
        full.step()


def test_assigning_a_new_grad_array_makes_step_raise_instead_of_ignoring_it(rng):
    model = _model(rng)
    opt = nt.SGD(model.parameters(), lr=0.1)
    model[2].bias.grad = np.ones(2)
    with pytest.raises(RuntimeError, match=r"assigning a new array to \.grad"):
        opt.step()


def test_optimizer_made_after_conversion_to_float32_works(rng):
    model = _model(rng).to(np.float32)
    opt = nt.SGD(model.parameters(), lr=0.5)
    for p in model.parameters():
        p.grad[...] = 1.0
    before = model[0].weight.data.copy()
    opt.step()
    assert model[0].weight.data.dtype == np.float32
    np.testing.assert_allclose(model[0].weight.data, before - 0.5, rtol=1e-6)


@pytest.mark.parametrize("make", [lambda p: nt.SGD(p, lr=0.1, momentum=0.9), lambda p: nt.Adam(p, lr=0.01)],
                         ids=["sgd-momentum", "adam"])
def test_a_deep_copy_of_model_and_optimizer_trains_exactly_like_the_original(make):
    import copy

    model = nt.Sequential(nt.Linear(2, 3, rng=0), nt.Tanh(), nt.Linear(3, 1, rng=1))
    opt = make(model.parameters())
    X, y = nt.data.xor()
    nt.Trainer(model, nt.MSELoss(), opt, rng=0).fit(X, y, epochs=3, verbose=0)  # some optimizer state
    model2, opt2 = copy.deepcopy((model, opt))
    assert opt2.params[0] is model2[0].weight and opt2.params[0].data.base is opt2._data
    for m, o in ((model, opt), (model2, opt2)):
        nt.Trainer(m, nt.MSELoss(), o, rng=0).fit(X, y, epochs=5, shuffle=False, verbose=0)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(model2.state_dict()[name], value)
