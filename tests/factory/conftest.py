"""Small factory sections the tests build on."""

from __future__ import annotations

from typing import Any

import pytest

from gigaplan.factory.schema import FactorySection


def deterministic_section(**overrides: Any) -> FactorySection:
    """No variability: 100 MW phases every 0.1 week, one supply and one crew stage.

    Transformers: 6 units/month, one per 100 MW phase -> 6 * 12 / 52.1775 phases
    per week = 0.13799 GW/week. Crews: 4 crews, 2 weeks each -> 2 phases/week =
    0.2 GW/week. Arrivals 10 phases/week = 1 GW/week. Transformers bind.
    """
    doc: dict[str, Any] = {
        "horizon_weeks": 520,
        "period_weeks": 52,
        "replications": 2,
        "workers": 1,
        "analysis_replications": 1,
        "projects": {
            "count": 5000,
            "arrivals_per_week": 10.0,
            "arrival_process": "deterministic",
            "size_mw": {"dist": "fixed", "value": 100},
        },
        "resources": {
            "transformers": {"kind": "supply", "capacity": 6.0, "unit_cost_usd": 1e8},
            "crews": {"kind": "crews", "capacity": 4, "unit_cost_usd": 1e7},
        },
        "stages": [
            {
                "name": "transformer_lead",
                "duration_weeks": {"dist": "fixed", "value": 10},
                "needs": [{"resource": "transformers", "per_mw": 0.01}],
            },
            {
                "name": "construction",
                "duration_weeks": {"dist": "fixed", "value": 2},
                "needs": [{"resource": "crews", "per_project": 1}],
            },
        ],
    }
    for key, val in overrides.items():
        doc[key] = val
    return FactorySection.model_validate(doc)


@pytest.fixture
def det_section() -> FactorySection:
    return deterministic_section()


@pytest.fixture
def make_det() -> Any:
    """The builder itself, for tests that override parts of the section."""
    return deterministic_section
