r"""Finite-difference gradient checking: does ``backward`` agree with the definition of a derivative?

For each parameter entry :math:`\theta_i` the central difference

.. math::  \frac{\partial L}{\partial \theta_i} \approx \frac{L(\theta_i + h) - L(\theta_i - h)}{2h}

is compared with the analytic gradient from ``backward``. Its error is :math:`O(h^2)` from the
formula plus :math:`O(\varepsilon_{\text{machine}} L/h)` from rounding, so use float64 and
:math:`h \approx 10^{-5}`, where the two balance (about :math:`\varepsilon^{1/3}`): with
:math:`h = 10^{-6}` the rounding noise alone, about :math:`10^{-10} L`, is already 1e-6 of a
gradient entry of 1e-4, so a correct ``backward`` would fail now and then. The relative error of
an entry is

.. math::  \frac{|g_{\text{analytic}} - g_{\text{numeric}}|}{\max(|g_{\text{analytic}}|, |g_{\text{numeric}}|, \tau)}

where the floor :math:`\tau` keeps entries whose true gradient is (almost) zero from dividing
rounding noise by nothing. It is the smallest gradient the finite difference can resolve to the
tolerance: the rounding noise of the difference, about :math:`\varepsilon |L| / h` (taken ten
times over, for the sums inside L), divided by the tolerance, and never below ``floor``:

.. math::  \tau = \max\Big(\text{floor},\; \frac{10\,\varepsilon\,\max|L|}{h \cdot \text{tol}}\Big)

An entry whose true gradient is far below :math:`\tau` is then judged by its absolute error, as
it must be: with L = 5 and h = 1e-5, a gradient of 1e-9 is below what any central difference can
see. Below 1e-6 is right; around 1e-2 or more is a bug.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np

from nnteach._validation import as_float_array, check_bool, check_finite, check_positive
from nnteach.losses import Loss
from nnteach.module import Module


@dataclass(frozen=True)
class GradcheckRow:
    """The check of one parameter (or of the input): worst entry and its two gradients."""

    name: str
    shape: tuple
    index: tuple
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    ok: bool


@dataclass(frozen=True)
class GradcheckResult:
    """The outcome of :func:`gradcheck`.

    Attributes:
        max_rel_error: the largest relative error over every checked entry.
        where: ``(name, index)`` of that entry, e.g. ``("0.weight", (2, 1))``.
        ok: ``max_rel_error <= tol``.
        rows: one :class:`GradcheckRow` per parameter (and ``"input"`` if checked).
        analytic, numeric: the full gradients by name.
    """

    max_rel_error: float
    where: tuple
    ok: bool
    tol: float
    rows: tuple
    analytic: dict = field(repr=False)
    numeric: dict = field(repr=False)

    def table(self) -> str:
        """One row per parameter: its worst entry. Errors far below the tolerance are rounding noise
        that changes from machine to machine, so they print as "< tol/100" and the table is stable."""
        tiny = self.tol / 100
        err = lambda e: f"< {tiny:.0e}" if e < tiny else f"{e:.1e}"
        head = ("parameter", "shape", "worst at", "analytic", "numeric", "abs error", "rel error", "ok")
        body = [(r.name, str(r.shape), str(r.index) if r.rel_error >= tiny else "-", f"{r.analytic:.6e}",
                 f"{r.numeric:.6e}", err(r.abs_error), err(r.rel_error), "yes" if r.ok else "NO") for r in self.rows]
        widths = [max(len(str(row[i])) for row in [head, *body]) for i in range(len(head))]
        lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in [head, *body]]
        lines.insert(1, "-" * len(lines[0]))
        verdict = "PASSED" if self.ok else "FAILED"
        if self.max_rel_error < tiny:
            lines.append(f"gradcheck {verdict}: every relative error < {tiny:.0e} (tolerance {self.tol:g})")
        else:
            lines.append(f"gradcheck {verdict}: max relative error {self.max_rel_error:.2e} at "
                         f"{self.where[0]}{list(self.where[1])} (tolerance {self.tol:g})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(self.table())


def gradcheck(model: Module, loss_fn: Loss, x, y, h: float = 1e-5, tol: float = 1e-6,
              floor: float = 1e-4, check_input: bool = True) -> GradcheckResult:
    """Compare the analytic gradients of ``loss_fn(model(x), y)`` with central differences.

    Works for a whole model or a single module (a layer, an activation). The model's parameter
    values are restored afterwards; its ``.grad`` arrays hold the analytic gradient of this batch.

    Args:
        model: the Module to check (use float64: float32 cannot resolve the differences).
        loss_fn: the Loss closing the computation, e.g. ``nt.MSELoss()``.
        x, y: a small batch of inputs and targets.
        h: the finite-difference step.
        tol: the largest relative error that passes.
        floor: the smallest denominator; raised to the rounding noise of the finite differences
            divided by ``tol`` when that is larger (see the module docstring).
        check_input: also check dL/dx, the gradient the module passes back to the layer before.

    Returns:
        a :class:`GradcheckResult`; ``print`` it for a table per parameter.
    """
    who = "nt.gradcheck"
    if not isinstance(model, Module):
        raise TypeError(f"{who}: expected the model to check (a Module), got {type(model).__name__}.")
    if isinstance(loss_fn, type):
        raise TypeError(f"{who}: expected a loss object, got the class {loss_fn.__name__}: create one, {loss_fn.__name__}().")
    if not isinstance(loss_fn, Loss):
        raise TypeError(f"{who}: expected a loss such as nt.MSELoss(), got {type(loss_fn).__name__}.")
    h, tol = check_positive(h, "h (the finite-difference step)", who), check_positive(tol, "tol", who)
    floor = check_positive(floor, "floor", who)
    check_input = check_bool(check_input, "check_input", who)
    x = np.array(as_float_array(x, who, "x"), dtype=np.float64)  # a copy: entries get nudged
    check_finite(x, who, "x")  # NaN in x would make every row fail and blame the backward
    if not model.parameters() and not check_input:
        raise ValueError(f"{who}: nothing to check: the model has no parameters and check_input=False.")
    if model.dtype != np.float64:
        raise ValueError("nt.gradcheck: the model is float32; finite differences need float64. Call model.double() first.")

    def loss_at() -> float:
        return loss_fn(model(x), y)

    analytic, dL_dx = _analytic_gradients(model, loss_fn, x, y)
    targets = [(name, p.data) for name, p in model.named_parameters()]
    if check_input:
        analytic["input"] = np.array(dL_dx, dtype=np.float64)
        targets.append(("input", x))
    numeric = {}
    largest_loss = abs(loss_at())
    for name, arr in targets:
        num = np.zeros_like(arr, dtype=np.float64)
        for i in np.ndindex(arr.shape):
            old = arr[i]
            arr[i] = old + h
            plus = loss_at()
            arr[i] = old - h
            minus = loss_at()
            arr[i] = old
            num[i] = (plus - minus) / (2 * h)
            largest_loss = max(largest_loss, abs(plus), abs(minus))
        numeric[name] = num
    # The smallest gradient the differences resolve to `tol` (see the module docstring).
    floor = max(floor, 10 * np.finfo(np.float64).eps * largest_loss / (h * tol))
    rows = []
    for name, _ in targets:
        a, n = analytic[name], numeric[name]
        abs_err = np.abs(a - n)
        rel = abs_err / np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
        worst = np.unravel_index(int(np.argmax(rel)), rel.shape) if rel.size else ()
        worst = tuple(int(i) for i in worst)
        rows.append(GradcheckRow(name, tuple(a.shape), worst, float(a[worst]) if rel.size else 0.0,
                                 float(n[worst]) if rel.size else 0.0, float(abs_err[worst]) if rel.size else 0.0,
                                 float(rel[worst]) if rel.size else 0.0, bool(rel.size == 0 or rel[worst] <= tol)))
    worst_row = max(rows, key=lambda r: r.rel_error)
    return GradcheckResult(worst_row.rel_error, (worst_row.name, worst_row.index), worst_row.rel_error <= tol,
                           tol, tuple(rows), analytic, numeric)


def _analytic_gradients(model: Module, loss_fn: Loss, x: np.ndarray, y) -> tuple[dict, np.ndarray]:
    """One forward and backward pass. Where the model has neuron layers, the parameter gradients
    are read from a trace of that pass: the same numbers the lessons and widgets show."""
    from nnteach.tracing import Trace, neuron_layers

    model.zero_grad()
    units = neuron_layers(model)
    recorder = Trace(model) if units else contextlib.nullcontext()
    with recorder:
        loss_fn(model(x), y)
        dL_dx = model.backward(loss_fn.backward())
    from_trace = {}
    if units:
        for (linear, _), rec in zip(units, recorder.steps[-1].layers):
            from_trace[id(linear.weight)] = rec.grad_weight
            if linear.bias is not None:
                from_trace[id(linear.bias)] = rec.grad_bias
    analytic = {name: from_trace.get(id(p), p.grad).copy() for name, p in model.named_parameters()}
    return analytic, dL_dx
