"""Measured energy at its boundary against the estimate (validation.yaml energy_cases).

All rows are out of sample: the power fractions in defaults.yaml are assumptions,
not fitted to them. Inference rows compare J per output token with the
estimate's own throughput, so a row's error is power error x throughput error.
"""

import pytest

from gigaplan.workloads.validation import energy_accuracy_table, load_energy_cases

# Issue 12: accelerator-boundary J/token within 1.5x of measured values out of
# sample. Each row meets it; the estimates are 8-29 % low (the memory-bound power
# fraction 0.6 is an assumption; vLLM's continuous batching keeps fewer sequences
# in flight than max_num_seqs, which the static-batch roofline cannot see).
ACCELERATOR_RATIO = 1.5
# IT boundary, MLPerf Training v4.0 node (SMC, 8x H100, immersion cooled): within
# 1.45x, over-estimated, because the catalog's host share (575 W per GPU) is DGX
# H100's maximum system rating less 8 x TDP, and includes fans this node has not.
IT_RATIO = 1.45


@pytest.fixture(scope="module")
def table():
    return energy_accuracy_table().set_index("case")


def _ratio(row):
    r = row["estimated"] / row["measured"]
    return max(r, 1.0 / r)


def test_every_row_is_sourced_and_out_of_sample():
    cases = load_energy_cases()
    assert len(cases) >= 5
    assert all(c.role == "test" for c in cases)


@pytest.mark.parametrize(
    "case",
    sorted(c.name for c in load_energy_cases() if c.boundary == "accelerator"),
)
def test_accelerator_j_per_token_within_1_5x(table, case):
    assert _ratio(table.loc[case]) <= ACCELERATOR_RATIO


def test_it_training_power_overestimated_within_bound(table):
    row = table.loc["smc-h100-llama2-70b-lora-training"]
    assert row["estimated"] > row["measured"]
    assert _ratio(row) <= IT_RATIO
