"""The factory fed with the plan's build schedule (hand-worked small cases)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from gigaplan.factory.plan_check import (
    WEEKS_PER_QUARTER,
    delivery_summary,
    delivery_table,
    schedule_from_plan,
)
from gigaplan.factory.stage import run_factory
from tests.factory.conftest import deterministic_section

START = dt.date(2026, 1, 1)


def _by_period(
    started_gw_per_week: list[float], online_gw: list[float]
) -> pd.DataFrame:
    periods = ["2026Q1", "2026Q2", "2026Q3", "2026Q4"][: len(started_gw_per_week)]
    return pd.DataFrame(
        {
            "period": periods,
            "facility_started_gw_per_week": started_gw_per_week,
            "facility_gw": online_gw,
        }
    )


def test_schedule_splits_each_quarters_mw_into_phases() -> None:
    # 0.05 GW/week x 13.04 weeks = 652 MW in 2026Q1 -> 7 phases of 93.2 MW;
    # nothing in Q2; 0.01 GW/week = 130 MW in Q3 -> 2 phases of 65.2 MW
    weeks, sizes = schedule_from_plan(
        _by_period([0.05, 0.0, 0.01], [0, 0, 0]), START, 100
    )
    q1 = 0.05 * WEEKS_PER_QUARTER * 1e3
    q3 = 0.01 * WEEKS_PER_QUARTER * 1e3
    assert len(sizes) == 7 + 2
    assert sizes[:7] == pytest.approx([q1 / 7] * 7, rel=1e-12)
    assert sum(sizes) == pytest.approx(q1 + q3, rel=1e-12)
    # Q3 starts on 2026-07-01, 26 weeks after 2026-01-01; phases evenly spaced
    assert weeks[7] == pytest.approx(181 / 7, rel=1e-12)
    assert weeks[8] - weeks[7] == pytest.approx(WEEKS_PER_QUARTER / 2, rel=1e-12)


def test_delivery_compares_energised_with_online() -> None:
    weekly = pd.DataFrame({"gw_cumulative_p50": [0.1 * w for w in range(60)]})
    bottleneck = pd.DataFrame(
        {"period_start_week": [0, 26], "bottleneck_by_relaxation": ["crews", "lpt"]}
    )
    table = delivery_table(_by_period([0, 0], [1.0, 5.0]), weekly, bottleneck, START)
    # Q1: 91 days -> the last week is 12 -> 1.2 GW energised >= 1.0: delivered
    # Q2: 182 days -> week 25 -> 2.5 GW < 5.0: short 2.5 GW, the median
    # reaches 4.95 GW (99 %) in week 50: 25 weeks late; crews bind before week 26
    q1, q2 = table.to_dict(orient="records")
    assert q1["delivered"] and q1["shortfall_gw"] == 0.0
    assert q2["factory_energised_gw_p50"] == pytest.approx(2.5, rel=1e-12)
    assert not q2["delivered"] and q2["lag_weeks"] == 25
    assert q2["binding_resource"] == "crews"
    s = delivery_summary(table)
    assert s["plan_delivered"] is False and s["plan_worst_shortfall_period"] == "2026Q2"


def test_run_factory_from_plan_reports_delivery() -> None:
    section = deterministic_section(
        projects={
            "from_plan": True,
            "size_ref_mw": 100,
            "size_mw": {"dist": "fixed", "value": 100},
            "arrival_process": "deterministic",
        },
        start_date="2026-01-01",
        horizon_weeks=104,
    )
    plan = _by_period([0.02, 0.02], [0.0, 0.26])
    result = run_factory(section, 1, whatif=False, plan_by_period=plan)
    delivery = result.tables["plan_delivery"]
    assert list(delivery["period"]) == ["2026Q1", "2026Q2"]
    assert "plan_delivered" in result.summary
    assert not math.isnan(delivery["factory_energised_gw_p50"].iloc[-1])
