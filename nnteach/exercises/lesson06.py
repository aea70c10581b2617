"""Checkers for lesson 6, watching XOR learn (``notebooks/06_watching_xor_learn.ipynb``).

Every reference number comes from the XOR visualizer's own state, :class:`~nnteach.widgets.XorState`,
which reads it from a trace of the real training step. The checkers never move the learner's state
(they step a copy), and never raise: see :func:`~nnteach.exercises.guarded`.

* :func:`check_prediction` (Exercise 6.1): the numbers ▶ will show next, predicted before stepping.
* :func:`check_xor_weights` (Exercise 6.2): hand-set weights for a 2-H-1 sigmoid network that
  computes XOR; says which of the four inputs is wrong and what each hidden neuron computes.
* :func:`check_unstuck` (Exercise 6.3): settings that let training from seed 0 escape its dead end.
"""

from __future__ import annotations

import copy
import math
import numbers

import numpy as np

import nnteach as nt
from nnteach.exercises.feedback import Feedback, guarded
from nnteach.tracing.notation import grad, num, sym
from nnteach.widgets.xor_config import CLASSIC_WEIGHTS  # plain Python: no ipywidgets

XOR_Y = (0, 1, 1, 0)
INPUTS = ((0, 0), (0, 1), (1, 0), (1, 1))
# A truth table over the four inputs (0,0), (0,1), (1,0), (1,1) -> the name of the function it is.
GATES = {(0, 0, 0, 0): "always 0", (1, 1, 1, 1): "always 1", (0, 0, 0, 1): "AND", (0, 1, 1, 1): "OR",
         (1, 1, 1, 0): "NAND", (1, 0, 0, 0): "NOR", (0, 1, 1, 0): "XOR", (1, 0, 0, 1): "XNOR",
         (0, 0, 1, 1): "x₁", (0, 1, 0, 1): "x₂", (1, 1, 0, 0): "NOT x₁", (1, 0, 1, 0): "NOT x₂",
         (0, 0, 1, 0): "x₁ AND NOT x₂", (0, 1, 0, 0): "x₂ AND NOT x₁", (1, 1, 0, 1): "NOT x₁ OR x₂",
         (1, 0, 1, 1): "x₁ OR NOT x₂"}
MAX_EVENTS = 40  # a prediction covers at most this many events (a step of a 2-2-1 network has 23)


def _t(v) -> str:  # a number as the visualizer prints it
    return num(v).text


def _as_state(state):
    """The XorState behind ``state`` (an XorState or an XorVisualizer), or None."""
    from nnteach.widgets.xor_state import XorState

    return next((s for s in (state, getattr(state, "state", None)) if isinstance(s, XorState)), None)


# --------------------------------------------------------------------------- Exercise 6.1
def _close(got: float, expected: float) -> bool:
    """Close enough for a number worked out by hand from the 3-digit values on screen."""
    return abs(got - expected) <= max(0.02 * abs(expected), 0.0015)


def revealed(frame):
    """The number (or row of numbers) that ``frame``'s event has just revealed, and its name."""
    ev, q = frame.event, frame.event.quantity
    if q == "x":
        return "x", tuple(frame.x)
    if q == "L":
        return "L", frame.loss
    n = frame.neurons[ev.layer][ev.neuron]
    L, J = ev.layer + 1, ev.neuron + 1
    fan_in = len(frame.weights[ev.layer][ev.neuron])
    if q == "update":
        names = [sym("w", L, J, i + 1).text for i in range(fan_in)] + [sym("b", L, J).text]
        return f"the new [{', '.join(names)}]", (*frame.weights[ev.layer][ev.neuron], frame.biases[ev.layer][ev.neuron])
    value = getattr(n, q)  # z, a, dL_da, dL_dz, dL_dW (a row) or dL_db
    if q == "dL_dW":
        return "[" + ", ".join(grad(sym("w", L, J, i + 1)).text for i in range(fan_in)) + "]", value
    return (f"ŷ = {ev.label}" if q == "a" and ev.layer == len(frame.biases) - 1 else ev.label), value


def _sigmoid(v: float) -> float:
    return 0.5 * (1 + math.tanh(v / 2))  # σ without overflow


