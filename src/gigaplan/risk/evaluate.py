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
depreciation are left out (pre-tax cash flow). When the plan credits what it
bought with the life left at the horizon's end (``end_value_usd``, plan
``end_value``), the NPV adds that value as a terminal value, discounted from
one quarter after the last period; the cash flows and break-even do not.
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from gigaplan.demand.paths import DemandPaths
from gigaplan.errors import InputError
from gigaplan.periods import quarter_index, quarterly_discount
from gigaplan.plan.capacity import CAPACITY_COLUMNS
from gigaplan.risk.schema import Finance

log = logging.getLogger(__name__)

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
    planning_utilisation: float | None = None
    #: value left at the horizon's end of what each period bought [USD]
    end_value_usd: np.ndarray | None = None

    @classmethod
    def from_table(cls, frame: pd.DataFrame, where: str = "plan") -> Capacity:
        """Check a capacity table (as the plan stage writes it) and wrap it.

        Parameters
        ----------
        frame : pandas.DataFrame
            One row per period with the columns of
            :data:`gigaplan.results.RISK_CAPACITY`.
        where : str
            Where the table came from, for error messages.

        Returns
        -------
        Capacity
            The checked table's columns as arrays.
        """
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
        planned = None
        if "planning_utilisation" in frame.columns:
            u = pd.to_numeric(frame["planning_utilisation"], errors="coerce")
            if not (np.all(np.isfinite(u)) and np.all((u > 0) & (u <= 1))):
                raise InputError(
                    f"{where}.planning_utilisation", u.to_numpy(), "a share in (0, 1]"
                )
            planned = float(u.iloc[0])
        end_value = None
        if "end_value_usd" in frame.columns:
            end_value = pd.to_numeric(frame["end_value_usd"], errors="coerce")
            end_value = end_value.to_numpy(float)
            if not np.all(np.isfinite(end_value)) or np.any(end_value < 0):
                raise InputError(
                    f"{where}.end_value_usd", end_value, "must be finite and >= 0"
                )
        return cls(
            periods=periods,
            **values,
            planning_utilisation=planned,
            end_value_usd=end_value,
        )

    def terminal_value_usd(self) -> float:
        """Value left at the horizon's end of everything bought (0 if not given).

        Returns
        -------
        float
            Value of what was bought, with the life left at the horizon's end. [$]
        """
        return 0.0 if self.end_value_usd is None else float(self.end_value_usd.sum())

    def scaled(self, factor: float) -> Capacity:
        """The same plan with every capacity (not cost) times ``factor``.

        Parameters
        ----------
        factor : float
            Multiplies every capacity column. [dimensionless]

        Returns
        -------
        Capacity
            A new capacity; costs and periods unchanged.
        """
        return Capacity(
            self.periods,
            self.inference_capacity_tokens * factor,
            self.training_capacity_flop * factor,
            self.accelerator_hours * factor,
            self.capex_usd,
            self.opex_usd,
            self.it_mw * factor,
            self.facility_mw * factor,
            self.planning_utilisation,
            self.end_value_usd,
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
        Unmet / demanded inference tokens over the horizon, per path; both
        sums are float32 dot products over the periods (relative error below
        4e-6, measured 4e-7 against float64 sums). [dimensionless]
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
    """Per-period numbers shared by every block.

    Columns ``(period, 1)`` broadcast over a block's paths; scalars are used
    wherever a number is the same in every period (numpy runs an operation
    with a scalar about twice as fast as one with a broadcast column). A
    period without capacity uses scale 1 (so unmet demand keeps its size)
    and has its served fractions set to 0.
    """

    inv_inference32: np.ndarray
    inv_training32: np.ndarray
    inference_scale32: np.ndarray
    training_scale32: np.ndarray
    inference_scale_row32: np.ndarray
    no_inference_rows: np.ndarray
    no_training_rows: np.ndarray
    usd_per_inference_fraction: np.ndarray
    usd_per_training_fraction: np.ndarray
    cost_usd: np.ndarray
    discount: np.ndarray
    terminal_pv_usd: float
    period_number: np.ndarray
    multiplier: float
    inference_cap: float
    training_room: float | None
    tolerance: float


class _Scratch:
    """One worker's working arrays ``(period, block_paths)``, reused per block.

    About 8 float32 arrays and 2 float64 ones: 26 x ``block_paths`` x
    ``period`` bytes, 3.4 MB at 4096 paths x 32 periods, so a block's
    working set stays in the per-core L2/L3 caches while its input is
    streamed from memory once.
    """

    def __init__(self, n_t: int, n: int) -> None:
        f32 = np.float32
        self.x, self.y, self.a, self.g = (np.empty((n_t, n), f32) for _ in range(4))
        self.f_inf, self.f_trn, self.need, self.unmet = (
            np.empty((n_t, n), f32) for _ in range(4)
        )
        self.cash, self.tmp = np.empty((n_t, n)), np.empty((n_t, n))
        self.flag = np.empty((n_t, n), bool)
        self.last = np.empty((n_t, n), np.uint8)

    def view(self, n: int) -> dict[str, np.ndarray]:
        """The first ``n`` paths of every array."""
        return {k: v[:, :n] for k, v in vars(self).items()}


def _scale(c: np.ndarray) -> np.ndarray:
    """Capacity, or 1 where there is none (demand then stays in its units)."""
    return np.where(c > 0, c, 1.0)


def _count_rows(flag: np.ndarray, out: np.ndarray) -> None:
    """Add the number of True values of each row of ``flag`` to ``out``."""
    for t, row in enumerate(flag):  # 1-d count_nonzero is 3x faster than axis=1
        out[t] += np.count_nonzero(row)


def _block(
    k: _Constants,
    base: np.ndarray,
    phi: np.ndarray | None,
    trn: np.ndarray,
    s: dict[str, np.ndarray],
    out: dict[str, np.ndarray | None],
    acc: dict[str, np.ndarray],
    col: slice,
) -> None:
    """Evaluate one block of paths; store kept arrays, add per-period sums.

    Every step writes into a scratch array of ``s`` (no temporaries). Fleet
    shares are float32 (7 significant digits; float32 halves the bytes every
    pass moves); per-period sums over a block's paths are float32 pairwise
    sums (relative error ~1e-6), added up across blocks in float64; per-path
    sums over the periods are float32 dot products of 32 terms (relative
    error below 4e-6); money is float64.
    """
    cap, m, tol = k.inference_cap, k.multiplier, k.tolerance
    x, y, a, g = s["x"], s["y"], s["a"], s["g"]
    f_inf, f_trn, need, unmet = s["f_inf"], s["f_trn"], s["need"], s["unmet"]
    # fleet share the demand needs outside spikes
    np.multiply(base, k.inv_inference32, out=x, dtype=np.float32)
    if phi is not None:
        f_b = np.minimum(x, cap, out=a)
        np.multiply(x, m, out=g)
        np.minimum(g, cap, out=g)
        g -= f_b
        g *= phi
        np.add(f_b, g, out=f_inf)  # average share over the quarter, spikes included
        np.multiply(phi, m - 1.0, out=need)
        need += 1.0
        need *= x  # demand with spikes, in fleet shares
    else:
        f_b = np.minimum(x, cap, out=f_inf)
        need = x
    if k.no_inference_rows.size:
        f_inf[k.no_inference_rows] = 0.0
        f_b[k.no_inference_rows] = 0.0
    np.subtract(need, f_inf, out=unmet)
    acc["unmet_inference_sum"] += unmet.sum(axis=1)
    if tol > 0:
        np.multiply(need, tol, out=g)
        np.greater(unmet, g, out=s["flag"])
    else:
        np.greater(unmet, 0.0, out=s["flag"])
    _count_rows(s["flag"], acc["shortfall_inference_count"])
    share = np.dot(k.inference_scale_row32, unmet)
    total = np.dot(k.inference_scale_row32, need)
    out["unmet_inference_share"][col] = np.divide(  # type: ignore[index]
        share, total, out=np.zeros(share.shape), where=total > 0
    )
    want = np.multiply(trn, k.inv_training32, out=y, dtype=np.float32)
    if k.training_room is None:  # product first: research gets the rest
        np.subtract(1.0, f_inf, out=g)
        np.minimum(want, g, out=f_trn)
        if phi is not None:  # without spikes research could have had 1 - f_b
            np.subtract(1.0, f_b, out=g)
            np.minimum(want, g, out=g)
            g -= f_trn
            acc["research_lost_sum"] += g.sum(axis=1)
    else:
        np.minimum(want, k.training_room, out=f_trn)
    if k.no_training_rows.size:
        f_trn[k.no_training_rows] = 0.0
    if tol > 0:
        np.multiply(want, tol, out=g)
    unmet_t = np.subtract(want, f_trn, out=want)
    acc["unmet_training_sum"] += unmet_t.sum(axis=1)
    np.greater(unmet_t, g if tol > 0 else 0.0, out=s["flag"])
    _count_rows(s["flag"], acc["shortfall_training_count"])
    acc["inference_share_sum"] += f_inf.sum(axis=1)
    acc["training_share_sum"] += f_trn.sum(axis=1)
    un_inf, un_trn, util, kept_cash = (out[name] for name in _KEPT)
    if util is not None and un_inf is not None and un_trn is not None:
        np.add(f_inf, f_trn, out=util[:, col])
        np.multiply(unmet, k.inference_scale32, out=un_inf[:, col])
        np.multiply(unmet_t, k.training_scale32, out=un_trn[:, col])
    # money in float64: cash = f_inf * usd_inf + f_trn * usd_trn - cost
    cash, tmp = s["cash"], s["tmp"]
    np.copyto(cash, f_inf)
    cash *= k.usd_per_inference_fraction
    np.copyto(tmp, f_trn)
    tmp *= k.usd_per_training_fraction
    cash += tmp
    cash -= k.cost_usd
    if kept_cash is not None:
        np.copyto(kept_cash[:, col], cash, casting="same_kind")
    out["npv_usd"][col] = k.discount @ cash + k.terminal_pv_usd  # type: ignore[index]
    for t in range(1, cash.shape[0]):  # cumulative cash flow, in place
        np.add(cash[t], cash[t - 1], out=cash[t])
    # 1 + the last period with cumulative cash < 0 (0 if never negative)
    np.less(cash, 0.0, out=s["flag"])
    last = np.multiply(s["flag"], k.period_number, out=s["last"])
    be = last.max(axis=0).astype(np.int64)
    be[be == cash.shape[0]] = -1  # still negative at the horizon end
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
    col32 = {  # float32 columns (period, 1)
        "inv_inference32": 1.0 / _scale(c_inf),
        "inv_training32": 1.0 / _scale(c_trn),
        "inference_scale32": _scale(c_inf),
        "training_scale32": _scale(c_trn),
    }
    index_dtype = np.uint8 if n_t < 255 else np.int32
    k = _Constants(
        **{name: v.astype(np.float32)[:, None] for name, v in col32.items()},
        inference_scale_row32=_scale(c_inf).astype(np.float32),
        no_inference_rows=np.flatnonzero(c_inf <= 0),
        no_training_rows=np.flatnonzero(c_trn <= 0),
        usd_per_inference_fraction=(c_inf / 1e6 * finance.price_usd_per_mtoken)[
            :, None
        ],
        usd_per_training_fraction=(
            capacity.accelerator_hours * finance.price_usd_per_accelerator_hour
        )[:, None],
        cost_usd=(capacity.capex_usd + capacity.opex_usd)[:, None],
        discount=quarterly_discount(finance.discount_rate, t_idx),
        # received one quarter after the last period, as the plan credits it
        terminal_pv_usd=capacity.terminal_value_usd()
        * quarterly_discount(finance.discount_rate, n_t),
        period_number=np.arange(1, n_t + 1, dtype=index_dtype)[:, None],
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
    done = [0]
    lock = threading.Lock()
    every = max(1, len(starts) // 10)  # about ten progress lines per evaluation

    def run(group: Sequence[int]) -> dict[str, np.ndarray]:
        acc = {s: np.zeros(n_t) for s in sums}
        acc["shortfall_inference_count"] = np.zeros(n_t, dtype=np.int64)
        acc["shortfall_training_count"] = np.zeros(n_t, dtype=np.int64)
        scratch = _Scratch(n_t, min(block_paths, n))
        for a in group:
            col = slice(a, min(a + block_paths, n))
            s = scratch.view(col.stop - col.start)
            phi = paths.launch_fraction
            _block(
                k,
                paths.inference_tokens[:, col],
                None if phi is None else phi[:, col],
                paths.training_flop[:, col],
                s,
                out,
                acc,
                col,
            )
            with lock:
                done[0] += 1
                if done[0] % every == 0 and n > block_paths:
                    log.info(
                        "paths evaluated: %s/%s",
                        f"{min(done[0] * block_paths, n):,}",
                        f"{n:,}",
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
        tot["inference_share_sum"] * k.usd_per_inference_fraction[:, 0]
        + tot["training_share_sum"] * k.usd_per_training_fraction[:, 0]
    )
    return Evaluation(
        periods=tuple(paths.periods),
        n_paths=n,
        npv_usd=out["npv_usd"],  # type: ignore[arg-type]
        break_even_index=out["break_even_index"],  # type: ignore[arg-type]
        unmet_inference_share=out["unmet_inference_share"],  # type: ignore[arg-type]
        shortfall_inference_count=tot["shortfall_inference_count"],
        shortfall_training_count=tot["shortfall_training_count"],
        unmet_inference_tokens_sum=tot["unmet_inference_sum"] * _scale(c_inf),
        unmet_training_flop_sum=tot["unmet_training_sum"] * _scale(c_trn),
        research_lost_to_launches_flop_sum=tot["research_lost_sum"] * c_trn,
        utilisation_sum=tot["inference_share_sum"] + tot["training_share_sum"],
        revenue_usd_sum=revenue,
        cash_flow_usd_sum=revenue - n * k.cost_usd[:, 0],
        **{name: out[name] for name in _KEPT},  # type: ignore[arg-type]
    )


def row_quantiles(
    values: np.ndarray, quantiles: Sequence[float], workers: int = 2
) -> np.ndarray:
    """Quantiles of each row (:func:`numpy.quantile`, linear), ``(row, quantile)``.

    One row per task, rows shared among ``workers`` threads: numpy selects
    (partitions) rather than sorts, and a contiguous row is its fastest case.

    Parameters
    ----------
    values : ndarray, shape (row, n)
        Values, one row per series (period).
    quantiles : sequence of float
        Quantiles in [0, 1]. [dimensionless]
    workers : int
        Threads sharing the rows.

    Returns
    -------
    ndarray, shape (row, quantile)
        Each row's quantiles, in the unit of ``values``.
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

    Parameters
    ----------
    values : ndarray
        Outcomes, higher is better (NPV, say).
    level : float
        Share of the worst outcomes averaged, in (0, 1]. [dimensionless]

    Returns
    -------
    float
        Mean of the ``ceil(level * n)`` lowest values, in the unit of ``values``.

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
