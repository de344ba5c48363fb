import re
import runpy
from pathlib import Path

import pandas as pd
import pytest

from gigaplan import pipeline
from gigaplan.report import build_report, write_report
from gigaplan.report.charts import charts_for
from gigaplan.report.format import human
from gigaplan.store import RunStore

FAKES = runpy.run_path(str(Path(__file__).parent / "fake_stages.py"))


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    store = RunStore(tmp_path_factory.mktemp("db") / "runs.duckdb")
    run = pipeline.run_pipeline(FAKES["SCENARIO"], stage_funcs=FAKES["STAGES"])
    run_id = store.save(run)
    return store.get(run_id), store.tables(run_id)


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("capex_total_usd", 4.0e11, "$400B"),
        ("npv_usd", -3.2e9, "-$3.20B"),
        ("opex_usd", 12_345.0, "$12.3k"),
        ("it_online_mw", 2500.0, "2.50 GW"),
        ("it_online_mw", 250.0, "250 MW"),
        ("gw_online_end_gw", 12.5, "12.5 GW"),
        ("gw_energised_p50", 26.17, "26.2 GW"),  # unit mid-name, quantile suffix
        ("emissions_tco2", 4.5e6, "4.50 MtCO2"),
        ("emissions_tco2", 450.0, "450 tCO2"),
        ("energy_mwh", 8.76e6, "8.76 TWh"),
        ("lcoe_usd_per_mwh", 71.24, "71.2 $/MWh"),
        ("steady_state_gw_per_week_p50", 0.165, "0.165 GW/week"),
        ("tokens_per_joule", 3.25, "3.25"),  # unknown rate: bare number, no unit
        ("sites", 2, "2"),
        ("p_shortfall", 0.005, "0.500 %"),
        ("shortfall_probability", 0.25, "25.0 %"),
        ("bottleneck", "gas_turbines", "gas_turbines"),
        ("npv_usd", None, "-"),
        ("npv_usd", float("nan"), "-"),
    ],
)
def test_human_numbers(key, value, shown):
    assert human(key, value) == shown


def test_charts_follow_columns(stored):
    _, tables = stored
    titles = [(c.section, c.table) for c in charts_for(tables)]
    assert ("Capacity", "plan_by_period") in titles  # by vendor and by site
    assert titles.count(("Capacity", "plan_by_period")) == 2
    assert ("Power", "plan_power_mix") in titles
    assert ("Power", "plan_cost_by_year") in titles  # emissions
    assert ("Cost", "plan_cost_by_year") in titles
    assert ("Bottlenecks", "plan_bottlenecks") in titles
    assert ("Risk", "risk_unmet_fan") in titles
    assert ("Risk", "risk_npv_draws") in titles  # histogram of draws


def test_gw_by_vendor_chart_sums_to_total(stored):
    info, tables = stored
    chart = next(
        c
        for c in charts_for(tables)
        if c.table == "plan_by_period" and "vendor" in c.title
    )
    final = sum(trace.y[-1] for trace in chart.figure.data)
    # the stacked areas in GW must add to the stage's own headline number
    assert final == pytest.approx(info.summary["plan"]["gw_online_end_gw"], rel=1e-12)


def test_report_is_self_contained(stored, tmp_path):
    info, tables = stored
    out = write_report(info, tables, tmp_path / "sub" / "report.html")
    text = out.read_text()
    # plotly.js inline, no external script or stylesheet: works offline
    assert "<script src=" not in text
    assert not re.search(r"<link[^>]+href=\"http", text)
    assert "Plotly.newPlot" in text and len(text) > 1_000_000
    assert info.run_id in text
    # headline numbers formatted for people, raw values kept for machines
    assert "$400B" in text and "12.5 GW" in text
    assert 'data-key="capex_total_usd" data-raw="400000000000.0"' in text
    # assumptions: every catalog source cited, scenario assumptions shown
    for citation in tables["run_catalog_sources"]["citation"]:
        assert citation.split(",")[0] in text
    assert "ASSUMPTION for the test" in text
    assert not list(out.parent.glob(".report-*"))


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


def test_scenario_tree_tables_average_over_scenarios_not_sum():
    # two demand scenarios of one plan: 10 GW and 20 GW online in 2030 at tx-1
    frame = pd.DataFrame(
        {
            "period": [2030, 2030, 2030, 2030],
            "scenario": ["low", "low", "high", "high"],
            "site": ["tx-1"] * 4,
            "accelerator": ["h100", "mi300x"] * 2,
            "it_online_gw": [6.0, 4.0, 12.0, 8.0],
        }
    )
    charts = charts_for({"plan_by_period": frame})
    by_acc = next(c for c in charts if "by accelerator" in c.title)
    assert {t.name: t.y[0] for t in by_acc.figure.data} == {"h100": 9.0, "mi300x": 6.0}
    by_site = next(c for c in charts if "by site" in c.title)
    assert by_site.figure.data[0].y[0] == pytest.approx(15.0)  # mean of 10 and 20


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
    assert "gw_per_year: 2.5" in text and "Scenario assumptions" in text
