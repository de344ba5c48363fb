"""Quarter labels (``YYYYQn``): the periods of plans, demand paths and risk."""

from __future__ import annotations

import re
from typing import Any

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def quarter_index(label: str) -> int:
    """
    Quarters since year 0 of a ``YYYYQn`` label.

    Parameters
    ----------
    label : str
        A quarter such as ``2026Q1``.

    Returns
    -------
    int
        ``4 * year + quarter - 1``.

    Raises
    ------
    ValueError
        The label is not of the form ``YYYYQn`` (pydantic validators turn it
        into a field error).

    Examples
    --------
    >>> quarter_index("2026Q1")
    8104
    """
    match = _QUARTER.match(label)
    if not match:
        raise ValueError(f"period {label!r} must look like 2026Q1")
    return int(match.group(1)) * 4 + int(match.group(2)) - 1


def quarter_labels(start: str, end: str) -> list[str]:
    """
    All quarter labels from ``start`` to ``end`` inclusive.

    Parameters
    ----------
    start, end : str
        First and last quarter, as ``"2026Q3"``.

    Returns
    -------
    labels : list of str
        Every quarter in between, in order.

    Examples
    --------
    >>> quarter_labels("2026Q3", "2027Q1")
    ['2026Q3', '2026Q4', '2027Q1']
    """
    first, last = quarter_index(start), quarter_index(end)
    return [f"{q // 4}Q{q % 4 + 1}" for q in range(first, last + 1)]


def quarterly_discount(rate_per_year: float, quarters: Any) -> Any:
    """Discount factor ``(1 + r) ** (-q / 4)`` of money ``quarters`` from the start.

    The one convention of the planner and the risk stage: period ``t`` (0 for
    the first) is discounted by ``t`` quarters, and a value at the end of an
    ``n``-period horizon by ``n``.

    Parameters
    ----------
    rate_per_year : float
        Discount rate. [1/yr]
    quarters : float, array or xarray.DataArray
        Quarters from the start. [quarters]

    Returns
    -------
    float, array or xarray.DataArray
        Same shape as ``quarters``. [dimensionless]

    Examples
    --------
    >>> round(quarterly_discount(0.1, 4), 6)
    0.909091
    """
    return (1.0 + rate_per_year) ** (-quarters / 4.0)
