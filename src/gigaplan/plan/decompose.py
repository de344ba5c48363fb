r"""Scenario decomposition of the plan LP: the trust-region L-shaped method.

The extensive form of a two-stage plan has one block of rows and columns per
demand scenario, tied only by the first-stage (shared) columns :math:`x`:

.. math::

    \min_x\; c^\top x + \sum_s Q_s(x), \qquad
    Q_s(x) = \min_{y_s} \{ q_s^\top y_s : W_s y_s \gtreqless h_s - T_s x \}.

Benders' L-shaped method [1]_ solves a small *master* LP over :math:`x` and one
value :math:`\theta_s` per scenario, and adds cuts from the scenario LPs:

- optimality cut :math:`\theta_s \ge Q_s(\hat x) - \pi_s^\top T_s (x - \hat x)`,
  with :math:`\pi_s` the row duals of scenario :math:`s` at :math:`\hat x`
  (:math:`\partial Q_s / \partial h_s`);
- feasibility cut :math:`v_s(\hat x) - \sigma_s^\top T_s (x - \hat x) \le 0`,
  from the phase-1 LP :math:`v_s` (sum of elastic slacks on the rows that
  :math:`x` enters) when scenario :math:`s` has no solution at :math:`\hat x`.

One scenario (the first) stays whole in the master, as in partial Benders
decomposition [3]_: the master then knows the physical limits every scenario
shares (a site, its power, lead times), so its first-stage proposals are
rarely infeasible for the others, and its plan for that scenario is the
starting point. On the 4-scenario benchmark this took 25 iterations; keeping
no scenario (starting from nothing built) took 304, most of them repairing
infeasible proposals with feasibility cuts. Master steps are kept inside an
:math:`\ell_\infty` box around the incumbent that grows or shrinks with the
ratio of actual to predicted decrease, the trust-region method of Linderoth
and Wright [2]_ (their Procedure 1 and Algorithm TR). Cut rows that have had
no dual for :data:`DROP_IDLE_AFTER` master solves are deleted (Linderoth and
Wright drop inactive cuts the same way), so the master does not grow by one
row per scenario every round. Scenario LPs are kept as arrays and a simplex
basis (:mod:`gigaplan.plan.scenario_lp`) and re-solved warm with the dual
simplex after each master step (only their row bounds change), in threads
(HiGHS releases the GIL while it solves) or on the workers of a Dask cluster
(:mod:`gigaplan.plan.cluster`). Up to :data:`OWN_SOLVERS` scenarios each
keep a HiGHS object between rounds; more share one per thread, so memory
grows with the scenarios' arrays only.

The method reads the linopy model's own matrices, so every limit of the plan
(deals, budgets, CO2 cap, must-serve shares, CVaR) is decomposed without a
second formulation; :func:`split_by_scenario` finds the blocks from the
``scenario`` coordinate of each row and column. The solution and duals are
written back onto the linopy model, so results and the bottleneck table are
read exactly as after a direct solve. The duals of scenario rows are the
master's cut duals applied to the scenario duals that made each cut, a convex
combination of dual solutions of that scenario; with the master's own duals
they form a dual solution of the whole LP whose objective is the master's
bound (tested: :math:`b^\top y = c^\top x` and no reduced cost of the wrong
sign, to 1e-6).

References
----------
.. [1] R. M. Van Slyke and R. Wets, "L-shaped linear programs with applications
   to optimal control and stochastic programming", SIAM Journal on Applied
   Mathematics 17(4), 638-663, 1969.
.. [2] J. Linderoth and S. Wright, "Decomposition algorithms for stochastic
   programming on a computational grid", Computational Optimization and
   Applications 24, 207-250, 2003, section 4.
.. [3] T. G. Crainic, M. Hewitt, F. Maggioni and W. Rei, "Partial Benders
   decomposition: general methodology and application to stochastic network
   design", Transportation Science 55(2), 414-435, 2021.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp

from gigaplan.errors import InfeasibleError, SolverError
from gigaplan.plan.scenario_lp import (
    Cut,
    ScenarioData,
    ScenarioGroup,
    cut_block,
    new_highs,
    pass_lp,
    reduce_bound_rows,
    row_bounds,
    run,
    share_equal,
)

log = logging.getLogger(__name__)

#: Master LP's primal feasibility tolerance (the HiGHS default). See
#: :class:`Master`.
MASTER_PRIMAL_TOL = 1e-7
#: A cut row without a dual in this many master solves in a row is deleted.
DROP_IDLE_AFTER = 3
#: Scenario LPs keep a HiGHS object of their own between rounds when there
#: are at most this many of them; with more, they all share one per thread,
#: so memory stays flat in the number of scenarios. An own solver re-solves
#: without setting a basis and re-factorising (about 22 instead of 34 ms a
#: warm re-solve on the benchmark case, one thread) but holds about 16 MB
#: after some rounds (50 benchmark scenarios, all own: 1.33 GB peak; none
#: own: 0.63 GB, 1 thread, 15-19 rounds either way).
OWN_SOLVERS = 64


class Scenarios(Protocol):
    """Where the scenario LPs live: this process (:class:`ScenarioGroup`) or
    a Dask cluster (:class:`gigaplan.plan.cluster.DaskScenarios`)."""

    def evaluate(
        self, x: np.ndarray, dropped: list[tuple[int, int]] | None = None
    ) -> list[Cut]:
        """Cuts of every scenario at ``x``, after forgetting ``dropped`` cuts.

        Parameters
        ----------
        x : numpy.ndarray
            First-stage (shared) columns, in the master's column order.
        dropped : list of (slot, cut index), optional
            Cuts the master no longer holds.

        Returns
        -------
        cuts : list of Cut
            An optimality or feasibility cut per scenario.
        """

    def finish(
        self, weights: dict[int, dict[int, float]]
    ) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(scenario, primal, row duals) of every scenario.

        Parameters
        ----------
        weights : dict
            Scenario slot -> cut index -> the master's dual of that cut
            (:meth:`Master.cut_weights`).

        Returns
        -------
        list of (scenario, primal, row duals)
            Each scenario's columns at its last solve and its rows' duals.
        """

    def solve_s(self) -> float:
        """Seconds in scenario solves, summed over threads.

        Returns
        -------
        seconds : float
            Time in scenario solves. [s]
        """

    def tolerated(self) -> int:
        """Scenario solves accepted with row violations within tolerance.

        Returns
        -------
        count : int
            Number of such solves.
        """

    def close(self) -> None:
        """Release threads or actors."""


