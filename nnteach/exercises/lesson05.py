r"""Checkers for lesson 5, backpropagation by hand (``notebooks/05_backprop_by_hand.ipynb``).

Every reference number comes from nnteach itself: a trace of one forward and backward pass of the
lesson's 2-2-1 sigmoid network, or ``nt.gradcheck``. A checker only compares, and when something
disagrees it names the first quantity, in the order backpropagation computes them, and the likely
mistake (a forgotten :math:`\sigma'`, :math:`\sigma'` evaluated at the wrong place, a sum instead of
a mean over the batch, a transposed matrix).
"""

from __future__ import annotations

import numpy as np

import nnteach as nt
from nnteach import functional as F
from nnteach.exercises.feedback import Feedback, compare_arrays, guarded

# The lesson's network: it computes XOR with hand-picked weights (ŷ = 0.970 for x = (0, 1)).
W1 = np.array([[5.0, 5.0], [5.0, 5.0]])  # (2, 2): row j is hidden neuron j
B1 = np.array([-2.5, -7.5])  # (2,)
W2 = np.array([[10.0, -10.0]])  # (1, 2)
B2 = np.array([-5.0])  # (1,)
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # (4, 2)
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])  # (4, 1)

# The order in which backpropagation produces the gradients (and the checker compares them).
BACKWARD_KEYS = ("dL_dz2", "dL_dW2", "dL_db2", "dL_da1", "dL_dz1", "dL_dW1", "dL_db1")
PARAMETER_KEYS = ("dL_dW2", "dL_db2", "dL_dW1", "dL_db1")
_TEXT = {"dL_dz2": "∂L/∂z⁽²⁾", "dL_dW2": "∂L/∂W⁽²⁾", "dL_db2": "∂L/∂b⁽²⁾", "dL_da1": "∂L/∂a⁽¹⁾",
         "dL_dz1": "∂L/∂z⁽¹⁾", "dL_dW1": "∂L/∂W⁽¹⁾", "dL_db1": "∂L/∂b⁽¹⁾"}


def xor_network(W1=W1, b1=B1, W2=W2, b2=B2) -> nt.Sequential:
    """The lesson's network, Linear(2, 2) → Sigmoid → Linear(2, 1) → Sigmoid, holding the given weights."""
    # rng=0: building the layers must not draw from the learner's package generator
    model = nt.Sequential(nt.Linear(2, 2, rng=0), nt.Sigmoid(), nt.Linear(2, 1, rng=0), nt.Sigmoid())
    model.load_state_dict({"0.weight": W1, "0.bias": b1, "2.weight": W2, "2.bias": b2})
    return model


def traced_pass(x, y, W1=W1, b1=B1, W2=W2, b2=B2) -> dict:
    """Every quantity of one forward and backward pass (BCE, mean over the batch), read from a trace."""
    model = xor_network(W1, b1, W2, b2)
    loss_fn = nt.BCELoss()
    with nt.trace(model) as tr:
        loss_fn(model(x), y)
        model.backward(loss_fn.backward())
    hidden, out = tr.steps[0].layers
    return {"z1": hidden.z, "a1": hidden.a, "z2": out.z, "a2": out.a, "dL_da2": out.grad_a,
            "dL_dz2": out.grad_z, "dL_dW2": out.grad_weight, "dL_db2": out.grad_bias,
            "dL_da1": hidden.grad_a, "dL_dz1": hidden.grad_z, "dL_dW1": hidden.grad_weight,
            "dL_db1": hidden.grad_bias, "W2": out.weight}


def _sigmoid_prime_at(v: np.ndarray) -> np.ndarray:
    """σ′ evaluated at ``v`` (what a learner gets when they feed a into σ′ as if it were z)."""
    return F.sigmoid_backward(np.ones_like(v), F.sigmoid(v))


