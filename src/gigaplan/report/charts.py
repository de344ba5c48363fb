"""Plotly figures for a run's result tables, one chart maker per table.

Each maker knows one table a stage stores (``power_dispatch``,
``plan_online``, ``risk_npv_distribution``...) and draws the chart that table
is for, titled and labelled in words, every axis in the unit declared for its
quantity in :mod:`gigaplan.units`. A table no maker knows is not charted (it
is still listed in full in the report). Quantities of different units never
share an axis: each shadow price gets its own chart in its own unit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gigaplan.report.summary import LIMIT_WORDS
from gigaplan.units import HOURS_PER_WEEK, Unit, axis_title, display_scale, unit_of

#: Order of the report's chart sections.
SECTIONS = (
    "Capacity",
    "Demand and capacity",
    "Power",
    "Cost",
    "Bottlenecks",
    "Risk",
    "Factory",
)

Summary = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Chart:
    """One chart of the report.

    Attributes
    ----------
    section : str
        Report section (one of :data:`SECTIONS`).
    title : str
        Title in words, as shown on the chart.
    table : str
        The stored table the numbers come from (``<stage>_<name>``).
    figure : plotly.graph_objects.Figure
        The figure.
    x_title, y_title : str
        Axis titles in words with units.
    y_unit : str
        Symbol of the unit the y values are drawn in (``"GW"``, ``"$B"``, ``"%"``).
    y_scale : float
        What a stored value is divided by to give the drawn value.
    """

    section: str
    title: str
    table: str
    figure: Any
    x_title: str
    y_title: str
    y_unit: str
    y_scale: float = 1.0


# -- helpers --
def _period_key(label: Any) -> Any:
    return str(label)


def _mean_over_scenarios(
    frame: pd.DataFrame, keys: list[str], cols: list[str]
) -> pd.DataFrame:
    """Sum ``cols`` by ``keys``; with a ``scenario`` column, the mean over scenarios.

    A table over a scenario tree has one row per scenario; adding them up would
    count the same GW once per scenario, so each scenario is totalled on its
    own and the totals averaged (scenarios weigh equally).
    """
    if "scenario" in frame.columns and "scenario" not in keys:
        per = frame.groupby([*keys, "scenario"], observed=True)[cols].sum()
        return per.groupby(level=list(range(len(keys))), observed=True).mean()
    return frame.groupby(keys, observed=True)[cols].sum()


def _pivot(frame: pd.DataFrame, index: str, columns: str, col: str) -> pd.DataFrame:
    out = _mean_over_scenarios(frame, [index, columns], [col])[col].unstack(columns)
    return out.sort_index(key=lambda ix: ix.map(_period_key)).fillna(0.0)


def _unit(key: str) -> Unit:
    unit = unit_of(key)
    if unit is None:  # the tests keep every charted column declared
        raise KeyError(f"no unit declared for {key!r} (gigaplan.units)")
    return unit


def _dollar_year(summary: Summary, *stages: str) -> int | None:
    for stage in stages:
        year = summary.get(stage, {}).get("dollar_year")
        if isinstance(year, int | float) and not math.isnan(year):
            return int(year)
    return None


def _layout(fig: Any, title: str, x_title: str, y_title: str) -> Any:
    fig.update_layout(
        title=title,
        xaxis_title=x_title,
        yaxis_title=y_title,
        template="plotly_white",
        height=400,
        margin={"l": 70, "r": 20, "t": 60, "b": 40},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


@dataclass(frozen=True)
class _Spec:
    """What one chart says in words: its section, table, title and axes.

    ``title``, ``x_title`` and ``y_words`` may hold ``{name}`` fields, filled
    from :meth:`draw`'s keywords.
    """

    section: str
    table: str
    title: str
    x_title: str
    y_words: str

    def draw(
        self,
        traces: list[Any],
        symbol: str,
        scale: float = 1.0,
        dollar_year: int | None = None,
        **fields: object,
    ) -> Chart:
        """The chart of ``traces`` (drawn in ``symbol``, stored values / ``scale``)."""
        import plotly.graph_objects as go

        title = self.title.format(**fields)
        x_title = self.x_title.format(**fields)
        y_title = axis_title(self.y_words.format(**fields), symbol, dollar_year)
        fig = _layout(go.Figure(traces), title, x_title, y_title)
        if symbol in ("tokens", "FLOP"):
            fig.update_yaxes(exponentformat="power")
        return Chart(
            self.section, title, self.table, fig, x_title, y_title, symbol, scale
        )


#: Every chart's words, by the name its maker draws it under.
_SPECS: Mapping[str, _Spec] = {
    "online_by": _Spec(
        "Capacity",
        "plan_online",
        "IT power online by {words} (expected over demand scenarios)",
        "Quarter",
        "IT power online",
    ),
    "power_by_source": _Spec(
        "Capacity",
        "plan_power",
        "Power capacity online by source (expected over demand scenarios)",
        "Quarter",
        "Power capacity online",
    ),
    "power_online": _Spec(
        "Capacity",
        "plan_by_period",
        "Power online, facility and IT (expected)",
        "Quarter",
        "Power online",
    ),
    "build_rate": _Spec(
        "Capacity",
        "plan_by_period",
        "Build rate per quarter (expected)",
        "Quarter",
        "Build rate",
    ),
    "demand_vs_capacity": _Spec(
        "Demand and capacity",
        "risk_demand",
        "{kind} demand (P10-P90 of demand paths) vs planned capacity",
        "Quarter",
        "{words}",
    ),
    "unmet_share": _Spec(
        "Demand and capacity",
        "plan_by_period",
        "Share of demand the plan leaves unmet (expected)",
        "Quarter",
        "Unmet share of demand",
    ),
    "dispatch": _Spec(
        "Power",
        "power_dispatch",
        "Hourly dispatch by source (stacked)",
        "Hour of the modelled period",
        "Power supplied",
    ),
    "campus_capacity": _Spec(
        "Power",
        "power_capacity",
        "Campus power capacity built, by source",
        "Source",
        "Capacity",
    ),
    "emissions": _Spec(
        "Power",
        "plan_by_period",
        "CO2 emissions per quarter (expected)",
        "Quarter",
        "CO2 emitted",
    ),
    "costs": _Spec(
        "Cost",
        "plan_costs_by_year",
        "Capex and opex by year (undiscounted, expected)",
        "Year",
        "Spend",
    ),
    "costs_leases": _Spec(
        "Cost",
        "plan_costs_by_year",
        "Capex, opex and lease payments by year (undiscounted, expected)",
        "Year",
        "Spend",
    ),
    "shadow_price": _Spec(
        "Bottlenecks",
        "plan_bottlenecks",
        "Shadow price of the {words} (present value)",
        "Quarter",
        "Value of one more unit of the {words}",
    ),
    "npv": _Spec(
        "Risk",
        "risk_npv_distribution",
        "NPV distribution{over}: stored percentiles P{low:.0f}-P{high:.0f}",
        "{x_title}",
        "Share of paths with a lower NPV",
    ),
    "cash_flow_usd": _Spec(
        "Risk",
        "risk_by_period",
        "Cash flow per quarter (P10-P90 of demand paths)",
        "Quarter",
        "Cash flow",
    ),
    "utilisation": _Spec(
        "Risk",
        "risk_by_period",
        "Fleet utilisation (P10-P90 of demand paths)",
        "Quarter",
        "Utilisation",
    ),
    "shortfall": _Spec(
        "Risk",
        "risk_shortfall",
        "Probability of a shortfall by quarter",
        "Quarter",
        "Share of demand paths short",
    ),
    "throughput": _Spec(
        "Factory",
        "factory_weekly",
        "Factory throughput vs target (P10-P90 of replications)",
        "{x_title}",
        "Power energised per week",
    ),
    "energised": _Spec(
        "Factory",
        "factory_weekly",
        "Power energised to date (P10-P90 of replications)",
        "{x_title}",
        "Power energised",
    ),
    "resource_utilisation": _Spec(
        "Factory",
        "factory_utilisation",
        "Resource utilisation by period",
        "Week the period starts",
        "Utilisation",
    ),
    "bottleneck_gains": _Spec(
        "Factory",
        "factory_bottleneck_gains",
        "Power gained by relaxing each resource",
        "Week the period starts",
        "Extra power energised",
    ),
}


def _band(
    x: Any,
    frame: pd.DataFrame,
    stem: str,
    scale: float,
    name: str,
    color: str,
    lo: int = 10,
    hi: int = 90,
) -> list[Any]:
    """A P``lo``-P``hi`` band and the median line of ``<stem>_p<q>`` columns."""
    import plotly.graph_objects as go

    fill = color.replace("rgb(", "rgba(").replace(")", ",0.2)")
    return [
        go.Scatter(
            x=x,
            y=frame[f"{stem}_p{hi}"] / scale,
            mode="lines",
            line={"width": 0},
            showlegend=False,
            hoverinfo="skip",
            name=f"{name} P{hi}",
        ),
        go.Scatter(
            x=x,
            y=frame[f"{stem}_p{lo}"] / scale,
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=fill,
            name=f"{name} P{lo}-P{hi}",
        ),
        go.Scatter(
            x=x,
            y=frame[f"{stem}_p50"] / scale,
            mode="lines",
            line={"color": color},
            name=f"{name} median",
        ),
    ]


def _stacked(pivot: pd.DataFrame, unit: Unit) -> tuple[float, str, list[Any]]:
    """Stacked areas of a period x group pivot, scaled for display.

    Returns
    -------
    scale, symbol, traces
        As :func:`gigaplan.units.display_scale` gives them, and one area per
        column of ``pivot``.
    """
    import plotly.graph_objects as go

    scale, symbol = display_scale(unit, pivot.sum(axis=1))
    x = [str(p) for p in pivot.index]
    traces = [
        go.Scatter(
            x=x, y=pivot[name] / scale, name=str(name), stackgroup="one", mode="lines"
        )
        for name in pivot.columns
    ]
    return scale, symbol, traces


def _lines(
    x: Any, frame: pd.DataFrame, cols: list[str], names: tuple[str, ...], scale: float
) -> list[Any]:
    """One line with markers per column of ``frame``, divided by ``scale``."""
    import plotly.graph_objects as go

    return [
        go.Scatter(x=x, y=frame[c] / scale, name=n, mode="lines+markers")
        for c, n in zip(cols, names, strict=True)
    ]


_COLOURS = ("rgb(31,119,180)", "rgb(255,127,14)", "rgb(44,160,44)")


# -- capacity --
def _online_by(tables: Mapping[str, pd.DataFrame], summary: Summary) -> list[Chart]:

    frame = tables.get("plan_online")
    if frame is None or not {"period", "it_online_mw"} <= set(frame.columns):
        return []
    out = []
    unit = _unit("it_online_mw")
    for group, words in (("vendor", "vendor"), ("site", "site")):
        if group not in frame.columns:
            continue
        pivot = _pivot(frame, "period", group, "it_online_mw")
        scale, symbol, traces = _stacked(pivot, unit)
        out.append(_SPECS["online_by"].draw(traces, symbol, scale, words=words))
    return out


def _power_by_source(
    tables: Mapping[str, pd.DataFrame], summary: Summary
) -> list[Chart]:
    """Power capacity online by source over time, from a ``plan_power`` table.

    The table has one row per period and power option (``period, option,
    power_mw``, optionally ``site`` and ``scenario``), as the plan stage stores
    it (:func:`gigaplan.plan.results.power_by_option`).
    """

    frame = tables.get("plan_power")
    if frame is None or not {"period", "option", "power_mw"} <= set(frame.columns):
        return []
    pivot = _pivot(frame, "period", "option", "power_mw")
    scale, symbol, traces = _stacked(pivot, _unit("power_mw"))
    return [_SPECS["power_by_source"].draw(traces, symbol, scale)]


def _power_online(tables: Mapping[str, pd.DataFrame], summary: Summary) -> list[Chart]:
    import plotly.graph_objects as go

    frame = tables.get("plan_by_period")
    cols = ["facility_gw", "it_gw"]
    if frame is None or not {"period", *cols} <= set(frame.columns):
        return []
    x = frame["period"].astype(str)
    scale, symbol = display_scale(_unit("facility_gw"), frame[cols])
    traces = _lines(x, frame, cols, ("facility (at the meter)", "IT"), scale)
    out = [_SPECS["power_online"].draw(traces, symbol, scale)]
    rate = ["gw_online_added_per_week", "facility_started_gw_per_week"]
    if set(rate) <= set(frame.columns):
        traces = [
            go.Bar(x=x, y=frame[rate[0]], name="facility power coming online"),
            go.Scatter(
                x=x,
                y=frame[rate[1]],
                name="facility construction started",
                mode="lines",
            ),
        ]
        out.append(_SPECS["build_rate"].draw(traces, _unit(rate[0]).symbol))
    return out


# -- demand and capacity --
def _demand_vs_capacity(
    tables: Mapping[str, pd.DataFrame], summary: Summary
) -> list[Chart]:
    import plotly.graph_objects as go

    frame = tables.get("risk_demand")
    if frame is None or "period" not in frame.columns:
        return []
    out = []
    x = frame["period"].astype(str)
    for kind, stem, cap, words in (
        (
            "Inference",
            "inference_demand_tokens",
            "inference_capacity_tokens",
            "Output tokens per quarter",
        ),
        (
            "Training",
            "training_demand_flop",
            "training_capacity_flop",
            "Training compute per quarter",
        ),
    ):
        need = {f"{stem}_p10", f"{stem}_p50", f"{stem}_p90", cap}
        if not need <= set(frame.columns):
            continue
        symbol = _unit(stem).symbol
        traces = _band(x, frame, stem, 1.0, "demand", _COLOURS[0])
        traces.append(
            go.Scatter(
                x=x,
                y=frame[cap],
                name="planned capacity",
                mode="lines",
                line={"color": "black", "dash": "dash"},
            )
        )
        out.append(
            _SPECS["demand_vs_capacity"].draw(traces, symbol, kind=kind, words=words)
        )
    return out


def _unmet_share(tables: Mapping[str, pd.DataFrame], summary: Summary) -> list[Chart]:

    frame = tables.get("plan_by_period")
    cols = ["inference_unmet_fraction", "training_unmet_fraction"]
    if frame is None or not {"period", *cols} <= set(frame.columns):
        return []
    scale, symbol = display_scale(_unit(cols[0]), frame[cols])
    x = frame["period"].astype(str)
    traces = _lines(x, frame, cols, ("inference", "training"), scale)
    return [_SPECS["unmet_share"].draw(traces, symbol, scale)]


# -- power --
def _dispatch(tables: Mapping[str, pd.DataFrame], summary: Summary) -> list[Chart]:
    """Stacked hourly dispatch by source, one week shown, a button per week."""
    import plotly.graph_objects as go

    frame = tables.get("power_dispatch")
    if frame is None or not {"tech", "hour", "dispatch_mw"} <= set(frame.columns):
        return []
    pivot = frame.pivot_table(
        index="hour", columns="tech", values="dispatch_mw", aggfunc="sum"
    ).fillna(0.0)
    pivot = pivot.loc[:, (pivot.abs() > 1e-6).any()]
    if pivot.empty:
        return []
    scale, symbol = display_scale(_unit("dispatch_mw"), pivot.clip(lower=0).sum(axis=1))
    traces = [
        go.Scatter(
            x=pivot.index,
            y=pivot[tech] / scale,
            name=str(tech),
            stackgroup="neg" if (pivot[tech] < 0).any() else "one",
            mode="lines",
            line={"width": 0.5},
        )
        for tech in pivot.columns
    ]
    chart = _SPECS["dispatch"].draw(traces, symbol, scale)
    hours = int(pivot.index.max()) + 1
    weeks = math.ceil(hours / HOURS_PER_WEEK)
    if weeks > 1:
        buttons = [
            {
                "label": f"week {w + 1}",
                "method": "relayout",
                "args": [
                    {
                        "xaxis.range": [
                            w * HOURS_PER_WEEK,
                            min(hours, (w + 1) * HOURS_PER_WEEK) - 1,
                        ]
                    }
                ],
            }
            for w in range(weeks)
        ]
        buttons.append(
            {
                "label": "all hours",
                "method": "relayout",
                "args": [{"xaxis.range": [0, hours - 1]}],
            }
        )
        chart.figure.update_layout(
            updatemenus=[
                {
                    "type": "buttons",
                    "direction": "right",
                    "x": 0,
                    "y": 1.12,
                    "xanchor": "left",
                    "buttons": buttons,
                }
            ],
            margin={"t": 90},
        )
        chart.figure.update_xaxes(range=[0, HOURS_PER_WEEK - 1])
    return [chart]


def _campus_capacity(
    tables: Mapping[str, pd.DataFrame], summary: Summary
) -> list[Chart]:
    import plotly.graph_objects as go

    frame = tables.get("power_capacity")
    if frame is None or not {"tech", "capacity_mw"} <= set(frame.columns):
        return []
    # battery_energy is the store's size in MWh, not MW: it is not on this axis
    rows = frame[(frame["tech"] != "battery_energy") & (frame["capacity_mw"] > 1e-6)]
    if rows.empty:
        return []
    scale, symbol = display_scale(_unit("capacity_mw"), rows["capacity_mw"])
    trace = go.Bar(x=rows["tech"].astype(str), y=rows["capacity_mw"] / scale, name="MW")
    return [_SPECS["campus_capacity"].draw([trace], symbol, scale)]


def _emissions(tables: Mapping[str, pd.DataFrame], summary: Summary) -> list[Chart]:
    import plotly.graph_objects as go

    frame = tables.get("plan_by_period")
    if frame is None or not {"period", "co2_t"} <= set(frame.columns):
        return []
    scale, symbol = display_scale(_unit("co2_t"), frame["co2_t"])
    trace = go.Bar(x=frame["period"].astype(str), y=frame["co2_t"] / scale, name="CO2")
    return [_SPECS["emissions"].draw([trace], symbol, scale)]


# -- cost --
def _costs(tables: Mapping[str, pd.DataFrame], summary: Summary) -> list[Chart]:
    import plotly.graph_objects as go

    frame = tables.get("plan_costs_by_year")
    cols = ["capex_usd", "opex_usd"]
    if frame is None or not {"year", *cols} <= set(frame.columns):
        return []
    names = ["capex", "opex"]
    if "lease_usd" in frame.columns and float(frame["lease_usd"].abs().sum()) > 0:
        cols, names = [*cols, "lease_usd"], [*names, "leases"]
    scale, symbol = display_scale(_unit("capex_usd"), frame[cols].sum(axis=1))
    x = frame["year"].astype(str)
    traces = [
        go.Bar(x=x, y=frame[c] / scale, name=n)
        for c, n in zip(cols, names, strict=True)
    ]
    chart = _SPECS["costs_leases" if "leases" in names else "costs"].draw(
        traces, symbol, scale, _dollar_year(summary, "plan")
    )
    chart.figure.update_layout(barmode="stack")
    return [chart]


# -- bottlenecks --
#: Most items drawn in one shadow-price chart (the dearest).
MAX_ITEMS = 8


def _shadow_prices(tables: Mapping[str, pd.DataFrame], summary: Summary) -> list[Chart]:
    """One chart per limit family, in that family's unit, binding items only."""
    import plotly.graph_objects as go

    frame = tables.get("plan_bottlenecks")
    need = {"limit", "period", "item", "shadow_price_usd", "unit"}
    if frame is None or not need <= set(frame.columns):
        return []
    out = []
    year = _dollar_year(summary, "plan")
    for (limit, unit_name), rows in frame.groupby(["limit", "unit"], sort=False):
        unit = unit_of(f"shadow_price_{unit_name}")
        if unit is None:  # a new limit whose unit gigaplan.units does not know:
            continue  # left to the bottleneck table rather than drawn unlabelled
        live = rows.groupby("item")["shadow_price_usd"].max()
        items = live[live > 0].sort_values(ascending=False).index[:MAX_ITEMS]
        if not len(items):
            continue
        pivot = rows[rows["item"].isin(items)].pivot_table(
            index="period", columns="item", values="shadow_price_usd", aggfunc="sum"
        )
        pivot = pivot.sort_index(key=lambda ix: ix.map(_period_key)).fillna(0.0)
        scale, symbol = display_scale(unit, pivot)
        traces = [
            go.Scatter(
                x=[str(p) for p in pivot.index],
                y=pivot[item] / scale,
                name=str(item),
                mode="lines+markers",
            )
            for item in items
        ]
        words = LIMIT_WORDS.get(str(limit), str(limit).replace("_", " "))
        out.append(
            _SPECS["shadow_price"].draw(traces, symbol, scale, year, words=words)
        )
    return out


