"""The "widget" row: time from a ▶ click to the updated view state of the XOR visualizer.

A thin adapter: the measurement itself is :func:`benchmarks.widget_latency.xor_step_latency`
(median of many ``next_button.click()`` calls, wall clock, as a learner feels it). This module only
turns its result into a table row, and says "n/a (not built yet)" while the widgets are missing.
"""

from __future__ import annotations

from benchmarks.harness import Row, Settings

TITLE = "XorVisualizer: time from a ▶ click to the updated widget state (goal: median ≤ 30 ms)"
LABEL = "widget step latency"
GOAL_MS = 30.0


def run(settings: Settings) -> list[Row]:
    row = Row("widget", TITLE, "widget", LABEL)
    try:
        from benchmarks.widget_latency import xor_step_latency
        import nnteach.widgets  # noqa: F401 - only to learn whether the widgets exist yet
    except ImportError:
        row.note = "n/a (not built yet)"
        return [row]
    try:
        result = xor_step_latency(n=20 if settings.quick else 60)
    except Exception as exc:  # report it in the table and go on
        row.check, row.note = "FAILED", f"{type(exc).__name__}: {exc}"[:200]
        return [row]
    median = result["median_ms"]
    row.seconds = median / 1000.0
    mark = "✓" if median <= GOAL_MS else "✗"
    row.note = (f"wall clock: median {median:.1f} ms {mark} (≤{GOAL_MS:g}), p90 {result['p90_ms']:.1f} ms over "
                f"{result['n']} clicks; {result['plot_redraws']} re-rendered the plots")
    return [row]
