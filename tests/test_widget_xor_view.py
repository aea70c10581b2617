"""XorVisualizer without a browser: click the buttons, set the values, read the HTML and the plot data.

Also the pure drawing it uses: the SVG of a frame (``nnteach.viz.network``) and the plot artists.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

from nnteach.viz.network import GRADIENT, NEGATIVE, POSITIVE, edge_width, frame_svg  # noqa: E402
from nnteach.widgets import XorState, XorVisualizer  # noqa: E402


@pytest.fixture
def viz() -> XorVisualizer:
    return XorVisualizer.classic()


def _click(button, times=1):
    for _ in range(times):
        button.click()


# --------------------------------------------------------------------------- structure
def test_the_widget_has_the_css_classes_browser_tests_find(viz):
    classes = {c for w in (viz.root, viz.next_button, viz.prev_button, viz.phase, viz.network, viz.details,
                           viz.truth, viz.plots, viz.play, viz.reset_button, viz.train_button, viz.granularity,
                           viz.param, viz.param_value, viz.event, viz.status) for c in w._dom_classes}
    assert {"nnteach-xor", "nnteach-next", "nnteach-prev", "nnteach-phase", "nnteach-network", "nnteach-details",
            "nnteach-truth", "nnteach-plots", "nnteach-play", "nnteach-reset", "nnteach-train",
            "nnteach-granularity", "nnteach-param", "nnteach-param-value", "nnteach-event",
            "nnteach-status"} <= classes
    for row, b in enumerate(viz.truth_rows):
        assert f"nnteach-truth-row-{row}" in b._dom_classes


def test_the_first_view_shows_the_input_of_the_worked_example(viz):
    assert ">input<" in viz.phase.value
    assert "x = (0, 1), y = 1" in viz.event.value
    assert viz.prev_button.disabled
    assert "nnteach-selected" in viz.truth_rows[1]._dom_classes
    assert viz.truth_rows[1].description == "x = (0, 1)   y = 1   ŷ = 0.970"
    assert viz.plots.value[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- buttons
def test_next_shows_each_forward_number_in_the_diagram_and_the_details(viz):
    viz.next_button.click()
    assert ">forward<" in viz.phase.value and "z⁽¹⁾₁ = 2.5" in viz.event.value
    assert "z = 2.5" in viz.network.value and "z = −2.5" not in viz.network.value
    assert "5·0 + 5·1 + (−2.5) = 2.5" in viz.details.value
    _click(viz.next_button, 5)
    svg = viz.network.value
    assert "z = −2.5" in svg and "0.924" in svg and "0.076" in svg and "z = 3.483" in svg and "ŷ = 0.970" in svg
    assert "σ(3.483) = 0.970" in viz.details.value
    assert not viz.prev_button.disabled


def test_prev_undoes_next_exactly(viz):
    _click(viz.next_button, 4)
    html = (viz.network.value, viz.details.value, viz.event.value)
    viz.next_button.click()
    viz.prev_button.click()
    assert (viz.network.value, viz.details.value, viz.event.value) == html


def test_backward_numbers_are_gradients_drawn_in_their_own_colour(viz):
    _click(viz.next_button, 9)  # ∂L/∂z⁽²⁾₁
    svg = viz.network.value
    assert ">backward<" in viz.phase.value
    assert re.search(rf'fill="{GRADIENT}"[^>]*>∂L/∂z = −0.030<', svg)
    _click(viz.next_button)  # ∂L/∂W of the output neuron: gradients on its two incoming edges
    assert "∂ −0.028" in viz.network.value and "∂ −0.00226" in viz.network.value


def test_granularity_changes_how_far_next_moves(viz):
    viz.granularity.value = "layer"
    viz.next_button.click()
    assert "event 5 of 23" in viz.status.value  # the end of the hidden layer's forward pass
    viz.granularity.value = "sample"
    viz.next_button.click()
    assert "event 23 of 23" in viz.status.value and ">update<" in viz.phase.value
    viz.granularity.value = "epoch"
    viz.next_button.click()
    assert "step 3 · epoch 0 · event 23 of 23" in viz.status.value


def test_train_grows_the_loss_curve_and_redraws_the_plots(viz):
    viz.next_button.click()
    xdata_before = len(viz._figure.loss_line.get_xdata())
    png = viz.plots.value
    viz.epochs.value = 3
    viz.train_button.click()
    assert len(viz._figure.loss_line.get_ydata()) == xdata_before + 1 + 12  # the current step's loss, then 12 steps
    assert np.array_equal(viz._figure.loss_line.get_ydata(), viz.state.losses())
    assert len(viz._figure.epoch_line.get_ydata()) == 3
    assert viz.plots.value != png
    assert "step 12 · epoch 3" in viz.status.value


def test_clicking_a_truth_row_selects_it_and_moves_the_rings(viz):
    _click(viz.next_button, 3)
    viz.truth_rows[3].click()
    assert "nnteach-selected" in viz.truth_rows[3]._dom_classes
    assert "nnteach-selected" not in viz.truth_rows[1]._dom_classes
    assert viz.truth_rows[3].button_style == "info" and viz.truth_rows[1].button_style == ""
    assert viz.state.frame().sample == 3 and "x = (1, 1)" in viz.details.value
    ring = viz._figure.ring.get_data()
    assert (ring[0][0], ring[1][0]) == (1.0, 1.0)
    hx, hy = viz._figure.hidden_ring.get_data()
    assert (hx[0], hy[0]) == viz.state.frame().hidden[3]


def test_setting_a_weight_by_hand_updates_every_downstream_number(viz):
    _click(viz.next_button, 6)
    labels = [label for label, _ in viz.param.options]
    viz.param.value = viz.param.options[labels.index("w⁽¹⁾₁₂")][1]
    assert viz.param_value.value == 5.0
    viz.param_value.value = 3.0
    f = viz.state.frame()
    assert f.weights[0][0] == (5.0, 3.0) and f.neurons[0][0].z == 0.5
    assert "z = 0.5" in viz.network.value and "5·0 + 3·1" not in viz.details.value  # details: the output neuron
    assert f"ŷ = {f.y_pred:.3f}" in viz.network.value
    assert "ŷ = 0.970" not in viz.network.value


def test_play_ticks_step_forward_and_reset_starts_over(viz):
    viz.speed.value = 200
    assert viz.play.interval == 200
    viz.play.value += 1
    viz.play.value += 1
    assert "a⁽¹⁾₁ = 0.924" in viz.event.value
    viz.reset_button.click()
    assert viz.play.value == 0 and ">input<" in viz.phase.value and viz.state.num_steps == 1


def test_errors_from_the_state_are_shown_in_the_widget(viz, monkeypatch):
    def broken():
        raise ValueError("XorState: something the learner should read")

    monkeypatch.setattr(viz.state, "next", broken)
    viz.next_button.click()
    assert "something the learner should read" in viz.message.value


def test_text_summary_and_display_bundle(viz):
    _click(viz.next_button, 2)
    assert str(viz) == viz.summary() == viz.state.summary()
    bundle = viz._repr_mimebundle_()
    assert bundle["text/plain"] == viz.summary()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == viz.root.model_id


def test_config_keywords_build_the_state():
    v = XorVisualizer(hidden=3, activation="tanh", mode="batch", loss="mse")
    assert (v.state.hidden, v.state.mode, v.state.loss) == (3, "batch", "mse")
    assert v.state.hidden_plane() is None
    assert v._figure.hidden_image.get_visible() is False
    with pytest.raises(TypeError, match="either a state or configuration"):
        XorVisualizer(XorState(), hidden=3)


# --------------------------------------------------------------------------- the SVG drawing
def test_edges_are_coloured_by_sign_and_sized_by_magnitude():
    svg = frame_svg(XorState.classic().frame())
    edges = re.findall(r'<line [^>]*stroke="(#[0-9a-f]{6})" stroke-width="([\d.]+)"[^>]*data-weight="([^"]+)"', svg)
    assert len(edges) == 6
    for color, width, w in edges:
        w = float(w)
        assert color == (POSITIVE if w >= 0 else NEGATIVE)
        assert float(width) == pytest.approx(edge_width(w), abs=0.01)
    assert edge_width(10) > edge_width(5) > edge_width(0)


def test_the_current_event_is_highlighted_in_the_svg():
    state = XorState.classic()
    state.next()  # z⁽¹⁾₁: neuron 1 of the hidden layer and its two incoming edges
    svg = frame_svg(state.frame())
    assert svg.count('opacity="0.7"') == 2  # two edge halos
    assert re.search(r'<circle cx="[\d.]+" cy="[\d.]+" r="32"', svg)  # the neuron's halo
    assert "font-weight=\"bold\"" in svg


def test_an_unknown_setting_lists_the_valid_ones():
    with pytest.raises(TypeError, match=r"XorVisualizer: unknown setting 'hiden'\. Valid settings: hidden, activation, "):
        XorVisualizer(hiden=3)
    with pytest.raises(TypeError, match=r"XorVisualizer: expected state to be an XorState, got str\."):
        XorVisualizer(state="x")
