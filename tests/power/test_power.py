"""Campus power LP: hand-worked answers, a PyPSA cross-check, bad input."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gigaplan.cli import app
from gigaplan.errors import InfeasibleError, InputError
from gigaplan.power import CampusSettings, power_product, solve_campus
from gigaplan.power.profiles import solar_cf_profile, wind_cf_profile
from gigaplan.power.technologies import KINDS, annuity_factor, default_techs

#: an LP optimum: HiGHS feasibility tolerance 1e-7
LP_TOL = 1e-6

PYPSA_CASE = Path(__file__).parent / "_pypsa_case.py"
N = 336  # two weeks: small enough for a few-second PyPSA build
OFF = {t: {"max_mw": 0} for t in KINDS}


def _case(n: int = N):
    cf = solar_cf_profile(32.45, -99.73, 0.26)[:n]
    hours = np.arange(n)
    price = 45.0 + 30.0 * ((hours % 24) >= 16) * ((hours % 24) < 21)  # evening peak
    demand = np.full(n, 1200.0)
    return demand, cf, price


def _only(**keep):
    """Technologies with everything off except ``keep`` (name -> overrides)."""
    over = {t: dict(v) for t, v in OFF.items()}
    for t, extra in keep.items():
        over[t] = dict(extra)
    return default_techs(over)


def test_solar_profile_mean_and_bounds():
    cf = solar_cf_profile(32.45, -99.73, 0.26)
    assert cf.shape == (8760,)
    assert abs(cf.mean() - 0.26) < 1e-3  # rescaled to the annual CF by construction
    assert cf.min() >= 0 and cf.max() <= 1
    # night at local midnight (06 UTC in Texas) is dark every day
    assert np.all(cf[6::24] == 0)


def test_wind_profile_calibrated_shaped_and_seeded():
    cf = wind_cf_profile(32.45, -99.73, 0.36)
    assert cf.shape == (8760,) and cf.min() >= 0 and cf.max() <= 1
    # bisection on the Weibull scale to 60 halvings: exact to float noise
    assert cf.mean() == pytest.approx(0.36, abs=1e-6)
    # hourly persistence of synoptic weather (AR(1) rho = 0.97 before the curve)
    assert np.corrcoef(cf[:-1], cf[1:])[0, 1] > 0.85
    # nocturnal low-level jet: local night (05-09 UTC) windier than late afternoon
    by_hour = cf.reshape(365, 24).mean(axis=0)
    assert by_hour[5:10].mean() > by_hour[18:23].mean()
    assert np.array_equal(cf, wind_cf_profile(32.45, -99.73, 0.36))
    assert not np.array_equal(cf, wind_cf_profile(32.45, -99.73, 0.36, seed=1))
    with pytest.raises(InputError, match="annual_cf"):
        wind_cf_profile(32.45, -99.73, 0.9)


def test_annuity_hand_value():
    # 7 %, 30 years: 0.07 / (1 - 1.07**-30) = 0.080586 (standard CRF table)
    assert annuity_factor(0.07, 30) == pytest.approx(0.080586, rel=1e-5)


def test_grid_only_hand_worked():
    """Only the grid allowed: cost = sum(price x demand), CO2 = intensity x energy."""
    demand, cf, price = _case()
    r = solve_campus(
        demand,
        cf,
        price,
        _only(),
        CampusSettings(grid_max_mw=1500, grid_co2_t_per_mwh=0.35),
    )
    w = 8760 / N
    assert r.summary["annual_cost_usd"] == pytest.approx(
        w * (price * demand).sum(), rel=1e-6
    )
    assert r.summary["co2_t_per_mwh"] == pytest.approx(0.35, rel=1e-6)
    # with no alternative, the balance dual is the grid price (IPM tolerance)
    assert r.duals["energy_avg_usd_per_mwh"] == pytest.approx(np.mean(price), rel=1e-4)


BAT = {
    "capex_usd_per_kw": 250,
    "energy_capex_usd_per_kwh": 260,
    "fixed_om_usd_per_kw_yr": 6,
    "energy_fixed_om_usd_per_kwh_yr": 6,
    "roundtrip_efficiency": 1.0,
    "min_hours": 0,
    "max_hours": 8,
    "lifetime_yr": 15,
}


def test_battery_power_and_energy_sized_separately():
    """One day, price 0 for 12 h then 200 $/MWh; lossless battery, E <= 8 P.

    Shifting 1 MWh a day saves 365 x 200 = 73,000 $/yr; 1 MWh of storage
    costs e + a/8 (~39,000 $/yr with these numbers), so the battery covers
    all 12 expensive hours: E = 12 x 100 = 1,200 MWh, and E <= 8 P forces
    P = 150 MW although only 100 MW is ever discharged.
    """
    n = 24
    price = np.where(np.arange(n) < 12, 0.0, 200.0)
    techs = _only(battery=BAT)
    r = solve_campus(
        np.full(n, 100.0),
        np.zeros(n),
        price,
        techs,
        CampusSettings(grid_max_mw=200, grid_co2_t_per_mwh=0),
    )
    b = techs["battery"]
    expect = 150 * b.annual_cost_usd_per_mw(
        0.07
    ) + 1200 * b.annual_cost_usd_per_mwh_storage(0.07)
    # IPM without crossover stops at ~1e-8 relative gap; 1e-6 leaves room
    assert r.summary["annual_cost_usd"] == pytest.approx(expect, rel=1e-6)
    assert r.summary["capacity_battery_mwh"] == pytest.approx(1200, rel=1e-5)
    assert r.summary["capacity_battery_mw"] == pytest.approx(150, rel=1e-5)


def test_nuclear_ppa_annual_cfe_share_and_dual():
    """Grid 50 $/MWh vs flat nuclear PPA 80 $/MWh, half the energy carbon-free.

    Nuclear = 50 MW flat; cost 8760 x (50 x 50 + 50 x 80); the CFE limit's
    shadow price is the premium of the clean MWh, 80 - 50 = 30 $/MWh.
    """
    n = 24
    techs = _only(nuclear={"ppa_usd_per_mwh": 80})
    r = solve_campus(
        np.full(n, 100.0),
        np.zeros(n),
        np.full(n, 50.0),
        techs,
        CampusSettings(grid_max_mw=200, grid_co2_t_per_mwh=0.4, cfe_share=0.5),
    )
    assert r.summary["annual_cost_usd"] == pytest.approx(8760 * 6500, rel=1e-6)
    assert r.summary["capacity_nuclear_mw"] == pytest.approx(50, rel=1e-5)
    assert r.summary["cfe_share"] == pytest.approx(0.5, rel=1e-6)
    assert r.duals["cfe_usd_per_mwh"] == pytest.approx(30, rel=1e-4)  # IPM dual noise


def test_hourly_cfe_forces_clean_charging_hand_worked():
    """Full 24/7 matching with solar (cf 1 for 12 h, then 0) and a battery.

    Round trip 0.81 (0.9 each way): nights need 1,200 MWh out, so
    1,200 / 0.81 MWh in over 12 h; solar = 100 + 123.46 MW, battery power =
    123.46 MW (charging), energy = 1,200 / 0.9 MWh.
    """
    n = 24
    cf = np.where(np.arange(n) < 12, 1.0, 0.0)
    techs = _only(
        solar={}, battery={**BAT, "roundtrip_efficiency": 0.81, "max_hours": 24}
    )
    r = solve_campus(
        np.full(n, 100.0),
        cf,
        np.full(n, 50.0),
        techs,
        CampusSettings(grid_max_mw=200, grid_co2_t_per_mwh=0.4, hourly_cfe=True),
    )
    charge_mw = 1200 / 0.81 / 12
    s, b = techs["solar"], techs["battery"]
    expect = (
        (100 + charge_mw) * s.annual_cost_usd_per_mw(0.07)
        + charge_mw * b.annual_cost_usd_per_mw(0.07)
        + 1200 / 0.9 * b.annual_cost_usd_per_mwh_storage(0.07)
    )
    assert r.summary["annual_cost_usd"] == pytest.approx(expect, rel=1e-6)
    assert r.summary["capacity_solar_mw"] == pytest.approx(100 + charge_mw, rel=1e-5)
    assert r.summary["co2_t"] == pytest.approx(0, abs=1e-3)  # no grid energy at all
    assert r.duals["cfe_usd_per_mwh"] > 0


def test_co2_intensity_cap_binds_with_positive_price():
    demand, cf, price = _case()
    techs = _only(solar={}, battery={}, gas_cc={})
    r = solve_campus(
        demand,
        cf,
        price,
        techs,
        CampusSettings(
            grid_max_mw=600, grid_co2_t_per_mwh=0.35, co2_intensity_cap_t_per_mwh=0.2
        ),
    )
    # IPM: constraint met to its primal feasibility tolerance (~1e-7 relative)
    assert r.summary["co2_t_per_mwh"] == pytest.approx(0.2, rel=1e-5)
    assert r.duals["co2_intensity_usd_per_t"] > 0


def test_flexible_load_pauses_when_cheaper_than_supply():
    """Grid-only, cap 90 MW of 100: pause 10 MW at the cost; 20 % when cheaper."""
    n = 24
    demand = np.full(n, 100.0)
    common = dict(grid_max_mw=90, grid_co2_t_per_mwh=0.4, flexible_share=0.2)
    r = solve_campus(
        demand,
        np.zeros(n),
        np.full(n, 50.0),
        _only(),
        CampusSettings(flexible_cost_usd_per_mwh=500.0, **common),
    )
    assert r.summary["annual_cost_usd"] == pytest.approx(
        8760 * (90 * 50 + 10 * 500), rel=1e-6
    )
    assert r.summary["paused_mwh"] == pytest.approx(8760 * 10, rel=1e-5)
    r = solve_campus(
        demand,
        np.zeros(n),
        np.full(n, 50.0),
        _only(),
        CampusSettings(flexible_cost_usd_per_mwh=30.0, **common),
    )
    assert r.summary["paused_mwh"] == pytest.approx(8760 * 20, rel=1e-5)


def _full_case(n: int = N):
    demand, cf, price = _case(n)
    wind = wind_cf_profile(32.45, -99.73, 0.36)[:n]
    return demand, cf, price, wind


@pytest.mark.parametrize("nuclear", [True, False])
@pytest.mark.parametrize("co2_cap_t", [None, 1.5e6])
def test_matches_pypsa(co2_cap_t, nuclear):
    """Same LP built independently with PyPSA: objectives within 1e-6 relative.

    All kinds are in (battery with a fixed 4-h ratio, which is what a PyPSA
    StorageUnit can represent). 1e-6: gigaplan solves with interior point and
    no crossover, whose relative duality gap at HiGHS's default
    ipm_optimality_tolerance (1e-8) is far below it, and PyPSA with simplex;
    the two agree to ~1e-11 in benchmarks/power_vs_pypsa.py. Without nuclear
    (flat output that must be absorbed) gigaplan writes its LP in the
    free-disposal form (``build._free_disposal``), so that form is checked
    against PyPSA's equality balance too.
    """
    pytest.importorskip("pypsa", reason="optional dependency (gigaplan[dev])")
    demand, cf, price, wind = _full_case()
    off = {} if nuclear else {"nuclear": {"max_mw": 0}}
    techs = default_techs({"battery": {"min_hours": 4, "max_hours": 4}, **off})
    r = solve_campus(
        demand,
        cf,
        price,
        techs,
        CampusSettings(grid_max_mw=600, grid_co2_t_per_mwh=0.35, co2_cap_t=co2_cap_t),
        wind_cf=wind,
    )
    if co2_cap_t is not None:  # a non-trivial mix when capped
        assert r.summary["capacity_solar_mw"] > 0 and r.summary["capacity_wind_mw"] > 0
        assert r.summary["co2_t"] == pytest.approx(co2_cap_t, rel=1e-4)
        assert r.duals["co2_cap_usd_per_t"] > 0
    pypsa_objective = runpy.run_path(str(PYPSA_CASE))["pypsa_objective"]
    ref, _ = pypsa_objective(
        demand, {"solar": cf, "wind": wind}, price, techs, 600, 0.35, co2_cap_t
    )
    assert r.summary["annual_cost_usd"] == pytest.approx(ref, rel=1e-6)


def test_power_product_keys_and_ranges():
    demand, cf, price = _case()
    r = solve_campus(
        demand,
        cf,
        price,
        default_techs(),
        CampusSettings(grid_max_mw=600, grid_co2_t_per_mwh=0.35, reserve_margin=0.15),
    )
    p = power_product(r)
    assert set(p) == {
        "energy_usd_per_mwh",
        "co2_t_per_mwh",
        "capex_usd_per_kw",
        "fixed_om_usd_per_kw_yr",
        "firm_fraction",
        "lead_time_quarters",
        "max_mw",
    }
    assert p["firm_fraction"] == pytest.approx(
        1.0, rel=LP_TOL
    )  # margin forces firm >= peak
    assert r.dispatch.dims == ("tech", "hour") and r.dispatch.sizes["hour"] == N


def test_unmeetable_cap_names_limit_and_shortfall():
    demand, cf, price = _case()
    techs = _only(gas_cc={}, gas_oc={})
    with pytest.raises(InfeasibleError, match=r"co2_cap_t=1,000.*missed by"):
        solve_campus(
            demand,
            cf,
            price,
            techs,
            CampusSettings(grid_max_mw=1500, grid_co2_t_per_mwh=0.35, co2_cap_t=1000),
        )
    # grid only at 0.35 t/MWh against a 0.1 cap: missed by exactly 0.25
    with pytest.raises(InfeasibleError, match=r"co2_intensity.*missed by 0\.2500"):
        solve_campus(
            demand,
            cf,
            price,
            _only(),
            CampusSettings(
                grid_max_mw=1500,
                grid_co2_t_per_mwh=0.35,
                co2_intensity_cap_t_per_mwh=0.1,
            ),
        )
    # nothing carbon-free allowed: the whole share is missed
    with pytest.raises(
        InfeasibleError, match=r"cfe_share=0.5 \(hourly\).*missed by 0\.5000"
    ):
        solve_campus(
            demand,
            cf,
            price,
            _only(),
            CampusSettings(
                grid_max_mw=1500,
                grid_co2_t_per_mwh=0.35,
                cfe_share=0.5,
                hourly_cfe=True,
            ),
        )


def test_bad_profiles():
    demand, cf, price = _case()
    kw = dict(grid_max_mw=1, grid_co2_t_per_mwh=0.3)
    with pytest.raises(InputError, match="solar_cf"):
        solve_campus(demand, cf[:-1], price, default_techs(), CampusSettings(**kw))
    gap = price.copy()
    gap[5] = np.nan
    with pytest.raises(InputError, match=r"grid_price_usd_per_mwh\[5\]"):
        solve_campus(demand, cf, gap, default_techs(), CampusSettings(**kw))
    with pytest.raises(InputError, match=r"wind_cf\[3\]"):
        solve_campus(
            demand,
            cf,
            price,
            default_techs(),
            CampusSettings(**kw),
            wind_cf=np.r_[0, 0, 0, 1.5, cf[4:]],
        )
    with pytest.raises(InputError, match="capex_usd_per_kw"):
        default_techs({"solar": {"capex_usd_per_kw": -1}})
    with pytest.raises(InputError, match="min_mw"):
        default_techs({"wind": {"min_mw": 10, "max_mw": 5}})
    with pytest.raises(InputError, match="cfe_share"):
        solve_campus(
            demand, cf, price, default_techs(), CampusSettings(cfe_share=1.5, **kw)
        )


def test_min_mw_forces_a_build():
    demand, cf, price = _case(48)
    r = solve_campus(
        demand,
        cf,
        price,
        _only(recip={"min_mw": 100}),
        CampusSettings(grid_max_mw=1500, grid_co2_t_per_mwh=0.35),
    )
    assert r.summary["capacity_recip_mw"] == pytest.approx(100, rel=1e-5)


runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["power", "--region", "narnia"], "region"),
        (["power", "--it-load-mw", "-5"], "--it-load-mw"),
        (["power", "--hours", "3"], "--hours"),
    ],
)
def test_cli_bad_input(args, needle):
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert needle in res.output and "Traceback" not in res.output


def test_cli_scenario_line_and_example(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text("power:\n  region: ercot\n  pue: 0.5\n")
    res = runner.invoke(app, ["power", "--scenario", str(bad)])
    assert res.exit_code == 2 and "pue" in res.output
    res = runner.invoke(app, ["power", "--scenario", "examples/power.yaml", "--json"])
    assert res.exit_code == 0, res.output
    assert '"co2_cap_usd_per_t"' in res.output


def test_run_stage():
    from gigaplan.catalog import load_catalog
    from gigaplan.scenario import load_scenario
    from gigaplan.stages.power import run_stage

    out = run_stage(
        load_scenario(__import__("pathlib").Path("examples/power.yaml")), load_catalog()
    )
    assert out.stage == "power" and "capacity" in out.tables
    assert out.summary["co2_t"] == pytest.approx(2e6, rel=1e-4)


def test_cli_unmeetable_cap_one_line(tmp_path):
    sc = tmp_path / "cap.yaml"
    off = "".join(
        f"    {t}: {{max_mw: 0}}\n" for t in KINDS if t not in ("gas_cc", "gas_oc")
    )
    sc.write_text(
        "power:\n  region: ercot\n  hours: 48\n  co2_cap_t: 1000\n"
        "  technologies:\n" + off
    )
    res = runner.invoke(app, ["power", "--scenario", str(sc)])
    assert res.exit_code == 1
    assert "co2_cap_t=1,000 cannot be met: missed by" in res.output
    assert "Traceback" not in res.output


def test_cli_cfe_and_intensity_flags():
    res = runner.invoke(
        app, ["power", "--hours", "48", "--cfe-share", "0.9", "--hourly-cfe", "--json"]
    )
    assert res.exit_code == 0, res.output
    assert '"cfe_usd_per_mwh"' in res.output
    res = runner.invoke(
        app,
        ["power", "--co2-cap-t", "1", "--co2-intensity-cap", "0.1", "--hours", "48"],
    )
    assert res.exit_code == 2 and "--co2-intensity-cap" in res.output


def _csv(tmp_path, rows, header="hour,solar_cf,grid_price_usd_per_mwh"):
    f = tmp_path / "p.csv"
    f.write_text(header + "\n" + "".join(r + "\n" for r in rows))
    return f


@pytest.mark.parametrize(
    ("rows", "header", "needle"),
    [
        # 47 rows for a 48-hour run: wrong length
        ([f"{h},0.1,40" for h in range(47)], None, "rows=47"),
        # a gap on file line 5 (header is line 1, hour 3 is line 5)
        (
            [f"{h},{'' if h == 3 else 0.1},40" for h in range(48)],
            None,
            "line 5: solar_cf",
        ),
        (
            [f"{h},0.1,{-1 if h == 0 else 40}" for h in range(48)],
            None,
            "line 2: grid_price",
        ),
        ([f"{h},1.5,40" for h in range(48)], None, "line 2: solar_cf"),
        ([f"{h},0.1" for h in range(48)], "hour,sun_cf", "line 1: column='sun_cf'"),
    ],
)
def test_cli_profiles_csv_bad_input(tmp_path, rows, header, needle):
    f = _csv(tmp_path, rows, header or "hour,solar_cf,grid_price_usd_per_mwh")
    res = runner.invoke(app, ["power", "--hours", "48", "--profiles-csv", str(f)])
    assert res.exit_code == 2, res.output
    assert needle in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_profiles_csv_is_used(tmp_path):
    """A CSV price of 0 everywhere makes the grid the whole supply at no cost."""
    f = _csv(tmp_path, [f"{h},0,0" for h in range(48)])
    res = runner.invoke(
        app, ["power", "--hours", "48", "--profiles-csv", str(f), "--json"]
    )
    assert res.exit_code == 0, res.output
    import json

    s = json.loads(res.output)["summary"]
    assert s["annual_cost_usd"] == pytest.approx(0, abs=1.0)  # IPM dust, $/yr


def test_rep_days_as_many_as_days_is_the_full_model():
    """k = days: every day is its own cluster and the linking is exact."""
    demand, cf, price, wind = _full_case()
    kw = dict(grid_max_mw=600, grid_co2_t_per_mwh=0.35, co2_cap_t=1.5e6)
    techs = default_techs()
    full = solve_campus(demand, cf, price, techs, CampusSettings(**kw), wind_cf=wind)
    rep = solve_campus(
        demand, cf, price, techs, CampusSettings(rep_days=N // 24, **kw), wind_cf=wind
    )
    # two IPM solves of the same LP: agreement to the ~1e-8 relative gap
    assert rep.summary["annual_cost_usd"] == pytest.approx(
        full.summary["annual_cost_usd"], rel=1e-6
    )


def test_rep_days_carry_storage_between_days():
    """Days alternate free / 100 $/MWh; two clusters; storage must cross days.

    A model cyclic within each representative day could not move energy from a
    free day to an expensive one (prices are flat within a day) and would
    build no battery. With inter-day linking: charge 2,400 MWh over the free
    day, P = 100 MW, E = 2,400 MWh, grid cost 0.
    """
    n = 96
    price = np.where((np.arange(n) // 24) % 2 == 0, 0.0, 100.0)
    cheap = {
        **BAT,
        "energy_capex_usd_per_kwh": 10,
        "energy_fixed_om_usd_per_kwh_yr": 0,
        "max_hours": 48,
    }
    techs = _only(battery=cheap)
    kw = dict(grid_max_mw=200, grid_co2_t_per_mwh=0.0)
    full = solve_campus(
        np.full(n, 100.0), np.zeros(n), price, techs, CampusSettings(**kw)
    )
    rep = solve_campus(
        np.full(n, 100.0), np.zeros(n), price, techs, CampusSettings(rep_days=2, **kw)
    )
    b = techs["battery"]
    expect = 100 * b.annual_cost_usd_per_mw(
        0.07
    ) + 2400 * b.annual_cost_usd_per_mwh_storage(0.07)
    for r in (full, rep):
        assert r.summary["annual_cost_usd"] == pytest.approx(expect, rel=1e-6)
        assert r.summary["capacity_battery_mwh"] == pytest.approx(2400, rel=1e-5)
    assert rep.summary["model_hours"] == 48


def test_rep_days_bad_input():
    demand, cf, price = _case(50)
    with pytest.raises(InputError, match="multiple of 24"):
        solve_campus(
            demand,
            cf,
            price,
            default_techs(),
            CampusSettings(grid_max_mw=1, grid_co2_t_per_mwh=0, rep_days=2),
        )
    res = runner.invoke(app, ["power", "--hours", "48", "--rep-days", "3"])
    assert res.exit_code == 2 and "--rep-days" in res.output


def test_region_without_a_price_says_how_to_give_one():
    # the shipped catalog leaves Norway's industrial price null (no source read)
    res = CliRunner().invoke(app, ["power", "--region", "norway", "--hours", "48"])
    assert res.exit_code == 2
    assert "regions.norway.electricity_usd_per_mwh" in res.output
    assert "profiles CSV" in res.output and "Traceback" not in res.output


@pytest.mark.parametrize("cfe_share", [None, 0.5])
def test_dispatch_closes_the_balance_in_both_forms(cfe_share):
    """Each hour, dispatch (battery net) = demand, and solar/wind <= CF x capacity.

    Without a carbon-free share the LP is in its free-disposal form (solar and
    wind offered in full, curtailment implied); with one, in the equality form.
    Both must report the same kind of dispatch. 1e-6 MW: interior-point residual.
    """
    demand, cf, price = _case()
    wind = wind_cf_profile(32.45, -99.73, 0.36)[:N]
    techs = _only(solar={}, wind={}, battery=BAT, gas_cc={})
    r = solve_campus(
        demand,
        cf,
        price,
        techs,
        CampusSettings(
            grid_max_mw=600,
            grid_co2_t_per_mwh=0.35,
            co2_cap_t=2.0e5,
            cfe_share=cfe_share,
        ),
        wind_cf=wind,
    )
    d = r.dispatch
    np.testing.assert_allclose(d.sum("tech").values, demand, atol=1e-6)
    for t, profile in (("solar", cf), ("wind", wind)):
        offered = profile * r.summary[f"capacity_{t}_mw"]
        assert np.all(d.sel(tech=t).values <= offered + 1e-6)
        assert np.all(d.sel(tech=t).values >= 0)


def test_interior_point_stop_without_optimum_is_solved_again_by_simplex(caplog):
    """An interior-point stop short of the optimum is never the answer.

    The IPM is cut off after 2 iterations (a stand-in for HiPO's "no
    progress", which needs a full-year case); the dual simplex must then
    give the same optimum as an unhindered solve.
    """
    demand, cf, price, wind = _full_case()
    techs = default_techs({"battery": {"min_hours": 4, "max_hours": 4}})
    settings = CampusSettings(grid_max_mw=600, grid_co2_t_per_mwh=0.35, co2_cap_t=1e5)
    ref = solve_campus(demand, cf, price, techs, settings, wind_cf=wind)
    with caplog.at_level("WARNING", logger="gigaplan.power.model"):
        cut = solve_campus(
            demand,
            cf,
            price,
            techs,
            settings,
            wind_cf=wind,
            solver_options={"ipm_iteration_limit": 2},
        )
    assert "dual simplex" in caplog.text
    assert cut.summary["annual_cost_usd"] == pytest.approx(
        ref.summary["annual_cost_usd"], rel=LP_TOL
    )


def test_unknown_stop_with_a_point_is_an_error(monkeypatch):
    """linopy's ("ok", "unknown"), HiGHS stopped but left a point, raises."""
    import linopy

    from gigaplan.errors import SolverError
    from gigaplan.plan import solve as plan_solve

    def stopped(model, **options):
        return "ok", "unknown"

    monkeypatch.setattr(linopy.Model, "solve", stopped)
    demand, cf, price = _case(48)
    with pytest.raises(SolverError, match="unknown"):
        solve_campus(demand, cf, price, default_techs(), CampusSettings(600, 0.35))
    with pytest.raises(SolverError, match="unknown"):
        plan_solve.solve_model(linopy.Model())
