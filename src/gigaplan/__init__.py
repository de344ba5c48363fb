"""gigaplan: plan and simulate AI compute infrastructure at gigawatt scale."""

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gigaplan.errors import CatalogError, GigaplanError, InfeasibleError, InputError

if TYPE_CHECKING:
    from gigaplan.catalog import Catalog

__version__ = "0.1.0"


def load_catalog(extra: Iterable[Path] = (), root: Path | None = None) -> "Catalog":
    """Load the catalog (see :func:`gigaplan.catalog.load_catalog`), lazily.

    pydantic loads on the first call, not with ``import gigaplan``.
    """
    from gigaplan.catalog import load_catalog as _load_catalog

    return _load_catalog(extra, root)


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
