"""plan.efficiency: algorithmic and software gains grow what the same chips do."""

from __future__ import annotations

import pytest

from gigaplan.plan import run_plan
from tests.plan.conftest import base_section

SECONDS = 365.25 * 86400 / 4  # per quarter, utilisation 1


def _training_only(**efficiency: float) -> dict:
    sec = base_section()
    sec["serve_order"] = "least_cost"
    sec["unmet_training_usd_per_eflop"] = 1000.0
    # training demand doubles every year from 1e25 FLOP per quarter
    sec["scenarios"] = [
        {
            "name": "only",
            "probability": 1.0,
            "training_flop_start": 1e25,
            "training_growth_per_year": 1.0,
        }
    ]
    sec["efficiency"] = efficiency
    return sec


def test_compute_halving_every_year_offsets_demand_doubling_every_year() -> None:
    # the cheaper FLOP is the fast chip (2e15 FLOP/s for $50,000): 1e25 FLOP
    # a quarter needs 1e25 / (2e15 x 7,889,400 s) = 633.76 of them
    first = 1e25 / (2e15 * SECONDS)
    fixed = run_plan(_training_only(training_compute_halving_months=12.0)).dataset
    fleet = fixed.units_in_service.sum(["site", "accelerator"]).squeeze()
    assert fleet.values == pytest.approx([first] * 4, rel=1e-6)
    # capacity counts 2^(t / 4) FLOP of today's algorithms per FLOP of t
    cap = fixed.training_capacity_flop.squeeze().values
    assert cap == pytest.approx([1e25 * 2 ** (t / 4) for t in range(4)], rel=1e-6)
    grown = run_plan(_training_only()).dataset
    fleet = grown.units_in_service.sum(["site", "accelerator"]).squeeze("scenario")
    end = float(fleet.isel(period=-1))
    assert end == pytest.approx(first * 2**0.75, rel=1e-6)


def test_research_value_per_chip_hour_is_kept_with_algorithmic_progress() -> None:
    from gigaplan.plan.stage import summarise

    # a low value of research: some training demand is left unmet, priced per
    # FLOP at the start's algorithms, falling as 1 / 2^(t / 4) (so a chip-hour
    # of research keeps its value); the split objective sums to the LP's
    sec = _training_only(training_compute_halving_months=12.0)
    sec["unmet_training_usd_per_eflop"] = 0.5  # below a chip's ~$1/EFLOP
    result = run_plan(sec)
    s = summarise(result).summary
    parts = sum(value for key, value in s.items() if key.startswith("pv_"))
    assert s["pv_unmet_training_usd"] > 0
    assert parts == pytest.approx(result.objective_usd, rel=1e-9)
