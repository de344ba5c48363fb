"""Hourly profiles from a CSV file, checked line by line."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gigaplan.errors import InputError

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
        Hours the model uses; the file must have exactly this many rows or
        8760 (then the first ``hours`` are used).

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
    if len(df) not in (hours, 8760):
        raise InputError(
            f"{path}: rows", len(df), f"{hours} or 8760 hourly rows after the header"
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
        out[col] = values[:hours]
    return out