# -- risk --
def _npv(tables: Mapping[str, pd.DataFrame], summary: Summary) -> list[Chart]:
    """The NPV distribution as its stored percentiles (a cumulative curve)."""
    import plotly.graph_objects as go

    frame = tables.get("risk_npv_distribution")
    if frame is None or not {"quantile", "npv_usd"} <= set(frame.columns):
        return []
    frame = frame.sort_values("quantile")
    scale, symbol = display_scale(_unit("npv_usd"), frame["npv_usd"])
    paths = summary.get("risk", {}).get("paths")
    over = f" over {int(paths):,} demand paths" if isinstance(paths, int) else ""
    trace = go.Scatter(
        x=frame["npv_usd"] / scale,
        y=frame["quantile"] * 100.0,
        mode="lines+markers",
        marker={"size": 3},
        name="NPV percentiles",
    )
    year = _dollar_year(summary, "risk", "plan")
    x_title = axis_title("Net present value", symbol, year)
    low, high = 100 * frame["quantile"].iloc[0], 100 * frame["quantile"].iloc[-1]
    chart = _SPECS["npv"].draw(
        [trace], "%", 0.01, over=over, low=low, high=high, x_title=x_title
    )
    return [chart]


def _risk_by_period(
    tables: Mapping[str, pd.DataFrame], summary: Summary
) -> list[Chart]:
    frame = tables.get("risk_by_period")
    if frame is None or "period" not in frame.columns:
        return []
    x = frame["period"].astype(str)
    out = []
    year = _dollar_year(summary, "risk", "plan")
    for stem in ("cash_flow_usd", "utilisation"):
        spec = _SPECS[stem]
        if not {f"{stem}_p10", f"{stem}_p50", f"{stem}_p90"} <= set(frame.columns):
            continue
        unit = _unit(stem)
        scale, symbol = display_scale(unit, frame[[f"{stem}_p10", f"{stem}_p90"]])
        out.append(
            spec.draw(
                _band(x, frame, stem, scale, spec.y_words.lower(), _COLOURS[0]),
                symbol,
                scale,
                year if unit.kind == "money" else None,
            )
        )
    return out


