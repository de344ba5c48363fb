"""The ``plan:`` section of a scenario file (pydantic only; no linopy here)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, Field, field_validator, model_validator

from gigaplan._schema import STRICT
from gigaplan.periods import quarter_index, quarter_labels
from gigaplan.power.schema import PowerSection

__all__ = ["quarter_index", "quarter_labels"]  # re-exported: the old import names


#: ``training_flop_per_s``; files written before FLOP had one spelling give
#: ``training_flops_per_s``, which is still read.
_FLOP_PER_S = AliasChoices("training_flop_per_s", "training_flops_per_s")


class _Strict(BaseModel):
    model_config = STRICT  # frozen, no unknown keys, finite floats


class ChipMultipliers(_Strict):
    """Factors on the ``like`` chip's numbers (sourced or ASSUMPTION in the file)."""

    output_tokens_per_s: float = Field(default=1.0, gt=0, le=1000)
    training_flop_per_s: float = Field(
        default=1.0, gt=0, le=1000, validation_alias=_FLOP_PER_S
    )
    power_w: float = Field(default=1.0, gt=0, le=1000)
    price_usd: float = Field(default=1.0, gt=0, le=1000)

    def as_dict(self) -> dict[str, float]:
        """Multipliers keyed as the planner's quantities (tokens, flop_per_s, ...).

        Returns
        -------
        dict of str to float
            ``tokens``, ``flop_per_s``, ``power_w``, ``price``. [dimensionless]
        """
        return {
            "tokens": self.output_tokens_per_s,
            "flop_per_s": self.training_flop_per_s,
            "power_w": self.power_w,
            "price": self.price_usd,
        }


class ReferenceWorkload(_Strict):
    """The serving workload each chip's tokens/s is estimated on (with
    ``reference_model``)."""

    precision: Literal["bf16", "fp8", "fp4"] = "fp8"
    batch: int = Field(default=64, ge=1, le=4096)
    input_tokens: int = Field(default=1000, ge=1, le=1_000_000)
    output_tokens: int = Field(default=500, ge=1, le=1_000_000)


class AcceleratorOption(_Strict):
    """One accelerator type the planner may buy.

    Capability numbers may be given directly (a custom ASIC or a future chip,
    marked as assumptions in the file); when omitted they come from the
    catalog through ``gigaplan.workloads.capability``.
    """

    name: str
    vendor: str = "unknown"
    catalog_id: str | None = Field(
        default=None,
        description="catalog chip whose estimator numbers this option takes",
    )
    like: str | None = Field(
        default=None,
        description="catalog chip whose estimator numbers, times multipliers, "
        "stand for a chip the catalog does not have",
    )
    multipliers: ChipMultipliers | None = None
    # upper limits: far beyond any chip, so a typo (1e30) is an error, not an
    # LP whose numbers overflow
    output_tokens_per_s: float | None = Field(default=None, gt=0, le=1e9)
    training_flop_per_s: float | None = Field(
        default=None, gt=0, le=1e19, validation_alias=_FLOP_PER_S
    )
    power_w: float | None = Field(default=None, gt=0, le=1e6, description="all-in IT W")
    price_usd: float | None = Field(default=None, ge=0, le=1e9)
    launch: str | None = None
    supply_per_quarter: float | None = Field(default=None, ge=0, le=1e9)
    lead_time_quarters: int = Field(default=1, ge=0, le=40)
    life_years: float = Field(default=5.0, gt=0, le=30)
    opex_fraction_per_year: float = Field(default=0.0, ge=0, le=1)
    min_units_total: float = Field(default=0.0, ge=0, le=1e10)
    max_units_total: float | None = Field(
        default=None,
        ge=0,
        le=1e10,
        description="most accelerators bought over the horizon (a deal's total)",
    )
    max_gw_total: float | None = Field(
        default=None,
        gt=0,
        le=1e4,
        description="a deal's total in GW of accelerator IT power: at most "
        "max_gw_total / power_w accelerators over the horizon",
    )
    unit_size: int = Field(
        default=1,
        ge=1,
        description="accelerators per purchasable unit (72 for an NVL72 rack); "
        "used only with integer_units",
    )


