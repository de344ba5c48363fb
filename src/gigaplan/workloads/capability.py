"""What one accelerator type delivers for a model: the planner's per-chip figures."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from gigaplan.catalog import Catalog
from gigaplan.catalog.load import find_accelerator, find_model
from gigaplan.catalog.schema import PRECISIONS
from gigaplan.errors import InputError
from gigaplan.workloads.defaults import default

BYTES_PER_PARAM = {"bf16": 2.0, "fp8": 1.0, "fp4": 0.5}


@dataclass(frozen=True)
class Capability:
    """Per-accelerator throughput, power and price for one model."""

    output_tokens_per_s_per_accelerator: float
    training_flops_per_s_per_accelerator: float
    power_w_per_accelerator: float
    price_usd: float | None


def accelerator_power_w(acc: Any) -> tuple[float, float]:
    """TDP and system overhead per accelerator of a catalog entry. [W]

    A null overhead is taken as ``system_overhead_fraction_of_tdp`` x TDP (an
    assumption sourced in ``workloads/defaults.yaml``), never as 0 W, which
    would understate the power of every rack-scale and non-NVIDIA system.

    Raises
    ------
    InputError
        The catalog has no TDP for the accelerator.
    """
    tdp_w = acc.tdp_w.value
    if tdp_w is None:
        raise InputError(
            f"accelerator {acc.name}: tdp_w",
            None,
            "not in the catalog (no sourced figure); give power_w (all-in IT W per "
            "accelerator) in a plan, or add tdp_w with --catalog",
        )
    overhead_w = acc.system_overhead_w.value
    if overhead_w is None:
        overhead_w = default("system_overhead_fraction_of_tdp") * tdp_w
    return float(tdp_w), float(overhead_w)


def decode_tokens_per_s_per_accelerator(
    *,
    active_params: float,
    total_params: float,
    bytes_per_param: float,
    memory_tb_per_s: float,
    peak_tflops: float,
    batch: int,
    count: int,
    bandwidth_fraction: float,
) -> float:
    r"""
    Decode throughput per accelerator from a per-step roofline (weights only).

    Notes
    -----
    Step time :math:`= \max(W / (n\,\eta B),\; 2 N_a b / (n P))` with weights
    :math:`W = N_{tot} \cdot` bytes; KV-cache reads are left out here (an
    optimistic bound at long contexts), and the compute term runs at full peak
    rather than the fitted ``decode_mfu``, so this is an upper bound.
    ``bandwidth_fraction`` is fitted in ``workloads/defaults.yaml``; the model
    validated against published measurements (``gigaplan validate``) is
    :func:`gigaplan.workloads.inference.estimate_inference`.
    """
    weights_bytes = total_params * bytes_per_param
    t_mem = weights_bytes / (count * bandwidth_fraction * memory_tb_per_s * 1e12)
    t_compute = 2.0 * active_params * batch / (count * peak_tflops * 1e12)
    return batch / max(t_mem, t_compute) / count


def accelerator_capability(
    catalog: Catalog,
    accelerator: str,
    model: str,
    precision: str = "fp8",
    batch: int = 64,
    input_tokens: int = 1000,
    output_tokens: int = 500,
) -> Capability:
    """
    Per-accelerator figures the buildout planner needs for one chip type.

    Training FLOP/s is BF16 peak x the sourced default MFU; power is the
    average training draw (fraction of TDP) plus the system overhead share
    (:func:`accelerator_power_w`).
    """
    _, acc = find_accelerator(catalog, accelerator)
    _, mdl = find_model(catalog, model)
    if precision not in BYTES_PER_PARAM:
        raise InputError("precision", precision, "one of bf16, fp8, fp4")
    peak = acc.peak_tflops(precision)  # type: ignore[arg-type]
    if peak is None:
        have = [p for p in PRECISIONS if acc.peak_tflops(p)]
        raise InputError(
            "precision", precision, f"{acc.name} supports {', '.join(have)}"
        )
    for f, v in (
        ("batch", batch),
        ("input_tokens", input_tokens),
        ("output_tokens", output_tokens),
    ):
        if v <= 0:
            raise InputError(f, v, "must be > 0")
    total = float(mdl.total_params.value or 0)
    active = float(mdl.active_params.value or total)
    mem_gb = float(acc.memory_gb.value or 0)
    weights_gb = total * BYTES_PER_PARAM[precision] / 1e9
    count = max(1, math.ceil(weights_gb / (0.8 * mem_gb)))
    tps = decode_tokens_per_s_per_accelerator(
        active_params=active,
        total_params=total,
        bytes_per_param=BYTES_PER_PARAM[precision],
        memory_tb_per_s=float(acc.memory_tb_per_s.value or 0),
        peak_tflops=peak,
        batch=batch,
        count=count,
        bandwidth_fraction=default("decode_bandwidth_fraction"),
    )
    bf16 = acc.peak_tflops("bf16") or peak
    tdp_w, overhead_w = accelerator_power_w(acc)
    power_w = default("training_power_fraction_of_tdp") * tdp_w + overhead_w
    return Capability(
        output_tokens_per_s_per_accelerator=tps,
        training_flops_per_s_per_accelerator=bf16 * 1e12 * default("training_mfu"),
        power_w_per_accelerator=power_w,
        price_usd=acc.price_usd.value,
    )


def kv_bytes_per_token(model: object, bytes_per_value: float) -> float:
    """
    KV-cache bytes per token of context for a catalog model, all layers.

    Grouped-query attention stores K and V per KV head:
    ``2 * layers * kv_heads * head_dim``; multi-head latent attention (MLA,
    DeepSeek-V2 arXiv:2405.04434 section 2.1) stores ``kv_lora_rank + rope_dim``
    per layer.
    """
    layers = float(model.layers.value or 0)  # type: ignore[attr-defined]
    lora = getattr(model, "kv_lora_rank", None)
    if lora is not None and lora.value:
        rope = model.kv_rope_dim.value or 0  # type: ignore[attr-defined]
        return layers * (float(lora.value) + float(rope)) * bytes_per_value
    kv_heads = float(model.kv_heads.value or 0)  # type: ignore[attr-defined]
    head_dim = float(model.head_dim.value or 0)  # type: ignore[attr-defined]
    return 2.0 * layers * kv_heads * head_dim * bytes_per_value