def _shortfall(tables: Mapping[str, pd.DataFrame], summary: Summary) -> list[Chart]:

    frame = tables.get("risk_shortfall")
    cols = ["p_shortfall_inference", "p_shortfall_training"]
    if frame is None or not {"period", *cols} <= set(frame.columns):
        return []
    x = frame["period"].astype(str)
    traces = _lines(x, frame, cols, ("inference", "training"), 0.01)
    return [_SPECS["shortfall"].draw(traces, "%", 0.01)]


# -- factory --
def _throughput(tables: Mapping[str, pd.DataFrame], summary: Summary) -> list[Chart]:
    import plotly.graph_objects as go

    frame = tables.get("factory_weekly")
    if frame is None or "gw_per_week_p50" not in frame.columns:
        return []
    x = frame["date"].astype(str) if "date" in frame.columns else frame["week"]
    x_title = "Week starting" if "date" in frame.columns else "Week"
    out = []
    traces = _band(x, frame, "gw_per_week", 1.0, "energised", _COLOURS[0])
    target = summary.get("factory", {}).get("target_gw_per_week")
    if isinstance(target, int | float):
        traces.append(
            go.Scatter(
                x=[x.iloc[0], x.iloc[-1]],
                y=[target, target],
                mode="lines",
                name="target",
                line={"color": "red", "dash": "dash"},
            )
        )
    out.append(
        _SPECS["throughput"].draw(
            traces, _unit("gw_per_week_p50").symbol, x_title=x_title
        )
    )
    if "gw_cumulative_p50" in frame.columns:
        unit = _unit("gw_cumulative")
        scale, symbol = display_scale(unit, frame["gw_cumulative_p90"])
        out.append(
            _SPECS["energised"].draw(
                _band(x, frame, "gw_cumulative", scale, "energised", _COLOURS[1]),
                symbol,
                scale,
                x_title=x_title,
            )
        )
    return out


