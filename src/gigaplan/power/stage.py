"""Scenario section ``power:`` and the pipeline entry point."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from gigaplan.results import StageResult


class PowerSection(BaseModel):
    """Scenario settings for the campus power LP (all values are assumptions)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    region: str = "ercot"
    it_load_mw: float = Field(1000.0, gt=0)
    pue: float = Field(1.2, ge=1.0, le=3.0)
    grid_max_mw: float | None = Field(None, ge=0)
    discount_rate: float = Field(0.07, ge=0, le=0.5)
    co2_cap_t: float | None = Field(None, ge=0)
    reserve_margin: float | None = Field(None, ge=0, le=2)
    hours: int = Field(8760, ge=24, le=8760)
    technologies: dict[str, dict[str, float | None]] = {}


def solve_section(section: PowerSection, catalog: Any):
    """Build inputs from the catalog region and solve; returns CampusPowerResult."""
    import numpy as np

    from gigaplan.catalog import find_region
    from gigaplan.power.model import solve_campus
    from gigaplan.power.profiles import solar_cf_profile
    from gigaplan.power.technologies import default_techs, solar_annual_cf

    region_id, region = find_region(catalog, section.region)
    n = section.hours
    demand = np.full(n, section.it_load_mw * section.pue)
    cf = solar_cf_profile(
        region.latitude_deg.value,
        region.longitude_deg.value,
        solar_annual_cf(region_id),
    )[:n]
    price = np.full(n, float(region.electricity_usd_per_mwh.value))
    grid_max = section.grid_max_mw if section.grid_max_mw is not None else demand.max()
    return solve_campus(
        demand,
        cf,
        price,
        default_techs(section.technologies),
        grid_max_mw=grid_max,
        grid_co2_t_per_mwh=float(region.grid_kgco2_per_mwh.value) / 1e3,
        discount_rate=section.discount_rate,
        co2_cap_t=section.co2_cap_t,
        reserve_margin=section.reserve_margin,
    )


def run_stage(
    scenario: Any, catalog: Any, upstream: Mapping[str, StageResult] | None = None
) -> StageResult:
    """Run the ``power:`` section of a scenario."""
    from gigaplan.power.model import memo, power_product

    section = scenario.power or PowerSection()
    if isinstance(section, dict):
        section = PowerSection.model_validate(section)
    result = solve_section(section, catalog)
    cap = result.capacity.to_dataframe().reset_index()
    dispatch = (
        result.dispatch.to_dataframe()
        .reset_index()
        .rename(columns={"dispatch_mw": "dispatch_mw"})
    )
    return StageResult(
        stage="power",
        summary={**result.summary, **result.duals, **power_product(result)},
        tables={
            "capacity": cap,
            "dispatch": dispatch,
            "duals": pd.DataFrame(
                {"limit": list(result.duals), "value": list(result.duals.values())}
            ),
        },
        text=memo(result),
    )
