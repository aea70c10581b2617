"""``Trace.explain``: one neuron's equations in one step, with the recorded numbers substituted.

Every value on the right of the last "=" is read from the trace; the numbers in between show the
arithmetic with the recorded inputs, so a learner can redo it by hand.
"""

from __future__ import annotations

import numpy as np

from nnteach._validation import check_int
from nnteach.tracing.notation import Line, Part, grad, num, op, sym, term, txt
from nnteach.tracing.records import StepRecord

PHASES = ("forward", "backward", "update")
_MAX_TERMS = 6  # longer sums show their first terms, "…", and the last one
_ACT_TEXT = {"sigmoid": ("σ", r"\sigma"), "tanh": ("tanh", r"\tanh"), "relu": ("ReLU", r"\mathrm{ReLU}"),
             "leaky_relu": ("LeakyReLU", r"\mathrm{LeakyReLU}"), "identity": ("", ""),
             "softmax": ("softmax", r"\mathrm{softmax}")}


class Explanation:
    """An explained step of one neuron: ``print`` it, or let a notebook show it as HTML / LaTeX.

    Attributes:
        title: what is explained (step, phase, layer, neuron, sample).
        lines: the equations, each with ``.text``, ``.html`` and ``.latex``.
    """

    def __init__(self, title: str, lines: list[Line]):
        self.title = title
        self.lines = lines

    @property
    def text(self) -> str:
        return "\n".join([self.title, *("  " + line.text for line in self.lines)])

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        import html

        body = "".join(line.html for line in self.lines)
        return (f'<div class="nnteach-explain" style="font-family: monospace; line-height: 1.6">'
                f"<b>{html.escape(self.title)}</b>{body}</div>")

    def _repr_latex_(self) -> str:
        rows = r" \\ ".join(line.latex for line in self.lines)
        title = self.title.replace("_", r"\_")
        return rf"$$\begin{{array}}{{l}}\textbf{{{title}}} \\ {rows}\end{{array}}$$"


def explain_step(step: StepRecord, layer: int, neuron: int, sample: int = 0, phase: str = "forward",
                 digits: int = 3, layer_options=None) -> Explanation:
    """Build the :class:`Explanation` (see :meth:`nnteach.tracing.Trace.explain`)."""
    n_layers = len(step.layers)
    _check_index("layer", layer, n_layers, ", ".join(f"{i} = {r.name}" for i, r in enumerate(step.layers)))
    rec = step.layers[layer]
    _check_index("neuron", neuron, rec.out_features, f"layer {layer} ({rec.name}) has {rec.out_features} neurons")
    _check_index("sample", sample, rec.batch_size, f"the batch of step {step.index} has {rec.batch_size} samples")
    if phase not in PHASES:
        raise ValueError(f"trace.explain: unknown phase {phase!r}. Valid phases: {', '.join(map(repr, PHASES))}.")
    check_int(digits, "digits (decimals shown)", "trace.explain", minimum=0)
    if phase == "backward" and rec.grad_z is None:
        raise ValueError(f"trace.explain: step {step.index} has no backward pass recorded (only the forward pass). "
                         f"Call loss_fn.backward() and model.backward(...) inside the trace.")
    if phase == "update" and rec.weight_after is None:
        raise ValueError(f"trace.explain: step {step.index} has no optimizer update recorded. Call optimizer.step() "
                         f"inside the trace.")
    options = (layer_options or [{}] * n_layers)[layer]
    ctx = _Ctx(step, layer, neuron, sample, digits, options)
    lines = {"forward": _forward, "backward": _backward, "update": _update}[phase](ctx)
    x = ", ".join(num(v, digits).text for v in step.x[sample])
    title = (f"Step {step.index} · {phase} · layer {layer + 1} of {n_layers} ({rec.name}, {rec.activation}) · "
             f"neuron {neuron + 1} of {rec.out_features} · sample {sample + 1} of {rec.batch_size}, x = ({x})")
    return Explanation(title, lines)


def _check_index(what: str, value, size: int, detail: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"trace.explain: expected {what} to be an int, got {type(value).__name__}.")
    if not 0 <= value < size:
        raise IndexError(f"trace.explain: {what} {value} does not exist; valid {what}s are 0..{size - 1} ({detail}).")


