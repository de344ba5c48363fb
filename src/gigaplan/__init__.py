"""gigaplan: plan and simulate AI compute infrastructure at gigawatt scale.

The functions behind every CLI verb are importable from here; each loads its
libraries (pydantic, numpy, linopy, ...) when first used, so ``import
gigaplan`` stays cheap.

=====================================  ==========================================
verb                                   function
=====================================  ==========================================
``catalog``                            :func:`load_catalog`
``estimate training``                  :func:`estimate_training`
``estimate inference``                 :func:`estimate_inference`
``validate``                           :func:`validation_tables`
``power``                              :func:`solve_power`, :func:`campus_network`
``plan``                               :func:`run_plan`, :func:`solve_scenario_plan`
``risk``                               :func:`assess_risk`
``factory``                            :func:`run_factory`
``sweep``                              :func:`run_sweep`
``run``                                :func:`run_pipeline`, :func:`load_scenario`
``runs`` / ``report`` / ``serve``      :class:`RunStore`, :func:`write_report`,
                                       :func:`create_app`
=====================================  ==========================================

Stage results are :class:`StageResult` (they render as HTML in Jupyter).
"""

from collections.abc import Iterable
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gigaplan.errors import CatalogError, GigaplanError, InfeasibleError, InputError

if TYPE_CHECKING:
    from gigaplan.api import (
        estimate_inference,
        estimate_training,
        solve_power,
        validation_tables,
    )
    from gigaplan.catalog import Catalog
    from gigaplan.factory.stage import run_factory
    from gigaplan.pipeline import PipelineRun, run_pipeline
    from gigaplan.plan import run_plan
    from gigaplan.power.pypsa_network import campus_network
    from gigaplan.report import write_report
    from gigaplan.results import StageResult
    from gigaplan.risk.stage import assess as assess_risk
    from gigaplan.scenario import load_scenario, parse_scenario
    from gigaplan.stages.plan import solve_scenario_plan
    from gigaplan.store import RunStore
    from gigaplan.sweep import run_sweep
    from gigaplan.web import create_app

from gigaplan._version import __version__

#: Public name -> (module, attribute), imported on first use.
_LAZY = {
    "estimate_training": ("gigaplan.api", "estimate_training"),
    "estimate_inference": ("gigaplan.api", "estimate_inference"),
    "validation_tables": ("gigaplan.api", "validation_tables"),
    "solve_power": ("gigaplan.api", "solve_power"),
    "campus_network": ("gigaplan.power.pypsa_network", "campus_network"),
    "run_plan": ("gigaplan.plan", "run_plan"),
    "solve_scenario_plan": ("gigaplan.stages.plan", "solve_scenario_plan"),
    "assess_risk": ("gigaplan.risk.stage", "assess"),
    "run_factory": ("gigaplan.factory.stage", "run_factory"),
    "run_sweep": ("gigaplan.sweep", "run_sweep"),
    "run_pipeline": ("gigaplan.pipeline", "run_pipeline"),
    "PipelineRun": ("gigaplan.pipeline", "PipelineRun"),
    "load_scenario": ("gigaplan.scenario", "load_scenario"),
    "parse_scenario": ("gigaplan.scenario", "parse_scenario"),
    "StageResult": ("gigaplan.results", "StageResult"),
    "RunStore": ("gigaplan.store", "RunStore"),
    "write_report": ("gigaplan.report", "write_report"),
    "create_app": ("gigaplan.web", "create_app"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'gigaplan' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


def load_catalog(extra: Iterable[Path] = (), root: Path | None = None) -> "Catalog":
    """Load the catalog (see :func:`gigaplan.catalog.load_catalog`), lazily.

    pydantic loads on the first call, not with ``import gigaplan``.

    Parameters
    ----------
    extra : iterable of Path
        Extra catalog YAML files that add or override entries.
    root : Path, optional
        A catalog folder instead of the shipped one.

    Returns
    -------
    Catalog
        Validated and frozen.
    """
    from gigaplan.catalog import load_catalog as _load_catalog

    return _load_catalog(extra, root)


__all__ = [
    "CatalogError",
    "GigaplanError",
    "InfeasibleError",
    "InputError",
    "PipelineRun",
    "RunStore",
    "StageResult",
    "__version__",
    "assess_risk",
    "campus_network",
    "create_app",
    "estimate_inference",
    "estimate_training",
    "load_catalog",
    "load_scenario",
    "parse_scenario",
    "run_factory",
    "run_pipeline",
    "run_plan",
    "run_sweep",
    "solve_power",
    "solve_scenario_plan",
    "validation_tables",
    "write_report",
]
