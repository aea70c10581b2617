"""Checkers for lesson 1, the neuron: a neuron's forward pass, a NAND gate, the decision line.

Each checker computes its reference with nnteach (a ``Linear(in, 1)`` with the given weights, then a
``Sigmoid``) and returns a :class:`~nnteach.exercises.Feedback` naming the first thing that
disagrees. Checkers never raise: see :func:`~nnteach.exercises.guarded`.
"""

from __future__ import annotations

import numpy as np

from nnteach.activations import Sigmoid
from nnteach.exercises.feedback import Feedback, call, compare_arrays, guarded
from nnteach.layers import Linear

# The four corners of the unit square, the inputs of every two-input logic gate.
BITS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # (4, 2)


def _neuron(w, b) -> Linear:
    """A one-neuron Linear(in, 1) holding the weights w (in,) and the bias b."""
    w = np.asarray(w, dtype=float).reshape(-1)
    layer = Linear(len(w), 1, init="zeros")
    layer.weight.data = w.reshape(1, -1)  # (1, in): one row, one neuron
    layer.bias.data = [float(b)]
    return layer


def _z(X, w, b) -> np.ndarray:
    """Pre-activation of the neuron for every row of X, shape (N,)."""
    return _neuron(w, b)(X)[:, 0]


def _a(X, w, b) -> np.ndarray:
    """Sigmoid output of the neuron for every row of X, shape (N,)."""
    return Sigmoid()(_neuron(w, b)(X))[:, 0]


