"""Build the campus supply LP in linopy (no solving, no result handling).

Sets and weights: model hours :math:`h` with weights :math:`w_h` (hours of a
year each stands for; :math:`\\sum_h w_h = 8760`). For a chronological run
:math:`w_h = 8760/n`; for representative days :math:`w_h = (8760/n)\\,N_k`,
with :math:`N_k` the number of days cluster :math:`k` stands for.

Variables: capacity of each technology (MW; battery energy MWh), hourly output
of variable and thermal plants, grid import (<= cap), battery charge,
discharge and state of charge, paused flexible load. With ``elastic=True``
also penalised elastic slacks (unserved energy, CO2, CO2 intensity,
carbon-free energy) so that an unmeetable limit is reported by name and by how
much it is missed; the first solve goes without them (the penalty widens the
cost range and adds a column per hour, which slows the solve) and the elastic
model is built only when that solve finds no feasible point.

Constraints
-----------
balance : :math:`g_h + \\sum_t p_{t,h} + P_{nuc} + d_h - c_h + s_h + f_h = D_h`
availability : :math:`p_{t,h} \\le \\mathrm{CF}_{t,h} P_t` (variable),
    :math:`p_{t,h} \\le P_t` (thermal); nuclear delivers :math:`P_{nuc}` flat.
battery : :math:`c_h, d_h \\le P_b`; :math:`h_{min} P_b \\le E_b \\le h_{max} P_b`;
    :math:`e_h = e_{h-1} + \\eta c_h - d_h/\\eta`, :math:`0 \\le e_h \\le E_b`,
    cyclic over the horizon; with representative days, the inter-day
    linking of Kotzur et al. (2018) (see :func:`_battery_repdays`).
co2_cap : :math:`\\sum_h w_h (\\gamma_g g_h + \\sum_t \\gamma_t p_{t,h}) \\le C`.
co2_intensity : the same CO2 :math:`\\le I \\sum_h w_h (D_h - f_h)`.
cfe_share (annual) : :math:`\\sum_h w_h (p_{sol} + p_{wind} + P_{nuc})
    \\ge X \\sum_h w_h (D_h - f_h)`; grid imports count as not carbon-free.
cfe_share (hourly, 24/7) : matched CFE :math:`m_h \\le D_h - f_h`,
    :math:`m_h \\le p_{sol} + p_{wind} + P_{nuc} + d_h - c_h`,
    :math:`\\sum_h w_h m_h \\ge X \\sum_h w_h (D_h - f_h)`. This is the
    energy-weighted hourly CFE score (Google 2021; Riepin & Brown 2024): X = 1
    means every hour is fully matched. Because :math:`m_h \\ge 0`, the battery
    can then only charge from carbon-free output in the same hour, so its
    discharge counts as carbon-free.
firm_capacity : :math:`\\sum_t \\phi_t P_t \\ge \\hat D (1 - \\sigma)(1+r) - G`,
    with flexible share :math:`\\sigma` (paused load needs no firm cover).
flexible : :math:`0 \\le f_h \\le \\sigma D_h`, cost per MWh paused.

Tighter form of the same LP
---------------------------
Where curtailing is the only surplus ever wanted (see :func:`_free_disposal`:
no carbon-free share, no flat nuclear, no negative grid price, solar and wind
free to run), the balance is written :math:`\\ge D_h` with solar and wind
offered in full, so their hourly columns and availability rows go, and the
battery's charge and discharge limits become one row :math:`c_h + d_h \\le
P_b`. A fixed energy/power ratio (``min_hours == max_hours``) is substituted,
:math:`E_b = h P_b`. The full-year benchmark case goes from 70,082 rows x
61,325 columns to 43,800 x 43,804 (benchmarks/power_vs_pypsa.py).

References
----------
Kotzur, L. et al. (2018). Time series aggregation for energy system design:
Modeling seasonal storage. Applied Energy 213, 123-135.
Riepin, I., Brown, T. (2024). On the means, costs, and system-level impacts of
24/7 carbon-free energy procurement. Energy Strategy Reviews 54, 101488.
Google (2021). 24/7 Carbon-Free Energy: Methodologies and Metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from gigaplan.power.technologies import FLAT, STORAGE, THERMAL, VARIABLE, Tech

SLACK_PENALTY_USD = 1e5  # per tCO2 or MWh of shortfall; far above any real cost


@dataclass(frozen=True)
class Profiles:
    """Hourly inputs of the model hours, with their weights.

    Attributes
    ----------
    demand_mw : ndarray (n,)
        Facility load each model hour. [MW]
    capacity_factor : dict of str to ndarray (n,)
        Per variable technology (``solar``, ``wind``). [dimensionless]
    grid_price_usd_per_mwh : ndarray (n,)
        Import price. [$/MWh]
    weight_h : ndarray (n,)
        Hours of a year each model hour stands for; sums to 8760. [h]
    day_rep : ndarray (days,) of int, optional
        Representative day of each chronological day (representative-day
        runs); ``None`` for a chronological horizon (cyclic storage).
    """

    demand_mw: np.ndarray
    capacity_factor: dict[str, np.ndarray]
    grid_price_usd_per_mwh: np.ndarray
    weight_h: np.ndarray
    day_rep: np.ndarray | None = None


@dataclass(frozen=True)
class CampusSettings:
    """Everything a campus LP takes besides its hourly profiles and technologies.

    :func:`gigaplan.power.model.solve_campus` and
    :func:`gigaplan.power.pypsa_network.campus_network` take the same one.

    Attributes
    ----------
    grid_max_mw : float
        Import cap (fixed capacity, no capex). [MW]
    grid_co2_t_per_mwh : float
        Average grid carbon intensity. [tCO2/MWh]
    discount_rate : float
        For the capex annuity. [1/yr]
    co2_cap_t : float, optional
        Annual CO2 cap (grid + gas); the model hours are scaled to a year. [t]
    co2_intensity_cap_t_per_mwh : float, optional
        CO2 per MWh served, annual. [tCO2/MWh]
    cfe_share : float, optional
        Minimum carbon-free share of the energy served, annual (or hourly,
        energy-weighted, with ``hourly_cfe``). [dimensionless]
    hourly_cfe : bool
        Match carbon-free supply to demand hour by hour (24/7 CFE score);
        without ``cfe_share`` it means full matching (share 1).
    reserve_margin : float, optional
        Firm capacity >= inflexible peak x (1 + margin). [dimensionless]
    flexible_share : float
        Share of each hour's demand that can pause (training). [dimensionless]
    flexible_cost_usd_per_mwh : float
        Cost of each MWh paused. [$/MWh]
    rep_days : int, optional
        Solve on this many representative days (k-means, seeded by ``seed``)
        instead of the whole horizon; needs whole days.
    seed : int
        Seed of the representative-day clustering.
    """

    grid_max_mw: float
    grid_co2_t_per_mwh: float
    discount_rate: float = 0.07
    co2_cap_t: float | None = None
    co2_intensity_cap_t_per_mwh: float | None = None
    cfe_share: float | None = None
    hourly_cfe: bool = False
    reserve_margin: float | None = None
    flexible_share: float = 0.0
    flexible_cost_usd_per_mwh: float = 0.0
    rep_days: int | None = None
    seed: int = 0


@dataclass(frozen=True)
class Limits(CampusSettings):
    """The settings and the demand's peak: the scalars of the model."""

    peak_mw: float = field(kw_only=True)