def _suspects(key: str, r: dict, x: np.ndarray) -> list[tuple[np.ndarray, str]]:
    """Typical wrong values of ``key`` (computed from the reference pass r) and what each one means."""
    n = len(x)
    per_batch = (f"{n}× too large: L is the mean over the batch of {n}, so each sample's share of ∂L/∂z "
                 f"carries a 1/N. Did you sum instead of averaging?") if n > 1 else None
    twice = "the 1/N of the mean is already inside ∂L/∂z, so do not divide by N again."
    s = {
        "dL_dz2": [(r["dL_da2"], "this is ∂L/∂ŷ, the gradient before the output sigmoid. Multiply by "
                                 "σ′(z⁽²⁾) = ŷ(1 − ŷ): with BCE the two cancel to (ŷ − y)/N."),
                   (r["dL_dz2"] * r["a2"] * (1 - r["a2"]), "σ′(z⁽²⁾) was applied twice: with BCE, "
                                                            "∂L/∂z⁽²⁾ = (ŷ − y)/N already includes it."),
                   (-r["dL_dz2"], "the sign is flipped: ∂L/∂z⁽²⁾ = (ŷ − y)/N, prediction minus target.")],
        "dL_dW2": [(r["dL_dz2"].T @ x, "you multiplied by x, the network's input; the output layer's "
                                       "input is the hidden activation a⁽¹⁾: ∂L/∂W⁽²⁾ = dL_dz2.T @ a1.")],
        "dL_db2": [(r["dL_dz2"], "it has one row per sample: sum the shares over the batch, "
                                 "dL_dz2.sum(axis=0).")],
        "dL_da1": [(np.broadcast_to(r["W2"], r["dL_da1"].shape), "you forgot the factor ∂L/∂z⁽²⁾: each hidden "
                    "neuron j receives ∂L/∂z⁽²⁾ times its weight w⁽²⁾₁ⱼ, dL_da1 = dL_dz2 @ W2.")],
        "dL_dz1": [(r["dL_da1"], "you forgot σ′(z⁽¹⁾): multiply ∂L/∂a⁽¹⁾ element-wise by a⁽¹⁾(1 − a⁽¹⁾)."),
                   (r["dL_da1"] * _sigmoid_prime_at(r["a1"]),
                    "σ′ was evaluated at a instead of at z: you computed σ(a)(1 − σ(a)). "
                    "σ′(z) = σ(z)(1 − σ(z)) = a(1 − a), so use a1 * (1 - a1) directly."),
                   (r["dL_da1"] * r["z1"] * (1 - r["z1"]),
                    "you wrote a(1 − a) with z in place of a: σ′(z) = a(1 − a) uses the activation a1, "
                    "not the pre-activation z1."),
                   (r["dL_da1"] * r["a2"] * (1 - r["a2"]),
                    "you used the output neuron's σ′, a⁽²⁾(1 − a⁽²⁾); each layer uses its own: a1 * (1 - a1).")],
        "dL_dW1": [(r["dL_dW1"].T, "it is transposed: W is (out, in), row j belongs to neuron j, so "
                                 "∂L/∂W⁽¹⁾ = dL_dz1.T @ x (not x.T @ dL_dz1).")],
        "dL_db1": [(r["dL_dz1"], "it has one row per sample: sum the shares over the batch, "
                                 "dL_dz1.sum(axis=0).")],
    }[key]
    # a parameter gradient inherits the mistakes made in the ∂L/∂z it is built from
    if key in ("dL_dW2", "dL_db2", "dL_dW1", "dL_db1"):
        upstream, layer_input = ("dL_dz2", r["a1"]) if key.endswith("2") else ("dL_dz1", x)
        for wrong_dz, meaning in _suspects(upstream, r, x):
            wrong = wrong_dz.T @ layer_input if "dW" in key else wrong_dz.sum(axis=0)
            s.append((wrong, meaning))
    if key in PARAMETER_KEYS and n > 1:
        s.append((r[key] / n, f"{n}× too small: {twice}"))
    if per_batch and key in ("dL_dz2", *PARAMETER_KEYS, "dL_da1", "dL_dz1"):
        s.append((r[key] * n, per_batch))
    return s


def diagnose(key: str, got, r: dict, x: np.ndarray, rtol: float = 1e-6) -> str | None:
    """None if ``got`` matches the reference value of ``key``; else what is wrong with it, as a sentence."""
    expected = r[key]
    problem = compare_arrays("it", got, expected, rtol=rtol, atol=1e-9 if rtol < 1e-4 else 1e-7)
    if problem is None:
        return None
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return problem
    for candidate, meaning in _suspects(key, r, x):
        candidate = np.asarray(candidate, dtype=float)
        if (candidate.shape == got.shape and np.allclose(got, candidate, rtol=rtol, atol=1e-12)
                and not np.allclose(candidate, expected, rtol=rtol, atol=1e-12)):
            return meaning
    return problem


def _named(key: str) -> str:
    return f"{key} ({_TEXT[key]})"


