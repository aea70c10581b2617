"""Real data sets: California Housing (regression) and scikit-learn's 8x8 digits (classification).

Nothing here downloads by itself. California Housing is read from a local folder (``data_dir=`` or the
``NNTEACH_DATA_DIR`` environment variable) when one is given, and otherwise fetched by scikit-learn,
which downloads it once and caches it. scikit-learn is imported only inside the functions that need it,
so ``import nnteach`` works without it.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from pathlib import Path

import numpy as np

from .dataset import Dataset

ENV_VAR = "NNTEACH_DATA_DIR"
CAL_FILE = "cal_housing.data.gz"
CAL_SHAPE = (20640, 9)  # rows x raw columns of StatLib's cal_housing.data
CAL_FEATURES = ("MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude", "Longitude")
CAL_DESCRIPTION = (
    "California Housing: one row per California block group in the 1990 U.S. Census (20,640 rows). "
    "Features: MedInc (median income in 10,000 USD, capped at 15.0001), HouseAge (median house age in "
    "years, capped at 52), AveRooms and AveBedrms (rooms and bedrooms per household), Population, AveOccup "
    "(people per household), Latitude, Longitude. Target MedHouseVal: median house value in 100,000 USD, "
    "from 0.14999 to 5.00001; 965 rows sit at the cap. The eight features are derived from the raw columns "
    "exactly as scikit-learn's fetch_california_housing does.\n"
    "Source: Pace, R. K. and Barry, R. (1997), 'Sparse Spatial Autoregressions', Statistics & Probability "
    "Letters 33, 291-297; distributed through the StatLib archive and Luís Torgo's regression data sets "
    "page. No explicit licence was attached at the source: cite it when you use it."
)
DIGITS_DESCRIPTION = (
    "Digits: 1,797 handwritten digits (0-9) as 8x8 images of integer pixel counts 0..16, the test part of "
    "the UCI 'Optical Recognition of Handwritten Digits' data set (E. Alpaydin and C. Kaynak, 1998), in the "
    "copy shipped with scikit-learn (sklearn.datasets.load_digits). X holds each image flattened row by row "
    "into 64 features."
)

_HOW_TO_GET = (
    f"Either set the environment variable {ENV_VAR} (or pass data_dir=) to a folder containing {CAL_FILE} "
    f"(the gzip of StatLib's cal_housing.data), or install scikit-learn (pip install scikit-learn, or "
    f"pip install nnteach[data]) so sklearn.datasets.fetch_california_housing() can download it."
)

# Parsed arrays, so lessons that call the loaders again and again read the file once.
# california: resolved path -> ((mtime_ns, size), X, y); a changed file is read again.
_CAL_CACHE: dict = {}
_DIGITS_CACHE: dict = {}


def california_housing(data_dir=None) -> Dataset:
    """Load California Housing: 20,640 block groups, 8 features, median house value as target.

    Where the data comes from, first match wins:

    1. ``data_dir``, a folder containing ``cal_housing.data.gz``;
    2. the folder named by the environment variable ``NNTEACH_DATA_DIR``;
    3. scikit-learn's ``fetch_california_housing()`` (downloads once, then reads its cache).

    Args:
        data_dir: a folder (str or path) holding ``cal_housing.data.gz``, or None.

    Returns:
        Dataset with X of shape (20640, 8) float64 (MedInc, HouseAge, AveRooms, AveBedrms,
        Population, AveOccup, Latitude, Longitude) and y of shape (20640,) = MedHouseVal in
        100,000 USD. The arrays are fresh copies: changing them never changes the next load.

    Raises:
        FileNotFoundError: the folder or file is missing, or no source is available at all.
        ValueError: the file is not a gzip of 20,640 rows x 9 comma-separated numbers.
    """
    folder, source = _data_folder(data_dir)
    X, y = _california_from_sklearn() if folder is None else _california_from_folder(folder, source)
    return Dataset(X, y, CAL_FEATURES, "MedHouseVal", CAL_DESCRIPTION, name="california_housing")


def _data_folder(data_dir):
    """The folder to read from and where its name came from, or (None, None) to use scikit-learn."""
    if data_dir is not None:
        if not isinstance(data_dir, (str, os.PathLike)):
            raise TypeError(
                f"california_housing: expected data_dir to be a folder path (str or pathlib.Path), "
                f"got {type(data_dir).__name__} {data_dir!r}."
            )
        return Path(data_dir), "the data_dir argument"
    env = os.environ.get(ENV_VAR)
    if env:  # an empty variable counts as unset
        return Path(env), f"the environment variable {ENV_VAR}"
    return None, None


def _california_from_folder(folder: Path, source: str):
    if folder.is_file():  # FileNotFoundError, as documented: there is no such folder
        raise FileNotFoundError(
            f"california_housing: {folder} (from {source}) is a file, not a folder. Expected the folder "
            f"containing {CAL_FILE}, e.g. {str(folder.parent)!r}."
        )
    if not folder.is_dir():
        raise FileNotFoundError(
            f"california_housing: the folder {folder} (from {source}) does not exist. "
            f"Expected a folder containing {CAL_FILE}."
        )
    path = folder / CAL_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"california_housing: expected the file {path} (the gzip of StatLib's cal_housing.data) "
            f"in the folder from {source}, but it does not exist."
        )
    key, stat = str(path.resolve()), path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    if key not in _CAL_CACHE or _CAL_CACHE[key][0] != stamp:
        _CAL_CACHE[key] = (stamp, *_derive_features(_read_raw(path)))
    _, X, y = _CAL_CACHE[key]
    return X.copy(), y.copy()


def _read_raw(path: Path) -> np.ndarray:
    """Decompress and parse the raw file into a (20640, 9) float64 array, with errors that name the path."""
    want = f"the gzip of StatLib's cal_housing.data: {CAL_SHAPE[0]} rows x {CAL_SHAPE[1]} comma-separated numbers"
    try:
        with gzip.open(path, "rb") as f:
            text = f.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"california_housing: could not decompress {path} ({exc}). Expected {want}.") from None
    try:
        raw = np.loadtxt(io.BytesIO(text), delimiter=",", dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise ValueError(f"california_housing: could not parse {path} ({exc}). Expected {want}.") from None
    if raw.shape != CAL_SHAPE:
        raise ValueError(f"california_housing: {path} has shape {raw.shape}. Expected {want}.")
    households = raw[:, 6]
    if not np.isfinite(raw).all() or (households <= 0).any():
        raise ValueError(
            f"california_housing: {path} holds NaN, infinity or a household count <= 0. Expected {want}."
        )
    return raw


def _derive_features(raw: np.ndarray):
    """scikit-learn's 8 features and target from the 9 raw columns (same float64 operations, same bits)."""
    lon, lat, age, rooms, bedrooms, pop, households, income, value = raw.T  # each (20640,)
    X = np.column_stack([
        income,
        age,
        rooms / households,     # AveRooms
        bedrooms / households,  # AveBedrms
        pop,
        pop / households,       # AveOccup
        lat,
        lon,
    ])  # (20640, 8)
    y = value / 100000.0  # (20640,) in units of 100,000 USD
    return X, y


