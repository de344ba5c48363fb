r"""Scenario LPs of the decomposition: data, warm re-solves, a few solvers.

A scenario LP :math:`Q_s(x)` is kept as plain arrays (:class:`ScenarioData`,
picklable, so it can be sent to a Dask worker) plus its last simplex basis.
A :class:`ScenarioGroup` lets the first few scenarios keep a HiGHS object
of their own (fastest re-solve: only row bounds change) and holds one more
per thread for the rest, into which a scenario's LP is passed with its
basis when it is solved, so that re-solve is warm too (dual simplex from the
last basis, no presolve, one more factorisation). Memory is then bounded by
the cap plus the threads, not one solver per scenario (about 13 MB each on
the benchmark case; with one per scenario, 200 scenarios peaked at 6.9 GB).

The rows that first-stage columns enter also have elastic slack columns,
fixed at zero in the scenario LP. When a point has no solution the same
solver becomes the phase-1 LP (costs 0, slacks free at cost 1) for the
feasibility cut.
"""

from __future__ import annotations

import queue
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from gigaplan._solver import quiet_stdout_fd
from gigaplan.errors import InfeasibleError, SolverError

#: A point whose phase-1 value (sum of row violations, model units) is at
#: most this is solved with those violations allowed instead of giving a
#: feasibility cut. On the 10-scenario benchmark every feasibility cut had
#: a value of 4e-7 to 3e-5: master points off a shared row by the master's
#: tolerance, each costing a round of scenario solves.
SLACK_TOL = 1e-4
#: Primal feasibility tolerance of the scenario LPs (HiGHS default 1e-7, on
#: the scaled LP). Master points are off a shared row by up to its own
#: tolerance, so at 1e-7 a scenario LP called some of them infeasible (rows
#: off by 1.7e-7 MW at 292 MW) and each cost a phase-1 and a tolerated
#: re-solve: 796 of 4,975 scenario solves on the 200-scenario benchmark. At
#: 1e-5 the 10-scenario benchmark had none, with the same objective to 1e-7.
SCENARIO_PRIMAL_TOL = 1e-5

__all__ = ["Cut", "ScenarioData", "ScenarioGroup", "new_highs", "row_bounds", "run"]


