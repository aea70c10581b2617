"""ExplorerState and ForwardPassExplorer: every number on screen is the traced forward pass's."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

import nnteach as nt
from nnteach.tracing.notation import num
from nnteach.widgets.explorer_state import ExplorerState, default_model


def _reference_trace(model, x):
    """An independent traced forward pass of the same model on the same input."""
    with nt.trace(model) as tr:
        model(np.array([x], dtype=float))
    return tr


# ---------------------------------------------------------------------- state
def test_explorer_state_imports_no_widgets_or_matplotlib():
    code = ("import sys; from nnteach.widgets.explorer_state import ExplorerState; print(ExplorerState().summary()); "
            "bad = [m for m in ('ipywidgets', 'matplotlib') if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_default_network_is_a_seeded_2_3_2_1_with_the_issues_input():
    state = ExplorerState(seed=0)
    frame = state.frame()
    assert frame.layer_sizes == (2, 3, 2, 1)
    assert frame.inputs == (0.5, -0.3)
    assert [layer.activation for layer in frame.layers] == ["tanh", "tanh", "sigmoid"]
    assert ExplorerState(seed=0).frame() == frame  # same seed, same numbers
    assert ExplorerState(seed=1).frame() != frame


def test_frame_numbers_equal_the_traces_numbers():
    state = ExplorerState(seed=2)
    frame = state.frame()
    record = _reference_trace(state.model, frame.inputs).steps[-1]
    for layer, rec in zip(frame.layers, record.layers):
        assert layer.name == rec.name and layer.activation == rec.activation
        for n in layer.neurons:
            assert n.z == rec.z[0, n.neuron] and n.a == rec.a[0, n.neuron]
            assert n.weights == tuple(rec.weight[n.neuron]) and n.bias == rec.bias[n.neuron]
            assert n.inputs == tuple(rec.input[0])
    assert frame.output == tuple(record.y_pred[0])


def test_frame_numbers_equal_plain_numpy_from_the_weights():
    # independent of nnteach's code path: the forward pass written out from the state dict
    state = ExplorerState(seed=2)
    frame = state.frame()
    sd = state.model.state_dict()
    a = np.array([frame.inputs])
    for (layer, act), view in zip([(0, np.tanh), (2, np.tanh), (4, lambda z: 1 / (1 + np.exp(-z)))], frame.layers):
        z = a @ sd[f"{layer}.weight"].T + sd[f"{layer}.bias"]
        a = act(z)
        np.testing.assert_allclose([n.z for n in view.neurons], z[0], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose([n.a for n in view.neurons], a[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(frame.output, a[0], rtol=1e-12)
    assert [len(view.neurons) for view in frame.layers] == [3, 2, 1]


def test_the_equations_come_from_trace_explain():
    state = ExplorerState(seed=0)
    state.select(1, 1)
    frame = state.frame()
    explanation = _reference_trace(state.model, frame.inputs).explain(-1, 1, 1, phase="forward")
    assert frame.title == explanation.title
    assert frame.lines_text == tuple(line.text for line in explanation.lines)
    assert frame.html == explanation._repr_html_()
    assert frame.neuron.weighted_sum == explanation.lines[0].text
    assert frame.neuron.activation_text == explanation.lines[1].text
    assert frame.lines_text[0].endswith("= " + num(frame.neuron.z).text)


def test_changing_the_input_reruns_the_forward_pass():
    state = ExplorerState(seed=0)
    before = state.frame()
    after = state.set_input([1.25, 0.75])
    assert after.inputs == (1.25, 0.75) and after != before
    fresh = state.model.predict(np.array([[1.25, 0.75]]))
    assert after.output == tuple(fresh[0])  # a fresh computation says the same
    first = after.layers[0].neurons[0]
    assert first.inputs == (1.25, 0.75)
    assert "1.25" in first.weighted_sum.replace("−", "-") or "1.250" in first.weighted_sum


def test_any_sequential_model_and_inputs_of_its_width():
    model = nt.Sequential(nt.Dense(3, 4, "relu", rng=0), nt.Linear(4, 2, rng=1), nt.Softmax())
    state = ExplorerState(model)
    assert state.frame().layer_sizes == (3, 4, 2) and state.inputs == (0.0, 0.0, 0.0)
    frame = state.set_input([0.5, -1.0, 2.0])
    assert sum(frame.output) == pytest.approx(1.0)
    assert state.select(1, 1).lines_text[1].startswith("a⁽²⁾₂ = e^z⁽²⁾₂ / Σₖ e^z⁽²⁾ₖ")


def test_the_model_keeps_its_mode_and_no_hooks_are_left():
    model = default_model(0).eval()
    state = ExplorerState(model)
    state.set_input([0.1, 0.2])
    assert not model.training
    assert all("forward" not in vars(m) for m in model.modules())


@pytest.mark.parametrize("values, error, match", [
    ([1.0], ValueError, r"has 2 inputs, got 1"),
    ("ab", TypeError, r"expected 2 numbers"),
    ([1.0, float("nan")], ValueError, r"finite x2"),
    ([1.0, "x"], TypeError, r"x2 to be a number"),
])
def test_bad_inputs_raise_clear_errors_and_keep_the_state(values, error, match):
    state = ExplorerState()
    frame = state.frame()
    with pytest.raises(error, match=match):
        state.set_input(values)
    assert state.frame() == frame


@pytest.mark.parametrize("layer, neuron, error, match", [
    (3, 0, IndexError, r"layer 3 does not exist; valid: 0..2"),
    (1, 2, IndexError, r"neuron 2 does not exist; valid: 0..1 \(layer 1 \(hidden 2\) has 2 neurons\)"),
    (0.0, 0, TypeError, r"layer to be an int"),
])
def test_bad_selection_raises_clear_errors(layer, neuron, error, match):
    with pytest.raises(error, match=match):
        ExplorerState().select(layer, neuron)


def test_bad_models_raise_clear_errors():
    with pytest.raises(TypeError, match="nnteach Module"):
        ExplorerState(model="mlp")
    with pytest.raises(ValueError, match="no neuron layers"):
        ExplorerState(nt.Sequential(nt.Tanh()))


def test_summary_is_deterministic_text():
    text = ExplorerState(seed=0).summary()
    assert text == ExplorerState(seed=0).summary()
    lines = text.splitlines()
    assert lines[0] == "Forward pass of a 2-3-2-1 network (tanh, tanh, sigmoid), x = (0.5, −0.3)"
    assert lines[1].startswith("  layer 1 (hidden 1, tanh): z = (")
    assert lines[4].startswith("  ŷ = (")
    assert lines[6].startswith("  z⁽¹⁾₁ = w⁽¹⁾₁₁·x₁ + w⁽¹⁾₁₂·x₂ + b⁽¹⁾₁ = ")


# ---------------------------------------------------------------------- view
@pytest.fixture
def explorer():
    pytest.importorskip("ipywidgets")
    from nnteach.widgets.explorer_view import ForwardPassExplorer

    return ForwardPassExplorer(seed=0)


def test_view_builds_with_its_css_classes(explorer):
    assert "nnteach-explorer" in explorer._dom_classes
    assert [s.value for s in explorer.sliders] == [0.5, -0.3]
    assert explorer.sliders[0].continuous_update  # re-renders while dragging
    assert "<svg" in explorer.diagram.value and "nnteach-explain" in explorer.equation.value
    assert explorer.table.value.count("<tr") == 1 + 6  # header + one row per neuron


def test_moving_a_slider_rerenders_with_the_new_pass(explorer):
    svg, equation, table = explorer.diagram.value, explorer.equation.value, explorer.table.value
    explorer.sliders[1].value = 1.5
    assert explorer.state.inputs == (0.5, 1.5)
    assert explorer.diagram.value != svg and explorer.equation.value != equation and explorer.table.value != table
    frame = explorer.state.frame()
    assert explorer.equation.value == frame.html
    for layer in frame.layers:
        for n in layer.neurons:
            assert f">{num(n.a).text}</text>" in explorer.diagram.value  # a inside the circle
            assert f"z = {num(n.z).text}" in explorer.diagram.value


def test_selecting_a_neuron_shows_its_equation(explorer):
    explorer.select.value = (2, 0)
    frame = explorer.state.frame()
    assert frame.selected == (2, 0)
    assert "ŷ = a⁽³⁾₁" in explorer.equation.value
    assert frame.lines_text[0].split(" = ")[0] == "z⁽³⁾₁"
    assert 'background:#fdebd0' in explorer.table.value.split("z⁽³⁾₁ = w")[0].rsplit("<tr", 1)[1]


def test_the_text_a_notebook_shows_for_the_explorer_is_its_summary():
    from nnteach.widgets import ForwardPassExplorer

    widget = ForwardPassExplorer()
    assert widget._repr_mimebundle_()["text/plain"] == widget.state.summary()


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(input_range=(2, -2)), ValueError, "expected input_range=(low, high) with low < high, both finite, got (2, -2)."),
    (dict(input_range=(0,)), TypeError, "expected input_range=(low, high), two numbers, got (0,)."),
    (dict(state="x"), TypeError, "expected state to be an ExplorerState, got str."),
], ids=["reversed", "one number", "state"])
def test_the_view_checks_its_own_arguments(kwargs, error, message):
    # a reversed range built sliders that could not move, and said nothing
    pytest.importorskip("ipywidgets")
    from nnteach.widgets.explorer_view import ForwardPassExplorer

    with pytest.raises(error, match=re.escape(f"ForwardPassExplorer: {message}")):
        ForwardPassExplorer(**kwargs)
