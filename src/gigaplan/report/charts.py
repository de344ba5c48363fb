"""Plotly figures for a run's result tables, chosen by the columns each table has.

Every stage returns tidy tables with units in column names; the report looks
at those columns (a time column such as ``year``, a grouping column such as
``vendor`` or ``site``, value columns ending ``_gw``/``_mw``/``_usd``/``_tco2``)
and draws the chart that fits, so a new stage shows up without a special case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gigaplan.report.format import unit_of

TIME_COLUMNS = (
    "year",
    "period",
    "week",
    "period_start_week",
    "month",
    "date",
    "day",
    "hour",
    "time",
)
QUANTILE = re.compile(r"^(?:(?P<stem>.+)_)?(?:p|q)(?P<q>\d{1,2})$")


@dataclass(frozen=True)
class Chart:
    """One chart of the report: where it goes, its title and its figure."""

    section: str
    title: str
    table: str
    figure: Any  # plotly.graph_objects.Figure


def _first(columns: Iterable[str], names: Iterable[str]) -> str | None:
    cols = list(columns)
    return next((n for n in names if n in cols), None)


def time_column(frame: pd.DataFrame) -> str | None:
    """The table's time axis column, if it has one."""
    return _first(frame.columns, TIME_COLUMNS)


def _total(frame: pd.DataFrame, keys: list[str], cols: list[str]) -> pd.DataFrame:
    """Sum ``cols`` by ``keys``; with a ``scenario`` column, the mean over scenarios.

    A plan over a scenario tree has one row per scenario; adding them up would
    count the same GW once per scenario, so each scenario is totalled on its
    own and the totals averaged (scenarios weigh equally).
    """
    if "scenario" in frame.columns and "scenario" not in keys:
        per = frame.groupby([*keys, "scenario"], observed=True)[cols].sum()
        return per.groupby(level=list(range(len(keys))), observed=True).mean()
    return frame.groupby(keys, observed=True)[cols].sum()


def _pivot(frame: pd.DataFrame, index: str, columns: str, col: str) -> pd.DataFrame:
    return _total(frame, [index, columns], [col])[col].unstack(columns)


def _is_label(series: pd.Series) -> bool:
    """Text-like column (object or string dtype, not dates or numbers)."""
    return bool(
        pd.api.types.is_string_dtype(series) or pd.api.types.is_object_dtype(series)
    )


def _numeric(frame: pd.DataFrame) -> list[str]:
    return [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
        and c not in TIME_COLUMNS
    ]


def _power_col(frame: pd.DataFrame) -> tuple[str, float] | None:
    """A capacity column in GW or MW and the factor that turns it into GW."""
    cols = _numeric(frame)
    ranked = sorted(
        (c for c in cols if c.lower().endswith(("_gw", "_mw"))),
        key=lambda c: ("online" not in c.lower(), "gw" not in c.lower(), c),
    )
    if not ranked:
        return None
    col = ranked[0]
    return col, (1.0 if col.lower().endswith("_gw") else 1e-3)


def axis_scale(col: str) -> tuple[float, str]:
    """(factor, axis label) that shows column ``col`` in units people read."""
    low = "_" + col.lower()
    for marker, scale, label in (
        ("_usd_per_", 1.0, col.split("_usd_per_")[-1].join(["$/", ""])),
        ("mtco2", 1.0, "MtCO2"),
        ("tco2", 1e-6, "MtCO2"),
        ("_usd", 1e-9, "$B"),
        ("_twh", 1.0, "TWh"),
        ("_gwh", 1e-3, "TWh"),
        ("_mwh", 1e-6, "TWh"),
        ("_gw", 1.0, "GW"),
        ("_mw", 1e-3, "GW"),
    ):
        if marker in low:
            return scale, label
    return 1.0, ""


