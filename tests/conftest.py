"""Shared fixtures for the nnteach tests.

Randomness comes from a seeded ``np.random.default_rng`` passed to whatever needs it (``rng=``),
never from global seeding. Tests that exercise ``nt.seed`` itself run inside ``package_rng``, which
gives them a throwaway package generator and puts the real one back afterwards, so no test changes
the random numbers another test draws.
"""

from __future__ import annotations

import os

# One BLAS thread. nnteach's matrices are small, so threads gain nothing, and on a busy 2-core
# machine (CI running notebooks and a browser beside the tests) OpenBLAS threads spinning against
# each other made a California Housing epoch 10x slower. The variables work when NumPy is not
# imported yet; threadpoolctl (installed with scikit-learn) limits a NumPy that already is.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnteach as nt  # noqa: E402
from nnteach import _rng  # noqa: E402

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - scikit-learn (and with it threadpoolctl) is optional
    _BLAS_LIMIT = None
else:
    _BLAS_LIMIT = threadpool_limits(limits=1, user_api="blas")

# Hypothesis draws new examples on every run, which is how a developer's runs explore; CI instead
# replays the same examples each time (derandomize), so a CI result depends only on the code.
try:
    from hypothesis import settings as _hypothesis_settings
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    pass
else:
    _hypothesis_settings.register_profile("ci", derandomize=True, database=None)
    if os.environ.get("CI"):
        _hypothesis_settings.load_profile("ci")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, seeded generator for one test."""
    return np.random.default_rng(20240611)


@pytest.fixture
def package_rng():
    """Let a test call ``nt.seed`` without leaking the package generator's state to other tests."""
    with _rng.isolated_rng():
        yield


@pytest.fixture
def shared_data(monkeypatch) -> Path:
    """Point NNTEACH_DATA_DIR at <repo>/../shared/data, where CI keeps the real data files."""
    if not (SHARED_DATA / "cal_housing.data.gz").is_file():
        pytest.skip(f"real data not available: {SHARED_DATA / 'cal_housing.data.gz'} does not exist on this machine")
    monkeypatch.setenv("NNTEACH_DATA_DIR", str(SHARED_DATA))
    return SHARED_DATA


@pytest.fixture
def small_net(rng):
    """A Linear+Tanh, Dense(sigmoid) model, its loss, a plain SGD optimizer and a batch (the tracing tests' network)."""
    model = nt.Sequential(nt.Linear(2, 3, rng=rng), nt.Tanh(), nt.Dense(3, 1, activation="sigmoid", rng=rng))
    X = rng.normal(size=(6, 2))
    y = (X[:, :1] * X[:, 1:] > 0).astype(np.float64)  # (6, 1)
    return model, nt.BCELoss(), nt.SGD(model.parameters(), lr=0.3), X, y
