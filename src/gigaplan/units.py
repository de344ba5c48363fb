"""The unit of every quantity gigaplan reports, declared once, and how to show it.

A quantity's unit comes from its name and nothing else: first the explicit
table :data:`KEYS` (names whose unit the suffix cannot tell, such as
``model_hours`` or ``first_period_1gw_per_week``), then the name-suffix table
:data:`SUFFIXES` (``_usd``, ``_mw``, ``_fraction``...). Statistic decorations
(``_p50``, ``_mean``, ``_total``...) are taken off before looking, and an
estimate case prefix (``case.facility_mw``) is dropped. The size of the value is
never used to guess a unit; it only picks the display prefix (MW or GW, $M or
$B) once the unit is known. A name with no declared unit is shown as a bare
number, and the tests check that every summary key the real stages produce is
declared.

The same :class:`Unit` feeds the report's cards and tables, the CLI's
key/value tables, chart axes and the ``units`` attributes of exports.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

# Time conversions, one owner for every module (a quarter is a quarter of a
# Julian year; the campus LP's model year is 8760 h; the factory's month is a
# twelfth of a 52.1775-week year).
HOURS_PER_WEEK = 168
HOURS_PER_YEAR = 8760
HOURS_PER_QUARTER = 365.25 * 24 / 4
SECONDS_PER_QUARTER = 365.25 * 86400 / 4
WEEKS_PER_QUARTER = 365.25 / 7 / 4
YEARS_PER_QUARTER = 0.25
WEEKS_PER_MONTH = 52.1775 / 12.0

__all__ = [
    "KEYS",
    "PREFIXES",
    "SUFFIXES",
    "UNITS",
    "Unit",
    "axis_title",
    "display_scale",
    "format_number",
    "format_value",
    "unit_of",
]


@dataclass(frozen=True)
class Unit:
    """One unit: its symbol, how its numbers are shown, and its display prefixes.

    Attributes
    ----------
    symbol : str
        Shown after a number and on axes (``"MW"``, ``"$/MWh"``, ``"%"``).
    kind : str
        How numbers are written: ``"scaled"`` (a ladder of prefixes, e.g. MW
        and GW), ``"money"`` (``$`` ladder, ``per`` after it), ``"fraction"``
        (a share in [0, 1] shown in %), ``"year"`` (no separator),
        ``"count"`` (engineering notation past a million), ``"scientific"``
        (FLOP, tokens), ``"plain"`` (3 significant digits), ``"label"`` (text,
        e.g. a period ``2026Q1`` or a list of names).
    words : str
        The unit in words for axis titles (``"megawatts"``).
    ladder : tuple of (float, str)
        Display steps ``(factor, symbol)``, largest first, for ``scaled`` and
        ``money``; the factor is in this unit (1 GW = 1e3 MW).
    per : str
        For money rates, the denominator (``"MWh"`` in ``$/MWh``).
    """

    symbol: str
    kind: str
    words: str = ""
    ladder: tuple[tuple[float, str], ...] = ()
    per: str = ""


_MONEY_LADDER = ((1e12, "$T"), (1e9, "$B"), (1e6, "$M"), (1e3, "$k"), (1.0, "$"))
_MW_LADDER = ((1e3, "GW"), (1.0, "MW"), (1e-3, "kW"))
_MWH_LADDER = ((1e6, "TWh"), (1e3, "GWh"), (1.0, "MWh"))
_T_LADDER = ((1e6, "MtCO2"), (1e3, "ktCO2"), (1.0, "tCO2"))


def _money(per: str = "", words: str = "US dollars") -> Unit:
    # rates read best in whole dollars below a million ($2,528/kW, not $2.53k/kW)
    ladder = tuple(s for s in _MONEY_LADDER if s[1] != "$k") if per else _MONEY_LADDER
    return Unit("$" + (f"/{per}" if per else ""), "money", words, ladder, per)


#: Every unit gigaplan reports, by name.
UNITS: dict[str, Unit] = {
    "USD": _money(),
    "USD/MWh": _money("MWh", "US dollars per megawatt-hour"),
    "USD/kW": _money("kW", "US dollars per kilowatt"),
    "USD/kW-yr": _money("kW-yr", "US dollars per kilowatt-year"),
    "USD/MW-yr": _money("MW-yr", "US dollars per megawatt-year"),
    "USD/tCO2": _money("tCO2", "US dollars per tonne of CO2"),
    "USD/M tokens": _money("M tokens", "US dollars per million tokens"),
    "USD/EFLOP": _money("EFLOP", "US dollars per 1e18 FLOP"),
    "USD/accelerator-h": _money("accelerator-h", "US dollars per accelerator-hour"),
    "USD/GW": _money("GW", "US dollars per GW"),
    "USD/(GW/week)": _money("(GW/week)", "US dollars per GW/week of build rate"),
    "USD/1000 accelerators": _money(
        "1000 accelerators", "US dollars per 1000 accelerators"
    ),
    "USD/unit": _money("unit", "US dollars per unit"),
    "USD/USD": Unit("$/$", "plain", "US dollars per US dollar of budget"),
    "MW": Unit("MW", "scaled", "megawatts", _MW_LADDER),
    "GW": Unit("GW", "scaled", "gigawatts", tuple((f / 1e3, s) for f, s in _MW_LADDER)),
    "MWh": Unit("MWh", "scaled", "megawatt-hours", _MWH_LADDER),
    "tCO2": Unit("tCO2", "scaled", "tonnes of CO2", _T_LADDER),
    "tCO2/MWh": Unit("tCO2/MWh", "plain", "tonnes of CO2 per megawatt-hour"),
    "GW/week": Unit("GW/week", "plain", "gigawatts per week"),
    "%": Unit("%", "fraction", "percent"),
    "year": Unit("", "year", "year"),
    "period": Unit("", "label", "period"),
    "text": Unit("", "label", ""),
    "ratio": Unit("", "plain", "ratio"),
    "h": Unit("h", "plain", "hours"),
    "hour": Unit("", "count", "hour of the modelled year"),
    "s": Unit("s", "plain", "seconds"),
    "days": Unit("days", "plain", "days"),
    "weeks": Unit("weeks", "plain", "weeks"),
    "week": Unit("", "count", "week number"),
    "quarters": Unit("quarters", "plain", "quarters"),
    "GB": Unit("GB", "plain", "gigabytes"),
    "GB/s": Unit("GB/s", "plain", "gigabytes per second"),
    "J/token": Unit("J/token", "plain", "joules per output token"),
    "tokens/s": Unit("tokens/s", "plain", "output tokens per second"),
    "FLOP": Unit("FLOP", "scientific", "floating-point operations"),
    "FLOP/s": Unit("FLOP/s", "scientific", "floating-point operations per second"),
    "tokens": Unit("tokens", "scientific", "output tokens"),
    "accelerators": Unit("accelerators", "count", "accelerators"),
    "accelerator-h": Unit("accelerator-h", "count", "accelerator-hours"),
    "paths": Unit("paths", "count", "demand paths"),
    "replications": Unit("replications", "count", "replications"),
    "scenarios": Unit("scenarios", "count", "scenarios"),
    "iterations": Unit("iterations", "count", "iterations"),
    "projects": Unit("projects", "count", "projects"),
    "units": Unit("units", "count", "resource units"),
    "W": Unit("W", "plain", "watts"),
}

#: Names whose unit their suffix does not tell (or tells wrongly), exactly.
KEYS: dict[str, str] = {
    # power
    "model_hours": "h",
    "rep_days": "days",
    "cfe_share": "%",
    "hour": "hour",
    # plan
    "first_period_1gw_per_week": "period",
    "peak_gw_online_added_per_week": "GW/week",
    "gw_online_added_per_week": "GW/week",
    "binding_limits": "text",
    "shadow_prices": "text",
    "dollar_year": "year",
    "risk_weight": "ratio",
    "cvar_alpha": "%",
    "mip_gap": "%",
    "decomposition_gap": "%",
    "decomposition_iterations": "iterations",
    "units_bought": "accelerators",
    "units_in_service": "accelerators",
    "peak_units_in_service": "accelerators",
    "power_w_per_unit": "W",
    "accelerator_hours": "accelerator-h",
    "period": "period",
    "year": "year",
    "scenario": "text",
    "limit": "text",
    "item": "text",
    "unit": "text",
    "binding": "text",
    "site": "text",
    "vendor": "text",
    "accelerator": "text",
    "tech": "text",
    "option": "text",
    "case": "text",
    "stage": "text",
    "resource": "text",
    "kind": "text",
    "source": "text",
    "citation": "text",
    "costed_by": "text",
    "bottleneck_by_relaxation": "text",
    "bottleneck_by_utilisation": "text",
    "target_reached": "text",
    "reachable_alone": "text",
    "date": "text",
    "period_start_date": "text",
    "memory_gb_per_accelerator": "GB",
    # risk
    "paths": "paths",
    "periods": "period",
    "policy": "text",
    "p_shortfall_inference": "%",
    "p_shortfall_training": "%",
    "p_shortfall_inference_max_period": "period",
    "probability_npv_negative": "%",
    "probability": "%",
    "quantile": "%",
    "utilisation": "%",
    "idle_accelerator_hours": "accelerator-h",
    "idle_installed_accelerator_hours": "accelerator-h",
    "planning_utilisation": "%",
    "utilisation_of_installed_hours": "%",
    "reduction_scenarios": "scenarios",
    "reduction_transport_distance": "ratio",
    "break_even_year": "year",
    # factory
    "replications": "replications",
    "target_week": "week",
    "week": "week",
    "period_start_week": "week",
    "bottleneck_at_target": "text",
    "gw_energised": "GW",
    "gw_cumulative": "GW",
    "gw_energised_mean": "GW",
    "upper_gw_per_week_unlimited_resources": "GW/week",
    "gain_gw_when_relaxed": "GW",
    "multiplier_needed": "ratio",
    "capacity_added_at_peak": "units",
    "littles_law_rel_gap": "%",
    "littles_law_wip": "projects",
    "wip": "projects",
    "queue": "projects",
    "queue_projects": "projects",
    "projects_entered": "projects",
    "arrival_rate_per_week": "ratio",
    "capacity_available": "units",
    "capacity_used": "units",
    # plan headline, chip inputs, starting state and leases
    "first_period_at_target": "period",
    "peak_online_period": "period",
    "limits_hit": "text",
    "fastest_scenario": "text",
    "scenarios_reaching_target": "scenarios",
    "peak_gw_online_per_week_expected": "GW/week",
    "peak_gw_online_per_week_fastest_scenario": "GW/week",
    "peak_online_gw_per_week": "GW/week",
    "peak_started_gw_per_week": "GW/week",
    "capex_usd_undiscounted": "USD",
    "opex_usd_undiscounted": "USD",
    "lease_usd_undiscounted": "USD",
    "chip_numbers_flagged": "accelerators",
    "ceiling": "text",
    "basis": "text",
    "quantity": "text",
    "estimator_chip": "text",
    "ratio_to_estimator": "ratio",
    "flag": "text",
    "units_existing": "accelerators",
    "facility_new_gw": "GW",
    "training_gain": "ratio",
    "units_leased": "accelerators",
    # factory fed by the plan
    "target_reachable": "text",
    "target_capped_by": "text",
    "plan_delivered": "text",
    "delivered": "text",
    "plan_quarters_delivered": "quarters",
    "plan_quarters_checked": "quarters",
    "plan_worst_shortfall_gw": "GW",
    "shortfall_gw": "GW",
    "plan_online_gw": "GW",
    "factory_energised_gw_p50": "GW",
    "plan_worst_shortfall_period": "period",
    "plan_worst_lag_weeks": "weeks",
    "lag_weeks": "weeks",
    "plan_never_caught_up": "text",
    "plan_binding_resource": "text",
    "binding_resource": "text",
    # estimate: power and energy at three boundaries
    "accelerator_power_w": "W",
    "it_power_w": "W",
    "facility_power_w": "W",
    "accelerator_energy_j_per_output_token": "J/token",
    "it_energy_j_per_output_token": "J/token",
    "facility_energy_j_per_output_token": "J/token",
    "decode_compute_share": "%",
    "mfu": "%",
    # estimate training: the terms of its MFU and the parallel layout
    "core_mfu": "%",
    "matmul_efficiency": "%",
    "communication_share": "%",
    "bubble_share": "%",
    "goodput": "%",
    "tensor_parallel": "accelerators",
    "pipeline_parallel": "accelerators",
    "data_parallel": "accelerators",
    # estimate: which precision was used and why a cost is missing
    "precision": "text",
    "precision_note": "text",
    "cost_note": "text",
    "training_flops_per_s_per_accelerator": "FLOP/s",
    # estimate
    "accelerators_needed": "accelerators",
    "flops": "FLOP",
    "output_tokens_per_s_per_accelerator": "tokens/s",
    "energy_j_per_output_token": "J/token",
    "cost_usd_per_million_output_tokens": "USD/M tokens",
}

#: ``(name suffix, unit)``, longest first; matched against ``"_" + name``.
SUFFIXES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        (
            ("_usd_per_gw_per_week", "USD/(GW/week)"),
            ("_usd_per_1000_accelerators", "USD/1000 accelerators"),
            ("_usd_per_accelerator_hour", "USD/accelerator-h"),
            ("_gb_per_s", "GB/s"),
            ("_usd_per_mwh", "USD/MWh"),
            ("_usd_per_kw_yr", "USD/kW-yr"),
            ("_usd_per_mw_yr", "USD/MW-yr"),
            ("_usd_per_kw", "USD/kW"),
            ("_usd_per_gw", "USD/GW"),
            ("_usd_per_t", "USD/tCO2"),
            ("_usd_per_tco2", "USD/tCO2"),  # runs stored before one CO2 spelling
            ("_usd_per_mtoken", "USD/M tokens"),
            ("_usd_per_mtok", "USD/M tokens"),
            ("_usd_per_eflop", "USD/EFLOP"),
            ("_usd_per_usd", "USD/USD"),
            ("_usd", "USD"),
            ("_gw_per_week", "GW/week"),
            ("_t_per_mwh", "tCO2/MWh"),
            ("_tco2_per_mwh", "tCO2/MWh"),  # runs stored before one CO2 spelling
            ("_mwh", "MWh"),
            ("_gw", "GW"),
            ("_mw", "MW"),
            ("_co2_t", "tCO2"),
            ("_co2e_t", "tCO2"),
            ("_tco2", "tCO2"),  # runs stored before one CO2 spelling
            ("_fraction", "%"),
            ("_probability", "%"),
            ("_relative", "%"),
            ("_utilisation", "%"),
            ("_flop", "FLOP"),
            ("_tokens", "tokens"),
            ("_days", "days"),
            ("_weeks", "weeks"),
            ("_quarters", "quarters"),
            ("_hours", "h"),
            ("_h", "h"),
            ("_s", "s"),
            ("_gb", "GB"),
            ("_year", "year"),
        ),
        key=lambda pair: -len(pair[0]),
    )
)

#: ``(name prefix, unit)`` for names that put the unit first (``gain_gw_<resource>``).
PREFIXES: tuple[tuple[str, str], ...] = (("gain_gw_", "GW"),)

#: Statistic and qualifier endings taken off a name before looking it up.
_DECORATION = re.compile(
    r"_(?:p\d{1,2}|mean|sd|standard_error|cvar|max|min|total|end|expected"
    r"|at_target|when_relaxed|at_peak|by_site|available|used)$"
)


def unit_name(key: str) -> str | None:
    """Name (in :data:`UNITS`) of the unit of quantity ``key``, or None.

    Parameters
    ----------
    key : str
        A quantity's name; a dotted prefix (``llama-70b.``) is ignored.

    Returns
    -------
    name : str or None
        Key of its unit in :data:`UNITS`, None when it is not declared.

    Examples
    --------
    >>> unit_name("capex_usd_total"), unit_name("npv_usd_p5")
    ('USD', 'USD')
    >>> unit_name("llama-70b.facility_mw"), unit_name("model_hours")
    ('MW', 'h')
    >>> unit_name("gw_per_week_at_target_p50"), unit_name("mystery")
    ('GW/week', None)
    """
    name = key.rsplit(".", 1)[-1].lower()
    while True:
        if name in KEYS:
            return KEYS[name]
        low = "_" + name
        for prefix, unit in PREFIXES:
            if name.startswith(prefix):
                return unit
        for suffix, unit in SUFFIXES:
            if low.endswith(suffix):
                return unit
        stripped = _DECORATION.sub("", name)
        if stripped == name:
            return None
        name = stripped


def unit_of(key: str) -> Unit | None:
    """The :class:`Unit` of quantity ``key`` (None when it is not declared).

    Parameters
    ----------
    key : str
        A quantity's name.

    Returns
    -------
    unit : Unit or None
        Its declared unit.
    """
    name = unit_name(key)
    return None if name is None else UNITS[name]


def _sig(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits and thousands separators."""
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:,.{decimals}f}"