#: Quarters from the decision to build to the first MW (at most ten years).
LeadTimeQuarters = Annotated[int, Field(ge=0, le=40)]


def _economic_life(default_years: float, what: str, source: str) -> Any:
    """An economic-life field (for the value left at the horizon's end). [yr]"""
    return Field(
        default=default_years,
        gt=0,
        le=80,
        description=f"economic life of {what}, for its value left at the "
        f"horizon's end ({default_years:g}: {source})",
    )


class PowerOption(_Strict):
    """A way to power a site: grid import or a product of the campus model."""

    name: str
    energy_usd_per_mwh: float = Field(ge=0, le=1e5)
    co2_t_per_mwh: float = Field(default=0.0, ge=0, le=10)
    capex_usd_per_kw: float = Field(default=0.0, ge=0, le=1e6)
    fixed_om_usd_per_kw_yr: float = Field(default=0.0, ge=0, le=1e5)
    firm_fraction: float = Field(default=1.0, ge=0, le=1)
    lead_time_quarters: LeadTimeQuarters = 0
    life_years: float = _economic_life(
        30.0,
        "what the option builds",
        "NREL ATB 2024 cost-recovery period of solar, wind and gas plants",
    )
    max_mw: float = Field(ge=0, le=1e6)
    existing_mw: float = Field(
        default=0.0, ge=0, le=1e6, description="MW already built at the start"
    )


class Site(_Strict):
    """A campus: how big it may grow, when it can energise, how it is powered."""

    name: str
    max_mw: float = Field(gt=0, le=1e6, description="facility MW limit")
    earliest: str | None = None
    pue: float = Field(default=1.2, ge=1.0, le=3.0)
    facility_capex_usd_per_mw: float = Field(ge=0, le=1e10)
    facility_fixed_om_usd_per_mw_yr: float = Field(default=0.0, ge=0, le=1e9)
    facility_lead_time_quarters: LeadTimeQuarters = 4
    facility_life_years: float = _economic_life(
        14.0,
        "the facility shell and its plant",
        "Epoch AI's 1 GW data-centre cost model, 2026",
    )
    power_options: list[PowerOption] = []
    energised_mw: float = Field(
        default=0.0,
        ge=0,
        le=1e6,
        description="facility MW already built and online at the start",
    )
    power: PowerSection | None = Field(
        default=None,
        description="the site's supply in the campus model's terms (region or "
        "profiles, technologies, CO2/CFE limits); solved for the site's max_mw "
        "at its PUE and added as power option 'campus'",
    )

    def campus(self) -> PowerSection:
        """The campus LP settings of this site: its power block, its size and PUE.

        Returns
        -------
        PowerSection
            ``power`` with ``it_load_mw = max_mw / pue`` and the site's PUE.
        """
        if self.power is None:
            raise ValueError(f"site {self.name} has no power: block")
        return self.power.model_copy(
            update={"it_load_mw": self.max_mw / self.pue, "pue": self.pue}
        )

    @model_validator(mode="after")
    def _powered(self) -> Site:
        if not self.power_options and self.power is None:
            raise ValueError(f"site {self.name}: give power_options or power")
        if self.power is not None:
            given = {"it_load_mw", "pue", "site"} & self.power.model_fields_set
            if given:
                raise ValueError(
                    f"site {self.name}: power.{sorted(given)[0]} comes from the "
                    "site (max_mw / pue and pue); leave it out"
                )
            if self.power.profiles_csv is not None:
                raise ValueError(
                    f"site {self.name}: power.profiles_csv is not read for plan "
                    "sites; use the region's profiles"
                )
        return self


class ExistingFleet(_Strict):
    """Accelerators already installed at the start: they serve until end of life.

    Give ``units``, or ``it_mw`` (the fleet's IT power; the model divides by
    the accelerator's all-in IT W).
    """

    accelerator: str = Field(description="a plan accelerator (its numbers apply)")
    site: str
    units: float | None = Field(default=None, gt=0, le=1e9)
    it_mw: float | None = Field(default=None, gt=0, le=1e6)
    online: str = Field(description="quarter they came online (may precede start)")

    @model_validator(mode="after")
    def _one_size(self) -> ExistingFleet:
        if (self.units is None) == (self.it_mw is None):
            raise ValueError(f"existing fleet at {self.site}: give units or it_mw")
        return self


