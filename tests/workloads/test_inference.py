import json

import pytest
from typer.testing import CliRunner

from gigaplan.catalog import load_catalog
from gigaplan.cli import app
from gigaplan.errors import InputError
from gigaplan.workloads.capability import accelerator_capability
from gigaplan.workloads.inference import estimate_inference

runner = CliRunner()

BASE = dict(
    total_params=10e9,
    active_params=10e9,
    kv_bytes_per_token=0.0,
    bytes_per_param=1.0,
    peak_tflops=1000.0,
    memory_tb_per_s=1.0,
    memory_gb=80.0,
    tdp_w=1000.0,
    system_overhead_w=0.0,
    count=1,
    batch=1,
    input_tokens=100,
    output_tokens=100,
    prefill_mfu=0.5,
    decode_mfu=0.5,
    bandwidth_fraction=0.5,
    power_fraction_of_tdp=0.5,
)


def test_decode_memory_bound_hand_worked():
    # Weights 10 GB read at 0.5 TB/s -> 20 ms per step, plus the step's tensor
    # work 2*1e10*1 / (0.5*1e15) = 0.04 ms (added, not overlapped): 20.04 ms.
    # Prefill: 2*1e10*100 / (0.5*1e15) = 4 ms. Request = 4 ms + 100*20.04 ms =
    # 2.008 s for 100 tokens.
    e = estimate_inference(**BASE)
    assert e.inter_token_latency_s == pytest.approx(0.02004)
    assert e.time_to_first_token_s == pytest.approx(0.004)
    assert e.output_tokens_per_s_per_accelerator == pytest.approx(100 / 2.008)
    assert e.energy_j_per_output_token == pytest.approx(500 * 2.008 / 100)


def test_kv_reads_add_to_the_matmul_step_hand_worked():
    # Batch 1000: tensor work 2*1e10*1000 / (0.25*1e15) = 80 ms plus weight
    # streaming 20 ms. KV: 1000 seqs x 1e4 B x (100 + 50) tokens = 1.5 GB at
    # 0.5 TB/s = 3 ms, added after the matmuls, not hidden under them.
    e = estimate_inference(
        **{**BASE, "batch": 1000, "kv_bytes_per_token": 1e4, "decode_mfu": 0.25}
    )
    assert e.inter_token_latency_s == pytest.approx(0.020 + 0.080 + 0.003)


def test_moe_active_params_cut_compute_not_weights():
    dense = estimate_inference(**{**BASE, "batch": 4096, "memory_gb": 1e6})
    moe = estimate_inference(
        **{**BASE, "batch": 4096, "memory_gb": 1e6, "active_params": 1e9}
    )
    assert (
        moe.output_tokens_per_s_per_accelerator
        > dense.output_tokens_per_s_per_accelerator
    )


def test_fleet_sizing():
    e = estimate_inference(**BASE, tokens_per_day=86400.0 * 100 / 2.008, pue=1.2)
    assert e.accelerators_needed == pytest.approx(1.0)
    assert e.facility_mw == pytest.approx(500e-6 * 1.2)


def test_capability_on_shipped_catalog():
    c = accelerator_capability(load_catalog(), "h100", "llama-3.1-70b")
    assert c.output_tokens_per_s_per_accelerator > 0
    assert 0.05 <= c.training_mfu <= 0.65
    assert c.training_flops_per_s_per_accelerator == pytest.approx(
        989.4e12 * c.training_mfu
    )
    # IT power = accelerator draw + the DGX H100 overhead share (575 W, catalog).
    assert c.it_power_w == pytest.approx(c.accelerator_power_w + 575)
    assert c.power_w_per_accelerator == c.it_power_w
    assert set(c.sources) >= {
        "output_tokens_per_s_per_accelerator",
        "training_flops_per_s_per_accelerator",
        "power_w_per_accelerator",
        "rental_usd_per_hour",
    }


