"""The exercise checkers of lessons 01-04: a right answer passes, each typical mistake gets its own
message, and an unsolved exercise (None, or a function raising NotImplementedError) is "not attempted"."""

from __future__ import annotations

import numpy as np
import pytest

from feedback_asserts import assert_failed, assert_passed, not_implemented
from nnteach.exercises import lesson01, lesson02, lesson03, lesson04


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# checkers of "write a function" exercises, and of "give a value" exercises
FUNCTION_CHECKERS = [
    lesson01.check_neuron, lesson01.check_decision_line,
    lesson02.check_linear_forward, lesson02.check_linear_backward,
    lesson03.check_sigmoid_prime, lesson03.check_softmax, lesson03.check_dead_units,
    lesson04.check_bce, lesson04.check_bce_sigmoid_grad, lesson04.check_bce_with_logits,
    lesson04.check_cross_entropy,
]
VALUE_CHECKERS = [lesson01.check_nand, lesson02.check_layer_shapes, lesson02.check_lr_conversion]


def _name(checker):
    return f"{checker.__module__.rsplit('.', 1)[-1]}.{checker.__name__}"


@pytest.mark.parametrize("checker", FUNCTION_CHECKERS + VALUE_CHECKERS, ids=_name)
def test_no_answer_is_not_attempted(checker):
    feedback = checker(None)
    assert feedback.passed is None
    assert feedback.text.startswith("…") and "not attempted" in feedback.message


@pytest.mark.parametrize("checker", FUNCTION_CHECKERS, ids=_name)
def test_function_raising_not_implemented_is_not_attempted(checker):
    feedback = checker(not_implemented)
    assert feedback.passed is None
    assert "not attempted" in feedback.message


@pytest.mark.parametrize("checker", FUNCTION_CHECKERS, ids=_name)
def test_crashing_function_is_reported_not_raised(checker):
    def crash(*args):
        raise KeyError("oops")

    feedback = checker(crash)
    assert feedback.passed is False
    assert "KeyError" in feedback.message


@pytest.mark.parametrize("checker", VALUE_CHECKERS, ids=_name)
def test_value_of_the_wrong_kind_is_reported_not_raised(checker):
    feedback = checker(object())
    assert feedback.passed is False
    assert "should be" in feedback.message


# --------------------------------------------------------------------------- lesson 01
def test_neuron_right_answer_passes():
    assert_passed(lesson01.check_neuron(lambda X, w, b: _sigmoid(X @ w + b)))


@pytest.mark.parametrize("answer, fragment", [
    (lambda X, w, b: X @ w + b, "you returned z"),
    (lambda X, w, b: _sigmoid(X @ w), "bias is missing"),
    (lambda X, w, b: 1 / (1 + np.exp(X @ w + b)), "the exponent is −z"),
    (lambda X, w, b: X @ w, "you returned X @ w"),
    (lambda X, w, b: _sigmoid(X @ w.reshape(-1, 1) + b), "shape is (N, 1)"),
    (lambda X, w, b: _sigmoid(X @ w + b) + 0.1, "differs from the reference"),
])
def test_neuron_mistakes_get_specific_feedback(answer, fragment):
    assert_failed(lesson01.check_neuron(answer), fragment)


def test_nand_right_answer_passes():
    assert_passed(lesson01.check_nand(([-20.0, -20.0], 30.0)))


@pytest.mark.parametrize("answer, fragments", [
    (([20.0, 20.0], -30.0), ("computes AND", "flip the signs")),
    (([20.0, 20.0], -10.0), ("computes OR",)),
    (([-2.0, -2.0], 3.0), ("not confidently", "multiply w and b by 10")),
    (([-20.0, -20.0], 10.0), ("computes NOR",)),
    (([20.0, -20.0], 10.0), ("for input (0, 1)", "NAND(0, 1) = 1")),
    (([1.0, 2.0, 3.0], 1.0), ("2 weights",)),
    ((1.0,), ("pair (w, b)",)),
])
def test_nand_mistakes_get_specific_feedback(answer, fragments):
    assert_failed(lesson01.check_nand(answer), *fragments)


def test_decision_line_right_answer_passes():
    assert_passed(lesson01.check_decision_line(lambda w, b: (-w[0] / w[1], -b / w[1])))


