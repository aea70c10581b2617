"""Training end to end: XOR as the classic blog post trains it, a spiral with Adam, and the
Trainer's bookkeeping (history, evaluation, shuffling, batching, early stopping, callbacks)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import nnteach as nt

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


# ----------------------------------------------------------------------------- XOR, the classic way
@pytest.mark.parametrize("seed", range(5))
def test_xor_trained_like_the_classic_blog_post_learns_all_four_cases(seed, package_rng):
    """Linear(2,3), Tanh, Linear(3,1), Tanh; MSE; plain SGD, lr 0.1, one sample per update, in
    order (no shuffling), 1000 epochs."""
    nt.seed(seed)
    model = nt.Sequential(nt.Linear(2, 3), nt.Tanh(), nt.Linear(3, 1), nt.Tanh())
    trainer = nt.Trainer(model, nt.MSELoss(), nt.SGD(model.parameters(), lr=0.1))
    history = trainer.fit(XOR_X, XOR_Y, epochs=1000, batch_size=1, shuffle=False, verbose=0)
    assert len(history) == 1000
    assert history["loss"][-1] < 0.01
    assert trainer.evaluate(XOR_X, XOR_Y)["loss"] < 0.01
    np.testing.assert_array_equal(np.round(model.predict(XOR_X)), XOR_Y)


def test_xor_with_the_same_seed_trains_to_the_same_weights_bit_for_bit(package_rng):
    def train():
        nt.seed(3)
        model = nt.Sequential(nt.Linear(2, 3), nt.Tanh(), nt.Linear(3, 1), nt.Tanh())
        nt.Trainer(model, nt.MSELoss(), nt.SGD(model.parameters(), lr=0.1)).fit(
            XOR_X, XOR_Y, epochs=50, batch_size=1, verbose=0)
        return model.state_dict()

    a, b = train(), train()
    assert all(np.array_equal(a[k], b[k]) for k in a)


# ----------------------------------------------------------------------------- spiral
def _spiral_model(rng):
    return nt.Sequential(
        nt.Dense(2, 16, activation="relu", rng=rng),
        nt.Dense(16, 8, activation="relu", rng=rng),
        nt.Dense(8, 1, activation="sigmoid", rng=rng),
    )


def test_2_16_8_1_network_has_193_parameters_in_its_summary(rng):
    summary = _spiral_model(rng).summary()
    assert summary.total_params == 193  # (2*16 + 16) + (16*8 + 8) + (8*1 + 1)
    assert "Total params: 193" in str(summary)
    assert [row[-1] for row in summary.rows] == ["48", "136", "9"]


def test_the_same_network_from_linear_and_activation_layers_also_has_193():
    model = nt.Sequential(nt.Linear(2, 16, rng=0), nt.ReLU(), nt.Linear(16, 8, rng=0), nt.ReLU(),
                          nt.Linear(8, 1, rng=0), nt.Sigmoid())
    assert model.summary().total_params == model.num_parameters() == 193
    assert "Total params: 193" in model.summary()


@pytest.mark.parametrize("seed", [0, 1])
def test_2_16_8_1_network_learns_a_two_class_spiral(seed):
    X, y = nt.data.spiral(n=300, classes=2, noise=0.2, seed=seed)
    model = _spiral_model(np.random.default_rng(seed))
    trainer = nt.Trainer(model, nt.BCELoss(), nt.Adam(model.parameters(), lr=0.01), rng=seed)
    history = trainer.fit(X, y, epochs=400, batch_size=32, verbose=0)
    assert history["accuracy"][-1] >= 0.95
    result = trainer.evaluate(X, y)
    assert result["accuracy"] >= 0.95
    assert np.mean((model.predict(X)[:, 0] > 0.5) == y) == result["accuracy"]


# ----------------------------------------------------------------------------- Trainer bookkeeping
@pytest.fixture
def blobs(rng):
    """Two separable clusters: 40 samples, labels 0/1."""
    X = np.vstack([rng.normal(-1.5, 0.5, size=(20, 2)), rng.normal(1.5, 0.5, size=(20, 2))])
    y = np.repeat([0, 1], 20)
    order = rng.permutation(40)
    return X[order], y[order]


def _classifier(rng):
    return nt.Sequential(nt.Dense(2, 4, activation="tanh", rng=rng), nt.Dense(4, 1, activation="sigmoid", rng=rng))


def _regression(rng):
    X = rng.normal(size=(30, 2))
    y = X @ np.array([1.5, -2.0]) + 0.5 + 0.1 * rng.normal(size=30)
    return X, y


def test_history_has_loss_and_accuracy_per_epoch_for_classification(blobs, rng):
    model = _classifier(rng)
    history = nt.Trainer(model, nt.BCELoss(), nt.SGD(model.parameters(), lr=0.5), rng=0).fit(
        *blobs, epochs=7, batch_size=8, verbose=0)
    assert set(history.keys()) == {"loss", "accuracy"}
    assert history.epoch == list(range(7))
    assert len(history["loss"]) == len(history["accuracy"]) == 7
    assert all(0.0 <= a <= 1.0 for a in history["accuracy"])
    assert history["loss"][-1] < history["loss"][0]


def test_history_has_validation_metrics_with_validation_data(blobs, rng):
    X, y = blobs
    model = _classifier(rng)
    trainer = nt.Trainer(model, nt.BCELoss(), nt.SGD(model.parameters(), lr=0.5), rng=0)
    history = trainer.fit(X[:30], y[:30], epochs=4, validation_data=(X[30:], y[30:]), verbose=0)
    assert set(history.keys()) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 4 for v in history.history.values())
    assert history["val_loss"][-1] == pytest.approx(trainer.evaluate(X[30:], y[30:])["loss"], rel=1e-12)


def test_history_for_regression_has_rmse_beside_each_loss(rng):
    X, y = _regression(rng)
    model = nt.Sequential(nt.Linear(2, 1, rng=rng))
    history = nt.Trainer(model, nt.MSELoss(), nt.SGD(model.parameters(), lr=0.1), rng=0).fit(
        X[:20], y[:20], epochs=3, validation_data=(X[20:], y[20:]), verbose=0)
    assert list(history.keys()) == ["loss", "rmse", "val_loss", "val_rmse"]
    np.testing.assert_allclose(history["rmse"], np.sqrt(history["loss"]), rtol=1e-12)
    np.testing.assert_allclose(history["val_rmse"], np.sqrt(history["val_loss"]), rtol=1e-12)


def test_training_rmse_is_the_root_of_the_epochs_mean_squared_error(rng):
    # Full batch, one epoch: the epoch's loss is the MSE of the predictions before the update,
    # computed here independently; rmse is its root, in the targets' units.
    X, y = _regression(rng)
    model = nt.Sequential(nt.Linear(2, 1, rng=rng))
    before = X @ model[0].weight.data.T + model[0].bias.data  # (30, 1)
    mse = np.mean((before[:, 0] - y) ** 2)
    history = nt.Trainer(model, nt.MSELoss(), nt.SGD(model.parameters(), lr=0.1), rng=0).fit(X, y, epochs=1, verbose=0)
    assert history["loss"] == [pytest.approx(mse, rel=1e-12)]
    assert history["rmse"] == [pytest.approx(np.sqrt(mse), rel=1e-12)]
    assert history["rmse"][0] > 0.5  # the untrained line is far off: the check is not of two zeros


def test_evaluate_gives_loss_and_accuracy_for_classification(blobs, rng):
    X, y = blobs
    model = _classifier(rng)
    trainer = nt.Trainer(model, nt.BCELoss(), nt.SGD(model.parameters(), lr=0.5), rng=0)
    trainer.fit(X, y, epochs=30, batch_size=8, verbose=0)
    result = trainer.evaluate(X, y)
    assert set(result) == {"loss", "accuracy"}
    p = model.predict(X)
    assert result["loss"] == pytest.approx(nt.BCELoss()(p, y), rel=1e-12)
    assert result["accuracy"] == np.mean((p[:, 0] > 0.5) == y)
    assert result["accuracy"] == 1.0  # two well separated blobs


def test_evaluate_gives_loss_and_rmse_for_mse(rng):
    X, y = _regression(rng)
    model = nt.Sequential(nt.Linear(2, 1, rng=rng))
    trainer = nt.Trainer(model, nt.MSELoss(), nt.SGD(model.parameters(), lr=0.1), rng=0)
    result = trainer.evaluate(X, y)
    assert set(result) == {"loss", "rmse"}
    residual = model.predict(X)[:, 0] - y
    assert result["loss"] == pytest.approx(np.mean(residual**2), rel=1e-12)
    assert result["rmse"] == pytest.approx(np.sqrt(np.mean(residual**2)), rel=1e-12)


def test_evaluate_gives_accuracy_for_cross_entropy(rng):
    X = rng.normal(size=(12, 3))
    y = rng.integers(0, 4, size=12)
    model = nt.Sequential(nt.Linear(3, 4, rng=rng))
    trainer = nt.Trainer(model, nt.CrossEntropyLoss(), nt.SGD(model.parameters(), lr=0.1), rng=0)
    result = trainer.evaluate(X, y)
    assert set(result) == {"loss", "accuracy"}
    assert result["accuracy"] == np.mean(model.predict(X).argmax(axis=1) == y)


def test_predict_returns_one_row_per_sample(rng):
    model = nt.Sequential(nt.Linear(3, 5, rng=rng), nt.ReLU(), nt.Linear(5, 2, rng=rng))
    trainer = nt.Trainer(model, nt.MSELoss(), nt.Adam(model.parameters()), rng=0)
    assert trainer.predict(rng.normal(size=(7, 3))).shape == (7, 2)
    assert trainer.predict([[1, 2, 3]]).shape == (1, 2)


def _fit_weights(blobs, shuffle_rng, **fit_kwargs):
    model = _classifier(np.random.default_rng(0))  # the same initial weights every time
    trainer = nt.Trainer(model, nt.BCELoss(), nt.SGD(model.parameters(), lr=0.3), rng=shuffle_rng)
    trainer.fit(*blobs, epochs=3, batch_size=4, verbose=0, **fit_kwargs)
    return model.state_dict()


def test_shuffling_with_the_same_rng_gives_the_same_weights(blobs):
    a, b = _fit_weights(blobs, 7), _fit_weights(blobs, 7)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    c, d = _fit_weights(blobs, np.random.default_rng(7)), _fit_weights(blobs, np.random.default_rng(7))
    assert all(np.array_equal(c[k], d[k]) for k in c)


def test_shuffling_with_a_different_rng_gives_different_weights(blobs):
    a, b = _fit_weights(blobs, 7), _fit_weights(blobs, 8)
    assert not all(np.allclose(a[k], b[k]) for k in a)


def test_shuffle_false_is_the_same_for_any_rng(blobs):
    a, b = _fit_weights(blobs, 7, shuffle=False), _fit_weights(blobs, 8, shuffle=False)
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_batch_size_none_is_full_batch_gradient_descent(rng):
    X, y = _regression(rng)
    model = nt.Sequential(nt.Linear(2, 1, rng=1))
    batches = []
    cb = nt.LambdaCallback(on_batch_end=lambda trainer, batch, loss: batches.append(batch))
    nt.Trainer(model, nt.MSELoss(), nt.SGD(model.parameters(), lr=0.1), rng=0).fit(
        X, y, epochs=4, batch_size=None, shuffle=False, callbacks=[cb], verbose=0)
    assert batches == [0, 0, 0, 0]  # one batch per epoch

    # ... and the same as the loop written by hand on the whole set.
    ref = nt.Sequential(nt.Linear(2, 1, rng=1))
    opt, loss_fn = nt.SGD(ref.parameters(), lr=0.1), nt.MSELoss()
    for _ in range(4):
        opt.zero_grad()
        loss_fn(ref(X), y.reshape(-1, 1))
        ref.backward(loss_fn.backward())
        opt.step()
    assert all(np.array_equal(model.state_dict()[k], ref.state_dict()[k]) for k in ref.state_dict())


def test_batch_size_larger_than_the_data_is_one_batch(rng):
    X, y = _regression(rng)
    model = nt.Sequential(nt.Linear(2, 1, rng=rng))
    batches = []
    nt.Trainer(model, nt.MSELoss(), nt.SGD(model.parameters(), lr=0.1), rng=0).fit(
        X, y, epochs=2, batch_size=1000,
        callbacks=[nt.LambdaCallback(on_batch_end=lambda t, b, loss: batches.append(b))], verbose=0)
    assert batches == [0, 0]


class CountingCallback(nt.Callback):
    def __init__(self):
        self.calls = {"on_train_begin": 0, "on_batch_end": 0, "on_epoch_end": 0, "on_train_end": 0}
        self.epochs = []

    def on_train_begin(self, trainer):
        self.calls["on_train_begin"] += 1

    def on_batch_end(self, trainer, batch, loss):
        self.calls["on_batch_end"] += 1
        assert np.isfinite(loss)

    def on_epoch_end(self, trainer, epoch, logs):
        self.calls["on_epoch_end"] += 1
        self.epochs.append(epoch)
        assert "loss" in logs

    def on_train_end(self, trainer):
        self.calls["on_train_end"] += 1


def test_callbacks_are_called_the_right_number_of_times(rng):
    X, y = _regression(rng)  # 30 samples, batch 8: batches of 8, 8, 8, 6
    model = nt.Sequential(nt.Linear(2, 1, rng=rng))
    cb = CountingCallback()
    nt.Trainer(model, nt.MSELoss(), nt.SGD(model.parameters(), lr=0.1), rng=0).fit(
        X, y, epochs=5, batch_size=8, callbacks=[cb], verbose=0)
    assert cb.calls == {"on_train_begin": 1, "on_batch_end": 20, "on_epoch_end": 5, "on_train_end": 1}
    assert cb.epochs == [0, 1, 2, 3, 4]


def test_a_callback_can_stop_training_after_the_current_epoch(rng):
    X, y = _regression(rng)
    model = nt.Sequential(nt.Linear(2, 1, rng=rng))

    def stop_at_2(trainer, epoch, logs):
        if epoch == 2:
            trainer.stop_training = True

    cb = CountingCallback()
    history = nt.Trainer(model, nt.MSELoss(), nt.SGD(model.parameters(), lr=0.1), rng=0).fit(
        X, y, epochs=10, callbacks=[nt.LambdaCallback(on_epoch_end=stop_at_2), cb], verbose=0)
    assert len(history) == 3
    assert cb.calls["on_epoch_end"] == 3 and cb.calls["on_train_end"] == 1


def test_early_stopping_stops_and_restores_the_best_weights(rng):
    # Validation targets are the opposite of the training targets: the better the fit, the worse
    # the validation loss, so the best epoch is the first one and training stops `patience` later.
    X, y = _regression(rng)
    model = nt.Sequential(nt.Linear(2, 1, rng=rng))
    snapshots = []
    record = nt.LambdaCallback(on_epoch_end=lambda trainer, epoch, logs: snapshots.append(trainer.model.state_dict()))
    stopper = nt.EarlyStopping(monitor="val_loss", patience=3)
    trainer = nt.Trainer(model, nt.MSELoss(), nt.SGD(model.parameters(), lr=0.05), rng=0)
    history = trainer.fit(X, y, epochs=100, validation_data=(X, -y), callbacks=[stopper, record], verbose=0)

    assert stopper.best_epoch == 0
    assert stopper.stopped_epoch == 3  # epochs 1, 2, 3 bring no improvement: patience=3 is used up
    assert len(history) == 4
    assert history["val_loss"] == sorted(history["val_loss"])  # it only got worse
    best = snapshots[stopper.best_epoch]
    assert all(np.array_equal(model.state_dict()[k], best[k]) for k in best)
    assert not all(np.array_equal(snapshots[-1][k], best[k]) for k in best)
    assert trainer.evaluate(X, -y)["loss"] == pytest.approx(history["val_loss"][0], rel=1e-12)


def test_early_stopping_without_restore_keeps_the_last_weights(rng):
    X, y = _regression(rng)
    model = nt.Sequential(nt.Linear(2, 1, rng=rng))
    snapshots = []
    record = nt.LambdaCallback(on_epoch_end=lambda trainer, epoch, logs: snapshots.append(trainer.model.state_dict()))
    stopper = nt.EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=False)
    nt.Trainer(model, nt.MSELoss(), nt.SGD(model.parameters(), lr=0.05), rng=0).fit(
        X, y, epochs=100, validation_data=(X, -y), callbacks=[stopper, record], verbose=0)
    assert len(snapshots) == 2  # epoch 0 is the best, epoch 1 brings no improvement: stop
    assert all(np.array_equal(model.state_dict()[k], snapshots[-1][k]) for k in snapshots[-1])


def test_early_stopping_on_a_missing_metric_says_what_is_there(rng):
    X, y = _regression(rng)
    model = nt.Sequential(nt.Linear(2, 1, rng=rng))
    trainer = nt.Trainer(model, nt.MSELoss(), nt.SGD(model.parameters(), lr=0.05), rng=0)
    with pytest.raises(ValueError, match=r"monitor 'val_loss' is not among the epoch metrics \['loss', 'rmse'\]"):
        trainer.fit(X, y, epochs=3, callbacks=[nt.EarlyStopping()], verbose=0)


def test_verbose_0_prints_nothing(blobs, rng, capsys):
    model = _classifier(rng)
    trainer = nt.Trainer(model, nt.BCELoss(), nt.SGD(model.parameters(), lr=0.5), rng=0)
    trainer.fit(*blobs, epochs=3, batch_size=8, validation_data=blobs, verbose=0)
    trainer.evaluate(*blobs)
    trainer.predict(blobs[0])
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_train_step_returns_the_batch_loss_before_the_update(rng):
    X, y = _regression(rng)
    model = nt.Sequential(nt.Linear(2, 1, rng=rng))
    trainer = nt.Trainer(model, nt.MSELoss(), nt.SGD(model.parameters(), lr=0.1), rng=0)
    before = nt.MSELoss()(model(X), y)
    assert trainer.train_step(X, y.reshape(-1, 1)) == before
    assert nt.MSELoss()(model(X), y) < before


def test_fit_leaves_the_model_in_training_mode_and_predict_does_not_change_it(rng):
    X, y = _regression(rng)
    model = nt.Sequential(nt.Linear(2, 1, rng=rng))
    trainer = nt.Trainer(model, nt.MSELoss(), nt.SGD(model.parameters(), lr=0.1), rng=0)
    trainer.fit(X, y, epochs=1, validation_data=(X, y), verbose=0)
    assert model.training
    trainer.predict(X)
    assert model.training


def test_nan_probabilities_in_bce_training_raise_training_diverged_not_value_error():
    # A sigmoid output that became NaN makes BCELoss refuse its "probabilities"; inside fit that is
    # divergence, and the learner should get the divergence message, not a complaint about targets.
    model = nt.Sequential(nt.Linear(2, 1, rng=0), nt.Sigmoid())
    model[0].weight.data = [[np.nan, 0.0]]
    trainer = nt.Trainer(model, nt.BCELoss(), nt.SGD(model.parameters(), lr=0.1), rng=0)
    X, y = nt.data.xor()
    # the very first batch fails, so the message must count it as epoch 1, batch 1 (from 1, as people count)
    with pytest.raises(nt.TrainingDiverged, match=re.escape(
            "Trainer.fit: the loss became nan at epoch 1 of 3, batch 1 of 1: training diverged. "
            "The learning rate (0.1) is probably too large: try 0.01.")):
        trainer.fit(X, y, epochs=3, verbose=0)


class _OwnNet(nt.Module):
    """A learner's model written as a Module with its layers as attributes (no output_shape of its own)."""

    def __init__(self):
        super().__init__()
        self.l1, self.act, self.l2, self.out = nt.Linear(2, 8, rng=0), nt.Tanh(), nt.Linear(8, 1, rng=1), nt.Sigmoid()

    def forward(self, x):
        return self.out(self.l2(self.act(self.l1(x))))

    def backward(self, grad):
        return self.l1.backward(self.act.backward(self.l2.backward(self.out.backward(grad))))


