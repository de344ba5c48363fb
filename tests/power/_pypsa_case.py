"""The campus LP solved in PyPSA (for tests and the benchmark).

The network comes from :func:`gigaplan.power.pypsa_network.campus_network`,
the builder behind ``gigaplan power --export-pypsa``.
"""

from __future__ import annotations

from gigaplan.power.build import CampusSettings
from gigaplan.power.pypsa_network import campus_network


def pypsa_objective(
    demand, cf, price, techs, grid_max_mw, grid_co2, co2_cap_t, dr=0.07, **optimize
):
    """Objective of the same LP in PyPSA; the battery needs min_hours == max_hours.

    ``optimize`` goes to ``Network.optimize`` (e.g. ``io_api="direct"`` and
    ``solver_options``); without it PyPSA runs on HiGHS's defaults.
    """
    net = campus_network(
        demand,
        cf["solar"],
        price,
        techs,
        CampusSettings(
            grid_max_mw=grid_max_mw,
            grid_co2_t_per_mwh=grid_co2,
            discount_rate=dr,
            co2_cap_t=co2_cap_t,
        ),
        wind_cf=cf.get("wind"),
    )
    status, _ = net.optimize(
        solver_name="highs", include_objective_constant=False, **optimize
    )
    assert status == "ok"
    return float(net.objective + net.objective_constant), net
