"""Scale benchmark of the buildout LP: build and solve times vs scenarios.

Target (issue 4): 32 quarters x 20 sites x 10 accelerator types x 6 power
options x 50 scenarios builds and solves on 2 cores in under 120 s. Prints
rows, columns and nonzeros of the LP, the build and solve times for 10, 50 and
200 scenarios (one run each), the ratio of build + solve to the 120 s target
and the 1-minute load average before each run (timings on a shared machine are
noisy: compare runs at similar load). Each solve stops at ``--time-limit``; a
scenario count whose run is predicted to exceed it (solve time grows at least
linearly in scenarios) is skipped with the reason printed.

HiGHS options come from :func:`gigaplan.plan.solve.lp_options` (dual simplex
for small LPs, interior point with crossover for large ones) unless given with
``--highs key=value`` (e.g. ``--highs solver=simplex``).

Usage: python benchmarks/plan_scale.py [--scenarios 10 50 200] [--time-limit 600]
       [--highs k=v ...]
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass

import numpy as np

from gigaplan.errors import SolverError
from gigaplan.plan.build import build_model, resolve
from gigaplan.plan.results import extract
from gigaplan.plan.schema import PlanSection
from gigaplan.plan.solve import lp_options, solve_model

TARGET_S = 120.0


def synthetic_section(n_scen: int, rng: np.random.Generator) -> PlanSection:
    """A random but plausible plan of the benchmark size (not real data)."""
    accs = [
        {
            "name": f"chip-{i}",
            "vendor": f"vendor-{i % 4}",
            "output_tokens_per_s": float(rng.uniform(2e3, 8e3)),
            "training_flops_per_s": float(rng.uniform(1e15, 3e15)),
            "power_w": float(rng.uniform(1500, 3000)),
            "price_usd": float(rng.uniform(2e4, 6e4)),
            "launch": f"{2026 + i // 3}Q{1 + i % 4}",
            "lead_time_quarters": int(rng.integers(1, 3)),
            "supply_per_quarter": float(rng.uniform(5e4, 3e5)),
        }
        for i in range(10)
    ]
    sites = [
        {
            "name": f"site-{j}",
            "max_mw": float(rng.uniform(500, 3000)),
            "earliest": f"{2026 + j // 8}Q{1 + j % 4}",
            "pue": float(rng.uniform(1.1, 1.4)),
            "facility_capex_usd_per_mw": 1.48e7,
            "facility_lead_time_quarters": int(rng.integers(2, 5)),
            "power_options": [
                {
                    "name": f"opt-{k}",
                    "energy_usd_per_mwh": float(rng.uniform(30, 90)),
                    "co2_t_per_mwh": float(rng.uniform(0, 0.5)),
                    "capex_usd_per_kw": float(rng.uniform(0, 3000)),
                    "firm_fraction": float(rng.uniform(0.3, 1.0)),
                    "lead_time_quarters": int(rng.integers(0, 8)),
                    "max_mw": float(rng.uniform(200, 2000)),
                }
                for k in range(6)
            ],
        }
        for j in range(20)
    ]
    scen = [
        {
            "name": f"s{s}",
            "probability": 1.0 / n_scen,
            "inference_tokens_start": float(rng.uniform(3e15, 8e15)),
            "inference_growth_per_year": float(rng.uniform(0.2, 1.2)),
            "training_flop_start": float(rng.uniform(5e27, 1.5e28)),
            "training_growth_per_year": float(rng.uniform(0.2, 1.0)),
        }
        for s in range(n_scen)
    ]
    return PlanSection.model_validate(
        {
            "start": "2026Q1",
            "end": "2033Q4",
            "build_rate_mw_per_week": 500.0,
            "accelerators": accs,
            "sites": sites,
            "scenarios": scen,
        }
    )


@dataclass(frozen=True)
class Run:
    """One benchmark run; ``solve_s`` includes result extraction."""

    build_s: float
    solve_s: float
    rows: int
    cols: int
    nnz: int
    solver: str
    objective_musd: float | None  # None: stopped at the time limit


def run(
    n_scen: int, highs: dict[str, str] | None = None, time_limit_s: float = 600.0
) -> Run:
    """Build and solve one instance of ``n_scen`` scenarios."""
    section = synthetic_section(n_scen, np.random.default_rng(20261124))
    t0 = time.perf_counter()
    inputs = resolve(section)
    model, exprs = build_model(inputs)
    t1 = time.perf_counter()
    nnz = int(model.matrices.A.nnz)
    options: dict[str, object] = dict(highs or lp_options(model.ncons))
    solver = str(options.get("solver", "choose"))
    objective: float | None = None
    try:
        solve_model(model, time_limit_s=time_limit_s, **options)
        extract(inputs, model, exprs)
        objective = float(model.objective.value)
    except SolverError:
        pass
    t2 = time.perf_counter()
    return Run(t1 - t0, t2 - t1, model.ncons, model.nvars, nnz, solver, objective)


def main() -> None:
    """Print rows/cols/nnz and build/solve times for each scenario count."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenarios", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--time-limit", type=float, default=600.0, dest="limit_s")
    parser.add_argument("--highs", nargs="*", default=None, metavar="KEY=VALUE")
    args = parser.parse_args()
    highs = dict(kv.split("=", 1) for kv in args.highs) if args.highs else None
    print("32 quarters x 20 sites x 10 accelerators x 6 power options")
    print(
        f"{'scenarios':>9} {'rows':>10} {'cols':>10} {'nnz':>10} {'solver':>7} "
        f"{'build_s':>8} {'solve_s':>8} {'total/120s':>10} {'objective_musd':>15} "
        f"{'load_1min':>9}"
    )
    done: list[tuple[int, float]] = []
    for n in sorted(args.scenarios):
        load = os.getloadavg()[0]
        if done and done[-1][1] * n / done[-1][0] > args.limit_s:
            m, s = done[-1]
            print(
                f"{n:>9} skipped: {m} scenarios took {s:.0f} s, so {n} would take "
                f"more than {s * n / m:.0f} s > --time-limit {args.limit_s:.0f} s",
                flush=True,
            )
            continue
        r = run(n, highs, args.limit_s)
        total = r.build_s + r.solve_s
        obj = "not solved" if r.objective_musd is None else f"{r.objective_musd:,.1f}"
        print(
            f"{n:>9} {r.rows:>10,} {r.cols:>10,} {r.nnz:>10,} {r.solver:>7} "
            f"{r.build_s:>8.1f} {r.solve_s:>8.1f} {total / TARGET_S:>10.2f} "
            f"{obj:>15} {load:>9.2f}",
            flush=True,
        )
        done.append((n, total))


if __name__ == "__main__":
    main()
