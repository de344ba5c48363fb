"""What every pipeline stage returns, so the run store and reports treat them alike."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: Rows of each table shown in a notebook (the whole table is in ``tables``).
HTML_ROWS = 10
#: Key of the pseudo-stage in a stage's ``upstream`` mapping that carries what
#: the pipeline read at the edge (:func:`gigaplan.external.gather`).
INPUTS_STAGE = "inputs"
#: Table names in that entry.
POWER_PROFILES = "power_profiles"
RISK_CAPACITY = "risk_capacity"


@dataclass(frozen=True)
class StageResult:
    """The outcome of one stage of a run (estimate, power, plan, risk, factory).

    Attributes
    ----------
    stage : str
        Stage name, e.g. ``"plan"``.
    summary : dict
        Headline numbers and labels, flat, units in the keys
        (``{"gw_online_2030": 12.5, "npv_usd": 3.1e11}``).
    tables : dict of str to DataFrame
        Tidy result tables, units in column names; the run store keeps each as
        a table named ``<stage>_<key>``.
    text : str
        A few lines a planner can paste into a memo.
    """

    stage: str
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    text: str = ""

    def _repr_html_(self) -> str:
        """The result in a notebook: memo, headline numbers in units, tables."""
        return stage_html(self)


def stage_html(result: StageResult, level: int = 3) -> str:
    """HTML of one stage result: its memo, its summary and each table's head.

    Parameters
    ----------
    result : StageResult
        The stage's outcome.
    level : int
        Heading level of the stage's title (``<h3>``).

    Returns
    -------
    html : str
        A fragment (no ``<html>``), every value escaped.
    """
    import html

    from gigaplan.units import format_value

    year = result.summary.get("dollar_year")
    dollar_year = int(year) if isinstance(year, int | float) and year == year else None
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(str(key))}</th>"
        f"<td style='text-align:right'>"
        f"{html.escape(format_value(key, value, dollar_year=dollar_year))}</td></tr>"
        for key, value in result.summary.items()
    )
    parts = [f"<h{level}>{html.escape(result.stage)}</h{level}>"]
    if result.text:
        parts.append(f"<pre>{html.escape(result.text)}</pre>")
    parts.append(f"<table><tbody>{rows}</tbody></table>")
    for name, frame in result.tables.items():
        more = len(frame) - HTML_ROWS
        note = f" (first {HTML_ROWS} of {len(frame):,} rows)" if more > 0 else ""
        parts.append(
            f"<details><summary>{html.escape(name)}{note}</summary>"
            f"{frame.head(HTML_ROWS).to_html(index=False, border=0)}</details>"
        )
    return "\n".join(parts)


#: What the pipeline hands a stage: each earlier stage's result by name, and
#: :data:`INPUTS_STAGE` with what was read at the edge (None: nothing).
Upstream = Mapping[str, StageResult] | None


def table_from(upstream: Upstream, name: str) -> pd.DataFrame | None:
    """A table read at the edge, from a stage's ``upstream`` mapping.

    Parameters
    ----------
    upstream : mapping of str to StageResult, optional
        What the pipeline gives a stage: earlier stages and :data:`INPUTS_STAGE`.
    name : str
        :data:`POWER_PROFILES` or :data:`RISK_CAPACITY`.

    Returns
    -------
    DataFrame or None
        The table, or None when the scenario named no such input.
    """
    entry = (upstream or {}).get(INPUTS_STAGE)
    return None if entry is None else entry.tables.get(name)
