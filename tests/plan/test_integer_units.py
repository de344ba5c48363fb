"""Integer purchases (racks of ``unit_size``), solved as a MILP.

One quarter, one chip ("slow": $30,000, 1 kW, 1000 tokens/s) sold in racks
of 72. Demand needs 748.8 chips; unserved tokens cost $1000 per million,
far more than a chip, so the plan buys 11 racks = 792 chips. All chips in
service draw power, so cost is 792 x (chip + 1.25 kW of facility + energy).
"""

from __future__ import annotations

from typing import Any

import pytest

from gigaplan.plan import run_plan
from gigaplan.plan.inputs import HOURS_PER_QUARTER, SECONDS_PER_QUARTER
from gigaplan.plan.stage import summarise

# LP/MILP optimum: HiGHS feasibility tolerance 1e-7 on scaled rows; the MILP
# here closes its gap exactly (a handful of integers), so 1e-6 relative.
RTOL = 1e-6
NEED_CHIPS = 748.8


@pytest.fixture
def racks(section: dict[str, Any]) -> dict[str, Any]:
    section["end"] = "2026Q1"
    section["accelerators"] = section["accelerators"][:1]
    section["accelerators"][0]["unit_size"] = 72
    section["integer_units"] = True
    tokens = NEED_CHIPS * 1000.0 * SECONDS_PER_QUARTER
    section["scenarios"][0]["inference_tokens_start"] = tokens
    return section


def _chip_cost(energy_usd_per_mwh: float) -> float:
    mw = 1e-3 * 1.25  # facility MW per chip
    return 30000.0 + mw * 1e7 + mw * HOURS_PER_QUARTER * energy_usd_per_mwh


def test_whole_racks_by_hand(racks: dict[str, Any]) -> None:
    result = run_plan(racks)
    bought = float(result.dataset.units_bought.sum())
    assert bought == pytest.approx(792.0, rel=RTOL)
    assert result.objective_usd == pytest.approx(792 * _chip_cost(50.0), rel=RTOL)
    assert result.solver["problem"] == "MILP"
    assert result.solver["mip_gap"] <= 1e-3
    summary = summarise(result).summary
    assert summary["mip_gap"] == result.solver["mip_gap"]
    assert "fixed" in summary["shadow_prices"]


def test_without_integer_units_rack_size_is_ignored(racks: dict[str, Any]) -> None:
    racks["integer_units"] = False
    result = run_plan(racks)
    assert float(result.dataset.units_bought.sum()) == pytest.approx(
        NEED_CHIPS, rel=RTOL
    )
    assert result.solver["problem"] == "LP"


def test_shadow_prices_from_the_fixed_lp(racks: dict[str, Any]) -> None:
    # Two power options: grid $50/MWh at 0.4 t/MWh and clean $80/MWh at 0.
    # The CO2 cap allows 1000 MWh of grid; the rest of the 792 chips' energy
    # is clean. One more tonne moves 2.5 MWh to grid: $30 x 2.5 = $75/t. The
    # MILP has no duals; the LP with the racks fixed gives this price.
    racks["co2_cap_t_per_quarter"] = 400.0
    racks["sites"][0]["power_options"] = [
        {
            "name": "grid",
            "energy_usd_per_mwh": 50.0,
            "co2_t_per_mwh": 0.4,
            "max_mw": 1e4,
        },
        {"name": "clean", "energy_usd_per_mwh": 80.0, "max_mw": 1e4},
    ]
    result = run_plan(racks)
    co2 = result.bottlenecks[result.bottlenecks.limit == "co2_cap"]
    assert float(co2.shadow_price_usd.iloc[0]) == pytest.approx(75.0, rel=RTOL)
    mwh = 792 * 1.25e-3 * HOURS_PER_QUARTER
    cost = 792 * _chip_cost(0.0) + 1000 * 50.0 + (mwh - 1000) * 80.0
    assert result.objective_usd == pytest.approx(cost, rel=RTOL)
    # the fixed LP reproduces the MILP incumbent's cost (model unit M$)
    assert result.solver["mip_objective"] * 1e6 == pytest.approx(cost, rel=RTOL)
