"""Every published training case in validation.yaml, with its own tolerance."""

import json

import pytest
from typer.testing import CliRunner

from gigaplan.cli import app
from gigaplan.workloads.validation import (
    inference_accuracy_table,
    training_accuracy_table,
)

# Tolerances on accelerator-hours (|error| in %), each with its reason:
# - Llama 2 (A100, 2T tokens): the paper's hours are for the final runs; 6ND at
#   40% MFU should be close. 15%.
# - BLOOM: Megatron-DeepSpeed on A100 reported ~150 TFLOPS/GPU (~48% MFU) but the
#   hours include restarts; 30%.
# - Llama 3.1 405B: MFU default comes from this run (in sample); card hours include
#   annealing/long-context stages. 25%.
# - Llama 3.1 70B / 8B: card hours include post-training and lower MFU of small models
#   on huge clusters; we under-estimate. 45% for 70B; 8B is a known miss (-65%) and is
#   checked only for the sign of the bias.
TOLERANCE_PCT = {
    "llama-2-7b": 15,
    "llama-2-13b": 15,
    "llama-2-70b": 15,
    "bloom-176b": 30,
    "llama-3.1-405b": 25,
    "llama-3.1-70b": 45,
}


@pytest.fixture(scope="module")
def table():
    return training_accuracy_table().set_index("case")


def test_at_least_six_cases(table):
    assert len(table) >= 6


@pytest.mark.parametrize("case", sorted(TOLERANCE_PCT))
def test_case_within_tolerance(table, case):
    assert abs(table.loc[case, "error_pct"]) <= TOLERANCE_PCT[case]


def test_small_model_bias_is_underestimate(table):
    assert table.loc["llama-3.1-8b", "error_pct"] < 0


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
    assert {"training", "inference"} <= set(out)
    assert len(out["training"]) >= 7 and len(out["inference"]) >= 6
    row = out["inference"][0]
    for key in ("case", "source", "role", "error_pct"):
        assert key in row
    assert "published_output_tokens_per_s_per_accelerator" in row
    assert "estimated_output_tokens_per_s_per_accelerator" in row
