from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from gigaplan import pipeline
from gigaplan.cli import app
from gigaplan.errors import InputError
from gigaplan.external import load_capacity
from gigaplan.plan.capacity import CAPACITY_COLUMNS
from gigaplan.report.charts import charts_for
from gigaplan.risk.schema import RiskSection
from gigaplan.risk.stage import assess
from gigaplan.scenario import Scenario
from gigaplan.stages.risk import run_stage
from gigaplan.store import RunStore
from tests.plan.conftest import base_section
from tests.risk.conftest import capacity, demand_dict

#: probabilities of the reduced scenarios, summed
SUMS_TO_ONE = 1e-12


def risk_dict(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "paths": 500,
        "demand": demand_dict(),
        "finance": {
            "price_usd_per_mtoken": 1.0,
            "price_usd_per_accelerator_hour": 2.0,
            "discount_rate": 0.08,
        },
        "reduction": {"scenarios": 3, "paths": 200},
    }
    base.update(over)
    return base


def scenario_text(**risk_over: Any) -> str:
    return yaml.safe_dump(
        {"name": "r", "plan": base_section(), "risk": risk_dict(**risk_over)}
    )


@pytest.fixture(scope="module")
def plan_and_risk() -> pipeline.PipelineRun:
    return pipeline.run_pipeline(scenario_text())


def test_pipeline_risk_uses_the_plan_of_the_same_run(plan_and_risk):
    plan, risk = plan_and_risk.results
    assert plan.stage == "plan" and risk.stage == "risk"
    cap = plan.tables["capacity"]
    assert list(cap.columns) == [
        *CAPACITY_COLUMNS,
        "planning_utilisation",
        "end_value_usd",
    ]
    assert list(risk.tables["by_period"]["period"]) == list(cap["period"])
    assert risk.summary["paths"] == 500
    assert 0.0 <= risk.summary["p_shortfall_inference_max"] <= 1.0
    assert risk.summary["npv_usd_cvar"] <= risk.summary["npv_usd_p5"] + 1e-6
    assert "NPV" in risk.text


def test_percentile_columns_are_ordered(plan_and_risk):
    table = plan_and_risk.results[1].tables["by_period"]
    for stem in (
        "inference_unmet_tokens",
        "training_unmet_flop",
        "utilisation",
        "cash_flow_usd",
    ):
        cols = [f"{stem}_p{p}" for p in (5, 10, 50, 90, 95)]
        values = table[cols].to_numpy()
        assert np.all(np.diff(values, axis=1) >= -1e-6 * np.abs(values).max())


def test_report_draws_risk_fans(plan_and_risk):
    tables = {f"risk_{k}": v for k, v in plan_and_risk.results[1].tables.items()}
    charts = charts_for(tables)
    titles = [c.title for c in charts]
    for start in (
        "Inference demand (P10-P90 of demand paths) vs planned capacity",
        "Training demand (P10-P90 of demand paths) vs planned capacity",
        "Cash flow per quarter",
        "Fleet utilisation",
        "Probability of a shortfall by quarter",
        "NPV distribution",
    ):
        assert any(t.startswith(start) for t in titles), start
    assert any(c.table == "risk_npv_distribution" for c in charts)


def test_no_plan_is_an_input_error_naming_risk_plan():
    text = yaml.safe_dump({"name": "r", "risk": risk_dict()})
    with pytest.raises(InputError, match=r"risk\.plan=None: no plan to evaluate"):
        pipeline.run_pipeline(text)


def test_capacity_from_csv_and_missing_columns(tmp_path: Path):
    frame = pd.DataFrame(
        {
            c: getattr(capacity(), c) if c != "period" else list(capacity().periods)
            for c in CAPACITY_COLUMNS
        }
    )
    good = tmp_path / "cap.csv"
    frame.to_csv(good, index=False)
    cap = load_capacity(str(good))
    np.testing.assert_allclose(cap.capex_usd, capacity().capex_usd)
    bad = tmp_path / "bad.csv"
    frame.drop(columns=["capex_usd"]).to_csv(bad, index=False)
    with pytest.raises(InputError, match="needs columns capex_usd"):
        load_capacity(str(bad))
    with pytest.raises(InputError, match="file not found"):
        load_capacity(str(tmp_path / "nope.parquet"))
    frame.loc[0, "period"] = "2026"
    frame.to_csv(bad, index=False)
    with pytest.raises(InputError, match=r"period=.*consecutive quarter labels"):
        load_capacity(str(bad))
    frame.loc[0, "period"] = "2026Q1"
    frame.loc[2, "opex_usd"] = -1.0
    frame.to_parquet(tmp_path / "neg.parquet")
    with pytest.raises(InputError, match=r"opex_usd.*must be finite and >= 0"):
        load_capacity(str(tmp_path / "neg.parquet"))