def _suspects(state, frame) -> list[tuple[object, str]]:
    """Typical wrong predictions of ``frame``'s number, each with what it means (sample mode, exact)."""
    ev, q = frame.event, frame.event.quantity
    out_layer = len(frame.biases) - 1
    n_batch = len(frame.rows)
    y, l, j = frame.y, ev.layer, ev.neuron
    s: list[tuple[object, str]] = []
    if q == "z":
        inputs = frame.x if l == 0 else tuple(m.a for m in frame.neurons[l - 1])
        w, b = frame.weights[l][j], frame.biases[l][j]
        dot = float(np.dot(w, inputs))
        s += [(dot, "the bias is missing: z = w·input + b."),
              (dot - b, "you subtracted the bias: z = w·input + b (add b, whatever its sign)."),
              (-(dot + b), "the sign is flipped: z = w·input + b.")]
        if l > 0:
            zs = tuple(m.z for m in frame.neurons[l - 1])
            s.append((float(np.dot(w, zs)) + b, "you fed the hidden neurons' z forward: the output layer's "
                                                  "inputs are their activations a⁽¹⁾."))
    elif q == "a":
        n = frame.neurons[l][j]
        name = "sigmoid" if l == out_layer else state.activation
        s.append((n.z, f"that is z, before the activation: apply {'σ' if name == 'sigmoid' else name} to it."))
        if name == "sigmoid":
            s.append((1 - n.a, "you computed σ(−z) = 1 − σ(z): σ(z) = 1 / (1 + e^(−z)), with the minus in the exponent."))
    elif q == "L":
        y_hat = frame.neurons[out_layer][0].a
        if state.loss == "bce":
            s += [(-math.log(y_hat) if y == 0 else -math.log(1 - y_hat),
                   f"you used the {'y = 1' if y == 0 else 'y = 0'} half of the cross-entropy: for y = {_t(y)}, "
                   f"L = {'−log(1 − ŷ)' if y == 0 else '−log ŷ'}."),
                  ((y_hat - y) ** 2, "that is the squared error; this network's loss is binary cross-entropy, "
                                     "L = −[y log ŷ + (1 − y) log(1 − ŷ)]."),
                  (-frame.loss, "the sign is flipped: L = −log(...), and a loss is never negative.")]
        else:
            s += [(v, "square it: the MSE is (ŷ − y)².") for v in (y_hat - y, abs(y_hat - y))]
    elif q == "dL_da" and l == out_layer:
        y_hat = frame.neurons[out_layer][0].a
        s += [((y_hat - y) / n_batch, "that is ∂L/∂z⁽²⁾ = ŷ − y. One step earlier, ∂L/∂ŷ still has the "
                                      "factor 1/σ′ = 1/(ŷ(1 − ŷ)) that cancels only after the sigmoid."),
              (-frame.neurons[l][j].dL_da, "the sign is flipped: ∂L/∂ŷ is positive when ŷ is above y.")]
    elif q == "dL_dz":
        n = frame.neurons[l][j]
        name = "sigmoid" if l == out_layer else state.activation
        s += [(n.dL_da, f"you stopped at ∂L/∂a: multiply by the activation's slope "
                        f"{'σ′(z) = a(1 − a)' if name == 'sigmoid' else name + '′(z)'}."),
              (-n.dL_dz, "the sign is flipped" + (": ∂L/∂z⁽²⁾ = ŷ − y, prediction minus target." if l == out_layer
                                                   else "."))]
        if name == "sigmoid":
            s.append((n.dL_da * _sigmoid(n.a) * (1 - _sigmoid(n.a)),
                      "σ′ was evaluated at a instead of z: σ′(z) = a(1 − a), with the a you already have."))
        if n_batch > 1:
            s.append((n.dL_dz * n_batch, f"the 1/N of the batch mean is missing: N = {n_batch}."))
    elif q == "dL_da":  # a hidden neuron
        nxt = frame.neurons[l + 1]
        s.append((sum(m.dL_dz for m in nxt), "the weight is missing: a hidden neuron receives ∂L/∂z of the "
                                             "neuron above times the weight between them."))
        if frame.neurons[l][j].dL_da is not None:
            s.append((-frame.neurons[l][j].dL_da, "the sign is flipped: ∂L/∂a⁽¹⁾ = ∂L/∂z⁽²⁾·w⁽²⁾, keep both signs."))
    elif q == "update":
        g = (*frame.neurons[l][j].dL_dW, frame.neurons[l][j].dL_db)
        new = (*frame.weights[l][j], frame.biases[l][j])
        old = tuple(v + state.lr * d for v, d in zip(new, g))
        s += [(tuple(o + state.lr * d for o, d in zip(old, g)), "the step went up the gradient: gradient descent "
                                                                 "subtracts, w ← w − η·∂L/∂w."),
              (tuple(o - d for o, d in zip(old, g)), f"the learning rate is missing: w ← w − η·∂L/∂w, η = {_t(state.lr)}."),
              (old, "these are the weights before the step: the update moves each by −η·∂L/∂w.")]
    elif q == "dL_dW" and l == out_layer and n_batch == 1:
        s.append((tuple(frame.neurons[l][j].dL_dz * v for v in frame.x),
                  "you multiplied by the network's input x; the output layer's input is the hidden activation a⁽¹⁾."))
    return s