class Lease(_Strict):
    """Cloud or colocation capacity the plan may lease instead of buying.

    Signing ``u`` accelerators in quarter ``t`` puts them in service from ``t``
    for ``term_quarters``, paid each quarter for every hour (a take-or-pay
    commitment); they need no site, facility or power of the plan's own.
    Price per accelerator-hour or per MW-year of IT power, size in
    accelerators or MW: MW figures are turned into accelerators with the
    accelerator's all-in IT W.
    """

    name: str
    counterparty: str = "unknown"
    accelerator: str = Field(description="a plan accelerator (its numbers apply)")
    usd_per_accelerator_hour: float | None = Field(default=None, gt=0, le=1000)
    usd_per_mw_year: float | None = Field(default=None, gt=0, le=1e9)
    term_quarters: int = Field(ge=1, le=60)
    earliest: str | None = None
    max_units: float | None = Field(
        default=None, gt=0, le=1e9, description="most in service at once"
    )
    max_mw: float | None = Field(default=None, gt=0, le=1e6)
    min_units_signed: float = Field(
        default=0.0,
        ge=0,
        le=1e9,
        description="a commitment already made: signed at earliest (the start "
        "of the horizon without it) for term_quarters",
    )
    min_mw_signed: float = Field(default=0.0, ge=0, le=1e6)

    @model_validator(mode="after")
    def _one_of_each(self) -> Lease:
        for a, b in (
            ("usd_per_accelerator_hour", "usd_per_mw_year"),
            ("max_units", "max_mw"),
        ):
            if (getattr(self, a) is None) == (getattr(self, b) is None):
                raise ValueError(f"lease {self.name}: give {a} or {b}")
        if self.min_units_signed and self.min_mw_signed:
            raise ValueError(
                f"lease {self.name}: min_units_signed or min_mw_signed, not both"
            )
        return self


class DemandScenario(_Strict):
    """One demand path with its probability (per-period lists or start + growth)."""

    name: str
    probability: float = Field(gt=0, le=1)
    # upper limits far above any plausible demand (1e24 tokens per quarter is
    # ~1e6 x 2025 industry output; 1e35 FLOP ~1e7 x the largest 2025 run)
    inference_tokens: list[Annotated[float, Field(ge=0, le=1e24)]] | None = None
    training_flop: list[Annotated[float, Field(ge=0, le=1e35)]] | None = None
    inference_tokens_start: float = Field(default=0.0, ge=0, le=1e24)
    inference_growth_per_year: float = Field(default=0.0, gt=-1, le=100)
    training_flop_start: float = Field(default=0.0, ge=0, le=1e35)
    training_growth_per_year: float = Field(default=0.0, gt=-1, le=100)


class FromDemand(_Strict):
    """Draw the plan's scenarios from the scenario's demand model (``risk.demand``).

    ``paths`` demand paths are sampled over the plan's quarters and reduced to
    ``scenarios`` weighted scenarios (:func:`gigaplan.demand.paths.reduce_paths`),
    with the same seed and streams as the risk stage, so the plan is made for
    the model the risk stage then tests it against.
    """

    scenarios: int = Field(default=5, ge=1, le=200)
    paths: int = Field(default=2000, ge=1, le=200_000)
    iterations: int = Field(default=50, ge=1, le=1000)


class Efficiency(_Strict):
    """Gains that let the same chips do more over time (named, sourced inputs).

    Demand stays in the units of the plan's start (output tokens of the
    reference model, training FLOP at today's algorithms); capacity grows:

    - ``training_compute_halving_months``: algorithmic progress, the compute
      needed for the same capability halves every so many months (e.g. 8,
      Ho et al. 2024, arXiv:2403.05812); training FLOP/s count
      ``2^(months / halving)`` times as much;
    - ``inference_throughput_gain_per_year``: software gains in tokens/s per
      chip (serving engines, quantisation), ``(1 + g)^years``.

    Both are off when not given: no source sets them for every plan.
    """

    training_compute_halving_months: float | None = Field(default=None, gt=1, le=240)
    inference_throughput_gain_per_year: float | None = Field(default=None, ge=0, le=10)


