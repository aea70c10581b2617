r"""Broken parts and checkers for lesson 12, debugging neural networks (``notebooks/12_debugging.ipynb``).

The lesson breaks a working network on purpose, one classic bug at a time. Each bug is a small
subclass of a correct nnteach class that overrides one method, so the rest of the network, the
data and the seed stay the same and any difference in training comes from the bug alone:

========================  ===========================  =========================================
bug                       the broken part              who notices
========================  ===========================  =========================================
no_zero_grad              ``NoZeroGradSGD``            the loss curve (gradcheck passes)
sigmoid_prime_of_a        ``BuggySigmoid``             gradcheck: every parameter before it
bias_not_summed           ``BiasNotSummedLinear``      gradcheck: the biases only
gradient_ascent           ``GradientAscentSGD``        the loss curve (gradcheck passes)
update_before_backprop    ``UpdateBeforeBackpropLinear``  gradcheck: the layers below it
========================  ===========================  =========================================

Exercise 12.1 hands out three "mystery" networks, each with one of these bugs in disguise;
exercise 12.2 asks for the overfit-one-batch check of the pre-training checklist.
"""

from __future__ import annotations

import itertools

import numpy as np

import nnteach as nt
from nnteach import functional as F
from nnteach.exercises.feedback import Feedback, guarded

BUGS = {
    "no_zero_grad": "optimizer.zero_grad() does nothing, so gradients pile up from step to step",
    "sigmoid_prime_of_a": "the sigmoid's derivative is computed at a instead of z: σ(a)(1 − σ(a)) instead of a(1 − a)",
    "bias_not_summed": "dL/db is not summed over the batch (only the first sample's row, or the mean once more)",
    "gradient_ascent": "the update adds the gradient, θ ← θ + η·g, and climbs the loss",
    "update_before_backprop": "a layer is updated before the gradient is passed back through it",
}


# ----------------------------------------------------------------------------- the broken parts
class NoZeroGradSGD(nt.SGD):
    """BUG: ``zero_grad`` does nothing, so each step's gradient adds to all the earlier ones."""

    def zero_grad(self) -> None:
        pass  # right: self._grad.fill(0.0), every p.grad back to 0


class GradientAscentSGD(nt.SGD):
    """BUG: the update adds the gradient, θ ← θ + η·g: it climbs the loss instead of descending it."""

    def _update(self, data, grad):
        data += self.lr * grad  # right: data -= self.lr * grad


class BuggySigmoid(nt.Sigmoid):
    """BUG: σ′ evaluated at a instead of at z, σ(a)(1 − σ(a)) instead of a(1 − a) = σ(z)(1 − σ(z))."""

    def backward(self, dL_da):
        a = self._cached(dL_da)  # the forward pass cached a = σ(z)
        s = F.sigmoid(a)  # BUG: σ applied to a, a second time
        return dL_da * s * (1.0 - s)  # right: dL_da * a * (1 - a)


class BiasNotSummedLinear(nt.Linear):
    """BUG: dL/db is not summed over the batch.

    ``how="first row"`` keeps only the first sample's row of dL/dz; ``how="mean"`` averages the rows,
    dividing by N a second time (the loss already averaged over the batch). Right: the sum.
    """

    def __init__(self, in_features, out_features, how: str = "first row", **kwargs):
        super().__init__(in_features, out_features, **kwargs)
        if how not in ("first row", "mean"):
            raise ValueError(f"BiasNotSummedLinear: expected how='first row' or 'mean', got {how!r}.")
        self.how = how

    def backward(self, dL_dz):
        if self._x is None:
            raise RuntimeError(f"{self!r}: backward() called before forward(). Run a forward pass first.")
        dL_dx, dL_dW, _ = F.linear_backward(dL_dz, self._x, self.weight.data)
        self.weight.grad += dL_dW
        # BUG: one row, or the mean; right: dL_dz.sum(axis=0)
        self.bias.grad += dL_dz[0] if self.how == "first row" else dL_dz.mean(axis=0)
        return dL_dx

    def get_config(self):
        return {**super().get_config(), "how": self.how}


