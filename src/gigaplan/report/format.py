"""Numbers for people in the report, each in its unit from :mod:`gigaplan.units`."""

from __future__ import annotations

from typing import Any

from gigaplan.units import format_value, unit_of

__all__ = ["human", "row_unit_key", "unit_of"]


def human(key: str, value: Any, *, dollar_year: int | None = None) -> str:
    """Format ``value`` of the quantity ``key`` for people, in its declared unit.

    Parameters
    ----------
    key : str
        The quantity's name.
    value
        Its value.
    dollar_year : int, optional
        Year of the dollars, shown after money.

    Returns
    -------
    str
        As :func:`gigaplan.units.format_value` gives it.

    Examples
    --------
    >>> human("capex_usd", 3.2e11), human("it_gw_end", 12.345)
    ('$320B', '12.3 GW')
    >>> human("emissions_co2_t", 4.5e6), human("co2_t_per_mwh", 0.34)
    ('4.50 MtCO2', '0.340 tCO2/MWh')
    >>> human("training_demand_flop_p50", 3.8e25), human("dollar_year", 2025)
    ('3.8e+25 FLOP', '2025')
    >>> human("energy_solar_mwh", 1.3e-7)
    '0 MWh'
    >>> human("npv_usd_p5", -5.08e10, dollar_year=2025)
    '-$50.8B (2025 $)'
    """
    return format_value(key, value, dollar_year=dollar_year)


def row_unit_key(column: str, row: dict[str, Any]) -> str:
    """The name whose unit a cell has, where the unit is given per row.

    Shadow-price tables carry the unit of each row: the plan's bottlenecks in
    a ``unit`` column (``usd_per_gw``), the power model's duals in the limit's
    own name (``co2_cap_usd_per_t``). Every other cell has its column's unit.

    Parameters
    ----------
    column : str
        The cell's column name.
    row : dict
        The cell's row.

    Returns
    -------
    str
        A quantity name for :func:`gigaplan.units.unit_name`.

    Examples
    --------
    >>> row_unit_key("shadow_price_usd", {"unit": "usd_per_gw"})
    'shadow_price_usd_per_gw'
    >>> row_unit_key("value", {"limit": "co2_cap_usd_per_t"})
    'co2_cap_usd_per_t'
    >>> row_unit_key("capex_usd", {"unit": "x"})
    'capex_usd'
    """
    unit = row.get("unit")
    if (
        column == "shadow_price_usd"
        and isinstance(unit, str)
        and unit.startswith("usd_per_")
    ):
        return "shadow_price_" + unit
    limit = row.get("limit")
    if column == "value" and isinstance(limit, str):
        return limit
    return column
