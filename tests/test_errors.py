"""Bad input gets a clear error at the public boundary, before NumPy fails somewhere deep inside.

Each message says who complains, what was expected, what came instead, and how to fix it; each
test pins the message. (Errors about model files live in test_saving.py.)
"""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest

import nnteach as nt
from nnteach.activations import ACTIVATIONS, Activation
from nnteach.init import INITS

from learner_modules import Cube  # tests/learner_modules.py


@pytest.fixture
def model(rng):
    return nt.Sequential(nt.Linear(2, 3, rng=rng), nt.ReLU(), nt.Linear(3, 1, rng=rng), nt.Sigmoid())


@pytest.fixture
def trainer(model):
    return nt.Trainer(model, nt.BCELoss(), nt.SGD(model.parameters(), lr=0.1), rng=0)


@pytest.fixture
def data(rng):
    return rng.normal(size=(10, 2)), rng.integers(0, 2, size=10)


# ----------------------------------------------------------------------------- shapes
def test_wrong_input_width_names_the_layer_and_both_sizes(model):
    with pytest.raises(ValueError, match=re.escape(
            "Linear(in_features=2, out_features=3) expected input of shape (N, 2), got (4, 3). "
            "Does the previous layer output 3 features?")):
        model(np.ones((4, 3)))


def test_mismatched_layers_name_the_layer_that_gets_the_wrong_width(rng):
    model = nt.Sequential(nt.Linear(2, 3, rng=rng), nt.ReLU(), nt.Linear(4, 1, rng=rng))
    with pytest.raises(ValueError, match=re.escape(
            "Linear(in_features=4, out_features=1) expected input of shape (N, 4), got (5, 3)")):
        model(np.ones((5, 2)))


def test_one_dimensional_input_says_how_to_make_a_batch(model):
    with pytest.raises(ValueError, match=re.escape(
            "expected input of shape (N, 2), got 1-D shape (2,). For a single sample use x.reshape(1, -1).")):
        model(np.array([0.5, 1.0]))


def test_three_dimensional_input_is_refused(model):
    with pytest.raises(ValueError, match=re.escape("expected input of shape (N, 2), got 3-D shape (4, 2, 1)")):
        model(np.ones((4, 2, 1)))


def test_predict_on_one_dimensional_input_says_how_to_reshape(model):
    with pytest.raises(ValueError, match=re.escape(
            "Sequential.predict: expected x of shape (N, 2), a 2-D batch, got 1-D shape (2,). "
            "For one sample use x.reshape(1, -1)")):
        model.predict(np.array([0.5, 1.0]))


def test_fit_on_three_dimensional_input_says_to_flatten(trainer):
    with pytest.raises(ValueError, match=re.escape(
            "Trainer.fit: expected X of shape (N, 2), a 2-D batch, got 3-D shape (10, 2, 1). "
            "Flatten each sample into one row first")):
        trainer.fit(np.ones((10, 2, 1)), np.zeros(10), verbose=0)


def test_text_input_is_a_type_error(model):
    with pytest.raises(TypeError, match=r"expected input to be a numeric array, got dtype <U\d+ .*np.asarray"):
        model(np.array([["a", "b"]]))


def test_summary_with_an_input_width_the_first_layer_does_not_take_names_both_sizes():
    # summary(5) printed a table for a model whose first Linear takes 2 features
    model = nt.Sequential(nt.Linear(2, 3, rng=0), nt.ReLU())
    with pytest.raises(ValueError, match=re.escape(
            "Sequential.summary: layer 0, Linear(in_features=2, out_features=3), expects 2 input features, got "
            "input_features=5. Call summary(2), or leave input_features out to use the model's own input width.")):
        model.summary(5)
    assert model.summary(2) == model.summary() and "(N, 3)" in model.summary(np.int64(2))


def test_summary_names_a_layer_that_gets_the_wrong_width_from_the_layers_before_it():
    model = nt.Sequential(nt.Linear(2, 3, rng=0), nt.Sequential(nt.ReLU(), nt.Dense(4, 1, rng=0)))
    with pytest.raises(ValueError, match=re.escape(
            "Sequential.summary: layer 1.1, Dense(4, 1, ReLU), expects 4 input features, got 3 from the layers "
            "before it. Does the previous layer output 3 features?")):
        model.summary()
    starts_with_relu = nt.Sequential(nt.ReLU(), nt.Linear(4, 1, rng=0))
    with pytest.raises(ValueError, match=re.escape("layer 1, Linear(in_features=4, out_features=1), expects 4 input "
                                                   "features, got input_features=3. Call summary(4)")):
        starts_with_relu.summary(3)


@pytest.mark.parametrize("value, error, message", [
    ("5", TypeError, "expected input_features to be an integer, got str '5'."),
    (2.5, TypeError, "expected input_features to be an integer, got float 2.5."),
    (True, TypeError, "expected input_features to be an integer, got bool True."),
    (0, ValueError, "expected input_features >= 1, got 0."),
    (-1, ValueError, "expected input_features >= 1, got -1."),
])
def test_summary_input_features_must_be_a_positive_integer(value, error, message):
    # each was printed as a width: (N, 5), (N, 2.5), (N, True), (N, 0), (N, -1)
    model = nt.Sequential(nt.ReLU(), nt.Linear(1, 1, rng=0))
    with pytest.raises(error, match=re.escape(f"Sequential.summary: {message}")):
        model.summary(value)


