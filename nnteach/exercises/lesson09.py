"""Checkers for lesson 9, the playground (``notebooks/09_playground.ipynb``).

Both checkers train a real :class:`~nnteach.widgets.PlaygroundState` (seeded, so the verdict is the
same on every machine) and report its accuracy; they never raise (see
:func:`~nnteach.exercises.guarded`).

* :func:`check_smallest_circles` (Exercise 9.1): the smallest network that separates ``circles``.
* :func:`check_spiral_lr` (Exercise 9.2): a learning rate that trains ``spiral`` within 25 chunks.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from nnteach.exercises.feedback import Feedback, guarded

# --------------------------------------------------------------------------- Exercise 9.1
CIRCLES_EPOCHS = 200
CIRCLES_TARGET = 0.95
CIRCLES_SETTINGS = ("hidden", "activation", "lr", "optimizer", "batch_size")
SMALLEST = 3  # hidden neurons: one layer of 3, a triangle around the inner circle


def _settings(answer, allowed) -> tuple[dict | None, str | None]:
    """The learner's answer as PlaygroundState settings: a tuple of widths, or a dict of settings."""
    if isinstance(answer, (tuple, list)):
        return {"hidden": tuple(answer)}, None
    if not isinstance(answer, dict):
        return None, (f"answer should be a tuple of hidden-layer widths such as (4, 4), or a dict of settings "
                      f"such as {{'hidden': (4,), 'optimizer': 'adam', 'lr': 0.03}}; got {type(answer).__name__}.")
    unknown = [k for k in answer if k not in allowed]
    if unknown:
        return None, f"unknown setting(s) {unknown}: choose among {', '.join(allowed)}."
    if "hidden" not in answer:
        return None, "the dict needs 'hidden', the widths of the hidden layers, e.g. {'hidden': (4,)}."
    settings = dict(answer)
    if isinstance(settings["hidden"], list):
        settings["hidden"] = tuple(settings["hidden"])
    return settings, None


def _describe(state) -> str:
    cfg = state.config
    return (f"{'-'.join(map(str, state.layer_sizes))} ({cfg.activation}, {cfg.optimizer} lr={cfg.lr:g}, "
            f"{state.model.num_parameters()} parameters)")


def _why_too_small(hidden: tuple, activation: str) -> str:
    if not hidden:
        return ("Without a hidden layer the network is one neuron: it draws one straight line, and no line "
                "cuts the inner circle out of the outer one.")
    if activation == "identity":
        return ("With the identity activation every layer is linear, and linear layers in a row are one linear "
                "map: the boundary is still one straight line. Use a non-linear activation.")
    if hidden[0] == 1:
        return ("The first hidden layer has 1 neuron: everything after it sees one number, the position of the "
                "point along one direction, and along every direction inner and outer points overlap.")
    if len(hidden) == 1:
        return (f"One hidden layer of {hidden[0]} neurons draws {hidden[0]} bent lines; the output can "
                f"combine them into a strip, but {hidden[0]} lines cannot enclose the inner circle. Enclosing "
                f"a region takes at least 3 lines: a triangle.")
    return ("Every point passes through 2 neurons first, so the next layers see the plane bent but still with the "
            "inner circle surrounded by the outer one. A wide layer after it could in principle undo that, but "
            "such a network is never smaller than the answer with one layer.")


