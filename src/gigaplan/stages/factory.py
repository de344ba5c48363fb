"""The ``factory`` stage of a run: the build pipeline, checked against the plan."""

from __future__ import annotations

from gigaplan.catalog.schema import Catalog
from gigaplan.errors import InputError
from gigaplan.factory.stage import run_factory
from gigaplan.results import StageResult, Upstream
from gigaplan.scenario import Scenario


def run_stage(
    scenario: Scenario, catalog: Catalog, upstream: Upstream = None
) -> StageResult:
    """Pipeline entry point: run the scenario's ``factory`` section.

    Default durations (``{catalog: key}``) come from ``catalog``.

    Parameters
    ----------
    scenario : Scenario
        Holds the ``factory`` section and the seed.
    catalog : Catalog
        The run's catalog (factory durations).
    upstream : mapping of str to StageResult, optional
        A ``plan`` stage's ``by_period`` table is checked for delivery.

    Returns
    -------
    StageResult
        See :func:`gigaplan.factory.stage.run_factory`.
    """
    section = scenario.factory
    if section is None:
        raise InputError("factory", None, "the scenario has no factory: section")
    plan = (upstream or {}).get("plan")
    by_period = plan.tables.get("by_period") if plan is not None else None
    return run_factory(
        section, scenario.seed, plan_by_period=by_period, catalog=catalog
    )
