"""Solve the buildout model with HiGHS; MILP duals by fixing the integers.

A continuous plan is one LP solve. With ``integer_units: true`` purchases are
integer lots and the model is a MILP, solved to ``mip_rel_gap``. A MILP has no
duals, so the shadow prices come from a second, continuous solve with the lots
fixed at the MILP solution ("fix and re-solve", as in the pricing of unit
commitment [1]_): they value the continuous decisions (facility, power,
energy, served demand) *given* those purchases, and a limit on purchases alone
(vendor supply, deals) then shows no price, its effect being in the fixed lots.

References
----------
.. [1] R. P. O'Neill, P. M. Sotkiewicz, B. F. Hobbs, M. H. Rothkopf and
   W. R. Stewart, "Efficient market-clearing prices in markets with
   nonconvexities", European Journal of Operational Research 164(1),
   269-285, 2005.
"""

from __future__ import annotations

import time
from typing import Any

from gigaplan._solver import solve_quietly
from gigaplan.errors import InfeasibleError, SolverError


def solve_model(
    model: Any, *, time_limit_s: float | None = None, **options: Any
) -> None:
    """Solve ``model`` in place with HiGHS (direct API); raise on failure.

    Parameters
    ----------
    model : linopy.Model
        Built by :func:`gigaplan.plan.build.build_model`.
    time_limit_s : float, optional
        Wall-clock limit passed to HiGHS. [s]
    **options
        Further HiGHS options (``mip_rel_gap``, ``solver``, ...).

    Raises
    ------
    InfeasibleError
        No point satisfies every limit (callers that can, ask
        :mod:`gigaplan.plan.diagnose` which limit and by how much).
    SolverError
        HiGHS stopped for another reason (time limit, numerical trouble).
    """
    if time_limit_s is not None:
        options["time_limit"] = float(time_limit_s)
    status, condition = solve_quietly(model, **options)
    if status == "ok":
        return
    if "infeasible" in str(condition):
        raise InfeasibleError(
            f"plan: no buildout satisfies every limit (solver: {condition}); "
            "the hard limits are vendor deals, budgets, the CO2 cap and any "
            "must-serve share of demand",
            status=str(condition),
        )
    raise SolverError(f"plan: HiGHS stopped without an optimum ({status}, {condition})")


#: Above this many rows an LP goes to the interior-point solver (see
#: :func:`lp_options`).
IPM_MIN_ROWS = 20_000


def lp_options(n_rows: int) -> dict[str, Any]:
    """HiGHS options for an LP of ``n_rows`` rows (the problem class).

    Parameters
    ----------
    n_rows : int
        Rows of the LP before presolve. [dimensionless]

    Returns
    -------
    dict
        ``{}`` (HiGHS chooses: dual simplex) for small LPs; ``solver: ipm``
        with crossover for large ones.

    Notes
    -----
    Measured on ``benchmarks/plan_scale.py`` (2 cores): with 2 scenarios
    (44,000 rows) dual simplex takes 18,700 iterations, 7.8 s, and IPX 6.2 s;
    simplex iterations grow with the rows while interior-point iterations stay
    near 100 [1]_, so from a few tens of thousands of rows IPM wins. Crossover
    stays on: it turns the interior solution into a vertex, so a limit that
    does not bind has a dual of exactly zero (the bottleneck table relies on
    it) at a cost of about a tenth of the solve. No threshold on the interior
    duals can replace it: the plan LP is degenerate (a site or interconnect
    limit met with equality but not binding at the vertex), and the interior
    point gives such rows duals up to 5 M$/MW, larger than some truly binding
    ones (0.1 M$/MW); measured on the 2-scenario benchmark. Without crossover
    the objective moves by 1.5e-9 relative. ``ipm_optimality_tolerance``
    1e-7 instead of 1e-8 and ``user_objective_scale`` / ``user_bound_scale``
    did not change the IPX iteration count (the model's own units, in
    :mod:`gigaplan.plan.inputs`, are what brought it down).

    References
    ----------
    .. [1] Q. Huangfu and J. A. J. Hall, "Parallelizing the dual revised simplex
       method", Mathematical Programming Computation 10, 119-142, 2018; and
       L. Schork and J. Gondzio, "Implementation of an interior point method
       with basis preconditioning", Mathematical Programming Computation 12,
       603-635, 2020 (IPX, the HiGHS interior-point solver).
    """
    return {"solver": "ipm", "run_crossover": "on"} if n_rows > IPM_MIN_ROWS else {}


