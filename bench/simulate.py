"""Capacity simulation benchmark: a year of Halland's discharges through the pathway's rules.

    python bench/simulate.py [--days 365] [--discharges-per-day 125] [--workers 0] [--rounds 1]

Runs `discharge simulate`'s own code (``discharge.simulate``) with its defaults: ~45,000 synthetic
discharges, each pathway driven through ``workflows.rules`` from admission to the close of its
readmission window. Prints, per round, the wall-clock time of the simulation and of the aggregation,
the CPU time of this process and of its worker processes (which do not depend on other load), the
pathways per second, and the machine's load average. The last line is ``simulate seconds: X.X`` (the
best round's wall clock). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time

from discharge.simulate.engine import simulation_policy
from discharge.simulate.params import SimulationParams
from discharge.simulate.results import aggregate
from discharge.simulate.run import simulate


def cpu_seconds() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--discharges-per-day", type=float, default=125.0)
    parser.add_argument("--workers", type=int, default=0, help="processes (0: one per CPU)")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    params = SimulationParams(
        days=args.days, discharges_per_day=args.discharges_per_day, workers=args.workers
    )
    policy = simulation_policy(params)
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}")
    best = float("inf")
    for round_ in range(1, args.rounds + 1):
        load_before = os.getloadavg()[0]
        own0, children0 = cpu_seconds()
        started = time.perf_counter()
        summaries = simulate(params, policy)
        simulated = time.perf_counter()
        result = aggregate(params, policy, summaries)
        done = time.perf_counter()
        own1, children1 = cpu_seconds()
        wall = done - started
        cpu = own1 - own0 + children1 - children0
        best = min(best, wall)
        print(
            f"round {round_}: {result.pathways:,} pathways in {wall:.1f} s "
            f"(simulate {simulated - started:.1f} s, aggregate {done - simulated:.1f} s), "
            f"{result.pathways / wall:,.0f} pathways/s; CPU {own1 - own0:.1f} s here + "
            f"{children1 - children0:.1f} s in workers = {cpu / result.pathways * 1000:.2f} ms per pathway; "
            f"load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}; "
            f"census peak {result.peak}, p95 {result.p95}"
        )
    print(f"simulate seconds: {best:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
