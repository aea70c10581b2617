"""Property tests: for random shapes (N 1..6, features 1..6) and random values, every layer,
activation and loss passes the finite-difference gradient check (relative error <= 1e-6).

Values stay in [-2, 2] and, where a function has a kink (ReLU, LeakyReLU at 0; L1 where the
prediction equals the target), at least 1e-3 away from it: there the derivative jumps, so a
finite difference straddling the kink cannot agree with either side.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import nnteach as nt
from nnteach import functional as F
from nnteach.activations import ACTIVATIONS

PROPERTY = settings(max_examples=30, deadline=None)
KINK = 1e-3
TOL = 1e-6

sizes = st.integers(min_value=1, max_value=6)
seeds = st.integers(min_value=0, max_value=2**32 - 1)
values = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False, allow_infinity=False, width=64)
away_from_zero = values.filter(lambda v: abs(v) > KINK)


def matrix(draw, rows: int, cols: int, elements=values) -> np.ndarray:
    return draw(arrays(np.float64, (rows, cols), elements=elements))


def _check(module, loss_fn, x, y):
    result = nt.gradcheck(module, loss_fn, x, y)
    assert result.max_rel_error <= TOL, result.table()
    return result


def _pre_activation(layer: nt.Linear, x: np.ndarray) -> np.ndarray:
    return F.linear(x, layer.weight.data, None if layer.bias is None else layer.bias.data)


# ----------------------------------------------------------------------------- layers
@PROPERTY
@given(st.data(), sizes, sizes, sizes, seeds, st.booleans())
def test_linear_gradients_match_finite_differences_for_any_shape(data, n, fan_in, fan_out, seed, bias):
    layer = nt.Linear(fan_in, fan_out, bias=bias, rng=seed)
    x = matrix(data.draw, n, fan_in)
    y = matrix(data.draw, n, fan_out)
    _check(layer, nt.MSELoss(), x, y)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@PROPERTY
@given(data=st.data(), n=sizes, fan_in=sizes, fan_out=sizes, seed=seeds)
def test_dense_gradients_match_finite_differences_for_any_shape(activation, data, n, fan_in, fan_out, seed):
    layer = nt.Dense(fan_in, fan_out, activation=activation, rng=seed)
    x = matrix(data.draw, n, fan_in)
    if activation in ("relu", "leaky_relu"):
        assume(np.all(np.abs(_pre_activation(layer.linear, x)) > KINK))
    y = matrix(data.draw, n, fan_out)
    _check(layer, nt.MSELoss(), x, y)


@PROPERTY
@given(data=st.data(), n=sizes, widths=st.lists(sizes, min_size=2, max_size=4), seed=seeds)
def test_tanh_network_gradients_match_finite_differences_for_any_depth(data, n, widths, seed):
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        layers += [nt.Linear(fan_in, fan_out, rng=rng), nt.Tanh()]
    model = nt.Sequential(layers)
    x = matrix(data.draw, n, widths[0])
    y = matrix(data.draw, n, widths[-1])
    _check(model, nt.MSELoss(), x, y)


# ----------------------------------------------------------------------------- activations alone
SMOOTH = {"sigmoid": nt.Sigmoid, "tanh": nt.Tanh, "softmax": nt.Softmax, "identity": nt.Identity}
KINKED = {"relu": nt.ReLU, "leaky_relu": lambda: nt.LeakyReLU(0.1)}


@pytest.mark.parametrize("name", sorted(SMOOTH))
@PROPERTY
@given(data=st.data(), n=sizes, features=sizes)
def test_smooth_activation_gradients_match_finite_differences(name, data, n, features):
    x = matrix(data.draw, n, features)
    y = matrix(data.draw, n, features)
    _check(SMOOTH[name](), nt.MSELoss(), x, y)


@pytest.mark.parametrize("name", sorted(KINKED))
@PROPERTY
@given(data=st.data(), n=sizes, features=sizes)
def test_kinked_activation_gradients_match_finite_differences_away_from_zero(name, data, n, features):
    x = matrix(data.draw, n, features, elements=away_from_zero)
    y = matrix(data.draw, n, features)
    _check(KINKED[name](), nt.MSELoss(), x, y)


@PROPERTY
@given(data=st.data(), n=sizes, features=sizes)
def test_softmax_rows_are_probabilities(data, n, features):
    a = nt.Softmax()(matrix(data.draw, n, features))
    assert np.all(a > 0) and np.all(a <= 1)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-12)


@PROPERTY
@given(z=arrays(np.float64, (3, 4), elements=st.floats(-700, 700)))
def test_sigmoid_equals_its_textbook_formula_and_stays_in_0_1(z):
    a = F.sigmoid(z)
    assert np.all((a >= 0) & (a <= 1))
    np.testing.assert_allclose(a, 1 / (1 + np.exp(-z)), rtol=1e-12, atol=1e-300)


# ----------------------------------------------------------------------------- losses
@PROPERTY
@given(data=st.data(), n=sizes, outputs=sizes)
def test_mse_gradient_matches_finite_differences(data, n, outputs):
    _check(nt.Identity(), nt.MSELoss(), matrix(data.draw, n, outputs), matrix(data.draw, n, outputs))


@PROPERTY
@given(data=st.data(), n=sizes, outputs=sizes)
def test_l1_gradient_matches_finite_differences_away_from_the_kink(data, n, outputs):
    y_pred, y = matrix(data.draw, n, outputs), matrix(data.draw, n, outputs)
    assume(np.all(np.abs(y_pred - y) > KINK))
    _check(nt.Identity(), nt.L1Loss(), y_pred, y)


# (p, y) pairs for BCE, at least 0.05 apart. Where p = y the true gradient is 0 and all that is
# left is the central difference's own error, h^2/6 times L''' (which grows like 1/p^3): about
# 5e-10 already at p = y = 0.25, i.e. 5e-6 of gradcheck's floor of 1e-4. That is a limit of finite
# differences on a steep function, not of BCELoss.backward, so those points are left out.
bce_pairs = st.tuples(st.floats(0.05, 0.95), st.floats(0.0, 1.0)).filter(lambda py: abs(py[0] - py[1]) > 0.05)


@PROPERTY
@given(data=st.data(), n=sizes, outputs=sizes)
def test_bce_gradient_matches_finite_differences(data, n, outputs):
    pairs = np.array(data.draw(st.lists(bce_pairs, min_size=n * outputs, max_size=n * outputs)))
    p, y = pairs[:, 0].reshape(n, outputs), pairs[:, 1].reshape(n, outputs)
    _check(nt.Identity(), nt.BCELoss(), p, y)


@PROPERTY
@given(data=st.data(), n=sizes, seed=seeds)
def test_sigmoid_output_with_bce_gradients_match_finite_differences(data, n, seed):
    # The usual pairing: a Sigmoid output layer and hard 0/1 labels.
    model = nt.Sequential(nt.Linear(3, 1, rng=seed), nt.Sigmoid())
    x = matrix(data.draw, n, 3)
    y = np.array(data.draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n))).reshape(n, 1)
    _check(model, nt.BCELoss(), x, y)


@PROPERTY
@given(data=st.data(), n=sizes, outputs=sizes)
def test_bce_with_logits_gradient_matches_finite_differences(data, n, outputs):
    z = matrix(data.draw, n, outputs)
    y = matrix(data.draw, n, outputs, elements=st.floats(0.0, 1.0))
    _check(nt.Identity(), nt.BCEWithLogitsLoss(), z, y)


@PROPERTY
@given(data=st.data(), n=sizes, classes=st.integers(2, 6), one_hot=st.booleans())
def test_cross_entropy_gradient_matches_finite_differences(data, n, classes, one_hot):
    z = matrix(data.draw, n, classes)
    t = np.array(data.draw(st.lists(st.integers(0, classes - 1), min_size=n, max_size=n)))
    _check(nt.Identity(), nt.CrossEntropyLoss(), z, np.eye(classes)[t] if one_hot else t)


@PROPERTY
@given(z=arrays(np.float64, (5, 1), elements=values), t=arrays(np.int64, 5, elements=st.integers(0, 1)))
def test_two_class_cross_entropy_equals_bce_with_logits(z, t):
    # softmax over the logits (0, z) gives sigmoid(z) for class 1
    ce = nt.CrossEntropyLoss()(np.hstack([np.zeros_like(z), z]), t)
    assert ce == pytest.approx(nt.BCEWithLogitsLoss()(z, t.astype(float)), rel=1e-12, abs=1e-15)


def test_gradcheck_judges_a_gradient_below_the_finite_difference_noise_by_its_absolute_error():
    # Found by hypothesis: an input of 1e-10 gives its weight a true gradient of 5e-10 while the loss
    # is about 5, so the central difference's rounding noise (~1e-10) is as large as the gradient.
    # A correct backward must pass; a wrong one must still fail.
    layer = nt.Dense(3, 1, activation="linear", rng=13432)
    x = np.array([[1.07254719e-10, 0.0, -2.0]])
    y = np.array([[1.0]])
    assert nt.gradcheck(layer, nt.MSELoss(), x, y).ok

    class HalfBias(nt.Linear):
        def backward(self, grad_output):
            dx = super().backward(grad_output)
            self.bias.grad *= 0.5  # the bug: half the bias gradient
            return dx

    broken = HalfBias(3, 1, rng=13432)
    result = nt.gradcheck(broken, nt.MSELoss(), x, y)
    assert not result.ok and result.where[0] == "bias" and result.max_rel_error > 0.4