__all__ = ["Split", "solve_decomposed", "split_by_scenario"]


@dataclass(frozen=True)
class Split:
    """The extensive-form LP cut into a master block and scenario blocks.

    Positions index the arrays of ``linopy.Model.matrices`` (active columns
    and rows only).
    """

    A: sp.csr_array
    b: np.ndarray
    sense: np.ndarray  # '<', '>' or '=' per row
    c: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    link: np.ndarray  # positions of the shared (first-stage) columns
    vlabels: np.ndarray  # linopy label of each column position
    clabels: np.ndarray  # linopy label of each row position
    master_rows: np.ndarray  # rows that hold shared columns only
    scenario_cols: list[np.ndarray]
    scenario_rows: list[np.ndarray]
    col_owner: np.ndarray  # scenario of each column, -1 for a shared one
    col_local: np.ndarray  # its position in its scenario's columns or in link


def _scenario_of_labels(container: Any, dim: str) -> np.ndarray:
    """Scenario position of each label of linopy variables or constraints.

    Returns an array indexed by label: the position along ``dim``, or -1 for
    a label of an item without that dimension (or a masked slot).
    """
    size = max(
        (int(item.labels.values.max()) for _, item in container.items()), default=-1
    )
    out = np.full(size + 1, -1, dtype=np.int64)
    for _, item in container.items():
        labels = item.labels
        if dim not in labels.dims:
            continue
        shape = [labels.sizes[d] if d == dim else 1 for d in labels.dims]
        pos = np.arange(labels.sizes[dim]).reshape(shape)
        flat = labels.values.ravel()
        keep = flat != -1
        out[flat[keep]] = np.broadcast_to(pos, labels.shape).ravel()[keep]
    return out


