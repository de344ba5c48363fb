"""The ``power`` stage of a run: the scenario's campus, solved."""

from __future__ import annotations

from gigaplan.catalog.schema import Catalog
from gigaplan.errors import InputError
from gigaplan.power.schema import PowerSection
from gigaplan.power.stage import stage_result
from gigaplan.results import POWER_PROFILES, StageResult, Upstream, table_from
from gigaplan.scenario import Scenario


def plan_site_campus(scenario: Scenario, name: str) -> PowerSection:
    """The campus settings of plan site ``name`` (one campus definition).

    Parameters
    ----------
    scenario : Scenario
        Holds the plan's sites.
    name : str
        The site named by ``power.site``.

    Returns
    -------
    PowerSection
        The site's power block sized to the site (:meth:`Site.campus`).
    """
    sites = {s.name: s for s in (scenario.plan.sites if scenario.plan else [])}
    site = sites.get(name)
    if site is None or site.power is None:
        with_power = [n for n, s in sites.items() if s.power is not None]
        raise InputError(
            "power.site",
            name,
            f"a plan site with a power: block ({', '.join(with_power) or 'none'})",
        )
    return site.campus()


def run_stage(
    scenario: Scenario, catalog: Catalog, upstream: Upstream = None
) -> StageResult:
    """Run the ``power:`` section of a scenario (default settings when absent;
    with ``power.site`` the campus of that plan site).

    Parameters
    ----------
    scenario, catalog, upstream
        See :class:`~gigaplan.stages.StageRunner`; ``upstream`` carries the
        profiles CSV the pipeline read (``power.profiles_csv``).

    Returns
    -------
    StageResult
        See :func:`gigaplan.power.stage.stage_result`.
    """
    section = scenario.power or PowerSection()
    if section.site is not None:
        section = plan_site_campus(scenario, section.site)
    given = table_from(upstream, POWER_PROFILES)
    profiles = None if given is None else {c: given[c].to_numpy() for c in given}
    return stage_result(section, catalog, profiles)