# ----------------------------------------------------------------------------- data given to fit
def test_fit_with_different_numbers_of_samples_in_x_and_y(trainer, data):
    X, y = data
    with pytest.raises(ValueError, match=re.escape(
            "Trainer.fit: X and y must have the same number of samples, got 10 and 9.")):
        trainer.fit(X, y[:9], verbose=0)


def test_fit_with_nan_in_x_names_where(trainer, data):
    X, y = data
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match=re.escape(
            "Trainer.fit: X contains NaN or infinity (first at index (3, 1): nan). Clean or impute the data")):
        trainer.fit(X, y, verbose=0)


def test_fit_with_inf_in_x_names_where(trainer, data):
    X, y = data
    X[7, 0] = -np.inf
    with pytest.raises(ValueError, match=re.escape("Trainer.fit: X contains NaN or infinity (first at index (7, 0): -inf)")):
        trainer.fit(X, y, verbose=0)


def test_predict_with_nan_in_x_is_refused(model):
    with pytest.raises(ValueError, match=re.escape("Sequential.predict: x contains NaN or infinity (first at index (0, 0): nan)")):
        model.predict(np.array([[np.nan, 1.0]]))


def test_fit_with_nan_in_y_is_refused(rng):
    model = nt.Sequential(nt.Linear(2, 1, rng=rng))
    trainer = nt.Trainer(model, nt.MSELoss(), nt.SGD(model.parameters(), lr=0.1))
    y = np.ones(4)
    y[2] = np.nan
    with pytest.raises(ValueError, match=re.escape("Trainer.fit: y contains NaN or infinity (first at index (2,): nan)")):
        trainer.fit(np.ones((4, 2)), y, verbose=0)


def test_validation_data_that_is_not_a_pair_is_refused(trainer, data):
    with pytest.raises(ValueError, match=re.escape("Trainer.fit: expected validation_data=(X_val, y_val).")):
        trainer.fit(*data, validation_data=data[0], verbose=0)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(epochs=0), ValueError, "Trainer.fit: expected epochs >= 1, got 0."),
    (dict(epochs=2.5), TypeError, "Trainer.fit: expected epochs to be an integer, got float 2.5."),
    (dict(batch_size=0), ValueError, "Trainer.fit: expected batch_size >= 1, got 0."),
], ids=["epochs-0", "epochs-float", "batch_size-0"])
def test_fit_with_bad_epochs_or_batch_size(trainer, data, kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        trainer.fit(*data, verbose=0, **kwargs)


# ----------------------------------------------------------------------------- targets for the losses
def test_bce_targets_above_one_are_refused():
    with pytest.raises(ValueError, match=re.escape(
            "BCELoss: expected targets in [0, 1] (class 0 or 1, or a probability), got 2.0. Relabel the classes as 0 and 1")):
        nt.BCELoss()(np.full((3, 1), 0.5), np.array([0.0, 1.0, 2.0]))


def test_bce_targets_below_zero_are_refused():
    with pytest.raises(ValueError, match=re.escape("BCELoss: expected targets in [0, 1] (class 0 or 1, or a probability), got -1.0")):
        nt.BCELoss()(np.full((2, 1), 0.5), np.array([-1.0, 1.0]))


def test_bce_with_logits_targets_outside_0_1_are_refused():
    with pytest.raises(ValueError, match=re.escape("BCEWithLogitsLoss: expected targets in [0, 1]")):
        nt.BCEWithLogitsLoss()(np.zeros((2, 1)), np.array([1.0, 3.0]))


def test_bce_targets_outside_0_1_are_refused_by_fit_before_training(trainer, data):
    X, _ = data
    before = trainer.model.state_dict()
    with pytest.raises(ValueError, match=re.escape("BCELoss: expected targets in [0, 1]")):
        trainer.fit(X, np.arange(10), verbose=0)
    after = trainer.model.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)  # nothing was trained


def test_bce_predictions_that_are_not_probabilities_suggest_a_sigmoid():
    with pytest.raises(ValueError, match=re.escape(
            "BCELoss: expected y_pred to be probabilities in [0, 1], got values from -0.5 to 2. "
            "Put a Sigmoid before the loss, or use BCEWithLogitsLoss on raw outputs.")):
        nt.BCELoss()(np.array([[-0.5], [2.0]]), np.array([0.0, 1.0]))


def test_cross_entropy_class_index_too_large_is_refused():
    with pytest.raises(ValueError, match=re.escape(
            "CrossEntropyLoss: class index 3 is out of range for 3 classes (valid: 0..2). "
            "Does the output layer have one unit per class?")):
        nt.CrossEntropyLoss()(np.zeros((4, 3)), np.array([0, 1, 2, 3]))


