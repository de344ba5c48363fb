"""A plan site with a ``power:`` block gets exactly the campus LP's product."""

from __future__ import annotations

import pytest

from gigaplan.catalog import load_catalog
from gigaplan.plan import run_plan
from gigaplan.plan.schema import PlanSection
from gigaplan.plan.site_power import (
    CAMPUS_OPTION,
    option_from_product,
    with_campus_power,
)
from gigaplan.power.model import power_product
from gigaplan.power.stage import solve_section
from tests.plan.conftest import base_section


def _section() -> dict:
    sec = base_section()
    site = sec["sites"][0]
    site["max_mw"] = 100.0
    site.pop("power_options")
    # one week of hours keeps the campus LP small (not a planning choice)
    site["power"] = {"region": "ercot", "hours": 168, "grid_max_mw": 60.0}
    return sec


def test_site_gets_exactly_the_campus_product() -> None:
    catalog = load_catalog()
    section = PlanSection.model_validate(_section())
    resolved, products = with_campus_power(section, catalog)
    (option,) = resolved.sites[0].power_options
    assert option.name == CAMPUS_OPTION
    campus = section.sites[0].campus()
    # the campus is sized for the site: 100 MW facility at PUE 1.25
    assert campus.it_load_mw * campus.pue == pytest.approx(100.0, rel=1e-12)
    result = solve_section(campus, catalog, None)
    product = power_product(result, campus.discount_rate)
    assert products[section.sites[0].name] == product
    assert option == option_from_product(product, 100.0)
    s = result.summary
    # variable cost x MWh served + the plants' annuity and fixed O&M = the
    # campus LP's annual cost (the planner pays the plants through capex)
    fixed = (
        sum(
            t.annual_cost_usd_per_mw(campus.discount_rate) * s[f"capacity_{n}_mw"]
            for n, t in result.techs.items()
            if s.get(f"capacity_{n}_mw", 0.0) > 1e-3
        )
        + result.techs["battery"].annual_cost_usd_per_mwh_storage(campus.discount_rate)
        * s["capacity_battery_mwh"]
    )
    assert option.energy_usd_per_mwh * s["served_mwh"] + fixed == pytest.approx(
        s["annual_cost_usd"], rel=1e-9
    )
    # grid capped at 60 MW of a 100 MW load: the campus builds plants
    assert option.capex_usd_per_kw > 0
    solved = run_plan(_section(), catalog)
    names = solved.dataset.power_option_name.values.ravel().tolist()
    assert CAMPUS_OPTION in names


def test_site_power_rejects_size_fields() -> None:
    sec = _section()
    sec["sites"][0]["power"]["it_load_mw"] = 5.0
    with pytest.raises(ValueError, match="comes from the site"):
        PlanSection.model_validate(sec)
    sec["sites"][0].pop("power")
    with pytest.raises(ValueError, match="power_options or power"):
        PlanSection.model_validate(sec)


def test_power_stage_solves_the_plan_sites_campus() -> None:
    from gigaplan.scenario import Scenario
    from gigaplan.stages.power import run_stage

    scen = Scenario.model_validate(
        {"plan": _section(), "power": {"site": "tx"}, "name": "one-campus"}
    )
    got = run_stage(scen, load_catalog(), None)
    campus = scen.plan.sites[0].campus()
    want = solve_section(campus, load_catalog(), None)
    assert got.summary["annual_cost_usd"] == pytest.approx(
        want.summary["annual_cost_usd"], rel=1e-9
    )
    with pytest.raises(ValueError, match="leave out region"):
        Scenario.model_validate(
            {"plan": _section(), "power": {"site": "tx", "region": "pjm"}}
        )


def test_a_run_solves_the_shared_campus_once(monkeypatch) -> None:
    """power: {site: tx} and the plan's site tx are one campus: one LP solve."""
    import yaml

    import gigaplan.power.model as model
    from gigaplan import pipeline

    calls = []
    real = model.solve_campus

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(model, "solve_campus", counted)
    text = yaml.safe_dump({"name": "once", "plan": _section(), "power": {"site": "tx"}})
    run = pipeline.run_pipeline(text)
    assert len(calls) == 1
    assert [r.stage for r in run.results] == ["power", "plan"]
    power = run.results[0]
    # the variable price the plan pays is below the all-in delivered price
    assert power.summary["variable_usd_per_mwh"] < power.summary["energy_usd_per_mwh"]