@dataclass
class Built:
    """A linopy model and the handles the result extraction needs."""

    model: Any
    active: list[str]
    cap: dict[str, Any]
    gen: dict[str, Any]
    grid: Any
    short: Any = None
    free_disposal: bool = False
    available: dict[str, np.ndarray] = field(default_factory=dict)
    energy_cap: Any = None
    charge: Any = None
    discharge: Any = None
    shed: Any = None
    co2_expr: Any = None
    served_expr: Any = None
    cfe_expr: Any = None
    constraints: dict[str, Any] = field(default_factory=dict)
    slacks: dict[str, Any] = field(default_factory=dict)


def _hourly(values: np.ndarray, hours: pd.Index) -> xr.DataArray:
    return xr.DataArray(np.asarray(values, dtype=float), coords=[hours])


def _rows(
    m: Any,
    name: str,
    terms: list[tuple[Any, Any]],
    hours: pd.Index,
    sign: str,
    rhs: Any = 0.0,
) -> Any:
    """Add the rows ``sum(coef * var) sign rhs``, one per hour, to ``m``.

    Each term is ``(coef, var)``: ``coef`` a number or an hourly array, ``var``
    an hourly or a scalar linopy variable (the latter repeated each hour), or a
    ``(variable, shift)`` pair for the variable ``shift`` hours earlier
    (cyclic). The constraint is one dataset made from the label arrays, not a
    chain of xarray-aligned sums: the full-year build of
    benchmarks/power_vs_pypsa.py went from 0.28 s to 0.08 s (2 shared cores;
    the benchmark prints it), with the same rows, columns and coefficients.
    """
    import linopy

    n = hours.size
    coeffs = np.empty((n, len(terms)))
    labels = np.empty((n, len(terms)), dtype=np.int64)
    for k, (coef, var) in enumerate(terms):
        var, shift = var if isinstance(var, tuple) else (var, 0)
        coeffs[:, k] = coef
        labels[:, k] = np.roll(np.broadcast_to(var.labels.values, (n,)), shift)
    dims = (hours.name, "_term")
    data = xr.Dataset(
        {
            "coeffs": (dims, coeffs),
            "vars": (dims, labels),
            "sign": (hours.name, np.full(n, sign)),
            "rhs": (hours.name, np.broadcast_to(np.asarray(rhs, dtype=float), (n,))),
        },
        coords={hours.name: hours},
    )
    return m.add_constraints(linopy.Constraint(data, m), name=name)