@pytest.mark.parametrize("answer, fragment", [
    (lambda w, b: (w[0] / w[1], -b / w[1]), "slope has the wrong sign"),
    (lambda w, b: (-w[1] / w[0], -b / w[1]), "slope is upside down"),
    (lambda w, b: (-w[0] / w[1], b / w[1]), "intercept has the wrong sign"),
    (lambda w, b: (-w[0] / w[1], -b / w[0]), "intercept divides by w1"),
    (lambda w, b: (-w[0] / w[1], b), "intercept should be −b/w2"),
    (lambda w, b: (1.0, 2.0), "z is not 0 on that line"),
    (lambda w, b: 3.0, "two numbers (m, c)"),
])
def test_decision_line_mistakes_get_specific_feedback(answer, fragment):
    assert_failed(lesson01.check_decision_line(answer), fragment)


# --------------------------------------------------------------------------- lesson 02
def test_linear_forward_right_answer_passes():
    assert_passed(lesson02.check_linear_forward(lambda x, W, b: x @ W.T + b))


@pytest.mark.parametrize("answer, fragment", [
    (lambda x, W, b: x @ W + b, "you computed x @ W + b"),
    (lambda x, W, b: x @ W.T, "bias is missing"),
    (lambda x, W, b: W @ x.T + b[:, None], "column-vector form"),
    (lambda x, W, b: x @ W.T.reshape(x.shape[1], x.shape[1]) + b, "right for a square layer, but"),
    (lambda x, W, b: x @ W.T - b, "differs from the reference"),
    # right only when in == out (contrived, but it exercises the second, non-square test layer)
    (lambda x, W, b: x @ W.T + (b if W.shape[0] == W.shape[1] else 0.0), "right for a square layer but not"),
])
def test_linear_forward_mistakes_get_specific_feedback(answer, fragment):
    assert_failed(lesson02.check_linear_forward(answer), fragment)


def _backward(dL_dz, x, W):
    return dL_dz @ W, dL_dz.T @ x, dL_dz.sum(axis=0)


def test_linear_backward_right_answer_passes():
    assert_passed(lesson02.check_linear_backward(_backward))


@pytest.mark.parametrize("answer, fragment", [
    (lambda g, x, W: (g @ W, x.T @ g, g.sum(axis=0)), "dL_dW is transposed"),
    (lambda g, x, W: (g @ W, g.T @ x / len(x), g.sum(axis=0)), "dL_dW is 5× too small"),
    (lambda g, x, W: (g @ W, g.T @ x * len(x), g.sum(axis=0)), "dL_dW is 5× too large"),
    (lambda g, x, W: (g @ W, g.T @ x, g), "dL_db has shape (N, out)"),
    (lambda g, x, W: (g @ W, g.T @ x, g.mean(axis=0)), "dL_db is 5× too small"),
    (lambda g, x, W: (g @ W, g.T @ x, g.sum(axis=1)), "dL_db sums over the wrong axis"),
    (lambda g, x, W: (g @ W.T, g.T @ x, g.sum(axis=0)), "raised ValueError"),
    (lambda g, x, W: (g @ W.T if W.shape[0] == W.shape[1] else g @ W, g.T @ x, g.sum(axis=0)), "dL_dx uses W.T"),
    (lambda g, x, W: (g.T @ x, g.sum(axis=0), g @ W), "wrong order"),
    (lambda g, x, W: (g @ W, g.T @ x), "three arrays"),
    (lambda g, x, W: (-(g @ W), g.T @ x, g.sum(axis=0)), "wrong sign"),
])
def test_linear_backward_mistakes_get_specific_feedback(answer, fragment):
    assert_failed(lesson02.check_linear_backward(answer), fragment)


def test_negated_derivatives_are_not_blamed_on_gradient_descent():
    # a derivative's sign has nothing to do with the update rule: the hint names a minus sign only
    for feedback in (lesson02.check_linear_backward(lambda g, x, W: (-(g @ W), g.T @ x, g.sum(axis=0))),
                     lesson03.check_sigmoid_prime(lambda z: -_sigmoid(z) * (1 - _sigmoid(z)))):
        assert_failed(feedback, "wrong sign", "check a minus sign")
        assert "gradient descent" not in feedback.message


SHAPES = {"W": (128, 784), "b": (128,), "z": (32, 128), "dL_dW": (128, 784), "dL_dx": (32, 784), "params": 100480}


def test_layer_shapes_right_answer_passes():
    assert_passed(lesson02.check_layer_shapes(dict(SHAPES)))
    assert_passed(lesson02.check_layer_shapes({**SHAPES, "b": 128, "W": [128, 784]}))


