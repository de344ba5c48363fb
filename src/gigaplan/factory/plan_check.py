"""Feed the plan's build schedule through the factory and say if it is delivered.

With ``factory.projects.from_plan`` the projects entering the pipeline are the
facility MW the (expected) plan starts each quarter, split into phases of
``projects.size_ref_mw`` spread evenly over the quarter. The factory's
energised GW is then compared, quarter by quarter, with the GW the plan has
online: the shortfall, the lag until the pipeline catches up, and the
resource that binds in that period.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from gigaplan.errors import InputError
from gigaplan.units import WEEKS_PER_QUARTER

#: Weeks in a quarter (365.25 / 7 / 4), as the planner counts them.
#: The factory delivers a quarter when its median energised GW is within this
#: share of the plan's online GW.
DELIVERED_SHARE = 0.99


def quarter_start(period: str) -> dt.date:
    """First day of a ``YYYYQn`` quarter.

    Parameters
    ----------
    period : str
        A quarter label, ``YYYYQn``.

    Returns
    -------
    datetime.date
        Its first day.
    """
    year, q = int(period[:4]), int(period[-1])
    return dt.date(year, 3 * (q - 1) + 1, 1)


def _week(date: dt.date, start: dt.date) -> float:
    return (date - start).days / 7.0


def schedule_from_plan(
    by_period: pd.DataFrame, start_date: dt.date, phase_mw: float
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Project arrival weeks and sizes from the plan's facility MW started.

    Parameters
    ----------
    by_period : pandas.DataFrame
        The plan's ``by_period`` table (``period``,
        ``facility_started_gw_per_week``; ``facility_new_gw``, the GW online
        beyond what was energised at the start, is what the factory must
        deliver).
    start_date : datetime.date
        The factory's week 0.
    phase_mw : float
        Size of one project (phase). [MW]

    Returns
    -------
    weeks, sizes : tuple of float
        Arrival week (>= 0) and MW of each project, in arrival order.
    """
    weeks: list[float] = []
    sizes: list[float] = []
    for row in by_period.itertuples(index=False):
        mw = float(row.facility_started_gw_per_week) * WEEKS_PER_QUARTER * 1e3
        if mw <= 1e-6:
            continue
        n = max(1, math.ceil(mw / phase_mw - 1e-9))
        first = _week(quarter_start(str(row.period)), start_date)
        for k in range(n):
            weeks.append(max(0.0, first + WEEKS_PER_QUARTER * k / n))
            sizes.append(mw / n)
    if not weeks:
        raise InputError(
            "factory.projects.from_plan", True, "the plan starts no facility MW"
        )
    return tuple(weeks), tuple(sizes)


def delivery_table(
    by_period: pd.DataFrame,
    weekly: pd.DataFrame,
    bottleneck: pd.DataFrame,
    start_date: dt.date,
) -> pd.DataFrame:
    """Per plan quarter: GW online in the plan and energised by the factory.

    Returns
    -------
    pandas.DataFrame
        ``period``, ``plan_online_gw``, ``factory_energised_gw_p50`` (at the
        quarter's end), ``shortfall_gw``, ``delivered`` (within
        :data:`DELIVERED_SHARE`), ``lag_weeks`` (until the factory's median
        reaches the plan's GW; NaN when not within the horizon) and
        ``binding_resource`` (the factory's bottleneck in that period).
        Quarters past the factory's horizon are left out.

    Parameters
    ----------
    by_period : pandas.DataFrame
        The plan stage's ``by_period`` table.
    weekly : pandas.DataFrame
        As :func:`gigaplan.factory.analysis.weekly_band` returns it.
    bottleneck : pandas.DataFrame
        The factory's bottleneck per period.
    start_date : datetime.date
        Date of the factory's week 0.
    """
    cum = weekly["gw_cumulative_p50"].to_numpy()
    horizon = len(cum)
    rows = []
    for row in by_period.itertuples(index=False):
        end = quarter_start(str(row.period)) + dt.timedelta(days=91)
        week = math.ceil(_week(end, start_date)) - 1
        if week < 0 or week >= horizon:
            continue
        # what the plan brings online beyond the capacity energised at the start
        plan_gw = float(getattr(row, "facility_new_gw", row.facility_gw))
        got = float(cum[week])
        reached = np.flatnonzero(cum >= plan_gw * DELIVERED_SHARE - 1e-9)
        lag = float(max(0, reached[0] - week)) if len(reached) else math.nan
        rows.append(
            {
                "period": str(row.period),
                "plan_online_gw": plan_gw,
                "factory_energised_gw_p50": got,
                "shortfall_gw": max(0.0, plan_gw - got),
                "delivered": got >= plan_gw * DELIVERED_SHARE - 1e-9,
                "lag_weeks": lag,
                "binding_resource": _binding_at(bottleneck, week),
            }
        )
    return pd.DataFrame(rows)


def _binding_at(bottleneck: pd.DataFrame, week: int) -> str:
    rows = bottleneck[bottleneck["period_start_week"] <= week]
    return str(rows.iloc[-1]["bottleneck_by_relaxation"]) if len(rows) else "none"


def delivery_summary(table: pd.DataFrame) -> dict[str, object]:
    """Whether the pipeline delivers the plan, and where it falls furthest short.

    Parameters
    ----------
    table : pandas.DataFrame
        As :func:`delivery_table` returns it.

    Returns
    -------
    dict of str to object
        ``plan_delivered``, quarters delivered and checked, the worst
        shortfall [GW] and its period, the worst lag [weeks] and the binding
        resource in words.
    """
    if table.empty:
        return {"plan_delivered": None}
    worst = table.loc[table["shortfall_gw"].idxmax()]
    lags = table["lag_weeks"]
    return {
        "plan_delivered": bool(table["delivered"].all()),
        "plan_quarters_delivered": int(table["delivered"].sum()),
        "plan_quarters_checked": len(table),
        "plan_worst_shortfall_gw": float(worst["shortfall_gw"]),
        "plan_worst_shortfall_period": str(worst["period"]),
        "plan_worst_lag_weeks": float(lags.max()) if lags.notna().any() else None,
        "plan_never_caught_up": bool(lags.isna().any()),
        "plan_binding_resource": _binding_words(str(worst["binding_resource"])),
    }


def _binding_words(resource: str) -> str:
    """The binding resource, or what binds when no resource does."""
    if resource != "none":
        return resource
    return (
        "stage durations, not resources: the plan's facility lead times are "
        "shorter than the pipeline's stages"
    )