def split_by_scenario(model: Any, dim: str = "scenario") -> Split:
    """Find the master and scenario blocks of ``model`` from its coordinates.

    A column is *shared* when it has no ``dim`` coordinate or appears in rows
    of more than one scenario (or in a row without ``dim``); otherwise it
    belongs to the one scenario whose rows hold it. A row that holds no
    scenario column goes to the master.

    Parameters
    ----------
    model : linopy.Model
        A continuous LP (no integers) whose rows and columns over ``dim``
        are the scenario blocks.
    dim : str
        The scenario dimension.

    Returns
    -------
    Split
    """
    mat = model.matrices
    a = sp.csr_array(mat.A)
    row_s = _scenario_of_labels(model.constraints, dim)[mat.clabels]
    col_s = _scenario_of_labels(model.variables, dim)[mat.vlabels]
    coo = a.tocoo()
    n_rows, n_cols = a.shape
    first = np.full(n_cols, np.iinfo(np.int64).max)
    last = np.full(n_cols, -2, dtype=np.int64)
    np.minimum.at(first, coo.col, row_s[coo.row])
    np.maximum.at(last, coo.col, row_s[coo.row])
    local = (col_s >= 0) & (first == last) & (first >= 0)
    owner = np.where(local, first, -1)
    holds_local = np.zeros(n_rows, dtype=bool)
    np.logical_or.at(holds_local, coo.row, local[coo.col])
    n_scen = int(owner.max()) + 1
    scenario_cols = _positions_by(owner, n_scen)
    col_local = np.empty(n_cols, dtype=np.int64)
    link = np.flatnonzero(~local)
    for cols in [link, *scenario_cols]:
        col_local[cols] = np.arange(len(cols))
    return Split(
        A=a,
        b=np.asarray(mat.b, dtype=float),
        sense=np.asarray(mat.sense),
        c=np.asarray(mat.c, dtype=float),
        lb=np.asarray(mat.lb, dtype=float),
        ub=np.asarray(mat.ub, dtype=float),
        vlabels=np.asarray(mat.vlabels),
        clabels=np.asarray(mat.clabels),
        link=link,
        master_rows=np.flatnonzero(~holds_local),
        scenario_cols=scenario_cols,
        scenario_rows=_positions_by(np.where(holds_local, row_s, -1), n_scen),
        col_owner=owner,
        col_local=col_local,
    )


def _positions_by(group: np.ndarray, n: int) -> list[np.ndarray]:
    """Positions of each value 0..n-1 in ``group`` (ascending; -1 left out).

    One stable sort instead of ``n`` scans (200 scenarios: 1.7 s -> 0.4 s).
    """
    order = np.argsort(group, kind="stable")
    counts = np.bincount(group[group >= 0], minlength=n)
    start = int(np.count_nonzero(group < 0))
    return np.split(order[start:], np.cumsum(counts)[:-1]) if n else []


def _master_ok(status: str) -> None:
    """Raise unless a master solve is optimal."""
    if status == "infeasible":
        raise InfeasibleError(
            "plan: no first-stage decision leaves every scenario a solution"
        )
    if status != "optimal":
        raise SolverError(f"plan: the decomposition's master LP is {status}")


