"""Solve the buildout LP with HiGHS and turn failure into a readable error."""

from __future__ import annotations

from typing import Any

from gigaplan._solver import solve_quietly
from gigaplan.errors import InfeasibleError, SolverError


def solve_model(model: Any, *, time_limit_s: float | None = None) -> None:
    """Solve ``model`` in place with HiGHS (direct API); raise on failure."""
    options: dict[str, Any] = {}
    if time_limit_s is not None:
        options["time_limit"] = float(time_limit_s)
    status, condition = solve_quietly(model, **options)
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
