"""SimPy model of the build pipeline: one process per project, time in weeks.

Every random number a replication uses is drawn up front with numpy from one
:class:`numpy.random.SeedSequence` per replication, spawned into one stream per
purpose (arrivals, sizes, routes, regions, one per stage, vendors). Project ``i`` of
replication ``r`` therefore sees the same draws whatever the resource
capacities are: two designs are compared with common random numbers [1]_.

Resources are :class:`simpy.Container` objects. A crew pool holds one token per
crew; a project takes tokens for its stage and gives them back at the end. A
supply resource is filled each week by a controller process at the scheduled
rate and emptied by the projects that consume units. Capacity schedules (a
factory opening in week 104) are applied by the same controller processes.

References
----------
.. [1] A. M. Law, "Simulation Modeling and Analysis", 5th ed., McGraw-Hill,
   2015, section 11.2 (common random numbers).
"""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib.resources import files
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from gigaplan.catalog.load import load_catalog, shipped_catalog
from gigaplan.catalog.schema import Catalog
from gigaplan.errors import InputError
from gigaplan.factory.schema import DistSpec, FactorySection
from gigaplan.units import WEEKS_PER_MONTH

ROUTES = {"all": 0, "grid": 1, "onsite": 2}


# --------------------------------------------------------------------------
# Sourced defaults
# --------------------------------------------------------------------------


def defaults_path() -> Path:
    """Path of the shipped default durations (the catalog's ``factory`` table).

    Returns
    -------
    Path
        The YAML file under the catalog's data folder.
    """
    return Path(str(files("gigaplan.catalog") / "data" / "factory" / "durations.yaml"))


def load_default_durations(
    path: str | None = None, catalog: Catalog | None = None
) -> dict[str, dict[str, Any]]:
    """The catalog's default durations (``factory_durations_weeks``).

    Parameters
    ----------
    path : str, optional
        A catalog file merged over the shipped catalog (as ``--catalog``).
    catalog : Catalog, optional
        The catalog to read; default the shipped one.

    Returns
    -------
    dict
        ``{key: {"dist": kind or None, "params": {name: weeks}, "note": str}}``.
    """
    if path is not None:
        catalog = load_catalog([Path(path)])
    return {
        key: {
            "dist": entry.dist,
            "params": entry.params(),
            "note": entry.note,
            "confidence": entry.confidence,
        }
        for key, entry in shipped_catalog(catalog).factory_durations_weeks.items()
    }


def resolve_dist(
    spec: DistSpec, field: str, catalog: Catalog | None = None
) -> DistSpec:
    """Replace ``{catalog: key}`` by the catalog's sourced default distribution.

    Parameters
    ----------
    spec : DistSpec
        A distribution, or ``{catalog: key}``.
    field : str
        Its path in the scenario, for error messages.
    catalog : Catalog, optional
        Default: the shipped catalog.

    Returns
    -------
    DistSpec
        ``spec`` itself, or the catalog's distribution under ``key``.
    """
    if spec.catalog is None:
        return spec
    defaults = shipped_catalog(catalog).factory_durations_weeks
    if spec.catalog not in defaults:
        raise InputError(
            field, spec.catalog, f"unknown default; known: {', '.join(defaults)}"
        )
    entry = defaults[spec.catalog]
    if entry.dist is None:
        raise InputError(
            field,
            spec.catalog,
            "no sourced default exists; give a distribution marked as an "
            f"assumption ({entry.note.strip()})",
        )
    return DistSpec(dist=entry.dist, **entry.params())


