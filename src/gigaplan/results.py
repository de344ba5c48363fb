"""What every pipeline stage returns, so the run store and reports treat them alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd


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
