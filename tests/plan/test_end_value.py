"""plan.end_value: what is bought is credited with the life it has left at the end.

Hand-worked on the small plan of ``conftest.base_section`` (one quarter of
one chip at utilisation 1 is 2,000 tokens/s x 7,889,400 s = 1.57788e10
tokens; 1.25 kW of facility per chip at $1e7/MW is $12,500; discount 0).
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from gigaplan.plan import run_plan
from gigaplan.plan.objective import remaining_share
from gigaplan.plan.stage import summarise
from tests.plan.conftest import base_section

TOKENS_PER_CHIP_QUARTER = 2000.0 * 365.25 * 86400 / 4


def _one_chip(end_value: str, tokens: list[float], unmet_usd: float) -> dict:
    sec = base_section()
    sec["end_value"] = end_value
    sec["first_stage_periods"] = 0
    sec["accelerators"] = [sec["accelerators"][1]]  # "fast": $50,000, 1 kW
    sec["accelerators"][0]["life_years"] = 5.0
    sec["unmet_inference_usd_per_mtoken"] = unmet_usd
    sec["scenarios"] = [
        {"name": "only", "probability": 1.0, "inference_tokens": tokens}
    ]
    return sec


def test_remaining_share_is_straight_line_from_entering_service() -> None:
    t = xr.DataArray(np.arange(4), dims="period")
    # lead 1, life 4 quarters, horizon 4: in service from t + 1 to t + 5
    share = remaining_share(t, xr.DataArray(1), xr.DataArray(4), 4)
    assert share.values.tolist() == [0.25, 0.5, 0.75, 1.0]
    # a life that ends inside the horizon leaves nothing
    assert float(remaining_share(t, xr.DataArray(0), xr.DataArray(2), 4)[0]) == 0.0


def test_credit_is_the_undepreciated_capex_of_what_is_bought() -> None:
    tokens = [1e16] * 4
    full = run_plan(_one_chip("none", tokens, 1000.0))
    credited = run_plan(_one_chip("straight_line", tokens, 1000.0))
    units = float(full.dataset.units_bought.sum())
    # same purchases in period 0 (demand forces them), 633.76 chips
    assert units == pytest.approx(1e16 / TOKENS_PER_CHIP_QUARTER, rel=1e-6)
    assert float(credited.dataset.units_bought.sum()) == pytest.approx(units, rel=1e-6)
    # chips: 16 of 20 quarters left; facility: 52 of 56 quarters left
    chips_usd = units * 50_000.0 * 16 / 20
    shell_usd = units * 1.25e-3 * 1e7 * 52 / 56
    assert full.objective_usd - credited.objective_usd == pytest.approx(
        chips_usd + shell_usd, rel=1e-6
    )
    s = summarise(credited).summary
    assert s["pv_end_value_usd"] == pytest.approx(-(chips_usd + shell_usd), rel=1e-6)
    parts = sum(value for key, value in s.items() if key.startswith("pv_"))
    assert parts == pytest.approx(credited.objective_usd, rel=1e-9)


def test_demand_late_in_the_horizon_is_served_once_chips_keep_their_value() -> None:
    # demand in the last quarter only, valued at $2 per million tokens. Full
    # price: ($50,000 + $12,500 + $137 energy) / 15,779 Mtokens = $3.97 per
    # Mtoken, not worth it; net of the credit (19/20 of the chip, 55/56 of the
    # shell left) $0.18, worth it.
    tokens = [0.0, 0.0, 0.0, 1e16]
    full = run_plan(_one_chip("none", tokens, 2.0)).dataset
    credited = run_plan(_one_chip("straight_line", tokens, 2.0)).dataset
    assert float(full.units_bought.sum()) == pytest.approx(0.0, abs=1e-6)
    assert float(credited.inference_unmet_tokens.sum()) == pytest.approx(
        0.0, abs=1e-6 * 1e16
    )
