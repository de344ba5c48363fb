"""Hourly profiles from CSV files, checked line by line.

A file is in gigaplan's own layout (:func:`read_profiles_csv`) or one of the
public layouts of :mod:`gigaplan.power.csv_layouts`, told apart by its header;
:func:`read_profile_files` reads one or several and joins their profiles.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gigaplan.errors import InputError
from gigaplan.units import HOURS_PER_YEAR

#: Rows of a leap year, and the first hour of its Feb 29 (after 31 + 28 days).
LEAP_HOURS = HOURS_PER_YEAR + 24
FEB29_FIRST_HOUR = (31 + 28) * 24

COLUMNS = {  # column -> upper bound (None: no upper bound)
    "demand_mw": None,
    "solar_cf": 1.0,
    "wind_cf": 1.0,
    "grid_price_usd_per_mwh": None,
}


def read_profiles_csv(path: str | Path, hours: int) -> dict[str, np.ndarray]:
    """Read hourly profiles; one row per hour from Jan 1 00:00, header first.

    Parameters
    ----------
    path : str or Path
        CSV with any of the columns ``demand_mw``, ``solar_cf``, ``wind_cf``,
        ``grid_price_usd_per_mwh`` (an optional ``hour`` column is ignored).
    hours : int
        Hours the model uses; the file must have exactly this many rows,
        8760 (then the first ``hours`` are used) or 8784 (a leap year: Feb
        29's rows, file lines 1418 to 1441, are dropped).

    Returns
    -------
    dict of str to ndarray (hours,)
        One array per column found.

    Raises
    ------
    InputError
        Unknown column, wrong row count, an empty or non-numeric cell, a
        negative value or a capacity factor above 1; the field names the file,
        the line and the column.
    """
    import pandas as pd

    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(str(path), "unreadable", f"a CSV file ({err})") from None
    unknown = [c for c in df.columns if c not in COLUMNS and c != "hour"]
    if unknown:
        raise InputError(
            f"{path}: line 1: column", unknown[0], f"one of hour, {', '.join(COLUMNS)}"
        )
    if len(df) not in (hours, HOURS_PER_YEAR, LEAP_HOURS):
        raise InputError(
            f"{path}: rows",
            len(df),
            f"{hours}, {HOURS_PER_YEAR} or {LEAP_HOURS} (a leap year) hourly rows "
            "after the header",
        )
    out: dict[str, np.ndarray] = {}
    for col, upper in COLUMNS.items():
        if col not in df.columns:
            continue
        values = pd.to_numeric(df[col].str.strip(), errors="coerce").to_numpy(float)
        bad = ~np.isfinite(values) | (values < 0)
        if upper is not None:
            bad |= values > upper
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            allowed = f"a number in [0, {upper:g}]" if upper else "a number >= 0"
            raise InputError(
                f"{path}: line {i + 2}: {col}", df[col].iloc[i] or "(empty)", allowed
            )
        if len(values) == LEAP_HOURS:  # Feb 29 is hours 1416-1439 of a leap year
            values = np.delete(values, np.s_[FEB29_FIRST_HOUR : FEB29_FIRST_HOUR + 24])
        out[col] = values[:hours]
    return out


def read_profile_files(
    paths: str | Path | list[str], hours: int, pv_peak_kw: float | None = None
) -> dict[str, np.ndarray]:
    """Hourly profiles from one or several CSV files, each in any known layout.

    Parameters
    ----------
    paths : str, Path or list of str
        The files (``power.profiles_csv``). Each file's layout is read from its
        header (:data:`gigaplan.power.csv_layouts.LAYOUTS`); no two may give
        the same profile.
    hours : int
        Hours the model uses, from Jan 1 00:00 UTC.
    pv_peak_kw : float, optional
        Peak power of a PVGIS file's system when its header does not say. [kW]

    Returns
    -------
    dict of str to ndarray (hours,)
        ``demand_mw``, ``solar_cf``, ``wind_cf`` or ``grid_price_usd_per_mwh``,
        as the files give them.

    Raises
    ------
    InputError
        A file in no known layout (the message lists them), a bad cell (named
        by file, line and column), a profile given twice, or a profile
        missing some of the model's hours.
    """
    from gigaplan.power.csv_layouts import detect_layout, read_public_csv, split_csv

    out: dict[str, np.ndarray] = {}
    source: dict[str, Path] = {}
    for name in [paths] if isinstance(paths, str | Path) else paths:
        path = Path(name)
        text = split_csv(path)
        layout = detect_layout(text)
        if layout == "gigaplan":
            found = read_profiles_csv(path, hours)
        else:
            found = {
                k: _model_hours(path, k, v, hours)
                for k, v in read_public_csv(text, layout, pv_peak_kw).items()
            }
        for profile, values in found.items():
            if profile in out:
                raise InputError(
                    f"{path}: {profile}",
                    "given twice",
                    f"one file per profile ({source[profile]} gives it too)",
                )
            out[profile], source[profile] = values, path
    return out


def _model_hours(path: Path, profile: str, year: np.ndarray, hours: int) -> np.ndarray:
    """The first ``hours`` of a profile on the year axis, none of them missing."""
    missing = np.flatnonzero(np.isnan(year[:hours]))
    if missing.size:
        h = int(missing[0])
        raise InputError(
            f"{path}: {profile}",
            f"{missing.size} of the first {hours} hours missing",
            f"every UTC hour the model uses (first missing: day {h // 24 + 1} "
            f"of the year, {h % 24:02d}:00 UTC; Feb 29 is always dropped)",
        )
    return year[:hours]
