"""Each chart against the real stages' stored tables: title, axis units, numbers."""

import numpy as np
import pandas as pd
import pytest

from gigaplan.report.charts import HOURS_PER_WEEK, charts_for, numbers

#: the chart re-adds the stored numbers in another order
SAME_SUM = 1e-9

# Values drawn are stored values divided by the axis scale; float division and
# the stacked sums in float64: 1e-12 relative is the honest tolerance.
RTOL = 1e-12


@pytest.fixture(scope="module")
def charts(real_run):
    _, info, tables = real_run
    return charts_for(tables, info.summary)


def _one(charts, start):
    found = [c for c in charts if c.title.startswith(start)]
    assert len(found) == 1, [c.title for c in charts]
    return found[0]


def test_no_chart_is_duplicated_and_every_title_is_words(charts):
    titles = [c.title for c in charts]
    assert len(titles) == len(set(titles))
    for chart in charts:
        assert chart.figure.layout.title.text == chart.title
        assert chart.figure.layout.yaxis.title.text == chart.y_title
        assert chart.figure.layout.xaxis.title.text == chart.x_title
        assert "_" not in chart.title  # no raw column names
        assert chart.y_title.endswith(")") or "(" in chart.y_title


def test_every_table_with_a_chart_maker_is_drawn(charts):
    drawn = {c.table for c in charts}
    assert {
        "plan_online",
        "plan_by_period",
        "plan_costs_by_year",
        "plan_bottlenecks",
        "power_dispatch",
        "power_capacity",
        "risk_demand",
        "risk_npv_distribution",
        "risk_by_period",
        "risk_shortfall",
        "factory_weekly",
        "factory_utilisation",
        "factory_bottleneck_gains",
    } <= drawn


@pytest.mark.parametrize("group", ["vendor", "site"])
def test_capacity_by_group_matches_the_stored_table(charts, real_run, group):
    _, info, tables = real_run
    chart = _one(charts, f"IT power online by {group}")
    assert chart.y_title == f"IT power online ({chart.y_unit})"
    assert chart.y_unit in ("MW", "GW")
    online = tables["plan_online"]
    want = online.pivot_table(
        index="period", columns=group, values="it_online_mw", aggfunc="sum"
    ).fillna(0.0)
    for name, ys in numbers(chart).items():
        np.testing.assert_allclose(ys * chart.y_scale, want[name].to_numpy(), rtol=RTOL)
    # the stack's top in the last quarter is the plan's IT power at the end;
    # the two come from different LP expressions: 1e-6 relative (solver tolerance)
    top = sum(ys[-1] for ys in numbers(chart).values()) * chart.y_scale
    assert top == pytest.approx(info.summary["plan"]["it_gw_end"] * 1e3, rel=1e-6)


def test_dispatch_is_a_stacked_hourly_series_with_a_week_selector(charts, real_run):
    _, _, tables = real_run
    chart = _one(charts, "Hourly dispatch by source")
    assert chart.y_title == "Power supplied (MW)" and chart.y_scale == 1.0
    dispatch = tables["power_dispatch"]
    hours = dispatch["hour"].nunique()
    wide = dispatch.pivot_table(index="hour", columns="tech", values="dispatch_mw")
    for trace in chart.figure.data:
        assert trace.stackgroup  # stacked areas, not bars
        assert len(trace.x) == hours  # one point per hour, nothing summed over time
        np.testing.assert_allclose(trace.y, wide[trace.name].to_numpy(), rtol=RTOL)
    # every source that ran is drawn
    ran = wide.columns[(wide.abs() > 1e-6).any()]
    assert {t.name for t in chart.figure.data} == set(ran)
    # the first week is shown; one button per week and one for all hours
    assert tuple(chart.figure.layout.xaxis.range) == (0, HOURS_PER_WEEK - 1)
    buttons = chart.figure.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["week 1", "week 2", "all hours"]
    assert hours == 2 * HOURS_PER_WEEK


