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

Identical campus definitions are solved once per call, the distinct ones in
parallel, and a cache passed in (:class:`gigaplan.power.batch.ProductCache`)
keeps them across the solves of a sweep.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gigaplan.plan.schema import PlanSection, PowerOption

if TYPE_CHECKING:
    from gigaplan.catalog.schema import Catalog
    from gigaplan.power.batch import ProductCache

#: Name of the power option a site's campus model provides.
CAMPUS_OPTION = "campus"


def option_from_product(product: dict[str, float], max_mw: float) -> PowerOption:
    """The planner's power option from a campus product (module notes).

    Parameters
    ----------
    product : dict
        :func:`gigaplan.power.model.power_product` with the discount rate, so
        that it holds ``variable_usd_per_mwh``.
    max_mw : float
        Facility MW the option can supply. [MW]

    Returns
    -------
    PowerOption
        Named :data:`CAMPUS_OPTION`, with the product's prices, CO2 and capex.
    """
    return PowerOption(
        name=CAMPUS_OPTION,
        energy_usd_per_mwh=product["variable_usd_per_mwh"],
        co2_t_per_mwh=product["co2_t_per_mwh"],
        capex_usd_per_kw=product["capex_usd_per_kw"],
        fixed_om_usd_per_kw_yr=product["fixed_om_usd_per_kw_yr"],
        firm_fraction=product["firm_fraction"],
        lead_time_quarters=round(product["lead_time_quarters"]),
        max_mw=max_mw,
    )


def with_campus_power(
    section: PlanSection, catalog: Catalog, cache: ProductCache | None = None
) -> tuple[PlanSection, dict[str, dict[str, float]]]:
    """The section with each ``sites[].power`` solved into a power option.

    The campus LPs of all such sites are solved together, in parallel, and
    looked up in ``cache`` first (:func:`gigaplan.power.batch.section_products`:
    identical inputs, by hash, are solved once).

    Parameters
    ----------
    section : PlanSection
        The validated plan section.
    catalog : Catalog
        For the power technologies.
    cache : ProductCache, optional
        Products solved before, by input hash.

    Returns
    -------
    section : PlanSection
        Sites with a ``power:`` block get :data:`CAMPUS_OPTION` added to their
        ``power_options``; the others are unchanged.
    products : dict of str to dict
        The campus product per site name (for the results and tests).
    """
    from gigaplan.power.batch import section_products

    powered = [s for s in section.sites if s.power is not None]
    if not powered:
        return section, {}
    found = section_products([s.campus() for s in powered], catalog, cache=cache)
    products = {s.name: p for s, p in zip(powered, found, strict=True)}
    sites = [
        site
        if site.name not in products
        else site.model_copy(
            update={
                "power_options": [
                    *site.power_options,
                    option_from_product(products[site.name], site.max_mw),
                ]
            }
        )
        for site in section.sites
    ]
    return section.model_copy(update={"sites": sites}), products