def _total(m: Any, terms: list[tuple[Any, Any]]) -> Any:
    """``sum(coef * var)`` over every hour and term, as one scalar expression."""
    import linopy

    coeffs = [np.broadcast_to(c, v.labels.shape).ravel() for c, v in terms]
    labels = [v.labels.values.ravel() for _, v in terms]
    data = xr.Dataset(
        {
            "coeffs": ("_term", np.concatenate(coeffs).astype(float)),
            "vars": ("_term", np.concatenate(labels)),
        }
    )
    return linopy.LinearExpression(data, m)


def _pick(expr: Any, dim: str, index: np.ndarray, new_dim: str, model: Any) -> Any:
    """``expr`` at positions ``index`` along ``dim``, laid out along ``new_dim``."""
    import linopy

    e = expr.to_linexpr() if hasattr(expr, "to_linexpr") else expr
    out = e.isel({dim: xr.DataArray(np.asarray(index), dims=new_dim)})
    data = out.data.drop_vars(dim, errors="ignore").assign_coords(
        {new_dim: np.arange(len(index))}
    )
    return linopy.LinearExpression(data, model)


def build_model(
    p: Profiles, techs: dict[str, Tech], lim: Limits, *, elastic: bool = False
) -> Built:
    """Assemble the LP; see the module docstring for the formulation.

    Parameters
    ----------
    p, techs, lim
        Hourly inputs, technologies and limits.
    elastic : bool
        Add the penalised slacks (unserved energy per hour and one per limit)
        so that an infeasible set of limits still solves and the miss can be
        measured.

    Returns
    -------
    Built
        The linopy model with its variables and named constraints.
    """
    import linopy

    n = p.demand_mw.size
    hours = pd.RangeIndex(n, name="hour")
    wt = _hourly(p.weight_h, hours)
    demand = _hourly(p.demand_mw, hours)
    active = [t for t in techs if techs[t].max_mw != 0]
    m = linopy.Model()
    cap = {
        t: m.add_variables(
            lower=techs[t].min_mw,
            upper=techs[t].max_mw if techs[t].max_mw is not None else np.inf,
            name=f"cap_{t}",
        )
        for t in active
    }
    free = _free_disposal(p, techs, lim, active)
    gen = {
        t: m.add_variables(lower=0, coords=[hours], name=f"p_{t}")
        for t in active
        if (t in VARIABLE and not free) or t in THERMAL
    }
    grid = m.add_variables(
        lower=0, upper=lim.grid_max_mw, coords=[hours], name="p_grid"
    )
    b = Built(m, active, cap, gen, grid, free_disposal=free)
    if elastic:
        b.short = m.add_variables(lower=0, coords=[hours], name="shortfall")
    for t, var in gen.items():
        cf = p.capacity_factor[t] if t in VARIABLE else 1.0
        _rows(m, f"avail_{t}", [(1.0, var), (-cf, cap[t])], hours, "<=")
    supply: list[tuple[Any, Any]] = [(1.0, grid), *((1.0, v) for v in gen.values())]
    for t in VARIABLE:
        if free and t in active:  # all of it offered; the surplus is curtailed
            b.available[t] = p.capacity_factor[t]
            supply.append((p.capacity_factor[t], cap[t]))
    if b.short is not None:
        supply.append((1.0, b.short))
    supply += [(1.0, cap[t]) for t in active if t in FLAT]
    if "battery" in active:
        _battery(b, techs["battery"], p, hours)
        supply += [(1.0, b.discharge), (-1.0, b.charge)]
    served = demand
    if lim.flexible_share > 0:
        b.shed = m.add_variables(
            lower=0, upper=lim.flexible_share * demand, name="paused_load"
        )
        supply.append((1.0, b.shed))
        served = demand - b.shed
    b.constraints["balance"] = _rows(
        m, "balance", supply, hours, ">=" if free else "=", p.demand_mw
    )
    b.served_expr = (wt * served).sum()

    w = p.weight_h
    b.co2_expr = _total(
        m,
        [
            (w * lim.grid_co2_t_per_mwh, grid),
            *(
                (w * techs[t].co2_t_per_mwh, v)
                for t, v in gen.items()
                if techs[t].co2_t_per_mwh
            ),
        ],
    )
    case = _Case(p, lim, techs, hours, wt)
    _limits(b, case, served, elastic)
    _objective(b, case)
    return b


