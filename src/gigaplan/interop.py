"""Files other tools read: NetCDF of a plan, an Excel workbook of a run.

Both carry the unit of every quantity from :mod:`gigaplan.units`: NetCDF as
each variable's ``units`` attribute, the workbook as a units row under each
sheet's header. Labels stay labels: power options and vendors are string
coordinates in the NetCDF file, not numbers.

The workbook is written with the standard library alone (an ``.xlsx`` file is
a zip of SpreadsheetML parts), so Excel export needs no extra package;
:func:`read_xlsx` reads such a workbook back.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
import xarray as xr

from gigaplan.units import unit_name, unit_of

__all__ = [
    "export_units",
    "plan_dataset_for_netcdf",
    "read_xlsx",
    "write_plan_netcdf",
    "write_xlsx",
]


def export_units(key: str) -> str:
    """The ``units`` text of quantity ``key`` in exported files.

    Fractions are stored as fractions (``"1"``, as CF writes dimensionless),
    labels have no unit (``""``).

    Parameters
    ----------
    key : str
        A quantity's (column's) name.

    Returns
    -------
    units : str
        CF-style units text; ``""`` for labels and undeclared names.

    Examples
    --------
    >>> export_units("capex_usd"), export_units("it_mw_by_site")
    ('USD', 'MW')
    >>> export_units("probability"), export_units("site"), export_units("mystery")
    ('1', '', '')
    """
    unit = unit_of(key)
    if unit is None or unit.kind == "label":
        return ""
    if unit.kind == "fraction":
        return "1"
    return unit_name(key) or ""


def _strings(values: Any) -> np.ndarray:
    """An array of labels as fixed-width strings, missing ones as ``""``."""
    arr = np.asarray(values, dtype=object)
    flat = [
        "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
        for v in arr.ravel()
    ]
    return np.asarray(flat, dtype=str).reshape(arr.shape)


def plan_dataset_for_netcdf(ds: xr.Dataset) -> xr.Dataset:
    """The plan's Dataset ready for NetCDF: every label kept, every unit stated.

    ``power_option_name`` (site, option) and ``vendor`` (accelerator) become
    string coordinates, every label coordinate is a string array, each data
    variable gets a ``units`` attribute (money also its ``dollar_year``), and
    attributes NetCDF cannot hold (lists, None) are written as text.

    Parameters
    ----------
    ds : xarray.Dataset
        The plan's results, as :func:`gigaplan.plan.results.extract` gives.

    Returns
    -------
    ds : xarray.Dataset
        A copy that NetCDF can hold.
    """
    out = ds.copy()
    for label in ("power_option_name", "vendor"):
        if label in out.data_vars:
            out = out.set_coords(label)
    for cname, coord in out.coords.items():
        if coord.dtype.kind in "OU":
            out = out.assign_coords({cname: (coord.dims, _strings(coord.values))})
    dollar_year = ds.attrs.get("dollar_year")
    for vname in out.data_vars:
        units = export_units(str(vname))
        if units:
            out[vname].attrs["units"] = units
        if units.startswith("USD") and dollar_year is not None:
            out[vname].attrs["dollar_year"] = int(dollar_year)
    attrs: dict[str, Any] = {}
    for key, value in ds.attrs.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            value = ", ".join(map(str, value))
        elif isinstance(value, bool):
            value = int(value)
        attrs[key] = value
    attrs["conventions_note"] = (
        "units per variable; money in US dollars of the dollar_year attribute"
    )
    out.attrs = attrs
    return out


def write_plan_netcdf(ds: xr.Dataset, path: Path) -> None:
    """Write the plan's Dataset to ``path`` (see :func:`plan_dataset_for_netcdf`).

    Parameters
    ----------
    ds : xarray.Dataset
        The plan's results.
    path : Path
        Where to write the ``.nc`` file.
    """
    plan_dataset_for_netcdf(ds).to_netcdf(path)


# -- Excel ---------------------------------------------------------------------
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
    '.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

#: Excel's limit on a sheet name's length.
SHEET_NAME_MAX = 31


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell(ref: str, value: Any) -> str:
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    text = escape(str(value))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _sheet_xml(rows: Sequence[Sequence[Any]]) -> str:
    body = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{_column_letter(c)}{r}", v) for c, v in enumerate(row))
        body.append(f'<row r="{r}">{cells}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<worksheet xmlns="{_MAIN}"><sheetData>{"".join(body)}</sheetData>'
        "</worksheet>"
    )


def _sheet_names(keys: Sequence[str]) -> list[str]:
    """Unique sheet names within Excel's 31 characters and allowed letters."""
    names: list[str] = []
    for key in keys:
        base = "".join("_" if ch in "[]:*?/\\" else ch for ch in key)[:SHEET_NAME_MAX]
        name, n = base, 2
        while name.lower() in (x.lower() for x in names):
            suffix = f"~{n}"
            name, n = base[: SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
        names.append(name)
    return names


def write_xlsx(
    path: Path,
    tables: Mapping[str, pd.DataFrame],
    summary: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Write a workbook: a ``summary`` sheet, then one sheet per table.

    Each table sheet has the column names in row 1, their units (as
    :func:`export_units` gives) in row 2 and the data below. The summary
    sheet lists ``stage, quantity, value, units``.

    Parameters
    ----------
    path : Path
        Where to write the ``.xlsx`` file.
    tables : mapping of str to DataFrame
        Sheet name to table.
    summary : mapping of stage to mapping of quantity to value, optional
        Headline numbers, written to the ``summary`` sheet.
    """
    sheets: list[tuple[str, list[list[Any]]]] = []
    if summary is not None:
        rows: list[list[Any]] = [["stage", "quantity", "value", "units"]]
        for stage, values in summary.items():
            year = values.get("dollar_year")
            for key, value in values.items():
                units = export_units(key)
                if units.startswith("USD") and year is not None:
                    units = f"{units} ({int(year)})"
                shown = (
                    value
                    if isinstance(value, int | float | bool)
                    else (None if value is None else str(value))
                )
                rows.append([stage, key, shown, units])
        sheets.append(("summary", rows))
    for key, frame in tables.items():
        rows = [
            [str(c) for c in frame.columns],
            [export_units(str(c)) for c in frame.columns],
        ]
        rows.extend(list(r) for r in frame.itertuples(index=False, name=None))
        sheets.append((key, rows))
    names = _sheet_names([s[0] for s in sheets])
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        + "".join(
            f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, n in enumerate(names, start=1)
        )
        + "</sheets></workbook>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(names) + 1)
        )
        + "</Relationships>"
    )
    types = _CONTENT_TYPES.format(
        sheets="".join(_SHEET_TYPE.format(n=i) for i in range(1, len(names) + 1))
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", rels)
        for i, (_, rows) in enumerate(sheets, start=1):
            zf.writestr(f"xl/worksheets/sheet{i}.xml", _sheet_xml(rows))


def _cell_value(cell: ElementTree.Element) -> Any:
    kind = cell.get("t")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{{{_MAIN}}}t"))
    v = cell.find(f"{{{_MAIN}}}v")
    if v is None or v.text is None:
        return None
    if kind == "b":
        return v.text == "1"
    if kind in ("s", "str"):
        return v.text
    number = float(v.text)
    return int(number) if number.is_integer() and "." not in v.text else number


def _column_index(ref: str) -> int:
    letters = "".join(ch for ch in ref if ch.isalpha())
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def read_xlsx(path: Path) -> dict[str, list[list[Any]]]:
    """Rows of every sheet of a workbook :func:`write_xlsx` wrote, by sheet name.

    Only inline strings, numbers and booleans are read (what this module
    writes); it is not a general Excel reader.

    Parameters
    ----------
    path : Path
        A workbook :func:`write_xlsx` wrote.

    Returns
    -------
    sheets : dict of str to list of rows
        Each sheet's cells, row by row.
    """
    with zipfile.ZipFile(path) as zf:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        out: dict[str, list[list[Any]]] = {}
        for i, sheet in enumerate(book.iter(f"{{{_MAIN}}}sheet"), start=1):
            root = ElementTree.fromstring(zf.read(f"xl/worksheets/sheet{i}.xml"))
            rows = []
            for row in root.iter(f"{{{_MAIN}}}row"):
                cells: dict[int, Any] = {
                    _column_index(c.get("r", "A")): _cell_value(c)
                    for c in row.iter(f"{{{_MAIN}}}c")
                }
                width = max(cells, default=-1) + 1
                rows.append([cells.get(j) for j in range(width)])
            out[sheet.get("name", f"sheet{i}")] = rows
    return out


def sheet_frame(rows: list[list[Any]]) -> tuple[pd.DataFrame, list[str]]:
    """A table sheet (header, units row, data) as a DataFrame and its units.

    Parameters
    ----------
    rows : list of rows
        One table sheet as :func:`read_xlsx` gives it.

    Returns
    -------
    frame : DataFrame
        The data rows under the header.
    units : list of str
        Each column's units text.
    """
    header, units, *data = rows
    width = len(header)
    padded = [r + [None] * (width - len(r)) for r in data]
    units = units + [""] * (width - len(units))
    return pd.DataFrame(padded, columns=header), [u or "" for u in units]