def _matches(got, expected, base=None) -> bool:
    """``got`` close to ``expected``; for an update (``base``: the values before it), the *changes* must agree."""
    if isinstance(expected, tuple):
        if not (isinstance(got, tuple) and len(got) == len(expected)):
            return False
        if base is not None:  # an update moves a weight by a tiny amount: compare the moves
            return all(abs((g - b) - (e - b)) <= max(0.05 * abs(e - b), 2e-5) for g, e, b in zip(got, expected, base))
        return all(map(_close, got, expected))
    return not isinstance(got, tuple) and _close(got, expected)


def _as_prediction(value):
    """A number as float, a row as a tuple of floats; None if it is neither."""
    if isinstance(value, (list, tuple, np.ndarray)):
        try:
            return tuple(float(v) for v in np.asarray(value, dtype=float).reshape(-1))
        except (TypeError, ValueError):
            return None
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return None


def _show(value, base=None) -> str:
    if base is not None:  # an update: enough digits to see the move, and the move itself
        moves = ", ".join(f"{v - b:+.3g}".replace("-", "−") for v, b in zip(value, base))
        return "[" + ", ".join(f"{v:.6g}".replace("-", "−") for v in value) + f"] (moves {moves})"
    return "[" + ", ".join(map(_t, value)) + "]" if isinstance(value, tuple) else _t(value)


def _copy_of(state):
    """An independent copy of an XorState that can run further training steps.

    ``copy.deepcopy`` copies the parameters out of the optimizer's flat buffer, so the copy needs a
    fresh optimizer (plain SGD has no state of its own: the next steps are exactly the original's).
    """
    probe = copy.deepcopy(state)
    probe.optimizer = nt.SGD(probe.model.parameters(), lr=probe.lr)
    probe.trainer = nt.Trainer(probe.model, probe.loss_fn, probe.optimizer)  # XorState.reset builds the same
    return probe


