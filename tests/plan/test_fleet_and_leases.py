"""An existing fleet and leases change the optimum as worked by hand.

The base section (tests/plan/conftest.py): one year, no discounting,
utilisation 1, one site at PUE 1.25 with $10M/MW facilities and $50/MWh grid
power, and a 'fast' chip (2000 tokens/s, 1 kW, $50,000) that is the cheaper
way to serve the constant demand. A fast chip owned for the year costs
$50,000 + 1.25 kW x $10M/MW + 1.25 kW x 8,766 h x $50/MWh = $63,047.875.
"""

from __future__ import annotations

import pytest

from gigaplan.plan import run_plan
from gigaplan.plan.stage import summarise
from tests.plan.conftest import base_section

HOURS = 365.25 * 24  # a year of quarters of 2191.5 h
OWNED_USD = 50_000 + 1.25e-3 * 1e7 + 1.25e-3 * HOURS * 50


@pytest.fixture(scope="module")
def base() -> float:
    return run_plan(base_section()).objective_usd


def test_existing_fleet_saves_its_chips_and_buildings(base: float) -> None:
    n = 100_000.0
    sec = base_section()
    sec["existing_fleet"] = [
        {"accelerator": "fast", "site": "tx", "units": n, "online": "2025Q4"}
    ]
    sec["sites"][0]["energised_mw"] = n * 1e-3 * 1.25  # exactly its load
    result = run_plan(sec)
    # the plan buys n fewer fast chips and n x 1.25 kW less facility, and
    # still pays for the existing chips' energy: saves n x $62,500
    assert base - result.objective_usd == pytest.approx(n * 62_500, rel=1e-6)
    assert float(result.dataset.units_existing.sel(accelerator="fast").min()) == n


def test_existing_fleet_needs_its_power(base: float) -> None:
    from gigaplan.errors import InputError

    sec = base_section()
    sec["existing_fleet"] = [
        {"accelerator": "fast", "site": "tx", "units": 1000.0, "online": "2025Q4"}
    ]
    with pytest.raises(InputError, match=r"energised_mw.*1\.2 MW"):
        run_plan(sec)


def test_a_cheaper_lease_is_taken_up_to_its_size(base: float) -> None:
    m = 50_000.0
    sec = base_section()
    sec["leases"] = [
        {
            "name": "cloud",
            "counterparty": "a cloud",
            "accelerator": "fast",
            "usd_per_accelerator_hour": 5.0,
            "term_quarters": 4,
            "max_units": m,
        }
    ]
    result = run_plan(sec)
    # a leased fast chip costs $5 x 8,766 h = $43,830 for the year and needs
    # no building or power: each of the m leased replaces an owned one
    saving = m * (OWNED_USD - 5.0 * HOURS)
    assert base - result.objective_usd == pytest.approx(saving, rel=1e-6)
    leased = result.dataset.units_leased.sel(accelerator="fast")
    assert float(leased.min()) == pytest.approx(m, rel=1e-9)
    s = summarise(result).summary
    assert s["lease_usd_undiscounted"] == pytest.approx(m * 5.0 * HOURS, rel=1e-9)
    assert s["pv_lease_usd"] == pytest.approx(m * 5.0 * HOURS, rel=1e-9)


def test_a_dearer_lease_is_left(base: float) -> None:
    sec = base_section()
    sec["leases"] = [
        {
            "name": "dear",
            "accelerator": "fast",
            "usd_per_accelerator_hour": 8.0,  # $70,128 > $63,048 owned
            "term_quarters": 4,
            "max_units": 1e5,
        }
    ]
    result = run_plan(sec)
    assert result.objective_usd == pytest.approx(base, rel=1e-9)
    assert float(result.dataset.units_leased.max()) == pytest.approx(0, abs=1e-3)


def test_lease_in_mw_terms_equals_the_same_lease_in_chips(base: float) -> None:
    sec = base_section()
    # $5/h for a 1 kW chip is $43.83M per MW-year; 50 MW is 50,000 chips
    sec["leases"] = [
        {
            "name": "cloud-mw",
            "accelerator": "fast",
            "usd_per_mw_year": 5.0 * HOURS * 1000,
            "term_quarters": 4,
            "max_mw": 50.0,
        }
    ]
    saving = 50_000 * (OWNED_USD - 5.0 * HOURS)
    assert base - run_plan(sec).objective_usd == pytest.approx(saving, rel=1e-6)


def test_a_signed_commitment_is_paid_even_when_dear(base: float) -> None:
    sec = base_section()
    sec["leases"] = [
        {
            "name": "signed",
            "accelerator": "fast",
            "usd_per_accelerator_hour": 8.0,
            "term_quarters": 4,
            "max_units": 1e5,
            "min_units_signed": 10_000.0,
        }
    ]
    result = run_plan(sec)
    # 10,000 leased at $8 x 8,766 h replace 10,000 owned at $63,047.875
    extra = 10_000 * (8.0 * HOURS - OWNED_USD)
    assert result.objective_usd - base == pytest.approx(extra, rel=1e-6)
    rows = result.bottlenecks[result.bottlenecks["limit"] == "lease_commitment"]
    # loosening the commitment by 1000 chips saves 1000 x $7,080.125
    assert float(rows["shadow_price_usd"].iloc[0]) == pytest.approx(
        1000 * (8.0 * HOURS - OWNED_USD), rel=1e-6
    )


def test_decomposition_keeps_fleet_and_leases() -> None:
    # the scenario decomposition reads the model's matrices: constants from an
    # existing fleet and lease rows must give the whole LP's optimum
    sec = base_section()
    sec["existing_fleet"] = [
        {"accelerator": "fast", "site": "tx", "units": 1e5, "online": "2025Q4"}
    ]
    sec["sites"][0]["energised_mw"] = 125.0
    sec["leases"] = [
        {
            "name": "cloud",
            "accelerator": "fast",
            "usd_per_accelerator_hour": 5.0,
            "term_quarters": 2,
            "max_units": 5e4,
            "min_units_signed": 1e4,
        }
    ]
    sec["scenarios"] = [
        {
            "name": f"s{i}",
            "probability": 1 / 6,
            "inference_tokens_start": 1e16 * (0.5 + 0.2 * i),
            "inference_growth_per_year": 0.5,
        }
        for i in range(6)
    ]
    whole = run_plan({**sec, "solve_method": "extensive"}).objective_usd
    split = run_plan({**sec, "solve_method": "decomposition"}).objective_usd
    # both solved to HiGHS's tolerances (the decomposition's gap is 1e-6)
    assert split == pytest.approx(whole, rel=1e-6)
