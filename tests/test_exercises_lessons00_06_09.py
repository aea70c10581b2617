"""The set-up check of lesson 0 and the exercise checkers of lessons 0, 6 and 9: a right answer passes,
each typical wrong answer gets its own message, and no answer (None or ``raise NotImplementedError``)
is "not attempted". None raises, and none moves the learner's state.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnteach as nt
from feedback_asserts import assert_failed, assert_not_attempted, assert_passed
from nnteach.exercises import lesson00, lesson06, lesson09
from nnteach.widgets.xor_state import XorState


# ============================================================================ lesson 0
def test_lesson00_setup_check_reports_ok_lines_without_installed_versions():
    report = lesson00.check_setup()
    assert_passed(report)
    lines = report.message.splitlines()[1:]
    for name in ("Python >= 3.10", "numpy >= 1.23", "matplotlib >= 3.6", "ipywidgets >= 8.0", "nnteach"):
        assert any(line.strip().startswith(name) and "ok" in line for line in lines), report.text
    assert np.__version__ not in report.text  # the report reads the same on every working machine


@pytest.mark.parametrize("version, minimum, ok", [
    ("1.26.4", (1, 23), True), ("1.23.0", (1, 23), True), ("1.22.9", (1, 23), False),
    ("2.0.0rc1", (1, 23), True), ("8.0.0+local", (8, 0), True), ("7.8", (8, 0), False),
])
def test_lesson00_version_comparison(version, minimum, ok):
    good, line = lesson00._line("pkg", minimum, version, "the test")
    assert good is ok
    assert line.endswith(": ok") if ok else "TOO OLD" in line and version in line


def test_lesson00_missing_package_says_how_to_install_it():
    good, line = lesson00._line("ipywidgets", (8, 0), None, "the widgets")
    assert not good
    assert "MISSING" in line and "make lab" in line and "pip install ipywidgets" in line and "restart" in line


def test_lesson00_setup_check_fails_when_a_requirement_is_missing(monkeypatch):
    real = lesson00._installed
    monkeypatch.setattr(lesson00, "_installed", lambda module: None if module == "ipywidgets" else real(module))
    report = lesson00.check_setup()
    assert_failed(report, "ipywidgets >= 8.0: MISSING", "restart the kernel")


def test_lesson00_weighted_sum():
    assert_passed(lesson00.check_weighted_sum(5.0))
    assert_passed(lesson00.check_weighted_sum(np.dot([0.5, -1.0, 2.0], [4.0, 1.0, 3.0]) - 2.0))
    assert_passed(lesson00.check_weighted_sum(np.array([5.0])))


@pytest.mark.parametrize("answer, fragments", [
    (7.0, ["without the bias"]),
    (9.0, ["subtracted b"]),
    (np.array([2.0, -1.0, 6.0]), ["three products", "add them up"]),
    (np.array([0.0, -3.0, 4.0]), ["added to each of the three products"]),
    (3.0, ["expected w·x + b = 5"]),
    ("five", ["should be a number"]),
])
def test_lesson00_weighted_sum_mistakes(answer, fragments):
    assert_failed(lesson00.check_weighted_sum(answer), *fragments)


def test_lesson00_unanswered_is_not_attempted():
    assert lesson00.check_weighted_sum(None).passed is None


# ============================================================================ lesson 6
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward_numbers():
    """The six forward numbers of the worked example for x = (1, 1): z⁽¹⁾₁, a⁽¹⁾₁, z⁽¹⁾₂, a⁽¹⁾₂, z⁽²⁾₁, ŷ."""
    z1 = np.array([[5.0, 5.0], [5.0, 5.0]]) @ np.array([1.0, 1.0]) + np.array([-2.5, -7.5])
    a1 = sigmoid(z1)
    z2 = np.array([10.0, -10.0]) @ a1 - 5.0
    return [z1[0], a1[0], z1[1], a1[1], z2, sigmoid(z2)], a1


@pytest.fixture
def ex_state():
    return XorState.classic(first_sample=3)


def test_lesson06_prediction_right_answers_pass_and_the_state_does_not_move(ex_state):
    numbers, _ = forward_numbers()
    before = ex_state.frame()
    assert_passed(lesson06.check_prediction(numbers, ex_state))
    assert_passed(lesson06.check_prediction([round(v, 3) for v in numbers], ex_state))  # 3 digits are enough
    assert_passed(lesson06.check_prediction(numbers[0], ex_state))  # one number: the next event
    assert ex_state.frame() == before and ex_state.num_steps == 1


def test_lesson06_prediction_accepts_a_visualizer(ex_state):
    from nnteach.widgets import XorVisualizer

    numbers, _ = forward_numbers()
    assert_passed(lesson06.check_prediction(numbers[:2], XorVisualizer(ex_state)))


def test_lesson06_prediction_backward_with_a_row(ex_state):
    numbers, a1 = forward_numbers()
    y_hat = numbers[-1]
    for _ in range(3):
        ex_state.next("layer")
    assert ex_state.frame().event.quantity == "L"
    dL_dz2 = y_hat - 0.0
    assert_passed(lesson06.check_prediction([1 / (1 - y_hat), dL_dz2, [dL_dz2 * a1[0], dL_dz2 * a1[1]]], ex_state))
    assert_failed(lesson06.check_prediction([dL_dz2], ex_state), "∂L/∂z⁽²⁾ = ŷ − y", "1/σ′")
    assert_failed(lesson06.check_prediction([1 / (1 - y_hat), 1 / (1 - y_hat)], ex_state), "the first one was right",
                  "stopped at ∂L/∂a")
    assert_failed(lesson06.check_prediction([1 / (1 - y_hat), dL_dz2, dL_dz2], ex_state), "a list of 2 numbers")


@pytest.mark.parametrize("wrong, position, fragments", [
    (10.0, 0, ["The bias is missing"]),
    (12.5, 0, ["subtracted the bias"]),
    (-7.5, 0, ["sign is flipped"]),
    (7.5, 1, ["That is z", "apply σ"]),
    (1 - sigmoid(7.5), 1, ["σ(−z)"]),
    (45.0, 4, ["z forward", "activations a⁽¹⁾"]),
    (123.0, 0, ["Recompute it"]),
])
def test_lesson06_prediction_forward_mistakes(ex_state, wrong, position, fragments):
    numbers, _ = forward_numbers()
    prediction = numbers[:position] + [wrong]
    assert_failed(lesson06.check_prediction(prediction, ex_state), f"prediction {position + 1}", *fragments)


def test_lesson06_prediction_of_an_update_compares_the_moves(ex_state):
    while ex_state.frame().event_index < ex_state.frame().num_events - 2:
        ex_state.next()
    # the output neuron's update: new = old − η·∂L/∂w, a move of about −0.0014
    new = ex_state.next().weights[1][0] + (ex_state.frame().biases[1][0],)
    ex_state.prev()
    assert_passed(lesson06.check_prediction([list(new)], ex_state))
    assert_failed(lesson06.check_prediction([[10.0, -10.0, -5.0]], ex_state), "weights before the step")
    up = [2 * old - n for old, n in zip((10.0, -10.0, -5.0), new)]
    assert_failed(lesson06.check_prediction([up], ex_state), "gradient descent subtracts")
    no_lr = [old - 10 * (old - n) for old, n in zip((10.0, -10.0, -5.0), new)]  # η = 0.1 forgotten
    assert_failed(lesson06.check_prediction([no_lr], ex_state), "learning rate is missing")
    assert_failed(lesson06.check_prediction([[round(v, 3) for v in new]], ex_state), "more digits")


def test_lesson06_prediction_can_run_into_the_next_step(ex_state):
    ex_state.next("sample")  # the end of step 0: the next event starts step 1 (x = (0, 0))
    assert_passed(lesson06.check_prediction([[0.0, 0.0]], ex_state))
    assert ex_state.num_steps == 1


def test_lesson06_prediction_bad_inputs(ex_state):
    assert_failed(lesson06.check_prediction([1.0], "state"), "XorState")
    assert_failed(lesson06.check_prediction(["seven"], ex_state), "one number")
    assert_failed(lesson06.check_prediction([1.0] * 41, ex_state), "at most 40")
    assert lesson06.check_prediction(None, ex_state).passed is None
    assert lesson06.check_prediction([None, None], ex_state).passed is None


OR_NAND_AND = {"0.weight": [[6.0, 6.0], [-4.0, -4.0]], "0.bias": [-3.0, 6.0], "2.weight": [[8.0, 8.0]],
               "2.bias": [-12.0]}


def test_lesson06_xor_weights_right_answers_pass():
    feedback = lesson06.check_xor_weights(OR_NAND_AND)
    assert_passed(feedback)
    assert "Hidden neuron 1 computes OR; hidden neuron 2 computes NAND" in feedback.message
    # flexible shapes: a flat output row and a plain number for the output bias
    assert_passed(lesson06.check_xor_weights({**OR_NAND_AND, "2.weight": [8.0, 8.0], "2.bias": -12.0}))
    three = {"0.weight": [[6.0, 6.0], [-4.0, -4.0], [0.1, 0.1]], "0.bias": [-3.0, 6.0, 0.0],
             "2.weight": [[8.0, 8.0, 0.0]], "2.bias": [-12.0]}
    assert_passed(lesson06.check_xor_weights(three))


@pytest.mark.parametrize("weights, fragments", [
    (lesson06.CLASSIC, ["lesson 5's weights"]),
    ({**OR_NAND_AND, "2.bias": [-4.0]}, ["x = (1, 1)", "computes OR", "hidden neuron 2 computes NAND"]),
    ({"0.weight": [[6.0, 6.0]], "0.bias": [-3.0], "2.weight": [[8.0]], "2.bias": [-4.0]}, ["no single line"]),
    ({"0.weight": [[3.0, 3.0], [-2.0, -2.0]], "0.bias": [-1.5, 3.0], "2.weight": [[4.0, 4.0]], "2.bias": [-6.0]},
     ["not confidently", "steeper"]),
    ({"0.weight": [[1.0, 1.0]]}, ["Missing: 0.bias, 2.weight, 2.bias"]),
    ({**OR_NAND_AND, "1.weight": [1.0]}, ["Not a parameter of the network: 1.weight"]),
    ({**OR_NAND_AND, "0.weight": [[1.0, 1.0, 1.0]]}, ["shape (H, 2)"]),
    ({**OR_NAND_AND, "0.bias": [1.0, 2.0, 3.0]}, ["'0.bias' should have shape (2,)"]),
    ({**OR_NAND_AND, "2.bias": [float("nan")]}, ["NaN"]),
    ("weights", ["should be a dict"]),
])
def test_lesson06_xor_weights_mistakes(weights, fragments):
    assert_failed(lesson06.check_xor_weights(weights), *fragments)


@pytest.mark.slow
@pytest.mark.parametrize("settings", [{"activation": "tanh"}, {"hidden": 3}, {"lr": 2.0}])
def test_lesson06_unstuck_right_answers_pass(settings):
    assert_passed(lesson06.check_unstuck(settings))


@pytest.mark.slow
@pytest.mark.parametrize("settings, fragments", [
    ({"lr": 0.1}, ["still stuck", "almost the same point"]),
    ({"lr": 100.0}, ["same answer", "saturation"]),
])
def test_lesson06_unstuck_failures_explain_where_it_is_stuck(settings, fragments):
    assert_failed(lesson06.check_unstuck(settings), *fragments)


@pytest.mark.parametrize("settings, fragments", [
    ({}, ["gets stuck", "change at least one"]),
    ({"seed": 1}, ["keep seed 0"]),
    ({"weights": OR_NAND_AND}, ["no hand-set weights"]),
    ({"epochs": 5000}, ["unknown setting", "1000 epochs"]),
    ({"hidden": 20}, ["XorState refused", "hidden <= 8"]),
    (["tanh"], ["should be a dict"]),
])
def test_lesson06_unstuck_bad_settings(settings, fragments):
    assert_failed(lesson06.check_unstuck(settings), *fragments)


@pytest.mark.parametrize("checker", [lesson06.check_xor_weights, lesson06.check_unstuck])
def test_lesson06_unanswered_is_not_attempted(checker):
    assert checker(None).passed is None


# ============================================================================ lesson 9
@pytest.mark.slow
@pytest.mark.parametrize("answer", [(3,), {"hidden": (3,), "optimizer": "adam", "lr": 0.03}, [3]])
def test_lesson09_smallest_circles_right_answers_pass(answer):
    feedback = lesson09.check_smallest_circles(answer)
    assert_passed(feedback)
    assert "triangle" in feedback.message


@pytest.mark.slow
@pytest.mark.parametrize("answer, fragments", [
    ((8, 8), ["separates the circles", "16 hidden neurons", "smaller network"]),
    ((), ["one straight line"]),
    ((1,), ["1 neuron", "one number"]),
    ((2,), ["2 bent lines", "at least 3 lines"]),
    ((2, 4), ["passes through 2 neurons first"]),
    ({"hidden": (3,), "activation": "identity"}, ["linear"]),
    ({"hidden": (3,), "lr": 0.0001}, ["training did not get there", "learned nothing"]),
])
def test_lesson09_smallest_circles_mistakes(answer, fragments):
    assert_failed(lesson09.check_smallest_circles(answer), *fragments)


@pytest.mark.parametrize("answer, fragments", [
    ("3", ["tuple of hidden-layer widths"]),
    ({"hidden": (3,), "epochs": 10}, ["unknown setting"]),
    ({"activation": "relu"}, ["needs 'hidden'"]),
    ((17,), ["PlaygroundState refused", "1 to 16 neurons"]),
])
def test_lesson09_smallest_circles_bad_answers(answer, fragments):
    assert_failed(lesson09.check_smallest_circles(answer), *fragments)


@pytest.mark.slow
@pytest.mark.parametrize("lr", [0.2, 0.3, 0.4])
def test_lesson09_spiral_lr_right_answers_pass(lr):
    assert_passed(lesson09.check_spiral_lr(lr))


@pytest.mark.slow
@pytest.mark.parametrize("lr, fragments", [
    (1.0, ["diverged", "smaller learning rate"]),
    (10.0, ["diverged"]),
    (0.1, ["still falling", "larger learning rate"]),
    (0.01, ["larger learning rate"]),
])
def test_lesson09_spiral_lr_mistakes(lr, fragments):
    assert_failed(lesson09.check_spiral_lr(lr), *fragments)


@pytest.mark.parametrize("lr", [-0.1, 0, "0.3", float("nan"), True])
def test_lesson09_spiral_lr_bad_values(lr):
    assert_failed(lesson09.check_spiral_lr(lr), "one positive number")


@pytest.mark.parametrize("checker", [lesson09.check_smallest_circles, lesson09.check_spiral_lr])
def test_lesson09_unanswered_is_not_attempted(checker):
    assert checker(None).passed is None


# ============================================================================ all
@pytest.mark.parametrize("checker, says", [
    (lesson00.check_weighted_sum, None),  # a number whose use raises: the unfinished starter
    (lesson06.check_xor_weights, "weights should be a dict like"),
    (lesson06.check_unstuck, "settings should be a dict of XorState settings"),
    (lesson09.check_smallest_circles, "answer should be a tuple of hidden-layer widths"),
    (lesson09.check_spiral_lr, "lr should be one positive number"),
], ids=lambda v: getattr(v, "__name__", ""))
def test_an_answer_that_raises_when_used_gets_feedback_not_a_traceback(checker, says):
    class Unsolved:  # an answer whose use raises NotImplementedError, like an unfinished starter
        def __iter__(self):
            raise NotImplementedError

        def __float__(self):
            raise NotImplementedError

        def __array__(self, *args, **kwargs):
            raise NotImplementedError

    feedback = checker(Unsolved())  # never an exception
    if says is None:
        assert_not_attempted(feedback)
    else:
        assert_failed(feedback, says)  # the checker says what kind of answer it expected


def test_checkers_do_not_draw_from_the_package_generator(package_rng):
    nt.seed(123)
    expected = nt.Linear(2, 3).weight.data.copy()
    nt.seed(123)
    lesson00.check_setup()
    lesson00.check_weighted_sum(5.0)
    lesson06.check_prediction([7.5], XorState.classic(first_sample=3))
    lesson06.check_xor_weights(OR_NAND_AND)
    lesson09.check_spiral_lr(1.0)
    assert np.array_equal(nt.Linear(2, 3).weight.data, expected)


def test_lesson00_layer_for_batch_accepts_the_right_layer():
    import nnteach as nt

    feedback = lesson00.check_layer_for_batch(nt.Linear(5, 3))
    assert feedback.passed is True and "(4, 3)" in feedback.message


@pytest.mark.parametrize("sizes, fragment", [((3, 5), "swapped"), ((2, 3), "expects 2 features per sample"),
                                             ((5, 4), "has 4 neurons")])
def test_lesson00_layer_for_batch_names_the_mistake(sizes, fragment):
    import nnteach as nt

    feedback = lesson00.check_layer_for_batch(nt.Linear(*sizes))
    assert feedback.passed is False and fragment in feedback.message


def test_lesson00_layer_for_batch_not_attempted_and_wrong_type():
    assert lesson00.check_layer_for_batch(None).passed is None
    feedback = lesson00.check_layer_for_batch("Linear(5, 3)")
    assert feedback.passed is False and "expected an nt.Linear" in feedback.message


def test_lesson00_a_nearly_right_sum_is_still_wrong():
    assert_failed(lesson00.check_weighted_sum(5.01))  # w·x + b is exactly 5: a checker at rounding level