def _resources(tables: Mapping[str, pd.DataFrame], summary: Summary) -> list[Chart]:
    import plotly.graph_objects as go

    out = []
    frame = tables.get("factory_utilisation")
    if frame is not None and {"resource", "period_start_week", "utilisation"} <= set(
        frame.columns
    ):
        pivot = frame.pivot_table(
            index="period_start_week", columns="resource", values="utilisation"
        )
        traces = [
            go.Scatter(x=pivot.index, y=pivot[r] * 100.0, name=str(r), mode="lines")
            for r in pivot.columns
        ]
        out.append(_SPECS["resource_utilisation"].draw(traces, "%", 0.01))
    gains = tables.get("factory_bottleneck_gains")
    if gains is not None and {
        "resource",
        "period_start_week",
        "gain_gw_when_relaxed",
    } <= set(gains.columns):
        pivot = gains.pivot_table(
            index="period_start_week", columns="resource", values="gain_gw_when_relaxed"
        )
        traces = [
            go.Scatter(x=pivot.index, y=pivot[r], name=str(r), mode="lines")
            for r in pivot.columns
        ]
        out.append(
            _SPECS["bottleneck_gains"].draw(
                traces, _unit("gain_gw_when_relaxed").symbol
            )
        )
    return out


ChartMaker = Callable[[Mapping[str, pd.DataFrame], Summary], list[Chart]]

