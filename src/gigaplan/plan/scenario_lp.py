r"""Scenario LPs of the decomposition: data, warm re-solves, a few solvers.

A scenario LP :math:`Q_s(x)` is kept as plain arrays (:class:`ScenarioData`,
picklable, so it can be sent to a Dask worker) plus its last simplex basis.
Scenario blocks of a plan differ only in their demand (and, with unequal
probabilities, their costs), so :func:`share_equal` makes every scenario
refer to one copy of each array that is the same in all of them.

A :class:`Solver` is a HiGHS object that remembers what it holds. Handing it
another scenario whose matrix it already holds changes only the bounds and
costs that differ and sets that scenario's basis (no new LP, no re-scaling);
re-solving the scenario it holds changes only the rows the first stage
moved. A :class:`ScenarioGroup` lets the first few scenarios keep a solver
of their own and shares one per thread among the rest; every re-solve is a
warm dual simplex from the scenario's last basis (no presolve). Memory is
then bounded by the cap plus the threads, not one solver per scenario
(about 13 MB each on the benchmark case; with one per scenario, 200
scenarios peaked at 6.9 GB).

The rows that first-stage columns enter also have elastic slack columns,
fixed at zero in the scenario LP. When a point has no solution the same
solver becomes the phase-1 LP (costs 0, slacks free at cost 1) for the
feasibility cut.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields, is_dataclass, replace
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

__all__ = [
    "BoundRows",
    "Cut",
    "ScenarioData",
    "ScenarioGroup",
    "Solver",
    "cut_block",
    "new_highs",
    "reduce_bound_rows",
    "row_bounds",
    "run",
    "share_equal",
]


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
class BoundRows:
    """Rows of a scenario block that bound a single column, kept as bounds.

    A row with one scenario column and no first-stage column (``a y_j <= b``,
    ``>=`` or ``=``) is a bound on ``y_j`` whatever the master proposes. On
    the benchmark plan they are 4,862 of a scenario's 16,995 rows (the
    interconnect and site limits); as bounds they leave HiGHS a smaller LP
    (a solver held 5.2 instead of 13.4 MB after one warm solve, measured).
    HiGHS's presolve makes the same reduction, but only in a cold solve:
    warm re-solves see the whole LP.

    A removed row's dual is the reduced cost of its column divided by ``a``
    when the column sits at the bound that row gives (the tightest row, or
    the row where it ties with the column's own bound), else zero.
    """

    n_rows: int  # rows of the block before the reduction
    kept: np.ndarray  # positions of the rows kept in the LP
    upper_row: np.ndarray  # per column: the row giving its upper bound, or -1
    upper_coef: np.ndarray  # that row's coefficient
    lower_row: np.ndarray
    lower_coef: np.ndarray

    def row_duals(self, kept_dual: np.ndarray, col_dual: np.ndarray) -> np.ndarray:
        """Duals of every row of the block from the reduced LP's duals.

        Parameters
        ----------
        kept_dual : numpy.ndarray
            Row duals of the kept rows.
        col_dual : numpy.ndarray
            Reduced costs of the block's columns (HiGHS's ``col_dual``).

        Returns
        -------
        numpy.ndarray
            One dual per row of the block, in its order.
        """
        out = np.zeros(self.n_rows)
        out[self.kept] = kept_dual
        for row, coef, side in (
            (self.upper_row, self.upper_coef, col_dual < 0),
            (self.lower_row, self.lower_coef, col_dual > 0),
        ):
            j = np.flatnonzero(side & (row >= 0))
            out[row[j]] = col_dual[j] / coef[j]
        return out


def _tightest(
    col: np.ndarray, value: np.ndarray, upper: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per column, the tightest of the bounds ``value`` that rows give it.

    Returns the columns, their tightest bound, and the position (into
    ``value``) of the row that gives it.
    """
    order = np.lexsort((value if upper else -value, col))
    col, value = col[order], value[order]
    first = np.flatnonzero(np.r_[len(col) > 0, col[1:] != col[:-1]])
    return col[first], value[first], order[first]