def format_number(value: float, unit: Unit | None) -> str:
    """A number in ``unit``, for people (see :func:`format_value`).

    Parameters
    ----------
    value : float
        The number, in ``unit``.
    unit : Unit or None
        Its unit; None gives a plain number.

    Returns
    -------
    text : str
        The number with a readable prefix and its symbol.
    """
    if unit is None:
        if float(value).is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return _sig(float(value)) if abs(value) < 1e6 else f"{float(value):.3g}"
    kind = unit.kind
    if kind == "year" or (kind == "label" and float(value).is_integer()):
        return str(int(value)) if float(value).is_integer() else _sig(float(value))
    if kind == "fraction":
        return f"{_sig(100.0 * float(value))} %"
    if kind == "scientific":
        text = "0" if value == 0 else f"{float(value):.3g}"
        return f"{text} {unit.symbol}"
    if kind == "count":
        return _with_symbol(_engineering(float(value)), unit.symbol)
    if kind in ("scaled", "money"):
        return _laddered(float(value), unit)
    if float(value).is_integer() and abs(value) < 1e6:
        return _with_symbol(f"{int(value):,}", unit.symbol)
    return _with_symbol(_sig(float(value)), unit.symbol)


def _with_symbol(number: str, symbol: str) -> str:
    return f"{number} {symbol}" if symbol else number


