"""The demand model of a scenario (``risk.demand``): growth, uncertainty,
adoption, launches, regime shifts.

Pydantic only; nothing here imports numpy. Every number a user gives here is a
scenario ASSUMPTION (mark it so in the file): demand growth and its
uncertainty have no single published value. The only defaults are switches
that turn a feature off (zero uncertainty, no launches, no regime shift).
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
    :func:`gigaplan.demand.paths.sample_paths`).
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
