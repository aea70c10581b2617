"""``python -m benchmarks``: time nnteach against PyTorch and a hand-written NumPy reference.

Examples::

    python -m benchmarks                 # the full table (a few minutes)
    python -m benchmarks --quick         # smoke test: fewer epochs and rounds (well under a minute)
    python -m benchmarks --only W1,W3    # some rows only (W5 means W5-f32 and W5-f64)
    python -m benchmarks --markdown      # the table as Markdown, for benchmarks/README.md

Results are also written to ``benchmarks/results/latest.json`` and ``latest.md`` (``latest-quick.*``
with ``--quick``, ``latest-partial.*`` with ``--only``). The exit status
is 1 when an implementation's final loss differs from the reference's (a correctness failure);
timings never change it.
"""

import os

# One thread for every math library, set before NumPy or PyTorch is imported: their thread pools
# read these variables once, when they load. (torch.set_num_threads(1) is called as well.)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402 - after the pinning above, on purpose
import sys  # noqa: E402
import time  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description="Time nnteach against PyTorch and a NumPy reference.")
    parser.add_argument("--quick", action="store_true",
                        help="fewer epochs and rounds: a smoke test, not a measurement")
    parser.add_argument("--only", metavar="IDS",
                        help="comma-separated benchmark ids, e.g. W1,W3 (W5 = both dtypes)")
    parser.add_argument("--reps", type=int, metavar="N",
                        help="timed rounds per benchmark (default 9, quick 3)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--list", action="store_true",
                        help="list the benchmarks and what they measure, then exit")
    args = parser.parse_args(argv)
    if args.reps is not None and args.reps < 1:
        parser.error(f"--reps: expected a whole number >= 1, got {args.reps}.")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    from benchmarks import harness, impl_torch, registry, report
    from benchmarks.workloads import WORKLOADS

    if args.list:
        for w in WORKLOADS:
            print(f"{w.id}: {w.title}\n    {w.measures}")
        for b in registry.REGISTRY[len(WORKLOADS):]:
            print(f"{b.id}: {b.title}{'' if b.run else '  (not built yet)'}")
        return 0
    settings = harness.Settings(quick=args.quick, only=args.only, reps=args.reps)
    try:
        registry.selected(settings.only)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    torch_version = None if impl_torch.unavailable_reason() else impl_torch.configure()
    load_before = report.load_average()
    start = time.perf_counter()
    rows = registry.run(settings)
    seconds = time.perf_counter() - start
    machine = report.machine_info(torch_version, load_before)
    # A smoke test or a partial run never overwrites the last full measurement.
    stem = "latest" + ("-quick" if settings.quick else "") + ("-partial" if settings.only else "")
    report.write_json(rows, machine, settings, seconds, report.RESULTS_DIR / f"{stem}.json")
    markdown = report.render(rows, machine, settings, seconds, markdown=True)
    (report.RESULTS_DIR / f"{stem}.md").write_text(markdown + "\n")
    print(markdown if args.markdown else report.render(rows, machine, settings, seconds, markdown=False))
    return 1 if any(r.mismatch for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
