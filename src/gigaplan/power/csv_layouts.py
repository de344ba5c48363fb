"""Hourly profiles from the CSV layouts of public sources, told apart by header.

Each reader turns one file into hourly arrays on the power model's time axis:
one non-leap year of UTC hours from Jan 1 00:00 (the axis of
:func:`gigaplan.power.profiles.solar_cf_profile`), each value the average over
the hour that starts at that time. Timestamps are moved to that axis as each
source documents them; Feb 29 of a leap year is dropped (8784 rows become
8760); the few hours a local-time file has across the new year in UTC wrap
round to the other end of the same year.

References
----------
.. [1] Pfenninger, S., Staffell, I. (2016), "Long-term patterns of European PV
   output using 30 years of validated hourly reanalysis and satellite data",
   Energy 114; CSV layout of https://www.renewables.ninja downloads.
.. [2] European Commission JRC, "PVGIS user manual", hourly radiation and PV
   output (``seriescalc``), CSV output.
.. [3] U.S. EIA, "Hourly Electric Grid Monitor: about the data" (Form
   EIA-930 six-month BALANCE files, times at the end of the hour).
.. [4] ERCOT, "DAM Settlement Point Prices" report (NP4-190-CD), hour ending
   in Central Prevailing Time, prices in $/MWh.
"""

from __future__ import annotations

import calendar
import csv
import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from gigaplan.errors import InputError
from gigaplan.units import HOURS_PER_YEAR

if TYPE_CHECKING:
    import pandas as pd

#: Layouts accepted, as named in the error for a file that matches none.
LAYOUTS = {
    "gigaplan": "columns among hour, demand_mw, solar_cf, wind_cf, "
    "grid_price_usd_per_mwh; one row per UTC hour from Jan 1 00:00",
    "renewables.ninja": "'#' lines, then time,local_time,electricity "
    "(kW for the parameters' capacity; PV or Wind named on the first line)",
    "PVGIS hourly": "a header block, then time,P,G(i),H_sun,T2m,WS10m,Int "
    "(P in W for the 'Nominal power' kWp, or power.pv_peak_kw)",
    "EIA-930 BALANCE": "'UTC Time at End of Hour' and 'Demand (MW)' columns, "
    "one balancing authority",
    "ERCOT DAM SPP": "Delivery Date,Hour Ending,Repeated Hour Flag,"
    "Settlement Point,Settlement Point Price ($/MWh), one settlement point",
    "time and value": "two columns: time named with its zone ('time (UTC)', "
    "'hour ending (America/Chicago)'), value with its unit ('load (MW)', "
    "'price ($/MWh)')",
}

#: Unit in a value column's name -> (profile, factor to the profile's unit).
VALUE_UNITS = {
    "mw": ("demand_mw", 1.0),
    "mwh": ("demand_mw", 1.0),  # energy in one hour = average MW over it
    "gw": ("demand_mw", 1e3),
    "gwh": ("demand_mw", 1e3),
    "$/mwh": ("grid_price_usd_per_mwh", 1.0),
    "usd/mwh": ("grid_price_usd_per_mwh", 1.0),
}

_NINJA_TECH = {"pv": "solar_cf", "wind": "wind_cf"}
_PVGIS_PEAK = re.compile(r"^Nominal power.*\(kWp\):\s*([0-9.eE+-]+)")
_WORD = re.compile(r"^\s*\w+\s*$")  # a one-column header
_UNIT_IN_NAME = re.compile(r"^(?P<name>.*?)\s*\((?P<unit>[^()]+)\)\s*$")


@dataclass(frozen=True)
class CsvText:
    """A CSV file split at its header line.

    Parameters
    ----------
    path : Path
        The file, for messages.
    preamble : list of str
        Lines before the header (comments, metadata block).
    columns : list of str
        Header cells, stripped.
    rows : list of list of str
        Data rows up to the first blank line (a footer follows it in PVGIS).
    first_line : int
        File line number of ``rows[0]`` (1-based).
    """

    path: Path
    preamble: list[str]
    columns: list[str]
    rows: list[list[str]]
    first_line: int

    def column(self, name: str) -> list[str]:
        """The cells of column ``name``.

        Parameters
        ----------
        name : str
            A column of the header.

        Returns
        -------
        list of str
            Its cells, one per data row, unparsed.
        """
        i = self.columns.index(name)
        return [r[i] if i < len(r) else "" for r in self.rows]

    def where(self, i: int, column: str) -> str:
        """Field name for messages: file, line of row ``i``, column.

        Parameters
        ----------
        i : int
            Data row, from 0.
        column : str
            Column name.

        Returns
        -------
        str
            ``<file>: line <n>: <column>`` for an error message.
        """
        return f"{self.path}: line {self.first_line + i}: {column}"


