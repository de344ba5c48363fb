"""Resolve a validated ``plan:`` section into labelled arrays (no linopy here).

Numbers come from the section, else from the catalog (accelerator capability).
Internal units keep LP coefficients, costs and right-hand sides near 1 (see
the constants below). The model builder (:mod:`gigaplan.plan.build`) reads only
:class:`PlanInputs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from gigaplan.errors import InfeasibleError, InputError
from gigaplan.periods import quarter_index, quarterly_discount
from gigaplan.plan.schema import PlanSection, PowerOption
from gigaplan.units import HOURS_PER_QUARTER as HOURS_PER_QUARTER  # re-exported
from gigaplan.units import SECONDS_PER_QUARTER as SECONDS_PER_QUARTER
from gigaplan.units import WEEKS_PER_QUARTER as WEEKS_PER_QUARTER

if TYPE_CHECKING:
    from gigaplan.catalog.schema import Catalog

# Internal (model) units, chosen so that one model unit of fleet (1000
# accelerators) serves about one model unit of demand per quarter and costs
# tens of model units of money: matrix, cost and right-hand-side ranges then
# stay within a few decades, which the interior-point solver needs.
#: US dollars per model unit of money (M$).
USD = 1e6
#: Accelerators per model unit of purchases and units in service.
UNITS = 1e3
#: Output tokens per model unit of inference demand.
TOKENS = 1e13
#: FLOP per model unit of training demand.
FLOP = 1e25
#: Tonnes of CO2 per model unit of emissions (kt).
CO2_T = 1e3


@dataclass(frozen=True)
class PlanInputs:
    """Resolved numbers of a plan section as labelled arrays."""

    section: PlanSection
    acc: xr.Dataset
    site: xr.Dataset
    power: xr.Dataset
    demand: xr.Dataset
    discount: xr.DataArray
    first_stage: xr.DataArray
    chips: pd.DataFrame | None = None
    existing_units: xr.DataArray | None = None
    existing_it_mw: xr.DataArray | None = None
    leases: xr.Dataset | None = None
    gain: xr.Dataset | None = None


def chip_numbers(
    section: PlanSection, catalog: Catalog | None
) -> dict[str, dict[str, float]]:
    """Per-accelerator numbers (:func:`gigaplan.plan.chips.resolve_chips`).

    Parameters
    ----------
    section, catalog
        As for :func:`gigaplan.plan.chips.resolve_chips`.

    Returns
    -------
    numbers : dict
        Its first result.
    """
    from gigaplan.plan.chips import resolve_chips

    return resolve_chips(section, catalog)[0]


def _max_units(a: Any, power_w: float) -> float:
    """A deal's most accelerators: ``max_units_total``, ``max_gw_total`` / W."""
    caps = [np.inf]
    if a.max_units_total is not None:
        caps.append(a.max_units_total)
    if a.max_gw_total is not None:
        caps.append(a.max_gw_total * 1e9 / power_w)
    return float(min(caps))


