"""Run A against run B on one chart: the main time series of two stored runs.

:func:`overlay_charts` draws, for each series both runs stored (capacity
online, capex, unmet demand, P(shortfall), CO2 by period), one chart with
two traces named by run id, on one axis in the unit declared for the
quantity (:mod:`gigaplan.units`), scaled for both runs together. The numbers
are read from the stored tables, never recomputed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from gigaplan.report.charts import (
    Chart,
    Summary,
    _dollar_year,
    _layout,
    _mean_over_scenarios,
    _period_key,
    _unit,
)
from gigaplan.units import axis_title, display_scale

__all__ = ["OVERLAYS", "Overlay", "overlay_charts", "series"]


@dataclass(frozen=True)
class Overlay:
    """A series drawn for both runs: a stored table's column over time."""

    table: str
    column: str
    title: str
    words: str


#: The series compared, in page order; a run without the table is left out.
OVERLAYS = (
    Overlay(
        "plan_by_period", "facility_gw", "Facility power online (expected)", "Online"
    ),
    Overlay(
        "plan_online",
        "it_online_mw",
        "IT power online, all sites and vendors",
        "IT power online",
    ),
    Overlay(
        "plan_by_period",
        "capex_usd",
        "Capex by quarter (undiscounted, expected)",
        "Capex",
    ),
    Overlay(
        "plan_by_period",
        "inference_unmet_fraction",
        "Share of inference demand left unmet (expected)",
        "Unmet share",
    ),
    Overlay(
        "plan_by_period",
        "training_unmet_fraction",
        "Share of training demand left unmet (expected)",
        "Unmet share",
    ),
    Overlay(
        "risk_shortfall",
        "p_shortfall_inference",
        "Probability of an inference shortfall",
        "P(shortfall)",
    ),
    Overlay("plan_by_period", "co2_t", "CO2 emitted by quarter (expected)", "CO2"),
)

_X_COLUMNS = (("period", "Quarter"), ("year", "Year"))


def series(frame: pd.DataFrame, column: str) -> pd.Series | None:
    """``column`` over time: summed over sites and vendors, mean over scenarios.

    Returns None when the table has no time column or no ``column``, or
    when a share would have to be added up over rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        One run's table.
    column : str
        The quantity to draw.

    Returns
    -------
    pandas.Series or None
        Indexed by period (or year), in ``column``'s unit.

    Examples
    --------
    >>> t = pd.DataFrame({"period": ["2026Q2", "2026Q1", "2026Q1"],
    ...                   "site": ["a", "a", "b"], "it_online_mw": [3.0, 1.0, 2.0]})
    >>> series(t, "it_online_mw").to_dict()
    {'2026Q1': 3.0, '2026Q2': 3.0}
    """
    x = next((c for c, _ in _X_COLUMNS if c in frame.columns), None)
    if x is None or column not in frame.columns or frame.empty:
        return None
    per_x = frame.drop(columns="scenario", errors="ignore")[x].value_counts()
    if _unit(column).kind == "fraction" and int(per_x.max()) > 1:
        return None
    out = _mean_over_scenarios(frame, [x], [column])[column]
    out.index = out.index.map(str)
    return out.sort_index(key=lambda ix: ix.map(_period_key))


def _x_title(frame: pd.DataFrame) -> str:
    return next(t for c, t in _X_COLUMNS if c in frame.columns)


def overlay_charts(
    runs: Mapping[str, Mapping[str, pd.DataFrame]], summary: Summary | None = None
) -> list[Chart]:
    """One chart per :data:`OVERLAYS` series that every run stored.

    Parameters
    ----------
    runs : mapping of str to mapping of str to DataFrame
        Run id -> that run's tables (two runs; more work the same way).
    summary : mapping, optional
        A run's summary, for the dollar year of money axes.

    Returns
    -------
    list of Chart
        One line per run on each chart.
    """
    import plotly.graph_objects as go

    out = []
    for spec in OVERLAYS:
        frames = {rid: tables.get(spec.table) for rid, tables in runs.items()}
        if any(f is None for f in frames.values()):
            continue
        drawn = {
            rid: series(f, spec.column) for rid, f in frames.items() if f is not None
        }
        if not drawn or any(s is None for s in drawn.values()):
            continue
        values = pd.concat([s for s in drawn.values() if s is not None])
        scale, symbol = display_scale(_unit(spec.column), values)
        year = _dollar_year(summary or {}, "plan", "risk")
        y_title = axis_title(
            spec.words, symbol, year if symbol.startswith("$") else None
        )
        x_title = _x_title(next(f for f in frames.values() if f is not None))
        traces = [
            go.Scatter(
                x=list(s.index),
                y=(s / scale).tolist(),
                name=rid,
                mode="lines+markers",
                line={"dash": "dash" if i else "solid"},  # B visible over A
            )
            for i, (rid, s) in enumerate(drawn.items())
            if s is not None
        ]
        fig = _layout(go.Figure(traces), spec.title, x_title, y_title)
        fig.update_yaxes(rangemode="tozero")  # A and B against the same zero
        fig.update_layout(legend={"y": -0.35}, margin={"b": 110})
        out.append(
            Chart(
                "Compare", spec.title, spec.table, fig, x_title, y_title, symbol, scale
            )
        )
    return out
