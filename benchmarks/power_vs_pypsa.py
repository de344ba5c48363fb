"""Full-year campus LP: gigaplan (linopy direct + HiGHS IPM, no crossover) vs PyPSA.

The gigaplan model carries no elastic slacks unless the first solve is
infeasible, so it is the same LP as PyPSA's (same rows, no penalty columns).

One campus, 8760 h, 1200 MW flat demand, grid (600 MW cap) + solar + onshore
wind + 4-h battery + gas CC, with and without a CO2 cap. Prints both wall
times (build + solve), their ratio and the relative objective difference,
from one run. Target: ratio <= 0.5 at the same objective.

Then the same case on representative days (``rep_days``) against the full
year: speed-up and objective error. Target: >= 10x faster, < 1 % error.
Run: .venv/bin/python benchmarks/power_vs_pypsa.py
"""

from __future__ import annotations

import logging
import os
import runpy
import time
from pathlib import Path

import numpy as np

from gigaplan._solver import quiet_stdout_fd
from gigaplan.power import solve_campus
from gigaplan.power.profiles import solar_cf_profile, wind_cf_profile
from gigaplan.power.technologies import default_techs

N = 8760
DR = 0.07
REP_DAYS = (20, 30, 60)
PYPSA_CASE = Path(__file__).parents[1] / "tests" / "power" / "_pypsa_case.py"


def main() -> None:
    """Print the PyPSA comparison and the representative-day figures."""
    os.environ.setdefault("TQDM_DISABLE", "1")  # linopy's progress bars under PyPSA
    for name in ("linopy", "pypsa"):
        logging.getLogger(name).setLevel(logging.WARNING)
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    pypsa_objective = runpy.run_path(str(PYPSA_CASE))["pypsa_objective"]
    cf = solar_cf_profile(32.45, -99.73, 0.26)
    wind = wind_cf_profile(32.45, -99.73, 0.36)
    hours = np.arange(N)
    evening = ((hours % 24) >= 22) | ((hours % 24) < 3)  # 16-21 h local, in UTC
    price = 45.0 + 30.0 * evening
    demand = np.full(N, 1200.0)
    off = {"max_mw": 0}
    techs = default_techs(
        {
            "battery": {"min_hours": 4, "max_hours": 4},
            "gas_oc": off,
            "recip": off,
            "fuel_cell": off,
            "nuclear": off,
        }
    )
    kw = dict(wind_cf=wind, grid_max_mw=600, grid_co2_t_per_mwh=0.35, discount_rate=DR)
    for cap in (None, 2.0e6):
        t0 = time.perf_counter()
        ours = solve_campus(demand, cf, price, techs, co2_cap_t=cap, **kw)
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        with quiet_stdout_fd():  # HiGHS's log under PyPSA goes to fd 1
            ref, _ = pypsa_objective(
                demand, {"solar": cf, "wind": wind}, price, techs, 600, 0.35, cap, DR
            )
        t_ref = time.perf_counter() - t0
        obj = ours.summary["annual_cost_usd"]
        print(
            f"co2_cap_t={cap}: gigaplan {t_ours:.2f} s, PyPSA {t_ref:.2f} s, "
            f"ratio {t_ours / t_ref:.2f} (target <= 0.5), objective rel diff "
            f"{abs(obj - ref) / ref:.2e} (load {os.getloadavg()[0]:.2f})"
        )
        for k in REP_DAYS:
            t0 = time.perf_counter()
            rep = solve_campus(
                demand, cf, price, techs, co2_cap_t=cap, rep_days=k, **kw
            )
            t_rep = time.perf_counter() - t0
            err = rep.summary["annual_cost_usd"] / obj - 1
            print(
                f"  rep_days={k}: {t_rep:.2f} s, speed-up {t_ours / t_rep:.1f}x "
                f"(target >= 10x), objective error {err:+.2%} (target < 1 %)"
            )


if __name__ == "__main__":
    main()
