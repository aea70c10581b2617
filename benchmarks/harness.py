"""Timing and cross-checking: how one benchmark is measured.

How one workload is measured (:func:`measure`, :func:`measure_workload`):

1. every implementation builds a fresh model from the shared initial weights (not timed);
2. one warm-up run of each (not timed: first calls load code and fill caches);
3. ``reps`` rounds; each round times one complete training run of every implementation, in an
   order shuffled from round to round (seeded), so a slow minute on the machine hits all of them
   alike, and no implementation always runs right after the same other one (a run can leave
   freed memory and cold caches to the next; with a fixed rotation that cost would land on the
   same row every round);
4. the median of the rounds is reported, in CPU seconds of the process (see :func:`time_once`);
   the garbage collector is off during each timed run (as in ``timeit``), so a collection caused
   by one implementation never lands in another's time;
5. the final weights are scored by one shared function and compared with the NumPy reference's.

An implementation that raises is reported as FAILED in its row (and the exit status says so);
the others go on.

The list of benchmarks that make up the table is in :mod:`benchmarks.registry`.
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

from benchmarks import impl_nnteach, impl_numpy, impl_torch
from benchmarks.workloads import Problem, Workload, full_loss, make_problem


@dataclass(frozen=True)
class Settings:
    """Command-line choices: ``quick`` shortens everything; ``only`` selects benchmark ids."""

    quick: bool = False
    only: str | None = None
    reps: int | None = None
    verbose: bool = True

    @property
    def repetitions(self) -> int:
        return self.reps if self.reps is not None else (3 if self.quick else 9)


@dataclass(frozen=True)
class Implementation:
    key: str
    label: str
    build: Callable[[Problem], tuple[Callable[[], None], Callable[[], list]]]
    unavailable: Callable[[], str | None] = lambda: None


IMPLEMENTATIONS = (
    Implementation("nnteach", "nnteach hand loop", impl_nnteach.build_hand_loop),
    Implementation("trainer", "nnteach Trainer.fit", impl_nnteach.build_trainer),
    Implementation("torch", "PyTorch CPU (idiomatic)", impl_torch.build, impl_torch.unavailable_reason),
    Implementation("numpy", "NumPy reference", impl_numpy.build),
)

# Goals for the nnteach rows (hand loop and Trainer): the largest acceptable time ratio.
GOALS: dict[str, dict[str, float]] = {
    "W1": {"torch": 0.5, "numpy": 1.2},
    "W2": {"torch": 0.5, "numpy": 1.2},
    "W3": {"torch": 0.5, "numpy": 1.2},
    "W4": {"torch": 0.5, "numpy": 1.2},
    "W5-f32": {"torch": 1.0},
}
GOAL_IMPLEMENTATIONS = ("nnteach", "trainer")

# Largest relative difference of a final loss from the NumPy reference's that still counts as equal.
LOSS_TOLERANCE = {"float64": 1e-6, "float32": 1e-4}


@dataclass
class Row:
    """One line of the table: one implementation on one benchmark."""

    bench: str
    title: str
    impl: str
    label: str
    seconds: float | None = None  # median CPU time of the timed rounds
    times: list[float] = field(default_factory=list)  # CPU seconds, one per round
    wall_times: list[float] = field(default_factory=list)  # wall-clock seconds, one per round
    vs_torch: float | None = None
    vs_numpy: float | None = None
    goal_torch: float | None = None  # the limit for vs_torch, when this row has a goal
    goal_numpy: float | None = None
    final_loss: float | None = None
    loss_diff: float | None = None  # relative difference from the reference's final loss
    check: str = ""  # "reference", "ok", "MISMATCH", "FAILED" (raised) or "" (nothing to compare)
    note: str = ""

    @property
    def mismatch(self) -> bool:
        """A correctness failure: the final loss disagrees, or training raised."""
        return self.check in ("MISMATCH", "FAILED")


def log(settings: Settings, text: str) -> None:
    """Progress on stderr, so stdout holds only the table."""
    if settings.verbose:
        print(text, file=sys.stderr, flush=True)


def time_once(build, problem: Problem) -> tuple[float, float, list]:
    """Build a fresh model, time one complete training run; returns (CPU s, wall s, final weights).

    CPU time of the process is what the table reports: with every library on one thread it equals
    the wall-clock time on an idle machine, and unlike the wall clock it does not grow while other
    processes take their turn on the CPU (this machine is shared). Extra threads would be counted.
    """
    train, weights = build(problem)
    gc.disable()
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        train()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        gc.enable()
    return cpu, wall, weights()


def measure(problem: Problem, impls: list[Implementation], settings: Settings) -> list[Row]:
    """Time every available implementation on one problem, interleaved; fill seconds and final loss."""
    workload = problem.workload
    rows, active = [], []
    for impl in impls:
        row = Row(workload.id, workload.title, impl.key, impl.label)
        reason = impl.unavailable()
        if reason:
            row.note = f"skipped: {reason}"
        else:
            active.append((impl, row))
        rows.append(row)

    losses: dict[str, list[float]] = {impl.key: [] for impl, _ in active}
    reps = settings.repetitions
    order = random.Random(0)  # the same shuffles in every run of the benchmarks
    gc.collect()  # once here: a full collection costs ~0.1 s with PyTorch loaded
    for round_ in range(reps + 1):  # round 0 is the warm-up
        log(settings, f"  {workload.id}: {'warm-up' if round_ == 0 else f'round {round_}/{reps}'}")
        for impl, row in (list(active) if round_ == 0 else order.sample(active, len(active))):
            try:
                cpu, wall, weights = time_once(impl.build, problem)
            except Exception as exc:  # report it in the table and go on with the others
                row.check, row.note = "FAILED", f"{type(exc).__name__}: {exc}"[:200]
                active.remove((impl, row))
                continue
            if round_ > 0:
                row.times.append(cpu)
                row.wall_times.append(wall)
                losses[impl.key].append(full_loss(workload, weights, problem.X, problem.y))

    for impl, row in active:
        row.seconds = statistics.median(row.times)
        row.final_loss = losses[impl.key][-1]
        if len(set(losses[impl.key])) > 1:
            row.note = "final loss differs between rounds (nondeterministic)"
    return rows


def cross_check(rows: list[Row], reference: str, tolerance: float) -> None:
    """Compare every final loss with the ``reference`` row's; mark MISMATCH beyond ``tolerance``."""
    ref = next(r for r in rows if r.impl == reference)
    for row in rows:
        if row.check == "FAILED":
            continue
        if row is ref:
            row.check = "reference"
        elif row.final_loss is not None and ref.final_loss is not None:
            row.loss_diff = abs(row.final_loss - ref.final_loss) / max(abs(ref.final_loss), 1e-300)
            row.check = "ok" if row.loss_diff <= tolerance else "MISMATCH"


