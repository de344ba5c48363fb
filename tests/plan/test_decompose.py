"""Scenario decomposition gives the optimum and a dual of the whole LP."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from gigaplan.errors import InfeasibleError, SolverError
from gigaplan.plan import run_plan
from gigaplan.plan.build import build_model, resolve
from gigaplan.plan.decompose import (
    _Progress,
    _trust_region_step,
    solve_decomposed,
    split_by_scenario,
)
from gigaplan.plan.scenario_lp import (
    SCENARIO_PRIMAL_TOL,
    ScenarioData,
    ScenarioLP,
    Solver,
    reduce_bound_rows,
    share_equal,
)
from gigaplan.plan.schema import PlanSection
from gigaplan.plan.solve import DECOMPOSE_MIN_SCENARIOS, IPM_MIN_ROWS, use_decomposition
from tests.plan.conftest import random_chips

# Both methods stop within HiGHS tolerances (1e-7 on rows) and, here, a 1e-8
# decomposition gap (GAP; the planner's default is 1e-6): objectives agree to
# 1e-7 relative.
RTOL = 1e-7
GAP = 1e-8


def _section(**extra: Any) -> dict[str, Any]:
    """Three sites, three chips, six scenarios over 12 quarters with budgets,
    a build rate and a must-serve share (random, not real data)."""
    rng = np.random.default_rng(11)
    chips = random_chips(rng, 3, supply_per_quarter=1.5e5)
    sites = [
        {
            "name": f"site-{j}",
            "max_mw": float(rng.uniform(300, 900)),
            "pue": float(rng.uniform(1.1, 1.4)),
            "facility_capex_usd_per_mw": 1.2e7,
            "facility_lead_time_quarters": j,
            "power_options": [
                {
                    "name": f"opt-{k}",
                    "energy_usd_per_mwh": float(rng.uniform(30, 90)),
                    "co2_t_per_mwh": float(rng.uniform(0, 0.5)),
                    "capex_usd_per_kw": float(rng.uniform(0, 2000)),
                    "firm_fraction": float(rng.uniform(0.5, 1.0)),
                    "lead_time_quarters": k,
                    "max_mw": float(rng.uniform(200, 900)),
                }
                for k in range(2)
            ],
        }
        for j in range(3)
    ]
    scenarios = [
        {
            "name": f"s{s}",
            "probability": 1.0 / 6,
            "inference_tokens_start": float(rng.uniform(1e15, 4e15)),
            "inference_growth_per_year": float(rng.uniform(0.2, 1.5)),
            "training_flop_start": float(rng.uniform(2e27, 6e27)),
            "training_growth_per_year": float(rng.uniform(0.2, 1.0)),
        }
        for s in range(6)
    ]
    return {
        "start": "2026Q1",
        "end": "2028Q4",
        "first_stage_periods": 3,
        "build_rate_mw_per_week": 10.0,
        "capex_budget_usd_per_quarter": 2e10,
        "must_serve_fraction": 0.05,
        "solve_rel_gap": GAP,
        "accelerators": chips,
        "sites": sites,
        "scenarios": scenarios,
        **extra,
    }


def _both(section: dict[str, Any]) -> tuple[Any, Any]:
    """The plan solved whole and by decomposition."""
    whole = run_plan({**copy.deepcopy(section), "solve_method": "extensive"})
    split = run_plan({**copy.deepcopy(section), "solve_method": "decomposition"})
    assert whole.solver["method"] == "extensive"
    assert split.solver["method"] == "benders"
    return whole, split


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"risk_aversion": {"weight": 0.5, "alpha": 0.8}},
        {"co2_cap_t_per_quarter": 3e5, "capex_budget_usd_total": 2e11},
    ],
    ids=["neutral", "cvar", "caps"],
)
def test_same_optimum_as_the_whole_lp(extra: dict[str, Any]) -> None:
    whole, split = _both(_section(**extra))
    assert split.objective_usd == pytest.approx(whole.objective_usd, rel=RTOL)
    for key in ("expected_cost_usd", "cvar_cost_usd"):
        if key in whole.dataset.attrs:
            assert split.dataset.attrs[key] == pytest.approx(
                whole.dataset.attrs[key], rel=1e-6
            )
    assert split.solver["gap"] <= 1e-8
    # the first stage is one decision in every scenario
    bought = split.dataset.units_bought.sum(["site", "accelerator"])
    first = bought.isel(period=slice(0, 3)).values
    assert np.allclose(first, first[:, :1], rtol=1e-9, atol=1e-6)


def _strong_duality(model: Any) -> tuple[float, float]:
    """Relative gap (b.y - c.x) / c.x of the written-back solution, and the
    largest reduced-cost sign violation relative to the largest cost."""
    mat = model.matrices
    y = np.nan_to_num(mat.dual)
    x = mat.sol
    r = mat.c - mat.A.T @ y
    at_lb = x <= mat.lb + 1e-7
    worst = np.where(at_lb, np.maximum(-r, 0.0), np.abs(r)).max() / np.abs(mat.c).max()
    return float(mat.b @ y - mat.c @ x) / float(mat.c @ x), float(worst)


def test_duals_are_a_dual_of_the_whole_lp() -> None:
    # b.y = c.x and c - A'y >= 0 (= 0 off the bounds): the combined duals are
    # an optimal dual of the extensive form, not a per-scenario patchwork.
    inp = resolve(PlanSection.model_validate(_section()))
    model, _ = build_model(inp)
    info = solve_decomposed(model, rel_gap=GAP)
    gap, residual = _strong_duality(model)
    assert abs(gap) < 1e-6
    assert residual < 1e-5
    assert info["dual_residual"] < 1e-5


def test_binding_limits_priced_as_in_the_whole_lp() -> None:
    # The LP is degenerate, so a price may sit on another period or site of
    # the same limit, but each limit's total value agrees.
    whole, split = _both(_section())
    totals = [
        b[b.binding].groupby("limit").shadow_price_usd.sum()
        for b in (whole.bottlenecks, split.bottlenecks)
    ]
    assert {"build_rate", "site_power", "interconnect"} <= set(totals[0].index)
    assert list(totals[1].index) == list(totals[0].index)
    assert np.allclose(totals[1], totals[0], rtol=1e-6)


def test_feasibility_cuts_when_the_kept_scenario_needs_less() -> None:
    # Nine tenths of demand must be served and the second quarter is still
    # first stage, so the high scenarios need first-stage chips that the low
    # one (kept in the master) does not: feasibility cuts bring them in.
    section = _section(must_serve_fraction=0.9, first_stage_periods=2)
    section["build_rate_mw_per_week"] = None
    for chip in section["accelerators"]:
        chip["lead_time_quarters"] = 0
    for site in section["sites"]:
        site["facility_lead_time_quarters"] = 0
        for option in site["power_options"]:
            option["lead_time_quarters"] = 0
    for s, scen in enumerate(section["scenarios"]):
        scen["training_flop_start"] = 0.0
        scen["inference_tokens_start"] = 1e14 if s == 0 else 6e15
        scen["inference_growth_per_year"] = 0.0
    whole, split = _both(section)
    assert split.solver["feasibility_cuts"] > 0
    assert split.objective_usd == pytest.approx(whole.objective_usd, rel=RTOL)


def test_infeasible_is_reported_with_the_limit() -> None:
    section = _section(must_serve_fraction=1.0, solve_method="decomposition")
    for chip in section["accelerators"]:
        chip["supply_per_quarter"] = 10.0
    with pytest.raises(InfeasibleError, match="must_serve"):
        run_plan(section)


def test_blocks_hold_only_their_scenario() -> None:
    inp = resolve(PlanSection.model_validate(_section()))
    model, _ = build_model(inp)
    split = split_by_scenario(model)
    assert len(split.scenario_cols) == 6
    shared = set(split.link.tolist())
    names = model.variables.get_label_position  # label -> (name, coords)
    labels = model.matrices.vlabels
    for pos in split.link:
        name, _ = names(int(labels[pos]))
        assert name in {"buy", "facility_build", "power_build", "arrive_first_mw"}
    for s, (rows, cols) in enumerate(
        zip(split.scenario_rows, split.scenario_cols, strict=True)
    ):
        used = set(np.unique(split.A[rows].indices).tolist())
        assert used <= shared | set(cols.tolist()), f"scenario {s} reaches out"


def test_time_limit_is_a_solver_error() -> None:
    inp = resolve(PlanSection.model_validate(_section()))
    model, _ = build_model(inp)
    with pytest.raises(SolverError, match="time limit"):
        solve_decomposed(model, time_limit_s=0.0)


def test_auto_decomposes_large_lps_with_many_scenarios() -> None:
    big = IPM_MIN_ROWS + 1
    assert use_decomposition("auto", big, DECOMPOSE_MIN_SCENARIOS)
    assert not use_decomposition("auto", big, DECOMPOSE_MIN_SCENARIOS - 1)
    assert not use_decomposition("auto", IPM_MIN_ROWS, 50)
    assert use_decomposition("decomposition", 10, 2)
    assert not use_decomposition("decomposition", 10, 1)
    assert not use_decomposition("extensive", big, 50)


def test_same_optimum_on_a_dask_cluster() -> None:
    # Scenario LPs held by actors on two in-process workers: the same
    # optimum and the same duals as in local threads (both stop at the
    # 1e-8 decomposition gap, so objectives agree to RTOL).
    distributed = pytest.importorskip(
        "distributed", reason="optional dependency: dask distributed, not installed"
    )
    inp = resolve(PlanSection.model_validate(_section()))
    local, _ = build_model(inp)
    local_info = solve_decomposed(local, threads=2, rel_gap=GAP)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote, _ = build_model(inp)
        info = solve_decomposed(remote, cluster=client, rel_gap=GAP)
    assert info["workers"] == 2
    assert len(info["round_bytes"]) == len(info["round_s"])
    assert info["setup_bytes"] > 0
    assert remote.objective.value == pytest.approx(local.objective.value, rel=RTOL)
    assert info["upper_bound"] == pytest.approx(local_info["upper_bound"], rel=RTOL)
    gap, residual = _strong_duality(remote)
    assert abs(gap) < 1e-6
    assert residual < 1e-5


@pytest.mark.parametrize("groups", [1, 2])
def test_grouped_cuts_give_the_same_optimum_and_duals(groups: int) -> None:
    # Optimality cuts summed over groups of scenarios (1: single-cut): the
    # same optimum as multi-cut to RTOL, and the duals handed to each
    # scenario of a summed cut still form a dual of the whole LP.
    inp = resolve(PlanSection.model_validate(_section()))
    multi, _ = build_model(inp)
    solve_decomposed(multi, threads=2, rel_gap=GAP)
    grouped, _ = build_model(inp)
    info = solve_decomposed(grouped, threads=2, cut_groups=groups, rel_gap=GAP)
    assert info["gap"] <= 1e-8
    assert grouped.objective.value == pytest.approx(multi.objective.value, rel=RTOL)
    gap, residual = _strong_duality(grouped)
    assert abs(gap) < 1e-6
    assert residual < 1e-5


def test_single_column_rows_become_bounds_with_their_duals() -> None:
    # min -y0 - y1  s.t.  y0 + y1 <= 10 (kept: two columns),
    # 2 y0 <= 6 (row 1, bounds y0 <= 3), -y1 >= -5 (row 2, y1 <= 5),
    # y1 <= 8 (row 3, looser than row 2). At the optimum y0 = 3, y1 = 5 the
    # kept row is slack (3 + 5 < 10), so rows 1 and 2 bind.
    w = sp.csr_array(np.array([[1.0, 1.0], [2.0, 0.0], [0.0, -1.0], [0.0, 1.0]]))
    t = sp.csr_array((4, 1))
    h = np.array([10.0, 6.0, -5.0, 8.0])
    sense = np.array(["<", "<", ">", "<"])
    rows, lower, upper = reduce_bound_rows(
        w, t, h, sense, np.zeros(2), np.full(2, np.inf)
    )
    assert rows.kept.tolist() == [0]
    assert lower.tolist() == [0.0, 0.0]
    assert upper.tolist() == [3.0, 5.0]
    # reduced LP: kept row slack (dual 0); reduced costs -1 and -1 at upper
    duals = rows.row_duals(np.array([0.0]), np.array([-1.0, -1.0]))
    # whole LP duals: row 1 gives d(obj)/d(h1) = -1/2, row 2 (a = -1): +1,
    # row 3 does not bind
    assert duals.tolist() == [0.0, -0.5, 1.0, 0.0]
    # c - A^T y = 0 for both columns (each sits at a row's bound)
    assert np.allclose(np.array([-1.0, -1.0]) - w.T @ duals, 0.0)


def test_the_test_plan_blocks_carry_bound_rows() -> None:
    # the strong-duality tests above cover the dual recovery only if the
    # scenario blocks lose rows to bounds
    model, _ = build_model(resolve(PlanSection.model_validate(_section())))
    split = split_by_scenario(model)
    data = ScenarioData.from_split(split, 1, 0)
    assert len(data.bound_rows.kept) < data.bound_rows.n_rows
    assert (data.bound_rows.upper_row >= 0).any()


def test_a_worse_point_with_no_predicted_decrease_is_a_null_step() -> None:
    # the unboxed master's bound equals the incumbent's cost and it proposes
    # another point of that bound, which is worse: the box and the incumbent
    # stay (this divided by zero before, on the risk-aversion plan)
    center = np.array([1.0, 2.0])
    state = _Progress(center=center, value=100.0, radius=5.0)
    _trust_region_step(state, np.array([1.0, 7.0]), 120.0, 0.0)
    assert state.center is center
    assert (state.value, state.radius) == (100.0, 5.0)


def _tiny_scenario(slot: int) -> ScenarioData:
    """min y0 + y1  s.t.  y0 + y1 >= 2,  y0 <= x (x first-stage),  y1 <= 1."""
    w = sp.csr_array(np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]]))
    t = sp.csr_array(np.array([[0.0], [-1.0], [0.0]]))  # W y >= / <= h - T x
    block = (w, t, np.array([2.0, 0.0, 1.0]), np.array([">", "<", "<"]))
    return ScenarioData.from_block(
        slot + 1, slot, block, np.ones(2), (np.zeros(2), np.full(2, np.inf))
    )


def test_a_point_off_by_a_tolerance_is_solved_with_that_room() -> None:
    # x = 1 - 5e-5 leaves y0 + y1 <= 2 - 5e-5 < 2: infeasible beyond the
    # scenario LP's primal tolerance but within SLACK_TOL, so the scenario is
    # solved with that room (value 2, an optimality cut); at x = 0.5 it is a
    # feasibility cut. One solver takes two scenarios in turn and must still
    # hold the LP it records (phase 1 changes costs and bounds in it).
    data, other = share_equal([_tiny_scenario(0), _tiny_scenario(1)])
    assert other.matrix is data.matrix
    a, b = ScenarioLP(data), ScenarioLP(other)
    solver = Solver(SCENARIO_PRIMAL_TOL)
    cut = a.evaluate(solver, np.array([1.0 - 5e-5]))
    assert cut.optimality and a.tolerated == 1
    assert cut.value == pytest.approx(2.0, abs=1e-6)
    assert solver.matrix is data.matrix  # the solver kept its LP
    lp = solver.h.getLp()
    assert np.array_equal(lp.col_cost_, solver.cost)
    assert np.array_equal(lp.col_upper_, solver.cols[1])
    for scenario, x, value in ((b, 1.5, 2.0), (a, 1.5, 2.0), (a, 1.0, 2.0)):
        cut = scenario.evaluate(solver, np.array([x]))
        assert cut.optimality and cut.value == pytest.approx(value, abs=1e-9)
    assert a.tolerated == 1
    cut = b.evaluate(solver, np.array([0.5]))
    assert not cut.optimality and cut.value == pytest.approx(0.5, abs=1e-9)
    cut = a.evaluate(solver, np.array([2.0]))  # after the phase-1 costs
    assert cut.optimality and cut.value == pytest.approx(2.0, abs=1e-9)
