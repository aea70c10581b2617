"""environment.yml (conda / Binder) and pyproject.toml (pip) describe the same installation:
the same packages with the same minimum versions, and environment.yml installs nnteach itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*?)\s*$")


def _load_toml(path: Path) -> dict:
    try:
        import tomllib  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10
        tomllib = pytest.importorskip("tomli", reason="reading pyproject.toml on Python 3.10 needs tomli")
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _parse_requirement(text: str) -> tuple[str, str]:
    """'numpy>=1.23' -> ('numpy', '>=1.23'); names normalised as pip does (case, '_' and '.')."""
    match = REQUIREMENT.match(text)
    assert match, f"cannot read requirement {text!r}"
    name, spec = match.groups()
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def parse_environment_yml(text: str) -> dict:
    """The subset of YAML that environment.yml uses: ``key: value`` lines and ``- item`` lists,
    with one nested ``- pip:`` list. Returns {"name", "channels", "dependencies", "pip"}."""
    result: dict = {"channels": [], "dependencies": [], "pip": []}
    section = None
    in_pip = False
    for raw in text.splitlines():
        line = raw.split(" #")[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        stripped = line.strip()
        if indent == 0:
            key, _, value = stripped.partition(":")
            section, in_pip = key.strip(), False
            if value.strip():
                result[section] = value.strip()
            continue
        if not stripped.startswith("- "):
            raise ValueError(f"unexpected line in environment.yml: {raw!r}")
        item = stripped[2:].strip()
        if section == "dependencies" and item == "pip:":
            in_pip = True
        elif in_pip and indent > 2:
            result["pip"].append(item)
        else:
            in_pip = False
            result.setdefault(section, []).append(item)
    return result


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return _load_toml(REPO / "pyproject.toml")


@pytest.fixture(scope="module")
def environment() -> dict:
    return parse_environment_yml((REPO / "environment.yml").read_text(encoding="utf-8"))


def _pip_requirements(pyproject: dict) -> dict[str, str]:
    project = pyproject["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs += [r for r in extra if not r.lower().startswith("nnteach")]  # self-references add nothing
    parsed = [_parse_requirement(r) for r in reqs]
    names = [n for n, _ in parsed]
    assert len(names) == len(set(names)), f"a package is listed twice in pyproject.toml: {names}"
    return dict(parsed)


def _conda_requirements(environment: dict) -> dict[str, str]:
    parsed = [_parse_requirement(d) for d in environment["dependencies"]]
    return {name: spec for name, spec in parsed if name not in ("python", "pip")}


def test_tiny_yaml_parser_agrees_with_pyyaml_when_it_is_installed(environment):
    yaml = pytest.importorskip("yaml", reason="PyYAML is not a dependency; the tiny parser is used without it")
    doc = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    plain = [d for d in doc["dependencies"] if isinstance(d, str)]
    nested = [d["pip"] for d in doc["dependencies"] if isinstance(d, dict)]
    assert environment["dependencies"] == plain
    assert environment["pip"] == (nested[0] if nested else [])
    assert environment["channels"] == doc["channels"]


def test_environment_yml_and_pyproject_list_the_same_packages(pyproject, environment):
    pip, conda = _pip_requirements(pyproject), _conda_requirements(environment)
    assert sorted(conda) == sorted(pip), (
        f"only in environment.yml: {sorted(set(conda) - set(pip))}; only in pyproject.toml: {sorted(set(pip) - set(conda))}"
    )


def test_environment_yml_and_pyproject_have_the_same_minimum_versions(pyproject, environment):
    pip, conda = _pip_requirements(pyproject), _conda_requirements(environment)
    different = {name: (conda[name], pip[name]) for name in pip if name in conda and conda[name] != pip[name]}
    assert different == {}, f"(environment.yml, pyproject.toml) disagree: {different}"


def test_requirements_are_lower_bounds_not_pins(pyproject):
    # Pinned or capped versions break learners' installs; a minimum is all the course needs.
    for name, spec in _pip_requirements(pyproject).items():
        assert re.fullmatch(r">=\d+(\.\d+)*", spec), f"{name}{spec}: expected a plain minimum such as '>=1.2'"


def test_environment_yml_has_the_same_python_as_pyproject(pyproject, environment):
    python = [d for d in environment["dependencies"] if _parse_requirement(d)[0] == "python"]
    assert python == [f"python{pyproject['project']['requires-python']}"]


def test_environment_yml_installs_nnteach_itself_with_pip(environment):
    assert "pip" in environment["dependencies"]
    assert "-e ." in environment["pip"]


def test_environment_yml_uses_conda_forge(environment):
    assert environment["channels"] == ["conda-forge"]


def test_tiny_yaml_parser_reads_comments_lists_and_the_nested_pip_list():
    text = (
        "# a comment\n"
        "name: demo  # trailing comment\n"
        "channels:\n"
        "  - conda-forge\n"
        "dependencies:\n"
        "  - python>=3.10\n"
        "  # runtime\n"
        "  - numpy>=1.23\n"
        "  - pip\n"
        "  - pip:\n"
        "      - -e .\n"
        "      - extra-thing>=2\n"
        "  - tqdm>=4.64\n"
    )
    env = parse_environment_yml(text)
    assert env["name"] == "demo"
    assert env["channels"] == ["conda-forge"]
    assert env["dependencies"] == ["python>=3.10", "numpy>=1.23", "pip", "tqdm>=4.64"]
    assert env["pip"] == ["-e .", "extra-thing>=2"]
