"""A solved plan as a stage result: headline, summary, tables and memo."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from gigaplan.results import StageResult

if TYPE_CHECKING:
    from gigaplan.plan.results import Plan


def _usd(value: float) -> str:
    """Money for a sentence: $1.23T, $456B, $7.8M."""
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if abs(value) >= scale:
            return f"${value / scale:,.3g}{suffix}"
    return f"${value:,.0f}"


def headline_text(
    headline: pd.DataFrame,
    ceilings: pd.DataFrame,
    target: float | None,
    dollar_year: int,
) -> str:
    """The answer in words: per scenario how fast, by when, and what caps it.

    Parameters
    ----------
    headline : pandas.DataFrame
        One row per scenario and one ``expected`` row
        (:func:`gigaplan.plan.headline.scenario_headline`).
    ceilings : pandas.DataFrame
        :func:`gigaplan.plan.headline.input_ceilings`.
    target : float or None
        The build rate asked about. [GW/week]
    dollar_year : int
        Year of the plan's dollars.

    Returns
    -------
    text : str
        A question line, one line per scenario and the ceilings.
    """
    lines = []
    if target is not None:
        lines.append(
            f"Question: when is {target:g} GW/week of facility capacity "
            "brought online, and what caps the rate?"
        )
    for row in headline.itertuples(index=False):
        if row.scenario == "expected":
            continue
        when = (
            f"reaches {target:g} GW/week in {row.first_period_at_target}"
            if row.first_period_at_target
            else (f"never reaches {target:g} GW/week" if target is not None else "")
        )
        lines.append(
            f"- {row.scenario} (p={row.probability:.2f}): peak "
            f"{row.peak_online_gw_per_week:.2f} GW/week online in "
            f"{row.peak_online_period} ({row.peak_started_gw_per_week:.2f} GW/week "
            f"started), {row.facility_gw_end:.1f} GW at the end, "
            f"{row.inference_unmet_fraction:.0%} of inference and "
            f"{row.training_unmet_fraction:.0%} of training demand unmet"
            + (f"; {when}" if when else "")
            + f"; limits hit: {row.limits_hit}."
        )
    exp = headline[headline["scenario"] == "expected"].iloc[0]
    lines.append(
        f"The probability-weighted plan (an average of the scenarios' plans, not "
        f"one that is built) peaks at {exp.peak_online_gw_per_week:.2f} GW/week."
    )
    lines.append(
        "Ceilings set by the inputs before any solve: "
        + "; ".join(
            f"{r.ceiling} {r.value:,.3g} {r.unit}" for r in ceilings.itertuples()
        )
        + f". Money in {dollar_year} US$."
    )
    return "\n".join(lines)


def summarise(result: Plan) -> StageResult:
    """Summary numbers, tables and memo text of a solved :class:`Plan`.

    Parameters
    ----------
    result : Plan
        The solved plan.

    Returns
    -------
    StageResult
        Summary numbers, tables by name and the memo.
    """
    from gigaplan.plan.capacity import capacity_table
    from gigaplan.plan.headline import EXPECTED, objective_parts
    from gigaplan.plan.results import (
        chip_mix,
        online_by_vendor_site,
        period_table,
        power_by_option,
        yearly_costs,
    )

    ds = result.dataset
    table = period_table(ds)
    costs = yearly_costs(ds)
    bottle = result.bottlenecks
    head, ceilings = result.headline, result.ceilings
    if head is None:
        raise ValueError("summarise needs a plan with its headline (run_plan)")
    target = ds.attrs.get("target_gw_per_week")
    binding = (
        bottle[bottle["binding"]]
        .groupby("limit")["shadow_price_usd"]
        .sum()
        .sort_values(ascending=False)
    )
    per_scenario = head[head["scenario"] != EXPECTED]
    expected = head[head["scenario"] == EXPECTED].iloc[0]
    fastest = per_scenario.loc[per_scenario["peak_online_gw_per_week"].idxmax()]
    reached = per_scenario["first_period_at_target"].dropna()
    parts = objective_parts(ds)
    summary: dict[str, Any] = {
        "objective_usd": result.objective_usd,
        **parts,
        "facility_gw_end": float(table["facility_gw"].iloc[-1]),
        "it_gw_end": float(table["it_gw"].iloc[-1]),
        "peak_gw_online_per_week_fastest_scenario": float(
            fastest["peak_online_gw_per_week"]
        ),
        "fastest_scenario": str(fastest["scenario"]),
        "peak_gw_online_per_week_expected": float(expected["peak_online_gw_per_week"]),
        "first_period_at_target": min(reached) if len(reached) else None,
        "scenarios_reaching_target": len(reached),
        "capex_usd_undiscounted": float(costs["capex_usd"].sum()),
        "opex_usd_undiscounted": float(costs["opex_usd"].sum()),
        "lease_usd_undiscounted": float(costs["lease_usd"].sum()),
        "inference_unmet_fraction": float(expected["inference_unmet_fraction"]),
        "training_unmet_fraction": float(expected["training_unmet_fraction"]),
        "binding_limits": ", ".join(binding.index) or "none",
        "unmet_inference_usd_per_mtoken": ds.attrs["unmet_inference_usd_per_mtoken"],
        "unmet_training_usd_per_eflop": ds.attrs["unmet_training_usd_per_eflop"],
        "dollar_year": ds.attrs["dollar_year"],
    }
    summary.update(_objective_parts(result))
    rate = ds.attrs["discount_rate"]
    from gigaplan.plan.chips import flagged_text

    chips = result.chips
    warnings = flagged_text(chips) if chips is not None and len(chips) else []
    summary["chip_numbers_flagged"] = len(warnings)
    text = (
        "".join(w + "\n" for w in warnings)
        + headline_text(head, ceilings, target, summary["dollar_year"])
        + f"\nObjective {_usd(result.objective_usd)} (present value at "
        f"{rate:.0%}/yr) = capex {_usd(parts['pv_capex_usd'])} + opex "
        f"{_usd(parts['pv_opex_usd'])} + leases {_usd(parts['pv_lease_usd'])} "
        "+ value of unmet inference "
        f"{_usd(parts['pv_unmet_inference_usd'])} + unmet training "
        f"{_usd(parts['pv_unmet_training_usd'])} - value left at the horizon's "
        f"end {_usd(-parts['pv_end_value_usd'])}; the unmet terms are penalties "
        "at the plan's unmet-demand prices, not cash. Undiscounted expected capex "
        f"{_usd(summary['capex_usd_undiscounted'])}, opex "
        f"{_usd(summary['opex_usd_undiscounted'])}, lease payments "
        f"{_usd(summary['lease_usd_undiscounted'])}. Binding limits (shadow "
        f"price > 0): {summary['binding_limits']}."
    )
    return StageResult(
        stage="plan",
        summary=summary,
        tables={
            "headline": head,
            "ceilings": ceilings,
            "chip_inputs": chips if chips is not None else pd.DataFrame(),
            "by_period": table,
            "online": online_by_vendor_site(ds),
            "power": power_by_option(ds),
            "chip_mix": chip_mix(ds),
            "costs_by_year": costs,
            "bottlenecks": bottle,
            "capacity": capacity_table(ds),
        },
        text=text,
    )


def _objective_parts(result: Plan) -> dict[str, Any]:
    """Expected cost, CVaR (risk-averse runs), the MILP or decomposition gap."""
    attrs, solver = result.dataset.attrs, getattr(result, "solver", {})
    parts: dict[str, Any] = {"expected_cost_usd": attrs.get("expected_cost_usd")}
    if "cvar_cost_usd" in attrs:
        parts["cvar_cost_usd"] = attrs["cvar_cost_usd"]
        parts["risk_weight"] = attrs["risk_weight"]
        parts["cvar_alpha"] = attrs["cvar_alpha"]
    if solver.get("method") == "benders":
        parts["decomposition_gap"] = solver["gap"]
        parts["decomposition_iterations"] = solver["iterations"]
    if solver.get("problem") == "MILP":
        parts["mip_gap"] = solver["mip_gap"]
        parts["shadow_prices"] = "LP with integer purchases fixed"
    return parts
