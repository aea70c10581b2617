"""XorState: the pure-Python state of the XOR visualizer (no ipywidgets needed).

Every number a frame shows must be the trace's number; stepping must be reversible; a stepped-through
training step must leave the model exactly as ``Trainer.train_step`` would.
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

import nnteach as nt
from nnteach.widgets.xor_config import CLASSIC_WEIGHTS
from nnteach.widgets.xor_state import XorState

CONFIGS = [
    dict(),
    dict(mode="batch"),
    dict(hidden=3, activation="tanh", loss="mse", lr=0.3, seed=4),
    dict(hidden=2, activation="relu", mode="batch", seed=7),
    dict(hidden=1, activation="leaky_relu", seed=2),
]


def _build(state: XorState) -> nt.Sequential:
    """A fresh network of the state's architecture (its weights get overwritten)."""
    from nnteach.widgets.xor_config import ACTIVATIONS

    return nt.Sequential(nt.Linear(2, state.hidden), ACTIVATIONS[state.activation](), nt.Linear(state.hidden, 1),
                         nt.Sigmoid())


def _walk_to_end(state: XorState) -> None:
    while state.frame().event_index < state.frame().num_events - 1:
        state.next("event")


def _weights_before(state: XorState) -> dict:
    rec = state.trace.steps[-1]
    return {"0.weight": rec.layers[0].weight, "0.bias": rec.layers[0].bias,
            "2.weight": rec.layers[1].weight, "2.bias": rec.layers[1].bias}


# --------------------------------------------------------------------------- numbers come from the trace
@pytest.mark.parametrize("config", CONFIGS)
def test_every_frame_number_equals_the_trace_number(config):
    state = XorState(**config)
    rec = state.trace.steps[-1]  # the trace's own record of the step under the cursor
    s = 0 if state.mode == "sample" else state.frame().rows.index(state.frame().sample)
    seen = set()
    while True:
        f = state.frame()
        updated = f.phase == "update"
        for l, layer in enumerate(rec.layers):
            W, b = (layer.weight_after, layer.bias_after) if updated else (layer.weight, layer.bias)
            assert np.array_equal(np.array(f.weights[l]), W)
            assert np.array_equal(np.array(f.biases[l]), b)
            for j, nv in enumerate(f.neurons[l]):
                for q, arr in (("z", layer.z), ("a", layer.a), ("dL_da", layer.grad_a), ("dL_dz", layer.grad_z)):
                    value = getattr(nv, q)
                    if value is not None:
                        assert value == arr[s, j]
                        seen.add(q)
                if nv.dL_dW is not None:
                    assert np.array_equal(np.array(nv.dL_dW), layer.grad_weight[j])
                    seen.add("dL_dW")
                if nv.dL_db is not None:
                    assert nv.dL_db == layer.grad_bias[j]
                    seen.add("dL_db")
        if f.loss is not None:
            assert f.loss == rec.loss
            seen.add("loss")
        if f.y_pred is not None:
            assert f.y_pred == rec.y_pred[s, 0]
            seen.add("y_pred")
        if f.event.layer is not None:
            phase = "forward" if f.phase == "forward" else f.phase
            explained = state.trace.explain(rec, f.event.layer, f.event.neuron, s, phase=phase)
            assert f.lines_text == tuple(line.text for line in explained.lines)
        if f.event_index == f.num_events - 1:
            break
        state.next("event")
    assert seen == {"z", "a", "dL_da", "dL_dz", "dL_dW", "dL_db", "loss", "y_pred"}  # every number is shown somewhere