def test_capacity_from_a_stored_run(tmp_path: Path, plan_and_risk):
    store = RunStore(tmp_path / "runs.duckdb")
    run_id = store.save(plan_and_risk)
    cap = load_capacity(run_id[:15], db=tmp_path / "runs.duckdb")
    expect = plan_and_risk.results[0].tables["capacity"]
    np.testing.assert_allclose(
        cap.inference_capacity_tokens, expect["inference_capacity_tokens"]
    )
    # and a scenario whose risk.plan names that run needs no plan: section;
    # the run is looked up in the store the command was given (--db), not in
    # the default one (the old stage opened RunStore(None) and failed)
    text = yaml.safe_dump({"name": "r", "risk": risk_dict(plan="latest")})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GIGAPLAN_DB", str(tmp_path / "empty.duckdb"))
        run = pipeline.run_pipeline(text, db=tmp_path / "runs.duckdb")
        scenario_file = tmp_path / "r.yaml"
        scenario_file.write_text(text)
        db = str(tmp_path / "runs.duckdb")
        res = CliRunner().invoke(app, ["run", str(scenario_file), "--db", db])
    assert run.results[0].summary["paths"] == 500
    assert res.exit_code == 0, res.output
    # a stage reads no store: called alone, it says the pipeline must read it
    scen = Scenario.model_validate({"name": "r", "risk": risk_dict(plan=run_id)})
    with pytest.raises(InputError, match="was not read"):
        run_stage(scen, None)


def test_seed_repeats_and_reduction_is_reported():
    section = RiskSection.model_validate(risk_dict())
    a = assess(section, capacity(), np.random.default_rng(5))
    b = assess(section, capacity(), np.random.default_rng(5))
    assert a.summary == b.summary
    assert a.summary["reduction_scenarios"] == 3
    red = a.tables["reduced_scenarios"]
    assert red.groupby("scenario")["probability"].first().sum() == pytest.approx(
        1.0, rel=SUMS_TO_ONE
    )
    # the 200 reduced paths are a subset of the 500: its mean is off by sampling
    # error only (a few % at this volatility), not by the reduction
    assert a.summary["reduction_inference_mean_error_relative_max"] < 0.25


def test_section_checks():
    with pytest.raises(ValueError, match="fixed_shares needs inference_share"):
        RiskSection.model_validate(risk_dict(policy="fixed_shares"))
    with pytest.raises(ValueError, match="price_usd_per_mtoken"):
        RiskSection.model_validate(risk_dict(finance={"discount_rate": 0.1}))


def test_web_risk_plan_latest_reads_the_servers_store(tmp_path: Path, plan_and_risk):
    """The web app ran `risk.plan: latest` against the default store, not its own.

    Regression test: on the old code this job failed with "no runs" although
    the server's store held the plan.
    """
    import time

    from fastapi.testclient import TestClient

    from gigaplan.web import create_app

    db = tmp_path / "server.duckdb"
    RunStore(db).save(plan_and_risk)
    text = yaml.safe_dump({"name": "web-r", "risk": risk_dict(plan="latest")})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GIGAPLAN_DB", str(tmp_path / "empty.duckdb"))
        client = TestClient(create_app(db), base_url="http://127.0.0.1")
        resp = client.post("/api/runs", json={"scenario_yaml": text})
        assert resp.status_code == 202, resp.text
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job = client.get(resp.json()["status_url"]).json()
            if job["status"] in ("complete", "failed"):
                break
            time.sleep(0.1)
    assert job["status"] == "complete", job


def test_use_of_installed_hours_is_shown_beside_the_planned_utilisation(plan_and_risk):
    import dataclasses

    plan, _ = plan_and_risk.results
    assert "planning_utilisation" in plan.tables["capacity"]
    section = RiskSection.model_validate(risk_dict())
    cap = dataclasses.replace(capacity(), planning_utilisation=0.5)
    s = assess(section, cap, np.random.default_rng(3)).summary
    # the table's hours are the busy hours at 50 %: installed hours are twice
    # them, so use of installed hours is half the use of the planned hours
    assert s["planning_utilisation"] == 0.5
    assert s["utilisation_of_installed_hours_mean"] == pytest.approx(
        s["utilisation_mean"] * 0.5, rel=1e-12
    )
    hours = cap.accelerator_hours.sum() / 0.5
    assert s["idle_installed_accelerator_hours_mean"] == pytest.approx(
        hours * (1 - s["utilisation_mean"] * 0.5), rel=1e-12
    )
    assert 0.0 <= s["inference_unmet_fraction_p50"] <= 1.0
    text = assess(section, cap, np.random.default_rng(3)).text
    assert "median path" in text and "of installed" in text