def test_null_overhead_is_a_share_of_tdp_not_zero():
    # GB200 has a sourced 1200 W TDP but no sourced system overhead: the
    # overhead is 0.82 x TDP (median of the DGX-derived catalog values).
    c = accelerator_capability(load_catalog(), "gb200", "llama-3.1-70b")
    assert c.it_power_w == pytest.approx(c.accelerator_power_w + 0.82 * 1200)


@pytest.mark.parametrize(
    ("accelerator", "model", "precision"),
    [
        ("h100", "llama-3.1-70b", "fp8"),
        ("a100", "llama-3.1-8b", "bf16"),
        ("b200", "deepseek-v3", "fp8"),
        ("mi300x", "mixtral-8x7b", "fp8"),
    ],
)
def test_capability_is_the_estimator_exactly(accelerator, model, precision):
    # The planner's per-chip numbers must be the validated estimator's, not a
    # separate roofline: equality, no tolerance.
    from gigaplan.workloads.capability import replica_count
    from gigaplan.workloads.schema import InferenceCase, TrainingCase
    from gigaplan.workloads.stage import inference_case, training_case

    cat = load_catalog()
    cap = accelerator_capability(cat, accelerator, model, precision, 32, 1000, 500)
    count = replica_count(cat, accelerator, model, precision, 32, 1000, 500)
    inf = inference_case(
        cat,
        InferenceCase(
            name=model,
            model=model,
            accelerator=accelerator,
            count=count,
            precision=precision,
            batch=32,
            input_tokens=1000,
            output_tokens=500,
        ),
    )
    train = training_case(
        cat,
        TrainingCase(
            name=model, tokens=1e12, accelerator=accelerator, count=count, model=model
        ),
    )
    assert cap.output_tokens_per_s_per_accelerator == (
        inf.output_tokens_per_s_per_accelerator
    )
    assert cap.power_w_per_accelerator == inf.it_power_w
    assert cap.accelerator_power_w == inf.accelerator_power_w
    assert cap.training_flops_per_s_per_accelerator == (
        train.training_flops_per_s_per_accelerator
    )
    assert cap.training_mfu == train.mfu


def test_unknown_tdp_is_an_input_error_not_zero_watts():
    with pytest.raises(InputError, match=r"tdp_w.*give power_w"):
        accelerator_capability(load_catalog(), "tpu-v5p", "llama-3.1-70b")
    args = "estimate training --model llama-3.1-8b --tokens 1e12"
    args += " --accelerator tpu-v5p --count 1024"
    result = runner.invoke(app, args.split())
    assert result.exit_code == 2
    assert "tdp_w" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "field", "text"),
    [
        (["--count", "1", "--precision", "bf16"], "count", "GB"),
        (["--precision", "fp4"], "precision", "bf16"),
        (["--batch", "0"], "--batch", "greater than 0"),
        (["--output-tokens", "-5"], "--output-tokens", "greater than 0"),
        (["--accelerator", "cs-3", "--precision", "bf16"], "tdp_w", ""),
        (["--model", "lama-70"], "model", "did you mean"),
        (["--accelerator", "h1000"], "accelerator", ""),
    ],
)
def test_cli_bad_input(args, field, text):
    r = runner.invoke(app, ["estimate", "inference", *args])
    assert r.exit_code == 2, r.output
    assert field in r.output and text in r.output
    assert "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_power_at_three_boundaries_hand_worked():
    # BASE decode is memory-bound: compute 2*1e10*1 / (0.5*1e15) = 0.04 ms of a
    # 20.04 ms step, share 0.04 / 20.04. Draw: prefill 4 ms at 0.8 x 1000 W;
    # decode 2.004 s at (0.5 + 0.3 x share) x 1000 W.
    e = estimate_inference(
        **{**BASE, "power_fraction_of_tdp": 0.8, "system_overhead_w": 100.0},
        memory_bound_power_fraction_of_tdp=0.5,
        pue=1.5,
    )
    share = 0.04 / 20.04
    acc_w = (0.004 * 800 + 2.004 * (500 + 300 * share)) / 2.008
    assert e.decode_compute_share == pytest.approx(share)
    assert e.accelerator_power_w == pytest.approx(acc_w)
    assert e.it_power_w == pytest.approx(acc_w + 100)
    assert e.facility_power_w == pytest.approx((acc_w + 100) * 1.5)
    tps = e.output_tokens_per_s_per_accelerator
    assert e.accelerator_energy_j_per_output_token == pytest.approx(acc_w / tps)
    assert e.facility_energy_j_per_output_token == pytest.approx(
        (acc_w + 100) * 1.5 / tps
    )


