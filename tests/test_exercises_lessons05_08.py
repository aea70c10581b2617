"""The exercise checkers of lessons 5, 7 and 8: a right answer passes, each typical wrong answer gets its
own message, and no answer (None or ``raise NotImplementedError``) is "not attempted". None raises.

Module classes defined here carry an ``L08`` prefix: nnteach finds layer classes by name when loading,
so a test class named like another test's (or a built-in) would replace it for the whole session.
"""

from __future__ import annotations

import tempfile

import numpy as np
import pytest

import nnteach as nt
from feedback_asserts import assert_failed, assert_passed, not_implemented
from nnteach.exercises import compare_arrays, lesson05, lesson07, lesson08


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ============================================================================ lesson 5
def make_backward(mistake=None):
    """The 2-2-1 sigmoid network's backward in NumPy, optionally with one typical mistake."""

    def backward(x, y, W1, b1, W2, b2):
        n = len(x)
        z1 = x @ W1.T + b1  # (N, 2)
        a1 = sigmoid(z1)
        z2 = a1 @ W2.T + b2  # (N, 1)
        a2 = sigmoid(z2)
        dL_dz2 = (a2 - y) / n if mistake != "summed" else a2 - y
        if mistake == "sign":
            dL_dz2 = -dL_dz2
        dL_dW2 = dL_dz2.T @ a1
        dL_db2 = dL_dz2.sum(axis=0)
        if mistake == "per-sample deltas":  # 1/N moved into the parameter gradients: right, but not as traced
            dL_dz2 = a2 - y
            dL_dW2, dL_db2 = dL_dz2.T @ a1 / n, dL_dz2.sum(axis=0) / n
        dL_da1 = dL_dz2 @ W2
        if mistake == "per-sample deltas":
            dL_da1 = dL_da1 / n
        dL_dz1 = {
            None: dL_da1 * a1 * (1 - a1),
            "forgot sigma'": dL_da1,
            "sigma' at a": dL_da1 * sigmoid(a1) * (1 - sigmoid(a1)),
            "z(1-z)": dL_da1 * z1 * (1 - z1),
        }.get(mistake, dL_da1 * a1 * (1 - a1))
        if mistake == "per-sample deltas":
            dL_dz1 = dL_dz1 * n
        dL_dW1 = dL_dz1.T @ x if mistake != "transposed" else x.T @ dL_dz1
        dL_db1 = dL_dz1.sum(axis=0)
        if mistake == "per-sample deltas":
            dL_dW1, dL_db1, dL_dz1 = dL_dW1 / n, dL_db1 / n, dL_dz1
        if mistake == "mean again":
            dL_dW1 = dL_dW1 / n
        return {"dL_dz2": dL_dz2, "dL_dW2": dL_dW2, "dL_db2": dL_db2, "dL_da1": dL_da1, "dL_dz1": dL_dz1,
                "dL_dW1": dL_dW1, "dL_db1": dL_db1}

    return backward


def test_lesson05_backward_right_answer_passes():
    assert_passed(lesson05.check_backward(make_backward()))


@pytest.mark.parametrize("mistake, fragments", [
    ("forgot sigma'", ["dL_dz1", "forgot σ′(z⁽¹⁾)"]),
    ("sigma' at a", ["dL_dz1", "evaluated at a instead of at z"]),
    ("z(1-z)", ["dL_dz1", "z in place of a"]),
    ("summed", ["dL_dz2", "4× too large", "sum instead of averaging"]),
    ("transposed", ["dL_dW1", "transposed"]),
    ("sign", ["dL_dz2", "sign"]),
    ("mean again", ["dL_dW1", "too small", "do not divide by N again"]),
])
def test_lesson05_backward_names_the_first_wrong_quantity_and_the_mistake(mistake, fragments):
    assert_failed(lesson05.check_backward(make_backward(mistake)), *fragments)


def test_lesson05_backward_right_parameters_but_untraced_convention_is_explained():
    feedback = lesson05.check_backward(make_backward("per-sample deltas"))
    assert_failed(feedback, "four parameter gradients are right", "dL_dz2")


def test_lesson05_backward_with_a_transposed_weight_in_the_chain_explains_the_shapes():
    def backward(x, y, W1, b1, W2, b2):
        a1 = sigmoid(x @ W1.T + b1)
        dL_dz2 = (sigmoid(a1 @ W2.T + b2) - y) / len(x)
        dL_da1 = dL_dz2 @ W2.T  # (N, 1) @ (2, 1): fails
        return {"dL_da1": dL_da1}

    assert_failed(lesson05.check_backward(backward), "ValueError", "dL_da1 = dL_dz2 @ W2")


def test_lesson05_backward_missing_keys_and_wrong_type():
    assert_failed(lesson05.check_backward(lambda *args: {"dL_dz2": 0}), "lacks", "dL_dW2")
    assert_failed(lesson05.check_backward(lambda *args: [1, 2]), "dict")