#: Every chart maker, in report order within each section.
MAKERS: tuple[ChartMaker, ...] = (
    _online_by,
    _power_by_source,
    _power_online,
    _demand_vs_capacity,
    _unmet_share,
    _dispatch,
    _campus_capacity,
    _emissions,
    _costs,
    _shadow_prices,
    _npv,
    _risk_by_period,
    _shortfall,
    _throughput,
    _resources,
)


def charts_for(
    tables: Mapping[str, pd.DataFrame], summary: Summary | None = None
) -> list[Chart]:
    """Every chart the run's tables support, in report order.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        The run's tables, keyed ``<stage>_<name>``.
    summary : mapping, optional
        Stage name -> its summary (for the dollar year, target lines, path counts).

    Returns
    -------
    list of Chart
        Charts sorted by :data:`SECTIONS`.
    """
    summary = summary or {}
    tables = {k: v for k, v in tables.items() if len(v)}
    out = [chart for make in MAKERS for chart in make(tables, summary)]
    return sorted(out, key=lambda c: SECTIONS.index(c.section))


def numbers(chart: Chart) -> dict[str, np.ndarray]:
    """Each trace's y values by trace name (for tests and the web page).

    Parameters
    ----------
    chart : Chart
        A chart from :func:`charts_for`.

    Returns
    -------
    dict of str to numpy.ndarray
        The y values as drawn, in the axis's display unit.
    """
    return {
        str(t.name): np.asarray(t.y, dtype=float)
        for t in chart.figure.data
        if t.y is not None
    }
