from __future__ import annotations

import numpy as np
import pytest

from gigaplan.demand.paths import (
    WEEKS_PER_QUARTER,
    adoption_multiplier,
    deterministic_path,
    reduce_paths,
    sample_paths,
)
from gigaplan.demand.schema import Adoption, DemandSection
from gigaplan.errors import InputError
from gigaplan.plan.schema import DemandScenario, quarter_labels
from tests.risk.conftest import PERIODS, demand_dict, quiet_demand_dict


def test_no_uncertainty_every_path_is_the_deterministic_one():
    sec = DemandSection.model_validate(quiet_demand_dict())
    paths = sample_paths(sec, PERIODS, 50, np.random.default_rng(1))
    det = deterministic_path(sec, PERIODS)
    # exp(cumsum of logs) against start * (1+g)**t: rounding only, ~T ulps
    np.testing.assert_allclose(
        paths.inference_tokens, det.inference_tokens * np.ones(50), rtol=1e-12
    )
    np.testing.assert_allclose(
        paths.training_flop, det.training_flop * np.ones(50), rtol=1e-12
    )
    # hand value: doubling a year, one year after the start
    assert det.inference_tokens[4, 0] == pytest.approx(2e15, rel=1e-12)


def test_mean_follows_the_stated_growth():
    # certain drift: E[D_t] = start (1 + g)^(t/4) (log-normal with -sigma^2/2)
    d = demand_dict()
    d["inference_tokens"]["growth_sd_per_year"] = 0.0
    sec = DemandSection.model_validate({**d, "launches": None})
    n = 40_000
    paths = sample_paths(sec, PERIODS, n, np.random.default_rng(2))
    t_years = np.arange(len(PERIODS)) / 4
    expect = 1e15 * 2.0**t_years
    got = paths.inference_tokens.mean(axis=1)
    # Monte Carlo noise of a log-normal mean at n draws: relative sd
    # sqrt(exp(sigma^2 t) - 1) / sqrt(n); allow 4 of them
    tol = 4 * np.sqrt(np.expm1(0.3**2 * t_years)) / np.sqrt(n)
    assert np.all(np.abs(got / expect - 1) <= tol + 1e-12)


def test_seeded_paths_repeat_and_scale_with_start():
    sec = DemandSection.model_validate(demand_dict())
    a = sample_paths(sec, PERIODS, 100, np.random.default_rng(3))
    b = sample_paths(sec, PERIODS, 100, np.random.default_rng(3))
    np.testing.assert_array_equal(a.inference_tokens, b.inference_tokens)
    d = demand_dict()
    d["inference_tokens"]["start"] = 3e15
    c = sample_paths(
        DemandSection.model_validate(d), PERIODS, 100, np.random.default_rng(3)
    )
    np.testing.assert_allclose(c.inference_tokens, 3 * a.inference_tokens, rtol=1e-12)


def test_shock_correlation():
    d = demand_dict(correlation=0.7)
    for key in ("inference_tokens", "training_flop"):
        d[key]["growth_sd_per_year"] = 0.0
    sec = DemandSection.model_validate({**d, "launches": None})
    n = 20_000
    paths = sample_paths(sec, PERIODS, n, np.random.default_rng(4))
    di = np.diff(np.log(paths.inference_tokens), axis=0).ravel()
    dt = np.diff(np.log(paths.training_flop), axis=0).ravel()
    # sd of a sample correlation is about (1 - rho^2) / sqrt(m); allow 5 of them
    m = di.size
    assert np.corrcoef(di, dt)[0, 1] == pytest.approx(0.7, abs=5 * 0.51 / np.sqrt(m))


def test_launch_share_matches_the_poisson_rate():
    sec = DemandSection.model_validate(demand_dict())
    n = 20_000
    paths = sample_paths(sec, PERIODS, n, np.random.default_rng(5))
    assert paths.launch_fraction is not None
    # E[K] = 2/yr * 0.25 yr; each launch is 3 weeks of a quarter (capping at a
    # whole quarter needs K >= 5, P < 2e-4, so it moves the mean < 1e-4)
    expect = 0.5 * 3 / WEEKS_PER_QUARTER
    se = np.sqrt(0.5) * 3 / WEEKS_PER_QUARTER / np.sqrt(n * len(PERIODS))
    assert paths.launch_fraction.mean() == pytest.approx(expect, abs=5 * se + 1e-4)
    total = paths.total_inference_tokens()
    assert np.all(total >= paths.inference_tokens)
    assert np.all(total <= 2.0 * paths.inference_tokens * (1 + 1e-12))


