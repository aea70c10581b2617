"""PlaygroundState: data, model building, training chunks, divergence, and what a frame shows."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

import nnteach as nt
from nnteach.widgets.playground_state import PlaygroundState


def _dense_shapes(model):
    return [(layer.in_features, layer.out_features) for layer in model.layers]


# ---------------------------------------------------------------------- the state stays pure
def test_playground_state_imports_no_widgets_or_matplotlib():
    code = ("import sys; from nnteach.widgets.playground_state import PlaygroundState; PlaygroundState().frame(True); "
            "bad = [m for m in ('ipywidgets', 'matplotlib') if m in sys.modules]; assert not bad, bad")
    import subprocess

    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------- training
@pytest.mark.parametrize("dataset", ["xor", "circles"])
def test_train_chunk_lowers_the_loss(dataset):
    state = PlaygroundState(dataset, seed=0)
    first = state.train_losses[0]
    for _ in range(30):
        assert state.train_chunk()
    assert state.epoch == 30 * state.config.epochs_per_chunk
    assert len(state.train_losses) == state.epoch + 1  # epoch 0 (untrained) plus one per epoch
    assert state.train_losses[-1] < 0.5 * first
    assert state.test_accuracy[-1] >= 0.9


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("loss", ["bce", "bce_logits", "mse"])
def test_every_optimizer_and_binary_loss_trains(optimizer, loss):
    state = PlaygroundState("moons", optimizer=optimizer, loss=loss, lr=0.03 if optimizer != "sgd" else 0.3)
    state.train_chunk(epochs=40)
    assert not state.diverged
    assert state.train_losses[-1] < state.train_losses[0]
    opt = state.trainer.optimizer  # the choice is the optimizer the Trainer really uses
    expected = {"sgd": (nt.SGD, 0.0), "momentum": (nt.SGD, 0.9), "adam": (nt.Adam, None)}[optimizer]
    assert type(opt) is expected[0] and getattr(opt, "momentum", None) == expected[1]


def test_momentum_trains_differently_from_plain_sgd_at_the_same_rate():
    plain, heavy = (PlaygroundState("moons", optimizer=o, lr=0.03, seed=0) for o in ("sgd", "momentum"))
    for state in (plain, heavy):
        state.train_chunk(epochs=20)
    assert plain.train_losses[0] == heavy.train_losses[0]  # the same start ...
    assert heavy.train_losses[-1] < plain.train_losses[-1]  # ... and momentum gets further at this small rate


def test_multiclass_spiral_uses_cross_entropy_and_one_output_per_class():
    state = PlaygroundState("spiral", classes=3, hidden=(8, 8), optimizer="adam", lr=0.03)
    assert state.loss_name == "cross_entropy"
    assert state.layer_sizes == (2, 8, 8, 3)
    state.train_chunk(epochs=60)
    assert state.train_losses[-1] < 0.5 * state.train_losses[0]
    assert set(np.unique(state.frame().values)) <= {0, 1, 2}  # class indices on the grid


def test_same_config_gives_the_same_losses():
    a = PlaygroundState("circles", seed=3, batch_size=8)
    b = PlaygroundState("circles", seed=3, batch_size=8)
    a.train_chunk(epochs=5)
    b.train_chunk(epochs=5)
    assert a.train_losses == b.train_losses and a.test_losses == b.test_losses
    c = PlaygroundState("circles", seed=4, batch_size=8)
    c.train_chunk(epochs=5)
    assert c.train_losses != a.train_losses


def test_reset_starts_again_from_the_same_weights():
    state = PlaygroundState("xor")
    start = state.model.state_dict()
    state.train_chunk(epochs=10)
    state.reset()
    assert state.epoch == 0 and len(state.train_losses) == 1
    for name, value in state.model.state_dict().items():
        np.testing.assert_array_equal(value, start[name])


# ---------------------------------------------------------------------- architecture
def test_adding_and_removing_layers_rebuilds_the_model_with_the_right_shapes():
    state = PlaygroundState("circles", hidden=(4, 4))
    assert _dense_shapes(state.model) == [(2, 4), (4, 4), (4, 1)]
    state.train_chunk(epochs=3)
    state.add_layer(neurons=6)
    assert _dense_shapes(state.model) == [(2, 4), (4, 4), (4, 6), (6, 1)]
    assert state.epoch == 0  # a new network starts untrained
    state.set_neurons(0, 16)
    assert _dense_shapes(state.model) == [(2, 16), (16, 4), (4, 6), (6, 1)]
    state.remove_layer()
    state.remove_layer()
    assert _dense_shapes(state.model) == [(2, 16), (16, 1)]
    state.remove_layer()
    assert _dense_shapes(state.model) == [(2, 1)]  # logistic regression
    with pytest.raises(ValueError, match="no hidden layer left"):
        state.remove_layer()
    assert state.train_chunk(epochs=2)


def test_changing_the_learning_rate_keeps_the_weights_and_history():
    state = PlaygroundState("circles")
    state.train_chunk(epochs=4)
    weights = state.model.state_dict()
    state.configure(lr=0.01, batch_size=32, epochs_per_chunk=3)
    assert state.epoch == 4 and state.trainer.optimizer.lr == 0.01
    for name, value in state.model.state_dict().items():
        np.testing.assert_array_equal(value, weights[name])
    state.configure(optimizer="adam")
    assert isinstance(state.trainer.optimizer, nt.Adam) and state.epoch == 4


def test_switching_between_binary_and_multiclass_data_picks_a_fitting_loss():
    state = PlaygroundState("circles", loss="mse")
    state.configure(dataset="spiral", classes=4)
    assert state.loss_name == "cross_entropy" and state.layer_sizes[-1] == 4
    state.configure(dataset="moons")
    assert state.config.classes == 2 and state.loss_name == "bce" and state.layer_sizes[-1] == 1
    assert state.noise == 0.1  # each data set's own default noise


def test_noise_and_test_fraction_change_the_data():
    state = PlaygroundState("circles")
    X_before = state.X_train.copy()
    state.configure(noise=0.3)
    assert not np.array_equal(state.X_train, X_before)
    state.configure(test_fraction=0.5)
    assert len(state.X_train) == len(state.X_test) == 100


def test_your_own_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2)) * 10 + 5  # unscaled on purpose
    y = (X[:, 0] > 5).astype(int)
    state = PlaygroundState(X=X, y=y, optimizer="adam", lr=0.03)
    assert state.config.dataset == "custom" and len(state.X_train) + len(state.X_test) == 120
    assert state.xlim[0] < X[:, 0].min() and state.xlim[1] > X[:, 0].max()
    state.train_chunk(epochs=20)
    assert state.train_losses[-1] < state.train_losses[0]
    assert "your data, 2 classes" in state.summary()
    with pytest.raises(ValueError, match="cannot change"):
        state.configure(dataset="xor")


# ---------------------------------------------------------------------- divergence
def test_a_huge_learning_rate_diverges_with_a_clear_message_and_reset_recovers():
    state = PlaygroundState("circles", loss="mse", lr=1e6)
    assert state.train_chunk(epochs=5) is False
    assert state.diverged
    assert "diverged" in state.message and "learning rate 1e+06 is too large" in state.message
    assert "reset" in state.message
    assert "DIVERGED" in state.summary()
    epoch = state.epoch
    assert state.train_chunk() is False and state.epoch == epoch  # no more training until reset
    state.frame(neurons=True)  # still drawable
    state.configure(lr=0.1)
    state.reset()
    assert not state.diverged and state.message == ""
    assert state.train_chunk(epochs=5)
    assert np.isfinite(state.train_losses).all()


# ---------------------------------------------------------------------- bad configuration
@pytest.mark.parametrize("kwargs, error, match", [
    ({"hidden": (4, 0)}, ValueError, r"1 to 16 neurons in hidden layer 2, got 0"),
    ({"hidden": (17,)}, ValueError, r"1 to 16 neurons in hidden layer 1, got 17"),
    ({"hidden": 4}, TypeError, r"tuple of layer widths"),
    ({"dataset": "swiss_roll"}, ValueError, r"unknown dataset 'swiss_roll'. Valid data sets: 'xor'"),
    ({"activation": "gelu"}, ValueError, r"unknown activation 'gelu'"),
    ({"optimizer": "rmsprop"}, ValueError, r"unknown optimizer 'rmsprop'"),
    ({"lr": 0}, ValueError, r"lr \(learning rate\) > 0"),
    ({"batch_size": 0}, ValueError, r"batch_size >= 1"),
    ({"dataset": "xor", "classes": 3}, ValueError, r"xor data set has 2 classes"),
    ({"dataset": "spiral", "classes": 3, "loss": "bce"}, ValueError, r"loss 'bce' is for two classes"),
    ({"test_fraction": 0.99}, ValueError, r"test_fraction between 0.05 and 0.9"),
    ({"colour": "red"}, TypeError, r"unknown setting\(s\) \['colour'\]"),
])
def test_bad_settings_raise_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        PlaygroundState(**kwargs)


def test_a_refused_change_leaves_the_state_as_it_was():
    state = PlaygroundState("circles", hidden=(4,))
    state.train_chunk(epochs=2)
    with pytest.raises(ValueError, match="got 17"):
        state.set_neurons(0, 17)
    assert state.config.hidden == (4,) and state.epoch == 2
    with pytest.raises(IndexError, match="hidden layer 3 does not exist"):
        state.set_neurons(3, 4)


@pytest.mark.parametrize("X, y, match", [
    (np.zeros((10, 3)), np.zeros(10), r"shape \(N, 2\)"),
    (np.zeros((10, 2)), np.zeros(9), r"expected y of shape \(10,\)"),
    (np.zeros((10, 2)), np.full(10, 0.5), r"class labels"),
    (np.zeros((10, 2)), np.zeros(10), r"k >= 2 classes"),
    (np.zeros((10, 2)), None, r"give both X and y"),
])
def test_bad_own_data_raises_clear_errors(X, y, match):
    with pytest.raises(ValueError, match=match):
        PlaygroundState(X=X, y=y)


# ---------------------------------------------------------------------- what a frame shows
@pytest.mark.parametrize("loss", ["bce", "bce_logits", "mse"])
def test_frame_values_are_the_models_predictions_on_the_grid(loss):
    state = PlaygroundState("moons", loss=loss, resolution=12)
    state.train_chunk(epochs=10)
    frame = state.frame()
    grid = np.column_stack([frame.xx.ravel(), frame.yy.ravel()])
    out = state.model.predict(grid)[:, 0]
    expected = {"bce": out, "bce_logits": 1 / (1 + np.exp(-out)), "mse": np.clip(out, 0, 1)}[loss]
    np.testing.assert_allclose(frame.values.ravel(), expected, rtol=0, atol=1e-15)
    assert frame.xx.shape == (12, 12)
    assert (frame.xx.min(), frame.xx.max()) == pytest.approx(state.xlim)


def test_frame_neuron_maps_are_the_hidden_layers_outputs():
    state = PlaygroundState("circles", hidden=(3, 5), resolution=10)
    state.train_chunk(epochs=3)
    frame = state.frame(neurons=True)
    assert [h.shape for h in frame.hidden] == [(3, 10, 10), (5, 10, 10)]
    grid = np.column_stack([frame.xx.ravel(), frame.yy.ravel()])
    state.model.eval()
    a1 = state.model.layers[0](grid)
    a2 = state.model.layers[1](a1)
    state.model.train()
    np.testing.assert_array_equal(frame.hidden[0][1].ravel(), a1[:, 1])
    np.testing.assert_array_equal(frame.hidden[1][4].ravel(), a2[:, 4])
    assert not state.frame().hidden  # only when asked
    assert all("forward" not in vars(layer) for layer in state.model.layers)  # hooks removed


def test_frame_losses_follow_the_history_and_a_fresh_evaluation():
    state = PlaygroundState("xor")
    state.train_chunk(epochs=4)
    frame = state.frame()
    np.testing.assert_array_equal(frame.train_losses, state.train_losses)
    fresh = nt.BCELoss()(state.model.predict(state.X_test), state.y_test.astype(float))
    assert frame.test_losses[-1] == fresh


def test_summary_is_deterministic_text():
    a, b = PlaygroundState("circles", seed=1), PlaygroundState("circles", seed=1)
    a.train_chunk(epochs=6)
    b.train_chunk(epochs=6)
    assert a.summary() == b.summary()
    lines = a.summary().splitlines()
    assert lines[0] == "Playground: circles (noise 0.1); 160 train / 40 test points, seed 1"
    assert lines[1] == "Network: 2-4-4-1, tanh hidden, sigmoid output, 37 parameters"
    assert lines[2] == "Training: sgd lr=0.1, batch 10, loss BCE"
    assert lines[3].startswith("Epoch 6: train loss ")


def test_setting_the_default_noise_explicitly_keeps_the_training():
    state = PlaygroundState("circles")
    state.train_chunk(epochs=2)
    state.configure(noise=0.1)  # the same noise the data set already uses
    assert state.epoch == 2


def test_numpy_numbers_count_as_numbers():
    # a slider or an array hands over NumPy scalars; they were refused as "np.float32(0.2)"
    state = PlaygroundState("moons", test_fraction=np.float32(0.2), seed=0)
    state.set_neurons(np.int64(0), 3)
    assert state.config.hidden[0] == 3 and abs(state.config.test_fraction - 0.2) < 1e-7
    with pytest.raises(ValueError, match=r"expected test_fraction between 0.05 and 0.9, got 0.95\.$"):
        PlaygroundState("moons", test_fraction=np.float64(0.95))


# ---------------------------------------------------------------------- a refused change changes nothing
def _snapshot(state):
    """Everything a failed configure must leave alone: the objects themselves and their numbers."""
    return dict(repr=repr(state), config=state.config, model=state.model, loss_fn=state.loss_fn,
                trainer=state.trainer, optimizer=state.trainer.optimizer, lr=state.trainer.optimizer.lr,
                X_train=state.X_train, data_version=state.data_version, epoch=state.epoch,
                train_losses=list(state.train_losses), test_accuracy=list(state.test_accuracy),
                weights={k: v.copy() for k, v in state.model.state_dict().items()}, summary=state.summary())


def _assert_unchanged(state, before):
    after = _snapshot(state)
    for key in ("model", "loss_fn", "trainer", "optimizer", "X_train"):
        assert after[key] is before[key], key
    for key in ("repr", "config", "lr", "data_version", "epoch", "train_losses", "test_accuracy", "summary"):
        assert after[key] == before[key], key
    for name, value in before["weights"].items():
        np.testing.assert_array_equal(after["weights"][name], value)
    assert state.trainer.model is state.model and state.trainer.loss_fn is state.loss_fn
    assert state.train_chunk(epochs=2) and state.epoch == before["epoch"] + 2  # still trains, from where it was
    assert np.isfinite(state.train_losses).all()


def _own_data(labels):
    X = np.random.default_rng(0).random((40, 2))
    return X, np.array(labels * (40 // len(labels)))


@pytest.mark.parametrize("labels, classes, message", [
    ([0, 1, 2, 3], 2, "your data has 4 classes (labels 0..3 in y), got classes=2"),
    ([0, 1, 2, 3], 5, "your data has 4 classes (labels 0..3 in y), got classes=5"),
    ([0, 1], 3, "your data has 2 classes (labels 0 and 1 in y), got classes=3"),
], ids=["fewer", "more", "binary to three"])
def test_the_classes_of_your_own_data_cannot_change_and_the_state_stays_as_it_was(labels, classes, message):
    # classes=2 on 4-class data used to rebuild a 1-output BCE model, fail on the labels ("Relabel the
    # classes as 0 and 1") and leave that model behind; classes=3 on 2-class data was silently accepted.
    state = PlaygroundState(X=_own_data(labels)[0], y=_own_data(labels)[1], seed=0)
    state.train_chunk(epochs=2)
    before = _snapshot(state)
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        state.configure(classes=classes)
    assert "cannot be changed" in str(info.value) and "Relabel the classes" not in str(info.value)
    _assert_unchanged(state, before)
    state.configure(classes=len(labels), lr=0.05)  # the data's own number is fine
    assert state.trainer.optimizer.lr == 0.05 and state.epoch == before["epoch"] + 2


def test_your_own_data_refuses_another_number_of_classes_when_built_too():
    X, y = _own_data([0, 1])
    with pytest.raises(ValueError, match=re.escape("your data has 2 classes (labels 0 and 1 in y), got classes=3")):
        PlaygroundState(X=X, y=y, classes=3)
    assert PlaygroundState(X=X, y=y, classes=2).layer_sizes == (2, 4, 4, 1)


@pytest.mark.parametrize("changes, error, message", [
    ({"classes": "3"}, TypeError, "PlaygroundState: expected classes to be an integer, got str '3'"),
    ({"classes": 3.0}, TypeError, "PlaygroundState: expected classes to be an integer"),
    ({"hidden": np.array([3, 3])}, TypeError, "PlaygroundState: expected hidden to be a tuple of layer widths"),
    ({"dataset": ["spiral"]}, TypeError, "PlaygroundState: expected dataset to be a name (a str)"),
    ({"dataset": np.array(["xor", "moons"])}, TypeError, "PlaygroundState: expected dataset to be a name (a str)"),
    ({"noise": "high"}, TypeError, "PlaygroundState: expected noise to be a number"),
    ({"dataset": "spiral", "classes": "4"}, TypeError, "PlaygroundState: expected classes to be an integer"),
    ({"hidden": (4, 0)}, ValueError, "expected 1 to 16 neurons in hidden layer 2, got 0"),
    ({"dataset": "moons", "classes": 3}, ValueError, "the moons data set has 2 classes, got classes=3"),
    ({"loss": "cross_entropy", "classes": 3}, ValueError, "the xor data set has 2 classes"),
], ids=["classes str", "classes float", "hidden array", "dataset list", "dataset array", "noise str",
        "new dataset bad classes", "hidden zero", "moons 3 classes", "xor 3 classes"])
def test_configure_checks_each_value_before_comparing_it_and_changes_nothing(changes, error, message):
    # classes="3" used to fail on '>' between str and int, hidden=np.array(...) on an ambiguous truth value
    state = PlaygroundState("xor", seed=0)
    state.train_chunk(epochs=2)
    before = _snapshot(state)
    with pytest.raises(error, match=re.escape(message)):
        state.configure(**changes)
    _assert_unchanged(state, before)


@pytest.mark.parametrize("changes", [{"hidden": (3,)}, {"noise": 0.5}, {"activation": "relu"}],
                         ids=["model", "data", "activation"])
def test_a_failure_while_rebuilding_rolls_everything_back(monkeypatch, changes):
    # validation catches what it can; anything failing later (here: building the model) must not leave
    # new data, a half-built model or an emptied history behind
    import nnteach.widgets.playground_state as module

    state = PlaygroundState("circles", seed=0)
    state.train_chunk(epochs=2)
    before = _snapshot(state)

    def broken(*args, **kwargs):
        raise RuntimeError("building failed")

    monkeypatch.setattr(module, "build_model", broken)
    with pytest.raises(RuntimeError, match="building failed"):
        state.configure(**changes)
    monkeypatch.undo()
    _assert_unchanged(state, before)


def test_a_failure_while_switching_the_optimizer_keeps_the_old_one(monkeypatch):
    state = PlaygroundState("circles", seed=0)
    state.train_chunk(epochs=2)
    before = _snapshot(state)
    monkeypatch.setattr(PlaygroundState, "_make_optimizer", lambda self: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        state.configure(optimizer="adam", lr=0.5)
    monkeypatch.undo()
    _assert_unchanged(state, before)


def test_ragged_labels_get_a_clear_message():
    # np.asarray raised "setting an array element with a sequence ... inhomogeneous shape"
    with pytest.raises(ValueError, match=r"PlaygroundState\(X=\.\.\., y=\.\.\.\): expected y to be one class label "
                                         r"per row of X.*4 labels, got a ragged list"):
        PlaygroundState(X=np.zeros((4, 2)), y=[[0], [1, 2], [0], [1]])