class Master:
    """The master LP over the shared columns and one :math:`\\theta_s` each.

    HiGHS scales it as usual. With dense cut rows and the default primal
    tolerance (1e-7, on the scaled LP) that left master points off a shared
    row by up to 3e-5 model units, and every scenario LP then called the
    point infeasible (a round of tolerance-sized feasibility cuts: on the
    10-scenario benchmark all 36 had phase-1 values of 4e-7 to 3e-5).
    Turning scaling off removed most such rounds but made master solves
    2.7x slower; a primal tolerance of 1e-9 kept the same 18 (27 with idle
    cuts dropped) feasibility cuts and made master solves 1.3x slower. The
    scenario LPs now accept a point off their rows by at most
    :data:`~gigaplan.plan.scenario_lp.SLACK_TOL` (solved with that slack,
    a relaxation, so its cut stays valid): no feasibility cut was left and
    iterations fell from 34 to 27, so the master keeps HiGHS's tolerance.
    """

    def __init__(
        self,
        split: Split,
        theta_lower: np.ndarray,
        kept: int = 0,
        cut_groups: int | None = None,
    ) -> None:
        self.n_link = len(split.link)
        self.n_scen = len(theta_lower)
        n_theta = min(cut_groups or self.n_scen, self.n_scen)
        #: theta of each scenario slot: contiguous groups share one
        self.group_of = np.arange(self.n_scen) * n_theta // self.n_scen
        self.group_size = np.bincount(self.group_of, minlength=n_theta)
        theta_lower = np.bincount(self.group_of, theta_lower, minlength=n_theta)
        self.kept_cols = split.scenario_cols[kept]
        self.kept_rows = split.scenario_rows[kept]
        # the kept scenario's single-column rows are bounds here too, as in
        # the scenario LPs (a master solve is a warm re-solve: no presolve)
        self.kept_bounds, kept_lb, kept_ub = reduce_bound_rows(
            *cut_block(split, kept), split.lb[self.kept_cols], split.ub[self.kept_cols]
        )
        cols = np.concatenate([split.link, self.kept_cols])
        rows = np.concatenate(
            [split.master_rows, self.kept_rows[self.kept_bounds.kept]]
        )
        self.lb = split.lb[split.link]
        self.ub = split.ub[split.link]
        block = split.A[rows][:, cols]
        matrix = sp.csc_array(sp.hstack([block, sp.csr_array((len(rows), n_theta))]))
        cost = np.concatenate([split.c[cols], np.ones(n_theta)])
        bounds = (
            np.concatenate([self.lb, kept_lb, theta_lower]),
            np.concatenate([self.ub, kept_ub, np.full(n_theta, np.inf)]),
        )
        self.lp = new_highs()
        self.lp.setOptionValue("primal_feasibility_tolerance", MASTER_PRIMAL_TOL)
        pass_lp(
            self.lp, matrix, cost, bounds, row_bounds(split.sense[rows], split.b[rows])
        )
        self.n_master_rows = len(split.master_rows)
        self.n_rows = len(rows)
        self.theta0 = len(cols)
        self.kept_cost = split.c[self.kept_cols]
        #: the kept scenario's columns and the row duals of the last solve
        self.last: tuple[np.ndarray, np.ndarray] = (np.empty(0), np.empty(0))
        self.kept_col_dual = np.empty(0)  # and its columns' reduced costs
        #: per cut row, the (scenario slot, cut index) pairs summed in it
        self.cut_of_row: list[list[tuple[int, int]]] = []
        self.unused: list[tuple[int, int]] = []  # cuts never added as rows
        self.idle = np.zeros(0, dtype=np.int64)  # solves since each cut had a dual
        self.cuts = 0
        self.feasibility_cuts = 0
        self.dropped = 0

    def start(self) -> np.ndarray:
        """A first-stage start: the best plan were every scenario the kept one.

        Solved with the kept scenario's costs scaled by the number of
        scenarios (exact for equal probabilities). Without it the start
        weighs the second stage by one scenario's probability only and
        builds almost nothing (measured with 100 scenarios: eight box
        doublings before a useful step). The kept scenario's columns are then
        re-solved at that start with the true costs.

        Returns
        -------
        x : numpy.ndarray
            The start's shared columns.
        """
        idx = np.arange(self.n_link, self.theta0, dtype=np.int32)
        scale = float(self.n_scen + 1)
        self.lp.changeColsCost(len(idx), idx, self.kept_cost * scale)
        try:
            status, x, _ = self.solve(None, 0.0)
        finally:
            self.lp.changeColsCost(len(idx), idx, self.kept_cost)
        _master_ok(status)
        self.solve(x, 0.0)
        return x

    def _rows(self, cuts: list[Cut]) -> list[tuple[Cut, list[tuple[int, int]]]]:
        """Cuts as master rows: optimality cuts summed per theta group.

        A group's optimality cuts are summed only when every scenario of the
        group gave one at this point (a scenario without a solution gives a
        feasibility cut instead); otherwise they are left out.
        """
        out = [(c, [(c.slot, c.index)]) for c in cuts if not c.optimality]
        by_group: dict[int, list[Cut]] = {}
        for c in cuts:
            if c.optimality:
                by_group.setdefault(int(self.group_of[c.slot]), []).append(c)
        for g, members in by_group.items():
            pairs = [(c.slot, c.index) for c in members]
            if len(members) < self.group_size[g]:
                self.unused += pairs
                continue
            total = Cut(
                scenario=members[0].scenario,
                slot=g,
                optimality=True,
                value=sum(c.value for c in members),
                grad=np.sum([c.grad for c in members], axis=0),
                index=-1,
            )
            out.append((total, pairs))
        return out

    def add(self, cuts: list[Cut], x_hat: np.ndarray) -> None:
        """Add cuts generated at ``x_hat`` as rows (optimality cuts by group).

        Parameters
        ----------
        cuts : list of Cut
            Cuts from the scenario solves at ``x_hat``.
        x_hat : numpy.ndarray
            The shared columns the cuts were made at.
        """
        starts, index, value, lower, upper = [], [], [], [], []
        nnz = 0
        rows = self._rows(cuts)
        for cut, _ in rows:
            tiny = 1e-11 * max(1.0, float(np.max(np.abs(cut.grad), initial=0.0)))
            g = np.where(np.abs(cut.grad) > tiny, cut.grad, 0.0)
            cols = np.flatnonzero(g)
            const = cut.value - float(g @ x_hat)
            starts.append(nnz)
            if cut.optimality:  # theta_s - g.x >= const
                index += [*cols.tolist(), self.theta0 + cut.slot]
                value += [*(-g[cols]).tolist(), 1.0]
                lower.append(const)
                upper.append(np.inf)
                nnz += len(cols) + 1
            else:  # g.x <= -const
                index += cols.tolist()
                value += g[cols].tolist()
                lower.append(-np.inf)
                upper.append(-const)
                nnz += len(cols)
        self.cut_of_row += [pairs for _, pairs in rows]
        self.idle = np.concatenate([self.idle, np.zeros(len(rows), dtype=np.int64)])
        self.lp.addRows(
            len(rows),
            np.asarray(lower),
            np.asarray(upper),
            nnz,
            np.asarray(starts, dtype=np.int32),
            np.asarray(index, dtype=np.int32),
            np.asarray(value, dtype=float),
        )
        self.cuts += len(cuts)
        self.feasibility_cuts += sum(not cut.optimality for cut in cuts)

    def solve(
        self, center: np.ndarray | None, radius: float
    ) -> tuple[str, np.ndarray, float]:
        """Solve within the box ``|x - center| <= radius`` (none: no box).

        Returns status, the shared columns and the model value (objective);
        the kept scenario's columns and the row duals stay in ``last``.

        Parameters
        ----------
        center : numpy.ndarray or None
            Centre of the trust region; None solves without one.
        radius : float
            Half-width of the box, in each column's own unit.

        Returns
        -------
        status : str
            ``"optimal"``, ``"infeasible"`` or HiGHS's status text.
        x : numpy.ndarray
            The shared columns.
        value : float
            The master's objective. [USD]
        """
        lo, up = self.lb, self.ub
        if center is not None:
            lo = np.maximum(lo, center - radius)
            up = np.minimum(up, center + radius)
        idx = np.arange(self.n_link, dtype=np.int32)
        self.lp.changeColsBounds(self.n_link, idx, lo, up)
        status = run(self.lp)
        if status != "optimal":
            return status, np.empty(0), np.nan
        sol = self.lp.getSolution()
        col = np.asarray(sol.col_value)
        self.last = (col[self.n_link : self.theta0], np.asarray(sol.row_dual))
        self.kept_col_dual = np.asarray(sol.col_dual)[self.n_link : self.theta0]
        used = self.last[1][self.n_rows :] != 0.0
        self.idle = np.where(used, 0, self.idle + 1)
        return (
            status,
            col[: self.n_link],
            float(self.lp.getInfo().objective_function_value),
        )

    def drop_idle(self, after: int) -> list[tuple[int, int]]:
        """Delete the cut rows without a dual in the last ``after`` solves.

        Returns the (slot, cut index) pairs deleted. Idle cuts only slow the
        master (with 200 scenarios it gains 200 rows a round) and keep their
        scenario's duals in memory; a cut that is needed again comes back
        from the next scenario solve near the point that made it.

        Parameters
        ----------
        after : int
            Solves a cut may go without a dual before it is deleted.

        Returns
        -------
        list of (slot, cut index)
            The cuts deleted now and since the last call.
        """
        out, self.unused = self.unused, []
        gone = np.flatnonzero(self.idle >= after)
        if len(gone) == 0:
            return out
        self.lp.deleteRows(len(gone), (self.n_rows + gone).astype(np.int32))
        keep = np.ones(len(self.idle), dtype=bool)
        keep[gone] = False
        out += [pair for i in gone for pair in self.cut_of_row[i]]
        self.cut_of_row = [c for c, k in zip(self.cut_of_row, keep, strict=True) if k]
        self.idle = self.idle[keep]
        self.dropped += len(gone)
        return out

    def cut_weights(self) -> dict[int, dict[int, float]]:
        """Per scenario slot, the last solve's dual of each of its cuts.

        A summed (grouped) cut gives its dual to each scenario cut in it.

        Returns
        -------
        weights : dict
            Scenario slot -> cut index -> dual (non-zero duals only).
        """
        weights: dict[int, dict[int, float]] = {s: {} for s in range(self.n_scen)}
        duals = self.last[1][self.n_rows :]
        for pairs, w in zip(self.cut_of_row, duals, strict=False):
            if w != 0.0:
                for slot, index in pairs:
                    weights[slot][index] = float(w)
        return weights

    def kept_value(self) -> float:
        """Cost of the kept scenario's columns in the last solve.

        Returns
        -------
        cost : float
            The kept scenario's part of the objective. [USD]
        """
        return float(self.kept_cost @ self.last[0])


