"""Solve a ``plan:`` section: campus power, inputs, the LP, and its results."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gigaplan.plan.schema import PlanSection

if TYPE_CHECKING:
    from gigaplan.catalog.schema import Catalog
    from gigaplan.plan.results import Plan
    from gigaplan.power.batch import ProductCache


def run_plan(
    section: PlanSection | dict[str, Any],
    catalog: Catalog | None = None,
    cache: ProductCache | None = None,
) -> Plan:
    """Build and solve the buildout LP for a ``plan:`` section.

    Parameters
    ----------
    section : PlanSection or dict
        The plan section (validated here when a dict).
    catalog : Catalog, optional
        Used only for accelerators whose numbers the section does not give.
    cache : gigaplan.power.batch.ProductCache, optional
        Campus products already solved (by input hash), for sites with a
        ``power:`` block.

    Returns
    -------
    Plan
        Dataset, bottleneck shadow prices and objective.

    Raises
    ------
    InfeasibleError
        When no plan meets every hard limit; the message names the limit,
        item, period and the amount missed (:mod:`gigaplan.plan.diagnose`).
    """
    from pydantic import ValidationError

    from gigaplan._schema import validation_to_input_error
    from gigaplan.errors import InfeasibleError
    from gigaplan.plan.build import build_model, resolve
    from gigaplan.plan.diagnose import explain_infeasibility
    from gigaplan.plan.results import extract
    from gigaplan.plan.solve import solve_plan

    if not isinstance(section, PlanSection):
        try:
            section = PlanSection.model_validate(section)
        except ValidationError as err:
            raise validation_to_input_error(err, "plan") from None
    if not section.scenarios:
        from gigaplan.errors import InputError

        raise InputError(
            "plan.from_demand",
            "set",
            "its scenarios are drawn from the scenario's risk.demand model: solve "
            "it with gigaplan.stages.plan.solve_scenario_plan(scenario, catalog)",
        )
    import logging

    from gigaplan.plan.site_power import with_campus_power

    log = logging.getLogger(__name__)
    powered = sum(s.power is not None for s in section.sites)
    if powered:
        from gigaplan.catalog.load import shipped_catalog

        log.info("solving the campus LPs of %d site(s)", powered)
        section, _ = with_campus_power(section, shipped_catalog(catalog), cache)
    log.info("resolving chips (catalog and estimator), sites and demand")
    inputs = resolve(section, catalog)
    model, exprs = build_model(inputs)
    log.info(
        "solving the buildout LP: %d rows, %d columns, %d scenario(s) (%s)",
        model.constraints.ncons,
        model.variables.nvars,
        len(section.scenarios),
        section.solve_method,
    )
    try:
        info = solve_plan(
            model,
            mip_rel_gap=section.mip_rel_gap,
            method=section.solve_method,
            cluster=section.solve_cluster,
            rel_gap=section.solve_rel_gap,
            n_scenarios=len(section.scenarios),
        )
    except InfeasibleError as err:
        raise explain_infeasibility(inputs, err) from None
    log.info("reading the plan, its shadow prices and the headline")
    return extract(inputs, model, exprs, info)
