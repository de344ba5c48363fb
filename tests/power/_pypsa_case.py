"""The campus LP rebuilt independently in PyPSA (for tests and the benchmark)."""

from __future__ import annotations

import numpy as np

THERMAL = ("gas_cc", "gas_oc", "recip", "fuel_cell")


def pypsa_objective(
    demand, cf, price, techs, grid_max_mw, grid_co2, co2_cap_t, dr=0.07, **optimize
):
    """Objective of the same LP in PyPSA; the battery needs min_hours == max_hours.

    ``optimize`` goes to ``Network.optimize`` (e.g. ``io_api="direct"`` and
    ``solver_options``); without it PyPSA runs on HiGHS's defaults.
    """
    import pypsa

    n = len(demand)
    net = pypsa.Network()
    net.set_snapshots(range(n))
    # objective and emissions scaled to a year; 'stores' is PyPSA's time-step
    # length in the state-of-charge equation, which stays one hour
    for col in ("objective", "generators"):
        net.snapshot_weightings[col] = 8760.0 / n
    net.snapshot_weightings["stores"] = 1.0
    net.add("Carrier", "grid", co2_emissions=grid_co2)
    for t in techs:
        net.add("Carrier", t, co2_emissions=techs[t].co2_t_per_mwh)
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
    for t, profile in cf.items():
        if t in techs and techs[t].max_mw != 0:
            net.add(
                "Generator",
                t,
                bus="campus",
                carrier=t,
                p_nom_extendable=True,
                p_max_pu=profile,
                capital_cost=techs[t].annual_cost_usd_per_mw(dr),
            )
    for t in THERMAL:
        if t in techs and techs[t].max_mw != 0:
            net.add(
                "Generator",
                t,
                bus="campus",
                carrier=t,
                p_nom_extendable=True,
                capital_cost=techs[t].annual_cost_usd_per_mw(dr),
                marginal_cost=techs[t].marginal_usd_per_mwh,
            )
    if "nuclear" in techs and techs["nuclear"].max_mw != 0:
        nuc = techs["nuclear"]
        net.add(
            "Generator",
            "nuclear",
            bus="campus",
            carrier="nuclear",
            p_nom_extendable=True,
            p_min_pu=1.0,
            p_max_pu=1.0,
            capital_cost=nuc.annual_cost_usd_per_mw(dr),
            marginal_cost=nuc.marginal_usd_per_mwh,
        )
    b = techs["battery"]
    if b.max_mw != 0:
        assert b.min_hours == b.max_hours, "PyPSA StorageUnit has a fixed max_hours"
        eta = np.sqrt(b.roundtrip_efficiency)
        net.add(
            "StorageUnit",
            "battery",
            bus="campus",
            carrier="battery",
            p_nom_extendable=True,
            max_hours=b.max_hours,
            efficiency_store=eta,
            efficiency_dispatch=eta,
            cyclic_state_of_charge=True,
            capital_cost=b.annual_cost_usd_per_mw(dr)
            + b.max_hours * b.annual_cost_usd_per_mwh_storage(dr),
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
    status, _ = net.optimize(
        solver_name="highs", include_objective_constant=False, **optimize
    )
    assert status == "ok"
    return float(net.objective + net.objective_constant), net
