"""What the runs list and the compare page show, read from stored runs.

Small pure functions over a run's stored summary and scenario text: the
headline numbers of a run (no stage is re-run and nothing is recomputed),
the scenario inputs two runs differ in, and the rows of the quantities table
with a flag for those that changed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import pandas as pd

from gigaplan.units import format_value

#: Headline numbers of a run, in the order shown: (stage, key, label).
HEADLINE = (
    ("plan", "expected_cost_usd", "Objective, PV (costs + unmet demand)"),
    ("plan", "capex_usd_undiscounted", "Capex (undiscounted)"),
    ("plan", "facility_gw_end", "Facility power at the end"),
    ("plan", "first_period_at_target", "Target rate first reached"),
    ("plan", "binding_limits", "Binding limits"),
    ("risk", "p_shortfall_inference_max", "P(inference shortfall), worst quarter"),
    ("risk", "npv_usd_p50", "NPV, median"),
    ("power", "delivered_usd_per_mwh", "Campus power cost"),
    ("power", "co2_t", "Campus CO2 a year"),
    ("factory", "steady_state_gw_per_week_p50", "Build pipeline rate (median)"),
    ("factory", "bottleneck_at_target", "Build pipeline bottleneck"),
)

#: Numbers shown per stage for a stage none of :data:`HEADLINE` covers.
FALLBACK_PER_STAGE = 2


def _money_year(summary: Mapping[str, Mapping[str, Any]], stage: str) -> int | None:
    year = summary.get(stage, {}).get("dollar_year")
    return int(year) if isinstance(year, int | float) and math.isfinite(year) else None


def headline_numbers(
    summary: Mapping[str, Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """The numbers a run row shows: stage, key, label, raw value, shown text.

    :data:`HEADLINE` keys the run stored (a ``None`` such as "target never
    reached" is shown as "never"), then, for a stage none of them covers,
    its first :data:`FALLBACK_PER_STAGE` summary numbers under their keys.

    Parameters
    ----------
    summary : mapping
        A run's summary, stage -> key -> value.

    Returns
    -------
    list of dict
        ``stage``, ``key``, ``label``, ``value`` and ``shown`` of each number.

    Examples
    --------
    >>> [h["shown"] for h in headline_numbers({"plan": {"facility_gw_end": 2.0,
    ...     "first_period_at_target": None}})]
    ['2.00 GW', 'never']
    """
    out = []
    covered = set()
    for stage, key, label in HEADLINE:
        values = summary.get(stage, {})
        if key not in values:
            continue
        covered.add(stage)
        value = values[key]
        shown = (
            "never"
            if value is None
            else format_value(key, value, dollar_year=_money_year(summary, stage))
        )
        out.append(
            {"stage": stage, "key": key, "label": label, "raw": value, "shown": shown}
        )
    for stage, values in summary.items():
        if stage in covered:
            continue
        numbers = [
            (k, v)
            for k, v in values.items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        ]
        for key, value in numbers[:FALLBACK_PER_STAGE]:
            out.append(
                {
                    "stage": stage,
                    "key": key,
                    "label": key,
                    "raw": value,
                    "shown": format_value(key, value),
                }
            )
    return out


def _flatten(doc: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(``plan.sites[0].pue``, value) of every leaf of a parsed scenario."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(doc, list) and any(isinstance(v, dict | list) for v in doc):
        for i, value in enumerate(doc):
            yield from _flatten(value, f"{prefix}[{i}]")
    else:
        yield prefix, doc


def input_changes(yaml_a: str, yaml_b: str) -> list[dict[str, Any]]:
    """The scenario settings two runs differ in: ``field``, ``a``, ``b``.

    A setting one file does not have is ``None`` (the schema's default).

    Parameters
    ----------
    yaml_a, yaml_b : str
        The two runs' scenario texts.

    Returns
    -------
    list of dict
        One per differing leaf, in the order the files give them.

    Examples
    --------
    >>> input_changes("plan: {pue: 1.2, x: 1}", "plan: {pue: 1.3, x: 1}")
    [{'field': 'plan.pue', 'a': 1.2, 'b': 1.3}]
    """
    from gigaplan import _yaml

    def leaves(text: str) -> dict[str, Any]:
        try:
            doc = _yaml.safe_load(text)
        except Exception:  # a failed run may hold text that is no YAML
            return {}
        return dict(_flatten(doc)) if isinstance(doc, dict) else {}

    a, b = leaves(yaml_a), leaves(yaml_b)
    keys = list(dict.fromkeys([*a, *b]))
    return [
        {"field": k, "a": a.get(k), "b": b.get(k)}
        for k in keys
        if a.get(k) != b.get(k) or (k in a) != (k in b)
    ]


def quantity_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of :func:`gigaplan.compare.diff_runs` for the page, ``changed`` flagged.

    A number changed when B - A is not zero; text when it differs.

    Parameters
    ----------
    frame : pandas.DataFrame
        The comparison table.

    Returns
    -------
    list of dict
        Its rows, NaN as None, with ``changed``.
    """
    rows = []
    for row in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        change, pct = row["change"], row["change_pct"]
        changed = (
            change != 0 if change is not None else row["a"] != row["b"]
        ) and not (change is not None and math.isnan(change))
        rows.append(
            {
                **row,
                "changed": bool(changed),
                "a_shown": format_value(row["quantity"], row["a"]),
                "b_shown": format_value(row["quantity"], row["b"]),
                "change_shown": "-"
                if change is None
                else format_value(row["quantity"], change),
                "pct_shown": "-" if pct is None or pct != pct else f"{pct:+.1f} %",
            }
        )
    return rows