def _free_disposal(
    p: Profiles, techs: dict[str, Tech], lim: Limits, active: list[str]
) -> bool:
    r"""
    Whether surplus energy can be thrown away at no cost without changing the LP.

    Then the balance is written :math:`\text{supply}_h \ge D_h` with solar
    and wind offered in full (:math:`\mathrm{CF}_{t,h} P_t`), which drops
    their hourly output columns and availability rows; the surplus is their
    curtailment. It is the same optimum when curtailing is free and only
    curtailing is ever wanted: solar and wind cost nothing per MWh and emit
    nothing, no grid price is negative (importing to throw away never pays),
    no flat (nuclear) supply must be absorbed, and no carbon-free share
    counts dispatched clean energy (offered but curtailed energy would count).
    A battery that both charges and discharges in an hour can then always do
    one of the two and throw the difference away, so the charge and
    discharge limits become one row, :math:`c_h + d_h \le P_b`.
    """
    return (
        lim.cfe_share is None
        and not any(t in FLAT for t in active)
        and bool(np.all(p.grid_price_usd_per_mwh >= 0))
        and all(
            techs[t].marginal_usd_per_mwh == 0 and techs[t].co2_t_per_mwh == 0
            for t in active
            if t in VARIABLE
        )
    )


def _battery(b: Built, bat: Tech, p: Profiles, hours: pd.Index) -> None:
    """Power/energy sizing, charge/discharge limits and the state of charge.

    A fixed energy/power ratio (``min_hours == max_hours``) is substituted:
    the energy capacity is then :math:`h P_b`, with no column or rows of its own.
    """
    m = b.model
    eta = float(np.sqrt(bat.roundtrip_efficiency))
    power = b.cap["battery"]
    if bat.min_hours == bat.max_hours:
        b.energy_cap = bat.max_hours * power
    else:
        b.energy_cap = m.add_variables(lower=0, name="cap_battery_energy")
        m.add_constraints(
            b.energy_cap - bat.max_hours * power <= 0, name="battery_hours_max"
        )
        m.add_constraints(
            b.energy_cap - bat.min_hours * power >= 0, name="battery_hours_min"
        )
    b.charge = m.add_variables(lower=0, coords=[hours], name="charge")
    b.discharge = m.add_variables(lower=0, coords=[hours], name="discharge")
    c, d = b.charge, b.discharge
    if b.free_disposal:
        terms = [(1.0, c), (1.0, d), (-1.0, power)]
        _rows(m, "battery_power", terms, hours, "<=")
    else:
        for name, flow in (("charge_max", c), ("discharge_max", d)):
            _rows(m, name, [(1.0, flow), (-1.0, power)], hours, "<=")
    if p.day_rep is None:
        soc = m.add_variables(lower=0, coords=[hours], name="soc")
        energy = (
            (-bat.max_hours, power)
            if bat.min_hours == bat.max_hours
            else (-1.0, b.energy_cap)
        )
        _rows(m, "soc_max", [(1.0, soc), energy], hours, "<=")
        flows = [(1.0, soc), (-1.0, (soc, 1)), (-eta, c), (1.0 / eta, d)]
        _rows(m, "soc_balance", flows, hours, "=")
    else:
        _battery_repdays(b, eta, p.day_rep, hours)


