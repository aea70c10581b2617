r"""Checkers for lesson 8, building the framework (``notebooks/08_building_the_framework.ipynb``).

The learner writes Modules. Each checker builds one, runs ``nt.gradcheck`` on it (finite
differences against its ``backward``) and, when a gradient is wrong, compares the learner's
gradient with the typical wrong ones to say which mistake it is. The save/load checker round-trips
a model through ``nt.save`` and ``nt.load`` in a temporary folder.
"""

from __future__ import annotations

import json
import os
import tempfile

import numpy as np

import nnteach as nt
from nnteach.exercises.feedback import Feedback, compare_arrays, guarded

_X_SHAPE = (5, 3)  # a small batch: 5 samples, 3 features


def _batch(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs (kept away from 0 and ±1, where wrong formulas can agree by chance), targets, dL/da."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.3, 1.7, _X_SHAPE) * rng.choice([-1.0, 1.0], _X_SHAPE)  # (5, 3)
    return x, rng.normal(0, 1, _X_SHAPE), rng.normal(0, 1, _X_SHAPE)


def _module_class(cls, ex: str, name: str) -> Feedback | None:
    if isinstance(cls, type) and issubclass(cls, nt.Module):
        return None
    if isinstance(cls, nt.Module):
        return Feedback(ex, False, f"pass the class itself, check({type(cls).__name__}), not an instance.")
    return Feedback(ex, False, f"expected your class {name}, a subclass of nt.Module, got {cls!r:.60}.")


def _run_backward(module: nt.Module, x: np.ndarray, g: np.ndarray,
                  ex: str) -> tuple[np.ndarray | None, Feedback | None]:
    """Forward then backward once; the returned dL/dx, or feedback on what is wrong with the call."""
    out = module(x)
    if out is None:
        return None, Feedback(ex, False, "forward returned None: return the output array.")
    out = np.asarray(out, dtype=float)
    if out.shape != x.shape:
        return None, Feedback(ex, False, f"forward should keep the shape {x.shape} of its input, got {out.shape}.")
    dL_dx = module.backward(g)
    if dL_dx is None:
        return None, Feedback(ex, False, "backward returned None: it must return dL/dx, the gradient for the "
                                         "layer before (a Sequential passes it on).")
    dL_dx = np.asarray(dL_dx, dtype=float)
    if dL_dx.shape != x.shape:
        return None, Feedback(ex, False, f"backward should return dL/dx with the input's shape {x.shape}, "
                                         f"got {dL_dx.shape}.")
    return dL_dx, None


def _match(got, candidates) -> str | None:
    """The meaning of the first candidate that ``got`` equals (and that differs from the truth)."""
    truth = candidates[0][0]
    for value, meaning in candidates[1:]:
        if np.allclose(got, value, rtol=1e-6, atol=1e-12) and not np.allclose(value, truth, rtol=1e-6, atol=1e-12):
            return meaning
    return None


def _gradcheck(module: nt.Module, x: np.ndarray, y: np.ndarray):
    return nt.gradcheck(module, nt.MSELoss(), x, y)


def _gradcheck_summary(result) -> str:
    if result.ok:  # no noisy digits in a passing verdict: solutions notebooks store it
        return f"nt.gradcheck PASSED: every relative error is below {result.tol:g}"
    where = f"{result.where[0]}{list(result.where[1])}"
    return f"nt.gradcheck FAILED: max relative error {result.max_rel_error:.1e} at {where}"


# ----------------------------------------------------------------------------- exercise 8.1
@guarded("Exercise 8.1")
def check_square(Square) -> Feedback:
    """The learner's parameter-free ``Square`` module: a = x², dL/dx = 2x · dL/da."""
    ex = "Exercise 8.1"
    problem = _module_class(Square, ex, "Square")
    if problem is not None:
        return problem
    module = Square()
    x, y, g = _batch()
    out = np.asarray(module(x), dtype=float)
    if out.shape == x.shape and not np.allclose(out, x * x):
        return Feedback(ex, False, "forward should return x squared, element by element: x * x (or x ** 2).")
    dL_dx, problem = _run_backward(module, x, g, ex)
    if problem is not None:
        return problem
    meaning = _match(dL_dx, [
        (2 * x * g, ""),
        (g, "backward returned grad_output unchanged: multiply by the local derivative, da/dx = 2x."),
        (x * x * g, "you multiplied by a = x² (the output); the derivative of x² is 2x: cache x in forward."),
        (2 * x * x * g, "you multiplied by 2a = 2x²; the derivative of x² is 2x: cache the input x in forward."),
        (2 * x * np.ones_like(g), "you forgot grad_output: by the chain rule, dL/dx = dL/da · 2x."),
        (x * g, "half the right value: the derivative of x² is 2x, not x."),
    ])
    if meaning:
        return Feedback(ex, False, meaning)
    result = _gradcheck(module, x, y)
    if not result.ok:
        return Feedback(ex, False, f"{_gradcheck_summary(result)}. " + (compare_arrays(
            "your dL/dx", result.analytic["input"], result.numeric["input"], rtol=1e-5) or ""))
    if module.parameters():
        return Feedback(ex, False, "Square should have no parameters: x² has nothing to learn.")
    return Feedback(ex, True, f"forward and backward are right ({_gradcheck_summary(result)}).")


# ----------------------------------------------------------------------------- exercise 8.2
@guarded("Exercise 8.2")
def check_scale(Scale) -> Feedback:
    """The learner's ``Scale(features)``: a = x · s with one learnable s per feature."""
    ex = "Exercise 8.2"
    problem = _module_class(Scale, ex, "Scale")
    if problem is not None:
        return problem
    features = _X_SHAPE[1]
    module = Scale(features)
    params = module.parameters()
    if len(params) != 1 or params[0].shape != (features,):
        shapes = [p.shape for p in params]
        return Feedback(ex, False, f"Scale({features}) should hold one nt.Parameter of shape ({features},), "
                                   f"one scale per feature; it has {len(params)} with shapes {shapes}.")
    s = params[0]
    s.data = np.array([1.5, -0.7, 2.2])  # not ones: with s = 1 a forgotten factor s would go unnoticed
    x, y, g = _batch(1)
    out = np.asarray(module(x), dtype=float)
    if out.shape == x.shape and not np.allclose(out, x * s.data):
        return Feedback(ex, False, "forward should return x * scale: each column of x times its own scale.")
    module.zero_grad()
    dL_dx, problem = _run_backward(module, x, g, ex)
    if problem is not None:
        return problem
    meaning = _match(dL_dx, [
        (g * s.data, ""),
        (g, "backward returned grad_output unchanged: dL/dx = dL/da · s, multiply by the scale."),
        (g * x, "you returned dL/da · x, which is the scale's gradient (per sample); dL/dx = dL/da · s."),
    ])
    if meaning:
        return Feedback(ex, False, meaning)
    expected = (g * x).sum(axis=0)  # (3,): every sample adds its share
    meaning = _match(s.grad, [
        (expected, ""),
        (np.zeros(features), "the scale's gradient is still zero: add dL/ds = Σₙ dL/da · x to self.scale.grad."),
        (expected / len(x), f"the scale's gradient is {len(x)}× too small: a layer sums the samples' shares "
                            f"over the batch; the 1/N of the mean is already inside grad_output."),
        ((g * s.data).sum(axis=0), "the scale's gradient used s where it needs x: dL/ds = Σₙ dL/da · x."),
    ])
    if meaning:
        return Feedback(ex, False, meaning)
    first = s.grad.copy()
    module(x)
    module.backward(g)
    if np.allclose(s.grad, first) and not np.allclose(first, 0):
        return Feedback(ex, False, "a second backward replaced the scale's gradient instead of adding to it: use "
                                   "self.scale.grad += ... (gradients accumulate until zero_grad).")
    result = _gradcheck(module, x, y)
    if not result.ok:
        return Feedback(ex, False, f"{_gradcheck_summary(result)}. " + (compare_arrays(
            f"your gradient of {result.where[0]}", result.analytic[result.where[0]],
            result.numeric[result.where[0]], rtol=1e-5) or ""))
    return Feedback(ex, True, f"forward, dL/dx and dL/d(scale) are right ({_gradcheck_summary(result)}).")


# ----------------------------------------------------------------------------- exercise 8.3
@guarded("Exercise 8.3")
def check_saveable(SaveableScale) -> Feedback:
    """Save a model ending in the learner's module with nt.save, load it back, compare predictions."""
    ex = "Exercise 8.3"
    problem = _module_class(SaveableScale, ex, "SaveableScale")
    if problem is not None:
        return problem
    name = SaveableScale.__name__
    layer = SaveableScale(3)
    config = layer.get_config()
    try:
        json.dumps(config)
    except (TypeError, ValueError) as exc:
        return Feedback(ex, False, f"get_config() returned {config!r:.80}, which JSON cannot store ({exc}). Return "
                                   f"plain Python values, e.g. {{'features': int(self.features)}}; the weights are "
                                   f"saved separately, as .npy files.")
    model = nt.Sequential(nt.Linear(2, 3, rng=0), layer)
    for p in layer.parameters():
        p.data = np.linspace(-1.5, 2.0, p.size).reshape(p.shape)
    x = _batch(2)[0][:, :2]  # (5, 2)
    before = np.asarray(model(x), dtype=float)
    home = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.nnteach")
        try:
            nt.save(model, path)  # it rebuilds the model from its config first, as nt.load will
            loaded = nt.load(path)
        except ValueError as exc:
            message = str(exc).replace(path, "model.nnteach").replace(home, ".")
            return Feedback(ex, False, f"nt.load could not rebuild your layer, whose get_config() is {config!r} "
                                       f"(nt.save checks this before writing). It said: “{message}” nt.load calls "
                                       f"{name}(**get_config()), so get_config must return the arguments of __init__, "
                                       f"e.g. {{'features': self.features}}.")
    if type(loaded[1]).__name__ != name:
        return Feedback(ex, False, f"the loaded model's last layer is a {type(loaded[1]).__name__}, not a {name}.")
    if loaded[1].get_config() != config:
        return Feedback(ex, False, f"the rebuilt layer's get_config() is {loaded[1].get_config()!r}, the saved one "
                                   f"was {config!r}: __init__ should store its arguments unchanged.")
    after = np.asarray(loaded(x), dtype=float)
    if not np.array_equal(before, after):
        return Feedback(ex, False, "the loaded model predicts differently: " + (compare_arrays(
            "the predictions after loading", after, before) or "") + " Does __init__ create the parameter under "
            "the same name, with the same shape?")
    return Feedback(ex, True, f"saved, loaded and rebuilt from {config!r}: the same predictions, to the last bit.")
