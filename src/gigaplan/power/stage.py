"""The campus LP from a ``power:`` section and the catalog, and its stage result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from gigaplan.catalog.schema import Catalog
from gigaplan.errors import InputError
from gigaplan.power.schema import PowerSection
from gigaplan.results import StageResult

if TYPE_CHECKING:
    from gigaplan.power.model import CampusPowerResult


def _region_value(region_id: str, region: Any, field: str) -> float:
    """A region's catalog number; a null one is an error that says how to give it."""
    number = getattr(region, field)
    if number.value is None:
        raise InputError(
            f"regions.{region_id}.{field}",
            None,
            f"the catalog has no value here ({number.note}); give it in a "
            "--catalog file, or the hourly grid price in a profiles CSV "
            "(column grid_price_usd_per_mwh)",
        )
    return float(number.value)


def solve_section(
    section: PowerSection,
    catalog: Catalog,
    profiles_given: Mapping[str, Any] | None = None,
) -> CampusPowerResult:
    """Build inputs from the catalog region (or given profiles) and solve.

    Parameters
    ----------
    section : PowerSection
        The campus settings.
    catalog : Catalog
        Region coordinates, prices and grid intensity.
    profiles_given : mapping of str to array, optional
        Hourly ``demand_mw``, ``solar_cf``, ``wind_cf`` or
        ``grid_price_usd_per_mwh`` that replace the synthetic ones: the
        ``profiles_csv`` the section names, read by the caller
        (:func:`gigaplan.external.read_profiles`).

    Returns
    -------
    CampusPowerResult
    """
    from gigaplan.power.model import solve_campus

    args, kwargs = campus_inputs(section, catalog, profiles_given)
    return solve_campus(*args, **kwargs)


def campus_inputs(
    section: PowerSection,
    catalog: Catalog,
    profiles_given: Mapping[str, Any] | None = None,
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The arguments :func:`gigaplan.power.model.solve_campus` gets for ``section``.

    Every number the LP depends on is in them (hourly profiles, technologies,
    limits), so they are also what :mod:`gigaplan.power.batch` hashes.

    Returns
    -------
    args, kwargs : tuple, dict
        ``solve_campus(*args, **kwargs)`` solves the section.

    Parameters
    ----------
    section : PowerSection
        The campus settings.
    catalog : Catalog
        Region, technologies and defaults.
    profiles_given : mapping, optional
        Hourly profiles read at the edge, instead of the region's.
    """
    from dataclasses import fields

    import numpy as np

    from gigaplan.catalog import find_region
    from gigaplan.power.build import CampusSettings
    from gigaplan.power.profiles import solar_cf_profile, wind_cf_profile
    from gigaplan.power.technologies import (
        annual_cf,
        default_techs,
        flexible_cost_usd_per_mwh_it,
    )

    region_id, region = find_region(catalog, section.region)
    n = section.hours
    lat = _region_value(region_id, region, "latitude_deg")
    lon = _region_value(region_id, region, "longitude_deg")
    if section.profiles_csv is not None and profiles_given is None:
        raise InputError(
            "power.profiles_csv",
            section.profiles_csv,
            "was not read: run the scenario through gigaplan.pipeline.run_pipeline "
            "(or the CLI), which reads the file it names",
        )
    solar_cf = annual_cf("solar", region_id, catalog)
    wind_cf = annual_cf("wind", region_id, catalog)
    given = {
        k: np.asarray(v, dtype=float)[:n] for k, v in (profiles_given or {}).items()
    }
    profiles = {
        "demand_mw": np.full(n, section.it_load_mw * section.pue),
        "solar_cf": solar_cf_profile(lat, lon, solar_cf)[:n],
        "wind_cf": wind_cf_profile(lat, lon, wind_cf)[:n],
        **given,
    }
    if "grid_price_usd_per_mwh" not in profiles:
        price = _region_value(region_id, region, "electricity_usd_per_mwh")
        profiles["grid_price_usd_per_mwh"] = np.full(n, price)
    demand = profiles.pop("demand_mw")
    grid_max = section.grid_max_mw if section.grid_max_mw is not None else demand.max()
    flex_cost_it = (
        section.flexible_cost_usd_per_mwh_it
        if section.flexible_cost_usd_per_mwh_it is not None
        else flexible_cost_usd_per_mwh_it(catalog)
    )
    # the section's fields named as in CampusSettings pass as they are
    same_name = {
        f.name: getattr(section, f.name)
        for f in fields(CampusSettings)
        if f.name in PowerSection.model_fields
    }
    derived = {
        "grid_max_mw": grid_max,
        "grid_co2_t_per_mwh": _region_value(region_id, region, "grid_kgco2_per_mwh")
        / 1e3,
        "flexible_cost_usd_per_mwh": flex_cost_it / section.pue,
    }
    settings = CampusSettings(**(same_name | derived))
    args = (
        demand,
        profiles["solar_cf"],
        profiles["grid_price_usd_per_mwh"],
        default_techs(section.technologies, catalog),
        settings,
    )
    return args, {"wind_cf": profiles["wind_cf"]}


def stage_result(
    section: PowerSection,
    catalog: Catalog,
    profiles: Mapping[str, Any] | None = None,
) -> StageResult:
    """Solve a campus and collect its summary, tables and memo.

    Parameters
    ----------
    section : PowerSection
        The campus settings (a plan site's already resolved).
    catalog : Catalog
        Technologies and the region's numbers.
    profiles : mapping of str to array, optional
        Hourly profiles read at the edge (``profiles_csv``), by column.

    Returns
    -------
    StageResult
        Stage ``power``: summary with the duals and the power product; tables
        ``capacity``, ``dispatch`` and ``duals``.
    """
    from gigaplan.power.model import memo, power_product

    result = solve_section(section, catalog, profiles)
    return StageResult(
        stage="power",
        summary={
            **result.summary,
            **result.duals,
            **power_product(result, section.discount_rate),
        },
        tables={
            "capacity": result.capacity.to_dataframe().reset_index(),
            "dispatch": result.dispatch.to_dataframe().reset_index(),
            "duals": pd.DataFrame(
                {"limit": list(result.duals), "value": list(result.duals.values())}
            ),
        },
        text=memo(result),
    )