class UpdateBeforeBackpropLinear(nt.Linear):
    """BUG: passes the gradient back through the weights as they will be *after* this step's update.

    Equivalent, for plain SGD with learning rate ``lr``, to updating the layer before
    backpropagating through it: dL/dx = dL/dz (W − η·dL/dW) instead of dL/dz W. The layer's own
    dL/dW and dL/db stay right; everything below it gets a wrong gradient.
    """

    def __init__(self, in_features, out_features, lr: float = 0.5, **kwargs):
        super().__init__(in_features, out_features, **kwargs)
        self.lr = float(lr)

    def backward(self, dL_dz):
        if self._x is None:
            raise RuntimeError(f"{self!r}: backward() called before forward(). Run a forward pass first.")
        dL_dx, dL_dW, dL_db = F.linear_backward(dL_dz, self._x, self.weight.data)
        self.weight.grad += dL_dW
        self.bias.grad += dL_db
        W_new = self.weight.data - self.lr * self.weight.grad  # the weights after SGD's step
        return dL_dz @ W_new  # BUG: right is dL_dx, computed with the current weights

    def get_config(self):
        return {**super().get_config(), "lr": self.lr}


def with_bug(model: nt.Sequential, bug: str | None, lr: float):
    """A copy of ``model`` (Linear and Sigmoid layers) with one bug injected, and its plain-SGD optimizer.

    Every layer of the buggy class gets the bug, as a bug in a class does. Returns ``(model, optimizer)``;
    ``bug=None`` gives a correct copy.
    """
    if bug is not None and bug not in BUGS:
        raise ValueError(f"with_bug: unknown bug {bug!r}; expected one of {list(BUGS)} or None.")
    return _build(model, bug, lr, disguise=False)


def _build(model, bug, lr, disguise):
    linear_cls = {"bias_not_summed": BiasNotSummedLinear, "update_before_backprop": UpdateBeforeBackpropLinear}.get(bug, nt.Linear)
    sigmoid_cls = BuggySigmoid if bug == "sigmoid_prime_of_a" else nt.Sigmoid
    opt_cls = {"no_zero_grad": NoZeroGradSGD, "gradient_ascent": GradientAscentSGD}.get(bug, nt.SGD)
    if disguise:
        linear_cls, sigmoid_cls, opt_cls = _DISGUISED[linear_cls], _DISGUISED[sigmoid_cls], _DISGUISED[opt_cls]
    extra = {"lr": lr} if bug == "update_before_backprop" else {}
    layers = []
    for layer in model:
        if isinstance(layer, nt.Linear):
            layers.append(linear_cls(layer.in_features, layer.out_features, rng=0, **extra))
        elif isinstance(layer, nt.Sigmoid):
            layers.append(sigmoid_cls())
        else:
            raise TypeError(f"with_bug: expected a Sequential of Linear and Sigmoid layers, got {type(layer).__name__}.")
    copy = nt.Sequential(layers)
    copy.load_state_dict(model.state_dict())
    return copy, opt_cls(copy.parameters(), lr=lr)


# ----------------------------------------------------------------------------- mysteries (exercise 12.1)
def _disguise(cls, shown: str):
    """A subclass of ``cls`` that prints and names itself like the correct class ``shown``.

    A mystery must look innocent: its ``__name__`` and repr are those of ``shown``. Its ``__qualname__``
    stays private, so it is registered and saved (``nt.load``) under that private name: the real
    ``Linear``, ``Sigmoid`` and ``SGD`` are untouched, and a saved mystery loads with its bug.
    """
    if issubclass(cls, nt.Optimizer):
        def __repr__(self):
            return f"{shown}(" + ", ".join(f"{k}={v}" for k, v in self._hyper().items()) + ")"
    else:
        def __repr__(self):
            return f"{shown}({self.extra_repr()})"
    disguised = type(f"_Mystery{next(_COUNTER)}", (cls,), {"__repr__": __repr__, "__module__": __name__})
    disguised.__name__ = shown
    return disguised


_COUNTER = itertools.count(1)
_DISGUISED = {cls: _disguise(cls, shown) for cls, shown in (
    (nt.Linear, "Linear"), (BiasNotSummedLinear, "Linear"), (UpdateBeforeBackpropLinear, "Linear"),
    (nt.Sigmoid, "Sigmoid"), (BuggySigmoid, "Sigmoid"),
    (nt.SGD, "SGD"), (NoZeroGradSGD, "SGD"), (GradientAscentSGD, "SGD"),
)}
MYSTERY_LR = 0.5
_MYSTERIES = {"A": "bias_not_summed", "B": "no_zero_grad", "C": "update_before_backprop"}


