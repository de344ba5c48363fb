import io

import pytest
from rich.console import Console

from gigaplan.units import UNITS, format_value, unit_name, unit_of

# columns whose unit is given per row: the power model's duals carry it in the
# limit's name (co2_cap_usd_per_t), see gigaplan.report.format.row_unit_key
# (and the plan's ceilings and chip inputs in their `unit` column)
PER_ROW = {
    ("power_duals", "value"),
    ("plan_ceilings", "value"),
    ("plan_chip_inputs", "value"),
    ("plan_chip_inputs", "estimator_value"),
}


def test_every_summary_key_of_the_real_stages_has_a_declared_unit(real_run):
    _, info, _ = real_run
    assert set(info.stages) == {"estimate", "power", "plan", "risk", "factory"}
    missing = [
        f"{stage}.{key}"
        for stage, summary in info.summary.items()
        for key in summary
        if unit_name(key) is None
    ]
    assert missing == []


def test_every_column_of_the_real_tables_has_a_declared_unit(real_run):
    _, _, tables = real_run
    missing = [
        f"{key}.{col}"
        for key, frame in tables.items()
        for col in frame.columns
        if unit_name(col) is None and (key, col) not in PER_ROW
    ]
    assert missing == []


def test_per_row_units_are_declared(real_run):
    _, _, tables = real_run
    for limit in tables["power_duals"]["limit"]:
        assert unit_of(limit) is not None, limit
    for unit in tables["plan_bottlenecks"]["unit"].unique():
        assert unit_of(f"shadow_price_{unit}") is not None, unit


@pytest.mark.slow
def test_the_default_scenario_reports_only_declared_units():
    from gigaplan import pipeline

    path = pipeline.default_scenario_path()
    run = pipeline.run_pipeline(path.read_text(), where=path.name)
    missing = [
        f"{r.stage}.{key}"
        for r in run.results
        for key in r.summary
        if not unit_name(key)
    ]
    missing += [
        f"{r.stage}_{name}.{col}"
        for r in run.results
        for name, frame in r.tables.items()
        for col in frame.columns
        if unit_name(col) is None and (f"{r.stage}_{name}", col) not in PER_ROW
    ]
    for r in run.results:
        if "bottlenecks" in r.tables:
            for unit in r.tables["bottlenecks"]["unit"].unique():
                if unit_of(f"shadow_price_{unit}") is None:
                    missing.append(f"{r.stage}_bottlenecks.unit={unit}")
    assert missing == []


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("capex_usd_total", 6.48e10, "$64.8B"),
        ("npv_usd_p5", -5.08e10, "-$50.8B"),
        ("opex_usd", 12_345.0, "$12.3k"),
        ("it_online_mw", 2500.0, "2.50 GW"),
        ("it_online_mw", 250.0, "250 MW"),
        ("facility_gw_end", 2.0, "2.00 GW"),
        ("gw_energised_p50", 26.83, "26.8 GW"),
        ("capacity_solar_mw", 0.0, "0 MW"),  # zero in the quantity's own unit
        ("energy_solar_mwh", 1.3e-7, "0 MWh"),  # solver noise
        ("energy_mwh", 8.76e6, "8.76 TWh"),
        ("co2_t", 2.0e5, "200 ktCO2"),
        ("co2_t_per_mwh", 0.19, "0.190 tCO2/MWh"),
        ("delivered_usd_per_mwh", 46.31, "$46.3/MWh"),
        ("capex_usd_per_kw", 2527.9, "$2,528/kW"),
        ("co2_cap_usd_per_t", 20.9, "$20.9/tCO2"),
        ("firm_capacity_usd_per_mw_yr", 61234.0, "$61,234/MW-yr"),
        ("cfe_share", 0.9, "90.0 %"),
        ("shadow_price_usd_per_gw", 8.51e9, "$8.51B/GW"),
        ("shadow_price_usd_per_usd", 0.25, "0.250 $/$"),  # budget: $ per $
        ("steady_state_gw_per_week_p50", 0.1666, "0.167 GW/week"),
        ("inference_unmet_fraction", 0.4412, "44.1 %"),
        ("p_shortfall_inference_max", 0.005, "0.500 %"),
        ("firm_fraction", 1.0, "100 %"),
        ("dollar_year", 2025, "2025"),
        ("break_even_year_p50", 2032.0, "2032"),
        ("break_even_year_p50", None, "-"),
        ("first_period_1gw_per_week", "2027Q3", "2027Q3"),
        ("model_hours", 672, "672 h"),
        ("rep_days", 0, "0 days"),
        ("lead_time_quarters", 16.0, "16 quarters"),
        ("research_lost_to_launches_flop_mean", 1.0179e26, "1.02e+26 FLOP"),
        ("inference_demand_tokens_p50", 2.0e16, "2e+16 tokens"),
        ("units_bought", 377777.8, "377,778 accelerators"),
        ("idle_accelerator_hours_mean", 1.3645e9, "1.36e9 accelerator-h"),
        ("paths", 20000, "20,000 paths"),
        ("llama.accelerators_needed", 1191.9, "1,192 accelerators"),
        ("llama.facility_mw", 1.396, "1.40 MW"),
        ("target_week", 351, "351"),
        ("mystery_number", 0.4412, "0.441"),  # undeclared: a bare number, no unit
        ("npv_usd", float("nan"), "-"),
    ],
)
def test_format_value(key, value, shown):
    assert format_value(key, value) == shown


def test_money_carries_its_dollar_year():
    assert format_value("capex_usd_total", 6.48e10, dollar_year=2025) == (
        "$64.8B (2025 $)"
    )
    assert format_value("it_gw_end", 1.64, dollar_year=2025) == "1.64 GW"


def test_no_magnitude_guessing():
    # a large undeclared number stays a number: no unit is made up for it
    assert format_value("mystery", 3.8e25) == "3.8e+25"
    assert unit_name("mystery_gw_like_thing_of_size") is None


def test_every_unit_has_words_for_axes():
    assert all(u.words or u.kind == "label" for u in UNITS.values())


def test_cli_key_value_table_uses_the_units(real_run):
    from gigaplan.cli._common import key_value_table

    _, info, _ = real_run
    out = io.StringIO()
    Console(file=out, width=200).print(key_value_table("plan", info.summary["plan"]))
    text = out.getvalue()
    capex = info.summary["plan"]["capex_usd_undiscounted"]
    assert format_value("capex_usd_undiscounted", capex, dollar_year=2025) in text
    assert "(2025 $)" in text
    assert " %" in text  # unmet fractions in percent
    assert "2,025" not in text  # a year has no thousands separator