def test_trainer_trains_a_module_of_your_own_as_it_trains_the_same_sequential():
    # was refused before the first step: "BCELoss: y_pred and y_true must have the same shape, got (4, 2) and
    # (4,)", (4, 2) being Module.output_shape's guess that a module keeps its input's shape
    X, y = nt.data.xor()
    own = _OwnNet()
    same = nt.Sequential(nt.Linear(2, 8, rng=0), nt.Tanh(), nt.Linear(8, 1, rng=1), nt.Sigmoid())
    assert own.output_shape((4, 2)) is None  # a Module of its own cannot tell without running
    histories = [nt.Trainer(m, nt.BCELoss(), nt.SGD(m.parameters(), lr=0.5), rng=0).fit(X, y, epochs=5, verbose=0)
                 for m in (own, same)]
    assert histories[0]["loss"] == histories[1]["loss"]
    with pytest.raises(ValueError, match="BCELoss: expected targets in"):  # the targets are still checked, by the loss
        nt.Trainer(own, nt.BCELoss(), nt.SGD(own.parameters(), lr=0.5)).fit(X, y * 3, epochs=1, verbose=0)


def test_summary_shows_an_unknown_width_after_a_module_of_your_own():
    # was refused: "layer 2 … expects 6 input features, got 4 from the layers before it" (the guess again)
    class Widen(nt.Module):
        def forward(self, x):
            return np.hstack([x, x[:, :2]])

        def backward(self, grad):
            return grad[:, :4] + np.pad(grad[:, 4:], ((0, 0), (0, 2)))

    model = nt.Sequential(nt.Linear(2, 4, rng=0), Widen(), nt.Linear(6, 1, rng=0), nt.Sigmoid())
    assert model(np.ones((3, 2))).shape == (3, 1)
    assert model.output_shape((3, 2)) is None
    assert [row[2] for row in model.summary().rows] == ["(N, 4)", "(N, ?)", "(N, 1)", "(N, 1)"]


