"""Least-cost campus power supply LP (linopy + HiGHS): solve and report.

:func:`solve_campus` checks its inputs, builds the LP of
:mod:`gigaplan.power.build` (grid, solar, wind, battery with separate power and
energy, gas CC/OC, reciprocating engines, fuel cells, nuclear PPA, flexible
load), solves it with HiGHS and returns capacities, dispatch, headline figures
and the shadow price of each binding limit. With ``rep_days`` the year is
reduced to representative days (:mod:`gigaplan.power.repdays`).

References
----------
Hörsch, J. et al. (2018). PyPSA: Python for Power System Analysis. J. Open
Research Software 6(1). (Same storage and CO2-constraint formulation.)
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import xarray as xr

from gigaplan._solver import solve_quietly
from gigaplan.errors import InfeasibleError, InputError, SolverError
from gigaplan.power.build import (
    Built,
    CampusSettings,
    Limits,
    Profiles,
    build_model,
)
from gigaplan.power.technologies import FLAT, KINDS, VARIABLE, Tech
from gigaplan.units import HOURS_PER_YEAR

log = logging.getLogger(__name__)

DUAL_FLOOR = 1e-3  # |dual| below this is interior-point dust: the limit is slack
# HiGHS options of every campus solve (``solver_options`` adds to them); the
# PyPSA benchmark gives PyPSA the same ones. AMD ordering: HiPO's analysis of
# the full-year LP takes 0.15 s instead of 0.46 s with its default (METIS),
# the same 24 iterations and factorisation flops (1.3e7) with the CO2 cap of
# benchmarks/power_vs_pypsa.py; 4.2-4.4 s instead of 4.7-5.2 s a solve
# there, PyPSA's LP 9.5-10.1 s instead of 10.2-10.7 s (2 shared cores).
SOLVER_OPTIONS = MappingProxyType(
    {"solver": "ipm", "run_crossover": "off", "hipo_ordering": "amd"}
)


@dataclass(frozen=True)
class CampusPowerResult:
    """Solved campus supply plan.

    Attributes
    ----------
    capacity : xarray.DataArray
        MW by ``tech`` (``battery_energy`` in MWh).
    dispatch : xarray.DataArray
        MW by ``tech`` x ``hour`` (battery: discharge minus charge) over the
        model hours (representative-day hours with ``rep_days``).
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


def _check_profile(
    name: str, arr: np.ndarray, n: int, upper: float | None = None
) -> np.ndarray:
    """A finite hourly array of length ``n`` (and values in [0, upper])."""
    arr = np.asarray(arr, dtype=float)
    if arr.shape != (n,):
        raise InputError(name, f"length {arr.size}", f"exactly {n} hourly values")
    if not np.all(np.isfinite(arr)):
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise InputError(f"{name}[{bad}]", arr[bad], "a finite number (no gaps)")
    if upper is not None and (arr.min() < 0 or arr.max() > upper):
        bad = int(np.flatnonzero((arr < 0) | (arr > upper))[0])
        raise InputError(f"{name}[{bad}]", arr[bad], f"in [0, {upper:g}]")
    return arr


def _check_limits(settings: CampusSettings) -> None:
    """Each given scalar must be >= 0; shares must be <= 1."""
    for name, val in asdict(settings).items():
        if name in ("hourly_cfe", "seed", "rep_days", "discount_rate"):
            continue
        if val is None:
            continue
        if not np.isfinite(val) or val < 0:
            raise InputError(name, val, "a number >= 0")
        if name in ("cfe_share", "flexible_share") and val > 1:
            raise InputError(name, val, "a share in [0, 1]")