def _engineering(value: float) -> str:
    """Counts: separators below a million, engineering notation (e3 steps) above.

    Examples
    --------
    >>> _engineering(377777.8), _engineering(1.3645e9), _engineering(12.0)
    ('377,778', '1.36e9', '12')
    """
    if abs(value) < 1e6:
        return (
            f"{value:,.0f}" if abs(value) >= 100 or value.is_integer() else _sig(value)
        )
    exponent = 3 * math.floor(math.log10(abs(value)) / 3)
    return f"{_sig(value / 10**exponent).replace(',', '')}e{exponent}"


def _laddered(value: float, unit: Unit) -> str:
    smallest = unit.ladder[-1][0]
    if abs(value) < 1e-3 * smallest:
        value = 0.0  # below a thousandth of the smallest step: solver noise
    if value == 0.0:
        return (
            f"${0}/{unit.per}"
            if unit.per
            else ("$0" if unit.kind == "money" else f"0 {unit.symbol}")
        )
    step, label = next(
        ((s, u) for s, u in unit.ladder if abs(value) >= s), unit.ladder[-1]
    )
    shown = _sig(abs(value) / step)
    sign = "-" if value < 0 else ""
    if unit.kind == "money":
        per = f"/{unit.per}" if unit.per else ""
        return f"{sign}${shown}{label[1:]}{per}"
    return f"{sign}{shown} {label}"


