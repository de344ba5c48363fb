"""Every published training case in validation.yaml, with its own tolerance."""

import json

import pytest
from typer.testing import CliRunner

from gigaplan.cli import app
from gigaplan.workloads.defaults import default
from gigaplan.workloads.validation import (
    energy_accuracy_table,
    error_summary,
    fit_training_mfu,
    inference_accuracy_table,
    training_accuracy_table,
)

# Tolerances on accelerator-hours (|error| in %), each with its reason:
# - test cases (held out of the MFU fit): 35 %, and the group bounds below. Published
#   run hours include restarts, ablations and (Llama 3.1) annealing and long-context
#   stages beyond the 0.9 goodput; MaxText rows are steady-state step rates whose
#   per-chip batch is an ASSUMPTION; the Llama 3.1 8B/70B and Llama 2 layouts are not
#   published.
# - fit cases: 45 %. Four constants on nine runs from five software eras (2020 V100
#   GPT-3 to 2024 TPU MaxText); Llama 2 7B sits high (+42 %: its assumed 2,048-GPU FSDP
#   layout makes it communication-bound, the published run was not) and v5p MaxText
#   (+32 %) reaches a 6ND-MFU no GPU run does.
TEST_TOLERANCE_PCT = 35
FIT_TOLERANCE_PCT = 45
# Group bounds (issue 12: median <= 15 %, worst within 1.5x): met, held at the
# current honest values (11.5 %, 1.45x) with a little room so a regression shows.
TEST_MEDIAN_PCT = 13
TEST_WORST_RATIO = 1.47


# No case is outside its role's tolerance now (the v5p MaxText rows were, before the
# layout physics); a new miss goes here with its ceiling and reason.
KNOWN_MISSES: dict[str, int] = {}


@pytest.fixture(scope="module")
def table():
    return training_accuracy_table().set_index("case")


def test_at_least_ten_cases_a_third_held_out(table):
    assert len(table) >= 10
    assert (table["role"] == "test").sum() >= len(table) / 3


@pytest.mark.parametrize(
    "case",
    sorted(
        set(training_accuracy_table().query("role == 'test'")["case"])
        - set(KNOWN_MISSES)
    ),
)
def test_held_out_case_within_tolerance(table, case):
    assert abs(table.loc[case, "error_pct"]) <= TEST_TOLERANCE_PCT


@pytest.mark.parametrize(
    "case",
    sorted(
        set(training_accuracy_table().query("role == 'fit'")["case"])
        - set(KNOWN_MISSES)
    ),
)
def test_fit_case_within_tolerance(table, case):
    assert abs(table.loc[case, "error_pct"]) <= FIT_TOLERANCE_PCT


def test_deepseek_v3_fp8_within_15_pct(table):
    # Issue 12: DeepSeek-V3 at FP8 on H800 within 15 % of its published 2.664M
    # pre-training GPU-hours. Held out of the fit; FP8 enters through the measured
    # 1.30x speed-up, MoE through the expert-matmul width (2048) and its attention
    # FLOPs (MLA, 128 heads), and 20 of 132 SMs given to communication. Now -12 %.
    assert abs(table.loc["deepseek-v3", "error_pct"]) <= 15


def test_cluster_size_lowers_mfu_llama3_table4(table):
    # Llama 3 paper Table 4: 43 % MFU on 8,192 H100 vs 41 % on 16,384 at the same
    # 16M-token batch (half the micro-batches per pipeline). The 16k row is held out;
    # the model must show the drop through the bubble, not a fitted size term.
    small, large = table.loc["llama-3-405b-8k-gpus"], table.loc["llama-3-405b-16k-gpus"]
    assert large["bubble_share"] > small["bubble_share"]
    assert large["mfu"] < small["mfu"]
    assert abs(large["error_pct"]) <= 5


def test_small_model_on_many_gpus_is_communication_bound(table):
    # Llama 3.1 8B on 16k H100 (ASSUMED layout): the published 6ND-MFU is 0.14, a third
    # of the 405B run's; the gradient all-reduce is what the model says costs it.
    assert table.loc["llama-3.1-8b", "communication_share"] > 0.3
    assert table.loc["llama-3.1-405b", "communication_share"] < 0.05


def test_held_out_group_median_and_worst(table):
    (row,) = [
        r for r in error_summary(table.reset_index(), "training") if r["role"] == "test"
    ]
    assert row["cases"] >= len(table) / 3
    assert row["median_abs_error_pct"] <= TEST_MEDIAN_PCT
    assert row["worst_ratio"] <= TEST_WORST_RATIO


def test_shipped_mfu_coefficients_are_the_fit():
    # defaults.yaml stores the fit rounded to 3 significant figures.
    coef, loo = fit_training_mfu()
    assert coef.intercept == pytest.approx(default("training_mfu_intercept"), abs=2e-3)
    assert coef.peak_slope == pytest.approx(
        default("training_mfu_peak_slope"), abs=2e-3
    )
    assert coef.matmul_half_width == pytest.approx(
        default("training_mfu_matmul_half_width"), rel=0.01
    )
    assert coef.dp_overlap_fraction == pytest.approx(
        default("training_dp_overlap_fraction"), abs=2e-3
    )
    assert len(loo) == 9


def test_validate_cli_prints_table():
    r = CliRunner().invoke(app, ["validate"])
    assert r.exit_code == 0
    assert "llama-2-70b" in r.output and "error" in r.output


def test_validate_cli_prints_training_and_inference_rows():
    r = CliRunner().invoke(app, ["validate"])
    assert r.exit_code == 0, r.output
    assert "Training" in r.output and "Inference" in r.output
    for case in inference_accuracy_table()["case"]:
        assert case in r.output
    assert "bloom-176b" in r.output


def test_validate_cli_json_has_both_tables():
    r = CliRunner().invoke(app, ["validate", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert {"training", "inference", "energy", "summary"} <= set(out)
    groups = {(r["group"], r["role"]) for r in out["summary"]}
    assert groups == {
        ("training", "fit"),
        ("training", "test"),
        ("inference", "fit"),
        ("inference", "test"),
        ("energy (accelerator)", "test"),
        ("energy (it)", "test"),
    }
    assert len(out["energy"]) == len(energy_accuracy_table())
    assert len(out["training"]) >= 7 and len(out["inference"]) >= 6
    row = out["inference"][0]
    for key in ("case", "source", "role", "error_pct"):
        assert key in row
    assert "published_output_tokens_per_s_per_accelerator" in row
    assert "estimated_output_tokens_per_s_per_accelerator" in row
