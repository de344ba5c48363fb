from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigaplan.errors import InfeasibleError, InputError
from gigaplan.plan import run_plan
from gigaplan.plan.inputs import HOURS_PER_QUARTER, SECONDS_PER_QUARTER

# LP optimum from HiGHS: primal feasibility tolerance 1e-7 on scaled rows;
# relative 1e-6 is well above that and far below any modelling effect tested.
RTOL = 1e-6


def test_hand_worked_objective(section: dict[str, Any]) -> None:
    # One period, one chip: units = D / (tokens/s * s); facility MW = units *
    # 1 kW * PUE; energy = MW * hours. Cost = chips + facility + energy.
    section["end"] = "2026Q1"
    section["accelerators"] = section["accelerators"][:1]
    result = run_plan(section)
    units = 1e16 / (1000.0 * SECONDS_PER_QUARTER)
    fac_mw = units * 1e-3 * 1.25
    cost = units * 30000 + fac_mw * 1e7 + fac_mw * HOURS_PER_QUARTER * 50.0
    assert result.objective_usd == pytest.approx(cost, rel=RTOL)
    assert float(result.dataset.units_bought.sum()) == pytest.approx(units, rel=RTOL)


def test_cheaper_chip_per_delivered_token_wins(section: dict[str, Any]) -> None:
    # fast: $25k per 1000 tok/s vs slow $30k, same watts -> only fast is bought.
    ds = run_plan(section).dataset
    bought = ds.units_bought.sum(["site", "period", "scenario"])
    assert float(bought.sel(accelerator="slow")) == pytest.approx(0.0, abs=1e-6)
    assert float(bought.sel(accelerator="fast")) > 0


def test_binding_supply_has_positive_price_slack_zero(section: dict[str, Any]) -> None:
    section["accelerators"][1]["supply_per_quarter"] = 1000.0  # far below need
    section["accelerators"][0]["supply_per_quarter"] = 1e9  # never binds
    result = run_plan(section)
    b = result.bottlenecks[result.bottlenecks.limit == "vendor_supply"]
    fast = b[(b["item"] == "fast") & (b["period"] == "2026Q1")]
    slow = b[b["item"] == "slow"]
    assert float(fast.shadow_price_usd.iloc[0]) > 0
    assert np.allclose(slow.shadow_price_usd, 0.0)
    # Hand value: one more fast chip replaces 2 slow chips (same work), saving
    # 2*30000 - 50000 = $10k chips and 1 kW of facility/energy: per 1000 chips
    # 1000 * (10000 + 1.25 kW*(1e7/1000) + 1.25 kW*hours*50/1000) over the
    # first quarter it is bought in (later quarters buy nothing new).
    per_chip = 10000 + 1.25 * 1e4 + 1.25 * HOURS_PER_QUARTER * 0.05 * 4
    assert float(fast.shadow_price_usd.iloc[0]) == pytest.approx(
        1000 * per_chip, rel=1e-3
    )


def test_lead_time_and_launch(section: dict[str, Any]) -> None:
    section["accelerators"][1]["launch"] = "2026Q3"
    section["accelerators"][0]["lead_time_quarters"] = 1
    ds = run_plan(section).dataset
    fast = ds.units_in_service.sel(accelerator="fast").sum(["site", "scenario"])
    assert float(fast.sel(period=["2026Q1", "2026Q2"]).sum()) == 0.0
    slow_b = ds.units_bought.sel(accelerator="slow").sum(["site", "scenario"])
    slow_s = ds.units_in_service.sel(accelerator="slow").sum(["site", "scenario"])
    assert float(slow_s.sel(period="2026Q1")) == 0.0
    assert float(slow_s.sel(period="2026Q2")) == pytest.approx(
        float(slow_b.sel(period="2026Q1")), rel=RTOL
    )