def reduce_bound_rows(
    w: sp.csr_array,
    t: sp.csr_array,
    h: np.ndarray,
    sense: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
) -> tuple[BoundRows, np.ndarray, np.ndarray]:
    """Turn the block's single-column rows that ``x`` does not enter into
    column bounds.

    Parameters
    ----------
    w : scipy.sparse.csr_array
        The block's scenario columns, rows by columns.
    t : scipy.sparse.csr_array
        The block's first-stage columns.
    h, sense : numpy.ndarray
        Right-hand side and ``"<"``, ``">"`` or ``"="`` per row.
    lower, upper : numpy.ndarray
        Column bounds.

    Returns
    -------
    bound_rows : BoundRows
        Which rows stay and how to recover the others' duals.
    lower, upper : numpy.ndarray
        Column bounds tightened by the removed rows.
    """
    single = np.flatnonzero((np.diff(w.indptr) == 1) & (np.diff(t.indptr) == 0))
    col = w.indices[w.indptr[single]]
    coef = w.data[w.indptr[single]]
    value = h[single] / coef
    s = sense[single]
    lower, upper = lower.copy(), upper.copy()
    n_cols = len(lower)
    found = {}
    for is_upper, gives in (
        (True, (s == "=") | ((s == "<") == (coef > 0))),
        (False, (s == "=") | ((s == ">") == (coef > 0))),
    ):
        j, bound, pos = _tightest(col[gives], value[gives], is_upper)
        pos = np.flatnonzero(gives)[pos]
        current = upper if is_upper else lower
        tighter = bound <= current[j] if is_upper else bound >= current[j]
        j, bound, pos = j[tighter], bound[tighter], pos[tighter]
        current[j] = bound
        at_row = np.full(n_cols, -1, dtype=np.int64)
        at_row[j] = single[pos]
        at_coef = np.ones(n_cols)
        at_coef[j] = coef[pos]
        found[is_upper] = (at_row, at_coef)
    removed = np.zeros(w.shape[0], dtype=bool)
    removed[single] = True
    rows = BoundRows(
        n_rows=w.shape[0],
        kept=np.flatnonzero(~removed),
        upper_row=found[True][0],
        upper_coef=found[True][1],
        lower_row=found[False][0],
        lower_coef=found[False][1],
    )
    return rows, lower, upper


def cut_block(
    split: Any, s: int
) -> tuple[sp.csr_array, sp.csr_array, np.ndarray, np.ndarray]:
    """Scenario ``s``'s rows of a :class:`gigaplan.plan.decompose.Split`.

    The block's entries are sorted into its own columns and the shared ones
    by the split's column positions (column slicing of the whole LP's rows
    took 2.4 of 3.4 s at 200 scenarios).

    Parameters
    ----------
    split : Split
        The extensive form cut into blocks.
    s : int
        Scenario index in the plan.

    Returns
    -------
    w : scipy.sparse.csr_array
        The block's own columns, in ``split.scenario_cols[s]`` order.
    t : scipy.sparse.csr_array
        The shared columns, in ``split.link`` order.
    h, sense : numpy.ndarray
        Right-hand side and ``"<"``, ``">"`` or ``"="`` per row.
    """
    rows = split.scenario_rows[s]
    block = split.A[rows].tocoo()
    own = split.col_owner[block.col] == s
    at = split.col_local[block.col]
    shape = (len(rows), len(split.scenario_cols[s]))
    w = sp.csr_array((block.data[own], (block.row[own], at[own])), shape=shape)
    t = sp.csr_array(
        (block.data[~own], (block.row[~own], at[~own])),
        shape=(len(rows), len(split.link)),
    )
    return w, t, split.b[rows], split.sense[rows]