def test_cross_entropy_negative_class_index_is_refused():
    with pytest.raises(ValueError, match=re.escape("CrossEntropyLoss: class index -1 is out of range for 3 classes")):
        nt.CrossEntropyLoss()(np.zeros((2, 3)), np.array([-1, 0]))


def test_cross_entropy_class_index_out_of_range_is_refused_by_fit(rng):
    model = nt.Sequential(nt.Linear(2, 3, rng=rng))
    trainer = nt.Trainer(model, nt.CrossEntropyLoss(), nt.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="class index 5 is out of range for 3 classes"):
        trainer.fit(np.ones((4, 2)), np.array([0, 1, 2, 5]), verbose=0)


def test_cross_entropy_fractional_class_indices_are_refused():
    with pytest.raises(ValueError, match="CrossEntropyLoss: class-index targets must be whole numbers"):
        nt.CrossEntropyLoss()(np.zeros((2, 3)), np.array([0.0, 1.5]))


def test_cross_entropy_wrong_number_of_targets_is_refused():
    with pytest.raises(ValueError, match=re.escape("CrossEntropyLoss: got 4 predictions but 3 targets.")):
        nt.CrossEntropyLoss()(np.zeros((4, 3)), np.array([0, 1, 2]))


def test_loss_with_mismatched_shapes_is_refused():
    with pytest.raises(ValueError, match=re.escape(
            "MSELoss: y_pred and y_true must have the same shape, got (4, 2) and (4, 3).")):
        nt.MSELoss()(np.zeros((4, 2)), np.zeros((4, 3)))


# ----------------------------------------------------------------------------- names and hyper-parameters
def test_unknown_activation_lists_the_valid_names():
    valid = ", ".join(repr(name) for name in ACTIVATIONS)
    with pytest.raises(ValueError, match=re.escape(f"Dense(2, 3): unknown activation 'relu6'. Valid names: {valid}")):
        nt.Dense(2, 3, activation="relu6")


def test_activation_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="expected activation to be a name, None or a Module, got int"):
        nt.Dense(2, 3, activation=3)


def _not_an_activation(what: str, why: str = "which is not an activation") -> str:
    valid = ", ".join(repr(name) for name in ACTIVATIONS)
    return re.escape(f"Dense(2, 3): expected activation to be a name, None or an activation Module, got {what}, "
                     f"{why}. Valid names: {valid}. An activation of your own must subclass "
                     f"nt.Activation and define forward(x) and backward(grad_output).")


@pytest.mark.parametrize("activation, what", [
    (nt.Linear(3, 3, rng=0), "Linear(in_features=3, out_features=3)"),
    (nt.MSELoss(), "MSELoss()"),
    (nt.Linear, "the class Linear"),
    (nt.Sequential(nt.Linear(3, 3, rng=0), nt.ReLU()), "Sequential"),
], ids=["a Linear", "a loss", "the Linear class", "a Sequential"])
def test_dense_refuses_a_module_that_is_not_an_activation(activation, what):
    # was accepted: the Dense then failed at its first forward, or silently computed something else
    with pytest.raises(TypeError, match=_not_an_activation(what)):
        nt.Dense(2, 3, activation=activation)


@pytest.mark.parametrize("activation, what", [(Activation(), "Activation()"), (Activation, "the class Activation")],
                         ids=["instance", "class"])
def test_dense_refuses_the_activation_base_class_that_cannot_compute(activation, what):
    with pytest.raises(TypeError, match=_not_an_activation(what, "which has no forward(x) of its own, so it cannot "
                                                                 "compute")):
        nt.Dense(2, 3, activation=activation)


class _LeakySigmoid(nt.Sigmoid):
    """A learner's variation on one of nnteach's activations."""


@pytest.mark.parametrize("activation", [Cube(), Cube, _LeakySigmoid(), nt.Identity()],
                         ids=["own instance", "own class", "own Sigmoid subclass", "Identity"])
def test_dense_accepts_any_activation_subclass_including_a_learners_own(activation):
    layer = nt.Dense(2, 3, activation=activation, rng=0)
    assert isinstance(layer.activation, Activation)
    assert layer(np.ones((4, 2))).shape == (4, 3)


@pytest.mark.parametrize("bias, got", [("no", "str 'no'"), (0, "int 0"), (None, "NoneType None")])
@pytest.mark.parametrize("layer", [nt.Linear, nt.Dense])
def test_bias_that_is_not_true_or_false_is_a_type_error(layer, bias, got):
    # bias="no" used to give the layer a bias: any non-empty string counts as True
    with pytest.raises(TypeError, match=re.escape(f"{layer.__name__}(2, 3): expected bias to be True or False, got {got}.")):
        layer(2, 3, bias=bias)