def test_lesson05_by_hand():
    r = lesson05.traced_pass(lesson05.BY_HAND_X, lesson05.BY_HAND_Y)
    right = (r["dL_dz2"][0, 0], r["dL_dW2"], r["dL_db1"])
    assert_passed(lesson05.check_by_hand(right))
    assert_passed(lesson05.check_by_hand((round(float(right[0]), 5), np.round(right[1], 6), right[2])))
    assert_failed(lesson05.check_by_hand((r["dL_da2"][0, 0], *right[1:])), "∂L/∂ŷ")
    assert_failed(lesson05.check_by_hand((right[0], right[1].T, right[2])), "transposed")
    assert_failed(lesson05.check_by_hand((right[0], r["dL_dz2"] @ lesson05.BY_HAND_X, right[2])), "multiplied by x")
    assert_failed(lesson05.check_by_hand((*right[:2], r["dL_da1"][0])), "forgot σ′")
    assert_failed(lesson05.check_by_hand((1, 2)), "three values")


@pytest.mark.parametrize("answer", [
    (0.014, [[0.014, 0.013]], [0.000, -0.010]),   # typed in to 3 decimals
    (0.0141, [[0.0141, 0.0130]], [0.0001, -0.0099]),  # to 4 decimals: ∂L/∂b⁽¹⁾₁ = 0.0000779 is off
])
def test_lesson05_by_hand_rounded_answer_is_told_to_pass_unrounded_values(answer):
    feedback = lesson05.check_by_hand(answer)
    assert_failed(feedback, "within rounding", "not rounded by hand")
    assert "constant factor" not in feedback.message


def test_lesson05_by_hand_rounding_does_not_hide_a_real_mistake():
    r = lesson05.traced_pass(lesson05.BY_HAND_X, lesson05.BY_HAND_Y)
    negated_db1 = (r["dL_dz2"][0, 0], r["dL_dW2"], -r["dL_db1"])
    feedback = lesson05.check_by_hand(negated_db1)
    assert_failed(feedback, "dL_db1", "wrong sign")
    assert "rounding" not in feedback.message
    two_decimals = lesson05.check_by_hand((0.01, [[0.01, 0.01]], [0.0, -0.01]))  # 29% off: not rounding
    assert_failed(two_decimals, "dL_dz2")
    assert "rounding" not in two_decimals.message


def numerical_gradient(f, W, h=1e-5, mistake=None):
    grad = np.zeros_like(W)
    target = W.copy() if mistake == "copy" else W
    for i in np.ndindex(W.shape):
        old = target[i]
        target[i] = old + h
        plus = f()
        target[i] = old - h if mistake != "one-sided" else old
        minus = f()
        if mistake != "not restored":
            target[i] = old
        grad[i] = (plus - minus) / (h if mistake in ("h", "one-sided") else 2 * h)
    return grad


@pytest.mark.parametrize("mistake, fragments", [
    ("copy", ["all zeros", "copy"]),
    ("one-sided", ["one-sided"]),
    ("h", ["twice too large", "2h"]),
    ("not restored", ["was changed", "put each entry back"]),
])
def test_lesson05_numerical_gradient_mistakes(mistake, fragments):
    assert_failed(lesson05.check_numerical_gradient(
        lambda f, W, h: numerical_gradient(f, W, h, mistake)), *fragments)


def test_lesson05_numerical_gradient_right_answer_passes():
    assert_passed(lesson05.check_numerical_gradient(numerical_gradient))


def test_lesson05_unanswered_is_not_attempted():
    assert lesson05.check_by_hand(None).passed is None
    for checker in (lesson05.check_backward, lesson05.check_numerical_gradient):
        assert checker(None).passed is None
        assert checker(not_implemented).passed is None


# ============================================================================ lesson 7
def test_lesson07_adam_first_step():
    assert_passed(lesson07.check_adam_first_step(-0.01 * np.sign(lesson07.ADAM_GRAD)))
    assert_passed(lesson07.check_adam_first_step(lesson07.adam_first_step()))
    g = lesson07.ADAM_GRAD
    assert_failed(lesson07.check_adam_first_step(-0.01 * g), "plain gradient descent")
    m, v = 0.1 * g, 0.001 * g * g
    assert_failed(lesson07.check_adam_first_step(-0.01 * m / (np.sqrt(v) + 1e-8)), "bias correction")
    assert_failed(lesson07.check_adam_first_step(-0.01 * g / (g * g)), "square root")
    assert_failed(lesson07.check_adam_first_step(0.01 * np.sign(g)), "sign")
    assert_failed(lesson07.check_adam_first_step([1, 2]), "3 numbers")
    assert lesson07.check_adam_first_step(None).passed is None