@dataclass(frozen=True)
class ScenarioData:
    """One scenario's LP as arrays: :math:`W y \\gtreqless h - T x`, cost q.

    ``matrix`` is :math:`W` with the elastic slack columns appended; the
    rows that only bound one column are column bounds instead
    (``bound_rows``), so ``t``, ``h`` and ``sense`` hold the kept rows.
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
    bound_rows: BoundRows

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
        cols = split.scenario_cols[s]
        return cls.from_block(
            s,
            slot,
            cut_block(split, s),
            split.c[cols],
            (split.lb[cols], split.ub[cols]),
        )

    @classmethod
    def from_block(
        cls,
        scenario: int,
        slot: int,
        block: tuple[sp.csr_array, sp.csr_array, np.ndarray, np.ndarray],
        cost: np.ndarray,
        bounds: tuple[np.ndarray, np.ndarray],
    ) -> ScenarioData:
        """A scenario's LP from its block :math:`W y \\gtreqless h - T x`.

        Parameters
        ----------
        scenario, slot : int
            Scenario index in the plan; its theta column in the master.
        block : (w, t, h, sense)
            As :func:`cut_block` gives them.
        cost : numpy.ndarray
            Objective coefficient per column of ``w``.
        bounds : (lower, upper)
            Column bounds.

        Returns
        -------
        ScenarioData
            With the single-column rows as bounds and the elastic slacks.
        """
        w, t_all, h_all, sense_all = block
        bound_rows, lower, upper = reduce_bound_rows(
            w, t_all, h_all, sense_all, *bounds
        )
        kept = bound_rows.kept
        t = sp.csr_array(t_all[kept])
        sense = sense_all[kept]
        elastic = _elastic_columns(t, sense)
        return cls(
            scenario=scenario,
            slot=slot,
            matrix=sp.csc_array(sp.hstack([w[kept], elastic])),
            t=t,
            h=h_all[kept],
            sense=sense,
            cost=cost,
            lower=lower,
            upper=upper,
            n_slack=elastic.shape[1],
            bound_rows=bound_rows,
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


def _same(a: Any, b: Any) -> bool:
    """Whether two arrays (dense or sparse), or two dataclasses of them, are
    equal in shape and values."""
    if a is b:
        return True
    if is_dataclass(a):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))
    if sp.issparse(a):
        return a.shape == b.shape and (a != b).nnz == 0
    return bool(np.array_equal(a, b))


def share_equal(data: Iterable[ScenarioData]) -> list[ScenarioData]:
    """The same scenarios, each array equal to the first scenario's replaced
    by that one object.

    Scenario blocks built from one formulation differ only where their data
    do (demand, probabilities), so most of their arrays are equal; sharing
    them keeps one copy in memory, and lets a :class:`Solver` that holds
    one scenario's matrix take another's by changing bounds only. ``data``
    is read one scenario at a time, so a generator never holds two copies
    of more than one scenario.

    Parameters
    ----------
    data : iterable of ScenarioData
        Scenario LPs, as :meth:`ScenarioData.from_split` cuts them.

    Returns
    -------
    list of ScenarioData
        The same LPs; equal arrays are one object.
    """
    names = ("matrix", "t", "sense", "cost", "lower", "upper", "bound_rows")
    out: list[ScenarioData] = []
    for d in data:
        if out:
            first = out[0]
            same = {
                n: getattr(first, n)
                for n in names
                if _same(getattr(d, n), getattr(first, n))
            }
            d = replace(d, **same) if same else d
        out.append(d)
    return out


class Solver:
    """A HiGHS object and the LP it holds: which matrix, the bounds and costs
    last given, and whose basis it has.

    :meth:`load` hands it a scenario LP by changing as little as it can: a
    scenario whose matrix (the same object, see :func:`share_equal`) it
    already holds costs a change of the bounds and costs that differ, plus
    that scenario's basis when it held another's.
    """

    def __init__(self, primal_tol: float | None = None) -> None:
        self.h = new_highs(primal_tol)
        self.matrix: sp.csc_array | None = None
        self.cost = np.empty(0)
        self.cols = (np.empty(0), np.empty(0))
        self.rows = (np.empty(0), np.empty(0))
        self.slot: int | None = None  # the scenario whose basis ``h`` holds

    def load(
        self,
        lp: ScenarioLP,
        cost: np.ndarray,
        cols: tuple[np.ndarray, np.ndarray],
        rows: tuple[np.ndarray, np.ndarray],
    ) -> None:
        """Make ``h`` hold scenario ``lp`` with these costs and bounds, from
        its last basis (a cold solve when it has none).

        Parameters
        ----------
        lp : ScenarioLP
            The scenario, for its matrix, slot and basis.
        cost : numpy.ndarray
            Objective coefficient per column (slacks included).
        cols : (lower, upper)
            Column bounds.
        rows : (lower, upper)
            Row bounds (:func:`row_bounds`).
        """
        h, d = self.h, lp.data
        if self.matrix is not d.matrix:
            pass_lp(h, d.matrix, cost, cols, rows)
            if lp.basis is not None:
                h.setBasis(lp.basis)
        else:
            self.change(cost, cols, rows)
            if self.slot != d.slot:
                if lp.basis is None:
                    h.clearSolver()  # a cold solve, with presolve
                else:
                    h.setBasis(lp.basis)
        self.matrix, self.cost, self.cols, self.rows = d.matrix, cost, cols, rows
        self.slot = d.slot

    def change(
        self,
        cost: np.ndarray,
        cols: tuple[np.ndarray, np.ndarray],
        rows: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """Change the costs and bounds that differ from those ``h`` holds,
        keeping its basis (``rows``: None keeps the row bounds).

        Parameters
        ----------
        cost : numpy.ndarray
            Objective coefficient per column (slacks included).
        cols : (lower, upper)
            Column bounds.
        rows : (lower, upper), optional
            Row bounds.
        """
        h = self.h
        changed = np.flatnonzero(cost != self.cost).astype(np.int32)
        if len(changed):
            h.changeColsCost(len(changed), changed, cost[changed])
        changed = _changed(cols, self.cols)
        if len(changed):
            h.changeColsBounds(
                len(changed), changed, cols[0][changed], cols[1][changed]
            )
        if rows is not None:
            changed = _changed(rows, self.rows)
            if len(changed):
                h.changeRowsBounds(
                    len(changed), changed, rows[0][changed], rows[1][changed]
                )
            self.rows = rows
        self.cost, self.cols = cost, cols


def _changed(
    new: tuple[np.ndarray, np.ndarray], old: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """Positions whose lower or upper bound differs between ``new`` and ``old``."""
    return np.flatnonzero((new[0] != old[0]) | (new[1] != old[1])).astype(np.int32)


@dataclass(frozen=True)
class _Fixed:
    """Arrays of a scenario LP that its solves never change (shared by the
    scenarios whose data arrays are shared)."""

    linked: np.ndarray  # rows that first-stage columns enter
    t_linked: sp.csr_array
    t_transposed: sp.csr_array
    cost: np.ndarray  # per column, slacks (cost 0) included
    cols: tuple[np.ndarray, np.ndarray]  # column bounds, slacks fixed at 0

    def slack_room(self, n_cols: int, upper: Any) -> tuple[np.ndarray, np.ndarray]:
        """Column bounds with the elastic slacks (the columns from ``n_cols``
        on) allowed up to ``upper``."""
        room = self.cols[1].copy()
        room[n_cols:] = upper
        return self.cols[0], room

    @classmethod
    def of(cls, d: ScenarioData) -> _Fixed:
        """The fixed arrays of scenario ``d``.

        Parameters
        ----------
        d : ScenarioData
            The scenario.

        Returns
        -------
        _Fixed
        """
        linked = np.flatnonzero(np.diff(d.t.indptr) > 0).astype(np.int32)
        zeros = np.zeros(d.n_slack)
        return cls(
            linked=linked,
            t_linked=sp.csr_array(d.t[linked]),
            t_transposed=sp.csr_array(d.t.T),
            cost=np.concatenate([d.cost, zeros]),
            cols=(np.concatenate([d.lower, zeros]), np.concatenate([d.upper, zeros])),
        )


class ScenarioLP:
    """A scenario's state between solves: its data, basis, cuts and solution."""

    def __init__(self, data: ScenarioData, fixed: _Fixed | None = None) -> None:
        self.data = data
        self.fixed = fixed or _Fixed.of(data)
        self.basis: Any = None
        #: per cut, the rows with a dual and how the bound moves with them
        self.rhs_derivatives: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.next_index = 0
        self.primal = np.zeros(len(data.cost))
        self.solve_s = 0.0
        self.own: Solver | None = None  # a solver of its own, if it has one
        self.tolerated = 0  # points accepted with slacks within SLACK_TOL

    def evaluate(self, solver: Solver, x_link: np.ndarray) -> Cut:
        """Solve at ``x_link`` in ``solver``; the optimality or feasibility cut.

        Parameters
        ----------
        solver : Solver
            This scenario's own solver or one of the threads'.
        x_link : numpy.ndarray
            The shared columns to solve at.

        Returns
        -------
        Cut
            Optimality cut when the scenario is feasible at ``x_link``, else
            a feasibility cut.
        """
        t0 = time.perf_counter()
        d, f, h = self.data, self.fixed, solver.h
        n_cols = len(d.cost)
        try:
            if solver.matrix is d.matrix and solver.slot == d.slot:
                # re-solve of the LP it holds: only the linked rows move
                k = f.linked
                lower, upper = solver.rows[0].copy(), solver.rows[1].copy()
                moved = d.h[k] - f.t_linked @ x_link
                lower[k], upper[k] = row_bounds(d.sense[k], moved)
                rows = (lower, upper)
            else:
                rows = row_bounds(d.sense, d.h - d.t @ x_link)
            solver.load(self, f.cost, f.cols, rows)
            status = run(h)
            if status == "optimal":
                self.basis = h.getBasis()
                sol = h.getSolution()
                self.primal = np.asarray(sol.col_value)[:n_cols]
                value = float(h.getInfo().objective_function_value)
                return self._cut(True, value, sol)
            if status != "infeasible":
                raise SolverError(
                    f"plan: scenario {d.scenario} LP stopped without an optimum "
                    f"({status})"
                )
            # phase 1 in the same solver: slacks free at cost 1, others cost
            # 0. Only the costs and bounds that differ change, so the solver
            # still knows its LP and the next scenario it takes needs no new
            # one (forgetting it had cost a passModel each time); its basis
            # is no longer this scenario's optimal one, so the next solve of
            # this scenario sets that again
            solver.slot = None
            solver.change(
                np.concatenate([np.zeros(n_cols), np.ones(d.n_slack)]),
                f.slack_room(n_cols, np.inf),
            )
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
                return self._cut(False, value, sol)
            # off by a tolerance only: solve with the slacks allowed up to
            # their phase-1 values, at zero cost (a relaxation of Q_s, so
            # its optimality cut is still a valid lower bound)
            slack = np.asarray(sol.col_value)[n_cols:]
            solver.change(f.cost, f.slack_room(n_cols, slack * (1 + 1e-9)))
            status = run(h)
            if status == "infeasible":
                # phase 1's point met the rows within the primal tolerance,
                # which the re-solve may spend otherwise: that much more room
                room = slack * (1 + 1e-9) + SCENARIO_PRIMAL_TOL
                solver.change(f.cost, f.slack_room(n_cols, room))
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
            return self._cut(True, value, sol)
        finally:
            self.solve_s += time.perf_counter() - t0

    def _cut(self, optimality: bool, value: float, sol: Any) -> Cut:
        """The cut from the solution ``sol``; keeps how its bound moves with h.

        The cut's bound moves with this scenario's right-hand side h as the
        row duals (optimality cut, a lower bound) or their negation
        (feasibility cut, an upper bound), the removed bound rows' duals
        included; :meth:`row_duals` combines these.
        """
        dual = np.asarray(sol.row_dual)
        dual = np.where(np.abs(dual) > 1e-13, dual, 0.0)
        n_cols = len(self.data.cost)
        full = self.data.bound_rows.row_duals(dual, np.asarray(sol.col_dual)[:n_cols])
        full = np.where(np.abs(full) > 1e-13, full, 0.0)
        index = self.next_index
        self.next_index += 1
        rows = np.flatnonzero(full).astype(np.int32)
        self.rhs_derivatives[index] = (rows, full[rows] if optimality else -full[rows])
        grad = -(self.fixed.t_transposed @ dual)
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
        total = np.zeros(self.data.bound_rows.n_rows)
        for k, w in weights.items():
            if w != 0.0:
                rows, values = self.rhs_derivatives[k]
                total[rows] += w * values
        return total


