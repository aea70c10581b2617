"""Turning rows into what people read: the machine header, the table (text or Markdown), the goal
summary, and ``benchmarks/results/latest.json``."""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import subprocess
from dataclasses import asdict
from pathlib import Path

import numpy as np

from benchmarks.harness import GOALS, Row, Settings
from benchmarks.workloads import REPO_ROOT, WORKLOADS, load_data

RESULTS_DIR = Path(__file__).resolve().parent / "results"
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
BUSY_LOAD = 0.5  # a 1-minute load average above this before we start means someone else is computing


# ---------------------------------------------------------------------------- machine
def _cpuinfo(field: str) -> str | None:
    """The first value of ``field`` in /proc/cpuinfo (Linux), or None."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.split(":", 1)[0].strip() == field:
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _cores() -> str:
    cores = _cpuinfo("cpu cores")
    return f"{os.cpu_count()} logical CPUs" + (f", {cores} cores" if cores else "")


def _blas() -> str:
    """The BLAS libraries loaded in this process and their thread counts (needs threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    libs = []
    for info in threadpool_info():
        name = f"{info.get('internal_api')} {info.get('version') or ''}".strip()
        libs.append(f"{name} ({info.get('num_threads')} thread)")
    return ", ".join(libs) or "none found"


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=5)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def load_average() -> float | None:
    """The 1-minute load average: how many processes wanted a CPU, on average, over the last minute."""
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def machine_info(torch_version: str | None, load_before: float | None) -> dict:
    import nnteach

    load_after = load_average()
    load = "unknown" if load_before is None else f"{load_before:.2f} before, {load_after:.2f} after"
    if load_before is not None and load_before > BUSY_LOAD:
        load += " - the machine was busy: other processes share the CPUs, timings are noisy"
    return {
        "cpu": _cpuinfo("model name") or platform.processor() or "unknown",
        "cores": _cores(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch_version or "not installed",
        "nnteach": f"{nnteach.__version__} (git {_git_commit()})",
        "blas": _blas(),
        "threads": ", ".join(f"{v}={os.environ.get(v, 'unset')}" for v in THREAD_VARS),
        "load average (1 min)": load,
    }


# ---------------------------------------------------------------------------- cells
def _ratio(value: float | None, goal: float | None) -> str:
    if value is None:
        return ""
    text = f"{value:.2f}"
    if goal is not None:
        text += f" {'✓' if value <= goal else '✗'} (≤{goal:g})"
    return text


def _spread(times: list[float]) -> float:
    """Half the interquartile range of the rounds, relative to their median: the noise of a timing."""
    if len(times) < 2:
        return 0.0
    q1, median, q3 = statistics.quantiles(times, n=4)
    return (q3 - q1) / 2 / median


def _check(row: Row) -> str:
    if row.check == "ok":
        if row.loss_diff is None:  # a pass/fail row (the notebook suite): nothing to compare
            return "ok"
        return "ok (exact)" if row.loss_diff == 0 else f"ok ({row.loss_diff:.0e})"
    if row.check == "FAILED":
        return "✗ FAILED"
    if row.mismatch:
        return f"✗ MISMATCH ({row.loss_diff:.1e})"
    return row.check


def _cells(row: Row) -> list[str]:
    """The table cells of one row, in the order of HEADER."""
    if row.check == "FAILED":
        return [row.bench, row.label, "", "", "", "", _check(row), row.note]
    if row.seconds is None:  # not built yet, or skipped: the note says which, in the time column
        return [row.bench, row.label, row.note, "", "", "", "", ""]
    seconds = f"{row.seconds:.4f}" + (f" ±{_spread(row.times):.0%}" if row.times else "")
    loss = "" if row.final_loss is None else f"{row.final_loss:.10g}"
    return [row.bench, row.label, seconds, _ratio(row.vs_torch, row.goal_torch),
            _ratio(row.vs_numpy, row.goal_numpy), loss, _check(row), row.note]


HEADER = ["workload", "implementation", "median CPU s ±IQR/2", "× PyTorch", "× NumPy ref", "final loss",
          "check", "note"]


def workload_lines(rows: list[Row], quick: bool) -> list[str]:
    """One line per workload in the table: its title, steps and where its data came from."""
    ids = {r.bench for r in rows}
    lines = []
    for w in WORKLOADS:
        if w.id in ids:
            data = load_data(w.data)
            epochs = w.quick_epochs if quick else w.epochs
            steps = epochs * -(-len(data.X) // (w.batch_size or len(data.X)))
            lines.append(f"{w.id}: {w.title}; {epochs} epochs = {steps:,} steps; data: {data.source}")
    workload_ids = {w.id for w in WORKLOADS}
    for bench, title in dict.fromkeys((r.bench, r.title) for r in rows if r.bench not in workload_ids):
        lines.append(f"{bench}: {title}")
    return lines


def goal_lines(rows: list[Row]) -> list[str]:
    """Every goal, met or missed, with the margin."""
    lines = []
    for row in rows:
        for what, value, goal in (("PyTorch", row.vs_torch, row.goal_torch),
                                  ("NumPy ref", row.vs_numpy, row.goal_numpy)):
            if value is None or goal is None:
                continue
            if value <= goal:
                lines.append(f"✓ {row.bench} {row.label}: {value:.2f}× {what} (goal ≤ {goal:g}×)")
            else:
                lines.append(f"✗ {row.bench} {row.label}: {value:.2f}× {what} (goal ≤ {goal:g}×, "
                             f"missed by {100 * (value / goal - 1):.0f}%)")
    return lines


GOALS_TEXT = ("Goals (printed, never asserted): nnteach ≤ 0.5× PyTorch and ≤ 1.2× the NumPy reference on "
              "W1–W4; W5 float32 ≤ 1.0× PyTorch.")
CHECK_TEXT = ("final loss: the trained weights scored on the whole data set by one shared float64 function. "
              "check: its relative difference from the reference row (the NumPy reference; for trace, the "
              "untraced run, which must match exactly). Everyone gets the same data, initial weights and "
              "shuffle order, so the difference must be tiny.")


# ---------------------------------------------------------------------------- tables
def text_table(rows: list[Row]) -> str:
    table = [HEADER] + [_cells(r) for r in rows]
    widths = [max(len(line[c]) for line in table) for c in range(len(HEADER))]
    out = []
    previous = None
    for i, line in enumerate(table):
        if i == 1 or (i > 1 and line[0] != previous):
            out.append("  ".join("-" * w for w in widths))
        previous = line[0]
        out.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())
    return "\n".join(out)


def markdown_table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in _cells(r)) + " |" for r in rows]
    return "\n".join(lines)


