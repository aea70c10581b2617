"""nnteach, used exactly as a learner would: the hand-written loop of lesson 7, and ``Trainer.fit``.

Both start from the shared initial weights (``load_state_dict``) and go through nnteach's public
API only, so the timings include everything a learner pays for: input validation, the modules'
bookkeeping, the losses' checks and the optimizer.
"""

from __future__ import annotations

import numpy as np

import nnteach as nt
from benchmarks.workloads import SHUFFLE_SEED, Problem

_ACTIVATIONS = {"relu": nt.ReLU, "tanh": nt.Tanh, "sigmoid": nt.Sigmoid}
_LOSSES = {"mse": nt.MSELoss, "bce": nt.BCELoss, "cross_entropy": nt.CrossEntropyLoss}


def make_model(problem: Problem) -> nt.Sequential:
    """Linear / activation pairs in the workload's dtype, holding the shared initial weights."""
    wl = problem.workload
    layers = []
    for (fan_in, fan_out), act in zip(zip(wl.sizes[:-1], wl.sizes[1:]), wl.activations):
        layers.append(nt.Linear(fan_in, fan_out, rng=0))
        if act != "identity":
            layers.append(_ACTIVATIONS[act]())
    model = nt.Sequential(layers)
    linear_positions = [i for i, layer in enumerate(layers) if isinstance(layer, nt.Linear)]
    state = {}
    for pos, (W, b) in zip(linear_positions, problem.init):
        state[f"{pos}.weight"], state[f"{pos}.bias"] = W, b
    model.load_state_dict(state)
    return model.to(problem.X.dtype)  # before the optimizer is made: it keeps the arrays it gets


def make_optimizer(problem: Problem, model: nt.Sequential):
    wl = problem.workload
    cls = nt.SGD if wl.optimizer == "sgd" else nt.Adam
    return cls(model.parameters(), **wl.opt_args)


def weights_of(model: nt.Sequential) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(layer.weight.data.copy(), layer.bias.data.copy()) for layer in model if isinstance(layer, nt.Linear)]


def build_hand_loop(problem: Problem, trace_every: int | None = None, on_trace=None, keep_last: int | None = None):
    """The loop a learner writes: zero_grad, forward, loss, backward, step, for every batch.

    With ``trace_every`` the loop runs inside ``nt.trace(model, keep_every=trace_every,
    keep_last=keep_last)``, keeping the full record of every n-th step (of the last ``keep_last``
    of them), as the tracing lessons do; ``on_trace(trace)`` is then called after each run (e.g. to
    read ``trace.nbytes``). The timed run ends with the ``with`` block: the trace outlives it, as a
    learner keeps a trace to read it, and is released when the final weights are read, untimed
    (``tracing_bench`` reports how long that release takes).
    """
    model = make_model(problem)
    loss_fn = _LOSSES[problem.workload.loss]()
    opt = make_optimizer(problem, model)
    X, Y, bs, n = problem.X, problem.y, problem.batch_size, problem.n
    held = []  # the last run's trace, until its weights are read

    def train() -> None:
        if trace_every is None:
            loop()
        else:
            with nt.trace(model, keep_every=trace_every, keep_last=keep_last) as tr:
                loop()
            held.append(tr)
            if on_trace is not None:
                on_trace(tr)

    def loop() -> None:
        for epoch in range(problem.epochs):
            order = None if problem.orders is None else problem.orders[epoch]
            for start in range(0, n, bs):
                if order is None:
                    x, y = X[start:start + bs], Y[start:start + bs]
                else:
                    idx = order[start:start + bs]
                    x, y = X[idx], Y[idx]
                opt.zero_grad()
                y_pred = model(x)
                loss_fn(y_pred, y)  # the batch loss a learner would print
                model.backward(loss_fn.backward())
                opt.step()

    def final_weights():
        held.clear()  # release the trace
        return weights_of(model)

    return train, final_weights


def build_trainer(problem: Problem):
    """``Trainer.fit`` with its own shuffling, seeded so that it draws the same order as the others."""
    model = make_model(problem)
    opt = make_optimizer(problem, model)
    trainer = nt.Trainer(model, _LOSSES[problem.workload.loss](), opt, rng=SHUFFLE_SEED)
    wl = problem.workload

    def train() -> None:
        trainer.fit(problem.X, problem.y, epochs=problem.epochs, batch_size=wl.batch_size,
                    shuffle=wl.shuffle, verbose=0)

    return train, lambda: weights_of(model)
