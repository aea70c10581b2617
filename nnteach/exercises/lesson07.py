r"""Checkers for lesson 7, training loops and optimizers (``notebooks/07_training_loops.ipynb``).

The references are nnteach's own optimizers and ``Trainer``: ``nt.Adam`` for the first Adam step,
``nt.SGD(momentum=...)`` for the momentum update, ``Trainer.fit(shuffle=False)`` for the training
loop. When the learner's result differs, the checker finds the first step that differs and names
the usual mistake behind it.
"""

from __future__ import annotations

import numpy as np

import nnteach as nt
from nnteach.exercises.feedback import Feedback, compare_arrays, guarded

# ----------------------------------------------------------------------------- exercise 7.1
ADAM_GRAD = np.array([0.001, -3.0, 50.0])
ADAM_LR = 0.01


def adam_first_step(grad=ADAM_GRAD, lr=ADAM_LR) -> np.ndarray:
    """The change nt.Adam makes to a parameter on its first step, for the gradient ``grad``."""
    p = nt.Parameter(np.zeros_like(grad, dtype=float))
    opt = nt.Adam([p], lr=lr)
    p.grad[...] = grad
    opt.step()
    return p.data.copy()


@guarded("Exercise 7.1")
def check_adam_first_step(answer) -> Feedback:
    """The learner's first Adam update Δθ for g = [0.001, −3, 50], lr = 0.01, default betas and eps."""
    ex = "Exercise 7.1"
    expected = adam_first_step()
    try:
        got = np.asarray(answer, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return Feedback(ex, False, f"expected an array of 3 numbers (the change of each parameter), "
                                   f"got {answer!r:.60}.")
    if got.shape != expected.shape:
        return Feedback(ex, False, f"expected 3 numbers, one change per parameter, got {got.size}.")
    g, lr, (b1, b2), eps = ADAM_GRAD, ADAM_LR, (0.9, 0.999), 1e-8
    m, v = (1 - b1) * g, (1 - b2) * g * g  # the moments after one step, before bias correction
    mistakes = [
        (-lr * g, "this is plain gradient descent, −η·g. Adam divides by √v̂: on the first step "
                  "m̂ = g and v̂ = g², so each parameter moves by −η·g/|g|."),
        (-lr * m / (np.sqrt(v) + eps), "you forgot the bias correction: after one step m = 0.1·g and "
                                       "v = 0.001·g² are far too small; divide by (1 − β₁ᵗ) and (1 − β₂ᵗ)."),
        (-lr * m / (np.sqrt(v / (1 - b2)) + eps), "only v was bias-corrected: m̂ = m/(1 − β₁) too."),
        (-lr * (m / (1 - b1)) / (np.sqrt(v) + eps), "only m was bias-corrected: v̂ = v/(1 − β₂) too."),
        (-lr * g / (g * g), "you divided by v̂ itself; Adam divides by its square root, √v̂."),
        (lr * np.sign(g), "the sign is flipped: Adam, like all gradient descent, moves against the gradient."),
    ]
    if np.allclose(got, expected, rtol=1e-4, atol=1e-9):
        return Feedback(ex, True, f"Δθ = {np.round(expected, 4).tolist()}: every parameter moves by η = {lr} on "
                                  f"Adam's first step, whatever the size of its gradient (0.001 or 50).")
    for value, meaning in mistakes:  # far apart (factors 3, 10, 30...): a loose match is safe
        if np.allclose(got, value, rtol=2e-2, atol=1e-9):
            return Feedback(ex, False, meaning)
    return Feedback(ex, False, compare_arrays("your Δθ", got, expected, rtol=1e-4, atol=1e-9, update=True))


# ----------------------------------------------------------------------------- exercise 7.2
MOMENTUM_LR, MOMENTUM_MU, MOMENTUM_STEPS = 0.1, 0.9, 5


def _momentum_problem():
    """A fixed small regression: a Linear(3, 2) model, inputs and targets."""
    rng = np.random.default_rng(7)
    X = rng.normal(0, 1, (8, 3))  # (8, 3)
    Y = rng.normal(0, 1, (8, 2))  # (8, 2)
    return X, Y


def _fresh_linear() -> nt.Linear:
    return nt.Linear(3, 2, rng=3)


def _flat(model: nt.Module) -> np.ndarray:
    return np.concatenate([p.data.ravel() for p in model.parameters()])


def _sgd_trajectory(momentum: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights after each nt.SGD step (index 0: the start), and the gradient used at each step."""
    X, Y = _momentum_problem()
    model, loss_fn = _fresh_linear(), nt.MSELoss()
    opt = nt.SGD(model.parameters(), lr=MOMENTUM_LR, momentum=momentum)
    weights, grads = [_flat(model)], []
    for _ in range(MOMENTUM_STEPS):
        opt.zero_grad()
        loss_fn(model(X), Y)
        model.backward(loss_fn.backward())
        grads.append(np.concatenate([p.grad.ravel() for p in model.parameters()]))
        opt.step()
        weights.append(_flat(model))
    return weights, grads


@guarded("Exercise 7.2")
def check_momentum(momentum_step) -> Feedback:
    """Use the learner's ``momentum_step(w, grad, velocity, lr, momentum) -> (w, velocity)`` for 5 steps."""
    ex = "Exercise 7.2"
    if not callable(momentum_step):
        return Feedback(ex, False, f"expected your function momentum_step, got {type(momentum_step).__name__}.")
    X, Y = _momentum_problem()
    model, loss_fn = _fresh_linear(), nt.MSELoss()
    params = model.parameters()
    velocity = [np.zeros_like(p.data) for p in params]
    reference, _ = _sgd_trajectory(MOMENTUM_MU)
    for step in range(1, MOMENTUM_STEPS + 1):
        model.zero_grad()
        loss_fn(model(X), Y)
        model.backward(loss_fn.backward())
        grad = np.concatenate([p.grad.ravel() for p in params])
        for k, p in enumerate(params):
            result = momentum_step(p.data.copy(), p.grad.copy(), velocity[k], MOMENTUM_LR, MOMENTUM_MU)
            if not isinstance(result, tuple) or len(result) != 2:
                return Feedback(ex, False, "momentum_step should return two arrays: (new_w, new_velocity).")
            new_w, velocity[k] = result
            new_w = np.asarray(new_w, dtype=float)
            if new_w.shape != p.shape:
                return Feedback(ex, False, f"the new weights have shape {new_w.shape}, but the parameter has "
                                           f"shape {p.shape}.")
            p.data = new_w
        got = _flat(model)
        if not np.allclose(got, reference[step], rtol=1e-9, atol=1e-12):
            return Feedback(ex, False, _momentum_mistake(step, got - reference[step - 1],
                                                         reference[step] - reference[step - 1], grad))
    return Feedback(ex, True, f"your weights equal nt.SGD(lr={MOMENTUM_LR}, momentum={MOMENTUM_MU})'s after each "
                              f"of {MOMENTUM_STEPS} steps.")


def _momentum_mistake(step: int, got_change: np.ndarray, change: np.ndarray, grad: np.ndarray) -> str:
    """Name the mistake behind a wrong change of the weights at ``step`` (1-based)."""
    lr, mu = MOMENTUM_LR, MOMENTUM_MU
    where = f"at step {step} of {MOMENTUM_STEPS}"
    close = lambda a, b: np.allclose(a, b, rtol=1e-6, atol=1e-12)  # noqa: E731
    if close(got_change, 0):
        if step == 1:
            return (f"{where} the weights did not move. Update the velocity first (v ← μv + g), then "
                    f"move the weights with the new velocity (w ← w − ηv); and return the new weights.")
        return f"{where} the weights did not move: return the updated weights."
    if step > 1 and close(got_change, -lr * grad):
        return (f"step 1 was right, but {where} the weights moved by plain −η·g: the velocity is not carried "
                f"over. Return the new velocity; the checker passes it back to you at the next step.")
    if step == 1 and close(got_change, (1 - mu) * change):
        return (f"{where} your step is (1 − μ) = {1 - mu:g} times nt.SGD's: v ← μv + (1 − μ)g is an average "
                f"(Adam's m). SGD's momentum adds the whole gradient: v ← μv + g.")
    if step == 1 and close(got_change, mu * change):
        return f"{where} your step is μ = {mu:g} times nt.SGD's: add the whole gradient, v ← μv + g."
    if close(got_change, -change):
        return f"{where} the weights moved the wrong way: subtract, w ← w − ηv."
    return f"{where}: " + compare_arrays("the change of your weights", got_change, change, update=True)


# ----------------------------------------------------------------------------- exercise 7.3
LOOP_EPOCHS, LOOP_BATCH, LOOP_LR, LOOP_N = 3, 16, 0.5, 50


def _loop_problem():
    X, y = nt.data.moons(n=LOOP_N, noise=0.2, seed=11)
    return X, y.reshape(-1, 1).astype(float)  # (50, 2), (50, 1)


def _loop_model() -> nt.Sequential:
    return nt.Sequential(nt.Linear(2, 4, rng=1), nt.Tanh(), nt.Linear(4, 1, rng=2), nt.Sigmoid())


def _setup():
    model = _loop_model()
    return model, nt.BCELoss(), nt.SGD(model.parameters(), lr=LOOP_LR)


def _reference_fit(epochs: int = LOOP_EPOCHS, batch_size: int = LOOP_BATCH):
    model, loss_fn, opt = _setup()
    X, y = _loop_problem()
    history = nt.Trainer(model, loss_fn, opt, rng=0).fit(X, y, epochs=epochs, batch_size=batch_size,
                                                         shuffle=False, verbose=0)
    return model.state_dict(), history["loss"]


def _mistaken_fit(zero_grad: bool = True, drop_last: bool = False) -> dict:
    """The loop with a typical mistake, to recognise it in a learner's weights."""
    model, loss_fn, opt = _setup()
    X, y = _loop_problem()
    stop = LOOP_N - LOOP_N % LOOP_BATCH if drop_last else LOOP_N
    for _ in range(LOOP_EPOCHS):
        for start in range(0, stop, LOOP_BATCH):
            if zero_grad:
                opt.zero_grad()
            loss_fn(model(X[start:start + LOOP_BATCH]), y[start:start + LOOP_BATCH])
            model.backward(loss_fn.backward())
            opt.step()
    return model.state_dict()


def _same(a: dict, b: dict) -> bool:
    return all(np.allclose(a[k], b[k], rtol=1e-9, atol=1e-12) for k in a)


@guarded("Exercise 7.3")
def check_training_loop(train) -> Feedback:
    """Run the learner's ``train(model, loss_fn, optimizer, X, y, epochs, batch_size)``; compare with Trainer."""
    ex = "Exercise 7.3"
    if not callable(train):
        return Feedback(ex, False, f"expected your function train, got {type(train).__name__}.")
    model, loss_fn, opt = _setup()
    start = model.state_dict()
    X, y = _loop_problem()
    losses = train(model, loss_fn, opt, X.copy(), y.copy(), LOOP_EPOCHS, LOOP_BATCH)
    got = model.state_dict()
    expected, history = _reference_fit()
    if not _same(got, expected):
        return Feedback(ex, False, _loop_mistake(got, start, expected))
    if losses is None:
        return Feedback(ex, False, "your final weights equal Trainer's exactly, but train returned None: return "
                                   "the list of each epoch's mean loss, to plot the learning curve.")
    try:
        losses = np.asarray(losses, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return Feedback(ex, False, "your weights are right; train should return a list of floats, one loss per epoch.")
    if losses.shape != (LOOP_EPOCHS,):
        return Feedback(ex, False, f"your weights are right; train should return one loss per epoch "
                                   f"({LOOP_EPOCHS} values), got {losses.size}.")
    if np.allclose(losses, history, rtol=1e-9):
        return Feedback(ex, True, f"after {LOOP_EPOCHS} epochs of mini-batches of {LOOP_BATCH} your weights and "
                                  f"epoch losses equal Trainer.fit(shuffle=False)'s exactly.")
    unweighted = _unweighted_epoch_losses()
    if np.allclose(losses, unweighted, rtol=1e-9):
        full, last = divmod(LOOP_N, LOOP_BATCH)
        return Feedback(ex, False, f"your weights are right, but your epoch loss is the plain mean of the batch "
                                   f"losses. Each batch loss is already a mean over its own samples, and the last "
                                   f"batch is smaller ({LOOP_N} = {full}·{LOOP_BATCH} + {last}): a plain mean counts "
                                   f"its {last} samples as much as a batch of {LOOP_BATCH}. Weight each batch loss by "
                                   f"its number of samples, then divide by N: sum(loss · len(xb)) / N, the mean "
                                   f"over the epoch's samples, as Trainer does.")
    return Feedback(ex, False, "your weights are right, but " + compare_arrays(
        "your epoch losses", losses, history, rtol=1e-9) + " Each epoch's loss is the mean over its samples.")


def _unweighted_epoch_losses() -> np.ndarray:
    model, loss_fn, opt = _setup()
    record = []
    callback = nt.LambdaCallback(on_batch_end=lambda trainer, batch, loss: record.append(loss))
    X, y = _loop_problem()
    nt.Trainer(model, loss_fn, opt, rng=0).fit(X, y, epochs=LOOP_EPOCHS, batch_size=LOOP_BATCH, shuffle=False,
                                              callbacks=[callback], verbose=0)
    return np.asarray(record).reshape(LOOP_EPOCHS, -1).mean(axis=1)


def _loop_mistake(got: dict, start: dict, expected: dict) -> str:
    """Name the mistake behind final weights that differ from Trainer's."""
    if _same(got, start):
        return ("the weights never changed. Each batch needs, in this order: optimizer.zero_grad(), "
                "y_pred = model(xb), loss_fn(y_pred, yb), model.backward(loss_fn.backward()), optimizer.step().")
    if _same(got, _mistaken_fit(zero_grad=False)):
        return ("the gradients piled up: without optimizer.zero_grad() at the start of every batch, each "
                "backward adds to the gradients of all earlier batches.")
    if _same(got, _mistaken_fit(drop_last=True)):
        return (f"the last, smaller batch of each epoch was skipped ({LOOP_N} = 3·{LOOP_BATCH} + "
                f"{LOOP_N % LOOP_BATCH}): range(0, N, batch_size) reaches it.")
    for epochs, what in ((LOOP_EPOCHS - 1, "one epoch too few"), (LOOP_EPOCHS + 1, "one epoch too many")):
        if _same(got, _reference_fit(epochs=epochs)[0]):
            return f"your loop ran {what}: for epoch in range(epochs)."
    for batch_size, what in ((LOOP_N, "the whole data set as one batch"), (1, "one sample per step")):
        if _same(got, _reference_fit(batch_size=batch_size)[0]):
            return f"your loop used {what}; use mini-batches of batch_size = {LOOP_BATCH} samples, in order."
    name = next(k for k in expected if not np.allclose(got[k], expected[k], rtol=1e-9, atol=1e-12))
    return ("your final weights differ from Trainer.fit(shuffle=False)'s: " + compare_arrays(
        f"parameter {name!r}", got[name], expected[name], rtol=1e-9, atol=1e-12, update=True)
        + " Take the batches in order, without shuffling: X[start:start + batch_size].")
