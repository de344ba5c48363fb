"""Full-year campus LP: gigaplan (linopy direct + HiGHS IPM, no crossover) vs PyPSA.

One campus, 8760 h, 1200 MW flat demand, grid (600 MW cap) + solar + 4-h
battery + gas CC, with and without a CO2 cap. Prints both wall times (build +
solve), their ratio and the relative objective difference, from one run.
Target: ratio <= 0.5 at the same objective.
Run: .venv/bin/python benchmarks/power_vs_pypsa.py
"""

from __future__ import annotations

import time

import numpy as np

from gigaplan.power import solve_campus
from gigaplan.power.profiles import solar_cf_profile
from gigaplan.power.technologies import default_techs

N = 8760
DR = 0.07


def pypsa_solve(demand, cf, price, techs, grid_max_mw, grid_co2, co2_cap_t):
    import pypsa

    net = pypsa.Network()
    net.set_snapshots(range(len(demand)))
    for col in ("objective", "generators"):
        net.snapshot_weightings[col] = 8760.0 / len(demand)
    net.snapshot_weightings["stores"] = 1.0
    for carrier, co2 in (
        ("grid", grid_co2),
        ("solar", 0.0),
        ("battery", 0.0),
        ("gas_cc", techs["gas_cc"].co2_t_per_mwh),
    ):
        net.add("Carrier", carrier, co2_emissions=co2)
    net.add("Bus", "campus")
    net.add("Load", "it", bus="campus", p_set=demand)
    net.add(
        "Generator",
        "grid",
        bus="campus",
        carrier="grid",
        p_nom=grid_max_mw,
        marginal_cost=price,
    )
    net.add(
        "Generator",
        "solar",
        bus="campus",
        carrier="solar",
        p_nom_extendable=True,
        p_max_pu=cf,
        capital_cost=techs["solar"].annual_cost_usd_per_mw(DR),
    )
    net.add(
        "Generator",
        "gas_cc",
        bus="campus",
        carrier="gas_cc",
        p_nom_extendable=True,
        capital_cost=techs["gas_cc"].annual_cost_usd_per_mw(DR),
        marginal_cost=techs["gas_cc"].marginal_usd_per_mwh,
    )
    b = techs["battery"]
    eta = np.sqrt(b.roundtrip_efficiency)
    net.add(
        "StorageUnit",
        "battery",
        bus="campus",
        carrier="battery",
        p_nom_extendable=True,
        max_hours=b.hours,
        efficiency_store=eta,
        efficiency_dispatch=eta,
        cyclic_state_of_charge=True,
        capital_cost=b.annual_cost_usd_per_mw(DR),
    )
    if co2_cap_t is not None:
        net.add(
            "GlobalConstraint",
            "co2",
            type="primary_energy",
            carrier_attribute="co2_emissions",
            sense="<=",
            constant=co2_cap_t,
        )
    net.optimize(solver_name="highs", include_objective_constant=False)
    return float(net.objective)


def main() -> None:
    cf = solar_cf_profile(32.45, -99.73, 0.26)
    hours = np.arange(N)
    price = 45.0 + 30.0 * (
        ((hours % 24) >= 22) | ((hours % 24) < 3)
    )  # evening peak (UTC)
    demand = np.full(N, 1200.0)
    techs = default_techs({"gas_oc": {"max_mw": 0}})
    for cap in (None, 2.0e6):
        t0 = time.perf_counter()
        ours = solve_campus(
            demand,
            cf,
            price,
            techs,
            grid_max_mw=600,
            grid_co2_t_per_mwh=0.35,
            discount_rate=DR,
            co2_cap_t=cap,
        )
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        ref = pypsa_solve(demand, cf, price, techs, 600, 0.35, cap)
        t_ref = time.perf_counter() - t0
        obj = ours.summary["annual_cost_usd"]
        print(
            f"co2_cap_t={cap}: gigaplan {t_ours:.2f} s, PyPSA {t_ref:.2f} s, "
            f"ratio {t_ours / t_ref:.2f} (target <= 0.5), objective rel diff "
            f"{abs(obj - ref) / ref:.2e}"
        )


if __name__ == "__main__":
    main()
