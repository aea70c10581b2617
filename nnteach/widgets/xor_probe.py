"""``Probe``: a second copy of the network that evaluates the weights on screen.

The visualizer's model has already run the step under the cursor (and updated its weights), but
the truth table and the plots must show the network *as on screen*: before the step, or after its
update. The probe loads exactly those recorded weights and runs the real forward pass: a traced
one for the four XOR inputs (the numbers in the truth table and the hidden-space points), an
untraced ``predict`` for the plot grids. Results are cached by what is on screen.
"""

from __future__ import annotations

import numpy as np

import nnteach as nt

_BOUNDED = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}  # the range of a, for the hidden-space axes


class Probe:
    """Evaluates a 2-H-1 network's recorded weights on the XOR inputs and on grids.

    Args:
        model: a network of the same architecture as the one being trained (its own weights are
            overwritten on every call).
        X: the four XOR inputs, (4, 2).
        activation: the hidden activation's name, for the hidden-space extent.

    Every method takes ``key`` (anything hashable naming the weights, e.g. (step, after, version))
    and ``weights`` (a state dict); results are cached by key until :meth:`clear`.
    """

    def __init__(self, model: nt.Sequential, X: np.ndarray, activation: str):
        self.model = model
        self.X = X
        self.activation = activation
        self._cache: dict = {}

    def clear(self) -> None:
        self._cache.clear()

    def _cached(self, key, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def predictions(self, key, weights: dict) -> tuple[tuple, tuple]:
        """ŷ (4,) and the hidden a (4 × H) of the XOR inputs, read from a traced forward pass."""
        def compute():
            self.model.load_state_dict(weights)
            with nt.trace(self.model) as tr:
                self.model(self.X)  # a forward pass only: no loss, no update
            rec = tr.steps[-1]
            return tuple(rec.y_pred[:, 0].tolist()), tuple(map(tuple, rec.layers[0].a.tolist()))

        return self._cached(("pred", key), compute)

    def decision_grid(self, key, weights: dict, resolution: int, lim: tuple[float, float]) -> np.ndarray:
        """ŷ on a ``resolution``² grid over ``lim``² (rows x₂, columns x₁), in eval mode."""
        def compute():
            self.model.load_state_dict(weights)
            xs = np.linspace(*lim, resolution)
            xx, yy = np.meshgrid(xs, xs)
            grid = np.column_stack([xx.ravel(), yy.ravel()])  # (R², 2)
            return self.model.predict(grid).reshape(resolution, resolution)

        return self._cached(("grid", key, resolution, lim), compute)

    def hidden_plane(self, key, weights: dict, resolution: int):
        """``(extent, values)``: the output neuron's ŷ over the plane of the two hidden activations."""
        _, hidden = self.predictions(key, weights)
        pts = np.array(hidden)  # (4, 2)
        lo, hi = _BOUNDED.get(self.activation) or (min(0.0, pts.min()), max(1.0, pts.max()))
        pad = 0.1 * (hi - lo)
        lo, hi = lo - pad, hi + pad

        def compute():
            self.model.load_state_dict(weights)
            xs = np.linspace(lo, hi, resolution)
            aa, bb = np.meshgrid(xs, xs)
            head = self.model[2:]  # the output neuron alone: Linear(2, 1) then Sigmoid
            return head.predict(np.column_stack([aa.ravel(), bb.ravel()])).reshape(resolution, resolution)

        return (lo, hi, lo, hi), self._cached(("plane", key, resolution), compute)
