"""Every published inference case in validation.yaml, with its own tolerance.

Sources: NVIDIA TensorRT-LLM v0.9.0 tables (H100, H200, A100), Intel Gaudi 3
model-performance page, OCI's MI300X vLLM table. Efficiencies are per
accelerator and serving engine: each chip is fitted on a third of its own rows
(role ``fit``, every third row per chip in file order, plus the four H100 Llama
2 70B rows), pulled toward the H100 fit; the other 30 rows are out of sample.
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
)

# Tolerances on output tokens/s per accelerator (|error| in %), each with its reason:
# - fit rows: 25 %. Three efficiencies per chip fitted on a third of its rows; the
#   worst fit row is MI300X batch 64 at +20 % (vLLM on ROCm flattens from batch
#   64, see KNOWN_MISSES), so 25 % leaves room for a refit, not for a regression.
# - out-of-sample rows: 30 %. A roofline against vendor tables whose engine settings
#   we only partly know; the same source moved +83 % between releases for identical
#   configurations (H100 FP8 Llama 70B 128/2048 TP4: 1,486 -> 2,725 tok/s/GPU,
#   v0.6.1 -> v0.9.0).
# - known-bias rows (Mixtral compute-bound): no tolerance; the sign is pinned below.
FIT_TOLERANCE_PCT = 25
TEST_TOLERANCE_PCT = 30
# Group bounds (issue 12 asks median <= 15 %, worst within 1.5x). With weight
# streaming and tensor work added in a decode step (inference.py Notes) the
# out-of-sample median is 7.6 % and the worst 1.49x (MI300X batch 256); the
# bounds are those values, rounded up.
TEST_MEDIAN_PCT = 8
TEST_WORST_RATIO = 1.5

# Out-of-sample rows outside or at the edge of TEST_TOLERANCE_PCT: (lowest,
# highest) error in % and the reason. They stay in the reported medians.
# - H100 Llama 2 7B, long output (batch 120 and 56, TP1): -28 and -30 %. Llama 2
#   7B has 32 KV heads (no GQA), so the step is KV-cache reads (36 GB at batch
#   120 vs 6.7 GB of weights); TensorRT-LLM's attention kernels stream the cache
#   faster than the one bandwidth fraction fitted mostly on weight streaming.
# - Gaudi 3 Llama 3.1 70B TP8 128/2048: +31 %; TP8 on Gaudi's RoCE scale-up pays
#   all-reduce latency per layer that the bandwidth-only communication term omits.
# - MI300X Llama 3.1 405B batch 128 and 256: +32 and +49 %. The published
#   throughput rises only 1.56x from batch 64 to 256 (vLLM on ROCm, 2024); the
#   roofline with the fitted MI300X decode efficiency rises 1.9x.
KNOWN_MISSES = {
    "h100-llama2-7b-128-2048": (-35, -20),
    "h100-llama2-7b-2048-2048": (-35, -20),
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
    keep = (t["role"] == role) & ~t["known_bias"] & ~t["case"].isin(KNOWN_MISSES)
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


def test_known_bias_is_moe_overestimate(table):
    # Mixtral rows where the step is compute-bound: the estimate counts only the two
    # active experts' FLOPs at dense-GEMM efficiency, so it over-estimates (+81% and
    # +101% at the time of writing). Pin the sign; move a row back under the
    # tolerance test if the model learns MoE GEMM efficiency.
    biased = table[table["known_bias"]]
    assert len(biased) == 2
    assert biased.index.str.contains("mixtral").all()
    assert (biased["error_pct"] > 0).all()


def test_out_of_sample_group_median_and_worst(table):
    t = table.reset_index()
    (row,) = [
        r
        for r in error_summary(t[~t["known_bias"]], "inference")
        if r["role"] == "test"
    ]
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
        for name in ("prefill_mfu", "decode_mfu", "bandwidth_fraction"):
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