def solve_campus(
    demand_mw: np.ndarray,
    solar_cf: np.ndarray,
    grid_price_usd_per_mwh: np.ndarray,
    techs: dict[str, Tech],
    settings: CampusSettings,
    *,
    wind_cf: np.ndarray | None = None,
    solver_options: dict[str, Any] | None = None,
) -> CampusPowerResult:
    """Find the least-cost supply for an hourly campus demand.

    Parameters
    ----------
    demand_mw : array (n,)
        Facility load (IT x PUE) each hour. [MW]
    solar_cf, wind_cf : array (n,)
        Capacity factor each hour, 0..1; without ``wind_cf`` wind is left out.
    grid_price_usd_per_mwh : array (n,)
        Import price each hour. [$/MWh]
    techs : dict
        From :func:`gigaplan.power.technologies.default_techs`; a tech with
        ``max_mw == 0`` is left out of the model.
    settings : CampusSettings
        Grid, money, the limits asked for and the representative days.
    solver_options : dict, optional
        HiGHS options added to :data:`SOLVER_OPTIONS`.

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
    demand = np.asarray(demand_mw, dtype=float)
    n = demand.size
    if n == 0 or not np.all(np.isfinite(demand)) or demand.min() < 0:
        raise InputError("demand_mw", "empty/negative/gap", "finite MW >= 0 each hour")
    cf = {"solar": _check_profile("solar_cf", solar_cf, n, upper=1.0)}
    if wind_cf is not None:
        cf["wind"] = _check_profile("wind_cf", wind_cf, n, upper=1.0)
    price = _check_profile("grid_price_usd_per_mwh", grid_price_usd_per_mwh, n)
    if settings.hourly_cfe and settings.cfe_share is None:
        settings = replace(settings, cfe_share=1.0)
    _check_limits(settings)
    techs = {t: v for t, v in techs.items() if t in cf or t not in VARIABLE}
    lim = Limits(**asdict(settings), peak_mw=float(demand.max()))
    prof = Profiles(demand, cf, price, np.full(n, HOURS_PER_YEAR / n))
    if settings.rep_days is not None:
        from gigaplan.power.repdays import reduce_profiles

        prof = reduce_profiles(prof, settings.rep_days, seed=settings.seed)
    log.info(
        "building the campus LP (%d hours, %d technologies)",
        prof.demand_mw.size,
        sum(t.max_mw != 0 for t in techs.values()),
    )
    built = build_model(prof, techs, lim)
    log.info("solving the campus LP (HiGHS interior point)")
    if not _solve(built, solver_options):
        # no feasible point: solve again with the penalised slacks to measure
        # which limit is missed and by how much
        log.info("infeasible: solving again with elastic slacks to find the limit")
        built = build_model(prof, techs, lim, elastic=True)
        if not _solve(built, solver_options):
            raise SolverError("HiGHS found no solution even with elastic slacks")
    _raise_if_missed(built, prof, lim)
    log.info("reading the solution and duals")
    return _extract(built, prof, lim, techs, settings.rep_days)


def _solve(built: Built, solver_options: dict[str, Any] | None) -> bool:
    """Solve ``built``; False if HiGHS proves it infeasible (True when optimal).

    A point HiGHS leaves without an optimum is not one (:func:`solve_quietly`
    reports it as "warning"). On the full-year campus of
    benchmarks/power_vs_pypsa.py with a 1.5 Mt CO2 cap and a 15 % reserve
    margin, HiPO and then IPX stopped with "no progress" after 41 iterations
    (7.9 s) at a cost 8.7e-4 above the optimum and rows off by 0.08 MW; that
    point had been reported as the answer. Such a stop (anything but
    optimal, infeasible or the time limit) is solved again with the dual
    simplex, which found the optimum in 37 s.

    Raises
    ------
    SolverError
        Any other stop (time limit, numerical trouble) on the elastic model, or
        any stop but infeasibility on the model without slacks, after the
        simplex retry.
    """
    opts: dict[str, Any] = dict(SOLVER_OPTIONS)
    opts.update(solver_options or {})
    # linopy's passes over every row before the export: the export drops zero
    # coefficients itself and no campus row has an infinite bound (limits are
    # checked finite), so the LP is the same; 0.04 s of the full-year solve
    opts.update(sanitize_zeros=False, sanitize_infinities=False)
    status, cond = solve_quietly(built.model, **opts)
    if status != "ok" and cond != "time_limit" and "infeasible" not in cond:
        log.warning(
            "HiGHS's interior point stopped without an optimum (%s); solving "
            "again with the dual simplex",
            cond,
        )
        status, cond = solve_quietly(built.model, **{**opts, "solver": "simplex"})
    if status == "ok":
        return True
    if "infeasible" in cond and built.short is None:
        return False
    raise SolverError(f"HiGHS stopped: {status} ({cond})")


def _raise_if_missed(built: Built, p: Profiles, lim: Limits) -> None:
    """Turn a non-zero elastic slack into an error naming the limit and the gap."""
    served = float(np.sum(p.weight_h * p.demand_mw))
    if built.short is None and not built.slacks:
        return
    short_mwh = (
        float((p.weight_h * built.short.solution.values).sum())
        if built.short is not None
        else 0.0
    )
    if short_mwh > 1e-6 * max(1.0, served):
        raise InfeasibleError(
            f"demand cannot be served: {short_mwh:,.0f} MWh/yr short "
            "(raise grid_max_mw or allow more capacity)"
        )
    s = {k: float(v.solution) for k, v in built.slacks.items()}
    if (
        "co2_cap" in s
        and lim.co2_cap_t is not None
        and s["co2_cap"] > 1e-6 * max(1.0, lim.co2_cap_t)
    ):
        raise InfeasibleError(
            f"co2_cap_t={lim.co2_cap_t:,.0f} cannot be met: missed by "
            f"{s['co2_cap']:,.0f} tCO2/yr with the allowed technologies"
        )
    cap_i = lim.co2_intensity_cap_t_per_mwh
    if (
        cap_i is not None
        and "co2_intensity" in s
        and s["co2_intensity"] > 1e-6 * max(1.0, cap_i * served)
    ):
        got = cap_i + s["co2_intensity"] / served
        raise InfeasibleError(
            f"co2_intensity_cap_t_per_mwh={cap_i:g} cannot be met: missed by "
            f"{got - cap_i:.4f} tCO2/MWh (best {got:.4f}) with the allowed technologies"
        )
    if (
        lim.cfe_share is not None
        and "cfe_share" in s
        and s["cfe_share"] > 1e-6 * max(1.0, served)
    ):
        gap = s["cfe_share"] / served
        kind = "hourly" if lim.hourly_cfe else "annual"
        raise InfeasibleError(
            f"cfe_share={lim.cfe_share:g} ({kind}) cannot be met: missed by "
            f"{gap:.4f} ({s['cfe_share']:,.0f} MWh/yr) with the allowed technologies"
        )


def _val(x: Any) -> float:
    """Solution value of a scalar variable or expression."""
    return float(x.solution)


def _extract(
    b: Built, p: Profiles, lim: Limits, techs: dict[str, Tech], rep_days: int | None
) -> CampusPowerResult:
    """Capacities, dispatch, summary and duals as labelled arrays and dicts."""
    n = p.demand_mw.size
    names = [*KINDS, "battery_energy", "grid"]
    caps = {t: _clean(_val(b.cap[t])) if t in b.cap else 0.0 for t in KINDS}
    caps["battery_energy"] = (
        _clean(_val(b.energy_cap)) if b.energy_cap is not None else 0.0
    )
    caps["grid"] = lim.grid_max_mw
    capacity = xr.DataArray(
        [caps[t] for t in names],
        coords={"tech": names},
        dims="tech",
        name="capacity_mw",
        attrs={"units": "MW (battery_energy: MWh)"},
    )
    rows = {t: np.zeros(n) for t in [*KINDS, "grid"]}
    for t, var in b.gen.items():
        rows[t] = var.solution.values
    for t in FLAT:
        rows[t] = np.full(n, caps[t])
    if b.charge is not None:
        rows["battery"] = (b.discharge.solution - b.charge.solution).values
    rows["grid"] = b.grid.solution.values
    if b.available:
        _offered_output(b, p, rows, caps)
    dispatch = xr.DataArray(
        np.vstack(list(rows.values())),
        coords={"tech": list(rows), "hour": np.arange(n)},
        dims=("tech", "hour"),
        name="dispatch_mw",
        attrs={"units": "MW"},
    )
    wt = p.weight_h
    paused = float((wt * b.shed.solution.values).sum()) if b.shed is not None else 0.0
    energy_mwh = float((wt * p.demand_mw).sum())
    served_mwh = energy_mwh - paused
    total = float(b.model.objective.value)
    co2_t = _val(b.co2_expr)
    summary: dict[str, Any] = {
        "annual_cost_usd": total,
        "energy_mwh": energy_mwh,
        "served_mwh": served_mwh,
        "paused_mwh": paused,
        "delivered_usd_per_mwh": total / served_mwh,
        "co2_t": co2_t,
        "co2_t_per_mwh": co2_t / served_mwh,
        "peak_mw": lim.peak_mw,
        "model_hours": n,
        "rep_days": rep_days or 0,
        **{
            f"energy_{t}_mwh": _clean_energy(
                float((wt * dispatch.sel(tech=t).clip(min=0).values).sum()),
                energy_mwh,
            )
            for t in rows
        },
        **{f"capacity_{t}_mw": caps[t] for t in names if t != "battery_energy"},
        "capacity_battery_mwh": caps["battery_energy"],
    }
    if b.cfe_expr is not None:
        summary["cfe_share"] = _val(b.cfe_expr) / served_mwh
    return CampusPowerResult(capacity, dispatch, summary, _duals(b, p), techs)


def _offered_output(
    b: Built, p: Profiles, rows: dict[str, np.ndarray], caps: dict[str, float]
) -> None:
    """Solar and wind output in the free-disposal form (see ``build._free_disposal``).

    They are used for what the balance needs beyond the other supply, at most
    what they offer, shared in proportion to their offer; the rest is
    curtailed. Fills ``rows`` in place. [MW]

    The LP is indifferent to where surplus goes in an hour that curtails
    anyway, so an optimum may empty the battery into it (seen: 1,204.7 MW
    discharged for a 1,200 MW load while 244 MW of wind was curtailed, an
    interior-point solution). Energy nobody uses is curtailment, so the
    battery's output shown is capped at what the load takes from it.
    """
    offered = {t: caps[t] * cf for t, cf in b.available.items()}
    total = sum(offered.values())
    rest = sum(rows[t] for t in rows if t not in b.available)
    for extra in (b.shed, b.short):
        if extra is not None:
            rest = rest + extra.solution.values
    if "battery" in rows:
        dumped = np.clip(rest - p.demand_mw, 0.0, np.clip(rows["battery"], 0.0, None))
        rows["battery"] = rows["battery"] - dumped
        rest = rest - dumped
    used = np.clip(p.demand_mw - rest, 0.0, total)
    share = np.divide(used, total, out=np.zeros(p.demand_mw.size), where=total > 0)
    for t, out in offered.items():
        rows[t] = out * share


def _duals(b: Built, p: Profiles) -> dict[str, float]:
    """Shadow prices of the binding limits, sign so that > 0 = tightening costs."""
    units = {
        "co2_cap": ("co2_cap_usd_per_t", -1.0),
        "co2_intensity": ("co2_intensity_usd_per_t", -1.0),
        "cfe_share": ("cfe_usd_per_mwh", 1.0),
        "firm_capacity": ("firm_capacity_usd_per_mw_yr", 1.0),
    }
    duals: dict[str, float] = {}
    for name, (key, sign) in units.items():
        con = b.constraints.get(name)
        if con is not None and abs(float(con.dual)) > DUAL_FLOOR:
            duals[key] = sign * float(con.dual)
    bal = b.constraints["balance"].dual.values
    duals["energy_avg_usd_per_mwh"] = float(
        (bal * p.demand_mw).sum() / (p.weight_h * p.demand_mw).sum()
    )
    return duals


def _clean(x: float) -> float:
    """Drop interior-point dust (|x| < 1e-3 MW) so memos read 0."""
    return 0.0 if abs(x) < 1e-3 else x


def _clean_energy(energy_mwh: float, total_mwh: float) -> float:
    """Drop interior-point dust (below 1e-7 of the year's energy) so tables read 0."""
    return 0.0 if abs(energy_mwh) < 1e-7 * total_mwh else energy_mwh


def variable_usd_per_mwh(result: CampusPowerResult, discount_rate: float) -> float:
    """Cost per MWh served without the plants' annuity and fixed O&M. [$/MWh]

    The campus LP's annual cost minus, for every plant it builds, capex x the
    annuity factor at ``discount_rate`` plus fixed O&M (battery energy too),
    over the MWh served: what a planner that pays the plants up front pays per
    MWh on top.

    Parameters
    ----------
    result : CampusPowerResult
        A solved campus.
    discount_rate : float
        The rate the LP annualised capex at. [1/yr]

    Returns
    -------
    float
        Operating cost per MWh served. [$/MWh]
    """
    s, techs = result.summary, result.techs
    fixed_usd = 0.0
    for name, tech in techs.items():
        mw = s.get(f"capacity_{name}_mw", 0.0)
        if mw > 1e-3:
            fixed_usd += tech.annual_cost_usd_per_mw(discount_rate) * mw
    if "battery" in techs:
        fixed_usd += (
            techs["battery"].annual_cost_usd_per_mwh_storage(discount_rate)
            * s["capacity_battery_mwh"]
        )
    return max(0.0, (s["annual_cost_usd"] - fixed_usd) / s["served_mwh"])


#: Keys of :func:`power_product` with a discount rate (the planner's option).
PRODUCT_KEYS: tuple[str, ...] = (
    "energy_usd_per_mwh",
    "co2_t_per_mwh",
    "capex_usd_per_kw",
    "fixed_om_usd_per_kw_yr",
    "firm_fraction",
    "lead_time_quarters",
    "max_mw",
    "variable_usd_per_mwh",
)


def power_product(
    result: CampusPowerResult, discount_rate: float | None = None
) -> dict[str, float]:
    """The site power option the buildout planner uses (see module docs).

    With ``discount_rate`` (the one the LP annualised capex at) it also gives
    ``variable_usd_per_mwh`` (:func:`variable_usd_per_mwh`).

    Parameters
    ----------
    result : CampusPowerResult
        A solved campus.
    discount_rate : float, optional
        The rate the LP annualised capex at. [1/yr]

    Returns
    -------
    dict of str to float
        Energy cost [$/MWh], CO2 [tCO2/MWh], capex and fixed O&M per kW of
        peak load [$/kW, $/kW-yr], firm share [dimensionless], lead time
        [quarters] and peak [MW] of the campus's supply.
    """
    s, techs = result.summary, result.techs
    load_kw = s["peak_mw"] * 1e3
    built = [t for t in techs if s[f"capacity_{t}_mw"] > 1e-3]
    capex = sum(techs[t].capex_usd_per_kw * s[f"capacity_{t}_mw"] * 1e3 for t in built)
    fom = sum(
        techs[t].fixed_om_usd_per_kw_yr * s[f"capacity_{t}_mw"] * 1e3 for t in built
    )
    if "battery" in techs:
        capex += (
            techs["battery"].energy_capex_usd_per_kwh * s["capacity_battery_mwh"] * 1e3
        )
        fom += (
            techs["battery"].energy_fixed_om_usd_per_kwh_yr
            * s["capacity_battery_mwh"]
            * 1e3
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
        **(
            {}
            if discount_rate is None
            else {"variable_usd_per_mwh": variable_usd_per_mwh(result, discount_rate)}
        ),
    }


def memo(result: CampusPowerResult) -> str:
    """A few lines a planner can paste into a memo.

    Parameters
    ----------
    result : CampusPowerResult
        A solved campus.

    Returns
    -------
    str
        Cost, CO2, capacities and binding limits in plain lines.
    """
    s = result.summary
    mix = ", ".join(
        f"{t} {s[f'capacity_{t}_mw']:,.0f} MW"
        for t in ("grid", *KINDS)
        if s[f"capacity_{t}_mw"] > 0.5
    )
    if s["capacity_battery_mwh"] > 0.5:
        mix += f" ({s['capacity_battery_mwh']:,.0f} MWh storage)"
    lines = [
        f"Least-cost supply for a {s['peak_mw']:,.0f} MW peak campus: {mix}.",
        f"Delivered cost {s['delivered_usd_per_mwh']:,.1f} $/MWh "
        f"(${s['annual_cost_usd'] / 1e6:,.0f}M/yr); {s['co2_t'] / 1e3:,.0f} ktCO2/yr "
        f"({s['co2_t_per_mwh']:.3f} t/MWh).",
    ]
    if "cfe_share" in s:
        lines.append(f"Carbon-free share {s['cfe_share']:.1%}.")
    if s["paused_mwh"] > 0.5:
        lines.append(f"Flexible load paused {s['paused_mwh']:,.0f} MWh/yr.")
    if s["rep_days"]:
        lines.append(f"Solved on {s['rep_days']} representative days.")
    for k, v in result.duals.items():
        if k != "energy_avg_usd_per_mwh":
            lines.append(f"Binding limit {k}: {v:,.1f}.")
    return "\n".join(lines)
