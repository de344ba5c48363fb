"""End-to-end: headless Chromium drives the web UI through Playwright.

Screenshots land in ``artifacts/`` (gitignored; CI keeps them as artifacts).
"""

import math
import re

import pytest

from gigaplan.report.format import human
from gigaplan.store import RunStore
from gigaplan.units import format_value

pytestmark = pytest.mark.browser

ARTIFACT_PREFIX = "web"


def _shot(page, name):
    from pathlib import Path

    out = (
        Path(__file__).resolve().parents[2]
        / "artifacts"
        / f"{ARTIFACT_PREFIX}-{name}.png"
    )
    page.screenshot(path=str(out), full_page=True)
    assert out.stat().st_size > 10_000  # a real picture, not a blank page


def _run_from_editor(page, url, text=None):
    page.goto(url + "/")
    if text is not None:
        page.click("#yaml-toggle")
        page.fill("#scenario", text)
    page.click("#start")
    link = page.wait_for_selector("#open-run", timeout=60_000)
    return link.get_attribute("href").rsplit("/", 1)[-1]


@pytest.mark.slow
def test_default_scenario_runs_and_report_matches_store(live_server, page):
    url, db, fakes = live_server
    page.goto(url + "/")
    # the editor starts with the default scenario
    assert page.input_value("#scenario") == fakes["SCENARIO"]
    _shot(page, "index-empty")
    page.click("#start")
    page.wait_for_selector("#open-run", timeout=60_000)
    assert page.evaluate("document.getElementById('run-progress').value") == 2
    new_id = page.get_attribute("#open-run", "href").rsplit("/", 1)[-1]
    assert page.locator(f"#runs tr[data-run='{new_id}']").count() == 1  # list refreshed
    _shot(page, "run-complete")
    page.click("#open-run")
    page.wait_for_load_state("load")  # the whole report parsed, every chart drawn
    page.wait_for_selector(".js-plotly-plot .main-svg")
    run_id = page.text_content("#run-id")
    info = RunStore(db).get(run_id)
    assert info.status == "complete"
    # every chart rendered to SVG by plotly in the browser
    n_charts = page.locator(".chart").count()
    assert n_charts >= 2
    assert page.locator(".chart .js-plotly-plot .main-svg").count() >= n_charts
    titles = " | ".join(page.locator(".chart .gtitle").all_text_contents())
    assert "IT power online by vendor" in titles and "IT power online by site" in titles
    # the numbers shown are the stored ones, formatted for people
    cards = page.locator(".card")
    shown = 0
    for i in range(cards.count()):
        card = cards.nth(i)
        stage, key = card.get_attribute("data-stage"), card.get_attribute("data-key")
        stored = info.summary[stage][key]
        raw = float(card.get_attribute("data-raw"))
        assert math.isclose(raw, stored, rel_tol=0, abs_tol=0)
        assert card.locator(".v").text_content() == human(key, stored)
        shown += 1
    assert shown == sum(len(v) for v in info.summary.values())
    assert (
        page.locator(".card[data-key=gw_online_end_gw] .v").text_content() == "12.5 GW"
    )
    _shot(page, "report")


def test_validation_error_shown_next_to_editor(live_server, page):
    url, db, _fakes = live_server
    page.goto(url + "/")
    page.click("#yaml-toggle")
    page.fill("#scenario", "name: broken\nseed: not-a-number\nplan: {}\n")
    page.click("#start")
    error = page.wait_for_selector("#scenario-error:not(:empty)")
    text = error.text_content()
    assert text.startswith("line 2: seed:"), text
    # the offending line is selected in the editor
    selected = page.evaluate(
        "(() => { const a = document.getElementById('scenario');"
        " return a.value.substring(a.selectionStart, a.selectionEnd); })()"
    )
    assert selected == "seed: not-a-number"
    _shot(page, "validation-error")
    assert RunStore(db).list_runs() == []


