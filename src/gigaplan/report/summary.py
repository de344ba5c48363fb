"""The executive summary: the few numbers that answer a run's question, in words.

:func:`executive_summary` reads a run's stage summaries and tables and writes
one sentence per topic (cost, what is built by when, what binds, shortfall,
NPV, CO2, the campus power supply, the build factory), every number in its
declared unit (:mod:`gigaplan.units`). Topics whose stage did not run are
left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from gigaplan.units import format_value

#: Plan limit families in words (a family not listed reads as its name).
LIMIT_WORDS = {
    "site_power": "site power limit",
    "interconnect": "grid interconnect limit",
    "build_rate": "build-rate limit",
    "vendor_supply": "vendor supply limit",
    "vendor_deal": "vendor deal",
    "budget_total": "capex budget",
}

__all__ = ["Finding", "executive_summary"]


@dataclass(frozen=True)
class Finding:
    """One line of the executive summary: a topic and a sentence about it."""

    topic: str
    text: str


def _get(summary: Mapping[str, Mapping[str, Any]], stage: str, key: str) -> Any:
    return summary.get(stage, {}).get(key)


def _year(summary: Mapping[str, Mapping[str, Any]], *stages: str) -> int | None:
    for stage in stages:
        year = _get(summary, stage, "dollar_year")
        if isinstance(year, int | float) and year == year:
            return int(year)
    return None


def _last_period(tables: Mapping[str, pd.DataFrame], key: str) -> str | None:
    frame = tables.get(key)
    if frame is None or "period" not in frame.columns or frame.empty:
        return None
    return str(frame["period"].iloc[-1])


def _plan_findings(
    summary: Mapping[str, Mapping[str, Any]],
    tables: Mapping[str, pd.DataFrame],
    discount_rate: float | None,
) -> list[Finding]:
    plan = summary.get("plan")
    if not plan:
        return []
    year = _year(summary, "plan")
    end = _last_period(tables, "plan_by_period") or "the end of the plan"
    out = []
    capex = plan.get("capex_usd_undiscounted")
    opex = plan.get("opex_usd_undiscounted")
    cost = plan.get("expected_cost_usd", plan.get("objective_usd"))
    if capex is not None and opex is not None:
        rate = (
            " at a discount rate of "
            f"{format_value('discount_rate_fraction', discount_rate)}"
            if discount_rate is not None
            else ""
        )
        out.append(
            Finding(
                "Cost",
                f"Undiscounted spend to {end}: "
                f"{format_value('capex_usd', capex)} capex and "
                f"{format_value('opex_usd', opex)} opex ({year} $, expected over "
                f"the demand scenarios). The planner's objective, a present value"
                f"{rate}, is {format_value('cost_usd', cost, dollar_year=year)}; "
                "it adds the value put on demand left unmet to the costs, so it "
                "is not a budget.",
            )
        )
    fac, it = plan.get("facility_gw_end"), plan.get("it_gw_end")
    peak = plan.get("peak_gw_online_per_week_fastest_scenario")
    first = plan.get("first_period_at_target")
    if fac is not None:
        reach = (
            f"the target rate is first reached in {first}"
            if first
            else "no scenario reaches the target rate"
        )
        out.append(
            Finding(
                "Built by when",
                f"Facility power online reaches {format_value('facility_gw', fac)} "
                f"({format_value('it_gw', it)} of IT) by {end} in the expected "
                f"plan; the fastest scenario ({plan.get('fastest_scenario')}) "
                "brings online at most "
                f"{format_value('peak_online_gw_per_week', peak)} and {reach}.",
            )
        )
    binds = _binding(tables.get("plan_bottlenecks"), year)
    if binds:
        out.append(Finding("What binds", "Dearest binding limits: " + binds + "."))
    inf, trn = plan.get("inference_unmet_fraction"), plan.get("training_unmet_fraction")
    if inf is not None and trn is not None:
        out.append(
            Finding(
                "Unmet demand",
                f"The plan leaves {format_value('x_fraction', inf)} of inference "
                f"and {format_value('x_fraction', trn)} of training demand unmet "
                "(expected over the demand scenarios, whole horizon).",
            )
        )
    frame = tables.get("plan_by_period")
    if frame is not None and "co2_t" in frame.columns:
        out.append(
            Finding(
                "CO2",
                f"The plan's power emits {format_value('co2_t', frame['co2_t'].sum())}"
                f" to {end} (expected).",
            )
        )
    return out


def _binding(frame: pd.DataFrame | None, year: int | None) -> str:
    """The dearest binding item of each limit family, each in its own unit."""
    if frame is None or not {"limit", "shadow_price_usd", "unit"} <= set(frame.columns):
        return ""
    rows = frame[frame["shadow_price_usd"] > 0]
    parts = []
    for limit, group in rows.groupby("limit", sort=False):
        top = group.loc[group["shadow_price_usd"].idxmax()]
        value = format_value(f"shadow_price_{top['unit']}", top["shadow_price_usd"])
        where = ", ".join(
            str(top[c]) for c in ("item", "period") if c in top.index and top[c]
        )
        words = LIMIT_WORDS.get(str(limit), str(limit).replace("_", " "))
        parts.append((top["shadow_price_usd"], f"{words} up to {value} ({where})"))
    parts.sort(key=lambda p: -p[0])
    text = "; ".join(p[1] for p in parts)
    return f"{text} (present value, {year} $)" if text and year else text


def _risk_findings(summary: Mapping[str, Mapping[str, Any]]) -> list[Finding]:
    risk = summary.get("risk")
    if not risk:
        return []
    year = _year(summary, "risk", "plan")
    out = []
    p_inf = risk.get("p_shortfall_inference_max")
    if p_inf is not None:
        when = risk.get("p_shortfall_inference_max_period")
        p_trn = format_value("probability", risk.get("p_shortfall_training_max"))
        unmet = format_value("x_fraction", risk.get("inference_unmet_fraction_mean"))
        out.append(
            Finding(
                "P(shortfall)",
                f"Inference shortfall is most likely in {when} "
                f"(P = {format_value('probability', p_inf)}); training "
                f"P = {p_trn} at its worst; on average {unmet} of inference "
                "demand goes unmet.",
            )
        )
    lo, mid, hi = (risk.get(f"npv_usd_p{q}") for q in (5, 50, 95))
    if lo is not None and hi is not None:
        paths = risk.get("paths")
        out.append(
            Finding(
                "NPV range",
                f"NPV from {format_value('npv_usd', lo)} (P5) to "
                f"{format_value('npv_usd', hi)} (P95), median "
                f"{format_value('npv_usd', mid)} ({year} $, over "
                f"{format_value('paths', paths)}); P(NPV < 0) = "
                f"{format_value('probability', risk.get('probability_npv_negative'))}.",
            )
        )
    return out


#: The campus power model's limits in words, by their dual's key.
POWER_LIMIT_WORDS = {
    "co2_cap_usd_per_t": "CO2 cap",
    "co2_intensity_usd_per_t": "CO2 intensity limit",
    "cfe_usd_per_mwh": "clean-energy share",
    "firm_capacity_usd_per_mw_yr": "firm-capacity requirement",
}


def _power_findings(
    summary: Mapping[str, Mapping[str, Any]], tables: Mapping[str, pd.DataFrame]
) -> list[Finding]:
    power = summary.get("power")
    if not power:
        return []
    built = [
        f"{key[len('capacity_') : -len('_mw')]} {format_value(key, value)}"
        for key, value in power.items()
        if key.startswith("capacity_")
        and key.endswith("_mw")
        and isinstance(value, int | float)
        and value > 1e-3
    ]
    hours = power.get("model_hours")
    scaled = (
        f" ({format_value('model_hours', hours)} modelled, scaled to a year)"
        if hours
        else ""
    )
    prices = []
    frame = tables.get("power_duals")
    if frame is not None and {"limit", "value"} <= set(frame.columns):
        for limit, value in zip(frame["limit"], frame["value"], strict=True):
            shown = format_value(str(limit), value)
            if str(limit).startswith("energy_avg"):
                prices.append(f"energy's marginal cost averages {shown}")
            else:
                name = POWER_LIMIT_WORDS.get(str(limit), str(limit))
                prices.append(f"the {name} binds at {shown}")
    binds = f"; {'; '.join(prices)}" if prices else ""
    return [
        Finding(
            "Campus power",
            f"A {format_value('peak_mw', power.get('peak_mw'))} campus is supplied at "
            f"{format_value('x_usd_per_mwh', power.get('delivered_usd_per_mwh'))} "
            f"({format_value('annual_cost_usd', power.get('annual_cost_usd'))} a "
            f"year) from {', '.join(built) or 'nothing'}; it emits "
            f"{format_value('co2_t', power.get('co2_t'))} a year"
            f"{scaled}{binds}.",
        )
    ]


def _factory_findings(summary: Mapping[str, Mapping[str, Any]]) -> list[Finding]:
    fac = summary.get("factory")
    if not fac:
        return []
    target = fac.get("target_gw_per_week")
    rate = fac.get("steady_state_gw_per_week_p50")
    text = (
        f"The build pipeline energises "
        f"{format_value('gw_energised', fac.get('gw_energised_p50'))} (median) in "
        f"{format_value('horizon_weeks', fac.get('horizon_weeks'))}, at a steady "
        f"{format_value('gw_per_week', rate)}"
    )
    if target is not None:
        text += f" against a target of {format_value('gw_per_week', target)}"
    neck = fac.get("bottleneck_at_target")
    if neck:
        text += f"; the binding resource is {neck}"
    return [Finding("Build factory", text + ".")]


def executive_summary(
    summary: Mapping[str, Mapping[str, Any]],
    tables: Mapping[str, pd.DataFrame],
    scenario: Mapping[str, Any] | None = None,
) -> list[Finding]:
    """The sentences that open a run's report, in the order people ask.

    Parameters
    ----------
    summary : mapping
        Stage name -> that stage's summary (``RunInfo.summary``).
    tables : mapping of str to DataFrame
        The run's tables, keyed ``<stage>_<name>``.
    scenario : mapping, optional
        The scenario as parsed YAML (for settings such as the discount rate).

    Returns
    -------
    list of Finding
        One per topic the run has numbers for.
    """
    plan_section = (scenario or {}).get("plan")
    rate = plan_section.get("discount_rate") if isinstance(plan_section, dict) else None
    return [
        *_plan_findings(summary, tables, rate if isinstance(rate, float) else None),
        *_risk_findings(summary),
        *_power_findings(summary, tables),
        *_factory_findings(summary),
    ]