def draw(spec: DistSpec, rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw ``n`` values of a resolved distribution (never negative).

    Parameters
    ----------
    spec : DistSpec
        A resolved distribution. [weeks]
    rng : numpy.random.Generator
        The stream to draw from.
    n : int
        Values to draw.

    Returns
    -------
    ndarray, shape (n,)
        Draws, clipped at 0. [weeks]
    """
    kind = spec.dist
    if kind == "fixed":
        return np.full(n, float(spec.value))  # type: ignore[arg-type]
    if kind == "uniform":
        return rng.uniform(spec.low, spec.high, n)  # type: ignore[arg-type]
    if kind == "triangular":
        if spec.low == spec.high:
            return np.full(n, float(spec.low))  # type: ignore[arg-type]
        return rng.triangular(spec.low, spec.mode, spec.high, n)  # type: ignore[arg-type]
    if kind == "lognormal":
        sigma = math.log(spec.p90 / spec.median) / 1.2815515655446004  # type: ignore[operator]
        return spec.median * np.exp(sigma * rng.standard_normal(n))  # type: ignore[operator]
    if kind == "exponential":
        return rng.exponential(spec.mean, n)  # type: ignore[arg-type]
    raise InputError("dist", kind, "fixed, uniform, triangular, lognormal, exponential")


def dist_mean(spec: DistSpec) -> float:
    """Mean of a resolved distribution.

    Parameters
    ----------
    spec : DistSpec
        A resolved distribution. [weeks]

    Returns
    -------
    float
        Its mean. [weeks]
    """
    kind = spec.dist
    if kind == "fixed":
        return float(spec.value)  # type: ignore[arg-type]
    if kind == "uniform":
        return (spec.low + spec.high) / 2  # type: ignore[operator]
    if kind == "triangular":
        return (spec.low + spec.mode + spec.high) / 3  # type: ignore[operator]
    if kind == "lognormal":
        sigma = math.log(spec.p90 / spec.median) / 1.2815515655446004  # type: ignore[operator]
        return spec.median * math.exp(sigma**2 / 2)  # type: ignore[operator]
    return float(spec.mean)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Compiled design (plain, picklable)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """A resource as the simulation sees it."""

    name: str
    kind: str  # "crews" or "supply"
    steps: tuple[tuple[float, float], ...]  # (from_week, crews or units/month)
    initial_stock: float
    unit: str
    unit_cost_usd: float | None
    max_multiplier: float

    def capacity_at(self, week: np.ndarray | float, multiplier: float = 1.0) -> Any:
        """Crews available, or units made per week, at ``week``.

        Parameters
        ----------
        week : float or ndarray
            Week index (or indices).
        multiplier : float
            Factor on the schedule. [dimensionless]

        Returns
        -------
        float or ndarray
            Capacity at each week, same shape as ``week``. [crews or units/week]
        """
        starts = np.array([s[0] for s in self.steps])
        values = np.array([s[1] for s in self.steps])
        idx = np.searchsorted(starts, week, side="right") - 1
        cap = values[idx] * multiplier
        if self.kind == "crews":
            return np.floor(cap + 1e-9)
        return cap / WEEKS_PER_MONTH


@dataclass(frozen=True)
class Stage:
    """A stage as the simulation sees it."""

    name: str
    route: int
    # (resource index, per_project, per_mw, vendor index or -1 for every vendor)
    needs: tuple[tuple[int, float, float, int], ...]
    duration: DistSpec | None
    by_region: tuple[DistSpec | None, ...]  # one per region, None = default
    size_exponent: float
    step: int


@dataclass(frozen=True)
class Design:
    """A factory section resolved against the sourced defaults."""

    horizon_weeks: int
    n_projects: int
    arrivals_per_week: float
    poisson: bool
    size_mw: DistSpec
    size_ref_mw: float
    onsite_share: float
    region_names: tuple[str, ...]
    region_shares: tuple[float, ...]
    vendor_names: tuple[str, ...]
    vendor_shares: tuple[float, ...]
    resources: tuple[Resource, ...]
    stages: tuple[Stage, ...]
    schedule_week: tuple[float, ...] | None = None
    schedule_mw: tuple[float, ...] | None = None

    @property
    def resource_names(self) -> tuple[str, ...]:
        """Names of the constrained resources, in order."""
        return tuple(r.name for r in self.resources)

    def ones(self) -> np.ndarray:
        """Multipliers that leave every resource as given.

        Returns
        -------
        ndarray, shape (resource,)
            All ones. [dimensionless]
        """
        return np.ones(len(self.resources))


def compile_design(
    section: FactorySection,
    schedule: tuple[tuple[float, ...], tuple[float, ...]] | None = None,
    catalog: Catalog | None = None,
) -> Design:
    """Resolve catalog defaults and index names; the result pickles cheaply.

    ``catalog`` holds the default durations (``{catalog: key}``); the shipped
    one when it is left out.

    ``schedule`` is (arrival week, size MW) per project, when the projects come
    from a plan (``projects.from_plan``) rather than count and arrival rate.

    Parameters
    ----------
    section : FactorySection
        The scenario's ``factory:`` section.
    schedule : tuple of (arrival weeks, sizes MW), optional
        Projects from a plan instead of the section's count and rate.
    catalog : Catalog, optional
        Default: the shipped catalog.

    Returns
    -------
    Design
        Stages, resources and projects as plain arrays.
    """
    cat = shipped_catalog(catalog)
    res_names = list(section.resources)
    resources = tuple(
        Resource(
            name=name,
            kind=r.kind,
            steps=r.steps(),
            initial_stock=r.initial_stock,
            unit=r.unit,
            unit_cost_usd=r.unit_cost_usd,
            max_multiplier=r.max_multiplier,
        )
        for name, r in section.resources.items()
    )
    regions = tuple(section.projects.regions)
    vendors = tuple(section.projects.vendors)
    stages = []
    step = -1
    for i, s in enumerate(section.stages):
        step += 0 if s.concurrent_with_previous else 1
        field = f"factory.stages[{i}].duration_weeks"
        default = (
            resolve_dist(s.duration_weeks, field, cat) if s.duration_weeks else None
        )
        by_region = tuple(
            resolve_dist(s.duration_by_region[r], f"{field}_by_region.{r}", cat)
            if r in s.duration_by_region
            else None
            for r in regions
        )
        needs = sorted(
            (
                (
                    res_names.index(n.resource),
                    n.per_project,
                    n.per_mw,
                    -1 if n.vendor is None else vendors.index(n.vendor),
                )
                for n in s.needs
            ),
            key=lambda t: resources[t[0]].kind != "supply",  # consume, then hold
        )
        for idx, per_project, _, _ in needs:
            res = resources[idx]
            if res.kind == "crews" and per_project > max(v for _, v in res.steps):
                raise InputError(
                    f"factory.stages[{i}].needs.{res.name}.per_project",
                    per_project,
                    f"must be <= the largest crew capacity "
                    f"({max(v for _, v in res.steps):g})",
                )
        stages.append(
            Stage(
                name=s.name,
                route=ROUTES[s.route],
                needs=tuple(needs),
                duration=default,
                by_region=by_region,
                size_exponent=s.size_exponent,
                step=step,
            )
        )
    shares = np.array(list(section.projects.regions.values()), dtype=float)
    v_shares = np.array(list(section.projects.vendors.values()), dtype=float)
    return Design(
        horizon_weeks=section.horizon_weeks,
        n_projects=len(schedule[0]) if schedule else section.projects.count or 0,
        arrivals_per_week=section.projects.arrivals_per_week or 1.0,
        poisson=section.projects.arrival_process == "poisson",
        size_mw=resolve_dist(section.projects.size_mw, "factory.projects.size_mw", cat),
        size_ref_mw=section.projects.size_ref_mw,
        onsite_share=section.projects.onsite_power_share,
        region_names=regions,
        region_shares=tuple(shares / shares.sum()),
        vendor_names=vendors,
        vendor_shares=tuple(v_shares / v_shares.sum()),
        resources=resources,
        stages=tuple(stages),
        schedule_week=schedule[0] if schedule else None,
        schedule_mw=schedule[1] if schedule else None,
    )


# --------------------------------------------------------------------------
# One replication
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Draws:
    """All random numbers of one replication, indexed by project."""

    arrival_week: np.ndarray  # (n,)
    size_mw: np.ndarray  # (n,)
    route: np.ndarray  # (n,) 1 grid, 2 onsite
    region: np.ndarray  # (n,)
    duration_weeks: np.ndarray  # (n, stages)
    vendor: np.ndarray  # (n,)


def draw_replication(design: Design, seed: int, rep: int) -> Draws:
    """Draw a replication's random numbers from its own spawned streams.

    Parameters
    ----------
    design : Design
        The compiled factory.
    seed : int
        The scenario's seed.
    rep : int
        Replication number.

    Returns
    -------
    Draws
        Every duration and arrival the replication uses.
    """
    n, n_st = design.n_projects, len(design.stages)
    streams = [
        np.random.default_rng(s)
        for s in np.random.SeedSequence([seed, rep]).spawn(5 + n_st)
    ]
    if design.schedule_week is not None:
        arrival = np.asarray(design.schedule_week, dtype=float)
    elif design.poisson:
        gaps = streams[0].exponential(1.0 / design.arrivals_per_week, n)
        arrival = np.cumsum(gaps) - gaps[0]
    else:
        arrival = np.arange(n) / design.arrivals_per_week
    if design.schedule_mw is not None:
        size = np.asarray(design.schedule_mw, dtype=float)
    else:
        size = np.maximum(draw(design.size_mw, streams[1], n), 1e-6)
    route = np.where(streams[2].random(n) < design.onsite_share, 2, 1)
    region = np.searchsorted(
        np.cumsum(design.region_shares)[:-1], streams[3].random(n), side="right"
    )
    dur = np.empty((n, n_st))
    for j, st in enumerate(design.stages):
        rng = streams[4 + j]
        base = draw(st.duration, rng, n) if st.duration is not None else np.zeros(n)
        for k, spec in enumerate(st.by_region):
            if spec is not None:
                regional = draw(spec, rng, n)
                base = np.where(region == k, regional, base)
        if st.size_exponent:
            base = base * (size / design.size_ref_mw) ** st.size_exponent
        dur[:, j] = base
    vendor = np.searchsorted(  # the last stream, so adding it moved no other
        np.cumsum(design.vendor_shares)[:-1], streams[4 + n_st].random(n), side="right"
    )
    return Draws(arrival, size, route, region, dur, vendor)


@dataclass(frozen=True)
class RepResult:
    """Times (weeks) each project reached each stage; NaN where it did not.

    ``t_arrive[i, j]`` project ``i`` entered stage ``j``; ``t_start`` it held
    every resource the stage needs and the duration began; ``t_end`` it left.
    ``t_done[i]`` energised (end of the last stage). ``t_got[i, j, k]`` when it
    got the ``k``-th need of stage ``j``.
    """

    size_mw: np.ndarray
    route: np.ndarray
    t_arrive: np.ndarray
    t_start: np.ndarray
    t_end: np.ndarray
    t_got: np.ndarray
    t_done: np.ndarray
    amounts: np.ndarray  # (n, stages, needs) units taken


def simulate(design: Design, multipliers: np.ndarray, seed: int, rep: int) -> RepResult:
    """Run one replication of the pipeline up to the horizon.

    Parameters
    ----------
    design : Design
        Compiled factory section.
    multipliers : ndarray
        One factor per resource applied to its capacity schedule. [dimensionless]
    seed, rep : int
        Scenario seed and replication number; together they fix every draw.

    Returns
    -------
    RepResult
        When each project entered and left each stage, and what it held.
    """
    import simpy

    draws = draw_replication(design, seed, rep)
    n, n_st = design.n_projects, len(design.stages)
    max_needs = max((len(s.needs) for s in design.stages), default=0)
    horizon = float(design.horizon_weeks)
    t_arrive = np.full((n, n_st), np.nan)
    t_start = np.full((n, n_st), np.nan)
    t_end = np.full((n, n_st), np.nan)
    t_got = np.full((n, n_st, max(max_needs, 1)), np.nan)
    t_done = np.full(n, np.nan)
    amounts = np.zeros((n, n_st, max(max_needs, 1)))
    for j, st in enumerate(design.stages):
        for k, (_, per_project, per_mw, vendor) in enumerate(st.needs):
            amounts[:, j, k] = per_project + per_mw * draws.size_mw
            if vendor >= 0:
                amounts[:, j, k] *= draws.vendor == vendor

    env = simpy.Environment()
    pools: list[Any] = []
    for r, mult in zip(design.resources, multipliers, strict=True):
        init = r.capacity_at(0.0, mult) if r.kind == "crews" else r.initial_stock
        pool = simpy.Container(env, capacity=float("inf"), init=float(init))
        pools.append(pool)
        env.process(_controller(env, pool, r, float(mult), horizon))

    steps: list[list[int]] = []
    for j, st in enumerate(design.stages):
        if st.step == len(steps):
            steps.append([])
        steps[st.step].append(j)

    def run_stage(i: int, j: int) -> Any:
        st = design.stages[j]
        t_arrive[i, j] = env.now
        for k, (res_idx, _, _, _) in enumerate(st.needs):
            amount = amounts[i, j, k]
            if amount > 0:
                yield pools[res_idx].get(amount)
            t_got[i, j, k] = env.now
        t_start[i, j] = env.now
        yield env.timeout(draws.duration_weeks[i, j])
        for k, (res_idx, _, _, _) in enumerate(st.needs):
            if design.resources[res_idx].kind == "crews" and amounts[i, j, k] > 0:
                pools[res_idx].put(amounts[i, j, k])
        t_end[i, j] = env.now

    def project(i: int) -> Any:
        yield env.timeout(draws.arrival_week[i])
        route = draws.route[i]
        for members in steps:
            active = [j for j in members if design.stages[j].route in (0, route)]
            if len(active) == 1:
                yield from run_stage(i, active[0])
            elif active:
                yield env.all_of([env.process(run_stage(i, j)) for j in active])
        t_done[i] = env.now

    for i in range(n):
        if draws.arrival_week[i] < horizon:
            env.process(project(i))
    env.run(until=horizon)
    return RepResult(
        draws.size_mw, draws.route, t_arrive, t_start, t_end, t_got, t_done, amounts
    )


def _controller(env: Any, pool: Any, res: Resource, mult: float, horizon: float) -> Any:
    """Apply a crew schedule, or make supply each week, until the horizon."""
    if res.kind == "crews":
        current = float(res.capacity_at(0.0, mult))
        for week, _ in res.steps[1:]:
            if week >= horizon:
                break
            yield env.timeout(week - env.now)
            target = float(res.capacity_at(week, mult))
            if target > current:
                pool.put(target - current)
            elif target < current:
                yield pool.get(current - target)  # crews leave as they finish
            current = target
        return
    week = 0.0
    while week < horizon:
        made = float(res.capacity_at(week, mult))
        yield env.timeout(1.0)
        if made > 0:
            pool.put(made)  # a week's output is available at the week's end
        week += 1.0


# --------------------------------------------------------------------------
# Many replications
# --------------------------------------------------------------------------


def _run_chunk(args: tuple[Design, np.ndarray, int, list[int]]) -> list[RepResult]:
    design, multipliers, seed, reps = args
    return [simulate(design, multipliers, seed, r) for r in reps]


def run_replications(
    design: Design,
    multipliers: np.ndarray | None = None,
    *,
    replications: int,
    seed: int,
    workers: int = 1,
) -> list[RepResult]:
    """Run replications ``0..replications-1``, in ``workers`` processes.

    Replication ``r`` uses the same random numbers for any ``multipliers``
    (common random numbers), so designs differ only by their resources.

    Parameters
    ----------
    design : Design
        The compiled factory.
    multipliers : ndarray, optional
        One capacity factor per resource (default all ones). [dimensionless]
    replications : int
        How many.
    seed : int
        The scenario's seed.
    workers : int
        Processes.

    Returns
    -------
    list of RepResult
        In replication order.
    """
    mult = design.ones() if multipliers is None else np.asarray(multipliers, float)
    if np.any(mult < 0):
        raise InputError("multipliers", mult, "must be >= 0")
    reps = list(range(replications))
    workers = max(1, min(workers, replications))
    if workers == 1:
        return _run_chunk((design, mult, seed, reps))
    chunks = [reps[w::workers] for w in range(workers)]
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        parts = list(pool.map(_run_chunk, [(design, mult, seed, c) for c in chunks]))
    out: list[RepResult | None] = [None] * replications
    for chunk, part in zip(chunks, parts, strict=True):
        for r, res in zip(chunk, part, strict=True):
            out[r] = res
    return out  # type: ignore[return-value]
