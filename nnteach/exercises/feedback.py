"""``Feedback``: the result of an exercise checker, and helpers to diagnose common mistakes."""

from __future__ import annotations

import functools
import html
import traceback
import warnings

import numpy as np


class Feedback:
    """A checker's verdict: ``passed`` (bool or None when not attempted) and a message.

    Shows as one line of text (``✓ ...``, ``✗ ...`` or ``… not attempted``) in a notebook and when
    printed; ``bool(feedback)`` is ``passed is True``.
    """

    def __init__(self, exercise: str, passed: bool | None, message: str):
        self.exercise = exercise
        self.passed = passed
        self.message = message

    @property
    def text(self) -> str:
        mark = {True: "✓", False: "✗", None: "…"}[self.passed]
        return f"{mark} {self.exercise}: {self.message}"

    def __bool__(self) -> bool:
        return self.passed is True

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        colour = {True: "#1a7f37", False: "#cf222e", None: "#6e7781"}[self.passed]
        return f'<div style="color:{colour}; font-family: monospace; white-space: pre-wrap">{html.escape(self.text)}</div>'


class WrongKind(Exception):
    """Raised inside a checker when the answer is not the kind of thing asked for (a value where a
    function was asked, a function that returns nothing); :func:`guarded` turns it into a ✗."""


def call(fn, name: str, *args):
    """Call the learner's function ``name`` with ``args``; say so (as a ✗) if it is not a function or
    returns nothing. NumPy's warnings are silenced: overflow in a naive formula is the checker's to explain."""
    if not callable(fn):
        shown = f"{type(fn).__name__} {fn!r}" if np.isscalar(fn) else type(fn).__name__
        raise WrongKind(f"expected your function {name}, got {shown}: pass the function itself, {name}, not "
                        f"what it returns, {name}(...).")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fn(*args)
    if result is None:
        raise WrongKind(f"{name} returned None: end it with `return ...` (print shows a value but gives nothing back).")
    return result


def numbers(value, name: str) -> np.ndarray:
    """What the learner's function returned, as a float array, or a ✗ saying what it returned instead."""
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise WrongKind(f"{name} returned {type(value).__name__} {str(value)[:40]!r}, not numbers.") from None


def guarded(exercise: str):
    """Decorate a checker so it never raises: an unsolved exercise or a crash becomes feedback.

    * the learner's answer is None, or their function raises NotImplementedError -> not attempted;
    * their function raises anything else -> ✗ naming the exception and the line it came from.
    """

    def wrap(check):
        @functools.wraps(check)
        def checker(*args, **kwargs):
            if args and args[0] is None:
                return Feedback(exercise, None, "not attempted yet: fill in the cell above and run it again.")
            try:
                return check(*args, **kwargs)
            except WrongKind as exc:
                return Feedback(exercise, False, str(exc))
            except NotImplementedError:
                return Feedback(exercise, None, "not attempted yet: replace `raise NotImplementedError` with your code.")
            except Exception as exc:  # the learner's code crashed: explain instead of raising
                frames = traceback.extract_tb(exc.__traceback__)
                where = f" (line {frames[-1].lineno}: {frames[-1].line})" if frames and frames[-1].line else ""
                return Feedback(exercise, False, f"your code raised {type(exc).__name__}: {exc}{where}")

        return checker

    return wrap


def compare_arrays(name: str, got, expected, rtol: float = 1e-6, atol: float = 1e-9, *,
                   update: bool = False) -> str | None:
    """None if ``got`` matches ``expected``; else a sentence naming the likely mistake.

    Recognises: a wrong shape (and a transposed one), a constant factor such as N (summed instead
    of averaged over the batch) or 1/N, 2 or ½, a flipped sign, and NaN. ``update=True`` when the
    quantity is a step or new weights: a flipped sign then also reminds that gradient descent subtracts.
    """
    expected = np.asarray(expected, dtype=float)
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"{name} should be a numeric array of shape {expected.shape}, got {type(got).__name__}."
    if got.shape != expected.shape:
        if got.shape == expected.shape[::-1] and got.ndim == 2:
            return f"{name} has shape {got.shape} but should be {expected.shape}: it is transposed."
        return f"{name} has shape {got.shape} but should have shape {expected.shape}."
    if np.isnan(got).any():
        return f"{name} contains NaN."
    if np.allclose(got, expected, rtol=rtol, atol=atol):
        return None
    if np.allclose(got, -expected, rtol=rtol, atol=atol):
        return (f"{name} has the right size but the wrong sign: check a minus sign"
                + (" (gradient descent subtracts)." if update else "."))
    nz = np.abs(expected) > atol
    if nz.any():
        ratios = got[nz] / expected[nz]
        r = ratios.flat[0]
        if np.allclose(ratios, r, rtol=1e-6) and np.allclose(got[~nz], 0, atol=atol):
            for factor, hint in ((2.0, "twice too large: is there a factor 2 too many (or ½ missing)?"),
                                 (0.5, "half the right value: is a factor 2 missing (the 2 of the squared error)?")):
                if np.isclose(r, factor):
                    return f"{name} is {hint}"
            if r > 1 and np.isclose(r, round(r)):
                return (f"{name} is {round(r)}× too large: did you sum over the batch instead of averaging "
                        f"(divide by N = {round(r)})?")
            if r < 1 and np.isclose(1 / r, round(1 / r)):
                return f"{name} is {round(1 / r)}× too small: did you divide by N twice?"
            return f"{name} is off by a constant factor {r:.4g}."
    worst = np.unravel_index(int(np.argmax(np.abs(got - expected))), got.shape)
    return (f"{name} differs from the reference: at index {tuple(int(i) for i in worst)} you have "
            f"{got[worst]:.6g}, expected {expected[worst]:.6g}.")
