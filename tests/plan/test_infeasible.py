"""Infeasible plans: the message names the limit, where, and by how much.

Each case is the small section of conftest.py (one site "tx", PUE 1.25,
1 kW chips, facility $1e7/MW, no lead times) with one impossible ask; the
allowed amounts are worked by hand from those numbers.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from gigaplan.errors import InfeasibleError, InputError
from gigaplan.plan import run_plan
from gigaplan.plan.inputs import HOURS_PER_QUARTER, SECONDS_PER_QUARTER


def _message(section: dict[str, Any]) -> str:
    with pytest.raises(InfeasibleError) as err:
        run_plan(section)
    return str(err.value)


def _number(text: str, pattern: str) -> float:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in {text!r}"
    return float(match.group(1).replace(",", ""))


def test_deal_above_site_limit(section: dict[str, Any]) -> None:
    # 10 MW facility / 1.25 PUE / 1 kW = 8,000 chips at most; the deal wants
    # 20,000, which supply alone allows (no supply limit), so the build.py
    # pre-check passes and the phase-1 model finds the site limit.
    section["sites"][0]["max_mw"] = 10.0
    section["accelerators"][0]["min_units_total"] = 20000.0
    text = _message(section)
    assert "vendor_deal slow needs 20,000 units by 2026Q4" in text
    assert "site MW limits (tx" in text
    assert "at most 8,000 units" in text
    assert "short by 12,000 units" in text


def test_deal_above_total_budget(section: dict[str, Any]) -> None:
    # A chip costs $30,000 + 1.25 kW x $10,000/kW of facility = $42,500, so
    # $100M buys 2,352.9: the deal (relative shortfall < 1) is named, with the
    # budget that stands in its way.
    section["capex_budget_usd_total"] = 1e8
    section["accelerators"][0]["min_units_total"] = 20000.0
    text = _message(section)
    assert "total capex budget" in text
    allowed = _number(text, r"at most ([\d,]+) units")
    # the message rounds to whole units
    assert allowed == pytest.approx(1e8 / 42500.0, abs=0.5)


def test_deal_above_quarterly_budget(section: dict[str, Any]) -> None:
    # $100M in each of 4 quarters: 4 x 2,352.9 = 9,411.8 chips.
    section["capex_budget_usd_per_quarter"] = 1e8
    section["accelerators"][0]["min_units_total"] = 20000.0
    text = _message(section)
    assert "quarterly capex budget" in text
    assert _number(text, r"short by ([\d,]+) units") == pytest.approx(
        20000 - 4 * 1e8 / 42500.0, abs=0.5
    )


def test_deal_above_co2_cap(section: dict[str, Any]) -> None:
    # 100 t per quarter at 0.4 t/MWh = 250 MWh: a chip bought in the last
    # quarter uses 1.25 kW x hours, so 250 / (1.25e-3 x hours) = 91.3 chips;
    # buying earlier only adds quarters of emissions.
    section["co2_cap_t_per_quarter"] = 100.0
    section["sites"][0]["power_options"][0]["co2_t_per_mwh"] = 0.4
    section["accelerators"][0]["min_units_total"] = 20000.0
    text = _message(section)
    assert "CO2 cap (2026Q4)" in text
    chips = 250.0 / (1.25e-3 * HOURS_PER_QUARTER)
    assert _number(text, r"at most ([\d,]+) units") == pytest.approx(chips, abs=0.5)


def test_must_serve_above_supply(section: dict[str, Any]) -> None:
    # 100 of each chip per quarter: 100 x (1000 + 2000) tokens/s x seconds in
    # 2026Q1 = 2.37e12 tokens against 1e16 that must be served.
    section["must_serve_fraction"] = 1.0
    for acc in section["accelerators"]:
        acc["supply_per_quarter"] = 100.0
    text = _message(section)
    assert "must_serve_inference must serve 1e+16 tokens in 2026Q1" in text
    assert "vendor supply" in text
    served = _number(text, r"in 2026Q1 but at most ([\d.e+]+) tokens")
    # the message prints 3 significant figures
    assert served == pytest.approx(3e5 * SECONDS_PER_QUARTER, rel=5e-3)


def test_must_serve_partly_met_is_feasible(section: dict[str, Any]) -> None:
    # Half of demand must be served, and can be: the plan serves at least
    # half in every period (the rest is priced by the unmet penalty anyway).
    section["must_serve_fraction"] = 0.5
    section["unmet_inference_usd_per_mtoken"] = 0.0
    ds = run_plan(section).dataset
    share = ds.inference_served_tokens / ds.inference_demand_tokens
    # HiGHS primal feasibility 1e-7 on rows scaled to ~1e4 T tokens
    assert float(share.min()) == pytest.approx(0.5, rel=1e-6)


def test_binding_deal_has_positive_shadow_price(section: dict[str, Any]) -> None:
    # The deal forces 5,000 slow chips although fast ones are cheaper per
    # token: lowering the deal saves money, so its shadow price is > 0.
    section["accelerators"][0]["min_units_total"] = 5000.0
    b = run_plan(section).bottlenecks
    deal = b[b.limit == "vendor_deal"]
    assert float(deal.shadow_price_usd.iloc[0]) > 0
    assert bool(deal.binding.iloc[0])


def test_must_serve_per_kind(section: dict[str, Any]) -> None:
    # Research must be fully served, product need not be: all training is
    # served although its unmet penalty is zero.
    section["unmet_inference_usd_per_mtoken"] = 0.0
    for scen in section["scenarios"]:
        scen["training_flop_start"] = 1e25
    section["must_serve_fraction"] = {"inference": 0.0, "training": 1.0}
    ds = run_plan(section).dataset
    assert float(ds.training_served_flop.sum()) == pytest.approx(
        float(ds.training_demand_flop.sum()), rel=1e-6
    )
    # the same share for both kinds as one number
    section["must_serve_fraction"] = 0.5
    ds = run_plan(section).dataset
    share = ds.inference_served_tokens / ds.inference_demand_tokens
    assert float(share.min()) == pytest.approx(0.5, rel=1e-6)


def test_must_serve_share_out_of_range_names_the_kind(section: dict[str, Any]) -> None:
    section["must_serve_fraction"] = {"training": 1.5}
    with pytest.raises(InputError, match=r"must_serve_fraction\.training"):
        run_plan(section)