def format_value(key: str, value: Any, *, dollar_year: int | None = None) -> str:
    """Format ``value`` of the quantity ``key`` in its declared unit.

    Parameters
    ----------
    key : str
        The quantity's name (a summary key or a column name).
    value : Any
        Its value; text is shown as it is, None and NaN as ``-``.
    dollar_year : int, optional
        Year of the dollars, appended to money as ``(2025 $)``.

    Returns
    -------
    text : str
        The value with its unit, as people read it.

    Examples
    --------
    >>> format_value("capex_usd_total", 6.48e10, dollar_year=2025)
    '$64.8B (2025 $)'
    >>> format_value("inference_unmet_fraction", 0.4412)
    '44.1 %'
    >>> format_value("dollar_year", 2025), format_value("break_even_year_p50", 2032.0)
    ('2025', '2032')
    >>> format_value("research_lost_to_launches_flop_mean", 1.0179e26)
    '1.02e+26 FLOP'
    >>> format_value("units_bought", 377777.8), format_value("paths", 20000)
    ('377,778 accelerators', '20,000 paths')
    >>> format_value("idle_accelerator_hours_mean", 1.3645e9)
    '1.36e9 accelerator-h'
    >>> format_value("capacity_solar_mw", 0.0), format_value("facility_gw_end", 2.0)
    ('0 MW', '2.00 GW')
    >>> format_value("co2_cap_usd_per_t", 20.9), format_value("co2_t", 2.0e5)
    ('$20.9/tCO2', '200 ktCO2')
    >>> format_value("rep_days", 0), format_value("first_period_1gw_per_week", None)
    ('0 days', '-')
    """
    if value is None:
        return "-"
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalar
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if not math.isfinite(value):
        return "-"
    unit = unit_of(key)
    text = format_number(value, unit)
    if dollar_year is not None and unit is not None and unit.kind == "money":
        text += f" ({dollar_year} $)"
    return text