def test_the_four_predictions_come_from_a_traced_forward_pass_with_the_weights_shown():
    state = XorState(hidden=3, activation="tanh", seed=5)
    for _ in range(30):
        f = state.next("layer")
        rec = state.trace.steps[-1] if f.step == state.num_steps - 1 else None
        if rec is None:
            continue
        probe = _build(state)
        after = f.phase == "update"
        probe.load_state_dict({"0.weight": rec.layers[0].weight_after if after else rec.layers[0].weight,
                               "0.bias": rec.layers[0].bias_after if after else rec.layers[0].bias,
                               "2.weight": rec.layers[1].weight_after if after else rec.layers[1].weight,
                               "2.bias": rec.layers[1].bias_after if after else rec.layers[1].bias})
        with nt.trace(probe) as tr:
            probe(state.X)
        assert f.predictions == tuple(tr.steps[-1].y_pred[:, 0])
        assert np.array_equal(np.array(f.hidden), tr.steps[-1].layers[0].a)


def test_classic_reproduces_the_worked_example():
    state = XorState.classic()
    f = state.frame()
    assert f.phase == "input" and f.x == (0.0, 1.0) and f.y == 1.0
    headlines = [state.next().headline for _ in range(7)]
    assert headlines == ["z⁽¹⁾₁ = 2.5", "a⁽¹⁾₁ = 0.924", "z⁽¹⁾₂ = −2.5", "a⁽¹⁾₂ = 0.076", "z⁽²⁾₁ = 3.483",
                         "a⁽²⁾₁ = ŷ = 0.970", "L = 0.030"]
    f = state.frame()
    hidden = f.neurons[0]
    assert (hidden[0].z, hidden[1].z) == (2.5, -2.5)
    assert round(hidden[0].a, 3) == 0.924 and round(hidden[1].a, 3) == 0.076
    assert round(f.y_pred, 3) == 0.970
    assert f.weights[0] == ((5.0, 5.0), (5.0, 5.0)) and f.biases[1] == (-5.0,)


# --------------------------------------------------------------------------- stepping
@pytest.mark.parametrize("granularity", ["event", "layer", "sample", "epoch"])
@pytest.mark.parametrize("mode", ["sample", "batch"])
def test_next_then_prev_returns_an_equal_frame(granularity, mode):
    state = XorState(mode=mode, seed=3)
    for _ in range(5):
        state.next("event")
    for _ in range(6):
        before = state.frame()
        state.next(granularity)
        assert state.frame() != before
        state.prev(granularity)
        if granularity == "event":
            assert state.frame() == before
        state.next(granularity)
        after = state.frame()
        state.prev(granularity)
        state.next(granularity)
        assert state.frame() == after
    # and prev walks back through the very stops next walked through, one at a time
    stops = [state.next(granularity) for _ in range(6)]
    assert len({(f.step, f.event_index) for f in stops}) == 6
    for expected in reversed(stops[:-1]):
        assert state.prev(granularity) == expected


@pytest.mark.parametrize("config", CONFIGS)
def test_stepping_through_a_training_step_equals_trainer_train_step(config):
    state = XorState(**config)
    for _ in range(3):  # three whole steps, one event at a time
        start = _weights_before(state)
        rows = list(state.frame().rows)
        _walk_to_end(state)
        reference = _build(state)
        reference.load_state_dict(start)
        loss_cls = nt.BCELoss if state.loss == "bce" else nt.MSELoss
        trainer = nt.Trainer(reference, loss_cls(), nt.SGD(reference.parameters(), lr=state.lr))
        trainer.train_step(state.X[rows], state.Y[rows])
        got, want = state.model.state_dict(), reference.state_dict()
        assert all(np.array_equal(got[k], want[k]) for k in want)
        state.next("event")  # the next step begins: a new real step is run


def test_sample_mode_takes_the_rows_in_turn_and_epochs_are_four_steps():
    state = XorState(first_sample=2)
    rows = [state.frame().sample]
    for _ in range(5):
        rows.append(state.next("sample").sample)
    assert rows[:1] == [2] and rows[1:] == [2, 3, 0, 1, 2]
    f = state.next("epoch")
    assert (f.step + 1) % 4 == 0 and f.event_index == f.num_events - 1


