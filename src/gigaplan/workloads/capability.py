"""What one accelerator type delivers for a model: the planner's per-chip figures.

:func:`accelerator_capability` runs the same estimators as ``gigaplan estimate
inference`` and ``gigaplan estimate training`` (:func:`~gigaplan.workloads.stage.
inference_case`, :func:`~gigaplan.workloads.stage.training_case`), so a plan
accelerator named by catalog id gets exactly the validated numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from gigaplan.catalog import Catalog
from gigaplan.catalog.load import find_accelerator, find_model
from gigaplan.errors import InputError
from gigaplan.workloads.defaults import default

BYTES_PER_PARAM = {"bf16": 2.0, "fp8": 1.0, "fp4": 0.5}

#: Tokens per training run used to evaluate training FLOP/s per accelerator; the
#: rate does not depend on it (hours scale with tokens, FLOP/s does not). [count]
_RATE_TOKENS = 1e12


@dataclass(frozen=True)
class Capability:
    """Per-accelerator throughput, power and price for one model.

    ``power_w_per_accelerator`` is the all-in IT power per accelerator while
    serving (equal to ``it_power_w``); ``sources`` says where each number came
    from.
    """

    output_tokens_per_s_per_accelerator: float
    training_flops_per_s_per_accelerator: float
    power_w_per_accelerator: float
    price_usd: float | None
    accelerator_power_w: float = 0.0
    it_power_w: float = 0.0
    training_accelerator_power_w: float = 0.0
    training_it_power_w: float = 0.0
    training_mfu: float = 0.0
    rental_usd_per_hour: float | None = None
    accelerators_per_replica: int = 1
    sources: dict[str, str] = field(default_factory=dict)


def accelerator_power_w(
    acc: Any, catalog: Catalog | None = None
) -> tuple[float, float]:
    """TDP and system overhead per accelerator of a catalog entry. [W]

    A null overhead is taken as ``system_overhead_fraction_of_tdp`` x TDP (an
    assumption sourced in ``workloads/defaults.yaml``), never as 0 W, which
    would understate the power of every rack-scale and non-NVIDIA system.

    Parameters
    ----------
    acc : Accelerator
        A catalog accelerator.
    catalog : Catalog, optional
        For the overhead default; the shipped one by default.

    Returns
    -------
    tdp_w : float
        Thermal design power. [W]
    overhead_w : float
        Host, network and cooling share per accelerator. [W]

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
        overhead_w = default("system_overhead_fraction_of_tdp", catalog) * tdp_w
    return float(tdp_w), float(overhead_w)


