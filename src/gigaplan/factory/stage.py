"""Run the factory model from a scenario section and collect its tables."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import numpy as np
import pandas as pd

from gigaplan.catalog.schema import Catalog
from gigaplan.errors import InputError
from gigaplan.factory import analysis
from gigaplan.factory.model import compile_design, run_replications
from gigaplan.factory.plan_check import (
    delivery_summary,
    delivery_table,
    schedule_from_plan,
)
from gigaplan.factory.schema import FactorySection
from gigaplan.factory.whatif import (
    UNLIMITED,
    RateProbe,
    cheapest_combination,
    smallest_single_increase,
)
from gigaplan.results import StageResult

log = logging.getLogger(__name__)


def run_factory(
    section: FactorySection,
    seed: int,
    *,
    replications: int | None = None,
    target_gw_per_week: float | None = None,
    whatif: bool = True,
    plan_by_period: pd.DataFrame | None = None,
    catalog: Catalog | None = None,
) -> StageResult:
    """Simulate the pipeline, attribute bottlenecks, search what-ifs.

    Parameters
    ----------
    section : FactorySection
        The scenario's ``factory:`` section.
    seed : int
        Scenario seed; replication ``r`` draws from ``SeedSequence([seed, r])``.
    replications : int, optional
        Overrides ``section.replications``.
    target_gw_per_week : float, optional
        Overrides ``section.target_gw_per_week``. [GW/week]
    whatif : bool
        Run the what-if search when a target is set.
    plan_by_period : pandas.DataFrame, optional
        The plan's ``by_period`` table; needed with ``projects.from_plan``,
        whose projects are the plan's facility MW started
        (:mod:`gigaplan.factory.plan_check`).
    catalog : Catalog, optional
        Holds the default durations ``{catalog: key}`` refers to; default the
        shipped one.

    Returns
    -------
    StageResult
        Tables ``weekly``, ``stages``, ``utilisation``, ``bottleneck`` (one
        row per period), ``bottleneck_gains`` (GW gained per period when each
        resource is relaxed by ``relax_multiplier``), and with a target
        ``whatif_single`` and ``whatif_combination``.
    """
    reps = replications if replications is not None else section.replications
    if reps < 1:
        raise InputError("replications", reps, "must be >= 1")
    target = (
        target_gw_per_week
        if target_gw_per_week is not None
        else (section.target_gw_per_week)
    )
    if target is not None and target <= 0:
        raise InputError("target_gw_per_week", target, "must be > 0 GW/week")
    schedule = None
    if section.projects.from_plan:
        if plan_by_period is None:
            raise InputError(
                "factory.projects.from_plan",
                True,
                "needs a plan: section in the same scenario (run before factory)",
            )
        schedule = schedule_from_plan(
            plan_by_period, section.start_date, section.projects.size_ref_mw
        )
    design = compile_design(section, schedule, catalog)
    H, P = section.horizon_weeks, section.period_weeks
    ones = design.ones()
    log.info("simulating %d replications of the build pipeline", reps)
    base = run_replications(
        design, ones, replications=reps, seed=seed, workers=section.workers
    )
    weekly = analysis.weekly_band(base, H, section.start_date)
    stages = analysis.stage_stats(base, design, H)
    util = analysis.utilisation(base, design, ones, H, P)
    steady = np.array([analysis.steady_state_rate(r) for r in base])

    n_rel = min(reps, section.analysis_replications)
    base_small = base[:n_rel]
    relaxed = {}
    for r, res in enumerate(design.resources):
        mult = ones.copy()
        mult[r] = section.relax_multiplier
        log.info(
            "bottleneck test %d/%d: %s relaxed x%g (%d replications)",
            r + 1,
            len(design.resources),
            res.name,
            section.relax_multiplier,
            n_rel,
        )
        relaxed[res.name] = run_replications(
            design, mult, replications=n_rel, seed=seed, workers=section.workers
        )
    bottleneck = analysis.bottleneck_by_relaxation(base_small, relaxed, H, P).merge(
        analysis.bottleneck_by_utilisation(util), on="period_start_week"
    )
    bottleneck.insert(
        1,
        "period_start_date",
        [
            section.start_date + dt.timedelta(weeks=int(w))
            for w in bottleneck.iloc[:, 0]
        ],
    )

    week = section.target_week()
    rate_at_target = analysis.rate_at_week(base, H, week, section.target_window_weeks)
    summary: dict[str, Any] = {
        "replications": reps,
        "horizon_weeks": H,
        "gw_energised_p50": float(weekly["gw_cumulative_p50"].iloc[-1]),
        "gw_energised_p10": float(weekly["gw_cumulative_p10"].iloc[-1]),
        "gw_energised_p90": float(weekly["gw_cumulative_p90"].iloc[-1]),
        "steady_state_gw_per_week_p50": float(np.median(steady)),
        "target_week": week,
        "gw_per_week_at_target_p50": float(np.median(rate_at_target)),
        "gw_per_week_at_target_p10": float(np.quantile(rate_at_target, 0.1)),
        "gw_per_week_at_target_p90": float(np.quantile(rate_at_target, 0.9)),
        "bottleneck_at_target": _bottleneck_at(bottleneck, week),
    }
    tables = {
        "weekly": weekly,
        "stages": stages,
        "utilisation": util,
        "bottleneck": bottleneck,
        "bottleneck_gains": analysis.gains_long(bottleneck),
    }
    if plan_by_period is not None and schedule is not None:
        delivery = delivery_table(
            plan_by_period, weekly, bottleneck, section.start_date
        )
        tables["plan_delivery"] = delivery
        summary.update(delivery_summary(delivery))
    if target is not None:
        summary["target_gw_per_week"] = target
        probe = RateProbe(
            design, seed, n_rel, week, section.target_window_weeks, workers=1
        )
        if whatif:
            upper = probe(np.full(len(design.resources), UNLIMITED))
            summary["upper_gw_per_week_unlimited_resources"] = upper
            summary["target_reachable"] = upper >= target * (1 - 1e-9)
            if summary["target_reachable"]:
                tables["whatif_single"] = smallest_single_increase(
                    probe, target, tol=0.05
                )
                tables["whatif_combination"] = cheapest_combination(probe, target)
                summary["whatif_combination_cost_usd"] = float(
                    np.nansum(tables["whatif_combination"]["cost_usd"])
                )
            else:
                # an answer, not an error: the most any resources can give, and
                # what caps it (the project pipeline and the fixed delays)
                summary["target_capped_by"] = (
                    "the project pipeline and fixed stage durations: more "
                    "resources cannot reach the target"
                )
    return StageResult(
        stage="factory", summary=summary, tables=tables, text=_memo(summary)
    )


def _bottleneck_at(bottleneck: pd.DataFrame, week: int) -> str:
    rows = bottleneck[bottleneck["period_start_week"] <= max(week - 1, 0)]
    return str(rows.iloc[-1]["bottleneck_by_relaxation"]) if len(rows) else "none"


def _memo(summary: dict[str, Any]) -> str:
    lines = [
        f"Energised by the horizon: {summary['gw_energised_p50']:.1f} GW "
        f"(10-90%: {summary['gw_energised_p10']:.1f}"
        f"-{summary['gw_energised_p90']:.1f}).",
        f"Steady-state rate {summary['steady_state_gw_per_week_p50']:.3f} GW/week; "
        f"{summary['gw_per_week_at_target_p50']:.3f} GW/week at week "
        f"{summary['target_week']} (binding: {summary['bottleneck_at_target']}).",
    ]
    if "target_gw_per_week" in summary:
        lines.append(f"Target {summary['target_gw_per_week']:g} GW/week.")
    if summary.get("target_reachable") is False:
        # the probe measures the rate at the target week, not a peak: with
        # every resource unlimited the projects finish earlier, so by then the
        # rate can be below the base case's (0.037 vs 0.051 GW/week seen)
        lines.append(
            f"Not reachable by week {summary['target_week']} with any resources: "
            "with every resource unlimited the pipeline gives "
            f"{summary['upper_gw_per_week_unlimited_resources']:.3f} GW/week "
            f"there, capped by {summary['target_capped_by']}."
        )
    if summary.get("plan_delivered") is not None:
        if summary["plan_delivered"]:
            lines.append("The pipeline delivers the plan's GW online every quarter.")
        else:
            lag = summary["plan_worst_lag_weeks"]
            lines.append(
                f"The pipeline cannot deliver the plan: "
                f"{summary['plan_quarters_delivered']} of "
                f"{summary['plan_quarters_checked']} quarters on time; worst "
                f"shortfall {summary['plan_worst_shortfall_gw']:.2f} GW in "
                f"{summary['plan_worst_shortfall_period']}"
                + (
                    "; never catches up within the horizon"
                    if summary["plan_never_caught_up"]
                    else f"; up to {lag:.0f} weeks late"
                )
                + f" (binding: {summary['plan_binding_resource']})."
            )
    return "\n".join(lines)
