from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from gigaplan.cli import app
from gigaplan.plan.capacity import CAPACITY_COLUMNS
from tests.risk.conftest import capacity
from tests.risk.test_stage import risk_dict, scenario_text

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def test_example_runs_with_its_own_plan():
    res = runner.invoke(app, ["risk", str(EXAMPLES / "risk.yaml"), "--paths", "300"])
    assert res.exit_code == 0, res.output
    assert "P(NPV < 0)" in res.stdout


def test_json_with_a_plan_file(tmp_path: Path):
    cap = capacity()
    frame = pd.DataFrame(
        {
            c: getattr(cap, c) if c != "period" else list(cap.periods)
            for c in CAPACITY_COLUMNS
        }
    )
    frame.to_csv(tmp_path / "cap.csv", index=False)
    path = _write(tmp_path, yaml.safe_dump({"name": "r", "risk": risk_dict()}))
    res = runner.invoke(
        app,
        [
            "risk",
            str(path),
            "--plan",
            str(tmp_path / "cap.csv"),
            "--paths",
            "200",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["summary"]["paths"] == 200
    assert len(payload["tables"]["by_period"]) == len(cap.periods)


def test_no_plan_is_one_line_exit_2(tmp_path: Path):
    path = _write(tmp_path, yaml.safe_dump({"name": "r", "risk": risk_dict()}))
    res = runner.invoke(app, ["risk", str(path)])
    assert res.exit_code == 2
    assert "risk.plan" in res.output
    assert "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_bad_section_is_one_line_exit_2(tmp_path: Path):
    path = _write(tmp_path, scenario_text(cvar_level=1.5))
    res = runner.invoke(app, ["risk", str(path)])
    assert res.exit_code == 2
    assert "risk.cvar_level=1.5" in res.output
    assert "Traceback" not in res.output


def test_unknown_run_is_exit_2(tmp_path: Path):
    path = _write(tmp_path, yaml.safe_dump({"name": "r", "risk": risk_dict()}))
    res = runner.invoke(
        app,
        ["risk", str(path), "--plan", "20990101", "--db", str(tmp_path / "x.duckdb")],
    )
    assert res.exit_code == 2
    assert "no such run" in res.output


def test_paths_must_be_positive(tmp_path: Path):
    path = _write(tmp_path, scenario_text())
    res = runner.invoke(app, ["risk", str(path), "--paths", "0"])
    assert res.exit_code == 2


def test_reduced_scenarios_feed_the_planner(tmp_path: Path):
    from gigaplan.plan.schema import DemandScenario

    path = _write(tmp_path, scenario_text())
    out = tmp_path / "tree.yaml"
    res = runner.invoke(
        app, ["risk", str(path), "--paths", "300", "--scenarios-out", str(out)]
    )
    assert res.exit_code == 0, res.output
    entries = yaml.safe_load(out.read_text())
    scen = [DemandScenario.model_validate(e) for e in entries]
    assert len(scen) == 3  # risk_dict asks for 3
    assert sum(s.probability for s in scen) == pytest.approx(1.0, abs=1e-9)
    assert all(len(s.inference_tokens or []) == 4 for s in scen)  # 2026Q1..Q4