def display_scale(unit: Unit, values: Any) -> tuple[float, str]:
    """(divisor, symbol) that shows ``values`` of ``unit`` on one axis.

    The unit is declared; only the prefix (MW or GW, $M or $B) is chosen from
    the largest value, so that the axis reads 0-40 GW rather than 0-40,000 MW.

    Parameters
    ----------
    unit : Unit
        The values' declared unit.
    values : array-like
        Values to be drawn on one axis, in ``unit``.

    Returns
    -------
    divisor : float
        What to divide the values by.
    symbol : str
        The unit symbol after dividing.

    Examples
    --------
    >>> display_scale(UNITS["MW"], [120.0, 2400.0])
    (1000.0, 'GW')
    >>> display_scale(UNITS["USD/GW"], [3e8, 8.5e9])
    (1000000000.0, '$B/GW')
    >>> display_scale(UNITS["%"], [0.1, 0.5])
    (0.01, '%')
    """
    import numpy as np

    if unit.kind == "fraction":
        return 0.01, "%"
    if unit.kind not in ("scaled", "money"):
        return 1.0, unit.symbol
    arr = np.abs(np.asarray(values, dtype=float))
    top = float(np.nanmax(arr)) if arr.size and np.isfinite(arr).any() else 0.0
    step, label = next(((s, u) for s, u in unit.ladder if top >= s), unit.ladder[-1])
    if unit.kind == "money" and unit.per:
        label = f"{label}/{unit.per}"
    return step, label


def axis_title(words: str, symbol: str, dollar_year: int | None = None) -> str:
    """An axis title in words with its unit: ``"Facility power (GW)"``.

    Parameters
    ----------
    words : str
        What the axis shows.
    symbol : str
        Unit symbol, as :func:`display_scale` gives; empty for none.
    dollar_year : int, optional
        Year of the dollars, added to money symbols.

    Returns
    -------
    title : str
        The axis title.

    Examples
    --------
    >>> axis_title("Capex", "$B", 2025)
    'Capex ($B, 2025 $)'
    """
    money = symbol.startswith("$") and dollar_year is not None
    inside = f"{symbol}, {dollar_year} $" if money else symbol
    return f"{words} ({inside})" if inside else words
