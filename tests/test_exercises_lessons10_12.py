"""The exercise checkers of lessons 10, 11 and 12: a right answer passes, each typical wrong answer gets its
own message, and no answer (None or ``raise NotImplementedError``) is "not attempted". None raises."""

from __future__ import annotations

import numpy as np
import pytest

import nnteach as nt
from feedback_asserts import assert_failed, assert_not_attempted, assert_passed, not_implemented
from nnteach.exercises import lesson10, lesson11, lesson12
from nnteach.module import MODULE_REGISTRY


# ============================================================================ lesson 10
def scaled(fit_on, *parts, ddof=0):
    mean, std = fit_on.mean(axis=0), fit_on.std(axis=0, ddof=ddof)
    return tuple((p - mean) / std for p in parts)


STANDARDIZE_MISTAKES = {
    "whole set": (lambda a, b: scaled(np.vstack([a, b]), a, b), ["whole data set", "leaked"]),
    "test set": (lambda a, b: scaled(b, a, b), ["from the test part"]),
    "each with its own": (lambda a, b: (scaled(a, a)[0], scaled(b, b)[0]), ["test part with its own mean"]),
    "only centred": (lambda a, b: (a - a.mean(axis=0), b - a.mean(axis=0)), ["did not divide"]),
    "only divided": (lambda a, b: (a / a.std(axis=0), b / a.std(axis=0)), ["did not subtract the mean"]),
    "one mean for all columns": (lambda a, b: ((a - a.mean()) / a.std(), (b - a.mean()) / a.std()),
                                 ["one mean and one standard deviation for all the columns"]),
    "multiplied": (lambda a, b: ((a - a.mean(axis=0)) * a.std(axis=0), (b - a.mean(axis=0)) * a.std(axis=0)),
                   ["multiplied by the standard deviation"]),
    "one array": (lambda a, b: scaled(a, a)[0], ["two arrays"]),
}


def test_lesson10_standardize_right_answer_passes():
    assert_passed(lesson10.check_standardize(lambda a, b: scaled(a, a, b)))


def test_lesson10_standardize_sample_std_is_accepted_with_a_note():
    feedback = lesson10.check_standardize(lambda a, b: scaled(a, a, b, ddof=1))
    assert_passed(feedback)
    assert "ddof=1" in feedback.message


def test_lesson10_standardize_matches_the_standardizer():
    X_train, X_test = lesson10._standardize_data()
    scaler = nt.data.Standardizer().fit(X_train)
    assert_passed(lesson10.check_standardize(lambda a, b: (scaler.transform(a), scaler.transform(b))))


@pytest.mark.parametrize("mistake", STANDARDIZE_MISTAKES, ids=str)
def test_lesson10_standardize_names_each_mistake(mistake):
    answer, fragments = STANDARDIZE_MISTAKES[mistake]
    assert_failed(lesson10.check_standardize(answer), *fragments)


def test_lesson10_standardize_not_attempted():
    assert_not_attempted(lesson10.check_standardize(None))
    assert_not_attempted(lesson10.check_standardize(not_implemented))


def rmse_right(y_pred, y_true):
    return float(np.sqrt(np.mean((np.reshape(y_pred, -1) - np.reshape(y_true, -1)) ** 2)))


RMSE_MISTAKES = {
    "MSE": (lambda p, t: float(np.mean((np.reshape(p, -1) - t) ** 2)), ["this is the MSE"]),
    "broadcast": (lambda p, t: float(np.sqrt(np.mean((p - t) ** 2))), ["(N, N) matrix", "reshape(-1)"]),
    "broadcast MSE": (lambda p, t: float(np.mean((p - t) ** 2)), ["two mistakes"]),
    "MAE": (lambda p, t: float(np.mean(np.abs(np.reshape(p, -1) - t))), ["mean absolute error"]),
    "root of the sum": (lambda p, t: float(np.sqrt(np.sum((np.reshape(p, -1) - t) ** 2))), ["sum of the squared"]),
    "per sample": (lambda p, t: np.sqrt((np.reshape(p, -1) - t) ** 2), ["one number", "np.mean"]),
    "array of one": (lambda p, t: np.sqrt(np.mean((p - t.reshape(-1, 1)) ** 2, axis=0)), ["one number", "shape (1,)"]),
    "list of one": (lambda p, t: [rmse_right(p, t)], ["one number", "shape (1,)"]),
    "printed": (lambda p, t: print(rmse_right(p, t)), ["returned None"]),
}


