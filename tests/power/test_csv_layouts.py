"""Hourly profiles from the CSV layouts of public sources (tests/power/data).

Expected values are read by hand off the fixture lines named in each case.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gigaplan.cli import app
from gigaplan.errors import InputError
from gigaplan.power.csvio import read_profile_files

DATA = Path(__file__).parent / "data"
runner = CliRunner()


@pytest.mark.parametrize(
    ("name", "profile", "hour", "expected"),
    [
        # line 5: 2019-01-01 00:00 UTC, electricity 0.006 kW of a 1 kW system
        ("ninja_pv_abilene_2019.csv", "solar_cf", 0, 0.006),
        # line 5: 900.0 kW of the params' 2000 kW capacity
        ("ninja_wind_abilene_2019.csv", "wind_cf", 0, 900.0 / 2000.0),
        # line 13: 20190101:0030, P 5320.8 W of 1000 kWp (Nominal power line)
        ("pvgis_abilene_2019.csv", "solar_cf", 0, 5320.8 / 1e6),
        # line 2: hour ending 07:00 UTC -> hour 6; Demand (MW) (Adjusted) "35,804"
        ("eia930_balance_erco_2023.csv", "demand_mw", 6, 35_804.0),
        # last line: 12/31/2023 HE 24:00 CST = 2024-01-01 05:00-06:00 UTC, which
        # wraps to hour 5 of the year; 31.00 $/MWh
        ("ercot_dam_spp_hb_west_2023.csv", "grid_price_usd_per_mwh", 5, 31.0),
        # line 2: HE 01:00 CST on Jan 1 = 06:00 UTC; 10.27 $/MWh
        ("ercot_dam_spp_hb_west_2023.csv", "grid_price_usd_per_mwh", 6, 10.27),
        # line 3: 01:00Z, 1165.6 MWh in the hour = 1165.6 MW average
        ("time_value_demand_utc.csv", "demand_mw", 1, 1165.6),
    ],
)
def test_public_layout_values(name, profile, hour, expected):
    got = read_profile_files(str(DATA / name), 48)
    assert list(got) == [profile]
    assert got[profile].shape == (48,)
    # values are printed with 2-4 decimals in the files; compared exactly
    assert got[profile][hour] == pytest.approx(expected, rel=1e-12)


def _power_json(tmp_path, files, body=""):
    listed = ", ".join(str(DATA / f) for f in files)
    csv = f"  profiles_csv: [{listed}]\n" if files else ""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"name: t\npower:\n  hours: 48\n{body}{csv}")
    res = runner.invoke(app, ["power", "--scenario", str(scenario), "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)["summary"]


@pytest.mark.parametrize(
    ("name", "peak_mw"),
    [
        # the fixture's highest demand in the first 48 UTC hours (its line 14)
        ("eia930_balance_erco_2023.csv", 47_000.0),
        ("time_value_demand_utc.csv", 1210.0),
    ],
)
def test_power_reads_a_demand_file(tmp_path, name, peak_mw):
    s = _power_json(tmp_path, [name])
    assert s["peak_mw"] == pytest.approx(peak_mw, rel=1e-12)


#: Carbon-free supply from one source: no CO2, no nuclear, and no wind for
#: a solar file (no solar for a wind file), so the file's profile sets the cost.
_CLEAN = (
    "  co2_cap_t: 0\n  technologies: {{nuclear: {{max_mw: 0}}, {off}: {{max_mw: 0}}}}\n"
)


@pytest.mark.parametrize(
    ("name", "body", "built"),
    [
        ("ninja_pv_abilene_2019.csv", _CLEAN.format(off="wind"), "solar"),
        ("pvgis_abilene_2019.csv", _CLEAN.format(off="wind"), "solar"),
        ("ninja_wind_abilene_2019.csv", _CLEAN.format(off="solar"), "wind"),
        ("ercot_dam_spp_hb_west_2023.csv", "", "grid"),
    ],
)
def test_power_reads_supply_and_price_files(tmp_path, name, body, built):
    """The file's profile replaces the synthetic one: the answer moves."""
    with_file = _power_json(tmp_path, [name], body)
    synthetic = _power_json(tmp_path, [], body)
    assert with_file[f"energy_{built}_mwh"] > 0
    # same LP but for one profile: costs equal to the solver's 1e-8 gap
    # would mean the file was not used
    ratio = with_file["annual_cost_usd"] / synthetic["annual_cost_usd"]
    assert abs(ratio - 1) > 1e-4


def _one_line_error(args):
    res = runner.invoke(app, ["power", "--hours", "48", *args])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1, res.output
    return res.output