@guarded("Exercise 6.1")
def check_prediction(prediction, state) -> Feedback:
    """Check predictions of the next numbers ▶ will show in ``state`` (an XorState or XorVisualizer).

    Args:
        prediction: one number for the next event, or a list with one entry per coming event; an
            entry for ∂L/∂w (a row) or for an update (the new weights and bias) is itself a list.
            The list may end early with None.
        state: the XorState (or XorVisualizer) you are predicting for. It is not moved: the checker
            steps a copy, so run ``state.next()`` afterwards to watch the numbers appear.
    """
    ex = "Exercise 6.1"
    real = _as_state(state)
    if real is None:
        return Feedback(ex, False, f"pass the XorState (or XorVisualizer) you are predicting for as the second "
                                   f"argument, got {type(state).__name__}.")
    entries = list(prediction) if isinstance(prediction, (list, tuple)) else [prediction]
    while entries and entries[-1] is None:  # a list may end early with None
        entries.pop()
    if not entries or entries[0] is None:
        return Feedback(ex, None, "not attempted yet: put your predictions in the list and run the checker again.")
    if len(entries) > MAX_EVENTS:
        return Feedback(ex, False, f"that is {len(entries)} predictions; predict at most {MAX_EVENTS} events ahead.")
    probe = _copy_of(real)  # the learner's state stays where it is
    results = []
    for k, entry in enumerate(entries, start=1):
        frame = probe.next("event")
        name, value = revealed(frame)
        expected = tuple(value) if isinstance(value, tuple) else float(value)
        got = _as_prediction(entry)
        where = f"step {frame.step}, event {frame.event_index + 1} of {frame.num_events}"
        if got is None or (len(got) if isinstance(got, tuple) else None) != (
                len(expected) if isinstance(expected, tuple) else None):
            shape = f"a list of {len(expected)} numbers" if isinstance(expected, tuple) else "one number"
            return Feedback(ex, False, f"prediction {k} is {entry!r}, but the number ▶ shows there ({where}) is "
                                       f"{name}, which is {shape}.")
        base = None
        if frame.event.quantity == "update":  # the values before the step: SGD's new = old − η·g, so old = new + η·g
            n = frame.neurons[frame.event.layer][frame.event.neuron]
            base = tuple(v + real.lr * g for v, g in zip(expected, (*n.dL_dW, n.dL_db)))
        if not _matches(got, expected, base):
            hint = next((meaning for candidate, meaning in _suspects(real, frame)
                         if _matches(got, candidate, base) and not _matches(candidate, expected, base)),
                        "")
            if not hint and base is not None and all(abs(g - e) <= 6e-4 for g, e in zip(got, expected)):
                hint = ("Close, but an update moves a weight by thousandths: rounded to 3 decimals the move is lost. "
                        "Compute w − η·∂L/∂w with more digits.")
            right = {1: "", 2: " (the first one was right)"}.get(k, f" (the first {k - 1} were right)")
            hint = hint[:1].upper() + hint[1:] if hint else ("Recompute it from the numbers on screen just before "
                                                             "it, with the equation of this event.")
            return Feedback(ex, False, f"prediction {k}{right}: ▶ shows {name} = {_show(expected, base)} ({where}), "
                                       f"you predicted {_show(got, base)}. {hint}")
        results.append(f"{name} = {_show(expected, base)}")
    count = "your prediction is right" if len(results) == 1 else f"all {len(results)} predictions are right"
    return Feedback(ex, True, f"{count}: " + "; ".join(results)
                    + ". Now step and watch them appear: state.next().")


# --------------------------------------------------------------------------- Exercise 6.2
CLASSIC = {name: np.array(value) for name, value in CLASSIC_WEIGHTS.items()}  # lesson 5's weights
_FORMAT = ("weights should be a dict like {'0.weight': [[w11, w12], [w21, w22]], '0.bias': [b1, b2], "
           "'2.weight': [[v1, v2]], '2.bias': [c]}: one row of 0.weight per hidden neuron")


def _gate(bits) -> str:
    return GATES.get(tuple(int(b) for b in bits), "a mix")


def _parse_weights(weights) -> tuple[dict | None, str | None]:
    """The learner's weights as arrays of the right shapes, or (None, what is wrong)."""
    if not isinstance(weights, dict):
        return None, f"{_FORMAT}; got {type(weights).__name__}."
    missing = [k for k in CLASSIC if k not in weights]
    extra = [k for k in weights if k not in CLASSIC]
    if missing or extra:
        return None, (f"{_FORMAT}. " + (f"Missing: {', '.join(missing)}. " if missing else "")
                      + (f"Not a parameter of the network: {', '.join(map(str, extra))}." if extra else "")).strip()
    try:
        arrays = {k: np.asarray(v, dtype=float) for k, v in weights.items()}
    except (TypeError, ValueError):
        return None, f"{_FORMAT}: every entry must be numbers."
    W1 = arrays["0.weight"]
    if W1.ndim != 2 or W1.shape[1] != 2 or not 1 <= W1.shape[0] <= 8:
        return None, (f"'0.weight' should have shape (H, 2), one row [w_j1, w_j2] per hidden neuron (H = 1..8), "
                      f"got shape {W1.shape}.")
    h = W1.shape[0]
    for key, shape in (("0.bias", (h,)), ("2.weight", (1, h)), ("2.bias", (1,))):
        if arrays[key].size == int(np.prod(shape)):  # a flat row or a plain number is fine
            arrays[key] = arrays[key].reshape(shape)
        if arrays[key].shape != shape:
            return None, (f"with {h} hidden neuron{'s' * (h > 1)}, '{key}' should have shape {shape}, "
                          f"got {np.shape(weights[key])}.")
    bad = [k for k, v in arrays.items() if not np.isfinite(v).all()]
    if bad:
        return None, f"'{bad[0]}' contains NaN or infinity."
    return arrays, None