def _neighbour_chain(rhs: list[np.ndarray]) -> np.ndarray:
    """An order of the scenarios in which each is near the one before.

    Greedy nearest neighbour over the rows whose right-hand side differs
    between scenarios (their demand), each row scaled by its mean size,
    starting from the scenario with the smallest total.

    Parameters
    ----------
    rhs : list of numpy.ndarray
        Each scenario's right-hand side (all the same length).

    Returns
    -------
    numpy.ndarray
        Scenario positions, in chain order.
    """
    h = np.array(rhs)
    varies = np.flatnonzero(np.ptp(h, axis=0) > 0)
    z = h[:, varies] / np.maximum(np.abs(h[:, varies]).mean(axis=0), 1e-300)
    left = np.ones(len(h), dtype=bool)
    order = [int(np.argmin(z.sum(axis=1)))]
    left[order[0]] = False
    while left.any():
        candidates = np.flatnonzero(left)
        dist = ((z[candidates] - z[order[-1]]) ** 2).sum(axis=1)
        order.append(int(candidates[np.argmin(dist)]))
        left[order[-1]] = False
    return np.array(order, dtype=np.int64)


class ScenarioGroup:
    """Scenario LPs solved by a few threads, each with one :class:`Solver`.

    A group of at most ``own_solvers`` scenarios gives each a solver of its
    own (re-solved after changing only row bounds, no new factorisation); a
    larger one has them share the threads' solvers, which take a scenario by
    changing its bounds and setting its basis when its matrix is the one
    they hold (:func:`share_equal`). Memory is then bounded by
    ``own_solvers + threads`` solvers whatever the number of scenarios.

    The same class runs in the planner's process (all scenarios) and as a
    Dask actor on a worker (that worker's scenarios), see
    :mod:`gigaplan.plan.cluster`.
    """

    def __init__(
        self, data: list[ScenarioData], threads: int, own_solvers: int = 0
    ) -> None:
        fixed: dict[tuple[int, ...], _Fixed] = {}
        self.lps = []
        for d in share_equal(data):
            key = (id(d.t), id(d.cost), id(d.lower), id(d.upper), d.n_slack)
            if key not in fixed:
                fixed[key] = _Fixed.of(d)
            self.lps.append(ScenarioLP(d, fixed[key]))
        # every scenario keeps a solver of its own when there are at most
        # ``own_solvers`` of them, none otherwise (memory flat in the count);
        # own solvers are made at a scenario's second solve, so they start
        # warm from its basis: a solver that ran HiGHS's presolve keeps its
        # data (21.7 instead of 14.2 MB per solver, measured before the bound
        # rows were removed)
        fits = len(self.lps) <= own_solvers
        self.owners = {id(lp) for lp in self.lps} if fits else set()
        self.by_slot = {lp.data.slot: lp for lp in self.lps}
        self.threads = max(1, threads)
        # each thread solves a fixed run of similar scenarios, in order, on
        # its own solver: the same inputs give the same cuts (with scenarios
        # handed to whichever thread was free, a scenario's degenerate duals
        # depended on the solver's history: 18 to 27 rounds at 200 scenarios)
        order = (
            _neighbour_chain([lp.data.h for lp in self.lps])
            if self.lps
            else np.zeros(0, dtype=np.int64)
        )
        self.chains = [list(c) for c in np.array_split(order, self.threads) if len(c)]
        self.solvers = [Solver(SCENARIO_PRIMAL_TOL) for _ in self.chains]
        self.pool = ThreadPoolExecutor(max_workers=self.threads)

    def evaluate(
        self, x: np.ndarray, dropped: list[tuple[int, int]] | None = None
    ) -> list[Cut]:
        """Cuts of every scenario at ``x``; first forget the ``dropped`` cuts.

        ``dropped`` lists (slot, cut index) pairs the master no longer holds,
        so their stored duals are freed (memory per scenario stays bounded by
        the cuts alive in the master).

        A scenario's first solve starts from the optimal basis of the one
        before it in its thread's run (nearest-neighbour order): the
        scenarios share their matrix and costs, so a neighbour's optimal
        basis is dual feasible and only the demand rows need repair. On 99
        benchmark scenarios that took 94 ms and about 470 iterations a solve
        after the run's cold start, against 314 ms and 3,400 iterations cold
        (HiGHS presolve included). Later solves start from the scenario's
        own last basis.

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

        def run_chain(k: int) -> list[tuple[int, Cut]]:
            out, before = [], None
            for i in self.chains[k]:
                lp = self.lps[i]
                if lp.basis is None and before is not None:
                    lp.basis = before.basis
                elif lp.basis is not None and lp.own is None and id(lp) in self.owners:
                    lp.own = Solver(SCENARIO_PRIMAL_TOL)
                out.append((i, lp.evaluate(lp.own or self.solvers[k], x)))
                before = lp
            return out

        cuts: dict[int, Cut] = {}
        for done in self.pool.map(run_chain, range(len(self.chains))):
            cuts.update(done)
        return [cuts[i] for i in range(len(self.lps))]

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
        self.owners = set()
        for lp in self.lps:
            lp.own = None
        self.solvers = []

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
