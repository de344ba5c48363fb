"""DuckDB specifics of the store: table names, storable frames, errors in words."""

from __future__ import annotations

import errno
import re
from datetime import date, datetime

import pandas as pd


def ident(text: str) -> str:
    """A safe lower-case SQL identifier piece.

    Parameters
    ----------
    text : str
        A run id, stage or table name.

    Returns
    -------
    str
        Lower-case letters, digits and underscores only (``t`` when empty).
    """
    return re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_") or "t"


def tidy_for_duckdb(frame: pd.DataFrame) -> pd.DataFrame:
    """Flatten the index and make every column a type DuckDB stores as is.

    Parameters
    ----------
    frame : DataFrame
        A stage's result table.

    Returns
    -------
    DataFrame
        A copy: index as columns, unique string column names, categories and
        mixed objects as text, dates as timestamps.
    """
    out = frame.copy()
    if not isinstance(out.index, pd.RangeIndex) or out.index.name is not None:
        out = out.reset_index()
    names: list[str] = []
    for col in out.columns:
        name = "_".join(map(str, col)) if isinstance(col, tuple) else str(col)
        while name in names:  # DuckDB needs unique column names
            name += "_2"
        names.append(name)
    out.columns = names
    for col in out.columns:
        series = out[col]
        if isinstance(series.dtype, pd.CategoricalDtype):
            out[col] = series.astype(str)
        elif series.dtype == object:
            values = [v for v in series if v is not None and v == v]
            if values and all(isinstance(v, date | datetime) for v in values):
                out[col] = pd.to_datetime(series)
            elif not all(isinstance(v, str) for v in values):
                out[col] = series.map(lambda v: None if v is None else str(v))
    return out


def duckdb_error() -> type[Exception]:
    """DuckDB's base error class (imported when a store is used).

    Returns
    -------
    type
        ``duckdb.Error``.
    """
    import duckdb

    return duckdb.Error  # type: ignore[no-any-return]


def duck_reason(err: BaseException) -> str:
    """An error's cause in words; a full disk and a held file said plainly.

    Parameters
    ----------
    err : BaseException
        What DuckDB or the OS raised.

    Returns
    -------
    str
        One line for an error message.
    """
    text = str(err)
    if "No space left" in text or getattr(err, "errno", None) == errno.ENOSPC:
        return "no space left on the device"
    if "lock" in text.lower() and "conflicting" in text.lower():
        return "another program holds the database file open; close it first"
    if "read-only" in text.lower() or getattr(err, "errno", None) == errno.EROFS:
        return "the location is read-only"
    return text.splitlines()[0] if text else type(err).__name__


def os_reason(err: OSError) -> str:
    """Why the store's folder or lock file cannot be made, in words.

    Parameters
    ----------
    err : OSError
        Raised while making the store's folder or lock file.

    Returns
    -------
    str
        One line for an error message.
    """
    if err.errno == errno.EROFS:
        return "read-only location: the run store cannot be written here"
    if err.errno in (errno.EACCES, errno.EPERM):
        return "permission denied: the run store cannot be written here"
    if err.errno == errno.ENOSPC:
        return "no space left on the device"
    return err.strerror or str(err)
