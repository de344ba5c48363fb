"""Monte Carlo of a plan over demand paths: shortfall, stranded capacity, money.

The Python API: :func:`assess` (draw paths, evaluate, summarise into a
:class:`~gigaplan.results.StageResult`), :func:`evaluate` (the vectorised
evaluation of a :class:`Capacity` on :class:`gigaplan.demand.DemandPaths`),
:func:`load_capacity` (a plan from this run, a stored run or a file) and
:func:`run_stage` (the pipeline's entry point). Submodules are imported on
first use, so reading a scenario file stays light.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gigaplan.risk.schema import RiskSection

if TYPE_CHECKING:
    from gigaplan.results import StageResult

__all__ = [
    "Capacity",
    "Policy",
    "RiskSection",
    "assess",
    "evaluate",
    "load_capacity",
    "run_stage",
]

_LAZY = {
    "Capacity": "gigaplan.risk.evaluate",
    "Policy": "gigaplan.risk.evaluate",
    "evaluate": "gigaplan.risk.evaluate",
    "assess": "gigaplan.risk.stage",
    "load_capacity": "gigaplan.risk.stage",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run_stage(
    scenario: Any, catalog: Any, upstream: Mapping[str, StageResult] | None = None
) -> StageResult:
    """Run the ``risk:`` section of ``scenario``; see :mod:`gigaplan.risk.stage`."""
    from gigaplan.risk.stage import run_stage as _run

    return _run(scenario, catalog, upstream)
