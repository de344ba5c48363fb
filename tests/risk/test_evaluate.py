from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigaplan.demand.paths import DemandPaths, deterministic_path, sample_paths
from gigaplan.demand.schema import DemandSection
from gigaplan.errors import InputError
from gigaplan.risk.evaluate import Capacity, Policy, cvar, evaluate, row_quantiles
from gigaplan.risk.schema import Finance
from tests.risk.conftest import (
    FINANCE,
    PERIODS,
    capacity,
    demand_dict,
    quiet_demand_dict,
)

#: hand-worked one-period cases; the paths are evaluated in float32
#: (eps 1.2e-7), so a few units of rounding in the last place
HAND_RTOL = 1e-6

ONE = ("2026Q1",)


def _one_period(
    inference: float = 60.0,
    training: float = 30.0,
    phi: float | None = None,
) -> tuple[Capacity, DemandPaths]:
    cap = Capacity(
        ONE,
        np.array([100.0]),  # tokens if the whole fleet served inference
        np.array([50.0]),  # FLOP if it all trained
        np.array([10.0]),  # accelerator-hours
        np.array([10.0]),
        np.array([5.0]),
        np.array([1.0]),
        np.array([1.2]),
    )
    paths = DemandPaths(
        ONE,
        np.array([[inference]]),
        np.array([[training]]),
        None if phi is None else np.array([[phi]]),
        2.0,
    )
    return cap, paths


# $1 per token (1e6 per million) and $2 per accelerator-hour, no discounting
HAND = Finance(
    price_usd_per_mtoken=1e6, price_usd_per_accelerator_hour=2.0, discount_rate=0
)


def test_hand_worked_product_first():
    cap, paths = _one_period()
    ev = evaluate(cap, paths, HAND)
    # inference needs 60/100 of the fleet; research wants 30/50 = 0.6, gets 0.4
    assert ev.unmet_inference_tokens[0, 0] == pytest.approx(0.0, abs=1e-12)
    assert ev.unmet_training_flop[0, 0] == pytest.approx(10.0, rel=HAND_RTOL)
    assert ev.utilisation[0, 0] == pytest.approx(1.0, rel=HAND_RTOL)
    # revenue 60 tokens * $1 + 0.4 * 10 h * $2 = 68; minus capex 10, opex 5
    assert ev.npv_usd[0] == pytest.approx(53.0, rel=HAND_RTOL)
    assert ev.break_even_index[0] == 0
    assert ev.shortfall_inference_count[0] == 0
    assert ev.shortfall_training_count[0] == 1


def test_hand_worked_launch_spike_takes_research_compute():
    cap, paths = _one_period(phi=0.5)
    ev = evaluate(cap, paths, HAND)
    # half the quarter at 2 x 60 = 120 > 100: inference share 0.6 + 0.5 * 0.4 = 0.8,
    # demand 60 * 1.5 = 90, served 80
    assert ev.unmet_inference_tokens[0, 0] == pytest.approx(10.0, rel=HAND_RTOL)
    # research gets 0.2 of the fleet (10 FLOP) instead of 0.4 without the spike
    assert ev.unmet_training_flop[0, 0] == pytest.approx(20.0, rel=HAND_RTOL)
    assert ev.research_lost_to_launches_flop_sum[0] == pytest.approx(
        10.0, rel=HAND_RTOL
    )
    assert ev.unmet_inference_share[0] == pytest.approx(10.0 / 90.0, rel=HAND_RTOL)


def test_hand_worked_fixed_shares():
    cap, paths = _one_period(phi=0.5)
    ev = evaluate(cap, paths, HAND, Policy("fixed_shares", 0.5))
    # inference capped at half the fleet (50 tokens) in and out of spikes
    assert ev.unmet_inference_tokens[0, 0] == pytest.approx(90.0 - 50.0, rel=HAND_RTOL)
    # research keeps its half: 25 of 30 FLOP served, nothing lost to launches
    assert ev.unmet_training_flop[0, 0] == pytest.approx(5.0, rel=HAND_RTOL)
    assert ev.research_lost_to_launches_flop_sum[0] == 0.0


def test_no_capacity_serves_nothing_without_warnings():
    cap, paths = _one_period()
    empty = cap.scaled(0.0)
    ev = evaluate(empty, paths, HAND)
    assert ev.unmet_inference_tokens[0, 0] == pytest.approx(60.0, rel=HAND_RTOL)
    assert ev.unmet_training_flop[0, 0] == pytest.approx(30.0, rel=HAND_RTOL)
    assert ev.utilisation[0, 0] == 0.0
    assert ev.npv_usd[0] == pytest.approx(-15.0, rel=HAND_RTOL)
    assert ev.break_even_index[0] == -1