def test_unknown_layout_lists_the_accepted_ones(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("when,how much\n2023-01-01,5\n")
    out = _one_line_error(["--profiles-csv", str(f)])
    for layout in ("renewables.ninja", "PVGIS hourly", "EIA-930", "ERCOT DAM"):
        assert layout in out


def test_capacity_factor_above_one_names_column_and_value(tmp_path):
    text = (DATA / "ninja_pv_abilene_2019.csv").read_text().splitlines()
    text[10] = text[10].rsplit(",", 1)[0] + ",1.3"  # file line 11
    f = tmp_path / "pv.csv"
    f.write_text("\n".join(text) + "\n")
    out = _one_line_error(["--profiles-csv", str(f)])
    assert "line 11: electricity='1.3'" in out and "[0, 1]" in out


def test_pvgis_without_nominal_power_needs_pv_peak_kw(tmp_path):
    lines = (DATA / "pvgis_abilene_2019.csv").read_text().splitlines()
    f = tmp_path / "pvgis.csv"
    f.write_text("\n".join(x for x in lines if not x.startswith("Nominal")) + "\n")
    out = _one_line_error(["--profiles-csv", str(f)])
    assert "power.pv_peak_kw" in out
    got = read_profile_files(str(f), 48, pv_peak_kw=1000.0)
    want = read_profile_files(str(DATA / "pvgis_abilene_2019.csv"), 48)
    np.testing.assert_array_equal(got["solar_cf"], want["solar_cf"])


def test_eia_file_with_two_balancing_authorities_is_refused(tmp_path):
    lines = (DATA / "eia930_balance_erco_2023.csv").read_text().splitlines()
    lines[5] = lines[5].replace('"ERCO"', '"SWPP"')
    f = tmp_path / "eia.csv"
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"Balancing Authority=.*'ERCO', 'SWPP'"):
        read_profile_files(str(f), 48)


def test_missing_hours_are_named(tmp_path):
    lines = (DATA / "time_value_demand_utc.csv").read_text().splitlines()
    f = tmp_path / "tv.csv"
    f.write_text("\n".join(lines[:20]) + "\n")  # 19 hours
    with pytest.raises(InputError, match=r"29 of the first 48 hours missing"):
        read_profile_files(str(f), 48)


def test_same_profile_twice_is_refused():
    files = [
        str(DATA / "ninja_pv_abilene_2019.csv"),
        str(DATA / "pvgis_abilene_2019.csv"),
    ]
    with pytest.raises(InputError, match=r"solar_cf='given twice'"):
        read_profile_files(files, 48)


def test_negative_prices_warn_and_become_zero(tmp_path):
    lines = (DATA / "ercot_dam_spp_hb_west_2023.csv").read_text().splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",-12.5"  # HE 01:00 Jan 1 = hour 6
    f = tmp_path / "dam.csv"
    f.write_text("\n".join(lines) + "\n")
    with pytest.warns(UserWarning, match=r"1 negative prices \(lowest -12.5"):
        got = read_profile_files(str(f), 48)
    assert got["grid_price_usd_per_mwh"][6] == 0.0


def _pvgis_year(path, year, cf_of_hour):
    """A whole PVGIS year (8784 rows when leap), value = cf_of_hour(row)."""
    import pandas as pd

    head = (DATA / "pvgis_abilene_2019.csv").read_text().split("time,P")[0]
    starts = pd.date_range(f"{year}-01-01", f"{year}-12-31 23:00", freq="h")
    rows = [
        f"{t:%Y%m%d:%H}10,{cf_of_hour(i) * 1e6:.1f},0,0,0,0,0.0"
        for i, t in enumerate(starts)
    ]
    path.write_text(head + "time,P,G(i),H_sun,T2m,WS10m,Int\n" + "\n".join(rows))
    return len(rows)


def test_leap_year_drops_feb_29(tmp_path):
    f = tmp_path / "pvgis2020.csv"
    # row i has value (i mod 1000)/1000: each hour is told apart by its value
    n = _pvgis_year(f, 2020, lambda i: (i % 1000) / 1000)
    assert n == 8784
    cf = read_profile_files(str(f), 8760)["solar_cf"]
    # hour 1416 (Mar 1 00:00) is the file's row 1440 (after Feb 29's 24)
    assert cf[1415] == pytest.approx(1415 / 1000 % 1, abs=1e-9)
    assert cf[1416] == pytest.approx((1440 % 1000) / 1000, abs=1e-9)
    assert cf[-1] == pytest.approx((8783 % 1000) / 1000, abs=1e-9)


def test_leap_year_in_gigaplan_layout(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("solar_cf\n" + "".join(f"{(i % 1000) / 1000}\n" for i in range(8784)))
    cf = read_profile_files(str(f), 8760)["solar_cf"]
    assert cf[1416] == pytest.approx(0.44)  # row 1440 -> 440/1000, exact in decimal
