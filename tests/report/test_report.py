import re

import pandas as pd
import pytest

from gigaplan.report import build_report, write_report
from gigaplan.report.summary import executive_summary
from gigaplan.units import format_value


@pytest.fixture(scope="module")
def stored(real_run):
    _, info, tables = real_run
    return info, tables


def test_report_is_self_contained(stored, tmp_path):
    info, tables = stored
    out = write_report(info, tables, tmp_path / "sub" / "report.html")
    text = out.read_text()
    # plotly.js inline, no external script or stylesheet: works offline
    assert "<script src=" not in text
    assert not re.search(r"<link[^>]+href=\"http", text)
    assert "Plotly.newPlot" in text and len(text) > 1_000_000
    assert info.run_id in text
    # headline numbers in their units, raw values kept for machines
    capex = info.summary["plan"]["capex_usd_undiscounted"]
    assert format_value("capex_usd_undiscounted", capex) in text
    assert f'data-key="capex_usd_undiscounted" data-raw="{capex!r}"' in text
    assert (
        "capex_usd_undiscounted (2025 $)" in text
    )  # money labelled with its dollar year
    # assumptions: every catalog source cited, scenario assumptions shown
    for citation in tables["run_catalog_sources"]["citation"]:
        assert html_escape(citation.split(",")[0]) in text
    assert not list(out.parent.glob(".report-*"))


def html_escape(text):
    import html

    return html.escape(text)


def test_executive_summary_opens_the_report(stored):
    info, tables = stored
    text = build_report(info, tables, plotlyjs_src="x.js")
    summary_at = text.index('id="executive-summary"')
    assert summary_at < text.index("Headline numbers") < text.index("Plotly.newPlot")
    plan, risk = info.summary["plan"], info.summary["risk"]
    for shown in (
        format_value("capex_usd", plan["capex_usd_undiscounted"]),
        format_value("facility_gw_end", plan["facility_gw_end"]),
        format_value("npv_usd", risk["npv_usd_p5"]),
        format_value("npv_usd", risk["npv_usd_p95"]),
        format_value("co2_t", tables["plan_by_period"]["co2_t"].sum()),
        format_value("gw_per_week", info.summary["factory"]["target_gw_per_week"]),
    ):
        assert shown in text[summary_at:], shown


def test_executive_summary_answers_in_words_and_units(stored):
    import yaml

    info, tables = stored
    findings = executive_summary(
        info.summary, tables, yaml.safe_load(info.scenario_yaml)
    )
    topics = [f.topic for f in findings]
    assert topics == [
        "Cost",
        "Built by when",
        "What binds",
        "Unmet demand",
        "CO2",
        "P(shortfall)",
        "NPV range",
        "Campus power",
        "Build factory",
    ]
    text = {f.topic: f.text for f in findings}
    assert "discount rate of 8.00 %" in text["Cost"] and "not a budget" in text["Cost"]
    assert "2025 $" in text["Cost"] and "2025 $" in text["NPV range"]
    assert "/GW" in text["What binds"]  # each shadow price in its own unit
    assert " %" in text["Unmet demand"] and " %" in text["P(shortfall)"]
    assert "336 h modelled, scaled to a year" in text["Campus power"]
    co2_price = info.summary["power"]["co2_cap_usd_per_t"]
    shown = format_value("co2_cap_usd_per_t", co2_price)
    assert f"the CO2 cap binds at {shown}" in text["Campus power"]
    assert "_usd" not in " ".join(text.values())  # no raw key names as units
    # a run with only some stages gets only their topics
    only_risk = executive_summary({"risk": info.summary["risk"]}, {})
    assert [f.topic for f in only_risk] == ["P(shortfall)", "NPV range"]


def test_report_of_run_without_tables():
    from datetime import UTC, datetime

    from gigaplan.store import RunInfo

    info = RunInfo(
        run_id="20260101-000000-abcdef",
        name="failed <script>",
        status="failed",
        scenario_yaml="plan: {}\n",
        scenario_sha256="0" * 64,
        catalog_version="x",
        package_version="0",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        finished_at=datetime(2026, 1, 1, tzinfo=UTC),
        stages=(),
        error="plan: infeasible",
    )
    text = build_report(info, {}, plotlyjs_src="/static/plotly.min.js")
    assert "plan: infeasible" in text
    assert "failed &lt;script&gt;" in text  # names are escaped


def test_table_cells_formatted_by_column_unit():
    frame = pd.DataFrame({"site": ["tx-1"], "capex_usd": [2.5e9]})
    from gigaplan.report import _frame_html

    cell = _frame_html(frame, "t")
    assert 'data-value="2500000000.0">$2.50B</td>' in cell


def test_shadow_price_cells_in_their_rows_unit():
    from gigaplan.report import _frame_html

    frame = pd.DataFrame(
        {
            "limit": ["site_power", "vendor_supply"],
            "shadow_price_usd": [8.5e9, 1.1e8],
            "unit": ["usd_per_gw", "usd_per_1000_accelerators"],
        }
    )
    cells = _frame_html(frame, "t")
    assert ">$8.50B/GW</td>" in cells and ">$110M/1000 accelerators</td>" in cells
    duals = pd.DataFrame({"limit": ["co2_cap_usd_per_t"], "value": [20.9]})
    assert ">$20.9/tCO2</td>" in _frame_html(duals, "d")


def test_scenario_assumptions_table():
    from gigaplan.report import scenario_assumptions

    text = (
        "# A header that mentions an ASSUMPTION in passing.\n"
        "name: x\n"
        "plan:\n"
        "  gw_per_year: 2.5   # ASSUMPTION: added GW each year\n"
        "  # ASSUMPTION: years of build,\n"
        "  # from the board's plan\n"
        "  years: 5\n"
        "  seed: 3   # not marked\n"
    )
    got = scenario_assumptions(text)
    assert got.to_dict("records") == [
        {
            "line": 4,
            "setting": "gw_per_year: 2.5",
            "note": "ASSUMPTION: added GW each year",
        },
        {
            "line": 7,
            "setting": "years: 5",
            "note": "ASSUMPTION: years of build, from the board's plan",
        },
    ]


def test_report_lists_scenario_assumptions(stored):
    info, tables = stored
    text = build_report(info, tables, plotlyjs_src="x.js")
    assert "Scenario assumptions" in text
    assert "ASSUMPTION: real cost of capital" in text
