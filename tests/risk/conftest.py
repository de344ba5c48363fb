from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from gigaplan.demand.schema import DemandSection
from gigaplan.plan.schema import quarter_labels
from gigaplan.risk.evaluate import Capacity
from gigaplan.risk.schema import Finance

PERIODS = tuple(quarter_labels("2026Q1", "2027Q4"))


def demand_dict(**over: Any) -> dict[str, Any]:
    """A demand section (numbers for tests only, not data)."""
    base: dict[str, Any] = {
        "inference_tokens": {
            "start": 1e15,
            "growth_per_year": 1.0,
            "growth_sd_per_year": 0.3,
            "volatility_per_year": 0.3,
        },
        "training_flop": {
            "start": 1e26,
            "growth_per_year": 0.5,
            "volatility_per_year": 0.2,
        },
        "correlation": 0.5,
        "launches": {"launches_per_year": 2, "multiplier": 2.0, "duration_weeks": 3},
    }
    base.update(over)
    return copy.deepcopy(base)


def quiet_demand_dict() -> dict[str, Any]:
    """No uncertainty at all: every path is the deterministic one."""
    return demand_dict(
        inference_tokens={"start": 1e15, "growth_per_year": 1.0},
        training_flop={"start": 1e26, "growth_per_year": 0.5},
        launches=None,
    )


def capacity(scale: float = 1.0, periods: tuple[str, ...] = PERIODS) -> Capacity:
    """A plan that grows 60 %/yr from about the first period's demand."""
    n = len(periods)
    growth = 1.6 ** (np.arange(n) / 4)
    return Capacity(
        periods=periods,
        inference_capacity_tokens=1.2e15 * growth * scale,
        training_capacity_flop=6e26 * growth * scale,
        accelerator_hours=2e8 * growth * scale,
        capex_usd=np.where(np.arange(n) == 0, 4e9, 5e8),
        opex_usd=np.full(n, 2e8),
        it_mw=100.0 * growth * scale,
        facility_mw=120.0 * growth * scale,
    )


FINANCE = Finance(
    price_usd_per_mtoken=1.0, price_usd_per_accelerator_hour=2.0, discount_rate=0.08
)


@pytest.fixture
def demand() -> DemandSection:
    return DemandSection.model_validate(demand_dict())
