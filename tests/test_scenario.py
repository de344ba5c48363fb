import json
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from gigaplan import _yaml
from gigaplan.errors import InputError
from gigaplan.scenario import Scenario, load_scenario, load_yaml_model


class _Site(BaseModel):
    name: str
    pue: float = Field(ge=1.0)


class _Doc(BaseModel):
    sites: list[_Site]


def test_yaml_reads_exponent_floats():
    assert _yaml.safe_load("a: 1e9\nb: 70.6e9\nc: 1.5\nd: 3\ne: '1e9'") == {
        "a": 1e9,
        "b": 70.6e9,
        "c": 1.5,
        "d": 3,
        "e": "1e9",
    }


def test_error_names_file_line_field_and_value(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("sites:\n  - name: a\n    pue: 1.2\n  - name: b\n    pue: 0.95\n")
    with pytest.raises(InputError) as info:
        load_yaml_model(path, _Doc)
    msg = str(info.value)
    assert msg.startswith("s.yaml:5: sites[1].pue=0.95:")
    assert "greater than or equal to 1" in msg


def test_missing_field_is_named(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("sites:\n  - pue: 1.2\n")
    with pytest.raises(InputError, match=r"sites\[0\]\.name=<missing>: Field required"):
        load_yaml_model(path, _Doc)


def test_yaml_syntax_error_names_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("a: 1\nb: [1, 2\n")
    with pytest.raises(InputError, match=r"bad\.yaml:\d+"):
        load_yaml_model(path, _Doc)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")


def test_unknown_top_level_key_is_rejected(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nplann: {}\n")
    with pytest.raises(InputError, match="plann"):
        load_scenario(path)


def test_minimal_scenario_loads(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: tiny\nseed: 7\n")
    assert load_scenario(path) == Scenario(name="tiny", seed=7)


def test_relative_paths_resolve_against_the_scenario_folder(tmp_path, monkeypatch):
    """`gigaplan run sub/s.yaml` with `profiles_csv: prof.csv` reads sub/prof.csv.

    The old code read profiles_csv against the current folder and failed here.
    """
    from typer.testing import CliRunner

    from gigaplan.cli import app
    from gigaplan.scenario import read_scenario

    sub = tmp_path / "sub"
    sub.mkdir()
    rows = "\n".join(f"{h},0,0" for h in range(48))
    (sub / "prof.csv").write_text("hour,solar_cf,grid_price_usd_per_mwh\n" + rows)
    (sub / "s.yaml").write_text(
        "name: rel\npower: {hours: 48, profiles_csv: prof.csv}\n"
        "risk: {plan: cap.parquet, demand: {}, finance: {}}\n"
    )
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError):  # risk section is incomplete; paths first
        read_scenario(Path("sub/s.yaml"))
    (sub / "s.yaml").write_text(
        "name: rel\npower: {hours: 48, profiles_csv: prof.csv}\ncatalog: [extra.yaml]\n"
    )
    (sub / "extra.yaml").write_text("schema_version: 1\n")
    scenario, _ = read_scenario(Path("sub/s.yaml"))
    assert scenario.power.profiles_csv == str(sub.resolve() / "prof.csv")
    assert scenario.catalog == [str(sub.resolve() / "extra.yaml")]
    db = str(tmp_path / "runs.duckdb")
    res = CliRunner().invoke(app, ["run", "sub/s.yaml", "--db", db, "--json"])
    assert res.exit_code == 0, res.output
    # the CSV's zero grid price is what the run used
    assert json.loads(res.output)["summary"]["power"]["annual_cost_usd"] < 1.0
