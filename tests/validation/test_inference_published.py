"""Every published inference case in validation.yaml, with its own tolerance.

Sources: NVIDIA TensorRT-LLM v0.9.0 tables (H100, H200, A100), Intel Gaudi 3
model-performance page, OCI's MI300X vLLM table. Efficiencies are per
accelerator and serving engine: each chip is fitted on a third of its own rows
(role ``fit``, every third row per chip in file order, plus the four H100 Llama
2 70B rows and two of the four Mixtral rows), pulled toward the H100 fit; the
other 31 of 53 rows are out of sample. No row is left out of the summaries.
"""

import pytest

from gigaplan.catalog import load_catalog
from gigaplan.catalog.load import find_accelerator
from gigaplan.errors import CatalogError
from gigaplan.workloads.defaults import accelerator_inference_efficiencies
from gigaplan.workloads.validation import (
    error_summary,
    fit_inference_efficiencies,
    inference_accuracy_table,
    load_inference_validation,
    moe_leave_one_out_errors,
)

# Tolerances on output tokens/s per accelerator (|error| in %), each with its reason:
# - fit rows: 25 %. Three efficiencies per chip fitted on a third of its rows; the
#   worst fit row is MI300X batch 64 at +20 % (vLLM on ROCm flattens from batch
#   64, see KNOWN_MISSES), so 25 % leaves room for a refit, not for a regression.
# - out-of-sample rows: 30 %. A roofline against vendor tables whose engine settings
#   we only partly know; the same source moved +83 % between releases for identical
#   configurations (H100 FP8 Llama 70B 128/2048 TP4: 1,486 -> 2,725 tok/s/GPU,
#   v0.6.1 -> v0.9.0).
FIT_TOLERANCE_PCT = 25
TEST_TOLERANCE_PCT = 30
# Group bounds (issue 12 asks median <= 15 %, worst within 1.5x), every row in,
# Mixtral too. With weight streaming and tensor work added in a decode step and
# routed-expert GEMMs at their fitted rate (inference.py Notes) the out-of-sample
# median is 7.7 % and the worst 1.45x (MI300X batch 256); the bounds are those
# values, rounded up.
TEST_MEDIAN_PCT = 8
TEST_WORST_RATIO = 1.5
# Mixtral 8x7B on 2 x H100 (TensorRT-LLM v0.9.0, FP8): before routed-expert GEMMs
# had their own rate, the compute-bound rows were +81 % (128/128, batch 512) and
# +101 % (2048/128, batch 64). 2048/128 is now a fit row (it pins the rate: 94 % of
# its FLOPs are prefill); 128/128 is out of sample and must hold the test tolerance
# from a fit that never saw a compute-bound decode row of an MoE model.
MOE_HELD_OUT = ("h100-mixtral-8x7b-128-128", "h100-mixtral-8x7b-2048-2048")
# Leave-one-out on the two MoE fit rows: each alone pins the rate at 0.27-0.29
# (errors -1.6 and +3.7 % at the time of writing); 10 % flags a form that only
# fits both rows together.
MOE_LOO_TOLERANCE_PCT = 10

# Out-of-sample rows outside or at the edge of TEST_TOLERANCE_PCT: (lowest,
# highest) error in % and the reason. They stay in the reported medians.
# - Gaudi 3 Llama 3.1 70B TP8 128/2048: +31 %; TP8 on Gaudi's RoCE scale-up pays
#   all-reduce latency per layer that the bandwidth-only communication term omits.
# - MI300X Llama 3.1 405B batch 128 and 256: +32 and +49 %. The published
#   throughput rises only 1.56x from batch 64 to 256 (vLLM on ROCm, 2024); the
#   roofline with the fitted MI300X decode efficiency rises 1.9x.
KNOWN_MISSES = {
    "gaudi3-llama-3.1-70b-tp8-128-2048": (20, 38),
    "mi300x-llama-3.1-405b-b128-128-128": (20, 40),
    "mi300x-llama-3.1-405b-b256-128-128": (35, 50),
}


@pytest.fixture(scope="module")
def table():
    return inference_accuracy_table().set_index("case")


