"""Calibration constants of the estimates: the catalog's ``workload_defaults``.

Shipped in ``catalog/data/workloads/defaults.yaml`` (each with its source) and
overridable with ``--catalog``; every function takes the catalog it reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from gigaplan.catalog.load import shipped_catalog
from gigaplan.catalog.schema import Accelerator, Catalog, Sourced
from gigaplan.workloads.mfu import MfuCoefficients


def default(name: str, catalog: Catalog | None = None) -> float:
    """Value of one calibration constant (see the YAML file for its source).

    Parameters
    ----------
    name : str
        A field of :class:`gigaplan.catalog.schema.WorkloadDefaults`.
    catalog : Catalog, optional
        The catalog to read; default the shipped one.

    Returns
    -------
    float
        The number, in the unit its name carries.
    """
    return shipped_catalog(catalog).workload_defaults.value(name)


def mfu_coefficients(catalog: Catalog | None = None) -> MfuCoefficients:
    """The fitted constants of the BF16 training-MFU model of ``catalog``.

    Parameters
    ----------
    catalog : Catalog, optional
        The catalog whose ``workload_defaults`` hold the fit; default the
        shipped one.

    Returns
    -------
    MfuCoefficients
        The ``training_mfu_*`` constants of ``workloads/defaults.yaml``.
    """
    values = shipped_catalog(catalog).workload_defaults
    return MfuCoefficients(
        intercept=values.value("training_mfu_intercept"),
        peak_slope=values.value("training_mfu_peak_slope"),
        matmul_half_width=values.value("training_mfu_matmul_half_width"),
        dp_overlap_fraction=values.value("training_dp_overlap_fraction"),
    )


@dataclass(frozen=True)
class InferenceEfficiencies:
    """Achieved fractions of peak the inference roofline uses. [dimensionless]"""

    prefill_mfu: float
    decode_mfu: float
    bandwidth_fraction: float
    #: routed-expert GEMM rate / dense GEMM rate (MoE models; 1 is dense-like).
    expert_gemm_efficiency: float = 1.0


def default_inference_efficiencies(
    catalog: Catalog | None = None,
) -> InferenceEfficiencies:
    """The calibrated efficiencies shipped in ``workloads/defaults.yaml``.

    Parameters
    ----------
    catalog : Catalog, optional
        Where the defaults are read (the shipped one if None).

    Returns
    -------
    efficiencies : InferenceEfficiencies
        Prefill and decode MFU, bandwidth fraction and expert GEMM efficiency
        (H100 fit). [dimensionless]
    """
    return InferenceEfficiencies(
        prefill_mfu=default("prefill_mfu", catalog),
        decode_mfu=default("decode_mfu", catalog),
        bandwidth_fraction=default("decode_bandwidth_fraction", catalog),
        expert_gemm_efficiency=default("moe_expert_gemm_efficiency", catalog),
    )


def accelerator_inference_efficiencies(
    acc: Accelerator, catalog: Catalog | None = None
) -> InferenceEfficiencies:
    """
    A catalog accelerator's own fitted efficiencies, each falling back to the default.

    Achieved fractions of peak depend on the chip and the serving engine that
    published its numbers (TensorRT-LLM on NVIDIA, vLLM on ROCm, Intel's stack
    on Gaudi), so each accelerator with published serving rows carries its own
    fit (:func:`fit_accelerator_efficiencies`); the others take the H100 values
    of ``defaults.yaml``. The routed-expert GEMM efficiency is fitted once, on
    the H100 MoE rows, and shared by every chip.

    Parameters
    ----------
    acc : Accelerator
        A catalog accelerator, with or without its own fit.
    catalog : Catalog, optional
        For the defaults; the shipped one by default.

    Returns
    -------
    InferenceEfficiencies
        Fractions of peak compute and bandwidth. [dimensionless]
    """
    base = default_inference_efficiencies(catalog)

    def _own(number: Sourced | None, fallback: float) -> float:
        return fallback if number is None or number.value is None else number.value

    return InferenceEfficiencies(
        prefill_mfu=_own(acc.prefill_mfu, base.prefill_mfu),
        decode_mfu=_own(acc.decode_mfu, base.decode_mfu),
        bandwidth_fraction=_own(acc.decode_bandwidth_fraction, base.bandwidth_fraction),
        expert_gemm_efficiency=base.expert_gemm_efficiency,
    )