def _threads() -> int:
    """Cores this process may use."""
    return max(1, len(os.sched_getaffinity(0)))


@dataclass
class _Progress:
    """Trust-region state (Linderoth and Wright, Algorithm TR)."""

    center: np.ndarray
    value: float  # F(center), inf while no feasible point is known
    radius: float
    shrink_count: int = 0


def solve_decomposed(
    model: Any,
    *,
    dim: str = "scenario",
    rel_gap: float = 1e-6,
    time_limit_s: float | None = None,
    threads: int | None = None,
    max_iterations: int = 500,
    cluster: Any = None,
    cut_groups: int | None = None,
) -> dict[str, Any]:
    """Solve a two-stage LP by scenario decomposition; write the result back.

    Parameters
    ----------
    model : linopy.Model
        Continuous LP whose blocks over ``dim`` share only first-stage
        columns (see :func:`split_by_scenario`).
    dim : str
        Scenario dimension.
    rel_gap : float
        Stop when the trust-region model predicts a decrease below
        ``rel_gap * (1 + |F|)``, :math:`F` the incumbent's cost. [dimensionless]
    time_limit_s : float, optional
        Wall-clock limit. [s]
    threads : int, optional
        Scenario LPs solved at once in this process (default: the cores
        available); unused with ``cluster``.
    max_iterations : int
        Master solves at most.
    cluster : str or distributed.Client, optional
        Solve the scenario LPs on this Dask cluster (scheduler address such
        as ``"tcp://10.0.0.5:8786"``, or a client): each worker keeps its
        scenarios' LPs between rounds (:mod:`gigaplan.plan.cluster`).
    cut_groups : int, optional
        Number of :math:`\theta` in the master: the scenarios solved apart
        are cut into this many contiguous groups and a group's optimality
        cuts are summed into one row (1: single-cut L-shaped; default: one
        per scenario, multi-cut).

    Returns
    -------
    dict
        ``method`` ("benders"), ``iterations``, ``cuts`` (of which
        ``feasibility_cuts``; ``dropped_cuts`` deleted while idle),
        ``tolerated_solves`` (scenario points off their rows by at most
        :data:`~gigaplan.plan.scenario_lp.SLACK_TOL`, solved with that
        allowed),
        ``lower_bound`` and ``upper_bound`` (model units), ``gap`` (relative,
        from a last master solve without the box), ``dual_residual``
        (largest reduced-cost violation of the duals written back, relative
        to the largest cost), ``master_s``, ``scenario_s`` (summed over
        threads), ``round_s`` (wall time of each round of scenario solves),
        ``decompose_s``, ``nnz`` (non-zeros of the whole LP's matrix),
        ``scenarios`` (solved apart from the master) and,
        on a cluster, ``workers``, ``setup_bytes`` and ``round_bytes``
        (pickled bytes sent and received per round).

    Raises
    ------
    InfeasibleError
        A scenario has no solution for any first-stage decision the master
        allows, or the master itself has none.
    SolverError
        Iteration or time limit reached, or a solve stopped for another reason.
    """
    t_start = time.perf_counter()
    split = split_by_scenario(model, dim)
    nnz = int(split.A.nnz)
    data = share_equal(
        ScenarioData.from_split(split, s, s - 1)
        for s in range(1, len(split.scenario_cols))
    )
    theta_lower = np.array([d.lower_bound() for d in data])
    if not np.all(np.isfinite(theta_lower)):
        raise SolverError(
            "plan: a scenario cost has no lower bound; decomposition needs one"
        )
    master = Master(split, theta_lower, cut_groups=cut_groups)
    c_link = split.c[split.link]
    scen: Scenarios
    if cluster is not None:
        from gigaplan.plan.cluster import DaskScenarios

        scen = DaskScenarios(cluster, data, OWN_SOLVERS)
    else:
        scen = ScenarioGroup(data, threads or _threads(), OWN_SOLVERS)
    del data
    master_s = 0.0
    round_s: list[float] = []

    def evaluate(x: np.ndarray) -> tuple[float, list[Cut]]:
        t0 = time.perf_counter()
        cuts = scen.evaluate(x, master.drop_idle(DROP_IDLE_AFTER))
        round_s.append(time.perf_counter() - t0)
        if not all(c.optimality for c in cuts):
            return np.inf, cuts
        kept = master.kept_value()
        return float(c_link @ x) + kept + sum(c.value for c in cuts), cuts

    def unboxed_master() -> tuple[np.ndarray, float]:
        status, x, value = timed_master(None, 0.0)
        _master_ok(status)
        return x, value

    def timed_master(
        center: np.ndarray | None, radius: float
    ) -> tuple[str, np.ndarray, float]:
        nonlocal master_s
        t0 = time.perf_counter()
        try:
            return master.solve(center, radius)
        finally:
            master_s += time.perf_counter() - t0

    try:
        t0 = time.perf_counter()
        x0 = master.start()
        master_s += time.perf_counter() - t0
        value, cuts = evaluate(x0)
        master.add(cuts, x0)
        state = _Progress(center=x0, value=value, radius=_first_radius(x0))
        iterations = 0
        while True:
            iterations += 1
            if iterations > max_iterations:
                raise SolverError(
                    "plan: decomposition did not converge in "
                    f"{max_iterations} iterations"
                )
            if (
                time_limit_s is not None
                and time.perf_counter() - t_start > time_limit_s
            ):
                raise SolverError(
                    "plan: decomposition reached the time limit of "
                    f"{time_limit_s:.0f} s"
                )
            status, x, predicted = timed_master(state.center, state.radius)
            if status != "optimal":  # feasibility cuts leave the box empty
                x, predicted = unboxed_master()
            log.info(
                "decomposition round %d of at most %d (%d scenario LPs each): a "
                "plan up to %.1e cheaper may exist (stops below %.0e)",
                iterations,
                max_iterations,
                len(theta_lower),
                (state.value - predicted) / max(1.0, abs(state.value)),
                rel_gap,
            )
            tol = rel_gap * (1.0 + abs(state.value))
            if np.isfinite(state.value) and state.value - predicted <= tol:
                # Converged in the box: check against the bound without it.
                x, lower = unboxed_master()
                weights = master.cut_weights()
                value, cuts = evaluate(x)
                if value - lower <= tol:
                    break
                master.add(cuts, x)
                _trust_region_step(state, x, value, state.value - lower)
                continue
            value, cuts = evaluate(x)
            master.add(cuts, x)
            _trust_region_step(state, x, value, state.value - predicted)
        residual = _write_back(model, split, scen.finish(weights), x, master)
        scenario_s = scen.solve_s()
        tolerated = scen.tolerated()
        extra: dict[str, Any] = getattr(scen, "figures", dict)()
    finally:
        scen.close()
    return {
        "method": "benders",
        "iterations": iterations,
        "cuts": master.cuts,
        "feasibility_cuts": master.feasibility_cuts,
        "dropped_cuts": master.dropped,
        "tolerated_solves": tolerated,
        "scenarios": len(theta_lower),
        "upper_bound": value,
        "lower_bound": lower,
        "gap": (value - lower) / max(1.0, abs(value)),
        "dual_residual": residual,
        "master_s": master_s,
        "scenario_s": scenario_s,
        "round_s": round_s,
        "decompose_s": time.perf_counter() - t_start,
        "nnz": nnz,
        **extra,
    }


