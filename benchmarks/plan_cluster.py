"""Scenario LPs on a Dask LocalCluster against local threads (issue 15, item 3).

Solves the planner's scale case (32 quarters x 20 sites x 10 accelerators x
6 power options, ``--scenarios`` demand scenarios, default 10) by scenario
decomposition with the scenario LPs (a) in two threads of this process and
(b) on a Dask ``LocalCluster`` of 1 worker x 2 threads, 2 workers x 1 thread
(and 4 x 1 when asked: ``--workers 1 2 4``; on 2 cores that oversubscribes).
Prints per run: wall time, rounds of scenario solves, mean wall time per
round, scenario solve seconds per scenario solve (summed over threads),
pickled bytes sent at setup and per round (first-stage point out, cuts
back), the objective's relative difference from the local run and the
1-minute load average before the run (the machine is shared: compare
figures from one run of this script).

Usage: python benchmarks/plan_cluster.py [--scenarios 10] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from plan_scale import synthetic_section

from gigaplan.plan.build import build_model, resolve
from gigaplan.plan.decompose import solve_decomposed


def _model(n_scen: int) -> Any:
    """The scale case with ``n_scen`` scenarios, built."""
    section = synthetic_section(n_scen, np.random.default_rng(20261124))
    model, _ = build_model(resolve(section))
    return model


def _row(
    label: str, info: dict[str, Any], wall_s: float, ref: float, load: float
) -> None:
    """Print one run's figures."""
    rounds = len(info["round_s"])
    per_solve = info["scenario_s"] / max(1, rounds * info["scenarios"])
    setup_mb = info.get("setup_bytes", 0) / 1e6
    round_mb = float(np.mean(info.get("round_bytes", [0]))) / 1e6
    diff = (info["upper_bound"] - ref) / abs(ref)
    print(
        f"{label:>16} {wall_s:>7.1f} {rounds:>6} {np.mean(info['round_s']):>9.2f} "
        f"{info['master_s']:>8.1f} {per_solve:>9.2f} {setup_mb:>8.1f} "
        f"{round_mb:>8.2f} {diff:>9.1e} {load:>6.2f}",
        flush=True,
    )


def main() -> None:
    """Local threads, then a LocalCluster per worker count."""
    from distributed import Client, LocalCluster

    parser = argparse.ArgumentParser()
    parser.add_argument("--scenarios", type=int, default=10)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    print(
        f"scale case, {args.scenarios} scenarios; 2 cores; MB are pickled sizes; "
        "s/solve summed over threads"
    )
    print(
        f"{'run':>16} {'wall_s':>7} {'rounds':>6} {'s/round':>9} {'master_s':>8} "
        f"{'s/solve':>9} {'setup_MB':>8} {'MB/round':>8} {'obj_diff':>9} "
        f"{'load':>6}"
    )
    load = os.getloadavg()[0]
    model = _model(args.scenarios)
    t0 = time.perf_counter()
    info = solve_decomposed(model, threads=2)
    ref = info["upper_bound"]
    _row("local 2 threads", info, time.perf_counter() - t0, ref, load)
    for n in args.workers:
        threads = max(1, 2 // n)
        with (
            LocalCluster(
                n_workers=n,
                threads_per_worker=threads,
                processes=True,
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            load = os.getloadavg()[0]
            model = _model(args.scenarios)
            t0 = time.perf_counter()
            info = solve_decomposed(model, cluster=client)
            wall = time.perf_counter() - t0
        _row(f"dask {n}w x {threads}t", info, wall, ref, load)


if __name__ == "__main__":
    main()
