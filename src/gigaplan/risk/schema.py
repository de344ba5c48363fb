"""The ``risk:`` section of a scenario file: its demand model, policy, finance.

The demand model's schema is :mod:`gigaplan.demand.schema`.

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
from gigaplan.demand.schema import DemandSection


class _Strict(BaseModel):
    model_config = STRICT  # frozen, no unknown keys, finite floats


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