@pytest.mark.parametrize("method", ["extensive", "decomposition"])
def test_non_anticipativity(section: dict[str, Any], method: str) -> None:
    section["solve_method"] = method
    section["scenarios"] = [
        {"name": "lo", "probability": 0.5, "inference_tokens_start": 1e16},
        {
            "name": "hi",
            "probability": 0.5,
            "inference_tokens_start": 1e16,
            "inference_growth_per_year": 8.0,
        },
    ]
    ds = run_plan(section).dataset
    buy = ds.units_bought.sum(["site", "accelerator"])
    first = buy.sel(period=["2026Q1", "2026Q2"])
    assert np.allclose(first.sel(scenario="lo"), first.sel(scenario="hi"))
    later = buy.sel(period=["2026Q3", "2026Q4"])
    assert float(later.sel(scenario="hi").sum()) > float(later.sel(scenario="lo").sum())


def test_tighter_build_rate_leaves_demand_unmet_and_costs_more(
    section: dict[str, Any],
) -> None:
    loose = run_plan(section)
    section["build_rate_mw_per_week"] = 20.0
    tight = run_plan(section)
    assert float(tight.dataset.inference_unmet_tokens.sel(period="2026Q1").sum()) > 0
    assert float(loose.dataset.inference_unmet_tokens.sum()) == pytest.approx(
        0.0, abs=1e3
    )
    assert tight.objective_usd > loose.objective_usd
    br = tight.bottlenecks[tight.bottlenecks.limit == "build_rate"]
    assert float(br.shadow_price_usd.max()) > 0


def test_energy_and_capacity_balances_close(section: dict[str, Any]) -> None:
    ds = run_plan(section).dataset
    energy = ds.energy_mwh.sum("option")
    load = ds.it_mw_by_site * 1.25 * HOURS_PER_QUARTER
    assert np.allclose(energy, load, rtol=RTOL)
    assert bool((ds.facility_mw >= ds.it_mw * 1.25 - 1e-6).all())


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(scale=st.floats(min_value=1.0, max_value=5.0))
def test_cost_never_falls_when_demand_rises(section: dict, scale: float) -> None:
    sec = copy.deepcopy(section)
    base = run_plan(sec).objective_usd
    sec["scenarios"][0]["inference_tokens_start"] *= scale
    assert run_plan(sec).objective_usd >= base * (1 - RTOL)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(price=st.floats(min_value=1e4, max_value=2e5))
def test_adding_an_option_never_raises_cost(section: dict, price: float) -> None:
    sec = copy.deepcopy(section)
    base = run_plan(sec).objective_usd
    sec["accelerators"].append(
        {
            "name": "extra",
            "output_tokens_per_s": 1500.0,
            "training_flop_per_s": 1e15,
            "power_w": 800.0,
            "price_usd": price,
            "lead_time_quarters": 0,
        }
    )
    assert run_plan(sec).objective_usd <= base * (1 + RTOL)


def test_impossible_vendor_deal_is_infeasible(section: dict[str, Any]) -> None:
    section["accelerators"][0]["supply_per_quarter"] = 100.0
    section["accelerators"][0]["min_units_total"] = 1e6
    with pytest.raises(InfeasibleError, match="slow"):
        run_plan(section)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s["scenarios"][0].update(probability=0.7), "probabilit"),
        (lambda s: s.update(start="2026Q7"), "2026Q1"),
        (lambda s: s["accelerators"][1].update(launch="2040Q1"), "horizon"),
        (lambda s: s["accelerators"][1].update(power_w=-1), "power_w"),
    ],
)
def test_bad_input_names_the_field(
    section: dict[str, Any], change: Any, field: str
) -> None:
    bad = copy.deepcopy(section)
    change(bad)
    with pytest.raises(InputError, match=field):
        run_plan(bad)


def test_product_first_rejects_penalties_that_favour_research(
    section: dict[str, Any],
) -> None:
    # slow chip: an hour of product is 1000 tok/s x 3600 s x $1000/Mtoken =
    # $3,600; of research 1e15 FLOP/s x 3600 s x $p/EFLOP. Above $1,000/EFLOP
    # research is worth more, and product would no longer come first.
    section["unmet_training_usd_per_eflop"] = 1000.0
    run_plan(section)  # at the limit: a tie, still allowed
    section["unmet_training_usd_per_eflop"] = 1001.0
    with pytest.raises(InputError, match=r"unmet_training_usd_per_eflop.*<= 1e\+03"):
        run_plan(section)
    section["serve_order"] = "least_cost"
    assert run_plan(section).objective_usd > 0