def _close(got: np.ndarray, expected: np.ndarray) -> bool:
    return got.shape == expected.shape and np.allclose(got, expected, rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------- 1.1
@guarded("Exercise 1.1")
def check_neuron(neuron) -> Feedback:
    """Check ``neuron(X, w, b) -> a`` (N,): one sigmoid neuron applied to every row of X."""
    ex = "Exercise 1.1"
    rng = np.random.default_rng(101)
    X = rng.normal(size=(5, 3))  # (N, in)
    w = np.array([0.8, -1.3, 0.4])  # (in,)
    b = -0.6
    got = call(neuron, "neuron", X.copy(), w.copy(), b)
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return Feedback(ex, False, f"neuron should return a NumPy array of shape (5,), got {type(got).__name__}.")
    expected = _a(X, w, b)
    z = _z(X, w, b)
    if got.shape == (5, 1) and np.allclose(got[:, 0], expected):
        return Feedback(ex, False, "the numbers are right but the shape is (N, 1): return one value per sample, "
                                   "shape (N,), e.g. z = X @ w + b with w of shape (in,).")
    if got.shape == expected.shape:
        if _close(got, expected):
            return Feedback(ex, True, "correct: z = X @ w + b, then a = σ(z) = 1 / (1 + e^(−z)), "
                                      "for the whole batch at once.")
        if _close(got, z):
            return Feedback(ex, False, "you returned z, the weighted sum plus bias. Apply the activation: "
                                       "a = σ(z) = 1 / (1 + np.exp(-z)).")
        if _close(got, _a(X, w, 0.0)):
            return Feedback(ex, False, "the bias is missing: z = X @ w + b, then σ(z).")
        if _close(got, 1.0 - expected):
            return Feedback(ex, False, "you computed 1 / (1 + e^(+z)) = 1 − σ(z): the exponent is −z, "
                                       "so a = 1 / (1 + np.exp(-z)).")
        if _close(got, X @ w):
            return Feedback(ex, False, "you returned X @ w: add the bias b, then apply σ.")
    return Feedback(ex, False, compare_arrays("a", got, expected) or "a differs from the reference.")


# --------------------------------------------------------------------------- 1.2
_GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NOR": [1, 0, 0, 0], "NAND": [1, 1, 1, 0], "XOR": [0, 1, 1, 0]}


@guarded("Exercise 1.2")
def check_nand(answer) -> Feedback:
    """Check ``answer = (w, b)``: a sigmoid neuron that outputs > 0.99 where NAND is 1, < 0.01 where it is 0."""
    ex = "Exercise 1.2"
    try:
        w, b = answer
        w = np.asarray(w, dtype=float)
        b = float(b)
    except (TypeError, ValueError):
        return Feedback(ex, False, "answer should be a pair (w, b): w a list or array of 2 weights, b a number, "
                                   "e.g. answer = ([1.0, 2.0], -3.0).")
    if w.shape != (2,):
        return Feedback(ex, False, f"w should hold 2 weights (one per input), got shape {w.shape}.")
    a = _a(BITS, w, b)  # (4,)
    target = np.array(_GATES["NAND"])
    decided = (a > 0.5).astype(int)
    rows = ", ".join(f"{tuple(int(v) for v in x)} → {p:.3f}" for x, p in zip(BITS, a))
    if (decided == target).all():
        if np.all(np.where(target == 1, a > 0.99, a < 0.01)):
            return Feedback(ex, True, f"correct: your neuron is a NAND gate ({rows}).")
        i = int(np.argmax(np.where(target == 1, 0.99 - a, a - 0.01)))
        return Feedback(ex, False, f"every input is on the right side of the line, but not confidently: for "
                                   f"{tuple(int(v) for v in BITS[i])} the output is {a[i]:.3f}. Keep the line where "
                                   f"it is and make σ steeper: multiply w and b by 10.")
    for name, table in _GATES.items():
        if name != "NAND" and (decided == np.array(table)).all():
            hint = {"AND": " NAND is NOT(AND): flip the signs of w and b.",
                    "OR": " NAND outputs 0 only for (1, 1): move the line past (1, 1), i.e. between (1, 1) and "
                          "the other three, with the 'yes' side facing the origin."}.get(name, "")
            return Feedback(ex, False, f"your neuron computes {name}, not NAND ({rows}).{hint}")
    i = int(np.argmax(decided != target))
    x = tuple(int(v) for v in BITS[i])
    return Feedback(ex, False, f"for input {x} your neuron outputs {a[i]:.3f}, but NAND{x} = {target[i]} "
                               f"(outputs: {rows}). NAND is 1 unless both inputs are 1.")


# --------------------------------------------------------------------------- 1.3
@guarded("Exercise 1.3")
def check_decision_line(decision_line) -> Feedback:
    """Check ``decision_line(w, b) -> (m, c)``: the line x2 = m·x1 + c where w1·x1 + w2·x2 + b = 0."""
    ex = "Exercise 1.3"
    cases = [(np.array([1.5, -0.5]), 0.7), (np.array([2.0, 4.0]), -3.0), (np.array([-1.0, 0.25]), 0.5)]
    for w, b in cases:
        out = call(decision_line, "decision_line", w.copy(), b)
        try:
            m, c = (float(v) for v in out)
        except (TypeError, ValueError):
            return Feedback(ex, False, f"decision_line should return two numbers (m, c), got {out!r}.")
        m_ref, c_ref = -w[0] / w[1], -b / w[1]
        # The reference test: the neuron's z must be 0 at two points of the learner's line.
        x1 = np.array([0.0, 1.0])
        on_line = np.column_stack([x1, m * x1 + c])  # (2, 2)
        z = _z(on_line, w, b)
        if np.allclose(z, 0.0, atol=1e-9):
            continue
        case = f"for w = ({w[0]:g}, {w[1]:g}), b = {b:g}"
        mistakes = [
            (np.isclose(m, -m_ref) and np.isclose(c, c_ref), "the slope has the wrong sign: from "
             "w1·x1 + w2·x2 + b = 0, x2 = −(w1/w2)·x1 − b/w2."),
            (np.isclose(m, -w[1] / w[0]), "the slope is upside down: solve for x2, so divide by w2: m = −w1/w2."),
            (np.isclose(m, m_ref) and np.isclose(c, -c_ref), "the slope is right but the intercept has the wrong "
             "sign: c = −b/w2."),
            (np.isclose(m, m_ref) and np.isclose(c, -b / w[0]), "the slope is right but the intercept divides by w1: "
             "at x1 = 0 the line is where w2·x2 + b = 0, so c = −b/w2."),
            (np.isclose(m, m_ref) and np.isclose(c, b), "the slope is right but the intercept should be −b/w2."),
        ]
        for hit, message in mistakes:
            if hit:
                return Feedback(ex, False, f"{case}: {message}")
        return Feedback(ex, False, f"{case} you return m = {m:.4g}, c = {c:.4g}, but the neuron's z is not 0 on that "
                                   f"line (z = {z[0]:.4g} at x1 = 0, {z[1]:.4g} at x1 = 1). Expected m = {m_ref:.4g}, "
                                   f"c = {c_ref:.4g}.")
    return Feedback(ex, True, "correct: x2 = −(w1/w2)·x1 − b/w2. The neuron's z is 0 everywhere on it: "
                              "σ(z) = 0.5, the boundary between yes and no.")
