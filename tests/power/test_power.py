"""Campus power LP: hand-worked answers, a PyPSA cross-check, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from gigaplan.cli import app
from gigaplan.errors import InfeasibleError, InputError
from gigaplan.power import power_product, solve_campus
from gigaplan.power.profiles import solar_cf_profile
from gigaplan.power.technologies import annuity_factor, default_techs

N = 336  # two weeks: small enough for a few-second PyPSA build


def _case(n: int = N):
    cf = solar_cf_profile(32.45, -99.73, 0.26)[:n]
    hours = np.arange(n)
    price = 45.0 + 30.0 * ((hours % 24) >= 16) * ((hours % 24) < 21)  # evening peak
    demand = np.full(n, 1200.0)
    return demand, cf, price


def test_solar_profile_mean_and_bounds():
    cf = solar_cf_profile(32.45, -99.73, 0.26)
    assert cf.shape == (8760,)
    assert abs(cf.mean() - 0.26) < 1e-3  # rescaled to the annual CF by construction
    assert cf.min() >= 0 and cf.max() <= 1
    # night at local midnight (06 UTC in Texas) is dark every day
    assert np.all(cf[6::24] == 0)


def test_annuity_hand_value():
    # 7 %, 30 years: 0.07 / (1 - 1.07**-30) = 0.080586 (standard CRF table)
    assert annuity_factor(0.07, 30) == pytest.approx(0.080586, rel=1e-5)


def test_grid_only_hand_worked():
    """Only the grid allowed: cost = sum(price x demand), CO2 = intensity x energy."""
    demand, cf, price = _case()
    techs = default_techs(
        {t: {"max_mw": 0} for t in ("solar", "battery", "gas_cc", "gas_oc")}
    )
    r = solve_campus(
        demand, cf, price, techs, grid_max_mw=1500, grid_co2_t_per_mwh=0.35
    )
    w = 8760 / N
    assert r.summary["annual_cost_usd"] == pytest.approx(
        w * (price * demand).sum(), rel=1e-6
    )
    assert r.summary["co2_t_per_mwh"] == pytest.approx(0.35, rel=1e-6)
    # with no alternative, the balance dual is the grid price (IPM tolerance)
    assert r.duals["energy_avg_usd_per_mwh"] == pytest.approx(np.mean(price), rel=1e-4)


def _pypsa_objective(demand, cf, price, techs, grid_max_mw, grid_co2, co2_cap_t):
    import pypsa

    n = len(demand)
    net = pypsa.Network()
    net.set_snapshots(range(n))
    # objective and emissions scaled to a year; 'stores' is PyPSA's time-step
    # length in the state-of-charge equation, which stays one hour
    for col in ("objective", "generators"):
        net.snapshot_weightings[col] = 8760.0 / n
    net.snapshot_weightings["stores"] = 1.0
    for carrier, co2 in (
        ("grid", grid_co2),
        ("solar", 0.0),
        ("battery", 0.0),
        ("gas_cc", techs["gas_cc"].co2_t_per_mwh),
        ("gas_oc", techs["gas_oc"].co2_t_per_mwh),
    ):
        net.add("Carrier", carrier, co2_emissions=co2)
    net.add("Bus", "campus")
    net.add("Load", "it", bus="campus", p_set=demand)
    net.add(
        "Generator",
        "grid",
        bus="campus",
        carrier="grid",
        p_nom=grid_max_mw,
        marginal_cost=price,
    )
    net.add(
        "Generator",
        "solar",
        bus="campus",
        carrier="solar",
        p_nom_extendable=True,
        p_max_pu=cf,
        capital_cost=techs["solar"].annual_cost_usd_per_mw(0.07),
    )
    for g in ("gas_cc", "gas_oc"):
        net.add(
            "Generator",
            g,
            bus="campus",
            carrier=g,
            p_nom_extendable=True,
            capital_cost=techs[g].annual_cost_usd_per_mw(0.07),
            marginal_cost=techs[g].marginal_usd_per_mwh,
        )
    b = techs["battery"]
    eta = np.sqrt(b.roundtrip_efficiency)
    net.add(
        "StorageUnit",
        "battery",
        bus="campus",
        carrier="battery",
        p_nom_extendable=True,
        max_hours=b.hours,
        efficiency_store=eta,
        efficiency_dispatch=eta,
        cyclic_state_of_charge=True,
        capital_cost=b.annual_cost_usd_per_mw(0.07),
    )
    if co2_cap_t is not None:
        net.add(
            "GlobalConstraint",
            "co2",
            type="primary_energy",
            carrier_attribute="co2_emissions",
            sense="<=",
            constant=co2_cap_t,
        )
    status, _ = net.optimize(solver_name="highs", include_objective_constant=False)
    assert status == "ok"
    return float(net.objective + net.objective_constant)


@pytest.mark.parametrize("co2_cap_t", [None, 1.5e6])
def test_matches_pypsa(co2_cap_t):
    """Same LP built independently with PyPSA: objectives within 1e-4 relative.

    1e-4 because gigaplan solves with interior point and no crossover
    (HiGHS optimality tolerance ~1e-7 relative) and PyPSA with simplex.
    """
    pytest.importorskip("pypsa")
    demand, cf, price = _case()
    techs = default_techs()
    r = solve_campus(
        demand,
        cf,
        price,
        techs,
        grid_max_mw=600,
        grid_co2_t_per_mwh=0.35,
        co2_cap_t=co2_cap_t,
    )
    # every kind is present in the plan when capped (a non-trivial comparison)
    if co2_cap_t is not None:
        assert (
            r.summary["capacity_solar_mw"] > 0 and r.summary["capacity_battery_mw"] > 0
        )
        assert r.summary["co2_t"] == pytest.approx(co2_cap_t, rel=1e-4)
        assert r.duals["co2_cap_usd_per_t"] > 0
    ref = _pypsa_objective(demand, cf, price, techs, 600, 0.35, co2_cap_t)
    assert r.summary["annual_cost_usd"] == pytest.approx(ref, rel=1e-4)


def test_power_product_keys_and_ranges():
    demand, cf, price = _case()
    r = solve_campus(
        demand,
        cf,
        price,
        default_techs(),
        grid_max_mw=600,
        grid_co2_t_per_mwh=0.35,
        reserve_margin=0.15,
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
        1.0
    )  # reserve margin forces firm >= peak
    assert r.dispatch.dims == ("tech", "hour") and r.dispatch.sizes["hour"] == N


def test_unmeetable_cap_names_limit_and_shortfall():
    demand, cf, price = _case()
    techs = default_techs({"solar": {"max_mw": 0}, "battery": {"max_mw": 0}})
    with pytest.raises(InfeasibleError, match=r"co2_cap_t=1,000.*missed by"):
        solve_campus(
            demand,
            cf,
            price,
            techs,
            grid_max_mw=1500,
            grid_co2_t_per_mwh=0.35,
            co2_cap_t=1000,
        )


def test_bad_profiles():
    demand, cf, price = _case()
    with pytest.raises(InputError, match="solar_cf"):
        solve_campus(
            demand,
            cf[:-1],
            price,
            default_techs(),
            grid_max_mw=1,
            grid_co2_t_per_mwh=0.3,
        )
    gap = price.copy()
    gap[5] = np.nan
    with pytest.raises(InputError, match=r"grid_price_usd_per_mwh\[5\]"):
        solve_campus(
            demand, cf, gap, default_techs(), grid_max_mw=1, grid_co2_t_per_mwh=0.3
        )
    with pytest.raises(InputError, match="capex_usd_per_kw"):
        default_techs({"solar": {"capex_usd_per_kw": -1}})


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
    from gigaplan.power.stage import run_stage
    from gigaplan.scenario import load_scenario

    out = run_stage(
        load_scenario(__import__("pathlib").Path("examples/power.yaml")), load_catalog()
    )
    assert out.stage == "power" and "capacity" in out.tables
    assert out.summary["co2_t"] == pytest.approx(2e6, rel=1e-4)


def test_cli_unmeetable_cap_one_line(tmp_path):
    sc = tmp_path / "cap.yaml"
    sc.write_text(
        "power:\n  region: ercot\n  hours: 48\n  co2_cap_t: 1000\n"
        "  technologies:\n    solar: {max_mw: 0}\n    battery: {max_mw: 0}\n"
    )
    res = runner.invoke(app, ["power", "--scenario", str(sc)])
    assert res.exit_code == 1
    assert "co2_cap_t=1,000 cannot be met: missed by" in res.output
    assert "Traceback" not in res.output
