"""Quarter labels (``YYYYQn``): the periods of plans, demand paths and risk."""

from __future__ import annotations

import re

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