def test_decode_draw_rises_with_batch():
    kw = {**BASE, "memory_gb": 1e6, "power_fraction_of_tdp": 0.85}
    small = estimate_inference(**kw, memory_bound_power_fraction_of_tdp=0.6)
    large = estimate_inference(
        **{**kw, "batch": 4096}, memory_bound_power_fraction_of_tdp=0.6
    )
    # 1e-9 relative: floating-point rounding of the phase-time weighted mean.
    assert small.accelerator_power_w < large.accelerator_power_w
    assert large.accelerator_power_w <= 850.0 * (1 + 1e-9)


def test_cost_is_never_blank_where_the_catalog_has_a_rental_price():
    r = runner.invoke(app, ["estimate", "inference", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["cost_usd_per_million_output_tokens"] > 0
    assert out["price_usd_per_accelerator_hour"] == 2.95  # catalog h100, 2026-05
    for key in (
        "accelerator_energy_j_per_output_token",
        "it_energy_j_per_output_token",
        "facility_energy_j_per_output_token",
        "accelerator_power_w",
        "it_power_w",
        "facility_power_w",
    ):
        assert out[key] > 0


def test_price_flag_has_help_text():
    r = runner.invoke(app, ["estimate", "inference", "--help"])
    assert "rental_usd_per_hour" in r.output.replace("\n", "").replace(" ", "")


def test_default_precision_falls_back_to_what_the_chip_runs_natively():
    # A100 has no FP8 tensor cores: the default serves BF16 and says so.
    args = "estimate inference --accelerator a100 --model llama-3.1-8b --count 1"
    r = runner.invoke(app, [*args.split(), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["precision"] == "bf16"
    assert "no native fp8" in out["precision_note"]
    # H100 has FP8: the default is FP8 and no note.
    h100 = json.loads(runner.invoke(app, ["estimate", "inference", "--json"]).output)
    assert h100["precision"] == "fp8" and h100["precision_note"] is None
    # Asking for FP8 on A100 explicitly stays an error naming what it has.
    r = runner.invoke(app, [*args.split(), "--precision", "fp8"])
    assert r.exit_code == 2 and "supports bf16" in r.output


@pytest.mark.parametrize("kind", ["inference", "training"])
def test_null_cost_carries_the_reason(kind):
    args = ["estimate", kind, "--accelerator", "gb200", "--json"]
    if kind == "training":
        args += ["--tokens", "1e12", "--model", "llama-3.1-8b"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    cost = out.get("cost_usd", out.get("cost_usd_per_million_output_tokens"))
    assert cost is None
    assert "no sourced rental price" in out["cost_note"]
    assert "--price-usd-per-accelerator-hour" in out["cost_note"]
    priced = json.loads(
        runner.invoke(app, [*args, "--price-usd-per-accelerator-hour", "10"]).output
    )
    assert priced["cost_note"] is None


def test_tpu_v6e_has_a_derived_power_figure():
    args = "estimate inference --accelerator tpu-v6e --model llama-3.1-8b --count 1"
    r = runner.invoke(app, [*args.split(), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    # 390 W derived from Google's perf/W ratios (accelerators.yaml note): the
    # accelerator draw sits between the memory-bound and compute-bound fractions.
    assert 0.6 * 390 <= out["accelerator_power_w"] <= 0.85 * 390
