"""Data for the course: toy 2-D problems, two real data sets, and the preprocessing around them.

Every loader returns a :class:`Dataset` (``X, y = ds`` unpacks it). Inputs are float64 and batch-first,
shape (N, features); class labels are int64 indices of shape (N,). Random generators take ``seed=``
(None, an int, or a ``numpy.random.Generator``) and never touch NumPy's global random state.

Examples:
    >>> from nnteach import data
    >>> X, y = data.spiral(n=300, classes=2, noise=0.2, seed=0)
    >>> X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.2, seed=0)
    >>> scaler = data.Standardizer().fit(X_train)
    >>> X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
"""

from .dataset import Dataset
from .preprocessing import Standardizer, one_hot
from .real import california_housing, digits
from .split import train_test_split
from .synthetic import blobs, circles, moons, spiral, xor

__all__ = [
    "Dataset",
    "xor",
    "spiral",
    "circles",
    "moons",
    "blobs",
    "california_housing",
    "digits",
    "train_test_split",
    "Standardizer",
    "one_hot",
]
