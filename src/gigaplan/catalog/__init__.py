"""The catalog: accelerators, models and regions, each number with its source."""

from gigaplan.catalog.load import (
    find_accelerator,
    find_any,
    find_model,
    find_region,
    load_catalog,
    normalise_name,
)
from gigaplan.catalog.schema import (
    PRECISIONS,
    Accelerator,
    Catalog,
    Model,
    Precision,
    Region,
    Sourced,
)

__all__ = [
    "PRECISIONS",
    "Accelerator",
    "Catalog",
    "Model",
    "Precision",
    "Region",
    "Sourced",
    "find_accelerator",
    "find_any",
    "find_model",
    "find_region",
    "load_catalog",
    "normalise_name",
]