def test_break_even_is_when_cumulative_cash_stays_positive():
    periods = ("2026Q1", "2026Q2", "2026Q3", "2026Q4", "2027Q1")
    cash = np.array([-10.0, 5.0, 6.0, -2.0, 3.0])  # cumulative -10 -5 1 -1 2
    n = len(periods)
    cap = Capacity(
        periods,
        np.full(n, 1e6),
        np.zeros(n),
        np.zeros(n),
        100.0 - cash,  # revenue is 1e6 tokens at $100/M; capex makes the rest
        np.zeros(n),
        np.zeros(n),
        np.zeros(n),
    )
    paths = DemandPaths(periods, np.full((n, 2), 1e6), np.zeros((n, 2)))
    fin = Finance(
        price_usd_per_mtoken=100, price_usd_per_accelerator_hour=0, discount_rate=0
    )
    ev = evaluate(cap, paths, fin)
    np.testing.assert_allclose(ev.cash_flow_usd[:, 0], cash, rtol=1e-6)
    assert list(ev.break_even_index) == [4, 4]
    assert ev.npv_usd[0] == pytest.approx(2.0, rel=HAND_RTOL)


def test_zero_volatility_monte_carlo_equals_deterministic_evaluation():
    sec = DemandSection.model_validate(quiet_demand_dict())
    cap = capacity()
    mc = evaluate(
        cap, sample_paths(sec, PERIODS, 300, np.random.default_rng(1)), FINANCE
    )
    det = evaluate(cap, deterministic_path(sec, PERIODS), FINANCE)
    # identical inputs up to exp/log rounding (1e-12 relative), but fleet shares
    # are float32 in the kernel: one float32 rounding step (6e-8) may differ
    np.testing.assert_allclose(mc.npv_usd, det.npv_usd[0], rtol=1e-6)
    np.testing.assert_allclose(mc.utilisation_sum / 300, det.utilisation_sum, rtol=1e-6)
    np.testing.assert_allclose(
        mc.unmet_training_flop_sum / 300, det.unmet_training_flop_sum, rtol=1e-6
    )
    np.testing.assert_array_equal(
        mc.shortfall_inference_count / 300, det.shortfall_inference_count
    )


def test_blocks_and_threads_do_not_change_results():
    sec = DemandSection.model_validate(demand_dict())
    paths = sample_paths(sec, PERIODS, 1000, np.random.default_rng(2))
    a = evaluate(capacity(), paths, FINANCE, workers=1, block_paths=1000)
    b = evaluate(capacity(), paths, FINANCE, workers=2, block_paths=37)
    np.testing.assert_allclose(a.npv_usd, b.npv_usd, rtol=1e-12)
    np.testing.assert_array_equal(a.break_even_index, b.break_even_index)
    np.testing.assert_array_equal(
        a.shortfall_inference_count, b.shortfall_inference_count
    )
    # per-period sums: float32 pairwise sums within a block (relative ~1e-6 at
    # 1000 paths), so other blocks give other rounding
    np.testing.assert_allclose(a.cash_flow_usd_sum, b.cash_flow_usd_sum, rtol=1e-5)
    np.testing.assert_array_equal(a.utilisation, b.utilisation)


def test_periods_must_match():
    sec = DemandSection.model_validate(demand_dict())
    paths = sample_paths(sec, PERIODS[1:], 10, np.random.default_rng(0))
    with pytest.raises(InputError, match=r"plan\.periods"):
        evaluate(capacity(), paths, FINANCE)


_PATHS = sample_paths(
    DemandSection.model_validate(demand_dict()), PERIODS, 400, np.random.default_rng(3)
)


def _scaled(paths: DemandPaths, factor: float) -> DemandPaths:
    return DemandPaths(
        paths.periods,
        paths.inference_tokens * factor,
        paths.training_flop * factor,
        paths.launch_fraction,
        paths.launch_multiplier,
    )


@settings(max_examples=25, deadline=None)
@given(
    factor=st.floats(1.0, 20.0),
    policy=st.sampled_from(["product_first", "fixed_shares"]),
)
def test_shortfall_rises_with_demand_falls_with_capacity(factor, policy):
    pol = Policy(policy, 0.6)
    base = evaluate(capacity(), _PATHS, FINANCE, pol, shortfall_tolerance=0.01)
    more_demand = evaluate(
        capacity(), _scaled(_PATHS, factor), FINANCE, pol, shortfall_tolerance=0.01
    )
    more_cap = evaluate(
        capacity(factor), _PATHS, FINANCE, pol, shortfall_tolerance=0.01
    )
    for ev in (base, more_demand, more_cap):
        p = ev.shortfall_inference_count / ev.n_paths
        assert np.all((p >= 0) & (p <= 1))
    # same paths: every path short before is short after (more demand) and
    # none becomes short with more capacity
    assert np.all(
        more_demand.shortfall_inference_count >= base.shortfall_inference_count
    )
    assert np.all(more_demand.shortfall_training_count >= base.shortfall_training_count)
    assert np.all(more_cap.shortfall_inference_count <= base.shortfall_inference_count)
    assert np.all(more_cap.shortfall_training_count <= base.shortfall_training_count)