def test_campus_capacity_leaves_battery_energy_off_the_mw_axis(charts, real_run):
    _, _, tables = real_run
    chart = _one(charts, "Campus power capacity built")
    (bar,) = chart.figure.data
    assert "battery_energy" not in bar.x
    cap = tables["power_capacity"].set_index("tech")["capacity_mw"]
    np.testing.assert_allclose(
        np.asarray(bar.y) * chart.y_scale, cap[list(bar.x)].to_numpy(), rtol=RTOL
    )


def test_each_shadow_price_has_its_own_chart_and_unit(charts, real_run):
    _, _, tables = real_run
    bottle = tables["plan_bottlenecks"]
    shadow = [c for c in charts if c.title.startswith("Shadow price")]
    binding = bottle[bottle["shadow_price_usd"] > 0]
    assert len(shadow) == binding.groupby(["limit", "unit"]).ngroups
    symbols = {
        "usd_per_gw": "/GW",
        "usd_per_gw_per_week": "/(GW/week)",
        "usd_per_1000_accelerators": "/1000 accelerators",
    }
    seen = set()
    for chart in shadow:
        limit = next(
            lim
            for lim in bottle["limit"].unique()
            if lim.replace("_", " ") in chart.title.replace("-", " ")
            or (lim == "interconnect" and "interconnect" in chart.title)
        )
        rows = bottle[bottle["limit"] == limit]
        (unit,) = rows["unit"].unique()  # one unit per chart: never summed across
        assert chart.y_unit.endswith(symbols[unit]) and "2025 $" in chart.y_title
        for item, ys in numbers(chart).items():
            want = (
                rows[rows["item"] == item]
                .set_index("period")["shadow_price_usd"]
                .sort_index()
            )
            np.testing.assert_allclose(ys * chart.y_scale, want.to_numpy(), rtol=RTOL)
        seen.add(limit)
    assert seen == set(binding["limit"])


def test_npv_distribution_is_labelled_as_percentiles(charts, real_run):
    _, info, tables = real_run
    chart = _one(charts, "NPV distribution")
    stored = tables["risk_npv_distribution"].sort_values("quantile")
    assert "percentiles P1-P99" in chart.title
    assert f"{info.summary['risk']['paths']:,} demand paths" in chart.title
    assert chart.y_title == "Share of paths with a lower NPV (%)"
    assert (
        chart.x_title.startswith("Net present value ($") and "2025 $" in chart.x_title
    )
    assert "draws" not in chart.title + chart.x_title + chart.y_title
    (trace,) = chart.figure.data
    np.testing.assert_allclose(trace.y, stored["quantile"] * 100.0, rtol=RTOL)
    x_scale = 1e9 if "$B" in chart.x_title else 1e6
    np.testing.assert_allclose(
        np.asarray(trace.x) * x_scale, stored["npv_usd"], rtol=RTOL
    )


def test_demand_vs_capacity(charts, real_run):
    _, _, tables = real_run
    demand = tables["risk_demand"]
    for kind, stem, cap, unit in (
        ("Inference", "inference_demand_tokens", "inference_capacity_tokens", "tokens"),
        ("Training", "training_demand_flop", "training_capacity_flop", "FLOP"),
    ):
        chart = _one(charts, f"{kind} demand")
        assert chart.y_title.endswith(f"({unit})")
        got = numbers(chart)
        np.testing.assert_allclose(got["planned capacity"], demand[cap], rtol=RTOL)
        np.testing.assert_allclose(got["demand median"], demand[f"{stem}_p50"])


def test_costs_are_stacked_bars_in_dollars_of_the_plan_year(charts, real_run):
    _, info, tables = real_run
    (chart,) = [c for c in charts if c.table == "plan_costs_by_year"]
    assert chart.y_title == f"Spend ({chart.y_unit}, 2025 $)"
    costs = tables["plan_costs_by_year"]
    got = numbers(chart)
    np.testing.assert_allclose(
        got["capex"] * chart.y_scale, costs["capex_usd"], rtol=RTOL
    )
    np.testing.assert_allclose(
        got["opex"] * chart.y_scale, costs["opex_usd"], rtol=RTOL
    )
    total = (got["capex"].sum() + got["opex"].sum()) * chart.y_scale
    plan = info.summary["plan"]
    assert total == pytest.approx(
        plan["capex_usd_undiscounted"]
        + plan["opex_usd_undiscounted"]
        + plan["lease_usd_undiscounted"],
        rel=SAME_SUM,
    )