@pytest.mark.parametrize("args, kwargs, error, message", [
    ((2.5, 3), {}, TypeError, "Dense(2.5, 3): expected in_features to be an integer, got float 2.5."),
    ((2, 0), {}, ValueError, "Dense(2, 0): expected out_features >= 1, got 0."),
    ((2, 3), {"init": "glorot"}, ValueError, "Dense(2, 3): unknown init 'glorot'. Valid names: 'xavier', 'he', "),
    ((2, 3), {"rng": "seed"}, TypeError, "Dense(2, 3): expected rng/seed to be None, a non-negative int or a "),
    ((2, 3), {"dtype": np.int32}, ValueError, "Dense(2, 3): expected dtype np.float32 or np.float64, got "),
])
def test_a_dense_argument_error_names_the_dense_the_learner_wrote(args, kwargs, error, message):
    # the checks are the Linear's, but "Linear(2, 3)" in the message named a layer the learner never wrote
    with pytest.raises(error, match="^" + re.escape(message)):
        nt.Dense(*args, **kwargs)


def test_bias_given_as_a_numpy_bool_is_accepted():
    assert nt.Linear(2, 3, bias=np.bool_(False), rng=0).bias is None
    assert nt.Dense(2, 3, bias=np.True_, rng=0).bias is not None


def test_unknown_init_lists_the_valid_names():
    valid = ", ".join(repr(name) for name in INITS)
    with pytest.raises(ValueError, match=re.escape(f"Linear(2, 3): unknown init 'glorot'. Valid names: {valid}.")):
        nt.Linear(2, 3, init="glorot")


@pytest.mark.parametrize("value", [0, -4])
def test_layer_size_below_one_is_refused(value):
    with pytest.raises(ValueError, match=rf"expected out_features >= 1, got {value}"):
        nt.Linear(2, value)


def test_layer_size_that_is_not_an_integer_is_a_type_error():
    with pytest.raises(TypeError, match=re.escape("Linear(2.5, 3): expected in_features to be an integer, got float 2.5.")):
        nt.Linear(2.5, 3)


@pytest.mark.parametrize("opt_cls", [nt.SGD, nt.Adam])
def test_negative_learning_rate_is_refused(opt_cls, model):
    with pytest.raises(ValueError, match=re.escape(f"{opt_cls.__name__}: expected lr (learning rate) > 0, got -0.1.")):
        opt_cls(model.parameters(), lr=-0.1)


@pytest.mark.parametrize("opt_cls", [nt.SGD, nt.Adam])
def test_zero_learning_rate_is_refused(opt_cls, model):
    with pytest.raises(ValueError, match=re.escape(f"{opt_cls.__name__}: expected lr (learning rate) > 0, got 0.0.")):
        opt_cls(model.parameters(), lr=0)


def test_learning_rate_that_is_not_a_number_is_a_type_error(model):
    with pytest.raises(TypeError, match=re.escape("SGD: expected lr (learning rate) to be a number, got str '0.1'.")):
        nt.SGD(model.parameters(), lr="0.1")


def test_momentum_of_one_or_more_is_refused(model):
    with pytest.raises(ValueError, match=re.escape("SGD: expected momentum in [0, 1), got 1.0.")):
        nt.SGD(model.parameters(), lr=0.1, momentum=1.0)


def test_nesterov_without_momentum_is_refused(model):
    with pytest.raises(ValueError, match=re.escape("SGD: nesterov=True needs momentum > 0.")):
        nt.SGD(model.parameters(), lr=0.1, nesterov=True)


def test_adam_beta_outside_0_1_is_refused(model):
    with pytest.raises(ValueError, match=re.escape("Adam: expected betas[1] in [0, 1), got 1.0.")):
        nt.Adam(model.parameters(), betas=(0.9, 1.0))


def test_optimizer_without_parameters_is_refused():
    with pytest.raises(ValueError, match=re.escape("SGD: got an empty parameter list. Pass model.parameters().")):
        nt.SGD([], lr=0.1)


def test_optimizer_given_arrays_instead_of_parameters_is_a_type_error():
    with pytest.raises(TypeError, match=re.escape("SGD: expected Parameters (model.parameters()), got ndarray.")):
        nt.SGD([np.zeros(3)], lr=0.1)


def test_trainer_given_something_that_is_not_a_loss_is_a_type_error(model):
    with pytest.raises(TypeError, match="Trainer: expected loss_fn to be a Loss such as nt.MSELoss"):
        nt.Trainer(model, lambda a, b: 0.0, nt.SGD(model.parameters(), lr=0.1))


def test_sequential_given_something_that_is_not_a_module_is_a_type_error():
    with pytest.raises(TypeError, match=re.escape("Sequential: layer 1 must be a Module (e.g. nt.Linear(2, 3)), got ufunc.")):
        nt.Sequential(nt.Linear(2, 3), np.tanh)


_A_LOSS_IS_NOT_A_LAYER = (
    "a loss, which compares predictions with targets, loss_fn(y_pred, y_true), instead of computing outputs from "
    "inputs. A loss is not a layer: give it to the Trainer, nt.Trainer(model, loss_fn, optimizer), or call it on the "
    "model's output, loss_fn(model(x), y).")
_A_BASE_CLASS = ("a base class with no forward(x) of its own, which cannot compute. Use a concrete layer such as "
                 "nt.Linear(2, 3) or nt.ReLU(), or subclass it and write forward(x) and backward(grad_output).")


