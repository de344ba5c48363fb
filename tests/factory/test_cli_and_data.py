"""CLI, scenario errors, run_stage, and the sourced default durations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from gigaplan.cli import app
from gigaplan.factory.model import load_default_durations
from gigaplan.scenario import Scenario, load_scenario
from gigaplan.stages.factory import run_stage

EXAMPLE = Path(__file__).parents[2] / "examples" / "factory.yaml"


def small_doc() -> dict[str, Any]:
    return {
        "name": "tiny",
        "seed": 3,
        "factory": {
            "horizon_weeks": 104,
            "period_weeks": 26,
            "replications": 2,
            "analysis_replications": 1,
            "workers": 1,
            "target_gw_per_week": 0.2,
            "projects": {
                "count": 400,
                "arrivals_per_week": 2.0,
                "size_mw": {"dist": "uniform", "low": 100, "high": 300},
            },
            "resources": {
                "crews": {"kind": "crews", "capacity": 4, "unit_cost_usd": 5e7},
                "lpt": {"kind": "supply", "capacity": 4, "unit_cost_usd": 2e8},
            },
            "stages": [
                {"name": "permits", "duration_weeks": {"dist": "fixed", "value": 4}},
                {
                    "name": "transformers",
                    "duration_weeks": {"dist": "uniform", "low": 4, "high": 8},
                    "needs": [{"resource": "lpt", "per_mw": 0.01}],
                },
                {
                    "name": "construction",
                    "concurrent_with_previous": True,
                    "duration_weeks": {"catalog": "it_fitout_commissioning"},
                    "needs": [{"resource": "crews", "per_project": 1}],
                },
            ],
        },
    }


def write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_example_scenario_validates() -> None:
    scen = load_scenario(EXAMPLE)
    assert scen.factory is not None
    assert len(scen.factory.stages) == 6


def test_run_stage_returns_tidy_tables() -> None:
    scen = Scenario.model_validate(small_doc())
    result = run_stage(scen, catalog=None)
    assert result.stage == "factory"
    for key in ("weekly", "stages", "utilisation", "bottleneck", "whatif_single"):
        assert not result.tables[key].empty
    weekly = result.tables["weekly"]
    assert (weekly["gw_per_week_p10"] <= weekly["gw_per_week_p90"] + 1e-12).all()
    assert result.summary["gw_energised_p50"] > 0
    # concurrent stages: construction starts when transformers start
    stages = result.tables["stages"].set_index("stage")
    assert stages.loc["construction", "projects_entered_mean"] > 0


def test_cli_json(tmp_path: Path) -> None:
    path = write(tmp_path, small_doc())
    out = CliRunner().invoke(app, ["factory", str(path), "--json", "--no-whatif"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    assert payload["summary"]["replications"] == 2
    assert len(payload["tables"]["weekly"]) == 104


def test_cli_table(tmp_path: Path) -> None:
    path = write(tmp_path, small_doc())
    out = CliRunner().invoke(app, ["factory", str(path), "--replications", "1"])
    assert out.exit_code == 0, out.output
    assert "bottleneck by period" in out.output


def _bad(tmp_path: Path, mutate: Any, *args: str) -> Any:
    doc = small_doc()
    mutate(doc["factory"])
    return CliRunner().invoke(app, ["factory", str(write(tmp_path, doc)), *args])


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda f: f["resources"]["crews"].update(capacity=-3), "resources.crews"),
        (
            lambda f: f["resources"]["lpt"].update(
                capacity=[{"from_week": 0, "value": -1}]
            ),
            "resources.lpt",
        ),
        (lambda f: f.update(stages=[]), "factory.stages"),
        (
            lambda f: f["stages"][1]["needs"][0].update(resource="turbines"),
            "unknown resource 'turbines'",
        ),
        (lambda f: f["projects"].update(count=0), "factory.projects.count"),
        (
            lambda f: f["stages"][0].update(duration_weeks={"dist": "triangular"}),
            "needs low, mode, high",
        ),
        (
            lambda f: f["stages"][0].update(duration_weeks={"catalog": "site_permits"}),
            "no sourced default",
        ),
        (
            lambda f: f["stages"][0].update(duration_weeks={"catalog": "nope"}),
            "unknown default",
        ),
        (
            lambda f: f["stages"][2]["needs"][0].update(per_project=9),
            "largest crew capacity",
        ),
    ],
)
def test_bad_input_one_line_exit_2(tmp_path: Path, mutate: Any, needle: str) -> None:
    out = _bad(tmp_path, mutate)
    assert out.exit_code == 2, out.output
    assert needle in out.output
    assert "Traceback" not in out.output


def test_unreachable_target_is_an_answer(tmp_path: Path) -> None:
    # arrivals: 2 phases/week x 200 MW mean = 0.4 GW/week at most; the factory
    # answers with the reachable rate and what caps it (exit 0), not an error
    out = _bad(tmp_path, lambda f: None, "--target-gw-per-week", "5", "--json")
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output)["summary"]
    assert summary["target_reachable"] is False
    assert 0 < summary["upper_gw_per_week_unlimited_resources"] <= 0.4 * 1.2
    assert "project pipeline" in summary["target_capped_by"]


def test_bad_cli_options(tmp_path: Path) -> None:
    out = _bad(tmp_path, lambda f: None, "--replications", "0")
    assert out.exit_code == 2 and "--replications" in out.output
    out = _bad(tmp_path, lambda f: None, "--target-gw-per-week", "-1")
    assert out.exit_code == 2 and "--target-gw-per-week" in out.output


def test_scenario_without_factory_section(tmp_path: Path) -> None:
    path = write(tmp_path, {"name": "empty"})
    out = CliRunner().invoke(app, ["factory", str(path)])
    assert out.exit_code == 2 and "factory" in out.output


def test_default_durations_are_sourced_and_converted() -> None:
    defaults = load_default_durations()
    # hand-worked unit conversions of the sourced figures (1 yr = 52.18 weeks,
    # 1 month = 4.348 weeks, 1 day = 1/7 week); 0.5 % covers the rounding in
    # the file
    assert defaults["grid_interconnection"]["params"]["mode"] == pytest.approx(
        55 * 52.1775 / 12, rel=0.005
    )
    assert defaults["construction"]["params"]["high"] == pytest.approx(
        3.6 * 52.1775, rel=0.005
    )
    assert defaults["it_fitout_commissioning"]["params"]["value"] == pytest.approx(
        150 / 7, rel=0.005
    )
    assert defaults["large_power_transformer"]["params"]["mode"] == 128
    assert defaults["site_permits"]["dist"] is None  # unknown, not invented
