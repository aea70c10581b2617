"""``python -m nnteach xor``: train XOR with the traced default network and print one step, neuron by neuron.

The package's main job without a notebook: the terminal shows every equation of one forward and
backward pass (and the update) with the real numbers, read from a trace of the real computation.
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
            out=sys.stdout) -> None:
    import nnteach as nt

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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnteach", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    xor = sub.add_parser("xor", help="train XOR and print one traced step, neuron by neuron")
    xor.add_argument("--epochs", type=int, default=2000)
    xor.add_argument("--lr", type=float, default=1.0)
    xor.add_argument("--hidden", type=int, default=2)
    xor.add_argument("--seed", type=int, default=0)
    xor.add_argument("--sample", type=int, default=1, choices=range(4), help="which XOR input to trace (0-3)")
    args = parser.parse_args(argv)
    np.set_printoptions(precision=4, suppress=True)
    if args.command == "xor":
        run_xor(args.epochs, args.lr, args.hidden, args.seed, args.sample)
    return 0


if __name__ == "__main__":
    sys.exit(main())