@pytest.mark.parametrize("build, position", [
    (lambda loss: nt.Sequential(nt.Linear(2, 1, rng=0), loss), "Sequential: layer 1"),
    (lambda loss: nt.Sequential([loss]), "Sequential: layer 0"),
    (lambda loss: nt.Sequential(nt.Linear(2, 1, rng=0), nt.Sigmoid()).append(loss), "Sequential.append: layer 2"),
], ids=["argument", "in a list", "appended"])
@pytest.mark.parametrize("loss", [nt.BCELoss(), nt.MSELoss(), nt.Loss()], ids=["BCELoss", "MSELoss", "Loss base"])
def test_sequential_refuses_a_loss_as_a_layer_and_says_where_a_loss_goes(build, position, loss):
    # was accepted: training then failed inside the model's forward, "missing 1 required positional argument: 'y_true'"
    with pytest.raises(TypeError, match=re.escape(
            f"{position} must compute outputs from inputs, got {type(loss).__name__}, {_A_LOSS_IS_NOT_A_LAYER}")):
        build(loss)


@pytest.mark.parametrize("base", [nt.Module(), Activation()], ids=["Module", "Activation"])
def test_sequential_refuses_a_base_class_that_cannot_compute(base):
    # was accepted: the model raised NotImplementedError at its first forward
    with pytest.raises(TypeError, match=re.escape(
            f"Sequential: layer 1 must compute outputs from inputs, got {type(base).__name__}, {_A_BASE_CLASS}")):
        nt.Sequential(nt.Linear(2, 3, rng=0), base)
    model = nt.Sequential(nt.Linear(2, 3, rng=0))
    with pytest.raises(TypeError, match=re.escape(f"Sequential.append: layer 1 must compute outputs from inputs, got "
                                                  f"{type(base).__name__}, {_A_BASE_CLASS}")):
        model.append(base)
    assert len(model) == 1  # nothing was appended


@pytest.mark.parametrize("change, who", [
    (lambda layers, bad: layers.append(bad), "Sequential.layers.append: layer 2"),
    (lambda layers, bad: layers.insert(1, bad), "Sequential.layers.insert(1, …): the new layer"),
    (lambda layers, bad: layers.extend([nt.Tanh(), bad]), "Sequential.layers.extend(…): new layer 1"),
    (lambda layers, bad: layers.__iadd__([bad]), "Sequential.layers += …: new layer 0"),
    (lambda layers, bad: layers.__setitem__(1, bad), "Sequential.layers[1] = …: the new layer"),
    (lambda layers, bad: layers.__setitem__(slice(1, None), [nt.Tanh(), bad]), "Sequential.layers[1:] = …: new layer 1"),
], ids=["append", "insert", "extend", "+=", "[i] =", "[i:] ="])
@pytest.mark.parametrize("bad, why", [
    ("relu", "must be a Module (e.g. nt.Linear(2, 3)), got str."),
    (Activation(), f"must compute outputs from inputs, got Activation, {_A_BASE_CLASS}"),
    (nt.MSELoss(), f"must compute outputs from inputs, got MSELoss, {_A_LOSS_IS_NOT_A_LAYER}"),
], ids=["a string", "a base class", "a loss"])
def test_changing_model_layers_by_hand_is_checked_as_sequential_checks(change, who, bad, why):
    # model.layers is a list a learner may edit; was unchecked: "'str' object is not callable" at the next forward,
    # or an error from nt.save that the file "was probably edited"
    model = nt.Sequential(nt.Linear(2, 3, rng=0), nt.ReLU())
    before = list(model.layers)
    with pytest.raises(TypeError, match=re.escape(f"{who} {why}")):
        change(model.layers, bad)
    assert model.layers == before  # nothing was put in


@pytest.mark.parametrize("build, message", [
    (lambda act: nt.Sequential(nt.Dense(2, 4, act, rng=0), nt.Dense(4, 1, act, rng=1)),
     "Sequential: model[1].activation is the same Tanh object as model[0].activation."),
    (lambda act: nt.Sequential(nt.Linear(2, 4, rng=0), act, nt.Linear(4, 4, rng=1), act),
     "Sequential: model[3] is the same Tanh object as model[1]."),
    (lambda act: nt.Sequential(nt.Linear(2, 4, rng=0), act).append(act),
     "Sequential.append: model[2] is the same Tanh object as model[1]."),
    (lambda act: nt.Sequential(nt.Linear(2, 4, rng=0), act).layers.insert(0, act),
     "Sequential.layers.insert(0, …): model[2] is the same Tanh object as model[0]."),
    (lambda act: nt.Sequential(nt.Linear(2, 4, rng=0), nt.Sequential(act), act),
     "Sequential: model[2] is the same Tanh object as model[1][0]."),
], ids=["two Dense", "twice in a Sequential", "appended", "inserted", "nested"])
def test_one_module_object_in_two_places_is_refused(build, message):
    # was accepted: the forward pass was right, and the gradients silently wrong (gradcheck: relative error 1.7)
    with pytest.raises(ValueError, match=re.escape(
            f"{message} A module keeps what its forward saw for its backward, so one object cannot serve two places: "
            f"the gradients would be wrong. Create one for each place (call nt.Tanh(...) again instead of reusing "
            f"the object).")):
        build(nt.Tanh())


