"""The "notebooks" row: how long the whole course takes to run, as CI runs it.

Every lesson and solution notebook is executed top to bottom and compared with its stored outputs
by nbval (the same command as ``make test`` uses for notebooks), in a subprocess, timed by the wall
clock. It is run once: a notebook suite is minutes, not microseconds. ``--quick`` skips it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import Row, Settings

TITLE = "every lesson and solution notebook under nbval (wall clock, once)"
LABEL = "notebook suite time"
ROOT = Path(__file__).resolve().parents[1]


def notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted(
        (ROOT / "course" / "solutions").glob("*.ipynb"))


def run(settings: Settings) -> list[Row]:
    paths = notebooks()
    if settings.quick:
        return [Row("notebooks", TITLE, "", LABEL, note="skipped with --quick")]
    if not paths:
        return [Row("notebooks", TITLE, "", LABEL, note="n/a (no notebooks)")]
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
           "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", *map(str, paths)]
    env = dict(os.environ)
    data = ROOT.parent / "shared" / "data"
    if "NNTEACH_DATA_DIR" not in env and data.is_dir():
        env["NNTEACH_DATA_DIR"] = str(data)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    summary = (done.stdout.strip().splitlines() or ["?"])[-1]
    row = Row("notebooks", TITLE, "nbval", f"{len(paths)} notebooks", seconds=seconds, times=[seconds],
              wall_times=[seconds], check="ok" if done.returncode == 0 else "FAILED",
              note=f"{seconds / len(paths):.1f} s per notebook; pytest: {summary}")
    return [row]
