"""Run the planner from a scenario's ``plan:`` section and collect its tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gigaplan.errors import InputError
from gigaplan.results import StageResult


def summarise(result: Any) -> StageResult:
    """Summary numbers, tables and memo text of a solved :class:`Plan`."""
    from gigaplan.plan.capacity import capacity_table
    from gigaplan.plan.results import (
        chip_mix,
        online_by_vendor_site,
        period_table,
        yearly_costs,
    )

    ds = result.dataset
    table = period_table(ds)
    mix = chip_mix(ds)
    costs = yearly_costs(ds)
    bottle = result.bottlenecks
    peak_rate = float(table["gw_online_added_per_week"].max())
    reach = table.loc[table["gw_online_added_per_week"] >= 1.0 - 1e-6, "period"]
    binding = (
        bottle[bottle["binding"]]
        .groupby("limit")["shadow_price_usd"]
        .sum()
        .sort_values(ascending=False)
    )
    summary: dict[str, Any] = {
        "objective_usd": result.objective_usd,
        "facility_gw_end": float(table["facility_gw"].iloc[-1]),
        "it_gw_end": float(table["it_gw"].iloc[-1]),
        "peak_gw_online_added_per_week": peak_rate,
        "first_period_1gw_per_week": str(reach.iloc[0]) if len(reach) else None,
        "capex_usd_total": float(costs["capex_usd"].sum()),
        "opex_usd_total": float(costs["opex_usd"].sum()),
        "inference_unmet_fraction": _share(
            ds.inference_unmet_tokens, ds.inference_demand_tokens, ds
        ),
        "training_unmet_fraction": _share(
            ds.training_unmet_flop, ds.training_demand_flop, ds
        ),
        "binding_limits": ", ".join(binding.index) or "none",
        "dollar_year": ds.attrs["dollar_year"],
    }
    summary.update(_objective_parts(result))
    text = (
        f"Facility power reaches {summary['facility_gw_end']:.1f} GW by "
        f"{table['period'].iloc[-1]}; the fastest quarter adds "
        f"{peak_rate:.2f} GW/week "
        + (
            f"(1 GW/week first reached {summary['first_period_1gw_per_week']})"
            if len(reach)
            else "(1 GW/week is never reached)"
        )
        + f". Expected capex ${summary['capex_usd_total'] / 1e9:,.0f} bn, opex "
        f"${summary['opex_usd_total'] / 1e9:,.0f} bn ({summary['dollar_year']} $). "
        f"Binding limits: {summary['binding_limits']}."
    )
    return StageResult(
        stage="plan",
        summary=summary,
        tables={
            "by_period": table,
            "online": online_by_vendor_site(ds),
            "chip_mix": mix,
            "costs_by_year": costs,
            "bottlenecks": bottle,
            "capacity": capacity_table(ds),
        },
        text=text,
    )


def _share(unmet: Any, demand: Any, ds: Any) -> float:
    """Probability-weighted unmet demand over the horizon / demand."""
    from gigaplan.plan.results import expected

    total = float(expected(demand, ds).sum())
    return float(expected(unmet, ds).sum()) / total if total > 0 else 0.0


def run_stage(
    scenario: Any, catalog: Any, upstream: Mapping[str, StageResult] | None = None
) -> StageResult:
    """Run the ``plan:`` section of ``scenario`` and return its tables."""
    from gigaplan.plan import plan

    if scenario.plan is None:
        raise InputError("plan", None, "the scenario has no plan: section")
    return summarise(plan(scenario.plan, catalog))


def _objective_parts(result: Any) -> dict[str, Any]:
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