def _mystery_start() -> nt.Sequential:
    """The 2-16-1 sigmoid network of the lesson, with fixed initial weights."""
    return nt.Sequential(nt.Linear(2, 16, rng=121), nt.Sigmoid(), nt.Linear(16, 1, rng=122), nt.Sigmoid())


def mystery(name: str):
    """Mystery network ``"A"``, ``"B"`` or ``"C"``: ``(model, optimizer)``, a 2-16-1 sigmoid network
    and its SGD (lr 0.5), with exactly one of the bugs of :data:`BUGS` hidden somewhere."""
    if name not in _MYSTERIES:
        raise ValueError(f"lesson12.mystery: expected 'A', 'B' or 'C', got {name!r}.")
    return _build(_mystery_start(), _MYSTERIES[name], MYSTERY_LR, disguise=True)


_HINTS = {
    ("A", "sigmoid_prime_of_a"): "a wrong σ′ spoils every gradient that flows back through that sigmoid, weights "
                                 "included; in A, gradcheck's table fails only on the biases. Which rows say NO?",
    ("A", "update_before_backprop"): "that bug leaves the output layer's own gradients right and spoils the layers "
                                     "below; in A the weights of every layer pass gradcheck, only the biases fail.",
    ("A", "no_zero_grad"): "a loop bug leaves backward right, so gradcheck would pass; on A it fails. Look at which "
                           "parameters fail.",
    ("A", "gradient_ascent"): "ascent makes the loss climb from the first epoch, and gradcheck would pass; on A it "
                              "fails, on a few parameters only.",
    ("B", "gradient_ascent"): "ascent makes the loss climb at once; B's loss falls, at first even faster than the "
                              "correct network's. What could make steps grow larger than they should?",
    ("B", "sigmoid_prime_of_a"): "gradcheck passes for B's model, so its backward is right: the bug is in the loop. "
                                 "Try: after optimizer.zero_grad(), are the gradients zero?",
    ("B", "bias_not_summed"): "gradcheck passes for B's model, so its backward is right: the bug is in the loop. "
                              "Try: after optimizer.zero_grad(), are the gradients zero?",
    ("B", "update_before_backprop"): "gradcheck passes for B's model, so its backward is right: the bug is in the "
                                     "loop. Try: after optimizer.zero_grad(), are the gradients zero?",
    ("C", "sigmoid_prime_of_a"): "check C's modules one at a time with nt.gradcheck(module, ...): its sigmoids pass; "
                                 "its Linear layers fail, and only on the gradient they pass back (the input row).",
    ("C", "bias_not_summed"): "in C the hidden layer's weights fail gradcheck too, not only biases; and the output "
                              "layer's own weight and bias pass. What is wrong is what the output layer passes back.",
    ("C", "no_zero_grad"): "a loop bug leaves backward right, so gradcheck would pass; on C it fails.",
    ("C", "gradient_ascent"): "a loop bug leaves backward right, so gradcheck would pass; on C it fails.",
}


def _normalise(answer) -> str:
    return str(answer).strip().lower().replace("-", "_").replace(" ", "_").replace("′", "_prime").replace("'", "")