def _first_radius(x: np.ndarray) -> float:
    """Starting box: a tenth of the largest first-stage value of the start."""
    return max(1.0, 0.1 * float(np.max(np.abs(x), initial=0.0)))


def _trust_region_step(
    state: _Progress, x: np.ndarray, value: float, predicted_decrease: float
) -> None:
    """Accept ``x`` or not, and resize the box (Linderoth and Wright, Procedure 1).

    A step is accepted when it achieves at least 1e-4 of the decrease the
    master predicted; the box doubles when a step on its edge achieves half of
    it, and shrinks after steps that make the cost clearly worse.
    """
    actual = state.value - value
    on_edge = (
        float(np.max(np.abs(x - state.center), initial=0.0)) >= 0.999 * state.radius
    )
    if actual >= 1e-4 * predicted_decrease:  # inf - finite: first feasible
        if actual >= 0.5 * predicted_decrease and on_edge:
            state.radius *= 2.0
        state.center, state.value, state.shrink_count = x, value, 0
        return
    if not np.isfinite(value) or predicted_decrease <= 0.0:
        # no decrease was predicted: the unboxed master's bound equals the
        # incumbent's cost and it proposed another point of that bound, which
        # turned out worse; its cuts now exclude it (a null step)
        return
    rho = min(1.0, state.radius) * (-actual) / predicted_decrease
    if rho > 0:
        state.shrink_count += 1
    if rho > 3 or (state.shrink_count >= 3 and 1 < rho <= 3):
        state.radius /= min(rho, 4.0)
        state.shrink_count = 0


