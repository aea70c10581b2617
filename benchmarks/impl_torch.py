"""PyTorch on the CPU, written the idiomatic way, as the yardstick nnteach is measured against.

``nn.Sequential`` of ``nn.Linear`` and activation modules, a ``torch.optim`` optimizer with its
defaults, the ``nn`` loss, batches taken by slicing (or indexing) tensors, and the usual
``optimizer.zero_grad(); loss.backward(); optimizer.step()``. Nothing is tuned, compiled or fused:
this is the code a learner would write after the course. PyTorch is optional: when it cannot be
imported the harness prints a note and skips this implementation.
"""

from __future__ import annotations

import numpy as np

from benchmarks.workloads import Problem


def unavailable_reason() -> str | None:
    """None when PyTorch can be used, else why not (printed in place of its rows)."""
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        return f"PyTorch not importable ({exc}); install it with pip install torch==2.13.0"
    return None


def configure() -> str:
    """Pin PyTorch to one thread, like every other library here; returns its version."""
    import torch

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # allowed once per process, before any parallel work
        pass
    return torch.__version__


def build(problem: Problem):
    """A fresh model holding the shared initial weights; returns ``(train, weights)`` callables."""
    import torch
    from torch import nn

    wl = problem.workload
    dtype = torch.float32 if problem.X.dtype == np.float32 else torch.float64
    activations = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
    layers = []
    for (W, b), act in zip(problem.init, wl.activations):
        linear = nn.Linear(W.shape[1], W.shape[0], dtype=dtype)
        linear.weight.data.copy_(torch.from_numpy(W))  # (out, in), the same layout as nnteach
        linear.bias.data.copy_(torch.from_numpy(b))  # (out,)
        layers.append(linear)
        if act != "identity":
            layers.append(activations[act]())
    model = nn.Sequential(*layers)
    loss_fn = {"mse": nn.MSELoss, "bce": nn.BCELoss, "cross_entropy": nn.CrossEntropyLoss}[wl.loss]()
    if wl.optimizer == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), **wl.opt_args)
    else:
        optimizer = torch.optim.Adam(model.parameters(), **wl.opt_args)

    X = torch.from_numpy(problem.X)  # (N, in)
    Y = torch.from_numpy(problem.y)  # (N, 1) float, or (N,) int64 classes
    orders = None if problem.orders is None else [torch.from_numpy(o) for o in problem.orders]
    bs, n = problem.batch_size, problem.n

    def train() -> None:
        for epoch in range(problem.epochs):
            order = None if orders is None else orders[epoch]
            for start in range(0, n, bs):
                if order is None:
                    xb, yb = X[start:start + bs], Y[start:start + bs]
                else:
                    idx = order[start:start + bs]
                    xb, yb = X[idx], Y[idx]
                optimizer.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                optimizer.step()

    def weights() -> list[tuple[np.ndarray, np.ndarray]]:
        return [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy())
                for m in model if isinstance(m, nn.Linear)]

    return train, weights