def _cases():
    """(description, x, y, weights) the learner's backward is run on, simplest first."""
    rng = np.random.default_rng(5)
    random_weights = (rng.normal(0, 2, (2, 2)), rng.normal(0, 1, 2), rng.normal(0, 2, (1, 2)), rng.normal(0, 1, 1))
    x_rand = rng.normal(0, 1, (5, 2))
    y_rand = np.array([[1.0], [0.0], [0.0], [1.0], [1.0]])
    return [("the lesson's sample x = (0, 1), y = 1", XOR_X[1:2], XOR_Y[1:2], (W1, B1, W2, B2)),
            ("the XOR batch of 4", XOR_X, XOR_Y, (W1, B1, W2, B2)),
            ("a batch of 5 with random (non-symmetric) weights", x_rand, y_rand, random_weights)]


_SHAPES = ("(shapes: x (N, 2), W1 (2, 2), W2 (1, 2), dL_dz2 (N, 1), dL_dz1 (N, 2); W is (out, in), "
           "so dL_da1 = dL_dz2 @ W2 and dL_dW = dL_dz.T @ input)")


@guarded("Exercise 5.2")
def check_backward(backward) -> Feedback:
    """Run the learner's ``backward(x, y, W1, b1, W2, b2) -> dict`` against traced references."""
    ex = "Exercise 5.2"
    if not callable(backward):
        return Feedback(ex, False, f"expected your function backward, got {type(backward).__name__}.")
    for what, x, y, (w1, b1, w2, b2) in _cases():
        try:
            got = backward(x.copy(), y.copy(), w1.copy(), b1.copy(), w2.copy(), b2.copy())
        except ValueError as exc:
            if "matmul" in str(exc) or "broadcast" in str(exc) or "shapes" in str(exc):
                return Feedback(ex, False, f"for {what} your backward raised ValueError: {exc} {_SHAPES}")
            raise
        if not isinstance(got, dict):
            return Feedback(ex, False, f"backward should return a dict with keys {', '.join(BACKWARD_KEYS)}; "
                                       f"got {type(got).__name__}.")
        missing = [k for k in BACKWARD_KEYS if k not in got]
        if missing:
            return Feedback(ex, False, f"the dict backward returns lacks {', '.join(missing)} "
                                       f"(expected keys: {', '.join(BACKWARD_KEYS)}).")
        r = traced_pass(x, y, w1, b1, w2, b2)
        problems = {k: diagnose(k, got[k], r, x) for k in BACKWARD_KEYS}
        wrong = [k for k in BACKWARD_KEYS if problems[k]]
        if not wrong:
            continue
        first = wrong[0]
        if all(problems[k] is None for k in PARAMETER_KEYS):
            return Feedback(ex, False, f"for {what} your four parameter gradients are right, but {_named(first)} "
                                       f"is not: {problems[first]} (The checker compares every intermediate with "
                                       f"nnteach's trace, which records ∂L/∂z with the 1/N of the mean inside.)")
        return Feedback(ex, False, f"for {what}, the first quantity that disagrees with nnteach's trace is "
                                   f"{_named(first)}: {problems[first]}")
    return Feedback(ex, True, "all seven gradients match nnteach's trace: for one sample, for the XOR batch "
                              "of 4, and for random weights. You have written backpropagation.")


# ----------------------------------------------------------------------------- exercise 5.1
BY_HAND_X = np.array([[1.0, 1.0]])  # (1, 2)
BY_HAND_Y = np.array([[0.0]])  # (1, 1)


@guarded("Exercise 5.1")
def check_by_hand(answer) -> Feedback:
    """The learner's (dL_dz2, dL_dW2, dL_db1) for x = (1, 1), y = 0, to 0.1%; hand-rounded values are named."""
    ex = "Exercise 5.1"
    if not isinstance(answer, (tuple, list)) or len(answer) != 3:
        return Feedback(ex, False, "expected answer = (dL_dz2, dL_dW2, dL_db1): a tuple of three values.")
    r = traced_pass(BY_HAND_X, BY_HAND_Y)
    shapes = {"dL_dz2": (1, 1), "dL_dW2": (1, 2), "dL_db1": (2,)}
    values = {}
    for key, value in zip(("dL_dz2", "dL_dW2", "dL_db1"), answer):
        value = np.asarray(value, dtype=float)
        if key == "dL_dz2" and value.size == 1:
            value = value.reshape(1, 1)  # a plain number is fine for a single sample
        if value.shape != shapes[key] and value.size == int(np.prod(shapes[key])) and key == "dL_db1":
            value = value.reshape(shapes[key])
        values[key] = value
    rounded = _rounded_by_hand(values, r)
    if rounded:
        return Feedback(ex, False, rounded)
    for key, value in values.items():
        problem = diagnose(key, value, r, BY_HAND_X, rtol=1e-3)
        if problem:
            return Feedback(ex, False, f"{_named(key)}: {problem}")
    return Feedback(ex, True, f"∂L/∂z⁽²⁾ = ŷ − y = {r['dL_dz2'][0, 0]:.4f}, ∂L/∂W⁽²⁾ and ∂L/∂b⁽¹⁾ all match "
                              f"nnteach's trace.")