@guarded("Exercise 12.1")
def check_mystery(answer) -> Feedback:
    """``answer`` maps each mystery, "A", "B", "C", to the name of its bug (a key of ``BUGS``)."""
    ex = "Exercise 12.1"
    names = ", ".join(repr(k) for k in BUGS)
    if not isinstance(answer, dict):
        return Feedback(ex, False, f"expected a dict such as {{'A': 'no_zero_grad', 'B': ..., 'C': ...}}, got "
                                   f"{type(answer).__name__}.")
    answer = {k.upper() if isinstance(k, str) else k: v for k, v in answer.items()}  # 'a' means 'A'
    strange = [k for k in answer if k not in _MYSTERIES]
    if strange:
        return Feedback(ex, False, f"the keys should be the mysteries 'A', 'B' and 'C', got {strange[0]!r}.")
    missing = [k for k in _MYSTERIES if answer.get(k) is None]
    if len(missing) == len(_MYSTERIES):
        return Feedback(ex, None, "not attempted yet: name the bug of each mystery network.")
    unknown = [k for k in _MYSTERIES if answer.get(k) is not None and _normalise(answer[k]) not in BUGS]
    if unknown:
        k = unknown[0]
        return Feedback(ex, False, f"mystery {k}: {answer[k]!r} is not one of the bug names; choose from {names}.")
    right, wrong = [], []
    for k, truth in _MYSTERIES.items():
        if k in missing:
            continue
        (right if _normalise(answer[k]) == truth else wrong).append(k)
    if not wrong and not missing:
        return Feedback(ex, True, "A: the biases' gradients are not summed over the batch (only the biases fail "
                                  "gradcheck); B: zero_grad does nothing (gradcheck passes, the loss falls faster "
                                  "than the correct twin's, as with momentum 1, and the gradients survive zero_grad); C: the output layer passes its gradient back through "
                                  "already-updated weights (its own gradients pass, the layers below fail).")
    done = f"{', '.join(right)} right; " if right else ""
    if wrong:
        k = wrong[0]
        guess = _normalise(answer[k])
        hint = _HINTS.get((k, guess), "look again at its gradcheck table and its loss curve next to the correct run's.")
        more = f" ({len(wrong) - 1} more wrong)" if len(wrong) > 1 else ""
        return Feedback(ex, False, f"{done}mystery {k} is not {guess}{more}: {hint}")
    return Feedback(ex, False, f"{done}still to name: {', '.join(missing)}.")


# ----------------------------------------------------------------------------- exercise 12.2
OVERFIT_STEPS, OVERFIT_LR, OVERFIT_BATCH, OVERFIT_THRESHOLD = 300, 0.05, 8, 0.05


def _overfit_data():
    """200 noisy XOR points; the first 8 sit in all four quadrants, so no straight line separates them."""
    rng = np.random.default_rng(1220)
    first = np.array([[0.6, 0.7], [-0.7, -0.5], [0.5, -0.6], [-0.6, 0.8],
                      [0.9, 0.3], [-0.3, -0.9], [0.8, -0.2], [-0.9, 0.4]])  # (8, 2)
    rest = rng.uniform(-1, 1, (192, 2))  # (192, 2)
    X = np.vstack([first, rest])  # (200, 2)
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    flip = rng.random(200) < 0.2
    flip[:OVERFIT_BATCH] = False
    y[flip] = 1 - y[flip]  # 20% label noise beyond the first 8: the whole set cannot be fitted
    return X, y.reshape(-1, 1)  # (200, 2), (200, 1)


def _healthy():
    return nt.Sequential(nt.Linear(2, 16, rng=1), nt.Tanh(), nt.Linear(16, 1, rng=2), nt.Sigmoid())


def _dead():
    return nt.Sequential(nt.Linear(2, 16, init="zeros"), nt.Tanh(), nt.Linear(16, 1, init="zeros"), nt.Sigmoid())


def _linear():
    return nt.Sequential(nt.Linear(2, 16, rng=1), nt.Linear(16, 1, rng=2), nt.Sigmoid())


def _reference_losses(make, n=OVERFIT_BATCH, steps=OVERFIT_STEPS, optimizer=nt.Adam, zero_grad=True):
    X, y = _overfit_data()
    model = make()
    opt = optimizer(model.parameters(), lr=OVERFIT_LR)
    loss_fn, losses = nt.BCELoss(), []
    for _ in range(steps):
        if zero_grad:
            opt.zero_grad()
        losses.append(loss_fn(model(X[:n]), y[:n]))
        model.backward(loss_fn.backward())
        opt.step()
    return np.array(losses)


