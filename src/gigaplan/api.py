"""The functions behind the CLI verbs that take catalog names, for Python callers.

``import gigaplan`` exposes these (and the pipeline, sweep, risk and factory
functions) lazily: nothing heavy loads until one is called. Each checks its
input with the same schema as the CLI, so a bad value raises the same
:class:`~gigaplan.errors.InputError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import pandas as pd
    from pydantic import BaseModel

    from gigaplan.catalog import Catalog
    from gigaplan.power.model import CampusPowerResult
    from gigaplan.power.schema import PowerSection
    from gigaplan.workloads.inference import InferenceEstimate
    from gigaplan.workloads.training import TrainingEstimate

_Case = TypeVar("_Case", bound="BaseModel")


def _catalog(catalog: Catalog | None) -> Catalog:
    from gigaplan.catalog import load_catalog

    return catalog if catalog is not None else load_catalog()


def _checked(schema: type[_Case], fields: dict[str, Any], where: str) -> _Case:
    from pydantic import ValidationError

    from gigaplan._schema import validation_to_input_error

    given = {k: v for k, v in fields.items() if v is not None and k != "catalog"}
    try:
        case = schema.model_validate({"name": where, **given})
    except ValidationError as err:
        raise validation_to_input_error(err, where) from None
    return case


def estimate_training(
    *,
    tokens: float,
    accelerator: str = "h100",
    count: int = 1024,
    model: str | None = None,
    params: float | None = None,
    active_params: float | None = None,
    seq_len: int | None = None,
    mfu: float | None = None,
    precision: str = "bf16",
    pue: float | None = None,
    region: str | None = None,
    grid_kgco2_per_mwh: float | None = None,
    price_usd_per_accelerator_hour: float | None = None,
    catalog: Catalog | None = None,
) -> TrainingEstimate:
    """Estimate a training run on N accelerators (``gigaplan estimate training``).

    Parameters
    ----------
    tokens : float
        Training tokens. [tokens]
    accelerator : str
        Catalog accelerator id or alias (``"h100"``).
    count : int
        Accelerators in the job. [accelerators]
    model : str, optional
        Catalog model id (``"llama-3.1-405b"``); or give ``params``.
    params, active_params : float, optional
        Parameter counts when no ``model`` is given (active for MoE). [params]
    seq_len : int, optional
        Adds the attention FLOPs per token (needs ``model``). [tokens]
    mfu : float, optional
        Model FLOPs utilisation; default the sourced fit. [dimensionless]
    precision : str
        ``"bf16"`` or ``"fp8"``.
    pue : float, optional
        Facility power / IT power; default the catalog's. [dimensionless]
    region : str, optional
        Catalog region for the grid carbon intensity.
    grid_kgco2_per_mwh : float, optional
        Grid intensity instead of a region's. [kgCO2/MWh]
    price_usd_per_accelerator_hour : float, optional
        Rental price; default the catalog's. [$/accelerator-h]
    catalog : Catalog, optional
        Default: the shipped catalog.

    Returns
    -------
    TrainingEstimate
        FLOPs, accelerator-hours, days, MWh, tCO2e and cost.

    Examples
    --------
    >>> est = estimate_training(model="llama-3.1-405b", tokens=15.6e12, count=16384)
    >>> 30 < est.wall_clock_days < 120
    True
    """
    given = dict(locals())  # the arguments, before any import adds names
    from gigaplan.workloads.schema import TrainingCase
    from gigaplan.workloads.stage import training_case

    case = _checked(TrainingCase, given, "estimate_training")
    return training_case(_catalog(catalog), case)


def estimate_inference(
    *,
    model: str = "llama-3.1-70b",
    accelerator: str = "h100",
    count: int = 8,
    precision: str = "fp8",
    batch: int = 64,
    input_tokens: int = 1000,
    output_tokens: int = 500,
    tokens_per_day: float | None = None,
    pue: float | None = None,
    price_usd_per_accelerator_hour: float | None = None,
    catalog: Catalog | None = None,
) -> InferenceEstimate:
    """Serve a catalog model on N accelerators (``gigaplan estimate inference``).

    Catalog names are resolved here; the arithmetic is
    :func:`gigaplan.workloads.inference.estimate_inference`.

    Parameters
    ----------
    model : str
        Catalog model id.
    accelerator : str
        Catalog accelerator id or alias.
    count : int
        Accelerators per replica. [accelerators]
    precision : str
        ``"bf16"``, ``"fp8"`` or ``"fp4"``.
    batch : int
        Concurrent sequences. [sequences]
    input_tokens, output_tokens : int
        Prompt and output length. [tokens]
    tokens_per_day : float, optional
        Output tokens per day to size the fleet for. [tokens/day]
    pue, price_usd_per_accelerator_hour, catalog
        As for :func:`estimate_training`.

    Returns
    -------
    InferenceEstimate
        Tokens/s, latency, J/token, $/M tokens and, with ``tokens_per_day``,
        the accelerators and MW needed.

    Examples
    --------
    >>> est = estimate_inference(model="llama-3.1-70b", tokens_per_day=1e11)
    >>> est.facility_mw > 0
    True
    """
    given = dict(locals())  # the arguments, before any import adds names
    from gigaplan.workloads.schema import InferenceCase
    from gigaplan.workloads.stage import inference_case

    case = _checked(InferenceCase, given, "estimate_inference")
    return inference_case(_catalog(catalog), case)


def validation_tables() -> dict[str, pd.DataFrame]:
    """Published vs estimated runs and measurements (``gigaplan validate``).

    Returns
    -------
    tables : dict of str to DataFrame
        ``training`` and ``inference``: one row per published case, with the
        estimate and its relative error.
    """
    from gigaplan.workloads.validation import (
        inference_accuracy_table,
        training_accuracy_table,
    )

    return {
        "training": training_accuracy_table(),
        "inference": inference_accuracy_table(),
    }


def solve_power(
    section: PowerSection | Mapping[str, Any] | None = None,
    catalog: Catalog | None = None,
    profiles: Mapping[str, Any] | None = None,
) -> CampusPowerResult:
    """Least-cost hourly power supply of one campus (``gigaplan power``).

    Parameters
    ----------
    section : PowerSection or dict, optional
        The ``power:`` section of a scenario (``{"region": "ercot",
        "it_load_mw": 1000, "co2_cap_t": 2e6}``); default its defaults.
    catalog : Catalog, optional
        Region coordinates, prices and grid intensity; default the shipped one.
    profiles : mapping of str to array, optional
        Hourly ``demand_mw``, ``solar_cf``, ``wind_cf`` or
        ``grid_price_usd_per_mwh`` replacing the synthetic ones.

    Returns
    -------
    CampusPowerResult
        Capacity by technology, hourly dispatch, summary and duals;
        :func:`gigaplan.power.pypsa_network.campus_network` gives the same LP
        as a PyPSA network.

    Examples
    --------
    >>> r = solve_power({"region": "ercot", "it_load_mw": 100, "hours": 168})
    >>> r.summary["annual_cost_usd"] > 0
    True
    """
    from gigaplan._schema import validation_to_input_error
    from gigaplan.power.schema import PowerSection
    from gigaplan.power.stage import solve_section

    if not isinstance(section, PowerSection):
        from pydantic import ValidationError

        try:
            section = PowerSection.model_validate(dict(section or {}))
        except ValidationError as err:
            raise validation_to_input_error(err, "power") from None
    return solve_section(section, _catalog(catalog), profiles)  # type: ignore[no-any-return]