def _layout(fig: Any, title: str, y_title: str) -> Any:
    for trace in fig.data:
        x = getattr(trace, "x", None)
        if x is not None and len(x) and all(isinstance(v, int | np.integer) for v in x):
            fig.update_xaxes(tickformat="d")
            break
    fig.update_layout(
        title=title,
        yaxis_title=y_title,
        template="plotly_white",
        height=380,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def _area_by(frame: pd.DataFrame, tcol: str, group: str, key: str) -> Chart | None:
    import plotly.graph_objects as go

    found = _power_col(frame)
    if found is None:
        return None
    col, to_gw = found
    pivot = _pivot(frame, tcol, group, col)
    fig = go.Figure()
    for name in pivot.columns:
        fig.add_trace(
            go.Scatter(
                x=pivot.index,
                y=pivot[name] * to_gw,
                name=str(name),
                stackgroup="one",
                mode="lines",
            )
        )
    return Chart(
        "Capacity",
        f"GW by {group} over {tcol} ({key}.{col})",
        key,
        _layout(
            fig,
            f"{col} by {group}"
            + (" (mean over scenarios)" if "scenario" in frame.columns else ""),
            "GW",
        ),
    )


def _power_mix(frame: pd.DataFrame, key: str) -> Chart | None:
    import plotly.graph_objects as go

    tech = _first(frame.columns, ("technology", "tech", "carrier", "source", "fuel"))
    if tech is None:
        return None
    cols = [c for c in _numeric(frame) if unit_of(c) and unit_of(c)[1] in ("MW", "MWh")]  # type: ignore[index]
    if not cols:
        return None
    col = sorted(cols, key=lambda c: ("mwh" in c.lower(), c))[0]
    group = _first(frame.columns, ("site", "region", "campus"))
    fig = go.Figure()
    if group:
        pivot = _pivot(frame, group, tech, col)
        for name in pivot.columns:
            fig.add_trace(
                go.Bar(x=pivot.index.astype(str), y=pivot[name], name=str(name))
            )
        fig.update_layout(barmode="stack")
    else:
        sums = _total(frame, [tech], [col])[col]
        fig.add_trace(go.Bar(x=sums.index.astype(str), y=sums.values, name=col))
    unit = unit_of(col)[1]  # type: ignore[index]
    return Chart("Power", f"Power mix ({key}.{col})", key, _layout(fig, col, unit))


def _money_by_time(frame: pd.DataFrame, tcol: str, key: str) -> Chart | None:
    import plotly.graph_objects as go

    cols = [
        c
        for c in _numeric(frame)
        if ("capex" in c.lower() or "opex" in c.lower())
        and "usd" in c.lower()
        and "per" not in c.lower()
    ]
    if not cols:
        return None
    sums = _total(frame, [tcol], cols)
    fig = go.Figure()
    for col in cols:
        fig.add_trace(go.Bar(x=sums.index, y=sums[col] / 1e9, name=col))
    return Chart(
        "Cost",
        f"Capex and opex by {tcol} ({key})",
        key,
        _layout(fig, f"Capex and opex by {tcol}", "$B"),
    )


def _emissions(frame: pd.DataFrame, tcol: str, key: str) -> Chart | None:
    import plotly.graph_objects as go

    cols = [
        c for c in _numeric(frame) if "tco2" in c.lower() and "per" not in c.lower()
    ]
    if not cols:
        return None
    sums = _total(frame, [tcol], cols)
    fig = go.Figure()
    for col in cols:
        scale = 1.0 if "mtco2" in col.lower() else 1e-6
        fig.add_trace(go.Scatter(x=sums.index, y=sums[col] * scale, name=col))
    return Chart(
        "Power",
        f"Emissions by {tcol} ({key})",
        key,
        _layout(fig, f"Emissions by {tcol}", "MtCO2"),
    )


def _fans(frame: pd.DataFrame, tcol: str, key: str) -> list[Chart]:
    """Fan charts from quantile columns (``p5, p50, p95`` or ``npv_usd_p10``...)."""
    stems: dict[str, dict[int, str]] = {}
    for col in _numeric(frame):
        m = QUANTILE.match(col)
        if m:
            stems.setdefault(m.group("stem") or "value", {})[int(m.group("q"))] = col
    section = "Risk" if key.startswith("risk") else "Build rate"
    return [
        _fan(frame, tcol, key, stem, qs, section)
        for stem, qs in stems.items()
        if len(qs) >= 3
    ]


def _fan(
    frame: pd.DataFrame,
    tcol: str,
    key: str,
    stem: str,
    qs: dict[int, str],
    section: str,
) -> Chart:
    import plotly.graph_objects as go

    order = sorted(qs)
    data = frame.groupby(tcol)[[qs[q] for q in order]].mean()
    scale, unit = axis_scale(stem + "_")
    fig = go.Figure()
    lo, hi = order[0], order[-1]
    fig.add_trace(
        go.Scatter(
            x=data.index,
            y=data[qs[hi]] * scale,
            mode="lines",
            line={"width": 0},
            showlegend=False,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=data.index,
            y=data[qs[lo]] * scale,
            fill="tonexty",
            mode="lines",
            line={"width": 0},
            name=f"P{lo}-P{hi}",
            fillcolor="rgba(31,119,180,0.25)",
        )
    )
    mid = min(order, key=lambda q: abs(q - 50))
    fig.add_trace(
        go.Scatter(x=data.index, y=data[qs[mid]] * scale, mode="lines", name=f"P{mid}")
    )
    return Chart(
        section,
        f"{stem} fan chart ({key})",
        key,
        _layout(fig, f"{stem}: P{lo}, P{mid}, P{hi} over {tcol}", unit),
    )


def _histogram(frame: pd.DataFrame, key: str) -> Chart | None:
    import plotly.graph_objects as go

    cols = [c for c in _numeric(frame) if "npv" in c.lower() or "unmet" in c.lower()]
    if not cols or len(frame) < 20:
        return None
    col = cols[0]
    scale, unit = axis_scale(col)
    fig = go.Figure(go.Histogram(x=frame[col] * scale, nbinsx=40, name=col))
    return Chart(
        "Risk",
        f"Distribution of {col} ({key})",
        key,
        _layout(fig, col, "draws").update_layout(xaxis_title=unit),
    )


def _bottleneck(frame: pd.DataFrame, key: str) -> Chart | None:
    import plotly.graph_objects as go

    label = next((c for c in frame.columns if _is_label(frame[c])), None)
    nums = _numeric(frame)
    price = next(
        (c for c in nums if "shadow" in c.lower() or "dual" in c.lower()), None
    )
    if label is None or price is None:
        return None
    data = _total(frame, [label], [price])[price].sort_values(ascending=False).head(20)
    fig = go.Figure(go.Bar(x=data.index.astype(str), y=data.values, name=price))
    found = unit_of(price)
    return Chart(
        "Bottlenecks",
        f"Shadow prices ({key}.{price})",
        key,
        _layout(fig, price, found[1] if found else price),
    )


def _generic(frame: pd.DataFrame, tcol: str, key: str) -> Chart | None:
    import plotly.graph_objects as go

    nums = sorted(
        _numeric(frame),
        key=lambda c: not any(w in c.lower() for w in ("utilisation", "_gw", "_mw")),
    )[:6]
    if not nums:
        return None
    fig = go.Figure()
    group = next(
        (
            c
            for c in frame.columns
            if _is_label(frame[c])
            and c != tcol
            and 1 < frame[c].nunique() <= 12
            and "bottleneck" not in c.lower()
        ),
        None,
    )
    if group:
        col = nums[0]
        pivot = _pivot(frame, tcol, group, col)
        for name in pivot.columns:
            fig.add_trace(go.Scatter(x=pivot.index, y=pivot[name], name=str(name)))
        title = f"{col} by {group}"
    else:
        data = _total(frame, [tcol], nums)
        for col in nums:
            fig.add_trace(go.Scatter(x=data.index, y=data[col], name=col))
        title = ", ".join(nums)
    section = "Bottlenecks" if "bottleneck" in key.lower() else "Other results"
    return Chart(section, f"{key} over {tcol}", key, _layout(fig, title, ""))


def charts_for(tables: dict[str, pd.DataFrame]) -> list[Chart]:
    """Every chart the run's tables support, in report order."""
    out: list[Chart] = []
    for key, frame in tables.items():
        if frame.empty:
            continue
        tcol = time_column(frame)
        made: list[Chart | None] = []
        low = key.lower()
        if any(w in low for w in ("bottleneck", "shadow", "dual")):
            made.append(_bottleneck(frame, key))
        if tcol:
            groups = ["vendor", "site"] if "vendor" in frame.columns else []
            groups = groups or ["accelerator", "site"]
            for group in groups:
                if group in frame.columns:
                    made.append(_area_by(frame, tcol, group, key))
            made.append(_money_by_time(frame, tcol, key))
            made.append(_emissions(frame, tcol, key))
            made.extend(_fans(frame, tcol, key))
        else:
            made.append(_histogram(frame, key))
        made.append(_power_mix(frame, key))
        found = [c for c in made if c is not None]
        if not found and tcol:
            found = [c for c in [_generic(frame, tcol, key)] if c is not None]
        out.extend(found)
    order = [
        "Capacity",
        "Power",
        "Cost",
        "Bottlenecks",
        "Risk",
        "Build rate",
        "Other results",
    ]
    return sorted(out, key=lambda c: order.index(c.section))
