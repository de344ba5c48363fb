"""What-if search: how much more of each resource reaches a target rate.

The rate of a design is the median over replications of GW energised per week
in the ``window_weeks`` before the target week. Every design is run on the same
replications (common random numbers), so the rate moves only with capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gigaplan.errors import InfeasibleError
from gigaplan.factory.analysis import rate_at_week
from gigaplan.factory.model import Design, run_replications

UNLIMITED = 1.0e6  # a multiplier that makes any resource effectively unlimited


def _reaches(rate: float, target: float) -> bool:
    """True when ``rate`` meets ``target`` up to floating-point summation error."""
    return rate >= target * (1.0 - 1e-9)


@dataclass(frozen=True)
class RateProbe:
    """Evaluates the target rate of a design for given resource multipliers."""

    design: Design
    seed: int
    replications: int
    week: int
    window_weeks: int
    workers: int = 1

    def __call__(self, multipliers: np.ndarray) -> float:
        """Median GW/week over the window before the target week."""
        results = run_replications(
            self.design,
            multipliers,
            replications=self.replications,
            seed=self.seed,
            workers=self.workers,
        )
        rates = rate_at_week(
            results, self.design.horizon_weeks, self.week, self.window_weeks
        )
        return float(np.median(rates))


def check_reachable(probe: RateProbe, target_gw_per_week: float) -> float:
    """Raise when no finite set of resources reaches the target; else the upper rate.

    With every resource unlimited only the project pipeline and the fixed
    delays remain; if that rate is below the target no resource can help.

    Parameters
    ----------
    probe : RateProbe
        Measures the steady rate of a set of multipliers.
    target_gw_per_week : float
        The rate asked for. [GW/week]

    Returns
    -------
    float
        The rate with every resource unlimited. [GW/week]
    """
    upper = probe(np.full(len(probe.design.resources), UNLIMITED))
    if not _reaches(upper, target_gw_per_week):
        raise InfeasibleError(
            f"factory.target_gw_per_week={target_gw_per_week:g}: not reachable by "
            f"week {probe.week} with any amount of resources; with every resource "
            f"unlimited the pipeline and the fixed delays give {upper:.3g} GW/week "
            "(raise projects.arrivals_per_week or count, move target_date later, "
            "or shorten the stage durations)"
        )
    return upper


def smallest_single_increase(
    probe: RateProbe, target_gw_per_week: float, tol: float = 0.02
) -> pd.DataFrame:
    """For each resource alone, the smallest multiplier that reaches the target.

    Bisection on the multiplier in ``[1, max_multiplier]`` with the others as
    given; the rate is non-decreasing in capacity up to sampling noise, which
    common random numbers keep small. ``multiplier_needed`` is NaN when the
    resource alone cannot reach the target within its ``max_multiplier``.

    Parameters
    ----------
    probe, target_gw_per_week
        As for :func:`check_reachable`.
    tol : float
        Bisection stops when the bracket's ratio is within ``1 + tol``.
        [dimensionless]

    Returns
    -------
    pandas.DataFrame
        One row per resource with its ``multiplier_needed``.
    """
    design = probe.design
    base = probe(design.ones())
    rows = []
    for r, res in enumerate(design.resources):
        mult = design.ones()
        if _reaches(base, target_gw_per_week):
            need: float | None = 1.0
        else:
            mult[r] = res.max_multiplier
            if not _reaches(probe(mult), target_gw_per_week):
                need = None
            else:
                lo, hi = 1.0, res.max_multiplier
                while hi / lo > 1.0 + tol:
                    mid = float(np.sqrt(lo * hi))
                    mult[r] = mid
                    if _reaches(probe(mult), target_gw_per_week):
                        hi = mid
                    else:
                        lo = mid
                need = hi
        rows.append(_row(res, need, base))
    return pd.DataFrame(rows)


def _row(res, need: float | None, base_rate: float) -> dict[str, object]:  # type: ignore[no-untyped-def]
    peak = max(v for _, v in res.steps)
    added = None if need is None else (need - 1.0) * peak
    cost = None
    if added is not None and res.unit_cost_usd is not None:
        cost = added * res.unit_cost_usd
    return {
        "resource": res.name,
        "unit": res.unit if res.kind == "supply" else "crews",
        "baseline_rate_gw_per_week": base_rate,
        "multiplier_needed": np.nan if need is None else need,
        "capacity_added_at_peak": np.nan if added is None else added,
        "cost_usd": np.nan if cost is None else cost,
        "reachable_alone": need is not None,
    }


def cheapest_combination(
    probe: RateProbe,
    target_gw_per_week: float,
    step: float = 1.25,
    max_iterations: int = 40,
) -> pd.DataFrame:
    """Greedy: raise the resource with the most GW/week gained per dollar.

    At each step every resource's multiplier is tried times ``step`` (capped
    at its ``max_multiplier``) and the move with the best gain per cost is
    kept, until the target is reached. Cost of a move is the capacity added at
    the resource's peak times ``unit_cost_usd``; resources without a unit cost
    are costed by relative increase (and the table says so).

    Returns
    -------
    DataFrame
        One row per resource: final multiplier, capacity added, cost.

    Parameters
    ----------
    probe, target_gw_per_week
        As for :func:`check_reachable`.
    step : float
        Factor each move applies to one multiplier. [dimensionless]
    max_iterations : int
        Moves tried at most.
    """
    design = probe.design
    mult = design.ones()
    rate = probe(mult)
    priced = all(r.unit_cost_usd is not None for r in design.resources)
    for _ in range(max_iterations):
        if _reaches(rate, target_gw_per_week):
            break
        best: tuple[float, int, float] | None = None
        for r, res in enumerate(design.resources):
            if mult[r] >= res.max_multiplier:
                continue
            trial = mult.copy()
            trial[r] = min(res.max_multiplier, mult[r] * step)
            gain = probe(trial) - rate
            peak = max(v for _, v in res.steps)
            cost = (trial[r] - mult[r]) * (
                peak * res.unit_cost_usd if priced else 1.0  # type: ignore[operator]
            )
            score = gain / cost if cost > 0 else 0.0
            if gain > 0 and (best is None or score > best[0]):
                best = (score, r, trial[r])
        if best is None:
            break
        mult[best[1]] = best[2]
        rate = probe(mult)
    rows = []
    for r, res in enumerate(design.resources):
        row = _row(res, float(mult[r]), rate)
        row["rate_gw_per_week"] = rate
        row["target_reached"] = _reaches(rate, target_gw_per_week)
        row["costed_by"] = "unit_cost_usd" if priced else "relative increase"
        rows.append(row)
    return pd.DataFrame(rows).drop(
        columns=["reachable_alone", "baseline_rate_gw_per_week"]
    )
