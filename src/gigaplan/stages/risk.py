"""The ``risk`` stage of a run: the plan against the scenario's demand paths."""

from __future__ import annotations

import numpy as np

from gigaplan.catalog.schema import Catalog
from gigaplan.errors import InputError
from gigaplan.results import StageResult, Upstream
from gigaplan.risk.stage import assess, capacity_for
from gigaplan.scenario import Scenario


def run_stage(
    scenario: Scenario, catalog: Catalog, upstream: Upstream = None
) -> StageResult:
    """Run the ``risk:`` section of ``scenario`` (pipeline entry point).

    The plan comes from the table ``risk.plan`` names (read by the pipeline)
    or, without it, from the ``plan`` stage in ``upstream``; the random
    generator is seeded with ``scenario.seed``.

    Parameters
    ----------
    scenario : Scenario
        Holds the ``risk`` section and the seed.
    catalog : Catalog
        The run's catalog (not used by the evaluation).
    upstream : mapping of str to StageResult, optional
        The ``plan`` stage's result, or the capacity table read at the edge.

    Returns
    -------
    StageResult
        See :func:`gigaplan.risk.stage.assess`.
    """
    section = scenario.risk
    if section is None:
        raise InputError("risk", None, "the scenario has no risk: section")
    return assess(
        section, capacity_for(section, upstream), np.random.default_rng(scenario.seed)
    )
