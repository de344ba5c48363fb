"""The campus LP as a PyPSA network, for ``gigaplan power --export-pypsa``.

One bus (``campus``) with the facility load, the grid as a generator of fixed
capacity at the hourly import price, solar and wind as extendable generators
with hourly availability, the thermal technologies as extendable generators
with a marginal cost, nuclear as an extendable generator that runs flat
(``p_min_pu = p_max_pu = 1``), the battery as an extendable storage unit with
cyclic state of charge, and the CO2 cap (or CO2 intensity cap) as a
``primary_energy`` global constraint. The ``n`` modelled hours are scaled to
a year through the objective and generator snapshot weightings, as
:func:`gigaplan.power.model.solve_campus` does, so PyPSA's optimum equals
gigaplan's ``annual_cost_usd`` (``include_objective_constant=False``).

Limits PyPSA has no component for (reserve margin, carbon-free share, hourly
CFE, pausable load) and representative days are refused rather than dropped.
PyPSA's storage unit has one energy/power ratio; when the battery's
``min_hours`` and ``max_hours`` differ, the caller gives the ratio of the
solved plan (``battery_hours``): that restriction of gigaplan's LP still
contains gigaplan's optimum, so the optimum is the same.
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from gigaplan.errors import InputError
from gigaplan.power.technologies import FLAT, STORAGE, THERMAL, VARIABLE, Tech

if TYPE_CHECKING:
    from pathlib import Path

    import pypsa

    from gigaplan.power.build import CampusSettings
    from gigaplan.power.model import CampusPowerResult

HOURS_PER_YEAR = 8760

#: CampusSettings fields that have no PyPSA component, and their "off" value.
_UNSUPPORTED = {
    "cfe_share": None,
    "hourly_cfe": False,
    "reserve_margin": None,
    "flexible_share": 0.0,
    "rep_days": None,
}


def battery_hours_of(result: CampusPowerResult) -> float | None:
    """Energy/power ratio of a solved campus's battery (None when none is built).

    Parameters
    ----------
    result : CampusPowerResult
        A solved campus.

    Returns
    -------
    hours : float or None
        ``capacity_battery_mwh / capacity_battery_mw``. [h]
    """
    power_mw = float(result.summary.get("capacity_battery_mw") or 0.0)
    if power_mw <= 0:
        return None
    return float(result.summary["capacity_battery_mwh"]) / power_mw


def campus_network(
    demand_mw: np.ndarray,
    solar_cf: np.ndarray,
    grid_price_usd_per_mwh: np.ndarray,
    techs: dict[str, Tech],
    settings: CampusSettings,
    *,
    wind_cf: np.ndarray | None = None,
    battery_hours: float | None = None,
) -> pypsa.Network:
    """Build (not solve) the PyPSA network of one campus LP.

    Takes the arguments of :func:`gigaplan.power.model.solve_campus` (as
    :func:`gigaplan.power.stage.campus_inputs` returns them).

    Parameters
    ----------
    demand_mw, solar_cf, grid_price_usd_per_mwh, techs, settings, wind_cf
        As in :func:`~gigaplan.power.model.solve_campus`; the settings without
        a PyPSA counterpart (``cfe_share``, ``hourly_cfe``, ``reserve_margin``,
        ``flexible_share``, ``rep_days``) must be off.
    battery_hours : float, optional
        Energy/power ratio of the battery. [h] Needed when its ``min_hours``
        and ``max_hours`` differ (use :func:`battery_hours_of` on the solved
        result); clipped to that range.

    Returns
    -------
    network : pypsa.Network
        Solve with ``network.optimize(include_objective_constant=False)``;
        ``network.objective`` is then the annual cost. [$/yr]

    Raises
    ------
    InputError
        An option PyPSA cannot express is set.
    """
    try:
        import pypsa
    except ImportError:
        raise InputError(
            "--export-pypsa",
            "pypsa",
            "needs the pypsa package: pip install pypsa (or gigaplan[dev])",
        ) from None

    for name, off in _UNSUPPORTED.items():
        value = getattr(settings, name)
        if value != off:
            raise InputError(
                name,
                value,
                "not exportable to PyPSA (it has no component for it); "
                f"leave it at {off}",
            )
    demand = np.asarray(demand_mw, dtype=float)
    n = demand.size
    cf = {"solar": np.asarray(solar_cf, dtype=float)}
    if wind_cf is not None:
        cf["wind"] = np.asarray(wind_cf, dtype=float)
    active = {
        t: v
        for t, v in techs.items()
        if v.max_mw != 0 and (t in cf or t not in VARIABLE)
    }
    net = pypsa.Network()
    net.set_snapshots(range(n))
    # objective and emissions scaled to a year; 'stores' is the time-step
    # length in the state-of-charge equation, which stays one hour
    for col in ("objective", "generators"):
        net.snapshot_weightings[col] = HOURS_PER_YEAR / n
    net.snapshot_weightings["stores"] = 1.0
    net.add("Carrier", "grid", co2_emissions=settings.grid_co2_t_per_mwh)
    for t, tech in active.items():
        net.add("Carrier", t, co2_emissions=tech.co2_t_per_mwh)
    net.add("Bus", "campus")
    net.add("Load", "it", bus="campus", p_set=demand)
    net.add(
        "Generator",
        "grid",
        bus="campus",
        carrier="grid",
        p_nom=settings.grid_max_mw,
        marginal_cost=np.asarray(grid_price_usd_per_mwh, dtype=float),
    )
    for t, tech in active.items():
        if t in STORAGE:
            continue
        extra: dict[str, Any] = {}
        if t in VARIABLE:
            extra["p_max_pu"] = cf[t]
        if t in FLAT:
            extra.update(p_min_pu=1.0, p_max_pu=1.0)
        if t in THERMAL or t in FLAT:
            extra["marginal_cost"] = tech.marginal_usd_per_mwh
        net.add(
            "Generator",
            t,
            bus="campus",
            carrier=t,
            p_nom_extendable=True,
            p_nom_min=tech.min_mw,
            p_nom_max=np.inf if tech.max_mw is None else tech.max_mw,
            capital_cost=tech.annual_cost_usd_per_mw(settings.discount_rate),
            **extra,
        )
    for t in STORAGE:
        if t in active:
            _add_battery(net, active[t], settings.discount_rate, battery_hours)
    cap = settings.co2_cap_t
    intensity = settings.co2_intensity_cap_t_per_mwh
    if intensity is not None:
        served_mwh = float(demand.sum()) * HOURS_PER_YEAR / n
        limit = intensity * served_mwh
        cap = limit if cap is None else min(cap, limit)
    if cap is not None:
        net.add(
            "GlobalConstraint",
            "co2",
            type="primary_energy",
            carrier_attribute="co2_emissions",
            sense="<=",
            constant=cap,
        )
    return net


def _add_battery(
    net: pypsa.Network, bat: Tech, discount_rate: float, hours: float | None
) -> None:
    """The battery as a storage unit with one energy/power ratio."""
    if bat.min_hours == bat.max_hours:
        hours = bat.max_hours
    elif hours is None:
        raise InputError(
            "battery_hours",
            None,
            f"needed when battery min_hours ({bat.min_hours:g}) and max_hours "
            f"({bat.max_hours:g}) differ: PyPSA's StorageUnit has one ratio",
        )
    hours = float(np.clip(hours, bat.min_hours, bat.max_hours))
    eta = float(np.sqrt(bat.roundtrip_efficiency))
    net.add(
        "StorageUnit",
        "battery",
        bus="campus",
        carrier="battery",
        p_nom_extendable=True,
        p_nom_min=bat.min_mw,
        p_nom_max=np.inf if bat.max_mw is None else bat.max_mw,
        max_hours=hours,
        efficiency_store=eta,
        efficiency_dispatch=eta,
        cyclic_state_of_charge=True,
        capital_cost=bat.annual_cost_usd_per_mw(discount_rate)
        + hours * bat.annual_cost_usd_per_mwh_storage(discount_rate),
    )


def export_campus(
    out: Path,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    result: CampusPowerResult,
    *,
    force: bool = False,
) -> Path:
    """Write the campus network to a netCDF file with PyPSA's own export.

    Parameters
    ----------
    out : path
        The file to write (through :func:`gigaplan._files.write_file`: never
        over a file gigaplan did not write without ``force``).
    args, kwargs
        The ``solve_campus`` arguments of the campus.
    result : CampusPowerResult
        Its solution (for the battery's energy/power ratio and the objective
        stored in ``network.meta``).
    force : bool
        Replace a file gigaplan did not write.

    Returns
    -------
    out : Path
    """
    from gigaplan._files import write_file

    hours = battery_hours_of(result)
    if hours is None and "battery" in args[3]:
        # no battery built: any ratio in range keeps gigaplan's optimum feasible
        hours = args[3]["battery"].max_hours
    with warnings.catch_warnings():
        # pandas 3's string dtype, converted back by PyPSA (not ours to fix)
        warnings.simplefilter("ignore", FutureWarning)
        net = campus_network(*args, battery_hours=hours, **kwargs)
    net.name = "gigaplan campus"
    net.meta = {
        "written_by": "gigaplan",
        "gigaplan_annual_cost_usd": float(result.summary["annual_cost_usd"]),
        "solve_with": "network.optimize(include_objective_constant=False)",
    }

    def write(path: Any) -> None:
        pypsa_log = logging.getLogger("pypsa")
        level = pypsa_log.level
        pypsa_log.setLevel(logging.WARNING)  # its "Exported network" line
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                net.export_to_netcdf(path)
        finally:
            pypsa_log.setLevel(level)

    return write_file(
        out,
        write,
        field="--export-pypsa",
        force=force,
        ours=_written_by_gigaplan,
    )


def _written_by_gigaplan(path: Any) -> bool:
    """Whether ``path`` is a PyPSA netCDF that gigaplan wrote."""
    try:
        import xarray as xr

        with xr.open_dataset(path) as ds:
            return '"written_by": "gigaplan"' in str(ds.attrs.get("meta", ""))
    except Exception:  # not netCDF, unreadable: not ours
        return False
