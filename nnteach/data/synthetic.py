"""Small 2-D toy problems to train on and draw: xor, spiral, circles, moons and blobs.

Every generator returns a :class:`~nnteach.data.Dataset` with float64 ``X`` of shape (N, 2) (blobs:
(N, d)) and int64 class indices ``y`` of shape (N,). The rows are shuffled, so a train/test split or a
mini-batch never sees one class only. Pass ``seed=`` an int for a reproducible call, a
``numpy.random.Generator`` to share one stream across a notebook, or None for nnteach's package
generator (reset by ``nt.seed``).
"""

from __future__ import annotations

import numbers

import numpy as np

from .._rng import RNGLike, get_rng
from .._validation import check_int, check_interval, check_positive
from .dataset import Dataset

_XY = ("x1", "x2")


def xor(dtype=np.float64) -> Dataset:
    """The four corners of the unit square labelled by exclusive-or: the classic problem no line can solve.

    Args:
        dtype: a floating dtype for ``X`` (float64 by default).

    Returns:
        Dataset with X = [[0,0],[0,1],[1,0],[1,1]] and y = [0, 1, 1, 0] (int64).
    """
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"xor: expected dtype to be a NumPy floating dtype, got {dtype!r}.") from None
    if not np.issubdtype(dt, np.floating):
        raise TypeError(f"xor: expected a floating dtype such as np.float64 or np.float32, got {dt}.")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dt)  # (4, 2)
    y = np.array([0, 1, 1, 0], dtype=np.int64)  # (4,)
    desc = "Exclusive-or of two bits: the 4 corners of the unit square, labelled 1 where x1 != x2."
    return Dataset(X, y, _XY, "x1 XOR x2", desc, name="xor")


def _class_sizes(n: int, k: int, who: str, what: str) -> np.ndarray:
    """Split n samples over k groups as evenly as possible (the first n % k groups get one more)."""
    if n < k:
        raise ValueError(f"{who}: expected n >= {what} so every class gets a point, got n={n} and {what}={k}.")
    sizes = np.full(k, n // k, dtype=np.int64)
    sizes[: n % k] += 1
    return sizes


def _check_real(value, name: str, who: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{who}: expected {name} to be a real number, got {type(value).__name__} {value!r}.")
    return float(value)


def _finish(X, y, rng, name, description) -> Dataset:
    """Shuffle the rows together (generators build them class by class) and wrap them up."""
    order = rng.permutation(len(X))
    return Dataset(X[order], y[order].astype(np.int64), _XY, "class", description, name=name)


def spiral(n: int = 300, classes: int = 2, noise: float = 0.2, seed: RNGLike = None) -> Dataset:
    r"""Interleaved spiral arms, one per class (the CS231n spiral).

    Along arm :math:`k` the radius grows evenly from 0 to 1 and the angle turns with it:

    .. math:: r \in [0, 1], \quad \theta = \frac{2\pi k}{K} + 4r + \sigma\,\varepsilon,
              \quad \varepsilon \sim \mathcal{N}(0, 1), \quad x = (r\sin\theta,\ r\cos\theta)

    CS231n offsets arm k by 4k radians; spacing the arms by :math:`2\pi/K` keeps them symmetric for
    any number of classes. The arms cannot be split by a line, but a small MLP learns them.

    Args:
        n: total number of points, split over the classes as evenly as possible (n >= classes).
        classes: number of arms K.
        noise: standard deviation :math:`\sigma` of the angle noise in radians (0 for clean arms).
        seed: None, an int or a numpy Generator (see the module docstring).

    Returns:
        Dataset with X of shape (n, 2) and y in 0..classes-1.
    """
    who = "spiral"
    n = check_int(n, "n", who)
    classes = check_int(classes, "classes", who)
    noise = check_positive(noise, "noise", who, allow_zero=True)
    rng = get_rng(seed, who)
    X, y = [], []
    for k, size in enumerate(_class_sizes(n, classes, who, "classes")):
        r = np.linspace(0.0, 1.0, size)  # (size,)
        theta = 2 * np.pi * k / classes + 4.0 * r + noise * rng.standard_normal(size)  # (size,)
        X.append(np.column_stack([r * np.sin(theta), r * np.cos(theta)]))  # (size, 2)
        y.append(np.full(size, k))
    desc = f"{classes} interleaved spiral arms, {n} points, angle noise {noise} (nnteach.data.spiral)."
    return _finish(np.concatenate(X), np.concatenate(y), rng, who, desc)


def circles(n: int = 200, noise: float = 0.1, factor: float = 0.5, seed: RNGLike = None) -> Dataset:
    r"""Two concentric circles: an outer one of radius 1 (class 0) and an inner one of radius ``factor`` (class 1).

    Points sit evenly around each circle, then Gaussian noise of standard deviation ``noise`` is added
    to both coordinates (like scikit-learn's ``make_circles``). Separable by a circle, not by a line.

    Args:
        n: total number of points; the outer circle gets n // 2, the inner one the rest.
        noise: standard deviation of the noise added to x1 and x2.
        factor: inner radius relative to the outer one, in [0, 1).
        seed: None, an int or a numpy Generator.

    Returns:
        Dataset with X of shape (n, 2) and y = 1 for the inner circle.
    """
    who = "circles"
    n = check_int(n, "n", who, minimum=2)
    noise = check_positive(noise, "noise", who, allow_zero=True)
    factor = _check_real(factor, "factor", who)
    if not 0 <= factor < 1:
        raise ValueError(f"circles: expected factor in [0, 1) (inner radius / outer radius), got {factor}.")
    rng = get_rng(seed, who)
    n_out = n // 2
    n_in = n - n_out
    # endpoint=False so the first and last point of a circle do not coincide
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)  # (n_out,)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)  # (n_in,)
    X = np.concatenate([
        np.column_stack([np.cos(t_out), np.sin(t_out)]),
        factor * np.column_stack([np.cos(t_in), np.sin(t_in)]),
    ])  # (n, 2)
    X = X + noise * rng.standard_normal(X.shape)
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    desc = f"Two concentric circles (inner radius {factor}), {n} points, noise {noise} (nnteach.data.circles)."
    return _finish(X, y, rng, who, desc)


def moons(n: int = 200, noise: float = 0.1, seed: RNGLike = None) -> Dataset:
    r"""Two interleaving half circles (like scikit-learn's ``make_moons``).

    Class 0 is the upper half of the unit circle, :math:`(\cos t, \sin t)`; class 1 is the lower half
    shifted right and up, :math:`(1 - \cos t,\ 0.5 - \sin t)`, for :math:`t \in [0, \pi]`. Gaussian
    noise of standard deviation ``noise`` is then added to both coordinates.

    Args:
        n: total number of points; class 0 gets n // 2, class 1 the rest.
        noise: standard deviation of the noise added to x1 and x2.
        seed: None, an int or a numpy Generator.

    Returns:
        Dataset with X of shape (n, 2) and y in {0, 1}.
    """
    who = "moons"
    n = check_int(n, "n", who, minimum=2)
    noise = check_positive(noise, "noise", who, allow_zero=True)
    rng = get_rng(seed, who)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)  # (n_out,)
    t_in = np.linspace(0, np.pi, n_in)  # (n_in,)
    X = np.concatenate([
        np.column_stack([np.cos(t_out), np.sin(t_out)]),
        np.column_stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)]),
    ])  # (n, 2)
    X = X + noise * rng.standard_normal(X.shape)
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    return _finish(X, y, rng, who, f"Two interleaving half moons, {n} points, noise {noise} (nnteach.data.moons).")