@pytest.mark.parametrize("change, fragment", [
    ({"W": (784, 128)}, "W'] = (784, 128) is transposed"),
    ({"dL_dW": (784, 128)}, "shape of its parameter"),
    ({"z": (128, 32)}, "samples are rows"),
    ({"dL_dx": (32, 128)}, "shape of the input batch"),
    ({"b": (32,)}, "One bias per neuron"),
    ({"params": 784 * 128}, "add the 128 biases"),
    ({"params": 32 * (784 * 128 + 128)}, "should not depend on the batch size"),
    ({"params": 12}, "count the weights"),
    ({"z": None}, "still None"),
])
def test_layer_shapes_mistakes_get_specific_feedback(change, fragment):
    assert_failed(lesson02.check_layer_shapes({**SHAPES, **change}), fragment)


def test_layer_shapes_starter_dict_is_not_attempted():
    feedback = lesson02.check_layer_shapes({key: None for key in SHAPES})
    assert feedback.passed is None and "not attempted" in feedback.message


def test_layer_shapes_missing_key_is_named():
    answer = dict(SHAPES)
    del answer["dL_dx"]
    assert_failed(lesson02.check_layer_shapes(answer), "missing the key(s) ['dL_dx']")
    assert_failed(lesson02.check_layer_shapes([1, 2]), "should be a dict")


def test_lr_conversion_right_answer_passes():
    assert_passed(lesson02.check_lr_conversion(0.025))


@pytest.mark.parametrize("answer, fragment", [
    (0.05, "Halve your answer"),
    (0.1, "the other way"),
    (0.001, "25× smaller step"),
    (0.001 / 50, "must grow to compensate"),
    (0.001 / 25, "in the wrong direction"),
    (0.0005, "not for the sum over 50 samples"),
    (0.002, "not for the sum over 50 samples"),
    (0.3, "Compare the gradients"),
    ("fast", "should be a number"),
])
def test_lr_conversion_mistakes_get_specific_feedback(answer, fragment):
    assert_failed(lesson02.check_lr_conversion(answer), fragment)


# --------------------------------------------------------------------------- lesson 03
def test_sigmoid_prime_right_answer_passes():
    assert_passed(lesson03.check_sigmoid_prime(lambda z: _sigmoid(z) * (1 - _sigmoid(z))))
    assert_passed(lesson03.check_sigmoid_prime(lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2))


@pytest.mark.parametrize("answer, fragment", [
    (_sigmoid, "returned σ(z) itself"),
    (lambda z: z * (1 - z), "applied a(1 − a) to z"),
    (lambda z: 1 - _sigmoid(z) ** 2, "pattern of tanh′"),
    (lambda z: _sigmoid(z) * (1 + _sigmoid(z)), "sign error"),
    (lambda z: -_sigmoid(z) * (1 - _sigmoid(z)), "wrong sign"),
    (lambda z: 2 * _sigmoid(z) * (1 - _sigmoid(z)), "twice too large"),
])
def test_sigmoid_prime_mistakes_get_specific_feedback(answer, fragment):
    assert_failed(lesson03.check_sigmoid_prime(answer), fragment)


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_softmax_right_answer_passes():
    assert_passed(lesson03.check_softmax(_softmax))


@pytest.mark.parametrize("answer, fragment", [
    (lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True), "NaN/inf for logits like 1000"),
    (lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(axis=1, keepdims=True), "max of the whole batch"),
    (lambda z: np.exp(z) / np.exp(z).sum(axis=0), "columns sum to 1"),
    (lambda z: np.exp(z) / np.exp(z).sum(), "whole batch"),
    (np.exp, "you returned exp(z)"),
    (lambda z: _softmax(z).T, "transposed"),
])
def test_softmax_mistakes_get_specific_feedback(answer, fragment):
    assert_failed(lesson03.check_softmax(answer), fragment)


def test_softmax_checker_is_silent_about_overflow(recwarn):
    lesson03.check_softmax(lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True))
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_dead_units_right_answer_passes():
    assert_passed(lesson03.check_dead_units(lambda z: (z <= 0).all(axis=0)))
    assert_passed(lesson03.check_dead_units(lambda z: ~(z > 0).any(axis=0)))


@pytest.mark.parametrize("answer, fragment", [
    (lambda z: (z <= 0).any(axis=0), "at least one sample"),
    (lambda z: (z < 0).all(axis=0), "Use z <= 0, not z < 0"),
    (lambda z: (z > 0).any(axis=0), "inverted"),
    (lambda z: (z <= 0).all(axis=1), "one entry per sample"),
    (lambda z: int((z <= 0).all(axis=0).sum()), "not the count"),
    (lambda z: (z <= 0).all(axis=0).astype(float) * 2, "True/False"),
    (lambda z: np.zeros(z.shape[1], dtype=bool), "classified wrongly"),
    (lambda z: z <= 0, "shape (5,)"),
])
def test_dead_units_mistakes_get_specific_feedback(answer, fragment):
    assert_failed(lesson03.check_dead_units(answer), fragment)


