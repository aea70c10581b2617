"""The benchmarks' correctness cross-check, run small: every implementation trains the same network.

``python -m benchmarks`` compares timings only after checking that nnteach (hand loop and
``Trainer.fit``), PyTorch and the hand-written NumPy reference reach the same final loss from the
same data, initial weights and shuffle order. These tests run that check on short versions of
W1 (batch 1, SGD), W2 (full batch, sigmoid + BCE) and W3 (shuffled mini-batches, Adam), so a change
in nnteach's arithmetic, or in a benchmark implementation, is caught without timing anything.
PyTorch is optional: its cases are skipped when it is not installed.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
from pathlib import Path

import pytest

# benchmarks/ sits beside nnteach/ but is not an installed package: make it importable under plain pytest.
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import impl_nnteach, impl_numpy, impl_torch  # noqa: E402
from benchmarks.workloads import WORKLOADS, full_loss, make_problem  # noqa: E402

EPOCHS = {"W1": 50, "W2": 300, "W3": 10}
BUILDERS = {"nnteach": impl_nnteach.build_hand_loop, "trainer": impl_nnteach.build_trainer, "torch": impl_torch.build}


@functools.lru_cache(maxsize=None)
def small_problem(workload_id: str):
    workload = next(w for w in WORKLOADS if w.id == workload_id)
    return make_problem(dataclasses.replace(workload, quick_epochs=EPOCHS[workload_id]), quick=True)


def final_loss(build, problem) -> float:
    train, weights = build(problem)
    train()
    return full_loss(problem.workload, weights(), problem.X, problem.y)


@pytest.mark.parametrize("impl", sorted(BUILDERS))
@pytest.mark.parametrize("workload_id", sorted(EPOCHS))
def test_implementation_reaches_the_numpy_reference_loss(workload_id, impl):
    if impl == "torch" and impl_torch.unavailable_reason():
        pytest.skip(impl_torch.unavailable_reason())
    if impl == "torch":
        impl_torch.configure()
    problem = small_problem(workload_id)
    reference = final_loss(impl_numpy.build, problem)
    got = final_loss(BUILDERS[impl], problem)
    assert got == pytest.approx(reference, rel=1e-9, abs=0), (
        f"{impl} on {workload_id}: final loss {got!r} but the NumPy reference reaches {reference!r}"
    )


def test_training_lowers_the_loss_so_the_cross_check_compares_real_training():
    problem = small_problem("W2")
    untrained = full_loss(problem.workload, problem.init, problem.X, problem.y)
    assert final_loss(impl_numpy.build, problem) < untrained


def test_ratios_pair_the_runs_of_each_round():
    # Rounds 3-5 ran in a slow spell of the machine: both implementations took twice as long. Their
    # medians come from different spells (1 and 4), but in every round A took half B's time.
    from benchmarks.harness import Row, paired_ratio

    a = Row("W0", "", "a", "a", seconds=1.0, times=[1.0, 1.0, 1.0, 2.0, 2.0])
    b = Row("W0", "", "b", "b", seconds=4.0, times=[2.0, 2.0, 4.0, 4.0, 4.0])
    assert paired_ratio(a, b) == 0.5
    assert a.seconds / b.seconds == 0.25  # what a ratio of medians would have said
    a.times = a.times[:4]  # a row that missed a round: no pairs to take, the medians it is
    assert paired_ratio(a, b) == 0.25


def test_a_traced_run_ends_bit_identical_and_its_trace_lives_until_the_weights_are_read():
    import weakref

    import numpy as np

    problem = small_problem("W3")
    untraced = impl_nnteach.build_hand_loop(problem)
    seen = []
    traced = impl_nnteach.build_hand_loop(problem, trace_every=10, on_trace=lambda tr: seen.append(weakref.ref(tr)))
    for train, _ in (untraced, traced):
        train()
    assert seen[0]() is not None  # the timed run ended with the with block: the trace is still held
    assert seen[0]().num_steps == 10 * problem.epochs and len(seen[0]().steps) == problem.epochs
    got, want = traced[1](), untraced[1]()
    assert seen[0]() is None  # released once the weights are read, after the timing
    assert all(np.array_equal(a, b) for pair_a, pair_b in zip(got, want) for a, b in zip(pair_a, pair_b))


def test_the_trace_rows_report_ratio_memory_and_release_time():
    from benchmarks import tracing_bench
    from benchmarks.harness import Settings

    rows = tracing_bench.run(Settings(quick=True, reps=1, verbose=False))
    assert [r.impl for r in rows] == ["untraced", "trace_all", "trace_10", "trace_last"]
    assert [r.check for r in rows] == ["reference", "ok", "ok", "ok"] and all(r.loss_diff == 0 for r in rows[1:])
    for row, goal in zip(rows[1:], ["(goal ≤ 1.5×)", "(goal ≤ 1.1×)", None]):
        assert "× tracing off" in row.note and " MiB, released in " in row.note and row.note.endswith(" ms")
        assert (goal in row.note) if goal else "goal" not in row.note