def test_a_flipped_update_still_mentions_that_gradient_descent_subtracts():
    # derivatives get a plain "check a minus sign"; an update (Δθ) also gets the reason
    g = lesson07.ADAM_GRAD
    assert "gradient descent subtracts" not in compare_arrays("∂L/∂z", -g, g)
    assert "gradient descent subtracts" in compare_arrays("your Δθ", -g, g, update=True)


def momentum_step(w, grad, velocity, lr, momentum, mistake=None):
    if mistake == "no momentum":
        return w - lr * grad, velocity
    if mistake == "ema":
        velocity = momentum * velocity + (1 - momentum) * grad
        return w - lr * velocity, velocity
    if mistake == "old velocity":
        w = w - lr * velocity
        return w, momentum * velocity + grad
    if mistake == "sign":
        velocity = momentum * velocity + grad
        return w + lr * velocity, velocity
    if mistake == "classic":  # Sutskever's form: the same weights as PyTorch's for a constant lr
        velocity = momentum * velocity - lr * grad
        return w + velocity, velocity
    velocity = momentum * velocity + grad
    return w - lr * velocity, velocity


def test_lesson07_momentum_right_answers_pass():
    assert_passed(lesson07.check_momentum(momentum_step))
    assert_passed(lesson07.check_momentum(lambda *a: momentum_step(*a, mistake="classic")))


@pytest.mark.parametrize("mistake, fragments", [
    ("no momentum", ["step 1 was right", "at step 2", "not carried"]),
    ("ema", ["at step 1", "(1 − μ)", "v ← μv + g"]),
    ("old velocity", ["at step 1", "did not move", "Update the velocity first"]),
    ("sign", ["wrong way"]),
])
def test_lesson07_momentum_mistakes(mistake, fragments):
    assert_failed(lesson07.check_momentum(lambda *a: momentum_step(*a, mistake=mistake)), *fragments)


def test_lesson07_momentum_bad_return_and_unanswered():
    assert_failed(lesson07.check_momentum(lambda w, g, v, lr, mu: w - lr * g), "(new_w, new_velocity)")
    assert lesson07.check_momentum(None).passed is None
    assert lesson07.check_momentum(not_implemented).passed is None


def make_train(mistake=None, weighted=True):
    def train(model, loss_fn, optimizer, X, y, epochs, batch_size):
        n = len(X)
        if mistake == "full batch":
            batch_size = n
        losses = []
        for _ in range(epochs + (1 if mistake == "extra epoch" else 0)):
            total, batch_losses = 0.0, []
            stop = n - n % batch_size if mistake == "drop last" else n
            for start in range(0, stop, batch_size):
                xb, yb = X[start:start + batch_size], y[start:start + batch_size]
                if mistake != "no zero_grad":
                    optimizer.zero_grad()
                loss = loss_fn(model(xb), yb)
                if mistake == "zero_grad late":
                    optimizer.zero_grad()
                model.backward(loss_fn.backward())
                if mistake == "zero_grad late":
                    optimizer.zero_grad()
                optimizer.step()
                total += loss * len(xb)
                batch_losses.append(loss)
            losses.append(total / n if weighted else float(np.mean(batch_losses)))
        return None if mistake == "no return" else losses

    return train


def test_lesson07_training_loop_right_answer_passes():
    assert_passed(lesson07.check_training_loop(make_train()))


def test_lesson07_training_loop_plain_mean_of_batch_losses_fails():
    # the exercise asks for each batch's loss weighted by its size: 50 = 3·16 + 2, the last batch counts less
    feedback = lesson07.check_training_loop(make_train(weighted=False))
    assert_failed(feedback, "your weights are right", "plain mean of the batch losses", "last batch is smaller",
                  "50 = 3·16 + 2", "its number of samples")


@pytest.mark.parametrize("mistake, fragments", [
    ("no zero_grad", ["piled up", "zero_grad"]),
    ("zero_grad late", ["never changed"]),
    ("drop last", ["last, smaller batch"]),
    ("extra epoch", ["one epoch too many"]),
    ("full batch", ["whole data set as one batch"]),
    ("no return", ["returned None"]),
])
def test_lesson07_training_loop_mistakes(mistake, fragments):
    assert_failed(lesson07.check_training_loop(make_train(mistake)), *fragments)


def test_lesson07_training_loop_shuffled_gets_the_generic_message():
    def train(model, loss_fn, optimizer, X, y, epochs, batch_size):
        order = np.random.default_rng(0).permutation(len(X))
        return make_train()(model, loss_fn, optimizer, X[order], y[order], epochs, batch_size)

    assert_failed(lesson07.check_training_loop(train), "differ from Trainer", "without shuffling")


def test_lesson07_training_loop_unanswered():
    assert lesson07.check_training_loop(None).passed is None
    assert lesson07.check_training_loop(not_implemented).passed is None


