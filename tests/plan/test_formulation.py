"""The per-accelerator, MW-per-site formulation has the per-site optimum."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gigaplan.plan import build
from gigaplan.plan.build import build_model, resolve
from gigaplan.plan.results import extract
from gigaplan.plan.schema import PlanSection
from gigaplan.plan.solve import solve_model
from tests.plan.conftest import random_chips


def _section() -> PlanSection:
    """Three sites, three chips (two service lives, two lead times), three
    scenarios with two first-stage quarters (not real data)."""
    rng = np.random.default_rng(7)
    chips = random_chips(rng, 3, supply_per_quarter=5e4)
    sites = [
        {
            "name": f"site-{j}",
            "max_mw": float(rng.uniform(50, 300)),
            "earliest": f"2026Q{1 + j}",
            "pue": float(rng.uniform(1.1, 1.4)),
            "facility_capex_usd_per_mw": 1.48e7,
            "facility_lead_time_quarters": 1,
            "power_options": [
                {
                    "name": f"opt-{k}",
                    "energy_usd_per_mwh": float(rng.uniform(30, 90)),
                    "capex_usd_per_kw": float(rng.uniform(0, 3000)),
                    "firm_fraction": float(rng.uniform(0.3, 1.0)),
                    "lead_time_quarters": k,
                    "max_mw": float(rng.uniform(50, 300)),
                }
                for k in range(2)
            ],
        }
        for j in range(3)
    ]
    scenarios = [
        {
            "name": f"s{s}",
            "probability": 1 / 3,
            "inference_tokens_start": float(rng.uniform(2e14, 6e14)),
            "inference_growth_per_year": float(rng.uniform(0.2, 1.2)),
            "training_flop_start": float(rng.uniform(2e26, 6e26)),
        }
        for s in range(3)
    ]
    return PlanSection.model_validate(
        {
            "start": "2026Q1",
            "end": "2027Q4",
            "first_stage_periods": 2,
            "accelerators": chips,
            "sites": sites,
            "scenarios": scenarios,
        }
    )


def _solve(inp: Any) -> tuple[float, Any]:
    model, exprs = build_model(inp)
    solve_model(model)
    return float(model.objective.value), extract(inp, model, exprs).dataset


def test_mw_formulation_matches_per_site(monkeypatch: pytest.MonkeyPatch) -> None:
    inp = resolve(_section())
    objective, ds = _solve(inp)
    monkeypatch.setattr(
        build,
        "_chips_by_mw",
        lambda m, inp, ix: build._chips_by_site(m, inp, ix, integer=False),
    )
    reference, ref = _solve(inp)
    assert objective == pytest.approx(reference, rel=1e-9)
    assert float(ds.units_bought.sum()) == pytest.approx(
        float(ref.units_bought.sum()), rel=1e-6
    )
    # The split by site meets each site's MW and is the same in every scenario
    # for first-stage purchases.
    mw = (ds.units_in_service * ds.power_w_per_unit / 1e6).sum("accelerator")
    np.testing.assert_allclose(mw, ds.it_mw_by_site, atol=1e-6)
    first = ds.units_bought.isel(period=slice(0, 2))
    np.testing.assert_allclose(first.max("scenario"), first.min("scenario"), atol=1e-6)
    assert float(ds.units_bought.min()) >= 0.0
