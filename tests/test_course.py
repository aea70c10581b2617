"""The course hangs together: syllabus, lesson notebooks, solutions, checkers and notebook hygiene."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML reads course/syllabus.yml (pip install '.[test]')")

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted((ROOT / "course" / "solutions").glob("[0-9][0-9]_*_solutions.ipynb"))
ALL_NOTEBOOKS = LESSONS + SOLUTIONS


def load_syllabus() -> list[dict]:
    with open(ROOT / "course" / "syllabus.yml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)["lessons"]


def read(nb_path: Path) -> dict:
    return json.loads(nb_path.read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    return "".join(cell["source"])


def test_syllabus_lists_every_lesson_once_in_order():
    syllabus = load_syllabus()
    assert [entry["id"] for entry in syllabus] == list(range(len(syllabus))), "lesson ids must be 0, 1, 2, ..."
    assert [ROOT / entry["notebook"] for entry in syllabus] == LESSONS


@pytest.mark.parametrize("entry", load_syllabus(), ids=lambda e: f"lesson{e['id']:02d}")
def test_syllabus_entry_matches_its_notebook_solutions_and_checkers(entry):
    for key in ("id", "title", "notebook", "solutions", "instructor_notes", "objectives", "prerequisites",
                "minutes", "exercises"):
        assert key in entry, f"syllabus entry {entry.get('id')} lacks {key!r}"
    notebook = read(ROOT / entry["notebook"])
    title = source(notebook["cells"][0]).splitlines()[0]
    assert title == f"# {entry['id']}. {entry['title']}", "the notebook's title cell and the syllabus disagree"
    assert (ROOT / entry["instructor_notes"]).is_file()
    solutions = ROOT / entry["solutions"]
    assert solutions.is_file()
    lesson_code = "\n".join(source(c) for c in notebook["cells"] if c["cell_type"] == "code")
    solution_code = "\n".join(source(c) for c in read(solutions)["cells"] if c["cell_type"] == "code")
    assert 2 <= len(entry["exercises"]) <= 4, "each lesson has 2-4 exercises"
    for exercise in entry["exercises"]:
        module_name, func = exercise["checker"].rsplit(".", 1)
        checker = getattr(importlib.import_module(module_name), func)
        assert callable(checker)
        assert f"{func}(" in lesson_code, f"lesson {entry['id']} never calls its checker {func}"
        assert f"{func}(" in solution_code, f"the solutions of lesson {entry['id']} never call {func}"
    for earlier in entry["prerequisites"]:
        assert earlier < entry["id"], "prerequisites come earlier in the course"


def test_every_solution_notebook_belongs_to_a_lesson():
    listed = {ROOT / entry["solutions"] for entry in load_syllabus()}
    assert set(SOLUTIONS) == listed


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_hygiene(path):
    nb = read(path)
    cells = nb["cells"]
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3"
    assert re.match(r"# \d+\. \S", source(cells[0])), "cell 1 is '# N. Title'"
    assert "objectives" in source(cells[1]).lower(), "cell 2 states the learning objectives"
    setup = source(cells[2])
    assert cells[2]["cell_type"] == "code" and "default_rng(" in setup and "SEED" in setup, \
        "cell 3 imports and creates one seeded generator"
    counts = [c.get("execution_count") for c in cells if c["cell_type"] == "code" and c.get("outputs")]
    assert None not in counts and counts == sorted(counts) and len(set(counts)) == len(counts), \
        "execution counts in order: re-run the notebook top to bottom"
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                assert "raises-exception" in tags, f"cell {i} stores an error but is not tagged raises-exception"
            text = json.dumps(out.get("text", "")) + json.dumps(out.get("data", {}).get("text/plain", ""))
            assert not re.search(r"(/work/|/home/|/root/|/tmp/|[A-Z]:\\\\Users)", text), \
                f"cell {i} shows an absolute path: {text[:200]}"
    assert any(source(c).startswith("## Summary") for c in cells), "a Summary section"
    assert any(source(c).startswith("## Exercises") for c in cells), "an Exercises section"


def test_make_lab_opens_lesson_zero():
    out = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert re.search(r"-m jupyterlab \S*notebooks/00_\w+\.ipynb", out), out
    # served from the repository root, so course/ (solutions, the PyTorch guide) is reachable in the lab
    root = re.search(r"--ServerApp\.root_dir=\"([^\"]+)\"", out)
    assert root and Path(root.group(1)).resolve() == ROOT, out


def _timing_table(notes: str) -> list[tuple[str, int]]:
    """The rows of the instructor notes' timing table: (part, minutes)."""
    section = re.search(r"^## Timing.*?\n(.*?)(?=^## |\Z)", notes, re.S | re.M)
    assert section, "the instructor notes have a '## Timing' section"
    rows = []
    for line in section.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and line.startswith("|") and not set(cells[1]) <= set("-: ") and cells[1] != "minutes":
            assert re.fullmatch(r"\d+", cells[1]), f"timing row {cells[0]!r}: give one number of minutes, got {cells[1]!r}"
            rows.append((cells[0], int(cells[1])))
    return rows


@pytest.mark.parametrize("entry", load_syllabus(), ids=lambda e: f"lesson{e['id']:02d}")
def test_the_times_in_syllabus_notebook_and_instructor_notes_agree(entry):
    """An instructor plans a session from these: the syllabus, the notebook's "Time." line and the notes'
    table must give the same minutes, and the same split between sections and exercises."""
    minutes = entry["minutes"]
    notes = (ROOT / entry["instructor_notes"]).read_text(encoding="utf-8")
    rows = _timing_table(notes)
    assert sum(m for _, m in rows) == minutes, f"the notes' timing rows add up to {sum(m for _, m in rows)}, not {minutes}"
    heading = re.search(r"^## Timing \(about (\d+) minutes\)", notes, re.M)
    assert heading is None or int(heading.group(1)) == minutes
    objectives = source(read(ROOT / entry["notebook"])["cells"][1])
    stated = re.search(r"\*\*Time\.\*\* About (\d+) minutes(?:: (\d+) for the sections, (\d+) for the exercises)?", objectives)
    assert stated, "the notebook's objectives cell has a '**Time.** About N minutes' line"
    assert int(stated.group(1)) == minutes
    if stated.group(2):
        exercises = sum(m for part, m in rows if part.lower().startswith("exercise"))
        assert (minutes - exercises, exercises) == (int(stated.group(2)), int(stated.group(3))), \
            "the notebook's split between sections and exercises differs from the notes' table"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.name)
def test_relative_links_in_a_notebook_lead_to_files_that_exist(path):
    links = [target for cell in read(path)["cells"] if cell["cell_type"] == "markdown"
             for target in re.findall(r"\]\(([^)\s]+)\)", source(cell))]
    for target in links:
        if re.match(r"[a-z]+:|#", target):  # a web address or a heading in the same notebook
            continue
        assert (path.parent / target.split("#")[0]).exists(), f"{path.name} links to {target}, which does not exist"