# ============================================================================ lesson 8
def make_square(mistake=None):
    class L08TestSquare(nt.Module):
        def forward(self, x):
            self._x = x
            return x * x

        def backward(self, grad_output):
            x = self._x
            return {None: 2 * x * grad_output, "unchanged": grad_output, "output": x * x * grad_output,
                    "no chain": 2 * x, "half": x * grad_output, "none": None}[mistake]

    return L08TestSquare


def test_lesson08_square():
    assert_passed(lesson08.check_square(make_square()))
    assert_failed(lesson08.check_square(make_square("unchanged")), "grad_output unchanged")
    assert_failed(lesson08.check_square(make_square("output")), "a = x²")
    assert_failed(lesson08.check_square(make_square("no chain")), "forgot grad_output")
    assert_failed(lesson08.check_square(make_square("half")), "2x, not x")
    assert_failed(lesson08.check_square(make_square("none")), "returned None")
    assert_failed(lesson08.check_square(make_square()()), "class itself")


def make_scale(mistake=None):
    class L08TestScale(nt.Module):
        def __init__(self, features):
            super().__init__()
            self.features = features
            self.scale = nt.Parameter(np.ones(features))

        def forward(self, x):
            self._x = x
            return x * self.scale.data

        def backward(self, grad_output):
            x = self._x
            share = grad_output * x  # (N, features): each sample's dL/ds
            if mistake == "mean":
                self.scale.grad += share.mean(axis=0)
            elif mistake == "assign":
                self.scale.grad[...] = share.sum(axis=0)
            elif mistake != "no grad":
                self.scale.grad += share.sum(axis=0)
            if mistake == "unchanged":
                return grad_output
            if mistake == "swapped":
                return grad_output * x
            return grad_output * self.scale.data

    return L08TestScale


def test_lesson08_scale():
    assert_passed(lesson08.check_scale(make_scale()))
    assert_failed(lesson08.check_scale(make_scale("mean")), "5× too small", "sums")
    assert_failed(lesson08.check_scale(make_scale("assign")), "+=")
    assert_failed(lesson08.check_scale(make_scale("no grad")), "still zero")
    assert_failed(lesson08.check_scale(make_scale("unchanged")), "multiply by the scale")
    assert_failed(lesson08.check_scale(make_scale("swapped")), "dL/dx = dL/da · s")


def test_lesson08_scale_without_a_parameter():
    class L08NoParam(nt.Module):
        def __init__(self, features):
            super().__init__()
            self.scale = np.ones(features)

    assert_failed(lesson08.check_scale(L08NoParam), "one nt.Parameter")


def test_lesson08_saveable():
    Scale = make_scale()

    class L08GoodSaveableScale(Scale):
        def get_config(self):
            return {"features": self.features}

    class L08NoConfigScale(Scale):
        pass

    class L08NumpyConfigScale(Scale):
        def get_config(self):
            return {"features": np.int64(self.features), "scale": self.scale.data}

    assert_passed(lesson08.check_saveable(L08GoodSaveableScale))
    assert_failed(lesson08.check_saveable(L08NoConfigScale), "could not rebuild", "get_config() is {}", "__init__")
    assert_failed(lesson08.check_saveable(L08NumpyConfigScale), "JSON cannot store")


def test_lesson08_feedback_never_shows_the_temporary_folder():
    class L08NoConfigScale2(make_scale()):
        pass

    feedback = lesson08.check_saveable(L08NoConfigScale2)
    assert feedback.passed is False
    assert tempfile.gettempdir() not in feedback.message


@pytest.mark.parametrize("checker", [lesson08.check_square, lesson08.check_scale, lesson08.check_saveable])
def test_lesson08_unanswered_is_not_attempted(checker):
    class L08Unsolved(nt.Module):
        def __init__(self, features=3):
            super().__init__()
            self.features = features
            self.scale = nt.Parameter(np.ones(features))

        def forward(self, x):
            raise NotImplementedError

        def backward(self, grad_output):
            raise NotImplementedError

        def get_config(self):
            raise NotImplementedError

    assert checker(None).passed is None
    assert checker(L08Unsolved).passed is None


def test_checkers_do_not_draw_from_the_package_generator():
    nt.seed(123)
    expected = nt.Linear(2, 3).weight.data.copy()
    nt.seed(123)
    lesson05.check_backward(make_backward())
    lesson07.check_training_loop(make_train())
    lesson07.check_momentum(momentum_step)
    lesson08.check_scale(make_scale())
    assert np.array_equal(nt.Linear(2, 3).weight.data, expected)


def test_lesson07_a_nearly_right_adam_step_is_still_wrong():
    # Adam's first step is exactly η·sign(g): 1% more on every parameter is a different optimizer
    assert_failed(lesson07.check_adam_first_step(-0.0101 * np.sign(lesson07.ADAM_GRAD)))
