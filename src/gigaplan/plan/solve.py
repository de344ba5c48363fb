"""Solve the buildout LP with HiGHS and turn failure into a readable error."""

from __future__ import annotations

from typing import Any

from gigaplan.errors import InfeasibleError, SolverError


def solve_model(model: Any, *, time_limit_s: float | None = None) -> None:
    """Solve ``model`` in place with HiGHS (direct API); raise on failure."""
    options: dict[str, Any] = {"output_flag": False}
    if time_limit_s is not None:
        options["time_limit"] = float(time_limit_s)
    status, condition = model.solve(solver_name="highs", io_api="direct", **options)
    if status == "ok":
        return
    if "infeasible" in str(condition):
        raise InfeasibleError(
            f"plan: no buildout satisfies every limit (solver: {condition}); "
            "the hard limits are vendor deals, budgets and the CO2 cap "
            "(demand itself is elastic); loosen one of them",
            status=str(condition),
        )
    raise SolverError(f"plan: HiGHS stopped without an optimum ({status}, {condition})")
