"""Common random numbers, bottleneck attribution and what-if search."""

from __future__ import annotations

import numpy as np
import pytest

from gigaplan.errors import InfeasibleError
from gigaplan.factory import analysis
from gigaplan.factory.model import compile_design, run_replications
from gigaplan.factory.whatif import (
    RateProbe,
    cheapest_combination,
    check_reachable,
    smallest_single_increase,
)

#: a sum of whole amounts
COUNT = 1e-12


def _variable(make_det):  # type: ignore[no-untyped-def]
    """The deterministic pipeline with random arrivals and durations."""
    return make_det(
        horizon_weeks=260,
        period_weeks=52,
        projects={
            "count": 1500,
            "arrivals_per_week": 5.0,
            "size_mw": {"dist": "triangular", "low": 100, "mode": 200, "high": 300},
        },
        stages=[
            {
                "name": "transformer_lead",
                "duration_weeks": {
                    "dist": "triangular",
                    "low": 5,
                    "mode": 10,
                    "high": 20,
                },
                "needs": [{"resource": "transformers", "per_mw": 0.01}],
            },
            {
                "name": "construction",
                "duration_weeks": {"dist": "lognormal", "median": 2, "p90": 4},
                "needs": [{"resource": "crews", "per_project": 1}],
            },
        ],
    )


def test_same_seed_same_results_and_workers_do_not_matter(make_det) -> None:  # type: ignore[no-untyped-def]
    design = compile_design(_variable(make_det))
    one = run_replications(design, replications=2, seed=5, workers=1)
    two = run_replications(design, replications=2, seed=5, workers=2)
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a.t_done, b.t_done)
    other = run_replications(design, replications=1, seed=6)[0]
    assert not np.array_equal(np.nan_to_num(one[0].t_done), np.nan_to_num(other.t_done))


def test_common_random_numbers_relaxing_a_slack_resource_changes_nothing(
    make_det,
) -> None:  # type: ignore[no-untyped-def]
    section = make_det(
        resources={
            "transformers": {"kind": "supply", "capacity": 6.0},
            "crews": {"kind": "crews", "capacity": 40},  # far from binding
        }
    )
    design = compile_design(section)
    base = run_replications(design, replications=1, seed=9)[0]
    relaxed = run_replications(design, np.array([1.0, 3.0]), replications=1, seed=9)[0]
    # Same draws and the crews never bind: every project finishes at the same time.
    np.testing.assert_array_equal(base.t_done, relaxed.t_done)


def test_bottleneck_attribution_names_the_binding_resource(det_section) -> None:  # type: ignore[no-untyped-def]
    design = compile_design(det_section)
    H, P = det_section.horizon_weeks, det_section.period_weeks
    base = run_replications(design, replications=1, seed=1)
    relaxed = {
        r.name: run_replications(
            design, np.where(np.arange(2) == i, 1.5, 1.0), replications=1, seed=1
        )
        for i, r in enumerate(design.resources)
    }
    table = analysis.bottleneck_by_relaxation(base, relaxed, H, P)
    # After the first period (pipeline filling), transformers bind: +50 % supply
    # still stays under the crews' 0.2 GW/week, so crews never gain.
    assert set(table["bottleneck_by_relaxation"].iloc[1:]) == {"transformers"}
    assert (table["gain_gw_crews"] == 0).all()
    util = analysis.utilisation(base, design, design.ones(), H, P)
    by_util = analysis.bottleneck_by_utilisation(util)
    assert set(by_util["bottleneck_by_utilisation"].iloc[1:]) == {"transformers"}
    crews = util[(util.resource == "crews") & (util.period_start_week >= 52)]
    # crews run at 0.138 / 0.2 of capacity when transformers bind
    assert crews["utilisation"].to_numpy() == pytest.approx(0.13799 / 0.2, rel=0.02)


def test_smallest_single_increase_deterministic(make_det) -> None:  # type: ignore[no-untyped-def]
    section = make_det(
        resources={
            "transformers": {"kind": "supply", "capacity": 1000.0},
            "crews": {"kind": "crews", "capacity": 4, "unit_cost_usd": 1e7},
        }
    )
    design = compile_design(section)
    probe = RateProbe(design, seed=1, replications=1, week=500, window_weeks=100)
    table = smallest_single_increase(probe, 0.3).set_index("resource")
    # 0.3 GW/week needs 6 crews (6 / 2 weeks x 100 MW): multiplier 1.5, found by
    # bisection to 2 %.
    assert 1.5 <= table.loc["crews", "multiplier_needed"] <= 1.5 * 1.02
    assert table.loc["crews", "cost_usd"] == pytest.approx(2 * 1e7, rel=0.03)
    # transformers are not binding: no amount of them alone reaches 0.3
    assert not table.loc["transformers", "reachable_alone"]