def _battery_repdays(
    b: Built, eta: float, day_rep: np.ndarray, hours: pd.Index
) -> None:
    r"""
    Inter-day storage linking of Kotzur et al. (2018) for representative days.

    Within representative day :math:`k` the state of charge relative to the
    start of the day is :math:`\delta_{k,t} = \delta_{k,t-1} + \eta c - d/\eta`,
    :math:`\delta_{k,-1} = 0` (free sign). Each chronological day :math:`j`
    has a start level :math:`S_j \ge 0` with :math:`S_{j+1} = S_j +
    \delta_{k(j),23}` (cyclic over the year) and :math:`0 \le S_j +
    \delta_{k(j),t} \le E` for every hour, written with the daily maximum and
    minimum of :math:`\delta_k` so the size stays O(days + hours).
    """
    m = b.model
    n = hours.size
    n_rep = n // 24
    start = _hourly((np.arange(n) % 24 != 0).astype(float), hours)
    rel = m.add_variables(coords=[hours], name="soc_intraday")
    m.add_constraints(
        rel - start * rel.roll(hour=1) - eta * b.charge + (1.0 / eta) * b.discharge
        == 0,
        name="soc_intraday_balance",
    )
    reps = pd.RangeIndex(n_rep, name="rep")
    hi = m.add_variables(coords=[reps], name="soc_intraday_max")
    lo = m.add_variables(coords=[reps], name="soc_intraday_min")
    rep_of_hour = np.arange(n) // 24
    m.add_constraints(
        _pick(hi, "rep", rep_of_hour, "hour", m) - rel >= 0, name="soc_hi"
    )
    m.add_constraints(
        _pick(lo, "rep", rep_of_hour, "hour", m) - rel <= 0, name="soc_lo"
    )
    days = pd.RangeIndex(day_rep.size, name="day")
    level = m.add_variables(lower=0, coords=[days], name="soc_day_start")
    end_of_day = _pick(rel, "hour", day_rep * 24 + 23, "day", m)
    m.add_constraints(level.roll(day=-1) - level - end_of_day == 0, name="soc_interday")
    m.add_constraints(
        level + _pick(hi, "rep", day_rep, "day", m) - b.energy_cap <= 0,
        name="soc_day_max",
    )
    m.add_constraints(
        level + _pick(lo, "rep", day_rep, "day", m) >= 0, name="soc_day_min"
    )
    m.add_constraints(level - b.energy_cap <= 0, name="soc_day_start_max")


@dataclass(frozen=True)
class _Case:
    """What the limits and the objective read: profiles, limits, techs, hours.

    ``wt`` is each modelled hour's weight in a year. [h]
    """

    p: Profiles
    lim: Limits
    techs: dict[str, Tech]
    hours: pd.Index
    wt: xr.DataArray