def replica_count(
    catalog: Catalog,
    accelerator: str,
    model: str,
    precision: str,
    batch: int,
    input_tokens: int,
    output_tokens: int,
) -> int:
    """
    Smallest power-of-two count of accelerators whose HBM holds one replica.

    Weights plus the batch's full KV cache must fit (the same check
    :func:`~gigaplan.workloads.inference.estimate_inference` makes); tensor
    parallelism is taken in powers of two, as serving engines shard.

    Parameters
    ----------
    catalog : Catalog
        Accelerators and models.
    accelerator, model : str
        Catalog ids or aliases.
    precision : str
        ``"bf16"``, ``"fp8"`` or ``"fp4"``: bytes per weight and KV value.
    batch : int
        Concurrent sequences. [sequences]
    input_tokens, output_tokens : int
        Prompt and output length, which size the KV cache. [tokens]

    Returns
    -------
    count : int
        Accelerators per replica. [accelerators]
    """
    _, acc = find_accelerator(catalog, accelerator)
    _, mdl = find_model(catalog, model)
    mem_gb = acc.memory_gb.value
    if not mem_gb:
        raise InputError(
            f"accelerator {acc.name}: memory_gb",
            None,
            "no off-chip HBM figure in the catalog; the HBM roofline does not apply",
        )
    bpp = BYTES_PER_PARAM[precision]
    need_gb = (
        float(mdl.total_params.value or 0) * bpp
        + batch
        * kv_bytes_per_token(mdl, max(bpp, 1.0))
        * (input_tokens + output_tokens)
    ) / 1e9
    return int(2 ** max(0, math.ceil(math.log2(need_gb / float(mem_gb)))))


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

    Throughput and serving power are
    :func:`~gigaplan.workloads.stage.inference_case` on the smallest
    power-of-two replica that holds the model (:func:`replica_count`); training
    FLOP/s is :func:`~gigaplan.workloads.stage.training_case` at BF16 for the
    same model (fitted MFU by size and chip). Price is the catalog's purchase
    price; ``rental_usd_per_hour`` its dated rental price.

    Parameters
    ----------
    catalog, accelerator, model, precision, batch, input_tokens, output_tokens
        As for :func:`replica_count`; ``precision`` is also the serving one.

    Returns
    -------
    Capability
        Output tokens/s, training FLOP/s, W and price per accelerator, with
        the source of each.
    """
    from gigaplan.workloads.schema import InferenceCase, TrainingCase
    from gigaplan.workloads.stage import inference_case, training_case

    _, acc = find_accelerator(catalog, accelerator)
    if precision not in BYTES_PER_PARAM:
        raise InputError("precision", precision, "one of bf16, fp8, fp4")
    for name, value in (
        ("batch", batch),
        ("input_tokens", input_tokens),
        ("output_tokens", output_tokens),
    ):
        if value <= 0:
            raise InputError(name, value, "must be > 0")
    accelerator_power_w(acc, catalog)  # a missing TDP is named before anything else
    count = replica_count(
        catalog, accelerator, model, precision, batch, input_tokens, output_tokens
    )
    inf = inference_case(
        catalog,
        InferenceCase(
            name=model,
            model=model,
            accelerator=accelerator,
            count=count,
            precision=precision,
            batch=batch,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
        ),
    )
    train = training_case(
        catalog,
        TrainingCase(
            name=model,
            tokens=_RATE_TOKENS,
            accelerator=accelerator,
            count=count,
            model=model,
            precision="bf16",
        ),
    )
    rate = acc.rental_usd_per_hour
    sources = {
        "output_tokens_per_s_per_accelerator": (
            f"estimate inference (roofline, efficiencies fitted in "
            f"workloads/defaults.yaml) on {count} x {accelerator}, {precision}, "
            f"batch {batch}, {input_tokens}/{output_tokens} tokens"
        ),
        "training_flops_per_s_per_accelerator": (
            "estimate training: BF16 peak x MFU fitted by model size and chip "
            "peak (workloads/defaults.yaml training_mfu_*)"
        ),
        "power_w_per_accelerator": (
            "estimate inference IT power: accelerator draw by phase "
            "(defaults.yaml *_power_fraction_of_tdp) + system_overhead_w"
        ),
        "price_usd": f"catalog accelerators.{accelerator}.price_usd",
        "rental_usd_per_hour": (
            f"catalog accelerators.{accelerator}.rental_usd_per_hour "
            f"({rate.source}, {rate.as_of})"
            if rate is not None and rate.value is not None
            else "none sourced"
        ),
    }
    return Capability(
        output_tokens_per_s_per_accelerator=inf.output_tokens_per_s_per_accelerator,
        training_flops_per_s_per_accelerator=train.training_flops_per_s_per_accelerator,
        power_w_per_accelerator=inf.it_power_w,
        price_usd=acc.price_usd.value,
        accelerator_power_w=inf.accelerator_power_w,
        it_power_w=inf.it_power_w,
        training_accelerator_power_w=train.accelerator_power_w,
        training_it_power_w=train.it_power_w,
        training_mfu=train.mfu,
        rental_usd_per_hour=None if rate is None else rate.value,
        accelerators_per_replica=count,
        sources=sources,
    )


def kv_bytes_per_token(model: object, bytes_per_value: float) -> float:
    """
    KV-cache bytes per token of context for a catalog model, all layers.

    Grouped-query attention stores K and V per KV head:
    ``2 * layers * kv_heads * head_dim``; multi-head latent attention (MLA,
    DeepSeek-V2 arXiv:2405.04434 section 2.1) stores ``kv_lora_rank + rope_dim``
    per layer.

    Parameters
    ----------
    model : Model
        A catalog model with its attention shape.
    bytes_per_value : float
        Bytes per stored K or V value. [bytes]

    Returns
    -------
    float
        KV-cache size per token of context. [bytes]
    """
    layers = float(model.layers.value or 0)  # type: ignore[attr-defined]
    lora = getattr(model, "kv_lora_rank", None)
    if lora is not None and lora.value:
        rope = model.kv_rope_dim.value or 0  # type: ignore[attr-defined]
        return layers * (float(lora.value) + float(rope)) * bytes_per_value
    kv_heads = float(model.kv_heads.value or 0)  # type: ignore[attr-defined]
    head_dim = float(model.head_dim.value or 0)  # type: ignore[attr-defined]
    return 2.0 * layers * kv_heads * head_dim * bytes_per_value
