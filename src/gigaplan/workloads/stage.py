"""``estimate:`` scenario section and the pipeline stage that runs it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from gigaplan.catalog import Catalog
from gigaplan.catalog.load import find_accelerator, find_model
from gigaplan.errors import InputError
from gigaplan.results import StageResult
from gigaplan.workloads.capability import BYTES_PER_PARAM, kv_bytes_per_token
from gigaplan.workloads.defaults import default
from gigaplan.workloads.inference import InferenceEstimate, estimate_inference
from gigaplan.workloads.schema import EstimateSection

if TYPE_CHECKING:
    from gigaplan.scenario import Scenario


def inference_case(
    catalog: Catalog,
    *,
    model: str,
    accelerator: str,
    count: int,
    precision: str,
    batch: int,
    input_tokens: int,
    output_tokens: int,
    tokens_per_day: float | None = None,
    pue: float | None = None,
    price_usd_per_accelerator_hour: float | None = None,
) -> InferenceEstimate:
    """Resolve catalog names and sourced defaults, then :func:`estimate_inference`."""
    _, acc = find_accelerator(catalog, accelerator)
    _, mdl = find_model(catalog, model)
    if precision not in BYTES_PER_PARAM:
        raise InputError("precision", precision, "one of bf16, fp8, fp4")
    peak = acc.peak_tflops(precision)  # type: ignore[arg-type]
    if peak is None:
        have = [p for p in BYTES_PER_PARAM if acc.peak_tflops(p)]  # type: ignore[arg-type]
        raise InputError(
            "precision", precision, f"{acc.name} supports {', '.join(have)}"
        )
    bpp = BYTES_PER_PARAM[precision]
    total = float(mdl.total_params.value or 0)
    return estimate_inference(
        total_params=total,
        active_params=float(mdl.active_params.value or total),
        kv_bytes_per_token=kv_bytes_per_token(mdl, max(bpp, 1.0)),
        bytes_per_param=bpp,
        peak_tflops=peak,
        memory_tb_per_s=float(acc.memory_tb_per_s.value or 0),
        memory_gb=float(acc.memory_gb.value or 0),
        tdp_w=float(acc.tdp_w.value or 0),
        system_overhead_w=float(acc.system_overhead_w.value or 0),
        count=count,
        batch=batch,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        prefill_mfu=default("prefill_mfu"),
        decode_mfu=default("decode_mfu"),
        bandwidth_fraction=default("decode_bandwidth_fraction"),
        power_fraction_of_tdp=default("inference_power_fraction_of_tdp"),
        pue=pue if pue is not None else default("default_pue"),
        price_usd_per_accelerator_hour=price_usd_per_accelerator_hour,
        tokens_per_day=tokens_per_day,
    )


def run_stage(
    scenario: Scenario,
    catalog: Catalog,
    upstream: Mapping[str, StageResult] | None = None,
) -> StageResult:
    """Run every case of the scenario's ``estimate:`` section."""
    section = scenario.estimate or EstimateSection()
    if isinstance(section, dict):
        section = EstimateSection.model_validate(section)
    rows = []
    for case in section.inference:
        est = inference_case(catalog, **case.model_dump(exclude={"name"}))
        rows.append({"case": case.name, **dataclasses.asdict(est)})
    table = pd.DataFrame(rows)
    summary = {}
    if not table.empty and table["facility_mw"].notna().any():
        summary["facility_mw"] = float(table["facility_mw"].sum())
    return StageResult(stage="estimate", summary=summary, tables={"inference": table})