def row_bounds(sense: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """HiGHS row bounds (lower, upper) of rows ``sense rhs``.

    Parameters
    ----------
    sense : numpy.ndarray of str
        Each row's ``"<"``, ``">"`` or ``"="``.
    rhs : numpy.ndarray
        Each row's right-hand side.

    Returns
    -------
    lower, upper : numpy.ndarray
        Row bounds, infinite on the open side.
    """
    lower = np.where(sense == "<", -np.inf, rhs)
    upper = np.where(sense == ">", np.inf, rhs)
    return lower, upper


def new_highs(primal_tol: float | None = None) -> Any:
    """A quiet single-threaded HiGHS object (``primal_tol``: its primal
    feasibility tolerance, default HiGHS's).

    Parameters
    ----------
    primal_tol : float, optional
        Primal feasibility tolerance, in the rows' units.

    Returns
    -------
    highspy.Highs
        The solver, with no model loaded.
    """
    import highspy

    with quiet_stdout_fd():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    if primal_tol is not None:
        h.setOptionValue("primal_feasibility_tolerance", primal_tol)
    return h


def pass_lp(
    h: Any,
    matrix: sp.csc_array,
    cost: np.ndarray,
    col_bounds: tuple[np.ndarray, np.ndarray],
    bounds: tuple[np.ndarray, np.ndarray],
) -> None:
    """Load the LP ``min cost.x`` over the rows of ``matrix`` into ``h``.

    Parameters
    ----------
    h : highspy.Highs
        The solver to load.
    matrix : scipy.sparse.csc_array
        Constraint matrix, rows by columns.
    cost : numpy.ndarray
        Objective coefficient per column.
    col_bounds : (lower, upper)
        Column bounds.
    bounds : (lower, upper)
        Row bounds (:func:`row_bounds`).
    """
    import highspy

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_, lp.col_upper_ = col_bounds
    lp.row_lower_, lp.row_upper_ = bounds
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    h.passModel(lp)


def status_of(h: Any) -> str:
    """'optimal', 'infeasible' or the HiGHS model status text.

    Parameters
    ----------
    h : highspy.Highs
        A solver after ``run``.

    Returns
    -------
    status : str
        The status, as the decomposition compares it.
    """
    text = h.modelStatusToString(h.getModelStatus()).lower()
    if text == "optimal":
        return "optimal"
    return "infeasible" if "infeasible" in text else text


def run(h: Any) -> str:
    """Solve warm; once more from scratch when the warm solve gives up.

    A warm dual simplex can stop with an unknown status on a basis made
    ill-conditioned by many cuts; a cold solve (presolve, new basis) then
    settles it.

    Parameters
    ----------
    h : highspy.Highs
        A solver with an LP loaded.

    Returns
    -------
    status : str
        As :func:`status_of` gives it.
    """
    h.run()
    status = status_of(h)
    if status in ("optimal", "infeasible"):
        return status
    h.clearSolver()
    h.run()
    return status_of(h)


@dataclass
class Cut:
    """A cut from one scenario at ``x``: ``value + grad.(x' - x)``.

    ``optimality``: a lower bound on :math:`Q_s(x')`; otherwise a feasibility
    cut, whose right side must be <= 0.
    """

    scenario: int
    slot: int  # position of this scenario's theta in the master
    optimality: bool
    value: float
    grad: np.ndarray
    index: int  # which of the scenario's stored rhs derivatives belongs to it


def _elastic_columns(t: sp.csr_array, sense: np.ndarray) -> sp.csc_array:
    """Slack columns for the rows that the first stage enters.

    One column per row and direction in which it may be violated: ``+1`` for
    a '>' row (activity + s >= rhs), ``-1`` for a '<' row, both for '='.
    """
    touched = np.flatnonzero(np.diff(t.indptr) > 0)
    up = touched[sense[touched] != "<"]
    down = touched[sense[touched] != ">"]
    rows = np.concatenate([up, down])
    values = np.concatenate([np.ones(len(up)), -np.ones(len(down))])
    return sp.csc_array(
        (values, (rows, np.arange(len(rows)))), shape=(t.shape[0], len(rows))
    )


@dataclass(frozen=True)
class ScenarioData:
    """One scenario's LP as arrays: :math:`W y \\gtreqless h - T x`, cost q.

    ``matrix`` is :math:`W` with the elastic slack columns appended.
    """

    scenario: int
    slot: int
    matrix: sp.csc_array
    t: sp.csr_array
    h: np.ndarray
    sense: np.ndarray
    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n_slack: int

    @classmethod
    def from_split(cls, split: Any, s: int, slot: int) -> ScenarioData:
        """Cut scenario ``s`` out of a :class:`gigaplan.plan.decompose.Split`.

        Parameters
        ----------
        split : Split
            The extensive form cut into blocks.
        s : int
            Scenario index in the plan.
        slot : int
            Position of the scenario's theta column in the master.

        Returns
        -------
        ScenarioData
            The scenario's block, its coupling to the shared columns and costs.
        """
        rows, cols = split.scenario_rows[s], split.scenario_cols[s]
        block = split.A[rows]
        t = sp.csr_array(block[:, split.link])
        sense = split.sense[rows]
        elastic = _elastic_columns(t, sense)
        return cls(
            scenario=s,
            slot=slot,
            matrix=sp.csc_array(sp.hstack([block[:, cols], elastic])),
            t=t,
            h=split.b[rows],
            sense=sense,
            cost=split.c[cols],
            lower=split.lb[cols],
            upper=split.ub[cols],
            n_slack=elastic.shape[1],
        )

    def lower_bound(self) -> float:
        """A bound on :math:`Q_s` from the column bounds alone (may be -inf).

        Returns
        -------
        bound : float
            The smallest cost the columns' bounds allow. [USD]
        """
        with np.errstate(invalid="ignore"):
            at = np.where(self.cost >= 0, self.lower, self.upper) * self.cost
        return float(np.nansum(np.where(self.cost == 0, 0.0, at)))


class ScenarioLP:
    """A scenario's state between solves: its data, basis, cuts and solution."""

    def __init__(self, data: ScenarioData) -> None:
        self.data = data
        self.basis: Any = None
        #: per cut, the rows with a dual and how the bound moves with them
        self.rhs_derivatives: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.next_index = 0
        self.primal = np.zeros(len(data.cost))
        self.solve_s = 0.0
        self.own: Any = None  # a HiGHS object of its own, if it has one
        self.loaded = False  # ``own`` holds this LP (not its phase-1 LP)
        # only the rows the first stage enters change between solves
        self.linked = np.flatnonzero(np.diff(data.t.indptr) > 0).astype(np.int32)
        self.t_linked = sp.csr_array(data.t[self.linked])
        self.t_transposed = sp.csr_array(data.t.T)
        self.tolerated = 0  # points accepted with slacks within SLACK_TOL

    def evaluate(self, h: Any, x_link: np.ndarray) -> Cut:
        """Solve at ``x_link`` in solver ``h``; the optimality or feasibility cut.

        Parameters
        ----------
        h : highspy.Highs
            This thread's solver.
        x_link : numpy.ndarray
            The shared columns to solve at.

        Returns
        -------
        Cut
            Optimality cut when the scenario is feasible at ``x_link``, else
            a feasibility cut.
        """
        t0 = time.perf_counter()
        d = self.data
        n_cols = len(d.cost)
        try:
            bounds = (
                np.concatenate([d.lower, np.zeros(d.n_slack)]),
                np.concatenate([d.upper, np.zeros(d.n_slack)]),
            )
            cost = np.concatenate([d.cost, np.zeros(d.n_slack)])
            if h is self.own and self.loaded:  # only linked row bounds change
                k = self.linked
                linked = row_bounds(d.sense[k], d.h[k] - self.t_linked @ x_link)
                h.changeRowsBounds(len(k), k, *linked)
            else:
                rows = row_bounds(d.sense, d.h - d.t @ x_link)
                pass_lp(h, d.matrix, cost, bounds, rows)
                if self.basis is not None:
                    h.setBasis(self.basis)
                self.loaded = h is self.own
            status = run(h)
            if status == "optimal":
                self.basis = h.getBasis()
                sol = h.getSolution()
                self.primal = np.asarray(sol.col_value)[:n_cols]
                value = float(h.getInfo().objective_function_value)
                return self._cut(True, value, np.asarray(sol.row_dual))
            if status != "infeasible":
                raise SolverError(
                    f"plan: scenario {d.scenario} LP stopped without an optimum "
                    f"({status})"
                )
            # phase 1 in the same solver: slacks free at cost 1, others cost 0
            self.loaded = False
            n = n_cols + d.n_slack
            idx = np.arange(n, dtype=np.int32)
            h.changeColsCost(
                n, idx, np.concatenate([np.zeros(n_cols), np.ones(d.n_slack)])
            )
            sl = idx[n_cols:]
            h.changeColsBounds(len(sl), sl, np.zeros(len(sl)), np.full(len(sl), np.inf))
            status = run(h)
            if status == "infeasible":
                raise InfeasibleError(
                    f"plan: scenario {d.scenario} has no solution whatever is "
                    "built in the first stage"
                )
            if status != "optimal":
                raise SolverError(
                    f"plan: scenario {d.scenario} phase-1 LP stopped ({status})"
                )
            sol = h.getSolution()
            value = float(h.getInfo().objective_function_value)
            if value > SLACK_TOL:
                return self._cut(False, value, np.asarray(sol.row_dual))
            # off by a tolerance only: solve with the slacks allowed up to
            # their phase-1 values, at zero cost (a relaxation of Q_s, so
            # its optimality cut is still a valid lower bound)
            slack = np.asarray(sol.col_value)[n_cols:]
            h.changeColsCost(n, idx, cost)
            h.changeColsBounds(len(sl), sl, np.zeros(len(sl)), slack * (1 + 1e-9))
            status = run(h)
            if status != "optimal":
                raise SolverError(
                    f"plan: scenario {d.scenario} LP within tolerance stopped "
                    f"({status})"
                )
            sol = h.getSolution()
            self.primal = np.asarray(sol.col_value)[:n_cols]
            value = float(h.getInfo().objective_function_value)
            self.tolerated += 1
            return self._cut(True, value, np.asarray(sol.row_dual))
        finally:
            self.solve_s += time.perf_counter() - t0

    def _cut(self, optimality: bool, value: float, dual: np.ndarray) -> Cut:
        """The cut from row duals ``dual``; keeps how its bound moves with h.

        The cut's bound moves with this scenario's right-hand side h as
        ``dual`` (optimality cut, a lower bound) or ``-dual`` (feasibility
        cut, an upper bound); :meth:`row_duals` combines these.
        """
        dual = np.where(np.abs(dual) > 1e-13, dual, 0.0)
        index = self.next_index
        self.next_index += 1
        rows = np.flatnonzero(dual).astype(np.int32)
        self.rhs_derivatives[index] = (rows, dual[rows] if optimality else -dual[rows])
        grad = -(self.t_transposed @ dual)
        d = self.data
        return Cut(d.scenario, d.slot, optimality, value, grad, index)

    def row_duals(self, weights: dict[int, float]) -> np.ndarray:
        r"""Duals of this scenario's rows from the master's cut duals.

        ``weights`` maps a cut index to its dual in the master. The sum
        :math:`\sum_k w_k \partial b_k / \partial h` is a convex combination
        of dual solutions of this scenario's LP (plus rays, from feasibility
        cuts), so with the master's duals it is a dual solution of the whole
        LP whose objective is the master's bound.

        Parameters
        ----------
        weights : dict of int to float
            Cut index -> the master's dual of that cut.

        Returns
        -------
        numpy.ndarray
            One dual per row of this scenario.
        """
        total = np.zeros(len(self.data.h))
        for k, w in weights.items():
            if w != 0.0:
                rows, values = self.rhs_derivatives[k]
                total[rows] += w * values
        return total


class ScenarioGroup:
    """Scenario LPs solved by a few threads, each with one HiGHS object.

    The first ``own_solvers`` scenarios keep a HiGHS object of their own
    (re-solved after changing only row bounds, no new factorisation); the
    others share the threads' objects. Memory is then bounded by
    ``own_solvers + threads`` solvers whatever the number of scenarios.

    The same class runs in the planner's process (all scenarios) and as a
    Dask actor on a worker (that worker's scenarios), see
    :mod:`gigaplan.plan.cluster`.
    """

    def __init__(
        self, data: list[ScenarioData], threads: int, own_solvers: int = 0
    ) -> None:
        self.lps = [ScenarioLP(d) for d in data]
        for lp in self.lps[:own_solvers]:
            lp.own = new_highs(SCENARIO_PRIMAL_TOL)
        self.by_slot = {lp.data.slot: lp for lp in self.lps}
        self.threads = max(1, threads)
        self.solvers: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for _ in range(min(self.threads, len(self.lps))):
            self.solvers.put(new_highs(SCENARIO_PRIMAL_TOL))
        self.pool = ThreadPoolExecutor(max_workers=self.threads)

    def _one(self, lp: ScenarioLP, x: np.ndarray) -> Cut:
        if lp.own is not None:
            return lp.evaluate(lp.own, x)
        h = self.solvers.get()
        try:
            return lp.evaluate(h, x)
        finally:
            self.solvers.put(h)

    def evaluate(
        self, x: np.ndarray, dropped: list[tuple[int, int]] | None = None
    ) -> list[Cut]:
        """Cuts of every scenario at ``x``; first forget the ``dropped`` cuts.

        ``dropped`` lists (slot, cut index) pairs the master no longer holds,
        so their stored duals are freed (memory per scenario stays bounded by
        the cuts alive in the master).

        Parameters
        ----------
        x, dropped
            As for :meth:`gigaplan.plan.decompose.Scenarios.evaluate`.

        Returns
        -------
        cuts : list of Cut
            One per scenario of this group, solved on its thread pool.
        """
        for slot, index in dropped or []:
            lp = self.by_slot.get(slot)
            if lp is not None:
                lp.rhs_derivatives.pop(index, None)
        return list(self.pool.map(lambda lp: self._one(lp, x), self.lps))

    def finish(
        self, weights: dict[int, dict[int, float]]
    ) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(scenario, primal, row duals) of each scenario from the cut weights.

        Parameters
        ----------
        weights
            As for :meth:`gigaplan.plan.decompose.Scenarios.finish`.

        Returns
        -------
        list of (scenario, primal, row duals)
            One per scenario of this group.
        """
        out = [
            (
                lp.data.scenario,
                lp.primal,
                lp.row_duals(weights.get(lp.data.slot, {})),
            )
            for lp in self.lps
        ]
        self._release_solvers()
        return out

    def _release_solvers(self) -> None:
        """Free every HiGHS object once the results are out (each holds 14-20
        MB; with 64 of them they would still be held while the solution is
        written back)."""
        for lp in self.lps:
            lp.own, lp.loaded = None, False
        while not self.solvers.empty():
            self.solvers.get_nowait()

    def solve_s(self) -> float:
        """Seconds spent in scenario solves, summed over threads.

        Returns
        -------
        seconds : float
            Summed solve time. [s]
        """
        return sum(lp.solve_s for lp in self.lps)

    def tolerated(self) -> int:
        """Scenario solves accepted with violations within ``SLACK_TOL``.

        Returns
        -------
        count : int
            Over this group's scenarios.
        """
        return sum(lp.tolerated for lp in self.lps)

    def close(self) -> None:
        """Stop the threads."""
        self.pool.shutdown()
