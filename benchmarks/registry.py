"""The rows of the table, in order: one :class:`Benchmark` per entry, selected with ``--only``.

To add a benchmark, append a ``Benchmark`` whose ``run(settings)`` returns its :class:`Row` objects
(see :mod:`benchmarks.tracing_bench` and :mod:`benchmarks.widget_bench` for small examples). An entry with ``run=None`` is a
placeholder: it prints "n/a (not built yet)", so the table shows what is still to be measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from benchmarks import notebooks_bench, tracing_bench, widget_bench
from benchmarks.harness import Row, Settings, log, measure_workload
from benchmarks.workloads import WORKLOADS, Workload


@dataclass(frozen=True)
class Benchmark:
    """An id for ``--only``, a title, and how to run it (``run=None``: not built yet)."""

    id: str
    title: str
    run: Callable[[Settings], list[Row]] | None = None
    group: str = ""  # ``--only W5`` selects every benchmark of group W5
    label: str = ""  # implementation column of a placeholder row

    def rows(self, settings: Settings) -> list[Row]:
        if self.run is None:
            return [Row(self.id, self.title, "", self.label or self.id, note="n/a (not built yet)")]
        return self.run(settings)


def _workload_benchmark(workload: Workload) -> Benchmark:
    return Benchmark(workload.id, workload.title, lambda s: measure_workload(workload, s), workload.group)


REGISTRY: list[Benchmark] = [_workload_benchmark(w) for w in WORKLOADS] + [
    Benchmark("trace", tracing_bench.TITLE, tracing_bench.run, label=tracing_bench.LABEL),
    Benchmark("widget", widget_bench.TITLE, widget_bench.run, label=widget_bench.LABEL),
    Benchmark("notebooks", notebooks_bench.TITLE, notebooks_bench.run, label=notebooks_bench.LABEL),
]


def selected(only: str | None) -> list[Benchmark]:
    """The benchmarks named in ``--only`` (case-insensitive; ``W5`` means W5-f32 and W5-f64), or all.

    Raises:
        ValueError: naming any unknown id and listing the valid ones.
    """
    if not only:
        return list(REGISTRY)
    names = [name.strip() for name in only.split(",") if name.strip()]
    wanted = {name.lower() for name in names}
    known = {b.id.lower() for b in REGISTRY} | {b.group.lower() for b in REGISTRY if b.group}
    unknown = [name for name in names if name.lower() not in known]
    if unknown:
        raise ValueError(
            f"--only: unknown benchmark {', '.join(unknown)}. Valid: {', '.join(b.id for b in REGISTRY)} "
            f"(W5 selects both W5 rows)."
        )
    return [b for b in REGISTRY if b.id.lower() in wanted or (b.group and b.group.lower() in wanted)]


def run(settings: Settings) -> list[Row]:
    """Run the selected benchmarks one after the other; returns every row of the table."""
    rows = []
    for bench in selected(settings.only):
        log(settings, f"{bench.id}: {bench.title}")
        rows.extend(bench.rows(settings))
    return rows