def test_factory_throughput_against_its_target(charts, real_run):
    _, info, tables = real_run
    chart = _one(charts, "Factory throughput vs target")
    assert chart.y_title == "Power energised per week (GW/week)"
    got = numbers(chart)
    weekly = tables["factory_weekly"]
    np.testing.assert_allclose(got["energised median"], weekly["gw_per_week_p50"])
    target = info.summary["factory"]["target_gw_per_week"]
    np.testing.assert_allclose(got["target"], [target, target])


def test_shares_are_drawn_in_percent(charts, real_run):
    _, _, tables = real_run
    chart = _one(charts, "Probability of a shortfall")
    assert chart.y_title.endswith("(%)")
    np.testing.assert_allclose(
        numbers(chart)["inference"],
        tables["risk_shortfall"]["p_shortfall_inference"] * 100.0,
        rtol=RTOL,
    )
    unmet = _one(charts, "Share of demand the plan leaves unmet")
    np.testing.assert_allclose(
        numbers(unmet)["inference"] * unmet.y_scale,
        tables["plan_by_period"]["inference_unmet_fraction"],
        rtol=RTOL,
    )


def test_scenario_tree_tables_average_over_scenarios_not_sum():
    # two demand scenarios of one plan: 10 GW and 20 GW online in 2030 at tx-1
    frame = pd.DataFrame(
        {
            "period": ["2030Q1"] * 4,
            "scenario": ["low", "low", "high", "high"],
            "site": ["tx-1"] * 4,
            "vendor": ["NVIDIA", "AMD"] * 2,
            "it_online_mw": [6000.0, 4000.0, 12000.0, 8000.0],
        }
    )
    charts = charts_for({"plan_online": frame})
    by_vendor = next(c for c in charts if "by vendor" in c.title)
    assert by_vendor.y_unit == "GW"
    assert {t.name: t.y[0] for t in by_vendor.figure.data} == {
        "AMD": 6.0,
        "NVIDIA": 9.0,
    }
    by_site = next(c for c in charts if "by site" in c.title)
    assert by_site.figure.data[0].y[0] == pytest.approx(
        15.0, rel=SAME_SUM
    )  # mean of 10 and 20


def test_tables_without_a_chart_maker_are_not_charted():
    frame = pd.DataFrame({"year": [2026, 2027], "mystery_value": [1.0, 2.0]})
    assert charts_for({"other_stage_table": frame}) == []


def test_power_by_source_over_time_when_the_plan_stores_it():
    frame = pd.DataFrame(
        {
            "period": ["2026Q1", "2026Q1", "2026Q2", "2026Q2"],
            "site": ["texas"] * 4,
            "option": ["grid", "gas", "grid", "gas"],
            "power_mw": [600.0, 0.0, 600.0, 900.0],
        }
    )
    (chart,) = charts_for({"plan_power": frame})
    assert chart.title.startswith("Power capacity online by source")
    assert chart.y_title == "Power capacity online (GW)"
    got = numbers(chart)
    np.testing.assert_allclose(got["grid"], [0.6, 0.6], rtol=RTOL)
    np.testing.assert_allclose(got["gas"], [0.0, 0.9], rtol=RTOL)


def test_power_by_source_matches_the_real_plans_table(charts, real_run):
    _, _, tables = real_run
    frame = tables["plan_power"]
    (chart,) = [c for c in charts if c.table == "plan_power"]
    last = max(frame["period"], key=lambda p: (int(p[:4]), p[-1]))
    want = frame.loc[frame["period"] == last, "power_mw"].sum()
    got = sum(trace.y[-1] for trace in chart.figure.data) * chart.y_scale
    assert got == pytest.approx(want, rel=RTOL)
