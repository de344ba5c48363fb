"""Technology defaults for the campus power LP, read from the sourced catalog file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gigaplan.errors import InputError

DATA_FILE = (
    Path(__file__).resolve().parents[1]
    / "catalog"
    / "data"
    / "power"
    / "technologies.yaml"
)
KINDS = ("solar", "battery", "gas_cc", "gas_oc")


@dataclass(frozen=True)
class Tech:
    """One buildable technology; money in 2024 US$."""

    name: str
    capex_usd_per_kw: float
    fixed_om_usd_per_kw_yr: float
    variable_om_usd_per_mwh: float
    lifetime_yr: float
    firm_fraction: float
    lead_time_quarters: float
    heat_rate_mmbtu_per_mwh: float = 0.0
    fuel_usd_per_mmbtu: float = 0.0
    co2_kg_per_mmbtu: float = 0.0
    hours: float = 0.0
    roundtrip_efficiency: float = 1.0
    max_mw: float | None = None

    def annual_cost_usd_per_mw(self, discount_rate: float) -> float:
        """Annuity of capex plus fixed O&M, $ per MW-year."""
        return 1e3 * (
            self.capex_usd_per_kw * annuity_factor(discount_rate, self.lifetime_yr)
            + self.fixed_om_usd_per_kw_yr
        )

    @property
    def marginal_usd_per_mwh(self) -> float:
        return (
            self.variable_om_usd_per_mwh
            + self.fuel_usd_per_mmbtu * self.heat_rate_mmbtu_per_mwh
        )

    @property
    def co2_t_per_mwh(self) -> float:
        return self.co2_kg_per_mmbtu * self.heat_rate_mmbtu_per_mwh / 1e3


def annuity_factor(rate: float, years: float) -> float:
    """Capital recovery factor r / (1 - (1+r)^-n); 1/n at r = 0."""
    if rate == 0:
        return 1.0 / years
    return rate / (1.0 - (1.0 + rate) ** (-years))


def read_data() -> dict[str, Any]:
    """The raw technology data file (values with sources)."""
    with DATA_FILE.open() as fh:
        return yaml.safe_load(fh)


def default_techs(
    overrides: dict[str, dict[str, float]] | None = None,
) -> dict[str, Tech]:
    """Technology defaults with the scenario's overrides applied field by field.

    Raises
    ------
    InputError
        For an unknown technology or field, or a negative number.
    """
    raw = read_data()["technologies"]
    overrides = overrides or {}
    out: dict[str, Tech] = {}
    for name in overrides:
        if name not in KINDS:
            raise InputError(
                f"power.technologies.{name}", name, f"one of {', '.join(KINDS)}"
            )
    for name in KINDS:
        vals = {k: v["value"] for k, v in raw[name].items()}
        for key, val in overrides.get(name, {}).items():
            if key not in Tech.__dataclass_fields__ or key == "name":
                raise InputError(
                    f"power.technologies.{name}.{key}", key, "a known field"
                )
            if val is not None and float(val) < 0:
                raise InputError(
                    f"power.technologies.{name}.{key}", val, "a number >= 0"
                )
            vals[key] = val
        out[name] = Tech(name=name, **vals)
    return out


def solar_annual_cf(region_id: str) -> float:
    """Published-range annual solar capacity factor for a region (see data file)."""
    table = read_data()["solar_annual_cf"]
    return float(table.get(region_id, table["default"]))