def test_regime_shift_at_once_changes_growth_and_level():
    d = quiet_demand_dict()
    d["regime_shifts"] = [
        {
            "name": "winter",
            "rate_per_year": 1e9,  # happens within ~1e-9 yr of the start
            "growth_per_year_after": 0.0,
            "level_change": -0.5,
            "applies_to": "inference",
        }
    ]
    sec = DemandSection.model_validate(d)
    paths = sample_paths(sec, PERIODS, 10, np.random.default_rng(6))
    # no growth after the shift, half the level from the second period on;
    # the shift time (~1e-9 yr at double growth) moves levels by < 1e-8
    np.testing.assert_allclose(paths.inference_tokens[0], 1e15, rtol=1e-12)
    np.testing.assert_allclose(paths.inference_tokens[1:], 0.5e15, rtol=1e-7)
    det = deterministic_path(sec, PERIODS)
    np.testing.assert_allclose(
        paths.training_flop, det.training_flop * np.ones(10), rtol=1e-12
    )


def test_adoption_s_curve_rises_to_its_ceiling():
    periods = quarter_labels("2026Q1", "2045Q4")
    a = Adoption(ceiling_multiple=4.0, midpoint="2030Q1", steepness_per_year=1.5)
    m = adoption_multiplier(a, periods)
    assert m[0] == pytest.approx(1.0, abs=1e-12)
    assert np.all(np.diff(m) > 0)
    # 15.75 years past the midpoint at k = 1.5: within exp(-1.5 * 15.75) of C
    assert m[-1] == pytest.approx(4.0, rel=1e-9)


def test_periods_must_be_consecutive():
    sec = DemandSection.model_validate(demand_dict())
    with pytest.raises(InputError, match="consecutive"):
        sample_paths(sec, ["2026Q1", "2026Q3"], 10, np.random.default_rng(0))


def test_reduction_keeps_the_mean_and_probabilities():
    sec = DemandSection.model_validate(demand_dict())
    paths = sample_paths(sec, PERIODS, 3000, np.random.default_rng(7))
    red = reduce_paths(paths, 6, np.random.default_rng(8))
    assert red.probability.sum() == pytest.approx(1.0, abs=1e-12)
    assert len(red.probability) == 6
    # cluster means weighted by cluster shares are the sample mean exactly;
    # what is left is floating-point summation over 3000 paths
    np.testing.assert_allclose(
        red.inference_tokens @ red.probability,
        paths.total_inference_tokens().mean(axis=1),
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        red.training_flop @ red.probability,
        paths.training_flop.mean(axis=1),
        rtol=1e-10,
    )
    # the scenarios are valid plan.scenarios entries
    scen = [DemandScenario.model_validate(s) for s in red.to_plan_scenarios()]
    assert sum(s.probability for s in scen) == pytest.approx(1.0, abs=1e-9)


def test_reduction_distance_shrinks_with_more_scenarios():
    sec = DemandSection.model_validate(demand_dict())
    paths = sample_paths(sec, PERIODS, 400, np.random.default_rng(9))
    one = reduce_paths(paths, 1, np.random.default_rng(0))
    many = reduce_paths(paths, 40, np.random.default_rng(0))
    every = reduce_paths(paths, 400, np.random.default_rng(0))
    assert one.transport_distance > many.transport_distance > 0
    assert one.marginal_distance.mean() > many.marginal_distance.mean()
    # one scenario per path: nothing is moved (k-means++ picks distinct points)
    assert every.transport_distance == pytest.approx(0.0, abs=1e-12)
    assert np.max(every.marginal_distance) == pytest.approx(0.0, abs=1e-12)


def test_adoption_curve_is_applied_to_sampled_paths():
    d = quiet_demand_dict()
    d["inference_tokens"]["adoption"] = {
        "ceiling_multiple": 3.0,
        "midpoint": "2026Q4",
        "steepness_per_year": 2.0,
    }
    sec = DemandSection.model_validate(d)
    paths = sample_paths(sec, PERIODS, 5, np.random.default_rng(1))
    curve = adoption_multiplier(sec.inference_tokens.adoption, PERIODS)
    want = 1e15 * 2.0 ** (np.arange(len(PERIODS)) / 4) * curve
    # exp of a running sum of logs against the product: rounding only
    np.testing.assert_allclose(paths.inference_tokens[:, 0], want, rtol=1e-12)
    assert curve[-1] > 2.0  # the curve matters at this horizon
