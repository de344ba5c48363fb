"""Comparing two stored runs: headline numbers side by side, scenario diff.

Read-only functions over :class:`gigaplan.store.RunInfo`; the store keeps
runs, this module compares them (``gigaplan runs diff``, the web compare page).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from gigaplan.store.runinfo import RunInfo


def diff_runs(a: RunInfo, b: RunInfo) -> pd.DataFrame:
    """Headline numbers of two runs side by side.

    Parameters
    ----------
    a, b : RunInfo
        The two runs' records.

    Returns
    -------
    DataFrame
        Columns ``stage, quantity, a, b, change, change_pct``; one row per
        summary key found in either run (numbers only get a change).
    """
    rows = []
    stages = list(dict.fromkeys([*a.summary, *b.summary]))
    for stage in stages:
        sa, sb = a.summary.get(stage, {}), b.summary.get(stage, {})
        for key in dict.fromkeys([*sa, *sb]):
            va, vb = sa.get(key), sb.get(key)
            change: float | None = None
            pct: float | None = None
            if (
                isinstance(va, int | float)
                and isinstance(vb, int | float)
                and _is_num(va)
                and _is_num(vb)
            ):
                change = float(vb) - float(va)
                pct = 100.0 * change / abs(float(va)) if va != 0 else None
            rows.append(
                {
                    "stage": stage,
                    "quantity": key,
                    "a": va,
                    "b": vb,
                    "change": change,
                    "change_pct": pct,
                }
            )
    return pd.DataFrame(
        rows, columns=["stage", "quantity", "a", "b", "change", "change_pct"]
    )


def _is_num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def scenario_diff(a: RunInfo, b: RunInfo) -> str:
    """Unified diff of the two runs' scenario files ('' when identical).

    Parameters
    ----------
    a, b : RunInfo
        The runs compared: ``a`` is the old side of the diff, ``b`` the new.

    Returns
    -------
    str
        ``a``'s scenario as ``---``, ``b``'s as ``+++``.
    """
    import difflib

    return "".join(
        difflib.unified_diff(
            a.scenario_yaml.splitlines(keepends=True),
            b.scenario_yaml.splitlines(keepends=True),
            fromfile=f"{a.run_id}/scenario.yaml",
            tofile=f"{b.run_id}/scenario.yaml",
        )
    )