def test_lesson10_rmse_right_answer_passes():
    assert_passed(lesson10.check_rmse(rmse_right))


@pytest.mark.parametrize("mistake", RMSE_MISTAKES, ids=str)
def test_lesson10_rmse_names_each_mistake(mistake):
    answer, fragments = RMSE_MISTAKES[mistake]
    assert_failed(lesson10.check_rmse(answer), *fragments)


def test_lesson10_rmse_right_only_for_flat_arrays_is_explained():
    def flat_only(y_pred, y_true):  # right for (N,) and (N,), wrong for (N, 1) and (N,) in another way
        return float(np.sqrt(np.mean((y_pred - y_true) ** 2))) if y_pred.ndim == 1 else 0.123

    assert_failed(lesson10.check_rmse(flat_only), "right for two arrays of shape (N,)")


def test_lesson10_rmse_not_attempted():
    assert_not_attempted(lesson10.check_rmse(None))
    assert_not_attempted(lesson10.check_rmse(not_implemented))


def lstsq_with_bias(X, y, ones_first=False):
    ones = np.ones((len(X), 1))
    A = np.hstack([ones, X]) if ones_first else np.hstack([X, ones])
    return np.linalg.lstsq(A, y, rcond=None)[0]


def fit_linear_right(X, y):
    coef = lstsq_with_bias(X, y)
    return coef[:-1], float(coef[-1])


FIT_LINEAR_MISTAKES = {
    "no intercept": (lambda X, y: (np.linalg.lstsq(X, y, rcond=None)[0], 0.0), ["without an intercept"]),
    "one vector": (lambda X, y: lstsq_with_bias(X, y), ["return them as two things"]),
    "ones first, split last": (lambda X, y: (lstsq_with_bias(X, y, True)[:-1], lstsq_with_bias(X, y, True)[-1]),
                               ["first column"]),
    "swapped": (lambda X, y: fit_linear_right(X, y)[::-1], ["(b, w)"]),
    "approximately": (lambda X, y: (fit_linear_right(X, y)[0] * 1.004, fit_linear_right(X, y)[1] * 0.998),
                      ["gradient descent"]),
    "wrong weights": (lambda X, y: (fit_linear_right(X, y)[0] + [0.5, 0.0, 0.0], fit_linear_right(X, y)[1]),
                      ["your w differs"]),
}


def test_lesson10_fit_linear_right_answers_pass():
    assert_passed(lesson10.check_fit_linear(fit_linear_right))

    def normal_equations(X, y):
        A = np.column_stack([X, np.ones(len(X))])
        coef = np.linalg.solve(A.T @ A, A.T @ y)
        return coef[:-1], coef[-1]

    assert_passed(lesson10.check_fit_linear(normal_equations))


@pytest.mark.parametrize("mistake", FIT_LINEAR_MISTAKES, ids=str)
def test_lesson10_fit_linear_names_each_mistake(mistake):
    answer, fragments = FIT_LINEAR_MISTAKES[mistake]
    assert_failed(lesson10.check_fit_linear(answer), *fragments)


def test_lesson10_fit_linear_not_attempted():
    assert_not_attempted(lesson10.check_fit_linear(None))
    assert_not_attempted(lesson10.check_fit_linear(not_implemented))


# ============================================================================ lesson 11
ACCURACY_MISTAKES = {
    "percentage": (lambda z, y: 100 * np.mean(z.argmax(axis=1) == y), ["percentage"]),
    "error rate": (lambda z, y: np.mean(z.argmax(axis=1) != y), ["error rate"]),
    "count": (lambda z, y: np.sum(z.argmax(axis=1) == y), ["number of correct predictions"]),
    "axis 0": (lambda z, y: np.mean(z.argmax(axis=0) == y), ["axis 0"]),
    "max value": (lambda z, y: np.mean(z.max(axis=1) == y), ["*position*"]),
    "per sample": (lambda z, y: z.argmax(axis=1) == y, ["one number"]),
}


def test_lesson11_accuracy_right_answers_pass():
    assert_passed(lesson11.check_accuracy(lambda z, y: np.mean(z.argmax(axis=1) == y)))
    softmax_first = lambda z, y: np.mean(nt.functional.softmax(z).argmax(axis=1) == y)  # noqa: E731
    assert_passed(lesson11.check_accuracy(softmax_first))


