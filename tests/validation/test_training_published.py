"""Training estimates vs published runs in the shipped catalog (H100 only so far)."""

import pytest

from gigaplan.catalog import load_catalog
from gigaplan.catalog.load import find_accelerator
from gigaplan.workloads.training import estimate_training


def _hours(active_params, tokens):
    _, acc = find_accelerator(load_catalog(), "h100")
    return estimate_training(
        active_params=active_params,
        tokens=tokens,
        peak_tflops=acc.bf16_dense_tflops.value,
        count=16000,
        tdp_w=acc.tdp_w.value,
        system_overhead_w=acc.system_overhead_w.value,
        mfu=0.40,
        power_fraction_of_tdp=0.85,
        pue=1.1,
    ).accelerator_hours


def test_llama31_405b_gpu_hours():
    # Llama 3.1 model card (Meta, 2024): 30.84M H100-80GB hours for 405B, ~15.6T tokens
    # (arXiv:2407.21783 sec 3). MFU 0.40 is the same paper's Table 4 (38-43 %),
    # so this is an in-sample check; tolerance 25% because the card's hours include
    # restarts, ablations and annealing that 6ND ignores.
    assert _hours(405e9, 15.6e12) == pytest.approx(30.84e6, rel=0.25)


def test_llama31_70b_gpu_hours_out_of_sample():
    # Same card: 7.0M H100 hours for 70B on ~15T tokens. Out of sample (MFU from
    # 405B runs); smaller models run at lower MFU, so we under-estimate: 6ND at 40%
    # gives ~4.4M. Tolerance 45%, honest about that gap.
    assert _hours(70e9, 15e12) == pytest.approx(7.0e6, rel=0.45)