def _complementary(split: Split, primal: np.ndarray, dual: np.ndarray) -> np.ndarray:
    """Duals with those of rows the solution does not meet set to zero.

    The combined duals are exact only at zero gap; at the stopping gap a row
    slack by a hair can keep a dual of a few thousandths of the binding ones
    (measured on the benchmark), which would list it as a bottleneck. A row
    counts as slack beyond ``1e-7 * (1 + |b|)``.
    """
    activity = split.A @ primal
    slack = np.where(
        split.sense == "<",
        split.b - activity,
        np.where(split.sense == ">", activity - split.b, 0.0),
    )
    return np.where(slack > 1e-7 * (1.0 + np.abs(split.b)), 0.0, dual)


def _dual_residual(split: Split, primal: np.ndarray, dual: np.ndarray) -> float:
    """Largest reduced-cost violation, relative to the largest cost.

    Zero for an exact optimal dual: :math:`r = c - A^\top y` is zero for
    columns between their bounds, >= 0 at a lower and <= 0 at an upper bound.
    """
    r = split.c - split.A.T @ dual
    tol = 1e-9 * (1.0 + np.abs(primal))
    at_lower = primal <= split.lb + tol
    at_upper = primal >= split.ub - tol
    violation = np.where(
        at_lower & at_upper,
        0.0,
        np.where(at_lower, -r, np.where(at_upper, r, np.abs(r))),
    )
    return float(np.max(violation, initial=0.0) / max(1.0, np.max(np.abs(split.c))))


