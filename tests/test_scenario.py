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
