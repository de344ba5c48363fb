from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml
from typer.testing import CliRunner

from gigaplan.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _write(tmp_path: Path, section: dict) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "t", "plan": section}))
    return path


def test_plan_json_and_out(tmp_path: Path, section: dict) -> None:
    path = _write(tmp_path, section)
    res = runner.invoke(
        app, ["plan", str(path), "--json", "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["summary"]["facility_gw_end"] > 0
    assert (tmp_path / "o" / "plan.nc").exists()
    assert (tmp_path / "o" / "bottlenecks.csv").exists()


def test_json_on_stdout_is_pure_json_in_a_real_process(tmp_path: Path) -> None:
    # HiGHS prints a banner from C code; CliRunner cannot see that, a process can
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "gigaplan",
            "plan",
            "--json",
            str(EXAMPLES / "plan.yaml"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out)["summary"]["facility_gw_end"] > 0


def test_example_runs() -> None:
    res = runner.invoke(app, ["plan", str(EXAMPLES / "plan.yaml")])
    assert res.exit_code == 0, res.output
    assert "Binding limits" in res.stdout


def test_probabilities_must_sum_to_one(tmp_path: Path, section: dict) -> None:
    sec = section
    sec["scenarios"][0]["probability"] = 0.5
    res = runner.invoke(app, ["plan", str(_write(tmp_path, sec))])
    assert res.exit_code == 2
    assert "probabilities sum to 0.5" in res.output
    assert "Traceback" not in res.output


def test_period_out_of_range(tmp_path: Path, section: dict) -> None:
    sec = section
    sec["sites"][0]["earliest"] = "2031Q1"
    res = runner.invoke(app, ["plan", str(_write(tmp_path, sec))])
    assert res.exit_code == 2
    assert "after the horizon end" in res.output


def test_unknown_field(tmp_path: Path, section: dict) -> None:
    sec = section
    sec["accelerators"][0]["watts"] = 5
    res = runner.invoke(app, ["plan", str(_write(tmp_path, sec))])
    assert res.exit_code == 2
    assert "plan.accelerators[0].watts" in res.output


def test_infeasible_deal_exit_1(tmp_path: Path, section: dict) -> None:
    sec = section
    sec["accelerators"][0].update(supply_per_quarter=10.0, min_units_total=1e6)
    res = runner.invoke(app, ["plan", str(_write(tmp_path, sec))])
    assert res.exit_code == 1
    assert "vendor deal for slow" in res.output
    assert not (tmp_path / "o").exists()


def test_no_plan_section(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: empty\n")
    res = runner.invoke(app, ["plan", str(path)])
    assert res.exit_code == 2
    assert "no plan: section" in res.output


def test_infeasible_names_limit_in_one_line_exit_1(
    tmp_path: Path, section: dict
) -> None:
    # 10 MW site / 1.25 PUE / 1 kW = 8,000 chips; the deal asks 20,000.
    sec = section
    sec["sites"][0]["max_mw"] = 10.0
    sec["accelerators"][0]["min_units_total"] = 20000.0
    res = runner.invoke(app, ["plan", str(_write(tmp_path, sec))])
    assert res.exit_code == 1
    assert "vendor_deal slow needs 20,000 units" in res.output
    assert "short by 12,000 units" in res.output
    assert "Traceback" not in res.output
