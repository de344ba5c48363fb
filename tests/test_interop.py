"""Round trips of the exports: NetCDF of a plan, the Excel workbook of a run."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

from gigaplan.interop import (
    export_units,
    plan_dataset_for_netcdf,
    read_xlsx,
    sheet_frame,
    write_plan_netcdf,
    write_xlsx,
)

SMALL_RUN = Path(__file__).parent / "report" / "small_run.yaml"


@pytest.fixture(scope="module")
def plan_dataset():
    from gigaplan.catalog import load_catalog
    from gigaplan.plan import run_plan
    from gigaplan.scenario import load_scenario

    return run_plan(load_scenario(SMALL_RUN).plan, load_catalog()).dataset


def test_plan_netcdf_keeps_every_label_and_unit(plan_dataset, tmp_path):
    path = tmp_path / "plan.nc"
    write_plan_netcdf(plan_dataset, path)
    with xr.open_dataset(path) as back:
        back.load()
    # labels as strings: option names per site, vendors per accelerator
    names = back["power_option_name"]
    assert "power_option_name" in back.coords and names.dims == ("site", "option")
    assert names.sel(site="texas").values.tolist() == ["grid", "gas"]
    assert names.sel(site="ohio").values.tolist() == ["grid", ""]  # no 2nd option
    assert back["vendor"].values.tolist() == plan_dataset["vendor"].values.tolist()
    assert back["period"].values.tolist() == plan_dataset["period"].values.tolist()
    # units on every data variable
    for name in back.data_vars:
        assert back[name].attrs.get("units"), name
    assert back["capex_usd"].attrs == {"units": "USD", "dollar_year": 2025}
    assert back["power_mw"].attrs["units"] == "MW"
    assert back["co2_t"].attrs["units"] == "tCO2"
    assert back["probability"].attrs["units"] == "1"
    assert back["units_bought"].attrs["units"] == "accelerators"
    # the numbers are the plan's own, exactly
    want = plan_dataset_for_netcdf(plan_dataset)
    for name in want.data_vars:
        np.testing.assert_array_equal(back[name].values, want[name].values)
    assert back.attrs["dollar_year"] == 2025
    assert back.attrs["period_labels"].startswith("2026Q1, 2026Q2")


def test_plan_cli_writes_netcdf_with_labels(tmp_path):
    from gigaplan.cli import app

    out = tmp_path / "plan-out"
    result = CliRunner().invoke(app, ["plan", str(SMALL_RUN), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with xr.open_dataset(out / "plan.nc") as back:
        assert back["power_option_name"].sel(site="texas").values.tolist() == [
            "grid",
            "gas",
        ]
        assert back["it_mw"].attrs["units"] == "MW"


def test_xlsx_round_trip(tmp_path):
    tables = {
        "plan_costs_by_year": pd.DataFrame(
            {"year": [2026, 2027], "capex_usd": [6.49e9, 1 / 3], "opex_usd": [0.0, 2.5]}
        ),
        "plan_online": pd.DataFrame(
            {
                "site": ["texas", "o<hio>&"],
                "vendor": ["NVIDIA", None],
                "it_online_mw": [270.0, float("nan")],
            }
        ),
        "x" * 40: pd.DataFrame({"binding": [True, False]}),
    }
    summary = {"plan": {"capex_usd_total": 6.48e10, "dollar_year": 2025, "x": "a"}}
    path = tmp_path / "run.xlsx"
    write_xlsx(path, tables, summary)
    sheets = read_xlsx(path)
    assert list(sheets) == ["summary", "plan_costs_by_year", "plan_online", "x" * 31]
    assert sheets["summary"] == [
        ["stage", "quantity", "value", "units"],
        ["plan", "capex_usd_total", 6.48e10, "USD (2025)"],
        ["plan", "dollar_year", 2025, "year"],
        ["plan", "x", "a", ""],
    ]
    costs, units = sheet_frame(sheets["plan_costs_by_year"])
    assert units == ["year", "USD", "USD"]
    pd.testing.assert_frame_equal(
        costs, tables["plan_costs_by_year"], check_dtype=False
    )  # floats exactly: written with repr
    online, units = sheet_frame(sheets["plan_online"])
    assert units == ["", "", "MW"]
    assert online["site"].tolist() == ["texas", "o<hio>&"]
    assert online["vendor"].iloc[0] == "NVIDIA"
    assert pd.isna(online["vendor"].iloc[1])  # missing stays missing, not "None"
    assert online["it_online_mw"].tolist()[0] == 270.0
    assert online["it_online_mw"].isna().tolist() == [False, True]
    flags, _ = sheet_frame(sheets["x" * 31])
    assert flags["binding"].tolist() == [True, False]


def test_runs_export_xlsx_of_a_real_run(real_run_store, tmp_path):
    from gigaplan.cli import app

    store, info, tables = real_run_store
    out = tmp_path / "export"
    result = CliRunner().invoke(
        app,
        [
            "runs",
            "export",
            info.run_id,
            "--format",
            "xlsx",
            "--out",
            str(out),
            "--db",
            str(store.path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "run.json",
        "run.xlsx",
        "scenario.yaml",
    ]
    sheets = read_xlsx(out / "run.xlsx")
    assert next(iter(sheets)) == "summary"
    n_summary = sum(len(v) for v in info.summary.values())
    assert len(sheets["summary"]) == 1 + n_summary
    for row in sheets["summary"][1:]:
        stage, key, value, units = row + [None] * (4 - len(row))
        stored = info.summary[stage][key]
        assert value == stored or (value is None and stored is None), key
        assert units == export_units(key) or units.startswith(export_units(key))
    # every table, exactly, with its units row (names cut to Excel's 31 letters)
    assert len(sheets) == 1 + len(tables)
    for (key, frame), name in zip(tables.items(), list(sheets)[1:], strict=True):
        assert name == key[:31]
        back, units = sheet_frame(sheets[name])
        assert units == [export_units(c) for c in frame.columns]
        expect = frame.copy()
        for col in expect.columns:
            if expect[col].dtype == object:  # dates and text come back as text
                expect[col] = expect[col].map(lambda v: None if v is None else str(v))
        pd.testing.assert_frame_equal(
            back, expect.reset_index(drop=True), check_dtype=False
        )


@pytest.fixture(scope="module")
def real_run_store(tmp_path_factory):
    from gigaplan import pipeline
    from gigaplan.store import RunStore

    text = SMALL_RUN.read_text()
    store = RunStore(tmp_path_factory.mktemp("xlsx") / "runs.duckdb")
    run_id = store.save(pipeline.run_pipeline(text, only=["estimate", "plan", "risk"]))
    return store, store.get(run_id), store.tables(run_id)