@guarded("Exercise 6.2")
def check_xor_weights(weights) -> Feedback:
    """Check hand-set weights of a 2-H-1 sigmoid network: ŷ > 0.9 where XOR is 1, < 0.1 where it is 0.

    The forward pass is the XOR visualizer's (``XorState(weights=...)``, read from a trace), so
    ``XorVisualizer(weights=weights)`` shows the same numbers. Lesson 5's weights do not count.
    """
    from nnteach.widgets.xor_state import XorState

    ex = "Exercise 6.2"
    arrays, problem = _parse_weights(weights)
    if problem:
        return Feedback(ex, False, problem)
    frame = XorState(weights=arrays).frame()  # the cursor is before the first step: these are your weights
    y_hat, hidden = np.array(frame.predictions), np.array(frame.hidden)  # (4,), (4, H)
    rows = ", ".join(f"{INPUTS[i]} → {y_hat[i]:.3f}" for i in range(4))
    neurons = "; ".join(f"hidden neuron {j + 1} computes {_gate(hidden[:, j] > 0.5)}" for j in range(hidden.shape[1]))
    if all(arrays[k].shape == v.shape and np.allclose(arrays[k], v) for k, v in CLASSIC.items()):
        return Feedback(ex, False, "these are lesson 5's weights (an OR and an AND neuron). Find another way: for "
                                   "example XOR = OR AND NAND, with the output neuron as the AND.")
    target = np.array(XOR_Y)
    decided = (y_hat > 0.5).astype(int)
    wrong = [i for i in range(4) if decided[i] != target[i]]
    if wrong:
        listed = "; ".join(f"x = {INPUTS[i]} gives ŷ = {y_hat[i]:.3f} but XOR = {target[i]}" for i in wrong)
        whole = _gate(decided)
        hint = (" One hidden neuron draws one line, and no single line separates XOR: use two."
                if hidden.shape[1] == 1 else " Check each hidden neuron first (is it the gate you meant?), then the "
                "output neuron: it must combine them into XOR, e.g. the AND of an OR neuron and a NAND neuron.")
        return Feedback(ex, False, f"wrong for {len(wrong)} of the 4 inputs: {listed}. Outputs: {rows}. "
                                   f"The whole network computes {whole}; {neurons}.{hint}")
    unsure = [i for i in range(4) if not (y_hat[i] > 0.9 if target[i] else y_hat[i] < 0.1)]
    if unsure:
        i = unsure[0]  # the least confident one is named, with all four outputs
        return Feedback(ex, False, f"every input is on the right side of 0.5, but not confidently: x = {INPUTS[i]} "
                                   f"gives ŷ = {y_hat[i]:.3f} (outputs: {rows}). Keep the lines where they are and "
                                   f"make the sigmoids steeper: multiply a neuron's weights and bias by the same "
                                   f"factor, e.g. 2.")
    return Feedback(ex, True, f"your network computes XOR: {rows}. {neurons[0].upper()}{neurons[1:]}. "
                              f"See it in the visualizer: XorVisualizer(weights=...).")


# --------------------------------------------------------------------------- Exercise 6.3
ALLOWED = ("hidden", "activation", "loss", "lr", "mode")
BASELINE = {"hidden": 2, "activation": "sigmoid", "loss": "bce", "lr": 0.5, "mode": "sample"}
EPOCHS = 1000


