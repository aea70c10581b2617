r"""The "limit" line: a careful hand-written NumPy MLP that does the same training with no framework.

It shows how fast the same arithmetic can go in NumPy from Python, so the table can say how much
of nnteach's time is the framework (modules, validation, allocation) rather than the math:

* all parameters live in one flat buffer and all gradients in another; each layer's ``W`` and
  ``b`` are views into them, so an optimizer step is a handful of whole-buffer operations;
* every intermediate array (activations, gradients, temporaries) is allocated once, for the
  largest batch, and written in place with ``out=`` (a smaller last batch uses the first rows);
* the output layer's gradient is fused with the loss: sigmoid + BCE gives
  :math:`\partial L/\partial z = (p - y)/N` and softmax + cross-entropy gives
  :math:`(\operatorname{softmax}(z) - \text{onehot}(y))/N`, with no division by :math:`p(1-p)`;
* the first layer computes no :math:`\partial L/\partial x` (nobody needs the input's gradient).

It computes each batch's loss, as the other implementations do, and follows the same update
formulas as PyTorch and nnteach, so it reaches the same weights.
"""

from __future__ import annotations

import numpy as np

from benchmarks.workloads import Problem

LOG_FLOOR = -100.0  # log(p) is clamped here, as PyTorch's BCELoss does


