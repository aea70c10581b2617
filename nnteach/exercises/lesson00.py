"""Lesson 0, welcome and set-up check: the set-up report and the course's first exercise.

:func:`check_setup` is not an exercise: it reports, one ``ok`` line per requirement, whether this
kernel has what the course needs (the lines name minimum versions, never the installed ones, so the
report reads the same on every working machine). :func:`check_weighted_sum` is Exercise 0.1, a
first taste of how checkers answer: specific feedback, never an exception.
"""

from __future__ import annotations

import importlib
import re
import sys

import numpy as np

from nnteach.exercises.feedback import Feedback, guarded

# (import name, shown name, minimum version, needed by): what the course imports.
REQUIREMENTS = (
    ("numpy", "numpy", (1, 23), "every lesson"),
    ("matplotlib", "matplotlib", (3, 6), "the plots"),
    ("ipywidgets", "ipywidgets", (8, 0), "the widgets"),
)
OPTIONAL = (("sklearn", "scikit-learn", (1, 2), "needed only by lessons 10-11"),)
PYTHON_MINIMUM = (3, 10)


def _version_tuple(text: str) -> tuple[int, ...]:
    """The leading numbers of a version string: ``"1.26.4"`` -> (1, 26, 4), ``"8.1.2rc1"`` -> (8, 1, 2)."""
    out = []
    for part in text.split("+")[0].split("."):
        match = re.match(r"\d+", part)
        if not match:
            break
        out.append(int(match.group()))
        if match.group() != part:  # "2rc1": a pre-release of 2; stop here
            break
    return tuple(out)


def _line(name: str, minimum: tuple[int, ...], version: str | None, needed_by: str) -> tuple[bool, str]:
    """One report line: ``numpy >= 1.23: ok``, or what is wrong and how to fix it."""
    wanted = f"{name} >= {'.'.join(map(str, minimum))}"
    if version is None:
        return False, (f"{wanted}: MISSING (needed by {needed_by}). Install the course with `make lab`, or "
                       f"`pip install {name}` in the environment of this kernel, then restart the kernel.")
    if _version_tuple(version) < minimum:
        return False, (f"{wanted}: TOO OLD, this kernel has {version} (needed by {needed_by}). Upgrade it with "
                       f"`pip install --upgrade {name}` in this kernel's environment, then restart the kernel.")
    return True, f"{wanted}: ok"


def _installed(module: str) -> str | None:
    try:
        return str(importlib.import_module(module).__version__)
    except ImportError:
        return None


def _nnteach_line() -> tuple[bool, str]:
    """nnteach imports and computes: lesson 5's hand-set XOR network, forward pass, four predictions."""
    try:
        import nnteach as nt

        model = nt.Sequential(nt.Linear(2, 2, rng=0), nt.Sigmoid(), nt.Linear(2, 1, rng=0), nt.Sigmoid())
        model.load_state_dict({"0.weight": [[5.0, 5.0], [5.0, 5.0]], "0.bias": [-2.5, -7.5],
                               "2.weight": [[10.0, -10.0]], "2.bias": [-5.0]})
        y_hat = model(nt.data.xor().X)[:, 0]  # (4,)
    except Exception as exc:  # a broken install: say what happened instead of raising
        return False, f"nnteach: BROKEN ({type(exc).__name__}: {exc}). Re-install with `make lab`."
    expected = np.array([0.0142, 0.9702, 0.9702, 0.0142])
    if not np.allclose(y_hat, expected, atol=1e-4):
        return False, f"nnteach: WRONG NUMBERS (XOR network gives {np.round(y_hat, 4)}, expected {expected})."
    shown = ", ".join(f"{v:.3f}" for v in y_hat)
    return True, f"nnteach: ok (a 2-2-1 network computed XOR: ŷ = {shown})"


def _kernel_line() -> str:
    """Whether this code runs in a Jupyter kernel (widgets need one); informational only."""
    shell = type(sys.modules["IPython"].get_ipython()).__name__ if "IPython" in sys.modules else ""
    if shell == "ZMQInteractiveShell":
        return "Jupyter kernel: ok"
    return "Jupyter kernel: not detected (plain Python): the widgets need JupyterLab or Jupyter Notebook"


def setup_report() -> tuple[bool, list[str]]:
    """``(all required parts ok, report lines)``: Python, the required packages, nnteach, the kernel."""
    lines, ok = [], True
    python = ".".join(map(str, sys.version_info[:3]))
    good, text = _line("Python", PYTHON_MINIMUM, python, "nnteach")
    ok &= good
    lines.append(text)
    for module, name, minimum, needed_by in REQUIREMENTS:
        good, text = _line(name, minimum, _installed(module), needed_by)
        ok &= good
        lines.append(text)
    good, text = _nnteach_line()
    ok &= good
    lines.append(text)
    for module, name, minimum, needed_by in OPTIONAL:  # reported, never a failure
        good, text = _line(name, minimum, _installed(module), needed_by)
        lines.append(text.replace(": ok", f": ok ({needed_by})") if good else
                     f"{name}: not installed ({needed_by}; `make lab` installs it)")
    lines.append(_kernel_line())
    return ok, lines