def _rounded_by_hand(values: dict, r: dict) -> str | None:
    """A sentence if every value agrees with the trace only to within rounding (1% or 0.0005), else None."""
    if any(v.shape != r[k].shape for k, v in values.items()):
        return None
    close = {k: np.allclose(v, r[k], rtol=1e-3, atol=1e-7) for k, v in values.items()}
    near = all(np.all(np.abs(v - r[k]) <= np.maximum(0.01 * np.abs(r[k]), 5e-4)) for k, v in values.items())
    if all(close.values()) or not near:
        return None
    key = next(k for k in values if not close[k])
    i = int(np.argmax(np.abs(values[key] - r[key])))
    return (f"your numbers agree with the trace only to within rounding ({_named(key)}: you have "
            f"{values[key].flat[i]:.6g}, the trace {r[key].flat[i]:.6g}). Pass the values as NumPy computes "
            f"them, the arrays themselves, not rounded by hand: the checker compares them to 0.1%.")


# ----------------------------------------------------------------------------- exercise 5.3
def _forward_difference(f, W: np.ndarray, h: float) -> np.ndarray:
    """The one-sided estimate (L(w + h) − L(w))/h, to recognise it in a learner's answer."""
    out = np.zeros_like(W)
    base = f()
    for i in np.ndindex(W.shape):
        old = W[i]
        W[i] = old + h
        out[i] = (f() - base) / h
        W[i] = old
    return out


@guarded("Exercise 5.3")
def check_numerical_gradient(numerical_gradient) -> Feedback:
    """Run the learner's ``numerical_gradient(f, W, h)`` on the XOR network; compare with nt.gradcheck."""
    ex = "Exercise 5.3"
    if not callable(numerical_gradient):
        got = type(numerical_gradient).__name__
        return Feedback(ex, False, f"expected your function numerical_gradient, got {got}.")
    h = 1e-5
    reference = nt.gradcheck(xor_network(), nt.BCELoss(), XOR_X, XOR_Y, h=h)
    model = xor_network()
    loss_fn = nt.BCELoss()

    def f() -> float:
        return loss_fn(model(XOR_X), XOR_Y)

    for name in ("0.weight", "0.bias"):
        W = dict(model.named_parameters())[name].data
        before = W.copy()
        got = numerical_gradient(f, W, h)
        if not np.array_equal(W, before):
            return Feedback(ex, False, f"after your function ran, {name} was changed: put each entry back "
                                       f"(W[i] = old) after nudging it, or every later loss is computed "
                                       f"with a wrong weight.")
        expected = reference.numeric[name]
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return Feedback(ex, False, f"numerical_gradient should return an array shaped like W, got "
                                       f"{type(got).__name__}.")
        if got.shape == expected.shape and np.all(got == 0):
            return Feedback(ex, False, f"your gradient for {name} is all zeros: the loss never changed. Did you "
                                       f"nudge a copy (W.copy(), or W = W + h) instead of W itself in place "
                                       f"(W[i] = old + h)? f() reads the array you were given.")
        if got.shape == expected.shape and not np.allclose(got, expected, rtol=1e-6, atol=1e-10):
            one_sided = _forward_difference(f, W, h)
            if np.allclose(got, one_sided, rtol=1e-6, atol=1e-12):
                return Feedback(ex, False, f"for {name} you computed the one-sided difference (L(w + h) − L(w))/h: "
                                           f"its error shrinks only like h. Use the central difference "
                                           f"(L(w + h) − L(w − h))/(2h), whose error shrinks like h².")
        problem = compare_arrays(f"your gradient of {name}", got, expected, rtol=1e-6, atol=1e-10)
        if problem:
            if "twice too large" in problem:
                problem += " The central difference divides by 2h, the distance between w − h and w + h."
            return Feedback(ex, False, problem)
    return Feedback(ex, True, "your central differences match nt.gradcheck's for 0.weight and 0.bias, and agree "
                              "with backpropagation's exact gradient within gradcheck's tolerance.")
