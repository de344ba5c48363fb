"""The ``factory:`` section of a scenario file: pipeline, resources, stages.

Durations are in weeks, supply in units per month, sizes in MW of facility
power. A duration is either a distribution given in the scenario (an
assumption, to be marked as such in the file) or ``{catalog: <key>}``, a
sourced default from ``catalog/data/factory/durations.yaml``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from gigaplan._schema import STRICT
from gigaplan.catalog.schema import DIST_PARAMS, DistKind


class _Frozen(BaseModel):
    model_config = STRICT  # frozen, no unknown keys, finite floats


class DistSpec(_Frozen):
    """A non-negative random duration or size.

    ``fixed``: ``value``; ``uniform``: ``low``, ``high``; ``triangular``:
    ``low``, ``mode``, ``high``; ``lognormal``: ``median``, ``p90``;
    ``exponential``: ``mean``; or ``catalog``: a key of the sourced defaults.
    """

    dist: DistKind | None = None
    catalog: str | None = None
    value: float | None = Field(default=None, ge=0)
    low: float | None = Field(default=None, ge=0)
    mode: float | None = Field(default=None, ge=0)
    high: float | None = Field(default=None, ge=0)
    median: float | None = Field(default=None, gt=0)
    p90: float | None = Field(default=None, gt=0)
    mean: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _complete(self) -> DistSpec:
        if (self.dist is None) == (self.catalog is None):
            raise ValueError("give exactly one of `dist` or `catalog`")
        need = () if self.dist is None else DIST_PARAMS[self.dist]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.dist} distribution needs {', '.join(missing)}")
        if self.dist == "uniform" and self.low > self.high:  # type: ignore[operator]
            raise ValueError("uniform needs low <= high")
        if self.dist == "triangular" and not (
            self.low <= self.mode <= self.high  # type: ignore[operator]
        ):
            raise ValueError("triangular needs low <= mode <= high")
        if self.dist == "lognormal" and self.p90 < self.median:  # type: ignore[operator]
            raise ValueError("lognormal needs p90 >= median")
        return self


class CapacityStep(_Frozen):
    """Capacity from ``from_week`` on (until the next step)."""

    from_week: float = Field(ge=0)
    value: float = Field(ge=0)


class ResourceSpec(_Frozen):
    """A constrained resource.

    ``crews``: a pool of ``capacity`` teams, each held by one project for the
    whole stage (construction crews, commissioning teams). ``supply``: a
    factory making ``capacity`` units per month that projects consume at the
    start of a stage (transformers, turbines, accelerators in MW of IT load).
    """

    kind: Literal["crews", "supply"]
    capacity: float | list[CapacityStep] = Field(
        description="crews: count; supply: units per month; a number or steps"
    )
    initial_stock: float = Field(default=0.0, ge=0)
    unit: str = "units"
    unit_cost_usd: float | None = Field(
        default=None,
        ge=0,
        description="cost of one more unit of capacity (a crew, a unit/month) [USD]",
    )
    max_multiplier: float = Field(default=10.0, ge=1)

    @model_validator(mode="after")
    def _capacity(self) -> ResourceSpec:
        cap = self.capacity
        if isinstance(cap, int | float):
            if cap < 0:
                raise ValueError("capacity must be >= 0")
            return self
        if not cap:
            raise ValueError("capacity steps must not be empty")
        weeks = [s.from_week for s in cap]
        if weeks[0] != 0 or weeks != sorted(weeks):
            raise ValueError("capacity steps must start at from_week 0 and increase")
        return self

    def steps(self) -> tuple[tuple[float, float], ...]:
        """(from_week, value) pairs.

        Returns
        -------
        tuple of (float, float)
            ``(from_week, value)`` pairs, in week order.
        """
        if isinstance(self.capacity, int | float):
            return ((0.0, float(self.capacity)),)
        return tuple((s.from_week, s.value) for s in self.capacity)


class NeedSpec(_Frozen):
    """What a stage takes from a resource: ``per_project + per_mw * size_mw``."""

    resource: str
    per_project: float = Field(default=0.0, ge=0)
    per_mw: float = Field(default=0.0, ge=0)
    vendor: str | None = Field(
        default=None, description="only projects equipped by this vendor need it"
    )


class StageSpec(_Frozen):
    """One stage every project (on its power route) passes through."""

    name: str = Field(min_length=1)
    duration_weeks: DistSpec | None = None
    duration_by_region: dict[str, DistSpec] = {}
    route: Literal["all", "grid", "onsite"] = "all"
    needs: list[NeedSpec] = []
    concurrent_with_previous: bool = False
    size_exponent: float = Field(
        default=0.0,
        ge=0,
        le=2,
        description="duration scales as (size_mw / size_ref_mw) ** size_exponent",
    )

    @model_validator(mode="after")
    def _has_duration(self) -> StageSpec:
        if self.duration_weeks is None and not self.duration_by_region:
            raise ValueError("give duration_weeks or duration_by_region")
        return self


class ProjectsSpec(_Frozen):
    """The pipeline of campus phases that enter the factory."""

    count: int | None = Field(default=None, ge=1, le=100_000)
    arrivals_per_week: float | None = Field(default=None, gt=0, le=1000)
    from_plan: bool = Field(
        default=False,
        description="projects enter as the plan's facility MW is started "
        "(expected plan, split into phases of size_ref_mw) instead of count and "
        "arrivals_per_week; the factory then checks the plan can be delivered",
    )
    arrival_process: Literal["poisson", "deterministic"] = "poisson"
    size_mw: DistSpec
    size_ref_mw: float = Field(default=100.0, gt=0)
    onsite_power_share: float = Field(default=0.0, ge=0, le=1)
    regions: dict[str, float] = Field(default_factory=lambda: {"default": 1.0})
    vendors: dict[str, float] = Field(
        default_factory=lambda: {"any": 1.0},
        description="share of projects equipped by each accelerator vendor",
    )

    @model_validator(mode="after")
    def _shares(self) -> ProjectsSpec:
        given = [f for f in ("count", "arrivals_per_week") if getattr(self, f)]
        if self.from_plan and given:
            raise ValueError(
                f"with from_plan the plan sets the projects; leave out {given[0]}"
            )
        if not self.from_plan and len(given) < 2:
            raise ValueError("give count and arrivals_per_week, or from_plan: true")
        for name, shares in (("regions", self.regions), ("vendors", self.vendors)):
            if not shares or any(v < 0 for v in shares.values()):
                raise ValueError(f"{name} must map names to shares >= 0")
            if sum(shares.values()) <= 0:
                raise ValueError(f"{name} shares must sum to more than 0")
        return self


class FactorySection(_Frozen):
    """The ``factory:`` section of a scenario."""

    start_date: dt.date = dt.date(2026, 1, 5)
    horizon_weeks: int = Field(default=260, ge=4, le=2_000)
    period_weeks: int = Field(default=13, ge=1)
    replications: int = Field(default=20, ge=1, le=10_000)
    workers: int = Field(default=2, ge=1, le=64)
    projects: ProjectsSpec
    resources: dict[str, ResourceSpec] = {}
    stages: list[StageSpec] = Field(min_length=1)
    target_gw_per_week: float | None = Field(default=None, gt=0)
    target_date: dt.date | None = None
    target_window_weeks: int = Field(default=13, ge=1)
    relax_multiplier: float = Field(default=1.5, gt=1)
    analysis_replications: int = Field(
        default=10, ge=1, description="replications per bottleneck / what-if run"
    )

    @model_validator(mode="after")
    def _references(self) -> FactorySection:
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must be unique: {names}")
        if self.stages[0].concurrent_with_previous:
            raise ValueError("the first stage cannot be concurrent_with_previous")
        for i, stage in enumerate(self.stages):
            for need in stage.needs:
                if need.resource not in self.resources:
                    raise ValueError(
                        f"stages[{i}].needs: unknown resource {need.resource!r}; "
                        f"known: {sorted(self.resources)}"
                    )
                res = self.resources[need.resource]
                if res.kind == "crews" and need.per_mw:
                    raise ValueError(
                        f"stages[{i}].needs: crews are taken per_project, not per_mw"
                    )
                if need.vendor is not None and need.vendor not in self.projects.vendors:
                    raise ValueError(
                        f"stages[{i}].needs: unknown vendor {need.vendor!r}; "
                        f"known: {sorted(self.projects.vendors)}"
                    )
                if need.per_project == 0 and need.per_mw == 0:
                    raise ValueError(f"stages[{i}].needs: give per_project or per_mw")
            unknown = set(stage.duration_by_region) - set(self.projects.regions)
            if unknown:
                raise ValueError(
                    f"stages[{i}].duration_by_region: unknown regions "
                    f"{sorted(unknown)}; known: {sorted(self.projects.regions)}"
                )
            if stage.duration_by_region and stage.duration_weeks is None:
                missing = set(self.projects.regions) - set(stage.duration_by_region)
                if missing:
                    raise ValueError(
                        f"stages[{i}].duration_by_region: missing regions "
                        f"{sorted(missing)} and no duration_weeks default"
                    )
        if self.target_date is not None and self.target_date <= self.start_date:
            raise ValueError("target_date must be after start_date")
        return self

    def target_week(self) -> int:
        """Week index of the target date (default: the end of the horizon).

        Returns
        -------
        int
            Weeks from the start to the target date.
        """
        if self.target_date is None:
            return self.horizon_weeks
        return min(self.horizon_weeks, (self.target_date - self.start_date).days // 7)