def check_setup() -> Feedback:
    """Report whether this kernel has what the course needs, one line per requirement.

    Shows ``✓ Set-up check: ...`` when everything required is there, ``✗`` naming each problem and
    its fix otherwise. Never raises.
    """
    ok, lines = setup_report()
    head = ("everything the course needs is here." if ok else
            "something is missing: fix the lines below that do not end in ok, restart the kernel "
            "(Kernel → Restart Kernel) and run this cell again.")
    return Feedback("Set-up check", ok, head + "\n  " + "\n  ".join(lines))


# --------------------------------------------------------------------------- Exercise 0.1
W = np.array([0.5, -1.0, 2.0])  # (3,)
X = np.array([4.0, 1.0, 3.0])  # (3,)
B = -2.0


@guarded("Exercise 0.1")
def check_weighted_sum(answer) -> Feedback:
    """Check ``answer`` = w·x + b for the lesson's w = (0.5, −1, 2), x = (4, 1, 3), b = −2 (it is 5)."""
    ex = "Exercise 0.1"
    products = W * X  # (3,): 2, −1, 6
    expected = float(products.sum() + B)  # 5.0
    try:
        got = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return Feedback(ex, False, f"answer should be a number, got {type(answer).__name__} {answer!r}.")
    if got.shape == (3,):
        if np.allclose(got, products):
            return Feedback(ex, False, "you have the three products w·x, one per input (2, −1, 6): add them up "
                                       "(np.sum, or np.dot(w, x) does multiply-and-add at once), then add b.")
        if np.allclose(got, products + B):
            return Feedback(ex, False, "b was added to each of the three products: sum the products first, then "
                                       "add b once: np.dot(w, x) + b.")
        return Feedback(ex, False, "answer has three numbers; the weighted sum is one number: np.dot(w, x) + b.")
    if got.size != 1:
        return Feedback(ex, False, f"answer should be one number, got an array of shape {got.shape}.")
    value = float(got.reshape(-1)[0])
    if np.isclose(value, expected):
        return Feedback(ex, True, "correct: w·x + b = 0.5·4 + (−1)·1 + 2·3 + (−2) = 5. That is exactly what one "
                                  "neuron computes before its activation; lesson 1 starts there.")
    hints = [
        (products.sum(), "that is w·x without the bias: add b = −2."),
        (products.sum() - B, "you subtracted b: the bias is added, and here it is negative, + (−2)."),
        (W.sum() * X.sum() + B, "you multiplied the sums (Σw)·(Σx): multiply each weight by its own input "
                                "first, then add: np.dot(w, x) + b."),
        (W.sum() + X.sum() + B, "you added everything up: each weight multiplies its own input, np.dot(w, x) + b."),
    ]
    for candidate, hint in hints:
        if np.isclose(value, candidate):
            return Feedback(ex, False, f"you have {value:g}, {hint}")
    return Feedback(ex, False, f"you have {value:g}, expected w·x + b = {expected:g}. Multiply each weight by its "
                               f"input, add the three products, then add b: np.dot(w, x) + b.")


@guarded("Exercise 0.2")
def check_layer_for_batch(layer) -> Feedback:
    """Exercise 0.2: a layer of 3 neurons that accepts section 0.2's batch of 4 samples × 5 features.

    The error message of section 0.2 holds the answer: ``expected input of shape (N, 2), got (4, 5)``.
    """
    import nnteach as nt

    who = "Exercise 0.2"
    if not isinstance(layer, nt.Linear):
        return Feedback(who, False, f"expected an nt.Linear layer, got {type(layer).__name__}. "
                                    f"Build one with nt.Linear(in_features, out_features).")
    sizes = (layer.in_features, layer.out_features)
    if sizes == (3, 5):
        return Feedback(who, False, "the two sizes are swapped: the first argument of nt.Linear is the number of "
                                    "features each sample has (5), the second the number of neurons (3).")
    if layer.in_features != 5:
        return Feedback(who, False, f"this layer expects {layer.in_features} features per sample, but the batch has 5: "
                                    f"its shape (4, 5) means 4 samples of 5 features. The first argument of "
                                    f"nt.Linear is the number of input features.")
    if layer.out_features != 3:
        return Feedback(who, False, f"the layer has {layer.out_features} neurons; the exercise asks for 3 "
                                    f"(the second argument of nt.Linear).")
    out = layer(np.ones((4, 5)))  # (4, 5) -> (4, 3)
    return Feedback(who, True, f"nt.Linear(5, 3) takes the (4, 5) batch and returns shape {out.shape}: "
                               f"one row per sample, one column per neuron.")
