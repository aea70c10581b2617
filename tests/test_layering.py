"""Layering and the public surface: ``import nnteach`` needs NumPy only, the math in
``nnteach.functional`` depends on nothing above it, randomness is reproducible without touching
NumPy's global state, and every advertised name exists."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnteach as nt
from nnteach import functional as F

PACKAGE = Path(nt.__file__).resolve().parent
HEAVY = ("matplotlib", "ipywidgets", "tqdm", "sklearn", "torch")


def _run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_import_nnteach_does_not_import_plotting_widgets_or_progress_bars():
    out = _run(
        "import json, sys\n"
        "import nnteach\n"
        f"heavy = {HEAVY!r}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(heavy))))\n"
    )
    assert json.loads(out) == []


def test_training_and_saving_do_not_import_plotting_or_widgets(tmp_path):
    out = _run(
        "import json, sys\n"
        "import numpy as np\n"
        "import nnteach as nt\n"
        "X, y = nt.data.xor()\n"
        "m = nt.Sequential(nt.Dense(2, 3, activation='tanh', rng=0), nt.Dense(3, 1, activation='sigmoid', rng=1))\n"
        "t = nt.Trainer(m, nt.BCELoss(), nt.SGD(m.parameters(), lr=0.5), rng=0)\n"
        "t.fit(X, y, epochs=5, verbose=0)\n"
        "t.evaluate(X, y)\n"
        f"nt.load(nt.save(m, {str(tmp_path / 'm.nnteach')!r}))\n"
        "print(json.dumps(sorted({x.split('.')[0] for x in sys.modules} & {'matplotlib', 'ipywidgets'})))\n"
    )
    assert json.loads(out) == []


def _imports(path: Path) -> set[str]:
    """Top-level module names imported anywhere in a source file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((PACKAGE / "functional").glob("*.py")), ids=lambda p: p.name)
def test_functional_math_depends_on_numpy_only(path):
    stdlib = {"__future__", "math"}
    for name in _imports(path):
        top = name.split(".")[0]
        assert top in stdlib | {"numpy"} or name.startswith("nnteach.functional"), f"{path.name} imports {name}"


def test_nnteach_never_touches_numpy_global_random_state():
    state = np.random.get_state()
    np.random.seed(123)
    expected = np.random.random(3)
    np.random.seed(123)
    X, y = nt.data.spiral(n=40, seed=1)
    model = nt.Sequential(nt.Dense(2, 4, rng=0), nt.Linear(4, 1, rng=0), nt.Sigmoid())
    nt.Trainer(model, nt.BCELoss(), nt.Adam(model.parameters()), rng=0).fit(X, y, epochs=2, batch_size=8, verbose=0)
    np.testing.assert_array_equal(np.random.random(3), expected)
    np.random.set_state(state)


# ----------------------------------------------------------------------------- reproducibility
def test_seed_makes_initialisation_reproducible(package_rng):
    nt.seed(42)
    first = nt.Sequential(nt.Linear(2, 3), nt.Linear(3, 1)).state_dict()
    nt.seed(42)
    again = nt.Sequential(nt.Linear(2, 3), nt.Linear(3, 1)).state_dict()
    nt.seed(43)
    other = nt.Sequential(nt.Linear(2, 3), nt.Linear(3, 1)).state_dict()
    assert all(np.array_equal(first[k], again[k]) for k in first)
    assert not np.array_equal(first["0.weight"], other["0.weight"])


def test_seed_makes_shuffling_reproducible(package_rng):
    X, y = nt.data.spiral(n=40, seed=0)

    def train():
        nt.seed(7)
        model = nt.Sequential(nt.Linear(2, 4), nt.Tanh(), nt.Linear(4, 1), nt.Sigmoid())
        nt.Trainer(model, nt.BCELoss(), nt.SGD(model.parameters(), lr=0.1)).fit(X, y, epochs=3, batch_size=8, verbose=0)
        return model.state_dict()

    a, b = train(), train()
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_an_integer_rng_is_reproducible_on_its_own_and_a_generator_is_shared():
    a = nt.Linear(3, 2, rng=5).weight.data
    b = nt.Linear(3, 2, rng=5).weight.data
    np.testing.assert_array_equal(a, b)
    gen = np.random.default_rng(5)
    c = nt.Linear(3, 2, rng=gen).weight.data
    d = nt.Linear(3, 2, rng=gen).weight.data  # the same generator moves on
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(c, d)


# ----------------------------------------------------------------------------- the public surface
@pytest.mark.parametrize("name", nt.__all__)
def test_every_public_name_exists(name):
    assert hasattr(nt, name), f"nnteach.__all__ lists {name!r} but nnteach has no such attribute"


def test_star_import_gives_every_public_name():
    namespace: dict = {}
    exec("from nnteach import *", namespace)
    assert set(nt.__all__) <= set(namespace)


def test_the_names_the_issue_asks_for_are_public():
    required = {"Module", "Parameter", "Linear", "Dense", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax",
                "Identity", "Sequential", "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
                "SGD", "Adam", "Trainer", "TrainingDiverged", "EarlyStopping", "History", "Callback", "save",
                "load", "ModelFileError", "gradcheck", "seed", "data", "functional", "init"}
    assert required <= set(nt.__all__)


def test_functional_lists_exactly_the_functions_of_its_modules():
    # __all__ is written out (not dir()): a function added to a submodule must be added there too
    import importlib
    import inspect

    modules = [importlib.import_module(f"nnteach.functional.{name}") for name in ("linear", "activations", "losses")]
    defined = {name for module in modules for name, value in vars(module).items()
               if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_")}
    assert set(F.__all__) == defined
    assert len(F.__all__) == len(defined)  # and each once


def test_every_functional_backward_has_its_forward_beside_it():
    backwards = [name for name in F.__all__ if name.endswith("_backward")]
    assert len(backwards) >= 10
    for name in backwards:
        forward = name[: -len("_backward")]
        assert forward in F.__all__, f"{name} has no {forward}"
        assert "math" in (getattr(F, name).__doc__ or ""), f"{name} has no formula in its docstring"


def test_model_file_error_is_a_value_error():
    assert issubclass(nt.ModelFileError, ValueError)
