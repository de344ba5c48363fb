r"""Evaluate a plan's capacity against many demand paths: service, use and money.

Everything is vectorised over paths: the paths are cut into column blocks of a
few thousand (so a block's working arrays stay in cache) and the blocks are
shared among worker threads (numpy releases the GIL inside its loops). The
only Python loops run over blocks and over the periods of a block.

Allocation within a quarter (fleet fractions, :math:`C` capacity of the whole
fleet for one use, :math:`D` demand, :math:`\phi` share of the quarter in a
launch spike of multiplier :math:`m`):

- inference takes :math:`f_b = \min(D_{inf}/C_{inf}, s)` outside spikes and
  :math:`f_s = \min(m D_{inf}/C_{inf}, s)` in them, on average
  :math:`f_{inf} = f_b + \phi (f_s - f_b)`;
- training takes :math:`f_{trn} = \min(D_{trn}/C_{trn}, r)`.

``product_first``: :math:`s = 1`, :math:`r = 1 - f_{inf}` (research gets what
product leaves). ``fixed_shares``: :math:`s` is the inference share and
:math:`r = 1 - s` (no borrowing either way). A mixed fleet is treated as one
pool whose every chip splits its time in the same fractions, so tokens and
FLOP trade at the fleet's average ratio.

Money per quarter: revenue :math:`= f_{inf} C_{inf} p_{tok} + f_{trn} H
p_{h}` (:math:`H` accelerator-hours), cash flow = revenue - capex - opex, NPV
discounted as the planner does, :math:`(1 + r)^{-t/4}` with :math:`t` the
quarter index from 0. Capex and opex are the plan's and do not change with
use (the plan prices energy at its assumed utilisation); taxes and
depreciation are left out (pre-tax cash flow).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from gigaplan.demand import DemandPaths
from gigaplan.errors import InputError
from gigaplan.plan.capacity import CAPACITY_COLUMNS
from gigaplan.plan.schema import quarter_index
from gigaplan.risk.schema import Finance

#: Paths per block: (32 periods x 4096 paths x 8 B) = 1 MB per working array.
BLOCK_PATHS = 4096


@dataclass(frozen=True)
class Capacity:
    """A plan's capacity and cost per period, arrays shaped ``(period,)``.

    Attributes are the columns of :data:`gigaplan.plan.capacity.CAPACITY_COLUMNS`
    (units there).
    """

    periods: tuple[str, ...]
    inference_capacity_tokens: np.ndarray
    training_capacity_flop: np.ndarray
    accelerator_hours: np.ndarray
    capex_usd: np.ndarray
    opex_usd: np.ndarray
    it_mw: np.ndarray
    facility_mw: np.ndarray

    @classmethod
    def from_table(cls, frame: pd.DataFrame, where: str = "plan") -> Capacity:
        """Check a capacity table (as the plan stage writes it) and wrap it."""
        missing = [c for c in CAPACITY_COLUMNS if c not in frame.columns]
        if missing:
            raise InputError(
                where,
                f"<table with {', '.join(map(str, frame.columns))}>",
                f"a capacity table needs columns {', '.join(missing)} "
                f"(see gigaplan.plan.capacity.CAPACITY_COLUMNS)",
            )
        if frame.empty:
            raise InputError(where, "<empty table>", "needs one row per period")
        values = {}
        for col in CAPACITY_COLUMNS[1:]:
            arr = pd.to_numeric(frame[col], errors="coerce").to_numpy(float)
            if not np.all(np.isfinite(arr)) or np.any(arr < 0):
                raise InputError(f"{where}.{col}", arr, "must be finite and >= 0")
            values[col] = arr
        periods = tuple(str(p) for p in frame["period"])
        try:
            index = [quarter_index(p) for p in periods]
        except ValueError:
            index = []
        if len(index) != len(periods) or any(
            b - a != 1 for a, b in itertools.pairwise(index)
        ):
            raise InputError(
                f"{where}.period",
                ", ".join(periods[:4]) + (", ..." if len(periods) > 4 else ""),
                "consecutive quarter labels like 2026Q1, 2026Q2, ...",
            )
        return cls(periods=periods, **values)

    def scaled(self, factor: float) -> Capacity:
        """The same plan with every capacity (not cost) times ``factor``."""
        return Capacity(
            self.periods,
            self.inference_capacity_tokens * factor,
            self.training_capacity_flop * factor,
            self.accelerator_hours * factor,
            self.capex_usd,
            self.opex_usd,
            self.it_mw * factor,
            self.facility_mw * factor,
        )


@dataclass(frozen=True)
class Policy:
    """How the fleet is shared between product inference and research training.

    Attributes
    ----------
    kind : {"product_first", "fixed_shares"}
        ``product_first``: inference takes what it needs, training the rest.
        ``fixed_shares``: each gets a fixed share of the fleet.
    inference_share : float
        Fleet share of inference under ``fixed_shares``. [dimensionless]
    """

    kind: Literal["product_first", "fixed_shares"] = "product_first"
    inference_share: float = 1.0


@dataclass(frozen=True)
class Evaluation:
    """Outcome of a plan on every demand path.

    Arrays ``(period, path)`` are kept only when asked for (``keep_paths``);
    per-period totals over paths and per-path totals always are.

    Attributes
    ----------
    periods : tuple of str
        Quarter labels.
    n_paths : int
        Number of paths.
    npv_usd : ndarray
        Net present value per path. [USD]
    break_even_index : ndarray of int
        Index of the period from which cumulative cash flow stays >= 0,
        ``-1`` if it is negative at the horizon end.
    unmet_inference_share : ndarray
        Unmet / demanded inference tokens over the horizon, per path.
        [dimensionless]
    shortfall_inference_count, shortfall_training_count : ndarray of int
        Paths with a shortfall, per period.
    unmet_inference_tokens_sum, unmet_training_flop_sum : ndarray
        Sum over paths per period. [tokens], [FLOP]
    research_lost_to_launches_flop_sum : ndarray
        Training compute that launch spikes took from research (demand that
        would have been served without spikes), summed over paths. [FLOP]
    utilisation_sum, revenue_usd_sum, cash_flow_usd_sum : ndarray
        Sums over paths per period. [dimensionless], [USD], [USD]
    unmet_inference_tokens, unmet_training_flop, utilisation, cash_flow_usd :
    ndarray or None
        Per period and path, ``(period, path)``, when kept; float32 (7
        significant digits, ample for percentiles) to halve memory traffic.
    """

    periods: tuple[str, ...]
    n_paths: int
    npv_usd: np.ndarray
    break_even_index: np.ndarray
    unmet_inference_share: np.ndarray
    shortfall_inference_count: np.ndarray
    shortfall_training_count: np.ndarray
    unmet_inference_tokens_sum: np.ndarray
    unmet_training_flop_sum: np.ndarray
    research_lost_to_launches_flop_sum: np.ndarray
    utilisation_sum: np.ndarray
    revenue_usd_sum: np.ndarray
    cash_flow_usd_sum: np.ndarray
    unmet_inference_tokens: np.ndarray | None = field(default=None, repr=False)
    unmet_training_flop: np.ndarray | None = field(default=None, repr=False)
    utilisation: np.ndarray | None = field(default=None, repr=False)
    cash_flow_usd: np.ndarray | None = field(default=None, repr=False)


@dataclass(frozen=True)
class _Constants:
    """Per-period numbers shared by every block (1-d arrays, ``(period,)``).

    Demand is turned into fleet fractions once (``demand / capacity``); every
    later step works on fractions with scalars or same-shape arrays, which
    numpy runs at full SIMD speed (a broadcast ``(period, 1)`` operand runs
    about half as fast). A period without capacity uses scale 1 (so unmet
    demand keeps its size) and has its served fractions set to 0.
    """

    inference_scale: np.ndarray
    training_scale: np.ndarray
    inference_scale32: np.ndarray
    training_scale32: np.ndarray
    inv_inference: np.ndarray
    inv_training: np.ndarray
    no_inference_rows: np.ndarray
    no_training_rows: np.ndarray
    usd_per_inference_fraction: np.ndarray
    usd_per_training_fraction: np.ndarray
    cost_usd: np.ndarray
    discount: np.ndarray
    period_number: np.ndarray
    multiplier: float
    inference_cap: float
    training_room: float | None
    tolerance: float


def _scale(c: np.ndarray) -> np.ndarray:
    """Capacity, or 1 where there is none (demand then stays in its units)."""
    return np.where(c > 0, c, 1.0)


def _count_short(unmet: np.ndarray, demand: np.ndarray, tol: float) -> np.ndarray:
    """Paths per period whose unmet demand exceeds ``tol`` x demand."""
    limit = demand * tol if tol > 0 else 0.0
    return np.count_nonzero(unmet > limit, axis=1)


def _block(
    k: _Constants,
    base: np.ndarray,
    phi: np.ndarray | None,
    trn: np.ndarray,
    out: dict[str, np.ndarray | None],
    acc: dict[str, np.ndarray],
    col: slice,
) -> None:
    """Evaluate one block of paths; store kept arrays, add per-period sums."""
    n_t, n = base.shape
    # fleet share the demand needs, no spikes; float32 from here on (fleet
    # shares need no more than 7 digits, and float32 halves memory traffic);
    # sums over a block's paths are float32 pairwise sums (relative error
    # ~1e-6), added up across blocks in float64; money is float64
    need = np.multiply(base, k.inv_inference[:, None], dtype=np.float32)
    f_b = np.minimum(need, k.inference_cap)
    if phi is not None:
        f_inf = np.multiply(need, k.multiplier)
        np.minimum(f_inf, k.inference_cap, out=f_inf)
        f_inf -= f_b
        f_inf *= phi
        f_inf += f_b  # average share over the quarter, spikes included
        spike = np.multiply(phi, k.multiplier - 1.0, dtype=np.float32)
        spike += 1.0
        need *= spike  # demand with spikes, in fleet shares
    else:
        f_inf = f_b
    if k.no_inference_rows.size:
        f_inf[k.no_inference_rows] = 0.0
        f_b[k.no_inference_rows] = 0.0
    unmet = np.subtract(need, f_inf)
    acc["unmet_inference_sum"] += unmet.sum(axis=1)
    acc["shortfall_inference_count"] += _count_short(unmet, need, k.tolerance)
    share = k.inference_scale @ unmet
    total = k.inference_scale @ need
    out["unmet_inference_share"][col] = np.divide(  # type: ignore[index]
        share, total, out=np.zeros_like(share), where=total > 0
    )
    want = np.multiply(trn, k.inv_training[:, None], dtype=np.float32)
    wanted = want.copy() if k.tolerance > 0 else want  # only read for the limit
    if k.training_room is None:  # product first: research gets the rest
        room = np.subtract(1.0, f_inf)
        f_trn = np.minimum(want, room)
        if phi is not None:  # without spikes research could have had 1 - f_b
            np.subtract(1.0, f_b, out=room)
            np.minimum(want, room, out=room)
            room -= f_trn
            acc["research_lost_sum"] += room.sum(axis=1)
    else:
        f_trn = np.minimum(want, k.training_room)
    if k.no_training_rows.size:
        f_trn[k.no_training_rows] = 0.0
    unmet_t = np.subtract(want, f_trn, out=want)
    acc["unmet_training_sum"] += unmet_t.sum(axis=1)
    acc["shortfall_training_count"] += _count_short(unmet_t, wanted, k.tolerance)
    acc["inference_share_sum"] += f_inf.sum(axis=1)
    acc["training_share_sum"] += f_trn.sum(axis=1)
    kept = {name: out[name] for name in _KEPT}
    util, un_inf, un_trn = (
        kept["utilisation"],
        kept["unmet_inference_tokens"],
        kept["unmet_training_flop"],
    )
    if util is not None and un_inf is not None and un_trn is not None:
        np.add(f_inf, f_trn, out=util[:, col])
        np.multiply(unmet, k.inference_scale32, out=un_inf[:, col])
        np.multiply(unmet_t, k.training_scale32, out=un_trn[:, col])
    cash = np.empty((n_t, n))
    tmp = np.empty(n)
    for t in range(n_t):  # one period at a time: every other operand is a scalar
        row = np.multiply(f_inf[t], k.usd_per_inference_fraction[t], out=cash[t])
        np.multiply(f_trn[t], k.usd_per_training_fraction[t], out=tmp)
        row += tmp
        row -= k.cost_usd[t]
    if kept["cash_flow_usd"] is not None:
        kept["cash_flow_usd"][:, col] = cash
    out["npv_usd"][col] = k.discount @ cash  # type: ignore[index]
    for t in range(1, n_t):  # cumulative cash flow, in place
        cash[t] += cash[t - 1]
    # 1 + the last period with cumulative cash < 0 (0 if never negative)
    after_last_negative = np.max((cash < 0.0) * k.period_number, axis=0)
    be = after_last_negative.astype(np.int64)
    be[be == n_t] = -1  # still negative at the horizon end
    out["break_even_index"][col] = be  # type: ignore[index]


_KEPT = (
    "unmet_inference_tokens",
    "unmet_training_flop",
    "utilisation",
    "cash_flow_usd",
)


def evaluate(
    capacity: Capacity,
    paths: DemandPaths,
    finance: Finance,
    policy: Policy | None = None,
    *,
    shortfall_tolerance: float = 0.0,
    keep_paths: bool = True,
    workers: int = 2,
    block_paths: int = BLOCK_PATHS,
) -> Evaluation:
    """Serve every demand path with the plan's capacity and price the outcome.

    Parameters
    ----------
    capacity : Capacity
        The plan per period (its periods must match the paths').
    paths : DemandPaths
        Demand, arrays ``(period, path)``.
    finance : Finance
        Prices and discount rate.
    policy : Policy, optional
        Sharing between inference and training; default product first.
    shortfall_tolerance : float
        A period counts as a shortfall when unmet demand exceeds this share of
        demand. [dimensionless]
    keep_paths : bool
        Keep the ``(period, path)`` arrays (needed for percentiles).
    workers : int
        Threads.
    block_paths : int
        Paths per block.

    Returns
    -------
    Evaluation
        Per-path and per-period results (allocation and money in the module
        docstring).
    """
    policy = policy or Policy()
    if tuple(capacity.periods) != tuple(paths.periods):
        raise InputError(
            "plan.periods",
            f"{capacity.periods[0]}..{capacity.periods[-1]}",
            f"must match the demand periods {paths.periods[0]}..{paths.periods[-1]}",
        )
    n_t, n = len(paths.periods), paths.n_paths
    t_idx = np.arange(n_t)
    if policy.kind == "fixed_shares":
        cap, room = policy.inference_share, 1.0 - policy.inference_share
    else:
        cap, room = 1.0, None
    c_inf = capacity.inference_capacity_tokens
    c_trn = capacity.training_capacity_flop
    k = _Constants(
        inference_scale=_scale(c_inf),
        training_scale=_scale(c_trn),
        inference_scale32=_scale(c_inf).astype(np.float32)[:, None],
        training_scale32=_scale(c_trn).astype(np.float32)[:, None],
        inv_inference=1.0 / _scale(c_inf),
        inv_training=1.0 / _scale(c_trn),
        no_inference_rows=np.flatnonzero(c_inf <= 0),
        no_training_rows=np.flatnonzero(c_trn <= 0),
        usd_per_inference_fraction=c_inf / 1e6 * finance.price_usd_per_mtoken,
        usd_per_training_fraction=(
            capacity.accelerator_hours * finance.price_usd_per_accelerator_hour
        ),
        cost_usd=capacity.capex_usd + capacity.opex_usd,
        discount=(1.0 + finance.discount_rate) ** (-t_idx / 4.0),
        period_number=np.arange(1, n_t + 1, dtype=np.int32)[:, None],
        multiplier=paths.launch_multiplier,
        inference_cap=cap,
        training_room=room,
        tolerance=shortfall_tolerance,
    )
    out: dict[str, np.ndarray | None] = {
        name: (np.empty((n_t, n), np.float32) if keep_paths else None) for name in _KEPT
    }
    out["npv_usd"] = np.empty(n)
    out["break_even_index"] = np.empty(n, dtype=np.int64)
    out["unmet_inference_share"] = np.empty(n)
    sums = (
        "unmet_inference_sum",
        "unmet_training_sum",
        "research_lost_sum",
        "inference_share_sum",
        "training_share_sum",
    )
    starts = list(range(0, n, block_paths))
    n_workers = max(1, min(workers, len(starts)))
    groups = [starts[i::n_workers] for i in range(n_workers)]

    def run(group: Sequence[int]) -> dict[str, np.ndarray]:
        acc = {s: np.zeros(n_t) for s in sums}
        acc["shortfall_inference_count"] = np.zeros(n_t, dtype=np.int64)
        acc["shortfall_training_count"] = np.zeros(n_t, dtype=np.int64)
        for a in group:
            col = slice(a, min(a + block_paths, n))
            phi = paths.launch_fraction
            _block(
                k,
                paths.inference_tokens[:, col],
                None if phi is None else phi[:, col],
                paths.training_flop[:, col],
                out,
                acc,
                col,
            )
        return acc

    if n_workers == 1:
        parts = [run(groups[0])]
    else:
        with ThreadPoolExecutor(n_workers) as pool:
            parts = list(pool.map(run, groups))
    tot: dict[str, np.ndarray] = {
        name: np.sum([p[name] for p in parts], axis=0) for name in parts[0]
    }
    revenue = (
        tot["inference_share_sum"] * k.usd_per_inference_fraction
        + tot["training_share_sum"] * k.usd_per_training_fraction
    )
    return Evaluation(
        periods=tuple(paths.periods),
        n_paths=n,
        npv_usd=out["npv_usd"],  # type: ignore[arg-type]
        break_even_index=out["break_even_index"],  # type: ignore[arg-type]
        unmet_inference_share=out["unmet_inference_share"],  # type: ignore[arg-type]
        shortfall_inference_count=tot["shortfall_inference_count"],
        shortfall_training_count=tot["shortfall_training_count"],
        unmet_inference_tokens_sum=tot["unmet_inference_sum"] * k.inference_scale,
        unmet_training_flop_sum=tot["unmet_training_sum"] * k.training_scale,
        research_lost_to_launches_flop_sum=tot["research_lost_sum"] * c_trn,
        utilisation_sum=tot["inference_share_sum"] + tot["training_share_sum"],
        revenue_usd_sum=revenue,
        cash_flow_usd_sum=revenue - n * k.cost_usd,
        **{name: out[name] for name in _KEPT},  # type: ignore[arg-type]
    )


def row_quantiles(
    values: np.ndarray, quantiles: Sequence[float], workers: int = 2
) -> np.ndarray:
    """Quantiles of each row (:func:`numpy.quantile`, linear), ``(row, quantile)``.

    One row per task, rows shared among ``workers`` threads: numpy selects
    (partitions) rather than sorts, and a contiguous row is its fastest case.
    """
    qs = np.asarray(quantiles, float)

    def one(row: np.ndarray) -> np.ndarray:
        return np.quantile(row, qs)

    if workers <= 1 or values.shape[0] == 1:
        return np.array([one(r) for r in values])
    with ThreadPoolExecutor(workers) as pool:
        return np.array(list(pool.map(one, values)))


def cvar(values: np.ndarray, level: float) -> float:
    """Mean of the worst (lowest) ``level`` share of ``values`` (expected shortfall).

    Uses the ``ceil(level * n)`` lowest values, the usual sample estimator [1]_.

    References
    ----------
    .. [1] C. Acerbi, D. Tasche, "On the coherence of expected shortfall",
       J. Banking & Finance 26 (2002) 1487-1503.

    Examples
    --------
    >>> cvar(np.arange(100.0), 0.05)
    2.0
    """
    m = max(1, math.ceil(level * values.size - 1e-9))  # 0.05 * 100 is 5.000...1
    return float(np.partition(values, m - 1)[:m].mean())
