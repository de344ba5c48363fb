"""One training or inference case: names resolved in the catalog, then estimated."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any, TypeVar

from gigaplan.catalog import Catalog
from gigaplan.catalog.load import find_accelerator, find_model, find_region
from gigaplan.catalog.schema import Accelerator, Entry, Model
from gigaplan.errors import InputError
from gigaplan.workloads.capability import (
    BYTES_PER_PARAM,
    accelerator_power_w,
    kv_bytes_per_token,
)
from gigaplan.workloads.defaults import (
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
    MfuBreakdown,
    TrainingLayout,
    TrainingRun,
    mfu_breakdown,
)
from gigaplan.workloads.schema import InferenceCase, TrainingCase
from gigaplan.workloads.training import (
    TrainingEstimate,
    estimate_training,
    training_flops,
)

E = TypeVar("E", bound=Any)


def _peak_tflops(acc: Accelerator, precision: str) -> float:
    """Dense peak at ``precision``; an error lists the precisions the chip has."""
    if precision not in BYTES_PER_PARAM:
        raise InputError("precision", precision, "one of bf16, fp8, fp4")
    peak = acc.peak_tflops(precision)  # type: ignore[arg-type]
    if peak is None:
        have = [p for p in BYTES_PER_PARAM if acc.peak_tflops(p)]  # type: ignore[arg-type]
        raise InputError(
            "precision", precision, f"{acc.name} supports {', '.join(have)}"
        )
    return peak


def _finished(
    est: E, acc: Accelerator, price: float | None, inputs: Mapping[str, object]
) -> E:
    """``est`` with its cost note (:func:`missing_price_note` for ``price``).

    Refuses inputs whose estimate overflows: names them instead of printing null.
    """
    est = dataclasses.replace(est, cost_note=missing_price_note(acc, price))
    bad = [
        k
        for k, v in dataclasses.asdict(est).items()
        if isinstance(v, float) and not math.isfinite(v)
    ]
    if bad:
        given = ", ".join(f"{k}={v:g}" for k, v in inputs.items() if v is not None)
        raise InputError(
            "inputs",
            given,
            f"too large together: {', '.join(bad)} would not be a finite number",
        )
    return est


def _known(entry: Entry, field: str) -> float:
    """A catalog number the estimate needs; a null one is an error, never 0."""
    number = getattr(entry, field)
    if number.value is None:
        raise InputError(
            f"{type(entry).__name__.lower()} {entry.name}: {field}",
            None,
            f"not in the catalog ({number.note}); add it with --catalog",
        )
    return float(number.value)


def default_rental_usd_per_hour(acc: Accelerator) -> float | None:
    """The catalog's dated rental price for ``acc``, or None where none is sourced.

    Parameters
    ----------
    acc : Accelerator
        A catalog accelerator.

    Returns
    -------
    float or None
        Rental price. [$/accelerator-h]
    """
    rate = acc.rental_usd_per_hour
    return None if rate is None or rate.value is None else float(rate.value)


def missing_price_note(acc: Accelerator, price: float | None) -> str | None:
    """Why cost is null: the chip has no sourced rental price (the catalog's note).

    Parameters
    ----------
    acc : Accelerator
        A catalog accelerator.
    price : float or None
        The price used. [$/accelerator-h]

    Returns
    -------
    str or None
        The note; None when there is a price.
    """
    if price is not None:
        return None
    rate = acc.rental_usd_per_hour
    why = (
        rate.note
        if rate is not None and rate.note
        else "none found in the sources read"
    )
    return (
        f"no sourced rental price for {acc.name} ({why}); "
        "give --price-usd-per-accelerator-hour"
    )


#: Serving precisions tried, best first, when none is asked for: FP8 halves the
#: weight bytes of BF16 on every chip that has FP8 tensor units; FP4 changes
#: accuracy, so it is used only when asked for.
_DEFAULT_SERVING_PRECISIONS = ("fp8", "bf16")


def serving_precision(
    acc: Accelerator, requested: str | None
) -> tuple[str, str | None]:
    """
    The precision to serve at and, when it differs from the default, why.

    ``requested`` None takes the best of :data:`_DEFAULT_SERVING_PRECISIONS`
    that the chip runs natively (A100 and TPU v6e have no FP8 tensor units, so
    they serve at BF16); a precision asked for and not native is an error.

    Parameters
    ----------
    acc : Accelerator
        A catalog accelerator.
    requested : str or None
        Precision asked for, or None for the default.

    Returns
    -------
    precision : str
        ``"bf16"``, ``"fp8"`` or ``"fp4"``.
    note : str or None
        Why the default was not taken; None when it was, or when asked.
    """
    if requested is not None:
        _peak_tflops(acc, requested)
        return requested, None
    for precision in _DEFAULT_SERVING_PRECISIONS:
        if acc.peak_tflops(precision):  # type: ignore[arg-type]
            if precision == _DEFAULT_SERVING_PRECISIONS[0]:
                return precision, None
            return precision, (
                f"{acc.name} has no native {_DEFAULT_SERVING_PRECISIONS[0]}; "
                f"served at {precision}, the best precision it runs natively"
            )
    _peak_tflops(acc, _DEFAULT_SERVING_PRECISIONS[-1])  # names what the chip has
    raise AssertionError("unreachable")  # pragma: no cover


#: Above this many parameters a GPU run is taken as tensor-parallel over 8 GPUs
#: of a node (Llama 3 405B TP 8; the validation cases' layout notes). [count]
TENSOR_PARALLEL_ABOVE_PARAMS = 20e9
#: Width / depth of a transformer whose shape is not in the catalog (Llama 3 8B
#: 4096/32 = 128, 405B 16384/126 = 130). [dimensionless]
ASPECT_RATIO = 128.0


def default_layout(
    acc: Accelerator, params: float, count: int, seq_len: int, catalog: Catalog
) -> TrainingLayout:
    """
    Layout for ``estimate training``: TP 8 on GPUs above 20B parameters, no pipeline.

    The global batch is ``training_tokens_per_accelerator_per_step`` per
    accelerator, at least 4M tokens (``defaults.yaml``).

    Parameters
    ----------
    acc : Accelerator
        A catalog accelerator (its kind sets the tensor parallelism).
    params : float
        Model parameters. [params]
    count : int
        Accelerators of the job. [accelerators]
    seq_len : int
        Training sequence length. [tokens]
    catalog : Catalog
        For the tokens per accelerator and step.

    Returns
    -------
    TrainingLayout
        Parallel degrees and global batch.
    """
    tp = 8 if acc.kind == "gpu" and params > TENSOR_PARALLEL_ABOVE_PARAMS else 1
    tp = min(tp, count)
    per_acc = default("training_tokens_per_accelerator_per_step", catalog)
    return TrainingLayout(
        count=count,
        tensor_parallel=tp,
        global_batch_tokens=max(4.0e6, per_acc * count),
        seq_len=float(seq_len),
    )


def default_training_mfu(
    acc: Accelerator,
    active_params: float,
    precision: str,
    catalog: Catalog | None = None,
    *,
    run: TrainingRun,
) -> tuple[float, MfuBreakdown]:
    """
    MFU against the peak at ``precision`` and the BF16 terms that set it.

    BF16 MFU comes from :func:`gigaplan.workloads.mfu.mfu_breakdown` for the
    run's layout; FP8 (and FP4) training runs at the measured
    ``fp8_training_speedup`` over BF16 FLOP/s, expressed as a fraction of the
    precision's own peak. Whole-run goodput is applied by the caller.

    Parameters
    ----------
    acc : Accelerator
        A catalog accelerator with a BF16 peak.
    active_params : float
        Parameters active per token. [params]
    precision : str
        Training precision.
    catalog : Catalog, optional
        For the fitted constants; the shipped one by default.
    run : TrainingRun
        Model, chip and layout.

    Returns
    -------
    mfu : float
        MFU against the ``precision`` peak, before goodput. [dimensionless]
    terms : MfuBreakdown
        The BF16 terms.
    """
    bf16 = acc.peak_tflops("bf16")
    if bf16 is None:
        raise InputError(
            f"accelerator {acc.name}: bf16_dense_tflops",
            None,
            "not in the catalog; give --mfu",
        )
    terms = mfu_breakdown(
        run, mfu_coefficients(catalog), default("collective_hop_latency_s", catalog)
    )
    if precision == "bf16":
        return terms.mfu, terms
    peak = _peak_tflops(acc, precision)
    speedup = default("fp8_training_speedup", catalog)
    return min(1.0, terms.mfu * bf16 * speedup / peak), terms


def _training_run(
    acc: Accelerator,
    mdl: Any,
    n_active: float,
    n_total: float,
    count: int,
    seq_len: int | None,
    catalog: Catalog,
) -> TrainingRun:
    """The resolved run :func:`default_training_mfu` needs (shape, network, layout)."""
    if mdl is not None:
        hidden, layers = _known(mdl, "hidden_size"), _known(mdl, "layers")
    else:
        hidden = (n_total * ASPECT_RATIO / 12.0) ** (1.0 / 3.0)
        layers = hidden / ASPECT_RATIO
    bw = acc.scale_out_gb_per_s
    return TrainingRun(
        active_params=n_active,
        total_params=n_total,
        bf16_peak_tflops=float(acc.peak_tflops("bf16") or 1.0),
        dp_gb_per_s=float(bw.value) if bw is not None and bw.value else math.inf,
        hidden_size=hidden,
        layers=layers,
        layout=default_layout(acc, n_total, count, seq_len or 4096, catalog),
    )


def training_case(catalog: Catalog, case: TrainingCase) -> TrainingEstimate:
    """Resolve catalog names and sourced defaults, then :func:`estimate_training`.

    ``seq_len`` adds the attention term :math:`6 n_{layer} s d_{attn}` per
    token (needs ``model`` for the layer count and attention width).

    Parameters
    ----------
    catalog : Catalog
        Accelerators, models, regions and the sourced defaults.
    case : TrainingCase
        The validated run (its fields are documented on
        :func:`gigaplan.api.estimate_training`).

    Returns
    -------
    TrainingEstimate
        FLOPs, accelerator-hours, days, MWh, tCO2e and cost, with the MFU
        terms when the MFU was not given.
    """
    tokens, accelerator, count, model = (
        case.tokens,
        case.accelerator,
        case.count,
        case.model,
    )
    params, active_params, seq_len, mfu = (
        case.params,
        case.active_params,
        case.seq_len,
        case.mfu,
    )
    precision, pue, region = case.precision, case.pue, case.region
    grid_kgco2_per_mwh = case.grid_kgco2_per_mwh
    price_usd_per_accelerator_hour = case.price_usd_per_accelerator_hour
    _, acc = find_accelerator(catalog, accelerator)
    tdp_w, overhead_w = accelerator_power_w(acc, catalog)
    mdl = find_model(catalog, model)[1] if model is not None else None
    if mdl is not None:
        if params is not None:
            raise InputError("params", params, "give a model name or params, not both")
        params = _known(mdl, "total_params")
        if active_params is None:
            given = mdl.active_params.value
            active_params = params if given is None else float(given)
    if params is not None and active_params is not None and active_params > params:
        raise InputError(
            "active_params", active_params, f"must be at most params={params:g}"
        )
    if params is None:
        raise InputError("params", None, "give a model name or a parameter count")
    attention_flops_per_token = 0.0
    if seq_len is not None:
        if mdl is None:
            raise InputError("seq_len", seq_len, "needs a catalog model (--model)")
        attention_flops_per_token = training_flops(
            0.0,
            1.0,
            layers=_known(mdl, "layers"),
            seq_len=seq_len,
            attn_dim=_known(mdl, "attention_heads") * _known(mdl, "head_dim"),
        )
    if region is not None and grid_kgco2_per_mwh is None:
        grid_kgco2_per_mwh = find_region(catalog, region)[1].grid_kgco2_per_mwh.value
    n_active = active_params or params
    if price_usd_per_accelerator_hour is None:
        price_usd_per_accelerator_hour = default_rental_usd_per_hour(acc)
    run = _training_run(acc, mdl, n_active, params, count, seq_len, catalog)
    goodput = default("training_goodput", catalog)
    terms = None
    if mfu is None:
        mfu_peak, terms = default_training_mfu(
            acc, n_active, precision, catalog, run=run
        )
        mfu = mfu_peak * goodput
    est = estimate_training(
        active_params=n_active,
        tokens=tokens,
        peak_tflops=_peak_tflops(acc, precision),
        count=count,
        tdp_w=tdp_w,
        system_overhead_w=overhead_w,
        mfu=mfu,
        power_fraction_of_tdp=default("training_power_fraction_of_tdp", catalog),
        pue=pue if pue is not None else default("default_pue", catalog),
        grid_kgco2_per_mwh=grid_kgco2_per_mwh,
        price_usd_per_accelerator_hour=price_usd_per_accelerator_hour,
        attention_flops_per_token=attention_flops_per_token,
    )
    if terms is not None:
        est = dataclasses.replace(est, **_mfu_terms(terms, run, goodput))
    return _finished(
        est,
        acc,
        price_usd_per_accelerator_hour,
        {
            "tokens": tokens,
            "params": params,
            "count": count,
            "price_usd_per_accelerator_hour": price_usd_per_accelerator_hour,
        },
    )


def _mfu_terms(terms: MfuBreakdown, run: TrainingRun, goodput: float) -> dict[str, Any]:
    """The MFU terms and layout ``estimate training --json`` reports."""
    lay = run.layout
    return {
        "core_mfu": terms.core_mfu,
        "matmul_efficiency": terms.matmul_efficiency,
        "communication_share": terms.communication_share,
        "bubble_share": terms.bubble_share,
        "goodput": goodput,
        "tensor_parallel": lay.tensor_parallel,
        "pipeline_parallel": lay.pipeline_parallel,
        "data_parallel": lay.data_parallel,
        "global_batch_tokens": lay.global_batch_tokens,
        "dp_gb_per_s": None if math.isinf(run.dp_gb_per_s) else run.dp_gb_per_s,
    }


def model_moe_shape(mdl: Model, expert_parallel: int = 1) -> MoeShape:
    """The routed experts of a catalog model; dense (no experts) by default.

    Parameters
    ----------
    mdl : Model
        A catalog model.
    expert_parallel : int
        Expert-parallel degree. [accelerators]

    Returns
    -------
    MoeShape
        Routed expert parameters, experts and experts per token.
    """
    routed = mdl.routed_expert_params
    if routed is None or not routed.value or mdl.experts is None:
        return MoeShape()
    return MoeShape(
        routed_expert_params=float(routed.value),
        experts=int(_known(mdl, "experts")),
        experts_per_token=int(_known(mdl, "experts_per_token")),
        expert_parallel=expert_parallel,
    )


def inference_case(catalog: Catalog, case: InferenceCase) -> InferenceEstimate:
    """Resolve catalog names and sourced defaults, then :func:`estimate_inference`.

    ``precision`` None serves at the best precision the chip runs natively
    (:func:`serving_precision`); the result says which, and why.

    Parameters
    ----------
    catalog : Catalog
        Accelerators, models and the sourced defaults.
    case : InferenceCase
        The validated serving case (fields as in
        :func:`gigaplan.api.estimate_inference`).

    Returns
    -------
    InferenceEstimate
        Tokens/s, latency, J/token, $/M tokens and, with ``tokens_per_day``,
        the accelerators and MW needed.
    """
    model, accelerator, count = case.model, case.accelerator, case.count
    batch, input_tokens, output_tokens = (
        case.batch,
        case.input_tokens,
        case.output_tokens,
    )
    tokens_per_day, pue = case.tokens_per_day, case.pue
    price_usd_per_accelerator_hour = case.price_usd_per_accelerator_hour
    _, acc = find_accelerator(catalog, accelerator)
    tdp_w, overhead_w = accelerator_power_w(acc, catalog)
    _, mdl = find_model(catalog, model)
    precision, precision_note = serving_precision(acc, case.precision)
    peak = _peak_tflops(acc, precision)
    bpp = BYTES_PER_PARAM[precision]
    total = _known(mdl, "total_params")
    if price_usd_per_accelerator_hour is None:
        price_usd_per_accelerator_hour = default_rental_usd_per_hour(acc)
    if acc.memory_gb.value is None or acc.memory_tb_per_s.value is None:
        raise InputError(
            f"accelerator {acc.name}: memory_gb",
            None,
            "no off-chip HBM figure in the catalog (wafer-scale parts hold weights in "
            "on-chip SRAM, sram_gb); the HBM roofline does not apply",
        )
    eff = accelerator_inference_efficiencies(acc, catalog)
    est = estimate_inference(
        total_params=total,
        active_params=(
            total if mdl.active_params.value is None else float(mdl.active_params.value)
        ),
        kv_bytes_per_token=kv_bytes_per_token(mdl, max(bpp, 1.0)),
        bytes_per_param=bpp,
        peak_tflops=peak,
        memory_tb_per_s=float(acc.memory_tb_per_s.value),
        memory_gb=float(acc.memory_gb.value),
        tdp_w=tdp_w,
        system_overhead_w=overhead_w,
        count=count,
        batch=batch,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        prefill_mfu=eff.prefill_mfu,
        decode_mfu=eff.decode_mfu,
        bandwidth_fraction=eff.bandwidth_fraction,
        power_fraction_of_tdp=default("inference_power_fraction_of_tdp", catalog),
        memory_bound_power_fraction_of_tdp=default(
            "decode_memory_bound_power_fraction_of_tdp", catalog
        ),
        pue=pue if pue is not None else default("default_pue", catalog),
        price_usd_per_accelerator_hour=price_usd_per_accelerator_hour,
        tokens_per_day=tokens_per_day,
        moe=model_moe_shape(mdl),
        expert_gemm_efficiency=eff.expert_gemm_efficiency,
    )
    est = dataclasses.replace(est, precision=precision, precision_note=precision_note)
    return _finished(
        est,
        acc,
        price_usd_per_accelerator_hour,
        {
            "batch": batch,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "tokens_per_day": tokens_per_day,
        },
    )