def split_csv(path: Path) -> CsvText:
    """Read ``path`` and split it at its header.

    The header is the first line not starting with ``#`` that has a comma or
    is one word (a one-column file); PVGIS's metadata lines have neither.

    Parameters
    ----------
    path : Path
        A CSV file, possibly with metadata lines above its header.

    Returns
    -------
    CsvText
        The header's cells and the data rows up to the first blank line.
    """
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(str(path), "unreadable", f"a CSV text file ({err})") from None
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if not line.startswith("#") and ("," in line or _WORD.match(line))
        ),
        None,
    )
    if start is None:
        raise InputError(str(path), "no header line", _accepted())
    body = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        body.append(line)
    header, *rows = list(csv.reader([lines[start], *body]))
    return CsvText(path, lines[:start], [c.strip() for c in header], rows, start + 2)


def _accepted() -> str:
    return "one of the layouts " + "; ".join(f"{k}: {v}" for k, v in LAYOUTS.items())


def detect_layout(text: CsvText) -> str:
    """Name (a key of :data:`LAYOUTS`) of the layout ``text`` is in.

    Parameters
    ----------
    text : CsvText
        A split CSV file.

    Returns
    -------
    str
        The key of the layout the header's columns match.

    Raises
    ------
    InputError
        No layout matches; the message lists every accepted layout.
    """
    cols = text.columns
    if cols[:1] == ["time"] and "electricity" in cols[1:3]:
        return "renewables.ninja"
    if cols[:3] == ["time", "P", "G(i)"]:
        return "PVGIS hourly"
    if "UTC Time at End of Hour" in cols and "Demand (MW)" in cols:
        return "EIA-930 BALANCE"
    if cols[:2] == ["Delivery Date", "Hour Ending"] and "Settlement Point" in cols:
        return "ERCOT DAM SPP"
    if len(cols) == 2 and _time_zone(cols[0]) and _value_unit(cols[1]):
        return "time and value"
    from gigaplan.power.csvio import COLUMNS

    if any(c in COLUMNS or c == "hour" for c in cols):  # its own checks name the rest
        return "gigaplan"
    raise InputError(
        f"{text.path}: line {text.first_line - 1}: header", cols, _accepted()
    )


@dataclass(frozen=True)
class _Series:
    """One profile read from a file, before it is put on the year axis."""

    profile: str
    column: str  # the file's column the values come from, for messages
    start_utc: pd.DatetimeIndex  # start of each row's hour
    values: np.ndarray  # in the profile's unit
    per: str = ""  # how a value was converted, for messages


def read_public_csv(
    text: CsvText, layout: str, pv_peak_kw: float | None = None
) -> dict[str, np.ndarray]:
    """Hourly profiles on the model's year axis from a public layout.

    Parameters
    ----------
    text : CsvText
        The split file.
    layout : str
        Its layout (:func:`detect_layout`), not ``gigaplan``.
    pv_peak_kw : float, optional
        Peak power of a PVGIS system whose header lacks the 'Nominal power'
        line. [kW]

    Returns
    -------
    dict of str to ndarray (8760,)
        The profile the file gives, by name, NaN where the file has no row
        for an hour.
    """
    if layout == "PVGIS hourly":
        series = _pvgis(text, pv_peak_kw)
    else:
        readers: dict[str, Callable[[CsvText], _Series]] = {
            "renewables.ninja": _ninja,
            "EIA-930 BALANCE": _eia930,
            "ERCOT DAM SPP": _ercot_dam,
            "time and value": _time_value,
        }
        series = readers[layout](text)
    _check_values(text, series)
    return {series.profile: _on_year_axis(text, series)}


def _numbers(text: CsvText, column: str, thousands: bool = False) -> np.ndarray:
    """Column ``column`` as floats; an empty or non-numeric cell is an error."""
    cells = text.column(column)
    out = np.empty(len(cells))
    for i, cell in enumerate(cells):
        try:
            out[i] = float(cell.replace(",", "") if thousands else cell)
        except ValueError:
            raise InputError(
                text.where(i, column), cell or "(empty)", "a number"
            ) from None
    return out


