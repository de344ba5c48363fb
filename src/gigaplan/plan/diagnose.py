"""Say which limit makes a plan infeasible, where, and by how much.

Only after the normal model is infeasible, a phase-1 model is solved
(:func:`gigaplan.plan.build.build_model` with ``elastic=True``): every ask or
cap the user sets (vendor deals, capex budgets, the CO2 cap, a must-serve
share of demand) gets a slack, and the objective is the sum of slacks, each
relative to the size of its limit. That is the elastic filter of Chinneck and
Dravnieks [1]_: the slacks it uses are one smallest relaxation that makes the
plan feasible, and the physical limits with a nonzero dual in it (vendor
supply, site MW, build rate, ...) are the ones that stand in the way.

A phase-1 solve only on failure keeps the feasible case exactly as before: no
extra columns, no big-M penalty in the objective, and duals that are those of
the true limits, not capped at a penalty price.

References
----------
.. [1] J. W. Chinneck and E. W. Dravnieks, "Locating minimal infeasible
   constraint sets in linear programs", ORSA Journal on Computing 3(2),
   157-168, 1991, section 3 (elastic programming).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gigaplan.errors import InfeasibleError
from gigaplan.plan.build import ELASTIC_LIMITS, build_model
from gigaplan.plan.inputs import CO2_T, FLOP, TOKENS, UNITS, USD, PlanInputs

#: limit -> (planner units per model unit, unit word)
_UNITS: dict[str, tuple[float, str]] = {
    "vendor_deal": (UNITS, "units"),
    "budget": (USD, "usd"),
    "budget_total": (USD, "usd"),
    "co2_cap": (CO2_T, "tCO2"),
    "must_serve_inference": (TOKENS, "tokens"),
    "must_serve_training": (FLOP, "FLOP"),
}

#: limits that can stand in the way, in words
_BLOCKERS: dict[str, str] = {
    "vendor_supply": "vendor supply",
    "site_power": "site MW limits",
    "interconnect": "power option MW limits",
    "firm_power": "firm power",
    "build_rate": "the build rate",
    "vendor_deal": "vendor deals",
    "budget": "the quarterly capex budget",
    "budget_total": "the total capex budget",
    "co2_cap": "the CO2 cap",
    "must_serve_inference": "must-serve inference",
    "must_serve_training": "must-serve training",
}

# A slack counts when it is above 1e-6 of its limit: HiGHS's primal
# feasibility tolerance is 1e-7 on scaled rows, so smaller is solver noise.
_REL_TOL = 1e-6
_MAX_LINES = 6


def explain_infeasibility(inp: PlanInputs, cause: InfeasibleError) -> InfeasibleError:
    """Solve the phase-1 model and return an error naming the limits missed.

    Parameters
    ----------
    inp : PlanInputs
        The resolved section whose normal model was infeasible.
    cause : InfeasibleError
        The error of the normal solve (its status is kept).

    Returns
    -------
    InfeasibleError
        One readable message: each limit missed, with item, period (and
        scenario when there are several), the amount needed, what the other
        limits allow and the shortfall, in the planner's units.
    """
    from gigaplan.plan.solve import lp_options, solve_model

    model, exprs = build_model(inp, elastic=True)
    if not exprs["slack_scale"]:
        return cause
    try:
        solve_model(model, **lp_options(model.ncons))
    except InfeasibleError:
        return cause
    rows = violations(model, exprs["slack_scale"], inp)
    if rows.empty:
        return InfeasibleError(
            "plan: every limit can be met with fractional purchases but not in "
            "whole lots of unit_size; lower a vendor deal or unit_size, or set "
            "integer_units: false",
            status=cause.status,
        )
    lines = [_line(row, _blocking(model, row.limit)) for row in rows.itertuples()]
    more = len(lines) - _MAX_LINES
    text = "; ".join(lines[:_MAX_LINES]) + (f"; and {more} more" if more > 0 else "")
    return InfeasibleError(
        f"plan: no buildout meets every limit: {text}", status=cause.status
    )


def violations(
    model: Any, slack_scale: dict[str, Any], inp: PlanInputs
) -> pd.DataFrame:
    """Slacks used by a solved phase-1 model, in planner units.

    Parameters
    ----------
    model : linopy.Model
        The solved phase-1 model (limits relaxed by slack variables).
    slack_scale : dict
        Limit name -> factor from model units to the ``unit`` column.
    inp : PlanInputs
        The inputs the model was built from.

    Returns
    -------
    pandas.DataFrame
        One row per limit, item and period (the scenario with the largest
        slack): ``limit``, ``item``, ``period``, ``scenario``, ``limit_value``
        (the deal or cap, or the demand that must be served), ``slack``
        (amount missed), ``unit``; largest relative slack first.
    """
    frames = []
    for name, scale in slack_scale.items():
        slack = model.variables[f"{name}_slack"].solution.fillna(0.0)
        rhs = model.constraints[name].rhs
        if name.startswith("must_serve"):  # the limit is on unmet; report served
            rhs = scale.where(scale > 1e-9, 0.0) - rhs
        per, unit = _UNITS[name]
        frame = (
            (slack / scale)
            .rename("relative")
            .to_dataframe()
            .join(((slack * per).rename("slack")).to_dataframe())
            .join(
                ((rhs * per).broadcast_like(slack).rename("limit_value")).to_dataframe()
            )
            .reset_index()
        )
        frame = frame[frame["relative"] > _REL_TOL]
        if frame.empty:
            continue
        item = [c for c in frame.columns if c in ("accelerator", "site")]
        frame["item"] = frame[item].astype(str).agg("/".join, axis=1) if item else ""
        if "period" not in frame:
            frame["period"] = f"by {inp.section.end}"
        if "scenario" not in frame:
            frame["scenario"] = ""
        frame["limit"] = name
        frame["unit"] = unit
        frames.append(frame)
    cols = ["limit", "item", "period", "scenario", "limit_value", "slack", "unit"]
    if not frames:
        return pd.DataFrame(columns=[*cols, "relative"])
    out = pd.concat(frames, ignore_index=True)
    out = out.sort_values("relative", ascending=False)
    out = out.drop_duplicates(["limit", "item", "period"])
    if inp.demand.sizes["scenario"] == 1:
        out["scenario"] = ""
    return out[[*cols, "relative"]].reset_index(drop=True)


def _blocking(model: Any, own: str) -> str:
    """Limits with a nonzero dual in the phase-1 model, in words, with where.

    A dual times its limit's right-hand side is the change in total relative
    violation if that limit doubled; above 1e-6 it stands in the way.
    """
    found = []
    for name, words in _BLOCKERS.items():
        if name == own or name not in model.constraints:
            continue
        con = model.constraints[name]
        effect = np.abs(con.dual.fillna(0.0) * con.rhs.fillna(0.0))
        if float(effect.max()) > 1e-6:
            found.append(words + _where(effect > 1e-6))
    return ", ".join(found) or "launch dates, lead times and site dates"


def _where(active: Any) -> str:
    """`` (tx, 2026Q1-2026Q4)``: the items and periods where a limit binds."""
    parts = []
    for dim in ("site", "accelerator", "period"):
        if dim not in active.dims:
            continue
        others = [d for d in active.dims if d != dim]
        hit = active.any(others) if others else active
        labels = [str(v) for v in hit[dim].values[hit.values]]
        if len(labels) == hit.sizes[dim] and len(labels) > 1:
            continue  # binds everywhere along this dim: nothing to single out
        if dim == "period":
            parts.append("-".join(dict.fromkeys([labels[0], labels[-1]])))
        else:
            parts.append(", ".join(labels[:3]) + (" ..." if len(labels) > 3 else ""))
    return f" ({'; '.join(parts)})" if parts else ""


def _amount(value: float, unit: str) -> str:
    """A number in the planner's unit, readable (``$2.3 bn``, ``140,000 units``)."""
    if unit == "usd":
        return f"${value / 1e9:,.3g} bn" if abs(value) >= 1e8 else f"${value:,.0f}"
    if unit in ("tokens", "FLOP"):
        return f"{value:.3g} {unit}"
    return f"{value:,.0f} {unit}"


def _line(row: Any, blockers: str) -> str:
    """One violated limit as a sentence."""
    when = row.period if str(row.period).startswith("by ") else f"in {row.period}"
    where = when + (f" (scenario {row.scenario})" if row.scenario else "")
    item = f" {row.item}" if row.item else ""
    value, slack, unit = float(row.limit_value), float(row.slack), row.unit
    if ELASTIC_LIMITS[row.limit] == ">=" or row.limit.startswith("must_serve"):
        verb = "needs" if row.limit == "vendor_deal" else "must serve"
        return (
            f"{row.limit}{item} {verb} {_amount(value, unit)} {where} but at most "
            f"{_amount(value - slack, unit)} fit within {blockers}: short by "
            f"{_amount(slack, unit)}"
        )
    return (
        f"{row.limit}{item} caps at {_amount(value, unit)} {where} but "
        f"{blockers} need {_amount(value + slack, unit)}: over by "
        f"{_amount(slack, unit)}"
    )