@pytest.mark.parametrize("mistake", ACCURACY_MISTAKES, ids=str)
def test_lesson11_accuracy_names_each_mistake(mistake):
    answer, fragments = ACCURACY_MISTAKES[mistake]
    assert_failed(lesson11.check_accuracy(answer), *fragments)


def test_lesson11_accuracy_explains_a_broadcasting_error():
    def wrong_shapes(z, y):
        return np.mean(z.argmax(axis=0)[:7] == y)  # (7,) against (10,)

    assert_failed(lesson11.check_accuracy(wrong_shapes), "broadcast", "argmax(axis=1)")


def test_lesson11_accuracy_not_attempted():
    assert_not_attempted(lesson11.check_accuracy(None))
    assert_not_attempted(lesson11.check_accuracy(not_implemented))


def cm_add_at(y_true, y_pred, num_classes):
    M = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(M, (y_true, y_pred), 1)
    return M


def cm_fancy(y_true, y_pred, num_classes, transposed=False):
    M = np.zeros((num_classes, num_classes), dtype=int)
    if transposed:
        M[y_pred, y_true] += 1
    else:
        M[y_true, y_pred] += 1
    return M


CM_MISTAKES = {
    "transposed": (lambda t, p, c: cm_add_at(p, t, c), ["transposed"]),
    "fancy-index +=": (lambda t, p, c: cm_fancy(t, p, c), ["np.add.at", "repeated indices"]),
    "fancy-index += transposed": (lambda t, p, c: cm_fancy(t, p, c, transposed=True), ["two mistakes"]),
    "size from the labels": (lambda t, p, c: cm_add_at(t, p, int(max(t.max(), p.max())) + 1), ["num_classes"]),
    "row fractions": (lambda t, p, c: cm_add_at(t, p, c) / np.maximum(cm_add_at(t, p, c).sum(axis=1, keepdims=True), 1),
                      ["fractions that sum to 1"]),
    "fractions of all": (lambda t, p, c: cm_add_at(t, p, c) / len(t), ["fractions of all samples"]),
    "a sample lost": (lambda t, p, c: cm_add_at(t[1:], p[1:], c), ["every sample adds exactly 1"]),
}


def test_lesson11_confusion_matrix_right_answers_pass():
    assert_passed(lesson11.check_confusion_matrix(cm_add_at))
    bincount = lambda t, p, c: np.bincount(t * c + p, minlength=c * c).reshape(c, c)  # noqa: E731
    assert_passed(lesson11.check_confusion_matrix(bincount))


@pytest.mark.parametrize("mistake", CM_MISTAKES, ids=str)
def test_lesson11_confusion_matrix_names_each_mistake(mistake):
    answer, fragments = CM_MISTAKES[mistake]
    assert_failed(lesson11.check_confusion_matrix(answer), *fragments)


def test_lesson11_confusion_matrix_reference_counts_one_sample_at_a_time():
    y_true, y_pred = lesson11._cm_data()
    M = lesson11.reference_confusion_matrix(y_true, y_pred, 5)
    assert M.sum() == len(y_true) and np.array_equal(M, cm_add_at(y_true, y_pred, 5))
    assert not np.array_equal(M, cm_fancy(y_true, y_pred, 5)), "the data must repeat (true, predicted) pairs"


def test_lesson11_confusion_matrix_not_attempted():
    assert_not_attempted(lesson11.check_confusion_matrix(None))
    assert_not_attempted(lesson11.check_confusion_matrix(not_implemented))


def pr_right(M):
    d = np.diag(M)
    return d / M.sum(axis=0), d / M.sum(axis=1)


PR_MISTAKES = {
    "swapped": (lambda M: pr_right(M)[::-1], ["swapped"]),
    "by the total": (lambda M: (np.diag(M) / M.sum(), np.diag(M) / M.sum()), ["total number of samples"]),
    "averaged": (lambda M: tuple(float(v.mean()) for v in pr_right(M)), ["one value per class"]),
    "recall wrong": (lambda M: (pr_right(M)[0], pr_right(M)[0]), ["precision is right", "row of the true class"]),
    "precision wrong": (lambda M: (pr_right(M)[1], pr_right(M)[1]), ["recall is right", "column of the predicted"]),
    "one array": (lambda M: pr_right(M)[0], ["two arrays"]),
}


def test_lesson11_precision_recall_right_answer_passes():
    assert_passed(lesson11.check_precision_recall(pr_right))