class RiskAversion(_Strict):
    """Weight on the conditional value-at-risk of cost in the objective.

    The objective becomes ``(1 - weight) * E[cost] + weight * CVaR_alpha[cost]``
    over the demand scenarios (Rockafellar and Uryasev, 2000).
    """

    weight: float = Field(ge=0, le=1, description="lambda, 0 = risk neutral")
    alpha: float = Field(default=0.95, gt=0, lt=1, description="CVaR level")


Share = Annotated[float, Field(ge=0, le=1)]


class MustServe(_Strict):
    """Shares of each period's demand that must be served, per kind."""

    inference: Share = 0.0
    training: Share = 0.0


class PlanSection(_Strict):
    """Multi-period stochastic capacity expansion: periods, options, limits."""

    start: str
    end: str
    dollar_year: int = 2025
    discount_rate: float = Field(default=0.08, ge=0, lt=1)
    reference_model: str = "llama-3.1-70b"
    reference_workload: ReferenceWorkload = Field(default_factory=ReferenceWorkload)
    efficiency: Efficiency = Field(default_factory=Efficiency)
    first_stage_periods: int = Field(default=4, ge=0)
    utilisation: float = Field(default=0.6, gt=0, le=1)
    unmet_inference_usd_per_mtoken: float = Field(default=2.0, ge=0)
    unmet_training_usd_per_eflop: float = Field(default=1.0, ge=0)
    unmet_value: Literal["typed", "risk_finance"] = Field(
        default="typed",
        description="typed: the unmet_* prices above; risk_finance: one value of "
        "service with the risk stage, price_usd_per_mtoken per million tokens and "
        "price_usd_per_accelerator_hour over the mean training FLOP per "
        "accelerator-hour of the plan's chips",
    )
    end_value: Literal["straight_line", "none"] = Field(
        default="straight_line",
        description="straight_line: what is bought is credited, at the horizon's "
        "end, with the share of its life still ahead (straight-line "
        "depreciation from entering service), so a purchase late in the "
        "horizon is not charged as if worthless afterwards; none: no credit",
    )
    build_rate_mw_per_week: float | None = Field(default=None, ge=0)
    target_gw_per_week: float | None = Field(
        default=None,
        gt=0,
        description="the build rate the scenario asks about (facility GW/week "
        "online); the summary gives the first quarter each scenario reaches it",
    )
    capex_budget_usd_per_quarter: float | None = Field(default=None, ge=0)
    capex_budget_usd_total: float | None = Field(default=None, ge=0)
    co2_cap_t_per_quarter: float | None = Field(default=None, ge=0)
    must_serve_fraction: MustServe = Field(
        default_factory=MustServe,
        description="share of each period's demand that must be served (hard "
        "limit), one number for both kinds or {inference: f, training: g}; the "
        "rest is elastic at the unmet penalty",
    )
    serve_order: Literal["product_first", "least_cost"] = Field(
        default="product_first",
        description="product_first: inference is served before training, so "
        "the unmet penalties must value a chip-hour of inference at least as "
        "much as one of training on every accelerator (checked); least_cost: "
        "the penalties alone decide",
    )
    risk_aversion: RiskAversion | None = None
    integer_units: bool = Field(
        default=False,
        description="buy whole units of each accelerator's unit_size (a MILP); "
        "shadow prices then come from the LP with purchases fixed",
    )
    mip_rel_gap: float = Field(
        default=1e-3, gt=0, lt=1, description="relative gap at which the MILP stops"
    )
    solve_method: Literal["auto", "extensive", "decomposition"] = Field(
        default="auto",
        description="LP solved whole ('extensive') or by scenario decomposition "
        "(Benders, trust region); 'auto' decomposes large LPs with many scenarios",
    )
    solve_rel_gap: float = Field(
        default=1e-6,
        ge=1e-10,
        le=1e-2,
        description="a decomposed LP stops when its upper and lower bounds are "
        "this close, relative to the objective (1e-6: within $1 per $1M)",
    )
    solve_cluster: str | None = Field(
        default=None,
        description="Dask scheduler address (tcp://host:8786) on whose workers a "
        "decomposed LP's scenario LPs are solved; unset: threads in this process",
    )
    accelerators: list[AcceleratorOption] = Field(min_length=1)
    sites: list[Site] = Field(min_length=1)
    scenarios: list[DemandScenario] = Field(
        default=[],
        description="demand scenarios typed in the file; leave out with from_demand",
    )
    from_demand: FromDemand | None = None
    existing_fleet: list[ExistingFleet] = []
    leases: list[Lease] = []

    @field_validator("must_serve_fraction", mode="before")
    @classmethod
    def _one_share_for_both(cls, value: Any) -> Any:
        """A single number is the share of both kinds."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return {"inference": value, "training": value}
        return value

    @model_validator(mode="after")
    def _check(self) -> PlanSection:
        periods = quarter_labels(self.start, self.end)
        if not periods:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if self.from_demand is not None and self.scenarios:
            raise ValueError("give scenarios or from_demand, not both")
        if self.from_demand is None and not self.scenarios:
            raise ValueError(
                "give scenarios (a list), or from_demand: {scenarios: N} to draw "
                "them from the risk.demand model"
            )
        total = sum(s.probability for s in self.scenarios) if self.scenarios else 1.0
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"scenario probabilities sum to {total:g}, not 1")
        for group in (self.accelerators, self.sites, self.scenarios):
            names = [g.name for g in group]
            if len(set(names)) != len(names):
                raise ValueError(f"duplicate names in {names}")
        for acc in self.accelerators:
            if acc.catalog_id is not None and acc.like is not None:
                raise ValueError(
                    f"accelerator {acc.name}: catalog_id or like, not both"
                )
            if acc.multipliers is not None and acc.like is None:
                raise ValueError(f"accelerator {acc.name}: multipliers need like")
            top = acc.max_units_total
            if top is not None and top < acc.min_units_total:
                raise ValueError(
                    f"accelerator {acc.name}: max_units_total {top:g} is below "
                    f"min_units_total {acc.min_units_total:g}"
                )
        self._check_existing_and_leases()
        for site in self.sites:
            names = [o.name for o in site.power_options]
            if len(set(names)) != len(names):
                raise ValueError(f"site {site.name}: duplicate power options")
        labels = [a.launch for a in self.accelerators] + [
            s.earliest for s in self.sites
        ]
        for label in labels:
            if label is not None:
                quarter_index(label)
                if label not in periods and quarter_index(label) > quarter_index(
                    self.end
                ):
                    raise ValueError(f"period {label} is after the horizon end")
        for scen in self.scenarios:
            for series in (scen.inference_tokens, scen.training_flop):
                if series is not None and len(series) != len(periods):
                    raise ValueError(
                        f"scenario {scen.name}: {len(series)} values for "
                        f"{len(periods)} periods"
                    )
        return self

    def _check_existing_and_leases(self) -> None:
        accs = {a.name: a for a in self.accelerators}
        sites = {s.name: s for s in self.sites}
        for i, f in enumerate(self.existing_fleet):
            if f.accelerator not in accs:
                raise ValueError(
                    f"existing_fleet[{i}].accelerator {f.accelerator!r}: one of "
                    f"{', '.join(accs)}"
                )
            if f.site not in sites:
                raise ValueError(
                    f"existing_fleet[{i}].site {f.site!r}: one of {', '.join(sites)}"
                )
            if quarter_index(f.online) > quarter_index(self.start):
                raise ValueError(
                    f"existing_fleet[{i}].online {f.online} is after the start "
                    f"{self.start}; plan it as a purchase instead"
                )
        for site in self.sites:
            if site.energised_mw > site.max_mw:
                raise ValueError(
                    f"site {site.name}: energised_mw {site.energised_mw:g} is above "
                    f"max_mw {site.max_mw:g}"
                )
        for lease in self.leases:
            if lease.accelerator not in accs:
                raise ValueError(
                    f"lease {lease.name}: accelerator {lease.accelerator!r}: one of "
                    f"{', '.join(accs)}"
                )
            if lease.earliest is not None:
                quarter_index(lease.earliest)
        names = [lease.name for lease in self.leases]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate lease names in {names}")

    @property
    def periods(self) -> list[str]:
        """The quarter labels of the horizon."""
        return quarter_labels(self.start, self.end)