def resolve(section: PlanSection, catalog: Catalog | None = None) -> PlanInputs:
    """Turn a validated section into labelled arrays the model builder uses.

    Parameters
    ----------
    section : PlanSection
        The validated plan section.
    catalog : Catalog, optional
        Catalog for named accelerators; the shipped one by default.

    Returns
    -------
    inputs : PlanInputs
        Periods, scenarios, accelerators, sites and power options as arrays
        over ``period``, ``scenario``, ``accelerator``, ``site``, ``option``.
    """
    periods = section.periods
    q0 = quarter_index(section.start)
    n_t = len(periods)
    pidx = xr.DataArray(np.arange(n_t), coords={"period": periods}, dims="period")
    from gigaplan.plan.chips import resolve_chips

    caps, chip_table = resolve_chips(section, catalog)
    accs = [a.name for a in section.accelerators]

    def launch_q(label: str | None) -> int:
        return 0 if label is None else quarter_index(label) - q0

    acc = xr.Dataset(
        {
            "tokens_per_s": ("accelerator", [caps[n]["tokens"] for n in accs]),
            "flop_per_s": ("accelerator", [caps[n]["flop_per_s"] for n in accs]),
            "power_w": ("accelerator", [caps[n]["power_w"] for n in accs]),
            "price_usd": ("accelerator", [caps[n]["price"] for n in accs]),
            "launch_q": (
                "accelerator",
                [launch_q(a.launch) for a in section.accelerators],
            ),
            "lead_q": (
                "accelerator",
                [a.lead_time_quarters for a in section.accelerators],
            ),
            "life_q": (
                "accelerator",
                [max(1, round(a.life_years * 4)) for a in section.accelerators],
            ),
            "supply": (
                "accelerator",
                [
                    np.inf if a.supply_per_quarter is None else a.supply_per_quarter
                    for a in section.accelerators
                ],
            ),
            "opex_frac": (
                "accelerator",
                [a.opex_fraction_per_year / 4 for a in section.accelerators],
            ),
            "min_units": (
                "accelerator",
                [a.min_units_total for a in section.accelerators],
            ),
            "max_units": (
                "accelerator",
                [_max_units(a, caps[a.name]["power_w"]) for a in section.accelerators],
            ),
            "unit_size": (
                "accelerator",
                [a.unit_size for a in section.accelerators],
            ),
            "vendor": ("accelerator", [a.vendor for a in section.accelerators]),
        },
        coords={"accelerator": accs},
    )
    sites = [s.name for s in section.sites]
    site = xr.Dataset(
        {
            "max_mw": ("site", [s.max_mw for s in section.sites]),
            "earliest_q": ("site", [launch_q(s.earliest) for s in section.sites]),
            "pue": ("site", [s.pue for s in section.sites]),
            "capex_usd_per_mw": (
                "site",
                [s.facility_capex_usd_per_mw for s in section.sites],
            ),
            "fom_usd_per_mw_q": (
                "site",
                [s.facility_fixed_om_usd_per_mw_yr / 4 for s in section.sites],
            ),
            "lead_q": ("site", [s.facility_lead_time_quarters for s in section.sites]),
            "life_q": ("site", [s.facility_life_years * 4 for s in section.sites]),
            "energised_mw": ("site", [s.energised_mw for s in section.sites]),
        },
        coords={"site": sites},
    )
    n_o = max(len(s.power_options) for s in section.sites)
    # every number of a power option, as the schema declares them
    fields = tuple(f for f in PowerOption.model_fields if f != "name")
    arr = {f: np.zeros((len(sites), n_o)) for f in fields}
    exists = np.zeros((len(sites), n_o), dtype=bool)
    names = np.full((len(sites), n_o), "", dtype=object)
    for i, s in enumerate(section.sites):
        for j, o in enumerate(s.power_options):
            exists[i, j] = True
            names[i, j] = o.name
            for f in fields:
                arr[f][i, j] = getattr(o, f)
    dims = ("site", "option")
    power = xr.Dataset(
        {f: (dims, v) for f, v in arr.items()}
        | {"exists": (dims, exists), "name": (dims, names)},
        coords={"site": sites, "option": np.arange(n_o)},
    )
    scen = [s.name for s in section.scenarios]
    years = np.arange(n_t) / 4.0

    def series(given: list[float] | None, start: float, growth: float) -> np.ndarray:
        if given is not None:
            return np.asarray(given, dtype=float)
        return start * (1.0 + growth) ** years

    demand = xr.Dataset(
        {
            "probability": ("scenario", [s.probability for s in section.scenarios]),
            "inference_tokens": (
                ("scenario", "period"),
                np.stack(
                    [
                        series(
                            s.inference_tokens,
                            s.inference_tokens_start,
                            s.inference_growth_per_year,
                        )
                        for s in section.scenarios
                    ]
                ),
            ),
            "training_flop": (
                ("scenario", "period"),
                np.stack(
                    [
                        series(
                            s.training_flop,
                            s.training_flop_start,
                            s.training_growth_per_year,
                        )
                        for s in section.scenarios
                    ]
                ),
            ),
        },
        coords={"scenario": scen, "period": periods},
    )
    _check_finite_demand(section, demand)
    _check_deals(acc, n_t)
    if section.serve_order == "product_first":
        _check_product_first(section, acc)
    discount = quarterly_discount(section.discount_rate, pidx)
    first_stage = pidx < section.first_stage_periods
    units, it_mw = _existing(section, acc, site, periods)
    return PlanInputs(
        section,
        acc,
        site,
        power,
        demand,
        discount,
        first_stage,
        chip_table,
        existing_units=units,
        existing_it_mw=it_mw,
        leases=_leases(section, periods, acc),
        gain=_gain(section, periods),
    )