def test_layer_granularity_stops_at_the_end_of_each_phase_and_layer():
    state = XorState(hidden=2)
    stops = [state.next("layer") for _ in range(9)]
    # events: 0 input | 1-4 hidden forward | 5-6 output forward | 7 loss | 8-11 output backward |
    # 12-19 hidden backward | 20-21 hidden update | 22 output update
    assert [f.event_index for f in stops] == [4, 6, 7, 11, 19, 21, 22, 0, 4]
    assert [f.phase for f in stops[:7]] == ["forward", "forward", "loss", "backward", "backward", "update", "update"]
    assert stops[7].step == 1


def test_sample_and_epoch_granularity_in_batch_mode_move_one_step():
    state = XorState(mode="batch")
    f = state.next("sample")
    assert (f.step, f.event_index, f.rows) == (0, f.num_events - 1, (0, 1, 2, 3))
    f = state.next("epoch")
    assert (f.step, f.event_index) == (1, f.num_events - 1)


def test_prev_stops_at_the_oldest_kept_event():
    state = XorState(window=3)
    state.next("sample")
    state.next("sample")
    f = state.prev("sample")
    assert (f.step, f.event_index) == (0, f.num_events - 1)
    f = state.prev("sample")
    assert (f.step, f.event_index) == (0, 0) and state.at_start
    assert state.prev("event") == f


def test_train_runs_real_epochs_and_keeps_a_bounded_window():
    state = XorState(lr=2.0, window=10, seed=1)
    loss_before = state.losses()[0]
    f = state.train(300)
    assert state.num_steps == 1 + 300 * 4 and len(state.losses()) == state.num_steps
    assert state.kept_steps == 10
    assert f.event_index == f.num_events - 1 and f.step == state.num_steps - 1
    assert state.epoch_losses()[-1] < loss_before
    for _ in range(50):
        state.prev("sample")
    assert state.frame().step == state.num_steps - 10 and state.at_start


def test_the_loss_curve_hides_the_current_step_until_its_loss_event():
    state = XorState.classic()
    assert len(state.losses(upto_cursor=True)) == 0
    while state.frame().phase != "loss":
        state.next()
    assert len(state.losses(upto_cursor=True)) == 1


# --------------------------------------------------------------------------- selecting and editing
def test_selecting_a_row_in_batch_mode_changes_the_numbers_shown_not_the_model():
    state = XorState(mode="batch")
    for _ in range(3):
        state.next()
    version, before = state.version, state.frame()
    f = state.select(3)
    rec = state.trace.steps[-1]
    assert state.version == version and f.sample == 3 and f.event_index == before.event_index
    assert f.neurons[0][0].z == rec.layers[0].z[3, 0]


def test_selecting_a_row_in_sample_mode_replays_the_step_on_that_row():
    state = XorState.classic()
    for _ in range(9):
        state.next()
    f = state.select(3)
    assert (f.sample, f.x, f.event_index, f.step) == (3, (1.0, 1.0), 9, 0)
    assert state.num_steps == 1 and len(state.losses()) == 1
    # the replay starts from the same weights as the step it replaced
    assert np.array_equal(np.array(state.trace.steps[-1].layers[0].weight), np.array(CLASSIC_WEIGHTS["0.weight"]))
    _walk_to_end(state)
    f = state.select(0)  # the step is complete: a new step starts on the chosen row
    assert (f.sample, f.step, f.event_index) == (0, 1, 0)
    assert state.next("sample").sample == 0 and state.next("sample").sample == 1


def test_setting_a_weight_changes_every_downstream_number_to_a_fresh_forward():
    state = XorState.classic()
    for _ in range(6):
        state.next()  # a⁽²⁾₁: the whole forward pass is on screen
    f = state.set_weight("0.weight", (0, 1), 3.0)
    assert f.weights[0][0] == (5.0, 3.0) and f.event_index == 6
    model = nt.Sequential(nt.Linear(2, 2), nt.Sigmoid(), nt.Linear(2, 1), nt.Sigmoid())
    edited = {k: np.array(v, dtype=float) for k, v in CLASSIC_WEIGHTS.items()}
    edited["0.weight"][0, 1] = 3.0
    model.load_state_dict(edited)
    with nt.trace(model) as tr:
        model(np.array([[0.0, 1.0]]))
    fresh = tr.steps[-1]
    assert f.neurons[0][0].z == fresh.layers[0].z[0, 0] == 0.5
    for l in range(2):
        for j, nv in enumerate(f.neurons[l]):
            assert (nv.z, nv.a) == (fresh.layers[l].z[0, j], fresh.layers[l].a[0, j])
    assert f.y_pred == fresh.y_pred[0, 0]


