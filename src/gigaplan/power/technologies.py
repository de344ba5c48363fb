"""Technology defaults for the campus power LP, from the catalog's power tables.

The numbers are the catalog's ``power_technologies`` and ``power_defaults``
(shipped in ``catalog/data/power/technologies.yaml``, overridable with
``--catalog``); the functions here take the catalog they read from.

Kinds and how the LP treats them (see :mod:`gigaplan.power.build`):

- ``VARIABLE`` (solar, wind): output <= capacity x hourly capacity factor.
- ``THERMAL`` (gas_cc, gas_oc, recip, fuel_cell): output <= capacity; fuel cost
  and CO2 from the heat rate.
- ``FLAT`` (nuclear): a power purchase agreement, flat output = contracted MW
  every hour, paid at ``ppa_usd_per_mwh``.
- ``STORAGE`` (battery): power (MW) and energy (MWh) sized separately, with
  energy / power between ``min_hours`` and ``max_hours``.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from typing import Any, Literal

from gigaplan.catalog.load import shipped_catalog
from gigaplan.catalog.schema import Catalog
from gigaplan.errors import InputError

VARIABLE = ("solar", "wind")
THERMAL = ("gas_cc", "gas_oc", "recip", "fuel_cell")
FLAT = ("nuclear",)
STORAGE = ("battery",)
KINDS = (
    "solar",
    "wind",
    "battery",
    "gas_cc",
    "gas_oc",
    "recip",
    "fuel_cell",
    "nuclear",
)
CARBON_FREE = ("solar", "wind", "nuclear")


@dataclass(frozen=True)
class Tech:
    """One buildable technology; money in 2024 US$.

    ``min_mw``/``max_mw`` bound the built (or contracted) power capacity;
    ``max_mw == 0`` leaves the technology out of the model.
    """

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
    ppa_usd_per_mwh: float = 0.0
    energy_capex_usd_per_kwh: float = 0.0
    energy_fixed_om_usd_per_kwh_yr: float = 0.0
    min_hours: float = 0.0
    max_hours: float = 0.0
    roundtrip_efficiency: float = 1.0
    min_mw: float = 0.0
    max_mw: float | None = None

    def annual_cost_usd_per_mw(self, discount_rate: float) -> float:
        """Annuity of capex plus fixed O&M, $ per MW-year (power part).

        Parameters
        ----------
        discount_rate : float
            For the capex annuity. [1/yr]

        Returns
        -------
        float
            Capital recovery plus fixed O&M. [$/MW-yr]
        """
        return self._annual_usd_per_mega(
            self.capex_usd_per_kw, self.fixed_om_usd_per_kw_yr, discount_rate
        )

    def annual_cost_usd_per_mwh_storage(self, discount_rate: float) -> float:
        """The same annuity for the energy part, $ per MWh-year of storage.

        Parameters
        ----------
        discount_rate : float
            As for :meth:`annual_cost_usd_per_mw`. [1/yr]

        Returns
        -------
        float
            Capital recovery plus fixed O&M of the storage energy. [$/MWh-yr]
        """
        return self._annual_usd_per_mega(
            self.energy_capex_usd_per_kwh,
            self.energy_fixed_om_usd_per_kwh_yr,
            discount_rate,
        )

    def _annual_usd_per_mega(
        self, capex_usd_per_kilo: float, fixed_om_usd_per_kilo_yr: float, rate: float
    ) -> float:
        """Capex annuity over ``lifetime_yr`` plus fixed O&M, from per-kW (or
        per-kWh) to per-MW (per-MWh) a year."""
        annuity = annuity_factor(rate, self.lifetime_yr)
        return 1e3 * (capex_usd_per_kilo * annuity + fixed_om_usd_per_kilo_yr)

    @property
    def marginal_usd_per_mwh(self) -> float:
        """Variable O&M + fuel + PPA price per MWh generated."""
        return (
            self.variable_om_usd_per_mwh
            + self.fuel_usd_per_mmbtu * self.heat_rate_mmbtu_per_mwh
            + self.ppa_usd_per_mwh
        )

    @property
    def co2_t_per_mwh(self) -> float:
        """Stack CO2 per MWh generated, t."""
        return self.co2_kg_per_mmbtu * self.heat_rate_mmbtu_per_mwh / 1e3


def annuity_factor(rate: float, years: float) -> float:
    """Capital recovery factor r / (1 - (1+r)^-n); 1/n at r = 0.

    Parameters
    ----------
    rate : float
        Discount rate. [1/yr]
    years : float
        Economic life. [yr]

    Returns
    -------
    float
        Share of capex paid each year. [1/yr]
    """
    if rate == 0:
        return 1.0 / years
    return rate / (1.0 - (1.0 + rate) ** (-years))


def read_data(catalog: Catalog | None = None) -> dict[str, Any]:
    """The catalog's power tables as plain data (values with sources).

    Keys ``technologies`` (per technology, per field ``{value, source, note}``)
    and ``power_defaults``.

    Parameters
    ----------
    catalog : Catalog, optional
        The catalog to read (default: the shipped one).

    Returns
    -------
    dict
        ``technologies`` and ``power_defaults`` as plain data.
    """
    cat = shipped_catalog(catalog)
    return {
        "technologies": {
            k: t.model_dump(exclude_none=True)
            for k, t in cat.power_technologies.items()
        },
        "power_defaults": cat.power_defaults.model_dump(),
    }


_FIELDS = {f.name for f in fields(Tech)} - {"name"}
_REQUIRED = {f.name for f in fields(Tech) if f.default is MISSING} - {"name"}


def default_techs(
    overrides: dict[str, dict[str, float | None]] | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Tech]:
    """Technology defaults with the scenario's overrides applied field by field.

    ``catalog`` holds the defaults (``power_technologies``); the shipped one
    when it is left out.

    Parameters
    ----------
    overrides : dict, optional
        Technology -> field -> value, from the scenario's ``technologies:``.
    catalog : Catalog, optional
        Default: the shipped catalog.

    Returns
    -------
    dict of str to Tech
        One entry per technology.

    Raises
    ------
    InputError
        For an unknown technology or field, a negative number, ``min_mw``
        above ``max_mw``, ``min_hours`` above ``max_hours`` or a round-trip
        efficiency outside (0, 1].
    """
    raw = shipped_catalog(catalog).power_technologies
    overrides = overrides or {}
    out: dict[str, Tech] = {}
    for name in overrides:
        if name not in KINDS:
            raise InputError(
                f"power.technologies.{name}", name, f"one of {', '.join(KINDS)}"
            )
    for name in KINDS:
        if name not in raw:
            raise InputError(
                f"catalog power_technologies.{name}", None, "missing from the catalog"
            )
        vals: dict[str, Any] = {
            k: v for k, v in raw[name].values().items() if v is not None
        }
        missing = sorted(_REQUIRED - set(vals))
        if missing:
            raise InputError(
                f"catalog power_technologies.{name}",
                None,
                f"needs a number for {', '.join(missing)}",
            )
        for key, val in overrides.get(name, {}).items():
            field = f"power.technologies.{name}.{key}"
            if key not in _FIELDS:
                raise InputError(
                    field, key, f"a known field ({', '.join(sorted(_FIELDS))})"
                )
            if val is not None and float(val) < 0:
                raise InputError(field, val, "a number >= 0")
            vals[key] = val
        tech = Tech(name=name, **vals)
        _check_tech(tech)
        out[name] = tech
    return out


def _check_tech(t: Tech) -> None:
    """Cross-field checks a single-field range cannot express."""
    base = f"power.technologies.{t.name}"
    if t.max_mw is not None and t.min_mw > t.max_mw:
        raise InputError(f"{base}.min_mw", t.min_mw, f"<= max_mw ({t.max_mw})")
    if t.min_hours > t.max_hours:
        raise InputError(
            f"{base}.min_hours", t.min_hours, f"<= max_hours ({t.max_hours})"
        )
    if not 0 < t.roundtrip_efficiency <= 1:
        raise InputError(
            f"{base}.roundtrip_efficiency", t.roundtrip_efficiency, "in (0, 1]"
        )
    if t.lifetime_yr <= 0:
        raise InputError(f"{base}.lifetime_yr", t.lifetime_yr, "> 0 years")


def annual_cf(
    source: Literal["solar", "wind"], region_id: str, catalog: Catalog | None = None
) -> float:
    """Annual capacity factor of solar or onshore wind in a region.

    Published ranges per region, with a ``default`` for regions not listed
    (see the catalog's ``power_defaults``).

    Parameters
    ----------
    source : {"solar", "wind"}
        Which table.
    region_id : str
        A catalog region.
    catalog : Catalog, optional
        Default: the shipped catalog.

    Returns
    -------
    float
        Mean capacity factor over a year. [dimensionless]
    """
    defaults = shipped_catalog(catalog).power_defaults
    table = defaults.solar_annual_cf if source == "solar" else defaults.wind_annual_cf
    return float(table.get(region_id, table["default"]))


def flexible_cost_usd_per_mwh_it(catalog: Catalog | None = None) -> float:
    """Default cost of a MWh of IT energy not served by pausing training.

    Parameters
    ----------
    catalog : Catalog, optional
        Default: the shipped catalog.

    Returns
    -------
    float
        Cost of one MWh of IT energy paused. [$/MWh]
    """
    number = shipped_catalog(catalog).power_defaults.flexible_cost_usd_per_mwh_it
    if number.value is None:
        raise InputError(
            "catalog power_defaults.flexible_cost_usd_per_mwh_it",
            None,
            f"no value ({number.note}); give power.flexible_cost_usd_per_mwh_it",
        )
    return float(number.value)
