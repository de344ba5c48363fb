"""The ``estimate`` stage of a run: every training and inference case."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import pandas as pd

from gigaplan.catalog.schema import Catalog
from gigaplan.results import StageResult, Upstream
from gigaplan.scenario import Scenario
from gigaplan.workloads.inference import InferenceEstimate
from gigaplan.workloads.schema import EstimateSection, InferenceCase, TrainingCase
from gigaplan.workloads.stage import inference_case, training_case
from gigaplan.workloads.training import TrainingEstimate

_Case = TrainingCase | InferenceCase
_Estimator = Callable[..., TrainingEstimate | InferenceEstimate]


def _case_table(
    cases: Sequence[_Case], estimate: _Estimator, catalog: Catalog
) -> pd.DataFrame:
    """One row per case: its name, then every field of its estimate."""
    return pd.DataFrame(
        [
            {
                "case": case.name,
                **dataclasses.asdict(estimate(catalog, case)),
            }
            for case in cases
        ]
    )


def run_stage(
    scenario: Scenario, catalog: Catalog, upstream: Upstream = None
) -> StageResult:
    """Run every case of the scenario's ``estimate:`` section (none: no cases).

    The estimate stage runs first and uses no ``upstream``.

    Parameters
    ----------
    scenario, catalog, upstream
        See :class:`~gigaplan.stages.StageRunner`.

    Returns
    -------
    StageResult
        Tables ``training`` and ``inference`` (those with cases), one row per
        case, and headline numbers keyed ``<case>.<quantity>``.
    """
    section = scenario.estimate or EstimateSection()
    training = _case_table(section.training, training_case, catalog)
    inference = _case_table(section.inference, inference_case, catalog)
    tables = {
        k: t for k, t in (("training", training), ("inference", inference)) if len(t)
    }
    return StageResult(
        stage="estimate", summary=_summary(training, inference), tables=tables
    )


#: Headline columns of each table, shown per case in the run summary.
_HEADLINE = {
    "training": (
        "accelerator_hours",
        "wall_clock_days",
        "facility_energy_mwh",
        "co2e_t",
    ),
    "inference": (
        "output_tokens_per_s_per_accelerator",
        "energy_j_per_output_token",
        "accelerators_needed",
        "facility_mw",
    ),
}


def _summary(training: pd.DataFrame, inference: pd.DataFrame) -> dict[str, float]:
    """Headline numbers, keyed ``<case>.<quantity>`` (units in the quantity)."""
    out: dict[str, float] = {}
    for kind, table in (("training", training), ("inference", inference)):
        for row in table.to_dict("records"):
            for col in _HEADLINE[kind]:
                if row.get(col) is not None and pd.notna(row[col]):
                    out[f"{row['case']}.{col}"] = float(row[col])
    return out