def test_a_shared_module_is_refused_before_the_layers_change():
    model = nt.Sequential(nt.Linear(2, 4, rng=0), nt.ReLU())
    before = list(model.layers)
    for change in (lambda: model.append(model[0]), lambda: model.layers.extend([nt.Tanh(), model[1]]),
                   lambda: model.layers.__setitem__(slice(0, 1), [model[1]])):
        with pytest.raises(ValueError, match="one object cannot serve two places"):
            change()
        assert model.layers == before
    model.layers[1] = nt.Tanh()  # replacing a layer by a new object is fine
    model.layers[0:1] = [model[0]]  # and by itself, in its own place
    assert [type(m) for m in model] == [nt.Linear, nt.Tanh]


def test_model_layers_edited_with_real_layers_still_work():
    model = nt.Sequential(nt.Linear(2, 3, rng=0))
    model.layers.append(nt.ReLU())
    model.layers += [nt.Linear(3, 1, rng=1)]
    model.layers.insert(3, nt.Sigmoid())
    model.layers[1] = nt.Tanh()
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh", "Linear", "Sigmoid"]
    assert model(np.ones((2, 2))).shape == (2, 1)
    assert type(model[1:].layers) is type(model.layers)  # a slice is a Sequential of its own, checked the same way
    assert copy.deepcopy(model).layers[1] is not model.layers[1]


class _Double(nt.Module):
    """A learner's own Module, straight from the base class, with forward and backward written."""

    def forward(self, x):
        return 2 * x

    def backward(self, grad_output):
        return 2 * grad_output


def test_sequential_refuses_a_learners_module_without_forward_and_says_to_write_it():
    class Half(nt.Module):
        def foward(self, x):  # misspelt: Module.forward would raise NotImplementedError at the first forward
            return x / 2

    with pytest.raises(TypeError, match=re.escape(
            "Sequential: layer 1 must compute outputs from inputs, got Half, a class that defines no forward(x) (is the "
            "method's name misspelt?), which cannot compute. Write its forward(x) and backward(grad_output).")):
        nt.Sequential(nt.Linear(2, 3, rng=0), Half())


def test_sequential_takes_a_learners_own_modules_but_not_the_base_class_they_subclass():
    model = nt.Sequential(nt.Linear(2, 3, rng=0), _Double(), Cube(), _LeakySigmoid())
    model.append(nt.Sequential(_Double(), nt.Identity()))
    assert model.predict(np.ones((4, 2))).shape == (4, 3)
    with pytest.raises(TypeError, match=re.escape(f"Sequential: layer 1 must compute outputs from inputs, got Module, "
                                                  f"{_A_BASE_CLASS}")):
        nt.Sequential(_Double(), nt.Module())


def test_seed_must_be_a_non_negative_integer():
    with pytest.raises(ValueError, match=re.escape("nt.seed: expected a non-negative integer, got -1.")):
        nt.seed(-1)


# ----------------------------------------------------------------------------- state dicts
def test_load_state_dict_missing_a_parameter_names_it(model):
    state = model.state_dict()
    del state["2.bias"]
    with pytest.raises(ValueError, match=re.escape("Sequential.load_state_dict: the state does not match this model: "
                                                   "missing ['2.bias']")):
        model.load_state_dict(state)


def test_load_state_dict_with_an_extra_parameter_names_it(model):
    state = model.state_dict()
    state["4.weight"] = np.zeros((1, 1))
    with pytest.raises(ValueError, match=re.escape("the state does not match this model: unexpected ['4.weight']")):
        model.load_state_dict(state)


def test_load_state_dict_with_a_wrongly_shaped_parameter_names_it_and_both_shapes(model):
    state = model.state_dict()
    state["0.weight"] = np.zeros((2, 3))
    with pytest.raises(ValueError, match=re.escape(
            "Sequential.load_state_dict: parameter '0.weight' has shape (3, 2) in the model but (2, 3) in the state.")):
        model.load_state_dict(state)


def test_a_refused_state_dict_changes_nothing(model):
    before = model.state_dict()
    state = model.state_dict()
    state["0.bias"] = np.ones(3)
    state["2.weight"] = np.zeros((3, 1))  # wrongly shaped: the whole load is refused
    with pytest.raises(ValueError):
        model.load_state_dict(state)
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)


# ----------------------------------------------------------------------------- divergence
def test_diverging_training_raises_training_diverged_naming_epoch_and_batch(rng):
    # Unscaled regression data (features in the hundreds) and a learning rate of a million.
    X = rng.uniform(0, 1000, size=(64, 3))
    y = X @ np.array([1.0, 2.0, 3.0]) + 5.0
    model = nt.Sequential(nt.Linear(3, 1, rng=rng))
    trainer = nt.Trainer(model, nt.MSELoss(), nt.SGD(model.parameters(), lr=1e6), rng=0)
    # seeded: the loss overflows to inf in the second batch of the fourth epoch (counted from 1)
    with pytest.raises(nt.TrainingDiverged, match=re.escape(
            "Trainer.fit: the loss became inf at epoch 4 of 20, batch 2 of 4: training diverged. The learning "
            "rate (1e+06) is probably too large: try 100000. The weights may now hold huge values")):
        trainer.fit(X, y, epochs=20, batch_size=16, verbose=0)


