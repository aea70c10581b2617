"""The "trace" rows: what ``nt.trace`` costs on the W3 lesson loop, and proof that it changes nothing.

The nnteach hand loop of W3 is timed three ways, interleaved: untraced, inside ``nt.trace(model)``
(every step recorded, as when a learner inspects each step), inside
``nt.trace(model, keep_every=10)`` (every 10th step in full, as a long run with a live view would
use), and inside ``nt.trace(model, keep_last=100)`` (every step recorded, the last 100 kept: the
same work as the first, in bounded memory). The trace only observes, so all four must end with
bit-identical weights: the check column demands an exact match with the untraced run. The note
gives the ratio to the untraced run (goals: ≤ 1.5× every step, ≤ 1.1× every 10th; the third row
has none: it pays for releasing each record as it drops out, the others hold theirs), the memory
the trace kept (``Trace.nbytes``) and how long releasing it took. A timed run ends with its
``with nt.trace`` block, as the wait of a learner who traces a run to read it afterwards does; the
trace is released after the timing, and that release is measured on its own in an extra run.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import time

from benchmarks import impl_nnteach
from benchmarks.harness import Implementation, Row, Settings, cross_check, measure, paired_ratio
from benchmarks.workloads import WORKLOADS, make_problem

TITLE = "W3's nnteach hand loop with tracing off and on (nt.trace)"
LABEL = "tracing off/on"


def unavailable_reason() -> str | None:
    import nnteach

    return None if hasattr(nnteach, "trace") else "nnteach has no nt.trace"


IMPLEMENTATIONS = [
    Implementation("untraced", "hand loop, tracing off", impl_nnteach.build_hand_loop),
    Implementation("trace_all", "hand loop in nt.trace(model)",
                   functools.partial(impl_nnteach.build_hand_loop, trace_every=1), unavailable_reason),
    Implementation("trace_10", "hand loop in nt.trace(model, keep_every=10)",
                   functools.partial(impl_nnteach.build_hand_loop, trace_every=10), unavailable_reason),
    Implementation("trace_last", "hand loop in nt.trace(model, keep_last=100)",
                   functools.partial(impl_nnteach.build_hand_loop, trace_every=1, keep_last=100), unavailable_reason),
]
_TRACE_ARGS = [dict(every=1), dict(every=10), dict(every=1, keep_last=100)]  # as the rows after the first
_GOALS = [1.5, 1.1, None]


def run(settings: Settings) -> list[Row]:
    if unavailable_reason():
        return [Row("trace", TITLE, "", LABEL, note="n/a (not built yet)")]
    w3 = next(w for w in WORKLOADS if w.id == "W3")
    workload = dataclasses.replace(w3, id="trace", title=TITLE)
    rows = measure(make_problem(workload, quick=settings.quick), IMPLEMENTATIONS, settings)
    cross_check(rows, "untraced", tolerance=0.0)  # a trace only observes: bit-identical or broken
    off = rows[0]
    problem = make_problem(workload, quick=settings.quick)
    for row, args, goal in zip(rows[1:], _TRACE_ARGS, _GOALS):
        if row.seconds is not None and off.seconds:
            ratio = paired_ratio(row, off)
            kept, release = _memory_kept(problem, **args)
            verdict = "" if goal is None else f" {'✓' if ratio <= goal else '✗'} (goal ≤ {goal}×)"
            row.note = row.note or (f"{ratio:.2f}× tracing off{verdict}; kept {kept / 2**20:.1f} MiB, "
                                    f"released in {release * 1e3:.1f} ms")
    return rows


def _memory_kept(problem, every: int, keep_last: int | None = None) -> tuple[int, float]:
    """Run the traced loop once more and report what its trace holds (bytes) and the CPU seconds it
    takes to release it."""
    kept = []
    train, final_weights = impl_nnteach.build_hand_loop(problem, trace_every=every, keep_last=keep_last,
                                                        on_trace=lambda tr: kept.append(tr.nbytes))
    train()
    gc.disable()
    try:
        start = time.process_time()
        final_weights()  # drops the last reference to the trace
        release = time.process_time() - start
    finally:
        gc.enable()
    return kept[0], release