def render(rows: list[Row], machine: dict, settings: Settings, seconds: float, markdown: bool) -> str:
    """The whole printout: machine, workloads, table, goals, cross-check verdict."""
    mode = "quick (smoke test, not for comparison)" if settings.quick else "full"
    head = [f"{k}: {v}" for k, v in machine.items()]
    head.append(f"run: {mode}, median of {settings.repetitions} interleaved rounds after 1 warm-up, "
                f"{seconds:.1f} s in total")
    head.append("clock: CPU seconds of the process (time.process_time), not inflated by other processes; "
                "wall-clock times are in benchmarks/results/*.json")
    bullet = "- " if markdown else "  "
    parts = ["nnteach benchmarks", "\n".join(bullet + h for h in head), "",
             "\n".join(bullet + line for line in workload_lines(rows, settings.quick)), "",
             markdown_table(rows) if markdown else text_table(rows), "",
             GOALS_TEXT, "", CHECK_TEXT, ""]
    goals = goal_lines(rows)
    if goals:
        parts.append("\n".join(bullet + g for g in goals))
    bad = [r for r in rows if r.mismatch]
    if bad:
        names = ", ".join(f"{r.bench} {r.label}" for r in bad)
        parts += ["", "!" * 72, f"!!! CROSS-CHECK FAILED (final loss differs from the reference, or training "
                  f"raised): {names}", "!!! The implementations no longer train the same network: find out why "
                  "before trusting any timing.", "!" * 72]
    if markdown:
        parts[0] = "### nnteach benchmarks"
    return "\n".join(parts)


def write_json(rows: list[Row], machine: dict, settings: Settings, seconds: float, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine,
        "settings": {"quick": settings.quick, "only": settings.only, "repetitions": settings.repetitions},
        "total_seconds": seconds,
        "goals": GOALS,
        "workloads": workload_lines(rows, settings.quick),
        "rows": [asdict(r) for r in rows],
    }
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