class ReferenceMLP:
    """A fully connected network with preallocated buffers, trained by :meth:`fit`."""

    def __init__(self, problem: Problem):
        self.problem = problem
        wl = problem.workload
        dtype = problem.X.dtype
        self.activations = wl.activations
        self.loss = wl.loss
        bs = problem.batch_size
        outs = wl.sizes[1:]

        # One flat buffer for every parameter and one for every gradient; layers hold views.
        total = sum(W.size + b.size for W, b in problem.init)
        self.theta = np.empty(total, dtype)  # (P,)
        self.grad = np.empty(total, dtype)  # (P,)
        self.W, self.b, self.dW, self.db = [], [], [], []
        offset = 0
        for W0, b0 in problem.init:
            for src, params, grads in ((W0, self.W, self.dW), (b0, self.b, self.db)):
                view = slice(offset, offset + src.size)
                params.append(self.theta[view].reshape(src.shape))
                grads.append(self.grad[view].reshape(src.shape))
                params[-1][...] = src
                offset += src.size

        # Per-layer buffers for the largest batch: a = activation, d = dL/dz, t = scratch.
        self.x_buf = np.empty((bs, wl.sizes[0]), dtype)  # (B, in) gathered shuffled rows
        self.y_buf = np.empty((bs,) + problem.y.shape[1:], problem.y.dtype)  # (B, 1) or (B,)
        self.a = [np.empty((bs, k), dtype) for k in outs]  # (B, out_l)
        self.d = [np.empty((bs, k), dtype) for k in outs]  # (B, out_l)
        self.t = [np.empty((bs, k), dtype) for k in outs]  # (B, out_l)
        self.mask = [np.empty((bs, k), bool) for k in outs]  # (B, out_l) relu derivative
        self.rows = np.arange(bs)  # (B,) row indices for picking each sample's class

        # Optimizer state, flat like the parameters.
        self.opt = dict(wl.opt_args)
        self.kind = wl.optimizer
        self.step_count = 0
        self.scratch = np.empty(total, dtype)  # (P,)
        self.m = np.zeros(total, dtype)  # (P,) momentum velocity, or Adam's first moment
        self.v = np.zeros(total, dtype)  # (P,) Adam's second moment

    # ------------------------------------------------------------------ forward
    def forward(self, x: np.ndarray, n: int) -> np.ndarray:
        a_prev = x  # (n, in)
        for W, b, a_buf, act in zip(self.W, self.b, self.a, self.activations):
            a = a_buf[:n]  # (n, out)
            np.matmul(a_prev, W.T, out=a)  # z = x W^T: (n, in) @ (in, out) -> (n, out)
            a += b  # (n, out) + (out,)
            if act == "relu":
                np.maximum(a, 0.0, out=a)
            elif act == "tanh":
                np.tanh(a, out=a)
            elif act == "sigmoid":  # 1 / (1 + e^-z); exp may overflow to inf, giving exactly 0
                np.negative(a, out=a)
                np.exp(a, out=a)
                a += 1.0
                np.reciprocal(a, out=a)
            a_prev = a
        return a_prev  # (n, out_L)

    # ------------------------------------------------------------------ loss and its gradient
    def loss_and_output_grad(self, y: np.ndarray, n: int) -> float:
        """Batch loss; writes dL/dz of the last layer into ``self.d[-1][:n]`` (fused with the loss)."""
        out = self.a[-1][:n]  # (n, C): prediction or logits
        d = self.d[-1][:n]  # (n, C)
        t = self.t[-1][:n]  # (n, C)
        if self.loss == "mse":
            m = out.size
            np.subtract(out, y, out=d)  # (n, 1): y_hat - y
            flat = d.reshape(-1)
            loss = float(np.dot(flat, flat)) / m
            d *= 2.0 / m  # dL/dy_hat = 2 (y_hat - y) / M
            if self.activations[-1] == "tanh":  # dL/dz = dL/dy_hat * (1 - a^2)
                np.multiply(out, out, out=t)
                np.subtract(1.0, t, out=t)
                d *= t
            return loss
        if self.loss == "bce":  # sigmoid output fused: dL/dz = (p - y) / M
            m = out.size
            log_1mp = self.d[-1][:n]  # borrow d for log(1 - p) before writing the gradient
            np.log(out, out=t)
            np.maximum(t, LOG_FLOOR, out=t)  # (n, 1): log p
            np.negative(out, out=log_1mp)
            np.log1p(log_1mp, out=log_1mp)
            np.maximum(log_1mp, LOG_FLOOR, out=log_1mp)  # (n, 1): log(1 - p)
            t -= log_1mp  # y log p + (1 - y) log(1 - p) = y (log p - log(1 - p)) + log(1 - p)
            loss = -(float(np.dot(y.reshape(-1), t.reshape(-1))) + float(log_1mp.sum())) / m
            np.subtract(out, y, out=d)
            d *= 1.0 / m
            return loss
        # softmax + cross-entropy on logits, fused: dL/dz = (softmax(z) - onehot(y)) / n
        rows = self.rows[:n]
        np.subtract(out, out.max(axis=1, keepdims=True), out=d)  # (n, C): z - max z
        picked = d[rows, y]  # (n,): shifted logit of the true class
        np.exp(d, out=d)  # (n, C)
        sums = d.sum(axis=1, keepdims=True)  # (n, 1)
        loss = float(np.log(sums).sum() - picked.sum()) / n  # mean of log sum e^z - z_true
        d /= sums  # (n, C): softmax
        d[rows, y] -= 1.0
        d *= 1.0 / n
        return loss

    # ------------------------------------------------------------------ backward
    def backward(self, x: np.ndarray, n: int) -> None:
        """Fill the flat gradient buffer from ``self.d[-1]`` (dL/dz of the output layer)."""
        for l in range(len(self.W) - 1, -1, -1):
            d = self.d[l][:n]  # (n, out): dL/dz
            a_prev = x if l == 0 else self.a[l - 1][:n]  # (n, in)
            np.matmul(d.T, a_prev, out=self.dW[l])  # dL/dW = dL/dz^T a_prev: (out, n) @ (n, in)
            np.sum(d, axis=0, out=self.db[l])  # dL/db: (out,)
            if l == 0:
                break  # no one needs dL/dx
            d_prev = self.d[l - 1][:n]  # (n, in)
            np.matmul(d, self.W[l], out=d_prev)  # dL/da_prev = dL/dz W: (n, out) @ (out, in)
            act = self.activations[l - 1]
            if act == "relu":  # * [a > 0]
                mask = self.mask[l - 1][:n]
                np.greater(a_prev, 0.0, out=mask)
                d_prev *= mask
            elif act == "tanh":  # * (1 - a^2)
                t = self.t[l - 1][:n]
                np.multiply(a_prev, a_prev, out=t)
                np.subtract(1.0, t, out=t)
                d_prev *= t
            elif act == "sigmoid":  # * a (1 - a)
                t = self.t[l - 1][:n]
                np.subtract(1.0, a_prev, out=t)
                t *= a_prev
                d_prev *= t

    # ------------------------------------------------------------------ optimizer
    def step(self) -> None:
        """One update of the flat parameter buffer (PyTorch's formulas)."""
        theta, g, s = self.theta, self.grad, self.scratch  # each (P,)
        lr = self.opt["lr"]
        self.step_count += 1
        if self.kind == "sgd":
            mu = self.opt.get("momentum", 0.0)
            if mu:
                if self.step_count == 1:
                    self.m[...] = g  # the first velocity is the gradient itself
                else:
                    self.m *= mu
                    self.m += g  # v <- mu v + g
                g = self.m
            np.multiply(g, lr, out=s)
            theta -= s  # theta <- theta - lr v
            return
        b1, b2 = self.opt.get("betas", (0.9, 0.999))
        eps = self.opt.get("eps", 1e-8)
        t = self.step_count
        m, v = self.m, self.v
        m *= b1
        np.multiply(g, 1.0 - b1, out=s)
        m += s  # m <- b1 m + (1 - b1) g
        v *= b2
        np.multiply(g, g, out=s)
        s *= 1.0 - b2
        v += s  # v <- b2 v + (1 - b2) g^2
        np.sqrt(v, out=s)
        s /= np.sqrt(1.0 - b2 ** t)
        s += eps  # sqrt(v_hat) + eps
        np.divide(m, s, out=s)
        s *= lr / (1.0 - b1 ** t)
        theta -= s  # theta <- theta - lr m_hat / (sqrt(v_hat) + eps)

    # ------------------------------------------------------------------ the loop
    def fit(self) -> float:
        """Train for the problem's epochs; returns the last batch's loss."""
        p = self.problem
        X, Y, bs, n_total = p.X, p.y, p.batch_size, p.n
        loss = float("nan")
        with np.errstate(over="ignore", divide="ignore"):  # sigmoid's exp and log(0) are handled
            for epoch in range(p.epochs):
                order = None if p.orders is None else p.orders[epoch]
                for start in range(0, n_total, bs):
                    stop = min(start + bs, n_total)
                    n = stop - start
                    if order is None:
                        x, y = X[start:stop], Y[start:stop]  # views, no copy
                    else:
                        idx = order[start:stop]  # (n,)
                        x = np.take(X, idx, axis=0, out=self.x_buf[:n])  # (n, in)
                        y = np.take(Y, idx, axis=0, out=self.y_buf[:n])  # (n, 1) or (n,)
                    self.forward(x, n)
                    loss = self.loss_and_output_grad(y, n)
                    self.backward(x, n)
                    self.step()
        return loss

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(W.copy(), b.copy()) for W, b in zip(self.W, self.b)]


def build(problem: Problem):
    """Set up a fresh network from the initial weights; returns ``(train, weights)`` callables."""
    net = ReferenceMLP(problem)
    return net.fit, net.weights