# --------------------------------------------------------------------------- lesson 04
def _bce(p, y):
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def test_bce_right_answer_passes():
    assert_passed(lesson04.check_bce(_bce))


@pytest.mark.parametrize("answer, fragment", [
    (lambda p, y: -_bce(p, y), "sign is wrong"),
    (lambda p, y: _bce(p, y) * len(p), "summed over the 6 samples"),
    (lambda p, y: -np.mean(y * np.log(p)), "(1 − y)·log(1 − p) term is missing"),
    (lambda p, y: -np.mean((1 - y) * np.log(1 - p)), "y·log p term is missing"),
    (lambda p, y: -np.mean(y * np.log10(p) + (1 - y) * np.log10(1 - p)), "log base 10"),
    (lambda p, y: -np.mean(y * np.log(1 - p) + (1 - y) * np.log(p)), "swapped"),
    (lambda p, y: -np.mean(p * np.log(y) + (1 - p) * np.log(1 - y)), "log of y"),
    (lambda p, y: -(y * np.log(p) + (1 - y) * np.log(1 - p)), "take its mean"),
    (lambda p, y: 0.5, "expected"),
])
def test_bce_mistakes_get_specific_feedback(answer, fragment):
    assert_failed(lesson04.check_bce(answer), fragment)


def test_bce_sigmoid_grad_right_answer_passes():
    assert_passed(lesson04.check_bce_sigmoid_grad(lambda z, y: (_sigmoid(z) - y) / len(z)))


@pytest.mark.parametrize("answer, fragment", [
    (lambda z, y: _sigmoid(z) - y, "6× too large"),
    (lambda z, y: (z - y) / len(z), "used z in place of ŷ"),
    (lambda z, y: z - y, "1/N of the mean is missing"),
    (lambda z, y: (_sigmoid(z) - y) / (_sigmoid(z) * (1 - _sigmoid(z)) * len(z)), "this is ∂L/∂ŷ"),
    (lambda z, y: (_sigmoid(z) - y) * _sigmoid(z) * (1 - _sigmoid(z)) / len(z), "Drop it"),
    (lambda z, y: (y - _sigmoid(z)) / len(z), "wrong sign"),
])
def test_bce_sigmoid_grad_mistakes_get_specific_feedback(answer, fragment):
    assert_failed(lesson04.check_bce_sigmoid_grad(answer), fragment)


def _stable_bce_with_logits(z, y):
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def test_bce_with_logits_right_answer_passes():
    assert_passed(lesson04.check_bce_with_logits(_stable_bce_with_logits))
    assert_passed(lesson04.check_bce_with_logits(lambda z, y: float(np.mean(np.logaddexp(0, z) - z * y))))


@pytest.mark.parametrize("answer, fragment", [
    (lambda z, y: _bce(_sigmoid(z), y), "inf/NaN for z = ±1000"),
    (lambda z, y: float(np.mean(np.log(1 + np.exp(z)) - z * y)), "inf/NaN for z = ±1000"),
    (lambda z, y: lesson04.BCELoss()(lesson04.F.sigmoid(z), y), "clamped at −100"),
    (lambda z, y: float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))) * len(z), "summed"),
    (lambda z, y: -_stable_bce_with_logits(z, y), "sign is wrong"),
    (lambda z, y: _stable_bce_with_logits(np.clip(z, -30, 30), y), "each sample should pay |z|"),
    (lambda z, y: 1.0, "wrong already for ordinary logits"),
])
def test_bce_with_logits_mistakes_get_specific_feedback(answer, fragment):
    assert_failed(lesson04.check_bce_with_logits(answer), fragment)


def _log_softmax(z):
    s = z - z.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


def test_cross_entropy_right_answer_passes():
    assert_passed(lesson04.check_cross_entropy(lambda z, t: -np.mean(_log_softmax(z)[np.arange(len(t)), t])))


def _batch_max_log_softmax(z):  # was accepted: no row of the stability batch lay far below the batch's max
    s = z - z.max()
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


def _naive_log_softmax(z):
    return np.log(np.exp(z) / np.exp(z).sum(axis=1, keepdims=True))