@pytest.mark.parametrize("mistake", PR_MISTAKES, ids=str)
def test_lesson11_precision_recall_names_each_mistake(mistake):
    answer, fragments = PR_MISTAKES[mistake]
    assert_failed(lesson11.check_precision_recall(answer), *fragments)


def test_lesson11_precision_recall_not_attempted():
    assert_not_attempted(lesson11.check_precision_recall(None))
    assert_not_attempted(lesson11.check_precision_recall(not_implemented))


# ============================================================================ lesson 12: the broken parts
@pytest.fixture
def batch():
    X, y = nt.data.moons(n=40, noise=0.2, seed=3)
    return X, y.reshape(-1, 1).astype(float)


@pytest.fixture
def net():
    return nt.Sequential(nt.Linear(2, 6, rng=1), nt.Sigmoid(), nt.Linear(6, 1, rng=2), nt.Sigmoid())


def failing_rows(model, X, Y):
    return {row.name for row in nt.gradcheck(model, nt.BCELoss(), X[:8], Y[:8]).rows if not row.ok}


def test_lesson12_correct_copy_is_identical_and_passes_gradcheck(net, batch):
    X, Y = batch
    copy, optimizer = lesson12.with_bug(net, None, lr=0.5)
    assert type(optimizer) is nt.SGD and optimizer.lr == 0.5
    assert np.array_equal(copy(X), net(X))
    assert failing_rows(copy, X, Y) == set()


@pytest.mark.parametrize("bug, expected", [
    ("no_zero_grad", set()),
    ("gradient_ascent", set()),
    ("sigmoid_prime_of_a", {"0.weight", "0.bias", "2.weight", "2.bias", "input"}),
    ("bias_not_summed", {"0.bias", "2.bias"}),
    ("update_before_backprop", {"0.weight", "0.bias", "input"}),
])
def test_lesson12_each_bug_has_its_gradcheck_fingerprint(net, batch, bug, expected):
    X, Y = batch
    model, _ = lesson12.with_bug(net, bug, lr=0.5)
    assert np.array_equal(model(X), net(X)), "a bug changes backward or the update, never the forward pass"
    assert failing_rows(model, X, Y) == expected


def test_lesson12_bias_bug_keeps_the_first_row_or_averages(batch):
    X, _ = batch
    g = np.random.default_rng(0).normal(size=(len(X), 3))
    for how, expected in (("first row", g[0]), ("mean", g.mean(axis=0))):
        layer = lesson12.BiasNotSummedLinear(2, 3, how=how, rng=0)
        layer(X)
        layer.backward(g)
        assert np.allclose(layer.bias.grad, expected)
    with pytest.raises(ValueError, match="how="):
        lesson12.BiasNotSummedLinear(2, 3, how="sum")


def test_lesson12_update_before_backprop_uses_the_updated_weights(batch):
    X, _ = batch
    g = np.random.default_rng(0).normal(size=(len(X), 3))
    layer = lesson12.UpdateBeforeBackpropLinear(2, 3, lr=0.5, rng=0)
    right = nt.Linear(2, 3, rng=0)
    layer(X), right(X)
    got, expected = layer.backward(g), right.backward(g)
    assert np.allclose(layer.weight.grad, right.weight.grad) and np.allclose(layer.bias.grad, right.bias.grad)
    assert np.allclose(got, g @ (right.weight.data - 0.5 * right.weight.grad))
    assert not np.allclose(got, expected)


def test_lesson12_loop_bugs(net, batch):
    X, Y = batch
    model, optimizer = lesson12.with_bug(net, "no_zero_grad", lr=0.5)
    loss_fn = nt.BCELoss()
    loss_fn(model(X), Y)
    model.backward(loss_fn.backward())
    optimizer.zero_grad()
    assert any(np.abs(p.grad).max() > 0 for p in model.parameters())
    model, optimizer = lesson12.with_bug(net, "gradient_ascent", lr=0.01)
    before = loss_fn(model(X), Y)
    model.backward(loss_fn.backward())
    optimizer.step()
    assert loss_fn(model(X), Y) > before


def test_lesson12_with_bug_rejects_unknown_bugs_and_layers(net):
    with pytest.raises(ValueError, match="unknown bug"):
        lesson12.with_bug(net, "typo", lr=0.5)
    with pytest.raises(TypeError, match="Linear and Sigmoid"):
        lesson12.with_bug(nt.Sequential(nt.Linear(2, 3), nt.ReLU()), None, lr=0.5)