@settings(max_examples=25, deadline=None)
@given(
    p1=st.floats(0.0, 10.0),
    p2=st.floats(0.0, 10.0),
    h1=st.floats(0.0, 10.0),
    h2=st.floats(0.0, 10.0),
)
def test_npv_is_linear_in_prices(p1, p2, h1, h2):
    def npv(p: float, h: float) -> np.ndarray:
        fin = Finance(
            price_usd_per_mtoken=p, price_usd_per_accelerator_hour=h, discount_rate=0.08
        )
        return evaluate(capacity(), _PATHS, fin, keep_paths=False).npv_usd

    lhs = npv(p1 + p2, h1 + h2) + npv(0.0, 0.0)
    rhs = npv(p1, h1) + npv(p2, h2)
    # revenue is price x served quantity, costs do not depend on price; the
    # tolerance is rounding on sums of ~1e10 $ terms
    scale = np.abs(npv(0.0, 0.0)).max() + np.abs(npv(10.0, 10.0)).max()
    np.testing.assert_allclose(lhs, rhs, rtol=0, atol=1e-9 * scale)


def test_sampling_error_shrinks_as_one_over_sqrt_n():
    sec = DemandSection.model_validate(demand_dict())
    cap = capacity()
    rng = np.random.default_rng(11)
    reps = 200

    def means(n: int) -> np.ndarray:
        return np.array(
            [
                evaluate(
                    cap,
                    sample_paths(sec, PERIODS, n, rng),
                    FINANCE,
                    keep_paths=False,
                    workers=1,
                ).npv_usd.mean()
                for _ in range(reps)
            ]
        )

    small, large = means(100), means(400)
    ratio = small.std(ddof=1) / large.std(ddof=1)
    # 1/sqrt(N) predicts 2. Each sd from 200 replications is off by about
    # 1/sqrt(2 * 199) = 5 %, so their ratio by about 7 %; 3.5 sigma -> +-25 %
    assert 1.5 < ratio < 2.5
    # and the standard error a single run reports matches the spread
    one = evaluate(cap, sample_paths(sec, PERIODS, 400, rng), FINANCE, keep_paths=False)
    reported = one.npv_usd.std(ddof=1) / np.sqrt(400)
    # one run's sd of 400 draws is itself uncertain (heavy right tail): 35 %
    assert reported == pytest.approx(large.std(ddof=1), rel=0.35)


def test_row_quantiles_match_numpy():
    rng = np.random.default_rng(0)
    values = rng.lognormal(size=(5, 1001)).astype(np.float32)
    qs = [0.05, 0.1, 0.5, 0.9, 0.95]
    got = row_quantiles(values, qs, workers=2)
    want = np.quantile(values.astype(np.float64), qs, axis=1).T
    # same order statistics and interpolation; float32 inputs
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_cvar_hand_values():
    assert cvar(np.arange(100.0), 0.05) == 2.0  # mean of 0..4
    assert cvar(np.array([5.0, -1.0, 3.0]), 0.34) == 1.0  # ceil(1.02) = 2 worst: -1, 3


def test_terminal_value_adds_the_end_value_discounted_from_the_horizon_end():
    # same plan with $12 of value left at the end (bought in the last two
    # quarters): NPV rises by 12 / 1.1^(5/4) at 10 %/yr; the cash flows and
    # break-even do not change (a value, not a cash flow in the horizon)
    periods = ("2026Q1", "2026Q2", "2026Q3", "2026Q4", "2027Q1")
    n = len(periods)
    base = Capacity(
        periods,
        np.full(n, 1e6),
        np.zeros(n),
        np.zeros(n),
        np.full(n, 90.0),
        np.zeros(n),
        np.zeros(n),
        np.zeros(n),
    )
    left = Capacity(
        *(getattr(base, f) for f in ("periods", "inference_capacity_tokens")),
        base.training_capacity_flop,
        base.accelerator_hours,
        base.capex_usd,
        base.opex_usd,
        base.it_mw,
        base.facility_mw,
        end_value_usd=np.array([0.0, 0.0, 0.0, 5.0, 7.0]),
    )
    paths = DemandPaths(periods, np.full((n, 2), 1e6), np.zeros((n, 2)))
    fin = Finance(
        price_usd_per_mtoken=100, price_usd_per_accelerator_hour=0, discount_rate=0.1
    )
    without, with_end = evaluate(base, paths, fin), evaluate(left, paths, fin)
    assert with_end.npv_usd - without.npv_usd == pytest.approx(
        [12.0 / 1.1 ** (5 / 4)] * 2, rel=HAND_RTOL
    )
    np.testing.assert_array_equal(with_end.cash_flow_usd, without.cash_flow_usd)
    assert list(with_end.break_even_index) == list(without.break_even_index)


def test_end_value_column_is_read_and_checked():
    import pandas as pd

    from gigaplan.plan.capacity import CAPACITY_COLUMNS

    frame = pd.DataFrame({c: [1.0, 2.0] for c in CAPACITY_COLUMNS[1:]})
    frame.insert(0, "period", ["2026Q1", "2026Q2"])
    read = Capacity.from_table(frame.assign(end_value_usd=[0.0, 3.0]))
    assert read.terminal_value_usd() == 3.0
    assert Capacity.from_table(frame).terminal_value_usd() == 0.0
    with pytest.raises(InputError, match="end_value_usd"):
        Capacity.from_table(frame.assign(end_value_usd=-1.0))
