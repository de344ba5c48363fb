"""Build the capacity-expansion LP with linopy over labelled dims.

Dims: ``period`` (quarters), ``site``, ``accelerator``, ``option`` (power
option slot per site, masked where a site has fewer), ``scenario``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from gigaplan.errors import InfeasibleError, InputError
from gigaplan.plan.schema import PlanSection, quarter_index

SECONDS_PER_QUARTER = 365.25 * 86400 / 4
HOURS_PER_QUARTER = 365.25 * 24 / 4
WEEKS_PER_QUARTER = 365.25 / 7 / 4
# Internal units keep LP coefficients near 1: money in M$, tokens in T, FLOP in 1e24.
USD = 1e6
TOKENS = 1e12
FLOP = 1e24


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


def _capability(section: PlanSection, catalog: Any) -> dict[str, dict[str, float]]:
    """Per-accelerator numbers: from the scenario, else the catalog computation."""
    out: dict[str, dict[str, float]] = {}
    for i, a in enumerate(section.accelerators):
        given = {
            "tokens": a.output_tokens_per_s,
            "flops": a.training_flops_per_s,
            "power_w": a.power_w,
            "price": a.price_usd,
        }
        if any(v is None for v in given.values()):
            try:
                from gigaplan.workloads.capability import accelerator_capability
            except ImportError:
                raise InputError(
                    f"plan.accelerators[{i}]",
                    a.name,
                    "give output_tokens_per_s, training_flops_per_s, power_w and "
                    "price_usd (catalog capability is not available)",
                ) from None
            cap = accelerator_capability(catalog, a.name, section.reference_model)
            fallback = {
                "tokens": cap.output_tokens_per_s_per_accelerator,
                "flops": cap.training_flops_per_s_per_accelerator,
                "power_w": cap.power_w_per_accelerator,
                "price": cap.price_usd,
            }
            given = {k: (v if v is not None else fallback[k]) for k, v in given.items()}
            if given["price"] is None:
                raise InputError(
                    f"plan.accelerators[{i}].price_usd", None, "unknown; give it"
                )
        out[a.name] = {k: float(v) for k, v in given.items()}  # type: ignore[arg-type]
    return out


def resolve(section: PlanSection, catalog: Any = None) -> PlanInputs:
    """Turn a validated section into labelled arrays the model builder uses."""
    periods = section.periods
    q0 = quarter_index(section.start)
    n_t = len(periods)
    pidx = xr.DataArray(np.arange(n_t), coords={"period": periods}, dims="period")
    caps = _capability(section, catalog)
    accs = [a.name for a in section.accelerators]

    def launch_q(label: str | None) -> int:
        return 0 if label is None else quarter_index(label) - q0

    acc = xr.Dataset(
        {
            "tokens_per_s": ("accelerator", [caps[n]["tokens"] for n in accs]),
            "flops_per_s": ("accelerator", [caps[n]["flops"] for n in accs]),
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
        },
        coords={"site": sites},
    )
    n_o = max(len(s.power_options) for s in section.sites)
    fields = (
        "energy_usd_per_mwh",
        "co2_t_per_mwh",
        "capex_usd_per_kw",
        "fixed_om_usd_per_kw_yr",
        "firm_fraction",
        "lead_time_quarters",
        "max_mw",
    )
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
    _check_deals(acc, n_t)
    discount = (1.0 + section.discount_rate) ** (-pidx / 4.0)
    first_stage = pidx < section.first_stage_periods
    return PlanInputs(section, acc, site, power, demand, discount, first_stage)


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


def _online(var: Any, lead: xr.DataArray, life: xr.DataArray | None, n_t: int) -> Any:
    """Sum of ``var`` bought ``lag`` periods ago for lead <= lag < lead + life.

    Loops over lags only (never periods or scenarios); each term is a masked
    shift, so a purchase counts from ``t + lead`` until it retires.
    """
    terms = None
    for lag in range(n_t):
        in_window = lead <= lag
        if life is not None:
            in_window = in_window & (lag < lead + life)
        if not bool(in_window.any()):
            continue
        term = var.shift(period=lag).where(in_window).to_linexpr()
        terms = term if terms is None else terms + term
    return terms if terms is not None else var.to_linexpr() * 0.0


def build_model(inp: PlanInputs) -> Any:
    """Build the linopy model (variables, constraints, objective).

    Masked slots (before launch, beyond the horizon) count as zero in sums,
    linopy's legacy semantics, whose notice is silenced here on purpose.
    """
    import linopy

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=linopy.LinopySemanticsWarning)
        return _build(linopy, inp)


def _build(linopy: Any, inp: PlanInputs) -> Any:

    sec = inp.section
    periods = list(inp.demand.period.values)
    n_t = len(periods)
    pidx = xr.DataArray(np.arange(n_t), coords={"period": periods}, dims="period")
    m = linopy.Model()
    acc, site, pw, dem = inp.acc, inp.site, inp.power, inp.demand
    scen = dem.scenario
    ix = {
        d: pd.Index(v.values, name=d)
        for d, v in (
            ("site", pw.site),
            ("accelerator", acc.accelerator),
            ("period", dem.period),
            ("scenario", scen),
            ("option", pw.option),
        )
    }
    coords_buy = [ix["site"], ix["accelerator"], ix["period"], ix["scenario"]]

    buy_mask = (pidx >= acc.launch_q) & (pidx + acc.lead_q < n_t)
    buy_mask = buy_mask & (pidx + acc.lead_q >= site.earliest_q) & (site.max_mw > 0)
    buy_mask = buy_mask.expand_dims(scenario=scen).transpose(
        "site", "accelerator", "period", "scenario"
    )
    buy = m.add_variables(lower=0, coords=coords_buy, name="buy", mask=buy_mask)
    fac_mask = (pidx + site.lead_q >= site.earliest_q) & (pidx + site.lead_q < n_t)
    fac_mask = fac_mask.expand_dims(scenario=scen).transpose(
        "site", "period", "scenario"
    )
    fac = m.add_variables(
        lower=0,
        coords=[ix["site"], ix["period"], ix["scenario"]],
        name="facility_build",
        mask=fac_mask,
    )
    p_mask = pw.exists & (pidx + pw.lead_time_quarters < n_t)
    p_mask = p_mask.expand_dims(scenario=scen).transpose(
        "site", "option", "period", "scenario"
    )
    pbuild = m.add_variables(
        lower=0,
        coords=[ix["site"], ix["option"], ix["period"], ix["scenario"]],
        name="power_build",
        mask=p_mask,
    )
    e_mask = pw.exists.expand_dims(period=dem.period, scenario=scen).transpose(
        "site", "option", "period", "scenario"
    )
    energy = m.add_variables(
        lower=0,
        coords=[ix["site"], ix["option"], ix["period"], ix["scenario"]],
        name="energy_mwh",
        mask=e_mask,
    )
    x_inf = m.add_variables(lower=0, coords=coords_buy, name="inference_units")
    unmet_inf = m.add_variables(
        lower=0, coords=[ix["period"], ix["scenario"]], name="unmet_inference_tokens"
    )
    unmet_trn = m.add_variables(
        lower=0, coords=[ix["period"], ix["scenario"]], name="unmet_training_flop"
    )

    # Non-anticipativity: first-stage decisions equal across scenarios.
    s0 = str(scen.values[0])
    fs = inp.first_stage
    if len(scen) > 1 and bool(fs.any()):
        others = [s for s in scen.values if s != s0]
        for var, nm in ((buy, "buy"), (fac, "facility_build"), (pbuild, "power_build")):
            lhs = var.sel(scenario=others) - var.sel(scenario=s0)
            m.add_constraints(
                lhs == 0,
                name=f"nonanticipativity_{nm}",
                mask=fs.broadcast_like(lhs.const),
            )

    units = _online(buy, acc.lead_q, acc.life_q, n_t)
    it_mw = (units * (acc.power_w / 1e6)).sum("accelerator")
    fac_online = _online(fac, site.lead_q, None, n_t)
    power_online = _online(pbuild, pw.lead_time_quarters, None, n_t)
    load_mw = it_mw * site.pue

    m.add_constraints(load_mw - fac_online <= 0, name="facility_capacity")
    m.add_constraints(fac_online <= site.max_mw, name="site_power")
    m.add_constraints(
        power_online <= pw.max_mw.where(pw.exists), name="interconnect", mask=e_mask
    )
    m.add_constraints(
        load_mw - (power_online * pw.firm_fraction).sum("option") <= 0,
        name="firm_power",
    )
    m.add_constraints(
        energy - power_online * HOURS_PER_QUARTER <= 0, name="power_energy", mask=e_mask
    )
    m.add_constraints(
        energy.sum("option") - load_mw * (HOURS_PER_QUARTER * sec.utilisation) == 0,
        name="energy_balance",
    )
    m.add_constraints(x_inf - units <= 0, name="inference_share")
    seconds = SECONDS_PER_QUARTER * sec.utilisation
    tokens = (x_inf * (acc.tokens_per_s * seconds / TOKENS)).sum(
        ["site", "accelerator"]
    )
    flop = ((units - x_inf) * (acc.flops_per_s * seconds / FLOP)).sum(
        ["site", "accelerator"]
    )
    m.add_constraints(
        tokens + unmet_inf >= dem.inference_tokens / TOKENS, name="inference_demand"
    )
    m.add_constraints(
        flop + unmet_trn >= dem.training_flop / FLOP, name="training_demand"
    )

    finite = np.isfinite(acc.supply)
    if bool(finite.any()):
        m.add_constraints(
            buy.sum("site") <= acc.supply.where(finite, 0),
            name="vendor_supply",
            mask=finite & (pidx >= 0) & (dem.probability > 0),
        )
    if bool((acc.min_units > 0).any()):
        m.add_constraints(
            buy.sum(["site", "period"]) >= acc.min_units, name="vendor_deal"
        )
    if sec.build_rate_mw_per_week is not None:
        m.add_constraints(
            fac.sum("site") <= sec.build_rate_mw_per_week * WEEKS_PER_QUARTER,
            name="build_rate",
        )

    capex_chip = (buy * (acc.price_usd / USD)).sum(["site", "accelerator"])
    capex_fac = (fac * (site.capex_usd_per_mw / USD)).sum("site")
    capex_pow = (pbuild * (pw.capex_usd_per_kw * 1e3 / USD).where(pw.exists, 0)).sum(
        ["site", "option"]
    )
    capex = capex_chip + capex_fac + capex_pow
    if sec.capex_budget_usd_per_quarter is not None:
        m.add_constraints(
            capex <= sec.capex_budget_usd_per_quarter / USD, name="budget"
        )
    if sec.capex_budget_usd_total is not None:
        m.add_constraints(
            capex.sum("period") <= sec.capex_budget_usd_total / USD, name="budget_total"
        )
    co2 = (energy * pw.co2_t_per_mwh.where(pw.exists, 0)).sum(["site", "option"])
    if sec.co2_cap_t_per_quarter is not None:
        m.add_constraints(co2 <= sec.co2_cap_t_per_quarter, name="co2_cap")
    opex = (
        (units * (acc.price_usd * acc.opex_frac / USD)).sum(["site", "accelerator"])
        + (fac_online * (site.fom_usd_per_mw_q / USD)).sum("site")
        + (
            power_online * (pw.fixed_om_usd_per_kw_yr * 250.0 / USD).where(pw.exists, 0)
        ).sum(["site", "option"])
        + (energy * (pw.energy_usd_per_mwh / USD).where(pw.exists, 0)).sum(
            ["site", "option"]
        )
    )
    penalty = unmet_inf * (
        sec.unmet_inference_usd_per_mtoken * TOKENS / 1e6 / USD
    ) + unmet_trn * (sec.unmet_training_usd_per_eflop * FLOP / 1e18 / USD)
    weight = dem.probability * inp.discount
    m.add_objective(((capex + opex + penalty) * weight).sum())
    exprs = {
        "units": units,
        "it_mw": it_mw,
        "facility_mw": fac_online,
        "power_mw": power_online,
        "capex_usd": capex,
        "opex_usd": opex,
        "co2_t": co2,
        "tokens": tokens,
        "flop": flop,
    }
    return m, exprs
