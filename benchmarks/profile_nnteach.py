"""``python -m benchmarks.profile_nnteach W3``: where one implementation spends its time on one workload.

Runs one training run under :mod:`cProfile` (after a warm-up run) and prints the functions with the
most time spent inside them (``tottime``) and below them (``cumtime``). Use it to see which part of
nnteach costs more than the NumPy reference, e.g.::

    python -m benchmarks.profile_nnteach W2                 # nnteach hand loop
    python -m benchmarks.profile_nnteach W5-f64 --impl numpy
    python -m benchmarks.profile_nnteach W3 --impl trainer --top 40

Profiling adds its own overhead to every Python call, so compare profiles with profiles, and
timings with the table of ``python -m benchmarks``.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # as in __main__: before NumPy is imported

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import sys  # noqa: E402


def main(argv=None) -> int:
    from benchmarks.harness import IMPLEMENTATIONS
    from benchmarks.workloads import WORKLOADS, make_problem

    keys = [impl.key for impl in IMPLEMENTATIONS]
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_nnteach", description=__doc__.split("\n")[0])
    parser.add_argument("workload", choices=[w.id for w in WORKLOADS])
    parser.add_argument("--impl", choices=keys, default="nnteach", help="which implementation (default: nnteach)")
    parser.add_argument("--top", type=int, default=25, help="how many functions to list")
    parser.add_argument("--quick", action="store_true", help="use the --quick epoch counts")
    args = parser.parse_args(argv)

    impl = next(i for i in IMPLEMENTATIONS if i.key == args.impl)
    reason = impl.unavailable()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    if impl.key == "torch":
        from benchmarks import impl_torch

        impl_torch.configure()
    workload = next(w for w in WORKLOADS if w.id == args.workload)
    problem = make_problem(workload, quick=args.quick)
    impl.build(problem)[0]()  # warm-up
    train, _ = impl.build(problem)
    profiler = cProfile.Profile()
    profiler.runcall(train)
    print(f"{impl.label} on {workload.id}: {workload.title} ({problem.steps:,} steps)\n")
    for order in ("tottime", "cumtime"):
        pstats.Stats(profiler).strip_dirs().sort_stats(order).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
