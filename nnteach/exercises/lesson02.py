"""Checkers for lesson 2, the dense layer: forward, backward, shapes, and converting learning rates.

References come from nnteach itself: ``nnteach.functional.linear`` / ``linear_backward`` and a real
``nt.Linear`` layer. Checkers never raise: see :func:`~nnteach.exercises.guarded`.
"""

from __future__ import annotations

import numpy as np

from nnteach import functional as F
from nnteach.exercises.feedback import Feedback, call, compare_arrays, guarded, numbers
from nnteach.layers import Linear
from nnteach.losses import MSELoss


def _data(n: int, fan_in: int, fan_out: int, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, fan_in))  # (N, in)
    W = rng.normal(size=(fan_out, fan_in))  # (out, in)
    b = rng.normal(size=fan_out)  # (out,)
    return x, W, b


def _same(got, expected) -> bool:
    got = np.asarray(got, dtype=float)
    return got.shape == np.shape(expected) and np.allclose(got, expected, rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------- 2.1
@guarded("Exercise 2.1")
def check_linear_forward(linear_forward) -> Feedback:
    """Check ``linear_forward(x, W, b) -> z`` against ``nnteach.functional.linear``."""
    ex = "Exercise 2.1"
    # A square layer first: there a mix-up of W and W.T gives the right shape and the wrong numbers.
    x, W, b = _data(4, 3, 3, seed=201)
    got = numbers(call(linear_forward, "linear_forward", x.copy(), W.copy(), b.copy()), "linear_forward")
    expected = F.linear(x, W, b)
    if not _same(got, expected):
        if _same(got, x @ W + b):
            return Feedback(ex, False, "you computed x @ W + b. W has shape (out, in), row j = neuron j, so "
                                       "neuron j's sum is x @ W[j]: z = x @ W.T + b.")
        if _same(got, x @ W.T):
            return Feedback(ex, False, "the bias is missing: z = x @ W.T + b "
                                       "(b of shape (out,) is added to every row).")
        if _same(got, (W @ x.T).T) or _same(got, W @ x.T + b[:, None]):
            return Feedback(ex, False, "you computed the column-vector form W xᵀ (+ b), shape (out, N). nnteach "
                                       "keeps samples in rows: z = x @ W.T + b, shape (N, out).")
        return Feedback(ex, False, compare_arrays("z", got, expected) or "z differs from the reference.")
    x, W, b = _data(5, 3, 2, seed=202)
    try:
        got = numbers(call(linear_forward, "linear_forward", x.copy(), W.copy(), b.copy()), "linear_forward")
    except ValueError as exc:
        return Feedback(ex, False, f"right for a square layer, but with in=3, out=2 your code raised ValueError "
                                   f"({exc}). Check the shapes: x (5, 3) @ W.T (3, 2) -> (5, 2).")
    expected = F.linear(x, W, b)
    if not _same(got, expected):
        return Feedback(ex, False, "right for a square layer but not for in=3, out=2: "
                        + (compare_arrays("z", got, expected) or "z differs."))
    return Feedback(ex, True, "correct: z = x @ W.T + b, shape (N, in) @ (in, out) + (out,) -> (N, out).")


# --------------------------------------------------------------------------- 2.2
def _reference_backward(dL_dz, x, W):
    """dL/dx, dL/dW, dL/db from a real nt.Linear's backward (its gradients start at zero)."""
    layer = Linear(W.shape[1], W.shape[0], init="zeros")
    layer.weight.data = W
    layer(x)
    dL_dx = layer.backward(dL_dz)
    return dL_dx, layer.weight.grad.copy(), layer.bias.grad.copy()


def _diagnose_dW(got, dL_dz, x, expected):
    n = len(x)
    if got.shape == expected.shape[::-1] and _same(got, x.T @ dL_dz):
        return ("dL_dW is transposed: x.T @ dL_dz has shape (in, out). W is (out, in), and a gradient has the "
                "shape of what it is the gradient of: dL_dW = dL_dz.T @ x.")
    if _same(got, expected / n):
        return (f"dL_dW is {n}× too small: do not divide by N here. The loss's mean already put the 1/N into "
                f"dL_dz; the layer sums each sample's share, dL_dW = dL_dz.T @ x.")
    if _same(got, expected * n):
        return f"dL_dW is {n}× too large: dL_dz already holds the whole batch; dL_dW = dL_dz.T @ x, no extra factor."
    return compare_arrays("dL_dW", got, expected)


def _diagnose_db(got, dL_dz, expected):
    n = len(dL_dz)
    if _same(got, dL_dz):
        return ("dL_db has shape (N, out): it is dL_dz itself. The bias is shared by all N samples, so sum "
                "their shares: dL_db = dL_dz.sum(axis=0).")
    if _same(got, dL_dz.sum(axis=1)):
        return ("dL_db sums over the wrong axis: axis=1 runs over the neurons. Sum over the samples: "
                "dL_dz.sum(axis=0), shape (out,).")
    if _same(got, dL_dz.mean(axis=0)):
        return (f"dL_db is {n}× too small: you averaged over the batch. Sum instead (dL_dz.sum(axis=0)): the "
                f"loss's mean already divided by N.")
    return compare_arrays("dL_db", got, expected)


def _diagnose_dx(got, dL_dz, W, expected):
    if W.shape[0] == W.shape[1] and _same(got, dL_dz @ W.T):
        return ("dL_dx uses W.T: z = x @ W.T, so going back multiplies by W itself: dL_dx = dL_dz @ W, "
                "(N, out) @ (out, in) -> (N, in).")
    if got.shape == expected.shape[::-1] and _same(got, W.T @ dL_dz.T):
        return "dL_dx is transposed (column-vector form Wᵀ δ): in nnteach samples are rows, dL_dx = dL_dz @ W."
    return compare_arrays("dL_dx", got, expected)


@guarded("Exercise 2.2")
def check_linear_backward(linear_backward) -> Feedback:
    """Check ``linear_backward(dL_dz, x, W) -> (dL_dx, dL_dW, dL_db)`` against ``nt.Linear.backward``."""
    ex = "Exercise 2.2"
    names = ("dL_dx", "dL_dW", "dL_db")
    # Non-square first (N=5, in=3, out=2): every transposition shows up as a wrong shape. Then a
    # square layer, where dL_dz @ W.T has the right shape and the wrong numbers.
    for n, fan_in, fan_out, seed in ((5, 3, 2, 211), (4, 3, 3, 212)):
        x, W, _ = _data(n, fan_in, fan_out, seed)
        dL_dz = np.random.default_rng(seed + 100).normal(size=(n, fan_out)) / n  # (N, out), carries the 1/N
        try:
            out = call(linear_backward, "linear_backward", dL_dz.copy(), x.copy(), W.copy())
        except ValueError as exc:
            return Feedback(ex, False, f"your code raised ValueError ({exc}) for N={n}, in={fan_in}, out={fan_out}. "
                                       f"Check each product's shapes: dL_dz is (N, out), x is (N, in), W is (out, in), "
                                       f"and each gradient has the shape of its variable.")
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            return Feedback(ex, False, "linear_backward should return three arrays: (dL_dx, dL_dW, dL_db).")
        got = [np.asarray(g, dtype=float) for g in out]
        expected = _reference_backward(dL_dz, x, W)
        shapes = [g.shape for g in got]
        want = [e.shape for e in expected]
        if sorted(shapes) == sorted(want) and shapes != want and fan_in != fan_out:
            return Feedback(ex, False, f"the three gradients come in the wrong order (shapes {shapes}): return "
                                       f"(dL_dx, dL_dW, dL_db) with shapes {want}.")
        diagnoses = (_diagnose_dx(got[0], dL_dz, W, expected[0]), _diagnose_dW(got[1], dL_dz, x, expected[1]),
                     _diagnose_db(got[2], dL_dz, expected[2]))
        for name, problem in zip(names, diagnoses):
            if problem:
                where = "" if fan_in != fan_out else " (on a square layer, in = out = 3)"
                return Feedback(ex, False, problem + where)
    return Feedback(ex, True, "correct: dL_dW = dL_dz.T @ x, dL_db = dL_dz.sum(axis=0), dL_dx = dL_dz @ W, "
                              "the same numbers as nt.Linear.backward.")


# --------------------------------------------------------------------------- 2.3
_SHAPE_KEYS = ("W", "b", "z", "dL_dW", "dL_dx", "params")


def _reference_shapes() -> dict:
    layer = Linear(784, 128, init="zeros")
    z = layer(np.zeros((32, 784)))
    dL_dx = layer.backward(np.ones_like(z))
    return {"W": layer.weight.shape, "b": layer.bias.shape, "z": z.shape, "dL_dW": layer.weight.grad.shape,
            "dL_dx": dL_dx.shape, "params": layer.num_parameters()}


@guarded("Exercise 2.3")
def check_layer_shapes(answer) -> Feedback:
    """Check a dict of the shapes of ``nt.Linear(784, 128)`` on a batch of 32, and its parameter count."""
    ex = "Exercise 2.3"
    if not isinstance(answer, dict):
        return Feedback(ex, False, f"answer should be a dict with the keys {list(_SHAPE_KEYS)}, "
                                   f"got {type(answer).__name__}.")
    if answer and all(v is None for v in answer.values()):
        return Feedback(ex, None, "not attempted yet: fill in the dict above and run it again.")
    missing = [k for k in _SHAPE_KEYS if k not in answer]
    if missing:
        return Feedback(ex, False, f"answer is missing the key(s) {missing}; expected {list(_SHAPE_KEYS)}.")
    ref = _reference_shapes()
    for key in _SHAPE_KEYS[:-1]:
        value = answer[key]
        if value is None:
            return Feedback(ex, False, f"answer[{key!r}] is still None: fill it in.")
        try:
            got = tuple(int(v) for v in (value if isinstance(value, (tuple, list)) else (value,)))
        except (TypeError, ValueError):
            return Feedback(ex, False, f"answer[{key!r}] should be a shape tuple like (2, 3), got {value!r}.")
        want = ref[key]
        if got == want:
            continue
        if got == want[::-1] and len(want) == 2:
            why = {"W": "nnteach stores W as (out, in): row j holds neuron j's 784 weights.",
                   "dL_dW": "a gradient has the shape of its parameter, and W is (out, in).",
                   "z": "samples are rows: z is (N, out).",
                   "dL_dx": "dL_dx has the shape of x, (N, in)."}[key]
            return Feedback(ex, False, f"answer[{key!r}] = {got} is transposed: {why}")
        hint = {"b": " One bias per neuron.", "z": " One row per sample, one column per neuron.",
                "dL_dx": " It has the shape of the input batch x.",
                "W": " One row per neuron, one column per input.", "dL_dW": " The same shape as W."}[key]
        return Feedback(ex, False, f"answer[{key!r}] = {got} is not right.{hint}")
    params = answer["params"]
    try:
        params = int(params)
    except (TypeError, ValueError):
        return Feedback(ex, False, f"answer['params'] should be a whole number, got {params!r}.")
    if params != ref["params"]:
        if params == 784 * 128:
            return Feedback(ex, False, "answer['params'] counts the weights only: add the 128 biases.")
        if params == 32 * 784 * 128 or params == 32 * (784 * 128 + 128):
            return Feedback(ex, False, "answer['params'] should not depend on the batch size: the same weights "
                                       "serve every sample.")
        return Feedback(ex, False, f"answer['params'] = {params} is not right: count the weights (out × in) "
                                   f"and the biases (out).")
    return Feedback(ex, True, f"correct: W {ref['W']}, b {ref['b']}, z {ref['z']}, dL_dW {ref['dL_dW']}, "
                              f"dL_dx {ref['dL_dx']}, {ref['params']:,} parameters (784·128 + 128).")


# --------------------------------------------------------------------------- 2.4
TUTORIAL_LR = 0.001
TUTORIAL_BATCH = 50


def _reference_lr() -> float:
    """The lr for nt.MSELoss giving the same SGD step as lr=0.001 on L = ½ Σₙ (ŷₙ − yₙ)², from real gradients."""
    rng = np.random.default_rng(240)
    x = rng.normal(size=(TUTORIAL_BATCH, 3))
    y = rng.normal(size=(TUTORIAL_BATCH, 1))
    grads = []
    for dL_dyhat in ("mse", "half_sum"):
        layer = Linear(3, 1, rng=1)
        y_pred = layer(x)
        if dL_dyhat == "mse":
            loss = MSELoss()
            loss(y_pred, y)
            layer.backward(loss.backward())
        else:
            layer.backward(y_pred - y)  # d/dŷ of ½ Σ (ŷ − y)²
        grads.append(layer.weight.grad.copy())
    ratio = grads[1] / grads[0]  # the tutorial's gradient is this many times nnteach's
    return TUTORIAL_LR * float(np.mean(ratio))


@guarded("Exercise 2.4")
def check_lr_conversion(answer) -> Feedback:
    """Check the learning rate for nt.MSELoss matching lr = 0.001 on ½·(sum of squared errors), batch 50."""
    ex = "Exercise 2.4"
    try:
        lr = float(answer)
    except (TypeError, ValueError):
        return Feedback(ex, False, f"answer should be a number (a learning rate), got {type(answer).__name__}.")
    ref = _reference_lr()  # 0.025
    if np.isclose(lr, ref, rtol=1e-6):
        return Feedback(ex, True, f"correct: ∇(½ Σ (ŷ − y)²) = (N/2)·∇MSE = 25·∇MSE, "
                                  f"so lr = 0.001 · 25 = {ref:g}.")
    n = TUTORIAL_BATCH
    known = [
        (TUTORIAL_LR * n, "you scaled by N = 50 for the sum, but the ½ matters too: MSE's gradient carries a 2 "
                          "(2(ŷ − y)/N) and ½·SE's does not (ŷ − y). Halve your answer."),
        (TUTORIAL_LR * n * 2, "the factor 2 goes the other way: the tutorial's gradient (ŷ − y) is half of the "
                              "un-averaged MSE gradient 2(ŷ − y), so its steps are smaller: lr · 50 / 2."),
        (TUTORIAL_LR, "the same lr gives a 25× smaller step here: nt.MSELoss divides by N = 50 and doubles, "
                      "so its gradient is 2/50 of the tutorial's."),
        (TUTORIAL_LR / n, "you divided by N, but the mean makes nnteach's gradient smaller, so the learning rate "
                          "must grow to compensate: multiply."),
        (TUTORIAL_LR / (n / 2), "the right factor, in the wrong direction: nnteach's gradient is 25× smaller, so "
                                "its lr must be 25× larger."),
        (TUTORIAL_LR / 2, "you accounted for the ½ but not for the sum over 50 samples (nnteach averages)."),
        (TUTORIAL_LR * 2, "you accounted for a factor 2 but not for the sum over 50 samples (nnteach averages)."),
    ]
    for value, message in known:
        if np.isclose(lr, value, rtol=1e-6):
            return Feedback(ex, False, f"lr = {lr:g}: {message}")
    return Feedback(ex, False, f"lr = {lr:g} gives a step {lr / ref:.3g}× the tutorial's. Compare the gradients: "
                               f"½ Σ (ŷ − y)² gives (ŷ − y) per sample, nt.MSELoss gives 2(ŷ − y)/N.")
