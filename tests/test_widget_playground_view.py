"""Playground view without a browser: click buttons, set controls, check texts and pictures change."""

from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

from nnteach.viz.boundary import PlaygroundFigure, loss_limits, neuron_mosaic  # noqa: E402
from nnteach.widgets.playground_state import PlaygroundState  # noqa: E402
from nnteach.widgets.playground_view import Playground  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def playground():
    return Playground("circles", seed=0)


def test_playground_builds_with_its_css_classes_and_a_first_picture(playground):
    assert "nnteach-playground" in playground._dom_classes
    assert "nnteach-play" in playground.play_button._dom_classes
    assert "nnteach-step" in playground.step_button._dom_classes
    assert "nnteach-reset" in playground.reset_button._dom_classes
    assert "nnteach-loss" in playground.loss_text._dom_classes
    assert bytes(playground.image.value).startswith(PNG)
    assert "epoch 0 · loss train" in playground.loss_text.value


def test_step_button_trains_and_redraws(playground):
    text, image = playground.loss_text.value, playground.image.value
    playground.step_button.click()
    assert playground.state.epoch == playground.state.config.epochs_per_chunk
    assert playground.loss_text.value != text and "epoch 2 ·" in playground.loss_text.value
    assert playground.image.value != image


def test_ticks_of_the_play_widget_train_chunks(playground):
    playground.play_button.value = True
    assert playground.ticker.playing and playground.play_button.description == "Pause"
    for _ in range(3):
        playground._last_tick_end = 0.0  # ticks here come faster than a browser would send them
        playground.ticker.value += 1
    assert playground.state.epoch == 3 * playground.state.config.epochs_per_chunk
    playground.play_button.value = False
    assert not playground.ticker.playing and playground.play_button.description == "Play"


def test_a_tick_right_after_a_frame_is_dropped(playground):
    playground._last_tick_end = 0.0
    playground.ticker.value += 1
    epoch = playground.state.epoch
    playground.ticker.value += 1  # arrives at once: a queued tick
    assert playground.state.epoch == epoch


def test_reset_button_pauses_and_starts_again(playground):
    playground.step_button.click()
    playground.play_button.value = True
    playground.reset_button.click()
    assert playground.state.epoch == 0 and not playground.play_button.value and not playground.ticker.playing
    assert "epoch 0 ·" in playground.loss_text.value


def test_layer_buttons_and_neuron_sliders_rebuild_the_network(playground):
    playground.add_layer.click()
    assert playground.state.layer_sizes == (2, 4, 4, 4, 1)
    assert len(playground.neurons.children) == 3
    playground.neurons.children[0].value = 9
    assert playground.state.layer_sizes == (2, 9, 4, 4, 1)
    playground.remove_layer.click()
    playground.remove_layer.click()
    assert playground.state.layer_sizes == (2, 9, 1) and len(playground.neurons.children) == 1
    playground.remove_layer.click()
    assert playground.remove_layer.disabled and playground.state.layer_sizes == (2, 1)


def test_controls_configure_the_state(playground):
    playground.dataset.value = "spiral"
    assert not playground.classes.disabled and playground.noise.value == 0.2
    playground.classes.value = 3
    assert playground.state.loss_name == "cross_entropy"
    assert [v for _, v in playground.loss.options] == ["cross_entropy"]
    playground.dataset.value = "xor"
    assert playground.classes.disabled and playground.classes.value == 2
    assert playground.loss.value == "bce" and len(playground.loss.options) == 4
    playground.activation.value = "relu"
    playground.optimizer.value = "adam"
    playground.lr.value = 0.03
    playground.batch_size.value = 20
    cfg = playground.state.config
    assert (cfg.activation, cfg.optimizer, cfg.lr, cfg.batch_size) == ("relu", "adam", 0.03, 20)


def test_neuron_heatmaps_show_when_asked(playground):
    assert playground.neuron_image.layout.display == "none"
    playground.show_neurons.value = True
    assert playground.neuron_image.layout.display is None
    assert bytes(playground.neuron_image.value).startswith(PNG)
    before = playground.neuron_image.value
    playground.step_button.click()
    assert playground.neuron_image.value != before


def test_a_diverging_learning_rate_shows_a_message_and_reset_recovers(playground):
    playground.loss.value = "mse"
    playground.lr.value = 10.0
    playground.play_button.value = True
    for _ in range(10):
        playground.step_button.click()
    assert playground.state.diverged
    assert "Training diverged" in playground.message.value and "reset" in playground.message.value
    assert "diverged" in playground.loss_text.value
    assert not playground.play_button.value and not playground.ticker.playing
    playground.play_button.value = True  # cannot play a diverged network
    assert not playground.play_button.value
    playground.lr.value = 0.1
    playground.reset_button.click()
    assert not playground.state.diverged and playground.message.value == ""
    playground.step_button.click()
    assert "diverged" not in playground.loss_text.value


def test_your_own_data_in_the_view():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    view = Playground(X=X, y=y)
    assert view.dataset.disabled and view.dataset.value == "custom" and view.noise.disabled
    view.step_button.click()
    assert view.state.epoch > 0


# ---------------------------------------------------------------------- drawing helpers
def test_figure_redraws_only_what_changes_until_a_limit_moves():
    state = PlaygroundState("xor")
    fig = PlaygroundFigure()
    first = fig.render(state.frame())
    key = fig._key
    state.train_chunk()
    second = fig.render(state.frame())
    assert second != first and second.startswith(PNG)
    assert fig._key == key  # the background was reused
    assert np.array_equal(fig.image.get_array(), state.frame().values)
    np.testing.assert_array_equal(fig.train_line.get_ydata(), state.train_losses)


def test_loss_limits_change_rarely():
    assert loss_limits(np.array([0.7, 0.5]), np.array([0.8, 0.6])) == ((0, 50), (0.1, 1.0))
    assert loss_limits(np.full(120, 0.05), np.full(120, 0.3)) == ((0, 200), (0.01, 1.0))
    assert loss_limits(np.array([0.5, np.inf]), np.array([0.5, 1e300]))[1][1] == 1e3


def test_neuron_mosaic_places_each_neuron_in_its_tile():
    maps = (np.full((2, 4, 4), 0.5), np.full((3, 4, 4), -1.0))
    mosaic = neuron_mosaic(maps, "tanh", gap=1)[::-1]  # back to row 0 = first layer
    assert mosaic.shape == (10, 15)
    assert mosaic[0, 0] == 0.75 and mosaic[5, 10] == 0.0
    assert np.isnan(mosaic[0, 4]) and np.isnan(mosaic[0, 12])  # gap, and no third neuron in layer 1


def test_slider_float_noise_from_the_browser_changes_nothing(playground):
    playground.noise.value = 0.15
    playground.step_button.click()
    playground.noise.value = 0.15000000000000002  # the browser snaps to min + k·step in floating point
    playground.test_fraction.value = 0.2 + 1e-16
    assert playground.state.epoch == 2 and playground.state.noise == 0.15


def test_the_text_a_notebook_shows_for_the_playground_is_its_summary():
    from nnteach.widgets import Playground

    widget = Playground()
    bundle = widget._repr_mimebundle_()
    assert bundle["text/plain"] == widget.state.summary()
    assert "application/vnd.jupyter.widget-view+json" in bundle


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(interval=0), ValueError, "Playground: expected interval (milliseconds between frames) >= 10, got 0."),
    (dict(state="x"), TypeError, "Playground: expected state to be a PlaygroundState, got str."),
], ids=["interval", "state"])
def test_the_view_checks_its_own_arguments(kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        Playground(**kwargs)