def test_at_least_six_cases_and_six_out_of_sample(table):
    assert len(table) >= 6
    assert (table["role"] == "test").sum() >= 6


def _cases(role):
    t = inference_accuracy_table()
    keep = (t["role"] == role) & ~t["case"].isin(KNOWN_MISSES)
    return sorted(t.loc[keep, "case"])


@pytest.mark.parametrize("case", sorted(KNOWN_MISSES))
def test_known_miss_within_its_band(table, case):
    low, high = KNOWN_MISSES[case]
    assert low <= table.loc[case, "error_pct"] <= high


@pytest.mark.parametrize("case", _cases("fit"))
def test_fit_case_within_tolerance(table, case):
    assert abs(table.loc[case, "error_pct"]) <= FIT_TOLERANCE_PCT


@pytest.mark.parametrize("case", _cases("test"))
def test_out_of_sample_case_within_tolerance(table, case):
    assert abs(table.loc[case, "error_pct"]) <= TEST_TOLERANCE_PCT


def test_no_row_is_left_out_of_the_summaries(table):
    assert not table["known_bias"].any()


@pytest.mark.parametrize("case", MOE_HELD_OUT)
def test_moe_held_out_rows_are_out_of_sample_and_within_tolerance(table, case):
    assert table.loc[case, "role"] == "test"
    assert abs(table.loc[case, "error_pct"]) <= TEST_TOLERANCE_PCT


def test_moe_expert_rate_leave_one_out():
    errors = moe_leave_one_out_errors(load_inference_validation())
    assert len(errors) == 2
    for case, error in errors.items():
        assert abs(error) <= MOE_LOO_TOLERANCE_PCT, case


def test_out_of_sample_group_median_and_worst(table):
    t = table.reset_index()
    (row,) = [r for r in error_summary(t, "inference") if r["role"] == "test"]
    assert row["cases"] >= len(t) / 3
    assert row["median_abs_error_pct"] <= TEST_MEDIAN_PCT
    assert row["worst_ratio"] <= TEST_WORST_RATIO


def test_shipped_efficiencies_are_the_fit():
    # defaults.yaml (H100) and accelerators.yaml (the others) store the fit to 3
    # decimals; a change of a fit row or of the roofline must be re-fitted here.
    catalog = load_catalog()
    data = load_inference_validation()
    for key, fitted in fit_inference_efficiencies(data).items():
        _, acc = find_accelerator(
            catalog, data.inference_accelerators[key].catalog_id or key
        )
        shipped = accelerator_inference_efficiencies(acc, catalog)
        for name in (
            "prefill_mfu",
            "decode_mfu",
            "bandwidth_fraction",
            "expert_gemm_efficiency",
        ):
            assert getattr(fitted, name) == pytest.approx(
                getattr(shipped, name), abs=2e-3
            ), (key, name)


def test_every_case_has_a_source():
    data = load_inference_validation()
    for case in data.inference_cases:
        assert case.source in data.sources
        assert data.inference_models[case.model].source in data.sources


_MINIMAL = """
sources: {s: "a source"}
inference_models:
  m: {source: s, total_params: 1.0e9, active_params: 1.0e9, layers: 2, kv_heads: 1,
      head_dim: 8}
inference_accelerators:
  a: {source: s, bf16_dense_tflops: 100, memory_tb_per_s: 1, memory_gb: 80}
inference_cases:
  - {name: c, source: s, role: test, model: MODEL, accelerator: a, precision: PREC,
     count: 1, batch: 1, input_tokens: 1, output_tokens: 1,
     published_output_tokens_per_s_per_accelerator: 1}
"""


@pytest.mark.parametrize(
    ("model", "precision", "message"),
    [("nope", "bf16", "unknown model 'nope'"), ("m", "fp8", "a has no fp8 peak")],
)
def test_bad_case_is_rejected_with_its_name(tmp_path, model, precision, message):
    path = tmp_path / "validation.yaml"
    path.write_text(_MINIMAL.replace("MODEL", model).replace("PREC", precision))
    with pytest.raises(CatalogError, match=rf"inference_cases\[0\] \(c\): {message}"):
        load_inference_validation(path)
