"""Scale benchmark of the buildout LP: build and solve times vs scenarios.

Target (issue 4): 32 quarters x 20 sites x 10 accelerator types x 6 power
options x 50 scenarios builds and solves on 2 cores in under 120 s. Prints
rows, columns and nonzeros of the LP, the build and solve times for 10, 50 and
200 scenarios (one run each) with the method the planner picks
(:func:`gigaplan.plan.solve.use_decomposition`: scenario decomposition for
these sizes), the ratio of build + solve to the 120 s target, the iterations,
gap and dual residual of the decomposition, the process CPU time (all
threads; steadier than wall time on a busy machine), the cuts (feasibility
cuts, idle cuts dropped, scenario points accepted within tolerance), peak
resident memory and the 1-minute load average before each run (timings on
a shared machine are noisy: compare runs at similar load).

Peer: for scenario counts up to ``--peer-max`` (default 10) the same LP is
also solved whole (HiGHS interior point + crossover, the method used before
decomposition) and the ratio of solve times and the relative difference of
the objectives are printed. Each solve stops at ``--time-limit``; a scenario
count whose run is predicted to exceed it (from the last run, assuming time
linear in scenarios) is skipped with the reason printed.

Measured (2 shared cores, highspy 1.15.1), one run of this script at load
1.4: 10 scenarios 8.6 s build + solve, 0.16x the whole LP's solve time,
objectives within 5.6e-7; 50 scenarios 25.1 s, 18 rounds, 1.33 GB peak
(target 40 s); 200 scenarios 105.5 s, 18 rounds, 181 s CPU, 1.72 GB peak
(targets 120 s and 2 GB). Each count runs in a process of its own, so its
peak is its own. The round count follows the cuts' degenerate duals, so any
change to the solves moves it: versions of this code took 18 to 27 rounds
at 200 scenarios, about 4.4 s a round (24 rounds: about 130 s). Before the
bound rows, shared solvers and first-round chains: 200 scenarios 151.9 s,
19 rounds, 3.48 GB; 50 scenarios 35.8 s, 2.00 GB.

Three draws at 200 scenarios (``--seed 20261124 7 11``, one run, load
1.8-1.9), after phase 1 stopped costing the next scenario a new LP: 90.6 s
(18 rounds), 97.7 s (25 rounds) and 114.1 s (26 rounds; 199 feasibility
cuts and 398 solves within tolerance), 1.72 GB peak each. Before it, at load
1.5-1.8: 102.3 s, 112.5 s and 142.3 s (27 rounds, 995 solves within
tolerance). The first two draws do the same work either way (no phase 1),
so their difference is the machine's: about 10 % between runs.

Usage: python benchmarks/plan_scale.py [--scenarios 10 50 200] [--time-limit 600]
       [--peer-max 10] [--seed 20261124 7 11]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from gigaplan.errors import SolverError
from gigaplan.plan.build import build_model, resolve
from gigaplan.plan.results import extract
from gigaplan.plan.schema import PlanSection
from gigaplan.plan.solve import solve_plan

TARGET_S = 120.0
#: The benchmark draw: the figures in this docstring are for it.
SEED = 20261124


def synthetic_section(n_scen: int, rng: np.random.Generator) -> PlanSection:
    """A random but plausible plan of the benchmark size (not real data)."""
    accs = [
        {
            "name": f"chip-{i}",
            "vendor": f"vendor-{i % 4}",
            "output_tokens_per_s": float(rng.uniform(2e3, 8e3)),
            "training_flop_per_s": float(rng.uniform(1e15, 3e15)),
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
    cpu_s: float  # process CPU time of build and solve, all threads
    rows: int
    cols: int
    nnz: int
    info: dict[str, object]
    objective_musd: float | None  # None: stopped at the time limit
    peak_gb: float  # peak resident memory of the process that ran it


def run(n_scen: int, method: str, time_limit_s: float = 600.0, seed: int = SEED) -> Run:
    """Build and solve one instance of ``n_scen`` scenarios with ``method``
    (``seed``: the draw of the synthetic plan and its demand scenarios)."""
    section = synthetic_section(n_scen, np.random.default_rng(seed))
    t0 = time.perf_counter()
    c0 = time.process_time()
    inputs = resolve(section)
    model, exprs = build_model(inputs)
    t1 = time.perf_counter()
    objective: float | None = None
    info: dict[str, object] = {}
    try:
        info = solve_plan(
            model,
            mip_rel_gap=1e-3,
            time_limit_s=time_limit_s,
            method=method,
            n_scenarios=n_scen,
        )
        extract(inputs, model, exprs, info)
        objective = float(model.objective.value)
    except SolverError:
        pass
    t2 = time.perf_counter()
    cpu = time.process_time() - c0
    # after the timing: linopy builds its matrices anew on each access (the
    # decomposition reports the count it read)
    nnz = int(info.get("nnz") or model.matrices.A.nnz)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    return Run(
        t1 - t0, t2 - t1, cpu, model.ncons, model.nvars, nnz, info, objective, peak_gb
    )


def run_apart(n_scen: int, method: str, time_limit_s: float, seed: int) -> Run:
    """:func:`run` in a fresh process, so its peak memory is its own (a
    process's peak would include the runs before it)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(run, n_scen, method, time_limit_s, seed).result()


def main() -> None:
    """Print rows/cols/nnz and build/solve times for each scenario count."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenarios", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--time-limit", type=float, default=600.0, dest="limit_s")
    parser.add_argument("--peer-max", type=int, default=10, dest="peer_max")
    parser.add_argument(
        "--seed",
        type=int,
        nargs="+",
        default=[SEED],
        help="draws of the plan and its demand (the round count varies by draw)",
    )
    args = parser.parse_args()
    for seed in args.seed:
        print(
            "32 quarters x 20 sites x 10 accelerators x 6 power options, 2 cores, "
            f"seed {seed}"
        )
        _run_counts(args, seed)


def _run_counts(args: argparse.Namespace, seed: int) -> None:
    """One table: each scenario count of ``args`` for the draw ``seed``."""
    print(
        f"{'scenarios':>9} {'rows':>10} {'nnz':>10} {'method':>10} "
        f"{'build_s':>8} {'solve_s':>8} {'cpu_s':>7} {'total/120s':>10} {'iter':>5} "
        f"{'gap':>8} {'dual_res':>8} {'master_s':>8} {'round1_s':>8} {'cuts':>6} "
        f"{'f_cuts':>6} "
        f"{'dropped':>7} {'tol':>4} {'objective_musd':>15} {'peak_gb':>7} "
        f"{'load_1min':>9}"
    )
    done: list[tuple[int, float]] = []
    for n in sorted(args.scenarios):
        if done and done[-1][1] * n / done[-1][0] > args.limit_s:
            m, s = done[-1]
            print(
                f"{n:>9} skipped: {m} scenarios took {s:.0f} s, so {n} would take "
                f"about {s * n / m:.0f} s > --time-limit {args.limit_s:.0f} s",
                flush=True,
            )
            continue
        methods = ["auto", "extensive"] if n <= args.peer_max else ["auto"]
        runs = {}
        for method in methods:
            load = os.getloadavg()[0]
            r = runs[method] = run_apart(n, method, args.limit_s, seed)
            total = r.build_s + r.solve_s
            obj = (
                "not solved" if r.objective_musd is None else f"{r.objective_musd:,.3f}"
            )
            info = r.info
            print(
                f"{n:>9} {r.rows:>10,} {r.nnz:>10,} {info.get('method', '-')!s:>10} "
                f"{r.build_s:>8.1f} {r.solve_s:>8.1f} {r.cpu_s:>7.1f} "
                f"{total / TARGET_S:>10.2f} "
                f"{info.get('iterations', '-')!s:>5} "
                f"{_num(info.get('gap')):>8} {_num(info.get('dual_residual')):>8} "
                f"{_sec(info.get('master_s')):>8} "
                f"{_sec((info.get('round_s') or [None])[0]):>8} "
                f"{info.get('cuts', '-')!s:>6} "
                f"{info.get('feasibility_cuts', '-')!s:>6} "
                f"{info.get('dropped_cuts', '-')!s:>7} "
                f"{info.get('tolerated_solves', '-')!s:>4} {obj:>15} "
                f"{r.peak_gb:>7.2f} "
                f"{load:>9.2f}",
                flush=True,
            )
        done.append((n, runs["auto"].build_s + runs["auto"].solve_s))
        peer = runs.get("extensive")
        mine = runs["auto"]
        if peer and peer.objective_musd and mine.objective_musd:
            diff = (mine.objective_musd - peer.objective_musd) / peer.objective_musd
            print(
                f"{n:>9} decomposition / whole LP solve time: "
                f"{mine.solve_s / peer.solve_s:.2f}; objective relative difference "
                f"{diff:.1e}",
                flush=True,
            )


def _sec(value: object) -> str:
    """Seconds with one decimal, or '-'."""
    return f"{value:.1f}" if isinstance(value, float) else "-"


def _num(value: object) -> str:
    """A small float in short scientific notation, or '-'."""
    return f"{value:.1e}" if isinstance(value, float) else "-"


if __name__ == "__main__":
    main()
