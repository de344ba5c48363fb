"""gigaplan: plan and simulate AI compute infrastructure at gigawatt scale."""

from typing import Any

from gigaplan.catalog import load_catalog
from gigaplan.errors import CatalogError, GigaplanError, InfeasibleError, InputError

__version__ = "0.1.0"


def plan(section: Any, catalog: Any = None) -> Any:
    """Plan a buildout (see :func:`gigaplan.plan.plan`); imports linopy lazily."""
    from gigaplan.plan import plan as _plan

    return _plan(section, catalog)


__all__ = [
    "CatalogError",
    "GigaplanError",
    "InfeasibleError",
    "InputError",
    "__version__",
    "load_catalog",
    "plan",
]