@pytest.mark.parametrize("answer, fragment", [
    (lambda z, t: -np.mean(_naive_log_softmax(z)[np.arange(len(t)), t]), "inf/NaN for logits like 1000"),
    (lambda z, t: -np.mean(_batch_max_log_softmax(z)[np.arange(len(t)), t]), "you subtracted the max of the whole batch"),
    (lambda z, t: np.mean(_log_softmax(z)[np.arange(len(t)), t]), "sign is wrong"),
    (lambda z, t: -np.sum(_log_softmax(z)[np.arange(len(t)), t]), "summed over the 5 samples"),
    (lambda z, t: -np.mean(np.eye(z.shape[1])[t] * _log_softmax(z)), "divides by N·C"),
    (lambda z, t: -np.mean(np.exp(_log_softmax(z))[np.arange(len(t)), t]), "take their log"),
    (lambda z, t: -np.mean(np.log(np.exp(z) / np.exp(z).sum(axis=0))[np.arange(len(t)), t]), "axis=0"),
    (lambda z, t: -np.mean(_log_softmax(z).mean(axis=1)), "true class t_n only"),
    (lambda z, t: -np.mean(z[np.arange(len(t)), t]), "raw logit"),
    (lambda z, t: -np.mean(_log_softmax(z)[np.arange(len(t)), t]) + 1, "expected"),
    (lambda z, t: -np.mean(np.log(np.maximum(np.exp(_log_softmax(z)), 1e-12))[np.arange(len(t)), t]), "instead of"),
])
def test_cross_entropy_mistakes_get_specific_feedback(answer, fragment):
    assert_failed(lesson04.check_cross_entropy(answer), fragment)


# --------------------------------------------------------------------------- near misses
@pytest.mark.parametrize("check, near_miss", [
    (lambda: lesson02.check_lr_conversion(0.026), "a learning rate 4% off"),
    (lambda: lesson02.check_linear_forward(lambda x, W, b: x @ W.T + b + 0.01), "every z off by 0.01"),
    (lambda: lesson03.check_softmax(lambda z: _softmax(z) * 1.001), "probabilities 0.1% too large"),
    (lambda: lesson03.check_sigmoid_prime(lambda z: 1.001 * _sigmoid(z) * (1 - _sigmoid(z))), "σ′ 0.1% too large"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_an_answer_that_is_nearly_right_is_still_wrong(check, near_miss):
    # The right answers pass and the typical mistakes are named (above); an answer a little off is a
    # mistake too, so a checker's tolerance stays at rounding level.
    assert_failed(check())


# --------------------------------------------------------------------------- answers of the wrong kind
FUNCTION_CHECKERS = [
    (lesson01.check_neuron, "neuron"), (lesson01.check_decision_line, "decision_line"),
    (lesson02.check_linear_forward, "linear_forward"), (lesson02.check_linear_backward, "linear_backward"),
    (lesson03.check_sigmoid_prime, "sigmoid_prime"), (lesson03.check_softmax, "softmax"),
    (lesson03.check_dead_units, "dead_units"), (lesson04.check_bce, "bce"),
    (lesson04.check_bce_sigmoid_grad, "bce_sigmoid_grad"), (lesson04.check_bce_with_logits, "bce_with_logits"),
    (lesson04.check_cross_entropy, "cross_entropy"),
]


@pytest.mark.parametrize("checker, name", FUNCTION_CHECKERS, ids=[n for _, n in FUNCTION_CHECKERS])
def test_a_value_instead_of_the_function_is_named_as_such(checker, name):
    # sigmoid_prime(z) passed instead of sigmoid_prime: the checker says what it wanted, not "your code raised"
    assert_failed(checker(np.ones((4, 3))), f"expected your function {name}, got ndarray",
                  f"pass the function itself, {name}")


@pytest.mark.parametrize("checker, name", FUNCTION_CHECKERS, ids=[n for _, n in FUNCTION_CHECKERS])
def test_a_function_without_return_is_told_to_return(checker, name):
    def forgot_return(*args):
        0.5 * len(args)  # computed, never returned
    assert_failed(checker(forgot_return), f"{name} returned None: end it with `return ...`")


@pytest.mark.parametrize("checker, name", [c for c in FUNCTION_CHECKERS if c[1] not in ("linear_backward", "decision_line",
                                                                                   "dead_units", "neuron")],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_function_returning_text_is_not_blamed_for_crashing(checker, name):
    feedback = checker(lambda *args: "todo")
    assert_failed(feedback)
    assert "your code raised" not in feedback.message  # the checker read the answer; nothing crashed
    assert "todo" in feedback.message or "got str" in feedback.message  # and it says what came back
