"""CVaR risk aversion, on a one-period case solved by hand.

One chip at $30,000 delivers 1000 tokens/s x one quarter; facility and energy
cost nothing, so a served token costs c = 30000 / (1000 s_q). Unserved tokens
cost pi = c / 0.75. Demand is D (lo) or 2D (hi), each with probability 0.5,
and the purchase is made before demand is known.

Buying x tokens of capacity in [D, 2D] changes the objective
(1 - l) E[cost] + l CVaR_0.5[cost] at the rate c - pi (0.5 + 0.5 l) per token:
risk neutral (l = 0) it buys D; with l = 0.8 the rate is -0.15 pi and it buys
2D. CVaR at alpha = 0.5 is the cost of the hi scenario.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gigaplan.plan import run_plan
from gigaplan.plan.inputs import SECONDS_PER_QUARTER
from gigaplan.plan.objective import cvar

# LP optimum, HiGHS feasibility tolerance 1e-7 on scaled rows: 1e-6 relative.
RTOL = 1e-6
D = 1e16
TOKENS_PER_CHIP = 1000.0 * SECONDS_PER_QUARTER
C = 30000.0 / TOKENS_PER_CHIP  # $ per served token
PI = C / 0.75  # $ per unserved token


@pytest.fixture(params=["extensive", "decomposition"])
def hedge(section: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    # Each hand-solved answer holds for the whole LP and for its scenario
    # decomposition (CVaR's eta is then a first-stage column).
    section["solve_method"] = request.param
    section["end"] = "2026Q1"
    section["first_stage_periods"] = 1
    section["accelerators"] = section["accelerators"][:1]
    section["sites"][0]["facility_capex_usd_per_mw"] = 0.0
    section["sites"][0]["power_options"][0]["energy_usd_per_mwh"] = 0.0
    section["unmet_inference_usd_per_mtoken"] = PI * 1e6
    section["scenarios"] = [
        {"name": "lo", "probability": 0.5, "inference_tokens_start": D},
        {"name": "hi", "probability": 0.5, "inference_tokens_start": 2 * D},
    ]
    return section


def _spread(result: Any) -> float:
    cost = result.dataset.scenario_cost_usd
    return float(cost.max() - cost.min())


def test_weight_zero_is_todays_objective(hedge: dict[str, Any]) -> None:
    neutral = run_plan(hedge)
    hedge["risk_aversion"] = {"weight": 0.0, "alpha": 0.5}
    zero = run_plan(hedge)
    assert neutral.objective_usd == pytest.approx(1.25 * PI * D, rel=RTOL)
    assert zero.objective_usd == pytest.approx(neutral.objective_usd, rel=RTOL)


def test_risk_aversion_hedges_by_hand(hedge: dict[str, Any]) -> None:
    neutral = run_plan(hedge)
    hedge["risk_aversion"] = {"weight": 0.8, "alpha": 0.5}
    averse = run_plan(hedge)
    chips = float(averse.dataset.units_bought.sum()) / 2  # same in both scenarios
    assert chips == pytest.approx(2 * D / TOKENS_PER_CHIP, rel=RTOL)
    assert averse.objective_usd == pytest.approx(1.5 * PI * D, rel=RTOL)
    # expected cost does not fall, spread across scenarios does not rise
    assert averse.dataset.attrs["expected_cost_usd"] == pytest.approx(
        1.5 * PI * D, rel=RTOL
    )
    assert averse.dataset.attrs["expected_cost_usd"] >= neutral.objective_usd
    assert _spread(neutral) == pytest.approx(PI * D, rel=RTOL)
    assert _spread(averse) <= _spread(neutral)


def test_cvar_term_is_the_tail_mean(hedge: dict[str, Any]) -> None:
    # l = 0.3: rate 0.75 pi - 0.65 pi > 0, so it still buys D; the CVaR term
    # at the optimum is the hi cost 1.75 pi D, as the sorted-tail formula says.
    hedge["risk_aversion"] = {"weight": 0.3, "alpha": 0.5}
    result = run_plan(hedge)
    ds = result.dataset
    tail = cvar(ds.scenario_cost_usd.values, ds.probability.values, 0.5)
    assert tail == pytest.approx(1.75 * PI * D, rel=RTOL)
    assert ds.attrs["cvar_cost_usd"] == pytest.approx(tail, rel=RTOL)
    assert result.objective_usd == pytest.approx(
        (0.7 * 1.25 + 0.3 * 1.75) * PI * D, rel=RTOL
    )


def test_one_scenario_cvar_is_the_cost(section: dict[str, Any]) -> None:
    # With a single scenario CVaR equals the cost whatever l and alpha.
    neutral = run_plan(section)
    section["risk_aversion"] = {"weight": 1.0, "alpha": 0.9}
    assert run_plan(section).objective_usd == pytest.approx(
        neutral.objective_usd, rel=RTOL
    )


def test_duals_are_of_the_risk_adjusted_objective(hedge: dict[str, Any]) -> None:
    # Supply capped at 1.5 D worth of chips: risk neutral it buys D (no
    # price); with l = 0.8 the cap binds and one more chip saves
    # (pi (0.5 + 0.5 l) - c) tokens-per-chip = 0.15 pi tokens-per-chip.
    hedge["accelerators"][0]["supply_per_quarter"] = 1.5 * D / TOKENS_PER_CHIP
    neutral = run_plan(hedge).bottlenecks
    hedge["risk_aversion"] = {"weight": 0.8, "alpha": 0.5}
    averse = run_plan(hedge).bottlenecks
    supply_n = neutral[neutral.limit == "vendor_supply"].shadow_price_usd
    supply_a = averse[averse.limit == "vendor_supply"].shadow_price_usd
    assert np.allclose(supply_n, 0.0)
    # per 1000 accelerators (the planner unit)
    assert float(supply_a.iloc[0]) == pytest.approx(
        1000 * 0.15 * PI * TOKENS_PER_CHIP, rel=RTOL
    )


def test_cvar_of_discrete_costs() -> None:
    # Worst 20 % of (1, 2, 10) with p (0.5, 0.4, 0.1): 0.1 at 10 and 0.1 at 2.
    got = cvar(np.array([1.0, 2.0, 10.0]), np.array([0.5, 0.4, 0.1]), 0.8)
    assert got == pytest.approx(6.0, rel=1e-12)  # exact arithmetic