def _run(overfit_check, make):
    X, y = _overfit_data()
    model = make()
    result = overfit_check(model, nt.BCELoss(), X.copy(), y.copy())
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return None, None, "overfit_check should return two things: (passed, losses)."
    passed, losses = result
    if not isinstance(passed, (bool, np.bool_)):
        return None, None, f"passed should be True or False, got {type(passed).__name__} {passed!r:.40}."
    try:
        losses = np.asarray(losses, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return None, None, "losses should be a list of numbers, one loss per step."
    return bool(passed), losses, None


@guarded("Exercise 12.2")
def check_overfit(overfit_check) -> Feedback:
    """Run ``overfit_check(model, loss_fn, X, y) -> (passed, losses)`` on a healthy and two broken networks."""
    ex = "Exercise 12.2"
    if not callable(overfit_check):
        return Feedback(ex, False, f"expected your function overfit_check, got {type(overfit_check).__name__}.")
    passed, losses, problem = _run(overfit_check, _healthy)
    if problem:
        return Feedback(ex, False, problem)
    ref = _reference_losses(_healthy)
    if losses.shape != ref.shape:
        return Feedback(ex, False, f"losses should hold one loss per step, {OVERFIT_STEPS} of them, got {losses.size}.")
    shifted = np.allclose(losses[:-1], ref[1:], rtol=1e-7)  # losses recorded after each update: also fine
    if not (np.allclose(losses, ref, rtol=1e-7) or shifted):
        return Feedback(ex, False, _loss_mistake(losses, ref))
    if passed != bool(losses[-1] < OVERFIT_THRESHOLD):
        return Feedback(ex, False, f"your losses are right (the last is {losses[-1]:.4f}), but passed is {passed}: it "
                                   f"should be losses[-1] < {OVERFIT_THRESHOLD}.")
    if not passed:
        return Feedback(ex, False, f"the healthy network reached a loss of {losses[-1]:.4f}, yet your check failed it.")
    verdicts = {}
    for name, make in (("a network with all weights zero", _dead), ("a network without a hidden activation", _linear)):
        p, l, problem = _run(overfit_check, make)
        if problem:
            return Feedback(ex, False, problem)
        if p:
            return Feedback(ex, False, f"your check passed {name}, which cannot fit the 8 points (its last loss: "
                                       f"{l[-1]:.4f}). Compare the last loss with {OVERFIT_THRESHOLD}.")
        verdicts[name] = l[-1]
    return Feedback(ex, True, f"the healthy network fits the 8 points (loss {ref[0]:.3f} → {ref[-1]:.4f}) and "
                              f"passes; the one with zero weights ({verdicts['a network with all weights zero']:.3f}) "
                              f"and the one without a hidden activation "
                              f"({verdicts['a network without a hidden activation']:.3f}) fail.")


def _loss_mistake(losses: np.ndarray, ref: np.ndarray) -> str:
    """Name the mistake behind a learner's loss curve for the healthy network."""
    close = lambda a, b: np.allclose(a, b, rtol=1e-7)  # noqa: E731
    full = _reference_losses(_healthy, n=len(_overfit_data()[0]), steps=1)
    if np.isclose(losses[0], full[0], rtol=1e-7):
        return (f"your first loss, {losses[0]:.4f}, is the loss on all {len(_overfit_data()[0])} samples: train on "
                f"the first {OVERFIT_BATCH} only, X[:{OVERFIT_BATCH}] and y[:{OVERFIT_BATCH}]. A tiny batch is the "
                f"point: any working network can memorise it, quickly.")
    if np.allclose(losses, losses[0], rtol=1e-12):
        return ("your loss never changes: the weights are not updated. Each step needs optimizer.zero_grad(), "
                "the forward pass and the loss, model.backward(loss_fn.backward()), then optimizer.step().")
    if close(losses, _reference_losses(_healthy, zero_grad=False)):
        return "the gradients pile up: call optimizer.zero_grad() at the start of every step."
    if close(losses, _reference_losses(_healthy, optimizer=nt.SGD)):
        return f"you used SGD; use nt.Adam(model.parameters(), lr={OVERFIT_LR}) as the exercise says."
    if close(losses[0], ref[0]):
        step = int(np.argmax(~np.isclose(losses, ref, rtol=1e-7)))
        right = "your first loss is right" if step == 1 else f"your first {step} losses are right"
        return (f"{right}, then they differ (step {step + 1}: {losses[step]:.6g}, expected {ref[step]:.6g}). Use "
                f"nt.Adam(model.parameters(), lr={OVERFIT_LR}) created once, before the loop, and the same 8 "
                f"samples every step.")
    return (f"your first loss is {losses[0]:.6g}, expected {ref[0]:.6g}: the BCE loss of the untrained model on "
            f"X[:{OVERFIT_BATCH}], y[:{OVERFIT_BATCH}].")