def test_lesson12_mysteries_look_innocent_and_leave_the_registry_alone():
    for name in "ABC":
        model, optimizer = lesson12.mystery(name)
        assert [type(m).__name__ for m in model] == ["Linear", "Sigmoid", "Linear", "Sigmoid"]
        assert repr(model) == repr(nt.Sequential(nt.Linear(2, 16), nt.Sigmoid(), nt.Linear(16, 1), nt.Sigmoid()))
        assert repr(optimizer).startswith("SGD(lr=0.5")
    assert MODULE_REGISTRY["Linear"] is nt.Linear and MODULE_REGISTRY["Sigmoid"] is nt.Sigmoid
    with pytest.raises(ValueError, match="'A', 'B' or 'C'"):
        lesson12.mystery("D")


def test_lesson12_broken_classes_never_pass_for_nnteach_layers_in_the_registry():
    # were registered by their bare names, so nt.load listed 'BuggySigmoid' among nnteach's own layers
    from nnteach.model import defined_names
    ours = {"BuggySigmoid", "BiasNotSummedLinear", "UpdateBeforeBackpropLinear"}
    assert not ours & set(MODULE_REGISTRY)
    assert MODULE_REGISTRY["nnteach.exercises.lesson12.BuggySigmoid"] is lesson12.BuggySigmoid
    assert all(name.startswith("nnteach.exercises.lesson12.") for name in defined_names()
               if MODULE_REGISTRY[name].__module__ == lesson12.__name__)


def test_lesson12_a_saved_mystery_loads_back_with_its_bug(tmp_path, batch):
    # nt.save refused it: the disguised Linear's config ("how") was to be rebuilt as nnteach's Linear
    X, Y = batch
    model, _ = lesson12.mystery("A")
    nt.save(model, tmp_path / "mystery.nnteach")
    loaded = nt.load(tmp_path / "mystery.nnteach")
    assert [type(m) for m in loaded] == [type(m) for m in model]
    assert repr(loaded) == repr(model)
    right = nt.Sequential(nt.Linear(2, 16), nt.Sigmoid(), nt.Linear(16, 1), nt.Sigmoid())
    right.load_state_dict(model.state_dict())
    loss_fn = nt.BCELoss()
    for m in (model, loaded, right):
        loss_fn(m(X), Y)
        m.backward(loss_fn.backward())
    assert np.array_equal(loaded[0].bias.grad, model[0].bias.grad)
    assert not np.allclose(loaded[0].bias.grad, right[0].bias.grad)  # the bug came along


# ============================================================================ lesson 12: the checkers
RIGHT = {"A": "bias_not_summed", "B": "no_zero_grad", "C": "update_before_backprop"}


def test_lesson12_mystery_right_answer_passes():
    assert_passed(lesson12.check_mystery(RIGHT))
    assert_passed(lesson12.check_mystery({"A": "Bias not summed", "B": "no-zero-grad", "C": "update_before_backprop"}))


@pytest.mark.parametrize("mystery, guess, fragment", [
    ("A", "sigmoid_prime_of_a", "fails only on the biases"),
    ("A", "update_before_backprop", "only the biases fail"),
    ("A", "no_zero_grad", "gradcheck would pass"),
    ("A", "gradient_ascent", "gradcheck would pass"),
    ("B", "gradient_ascent", "even faster"),
    ("B", "sigmoid_prime_of_a", "after optimizer.zero_grad()"),
    ("B", "bias_not_summed", "the bug is in the loop"),
    ("B", "update_before_backprop", "the bug is in the loop"),
    ("C", "sigmoid_prime_of_a", "module"),
    ("C", "bias_not_summed", "not only biases"),
    ("C", "no_zero_grad", "gradcheck would pass"),
    ("C", "gradient_ascent", "gradcheck would pass"),
])
def test_lesson12_mystery_gives_a_hint_for_each_wrong_guess(mystery, guess, fragment):
    answer = {**RIGHT, mystery: guess}
    feedback = lesson12.check_mystery(answer)
    assert_failed(feedback, f"mystery {mystery} is not {guess}", fragment)


def test_lesson12_mystery_partial_and_malformed_answers():
    assert_failed(lesson12.check_mystery({"A": "bias_not_summed", "B": None, "C": None}), "A right", "still to name: B, C")
    assert_failed(lesson12.check_mystery({"A": "bias", "B": None, "C": None}), "not one of the bug names")
    assert_failed(lesson12.check_mystery("bias_not_summed"), "expected a dict")