def test_cheapest_combination_reaches_target(make_det) -> None:  # type: ignore[no-untyped-def]
    design = compile_design(make_det())
    probe = RateProbe(design, seed=1, replications=1, week=500, window_weeks=100)
    table = cheapest_combination(probe, 0.25)
    assert table["target_reached"].all()
    mult = table.set_index("resource")["multiplier_needed"]
    # transformers must give 0.25 GW/week: x >= 0.25 / 0.138 = 1.81; crews x >= 1.25
    assert mult["transformers"] >= 0.25 / 0.13799
    assert mult["crews"] * 4 >= 5


def test_unreachable_target_is_reported(make_det) -> None:  # type: ignore[no-untyped-def]
    design = compile_design(make_det())
    probe = RateProbe(design, seed=1, replications=1, week=500, window_weeks=100)
    # arrivals give 1 GW/week at most
    with pytest.raises(InfeasibleError, match="target_gw_per_week"):
        check_reachable(probe, 1.5)


def test_vendor_needs_split_by_share(make_det) -> None:  # type: ignore[no-untyped-def]
    section = make_det(
        projects={
            "count": 2000,
            "arrivals_per_week": 10.0,
            "size_mw": {"dist": "fixed", "value": 100},
            "vendors": {"nv": 0.75, "amd": 0.25},
        },
        resources={
            "nv_mw": {"kind": "supply", "capacity": 1e5},
            "amd_mw": {"kind": "supply", "capacity": 1e5},
        },
        stages=[
            {
                "name": "fitout",
                "duration_weeks": {"dist": "fixed", "value": 1},
                "needs": [
                    {"resource": "nv_mw", "per_mw": 1.0, "vendor": "nv"},
                    {"resource": "amd_mw", "per_mw": 1.0, "vendor": "amd"},
                ],
            }
        ],
    )
    res = run_replications(compile_design(section), replications=1, seed=2)[0]
    taken = res.amounts[:, 0, :].sum(axis=0)
    # each project takes from its own vendor only; 2,000 Bernoulli(0.75) draws
    # give a share within 0.75 +- 3 sd (sd = 0.0097)
    assert taken.sum() == pytest.approx(2000 * 100, rel=COUNT)
    assert abs(taken[0] / taken.sum() - 0.75) < 0.03


def test_bottleneck_moves_when_capacity_changes(make_det) -> None:  # type: ignore[no-untyped-def]
    # crews: 2 (0.1 GW/week) until week 208, then 6 (0.3 GW/week); transformers
    # 0.138 GW/week throughout: crews bind first, transformers after the step.
    section = make_det(
        resources={
            "transformers": {"kind": "supply", "capacity": 6.0},
            "crews": {
                "kind": "crews",
                "capacity": [
                    {"from_week": 0, "value": 2},
                    {"from_week": 208, "value": 6},
                ],
            },
        }
    )
    design = compile_design(section)
    H, P = section.horizon_weeks, section.period_weeks
    base = run_replications(design, replications=1, seed=1)
    relaxed = {
        r.name: run_replications(
            design, np.where(np.arange(2) == i, 1.5, 1.0), replications=1, seed=1
        )
        for i, r in enumerate(design.resources)
    }
    table = analysis.bottleneck_by_relaxation(base, relaxed, H, P).set_index(
        "period_start_week"
    )
    util = analysis.utilisation(base, design, design.ones(), H, P)
    by_util = analysis.bottleneck_by_utilisation(util).set_index("period_start_week")
    # periods of 52 weeks: 52-156 before the step, 312+ well after it (the
    # transformer stock built up while crews bound is used up by then)
    crews_util = util[util.resource == "crews"].set_index("period_start_week")
    for week in (52, 104, 156):
        assert table.loc[week, "bottleneck_by_relaxation"] == "crews"
        # Utilisation alone cannot tell: the transformers upstream are saturated
        # too (arrivals flood them) and have the longer queue, so the heuristic
        # names them; crews are saturated as well. Only relaxation is causal.
        assert crews_util.loc[week, "utilisation"] > 0.99
    for week in (364, 416, 468):
        assert table.loc[week, "bottleneck_by_relaxation"] == "transformers"
        assert by_util.loc[week, "bottleneck_by_utilisation"] == "transformers"
