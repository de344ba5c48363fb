"""Build the capacity-expansion LP with linopy over labelled dims.

Dims: ``period`` (quarters), ``site``, ``accelerator``, ``option`` (power
option slot per site, masked where a site has fewer), ``scenario``. A
continuous plan buys per accelerator and places MW per site (see
:func:`_chips_by_mw`); with integer lots purchases are per site and
accelerator (:func:`_chips_by_site`).

Limits come in two kinds. Physical ones (vendor supply, site and interconnect
MW, build rate, lead times) are always hard. The *asks and caps* a user sets
(vendor deals, capex budgets, the CO2 cap, a must-serve share of demand) are
hard in the normal model and elastic in the phase-1 model
(``elastic=True``), which :mod:`gigaplan.plan.diagnose` solves only after the
normal model is infeasible, to say which of them cannot be met and by how much.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from gigaplan.periods import quarterly_discount
from gigaplan.plan.inputs import CO2_T, FLOP, TOKENS, UNITS, USD, PlanInputs, resolve
from gigaplan.plan.objective import add_objective, remaining_share, scenario_cost
from gigaplan.units import HOURS_PER_QUARTER, SECONDS_PER_QUARTER, WEEKS_PER_QUARTER

__all__ = ["ELASTIC_LIMITS", "build_model", "resolve"]

#: Limits made elastic in the phase-1 model: name -> sense of the limit.
ELASTIC_LIMITS: dict[str, str] = {
    "vendor_deal": ">=",
    "budget": "<=",
    "budget_total": "<=",
    "co2_cap": "<=",
    "must_serve_inference": "<=",
    "must_serve_training": "<=",
}


def _delayed(flow: Any, lag: xr.DataArray) -> Any:
    """``flow`` shifted later by ``lag`` periods, where ``lag`` varies by item.

    Loops over the distinct lags (a handful of lead times), never over
    periods or scenarios; shifted-in slots count as zero.
    """
    expr = flow.to_linexpr() if hasattr(flow, "to_linexpr") else flow
    terms = [expr.shift(period=int(k)).where(lag == k) for k in np.unique(lag.values)]
    return sum(terms[1:], terms[0])


def _stock(
    m: Any,
    flow: Any,
    lead: xr.DataArray,
    life: xr.DataArray | None,
    name: str,
    mask: xr.DataArray | None = None,
) -> Any:
    r"""Amount in service, a variable with a one-period balance.

    .. math:: s_t = s_{t-1} + f_{t-L} - f_{t-L-\ell}, \qquad s_{-1} = 0,

    so :math:`s_t = \sum_{L \le k < L + \ell} f_{t-k}`: what was bought
    ``lead`` (:math:`L`) periods ago counts until it retires after ``life``
    (:math:`\ell`, none for buildings and power). Each balance row has four
    entries instead of one per past period, which keeps the LP sparse.
    """
    stock = m.add_variables(lower=0, coords=flow.coords, name=name, mask=mask)
    change = stock - stock.shift(period=1) - _delayed(flow, lead)
    if life is not None:
        change = change + _delayed(flow, lead + life)
    m.add_constraints(change == 0, name=f"{name}_balance", mask=mask)
    return stock


def _first_stage_shared(
    m: Any,
    coords: list[pd.Index],
    mask: xr.DataArray,
    name: str,
    inp: PlanInputs,
) -> tuple[Any, Any]:
    """A decision over ``scenario`` whose first-stage periods are one column.

    Non-anticipativity by variable sharing: in a first-stage period only the
    first scenario has a column and every other scenario refers to it, instead
    of a column per scenario tied by equality rows.

    Returns
    -------
    var : linopy.Variable
        The columns (first-stage slots only in the first scenario).
    expr : linopy.LinearExpression
        The decision in every scenario, to use in rows and costs.
    """
    scen = inp.demand.scenario
    fs = inp.first_stage & (len(scen) > 1)
    is_s0 = scen == scen.values[0]
    own = mask & ~(fs & ~is_s0)
    var = m.add_variables(lower=0, coords=coords, name=name, mask=own)
    if not bool(fs.any()):
        return var, var.to_linexpr()
    shared = var.sel(scenario=scen.values[0], drop=True).where(fs & ~is_s0)
    expr = var.to_linexpr() + shared.to_linexpr()
    return var, expr


def _existing(values: xr.DataArray | None) -> Any:
    """The existing fleet's constant (0 when there is none)."""
    return 0.0 if values is None else values


