"""End-to-end: headless Chromium drives the web UI through Playwright.

Screenshots land in ``artifacts/`` (gitignored; CI keeps them as artifacts).
"""

import math

import pytest

from gigaplan.report.format import human
from gigaplan.store import RunStore

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
    # both reports load in their frames
    for frame in page.frames[1:]:
        frame.wait_for_selector(".js-plotly-plot .main-svg")
    assert len(page.frames) == 3
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