def test_lesson12_mystery_not_attempted():
    assert_not_attempted(lesson12.check_mystery(None))
    assert_not_attempted(lesson12.check_mystery({"A": None, "B": None, "C": None}))


def make_overfit_check(n=8, steps=300, optimizer=nt.Adam, zero_grad=True, threshold=0.05, step=True, after=False,
                       fresh_optimizer_each_step=False):
    def overfit_check(model, loss_fn, X, y):
        x8, y8 = X[:n], y[:n]
        opt = optimizer(model.parameters(), lr=0.05)
        losses = []
        for _ in range(steps):
            if fresh_optimizer_each_step:
                opt = optimizer(model.parameters(), lr=0.05)
            if zero_grad:
                opt.zero_grad()
            loss = loss_fn(model(x8), y8)
            model.backward(loss_fn.backward())
            if step:
                opt.step()
            losses.append(loss_fn(model(x8), y8) if after else loss)
        return bool(losses[-1] < threshold), losses
    return overfit_check


def test_lesson12_overfit_right_answers_pass():
    assert_passed(lesson12.check_overfit(make_overfit_check()))
    assert_passed(lesson12.check_overfit(make_overfit_check(after=True)))  # losses after each update: fine

    def with_trainer(model, loss_fn, X, y):
        history = nt.Trainer(model, loss_fn, nt.Adam(model.parameters(), lr=0.05), rng=0).fit(
            X[:8], y[:8], epochs=300, verbose=0)
        return history["loss"][-1] < 0.05, history["loss"]

    assert_passed(lesson12.check_overfit(with_trainer))


@pytest.mark.parametrize("answer, fragments", [
    (make_overfit_check(n=200), ["all 200 samples"]),
    (make_overfit_check(step=False), ["never changes"]),
    (make_overfit_check(zero_grad=False), ["zero_grad"]),
    (make_overfit_check(optimizer=nt.SGD), ["you used SGD"]),
    (make_overfit_check(steps=100), ["300 of them"]),
    (make_overfit_check(fresh_optimizer_each_step=True), ["created once, before the loop"]),
    (make_overfit_check(threshold=10.0), ["passed a network with all weights zero"]),
    (make_overfit_check(threshold=0.0), ["passed is False", "losses[-1] < 0.05"]),
    (lambda model, loss_fn, X, y: 0.01, ["(passed, losses)"]),
    (lambda model, loss_fn, X, y: ("yes", [0.1]), ["True or False"]),
])
def test_lesson12_overfit_names_each_mistake(answer, fragments):
    assert_failed(lesson12.check_overfit(answer), *fragments)


def test_lesson12_overfit_not_attempted():
    assert_not_attempted(lesson12.check_overfit(None))
    assert_not_attempted(lesson12.check_overfit(not_implemented))


@pytest.mark.parametrize("checker", [
    lesson10.check_standardize, lesson10.check_rmse, lesson10.check_fit_linear,
    lesson11.check_accuracy, lesson11.check_confusion_matrix, lesson11.check_precision_recall,
    lesson12.check_mystery, lesson12.check_overfit,
])
def test_checkers_never_raise(checker):
    def crashes(*args):
        raise KeyError("oops")

    for answer in (crashes, 42, "text", [1, 2], {"A": 1}):
        feedback = checker(answer)
        assert feedback.passed in (False, None), feedback.text


@pytest.mark.parametrize("check", [
    lambda: lesson10.check_rmse(lambda p, t: 1.001 * rmse_right(p, t)),
    lambda: lesson11.check_accuracy(lambda z, y: np.mean(z.argmax(axis=1) == y) + 0.01),
    lambda: lesson11.check_precision_recall(lambda M: (pr_right(M)[0], pr_right(M)[1] * 1.01)),
], ids=["rmse 0.1% off", "accuracy + 0.01", "recall 1% off"])
def test_an_answer_that_is_nearly_right_is_still_wrong(check):
    assert_failed(check())


def test_lesson12_mystery_keys_in_lower_case_count_and_other_keys_are_named():
    answer = {"a": "bias_not_summed", "b": "no_zero_grad", "c": "update_before_backprop"}
    assert_passed(lesson12.check_mystery(answer))  # it used to say "not attempted yet"
    assert_failed(lesson12.check_mystery({"D": "no_zero_grad"}), "the keys should be the mysteries 'A', 'B' and 'C', got 'D'")
