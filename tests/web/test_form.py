"""The scenario form's API: schema with units and help, field checks, YAML edits."""

import re

import pytest
import yaml
from fastapi.testclient import TestClient

from gigaplan.pipeline import default_scenario_path
from gigaplan.plan.schema import PlanSection, Site
from gigaplan.units import SUFFIXES
from gigaplan.web import create_app
from gigaplan.web.form import spec_at

DEFAULT = default_scenario_path().read_text(encoding="utf-8")


@pytest.fixture
def client(tmp_path):
    return TestClient(create_app(tmp_path / "runs.duckdb"), base_url="http://127.0.0.1")


def _field(fields, *names):
    spec = {"fields": fields}
    for name in names:
        if name == "[]":
            spec = spec["item"]
            continue
        spec = next(f for f in spec["fields"] if f["name"] == name)
    return spec


def _leaves(fields):
    for spec in fields:
        yield spec
        yield from _leaves(spec.get("fields", []))
        yield from _leaves(spec.get("item", {}).get("fields", []))


def test_form_schema_has_labels_units_defaults_and_help(client):
    form = client.get("/api/scenario/form").json()
    fields = form["fields"]
    assert [f["name"] for f in fields][:3] == ["name", "description", "seed"]
    capex = _field(fields, "plan", "sites", "[]", "facility_capex_usd_per_mw")
    assert (capex["label"], capex["unit"], capex["kind"]) == (
        "Facility capex",
        "$/MW",
        "number",
    )
    rate = _field(fields, "plan", "discount_rate")
    assert rate["default"] == PlanSection.model_fields["discount_rate"].default
    assert rate["allowed"] == "a number >= 0 and < 1"
    target = _field(fields, "plan", "target_gw_per_week")
    assert target["unit"] == "GW/week"
    assert target["help"] == PlanSection.model_fields["target_gw_per_week"].description
    max_mw = _field(fields, "plan", "sites", "[]", "max_mw")
    assert max_mw["help"] == Site.model_fields["max_mw"].description
    assert _field(fields, "plan", "utilisation")["unit"] == "fraction"
    assert _field(fields, "plan", "serve_order")["options"] == [
        "product_first",
        "least_cost",
    ]
    # every number whose name ends in a declared unit suffix shows a unit
    for spec in _leaves(fields):
        if spec["kind"] in ("number", "integer") and any(
            ("_" + spec["name"]).endswith(s) for s, _ in SUFFIXES
        ):
            assert spec["unit"], spec["name"]


def test_check_names_field_value_and_allowed_range(client):
    text = DEFAULT.replace("discount_rate: 0.08 ", "discount_rate: 1.5 ", 1)
    assert text != DEFAULT
    body = client.post("/api/scenario/check", json={"scenario_yaml": text}).json()
    assert body["valid"] is False and len(body["errors"]) == 1
    error = body["errors"][0]
    assert error["field"] == "plan.discount_rate" and error["value"] == "1.5"
    assert error["allowed"] == "a number >= 0 and < 1"
    assert error["message"].startswith("plan.discount_rate=1.5: ")
    assert error["message"].endswith("allowed: a number >= 0 and < 1")
    line = text.splitlines()[error["line"] - 1]
    assert line.strip().startswith("discount_rate: 1.5")
    assert body["scenario"]["plan"]["discount_rate"] == 1.5


def test_check_valid_default_returns_document(client):
    body = client.post("/api/scenario/check", json={"scenario_yaml": DEFAULT}).json()
    assert body["valid"] is True and body["errors"] == []
    assert body["scenario"]["plan"]["sites"][0]["name"] == "abilene-tx"
    assert body["scenario"]["factory"]["start_date"] == "2026-01-05"  # a date as text


def test_check_unparseable_yaml_gives_its_line(client):
    body = client.post(
        "/api/scenario/check", json={"scenario_yaml": "name: x\nplan: [\n"}
    ).json()
    assert body["valid"] is False and body["scenario"] is None
    assert body["errors"][0]["line"] is not None


def test_unknown_field_lists_the_allowed_ones(client):
    body = client.post(
        "/api/scenario/check", json={"scenario_yaml": "name: x\nplan_typo: 1\n"}
    ).json()
    error = body["errors"][0]
    assert error["field"] == "plan_typo" and error["line"] == 2
    assert "plan" in error["allowed"] and "risk" in error["allowed"]


def _edit(client, path, value, text=DEFAULT):
    return client.post(
        "/api/scenario/edit",
        json={"scenario_yaml": text, "path": path, "value": value},
    )


