"""The risk stage: take the plan's capacity, draw demand, evaluate, summarise.

Where the capacity comes from (``risk.plan``, or ``--plan`` on the CLI):

- omitted: the ``capacity`` table of the ``plan`` stage run before this one;
- a path ending ``.csv`` or ``.parquet`` (or any existing file): that table;
- anything else: a stored run (id, unique prefix or ``latest``) whose table
  ``plan_capacity`` is read from the run store of the command (``--db``).

The stage reads no file and no store: the pipeline reads the table named by
``risk.plan`` (:mod:`gigaplan.external`) and hands it over in ``upstream``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gigaplan._limits import check_memory
from gigaplan.errors import InputError
from gigaplan.results import RISK_CAPACITY, StageResult, Upstream, table_from
from gigaplan.risk.evaluate import Capacity, Evaluation, Policy, cvar, evaluate
from gigaplan.risk.schema import RiskSection

if TYPE_CHECKING:
    from gigaplan.demand.paths import DemandPaths, ReducedScenarios

log = logging.getLogger(__name__)

#: Percentiles of the per-period tables (the report draws fans from them).
PERCENTILES: tuple[int, ...] = (5, 10, 50, 90, 95)
_NO_PLAN = (
    "no plan to evaluate: add a plan: section to the scenario, or set risk.plan "
    "to a stored run id ('latest') or a CSV/parquet capacity table "
    "(gigaplan risk --plan RUN|FILE)"
)


def _percentile_columns(
    stem: str, values: np.ndarray, workers: int
) -> dict[str, np.ndarray]:
    from gigaplan.risk.evaluate import row_quantiles

    q = row_quantiles(values, [p / 100 for p in PERCENTILES], workers)
    return {f"{stem}_p{p}": q[:, i] for i, p in enumerate(PERCENTILES)}


def _installed(capacity: Capacity, used_of_planned: float) -> dict[str, float]:
    """Use measured against installed accelerator-hours, not the planned busy ones.

    The capacity table's ``accelerator_hours`` are the fleet's hours times the
    planner's utilisation; ``utilisation_mean`` is use of those. Installed
    hours are the table's hours over that utilisation, so use of installed
    hours is ``utilisation_mean x planning_utilisation``.
    """
    planned = capacity.planning_utilisation
    if planned is None:
        return {}
    installed_h = float(capacity.accelerator_hours.sum()) / planned
    used = used_of_planned * planned
    return {
        "planning_utilisation": planned,
        "utilisation_of_installed_hours_mean": used,
        "idle_installed_accelerator_hours_mean": installed_h * (1.0 - used),
    }


def _year_of(period: str) -> int:
    return int(period[:4])


def summarise(
    section: RiskSection,
    capacity: Capacity,
    demand: DemandPaths,
    ev: Evaluation,
    reduced: ReducedScenarios | None = None,
    reduced_ev: Evaluation | None = None,
    workers: int = 2,
) -> StageResult:
    """Percentile tables, NPV distribution, break-even, summary and memo text.

    Parameters
    ----------
    section : RiskSection
        The risk settings (finance, percentiles, tolerance).
    capacity : Capacity
        The plan evaluated.
    demand : DemandPaths
        The sampled demand paths.
    ev : Evaluation
        The plan on ``demand``.
    reduced : ReducedScenarios, optional
        The paths reduced to a few scenarios (``risk.reduction``).
    reduced_ev : Evaluation, optional
        The plan on ``reduced``.
    workers : int
        Threads for the percentiles.

    Returns
    -------
    StageResult
        Summary, tables (``by_period``, ``shortfall``, ``npv_distribution``,
        ``demand``...) and the memo text.
    """
    n = ev.n_paths
    periods = list(ev.periods)
    fin = section.finance
    by_period: dict[str, Any] = {"period": periods}
    for stem, arr in (
        ("inference_unmet_tokens", ev.unmet_inference_tokens),
        ("training_unmet_flop", ev.unmet_training_flop),
        ("utilisation", ev.utilisation),
        ("cash_flow_usd", ev.cash_flow_usd),
    ):
        assert arr is not None
        by_period.update(_percentile_columns(stem, arr, workers))
    by_period["inference_unmet_tokens_mean"] = ev.unmet_inference_tokens_sum / n
    by_period["training_unmet_flop_mean"] = ev.unmet_training_flop_sum / n
    by_period["utilisation_mean"] = ev.utilisation_sum / n
    by_period["cash_flow_usd_mean"] = ev.cash_flow_usd_sum / n
    by_period["revenue_usd_mean"] = ev.revenue_usd_sum / n
    inference_demand = demand.total_inference_tokens()
    demand_table: dict[str, Any] = {"period": periods}
    demand_table.update(
        _percentile_columns("inference_demand_tokens", inference_demand, workers)
    )
    demand_table["inference_capacity_tokens"] = capacity.inference_capacity_tokens
    demand_table.update(
        _percentile_columns("training_demand_flop", demand.training_flop, workers)
    )
    demand_table["training_capacity_flop"] = capacity.training_capacity_flop
    idle_share = 1.0 - ev.utilisation_sum / n
    shortfall = pd.DataFrame(
        {
            "period": periods,
            "p_shortfall_inference": ev.shortfall_inference_count / n,
            "p_shortfall_training": ev.shortfall_training_count / n,
            "research_lost_to_launches_flop_mean": (
                ev.research_lost_to_launches_flop_sum / n
            ),
            "idle_accelerator_hours_mean": idle_share * capacity.accelerator_hours,
            "idle_it_mw_mean": idle_share * capacity.it_mw,
        }
    )
    levels = np.arange(1, 100) / 100
    npv_q = np.quantile(ev.npv_usd, levels)
    npv_table = pd.DataFrame({"quantile": levels, "npv_usd": npv_q})
    be = ev.break_even_index
    years = np.array([_year_of(p) for p in periods])
    labels = np.where(be >= 0, years[np.maximum(be, 0)].astype(str), "never")
    counts = pd.Series(labels).value_counts()
    order = sorted(counts.index, key=lambda s: (s == "never", s))
    never_label = f"not by {periods[-1]}"
    break_even = pd.DataFrame(
        {
            "break_even_year": [never_label if s == "never" else s for s in order],
            "probability": [counts[s] / n for s in order],
        }
    )
    reached = be >= 0
    median_year: int | None = None
    if reached.mean() >= 0.5:
        median_year = int(np.quantile(years[be[reached]], 0.5 / reached.mean()))
    npv_mean = float(ev.npv_usd.mean())
    npv_sd = float(ev.npv_usd.std(ddof=1)) if n > 1 else 0.0
    total_inf = float(inference_demand.sum())
    total_trn = float(demand.training_flop.sum())
    p_short = shortfall["p_shortfall_inference"].to_numpy()
    summary: dict[str, Any] = {
        "paths": n,
        "periods": f"{periods[0]}..{periods[-1]}",
        "policy": section.policy,
        "npv_usd_mean": npv_mean,
        "npv_usd_standard_error": npv_sd / np.sqrt(n),
        "npv_usd_sd": npv_sd,
        "npv_usd_p5": float(np.quantile(ev.npv_usd, 0.05)),
        "npv_usd_p50": float(np.quantile(ev.npv_usd, 0.50)),
        "npv_usd_p95": float(np.quantile(ev.npv_usd, 0.95)),
        "npv_usd_cvar": cvar(ev.npv_usd, section.cvar_level),
        "cvar_level_fraction": section.cvar_level,
        "probability_npv_negative": float(np.mean(ev.npv_usd < 0)),
        "terminal_value_usd": capacity.terminal_value_usd(),
        "inference_unmet_fraction_mean": (
            float(ev.unmet_inference_tokens_sum.sum()) / total_inf if total_inf else 0.0
        ),
        "training_unmet_fraction_mean": (
            float(ev.unmet_training_flop_sum.sum()) / total_trn if total_trn else 0.0
        ),
        "inference_unmet_fraction_cvar": -cvar(
            -ev.unmet_inference_share, section.cvar_level
        ),
        "p_shortfall_inference_max": float(p_short.max()),
        "p_shortfall_inference_max_period": periods[int(p_short.argmax())],
        "p_shortfall_training_max": float(shortfall["p_shortfall_training"].max()),
        "research_lost_to_launches_flop_mean": float(
            ev.research_lost_to_launches_flop_sum.sum() / n
        ),
        "inference_unmet_fraction_p50": float(np.median(ev.unmet_inference_share))
        if ev.unmet_inference_share is not None
        else None,
        "utilisation_mean": float(ev.utilisation_sum.sum() / (n * len(periods))),
        "idle_accelerator_hours_mean": float(
            shortfall["idle_accelerator_hours_mean"].sum()
        ),
        **_installed(capacity, ev.utilisation_sum.sum() / (n * len(periods))),
        "break_even_probability": float(reached.mean()),
        "break_even_year_p50": median_year,
        "dollar_year": fin.dollar_year,
    }
    tables = {
        "by_period": pd.DataFrame(by_period),
        "demand": pd.DataFrame(demand_table),
        "shortfall": shortfall,
        "npv_distribution": npv_table,
        "break_even": break_even,
    }
    if reduced is not None and reduced_ev is not None:
        tables["reduced_scenarios"] = _reduced_table(reduced)
        full_inf = inference_demand.mean(axis=1)
        tree_inf = reduced.inference_tokens @ reduced.probability
        summary.update(
            {
                "reduction_scenarios": int(reduced.probability.size),
                "reduction_transport_distance": reduced.transport_distance,
                "reduction_marginal_w1_relative_mean": float(
                    reduced.marginal_distance.mean()
                ),
                "reduction_marginal_w1_relative_max": float(
                    reduced.marginal_distance.max()
                ),
                "reduction_inference_mean_error_relative_max": float(
                    np.max(np.abs(tree_inf / np.where(full_inf > 0, full_inf, 1) - 1))
                ),
                "reduction_npv_usd_expected": float(
                    reduced_ev.npv_usd @ reduced.probability
                ),
            }
        )
    return StageResult(
        stage="risk", summary=summary, tables=tables, text=_memo(summary, periods)
    )


def _reduced_table(reduced: Any) -> pd.DataFrame:
    k = reduced.probability.size
    n_t = len(reduced.periods)
    return pd.DataFrame(
        {
            "period": np.tile(np.array(reduced.periods), k),
            "scenario": np.repeat([f"reduced-{i + 1}" for i in range(k)], n_t),
            "inference_demand_tokens": reduced.inference_tokens.T.ravel(),
            "training_demand_flop": reduced.training_flop.T.ravel(),
            "probability": np.repeat(reduced.probability, n_t),
        }
    )


def _bn(usd: float) -> str:
    """Dollars as signed billions: ``-$30.6 bn``."""
    return f"{'-' if usd < 0 else ''}${abs(usd) / 1e9:,.1f} bn"


def _memo(s: dict[str, Any], periods: list[str]) -> str:
    be = (
        f"median break-even year {s['break_even_year_p50']}"
        if s["break_even_year_p50"] is not None
        else f"most paths do not break even by {periods[-1]}"
    )
    return (
        f"Over {s['paths']:,} demand paths ({s['periods']}, {s['policy']}), "
        f"inference shortfall is most likely in {s['p_shortfall_inference_max_period']}"
        f" (P = {s['p_shortfall_inference_max']:.0%}); on average "
        f"{s['inference_unmet_fraction_mean']:.1%} of inference (pooled over "
        "paths"
        + (
            f"; median path {s['inference_unmet_fraction_p50']:.1%}"
            if s.get("inference_unmet_fraction_p50") is not None
            else ""
        )
        + f") and {s['training_unmet_fraction_mean']:.1%} of training demand go "
        f"unmet, and the fleet is {s['utilisation_mean']:.0%} used of the hours "
        "the plan expected to be busy"
        + (
            f" ({s['utilisation_of_installed_hours_mean']:.0%} of installed "
            f"accelerator-hours; the plan assumed "
            f"{s['planning_utilisation']:.0%})"
            if "planning_utilisation" in s
            else ""
        )
        + ". "
        f"NPV of cash flows to {periods[-1]} "
        + (
            f"plus the value left in what was bought ({_bn(s['terminal_value_usd'])}"
            " at the end, straight-line)"
            if s.get("terminal_value_usd")
            else "(no terminal value)"
        )
        + ": mean "
        f"{_bn(s['npv_usd_mean'])} (standard error "
        f"{s['npv_usd_standard_error'] / 1e9:,.2f} bn), P5 {_bn(s['npv_usd_p5'])}, "
        f"CVaR{s['cvar_level_fraction']:.0%} {_bn(s['npv_usd_cvar'])}, "
        f"P(NPV < 0) = {s['probability_npv_negative']:.0%} ({s['dollar_year']} $). "
        f"Cumulative cash flow turns positive for good in "
        f"{s['break_even_probability']:.0%} of paths; {be}."
    )


#: Float arrays of periods x paths alive at once in a risk run (demand, served,
#: unmet, utilisation, cash flows and their sorted copies for percentiles), an
#: upper bound used to estimate memory before drawing paths.
ARRAYS_PER_PATH = 24


def assess(
    section: RiskSection,
    capacity: Capacity,
    rng: np.random.Generator,
    *,
    n_paths: int | None = None,
    workers: int = 2,
) -> StageResult:
    """Draw demand paths, evaluate the plan on them, summarise.

    Parameters
    ----------
    section : RiskSection
        Demand model, policy, finance and reduction settings.
    capacity : Capacity
        The plan per period; demand paths cover the same periods.
    rng : numpy.random.Generator
        Seeded generator; two independent streams are spawned from it (paths,
        reduction) so that reduction settings do not change the paths.
    n_paths : int, optional
        Override ``section.paths``.
    workers : int
        Threads for the evaluation and percentiles.

    Returns
    -------
    StageResult
        Tables ``by_period`` (percentiles of unmet demand, utilisation, cash
        flow), ``demand``, ``shortfall``, ``npv_distribution``,
        ``break_even`` and, with a reduction, ``reduced_scenarios``.
    """
    from gigaplan.demand.paths import reduce_paths, sample_paths

    n = n_paths or section.paths
    check_memory(
        "--paths" if n_paths else "risk.paths",
        n,
        n * len(capacity.periods) * 8.0 * ARRAYS_PER_PATH,
        f"{len(capacity.periods)} periods x {n:,} paths",
    )
    path_rng, reduce_rng = rng.spawn(2)
    log.info("drawing %s demand paths", f"{n:,}")
    demand = sample_paths(section.demand, capacity.periods, n, path_rng)
    log.info("evaluating the plan on %s paths", f"{n:,}")
    policy = Policy(section.policy, section.inference_share or 1.0)
    ev = evaluate(
        capacity,
        demand,
        section.finance,
        policy,
        shortfall_tolerance=section.shortfall_tolerance,
        workers=workers,
    )
    reduced = reduced_ev = None
    if section.reduction is not None:
        red = section.reduction
        subset = demand
        if n > red.paths:
            subset = type(demand)(
                demand.periods,
                demand.inference_tokens[:, : red.paths],
                demand.training_flop[:, : red.paths],
                None
                if demand.launch_fraction is None
                else demand.launch_fraction[:, : red.paths],
                demand.launch_multiplier,
            )
        log.info("reducing the paths to %d scenarios", red.scenarios)
        reduced = reduce_paths(subset, red.scenarios, reduce_rng, red.iterations)
        reduced_ev = evaluate(
            capacity, reduced.as_paths(), section.finance, policy, workers=1
        )
    log.info("summarising %s paths (percentiles, NPV, break-even)", f"{n:,}")
    return summarise(section, capacity, demand, ev, reduced, reduced_ev, workers)


def capacity_for(section: RiskSection, upstream: Upstream) -> Capacity:
    """The plan a risk run evaluates, from what the pipeline gave the stage.

    Parameters
    ----------
    section : RiskSection
        Names the plan (``risk.plan``), if any.
    upstream : mapping of str to StageResult, optional
        The capacity table read at the edge, or the ``plan`` stage's result.

    Returns
    -------
    Capacity
        The plan's capacity per period.
    """
    if section.plan is not None:
        frame = table_from(upstream, RISK_CAPACITY)
        if frame is None:
            raise InputError(
                "risk.plan",
                section.plan,
                "was not read: run the scenario through gigaplan.pipeline."
                "run_pipeline (or the CLI), which reads the plan it names",
            )
        return Capacity.from_table(frame, f"risk.plan {section.plan}")
    return upstream_capacity(upstream)


def upstream_capacity(upstream: Upstream) -> Capacity:
    """The capacity table of the ``plan`` stage run before risk.

    Parameters
    ----------
    upstream : mapping of str to StageResult, optional
        Holds the ``plan`` stage's result.

    Returns
    -------
    Capacity
        Its ``capacity`` table, checked.
    """
    plan = (upstream or {}).get("plan")
    if plan is None or "capacity" not in plan.tables:
        raise InputError("risk.plan", None, _NO_PLAN)
    return Capacity.from_table(plan.tables["capacity"], "plan.capacity")
