from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest


def base_section() -> dict[str, Any]:
    """A small plan, numbers chosen to be worked by hand (not real data)."""
    return {
        "start": "2026Q1",
        "end": "2026Q4",
        "discount_rate": 0.0,
        "first_stage_periods": 2,
        "utilisation": 1.0,
        # hand-worked costs charge capex in full (test_end_value.py covers the
        # credit for life left at the horizon's end)
        "end_value": "none",
        # hand-worked answers are checked to 1e-7; decomposition stops closer
        "solve_rel_gap": 1e-8,
        "unmet_inference_usd_per_mtoken": 1000.0,
        "unmet_training_usd_per_eflop": 0.0,
        "accelerators": [
            {
                "name": "slow",
                "output_tokens_per_s": 1000.0,
                "training_flop_per_s": 1e15,
                "power_w": 1000.0,
                "price_usd": 30000.0,
                "lead_time_quarters": 0,
            },
            {
                "name": "fast",
                "output_tokens_per_s": 2000.0,
                "training_flop_per_s": 2e15,
                "power_w": 1000.0,
                "price_usd": 50000.0,
                "lead_time_quarters": 0,
            },
        ],
        "sites": [
            {
                "name": "tx",
                "max_mw": 10000.0,
                "pue": 1.25,
                "facility_capex_usd_per_mw": 1e7,
                "facility_lead_time_quarters": 0,
                "power_options": [
                    {"name": "grid", "energy_usd_per_mwh": 50.0, "max_mw": 10000.0}
                ],
            }
        ],
        "scenarios": [
            {"name": "only", "probability": 1.0, "inference_tokens_start": 1e16}
        ],
    }


def random_chips(
    rng: np.random.Generator, n: int, supply_per_quarter: float
) -> list[dict[str, Any]]:
    """``n`` accelerators with random throughput, power and price, lead times
    of 0 and 1 quarter and two service lives (chip-2: 2 years; not real data)."""
    return [
        {
            "name": f"chip-{i}",
            "output_tokens_per_s": float(rng.uniform(2e3, 8e3)),
            "training_flop_per_s": float(rng.uniform(1e15, 3e15)),
            "power_w": float(rng.uniform(1500, 3000)),
            "price_usd": float(rng.uniform(2e4, 6e4)),
            "lead_time_quarters": i % 2,
            "life_years": 2.0 if i == 2 else 4.0,
            "supply_per_quarter": supply_per_quarter,
        }
        for i in range(n)
    ]


@pytest.fixture
def section() -> dict[str, Any]:
    return copy.deepcopy(base_section())