def test_setting_a_weight_during_the_update_goes_back_to_the_loss_event():
    state = XorState.classic()
    _walk_to_end(state)
    f = state.set_weight("2.bias", 0, -1.0)
    assert f.phase == "loss" and f.biases[1] == (-1.0,)
    assert state.num_steps == 1


def test_parameters_lists_every_weight_and_bias_with_its_symbol():
    labels = [label for _, _, label in XorState().parameters()]
    assert labels == ["w⁽¹⁾₁₁", "w⁽¹⁾₁₂", "b⁽¹⁾₁", "w⁽¹⁾₂₁", "w⁽¹⁾₂₂", "b⁽¹⁾₂", "w⁽²⁾₁₁", "w⁽²⁾₁₂", "b⁽²⁾₁"]


# --------------------------------------------------------------------------- text, config, errors
def test_summary_is_deterministic_and_names_the_current_event():
    a, b = XorState.classic(), XorState.classic()
    for s in (a, b):
        for _ in range(5):
            s.next()
    assert a.summary() == b.summary() == str(a)
    text = a.summary()
    assert "phase forward" in text and "now: z⁽²⁾₁ = 3.483" in text and "loss: not computed yet" in text
    assert "x = (0, 1)  y = 1  ŷ = 0.970 <" in text
    assert "XOR row 2 of 4: x = (0, 1), y = 1" in text  # counted from 1, as explain() counts


def test_summary_in_batch_mode_names_the_row_and_its_place_in_the_batch():
    state = XorState.classic(mode="batch")
    state.next()
    assert "XOR row 2 of 4: x = (0, 1), y = 1 (sample 2 of the batch of 4)" in state.summary()


def test_reset_repeats_the_same_start():
    state = XorState(seed=11)
    first = state.frame()
    state.train(5)
    assert state.reset() == first


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(activation="softplus"), ValueError, "XorState: unknown activation 'softplus'"),
    (dict(loss="hinge"), ValueError, "unknown loss 'hinge'. Valid names: 'bce', 'mse'"),
    (dict(hidden=0), ValueError, "expected hidden .* >= 1, got 0"),
    (dict(hidden=9), ValueError, "expected hidden <= 8"),
    (dict(hidden=2.5), TypeError, "expected hidden .* to be an integer"),
    (dict(lr=0), ValueError, r"expected lr \(learning rate\) > 0, got 0.0"),
    (dict(lr=-0.1), ValueError, r"expected lr \(learning rate\) > 0"),
    (dict(mode="minibatch"), ValueError, "unknown mode 'minibatch'"),
    (dict(granularity="week"), ValueError, "unknown granularity 'week'"),
    (dict(first_sample=4), ValueError, "XOR row 0..3"),
    (dict(weights={"0.weight": [[1.0, np.nan], [0, 0]]}), ValueError, "NaN or infinity"),
    (dict(weights={**CLASSIC_WEIGHTS, "0.bias": [1.0, 2.0, 3.0]}), ValueError, "'0.bias' has shape"),
    (dict(weights={"0.weight": [[1.0, 1.0], [1.0, 1.0]]}), ValueError, "missing"),
])
def test_bad_configuration_fails_with_a_clear_error(kwargs, error, match):
    with pytest.raises(error, match=match):
        XorState(**kwargs)


