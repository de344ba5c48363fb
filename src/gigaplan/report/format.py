"""Numbers for people: GW, $B, MtCO2, chosen from the unit in a quantity's name."""

from __future__ import annotations

import math
import re
from typing import Any

# (name suffix, scale to the base unit, base unit) -- longest suffixes first.
_UNITS: tuple[tuple[str, float, str], ...] = (
    ("_gw_per_week", 1.0, "GW/week"),
    ("_usd_per_mwh", 1.0, "$/MWh"),
    ("_usd_per_kw_yr", 1.0, "$/kW-yr"),
    ("_usd_per_kw", 1.0, "$/kW"),
    ("_usd_per_mtok", 1.0, "$/M tokens"),
    ("_tco2_per_mwh", 1.0, "tCO2/MWh"),
    ("_t_per_mwh", 1.0, "tCO2/MWh"),
    ("_mtco2e", 1e6, "tCO2"),
    ("_mtco2", 1e6, "tCO2"),
    ("_tco2e", 1.0, "tCO2"),
    ("_co2e_t", 1.0, "tCO2"),
    ("_co2_t", 1.0, "tCO2"),
    ("_tco2", 1.0, "tCO2"),
    ("_usd", 1.0, "$"),
    ("_twh", 1e6, "MWh"),
    ("_gwh", 1e3, "MWh"),
    ("_mwh", 1.0, "MWh"),
    ("_gw", 1e3, "MW"),
    ("_mw", 1.0, "MW"),
    ("_kw", 1e-3, "MW"),
    ("_gb", 1.0, "GB"),
    ("_pct", 1.0, "%"),
    ("_percent", 1.0, "%"),
    ("_days", 1.0, "days"),
    ("_h", 1.0, "h"),
    ("_s", 1.0, "s"),
)

_LADDERS: dict[str, tuple[tuple[float, str], ...]] = {
    "$": ((1e12, "$T"), (1e9, "$B"), (1e6, "$M"), (1e3, "$k"), (1.0, "$")),
    "MW": ((1e3, "GW"), (1.0, "MW"), (1e-3, "kW")),
    "MWh": ((1e6, "TWh"), (1e3, "GWh"), (1.0, "MWh")),
    "tCO2": ((1e6, "MtCO2"), (1e3, "ktCO2"), (1.0, "tCO2")),
}


def _sig(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits and thousands separators."""
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:,.{decimals}f}"


def unit_of(key: str) -> tuple[float, str] | None:
    """(scale to base unit, base unit) from the suffix of a quantity's name."""
    low = "_" + key.lower().replace(".", "_")  # "case.co2e_t" reads as "co2e_t"
    for suffix, scale, unit in _UNITS:
        if low.endswith(suffix):
            return scale, unit
    if "_per_" in low:
        for suffix, scale, unit in _UNITS:
            if "_per_" in suffix and f"{suffix}_" in low:
                return scale, unit
        return None  # a rate whose unit is not in the table: show the bare number
    for suffix, scale, unit in _UNITS:
        if f"{suffix}_" in low and len(suffix) > 2:
            return scale, unit
    return None


def human(key: str, value: Any) -> str:
    """Format ``value`` of the quantity ``key`` for people.

    Examples
    --------
    >>> human("capex_usd", 3.2e11)
    '$320B'
    >>> human("gw_online_2030_gw", 12.345)
    '12.3 GW'
    >>> human("emissions_tco2", 4.5e6)
    '4.50 MtCO2'
    >>> human("co2_t_per_mwh", 0.34)
    '0.340 tCO2/MWh'
    >>> human("flops", 3.8e25)
    '3.8e+25'
    >>> human("co2e_t", 12003.2)
    '12.0 ktCO2'
    >>> human("dollar_year", 2025)
    '2025'
    >>> human("break_even_year_p50", 2032.0)
    '2032'
    >>> human("energy_solar_mwh", 1.3e-7)
    '0 MWh'
    """
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "-"
    low = key.lower()
    if re.search(r"year(_p\d+)?$", low) and float(value).is_integer():
        return str(int(value))  # a calendar or dollar year: no separator
    if (low.startswith("p_") or "probability" in low) and 0.0 <= value <= 1.0:
        return f"{_sig(100.0 * value)} %"  # a probability, shown in percent
    found = unit_of(key)
    if found is None:
        if abs(value) >= 1e15:
            return f"{float(value):.3g}"  # FLOPs, tokens: digits past 3 are noise
        if isinstance(value, int) or float(value).is_integer():
            return f"{int(value):,}"
        return _sig(float(value))
    scale, unit = found
    base = float(value) * scale
    ladder = _LADDERS.get(unit)
    if ladder is None:
        return f"{_sig(base)} {unit}"
    if abs(base) < 1e-3 * ladder[-1][0]:
        base = 0.0  # below a thousandth of the smallest unit: solver noise
    step, label = next(((s, u) for s, u in ladder if abs(base) >= s), ladder[-1])
    shown = _sig(abs(base) / step)
    sign = "-" if base < 0 else ""
    if label.startswith("$"):
        return f"{sign}${shown}{label[1:]}"
    return f"{sign}{shown} {label}"
