"""Sweep benchmark: N combinations serially vs a local pool vs a Dask LocalCluster.

Runs the same sweep of ``examples/plan.yaml`` (3-year, two-site buildout LP,
about 1-2 s a solve) three ways and checks they give the same table:

- serial: one combination after another in this process;
- local: :class:`concurrent.futures.ProcessPoolExecutor`, 2 spawned workers;
- dask: a 2-worker ``distributed.LocalCluster`` (processes, 1 thread each).

Wall times include each executor's start-up (spawning workers, importing
gigaplan in them); the LocalCluster's own start-up is timed separately because
a real cluster is already running when ``--cluster`` points at it. One run
each; timings on a shared machine are noisy.

Usage: python benchmarks/sweep_scale.py [--combinations 8] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pandas as pd

from gigaplan.sweep import run_sweep

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "plan.yaml"


def grid_for(n: int) -> list[str]:
    """A one-axis grid of ``n`` discount rates between 4 % and 12 %."""
    rates = [round(0.04 + 0.08 * i / max(n - 1, 1), 4) for i in range(n)]
    return ["plan.discount_rate=" + ",".join(map(str, rates))]


def main() -> None:
    """Run the three executors and print wall times and speed-ups."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--combinations", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from distributed import LocalCluster

    load_before = os.getloadavg()[0]
    text = EXAMPLE.read_text()
    grid = grid_for(args.combinations)
    times: dict[str, float] = {}
    frames: dict[str, pd.DataFrame] = {}

    t0 = time.perf_counter()
    frames["serial"] = run_sweep(text, grid, executor="serial")
    times["serial"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    frames["local"] = run_sweep(text, grid, executor="local", max_workers=args.workers)
    times["local"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with LocalCluster(
        n_workers=args.workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_port=0,
    ) as cluster:
        start_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        frames["dask"] = run_sweep(
            text, grid, executor="dask", cluster_address=cluster.scheduler_address
        )
        times["dask"] = time.perf_counter() - t0

    same = all(frames[name].equals(frames["serial"]) for name in ("local", "dask"))
    ok = int((frames["serial"]["status"] == "ok").sum())
    print(
        f"{args.combinations} combinations of {EXAMPLE.name} ({ok} ok), "
        f"{args.workers} workers"
    )
    print(f"{'executor':<10}{'wall s':>9}{'speed-up':>10}")
    for name, seconds in times.items():
        print(f"{name:<10}{seconds:>9.1f}{times['serial'] / seconds:>9.2f}x")
    print(
        f"1-min load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} "
        f"after, on {os.cpu_count()} CPUs (speed-ups need idle cores)"
    )
    print(f"(LocalCluster start-up, not in the dask time: {start_s:.1f} s)")
    print(f"tables identical across executors: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