class _Ctx:
    """The indices and numbers one explanation needs, with 1-based labels for the text."""

    def __init__(self, step, layer, neuron, sample, digits, options):
        self.step, self.l, self.j, self.n, self.d = step, layer, neuron, sample, digits
        self.rec = step.layers[layer]
        self.L, self.J = layer + 1, neuron + 1  # the labels in the text count from 1
        self.options = options

    def num(self, v) -> Part:
        return num(v, self.d)

    def term(self, v) -> Part:
        return term(v, self.d)

    def input_sym(self, i: int) -> Part:
        return sym("x", None, i + 1) if self.l == 0 else sym("a", self.l, i + 1)

    def terms(self, count: int):
        """Indices of the terms to write out: all, or the first few, None for "…", and the last."""
        if count <= _MAX_TERMS:
            return list(range(count))
        return [*range(_MAX_TERMS - 2), None, count - 1]


# --------------------------------------------------------------------------- forward
def _forward(c: _Ctx) -> list[Line]:
    rec, j, n = c.rec, c.j, c.n
    z_sym, a_sym = sym("z", c.L, c.J), sym("a", c.L, c.J)
    symbolic, numeric = _sum_of_products(
        c.terms(rec.in_features),
        lambda i: [sym("w", c.L, c.J, i + 1), op("·"), c.input_sym(i)],
        lambda i: [c.term(rec.weight[j, i]), op("·"), c.term(rec.input[n, i])])
    symbolic = [z_sym, op("="), *symbolic]
    if rec.bias is not None:
        symbolic += [op("+"), sym("b", c.L, c.J)]
        numeric += [op("+"), c.term(rec.bias[j])]
    lines = [Line([*symbolic, op("="), *numeric, op("="), c.num(rec.z[n, j])])]
    lines.append(_activation_line(c, z_sym, a_sym))
    if rec.name == "output":
        lines.append(Line([sym("yhat", None, c.J) if rec.out_features > 1 else sym("yhat"), op("="), a_sym, op("="),
                           c.num(rec.a[n, j])], note="the network's prediction"))
        if c.step.loss is not None:
            lines.append(Line([txt("L", "L"), op("="), c.num(c.step.loss)],
                              note=f"{c.step.loss_name}, the mean over the batch of {rec.batch_size}"))
    return lines


def _sum_of_products(terms: list, symbolic_term, numeric_term) -> tuple[list[Part], list[Part]]:
    """A sum written out twice, in symbols and in numbers; ``None`` in ``terms`` stands for "…"."""
    symbolic, numeric = [], []
    for k, i in enumerate(terms):
        if k and i is not None and terms[k - 1] is not None:  # "…" carries its own " + " on both sides
            symbolic.append(op("+"))
            numeric.append(op("+"))
        if i is None:
            symbolic.append(op("…"))
            numeric.append(op("…"))
            continue
        symbolic += symbolic_term(i)
        numeric += numeric_term(i)
    return symbolic, numeric


def _activation_line(c: _Ctx, z_sym: Part, a_sym: Part) -> Line:
    rec, n, j = c.rec, c.n, c.j
    z, a = rec.z[n, j], rec.a[n, j]
    name = rec.activation
    if name == "identity":
        return Line([a_sym, op("="), z_sym, op("="), c.num(a)], note="no activation: a = z")
    fn_text, fn_latex = _ACT_TEXT.get(name, (name, rf"\mathrm{{{name}}}"))
    fn = Part(fn_text, fn_latex)
    if name == "softmax":
        denominator = " + ".join(f"e^{num(v, c.d).text}" for v in rec.z[n][:_MAX_TERMS])
        return Line([a_sym, op("="), Part(f"e^{z_sym.text} / Σₖ e^{sym('z', c.L).text}ₖ",
                                           rf"\frac{{e^{{{z_sym.latex}}}}}{{\sum_k e^{{z^{{({c.L})}}_k}}}}"),
                     op("="), Part(f"e^{c.num(z).text} / ({denominator})", rf"\frac{{e^{{{c.num(z).latex}}}}}{{\dots}}"),
                     op("="), c.num(a)])
    extra = []
    if name == "relu":
        extra = [op("="), Part(f"max(0, {c.num(z).text})", rf"\max(0, {c.num(z).latex})")]
    return Line([a_sym, op("="), fn, op("("), z_sym, op(")"), op("="), fn, op("("), c.num(z), op(")"), *extra,
                 op("="), c.num(a)])