def _times(text: CsvText, column: str, fmt: str | None = None) -> pd.DatetimeIndex:
    """Column ``column`` as timestamps (naive unless the cells carry a zone)."""
    import pandas as pd

    cells = text.column(column)
    try:
        return pd.DatetimeIndex(pd.to_datetime(cells, format=fmt or "mixed"))
    except (ValueError, TypeError):
        for i, cell in enumerate(cells):  # name the first cell that fails
            try:
                pd.to_datetime(cell, format=fmt or "mixed")
            except (ValueError, TypeError):
                allowed = f"a time as {fmt}" if fmt else "a date and time"
                raise InputError(text.where(i, column), cell, allowed) from None
        raise


def _one_value(text: CsvText, column: str, what: str) -> None:
    """A file that mixes several ``column`` values (BAs, nodes) is refused."""
    if column not in text.columns:
        return
    found = sorted(set(text.column(column)))
    if len(found) > 1:
        raise InputError(
            f"{text.path}: {column}",
            found,
            f"one {what} per file (keep the rows of the one the campus buys from)",
        )


def _ninja(text: CsvText) -> _Series:
    """renewables.ninja point output: electricity in kW for ``capacity`` kW [1]_."""
    head = "\n".join(text.preamble)
    params: dict = {}
    for line in text.preamble:
        if line.lstrip("# ").startswith("{"):
            try:
                params = json.loads(line.lstrip("# ")).get("params", {})
            except json.JSONDecodeError:
                params = {}
    tech = re.search(r"Renewables\.ninja\s+(PV|Wind)\b", head, re.IGNORECASE)
    if tech is not None:
        profile = _NINJA_TECH[tech.group(1).lower()]
    elif "turbine" in params or "tilt" in params:
        profile = "wind_cf" if "turbine" in params else "solar_cf"
    else:
        raise InputError(
            f"{text.path}: line 1",
            "no '# Renewables.ninja PV' or 'Wind' line",
            "the '#' lines the download starts with (they say PV or wind)",
        )
    unit = re.search(r"electricity in (\w+)", head)
    if unit is not None and unit.group(1) != "kW":
        raise InputError(f"{text.path}: units", unit.group(1), "electricity in kW")
    capacity_kw = float(params.get("capacity", 1.0))
    starts = _times(text, "time").tz_localize(None).tz_localize("UTC")
    values = _numbers(text, "electricity") / capacity_kw
    per = f" (kW per kW of the {capacity_kw:g} kW system)"
    return _Series(profile, "electricity", starts, values, per)


def _pvgis(text: CsvText, pv_peak_kw: float | None) -> _Series:
    """PVGIS hourly output: P in W of a system of the nominal kWp, UTC [2]_."""
    in_file = [
        float(m.group(1))
        for line in text.preamble
        if (m := _PVGIS_PEAK.match(line.strip()))
    ]
    if in_file and pv_peak_kw is not None and abs(in_file[0] - pv_peak_kw) > 1e-9:
        raise InputError(
            "power.pv_peak_kw",
            pv_peak_kw,
            f"leave it out: {text.path} says its nominal power is {in_file[0]:g} kWp",
        )
    peak_kw = in_file[0] if in_file else pv_peak_kw
    if peak_kw is None or peak_kw <= 0:
        raise InputError(
            "power.pv_peak_kw",
            peak_kw,
            f"the system's peak power in kW (> 0): {text.path} has no "
            "'Nominal power of the PV system (kWp)' line",
        )
    # time is the UTC hour and the minute the irradiance was computed for
    starts = _times(text, "time", "%Y%m%d:%H%M").floor("h").tz_localize("UTC")
    values = _numbers(text, "P") / (peak_kw * 1e3)
    return _Series("solar_cf", "P", starts, values, f" (W per {peak_kw:g} kWp)")


def _eia930(text: CsvText) -> _Series:
    """EIA-930 BALANCE rows of one BA: demand at the end of each UTC hour [3]_."""
    import pandas as pd

    _one_value(text, "Balancing Authority", "balancing authority")
    column = next(
        c for c in ("Demand (MW) (Adjusted)", "Demand (MW)") if c in text.columns
    )
    ends = _times(text, "UTC Time at End of Hour").tz_localize(None).tz_localize("UTC")
    starts = ends - pd.Timedelta(hours=1)
    return _Series("demand_mw", column, starts, _numbers(text, column, thousands=True))