def _california_from_sklearn():
    try:
        from sklearn.datasets import fetch_california_housing
    except ImportError:
        raise FileNotFoundError(f"california_housing: no data source found. {_HOW_TO_GET}") from None
    try:
        bunch = fetch_california_housing()
    except OSError as exc:  # urllib's URLError and HTTPError are OSErrors
        raise RuntimeError(
            f"california_housing: scikit-learn could not download the data ({exc}). "
            f"Work offline instead: set {ENV_VAR} to a folder containing {CAL_FILE}."
        ) from exc
    X = np.array(bunch.data, dtype=np.float64)  # (20640, 8), a copy we own
    y = np.array(bunch.target, dtype=np.float64)  # (20640,)
    if X.shape != (CAL_SHAPE[0], len(CAL_FEATURES)) or y.shape != (CAL_SHAPE[0],):
        raise RuntimeError(
            f"california_housing: scikit-learn returned data of shape {X.shape} and target {y.shape}, "
            f"expected ({CAL_SHAPE[0]}, 8) and ({CAL_SHAPE[0]},). Its cached copy may be damaged: "
            f"delete cal_housing.pkz from sklearn.datasets.get_data_home() and try again."
        )
    return X, y


def digits() -> Dataset:
    """Load scikit-learn's 8x8 handwritten digits (shipped with scikit-learn, no download).

    Returns:
        Dataset with X of shape (1797, 64) float64 in [0, 16], y of shape (1797,) int64 in 0..9, and
        ``images`` of shape (1797, 8, 8). Fresh copies on every call.

    Raises:
        ImportError: scikit-learn is not installed.
    """
    if not _DIGITS_CACHE:
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise ImportError(
                "digits: needs scikit-learn, which ships this data set (no download). "
                "Install it with pip install scikit-learn (or pip install nnteach[data])."
            ) from None
        bunch = load_digits()
        _DIGITS_CACHE["X"] = np.asarray(bunch.data, dtype=np.float64)  # (1797, 64)
        _DIGITS_CACHE["y"] = np.asarray(bunch.target, dtype=np.int64)  # (1797,)
        _DIGITS_CACHE["images"] = np.asarray(bunch.images, dtype=np.float64)  # (1797, 8, 8)
        _DIGITS_CACHE["names"] = tuple(str(n) for n in bunch.feature_names)
    c = _DIGITS_CACHE
    X, y, images = c["X"].copy(), c["y"].copy(), c["images"].copy()
    return Dataset(X, y, c["names"], "digit", DIGITS_DESCRIPTION, images=images, name="digits")