# --------------------------------------------------------------------------- backward
def _backward(c: _Ctx) -> list[Line]:
    rec, n, j = c.rec, c.n, c.j
    a_sym, z_sym = sym("a", c.L, c.J), sym("z", c.L, c.J)
    lines = [_grad_a_line(c, a_sym), _grad_z_line(c, a_sym, z_sym)]
    gz = rec.grad_z[n, j]
    for i in c.terms(rec.in_features):
        if i is None:
            lines.append(Line([txt("…")], kind="text"))
            continue
        w = sym("w", c.L, c.J, i + 1)
        lines.append(Line([grad(w), op("="), grad(z_sym), op("·"), c.input_sym(i), op("="), c.term(gz), op("·"),
                           c.term(rec.input[n, i]), op("="), c.num(gz * rec.input[n, i])],
                          note="this sample's share" if rec.batch_size > 1 else ""))
    if rec.grad_bias is not None:
        lines.append(Line([grad(sym("b", c.L, c.J)), op("="), grad(z_sym), op("="), c.num(gz)],
                          note="this sample's share" if rec.batch_size > 1 else ""))
    if rec.batch_size > 1:
        row = ", ".join(c.num(v).text for v in rec.grad_weight[j][:_MAX_TERMS])
        row += ", …" if rec.in_features > _MAX_TERMS else ""
        lines.append(Line([txt(f"Summed over the batch of {rec.batch_size} (each share already carries the 1/"
                               f"{rec.batch_size} of the mean): ∂L/∂{sym('w', c.L, c.J).text} = "
                               f"[{row}]" + ("" if rec.grad_bias is None else
                               f", ∂L/∂{sym('b', c.L, c.J).text} = {c.num(rec.grad_bias[j]).text}"))],
                          kind="text"))
    return lines


def _grad_a_line(c: _Ctx, a_sym: Part) -> Line:
    rec, n, j = c.rec, c.n, c.j
    ga = rec.grad_a[n, j]
    if rec.name == "output":
        return _loss_grad_line(c, a_sym, ga)
    nxt = c.step.layers[c.l + 1]
    z_next = [sym("z", c.L + 1, k + 1) for k in range(nxt.out_features)]
    symbolic, numeric = _sum_of_products(
        c.terms(nxt.out_features),
        lambda k: [grad(z_next[k]), op("·"), sym("w", c.L + 1, k + 1, c.J)],
        lambda k: [c.term(nxt.grad_z[n, k]), op("·"), c.term(nxt.weight[k, j])])
    return Line([grad(a_sym), op("="), *symbolic, op("="), *numeric, op("="), c.num(ga)],
                note=f"every neuron of layer {c.L + 1} sends its ∂L/∂z back along its weight")


def _loss_grad_line(c: _Ctx, a_sym: Part, ga: float) -> Line:
    step, rec, n, j = c.step, c.rec, c.n, c.j
    yhat = rec.a[n, j]
    m = rec.a.size  # the mean of an element-wise loss is over all N·outputs entries
    loss = step.loss_name
    if step.y is not None and loss in ("MSELoss", "BCELoss"):
        y = np.asarray(step.y).reshape(rec.a.shape)[n, j]
        if loss == "MSELoss":
            formula = Part(f"2(ŷ − y)/{m}", rf"\frac{{2(\hat y - y)}}{{{m}}}")
            numbers = Part(f"2·({c.num(yhat).text} − {c.term(y).text})/{m}",
                           rf"\frac{{2({c.num(yhat).latex} - {c.term(y).latex})}}{{{m}}}")
        else:
            formula = Part(f"(ŷ − y) / (ŷ(1 − ŷ)·{m})", rf"\frac{{\hat y - y}}{{\hat y(1-\hat y)\cdot {m}}}")
            numbers = Part(f"({c.num(yhat).text} − {c.term(y).text}) / ({c.num(yhat).text}·(1 − {c.num(yhat).text})·{m})",
                           rf"\frac{{{c.num(yhat).latex} - {c.term(y).latex}}}{{{c.num(yhat).latex}(1 - {c.num(yhat).latex})\cdot {m}}}")
        return Line([grad(a_sym), op("="), Part("∂L/∂ŷ", r"\frac{\partial L}{\partial \hat y}"), op("="), formula,
                     op("="), numbers, op("="), c.num(ga)], note=f"from {loss}, y = {c.num(y).text}")
    return Line([grad(a_sym), op("="), Part("∂L/∂ŷ", r"\frac{\partial L}{\partial \hat y}"), op("="), c.num(ga)],
                note=f"handed back by {loss or 'the loss'}")