def _leases(
    m: Any, inp: PlanInputs, ix: dict[str, pd.Index], pidx: xr.DataArray
) -> tuple[Any, Any]:
    """Leased accelerators in service per plan accelerator, and their cost.

    Signing ``u`` in quarter ``t`` puts ``u`` in service for ``term_q``
    quarters (:func:`_stock` with no lead); each quarter in service is paid
    for every hour. Returns (in service per accelerator, M$ per period), or
    (None, 0) without leases.
    """
    ls = inp.leases
    if ls is None:
        return None, 0.0
    scen = inp.demand.scenario
    lease_ix = pd.Index(ls.lease.values, name="lease")
    mask = (pidx >= ls.earliest_q).expand_dims(scenario=scen)
    mask = mask.transpose("lease", "period", "scenario")
    _, sign = _first_stage_shared(
        m, [lease_ix, ix["period"], ix["scenario"]], mask, "lease_sign", inp
    )
    no_lead = xr.zeros_like(ls.term_q)
    in_service = _stock(m, sign, no_lead, ls.term_q, "lease_in_service")
    m.add_constraints(in_service <= ls.max_units / UNITS, name="lease_max")
    signed = ls.min_units > 0
    if bool(signed.any()):
        # a signed contract starts at its earliest quarter
        at_start = sign.where(pidx == ls.earliest_q).sum("period")
        m.add_constraints(
            at_start >= ls.min_units.where(signed, 0) / UNITS,
            name="lease_commitment",
            mask=signed & (inp.demand.probability > 0),
        )
    names = xr.DataArray(
        ix["accelerator"].values,
        coords={"accelerator": ix["accelerator"]},
        dims="accelerator",
    )
    onehot = ls.accelerator == names
    per_acc = (in_service * onehot.astype(float)).sum("lease")
    usd = ls.usd_per_hour * HOURS_PER_QUARTER * UNITS / USD
    return per_acc, (in_service * usd).sum("lease")


def build_model(
    inp: PlanInputs, *, elastic: bool = False
) -> tuple[Any, dict[str, Any]]:
    """Build the linopy model (variables, constraints, objective).

    Parameters
    ----------
    inp : PlanInputs
        Resolved section.
    elastic : bool
        Build the phase-1 model instead: every limit in :data:`ELASTIC_LIMITS`
        gets a slack variable ``<limit>_slack`` >= 0 (in the limit's model
        unit), purchases are continuous, and the objective is the sum of
        slacks each divided by the size of its limit (relative violation).

    Returns
    -------
    model : linopy.Model
    exprs : dict
        Named expressions for results (units in service, MW, money, ...);
        in the elastic model also ``slack_scale``: limit name -> scale.

    Notes
    -----
    Masked slots (before launch, beyond the horizon) count as zero in sums,
    linopy's legacy semantics, whose notice is silenced here on purpose.
    """
    import linopy

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=linopy.LinopySemanticsWarning)
        return _build(linopy, inp, elastic)


def _limit(
    m: Any,
    lhs: Any,
    rhs: Any,
    name: str,
    elastic: bool,
    scale: Any,
    slack_scale: dict[str, Any],
) -> None:
    """Add ``lhs (sense of name) rhs``; with a scaled slack when ``elastic``."""
    sense = ELASTIC_LIMITS[name]
    if elastic:
        template = lhs.const + (rhs if isinstance(rhs, xr.DataArray) else 0.0)
        slack = m.add_variables(lower=0, coords=template.coords, name=f"{name}_slack")
        lhs = lhs - slack if sense == "<=" else lhs + slack
        slack_scale[name] = xr.ones_like(template) * scale
    con = lhs <= rhs if sense == "<=" else lhs >= rhs
    m.add_constraints(con, name=name)


