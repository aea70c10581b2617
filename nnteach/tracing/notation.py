"""One notation for text, HTML and LaTeX: symbols with layer superscripts and neuron subscripts.

An equation is built once as a list of :class:`Part` pieces, each knowing its Unicode text and its
LaTeX, so the plain-text, HTML and LaTeX renderings always say the same thing.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

_SUP = str.maketrans("0123456789()-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁻")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@dataclass(frozen=True)
class Part:
    text: str
    latex: str


def num(v: float, digits: int = 3) -> Part:
    """A number as learners read it: exact short values stay short (2.5, 5, 0); rounded ones show
    ``digits`` decimals (0.970); magnitudes below 0.01 or of a million and more get ``digits``
    significant digits (0.00123, 2.5e+20); NaN and infinity read as NaN and ∞."""
    v = float(v)
    if math.isnan(v):
        return Part("NaN", r"\text{NaN}")  # in LaTeX, plain "nan" would read as the product n·a·n
    if math.isinf(v):
        return Part("∞" if v > 0 else "−∞", r"\infty" if v > 0 else r"-\infty")
    if v == 0:
        s = "0"
    elif 1e6 <= abs(v):  # a diverged weight: 2.5e+20, not twenty-one digits
        s = f"{v:.{digits}g}"
    elif abs(v) >= 0.01:
        s = f"{v:.{digits}f}"
        if round(v, digits) == v:
            s = s.rstrip("0").rstrip(".")
    else:
        s = f"{v:.{digits}g}"
    latex = re.sub(r"e([+-])0*(\d+)", lambda m: r"\times 10^{" + m.group(1).replace("+", "") + m.group(2) + "}", s)
    return Part(s.replace("-", "−"), latex)


def term(v: float, digits: int = 3) -> Part:
    """A number inside a sum or product: negative values in parentheses, as (−2.5)."""
    p = num(v, digits)
    if float(v) < 0:
        return Part(f"({p.text})", f"({p.latex})")
    return p


def sym(name: str, layer: int | None = None, *idx: int) -> Part:
    """``sym("w", 1, 2, 1)`` is w⁽¹⁾₂₁: layer as a superscript, 1-based indices as subscripts."""
    sup = "" if layer is None else f"({layer})".translate(_SUP)
    sep = "," if any(i >= 10 for i in idx) else ""
    sub_text = sep.join(str(i) for i in idx).translate(_SUB) if sep == "" else "₍" + ",".join(map(str, idx)) + "₎"
    greek = {"sigma": ("σ", r"\sigma"), "eta": ("η", r"\eta"), "yhat": ("ŷ", r"\hat{y}")}
    base_text, base_latex = greek.get(name, (name, name))
    latex = base_latex + (f"^{{({layer})}}" if layer is not None else "") + (
        "_{" + ",".join(map(str, idx)) + "}" if idx else "")
    return Part(base_text + sup + sub_text, latex)


def grad(of: Part) -> Part:
    """∂L/∂(symbol)."""
    return Part(f"∂L/∂{of.text}", rf"\frac{{\partial L}}{{\partial {of.latex}}}")


OPS = {
    "=": Part(" = ", " = "), "+": Part(" + ", " + "), "−": Part(" − ", " - "), "·": Part("·", r" \cdot "),
    "←": Part(" ← ", r" \leftarrow "), "(": Part("(", r"\left("), ")": Part(")", r"\right)"),
    "…": Part(" + … + ", r" + \dots + "), "Σ": Part("Σ", r"\sum "),
}


def op(o: str) -> Part:
    return OPS[o]


def txt(s: str, latex: str | None = None) -> Part:
    """Plain words or a function name (σ, tanh, ReLU) shown as is."""
    return Part(s, latex if latex is not None else r"\text{" + s.replace("_", r"\_") + "}")


class Line:
    """One line of an explanation: an equation (list of Parts) or a sentence, with an optional note."""

    def __init__(self, parts: list[Part], note: str = "", kind: str = "eq"):
        self.parts = parts
        self.note = note
        self.kind = kind

    @property
    def text(self) -> str:
        body = "".join(p.text for p in self.parts)
        return f"{body}    ({self.note})" if self.note else body

    @property
    def latex(self) -> str:
        if self.kind != "eq":
            return r"\text{" + self.text.replace("_", r"\_").replace("%", r"\%") + "}"
        body = "".join(p.latex for p in self.parts)
        return body + (r"\quad\text{(" + self.note.replace("_", r"\_") + ")}" if self.note else "")

    @property
    def html(self) -> str:
        body = html.escape("".join(p.text for p in self.parts))
        note = f' <span class="nnteach-note">({html.escape(self.note)})</span>' if self.note else ""
        return f'<div class="nnteach-{self.kind}">{body}{note}</div>'
