"""Bad input data gets a clear message at the public boundary, never a NumPy traceback or a silently wrong value:
shapes of the functional losses (A), Parameter dtypes (B), ragged lists (C), CrossEntropyLoss targets (H),
float32 overflow (I), and a file given where a folder is expected."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import nnteach as nt
from nnteach._validation import as_array, as_float_array

F = nt.functional


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    # a RuntimeWarning on the way (an overflow on a cast, an invalid cast) is part of what is fixed here
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ----------------------------------------------------------------------------- A: functional losses
ELEMENTWISE = [
    (F.mse_loss, "y_pred"), (F.mse_loss_backward, "y_pred"), (F.l1_loss, "y_pred"), (F.l1_loss_backward, "y_pred"),
    (F.bce_loss, "p"), (F.bce_loss_backward, "p"), (F.bce_with_logits_loss, "z"),
    (F.bce_with_logits_loss_backward, "z"),
]


@pytest.mark.parametrize("fn, pred", ELEMENTWISE, ids=[f.__name__ for f, _ in ELEMENTWISE])
def test_functional_elementwise_losses_refuse_a_column_against_a_flat_target(fn, pred):
    # (3, 1) against (3,) used to broadcast into (3, 3): a wrong value, and a (3, 3) "gradient"
    y_pred, y = np.full((3, 1), 0.5), np.array([0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=re.escape(
            f"{fn.__name__}: expected y of the same shape as {pred}, (3, 1), got (3,). "
            f"For N targets of one output use y.reshape(-1, 1).")):
        fn(y_pred, y)


def test_functional_losses_give_the_right_values_once_the_target_is_a_column():
    y_pred, y = np.array([[1.0], [2.0], [4.0]]), np.array([1.0, 1.0, 1.0])
    assert F.mse_loss(y_pred, y.reshape(-1, 1)) == pytest.approx((0 + 1 + 9) / 3)
    assert F.l1_loss(y_pred, y.reshape(-1, 1)) == pytest.approx((0 + 1 + 3) / 3)
    grad = F.mse_loss_backward(y_pred, y.reshape(-1, 1))
    assert grad.shape == (3, 1)
    np.testing.assert_allclose(grad, [[0.0], [2 / 3], [2.0]])


def test_functional_losses_refuse_mismatched_2d_shapes_without_a_reshape_hint():
    with pytest.raises(ValueError, match=re.escape("mse_loss: expected y of the same shape as y_pred, (4, 2), "
                                                   "got (4, 3).")) as info:
        F.mse_loss(np.zeros((4, 2)), np.zeros((4, 3)))
    assert "reshape" not in str(info.value)


@pytest.mark.parametrize("fn, pred", [(F.cross_entropy_loss, "z"), (F.cross_entropy_loss_backward, "p")])
def test_functional_cross_entropy_names_one_hot_for_class_indices(fn, pred):
    with pytest.raises(ValueError, match=re.escape(
            f"{fn.__name__}: expected y of the same shape as {pred}, (2, 3), got (2,). "
            f"For class indices use nt.data.one_hot(y, C)")):
        fn(np.zeros((2, 3)), np.array([0, 2]))
    # and what the hint says works
    assert F.cross_entropy_loss(np.zeros((2, 3)), nt.data.one_hot([0, 2], 3)) == pytest.approx(np.log(3))


def test_functional_losses_keep_numpys_nan_for_an_empty_batch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(F.l1_loss(np.zeros((0, 1)), np.zeros((0, 1))))
        assert np.isnan(F.bce_with_logits_loss(np.zeros((0, 1)), np.zeros((0, 1))))


# ----------------------------------------------------------------------------- B: Parameter dtypes
@pytest.mark.parametrize("data", [np.arange(3), np.array([True, False]), [1, 2, 3]])
def test_parameter_makes_integers_and_bools_float64(data):
    p = nt.Parameter(data)
    assert p.data.dtype == np.float64 and p.grad.dtype == np.float64
    np.testing.assert_array_equal(p.data, np.asarray(data, dtype=float))


def test_parameter_keeps_float32_and_copies_its_data():
    a = np.ones(3, dtype=np.float32)
    p = nt.Parameter(a)
    assert p.data.dtype == np.float32
    p.data[0] = 5
    assert a[0] == 1


def test_an_optimizer_over_an_integer_parameter_now_steps():
    p = nt.Parameter(np.array([1, 2]))
    opt = nt.SGD([p], lr=0.5)
    p.grad[...] = [1.0, 1.0]
    opt.step()  # used to fail with UFuncTypeError: a float step cannot be cast into int64
    np.testing.assert_array_equal(p.data, [0.5, 1.5])


@pytest.mark.parametrize("data, fragment", [
    (None, "Parameter: expected data to be a numeric array, got None."),
    ("abc", "Parameter: expected data to be a numeric array, got dtype <U3"),
    (np.array([1 + 2j]), "Parameter: expected data to hold real numbers, got complex dtype complex128."),
    ([[1.0], [2.0, 3.0]], "Parameter: expected data to be a numeric array, got list with rows of different lengths"),
])
def test_parameter_refuses_what_is_not_real_numbers(data, fragment):
    with pytest.raises(TypeError, match=re.escape(fragment)):
        nt.Parameter(data)


def test_optimizer_dtype_message_names_the_parameter():
    model = nt.Sequential(nt.Linear(2, 1, rng=0))
    odd = nt.Parameter(np.ones(2, dtype=np.float32), name="scale")
    with pytest.raises(ValueError, match=re.escape(
            "SGD: all parameters must share one dtype, but parameter 'scale' is float32 while parameter "
            "'0.weight' is float64. Convert the whole model once, model.to(np.float32)")):
        nt.SGD(model.parameters() + [odd], lr=0.1)
    with pytest.raises(ValueError, match=re.escape(
            "Adam: all parameters must share one dtype, but parameter #1 of the list (shape (2,)) is float32 while "
            "parameter #0 of the list (shape (3,)) is float64.")):
        nt.Adam([nt.Parameter(np.ones(3)), nt.Parameter(np.ones(2, dtype=np.float32))])


# ----------------------------------------------------------------------------- C: ragged lists
RAGGED = "to be a numeric array, got list with rows of different lengths"


def test_ragged_class_targets_are_named():
    with pytest.raises(TypeError, match=re.escape(
            f"CrossEntropyLoss: expected y_true {RAGGED} (row 0 has 2 entries, row 1 has 1 entry). "
            f"Every row needs the same number of entries.")):
        nt.CrossEntropyLoss()(np.zeros((2, 3)), [[0, 1], [1]])


def test_ragged_inputs_to_train_test_split_are_named():
    with pytest.raises(TypeError, match=re.escape(f"train_test_split: expected X {RAGGED} (row 0 has 2 entries, "
                                                  f"row 1 has 1 entry)")):
        nt.data.train_test_split([[1, 2], [3], [5, 6]], [0, 1, 0])
    with pytest.raises(TypeError, match=re.escape(f"train_test_split: expected y {RAGGED}")):
        nt.data.train_test_split([[1, 2], [3, 4], [5, 6]], [0, [1, 2], 0])


def test_train_test_split_still_keeps_integer_labels():
    _, _, y_train, y_test = nt.data.train_test_split(np.ones((5, 2)), [0, 1, 0, 1, 1], seed=0)
    assert y_train.dtype.kind == "i" and y_test.dtype.kind == "i"


def test_ragged_labels_to_one_hot_are_named():
    with pytest.raises(TypeError, match=re.escape(f"one_hot: expected y {RAGGED} (row 0 has 1 entry, "
                                                  f"row 1 has 2 entries)")):
        nt.data.one_hot([[0], [1, 2]])


def test_ragged_new_parameter_data_is_named():
    model = nt.Sequential(nt.Linear(2, 3, rng=0))
    model.parameters()  # names the parameters, as creating an optimizer does
    with pytest.raises(TypeError, match=re.escape(f"Parameter 0.bias: expected new data {RAGGED} (row 0 is a single "
                                                  f"number, row 1 has 2 entries)")):
        model[0].bias.data = [1, [2, 3], 4]
    with pytest.raises(TypeError, match=re.escape("Parameter 0.bias: expected new data to be a numeric array, "
                                                  "got dtype <U1")):
        model[0].bias.data = ["a", "b", "c"]
    model[0].bias.data = [1, 2, 3]  # integers are still welcome
    np.testing.assert_array_equal(model[0].bias.data, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("config, fragment", [
    ({"mean": [1.0, [2.0]], "std": [1.0, 1.0]}, f"expected config['mean'] {RAGGED}"),
    ({"mean": [0.0, 1.0], "std": [[1.0, 2.0], [1.0]]}, f"expected config['std'] {RAGGED}"),
    ({"mean": ["a", "b"], "std": [1.0, 1.0]}, "expected config['mean'] to be a numeric array, got dtype <U1"),
])
def test_standardizer_from_config_names_a_ragged_or_text_list(config, fragment):
    with pytest.raises(TypeError, match=re.escape(f"Standardizer.from_config: {fragment}")):
        nt.data.Standardizer.from_config(config)


def test_a_ragged_list_deeper_down_still_gets_the_message():
    with pytest.raises(TypeError, match=re.escape(f"who: expected x {RAGGED} (NumPy: ")):
        as_float_array([[[1, 2]], [[3]]], "who")
    assert as_array(np.arange(3), "who").dtype.kind == "i"  # as_array keeps the dtype


# ----------------------------------------------------------------------------- H: CrossEntropyLoss targets
@pytest.mark.parametrize("bad, shown", [(np.inf, "inf"), (np.nan, "nan")])
def test_cross_entropy_says_the_class_indices_contain_inf_or_nan(bad, shown):
    with pytest.raises(ValueError, match=re.escape(
            f"CrossEntropyLoss: y_true contains NaN or infinity (first at index (1,): {shown}).")):
        nt.CrossEntropyLoss()(np.zeros((2, 3)), np.array([0.0, bad]))


def test_cross_entropy_refuses_target_rows_outside_0_1_naming_the_row():
    with pytest.raises(ValueError, match=re.escape(
            "CrossEntropyLoss: expected (N, C) targets to be one-hot or probability rows, entries in [0, 1], but "
            "row 1 is [-1.  2.  0.]. For class indices pass y of shape (N,)")):
        nt.CrossEntropyLoss()(np.zeros((2, 3)), np.array([[1, 0, 0], [-1, 2, 0]]))


def test_cross_entropy_refuses_target_rows_not_summing_to_1_naming_the_row():
    with pytest.raises(ValueError, match=re.escape(
            "CrossEntropyLoss: expected each row of (N, C) targets to sum to 1 (one-hot, or probabilities), but "
            "row 2 is [1. 1. 0.], summing to 2. Normalise the rows")):
        nt.CrossEntropyLoss()(np.zeros((3, 3)), np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0]]))
    with pytest.raises(ValueError, match="row 0 is .*summing to 0"):
        nt.CrossEntropyLoss()(np.zeros((1, 3)), np.zeros((1, 3)))


def test_cross_entropy_refuses_nan_in_target_rows():
    with pytest.raises(ValueError, match=re.escape("CrossEntropyLoss: y_true contains NaN or infinity (first at "
                                                   "index (0, 1): nan)")):
        nt.CrossEntropyLoss()(np.zeros((2, 3)), np.array([[0.5, np.nan, 0.5], [1, 0, 0]]))


def test_cross_entropy_accepts_soft_labels_within_float32_rounding():
    z = np.random.default_rng(0).normal(size=(4, 10)).astype(np.float32)
    soft = nt.functional.softmax(z + 1).astype(np.float32)  # rows sum to 1 only within float32 rounding
    loss_fn = nt.CrossEntropyLoss()
    value = loss_fn(z, soft)
    expected = -(soft.astype(np.float64) * nt.functional.log_softmax(z.astype(np.float64))).sum() / 4
    assert value == pytest.approx(expected, rel=1e-5)
    smooth = np.full((2, 3), 0.05) + 0.85 * np.eye(3)[[0, 2]]  # label smoothing: 0.9, 0.05, 0.05
    assert loss_fn(np.zeros((2, 3)), smooth) == pytest.approx(np.log(3))


# ----------------------------------------------------------------------------- I: float32 overflow
def test_load_state_dict_refuses_a_value_too_large_for_float32():
    model = nt.Sequential(nt.Linear(2, 1, rng=0)).to(np.float32)
    before = model.state_dict()
    with pytest.raises(ValueError, match=re.escape(
            "Sequential.load_state_dict: parameter '0.weight' holds a value too large for float32 (first at index "
            "(0, 0): 1e+39; the largest float32 is about 3.403e+38).")):
        model.load_state_dict({"0.weight": [[1e39, 0.0]], "0.bias": [0.0]})
    for name, value in model.state_dict().items():  # nothing was copied
        np.testing.assert_array_equal(value, before[name])
    model.load_state_dict({"0.weight": [[3e38, 0.0]], "0.bias": [0.0]})  # the largest values still fit
    assert model[0].weight.data[0, 0] == np.float32(3e38)


def test_load_state_dict_still_refuses_nan_and_infinity_by_name():
    model = nt.Sequential(nt.Linear(2, 1, rng=0)).to(np.float32)
    with pytest.raises(ValueError, match="parameter '0.bias' contains NaN or infinity"):
        model.load_state_dict({"0.weight": [[1.0, 0.0]], "0.bias": [np.inf]})


def test_predict_says_the_data_is_too_large_for_float32_not_that_it_is_not_finite():
    model = nt.Sequential(nt.Linear(2, 1, rng=0)).to(np.float32)
    with pytest.raises(ValueError, match=re.escape(
            "Sequential.predict: x holds a value too large for float32 (first at index (1, 0): -1e+39;")) as info:
        model.predict([[1.0, 0.0], [-1e39, 0.0]])
    assert "NaN" not in str(info.value) and "model.double()" in str(info.value)
    assert model.double().predict([[1e39, 0.0]]).dtype == np.float64  # float64 holds it


def test_setting_parameter_data_too_large_for_float32_is_refused():
    model = nt.Sequential(nt.Linear(2, 1, rng=0)).to(np.float32)
    with pytest.raises(ValueError, match="Parameter 0.bias: new data holds a value too large for float32"):
        model[0].bias.data = np.array([1e40])


def test_as_float_array_keeps_infinity_that_was_already_there():
    out = as_float_array(np.array([np.inf, 1.0]), "who", dtype=np.float32)  # not an overflow: inf stays inf
    assert out.dtype == np.float32 and np.isinf(out[0])


# ----------------------------------------------------------------------------- a file for a folder
def test_california_housing_says_a_file_is_not_a_folder(tmp_path):
    path = tmp_path / "cal_housing.data.gz"
    path.write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=re.escape(
            f"california_housing: {path} (from the data_dir argument) is a file, not a folder. Expected the "
            f"folder containing cal_housing.data.gz, e.g. {str(tmp_path)!r}.")):
        nt.data.california_housing(path)