def _end_value(
    inp: PlanInputs,
    buy: Any,
    fac: Any,
    pbuild: Any,
    pidx: xr.DataArray,
    n_t: int,
) -> Any:
    """Value left at the horizon's end of what each period buys. [model $]

    Capex times :func:`~gigaplan.plan.objective.remaining_share` of the
    accelerators, facility shells and power plant bought in the period, over
    (``period``, ``scenario``).
    """
    acc, site, pw = inp.acc, inp.site, inp.power
    chips = remaining_share(pidx, acc.lead_q, acc.life_q, n_t)
    shells = remaining_share(pidx, site.lead_q, site.life_q, n_t)
    plant = remaining_share(
        pidx, pw.lead_time_quarters, pw.life_years.where(pw.exists) * 4, n_t
    )
    return (
        (buy * (acc.price_usd * UNITS / USD * chips)).sum("accelerator")
        + (fac * (site.capex_usd_per_mw / USD * shells)).sum("site")
        + (pbuild * (pw.capex_usd_per_kw * 1e3 / USD * plant).where(pw.exists, 0)).sum(
            ["site", "option"]
        )
    )


def _purchases(m: Any, buy: Any, inp: PlanInputs, mask: xr.DataArray) -> None:
    """Purchases in whole units of ``unit_size`` (integer ``buy_lots``).

    ``buy = unit_size * buy_lots`` with ``buy_lots`` integer; HiGHS presolve
    substitutes the equality away, so only the lots remain as columns.
    """
    lots = m.add_variables(
        lower=0, coords=buy.coords, name="buy_lots", mask=mask, integer=True
    )
    m.add_constraints(buy - lots * (inp.acc.unit_size / UNITS) == 0, name="unit_size")


def _chips_by_site(
    m: Any, inp: PlanInputs, ix: dict[str, pd.Index], integer: bool = True
) -> dict[str, Any]:
    """Purchases and units in service per site and accelerator.

    With ``integer`` (the default) purchases are whole lots
    (:func:`_purchases`); without it, this is the reference formulation that
    :func:`_chips_by_mw` reproduces with fewer columns (used in tests).

    Returns expressions ``buy_acc`` and ``fleet`` (per accelerator, summed over
    sites), ``it_mw`` (per site), ``buy`` and ``units`` (per site and
    accelerator), all in model units (1000 accelerators, MW).
    """
    acc, site = inp.acc, inp.site
    n_t = inp.demand.sizes["period"]
    pidx = xr.DataArray(np.arange(n_t), coords={"period": ix["period"]}, dims="period")
    mask = (pidx >= acc.launch_q) & (pidx + acc.lead_q < n_t)
    mask = mask & (pidx + acc.lead_q >= site.earliest_q) & (site.max_mw > 0)
    mask = mask.expand_dims(scenario=inp.demand.scenario).transpose(
        "site", "accelerator", "period", "scenario"
    )
    coords = [ix["site"], ix["accelerator"], ix["period"], ix["scenario"]]
    buy_var, buy = _first_stage_shared(m, coords, mask, "buy", inp)
    if integer:
        _purchases(m, buy_var, inp, buy_var.labels != -1)
    units = _stock(m, buy, acc.lead_q, acc.life_q, "units_in_service")
    return {
        "buy": buy,
        "units": units,
        "buy_acc": buy.sum("site"),
        "fleet": units.sum("site"),
        "it_mw": (units * (acc.power_w * UNITS / 1e6)).sum("accelerator"),
    }