def _ercot_dam(text: CsvText) -> _Series:
    """ERCOT DAM prices of one settlement point, hour ending in Central time [4]_."""
    import pandas as pd

    _one_value(text, "Settlement Point", "settlement point")
    days = _times(text, "Delivery Date", "%m/%d/%Y")
    ending = [h.split(":")[0] for h in text.column("Hour Ending")]
    hours = np.array([int(h) if h.isdigit() else -1 for h in ending])
    if ((hours < 1) | (hours > 24)).any():
        i = int(np.flatnonzero((hours < 1) | (hours > 24))[0])
        raise InputError(text.where(i, "Hour Ending"), ending[i], "01:00 to 24:00")
    local = days + pd.to_timedelta(hours - 1, unit="h")
    repeated = np.array(
        [f.strip().upper() == "Y" for f in text.column("Repeated Hour Flag")]
    )
    starts = local.tz_localize(
        "America/Chicago", ambiguous=~repeated, nonexistent="shift_forward"
    ).tz_convert("UTC")
    column = "Settlement Point Price"
    return _Series("grid_price_usd_per_mwh", column, starts, _numbers(text, column))


def _time_value(text: CsvText) -> _Series:
    """Two columns: time named with its zone, value named with its unit."""
    import pandas as pd

    time_col, value_col = text.columns
    zone = _time_zone(time_col) or "UTC"
    profile, factor = VALUE_UNITS[_value_unit(value_col) or ""]
    times = _times(text, time_col)
    if times.tz is None:
        try:
            times = times.tz_localize(zone, ambiguous="infer")
        except (ValueError, TypeError) as err:
            raise InputError(f"{text.path}: {time_col}", zone, str(err)) from None
    starts = times.tz_convert("UTC")
    if "ending" in time_col.lower():
        starts = starts - pd.Timedelta(hours=1)
    values = _numbers(text, value_col, thousands=True) * factor
    return _Series(profile, value_col, starts, values)


def _time_zone(name: str) -> str | None:
    """The zone a time column's name gives: '(UTC)' or '(Area/City)'."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    m = _UNIT_IN_NAME.match(name)
    zone = m.group("unit").strip() if m else ""
    if zone.upper() == "UTC":
        return "UTC"
    if "/" in zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            return None
        return zone
    return None


def _value_unit(name: str) -> str | None:
    """The unit (a key of :data:`VALUE_UNITS`) a value column's name gives."""
    m = _UNIT_IN_NAME.match(name)
    unit = m.group("unit").strip().lower().replace(" ", "") if m else ""
    return unit if unit in VALUE_UNITS else None


def _check_values(text: CsvText, series: _Series) -> None:
    """Capacity factors in [0, 1], demand >= 0; negative prices set to 0."""
    values, profile = series.values, series.profile
    upper = 1.0 if profile.endswith("_cf") else np.inf
    lower = -np.inf if profile == "grid_price_usd_per_mwh" else 0.0
    bad = (values > upper) | (values < lower)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            text.where(i, series.column),
            text.column(series.column)[i],
            f"{profile} {values[i]:.4g}{series.per}; a capacity factor is in [0, 1]"
            if upper == 1.0
            else f"a number >= 0 for {profile}",
        )
    if (values < 0).any():
        warnings.warn(
            f"{text.path}: {int((values < 0).sum())} negative prices (lowest "
            f"{values.min():g} $/MWh) set to 0: the campus model buys at most "
            "its demand and is never paid to take power",
            stacklevel=4,
        )
        values[values < 0] = 0.0


def _on_year_axis(text: CsvText, series: _Series) -> np.ndarray:
    """Values by UTC hour of a non-leap year; NaN where the file has none."""
    starts = series.start_utc
    if (starts.minute != 0).any() or (starts.second != 0).any():
        i = int(np.flatnonzero((starts.minute != 0) | (starts.second != 0))[0])
        raise InputError(text.where(i, "time"), str(starts[i]), "hourly rows")
    keep = ~((starts.month == 2) & (starts.day == 29))
    years = np.asarray(starts.year)
    leap = np.array([calendar.isleap(y) for y in years])
    day = np.asarray(starts.day_of_year) - 1 - (leap & (starts.month > 2))
    hour = day * 24 + np.asarray(starts.hour)
    year = int(np.bincount(years[keep] - years.min()).argmax() + years.min())
    near = (years == year) | ((years == year + 1) & (hour < 24))
    near |= (years == year - 1) & (hour >= HOURS_PER_YEAR - 24)
    if not near[keep].all():
        i = int(np.flatnonzero(keep & ~near)[0])
        raise InputError(
            text.where(i, "time"),
            str(starts[i]),
            f"one year of hours ({year}; the model's axis is one year)",
        )
    out = np.full(HOURS_PER_YEAR, np.nan)
    seen = np.zeros(HOURS_PER_YEAR, dtype=bool)
    for row in np.flatnonzero(keep).tolist():
        if seen[hour[row]]:
            raise InputError(
                text.where(row, "time"), str(starts[row]), "each UTC hour once"
            )
        seen[hour[row]] = True
        out[hour[row]] = series.values[row]
    return out
