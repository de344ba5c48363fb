"""The stage tables (power technologies, factory durations, workload defaults)
are parts of the catalog: a ``--catalog`` file overrides them, the catalog
version hashes them, and the stages read them from the catalog they are given.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gigaplan.catalog import load_catalog
from gigaplan.errors import CatalogError, InputError
from gigaplan.factory.model import compile_design
from gigaplan.factory.stage import run_factory
from gigaplan.power.schema import PowerSection
from gigaplan.power.stage import solve_section
from gigaplan.power.technologies import annuity_factor, default_techs
from gigaplan.workloads.schema import TrainingCase
from gigaplan.workloads.stage import training_case
from tests.factory.conftest import deterministic_section

SHIPPED = load_catalog()


def _extra(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text("sources:\n  mine: my own quote, 2026\n" + text)
    return path


def test_power_capex_override_changes_the_campus_lp(tmp_path: Path) -> None:
    # one week of a 100 MW campus with no grid: gas_cc at half its capex
    section = PowerSection(it_load_mw=100.0, pue=1.2, hours=168, grid_max_mw=0.0)
    mine = load_catalog(
        [
            _extra(
                tmp_path,
                "power_technologies:\n"
                "  gas_cc:\n"
                "    capex_usd_per_kw: {value: 700, source: mine}\n",
            )
        ]
    )
    assert mine.version != SHIPPED.version
    assert default_techs(catalog=mine)["gas_cc"].capex_usd_per_kw == 700.0
    # the other fields of the technology keep their shipped numbers
    assert default_techs(catalog=mine)["gas_cc"].heat_rate_mmbtu_per_mwh == 6.4
    base = solve_section(section, SHIPPED)
    cheap = solve_section(section, mine)
    # gas_cc alone serves 120 MW flat both times; the annual cost falls by
    # 120 MW x 700 $/kW x annuity(7 %, 30 yr). rel=1e-6: HiGHS's tolerances.
    assert cheap.summary["capacity_gas_cc_mw"] == pytest.approx(120.0, rel=1e-6)
    saved = 120e3 * 700.0 * annuity_factor(0.07, 30.0)
    assert base.summary["annual_cost_usd"] - cheap.summary[
        "annual_cost_usd"
    ] == pytest.approx(saved, rel=1e-6)


def test_power_defaults_override(tmp_path: Path) -> None:
    mine = load_catalog(
        [_extra(tmp_path, "power_defaults:\n  solar_annual_cf: {ercot: 0.2}\n")]
    )
    assert mine.power_defaults.solar_annual_cf["ercot"] == 0.2
    # the other regions stay as shipped: the table is merged key by key
    assert mine.power_defaults.solar_annual_cf["default"] == 0.24


def test_factory_duration_override_changes_the_simulation(tmp_path: Path) -> None:
    stages = [
        {
            "name": "fitout",
            "duration_weeks": {"catalog": "it_fitout_commissioning"},
            "needs": [],
        }
    ]
    section = deterministic_section(stages=stages)
    mine = load_catalog(
        [
            _extra(
                tmp_path,
                "factory_durations_weeks:\n"
                "  it_fitout_commissioning:\n"
                "    dist: fixed\n"
                "    value: {value: 2.0, source: mine}\n",
            )
        ]
    )
    assert mine.version != SHIPPED.version
    assert compile_design(section, catalog=SHIPPED).stages[0].duration.value == 21.43
    assert compile_design(section, catalog=mine).stages[0].duration.value == 2.0
    base = run_factory(section, 1, whatif=False, catalog=SHIPPED)
    fast = run_factory(section, 1, whatif=False, catalog=mine)
    assert fast.summary != base.summary


def test_workload_default_override_changes_the_estimate(tmp_path: Path) -> None:
    mine = load_catalog(
        [
            _extra(
                tmp_path,
                "workload_defaults:\n  default_pue: {value: 1.5, source: mine}\n",
            )
        ]
    )
    assert mine.version != SHIPPED.version
    case = TrainingCase(
        name="7b", tokens=1e12, accelerator="h100", count=1024, params=7e9
    )
    base = training_case(SHIPPED, case)
    dear = training_case(mine, case)
    # facility energy is IT energy x PUE: exactly 1.5 / 1.1 (float rounding only)
    assert dear.facility_energy_mwh == pytest.approx(
        base.facility_energy_mwh * 1.5 / 1.1, rel=1e-12
    )


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "power_technologies:\n  solar:\n"
            "    capex_usd_per_kwh: {value: 1, source: mine}\n",
            r"mine\.yaml: power_technologies\.solar\.capex_usd_per_kwh",
        ),
        (
            "workload_defaults:\n  default_pue: {value: 1.5}\n",
            r"mine\.yaml: workload_defaults.*source or a note",
        ),
        (
            "factory_durations_weeks:\n  construction:\n    dist: uniform\n"
            "    low: {value: 1, source: mine}\n",
            r"mine\.yaml: factory_durations_weeks\.construction.*needs high",
        ),
        (
            "power_technologies:\n  solar:\n"
            "    capex_usd_per_kw: {value: 1, source: nobody}\n",
            r"power_technologies\.solar\.capex_usd_per_kw\.source=nobody",
        ),
    ],
)
def test_bad_stage_tables_are_one_line_errors(
    tmp_path: Path, text: str, match: str
) -> None:
    with pytest.raises(CatalogError, match=match) as err:
        load_catalog([_extra(tmp_path, text)])
    assert "\n" not in str(err.value)


def test_a_null_technology_number_is_an_error_not_a_crash(tmp_path: Path) -> None:
    mine = load_catalog(
        [
            _extra(
                tmp_path,
                "power_technologies:\n  wind:\n"
                "    capex_usd_per_kw: {value: null, note: unknown here}\n",
            )
        ]
    )
    with pytest.raises(InputError, match=r"power_technologies\.wind.*capex_usd"):
        default_techs(catalog=mine)