@guarded("Exercise 9.1")
def check_smallest_circles(answer) -> Feedback:
    """Train ``PlaygroundState("circles", seed=0, **settings)`` for 200 epochs; pass for the smallest that separates.

    ``answer`` is a tuple of hidden-layer widths, e.g. ``(4, 4)``, or a dict of settings with
    ``hidden`` and any of activation, lr, optimizer, batch_size. "Separates" means train and test
    accuracy of at least 95%; "smallest" counts hidden neurons.
    """
    from nnteach.widgets.playground_state import PlaygroundState

    ex = "Exercise 9.1"
    settings, problem = _settings(answer, CIRCLES_SETTINGS)
    if problem:
        return Feedback(ex, False, problem)
    try:
        state = PlaygroundState("circles", seed=0, **settings)
    except (TypeError, ValueError) as exc:
        return Feedback(ex, False, f"PlaygroundState refused these settings: {exc}")
    state.train_chunk(CIRCLES_EPOCHS)
    hidden = state.config.hidden
    neurons = sum(hidden)
    net = _describe(state)
    if state.diverged:
        return Feedback(ex, False, f"training {net} diverged: {state.message}")
    train, test = state.train_accuracy[-1], state.test_accuracy[-1]
    score = f"train accuracy {train:.3f}, test accuracy {test:.3f} after {CIRCLES_EPOCHS} epochs"
    if train >= CIRCLES_TARGET and test >= CIRCLES_TARGET:
        if neurons <= SMALLEST:
            return Feedback(ex, True, f"{net} separates the circles: {score}. It is the smallest: each hidden neuron "
                                      f"draws one line, and it takes three lines, a triangle, to enclose the inner "
                                      f"circle; the output neuron says 'inside all three'.")
        return Feedback(ex, False, f"{net} separates the circles ({score}), but it has {neurons} hidden neurons. "
                                   f"A smaller network can do it too: remove layers and neurons until it fails, "
                                   f"then step back.")
    if neurons < SMALLEST or state.config.activation == "identity" or hidden[0] <= 2:
        return Feedback(ex, False, f"{net} reaches only {score}. {_why_too_small(hidden, state.config.activation)}")
    stalled = (" An accuracy of about 0.5 means it learned nothing: a learning rate far too large (saturated "
               "neurons) or far too small." if train < 0.6 else "")
    return Feedback(ex, False, f"{net} reaches only {score} (the target is {CIRCLES_TARGET:.0%} on both). This "
                               f"architecture can draw the boundary, but training did not get there in "
                               f"{CIRCLES_EPOCHS} epochs: try another learning rate or optimizer (Adam, lr 0.03), "
                               f"and watch it in the Playground.{stalled}")


# --------------------------------------------------------------------------- Exercise 9.2
SPIRAL = {"hidden": (8, 8), "activation": "tanh", "loss": "mse", "optimizer": "sgd", "batch_size": 10,
          "epochs_per_chunk": 2, "seed": 0}
SPIRAL_CHUNKS = 25
SPIRAL_TARGET = 0.95


@guarded("Exercise 9.2")
def check_spiral_lr(lr) -> Feedback:
    """Train the lesson's spiral network (2-8-8-1 tanh, MSE, plain SGD) for 25 chunks with learning rate ``lr``.

    Pass: no divergence and a train accuracy of at least 95% after 25 chunks (50 epochs).
    """
    from nnteach.widgets.playground_state import PlaygroundState

    ex = "Exercise 9.2"
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr <= 0:
        return Feedback(ex, False, f"lr should be one positive number, such as 0.01; got {lr!r}.")
    lr = float(lr)
    state = PlaygroundState("spiral", lr=lr, **SPIRAL)
    for _ in range(SPIRAL_CHUNKS):
        if not state.train_chunk():
            break
    losses = np.array(state.train_losses)
    if state.diverged:
        return Feedback(ex, False, f"with lr = {lr:g} training diverged in epoch {state.epoch + 1}: the loss "
                                   f"grew from {losses[0]:.3f} to overflow. Each step overshot the minimum by more "
                                   f"than the one before. Try a smaller learning rate (say 3× smaller).")
    acc = state.train_accuracy[-1]
    score = (f"after {SPIRAL_CHUNKS} chunks ({state.epoch} epochs): train accuracy {acc:.3f}, test accuracy "
             f"{state.test_accuracy[-1]:.3f}, loss {losses[-1]:.4f}")
    if acc >= SPIRAL_TARGET:
        return Feedback(ex, True, f"lr = {lr:g} converges: {score}. Smaller learning rates crawl, and not much larger "
                                  f"ones diverge: the range that works within 25 chunks is narrow here.")
    recent = losses[-11:]  # the last 5 chunks
    if losses[-1] > 1.5 * np.min(losses):
        return Feedback(ex, False, f"with lr = {lr:g}, {score}, but the loss jumps around (lowest so far "
                                   f"{np.min(losses):.4f}): the steps are almost too large. Try a slightly smaller lr.")
    if recent[-1] < 0.97 * recent[0]:
        return Feedback(ex, False, f"with lr = {lr:g}, {score}; the loss is still falling ({recent[0]:.4f} → "
                                   f"{recent[-1]:.4f} over the last 5 chunks): it would get there, but too slowly. "
                                   f"Try a larger learning rate.")
    return Feedback(ex, False, f"with lr = {lr:g}, {score}; the loss has almost stopped falling short of the target. "
                               f"Try a larger learning rate.")
