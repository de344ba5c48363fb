"""The ``risk:`` section of a scenario file: demand model, policy, finance.

Pydantic only; nothing here imports numpy. Every number a user gives here is a
scenario ASSUMPTION (mark it so in the file): demand growth, its uncertainty,
prices and the discount rate have no single published value. The only
defaults are switches that turn a feature off (zero uncertainty, no launches,
no regime shift) or labels; prices and the discount rate are required.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from gigaplan._schema import STRICT
from gigaplan.periods import quarter_index


class _Strict(BaseModel):
    model_config = STRICT  # frozen, no unknown keys, finite floats


class Adoption(_Strict):
    """Logistic adoption S-curve that multiplies a demand series.

    The multiplier is 1 in the first period and rises towards
    ``ceiling_multiple``; it grows fastest at ``midpoint``, and the rise from
    10 % to 90 % of the logistic takes ``ln(81) / steepness_per_year`` years.
    """

    ceiling_multiple: float = Field(gt=1, description="final / first-period level")
    midpoint: str = Field(description="quarter label of the steepest growth")
    steepness_per_year: float = Field(gt=0, description="logistic rate k")

    @model_validator(mode="after")
    def _check(self) -> Adoption:
        quarter_index(self.midpoint)
        return self


class GrowthModel(_Strict):
    """Log-normal growth of one demand series with uncertain drift and volatility.

    Per path ``p`` the log drift is ``ln(1 + growth_per_year) + growth_sd_per_year
    * Z_p`` and the volatility ``volatility_per_year * exp(volatility_sd * Z'_p -
    volatility_sd**2 / 2)``; each quarter adds a normal shock (see
    :func:`gigaplan.demand.sample_paths`).
    """

    start: float = Field(ge=0, description="demand in the first period, per quarter")
    growth_per_year: float = Field(gt=-1, description="expected growth, 1.0 = x2/yr")
    growth_sd_per_year: float = Field(default=0.0, ge=0, description="sd of log drift")
    volatility_per_year: float = Field(default=0.0, ge=0, description="annual sd")
    volatility_sd: float = Field(default=0.0, ge=0, description="log-sd across paths")
    adoption: Adoption | None = None


class RegimeShift(_Strict):
    """A one-time change of growth (and level) at a random time.

    The shift happens at an exponentially distributed time with rate
    ``rate_per_year`` (it may fall after the horizon). From then on the log
    drift of the series it applies to changes by ``ln(1 + growth_per_year_after)
    - ln(1 + growth_per_year)`` and the level jumps by ``level_change``.
    """

    name: str
    rate_per_year: float = Field(ge=0)
    growth_per_year_after: float = Field(gt=-1)
    level_change: float = Field(default=0.0, gt=-1, description="-0.3 = drops 30 %")
    applies_to: Literal["inference", "training", "both"] = "both"


class Launches(_Strict):
    """Product launches: inference demand ``multiplier`` times higher for a few weeks.

    Launches arrive as a Poisson process; a quarter with ``k`` launches spends
    ``min(k * duration_weeks, weeks per quarter)`` weeks in a spike.
    """

    launches_per_year: float = Field(ge=0)
    multiplier: float = Field(ge=1, description="spike demand / normal demand")
    duration_weeks: float = Field(gt=0, le=13)


class DemandSection(_Strict):
    """Stochastic demand: inference output tokens and training FLOP per quarter."""

    inference_tokens: GrowthModel
    training_flop: GrowthModel
    correlation: float = Field(default=0.0, ge=-1, le=1, description="of the shocks")
    regime_shifts: list[RegimeShift] = []
    launches: Launches | None = None


class Finance(_Strict):
    """Prices and the discount rate: scenario assumptions, so all are required."""

    price_usd_per_mtoken: float = Field(ge=0, description="per million output tokens")
    price_usd_per_accelerator_hour: float = Field(
        ge=0, description="value of an accelerator-hour used for training"
    )
    discount_rate: float = Field(ge=0, lt=1, description="per year, real")
    dollar_year: int = 2025


class Reduction(_Strict):
    """Scenario reduction: from many paths to a few weighted scenarios."""

    scenarios: int = Field(default=5, ge=1)
    paths: int = Field(default=10_000, ge=1, description="paths clustered (a subset)")
    iterations: int = Field(default=50, ge=1)


class RiskSection(_Strict):
    """Monte Carlo of a plan over demand paths: the ``risk:`` section.

    ``plan`` says where the capacity comes from: omitted, the ``plan`` stage of
    the same run; else a stored run id (or ``latest``) or a CSV/parquet file
    with the columns of :func:`gigaplan.plan.results.capacity_table`.
    """

    plan: str | None = None
    paths: int = Field(default=10_000, ge=1)
    demand: DemandSection
    finance: Finance
    policy: Literal["product_first", "fixed_shares"] = "product_first"
    inference_share: float | None = Field(default=None, ge=0, le=1)
    shortfall_tolerance: float = Field(
        default=0.0, ge=0, lt=1, description="unmet share of demand ignored"
    )
    cvar_level: float = Field(default=0.05, gt=0, lt=1)
    reduction: Reduction | None = None

    @model_validator(mode="after")
    def _check(self) -> RiskSection:
        if self.policy == "fixed_shares" and self.inference_share is None:
            raise ValueError("policy fixed_shares needs inference_share (0..1)")
        if self.policy == "product_first" and self.inference_share is not None:
            raise ValueError("inference_share is used only with policy fixed_shares")
        red = self.reduction
        if red is not None and red.scenarios > min(red.paths, self.paths):
            raise ValueError(
                f"reduction.scenarios={red.scenarios} must be at most the paths "
                f"clustered (reduction.paths={red.paths}, paths={self.paths})"
            )
        names = [r.name for r in self.demand.regime_shifts]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate regime shift names in {names}")
        return self