#: From this many scenarios a large LP (over :data:`IPM_MIN_ROWS` rows) is
#: solved by scenario decomposition (see :func:`use_decomposition`).
DECOMPOSE_MIN_SCENARIOS = 6


def use_decomposition(method: str, n_rows: int, n_scenarios: int) -> bool:
    """Whether an LP is solved by scenario decomposition.

    Parameters
    ----------
    method : str
        ``"auto"``, ``"extensive"`` or ``"decomposition"`` (the plan
        section's ``solve_method``).
    n_rows : int
        Rows of the LP. [dimensionless]
    n_scenarios : int
        Demand scenarios. [dimensionless]

    Returns
    -------
    bool
        True for decomposition, False for one extensive-form solve.

    Notes
    -----
    Measured on ``benchmarks/plan_scale.py`` (2 cores): with 4 scenarios
    (85,000 rows) the extensive form (interior point + crossover) takes 4.7 s
    and decomposition 3.9 s; with 10 scenarios 20.9 s and 11.0 s; with 50,
    365 s and 42.9 s (same objective to 2e-9). Small LPs (the default
    scenario) stay with one simplex solve, which is also what the tests with
    hand-worked answers check.
    """
    if method != "auto":
        return method == "decomposition" and n_scenarios > 1
    return n_rows > IPM_MIN_ROWS and n_scenarios >= DECOMPOSE_MIN_SCENARIOS


def solve_plan(
    model: Any,
    *,
    mip_rel_gap: float,
    time_limit_s: float | None = None,
    method: str = "auto",
    n_scenarios: int = 1,
    cluster: Any = None,
    rel_gap: float = 1e-6,
) -> dict[str, Any]:
    """Solve an LP, or a MILP then its fixed-integer LP for duals.

    Parameters
    ----------
    model : linopy.Model
        Built by :func:`gigaplan.plan.build.build_model`; a MILP when it has
        the integer variable ``buy_lots``.
    mip_rel_gap : float
        Relative gap at which HiGHS stops the MILP. [dimensionless]
    time_limit_s : float, optional
        Wall-clock limit per solve. [s]
    method : str
        ``"auto"``, ``"extensive"`` or ``"decomposition"``
        (:func:`use_decomposition`); a MILP is always solved whole.
    n_scenarios : int
        Demand scenarios in the model. [dimensionless]
    cluster : str or distributed.Client, optional
        Dask cluster for the scenario LPs of a decomposed LP (scheduler
        address or client); see :mod:`gigaplan.plan.cluster`.
    rel_gap : float
        Relative gap at which a decomposed LP stops. [dimensionless]

    Returns
    -------
    dict
        ``problem`` ("LP" or "MILP"), ``solve_s``, ``method``; for a whole
        LP the HiGHS options of :func:`lp_options`; for a decomposed LP the
        figures of :func:`gigaplan.plan.decompose.solve_decomposed`
        (iterations, cuts, gap, dual residual); for a MILP also ``mip_gap``
        (achieved relative gap), ``mip_objective`` and ``mip_dual_bound``
        (model units, M$) and ``dual_resolve_s``.
    """
    t0 = time.perf_counter()
    lp = lp_options(model.ncons)
    if "buy_lots" not in model.variables:
        if use_decomposition(method, model.ncons, n_scenarios):
            from gigaplan.plan.decompose import solve_decomposed

            info = solve_decomposed(
                model, time_limit_s=time_limit_s, cluster=cluster, rel_gap=rel_gap
            )
            return {"problem": "LP", "solve_s": time.perf_counter() - t0, **info}
        solve_model(model, time_limit_s=time_limit_s, **lp)
        return {
            "problem": "LP",
            "solve_s": time.perf_counter() - t0,
            "method": "extensive",
            **lp,
        }
    solve_model(model, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    info = model.solver_model.getInfo()
    out: dict[str, Any] = {
        "problem": "MILP",
        "method": "extensive",
        "solve_s": time.perf_counter() - t0,
        "mip_gap": float(info.mip_gap),
        "mip_objective": float(info.objective_function_value),
        "mip_dual_bound": float(info.mip_dual_bound),
    }
    lots = model.variables["buy_lots"]
    lots.fix(lots.solution.fillna(0.0))
    lots.relax()
    t1 = time.perf_counter()
    solve_model(model, time_limit_s=time_limit_s, **lp)
    out["dual_resolve_s"] = time.perf_counter() - t1
    return out
