"""The ``plan`` stage of a run: the scenario's plan, with its demand drawn from
the risk section's model and its campus product taken from the power stage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gigaplan.catalog.schema import Catalog
from gigaplan.errors import InputError
from gigaplan.plan.schema import PlanSection
from gigaplan.plan.stage import summarise
from gigaplan.results import StageResult, Upstream
from gigaplan.scenario import Scenario

if TYPE_CHECKING:
    from gigaplan.plan.results import Plan
    from gigaplan.power.batch import ProductCache


def scenarios_from_demand(
    scenario: Scenario, section: PlanSection
) -> list[dict[str, Any]]:
    """The plan's demand scenarios drawn from the scenario's demand model.

    Sampled and reduced exactly as the risk stage does (same seed, same two
    generator streams), over the plan's quarters.

    Parameters
    ----------
    scenario : Scenario
        Gives ``risk.demand`` and the seed.
    section : PlanSection
        Gives ``from_demand`` (paths, scenarios, iterations) and the periods.

    Returns
    -------
    list of dict
        ``plan.scenarios`` entries: name, probability, demand per period.

    Raises
    ------
    InputError
        ``plan.from_demand`` without a ``risk.demand`` model.
    """
    import numpy as np

    from gigaplan.demand.paths import reduce_paths, sample_paths

    risk = scenario.risk
    if risk is None:
        raise InputError(
            "plan.from_demand",
            "set",
            "needs a risk: section whose demand model the scenarios are drawn from",
        )
    spec = section.from_demand
    if spec is None:
        raise InputError("plan.from_demand", None, "not set: nothing to draw")
    path_rng, reduce_rng = np.random.default_rng(scenario.seed).spawn(2)
    paths = sample_paths(risk.demand, section.periods, spec.paths, path_rng)
    k = min(spec.scenarios, spec.paths)
    reduced = reduce_paths(paths, k, reduce_rng, spec.iterations)
    return reduced.to_plan_scenarios(prefix="demand")


def solve_scenario_plan(
    scenario: Scenario, catalog: Catalog | None, cache: ProductCache | None = None
) -> Plan:
    """Solve the ``plan:`` section of ``scenario``.

    With ``plan.from_demand`` the demand scenarios are drawn from the
    scenario's ``risk.demand`` model first (:func:`scenarios_from_demand`).

    Parameters
    ----------
    scenario : Scenario
        Holds the ``plan`` section (and ``risk`` when the plan draws on it).
    catalog : Catalog, optional
        For chips the section does not give numbers for; default shipped.
    cache : ProductCache, optional
        Campus products already solved (:func:`power_cache`).

    Returns
    -------
    Plan
        Dataset, bottleneck shadow prices and objective.
    """
    from gigaplan.plan import run_plan
    from gigaplan.plan.schema import DemandScenario

    section = scenario.plan
    if section is None:
        raise InputError("plan", None, "the scenario has no plan: section")
    update: dict[str, Any] = {}
    if section.from_demand is not None:
        drawn = scenarios_from_demand(scenario, section)
        update["scenarios"] = [DemandScenario.model_validate(d) for d in drawn]
    if section.unmet_value == "risk_finance":
        update.update(value_from_finance(scenario, section, catalog))
    if update:
        section = section.model_copy(update=update)
    return run_plan(section, catalog, cache)


def power_cache(
    scenario: Scenario, catalog: Catalog, upstream: Upstream
) -> ProductCache | None:
    """The campus product the ``power`` stage already solved, keyed for the plan.

    With ``power: {site: NAME}`` the power stage solves that plan site's
    campus; its product goes into a cache under the same input hash the plan
    looks up, so the campus LP is solved once per run, not twice.

    Parameters
    ----------
    scenario : Scenario
        With ``power.site`` naming one of the plan's sites.
    catalog : Catalog
        The run's catalog (part of the input hash).
    upstream : mapping of str to StageResult, optional
        Holds the ``power`` stage's result.

    Returns
    -------
    ProductCache or None
        None when the power stage solved no plan site.
    """
    from gigaplan.power.batch import ProductCache, input_hash
    from gigaplan.power.model import PRODUCT_KEYS
    from gigaplan.power.stage import campus_inputs

    power = (upstream or {}).get("power")
    name = getattr(scenario.power, "site", None)
    if power is None or name is None or scenario.plan is None:
        return None
    site = next(s for s in scenario.plan.sites if s.name == name)
    cache = ProductCache()
    key = input_hash(*campus_inputs(site.campus(), catalog))
    cache.put(key, {k: power.summary[k] for k in PRODUCT_KEYS})
    return cache


def value_from_finance(
    scenario: Scenario, section: PlanSection, catalog: Catalog | None
) -> dict[str, float]:
    """The plan's unmet-demand prices from the risk stage's finance section.

    Parameters
    ----------
    scenario : Scenario
        Holds ``risk.finance``.
    section : PlanSection
        Its accelerators set the mean training FLOP per accelerator-hour.
    catalog : Catalog, optional
        For chips the section does not give numbers for.

    Returns
    -------
    dict
        ``unmet_inference_usd_per_mtoken`` = ``price_usd_per_mtoken``;
        ``unmet_training_usd_per_eflop`` = ``price_usd_per_accelerator_hour``
        over the mean training FLOP per accelerator-hour of the plan's
        accelerators (the value the risk stage credits an hour of research).
    """
    from gigaplan.plan.inputs import chip_numbers

    risk = scenario.risk
    if risk is None:
        raise InputError(
            "plan.unmet_value",
            "risk_finance",
            "needs a risk: section whose finance prices value unmet demand",
        )
    fin = risk.finance
    flop_per_h = [
        v["flop_per_s"] * 3600.0 for v in chip_numbers(section, catalog).values()
    ]
    mean_eflop_per_h = sum(flop_per_h) / len(flop_per_h) / 1e18
    return {
        "unmet_inference_usd_per_mtoken": fin.price_usd_per_mtoken,
        "unmet_training_usd_per_eflop": fin.price_usd_per_accelerator_hour
        / mean_eflop_per_h,
    }


def run_stage(
    scenario: Scenario, catalog: Catalog, upstream: Upstream = None
) -> StageResult:
    """Run the ``plan:`` section of ``scenario`` and return its tables.

    Parameters
    ----------
    scenario, catalog, upstream
        See :class:`~gigaplan.stages.StageRunner`; a ``power`` stage's campus
        product in ``upstream`` is reused.

    Returns
    -------
    StageResult
        See :func:`gigaplan.plan.stage.summarise`.
    """
    cache = power_cache(scenario, catalog, upstream)
    return summarise(solve_scenario_plan(scenario, catalog, cache))
