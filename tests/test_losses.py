"""Every loss: backward against finite differences, values against numbers worked out by hand,
value and gradient against PyTorch (when it is installed), and numerical stability."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

import nnteach as nt
from nnteach import functional as F


# ----------------------------------------------------------------------------- test problems
def _regression(rng):
    return rng.normal(size=(5, 3)), rng.normal(size=(5, 3))


def _probabilities(rng):
    # Soft targets kept away from the predictions: where p = y the gradient is 0 and only the finite
    # difference's own error (which grows like 1/p^3 for BCE) would be measured.
    p = rng.uniform(0.05, 0.95, size=(5, 2))
    return p, np.where(p > 0.5, 0.1, 0.9)


def _logits_binary(rng):
    return rng.normal(scale=2.0, size=(5, 2)), rng.integers(0, 2, size=(5, 2)).astype(float)


def _logits_indices(rng):
    return rng.normal(scale=2.0, size=(6, 4)), rng.integers(0, 4, size=6)


def _logits_onehot(rng):
    z, t = _logits_indices(rng)
    return z, np.eye(4)[t]


# (id, Loss class, problem, torch functional name)
LOSSES = [
    ("MSELoss", nt.MSELoss, _regression, "mse_loss"),
    ("L1Loss", nt.L1Loss, _regression, "l1_loss"),
    ("BCELoss", nt.BCELoss, _probabilities, "binary_cross_entropy"),
    ("BCEWithLogitsLoss", nt.BCEWithLogitsLoss, _logits_binary, "binary_cross_entropy_with_logits"),
    ("CrossEntropyLoss-indices", nt.CrossEntropyLoss, _logits_indices, "cross_entropy"),
    ("CrossEntropyLoss-onehot", nt.CrossEntropyLoss, _logits_onehot, "cross_entropy"),
]
by_loss = pytest.mark.parametrize("loss_cls, problem, torch_name", [k[1:] for k in LOSSES], ids=[k[0] for k in LOSSES])


# ----------------------------------------------------------------------------- gradients
@by_loss
def test_loss_backward_matches_finite_differences(loss_cls, problem, torch_name, rng):
    y_pred, y = problem(rng)
    # Identity as the "model": the input gradient gradcheck checks is exactly dL/dy_pred.
    result = nt.gradcheck(nt.Identity(), loss_cls(), y_pred, y)
    assert result.max_rel_error <= 1e-6, result.table()
    assert np.abs(result.analytic["input"]).max() > 1e-3


@by_loss
def test_loss_gradient_has_the_shape_of_the_prediction(loss_cls, problem, torch_name, rng):
    y_pred, y = problem(rng)
    loss_fn = loss_cls()
    value = loss_fn(y_pred, y)
    assert isinstance(value, float)
    assert loss_fn.backward().shape == y_pred.shape


@by_loss
def test_loss_backward_before_forward_raises_runtime_error(loss_cls, problem, torch_name):
    with pytest.raises(RuntimeError, match=r"backward\(\) called before the loss was computed"):
        loss_cls().backward()


@by_loss
def test_loss_value_and_gradient_equal_pytorch(loss_cls, problem, torch_name, rng):
    torch = pytest.importorskip("torch")
    y_pred, y = problem(rng)
    loss_fn = loss_cls()
    value = loss_fn(y_pred, y)
    grad = loss_fn.backward()

    pred_t = torch.tensor(y_pred, dtype=torch.float64, requires_grad=True)
    y_t = torch.tensor(y) if y.dtype.kind == "i" else torch.tensor(y, dtype=torch.float64)
    value_t = getattr(torch.nn.functional, torch_name)(pred_t, y_t)
    value_t.backward()
    np.testing.assert_allclose(value, value_t.item(), rtol=1e-12, atol=0)
    np.testing.assert_allclose(grad, pred_t.grad.numpy(), rtol=1e-12, atol=1e-15)


# ----------------------------------------------------------------------------- hand-computed values
def test_bce_of_a_confident_right_prediction_is_small():
    # -ln(0.99) = 0.0100503...
    assert nt.BCELoss()(np.array([[0.99]]), np.array([[1.0]])) == pytest.approx(0.01005034, abs=1e-8)


def test_bce_of_a_confident_wrong_prediction_is_large():
    # -ln(0.01) = 4.6051701...
    assert nt.BCELoss()(np.array([[0.01]]), np.array([[1.0]])) == pytest.approx(4.60517019, abs=1e-8)


def test_bce_treats_the_two_classes_symmetrically():
    loss_fn = nt.BCELoss()
    assert loss_fn(np.array([[0.01]]), np.array([[0.0]])) == pytest.approx(-math.log(0.99), rel=1e-12)
    assert loss_fn(np.array([[0.5]]), np.array([[0.0]])) == pytest.approx(math.log(2), rel=1e-12)


def test_bce_gradient_by_hand():
    loss_fn = nt.BCELoss()
    loss_fn(np.array([[0.8], [0.4]]), np.array([[1.0], [0.0]]))
    # dL/dp = (p - y) / (p (1 - p) M):  (-0.2)/(0.16*2) = -0.625 ; 0.4/(0.24*2) = 0.8333...
    np.testing.assert_allclose(loss_fn.backward(), [[-0.625], [0.4 / 0.48]], rtol=1e-14)


def test_mse_by_hand():
    loss_fn = nt.MSELoss()
    value = loss_fn(np.array([[1.0], [2.0], [3.0]]), np.array([[1.0], [0.0], [5.0]]))
    assert value == pytest.approx(8 / 3, rel=1e-15)
    np.testing.assert_allclose(loss_fn.backward(), [[0.0], [4 / 3], [-4 / 3]], rtol=1e-15)


def test_mse_averages_over_every_element_like_pytorch():
    # (N, 2): M = 4 elements, not N = 2 samples.
    assert nt.MSELoss()(np.array([[1.0, 1.0], [1.0, 1.0]]), np.zeros((2, 2))) == 1.0


def test_l1_by_hand():
    loss_fn = nt.L1Loss()
    assert loss_fn(np.array([[1.0], [2.0], [3.0]]), np.array([[1.5], [0.0], [5.0]])) == pytest.approx(4.5 / 3)
    np.testing.assert_allclose(loss_fn.backward(), [[-1 / 3], [1 / 3], [-1 / 3]], rtol=1e-15)


def test_bce_with_logits_by_hand():
    loss_fn = nt.BCEWithLogitsLoss()
    assert loss_fn(np.array([[0.0]]), np.array([[1.0]])) == pytest.approx(math.log(2), rel=1e-15)
    assert loss_fn(np.array([[2.0]]), np.array([[1.0]])) == pytest.approx(math.log1p(math.exp(-2)), rel=1e-15)
    # the famous (sigmoid(z) - y) / M
    np.testing.assert_allclose(loss_fn.backward(), [[1 / (1 + math.exp(-2)) - 1]], rtol=1e-15)


def test_bce_with_logits_equals_bce_of_the_sigmoid(rng):
    z = rng.normal(scale=3, size=(8, 1))
    y = rng.integers(0, 2, size=(8, 1)).astype(float)
    assert nt.BCEWithLogitsLoss()(z, y) == pytest.approx(nt.BCELoss()(F.sigmoid(z), y), rel=1e-12)


def test_cross_entropy_by_hand():
    z = np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    loss_fn = nt.CrossEntropyLoss()
    # -log(e^2 / (e^2 + e + 1)) = 0.40760596...; uniform logits over 3 classes: log 3
    expected = (0.4076059644443804 + math.log(3)) / 2
    assert loss_fn(z, np.array([0, 2])) == pytest.approx(expected, rel=1e-14)
    softmax = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(loss_fn.backward(), (softmax - np.eye(3)[[0, 2]]) / 2, rtol=1e-14)


def test_cross_entropy_one_hot_targets_equal_class_indices(rng):
    z, t = _logits_indices(rng)
    a, b = nt.CrossEntropyLoss(), nt.CrossEntropyLoss()
    assert a(z, t) == pytest.approx(b(z, np.eye(4)[t]), rel=1e-15)
    np.testing.assert_allclose(a.backward(), b.backward(), rtol=1e-15)


def test_cross_entropy_accepts_whole_number_float_indices(rng):
    z, t = _logits_indices(rng)
    assert nt.CrossEntropyLoss()(z, t.astype(float)) == nt.CrossEntropyLoss()(z, t)


def test_column_target_for_one_output_is_not_broadcast_into_a_matrix():
    # y of shape (N,) against y_pred (N, 1): the same samples, never an (N, N) comparison.
    y_pred = np.array([[1.0], [2.0], [3.0]])
    loss_fn = nt.MSELoss()
    assert loss_fn(y_pred, np.array([1.0, 2.0, 3.0])) == 0.0
    assert loss_fn.backward().shape == (3, 1)


# ----------------------------------------------------------------------------- stability
def test_bce_with_logits_is_finite_and_exact_for_logits_of_plus_minus_1000():
    z = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]])
    y = np.array([[1.0], [1.0], [0.0], [0.0]])
    loss_fn = nt.BCEWithLogitsLoss()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss_fn(z, y)
        grad = loss_fn.backward()
    assert value == 500.0  # per sample: 0, 1000, 1000, 0
    np.testing.assert_array_equal(grad, [[0.0], [-0.25], [0.25], [0.0]])


def test_cross_entropy_is_finite_for_logits_of_1e4():
    z = np.array([[1e4, 0.0, -1e4]])
    loss_fn = nt.CrossEntropyLoss()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert loss_fn(z, np.array([0])) == 0.0
        assert loss_fn(z, np.array([2])) == 2e4
        assert np.isfinite(loss_fn.backward()).all()


def test_sigmoid_of_plus_minus_1000_gives_no_warning():
    z = np.array([[1000.0, -1000.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(F.sigmoid(z), [[1.0, 0.0, 0.5]])
        np.testing.assert_array_equal(nt.Sigmoid()(z), [[1.0, 0.0, 0.5]])


def test_sigmoid_in_float32_saturates_exactly_and_quietly():
    z = np.array([[100.0, -100.0, -88.0, 0.0]], dtype=np.float32)  # e^100 overflows float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = F.sigmoid(z)
    assert a.dtype == np.float32
    assert a[0, 0] == 1.0 and a[0, 1] == 0.0 and a[0, 3] == 0.5
    assert a[0, 2] == pytest.approx(1 / (1 + math.exp(88.0)), rel=1e-6)


def test_softmax_of_huge_logits_gives_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = nt.Softmax()(np.array([[1e4, 0.0], [-1e4, -1e4]]))
    np.testing.assert_array_equal(a, [[1.0, 0.0], [0.5, 0.5]])


def test_bce_of_a_certain_prediction_is_clamped_like_pytorch():
    # log(0) is clamped at -100, as torch.nn.BCELoss does: a finite loss and a finite gradient.
    loss_fn = nt.BCELoss()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert loss_fn(np.array([[0.0], [1.0]]), np.array([[1.0], [1.0]])) == 50.0
        # (p − y) / (max(p(1 − p), 1e-12)·M): −1/(1e-12·2) for the certain miss, 0 for the certain hit;
        # torch.nn.BCELoss 2.13 gives the same [[-5e11], [0]]
        np.testing.assert_array_equal(loss_fn.backward(), [[-5e11], [0.0]])


def test_a_refused_call_leaves_nothing_for_backward():
    loss_fn = nt.BCELoss()
    loss_fn(np.array([[0.3]]), np.array([[1.0]]))
    with pytest.raises(ValueError, match="probabilities in \\[0, 1\\]"):
        loss_fn(np.array([[1.7]]), np.array([[1.0]]))  # refused through the NaN value, after the check
    with pytest.raises(RuntimeError, match="before the loss was computed"):
        loss_fn.backward()  # not the gradient of the refused pair, nor a stale one of the call before


def test_mse_and_bce_of_an_empty_batch_are_nan_as_in_numpy():
    with np.errstate(invalid="ignore", divide="ignore"):
        assert np.isnan(nt.functional.mse_loss(np.zeros((0, 1)), np.zeros((0, 1))))
        assert np.isnan(nt.functional.bce_loss(np.zeros((0, 1)), np.zeros((0, 1))))


@pytest.mark.parametrize("loss_fn, y_pred, y_true", [
    (nt.MSELoss(), np.zeros((0, 1)), np.zeros((0, 1))),
    (nt.L1Loss(), np.zeros((0, 2)), np.zeros((0, 2))),
    (nt.BCELoss(), np.zeros((0, 1)), np.zeros(0)),
    (nt.BCEWithLogitsLoss(), np.zeros((0, 1)), np.zeros((0, 1))),
    (nt.CrossEntropyLoss(), np.zeros((0, 3)), np.zeros(0, dtype=np.int64)),
], ids=lambda v: type(v).__name__ if isinstance(v, nt.Loss) else "")
def test_a_loss_module_refuses_an_empty_batch_by_name(loss_fn, y_pred, y_true):
    # A hand loop that slices past the end of its data (X[320:352] of 300 rows) hands the loss an empty
    # batch: the mean of nothing used to come out NaN with a NumPy warning, or MSE's backward raised
    # ZeroDivisionError. The functions in nt.functional keep NumPy's NaN (the test above); the modules,
    # what learners call, say what happened.
    who = type(loss_fn).__name__
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no NumPy warning before the error
        with pytest.raises(ValueError, match=re.escape(f"{who}: y_pred has no samples (shape {y_pred.shape}): a loss "
                                                       f"is a mean over the samples of a batch, and this batch is empty.")):
            loss_fn(y_pred, y_true)
    with pytest.raises(RuntimeError, match="before the loss was computed"):
        loss_fn.backward()