def test_bad_calls_fail_with_a_clear_error():
    state = XorState()
    with pytest.raises(ValueError, match="unknown granularity 'day'"):
        state.next("day")
    with pytest.raises(ValueError, match="unknown parameter '1.weight'"):
        state.set_weight("1.weight", (0, 0), 1.0)
    with pytest.raises(IndexError, match=r"index \(2, 0\) does not exist in '0.weight' of shape \(2, 2\)"):
        state.set_weight("0.weight", (2, 0), 1.0)
    with pytest.raises(ValueError, match="expected a finite number"):
        state.set_weight("0.bias", 0, float("inf"))
    with pytest.raises(ValueError, match="XOR row 0..3"):
        state.select(7)
    with pytest.raises(ValueError, match="expected epochs >= 1"):
        state.train(0)


def test_the_state_module_imports_no_widgets_and_no_matplotlib():
    code = ("import sys, nnteach.widgets.xor_state as m; m.XorState.classic().next(); "
            "bad = [k for k in ('ipywidgets', 'matplotlib') if k in sys.modules]; print(bad); sys.exit(bool(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hand_set_weights_also_set_the_hidden_size():
    weights = {"0.weight": np.ones((3, 2)), "0.bias": np.zeros(3), "2.weight": np.ones((1, 3)), "2.bias": [0.0]}
    state = XorState(weights=weights, mode="batch")
    assert state.hidden == 3 and state.frame().weights[0] == ((1.0, 1.0),) * 3


@pytest.mark.parametrize("weights, error, message", [
    ({"0.weight": 5}, ValueError, "expected weights['0.weight'] as rows of numbers, one row per neuron (2-D), got 0-D 5."),
    ({"0.weight": [[1, 2], [3]]}, TypeError, "expected weights['0.weight'] to be a numeric array, got list"),
    ({"0.weight": [[5, 5], [5, 5]], "0.bias": "x"}, TypeError, "expected weights['0.bias'] to be a numeric array"),
], ids=["scalar", "ragged", "text"])
def test_hand_set_weights_of_the_wrong_form_are_named(weights, error, message):
    with pytest.raises(error, match=re.escape(f"XorState: {message}")):
        XorState(weights=weights)


@pytest.mark.parametrize("call, error, message", [
    (lambda s: XorState(activation=["relu"]), TypeError, "XorState: expected activation to be a name (a str), got list"),
    (lambda s: s.set_weight("0.bias", 1.0, 2), TypeError, "XorState.set_weight: expected index (neuron, input) for a "
                                                          "weight or neuron for a bias, got float 1.0."),
    (lambda s: s.decision_grid(-3), ValueError, "XorState.decision_grid: expected resolution >= 2, got -3."),
    (lambda s: s.decision_grid(5, lim=(1,)), TypeError, "XorState.decision_grid: expected lim=(low, high), two numbers"),
], ids=["activation list", "set_weight order", "resolution", "lim"])
def test_the_state_names_each_bad_argument(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call(XorState())


@pytest.mark.parametrize("hidden", [1, 3, 8])
def test_classic_with_another_hidden_size_names_classic_and_what_it_needs(hidden):
    # used to fail inside Sequential.load_state_dict ("parameter '0.weight' has shape (3, 2) in the model")
    with pytest.raises(ValueError, match=re.escape(f"XorState.classic: the worked example's weights are for 2 hidden "
                                                   f"neurons (W⁽¹⁾ = [[5, 5], [5, 5]] is 2×2), got hidden={hidden}. "
                                                   f"For {hidden} hidden neurons use XorState(hidden={hidden}")):
        XorState.classic(hidden=hidden)
    assert XorState(hidden=hidden, lr=0.1, first_sample=1).hidden == hidden  # the suggested call works


def test_classic_still_accepts_two_hidden_neurons_or_its_own_weights():
    assert XorState.classic(hidden=2).frame().weights == XorState.classic().frame().weights
    weights = {"0.weight": np.ones((3, 2)), "0.bias": np.zeros(3), "2.weight": np.ones((1, 3)), "2.bias": [0.0]}
    assert XorState.classic(hidden=3, weights=weights).hidden == 3
    with pytest.raises(ValueError, match=r"XorState: expected hidden <= 8"):  # out of range: the usual message
        XorState.classic(hidden=9)