def _grad_z_line(c: _Ctx, a_sym: Part, z_sym: Part) -> Line:
    rec, n, j = c.rec, c.n, c.j
    ga, gz, z, a = rec.grad_a[n, j], rec.grad_z[n, j], rec.z[n, j], rec.a[n, j]
    head = [grad(z_sym), op("="), grad(a_sym), op("·")]
    name = rec.activation
    if name == "sigmoid":
        body = [Part(f"{a_sym.text}(1 − {a_sym.text})", rf"{a_sym.latex}(1 - {a_sym.latex})"), op("="),
                c.term(ga), op("·"), c.num(a), op("·"), Part(f"(1 − {c.num(a).text})", rf"(1 - {c.num(a).latex})")]
        note = "σ′(z) = σ(z)(1 − σ(z)) = a(1 − a)"
        if rec.name == "output" and c.step.loss_name == "BCELoss" and c.step.y is not None:
            y = np.asarray(c.step.y).reshape(rec.a.shape)[n, j]
            m = rec.a.size
            note = (f"with BCE the two cancel: ∂L/∂z = (ŷ − y)/{m} = ({c.num(a).text} − {c.term(y).text})/{m}")
    elif name == "tanh":
        body = [Part(f"(1 − {a_sym.text}²)", rf"(1 - ({a_sym.latex})^2)"), op("="), c.term(ga), op("·"),
                Part(f"(1 − {c.term(a).text}²)", rf"(1 - {c.term(a).latex}^2)")]
        note = "tanh′(z) = 1 − tanh²(z) = 1 − a²"
    elif name in ("relu", "leaky_relu"):
        slope = 1.0 if z > 0 else (0.0 if name == "relu" else c.options.get("negative_slope", 0.01))
        body = [Part(f"{'ReLU' if name == 'relu' else 'LeakyReLU'}′({z_sym.text})", rf"\mathrm{{{'ReLU' if name == 'relu' else 'LeakyReLU'}}}'(" + z_sym.latex + ")"),
                op("="), c.term(ga), op("·"), c.num(slope)]
        note = f"z = {c.num(z).text} {'>' if z > 0 else '≤'} 0" + ("" if z > 0 or name != "relu" else
                                                                  ": the unit is off, no gradient flows through it")
    elif name == "identity":
        return Line([grad(z_sym), op("="), grad(a_sym), op("="), c.num(gz)], note="a = z, so the gradient passes unchanged")
    else:  # softmax and custom activations: quote the recorded value
        return Line([grad(z_sym), op("="), Part("a_j(∂L/∂a_j − Σₖ ∂L/∂aₖ·aₖ)", r"a_j\left(\frac{\partial L}{\partial a_j} - \sum_k \frac{\partial L}{\partial a_k} a_k\right)")
                     if name == "softmax" else Part(f"{name}′ · ∂L/∂a", rf"\mathrm{{{name}}}' \cdot \frac{{\partial L}}{{\partial a}}"),
                     op("="), c.num(gz)])
    return Line([*head, *body, op("="), c.num(gz)], note=note)


# --------------------------------------------------------------------------- update
def _update(c: _Ctx) -> list[Line]:
    step, rec, j = c.step, c.rec, c.j
    lines = []
    params = [None if i is None else  # None: the skipped middle weights, shown as "…"
              (sym("w", c.L, c.J, i + 1), rec.weight[j, i], rec.grad_weight[j, i], rec.weight_after[j, i])
              for i in c.terms(rec.in_features)]
    if rec.bias is not None:
        params.append((sym("b", c.L, c.J), rec.bias[j], rec.grad_bias[j], rec.bias_after[j]))
    for param in params:
        if param is None:
            lines.append(Line([txt("…")], kind="text"))
            continue
        p_sym, before, g, after = param
        if step.plain_sgd:
            lines.append(Line([p_sym, op("←"), p_sym, op("−"), sym("eta"), op("·"), grad(p_sym), op("="), c.num(before),
                               op("−"), c.num(step.lr), op("·"), c.term(g), op("="), c.num(after)]))
        else:
            delta = after - before
            lines.append(Line([p_sym, op("←"), p_sym, op("+"), Part("Δ", r"\Delta"), op("="), c.num(before), op("+"),
                               c.term(delta), op("="), c.num(after)], note=f"∂L/∂{p_sym.text} = {c.num(g).text}"))
    how = ("plain gradient descent: every parameter moves against its gradient, scaled by η = "
           f"{c.num(step.lr).text}" if step.plain_sgd else
           f"{step.optimizer}: Δ comes from the gradient and the optimizer's running state (momentum, moments)")
    lines.append(Line([txt(how)], kind="text"))
    return lines