def _chips_by_mw(m: Any, inp: PlanInputs, ix: dict[str, pd.Index]) -> dict[str, Any]:
    r"""Purchases per accelerator and their MW arriving per site (continuous).

    Chips matter per accelerator (demand, supply, cost) and sites per MW (power,
    facility), so instead of a column per site, accelerator, period and
    scenario the model has purchases :math:`b_{a,t}` per accelerator and MW
    arriving :math:`z_{s,c,\tau}` per site and *life class* :math:`c`
    (accelerators of one service life), tied by

    .. math:: \sum_s z_{s,c,\tau} = \sum_{a \in c} p_a\, b_{a,\tau - L_a}.

    Any such :math:`z, b` splits back into purchases per site and accelerator
    (a transportation problem with equal totals;
    :func:`gigaplan.plan.results.units_by_site` takes
    the proportional split), so the optimum is that of the per-site model with
    about half the nonzeros. MW arriving from first-stage purchases
    (``arrive_first_mw``) has no scenario dim, which keeps their split by site
    non-anticipative.

    Returns
    -------
    dict
        ``buy_acc``, ``fleet`` (per accelerator), ``it_mw`` (per site),
        ``arrive_first_mw`` / ``arrive_mw`` (first- and second-stage MW
        arriving per site and life class), ``life_class`` (accelerator ->
        class) and ``buy_first`` / ``buy_later`` (the two parts of
        ``buy_acc``).
    """
    acc, site = inp.acc, inp.site
    scen = inp.demand.scenario
    n_t = inp.demand.sizes["period"]
    pidx = xr.DataArray(np.arange(n_t), coords={"period": ix["period"]}, dims="period")
    site_open = (site.max_mw > 0) & (pidx >= site.earliest_q)
    mask = (pidx >= acc.launch_q) & (pidx + acc.lead_q < n_t)
    mask = mask & ((pidx + acc.lead_q >= site.earliest_q) & (site.max_mw > 0)).any(
        "site"
    )
    mask = mask.expand_dims(scenario=scen).transpose(
        "accelerator", "period", "scenario"
    )
    coords = [ix["accelerator"], ix["period"], ix["scenario"]]
    buy_var, buy = _first_stage_shared(m, coords, mask, "buy", inp)
    fleet = _stock(m, buy, acc.lead_q, acc.life_q, "units_in_service")

    lives = np.unique(acc.life_q.values)
    cls = pd.Index(lives, name="life_class")
    member = acc.life_q == xr.DataArray(lives, coords={"life_class": cls})
    mw_per = acc.power_w * UNITS / 1e6
    fs = inp.first_stage & (len(scen) > 1)
    out: dict[str, Any] = {"buy_acc": buy, "fleet": fleet, "life_class": member}

    def arriving(flow: Any) -> Any:
        """MW arriving per life class and period from purchases ``flow``."""
        return (_delayed(flow * mw_per, acc.lead_q).where(member)).sum("accelerator")

    later = buy_var.where(~fs)
    z2_mask = site_open.expand_dims(life_class=cls, scenario=scen).transpose(
        "site", "life_class", "period", "scenario"
    )
    z2 = m.add_variables(
        lower=0,
        coords=[ix["site"], cls, ix["period"], ix["scenario"]],
        name="arrive_mw",
        mask=z2_mask,
    )
    m.add_constraints(z2.sum("site") - arriving(later) == 0, name="arrivals")
    arrive = z2.to_linexpr()
    out.update(arrive_mw=z2.to_linexpr(), buy_later=later.to_linexpr())
    if bool(fs.any()):
        first = buy_var.sel(scenario=scen.values[0], drop=True).where(fs)
        last_q = int(fs.sum()) + int(acc.lead_q.max())
        z1_mask = (site_open & (pidx < last_q)).expand_dims(life_class=cls)
        z1 = m.add_variables(
            lower=0,
            coords=[ix["site"], cls, ix["period"]],
            name="arrive_first_mw",
            mask=z1_mask.transpose("site", "life_class", "period"),
        )
        m.add_constraints(z1.sum("site") - arriving(first) == 0, name="arrivals_first")
        arrive = arrive + z1
        out.update(arrive_first_mw=z1.to_linexpr(), buy_first=first.to_linexpr())
    life = xr.DataArray(lives, coords={"life_class": cls})
    online = _stock(m, arrive, xr.DataArray(0), life, "it_online_mw")
    out["it_mw"] = online.sum("life_class")
    return out


