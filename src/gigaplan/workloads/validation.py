"""Estimates against published training runs and inference measurements."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, ValidationError, model_validator

from gigaplan._schema import STRICT
from gigaplan.catalog.load import data_dir, find_accelerator, read_yaml, shipped_catalog
from gigaplan.catalog.schema import Catalog
from gigaplan.errors import CatalogError
from gigaplan.workloads.capability import BYTES_PER_PARAM, accelerator_power_w
from gigaplan.workloads.defaults import (
    InferenceEfficiencies,
    accelerator_inference_efficiencies,
    default,
    mfu_coefficients,
)
from gigaplan.workloads.inference import (
    InferenceEstimate,
    MoeShape,
    estimate_inference,
)
from gigaplan.workloads.mfu import (
    MfuCoefficients,
    TrainingLayout,
    TrainingRun,
    fit_mfu_coefficients,
    leave_one_out_errors,
    mfu_breakdown,
    published_mfu,
)
from gigaplan.workloads.training import training_flops


def _training_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = read_yaml(
        data_dir() / "workloads" / "validation.yaml"
    )["cases"]
    return cases


def published_accelerator_hours(case: dict[str, Any]) -> float:
    """
    A training case's published accelerator-hours.

    Runs give them directly (``accelerator_hours``); throughput cases give
    ``published_tokens_per_s_per_accelerator`` and the hours are those of the
    case's ``tokens`` at that rate, so the error of the estimated hours is the
    error of the estimated throughput, inverted.

    Parameters
    ----------
    case : dict
        One ``training_cases`` row of ``validation.yaml``.

    Returns
    -------
    float
        Accelerator-hours. [accelerator-h]
    """
    if "accelerator_hours" in case:
        return float(case["accelerator_hours"])
    tps = float(case["published_tokens_per_s_per_accelerator"])
    return float(case["tokens"]) / tps / 3600.0


def case_run(case: dict[str, Any]) -> TrainingRun:
    """The :class:`TrainingRun` of one validation case (its ``run`` mapping).

    Parameters
    ----------
    case : dict
        One ``training_cases`` row with a ``run`` mapping.

    Returns
    -------
    TrainingRun
        Model size, chip and layout.
    """
    run = case["run"]
    layout = TrainingLayout(
        count=int(run["count"]),
        tensor_parallel=int(run.get("tensor_parallel", 1)),
        pipeline_parallel=int(run.get("pipeline_parallel", 1)),
        expert_parallel=int(run.get("expert_parallel", 1)),
        virtual_stages=float(run.get("virtual_stages", 1.0)),
        global_batch_tokens=float(run["global_batch_tokens"]),
        seq_len=float(run["seq_len"]),
    )
    return TrainingRun(
        active_params=float(case["active_params"]),
        bf16_peak_tflops=float(case["peak_tflops"]),
        dp_gb_per_s=float(run["dp_gb_per_s"]),
        hidden_size=float(run["hidden_size"]),
        layers=float(run["layers"]),
        layout=layout,
        total_params=float(run.get("total_params", case["active_params"])),
        routed_expert_params=float(run.get("routed_expert_params", 0.0)),
        active_routed_expert_params=float(run.get("active_routed_expert_params", 0.0)),
        expert_ffn_size=(
            float(run["expert_ffn_size"]) if "expert_ffn_size" in run else None
        ),
        comm_compute_fraction=float(run.get("comm_compute_fraction", 0.0)),
        attention_flops_per_token=training_flops(
            0.0,
            1.0,
            layers=float(run["layers"]),
            seq_len=float(run["seq_len"]),
            attn_dim=float(run.get("attn_dim", run["hidden_size"])),
        ),
    )


def case_goodput(case: dict[str, Any]) -> float:
    """Useful / elapsed time: ``training_goodput`` for whole runs, 1 for step rates.

    Parameters
    ----------
    case : dict
        One ``training_cases`` row (whole runs give ``accelerator_hours``).

    Returns
    -------
    goodput : float
        Share of elapsed time spent on useful steps. [dimensionless]
    """
    return default("training_goodput") if "accelerator_hours" in case else 1.0


def _precision_speedup(case: dict[str, Any]) -> float:
    """Measured FP8 / BF16 training throughput for FP8 cases, else 1."""
    if case.get("precision", "bf16") == "bf16":
        return 1.0
    return default("fp8_training_speedup")


def case_published_bf16_mfu(case: dict[str, Any]) -> float:
    """Published MFU against the BF16 peak, FP8 runs divided by their speed-up.

    Parameters
    ----------
    case : dict
        One ``training_cases`` row: ``tokens``, ``peak_tflops`` and ``run``.

    Returns
    -------
    mfu : float
        Model FLOPs utilisation at BF16. [dimensionless]
    """
    return published_mfu(
        case_run(case).flops_per_token,
        float(case["tokens"]),
        float(case["peak_tflops"]) * _precision_speedup(case),
        published_accelerator_hours(case),
    )


def fit_training_mfu() -> tuple[MfuCoefficients, dict[str, float]]:
    """
    Refit the MFU constants on the ``fit`` training cases; leave-one-out errors.

    Returns the coefficients and, per fit case, the relative error of its
    accelerator-hours predicted by a fit on the other fit cases.

    Returns
    -------
    coefficients : MfuCoefficients
        The refitted constants.
    loo_errors : dict of str to float
        Case name -> leave-one-out relative error. [dimensionless]
    """
    fit = [c for c in _training_cases() if c["role"] == "fit"]
    runs = [case_run(c) for c in fit]
    mfu = [case_published_bf16_mfu(c) for c in fit]
    goodput = [case_goodput(c) for c in fit]
    hop = default("collective_hop_latency_s")
    coef = fit_mfu_coefficients(runs, mfu, hop, goodput)
    loo = leave_one_out_errors(runs, mfu, hop, goodput, start=coef)
    return coef, {c["name"]: e for c, e in zip(fit, loo, strict=True)}


def training_accuracy_table() -> pd.DataFrame:
    """
    Published vs estimated accelerator-hours for each case in ``validation.yaml``.

    Estimates use 6·N·D at the MFU of :func:`gigaplan.workloads.mfu.mfu_breakdown`
    for the case's layout, with the shipped coefficients, the measured FP8
    speed-up for FP8 runs and the goodput of whole runs. ``role`` says whether
    a case was used to fit the coefficients; for ``fit`` cases
    ``loo_error_pct`` is the error when that case is left out of the fit.

    Returns
    -------
    pandas.DataFrame
        One row per case: published and estimated hours, ``error_pct``
        [%], ``role`` and ``loo_error_pct`` [%].
    """
    coef = mfu_coefficients()
    hop = default("collective_hop_latency_s")
    _, loo = fit_training_mfu()
    rows = []
    for case in _training_cases():
        run = case_run(case)
        terms = mfu_breakdown(run, coef, hop)
        mfu = terms.mfu * _precision_speedup(case) * case_goodput(case)
        flops = run.flops_per_token * case["tokens"]
        est_h = flops / (mfu * case["peak_tflops"] * 1e12) / 3600.0
        pub_h = published_accelerator_hours(case)
        rows.append(
            {
                "case": case["name"],
                "source": case["source"],
                "role": case["role"],
                "precision": case.get("precision", "bf16"),
                "count": int(case["run"]["count"]),
                "mfu": mfu,
                "communication_share": terms.communication_share,
                "bubble_share": terms.bubble_share,
                "published_accelerator_hours": pub_h,
                "estimated_accelerator_hours": est_h,
                "error_pct": 100.0 * (est_h - pub_h) / pub_h,
                "loo_error_pct": (
                    100.0 * loo[case["name"]] if case["name"] in loo else None
                ),
            }
        )
    return pd.DataFrame(rows)


def error_summary(table: pd.DataFrame, group: str) -> list[dict[str, Any]]:
    """
    Median and worst absolute error per role (in sample ``fit``, out ``test``).

    Worst is also given as a ratio, max(estimate/published, published/estimate).
    For the training ``fit`` group the leave-one-out errors are summarised too.

    Parameters
    ----------
    table : pandas.DataFrame
        An accuracy table with ``role`` and ``error_pct`` [%].
    group : str
        Name of the table (``training``, ``inference``...), kept in each row.

    Returns
    -------
    list of dict
        One row per role: median and worst error [%], worst ratio.
    """
    out = []
    for role, part in table.groupby("role"):
        ratio = 1.0 + part["error_pct"] / 100.0
        row: dict[str, Any] = {
            "group": group,
            "role": role,
            "cases": len(part),
            "median_abs_error_pct": float(part["error_pct"].abs().median()),
            "worst_abs_error_pct": float(part["error_pct"].abs().max()),
            "worst_ratio": float(np.maximum(ratio, 1.0 / ratio).max()),
        }
        if "loo_error_pct" in part and part["loo_error_pct"].notna().any():
            loo = part["loo_error_pct"].dropna().astype(float).abs()
            row["loo_median_abs_error_pct"] = float(loo.median())
            row["loo_worst_abs_error_pct"] = float(loo.max())
        out.append(row)
    return out


class _Frozen(BaseModel):
    model_config = STRICT  # frozen, no unknown keys, finite floats


class ValidationModel(_Frozen):
    """Architecture of a model used by an inference validation case."""

    source: str
    total_params: float = Field(gt=0)
    active_params: float = Field(gt=0)
    layers: int = Field(gt=0)
    kv_heads: int = Field(gt=0)
    head_dim: int = Field(gt=0)
    hidden_size: int | None = Field(None, gt=0)
    experts: int = Field(1, gt=0)
    experts_per_token: int = Field(1, gt=0)
    routed_expert_params: float = Field(0.0, ge=0)
    note: str | None = None


class ValidationAccelerator(_Frozen):
    """Peak figures of an accelerator used by an inference validation case."""

    source: str
    bf16_dense_tflops: float = Field(gt=0)
    fp8_dense_tflops: float | None = Field(None, gt=0)
    memory_tb_per_s: float = Field(gt=0)
    memory_gb: float = Field(gt=0)
    scale_up_gb_per_s: float | None = Field(None, gt=0)
    scale_up_source: str | None = None
    catalog_id: str | None = None
    note: str | None = None


class InferenceValidationCase(_Frozen):
    """One published inference throughput measurement with its configuration."""

    name: str
    source: str
    role: Literal["fit", "test"]
    known_bias: bool = False
    model: str
    accelerator: str
    precision: Literal["bf16", "fp8"]
    count: int = Field(gt=0)
    expert_parallel: int = Field(1, gt=0)
    batch: int = Field(gt=0)
    input_tokens: int = Field(gt=0)
    output_tokens: int = Field(gt=0)
    published_output_tokens_per_s_per_accelerator: float = Field(gt=0)
    note: str | None = None


class InferenceValidationSet(_Frozen):
    """The ``inference_*`` sections of ``validation.yaml``, cross-checked."""

    sources: dict[str, str]
    inference_models: dict[str, ValidationModel]
    inference_accelerators: dict[str, ValidationAccelerator]
    inference_cases: list[InferenceValidationCase] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_resolve(self) -> InferenceValidationSet:
        cited = {
            f"inference_models.{k}": v.source for k, v in self.inference_models.items()
        }
        cited |= {
            f"inference_accelerators.{k}": v.source
            for k, v in self.inference_accelerators.items()
        }
        cited |= {
            f"inference_accelerators.{k}.scale_up_source": str(v.scale_up_source)
            for k, v in self.inference_accelerators.items()
            if v.scale_up_gb_per_s is not None or v.scale_up_source is not None
        }
        for i, case in enumerate(self.inference_cases):
            where = f"inference_cases[{i}] ({case.name})"
            if case.model not in self.inference_models:
                raise ValueError(f"{where}: unknown model {case.model!r}")
            acc = self.inference_accelerators.get(case.accelerator)
            if acc is None:
                raise ValueError(f"{where}: unknown accelerator {case.accelerator!r}")
            if case.precision == "fp8" and acc.fp8_dense_tflops is None:
                raise ValueError(f"{where}: {case.accelerator} has no fp8 peak")
            cited[where] = case.source
        for where, source in cited.items():
            if source not in self.sources:
                raise ValueError(f"{where}: unknown source {source!r}; see `sources`")
        return self


def load_inference_validation(path: Path | None = None) -> InferenceValidationSet:
    """Read and check the inference cases of ``validation.yaml`` (or ``path``).

    Parameters
    ----------
    path : Path, optional
        A ``validation.yaml``; the shipped one by default.

    Returns
    -------
    InferenceValidationSet
        Sources, models, accelerators and cases, checked.
    """
    path = path or data_dir() / "workloads" / "validation.yaml"
    raw = read_yaml(path)
    keys = ("sources", "inference_models", "inference_accelerators", "inference_cases")
    try:
        return InferenceValidationSet.model_validate({k: raw.get(k) for k in keys})
    except ValidationError as err:
        first = err.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise CatalogError(f"{path}: {loc}: {first['msg']}") from None


def shipped_case_efficiencies(
    data: InferenceValidationSet, catalog: Catalog | None = None
) -> dict[str, InferenceEfficiencies]:
    """Efficiencies each validation accelerator gets from the shipped catalog.

    Parameters
    ----------
    data : InferenceValidationSet
        The inference cases.
    catalog : Catalog, optional
        Default: the shipped one.

    Returns
    -------
    dict of str to InferenceEfficiencies
        By validation accelerator key.
    """
    cat = shipped_catalog(catalog)
    out = {}
    for key, acc in data.inference_accelerators.items():
        _, entry = find_accelerator(cat, acc.catalog_id or key)
        out[key] = accelerator_inference_efficiencies(entry, cat)
    return out


def _inference_estimate(
    data: InferenceValidationSet,
    case: InferenceValidationCase,
    efficiencies: InferenceEfficiencies,
    **power: float,
) -> InferenceEstimate:
    """The roofline for one case; ``power`` gives TDP and power fractions (W, -)."""
    mdl = data.inference_models[case.model]
    acc = data.inference_accelerators[case.accelerator]
    bytes_per_value = BYTES_PER_PARAM[case.precision]
    peak = acc.fp8_dense_tflops if case.precision == "fp8" else acc.bf16_dense_tflops
    watts = {
        "tdp_w": 0.0,
        "system_overhead_w": 0.0,
        "power_fraction_of_tdp": 0.0,
    } | power
    return estimate_inference(
        total_params=mdl.total_params,
        active_params=mdl.active_params,
        kv_bytes_per_token=2.0
        * mdl.layers
        * mdl.kv_heads
        * mdl.head_dim
        * bytes_per_value,
        bytes_per_param=bytes_per_value,
        peak_tflops=float(peak or 0.0),
        memory_tb_per_s=acc.memory_tb_per_s,
        memory_gb=acc.memory_gb,
        count=case.count,
        batch=case.batch,
        input_tokens=case.input_tokens,
        output_tokens=case.output_tokens,
        prefill_mfu=efficiencies.prefill_mfu,
        decode_mfu=efficiencies.decode_mfu,
        bandwidth_fraction=efficiencies.bandwidth_fraction,
        check_memory=False,
        hidden_size=mdl.hidden_size,
        layers=mdl.layers,
        scale_up_gb_per_s=acc.scale_up_gb_per_s,
        moe=MoeShape(
            routed_expert_params=mdl.routed_expert_params,
            experts=mdl.experts,
            experts_per_token=mdl.experts_per_token,
            expert_parallel=case.expert_parallel,
        ),
        expert_gemm_efficiency=efficiencies.expert_gemm_efficiency,
        **watts,
    )


def estimate_case_tokens_per_s(
    data: InferenceValidationSet,
    case: InferenceValidationCase,
    efficiencies: InferenceEfficiencies,
) -> float:
    """
    Estimated output tokens/s per accelerator for one validation case.

    Weights and KV cache are stored at the case's precision (FP8: 1 byte, BF16 or
    FP16: 2 bytes); power and price do not enter throughput and are set to zero.

    Parameters
    ----------
    data : InferenceValidationSet
        For the case's model and accelerator.
    case : InferenceValidationCase
        The case.
    efficiencies : InferenceEfficiencies
        Fractions of peak to estimate with.

    Returns
    -------
    float
        Output tokens/s per accelerator. [tokens/s]
    """
    return _inference_estimate(
        data, case, efficiencies
    ).output_tokens_per_s_per_accelerator


#: Weight of the pull toward the H100 efficiencies when fitting another chip on
#: few rows: the penalty on each log-efficiency's distance from the H100 value,
#: against log errors of the rows. 0.3 lets two rows that pin an efficiency move
#: it freely (a 2x change costs 0.3 x ln 2 = 0.21, one row's 23 % error) while an
#: efficiency no fit row constrains stays at the H100 value. [dimensionless]
PRIOR_WEIGHT = 0.3


def _is_moe(data: InferenceValidationSet, case: InferenceValidationCase) -> bool:
    return data.inference_models[case.model].routed_expert_params > 0.0


def fit_accelerator_efficiencies(
    data: InferenceValidationSet,
    accelerator: str,
    prior: InferenceEfficiencies | None = None,
    exclude: str | None = None,
) -> InferenceEfficiencies:
    """
    Least-squares fit of the efficiencies to one accelerator's ``fit`` rows.

    Minimises the sum of squared log errors (estimated / published) with
    :func:`scipy.optimize.least_squares`, each efficiency bounded to [0.05, 1].
    With ``prior``, adds ``PRIOR_WEIGHT`` x (log efficiency - log prior) per
    efficiency, so a chip with few fit rows keeps the prior's value for what
    its rows do not pin down (MI300X rows are all 128/128: no prefill-heavy row),
    and takes the prior's routed-expert GEMM efficiency. Without a prior (H100)
    that efficiency is fitted too when the rows include an MoE model.
    ``exclude`` leaves one row out (leave-one-out).

    Parameters
    ----------
    data : InferenceValidationSet
        The inference cases.
    accelerator : str
        Validation accelerator key (``h100``).
    prior : InferenceEfficiencies, optional
        Values to pull toward.
    exclude : str, optional
        Name of a case to leave out.

    Returns
    -------
    InferenceEfficiencies
        The fit. [dimensionless]
    """
    from scipy.optimize import least_squares

    cases = [
        c
        for c in data.inference_cases
        if c.role == "fit"
        and c.accelerator == accelerator
        and not c.known_bias
        and c.name != exclude
    ]
    if not cases:
        raise CatalogError(f"validation.yaml: no fit rows for {accelerator!r}")
    start = prior or InferenceEfficiencies(0.5, 0.5, 0.5, 0.5)
    fit_expert = prior is None and any(_is_moe(data, c) for c in cases)
    x0 = np.log(
        [start.prefill_mfu, start.decode_mfu, start.bandwidth_fraction]
        + ([start.expert_gemm_efficiency] if fit_expert else [])
    )

    def _efficiencies(x: np.ndarray) -> InferenceEfficiencies:
        values = [float(v) for v in np.exp(x)]
        expert = values[3] if fit_expert else start.expert_gemm_efficiency
        prefill, decode, bandwidth = values[:3]
        return InferenceEfficiencies(prefill, decode, bandwidth, expert)

    def _residuals(x: np.ndarray) -> list[float]:
        eff = _efficiencies(x)
        out = [
            float(np.log(estimate_case_tokens_per_s(data, c, eff)))
            - float(np.log(c.published_output_tokens_per_s_per_accelerator))
            for c in cases
        ]
        if prior is not None:
            out += [float(v) for v in PRIOR_WEIGHT * (x - x0)]
        return out

    fit = least_squares(_residuals, x0=x0, bounds=(np.log(0.05), 0.0))
    return _efficiencies(fit.x)


def fit_inference_efficiencies(
    data: InferenceValidationSet,
) -> dict[str, InferenceEfficiencies]:
    """
    Refit every accelerator with fit rows: H100 alone, the others toward it.

    The H100 fit is the shipped default (``defaults.yaml``); each other
    accelerator is fitted on its own ``fit`` rows with the H100 values as prior
    (:data:`PRIOR_WEIGHT`). ``tests/validation`` checks the catalog carries these.

    Parameters
    ----------
    data : InferenceValidationSet
        The inference cases.

    Returns
    -------
    dict of str to InferenceEfficiencies
        By validation accelerator key.
    """
    h100 = fit_accelerator_efficiencies(data, "h100")
    with_rows = {c.accelerator for c in data.inference_cases if c.role == "fit"}
    return {
        key: h100 if key == "h100" else fit_accelerator_efficiencies(data, key, h100)
        for key in data.inference_accelerators
        if key in with_rows
    }


def moe_leave_one_out_errors(data: InferenceValidationSet) -> dict[str, float]:
    """
    Error (%) of each H100 MoE fit row predicted by an H100 fit without it.

    The routed-expert GEMM efficiency is fitted with the H100 efficiencies on
    the H100 fit rows (:func:`fit_accelerator_efficiencies`); leaving one MoE
    row out shows how well the others pin it.

    Parameters
    ----------
    data : InferenceValidationSet
        The inference cases; only H100 ``fit`` rows of MoE models are used.

    Returns
    -------
    errors : dict of str to float
        Case name -> error. [%]
    """
    out = {}
    for case in data.inference_cases:
        if case.role != "fit" or case.accelerator != "h100" or not _is_moe(data, case):
            continue
        eff = fit_accelerator_efficiencies(data, "h100", exclude=case.name)
        est = estimate_case_tokens_per_s(data, case, eff)
        pub = case.published_output_tokens_per_s_per_accelerator
        out[case.name] = 100.0 * (est - pub) / pub
    return out


def inference_accuracy_table(
    data: InferenceValidationSet | None = None,
    efficiencies: InferenceEfficiencies | None = None,
) -> pd.DataFrame:
    """
    Published vs estimated output tokens/s per accelerator for each inference case.

    Estimates use the calibrated efficiencies in ``defaults.yaml`` unless
    ``efficiencies`` is given. ``role`` says whether a case was used to fit them
    (``fit``) or is out of sample (``test``); ``known_bias`` marks cases the
    roofline misses for a stated reason (see ``validation.yaml``).

    Parameters
    ----------
    data : InferenceValidationSet, optional
        Default: the shipped cases.
    efficiencies : InferenceEfficiencies, optional
        One set for every chip instead of each chip's own.

    Returns
    -------
    pandas.DataFrame
        One row per case: published and estimated tokens/s, ``error_pct``
        [%] and ``role``.
    """
    data = data or load_inference_validation()
    per_acc = shipped_case_efficiencies(data)
    rows = []
    for case in data.inference_cases:
        eff = efficiencies or per_acc[case.accelerator]
        est = estimate_case_tokens_per_s(data, case, eff)
        pub = case.published_output_tokens_per_s_per_accelerator
        rows.append(
            {
                "case": case.name,
                "source": case.source,
                "role": case.role,
                "known_bias": case.known_bias,
                "published_output_tokens_per_s_per_accelerator": pub,
                "estimated_output_tokens_per_s_per_accelerator": est,
                "error_pct": 100.0 * (est - pub) / pub,
            }
        )
    return pd.DataFrame(rows)


class EnergyValidationCase(_Frozen):
    """One measured power or energy per token at a stated boundary."""

    name: str
    source: str
    role: Literal["fit", "test"]
    boundary: Literal["accelerator", "it"]
    workload: Literal["inference", "training"]
    accelerator: str
    model: str | None = None
    precision: Literal["bf16", "fp8"] = "bf16"
    count: int = Field(1, gt=0)
    batch: int = Field(1, gt=0)
    input_tokens: int = Field(1, gt=0)
    output_tokens: int = Field(1, gt=0)
    measured_j_per_output_token: float | None = Field(None, gt=0)
    measured_w_per_accelerator: float | None = Field(None, gt=0)
    note: str | None = None

    @model_validator(mode="after")
    def _one_measure(self) -> EnergyValidationCase:
        need = (
            "measured_j_per_output_token"
            if self.workload == "inference"
            else "measured_w_per_accelerator"
        )
        if getattr(self, need) is None:
            raise ValueError(f"{self.name}: a {self.workload} case needs {need}")
        if self.workload == "inference" and self.model is None:
            raise ValueError(f"{self.name}: an inference case needs a model")
        return self


def load_energy_cases(path: Path | None = None) -> list[EnergyValidationCase]:
    """Read and check the ``energy_cases`` of ``validation.yaml`` (or ``path``).

    Parameters
    ----------
    path
        As for :func:`load_inference_validation`.

    Returns
    -------
    list of EnergyValidationCase
        The checked cases.
    """
    path = path or data_dir() / "workloads" / "validation.yaml"
    raw = read_yaml(path)
    try:
        cases = [EnergyValidationCase.model_validate(c) for c in raw["energy_cases"]]
    except ValidationError as err:
        first = err.errors()[0]
        raise CatalogError(f"{path}: energy_cases: {first['msg']}") from None
    unknown = [c.source for c in cases if c.source not in raw["sources"]]
    if unknown:
        raise CatalogError(f"{path}: energy_cases: unknown sources {unknown}")
    return cases


def _estimated_energy(
    case: EnergyValidationCase,
    data: InferenceValidationSet,
    catalog: Catalog,
) -> tuple[float, float]:
    """Estimated (J per output token or W per accelerator, that at the IT boundary)."""
    _, acc = find_accelerator(catalog, case.accelerator)
    tdp_w, overhead_w = accelerator_power_w(acc, catalog)
    if case.workload == "training":
        acc_w = default("training_power_fraction_of_tdp", catalog) * tdp_w
        return (acc_w if case.boundary == "accelerator" else acc_w + overhead_w), 0.0
    icase = InferenceValidationCase(
        name=case.name,
        source=case.source,
        role=case.role,
        model=str(case.model),
        accelerator=case.accelerator,
        precision=case.precision,
        count=case.count,
        batch=case.batch,
        input_tokens=case.input_tokens,
        output_tokens=case.output_tokens,
        published_output_tokens_per_s_per_accelerator=1.0,
    )
    est = _inference_estimate(
        data,
        icase,
        accelerator_inference_efficiencies(acc, catalog),
        tdp_w=tdp_w,
        system_overhead_w=overhead_w,
        power_fraction_of_tdp=default("inference_power_fraction_of_tdp", catalog),
        memory_bound_power_fraction_of_tdp=default(
            "decode_memory_bound_power_fraction_of_tdp", catalog
        ),
    )
    if case.boundary == "accelerator":
        return est.accelerator_energy_j_per_output_token, est.accelerator_power_w
    return est.it_energy_j_per_output_token, est.it_power_w


def energy_accuracy_table(catalog: Catalog | None = None) -> pd.DataFrame:
    """
    Measured vs estimated energy at its boundary for each ``energy_cases`` row.

    Inference rows compare J per output token (estimated power over estimated
    throughput, per-chip efficiencies and the power fractions of
    ``defaults.yaml``); training rows compare W per accelerator.

    Parameters
    ----------
    catalog : Catalog, optional
        Power fractions, PUE and chips (shipped if None).

    Returns
    -------
    table : pandas.DataFrame
        One row per case: measured and estimated value, its unit and
        ``error_pct``. [%]
    """
    cat = shipped_catalog(catalog)
    data = load_inference_validation()
    rows = []
    for case in load_energy_cases():
        est, power_w = _estimated_energy(case, data, cat)
        measured = float(
            case.measured_j_per_output_token
            if case.workload == "inference"
            else case.measured_w_per_accelerator  # type: ignore[arg-type]
        )
        rows.append(
            {
                "case": case.name,
                "source": case.source,
                "role": case.role,
                "boundary": case.boundary,
                "quantity": (
                    "j_per_output_token"
                    if case.workload == "inference"
                    else "w_per_accelerator"
                ),
                "measured": measured,
                "estimated": est,
                "estimated_power_w_per_accelerator": power_w or est,
                "error_pct": 100.0 * (est - measured) / measured,
            }
        )
    return pd.DataFrame(rows)