def _gain(section: PlanSection, periods: list[str]) -> xr.Dataset:
    """Capacity multipliers per period from ``plan.efficiency`` (1 when off)."""
    years = np.arange(len(periods)) / 4.0
    eff = section.efficiency
    training = (
        np.ones_like(years)
        if eff.training_compute_halving_months is None
        else 2.0 ** (years * 12.0 / eff.training_compute_halving_months)
    )
    inference = (1.0 + (eff.inference_throughput_gain_per_year or 0.0)) ** years
    return xr.Dataset(
        {"inference": ("period", inference), "training": ("period", training)},
        coords={"period": periods},
    )


def _existing(
    section: PlanSection, acc: xr.Dataset, site: xr.Dataset, periods: list[str]
) -> tuple[xr.DataArray, xr.DataArray]:
    """Accelerators and IT MW of the existing fleet in service per period.

    A fleet entry serves from its ``online`` quarter until the accelerator's
    ``life_years`` end, then retires.
    """
    q0 = quarter_index(section.start)
    t = np.arange(len(periods))
    units = xr.DataArray(
        np.zeros((acc.sizes["accelerator"], len(periods))),
        coords={"accelerator": acc.accelerator.values, "period": periods},
        dims=("accelerator", "period"),
    )
    it_mw = xr.DataArray(
        np.zeros((site.sizes["site"], len(periods))),
        coords={"site": site.site.values, "period": periods},
        dims=("site", "period"),
    )
    for f in section.existing_fleet:
        on = quarter_index(f.online) - q0
        life = int(acc.life_q.sel(accelerator=f.accelerator))
        alive = (t >= on) & (t < on + life)
        w = float(acc.power_w.sel(accelerator=f.accelerator))
        n = f.units if f.units is not None else float(f.it_mw or 0) * 1e6 / w
        units.loc[f.accelerator] += n * alive
        it_mw.loc[f.site] += n * w / 1e6 * alive
    load = (it_mw * site.pue).isel(period=0)
    over = load > site.energised_mw * (1 + 1e-9) + 1e-9
    for name in site.site.values[over.values]:
        raise InputError(
            f"plan.sites[{name}].energised_mw",
            float(site.energised_mw.sel(site=name)),
            f"the existing fleet there draws {float(load.sel(site=name)):,.1f} MW "
            "of facility load at the start; energise at least that much",
        )
    return units, it_mw


def _leases(
    section: PlanSection, periods: list[str], acc: xr.Dataset
) -> xr.Dataset | None:
    """The lease options as arrays over ``lease`` (None when there are none).

    Prices per MW-year and sizes in MW are turned into per accelerator-hour
    and accelerators with the accelerator's all-in IT W.
    """
    if not section.leases:
        return None
    q0 = quarter_index(section.start)
    hours_per_year = 4 * HOURS_PER_QUARTER
    rows = []
    for x in section.leases:
        w = float(acc.power_w.sel(accelerator=x.accelerator))
        per_h = (
            x.usd_per_accelerator_hour
            if x.usd_per_accelerator_hour is not None
            else float(x.usd_per_mw_year or 0) * w / 1e6 / hours_per_year
        )
        top = x.max_units if x.max_units is not None else float(x.max_mw or 0) * 1e6 / w
        low = x.min_units_signed or x.min_mw_signed * 1e6 / w
        first = 0 if x.earliest is None else quarter_index(x.earliest) - q0
        rows.append((x.accelerator, per_h, x.term_quarters, first, top, low))
    cols = list(zip(*rows, strict=True))
    return xr.Dataset(
        {
            "accelerator": ("lease", list(cols[0])),
            "usd_per_hour": ("lease", list(cols[1])),
            "term_q": ("lease", list(cols[2])),
            "earliest_q": ("lease", list(cols[3])),
            "max_units": ("lease", list(cols[4])),
            "min_units": ("lease", list(cols[5])),
            "counterparty": ("lease", [x.counterparty for x in section.leases]),
        },
        coords={"lease": [x.name for x in section.leases]},
    )


