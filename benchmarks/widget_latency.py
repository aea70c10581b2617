"""Latency of the XOR visualizer: from a ▶ click's handler to the updated view state.

Goal (not a test): median ≤ 30 ms. A click runs the state's cursor move (and, past the newest step,
a real traced training step), builds the frame, redraws the SVG diagram and the explanation, and
re-renders the plots when their numbers changed (the loss event, the update, a new step).
Times are wall-clock; nothing here asserts. Run ``python -m benchmarks.widget_latency``.
"""

from __future__ import annotations

import statistics
import time


def xor_step_latency(n: int = 50, granularity: str = "event", warmup: int = 3) -> dict:
    """Median and 90th percentile (ms) of ``next_button.click()`` on ``XorVisualizer.classic()``.

    Args:
        n: timed clicks (the first ``warmup`` clicks are not counted).
        granularity: how far each ▶ moves (``"event"``, ``"layer"``, ``"sample"``, ``"epoch"``).

    Returns:
        ``{"median_ms", "p90_ms", "max_ms", "n", "granularity", "plot_redraws"}``; plot_redraws counts
        the clicks that re-rendered the matplotlib panel (the slow path).
    """
    from nnteach.widgets import XorVisualizer

    viz = XorVisualizer.classic()
    viz.granularity.value = granularity
    for _ in range(warmup):
        viz.next_button.click()
    times, redraws = [], 0
    for _ in range(n):
        png = viz.plots.value
        t0 = time.perf_counter()
        viz.next_button.click()  # handler: state.next() then render(): the view state is updated on return
        times.append((time.perf_counter() - t0) * 1000.0)
        redraws += viz.plots.value is not png
    times.sort()
    return {"median_ms": statistics.median(times), "p90_ms": times[min(len(times) - 1, int(0.9 * len(times)))],
            "max_ms": times[-1], "n": n, "granularity": granularity, "plot_redraws": redraws}


def main() -> None:
    for g in ("event", "layer", "sample"):
        r = xor_step_latency(n=50 if g != "sample" else 20, granularity=g)
        print(f"XorVisualizer ▶ ({g:6s}): median {r['median_ms']:6.2f} ms, p90 {r['p90_ms']:6.2f} ms, "
              f"max {r['max_ms']:6.1f} ms over {r['n']} clicks ({r['plot_redraws']} re-rendered the plots)")


if __name__ == "__main__":
    main()
