"""The ``power:`` section of a scenario file (pydantic only)."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from gigaplan._schema import STRICT


class PowerSection(BaseModel):
    """Scenario settings for the campus power LP (all values are assumptions)."""

    model_config = STRICT

    region: str = "ercot"
    it_load_mw: float = Field(1000.0, gt=0, le=1e6, description="up to 1 TW")
    pue: float = Field(1.2, ge=1.0, le=3.0)
    grid_max_mw: float | None = Field(None, ge=0)
    discount_rate: float = Field(0.07, ge=0, le=0.5)
    co2_cap_t: float | None = Field(None, ge=0)
    co2_intensity_cap_t_per_mwh: float | None = Field(None, ge=0)
    cfe_share: float | None = Field(None, ge=0, le=1)
    hourly_cfe: bool = False
    reserve_margin: float | None = Field(None, ge=0, le=2)
    flexible_share: float = Field(0.0, ge=0, le=1)
    flexible_cost_usd_per_mwh_it: float | None = Field(None, ge=0)
    hours: int = Field(8760, ge=24, le=8760)
    rep_days: int | None = Field(None, ge=1, le=365)
    seed: int = 0
    profiles_csv: str | list[str] | None = Field(
        None,
        description="hourly profiles: one CSV or a list, each in gigaplan's layout "
        "or a public one (renewables.ninja, PVGIS, EIA-930, ERCOT DAM, time and "
        "value), told apart by its header",
    )
    pv_peak_kw: float | None = Field(
        None,
        gt=0,
        description="peak power of a PVGIS file's system when its header lacks "
        "the 'Nominal power' line [kW]",
    )
    technologies: dict[str, dict[str, float | None]] = {}
    site: str | None = Field(
        None,
        description="solve the campus of this plan site (its sites[].power block, "
        "its max_mw and PUE) instead of the settings here; nothing else may be set",
    )

    @model_validator(mode="after")
    def _site_alone(self) -> PowerSection:
        others = self.model_fields_set - {"site"}
        if self.site is not None and others:
            raise ValueError(
                f"with site: {self.site} the campus is the plan site's power block; "
                f"leave out {', '.join(sorted(others))}"
            )
        return self
