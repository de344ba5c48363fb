"""Calibration constants of the estimates: the catalog's ``workload_defaults``.

Shipped in ``catalog/data/workloads/defaults.yaml`` (each with its source) and
overridable with ``--catalog``; every function takes the catalog it reads.
"""

from __future__ import annotations

from gigaplan.catalog.load import shipped_catalog
from gigaplan.catalog.schema import Catalog
from gigaplan.workloads.mfu import MfuCoefficients


def default(name: str, catalog: Catalog | None = None) -> float:
    """Value of one calibration constant (see the YAML file for its source).

    Parameters
    ----------
    name : str
        A field of :class:`gigaplan.catalog.schema.WorkloadDefaults`.
    catalog : Catalog, optional
        The catalog to read; default the shipped one.
    """
    return shipped_catalog(catalog).workload_defaults.value(name)


def mfu_coefficients(catalog: Catalog | None = None) -> MfuCoefficients:
    """The fitted BF16 training-MFU model (``training_mfu_*``) of ``catalog``."""
    values = shipped_catalog(catalog).workload_defaults
    return MfuCoefficients(
        intercept=values.value("training_mfu_intercept"),
        size_slope=values.value("training_mfu_size_slope"),
        peak_slope=values.value("training_mfu_peak_slope"),
    )