@pytest.mark.slow
def test_compare_two_runs_side_by_side(live_server, page):
    url, _db, fakes = live_server
    first = _run_from_editor(page, url)
    second = _run_from_editor(page, url, fakes["SCENARIO"].replace("2.5", "5.0"))
    page.goto(url + "/")
    page.check(f"input[name=a][value='{first}']")
    page.check(f"input[name=b][value='{second}']")
    page.click("#compare")
    page.wait_for_selector("#diff")
    row = page.locator("tr[data-key='plan.gw_online_end_gw'] td")
    assert row.all_text_contents()[2:] == ["12.5 GW", "25.0 GW", "12.5 GW", "+100.0 %"]
    assert "gw_per_year: 5.0" in page.text_content("#scenario-diff")
    assert page.locator("#inputs tr[data-field='plan.gw_per_year']").count() == 1
    # the A-vs-B chart of IT power online: one trace per run, named by run id
    page.wait_for_selector(".chart .main-svg")
    names = page.evaluate(
        "[...document.querySelectorAll('.chart')]"
        ".find(c => c.dataset.table === 'plan_online').data.map(t => t.name)"
    )
    assert names == [first, second]
    assert len(page.frames) == 1  # no frames any more
    _shot(page, "compare")


@pytest.mark.slow
def test_packaged_default_scenario_with_real_stages(live_server_real, page):
    url, db = live_server_real
    page.goto(url + "/")
    assert page.input_value("#scenario").strip()  # the shipped default is loaded
    page.click("#start")
    page.wait_for_selector("#open-run, #scenario-error:not(:empty)", timeout=300_000)
    assert page.text_content("#scenario-error") == "", page.text_content(
        "#scenario-error"
    )
    page.click("#open-run")
    page.wait_for_load_state("load")  # the whole report parsed, every chart drawn
    page.wait_for_selector(".js-plotly-plot .main-svg")
    run_id = page.text_content("#run-id")
    info = RunStore(db).get(run_id)
    assert info.status == "complete"
    for i in range(page.locator(".card").count()):
        card = page.locator(".card").nth(i)
        stage, key = card.get_attribute("data-stage"), card.get_attribute("data-key")
        assert card.locator(".v").text_content() == human(key, info.summary[stage][key])
    _shot(page, "default-real")


def _field(page, path):
    """The form row (or group) of the field at ``path`` (``plan.sites[0].pue``)."""
    return page.locator(f"#scenario-form [data-field='{path}']")


def _start_via_api(page, url, text):
    """Start a run as the page does (same origin) and wait for it."""
    import time

    started = page.request.post(url + "/api/runs", data={"scenario_yaml": text})
    assert started.status == 202, started.text()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = page.request.get(url + started.json()["status_url"]).json()
        if job["status"] in ("complete", "failed"):
            assert job["status"] == "complete", job
            return job["run_id"]
        time.sleep(0.2)
    raise AssertionError("run did not finish")


