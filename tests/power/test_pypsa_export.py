"""``gigaplan power --export-pypsa``: PyPSA loads it and finds the same optimum."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gigaplan.errors import InputError
from gigaplan.power import CampusSettings, solve_campus
from gigaplan.power.profiles import solar_cf_profile, wind_cf_profile
from gigaplan.power.pypsa_network import campus_network, export_campus
from gigaplan.power.technologies import default_techs

pypsa = pytest.importorskip("pypsa", reason="optional dependency (gigaplan[dev])")

N = 336  # two weeks: PyPSA builds and solves it in a few seconds
# gigaplan solves by interior point without crossover (relative duality gap
# far below 1e-8), PyPSA by simplex; the issue asks for 1e-6 relative
RTOL = 1e-6


def _inputs(co2_cap_t: float | None):
    hours = np.arange(N)
    price = 45.0 + 30.0 * ((hours % 24) >= 16) * ((hours % 24) < 21)
    args = (
        np.full(N, 1200.0),
        solar_cf_profile(32.45, -99.73, 0.26)[:N],
        price,
        default_techs({"nuclear": {"max_mw": 0}}),  # battery 1..8 h: ratio solved
        CampusSettings(grid_max_mw=600.0, grid_co2_t_per_mwh=0.35, co2_cap_t=co2_cap_t),
    )
    return args, {"wind_cf": wind_cf_profile(32.45, -99.73, 0.36)[:N]}


def _resolve(path: Path) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # pandas 3 strings in PyPSA
        net = pypsa.Network(str(path))
    status, _ = net.optimize(solver_name="highs", include_objective_constant=False)
    assert status == "ok"
    return float(net.objective)


@pytest.mark.parametrize("co2_cap_t", [None, 1.0e5])
def test_exported_network_resolves_to_the_same_objective(tmp_path, co2_cap_t):
    args, kwargs = _inputs(co2_cap_t)
    result = solve_campus(*args, **kwargs)
    if co2_cap_t is not None:  # the cap makes a mix with storage of its own ratio
        assert result.summary["capacity_battery_mw"] > 0
        assert result.duals["co2_cap_usd_per_t"] > 0
    out = export_campus(tmp_path / "campus.nc", args, kwargs, result)
    assert _resolve(out) == pytest.approx(result.summary["annual_cost_usd"], rel=RTOL)


def test_export_refuses_limits_pypsa_cannot_express():
    args, kwargs = _inputs(None)
    with pytest.raises(InputError, match=r"reserve_margin=0\.15: not exportable"):
        margin = replace(args[4], reserve_margin=0.15)
        campus_network(*args[:4], margin, **kwargs)


def test_export_never_replaces_a_file_it_did_not_write(tmp_path):
    args, kwargs = _inputs(None)
    result = solve_campus(*args, **kwargs)
    other = tmp_path / "notes.nc"
    other.write_text("mine")
    with pytest.raises(InputError, match=r"--export-pypsa=.*did not write it"):
        export_campus(other, args, kwargs, result)
    assert other.read_text() == "mine"
    export_campus(other, args, kwargs, result, force=True)
    export_campus(other, args, kwargs, result)  # now it is ours: replaced
    assert _resolve(other) == pytest.approx(result.summary["annual_cost_usd"], rel=RTOL)


def _gigaplan(*argv: str) -> subprocess.CompletedProcess[str]:
    src = Path(__file__).parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-m", "gigaplan", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_cli_export_progress_on_stderr_and_pure_json(tmp_path):
    out = tmp_path / "campus.nc"
    run = _gigaplan("power", "--hours", "168", "--export-pypsa", str(out), "--json")
    assert run.returncode == 0, run.stderr
    payload = json.loads(run.stdout)  # stdout is pure JSON
    assert run.stderr == ""  # quiet under --json
    assert _resolve(out) == pytest.approx(
        payload["summary"]["annual_cost_usd"], rel=RTOL
    )
    shown = _gigaplan("power", "--hours", "168")
    assert shown.returncode == 0, shown.stderr
    assert "solving the campus LP" in shown.stderr
    assert "power: done in" in shown.stderr
    assert "solving" not in shown.stdout
