"""``nt.to_torch``: the same network in PyTorch computes the same numbers, and keeps training alike.

PyTorch is optional (never a test dependency): the comparisons are skipped without it; the message a
learner gets without PyTorch is tested everywhere.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import nnteach as nt

GUIDE = Path(__file__).resolve().parents[1] / "course" / "next_steps_pytorch.md"


def test_without_pytorch_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now fails, as on a machine without it
    with pytest.raises(ImportError, match=r"nt.to_torch needs PyTorch, which nnteach does not install: pip install torch"):
        nt.to_torch(nt.Sequential(nt.Linear(2, 1, rng=0)))


def test_only_a_module_can_be_converted():
    with pytest.raises(TypeError, match="expected an nnteach model \\(a Module\\), got list"):
        nt.to_torch([nt.Linear(2, 1, rng=0)])


def test_the_conversion_plan_lists_each_layer_with_copied_weights(rng):
    # What to_torch builds, checked without PyTorch (it runs everywhere, CI included): the layers in
    # forward order, a Dense split into its two parts, nested Sequentials flattened, each argument.
    from nnteach.torch_bridge import _plan

    model = nt.Sequential(nt.Dense(2, 4, "relu", rng=rng),
                          nt.Sequential(nt.Linear(4, 3, bias=False, rng=rng), nt.LeakyReLU(0.2)),
                          nt.Linear(3, 2, rng=rng), nt.Tanh(), nt.Identity(), nt.Softmax(), nt.Sigmoid())
    plan = _plan(model)
    assert [name for name, _ in plan] == ["Linear", "ReLU", "Linear", "LeakyReLU", "Linear", "Tanh", "Identity",
                                          "Softmax", "Sigmoid"]
    first, second, third = (args for name, args in plan if name == "Linear")
    np.testing.assert_array_equal(first["weight"], model[0].linear.weight.data)
    np.testing.assert_array_equal(first["bias"], model[0].linear.bias.data)
    assert (first["in_features"], first["out_features"]) == (2, 4)
    assert second["bias"] is None and (second["in_features"], second["out_features"]) == (4, 3)
    np.testing.assert_array_equal(third["weight"], model[2].weight.data)
    np.testing.assert_array_equal(third["bias"], model[2].bias.data)
    assert plan[3][1] == {"negative_slope": 0.2} and plan[7][1] == {"dim": -1} and plan[1][1] == {}
    # copies: training the nnteach model afterwards does not reach what was planned
    before = third["weight"].copy()
    model[2].weight.data = model[2].weight.data + 1.0
    np.testing.assert_array_equal(third["weight"], before)
    assert third["weight"].dtype == np.float64
    assert _plan(nt.Linear(2, 1, rng=0).to(np.float32))[0][1]["weight"].dtype == np.float32


try:
    import torch
except ImportError:  # the comparisons run where PyTorch is installed (pip install torch)
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed (optional: pip install torch)")


def _models(rng):
    return {
        "sigmoid xor": nt.Sequential(nt.Linear(2, 2, rng=rng), nt.Sigmoid(), nt.Linear(2, 1, rng=rng), nt.Sigmoid()),
        "dense relu": nt.Sequential(nt.Dense(2, 16, "relu", rng=rng), nt.Dense(16, 8, "tanh", rng=rng),
                                    nt.Dense(8, 1, "sigmoid", rng=rng)),
        "nested, leaky, no bias": nt.Sequential(nt.Sequential(nt.Linear(2, 5, bias=False, rng=rng), nt.LeakyReLU(0.2)),
                                                nt.Linear(5, 3, rng=rng), nt.Identity(), nt.Linear(3, 4, rng=rng),
                                                nt.Softmax()),
        "one layer": nt.Linear(2, 3, rng=rng),
    }


@needs_torch
@pytest.mark.parametrize("name", list(_models(np.random.default_rng(0))))
def test_the_pytorch_copy_computes_the_same_outputs(name, rng):
    model = _models(rng)[name]
    twin = nt.to_torch(model)
    X = rng.normal(size=(7, 2))
    assert isinstance(twin, torch.nn.Sequential)
    assert all(p.dtype == torch.float64 for p in twin.parameters())
    np.testing.assert_allclose(twin(torch.from_numpy(X)).detach().numpy(), model(X), rtol=1e-12, atol=1e-15)


@needs_torch
def test_autograd_finds_the_gradients_nnteachs_backward_computes_by_hand(rng):
    model = _models(rng)["dense relu"]
    twin = nt.to_torch(model)
    X, y = rng.normal(size=(16, 2)), (rng.random((16, 1)) > 0.5).astype(float)
    loss_fn = nt.BCELoss()
    loss = loss_fn(model(X), y)
    model.backward(loss_fn.backward())
    torch_loss = torch.nn.BCELoss()(twin(torch.from_numpy(X)), torch.from_numpy(y))
    torch_loss.backward()
    assert torch_loss.item() == pytest.approx(loss, rel=1e-12)
    ours = [p.grad for p in model.parameters()]
    theirs = [p.grad.numpy() for p in twin.parameters()]
    assert len(ours) == len(theirs) == 6
    for g, h in zip(ours, theirs):
        np.testing.assert_allclose(h, g, rtol=1e-9, atol=1e-14)
        assert np.abs(g).max() > 1e-6  # real gradients, not zeros compared with zeros


@needs_torch
def test_training_on_in_pytorch_continues_where_nnteach_would_go(rng):
    # 30 Adam steps each side, from the converted weights: the same update rules give the same weights.
    X, y = nt.data.spiral(60, classes=2, noise=0.2, seed=0)
    y = y.astype(np.float64)  # PyTorch's BCELoss takes float targets only
    model = _models(rng)["dense relu"]
    twin = nt.to_torch(model)
    opt, loss_fn = nt.Adam(model.parameters(), lr=0.01), nt.BCELoss()
    topt, tloss = torch.optim.Adam(twin.parameters(), lr=0.01), torch.nn.BCELoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.reshape(-1, 1))
    for _ in range(30):
        opt.zero_grad()
        loss_fn(model(X), y)
        model.backward(loss_fn.backward())
        opt.step()
        topt.zero_grad()
        tloss(twin(Xt), yt).backward()
        topt.step()
    for p, q in zip(model.parameters(), twin.parameters()):
        np.testing.assert_allclose(q.detach().numpy(), p.data, rtol=1e-9, atol=1e-12)


@needs_torch
def test_state_dict_keys_match_for_a_sequential_of_layers_and_the_copy_is_independent(rng):
    model = _models(rng)["sigmoid xor"]
    twin = nt.to_torch(model)
    assert list(twin.state_dict()) == list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    before = twin[0].weight.detach().numpy().copy()
    model[0].weight.data = model[0].weight.data + 1.0  # training nnteach further ...
    np.testing.assert_array_equal(twin[0].weight.detach().numpy(), before)  # ... leaves the copy alone
    # and back: PyTorch's weights load into nnteach by the same names
    model.load_state_dict({k: v.numpy() for k, v in twin.state_dict().items()})
    np.testing.assert_array_equal(model[0].weight.data, before)


@needs_torch
def test_dtype_and_training_mode_carry_over(rng):
    model = _models(rng)["sigmoid xor"].to(np.float32).eval()
    twin = nt.to_torch(model)
    assert all(p.dtype == torch.float32 for p in twin.parameters())
    assert not twin.training and not any(m.training for m in twin.modules())


def test_a_module_without_a_pytorch_counterpart_is_named(rng):
    class Shift(nt.Module):  # a learner's own module, as in lesson 8
        def forward(self, x):
            return x + 1.0

        def backward(self, grad_output):
            return grad_output

    model = nt.Sequential(nt.Linear(2, 3, rng=rng), nt.Sequential(nt.Tanh(), Shift()))
    with pytest.raises(TypeError, match=r"model\[1\]\[1\] is a Shift, which has no PyTorch counterpart"):
        nt.to_torch(model)
    patched = nt.Sequential(nt.Linear(2, 3, rng=rng), nt.ReLU())
    patched[1].forward = lambda x: x  # a learner's experiment on one instance
    with pytest.raises(TypeError, match=r"model\[1\] has its own forward or backward"):
        nt.to_torch(patched)


@needs_torch
def test_a_model_being_traced_converts_like_any_other(rng):
    model = _models(rng)["sigmoid xor"]
    X = rng.normal(size=(3, 2))
    with nt.trace(model):  # hooks observe; they change nothing to convert
        model(X)
        twin = nt.to_torch(model)
    np.testing.assert_allclose(twin(torch.from_numpy(X)).detach().numpy(), model(X), rtol=1e-12)


@needs_torch
def test_the_guides_code_runs_and_says_what_it_prints():
    """Every Python block of course/next_steps_pytorch.md, in order, in one namespace: the guide stays true."""
    text = GUIDE.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 3
    namespace: dict = {}
    for block in blocks:
        # a print whose line ends in a comment states what it prints: "print(x)   # x is 3"
        expected = [m.group(1) for m in re.finditer(r"^\s*print\(.*\)\s+#\s+(.*)$", block, re.M)]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, str(GUIDE), "exec"), namespace)  # noqa: S102 - our own document
        assert out.getvalue().splitlines() == expected
    assert namespace["same"] is True
    assert namespace["loss_t"].item() == pytest.approx(namespace["loss"], rel=1e-9)  # the two loops agree