def test_edit_changes_only_that_value_and_keeps_comments(client):
    resp = _edit(client, ["plan", "sites", 1, "pue"], "1.3")
    assert resp.status_code == 200
    body = resp.json()
    new = body["scenario_yaml"]
    changed = [
        (a, b)
        for a, b in zip(DEFAULT.splitlines(), new.splitlines(), strict=True)
        if a != b
    ]
    assert len(changed) == 1
    assert changed[0][0].replace("pue: 1.2", "pue: 1.3") == changed[0][1]
    assert new.count("ASSUMPTION") == DEFAULT.count("ASSUMPTION")
    assert body["valid"] and body["scenario"]["plan"]["sites"][1]["pue"] == 1.3


def test_edit_bad_value_is_written_and_named(client):
    body = _edit(client, ["plan", "sites", 0, "pue"], "0.9").json()
    assert body["valid"] is False
    (error,) = body["errors"]
    assert error["field"] == "plan.sites[0].pue" and error["value"] == "0.9"
    assert error["allowed"] == allowed_of(["plan", "sites", 0, "pue"])
    assert error["allowed"] == "a number >= 1 and <= 3"


def allowed_of(path):
    return spec_at(path)["allowed"]


def test_edit_adds_a_missing_field_and_its_parents(client):
    body = _edit(client, ["plan", "risk_aversion", "weight"], "0.25").json()
    assert body["scenario"]["plan"]["risk_aversion"] == {"weight": 0.25}
    assert body["valid"], body["errors"]
    flow = _edit(client, ["plan", "sites", 0, "power_options", 0, "firm_fraction"], "1")
    option = flow.json()["scenario"]["plan"]["sites"][0]["power_options"][0]
    assert option["firm_fraction"] == 1 and option["name"] == "substation"


def test_edit_text_cannot_add_structure(client):
    body = _edit(client, ["plan", "discount_rate"], "0.1\nbogus: 1").json()
    assert "bogus" not in body["scenario"]["plan"] and "bogus" not in body["scenario"]
    assert body["errors"][0]["field"] == "plan.discount_rate"
    name = _edit(client, ["name"], "x: [1]\n- y").json()
    assert name["scenario"]["name"] == "x: [1]\n- y" and name["valid"]
    assert yaml.safe_load(name["scenario_yaml"])["name"] == "x: [1]\n- y"


@pytest.mark.parametrize(
    "path",
    [["plan", "nonsense"], ["plan", "sites"], ["plan", "sites", 99, "pue"], ["x"]],
)
def test_edit_refuses_paths_that_are_no_single_field(client, path):
    resp = _edit(client, path, "1")
    assert resp.status_code == 422
    assert resp.json()["field"] == "path"


def test_edit_from_another_site_is_refused(client):
    resp = client.post(
        "/api/scenario/edit",
        json={"scenario_yaml": DEFAULT, "path": ["seed"], "value": "1"},
        headers={"Origin": "http://evil.example"},
    )
    assert resp.status_code == 403


def test_scripts_are_served_here_and_nothing_else(client):
    js = client.get("/static/web/index.js")
    assert js.status_code == 200 and "/api/scenario/form" in js.text
    assert "application/javascript" in js.headers["content-type"]
    assert client.get("/static/web/..%2Fapp.py").status_code == 404
    assert client.get("/static/web/nope.js").status_code == 404
    page = client.get("/").text
    assert re.search(r"<script>(?!\s*$)", page) is None  # no inline script code
    assert '<script src="/static/web/index.js">' in page


def test_headline_numbers_come_from_the_stored_summary():
    from gigaplan.web.views import HEADLINE, headline_numbers

    summary = {
        "plan": {
            "expected_cost_usd": 2.4e12,
            "dollar_year": 2025,
            "first_period_at_target": None,
            "binding_limits": "site_power",
        },
        "estimate": {"a.facility_mw": 12.0, "b.facility_mw": 3.0, "c": 1.0},
    }
    rows = headline_numbers(summary)
    assert [(r["stage"], r["key"]) for r in rows] == [
        ("plan", "expected_cost_usd"),
        ("plan", "first_period_at_target"),
        ("plan", "binding_limits"),
        ("estimate", "a.facility_mw"),
        ("estimate", "b.facility_mw"),
    ]
    assert [r["shown"] for r in rows][:3] == ["$2.40T (2025 $)", "never", "site_power"]
    assert (
        rows[0]["label"]
        == dict(((s, k), w) for s, k, w in HEADLINE)[("plan", "expected_cost_usd")]
    )