def _check_finite_demand(section: PlanSection, demand: xr.Dataset) -> None:
    """Refuse a start and growth whose demand overflows within the horizon.

    Growth compounds quarter by quarter; ``1e30`` tokens growing 100x a year
    over 80 quarters would put inf into the LP's demand rows.
    """
    for var, kind in (("inference_tokens", "inference"), ("training_flop", "training")):
        bad = ~np.isfinite(demand[var].values)
        if bad.any():
            i, t = (int(k) for k in np.argwhere(bad)[0])
            s = section.scenarios[i]
            raise InputError(
                f"plan.scenarios[{s.name}].{kind}_growth_per_year",
                getattr(s, f"{kind}_growth_per_year"),
                f"{var} would overflow a float by {demand.period.values[t]} "
                f"(from {var}_start={getattr(s, f'{var}_start'):g}); use a "
                "smaller start, growth or horizon",
            )


def _check_deals(acc: xr.Dataset, n_t: int) -> None:
    """A committed volume above what the vendor can ship in the horizon."""
    quarters = np.clip(n_t - acc.launch_q - acc.lead_q, 0, None)
    most = acc.supply * quarters
    short = acc.min_units > most
    for name in acc.accelerator.values[short.values]:
        raise InfeasibleError(
            f"plan: vendor deal for {name} needs "
            f"{float(acc.min_units.sel(accelerator=name)):,.0f} units but supply "
            f"allows at most {float(most.sel(accelerator=name)):,.0f} over the "
            "horizon (supply_per_quarter x quarters after launch and lead time)"
        )


def _check_product_first(section: PlanSection, acc: xr.Dataset) -> None:
    r"""Penalties that would make the LP serve research before product.

    Moving one accelerator from training to inference changes the cost by
    :math:`-p_{inf} r_{tok} + p_{trn} r_{flop}` while both kinds go unmet, so
    the plan serves inference first exactly when
    :math:`p_{inf} r_{tok} \ge p_{trn} r_{flop}` on every accelerator.
    """
    per_token = section.unmet_inference_usd_per_mtoken / 1e6
    per_flop = section.unmet_training_usd_per_eflop / 1e18
    inference_usd_h = per_token * acc.tokens_per_s * 3600.0
    training_usd_h = per_flop * acc.flop_per_s * 3600.0
    worse = training_usd_h > inference_usd_h * (1.0 + 1e-12)
    if not bool(worse.any()):
        return
    limit = float((inference_usd_h / (acc.flop_per_s * 3600.0)).min()) * 1e18
    name = str(acc.accelerator.values[int(np.argmax(worse.values))])
    raise InputError(
        "plan.unmet_training_usd_per_eflop",
        section.unmet_training_usd_per_eflop,
        f"with serve_order: product_first it must be <= {limit:.3g} $/EFLOP: "
        f"above that an hour of research on {name} is worth "
        f"${float(training_usd_h.sel(accelerator=name)):,.2f} against "
        f"${float(inference_usd_h.sel(accelerator=name)):,.2f} of product, so the "
        "plan would serve research first; lower it, raise "
        "unmet_inference_usd_per_mtoken, or set serve_order: least_cost",
    )
