"""A plan site powered by the campus model: its ``power:`` block becomes an option.

A site in the plan may describe its supply in the campus model's own terms
(``sites[].power``: region or profiles, technologies, CO2 or CFE limits)
instead of typing ``power_options``. The campus LP
(:func:`gigaplan.power.stage.solve_section`) is solved for the site's full
size (``max_mw`` of facility load at the site's PUE) and its product becomes
one power option named :data:`CAMPUS_OPTION`:

- ``capex_usd_per_kw`` and ``fixed_om_usd_per_kw_yr``: the built plants per kW
  of peak load, as the planner pays them up front and per year;
- ``energy_usd_per_mwh``: the *variable* cost per MWh served (the campus
  LP's annual cost minus the annuity and fixed O&M of what it builds, over the
  MWh served), so the planner does not pay for the plants twice;
- ``co2_t_per_mwh``, ``firm_fraction``, ``lead_time_quarters`` and
  ``max_mw`` as the campus LP gives them.

Identical campus definitions are solved once per call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gigaplan.plan.schema import PlanSection, PowerOption, Site

if TYPE_CHECKING:
    from gigaplan.power.model import CampusPowerResult
    from gigaplan.power.stage import PowerSection

#: Name of the power option a site's campus model provides.
CAMPUS_OPTION = "campus"


def campus_section(site: Site) -> PowerSection:
    """The campus LP settings for a plan site: its power block, its size and PUE."""
    assert site.power is not None
    return site.power.model_copy(
        update={"it_load_mw": site.max_mw / site.pue, "pue": site.pue}
    )


def option_from_campus(
    result: CampusPowerResult, discount_rate: float, max_mw: float
) -> PowerOption:
    """The planner's power option from a solved campus LP (module notes).

    Parameters
    ----------
    result : CampusPowerResult
        The solved campus.
    discount_rate : float
        The rate the campus LP annualised capex at. [1/yr]
    max_mw : float
        Facility MW the option can supply. [MW]
    """
    from gigaplan.power.model import power_product

    s, techs = result.summary, result.techs
    fixed_usd = 0.0
    for name, tech in techs.items():
        mw = s.get(f"capacity_{name}_mw", 0.0)
        if mw > 1e-3:
            fixed_usd += tech.annual_cost_usd_per_mw(discount_rate) * mw
    if "battery" in techs:
        fixed_usd += (
            techs["battery"].annual_cost_usd_per_mwh_storage(discount_rate)
            * s["capacity_battery_mwh"]
        )
    variable = max(0.0, (s["annual_cost_usd"] - fixed_usd) / s["served_mwh"])
    product = power_product(result)
    return PowerOption(
        name=CAMPUS_OPTION,
        energy_usd_per_mwh=variable,
        co2_t_per_mwh=product["co2_t_per_mwh"],
        capex_usd_per_kw=product["capex_usd_per_kw"],
        fixed_om_usd_per_kw_yr=product["fixed_om_usd_per_kw_yr"],
        firm_fraction=product["firm_fraction"],
        lead_time_quarters=round(product["lead_time_quarters"]),
        max_mw=max_mw,
    )


def with_campus_power(section: PlanSection, catalog: Any) -> tuple[PlanSection, dict]:
    """The section with each ``sites[].power`` solved into a power option.

    Returns
    -------
    section : PlanSection
        Sites with a ``power:`` block get :data:`CAMPUS_OPTION` added to their
        ``power_options``; the others are unchanged.
    products : dict of str to CampusPowerResult
        The solved campus per site name (for the results and tests).
    """
    from gigaplan.power.stage import solve_section

    if not any(s.power is not None for s in section.sites):
        return section, {}
    solved: dict[str, Any] = {}
    products: dict[str, Any] = {}
    sites = []
    for site in section.sites:
        if site.power is None:
            sites.append(site)
            continue
        campus = campus_section(site)
        key = campus.model_dump_json()
        if key not in solved:
            solved[key] = solve_section(campus, catalog, None)
        products[site.name] = solved[key]
        option = option_from_campus(solved[key], campus.discount_rate, site.max_mw)
        sites.append(
            site.model_copy(update={"power_options": [*site.power_options, option]})
        )
    return section.model_copy(update={"sites": sites}), products