@pytest.mark.slow
def test_form_validates_syncs_with_yaml_and_runs(live_server_small, page):
    from playwright.sync_api import expect

    url, db, _text = live_server_small
    page.goto(url + "/")
    rate = _field(page, "plan.discount_rate")
    rate.locator("input").wait_for()
    assert rate.locator("label").text_content().startswith("Discount rate")
    assert rate.locator(".allowed").text_content() == "allowed: a number >= 0 and < 1"
    build = _field(page, "plan.build_rate_mw_per_week")
    assert build.locator(".unit").text_content().strip() == "[MW/week]"
    assert build.locator("input").input_value() == "40"  # from the scenario
    # a bad value: the server's message beside the field
    rate.locator("input").fill("1.5")
    rate.locator("input").press("Tab")
    error = rate.locator(".field-error")
    error.filter(has_text="plan.discount_rate=1.5").wait_for()
    assert error.text_content().endswith("allowed: a number >= 0 and < 1")
    _shot(page, "form-validation")
    rate.locator("input").fill("0.1")
    rate.locator("input").press("Tab")
    expect(error).to_have_text("")
    # two quick edits in a row: both reach the YAML (edits run in turn)
    for path, value in (("plan.first_stage_periods", "3"), ("plan.utilisation", "0.7")):
        box = _field(page, path).locator("input")
        box.fill(value)
        box.press("Tab")
    # the YAML view shows the form's edit; an edit there reaches the form
    page.click("#yaml-toggle")
    yaml_text = page.input_value("#scenario")
    expect(page.locator("#scenario")).to_have_value(re.compile("utilisation: 0.7"))
    yaml_text = page.input_value("#scenario")
    assert "discount_rate: 0.1" in yaml_text and "ASSUMPTION" in yaml_text
    assert "first_stage_periods: 3" in yaml_text
    page.fill(
        "#scenario",
        yaml_text.replace("build_rate_mw_per_week: 40", "build_rate_mw_per_week: 55"),
    )
    _shot(page, "form-yaml-view")
    page.click("#yaml-toggle")  # back to the form
    expect(build.locator("input")).to_have_value("55")
    # run it: the new row shows the stored headline numbers
    page.click("#start")
    link = page.wait_for_selector("#open-run", timeout=120_000)
    run_id = link.get_attribute("href").rsplit("/", 1)[-1]
    info = RunStore(db).get(run_id)
    assert "build_rate_mw_per_week: 55" in info.scenario_yaml
    row = page.locator(f"#runs tr[data-run='{run_id}']")
    items = row.locator("ul.headline li")
    assert items.count() >= 4
    for i in range(items.count()):
        item = items.nth(i)
        stage, key = item.get_attribute("data-stage"), item.get_attribute("data-key")
        stored = info.summary[stage][key]
        year = info.summary[stage].get("dollar_year")
        expected = (
            "never" if stored is None else format_value(key, stored, dollar_year=year)
        )
        assert item.locator(".v").text_content() == expected
    cost = row.locator("li[data-key='expected_cost_usd'] .v").text_content()
    assert cost.endswith("(2025 $)")
    _shot(page, "runs-headline")


@pytest.mark.slow
def test_compare_overlays_two_real_runs(live_server_small, page):
    url, db, text = live_server_small
    changed = text.replace("build_rate_mw_per_week: 40", "build_rate_mw_per_week: 80")
    assert changed != text
    a = _start_via_api(page, url, text)
    b = _start_via_api(page, url, changed)
    page.goto(f"{url}/compare?a={a}&b={b}")
    page.wait_for_selector(".chart .main-svg")
    # the changed input, and only changed outputs until "show all"
    field = page.locator("#inputs tr[data-field='plan.build_rate_mw_per_week'] td")
    assert field.all_text_contents() == ["plan.build_rate_mw_per_week", "40", "80"]
    same = page.locator("#diff tr.same")
    assert same.count() > 0 and not same.first.is_visible()
    assert page.locator("#diff tr.changed").first.is_visible()
    page.check("#show-all")
    assert same.first.is_visible()
    page.uncheck("#show-all")
    charts = page.evaluate(
        "[...document.querySelectorAll('.chart')].map(c => ({"
        " table: c.dataset.table, title: c.layout.title.text,"
        " x: c.layout.xaxis.title.text, y: c.layout.yaxis.title.text,"
        " traces: c.data.map(t => ({name: t.name, x: t.x, y: t.y}))}))"
    )
    assert len(charts) >= 4
    for chart in charts:
        assert [t["name"] for t in chart["traces"]] == [a, b], chart["title"]
        assert re.search(r"\(.+\)$", chart["y"]), chart["y"]  # a unit on the axis
        assert chart["x"] in ("Quarter", "Year")
    online = next(c for c in charts if c["title"].startswith("Facility power online"))
    assert online["y"] == "Online (GW)"
    tables = {rid: RunStore(db).tables(rid)["plan_by_period"] for rid in (a, b)}
    for trace in online["traces"]:
        stored = tables[trace["name"]]
        assert trace["x"] == stored["period"].astype(str).tolist()
        assert trace["y"] == pytest.approx(stored["facility_gw"].tolist(), rel=1e-12)
    capex = next(c for c in charts if c["title"].startswith("Capex"))
    assert "2025 $" in capex["y"]
    assert page.locator("text=The two scenario files").count() == 0
    _shot(page, "compare-overlay")