def _blob_centers(centers, box, rng, who: str) -> np.ndarray:
    """Turn ``centers`` (a count or a (k, d) array) into a (k, d) float array."""
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = check_int(centers, "centers", who)
        low, high = check_interval(box, "box", who)
        return rng.uniform(low, high, size=(k, 2))  # (k, 2)
    if isinstance(centers, (bool, numbers.Number, str)) or centers is None:
        raise TypeError(f"{who}: expected centers to be an int or an array of shape (k, d), got {centers!r}.")
    try:
        C = np.asarray(centers, dtype=np.float64)
    except (TypeError, ValueError):
        want = "an int or a numeric array of shape (k, d)"
        raise TypeError(f"{who}: expected centers to be {want}, got {centers!r}.") from None
    if C.ndim != 2 or C.shape[0] < 1 or C.shape[1] < 1:
        raise ValueError(
            f"{who}: expected centers of shape (k, d), one row per center, got shape {C.shape}. "
            f"For one 2-D center write [[x1, x2]]."
        )
    if not np.isfinite(C).all():
        raise ValueError(f"{who}: centers contains NaN or infinity: {C.tolist()}.")
    return C


def blobs(n: int = 200, centers=2, std: float = 1.0, seed: RNGLike = None, box=(-5, 5)) -> Dataset:
    r"""Gaussian blobs: one round cloud of points around each center, labelled by its center.

    .. math:: x = c_k + \sigma\,\varepsilon, \quad \varepsilon \sim \mathcal{N}(0, I)

    Args:
        n: total number of points, split over the centers as evenly as possible (n >= number of centers).
        centers: an int k (k 2-D centers drawn uniformly in ``box`` x ``box``) or an array of shape (k, d).
        std: standard deviation :math:`\sigma` of every blob.
        seed: None, an int or a numpy Generator.
        box: (low, high) range for random centers; ignored when ``centers`` is an array.

    Returns:
        Dataset with X of shape (n, d) and y in 0..k-1.
    """
    who = "blobs"
    n = check_int(n, "n", who)
    std = check_positive(std, "std", who, allow_zero=True)
    rng = get_rng(seed, who)
    C = _blob_centers(centers, box, rng, who)  # (k, d)
    sizes = _class_sizes(n, len(C), who, "centers")
    y = np.repeat(np.arange(len(C)), sizes)  # (n,)
    X = C[y] + std * rng.standard_normal((n, C.shape[1]))  # (n, d)
    names = _XY if C.shape[1] == 2 else tuple(f"x{j + 1}" for j in range(C.shape[1]))
    order = rng.permutation(n)
    desc = f"{len(C)} Gaussian blobs (std {std}) around centers {np.round(C, 3).tolist()} (nnteach.data.blobs)."
    return Dataset(X[order], y[order].astype(np.int64), names, "class", desc, name=who)