def _build(linopy: Any, inp: PlanInputs, elastic: bool) -> tuple[Any, dict[str, Any]]:
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
    if sec.integer_units and not elastic:
        chips = _chips_by_site(m, inp, ix)
    else:
        chips = _chips_by_mw(m, inp, ix)
    buy, fleet, it_mw = chips["buy_acc"], chips["fleet"], chips["it_mw"]
    # the existing fleet serves and draws power like bought chips, as constants
    serving = fleet + _existing(inp.existing_units) / UNITS
    it_mw = it_mw + _existing(inp.existing_it_mw)
    leased, lease_usd = _leases(m, inp, ix, pidx)
    if leased is not None:
        serving = serving + leased
    fac_mask = (pidx + site.lead_q >= site.earliest_q) & (pidx + site.lead_q < n_t)
    fac_mask = fac_mask.expand_dims(scenario=scen).transpose(
        "site", "period", "scenario"
    )
    _, fac = _first_stage_shared(
        m, [ix["site"], ix["period"], ix["scenario"]], fac_mask, "facility_build", inp
    )
    p_mask = pw.exists & (pidx + pw.lead_time_quarters < n_t)
    p_mask = p_mask.expand_dims(scenario=scen).transpose(
        "site", "option", "period", "scenario"
    )
    _, pbuild = _first_stage_shared(
        m,
        [ix["site"], ix["option"], ix["period"], ix["scenario"]],
        p_mask,
        "power_build",
        inp,
    )
    e_mask = pw.exists.expand_dims(period=dem.period, scenario=scen).transpose(
        "site", "option", "period", "scenario"
    )
    # Energy as the quarter's average draw (MWh / hours per quarter), so that
    # its rows have coefficients near 1 instead of ~2,000.
    energy = m.add_variables(
        lower=0,
        coords=[ix["site"], ix["option"], ix["period"], ix["scenario"]],
        name="energy_avg_mw",
        mask=e_mask,
    )
    # Where a chip serves does not matter, only how many of each type do:
    # the inference/training split is per accelerator, summed over sites.
    x_inf = m.add_variables(
        lower=0,
        coords=[ix["accelerator"], ix["period"], ix["scenario"]],
        name="inference_units",
    )
    unmet_inf = m.add_variables(
        lower=0, coords=[ix["period"], ix["scenario"]], name="unmet_inference_tokens"
    )
    unmet_trn = m.add_variables(
        lower=0, coords=[ix["period"], ix["scenario"]], name="unmet_training_flop"
    )

    fac_built = _stock(m, fac, site.lead_q, None, "facility_online_mw")
    fac_online = fac_built + site.energised_mw
    power_built = _stock(
        m, pbuild, pw.lead_time_quarters, None, "power_online_mw", mask=e_mask
    )
    power_online = power_built + pw.existing_mw.where(pw.exists, 0.0)
    # One facility-load column per site and period, used by three rows,
    # instead of repeating the sum over accelerators in each (fewer nonzeros).
    load_mw = m.add_variables(
        lower=0, coords=[ix["site"], ix["period"], ix["scenario"]], name="load_mw"
    )
    m.add_constraints(load_mw - it_mw * site.pue == 0, name="load_definition")

    m.add_constraints(load_mw - fac_online <= 0, name="facility_capacity")
    m.add_constraints(fac_online <= site.max_mw, name="site_power")
    m.add_constraints(
        power_online <= pw.max_mw.where(pw.exists), name="interconnect", mask=e_mask
    )
    m.add_constraints(
        load_mw - (power_online * pw.firm_fraction).sum("option") <= 0,
        name="firm_power",
    )
    m.add_constraints(energy - power_online <= 0, name="power_energy", mask=e_mask)
    m.add_constraints(
        energy.sum("option") - load_mw * sec.utilisation == 0,
        name="energy_balance",
    )
    m.add_constraints(x_inf - serving <= 0, name="inference_share")
    seconds = SECONDS_PER_QUARTER * sec.utilisation
    gain_inf = inp.gain.inference if inp.gain is not None else 1.0
    gain_trn = inp.gain.training if inp.gain is not None else 1.0
    tokens = (x_inf * (acc.tokens_per_s * gain_inf * seconds * UNITS / TOKENS)).sum(
        "accelerator"
    )
    flop = (
        (serving - x_inf) * (acc.flop_per_s * gain_trn * seconds * UNITS / FLOP)
    ).sum("accelerator")
    m.add_constraints(
        tokens + unmet_inf >= dem.inference_tokens / TOKENS, name="inference_demand"
    )
    m.add_constraints(
        flop + unmet_trn >= dem.training_flop / FLOP, name="training_demand"
    )

    finite = np.isfinite(acc.supply)
    if bool(finite.any()):
        m.add_constraints(
            buy <= acc.supply.where(finite, 0) / UNITS,
            name="vendor_supply",
            mask=finite & (pidx >= 0) & (dem.probability > 0),
        )
    if sec.build_rate_mw_per_week is not None:
        m.add_constraints(
            fac.sum("site") <= sec.build_rate_mw_per_week * WEEKS_PER_QUARTER,
            name="build_rate",
        )

    capex_chip = (buy * (acc.price_usd * UNITS / USD)).sum("accelerator")
    capex_fac = (fac * (site.capex_usd_per_mw / USD)).sum("site")
    capex_pow = (pbuild * (pw.capex_usd_per_kw * 1e3 / USD).where(pw.exists, 0)).sum(
        ["site", "option"]
    )
    capex = capex_chip + capex_fac + capex_pow
    co2_per_mw = pw.co2_t_per_mwh * HOURS_PER_QUARTER / CO2_T
    co2 = (energy * co2_per_mw.where(pw.exists, 0)).sum(["site", "option"])
    slack_scale: dict[str, Any] = {}
    if bool((acc.min_units > 0).any()):
        _limit(
            m,
            buy.sum("period"),
            acc.min_units / UNITS,
            "vendor_deal",
            elastic,
            np.maximum(acc.min_units, 1.0) / UNITS,
            slack_scale,
        )
    capped = np.isfinite(acc.max_units)
    if bool(capped.any()):
        m.add_constraints(
            buy.sum("period") <= acc.max_units.where(capped, 0) / UNITS,
            name="vendor_deal_max",
            mask=capped & (dem.probability > 0),
        )
    budgets = (
        ("budget", capex, sec.capex_budget_usd_per_quarter),
        ("budget_total", capex.sum("period"), sec.capex_budget_usd_total),
    )
    for name, spend, cap_usd in budgets:
        if cap_usd is not None:
            cap = cap_usd / USD
            _limit(m, spend, cap, name, elastic, max(cap, 1.0), slack_scale)
    if sec.co2_cap_t_per_quarter is not None:
        cap = sec.co2_cap_t_per_quarter / CO2_T
        _limit(m, co2, cap, "co2_cap", elastic, max(cap, 1.0 / CO2_T), slack_scale)
    share = sec.must_serve_fraction
    for name, unmet, need, fraction in (
        (
            "must_serve_inference",
            unmet_inf,
            dem.inference_tokens / TOKENS,
            share.inference,
        ),
        ("must_serve_training", unmet_trn, dem.training_flop / FLOP, share.training),
    ):
        if fraction > 0:
            _limit(
                m,
                unmet.to_linexpr(),
                need * (1.0 - fraction),
                name,
                elastic,
                np.maximum(need, 1e-9),
                slack_scale,
            )
    opex = (
        (fleet * (acc.price_usd * acc.opex_frac * UNITS / USD)).sum("accelerator")
        # fixed O&M of what the plan builds; that of capacity existing at the
        # start is the same in every plan, a constant left out of the objective
        + (fac_built * (site.fom_usd_per_mw_q / USD)).sum("site")
        + (
            power_built * (pw.fixed_om_usd_per_kw_yr * 250.0 / USD).where(pw.exists, 0)
        ).sum(["site", "option"])
        + (
            energy
            * (pw.energy_usd_per_mwh * HOURS_PER_QUARTER / USD).where(pw.exists, 0)
        ).sum(["site", "option"])
    )
    # Training demand is in FLOP at the start's algorithms; with algorithmic
    # progress a chip-hour covers gain_trn times more of it, so the value per
    # such FLOP falls as 1 / gain_trn and a research chip-hour keeps its value
    # (what the risk stage credits per accelerator-hour).
    penalty = unmet_inf * (
        sec.unmet_inference_usd_per_mtoken * TOKENS / 1e6 / USD
    ) + unmet_trn * (sec.unmet_training_usd_per_eflop * FLOP / 1e18 / USD / gain_trn)
    exprs: dict[str, Any] = {
        **chips,
        "facility_build": fac,
        "it_mw": it_mw,
        "facility_mw": fac_online,
        "power_mw": power_online,
        "capex_usd": capex,
        "opex_usd": opex,
        "lease_usd": lease_usd,
        "leased_units": leased,
        "co2_kt": co2,
        "tokens": tokens,
        "flop": flop,
    }
    if elastic:
        if slack_scale:
            m.add_objective(
                sum(
                    (m.variables[f"{n}_slack"] * (1.0 / scale)).sum()
                    for n, scale in slack_scale.items()
                )
            )
        exprs["slack_scale"] = slack_scale
        return m, exprs
    cost = scenario_cost(capex + opex + lease_usd + penalty, inp.discount)
    if sec.end_value != "none":
        end_value = _end_value(inp, buy, fac, pbuild, pidx, n_t)
        exprs["end_value_usd"] = end_value
        # credited at the horizon's end, one quarter after the last period
        cost = cost - end_value.sum("period") * quarterly_discount(
            sec.discount_rate, n_t
        )
    exprs["scenario_cost"] = cost
    exprs.update(add_objective(m, inp, cost))
    return m, exprs
