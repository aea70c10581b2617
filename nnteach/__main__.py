"""``python -m nnteach xor``: train XOR with the traced default network and print one step, neuron by neuron.

The package's main job without a notebook: the terminal shows every equation of one forward and
backward pass (and the update) with the real numbers, read from a trace of the real computation.

``python -m nnteach check``: lesson 0's set-up check from a terminal, for an instructor preparing a
laptop, a JupyterHub image or a Binder build before a session (exit status 1 if something is missing).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np


def xor_network(hidden: int = 2, activation: str = "sigmoid", rng=0):
    """The default XOR network: 2 inputs, ``hidden`` units, one sigmoid output."""
    import nnteach as nt

    return nt.Sequential(nt.Dense(2, hidden, activation, rng=rng), nt.Dense(hidden, 1, "sigmoid", rng=rng))


def run_xor(epochs: int = 2000, lr: float = 1.0, hidden: int = 2, seed: int = 0, sample: int = 1,
            out=None) -> None:
    import nnteach as nt

    out = sys.stdout if out is None else out  # looked up now: a redirected stdout counts
    X, y = nt.data.xor()
    model = xor_network(hidden, rng=seed)
    loss_fn = nt.BCELoss()
    opt = nt.SGD(model.parameters(), lr=lr)
    trainer = nt.Trainer(model, loss_fn, opt, rng=seed)
    p = lambda *a: print(*a, file=out)

    p(f"XOR with a 2-{hidden}-1 sigmoid network, BCE loss, full-batch gradient descent (lr = {lr}), seed {seed}")
    p(model.summary())
    history = trainer.fit(X, y, epochs=epochs, verbose=0)
    p(f"\nAfter {epochs} epochs: loss {history['loss'][-1]:.4f}")
    p("  x1  x2 | target | prediction")
    for xi, yi, pi in zip(X, y, trainer.predict(X).ravel()):
        p(f"  {xi[0]:.0f}   {xi[1]:.0f}  |   {yi}    |   {pi:.3f}")

    x1 = X[sample:sample + 1]
    y1 = y[sample:sample + 1].astype(float)
    p(f"\nOne more training step on sample x = ({x1[0, 0]:.0f}, {x1[0, 1]:.0f}), target {y1[0]:.0f}, traced:")
    with nt.trace(model) as tr:
        trainer.train_step(x1, y1)
    step = tr.steps[-1]
    for phase, order in (("forward", range(len(step.layers))), ("backward", reversed(range(len(step.layers)))),
                         ("update", range(len(step.layers)))):
        p(f"\n{'=' * 24} {phase.upper()} {'=' * 24}")
        for layer in order:
            for neuron in range(step.layers[layer].out_features):
                p("")
                p(tr.explain(-1, layer, neuron, phase=phase))


def _california_line() -> tuple[bool, str]:
    """Where lesson 10 will find California Housing, without downloading anything."""
    import os

    import nnteach as nt
    from nnteach.data.real import CAL_FILE, ENV_VAR

    folder = os.environ.get(ENV_VAR)
    if folder:
        try:
            nt.data.california_housing()
        except (OSError, ValueError) as exc:
            return False, f"California Housing (lesson 10): CANNOT BE READ: {exc}"
        return True, f"California Housing (lesson 10): ok, read from {ENV_VAR}={folder}"
    try:
        from sklearn.datasets import fetch_california_housing

        fetch_california_housing(download_if_missing=False)
    except (ImportError, OSError):
        return True, (f"California Housing (lesson 10): not on this machine yet. Lesson 10 downloads it once "
                      f"through scikit-learn; without internet, set {ENV_VAR} to a folder holding {CAL_FILE}.")
    return True, "California Housing (lesson 10): ok, in scikit-learn's cache"


def run_check(out=None) -> int:
    """Print lesson 0's set-up report, JupyterLab's and the data's status; 0 if the course can run, else 1."""
    out = sys.stdout if out is None else out
    from nnteach.exercises.lesson00 import _installed, setup_report

    ok, lines = setup_report()
    lines = [line for line in lines if not line.startswith("Jupyter kernel:")]  # a terminal is not a kernel
    lab = _installed("jupyterlab")
    lines.append(f"JupyterLab: ok ({lab})" if lab else
                 "JupyterLab: not installed here (`make lab` installs it; a hub or Binder image needs it too)")
    data_ok, data_line = _california_line()
    lines.append(data_line)
    ok = ok and data_ok
    print("nnteach set-up check: " + ("everything the course needs is here." if ok else
                                      "something is missing: fix the lines that do not say ok."), file=out)
    for line in lines:
        print("  " + line, file=out)
    return 0 if ok else 1


# The text view prints every neuron of every layer for each phase: 16 hidden units is already a long read.
MAX_HIDDEN = 16
# XOR trains 20,000 full-batch epochs a second or so: 100,000 is several seconds, more is a typo.
MAX_EPOCHS = 100_000


def _whole_number(low: int, high: int | None = None):
    """An argparse ``type=`` for an int in [low, high]; a bad value is an argparse error (exit status 2)."""
    valid = f"from {low} to {high:,}" if high is not None else f">= {low}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number {valid}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected a whole number {valid}, got {value}")
        return value

    return parse


def _learning_rate(text: str) -> float:
    """An argparse ``type=`` for a finite learning rate > 0."""
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not (0 < value < float("inf")):  # NaN fails this too
        raise argparse.ArgumentTypeError(f"expected a finite number > 0 such as 1.0 or 0.5, got {text!r}")
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnteach", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    xor = sub.add_parser("xor", help="train XOR and print one traced step, neuron by neuron")
    xor.add_argument("--epochs", type=_whole_number(1, MAX_EPOCHS), default=2000,
                     help=f"training epochs before the traced step (1 to {MAX_EPOCHS:,})")
    xor.add_argument("--lr", type=_learning_rate, default=1.0, help="learning rate (a finite number > 0)")
    xor.add_argument("--hidden", type=_whole_number(1, MAX_HIDDEN), default=2,
                     help=f"hidden units (1 to {MAX_HIDDEN}: every neuron is printed)")
    xor.add_argument("--seed", type=_whole_number(0), default=0, help="random seed (an integer >= 0)")
    xor.add_argument("--sample", type=int, default=1, choices=range(4), help="which XOR input to trace (0-3)")
    sub.add_parser("check", help="check that this environment has everything the course needs (exit status 1 if not)")
    args = parser.parse_args(argv)
    np.set_printoptions(precision=4, suppress=True)
    if args.command == "check":
        return run_check()
    run_xor(args.epochs, args.lr, args.hidden, args.seed, args.sample)
    return 0


if __name__ == "__main__":
    sys.exit(main())
