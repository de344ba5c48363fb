"""MoE terms of the inference roofline: expert rate, experts touched, all-to-all."""

import pytest

from gigaplan.catalog import load_catalog
from gigaplan.errors import InputError
from gigaplan.workloads.inference import (
    MoeShape,
    estimate_inference,
    experts_touched,
)
from gigaplan.workloads.stage import model_moe_shape
from tests.workloads.test_inference import BASE

# BASE is test_inference's dense hand case (10 GB of weights at FP8, 0.5 TB/s
# and 0.5 PFLOP/s achieved); here 8 routed experts of 1 GB each (8 GB of the
# 10), 2 per token: 4 GB active.
MOE = dict(
    BASE,
    active_params=4e9,
    moe=MoeShape(routed_expert_params=8e9, experts=8, experts_per_token=2),
)


def test_dense_model_ignores_the_expert_rate():
    # The MoE term must reduce to the dense roofline exactly: no routed weights,
    # nothing for the expert rate to act on.
    dense = estimate_inference(**BASE)
    assert estimate_inference(**BASE, expert_gemm_efficiency=0.1) == dense
    assert estimate_inference(**BASE, moe=MoeShape()) == dense


def test_routed_flops_run_at_the_expert_rate_hand_worked():
    # Prefill at batch 1, 100 tokens: shared 2e9 FLOP/token at 0.5 PF/s, routed
    # 2 GB active -> 2 x 2e9 x 100 / 0.5e15 = 0.8 ms at rate 1, 4 ms at 0.2; the
    # shared part 2 x 2e9 x 100 / 0.5e15 = 0.8 ms. 1.6 ms -> 4.8 ms.
    fast = estimate_inference(**MOE)
    slow = estimate_inference(**MOE, expert_gemm_efficiency=0.2)
    assert fast.time_to_first_token_s == pytest.approx(1.6e-3)
    assert slow.time_to_first_token_s == pytest.approx(4.8e-3)


def test_batch_one_decode_reads_only_the_touched_experts():
    # Batch 1 touches 2 of 8 experts: 2 GB shared + 2 GB routed = 4 GB at
    # 0.5 TB/s = 8 ms, plus tensor work 2 x 4e9 / 0.5e15 = 0.016 ms.
    e = estimate_inference(**MOE)
    assert e.inter_token_latency_s == pytest.approx(8.016e-3)


def test_large_batch_reads_every_expert():
    e = estimate_inference(**dict(MOE, batch=256))
    weights_s = 10e9 / 0.5e12
    assert e.inter_token_latency_s > weights_s
    assert experts_touched(8, 2, 256) == pytest.approx(8.0)


@pytest.mark.parametrize(("tokens", "touched"), [(1, 2.0), (2, 8 * (1 - 0.75**2))])
def test_experts_touched_hand_worked(tokens, touched):
    assert experts_touched(8, 2, tokens) == pytest.approx(touched)


def test_expert_parallel_adds_all_to_all():
    kw = dict(MOE, count=2, hidden_size=4096, layers=32, scale_up_gb_per_s=450.0)
    tp = estimate_inference(**kw)
    ep = estimate_inference(
        **dict(kw, moe=MoeShape(8e9, experts=8, experts_per_token=2, expert_parallel=2))
    )
    # Decode step, batch 1: 2 x 32 layers x (1/2 position) x 2 experts x 4096 x 2 B
    # x 1/2 off-device / 450 GB/s.
    extra = 2 * 32 * 0.5 * 2 * 4096 * 2.0 * 0.5 / 450e9
    assert ep.inter_token_latency_s - tp.inter_token_latency_s == pytest.approx(extra)


def test_expert_rate_outside_0_1_is_refused():
    with pytest.raises(InputError, match="expert_gemm_efficiency"):
        estimate_inference(**MOE, expert_gemm_efficiency=1.5)


@pytest.mark.parametrize(
    ("key", "experts", "active", "share"),
    [
        # Mixtral Table 1; DeepSeek-V3 report 4.2; Qwen3 report Table 2.
        ("mixtral-8x7b", 8, 2, 0.97),
        ("deepseek-v3", 256, 8, 0.97),
        ("qwen3-235b-a22b", 128, 8, 0.97),
    ],
)
def test_catalog_moe_shapes(key, experts, active, share):
    cat = load_catalog()
    mdl = cat.models[key]
    moe = model_moe_shape(mdl)
    assert (moe.experts, moe.experts_per_token) == (experts, active)
    assert moe.routed_expert_params / mdl.total_params.value == pytest.approx(
        share, abs=0.01
    )
    # The active count is consistent: total - routed x (1 - k/E).
    implied = mdl.total_params.value - moe.routed_expert_params * (1 - active / experts)
    assert implied == pytest.approx(mdl.active_params.value, rel=0.03)


def test_dense_catalog_model_has_no_experts():
    assert model_moe_shape(load_catalog().models["llama-3.1-70b"]) == MoeShape()