def test_training_diverged_is_a_runtime_error():
    assert issubclass(nt.TrainingDiverged, RuntimeError)


# ----------------------------------------------------------------------------- mistakes of the training loop
def test_an_optimizer_made_for_an_earlier_model_is_refused_by_the_trainer():
    # a notebook cell re-run: the model is new, the optimizer still holds the old model's parameters
    old = nt.Sequential(nt.Linear(2, 1, rng=0), nt.Sigmoid())
    optimizer = nt.SGD(old.parameters(), lr=0.5)
    model = nt.Sequential(nt.Linear(2, 1, rng=0), nt.Sigmoid())
    with pytest.raises(ValueError, match=re.escape("Trainer: the optimizer holds none of this model's parameters "
                                                   "(was it made for an earlier model?)")):
        nt.Trainer(model, nt.BCELoss(), optimizer)


@pytest.mark.parametrize("make, error, message", [
    (lambda m: nt.SGD(m.parameters, lr=0.1), TypeError, "SGD: expected the list of parameters, got the method itself. "
                                                         "Call it: SGD(model.parameters(), lr=...)."),
    (lambda m: nt.Adam(None), TypeError, "Adam: expected the model's parameters, model.parameters(), got NoneType."),
], ids=["method", "None"])
def test_an_optimizer_needs_the_parameters_themselves(make, error, message):
    with pytest.raises(error, match=re.escape(message)):
        make(nt.Sequential(nt.Linear(2, 1, rng=0)))


@pytest.mark.parametrize("gradient, error, fragment", [
    ("loss", TypeError, "got float. A single number is the loss value, not its gradient: pass loss_fn.backward()."),
    ("method", TypeError, "got the function 'Loss.backward' itself. Call it: loss_fn.backward() returns the array."),
    ("list", TypeError, "got list. Convert it with np.array(...)."),
    ("shape", ValueError, "an array of shape (4, 1) (the shape of its last output), got (3, 1)."),
], ids=["loss", "method", "list", "shape"])
def test_backward_given_something_else_than_the_gradient_says_what_it_wanted(gradient, error, fragment):
    model = nt.Sequential(nt.Linear(2, 1, rng=0), nt.Sigmoid())
    loss_fn = nt.BCELoss()
    loss = loss_fn(model(np.ones((4, 2))), np.ones((4, 1)))
    given = {"loss": loss, "method": loss_fn.backward, "list": [[0.1]] * 4, "shape": np.ones((3, 1))}[gradient]
    with pytest.raises(error, match=re.escape("Sigmoid().backward expected dL/d(output), the gradient of the loss "
                                              "with respect to this module's output") + ".*" + re.escape(fragment)):
        model.backward(given)
    with pytest.raises(error, match=re.escape(fragment.replace("(4, 1)", "(4, 1)"))):
        model[0].backward(given)  # a Linear says the same


@pytest.mark.parametrize("callbacks, message", [
    (nt.EarlyStopping(monitor="loss"), "expected callbacks to be a list, such as [nt.EarlyStopping()], got EarlyStopping."),
    ([nt.EarlyStopping], "callbacks holds the class EarlyStopping, not a callback: create one, EarlyStopping()."),
    ([lambda *a: None], "expected every callback to be an nt.Callback"),
], ids=["not a list", "a class", "a function"])
def test_callbacks_that_are_not_callbacks_are_named(trainer, data, callbacks, message):
    with pytest.raises(TypeError, match=re.escape(f"Trainer.fit: {message}")):
        trainer.fit(*data, epochs=1, verbose=0, callbacks=callbacks)


def test_fit_and_evaluate_on_no_samples_say_so(trainer):
    for call, who in ((lambda: trainer.fit(np.zeros((0, 2)), np.zeros(0), verbose=0), "Trainer.fit"),
                      (lambda: trainer.evaluate(np.zeros((0, 2)), np.zeros(0)), "Trainer.evaluate")):
        with pytest.raises(ValueError, match=re.escape(f"{who}: X has no samples (shape (0, 2))")):
            call()


def test_cross_entropy_needs_two_classes_and_reads_bool_labels_as_classes():
    z = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]])  # (3, 2)
    ce = nt.CrossEntropyLoss()
    # True/False are classes 1 and 0 (not a mask picking rows): the loss of the labels [1, 0, 1]
    expected = -np.mean([z[0, 1] - np.log(np.exp(z[0]).sum()), z[1, 0] - np.log(np.exp(z[1]).sum()),
                         z[2, 1] - np.log(np.exp(z[2]).sum())])
    assert ce(z, np.array([True, False, True])) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match=re.escape("CrossEntropyLoss: expected logits for at least 2 classes, shape "
                                                   "(N, C) with C >= 2, got (3, 1).")):
        ce(np.zeros((3, 1)), np.zeros(3, dtype=int))  # softmax over one class is 1: nothing to learn