@guarded("Exercise 6.3")
def check_unstuck(settings) -> Feedback:
    """Train ``XorState(seed=0, **settings)`` for 1000 epochs; pass if every ŷ ends within 0.2 of its target.

    ``settings`` is a dict of XorState settings: hidden, activation, loss, lr, mode. The seed stays 0
    and no weights are hand-set: the point is to change the *training*, not the luck of the start.
    """
    from nnteach.widgets.xor_state import XorState

    ex = "Exercise 6.3"
    if not isinstance(settings, dict):
        return Feedback(ex, False, f"settings should be a dict of XorState settings, e.g. {{'lr': 1.0}}; "
                                   f"got {type(settings).__name__}.")
    refused = {"seed": "keep seed 0: another seed only starts from other weights (seed 1 happens to work)",
               "weights": "no hand-set weights here (that was Exercise 6.2): let training find them"}
    for key, why in refused.items():
        if key in settings and not (key == "seed" and settings[key] == 0):
            return Feedback(ex, False, f"{why}. Change how the network learns instead: {', '.join(ALLOWED)}.")
    unknown = [k for k in settings if k not in ALLOWED + ("seed",)]
    if unknown:
        return Feedback(ex, False, f"unknown setting(s) {unknown}: choose among {', '.join(ALLOWED)} (the training "
                                   f"budget is fixed at {EPOCHS} epochs).")
    config = {**BASELINE, **{k: v for k, v in settings.items() if k != "seed"}}
    if config == BASELINE:
        return Feedback(ex, False, "this is the configuration that gets stuck (2 sigmoid hidden neurons, BCE, "
                                   "η = 0.5, one sample per step): change at least one setting.")
    try:
        state = XorState(seed=0, **config)
    except (TypeError, ValueError) as exc:
        return Feedback(ex, False, f"XorState refused these settings: {exc}")
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            state.train(EPOCHS)
    except nt.TrainingDiverged as exc:
        return Feedback(ex, False, f"training diverged: {exc}")
    y_hat, hidden = np.array(state.frame().predictions), np.array(state.frame().hidden)  # (4,), (4, H)
    target = np.array(XOR_Y, dtype=float)
    rows = ", ".join(f"{INPUTS[i]} → {y_hat[i]:.3f}" for i in range(4))
    changed = ", ".join(f"{k}={config[k]!r}" for k in ALLOWED if config[k] != BASELINE[k])
    losses = state.epoch_losses()
    if np.all(np.abs(y_hat - target) < 0.2):
        return Feedback(ex, True, f"with {changed}, training from seed 0 learned XOR in {EPOCHS} epochs: {rows} "
                                  f"(epoch loss {losses[-1]:.4f}). In its hidden space the four points stay apart, "
                                  f"and {'one line' if state.hidden == 2 else 'one flat boundary'} separates them.")
    wrong = [i for i in range(4) if abs(y_hat[i] - target[i]) >= 0.2]
    if np.ptp(y_hat) < 0.05:
        return Feedback(ex, False, f"with {changed} the network gives the same answer, ŷ ≈ {y_hat.mean():.3f}, to all "
                                   f"four inputs: it learned nothing about x. If you raised η a lot, the first steps "
                                   f"threw every neuron into saturation (slope ≈ 0, no gradient): try a smaller change.")
    listed = ", ".join(str(INPUTS[i]) for i in wrong)
    for i in range(4):
        for k in range(i + 1, 4):
            if target[i] != target[k] and np.max(np.abs(hidden[i] - hidden[k])) < 0.05:
                point = ", ".join(f"{v:.3f}" for v in hidden[i])
                return Feedback(ex, False, f"with {changed} it is still stuck after {EPOCHS} epochs: {rows}. In hidden "
                                           f"space, x = {INPUTS[i]} and x = {INPUTS[k]} landed on almost the same point "
                                           f"a⁽¹⁾ ≈ ({point}) but need different answers, so no line can separate "
                                           f"them. Try a change that keeps the hidden layer from collapsing them.")
    if len(losses) > 100 and losses[-1] < 0.97 * losses[-101]:
        return Feedback(ex, False, f"with {changed} the loss is still falling ({losses[-101]:.4f} → {losses[-1]:.4f} "
                                   f"over the last 100 epochs) but {listed} {'is' if len(wrong) == 1 else 'are'} not "
                                   f"learned yet ({rows}). It is too slow for {EPOCHS} epochs: a larger η would help.")
    return Feedback(ex, False, f"with {changed}, {listed} {'is' if len(wrong) == 1 else 'are'} still wrong after "
                               f"{EPOCHS} epochs ({rows}, epoch loss {losses[-1]:.4f}). Try another change.")
