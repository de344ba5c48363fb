"""Turn a solved buildout model into a labelled Dataset, bottlenecks and a summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from gigaplan.plan.inputs import CO2_T, FLOP, TOKENS, UNITS, USD, PlanInputs
from gigaplan.units import HOURS_PER_QUARTER, SECONDS_PER_QUARTER, WEEKS_PER_QUARTER

# limit name -> (how many model units make one planner unit, planner unit,
# sign that turns the dual into the value of loosening the limit: -1 for an
# upper limit (<=), +1 for a lower one (>=, loosened by lowering it))
_LIMITS: dict[str, tuple[float, str, float]] = {
    "vendor_supply": (1000.0 / UNITS, "usd_per_1000_accelerators", -1.0),
    "build_rate": (1000.0 * WEEKS_PER_QUARTER, "usd_per_gw_per_week", -1.0),
    "site_power": (1000.0, "usd_per_gw", -1.0),
    "interconnect": (1000.0, "usd_per_gw", -1.0),
    "budget": (1.0 / USD, "usd_per_usd", -1.0),
    "budget_total": (1.0 / USD, "usd_per_usd", -1.0),
    "co2_cap": (1.0 / CO2_T, "usd_per_t", -1.0),
    "vendor_deal": (1000.0 / UNITS, "usd_per_1000_accelerators", 1.0),
    "vendor_deal_max": (1000.0 / UNITS, "usd_per_1000_accelerators", -1.0),
    "lease_max": (1000.0 / UNITS, "usd_per_1000_accelerators", -1.0),
    "lease_commitment": (1000.0 / UNITS, "usd_per_1000_accelerators", 1.0),
    "must_serve_inference": (1e6 / TOKENS, "usd_per_mtoken", -1.0),
    "must_serve_training": (1e18 / FLOP, "usd_per_eflop", -1.0),
}


@dataclass(frozen=True)
class Plan:
    """A solved buildout plan.

    Attributes
    ----------
    dataset : xarray.Dataset
        Labelled plan (dims ``period``, ``site``, ``accelerator``, ``option``,
        ``scenario``); money in US dollars of ``attrs["dollar_year"]``.
    bottlenecks : pandas.DataFrame
        Shadow price of every limit per period (expected present value over
        scenarios), in dollars per planner unit (column ``unit``).
    objective_usd : float
        Expected discounted cost plus unmet-demand penalties; with
        ``risk_aversion``, ``(1 - weight) E[cost] + weight CVaR[cost]``. [USD]
    solver : dict
        How it was solved: ``problem`` (LP or MILP), ``solve_s``; for a MILP
        the achieved ``mip_gap`` and the time of the fixed-integer LP that
        gives the shadow prices (:func:`gigaplan.plan.solve.solve_plan`).
    """

    dataset: xr.Dataset
    bottlenecks: pd.DataFrame
    objective_usd: float
    solver: dict[str, Any] = field(default_factory=dict)
    headline: pd.DataFrame | None = None
    ceilings: pd.DataFrame | None = None
    chips: pd.DataFrame | None = None


def _sol(x: Any) -> xr.DataArray:
    return x.solution.fillna(0.0)


def extract(
    inp: PlanInputs,
    model: Any,
    exprs: dict[str, Any],
    solver: dict[str, Any] | None = None,
) -> Plan:
    """Collect primal values and duals of a solved model into a :class:`Plan`.

    With ``risk_aversion`` the duals (shadow prices) are derivatives of the
    risk-adjusted objective ``(1 - weight) E[cost] + weight CVaR[cost]``, not
    of expected cost; with ``integer_units`` they come from the LP with the
    purchases fixed (:mod:`gigaplan.plan.solve`).

    Parameters
    ----------
    inp : PlanInputs
        The inputs the model was built from.
    model : linopy.Model
        The solved model.
    exprs : dict
        Named linear expressions from the builder (units bought, costs...).
    solver : dict, optional
        Solver figures (name, status, seconds) kept in the plan's attributes.

    Returns
    -------
    plan : Plan
        Results and duals over ``period``, ``scenario``, ``site``,
        ``accelerator``, with units in the variable names.
    """
    sec, acc, dem = inp.section, inp.acc, inp.demand
    v = model.variables
    seconds = SECONDS_PER_QUARTER * sec.utilisation
    bought, units = units_by_site(inp, exprs)
    existing = (
        inp.existing_units
        if inp.existing_units is not None
        else xr.zeros_like(acc.tokens_per_s) * xr.zeros_like(dem.period, dtype=float)
    )
    leased = (
        exprs["leased_units"].solution.fillna(0.0) * UNITS
        if exprs.get("leased_units") is not None
        else xr.zeros_like(existing)
    )
    serving = units.sum("site") + existing + leased
    gain = (
        inp.gain
        if inp.gain is not None
        else xr.Dataset({"inference": 1.0, "training": 1.0})
    )
    lease_usd = (
        exprs["lease_usd"].solution * USD
        if hasattr(exprs.get("lease_usd"), "solution")
        else xr.zeros_like(dem.probability) * xr.zeros_like(dem.period, dtype=float)
    )
    it_site = exprs["it_mw"].solution.fillna(0.0)
    fac_site = exprs["facility_mw"].solution.fillna(0.0)
    served_inf = exprs["tokens"].solution * TOKENS
    unmet_inf = _sol(v["unmet_inference_tokens"]) * TOKENS
    unmet_trn = _sol(v["unmet_training_flop"]) * FLOP
    ds = xr.Dataset(
        {
            "units_bought": bought,
            "units_in_service": units,
            "it_mw_by_site": it_site,
            "facility_mw_by_site": fac_site,
            "facility_built_mw": exprs["facility_build"].solution.fillna(0.0),
            "power_mw": exprs["power_mw"].solution.fillna(0.0),
            "energy_mwh": _sol(v["energy_avg_mw"]) * HOURS_PER_QUARTER,
            "it_mw": it_site.sum("site"),
            "facility_mw": fac_site.sum("site"),
            "co2_t": exprs["co2_kt"].solution * CO2_T,
            "capex_usd": exprs["capex_usd"].solution * USD,
            "opex_usd": exprs["opex_usd"].solution * USD,
            "end_value_usd": (
                exprs["end_value_usd"].solution * USD
                if "end_value_usd" in exprs
                else xr.zeros_like(dem.probability)
                * xr.zeros_like(dem.period, dtype=float)
            ),
            "units_existing": existing,
            "training_gain": gain.training * xr.ones_like(dem.period, dtype=float),
            "facility_existing_mw": inp.site.energised_mw,
            "units_leased": leased,
            "lease_usd": lease_usd,
            "inference_capacity_tokens": (
                serving * acc.tokens_per_s * gain.inference * seconds
            ).sum("accelerator"),
            "training_capacity_flop": (
                serving * acc.flop_per_s * gain.training * seconds
            ).sum("accelerator"),
            "inference_demand_tokens": dem.inference_tokens,
            "training_demand_flop": dem.training_flop,
            "inference_served_tokens": served_inf,
            "training_served_flop": exprs["flop"].solution * FLOP,
            "inference_unmet_tokens": unmet_inf,
            "training_unmet_flop": unmet_trn,
            "probability": dem.probability,
            "scenario_cost_usd": exprs["scenario_cost"].solution * USD,
            "power_option_name": inp.power["name"],
            "vendor": acc.vendor,
            "power_w_per_unit": acc.power_w,
        }
    )
    ds.attrs.update(
        period_labels=[str(p) for p in dem.period.values],
        dollar_year=sec.dollar_year,
        discount_rate=sec.discount_rate,
        utilisation=sec.utilisation,
        reference_model=sec.reference_model,
        expected_cost_usd=float(exprs["expected_cost"].solution) * USD,
        unmet_inference_usd_per_mtoken=sec.unmet_inference_usd_per_mtoken,
        unmet_training_usd_per_eflop=sec.unmet_training_usd_per_eflop,
        **(
            {}
            if sec.target_gw_per_week is None
            else {"target_gw_per_week": sec.target_gw_per_week}
        ),
    )
    if "cvar_cost" in exprs:
        risk = sec.risk_aversion
        ds.attrs.update(
            cvar_cost_usd=float(exprs["cvar_cost"].solution) * USD,
            risk_weight=risk.weight if risk else 0.0,
            cvar_alpha=risk.alpha if risk else 0.0,
        )
    from gigaplan.plan.headline import input_ceilings, scenario_headline

    return Plan(
        ds,
        bottlenecks(model),
        float(model.objective.value) * USD,
        dict(solver or {}),
        headline=scenario_headline(ds, inp, sec.target_gw_per_week),
        ceilings=input_ceilings(inp),
        chips=inp.chips,
    )


def units_by_site(
    inp: PlanInputs, exprs: dict[str, Any]
) -> tuple[xr.DataArray, xr.DataArray]:
    """Accelerators bought and in service per site, accelerator and period.

    Parameters
    ----------
    inp : PlanInputs
        Resolved section.
    exprs : dict
        Expressions of the solved model (:func:`gigaplan.plan.build.build_model`).

    Returns
    -------
    bought, in_service : xarray.DataArray
        Over (``site``, ``accelerator``, ``period``, ``scenario``). [accelerators]

    Notes
    -----
    The continuous model has purchases per accelerator and MW arriving per
    site and life class (:func:`gigaplan.plan.build._chips_by_mw`). Each
    accelerator's purchases are split over sites in proportion to the MW its
    life class brings to each site in the quarter they arrive; that split
    meets every site's MW and every accelerator's total exactly, and any other
    split that does is equally optimal. First-stage purchases are split by
    the first-stage MW alone, so the split is the same in every scenario.
    """
    if "units" in exprs:  # integer lots: purchases per site in the model
        bought = exprs["buy"].solution.fillna(0.0) * UNITS
        return bought, exprs["units"].solution.fillna(0.0) * UNITS
    acc = inp.acc
    member = exprs["life_class"].astype(float)

    def split(buy: Any, arrive: Any) -> xr.DataArray:
        mw = arrive.solution.fillna(0.0)
        total = mw.sum("site")
        share = (mw / total.where(total > 0)).fillna(0.0)
        share_acc = (share * member).sum("life_class")
        back = xr.concat(
            [
                share_acc.sel(accelerator=a).shift(period=-int(lead), fill_value=0.0)
                for a, lead in zip(
                    acc.accelerator.values, acc.lead_q.values, strict=True
                )
            ],
            dim="accelerator",
        )
        return buy.solution.fillna(0.0) * back

    bought = split(exprs["buy_later"], exprs["arrive_mw"])
    if "buy_first" in exprs:
        bought = bought + split(exprs["buy_first"], exprs["arrive_first_mw"])
    bought = bought.transpose("site", "accelerator", "period", "scenario")
    bought = bought.clip(min=0.0) * UNITS  # crossover leaves ~1e-10 below zero
    total = bought.cumsum("period")
    in_service = xr.concat(
        [
            total.sel(accelerator=a).shift(period=int(lead), fill_value=0.0)
            - total.sel(accelerator=a).shift(period=int(lead + life), fill_value=0.0)
            for a, lead, life in zip(
                acc.accelerator.values,
                acc.lead_q.values,
                acc.life_q.values,
                strict=True,
            )
        ],
        dim="accelerator",
    ).transpose(*bought.dims)
    return bought, in_service


def bottlenecks(model: Any) -> pd.DataFrame:
    """Shadow price of each limit per period, expected over scenarios.

    The objective is probability-weighted and discounted, so a dual summed
    over scenarios is the expected present value (dollars of the plan's
    dollar year) of one more unit of the limit in that period.

    Parameters
    ----------
    model : linopy.Model
        The solved model.

    Returns
    -------
    pandas.DataFrame
        ``limit``, ``period``, ``shadow_price`` and its ``unit`` (USD per unit
        of the limit), one row per limit and period.
    """
    rows = []
    for name, (per, unit, sign) in _LIMITS.items():
        if name not in model.constraints:
            continue
        dual = sign * model.constraints[name].dual.fillna(0.0) * USD * per
        if "scenario" in dual.dims:
            dual = dual.sum("scenario")
        if dual.ndim == 0:
            dual = dual.expand_dims(period=["all"])
        frame = dual.to_dataframe("shadow_price").reset_index()
        others = [c for c in frame.columns if c not in ("period", "shadow_price")]
        frame["item"] = (
            frame[others].astype(str).agg("/".join, axis=1) if others else ""
        )
        frame["limit"] = name
        frame["unit"] = unit
        if "period" not in frame:
            frame["period"] = "all"
        rows.append(frame[["limit", "period", "item", "shadow_price", "unit"]])
    if not rows:
        return pd.DataFrame(columns=["limit", "period", "item", "shadow_price", "unit"])
    out = pd.concat(rows, ignore_index=True)
    out["shadow_price"] = out["shadow_price"].where(
        out["shadow_price"].abs() > 1e-6, 0.0
    )
    out["binding"] = out["shadow_price"] > 0
    return out.rename(columns={"shadow_price": "shadow_price_usd"})


def expected(da: xr.DataArray, ds: xr.Dataset) -> xr.DataArray:
    """Probability-weighted mean over scenarios.

    Parameters
    ----------
    da : xarray.DataArray
        Values, with or without a ``scenario`` dim.
    ds : xarray.Dataset
        The plan, for its ``probability``.

    Returns
    -------
    xarray.DataArray
        ``da`` without ``scenario``, in its own unit.
    """
    return (da * ds.probability).sum("scenario") if "scenario" in da.dims else da


def period_table(ds: xr.Dataset) -> pd.DataFrame:
    """Expected plan by period: GW online, GW/week, capex, opex, unmet demand.

    Parameters
    ----------
    ds : xarray.Dataset
        The plan's results (facility, build, cost and unmet variables).

    Returns
    -------
    by_period : pandas.DataFrame
        One row per period; units in the column names.
    """
    fac = expected(ds.facility_mw, ds)
    built = expected(ds.facility_built_mw.sum("site"), ds)
    table = pd.DataFrame(
        {
            "period": ds.period.values,
            "it_gw": expected(ds.it_mw, ds).values / 1e3,
            "facility_gw": fac.values / 1e3,
            "facility_new_gw": (fac - ds.facility_existing_mw.sum()).values / 1e3
            if "facility_existing_mw" in ds
            else fac.values / 1e3,
            "facility_started_gw_per_week": built.values / 1e3 / WEEKS_PER_QUARTER,
            "capex_usd": expected(ds.capex_usd, ds).values,
            "opex_usd": expected(ds.opex_usd, ds).values,
            "lease_usd": expected(ds.lease_usd, ds).values,
            "co2_t": expected(ds.co2_t, ds).values,
            "inference_unmet_fraction": _fraction(
                expected(ds.inference_unmet_tokens, ds),
                expected(ds.inference_demand_tokens, ds),
            ),
            "training_unmet_fraction": _fraction(
                expected(ds.training_unmet_flop, ds),
                expected(ds.training_demand_flop, ds),
            ),
        }
    )
    online = np.diff(table["facility_gw"].to_numpy(), prepend=0.0)
    table.insert(3, "gw_online_added_per_week", online / WEEKS_PER_QUARTER)
    return table


def _fraction(num: xr.DataArray, den: xr.DataArray) -> np.ndarray:
    n, d = np.asarray(num.values, float), np.asarray(den.values, float)
    return np.divide(n, d, out=np.zeros_like(n), where=d > 0)


def power_by_option(ds: xr.Dataset) -> pd.DataFrame:
    """Expected power capacity online by period, site and option name. [MW]

    Rows with MW > 0 only; ``option`` is the option's name (grid, campus...).

    Parameters
    ----------
    ds : xarray.Dataset
        The plan's results; ``power_mw`` and ``power_option_name`` are read.

    Returns
    -------
    by_option : pandas.DataFrame
        ``period``, ``site``, ``option``, ``power_mw``. [MW]
    """
    power = expected(ds.power_mw, ds)
    frame = power.to_dataframe("power_mw").reset_index()
    names = ds.power_option_name.to_dataframe("name").reset_index()
    frame = frame.merge(names, on=["site", "option"])
    frame = frame.drop(columns="option").rename(columns={"name": "option"})
    frame = frame[frame["power_mw"] > 1e-6][["period", "site", "option", "power_mw"]]
    return frame.reset_index(drop=True)


def online_by_vendor_site(ds: xr.Dataset) -> pd.DataFrame:
    """Expected IT MW in service by period, vendor and site (rows with MW > 0).

    Parameters
    ----------
    ds : xarray.Dataset
        The plan's results; units in service, W per unit and ``vendor``.

    Returns
    -------
    by_vendor_site : pandas.DataFrame
        ``period``, ``vendor``, ``site``, ``it_online_mw``. [MW]
    """
    mw_per_unit = ds.units_in_service * ds.power_w_per_unit / 1e6
    by_vendor = mw_per_unit.groupby(ds.vendor).sum("accelerator")
    frame = expected(by_vendor, ds).to_dataframe("it_online_mw").reset_index()
    return frame[frame["it_online_mw"] > 1e-6].reset_index(drop=True)


def chip_mix(ds: xr.Dataset) -> pd.DataFrame:
    """Expected accelerators bought over the horizon by type and vendor, with GW.

    Parameters
    ----------
    ds : xarray.Dataset
        The plan's results; units bought and in service are read.

    Returns
    -------
    mix : pandas.DataFrame
        One row per accelerator: units bought, peak in service and their IT
        power (units in the column names).
    """
    bought = expected(ds.units_bought.sum(["site", "period"]), ds)
    peak = expected(ds.units_in_service.sum("site"), ds).max("period")
    return pd.DataFrame(
        {
            "accelerator": ds.accelerator.values,
            "vendor": ds.vendor.values,
            "units_bought": bought.values,
            "peak_units_in_service": peak.values,
        }
    )


def yearly_costs(ds: xr.Dataset) -> pd.DataFrame:
    """Expected capex and opex by calendar year (undiscounted). [USD]

    Parameters
    ----------
    ds : xarray.Dataset
        The plan's results; ``capex_usd`` and ``opex_usd`` by period.

    Returns
    -------
    by_year : pandas.DataFrame
        ``year``, ``capex_usd``, ``opex_usd``, one row per calendar year. [USD]
    """
    years = [int(p[:4]) for p in ds.period.values]
    frame = pd.DataFrame(
        {
            "year": years,
            "capex_usd": expected(ds.capex_usd, ds).values,
            "opex_usd": expected(ds.opex_usd, ds).values,
            "lease_usd": expected(ds.lease_usd, ds).values,
        }
    )
    return frame.groupby("year", as_index=False).sum()