def _limits(b: Built, case: _Case, served: Any, elastic: bool) -> None:
    """CO2 cap, CO2 intensity, carbon-free share and firm capacity."""
    lim, techs, hours, wt = case.lim, case.techs, case.hours, case.wt
    m = b.model

    def slack(name: str, var_name: str, always: bool = False) -> Any:
        """The elastic slack of limit ``name`` (0 without ``elastic``/``always``)."""
        if not (elastic or always):
            return 0
        b.slacks[name] = m.add_variables(lower=0, name=var_name)
        return b.slacks[name]

    if lim.co2_cap_t is not None:
        b.constraints["co2_cap"] = m.add_constraints(
            b.co2_expr - slack("co2_cap", "co2_slack") <= lim.co2_cap_t,
            name="co2_cap",
        )
    if lim.co2_intensity_cap_t_per_mwh is not None:
        b.constraints["co2_intensity"] = m.add_constraints(
            b.co2_expr
            - lim.co2_intensity_cap_t_per_mwh * b.served_expr
            - slack("co2_intensity", "co2_intensity_slack")
            <= 0,
            name="co2_intensity",
        )
    clean = sum(b.gen[t] for t in ("solar", "wind") if t in b.gen)
    for t in FLAT:
        if t in b.cap:
            clean = clean + b.cap[t]
    if lim.cfe_share is not None:
        if lim.hourly_cfe:
            matched = m.add_variables(lower=0, coords=[hours], name="cfe_matched")
            m.add_constraints(matched - served <= 0, name="cfe_matched_max_demand")
            storage = b.discharge - b.charge if b.charge is not None else 0 * matched
            m.add_constraints(
                matched - clean - storage <= 0, name="cfe_matched_max_clean"
            )
            b.cfe_expr = (wt * matched).sum()
        else:
            b.cfe_expr = (wt * clean).sum() if not isinstance(clean, int) else None
        # nothing carbon-free in the model: the slack keeps the row a row
        lhs = (
            slack("cfe_share", "cfe_slack", always=b.cfe_expr is None)
            - lim.cfe_share * b.served_expr
        )
        if b.cfe_expr is not None:
            lhs = lhs + b.cfe_expr
        b.constraints["cfe_share"] = m.add_constraints(lhs >= 0, name="cfe_share")
    if lim.reserve_margin is not None:
        firm = sum(techs[t].firm_fraction * b.cap[t] for t in b.active)
        need = lim.peak_mw * (1 - lim.flexible_share) * (1 + lim.reserve_margin)
        b.constraints["firm_capacity"] = m.add_constraints(
            firm >= need - lim.grid_max_mw, name="firm_capacity"
        )


def _objective(b: Built, case: _Case) -> None:
    """Annualised capital + fixed O&M + weighted operating cost + penalties."""
    p, lim, techs = case.p, case.lim, case.techs
    w = p.weight_h
    terms: list[tuple[Any, Any]] = [(w * p.grid_price_usd_per_mwh, b.grid)]
    if b.short is not None:
        terms.append((w * SLACK_PENALTY_USD, b.short))
    total_h = float(np.sum(w))
    for t in b.active:
        per_mw = techs[t].annual_cost_usd_per_mw(lim.discount_rate)
        if t in FLAT:
            per_mw += total_h * techs[t].marginal_usd_per_mwh
        terms.append((per_mw, b.cap[t]))
        if t in b.gen and techs[t].marginal_usd_per_mwh:
            terms.append((w * techs[t].marginal_usd_per_mwh, b.gen[t]))
    if b.energy_cap is not None:
        bat = techs[STORAGE[0]]
        per_mwh = bat.annual_cost_usd_per_mwh_storage(lim.discount_rate)
        if bat.min_hours == bat.max_hours:  # substituted: h x power
            terms.append((per_mwh * bat.max_hours, b.cap[STORAGE[0]]))
        else:
            terms.append((per_mwh, b.energy_cap))
    if b.shed is not None:
        terms.append((w * lim.flexible_cost_usd_per_mwh, b.shed))
    terms += [(SLACK_PENALTY_USD, slack) for slack in b.slacks.values()]
    obj = _total(b.model, terms)
    b.model.add_objective(obj)