@pytest.mark.parametrize("bias, error, message", [
    (["oops"], TypeError, "expected parameter '0.bias' to be a numeric array, got dtype <U4"),
    ([None], TypeError, "expected parameter '0.bias' to be a numeric array, got dtype object"),
    ([np.nan], ValueError, "parameter '0.bias' contains NaN or infinity: a model with such weights computes NaN."),
], ids=["text", "None", "NaN"])
def test_load_state_dict_checks_every_value_before_copying_any(bias, error, message):
    model = nt.Sequential(nt.Linear(2, 1, rng=0), nt.Sigmoid())
    before = model.state_dict()
    with pytest.raises(error, match=re.escape(f"Sequential.load_state_dict: {message}")):
        model.load_state_dict({"0.weight": [[7.0, 7.0]], "0.bias": bias})
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])  # all or nothing: the weight was not overwritten


@pytest.mark.parametrize("make", [lambda: nt.Dense(2, 3, dtype=int), lambda: nt.Linear(2, 3, dtype="banana"),
                                  lambda: nt.Linear(2, 3).to(None), lambda: nt.Linear(2, 3).to(np.float16)],
                         ids=["int", "banana", "to None", "to float16"])
def test_only_float32_and_float64_models_exist(make):
    # int weights trained nothing (then failed deep in backward); float16 models saved but never loaded
    with pytest.raises(ValueError, match=r"expected dtype np\.float32 or np\.float64, got "):
        make()


@pytest.mark.parametrize("call, error, message", [
    (lambda m, x, y: nt.gradcheck(m, nt.MSELoss, x, y), TypeError,
     "nt.gradcheck: expected a loss object, got the class MSELoss: create one, MSELoss()."),
    (lambda m, x, y: nt.gradcheck(None, nt.MSELoss(), x, y), TypeError,
     "nt.gradcheck: expected the model to check (a Module), got NoneType."),
    (lambda m, x, y: nt.gradcheck(m, nt.MSELoss(), x, y, h=0), ValueError,
     "nt.gradcheck: expected h (the finite-difference step) > 0, got 0.0."),
    (lambda m, x, y: nt.gradcheck(m, nt.MSELoss(), np.full_like(x, np.nan), y), ValueError,
     "nt.gradcheck: x contains NaN or infinity"),
], ids=["loss class", "no model", "h=0", "NaN x"])
def test_gradcheck_checks_its_own_arguments(call, error, message):
    # (NaN in x made every row fail, blaming a correct backward for bad data)
    model = nt.Sequential(nt.Linear(2, 1, rng=0))
    with pytest.raises(error, match=re.escape(message)):
        call(model, np.ones((3, 2)), np.zeros((3, 1)))


@pytest.mark.parametrize("make, message", [
    (lambda m, t, d: t.fit(*d, shuffle="no", verbose=0), "Trainer.fit: expected shuffle to be True or False, got str 'no'."),
    (lambda m, t, d: t.fit(*d, verbose="silent"), "Trainer.fit: expected verbose (0 silent, 1 a progress bar) to be an integer"),
    (lambda m, t, d: nt.SGD(m.parameters(), lr=0.1, momentum=0.9, nesterov="no"), "SGD: expected nesterov to be True or False"),
    (lambda m, t, d: nt.EarlyStopping(restore_best_weights="no"), "EarlyStopping: expected restore_best_weights to be True or False"),
], ids=["shuffle", "verbose", "nesterov", "restore_best_weights"])
def test_yes_no_options_take_true_or_false(model, trainer, data, make, message):
    # "no" is a non-empty string, so it used to count as True
    with pytest.raises(TypeError, match=re.escape(message)):
        make(model, trainer, data)
    trainer.fit(*data, epochs=1, verbose=False)  # a bool verbose still works


def test_train_step_on_nan_data_names_the_data_not_divergence(trainer):
    with pytest.raises(ValueError, match=re.escape("Trainer.train_step: x contains NaN or infinity (first at index (0, 1)")):
        trainer.train_step(np.array([[0.0, np.nan]]), np.array([[1.0]]))


@pytest.mark.parametrize("loss_fn", [nt.MSELoss(), nt.L1Loss()], ids=["MSE", "L1"])
def test_nan_targets_are_named_while_a_nan_prediction_stays_a_nan_loss(loss_fn):
    # BCE and CE already refused NaN targets; MSE and L1 returned NaN, which looked like divergence
    with pytest.raises(ValueError, match=re.escape(f"{type(loss_fn).__name__}: y_true contains NaN or infinity "
                                                   f"(first at index (1, 0): nan)")):
        loss_fn(np.ones((3, 1)), np.array([[1.0], [np.nan], [0.0]]))
    assert np.isnan(loss_fn(np.array([[np.nan], [1.0], [0.0]]), np.ones((3, 1))))  # divergence: the caller's to judge
