"""Least-cost campus power supply LP (linopy + HiGHS).

Decision variables: capacity of solar, 4-h battery, gas CC and gas OC (MW),
hourly dispatch of each, grid import (MW, up to the import cap), battery
charge/discharge/state of charge (cyclic). Objective: annualised capex + fixed
O&M + hourly operating cost scaled to a year. Limits: hourly balance, optional
CO2 cap (t/yr) and firm capacity >= peak x (1 + reserve margin). The CO2 cap
and the demand balance carry penalised elastic slacks so an unmeetable limit is
reported by name and shortfall instead of a solver log.

References
----------
Hörsch, J. et al. (2018). PyPSA: Python for Power System Analysis. J. Open
Research Software 6(1). (Same storage and CO2-constraint formulation.)
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from gigaplan.errors import InfeasibleError, InputError, SolverError
from gigaplan.power.technologies import Tech

HOURS_PER_YEAR = 8760
SLACK_PENALTY_USD = 1e5  # per tCO2 or MWh of shortfall; far above any real cost


@dataclass(frozen=True)
class CampusPowerResult:
    """Solved campus supply plan.

    Attributes
    ----------
    capacity : xarray.DataArray
        MW by ``tech`` (battery energy is ``hours`` x MW).
    dispatch : xarray.DataArray
        MW by ``tech`` x ``hour`` (battery: discharge minus charge).
    summary : dict
        Headline figures with units in the keys.
    duals : dict
        Shadow price of each binding limit (units in the key).
    techs : dict of str to Tech
        Technology data used.
    """

    capacity: xr.DataArray
    dispatch: xr.DataArray
    summary: dict[str, Any]
    duals: dict[str, float]
    techs: dict[str, Tech]


@contextlib.contextmanager
def _quiet_fd1():
    """Send file descriptor 1 to /dev/null for the duration (C-level prints)."""
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def _check_profile(name: str, arr: np.ndarray, n: int) -> np.ndarray:
    arr = np.asarray(arr, dtype=float)
    if arr.shape != (n,):
        raise InputError(name, f"length {arr.size}", f"exactly {n} hourly values")
    if not np.all(np.isfinite(arr)):
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise InputError(f"{name}[{bad}]", arr[bad], "a finite number (no gaps)")
    return arr


def solve_campus(
    demand_mw: np.ndarray,
    solar_cf: np.ndarray,
    grid_price_usd_per_mwh: np.ndarray,
    techs: dict[str, Tech],
    *,
    grid_max_mw: float,
    grid_co2_t_per_mwh: float,
    discount_rate: float = 0.07,
    co2_cap_t: float | None = None,
    reserve_margin: float | None = None,
    solver_options: dict[str, Any] | None = None,
) -> CampusPowerResult:
    """Find the least-cost supply for an hourly campus demand.

    Parameters
    ----------
    demand_mw : array (n,)
        Facility load (IT x PUE) each hour, MW.
    solar_cf : array (n,)
        Solar capacity factor each hour, 0..1.
    grid_price_usd_per_mwh : array (n,)
        Import price each hour.
    techs : dict
        From :func:`gigaplan.power.technologies.default_techs`; a tech with
        ``max_mw == 0`` is left out of the model.
    grid_max_mw : float
        Import cap (fixed capacity, no capex).
    grid_co2_t_per_mwh : float
        Average grid carbon intensity.
    discount_rate : float
        For the capex annuity.
    co2_cap_t : float, optional
        Annual CO2 cap (grid + gas), tonnes; ``n`` hours are scaled to a year.
    reserve_margin : float, optional
        Firm capacity >= peak demand x (1 + margin).

    Returns
    -------
    CampusPowerResult

    Raises
    ------
    InputError
        Bad lengths, gaps or negative values.
    InfeasibleError
        A limit cannot be met; the message names it and the shortfall.
    """
    import linopy

    demand = np.asarray(demand_mw, dtype=float)
    n = demand.size
    if n == 0 or not np.all(np.isfinite(demand)) or demand.min() < 0:
        raise InputError("demand_mw", "empty/negative/gap", "finite MW >= 0 each hour")
    cf = _check_profile("solar_cf", solar_cf, n)
    price = _check_profile("grid_price_usd_per_mwh", grid_price_usd_per_mwh, n)
    for field, val in (
        ("grid_max_mw", grid_max_mw),
        ("grid_co2_t_per_mwh", grid_co2_t_per_mwh),
    ):
        if val < 0:
            raise InputError(field, val, "a number >= 0")
    if co2_cap_t is not None and co2_cap_t < 0:
        raise InputError("co2_cap_t", co2_cap_t, "tonnes >= 0")
    w = HOURS_PER_YEAR / n  # hours-to-year weight
    hours = pd.RangeIndex(n, name="hour")
    active = [
        t for t in ("solar", "battery", "gas_cc", "gas_oc") if techs[t].max_mw != 0
    ]

    m = linopy.Model()
    cap = {
        t: m.add_variables(
            lower=0,
            upper=techs[t].max_mw if techs[t].max_mw is not None else np.inf,
            name=f"cap_{t}",
        )
        for t in active
    }
    gen = {
        t: m.add_variables(lower=0, coords=[hours], name=f"p_{t}")
        for t in active
        if t != "battery"
    }
    grid = m.add_variables(lower=0, upper=grid_max_mw, coords=[hours], name="p_grid")
    short = m.add_variables(lower=0, coords=[hours], name="shortfall")
    for t, p in gen.items():
        if t == "solar":
            m.add_constraints(
                p - cap[t] * xr.DataArray(cf, coords=[hours]) <= 0, name=f"avail_{t}"
            )
        else:
            m.add_constraints(p - cap[t] <= 0, name=f"avail_{t}")
    supply = grid + short + sum(gen.values())
    if "battery" in active:
        b = techs["battery"]
        eta = np.sqrt(b.roundtrip_efficiency)
        ch = m.add_variables(lower=0, coords=[hours], name="charge")
        dis = m.add_variables(lower=0, coords=[hours], name="discharge")
        soc = m.add_variables(lower=0, coords=[hours], name="soc")
        m.add_constraints(ch - cap["battery"] <= 0, name="charge_max")
        m.add_constraints(dis - cap["battery"] <= 0, name="discharge_max")
        m.add_constraints(soc - b.hours * cap["battery"] <= 0, name="soc_max")
        m.add_constraints(
            soc - soc.roll(hour=1) - eta * ch + (1.0 / eta) * dis == 0,
            name="soc_balance",
        )
        supply = supply + dis - ch
    bal = m.add_constraints(
        supply == xr.DataArray(demand, coords=[hours]), name="balance"
    )

    co2_expr = w * grid_co2_t_per_mwh * grid.sum()
    for t, p in gen.items():
        if techs[t].co2_t_per_mwh:
            co2_expr = co2_expr + w * techs[t].co2_t_per_mwh * p.sum()
    co2_con = None
    if co2_cap_t is not None:
        co2_slack = m.add_variables(lower=0, name="co2_slack")
        co2_con = m.add_constraints(co2_expr - co2_slack <= co2_cap_t, name="co2_cap")
    firm_con = None
    peak_mw = float(demand.max())
    if reserve_margin is not None:
        firm = sum(techs[t].firm_fraction * cap[t] for t in active)
        firm_con = m.add_constraints(
            firm >= peak_mw * (1 + reserve_margin) - grid_max_mw, name="firm_capacity"
        )

    obj = (
        w * xr.DataArray(price, coords=[hours]) * grid
    ).sum() + w * SLACK_PENALTY_USD * short.sum()
    for t in active:
        obj = obj + techs[t].annual_cost_usd_per_mw(discount_rate) * cap[t]
        if t in gen and techs[t].marginal_usd_per_mwh:
            obj = obj + w * techs[t].marginal_usd_per_mwh * gen[t].sum()
    if co2_cap_t is not None:
        obj = obj + SLACK_PENALTY_USD * co2_slack
    m.add_objective(obj)
    opts = {
        "solver": "ipm",
        "run_crossover": "off",
        "output_flag": False,
        "log_to_console": False,
    }
    opts.update(solver_options or {})
    with _quiet_fd1():  # the HiGHS banner is written by C code and would corrupt --json
        status, cond = m.solve(solver_name="highs", io_api="direct", **opts)
    if status != "ok":
        raise SolverError(f"HiGHS stopped: {status} ({cond})")

    short_mwh = float(short.solution.sum()) * w
    if short_mwh > 1e-3 * max(1.0, demand.sum() * w) * 1e-3:
        raise InfeasibleError(
            f"demand cannot be served: {short_mwh:,.0f} MWh/yr short "
            "(raise grid_max_mw or allow more capacity)"
        )
    if co2_cap_t is not None:
        miss = float(co2_slack.solution)
        if miss > 1e-6 * max(1.0, co2_cap_t):
            raise InfeasibleError(
                f"co2_cap_t={co2_cap_t:,.0f} cannot be met: missed by {miss:,.0f} "
                "tCO2/yr "
                "with the allowed technologies"
            )

    capacity = xr.DataArray(
        [
            _clean(float(cap[t].solution)) if t in cap else 0.0
            for t in ("solar", "battery", "gas_cc", "gas_oc")
        ]
        + [grid_max_mw],
        coords={"tech": ["solar", "battery", "gas_cc", "gas_oc", "grid"]},
        dims="tech",
        name="capacity_mw",
        attrs={"units": "MW"},
    )
    rows = []
    for t in ("solar", "battery", "gas_cc", "gas_oc", "grid"):
        if t == "grid":
            rows.append(grid.solution.values)
        elif t == "battery":
            rows.append(
                (dis.solution - ch.solution).values
                if "battery" in active
                else np.zeros(n)
            )
        else:
            rows.append(gen[t].solution.values if t in gen else np.zeros(n))
    dispatch = xr.DataArray(
        np.vstack(rows),
        coords={"tech": capacity.tech.values, "hour": np.arange(n)},
        dims=("tech", "hour"),
        name="dispatch_mw",
        attrs={"units": "MW"},
    )
    energy_mwh = w * demand.sum()
    total = float(m.objective.value)
    co2_t = (
        float(co2_expr.solution)
        if hasattr(co2_expr, "solution")
        else float(
            w * grid_co2_t_per_mwh * grid.solution.sum()
            + sum(w * techs[t].co2_t_per_mwh * gen[t].solution.sum() for t in gen)
        )
    )
    duals: dict[str, float] = {}
    if co2_con is not None and abs(float(co2_con.dual)) > 1e-3:
        duals["co2_cap_usd_per_t"] = -float(co2_con.dual)
    if firm_con is not None and abs(float(firm_con.dual)) > 1e-3:
        duals["firm_capacity_usd_per_mw_yr"] = float(firm_con.dual)
    duals["energy_avg_usd_per_mwh"] = float(
        (bal.dual * demand).sum() / demand.sum() / w
    )
    summary = {
        "annual_cost_usd": total,
        "energy_mwh": energy_mwh,
        "delivered_usd_per_mwh": total / energy_mwh,
        "co2_t": co2_t,
        "co2_t_per_mwh": co2_t / energy_mwh,
        "peak_mw": peak_mw,
        **{
            f"energy_{t}_mwh": float(w * dispatch.sel(tech=t).clip(min=0).sum())
            for t in capacity.tech.values
        },
        **{
            f"capacity_{t}_mw": float(capacity.sel(tech=t))
            for t in capacity.tech.values
        },
    }
    return CampusPowerResult(capacity, dispatch, summary, duals, techs)


def _clean(x: float) -> float:
    """Drop interior-point dust (|x| < 1e-3 MW) so memos read 0."""
    return 0.0 if abs(x) < 1e-3 else x


def power_product(result: CampusPowerResult) -> dict[str, float]:
    """The site power option the buildout planner uses (see module docs)."""
    s, techs = result.summary, result.techs
    load_kw = s["peak_mw"] * 1e3
    built = [t for t in techs if s[f"capacity_{t}_mw"] > 1e-3]
    capex = sum(techs[t].capex_usd_per_kw * s[f"capacity_{t}_mw"] * 1e3 for t in built)
    fom = sum(
        techs[t].fixed_om_usd_per_kw_yr * s[f"capacity_{t}_mw"] * 1e3 for t in built
    )
    firm = (
        sum(techs[t].firm_fraction * s[f"capacity_{t}_mw"] for t in built)
        + s["capacity_grid_mw"]
    )
    lead = [techs[t].lead_time_quarters for t in built]
    return {
        "energy_usd_per_mwh": s["delivered_usd_per_mwh"],
        "co2_t_per_mwh": s["co2_t_per_mwh"],
        "capex_usd_per_kw": capex / load_kw if load_kw else 0.0,
        "fixed_om_usd_per_kw_yr": fom / load_kw if load_kw else 0.0,
        "firm_fraction": min(1.0, firm / s["peak_mw"]) if s["peak_mw"] else 0.0,
        "lead_time_quarters": float(max(lead)) if lead else 0.0,
        "max_mw": s["peak_mw"],
    }


def memo(result: CampusPowerResult) -> str:
    """A few lines a planner can paste into a memo."""
    s = result.summary
    mix = ", ".join(
        f"{t} {s[f'capacity_{t}_mw']:,.0f} MW"
        for t in ("grid", "solar", "battery", "gas_cc", "gas_oc")
        if s[f"capacity_{t}_mw"] > 0.5
    )
    lines = [
        f"Least-cost supply for a {s['peak_mw']:,.0f} MW peak campus: {mix}.",
        f"Delivered cost {s['delivered_usd_per_mwh']:,.1f} $/MWh "
        f"(${s['annual_cost_usd'] / 1e6:,.0f}M/yr); {s['co2_t'] / 1e3:,.0f} ktCO2/yr "
        f"({s['co2_t_per_mwh']:.3f} t/MWh).",
    ]
    for k, v in result.duals.items():
        if k != "energy_avg_usd_per_mwh":
            lines.append(f"Binding limit {k}: {v:,.1f}.")
    return "\n".join(lines)