def paired_ratio(row: Row, base: Row) -> float | None:
    """``row``'s time over ``base``'s: the median, over the rounds, of the ratio of their two runs in
    the same round.

    Both ran in every round within seconds of each other, so a slow spell of the machine slows both
    and cancels out of their ratio, where a ratio of the two medians keeps it whenever the medians
    come from different spells (on this machine: up to ±20% on the small workloads). Rows that do not
    share every round fall back to the ratio of the medians.
    """
    if not row.times or not base.times or len(row.times) != len(base.times):
        return None if not row.seconds or not base.seconds else row.seconds / base.seconds
    return statistics.median(a / b for a, b in zip(row.times, base.times))


def measure_workload(workload: Workload, settings: Settings) -> list[Row]:
    """A workload's rows: the four implementations, with ratios, goals and the loss cross-check."""
    rows = measure(make_problem(workload, quick=settings.quick), list(IMPLEMENTATIONS), settings)
    by_key = {r.impl: r for r in rows}
    ref, torch_row = by_key["numpy"], by_key["torch"]
    goals = GOALS.get(workload.id, {})
    for row in rows:
        if row.seconds is None:
            continue
        if torch_row.seconds:
            row.vs_torch = paired_ratio(row, torch_row)
        if ref.seconds:
            row.vs_numpy = paired_ratio(row, ref)
        if row.impl in GOAL_IMPLEMENTATIONS:
            row.goal_torch, row.goal_numpy = goals.get("torch"), goals.get("numpy")
    cross_check(rows, "numpy", LOSS_TOLERANCE[workload.dtype])
    if workload.shuffle:
        by_key["trainer"].note = by_key["trainer"].note or "own shuffling (rng seeded like the others)"
    return rows