@pytest.mark.parametrize("model, loss_fn, says", [
    (lambda: nt.Sequential(nt.Dense(2, 8, "tanh", rng=0), nt.Dense(8, 1, "sigmoid", rng=0)), nt.BCEWithLogitsLoss(),
     "BCEWithLogitsLoss applies σ to the model's outputs itself, and the model already ends in a Sigmoid"),
    (lambda: nt.Sequential(nt.Linear(2, 1, rng=0), nt.Sequential(nt.Sigmoid())), nt.BCEWithLogitsLoss(),
     "or keep it and use nt.BCELoss()"),
    (lambda: nt.Sequential(nt.Linear(2, 3, rng=0), nt.Softmax()), nt.CrossEntropyLoss(),
     "CrossEntropyLoss applies softmax to the model's outputs itself, and the model already ends in a Softmax"),
])
def test_trainer_warns_when_the_loss_squashes_what_the_model_already_squashed(model, loss_fn, says):
    # was silent: circles with a sigmoid output and BCEWithLogitsLoss stayed at accuracy 0.5 for 200 epochs
    model = model()
    with pytest.warns(UserWarning, match=re.escape(says)):
        nt.Trainer(model, loss_fn, nt.SGD(model.parameters(), lr=0.1))


@pytest.mark.parametrize("model, loss_fn", [
    (lambda: nt.Sequential(nt.Dense(2, 8, "tanh", rng=0), nt.Dense(8, 1, None, rng=0)), nt.BCEWithLogitsLoss()),
    (lambda: nt.Sequential(nt.Dense(2, 8, "tanh", rng=0), nt.Dense(8, 1, "sigmoid", rng=0)), nt.BCELoss()),
    (lambda: nt.Sequential(nt.Linear(2, 3, rng=0)), nt.CrossEntropyLoss()),
    (lambda: _OwnNet(), nt.BCEWithLogitsLoss()),  # what a model of your own ends in is not known: no guess
])
def test_trainer_is_quiet_about_the_right_pairs(model, loss_fn):
    model = model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nt.Trainer(model, loss_fn, nt.SGD(model.parameters(), lr=0.1))


def test_fit_names_ragged_targets():
    # was NumPy's "setting an array element with a sequence ... inhomogeneous shape"
    X, _ = nt.data.xor()
    model = nt.Sequential(nt.Dense(2, 1, "sigmoid", rng=0))
    trainer = nt.Trainer(model, nt.BCELoss(), nt.SGD(model.parameters(), lr=0.1))
    with pytest.raises(TypeError, match=re.escape("Trainer.fit: expected y to be a numeric array, got list with rows "
                                                  "of different lengths (row 0 has 1 entry, row 3 has 2 entries)")):
        trainer.fit(X, [[0], [1], [1], [0, 1]], verbose=0)