def _write_back(
    model: Any,
    split: Split,
    scen: list[tuple[int, np.ndarray, np.ndarray]],
    x: np.ndarray,
    master: Master,
) -> float:
    """Primal and duals in model order onto ``model`` (linopy assign_result).

    Returns the dual residual (:func:`_dual_residual`).
    """
    from linopy.constants import (
        Result,
        Solution,
        SolverStatus,
        Status,
        TerminationCondition,
    )

    primal_pos = np.zeros(len(split.c))
    dual_pos = np.zeros(len(split.b))
    primal_pos[split.link] = x
    kept_y, master_dual = master.last
    primal_pos[master.kept_cols] = kept_y
    dual_pos[split.master_rows] = master_dual[: master.n_master_rows]
    dual_pos[master.kept_rows] = master.kept_bounds.row_duals(
        master_dual[master.n_master_rows : master.n_rows], master.kept_col_dual
    )
    for s, primal, duals in scen:
        primal_pos[split.scenario_cols[s]] = primal
        dual_pos[split.scenario_rows[s]] = duals
    dual_pos = _complementary(split, primal_pos, dual_pos)
    residual = _dual_residual(split, primal_pos, dual_pos)
    n_var = max(item.range[1] for _, item in model.variables.items())
    n_con = max(item.range[1] for _, item in model.constraints.items())
    primal = np.full(n_var, np.nan)
    primal[split.vlabels] = primal_pos
    dual = np.full(n_con, np.nan)
    dual[split.clabels] = dual_pos
    scaling = model.objective.scaling  # split.c is already scaled by it
    objective = (
        float(split.c @ primal_pos) + float(model.objective.expression.const) * scaling
    )
    status = Status(SolverStatus.ok, TerminationCondition.optimal)
    model.assign_result(Result(status, Solution(primal, dual, objective)))
    return residual
