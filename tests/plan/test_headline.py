"""The headline answer: ceilings from the inputs, per-scenario rates, the split
objective. Small hand-worked cases (numbers for tests only, not data)."""

from __future__ import annotations

import pytest

from gigaplan.plan import run_plan
from gigaplan.plan.build import resolve
from gigaplan.plan.headline import input_ceilings
from gigaplan.plan.inputs import WEEKS_PER_QUARTER
from gigaplan.plan.schema import PlanSection
from gigaplan.plan.stage import summarise
from tests.plan.conftest import base_section


def _section() -> dict:
    sec = base_section()
    sec["end"] = "2027Q4"
    sec["build_rate_mw_per_week"] = 2.0  # 26 MW per quarter started
    sec["target_gw_per_week"] = 0.001  # 1 MW/week
    sec["capex_budget_usd_per_quarter"] = 2e9
    sec["capex_budget_usd_total"] = 1e10
    sec["accelerators"][0]["supply_per_quarter"] = 4000.0
    sec["accelerators"][1]["supply_per_quarter"] = 6000.0
    sec["sites"][0]["max_mw"] = 60.0
    sec["sites"][0]["power_options"][0]["capex_usd_per_kw"] = 1000.0
    sec["scenarios"] = [
        {"name": "low", "probability": 0.5, "inference_tokens_start": 1e15},
        {"name": "high", "probability": 0.5, "inference_tokens_start": 1e17},
    ]
    return sec


def test_ceilings_are_the_inputs_arithmetic() -> None:
    inp = resolve(PlanSection.model_validate(_section()))
    got = input_ceilings(inp).set_index("ceiling")["value"]
    # (4000 + 6000) chips x 1000 W x PUE 1.25 = 12.5 MW per quarter of
    # 365.25 / 7 / 4 = 13.04 weeks
    weeks = 365.25 / 7 / 4
    assert weeks == WEEKS_PER_QUARTER
    assert got["vendor supply"] == pytest.approx(12.5e-3 / weeks, rel=1e-12)
    assert got["build rate"] == pytest.approx(2e-3, rel=1e-12)
    assert got["sites"] == pytest.approx(0.06, rel=1e-12)
    # firm power: min(site 60 MW, grid 10,000 MW x firm 1) = 60 MW
    assert got["firm power"] == pytest.approx(0.06, rel=1e-12)
    # cheapest facility MW: shell $10M + power $1M + chips (slow: $30,000 /
    # 1000 W = $30M per IT MW, / PUE 1.25 = $24M) = $35M per facility MW
    usd_per_mw = 1e7 + 1e6 + 30e6 / 1.25
    assert got["budget per quarter"] == pytest.approx(
        2e9 / usd_per_mw / 1e3 / weeks, rel=1e-12
    )
    assert got["budget total"] == pytest.approx(1e10 / usd_per_mw / 1e3, rel=1e-12)


def test_headline_per_scenario_and_objective_split() -> None:
    result = run_plan(_section())
    stage = summarise(result)
    head = stage.tables["headline"].set_index("scenario")
    assert list(head.index) == ["low", "high", "expected"]
    # the high scenario wants far more than 2 MW/week: it builds at the build
    # rate or the supply, and names what it hits; low does not need to
    assert head.loc["high", "peak_started_gw_per_week"] == pytest.approx(2e-3, rel=1e-6)
    assert "build rate" in head.loc["high", "limits_hit"]
    assert (
        head.loc["high", "peak_online_gw_per_week"]
        >= head.loc["low", "peak_online_gw_per_week"]
    )
    assert head.loc["high", "first_period_at_target"] is not None
    s = stage.summary
    parts = sum(value for key, value in s.items() if key.startswith("pv_"))
    # risk neutral: the parts are the objective (same LP solution, 1e-9 is
    # floating-point summation over a few hundred terms)
    assert parts == pytest.approx(s["objective_usd"], rel=1e-9)
    assert "never" in stage.text or "reaches" in stage.text
    assert "not cash" in stage.text and "Undiscounted" in stage.text


def test_deal_total_binds_with_a_positive_shadow_price() -> None:
    sec = base_section()
    # demand far above what 100 fast chips serve; the cheaper-per-token fast
    # chip is capped by its deal, the slow one fills the rest
    sec["accelerators"][1]["max_units_total"] = 100.0
    result = run_plan(sec)
    bought = result.dataset.units_bought.sum(["site", "period", "scenario"])
    assert float(bought.sel(accelerator="fast")) == pytest.approx(100.0, rel=1e-6)
    rows = result.bottlenecks[result.bottlenecks["limit"] == "vendor_deal_max"]
    (price,) = rows.loc[rows["item"] == "fast", "shadow_price_usd"]
    # by hand: one more fast chip replaces two slow ones for all four quarters
    # (no discounting, lead times 0): 2 x $30,000 - $50,000 of chips, 1 kW less
    # of facility at PUE 1.25 and $10M/MW, and 1.25 kW x 8,766 h x $50/MWh of
    # energy; per 1000 chips
    by_hand = 1000 * (2 * 30000 - 50000 + 1.25 * 10_000 + 1.25 * 8766 * 0.05)
    assert price == pytest.approx(by_hand, rel=1e-6)
    assert (
        "deal total (fast)"
        in summarise(result).tables["headline"].iloc[0]["limits_hit"]
    )
    with pytest.raises(ValueError, match="below min_units_total"):
        sec["accelerators"][1]["min_units_total"] = 200.0
        PlanSection.model_validate(sec)
