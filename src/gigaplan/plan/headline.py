"""The plan's headline answer: how fast it builds, per scenario, and what caps it.

Three pieces, each a small pure function:

- :func:`input_ceilings`: the build rates and totals the inputs allow before
  any solve (vendor supply at the plan's power per chip, site totals, firm
  power, build rate, budgets), so a reader sees which number set the answer;
- :func:`scenario_headline`: per demand scenario (and the probability-weighted
  plan, labelled ``expected``), the peak GW/week brought online and started,
  the first quarter at the target rate and the ceilings the solution hits;
- :func:`objective_parts`: the objective split into present values of capex,
  opex and the value of unmet inference and training demand.

"Online" is facility capacity (MW of finished data-centre shells, at the
site's PUE) entering service; "started" is facility construction begun, which
is what ``build_rate_mw_per_week`` limits. Both are per week, over a quarter
of 365.25 / 7 / 4 = 13.04 weeks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from gigaplan.periods import quarterly_discount
from gigaplan.plan.inputs import WEEKS_PER_QUARTER, PlanInputs

#: Relative slack under which a limit counts as hit by the solution.
TIGHT = 1e-4
EXPECTED = "expected"


def _cheapest_usd_per_facility_mw(inp: PlanInputs) -> float:
    """Least capex that brings one facility MW into service, over sites. [$/MW]

    Facility shell + the cheapest firm power option per MW of load + the
    cheapest accelerators that fill that MW (price / IT W / PUE).
    """
    acc, site, pw = inp.acc, inp.site, inp.power
    chip_usd_per_it_mw = float((acc.price_usd / acc.power_w * 1e6).min())
    firm = pw.firm_fraction.where(pw.exists & (pw.firm_fraction > 0))
    power_usd_per_mw = (pw.capex_usd_per_kw * 1e3 / firm).min("option").fillna(0.0)
    per_site = site.capex_usd_per_mw + power_usd_per_mw + chip_usd_per_it_mw / site.pue
    return float(per_site.min())


def input_ceilings(inp: PlanInputs) -> pd.DataFrame:
    """Ceilings on the build that follow from the inputs by arithmetic alone.

    Parameters
    ----------
    inp : PlanInputs
        The resolved plan inputs.

    Returns
    -------
    pandas.DataFrame
        One row per ceiling: ``ceiling``, ``value``, ``unit`` (``GW/week`` for
        rates, ``GW`` for totals) and ``basis`` (the arithmetic, in words).

    Notes
    -----
    - *vendor supply*: the most accelerators all vendors can ship in one
      quarter, times each one's all-in IT W and the largest site PUE, over the
      quarter's 13.04 weeks: the facility GW/week that deliveries can fill.
    - *build rate*: ``build_rate_mw_per_week`` / 1000 (construction started).
    - *sites*: the sum of ``max_mw``; *firm power*: per site the smaller of
      ``max_mw`` and the firm MW of all its power options, summed.
    - *budget*: a budget over the cheapest capex per facility MW
      (:func:`_cheapest_usd_per_facility_mw`).
    """
    sec, acc, site, pw = inp.section, inp.acc, inp.site, inp.power
    n_t = inp.demand.sizes["period"]
    rows: list[tuple[str, float, str, str]] = []
    supply = acc.supply.where(np.isfinite(acc.supply))
    if bool(supply.notnull().all()):
        period = xr.DataArray(np.arange(n_t), dims="period")
        ships = period >= acc.launch_q
        gw = (supply * acc.power_w * ships).sum("accelerator") * float(site.pue.max())
        rows.append(
            (
                "vendor supply",
                float(gw.max()) / 1e9 / WEEKS_PER_QUARTER,
                "GW/week",
                "all supply_per_quarter at once x power_w x largest PUE / 13.04 weeks",
            )
        )
    capped = np.isfinite(acc.max_units)
    if bool(capped.all()):
        gw = float((acc.max_units * acc.power_w).sum()) * float(site.pue.max())
        rows.append(
            (
                "deal totals",
                gw / 1e9,
                "GW",
                "sum of max_units_total x power_w x largest PUE",
            )
        )
    if sec.build_rate_mw_per_week is not None:
        rows.append(
            (
                "build rate",
                sec.build_rate_mw_per_week / 1e3,
                "GW/week",
                "build_rate_mw_per_week (facility construction started)",
            )
        )
    rows.append(("sites", float(site.max_mw.sum()) / 1e3, "GW", "sum of sites max_mw"))
    firm_mw = (pw.max_mw * pw.firm_fraction).where(pw.exists, 0.0).sum("option")
    rows.append(
        (
            "firm power",
            float(np.minimum(firm_mw, site.max_mw).sum()) / 1e3,
            "GW",
            "per site min(max_mw, firm MW of its power options), summed",
        )
    )
    usd_per_mw = _cheapest_usd_per_facility_mw(inp)
    if sec.capex_budget_usd_per_quarter is not None:
        rows.append(
            (
                "budget per quarter",
                sec.capex_budget_usd_per_quarter / usd_per_mw / 1e3 / WEEKS_PER_QUARTER,
                "GW/week",
                f"capex_budget_usd_per_quarter / ${usd_per_mw / 1e6:,.1f}M per "
                "facility MW (cheapest chips, shell and power) / 13.04 weeks",
            )
        )
    if sec.capex_budget_usd_total is not None:
        rows.append(
            (
                "budget total",
                sec.capex_budget_usd_total / usd_per_mw / 1e3,
                "GW",
                f"capex_budget_usd_total / ${usd_per_mw / 1e6:,.1f}M per facility MW",
            )
        )
    return pd.DataFrame(rows, columns=["ceiling", "value", "unit", "basis"])


def _hits(ds: xr.Dataset, inp: PlanInputs, scenario: str) -> list[str]:
    """The limits the solution of one scenario reaches in some quarter."""
    sec, acc, site = inp.section, inp.acc, inp.site
    one = ds.sel(scenario=scenario)
    hits: list[str] = []
    bought = one.units_bought.sum("site")
    finite = np.isfinite(acc.supply) & (acc.supply > 0)
    full = (bought >= acc.supply * (1 - TIGHT)) & finite
    names = [
        str(a) for a in acc.accelerator.values if bool(full.sel(accelerator=a).any())
    ]
    if names:
        hits.append(f"vendor supply ({', '.join(names)})")
    deal = np.isfinite(acc.max_units) & (
        bought.sum("period") >= acc.max_units * (1 - TIGHT)
    )
    names = [str(a) for a in acc.accelerator.values if bool(deal.sel(accelerator=a))]
    if names:
        hits.append(f"deal total ({', '.join(names)})")
    if sec.build_rate_mw_per_week is not None:
        cap = sec.build_rate_mw_per_week * WEEKS_PER_QUARTER
        if bool((one.facility_built_mw.sum("site") >= cap * (1 - TIGHT)).any()):
            hits.append("build rate")
    at_max = (one.facility_mw_by_site >= site.max_mw * (1 - TIGHT)).any("period")
    names = [str(s) for s in site.site.values if bool(at_max.sel(site=s))]
    if names:
        hits.append(f"site max_mw ({', '.join(names)})")
    if sec.capex_budget_usd_per_quarter is not None and bool(
        (one.capex_usd >= sec.capex_budget_usd_per_quarter * (1 - TIGHT)).any()
    ):
        hits.append("budget per quarter")
    if sec.capex_budget_usd_total is not None and float(one.capex_usd.sum()) >= (
        sec.capex_budget_usd_total * (1 - TIGHT)
    ):
        hits.append("budget total")
    return hits


def _rates(facility_mw: xr.DataArray, started_mw: xr.DataArray) -> dict[str, object]:
    online = np.diff(facility_mw.values, prepend=0.0) / 1e3 / WEEKS_PER_QUARTER
    started = started_mw.values / 1e3 / WEEKS_PER_QUARTER
    periods = [str(p) for p in facility_mw.period.values]
    return {
        "peak_online_gw_per_week": float(online.max()),
        "peak_online_period": periods[int(online.argmax())],
        "peak_started_gw_per_week": float(started.max()),
        "facility_gw_end": float(facility_mw.values[-1]) / 1e3,
        "_online": online,
        "_periods": periods,
    }


def scenario_headline(
    ds: xr.Dataset, inp: PlanInputs, target_gw_per_week: float | None
) -> pd.DataFrame:
    """Per scenario: how fast the plan builds, when it reaches the target, what caps it.

    Parameters
    ----------
    ds : xarray.Dataset
        The solved plan (:class:`gigaplan.plan.results.Plan`).
    inp : PlanInputs
        The resolved section the plan was solved for.
    target_gw_per_week : float or None
        The rate asked about (facility GW/week online); None reports no date.

    Returns
    -------
    pandas.DataFrame
        One row per scenario, then ``expected`` (the probability-weighted
        plan: an average of plans, not a plan that any one scenario builds).
        Columns: ``scenario``, ``probability``, ``peak_online_gw_per_week``,
        ``peak_online_period``, ``peak_started_gw_per_week``,
        ``first_period_at_target``, ``facility_gw_end``, the shares of
        inference and training demand left unmet over the horizon, and
        ``limits_hit``.
    """
    rows = []
    for name in ds.scenario.values:
        one = ds.sel(scenario=name)
        rate = _rates(one.facility_mw, one.facility_built_mw.sum("site"))
        rate.update(
            scenario=str(name),
            probability=float(one.probability),
            limits_hit=", ".join(_hits(ds, inp, str(name))) or "none",
            inference_unmet_fraction=_share(
                one.inference_unmet_tokens, one.inference_demand_tokens
            ),
            training_unmet_fraction=_share(
                one.training_unmet_flop, one.training_demand_flop
            ),
        )
        rows.append(rate)
    prob = ds.probability
    rate = _rates(
        (ds.facility_mw * prob).sum("scenario"),
        (ds.facility_built_mw.sum("site") * prob).sum("scenario"),
    )
    rate.update(
        scenario=EXPECTED,
        probability=1.0,
        limits_hit="",
        inference_unmet_fraction=_share(
            (ds.inference_unmet_tokens * prob).sum("scenario"),
            (ds.inference_demand_tokens * prob).sum("scenario"),
        ),
        training_unmet_fraction=_share(
            (ds.training_unmet_flop * prob).sum("scenario"),
            (ds.training_demand_flop * prob).sum("scenario"),
        ),
    )
    rows.append(rate)
    for row in rows:
        online = np.asarray(row.pop("_online"), dtype=float)
        periods = [str(p) for p in row.pop("_periods")]  # type: ignore[attr-defined]
        reached = [
            p
            for p, r in zip(periods, online, strict=True)
            if target_gw_per_week is not None and r >= target_gw_per_week * (1 - 1e-6)
        ]
        row["first_period_at_target"] = reached[0] if reached else None
    cols = [
        "scenario",
        "probability",
        "peak_online_gw_per_week",
        "peak_online_period",
        "peak_started_gw_per_week",
        "first_period_at_target",
        "facility_gw_end",
        "inference_unmet_fraction",
        "training_unmet_fraction",
        "limits_hit",
    ]
    return pd.DataFrame(rows)[cols]


def _share(unmet: xr.DataArray, demand: xr.DataArray) -> float:
    """Unmet over demand across the horizon (0 when there is no demand)."""
    total = float(demand.sum())
    return float(unmet.sum()) / total if total > 0 else 0.0


def objective_parts(ds: xr.Dataset) -> dict[str, float]:
    """Expected present value of each part of the objective. [USD]

    Parameters
    ----------
    ds : xarray.Dataset
        A solved plan's results (:attr:`Plan.ds`).

    Returns
    -------
    dict
        ``pv_capex_usd``, ``pv_opex_usd``, ``pv_lease_usd``,
        ``pv_unmet_inference_usd`` and
        ``pv_unmet_training_usd`` (unmet demand at the plan's penalty prices)
        and ``pv_end_value_usd`` (minus the value left at the horizon's end,
        discounted from one quarter after the last period); for a
        risk-neutral plan they sum to the objective.
    """
    rate = float(ds.attrs["discount_rate"])
    t = np.arange(ds.sizes["period"])
    discount = xr.DataArray(quarterly_discount(rate, t), dims="period")
    prob = ds.probability

    def pv(da: xr.DataArray) -> float:
        return float((da * discount * prob).sum())

    per_token = float(ds.attrs["unmet_inference_usd_per_mtoken"]) / 1e6
    per_flop = float(ds.attrs["unmet_training_usd_per_eflop"]) / 1e18
    gain = ds.training_gain if "training_gain" in ds else 1.0
    return {
        "pv_capex_usd": pv(ds.capex_usd),
        "pv_opex_usd": pv(ds.opex_usd),
        "pv_lease_usd": pv(ds.lease_usd) if "lease_usd" in ds else 0.0,
        "pv_unmet_inference_usd": pv(ds.inference_unmet_tokens) * per_token,
        # per FLOP at the start's algorithms, falling with algorithmic progress
        "pv_unmet_training_usd": pv(ds.training_unmet_flop / gain) * per_flop,
        "pv_end_value_usd": -float((ds.end_value_usd * prob).sum())
        * quarterly_discount(rate, len(t))
        if "end_value_usd" in ds
        else 0.0,
    }
