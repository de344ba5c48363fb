"""Monte Carlo of a plan over demand paths: shortfall, stranded capacity, money.

The Python API: :func:`assess` (draw paths, evaluate, summarise into a
:class:`~gigaplan.results.StageResult`), :func:`evaluate` (the vectorised
evaluation of a :class:`Capacity` on :class:`gigaplan.demand.paths.DemandPaths`),
:func:`load_capacity` (a plan from this run, a stored run or a file); the
pipeline's entry point is :func:`gigaplan.stages.risk.run_stage`. Submodules
are imported on first use, so reading a scenario file stays light.
"""

from __future__ import annotations

from typing import Any

from gigaplan.risk.schema import RiskSection

__all__ = [
    "Capacity",
    "Policy",
    "RiskSection",
    "assess",
    "evaluate",
    "load_capacity",
]

_LAZY = {
    "Capacity": "gigaplan.risk.evaluate",
    "Policy": "gigaplan.risk.evaluate",
    "evaluate": "gigaplan.risk.evaluate",
    "assess": "gigaplan.risk.stage",
    "load_capacity": "gigaplan.external",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
