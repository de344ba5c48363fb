"""gigaplan: plan and simulate AI compute infrastructure at gigawatt scale."""

from gigaplan.catalog import load_catalog
from gigaplan.errors import CatalogError, GigaplanError, InfeasibleError, InputError

__version__ = "0.1.0"

__all__ = [
    "CatalogError",
    "GigaplanError",
    "InfeasibleError",
    "InputError",
    "__version__",
    "load_catalog",
]
