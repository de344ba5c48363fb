"""Statistics over replications: GW per week bands, steady state, stage
statistics with Little's law, resource utilisation and bottleneck attribution.

Every function takes the list of :class:`~gigaplan.factory.model.RepResult`
one design produced and returns a tidy :class:`pandas.DataFrame` or arrays;
nothing here runs the simulation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from gigaplan.factory.model import Design, RepResult

QUANTILES = (0.1, 0.5, 0.9)


def energised_gw_per_week(
    results: Sequence[RepResult], horizon_weeks: int
) -> np.ndarray:
    """GW energised in each week, shape (replications, weeks). [GW/week]

    Parameters
    ----------
    results : sequence of RepResult
        One per replication.
    horizon_weeks : int
        Weeks simulated.

    Returns
    -------
    ndarray, shape (replication, week)
        GW energised in each week. [GW/week]
    """
    edges = np.arange(horizon_weeks + 1, dtype=float)
    out = np.zeros((len(results), horizon_weeks))
    for r, res in enumerate(results):
        done = ~np.isnan(res.t_done)
        out[r], _ = np.histogram(
            res.t_done[done], bins=edges, weights=res.size_mw[done] / 1000.0
        )
    return out


def weekly_band(
    results: Sequence[RepResult], horizon_weeks: int, start_date: dt.date
) -> pd.DataFrame:
    """Median and 10-90 % band of GW energised per week and cumulative GW.

    Parameters
    ----------
    results, horizon_weeks
        As for :func:`energised_gw_per_week`.
    start_date : datetime.date
        Date of week 0.

    Returns
    -------
    pandas.DataFrame
        One row per week: ``week``, ``date``, ``gw_per_week_p10/p50/p90``
        [GW/week] and ``gw_cumulative_p10/p50/p90`` [GW].
    """
    gw = energised_gw_per_week(results, horizon_weeks)
    cum = np.cumsum(gw, axis=1)
    q = np.quantile(gw, QUANTILES, axis=0)
    qc = np.quantile(cum, QUANTILES, axis=0)
    weeks = np.arange(horizon_weeks)
    return pd.DataFrame(
        {
            "week": weeks,
            "date": [start_date + dt.timedelta(weeks=int(w)) for w in weeks],
            "gw_per_week_p10": q[0],
            "gw_per_week_p50": q[1],
            "gw_per_week_p90": q[2],
            "gw_cumulative_p10": qc[0],
            "gw_cumulative_p50": qc[1],
            "gw_cumulative_p90": qc[2],
        }
    )


def rate_at_week(
    results: Sequence[RepResult], horizon_weeks: int, week: int, window_weeks: int
) -> np.ndarray:
    """Mean GW energised per week over ``[week - window, week)``, per replication.

    Parameters
    ----------
    results, horizon_weeks
        As for :func:`energised_gw_per_week`.
    week : int
        End of the window (excluded).
    window_weeks : int
        Length of the window. [weeks]

    Returns
    -------
    ndarray, shape (replication,)
        Mean rate over the window; 0 for an empty window. [GW/week]
    """
    gw = energised_gw_per_week(results, horizon_weeks)
    lo = max(0, week - window_weeks)
    return gw[:, lo:week].mean(axis=1) if week > lo else np.zeros(len(results))


def steady_state_rate(res: RepResult) -> float:
    """GW per week while the middle half of the energised projects came online.

    Parameters
    ----------
    res : RepResult
        One replication.

    Returns
    -------
    float
        Rate over the middle half of the completions; 0 with fewer than 4,
        infinite when they all finish at once. [GW/week]

    Notes
    -----
    The rate between the 25th and 75th percentile of completion times skips the
    warm-up (an empty pipeline) and the run-out (a finite project list) without
    a tuned warm-up length. [GW/week]
    """
    done = ~np.isnan(res.t_done)
    if done.sum() < 4:
        return 0.0
    order = np.argsort(res.t_done[done])
    t = res.t_done[done][order]
    mw = res.size_mw[done][order]
    lo, hi = int(0.25 * len(t)), int(0.75 * len(t))
    span = t[hi] - t[lo]
    if span <= 0:
        return float("inf")
    return float(mw[lo + 1 : hi + 1].sum() / 1000.0 / span)


def stage_stats(
    results: Sequence[RepResult], design: Design, horizon_weeks: int
) -> pd.DataFrame:
    """Per stage: arrivals, waiting and service time, WIP and Little's law.

    Parameters
    ----------
    results, horizon_weeks
        As for :func:`energised_gw_per_week`.
    design : Design
        The compiled factory.

    Returns
    -------
    pandas.DataFrame
        One row per stage: arrivals, mean wait, service and stage times
        [weeks], WIP and queue [projects], and Little's law's WIP and its
        relative gap.

    Notes
    -----
    ``wip_mean`` is the time-average number of projects in the stage over the
    horizon, integrated from the records. Little's law [1]_ predicts it as
    ``arrival_rate_per_week * time_in_stage_weeks_mean``, where the mean time
    uses only projects that left the stage; the gap is reported so censoring
    at the horizon and warm-up are visible.

    References
    ----------
    .. [1] J. D. C. Little, "A proof for the queuing formula L = lambda W",
       Operations Research 9(3), 383-387, 1961.
    """
    H = float(horizon_weeks)
    rows = []
    for j, st in enumerate(design.stages):
        entered, wait, service, sojourn, wip, wipq = [], [], [], [], [], []
        for res in results:
            arr, start, end = res.t_arrive[:, j], res.t_start[:, j], res.t_end[:, j]
            inn = ~np.isnan(arr)
            entered.append(inn.sum())
            left = ~np.isnan(end)
            wait.append(np.nanmean(start - arr) if (~np.isnan(start)).any() else np.nan)
            service.append(np.nanmean(end - start) if left.any() else np.nan)
            sojourn.append(np.nanmean(end[left] - arr[left]) if left.any() else np.nan)
            wip.append(
                np.sum(np.fmin(np.nan_to_num(end, nan=H), H)[inn] - arr[inn]) / H
            )
            s_cl = np.fmin(np.nan_to_num(start, nan=H), H)
            wipq.append(np.sum(s_cl[inn] - arr[inn]) / H)
        lam = float(np.mean(entered)) / H
        w = float(np.nanmean(sojourn)) if np.isfinite(sojourn).any() else np.nan
        wq = float(np.nanmean(wait)) if np.isfinite(wait).any() else np.nan
        L = float(np.mean(wip))
        rows.append(
            {
                "stage": st.name,
                "projects_entered_mean": float(np.mean(entered)),
                "arrival_rate_per_week": lam,
                "wait_weeks_mean": wq,
                "service_weeks_mean": float(np.nanmean(service))
                if np.isfinite(service).any()
                else np.nan,
                "time_in_stage_weeks_mean": w,
                "wip_mean": L,
                "queue_mean": float(np.mean(wipq)),
                "littles_law_wip": lam * w,
                "littles_law_rel_gap": (L - lam * w) / L if L > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _overlap(a: np.ndarray, b: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.clip(np.minimum(b, hi) - np.maximum(a, lo), 0.0, None)


def utilisation(
    results: Sequence[RepResult],
    design: Design,
    multipliers: np.ndarray,
    horizon_weeks: int,
    period_weeks: int,
) -> pd.DataFrame:
    """Utilisation and queue of every resource in every period, mean over reps.

    Crews: crew-weeks held / crew-weeks available. Supply: units taken / units
    made in the period (above 1 when a stock made earlier is drawn down). Queue:
    time-average number of projects waiting for the resource.

    Parameters
    ----------
    results, design
        As for :func:`stage_stats`.
    multipliers : ndarray
        One capacity factor per resource. [dimensionless]
    horizon_weeks, period_weeks : int
        Weeks simulated; weeks per reporting period.

    Returns
    -------
    pandas.DataFrame
        One row per resource and period: ``capacity_available``,
        ``capacity_used_mean``, ``utilisation`` [dimensionless] and
        ``queue_projects_mean`` [projects].
    """
    H = float(horizon_weeks)
    starts = np.arange(0, horizon_weeks, period_weeks)
    weeks = np.arange(horizon_weeks, dtype=float)
    rows = []
    for r_idx, res_spec in enumerate(design.resources):
        cap_week = res_spec.capacity_at(weeks, multipliers[r_idx])
        uses = [
            (j, k)
            for j, st in enumerate(design.stages)
            for k, need in enumerate(st.needs)
            if need[0] == r_idx
        ]
        for p0_int in starts:
            p0 = float(p0_int)
            p1 = float(min(int(p0_int) + period_weeks, horizon_weeks))
            available = float(cap_week[int(p0) : int(p1)].sum())
            used, queue = [], []
            for res in results:
                u = q = 0.0
                for j, k in uses:
                    amt = res.amounts[:, j, k]
                    got = res.t_got[:, j, k]
                    ask = res.t_got[:, j, k - 1] if k > 0 else res.t_arrive[:, j]
                    asked = ~np.isnan(ask)
                    got_cl = np.nan_to_num(got, nan=H)
                    q += _overlap(ask[asked], got_cl[asked], p0, p1).sum() / (p1 - p0)
                    if res_spec.kind == "crews":
                        end = np.nan_to_num(res.t_end[:, j], nan=H)
                        ok = ~np.isnan(got)
                        u += (amt[ok] * _overlap(got[ok], end[ok], p0, p1)).sum()
                    else:
                        ok = (got >= p0) & (got < p1)
                        u += amt[ok].sum()
                used.append(u)
                queue.append(q)
            rows.append(
                {
                    "resource": res_spec.name,
                    "kind": res_spec.kind,
                    "period_start_week": int(p0),
                    "capacity_available": available,
                    "capacity_used_mean": float(np.mean(used)),
                    "utilisation": float(np.mean(used)) / available
                    if available > 0
                    else np.nan,
                    "queue_projects_mean": float(np.mean(queue)),
                }
            )
    return pd.DataFrame(rows)


def bottleneck_by_utilisation(
    util: pd.DataFrame, min_utilisation: float = 0.9, min_queue: float = 0.5
) -> pd.DataFrame:
    """In each period, the busiest resource with a queue, or ``none``.

    A resource binds in a period when it is used at ``min_utilisation`` or more
    of what it offers and at least ``min_queue`` projects wait for it on
    average; among those, the longest queue wins.

    This flags saturation, not cause: in a serial line fed faster than it can
    build, every resource upstream of the true bottleneck is saturated too and
    may have the longer queue. :func:`bottleneck_by_relaxation` is the causal
    attribution; this column is a cheap cross-check.

    Parameters
    ----------
    util : pandas.DataFrame
        As :func:`utilisation` returns it.
    min_utilisation : float
        Share of capacity used from which a resource can bind. [dimensionless]
    min_queue : float
        Mean projects waiting from which a resource can bind. [projects]

    Returns
    -------
    pandas.DataFrame
        ``period_start_week`` and ``bottleneck_by_utilisation`` (a resource
        name or ``none``).
    """
    rows = []
    for p0, grp in util.groupby("period_start_week", sort=True):
        bind = grp[
            (grp["utilisation"].fillna(0) >= min_utilisation)
            & (grp["queue_projects_mean"] >= min_queue)
        ]
        if bind.empty:
            rows.append({"period_start_week": p0, "bottleneck_by_utilisation": "none"})
        else:
            top = bind.sort_values("queue_projects_mean", ascending=False).iloc[0]
            rows.append(
                {"period_start_week": p0, "bottleneck_by_utilisation": top["resource"]}
            )
    return pd.DataFrame(rows)


def gains_long(bottleneck: pd.DataFrame) -> pd.DataFrame:
    """The ``gain_gw_<resource>`` columns as a tidy (period, resource, gain) table.

    Parameters
    ----------
    bottleneck : pandas.DataFrame
        As :func:`bottleneck_by_relaxation` returns it.

    Returns
    -------
    pandas.DataFrame
        ``period_start_week``, ``resource`` and ``gain_gw_when_relaxed`` [GW].
    """
    cols = [c for c in bottleneck.columns if c.startswith("gain_gw_")]
    long = bottleneck.melt(
        id_vars=["period_start_week"],
        value_vars=cols,
        var_name="resource",
        value_name="gain_gw_when_relaxed",
    )
    long["resource"] = long["resource"].str.removeprefix("gain_gw_")
    return long


def period_gw(
    results: Sequence[RepResult], horizon_weeks: int, period_weeks: int
) -> np.ndarray:
    """GW energised per period, shape (replications, periods).

    Parameters
    ----------
    results, horizon_weeks
        As for :func:`energised_gw_per_week`.
    period_weeks : int
        Weeks per period.

    Returns
    -------
    ndarray, shape (replication, period)
        GW energised in each period. [GW]
    """
    gw = energised_gw_per_week(results, horizon_weeks)
    starts = np.arange(0, horizon_weeks, period_weeks)
    return np.add.reduceat(gw, starts, axis=1)


def bottleneck_by_relaxation(
    base: Sequence[RepResult],
    relaxed: Mapping[str, Sequence[RepResult]],
    horizon_weeks: int,
    period_weeks: int,
    min_gain_gw: float = 1e-6,
) -> pd.DataFrame:
    """GW gained in each period when each resource alone is relaxed.

    ``relaxed[name]`` must use the same replications (common random numbers)
    as ``base``; the gain is the mean paired difference. The bottleneck of a
    period is the resource whose relaxation gains most, or ``none`` when no
    relaxation gains (the pipeline or fixed delays bind).

    Parameters
    ----------
    base : sequence of RepResult
        Replications of the factory as given.
    relaxed : mapping of str to sequence of RepResult
        Per resource, the same replications with that resource relaxed.
    horizon_weeks, period_weeks : int
        Weeks simulated; weeks per period.
    min_gain_gw : float
        Smallest gain that counts. [GW]

    Returns
    -------
    pandas.DataFrame
        One row per period: ``gw_energised_mean`` [GW], ``gain_gw_<resource>``
        per resource [GW] and the bottleneck.
    """
    base_gw = period_gw(base, horizon_weeks, period_weeks)
    starts = np.arange(0, horizon_weeks, period_weeks)
    gains = {
        name: (period_gw(res, horizon_weeks, period_weeks) - base_gw).mean(axis=0)
        for name, res in relaxed.items()
    }
    rows = []
    for p, p0 in enumerate(starts):
        row: dict[str, object] = {
            "period_start_week": int(p0),
            "gw_energised_mean": float(base_gw[:, p].mean()),
        }
        best, best_gain = "none", min_gain_gw
        for name, g in gains.items():
            row[f"gain_gw_{name}"] = float(g[p])
            if g[p] > best_gain:
                best, best_gain = name, float(g[p])
        row["bottleneck_by_relaxation"] = best
        rows.append(row)
    return pd.DataFrame(rows)
