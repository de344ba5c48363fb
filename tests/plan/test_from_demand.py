"""plan.from_demand: the plan's scenarios are the reduction of the demand
model's paths that the risk stage samples (one demand model for both)."""

from __future__ import annotations

import numpy as np
import pytest

from gigaplan.demand.paths import reduce_paths, sample_paths
from gigaplan.errors import InputError
from gigaplan.plan import run_plan
from gigaplan.scenario import Scenario
from gigaplan.stages.plan import solve_scenario_plan
from tests.plan.conftest import base_section
from tests.risk.test_stage import risk_dict


def _scenario(**from_demand: int) -> Scenario:
    sec = base_section()
    sec["end"] = "2027Q4"
    sec.pop("scenarios")
    sec["from_demand"] = {"scenarios": 3, "paths": 300, **from_demand}
    return Scenario.model_validate(
        {"name": "fd", "seed": 7, "plan": sec, "risk": risk_dict()}
    )


def test_scenarios_are_the_reduction_of_the_models_paths() -> None:
    scen = _scenario()
    result = solve_scenario_plan(scen, None)
    ds = result.dataset
    path_rng, reduce_rng = np.random.default_rng(7).spawn(2)
    periods = list(ds.period.values)
    paths = sample_paths(scen.risk.demand, periods, 300, path_rng)
    want = reduce_paths(paths, 3, reduce_rng, 50)
    np.testing.assert_allclose(ds.probability.values, want.probability, rtol=0)
    np.testing.assert_allclose(
        ds.inference_demand_tokens.transpose("period", "scenario").values,
        want.inference_tokens,
        rtol=1e-15,
    )
    np.testing.assert_allclose(
        ds.training_demand_flop.transpose("period", "scenario").values,
        want.training_flop,
        rtol=1e-15,
    )
    assert list(ds.scenario.values) == ["demand-1", "demand-2", "demand-3"]


def test_from_demand_needs_a_demand_model_and_no_typed_scenarios() -> None:
    scen = _scenario()
    no_risk = scen.model_copy(update={"risk": None})
    with pytest.raises(InputError, match=r"plan\.from_demand.*risk"):
        solve_scenario_plan(no_risk, None)
    with pytest.raises(InputError, match="solve_scenario_plan"):
        run_plan(scen.plan)
    sec = base_section()
    sec["from_demand"] = {"scenarios": 2}
    with pytest.raises(ValueError, match="not both"):
        Scenario.model_validate({"plan": sec})


def test_one_value_of_service_with_the_risk_stage() -> None:
    scen = _scenario()
    sec = scen.plan.model_copy(update={"unmet_value": "risk_finance"})
    result = solve_scenario_plan(scen.model_copy(update={"plan": sec}), None)
    attrs = result.dataset.attrs
    # risk_dict: $1.0 per million tokens, $2.0 per accelerator-hour; the chips
    # do 1e15 and 2e15 FLOP/s: mean 1.5e15 x 3600 s = 5.4 EFLOP per hour
    assert attrs["unmet_inference_usd_per_mtoken"] == 1.0
    assert attrs["unmet_training_usd_per_eflop"] == pytest.approx(2.0 / 5.4, rel=1e-12)
