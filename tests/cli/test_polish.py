"""CLI polish: clean --help, tables that fit, grouped sources, progress on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gigaplan.cli import app

ROOT = Path(__file__).parents[2]
runner = CliRunner()


def _gigaplan(*argv: str, columns: int = 80, cwd: Path = ROOT):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": str(columns)}
    return subprocess.run(
        [sys.executable, "-m", "gigaplan", *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
    )


@pytest.mark.parametrize(
    "command",
    [[], ["power"], ["plan"], ["risk"], ["catalog", "list"], ["runs", "diff"]],
    ids=" ".join,
)
def test_help_shows_no_type_after_flags(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert "<list[Path]>" not in result.output


def test_catalog_list_fits_the_terminal_and_wide_shows_all():
    narrow = _gigaplan("catalog", "list", "accelerators", columns=80)
    assert narrow.returncode == 0, narrow.stderr
    lines = narrow.stdout.splitlines()
    table = [line for line in lines if line[:1] in "┏┃┡│└"]
    assert max(len(line) for line in table) <= 80
    assert "…" not in "".join(table)  # no header cut short
    assert "columns not shown: " in narrow.stdout and "price_usd" in lines[-1]
    wide = _gigaplan("catalog", "list", "accelerators", "--wide", columns=80)
    header = next(line for line in wide.stdout.splitlines() if line.startswith("┃"))
    assert "price_usd" in header and "system_overhead_w" in header
    assert "columns not shown" not in wide.stdout


def test_catalog_show_prints_each_source_once():
    result = runner.invoke(app, ["catalog", "show", "H100 SXM"])
    assert result.exit_code == 0, result.output
    assert result.output.count("Machine Learning Hardware") == 1
    assert "[1] epoch-chips-2026" in result.output
    assert "Sources" in result.output


def test_factory_progress_on_stderr_and_pure_json():
    args = ("factory", "examples/factory.yaml", "--replications", "2")
    quiet = _gigaplan(*args, "--json")
    assert quiet.returncode == 0, quiet.stderr
    json.loads(quiet.stdout)
    assert quiet.stderr == ""
    shown = _gigaplan(*args)
    assert shown.returncode == 0, shown.stderr
    assert "replications of the build pipeline" in shown.stderr
    assert "bottleneck test 1/" in shown.stderr
    assert "factory: done in" in shown.stderr


def test_run_progress_names_the_stages(tmp_path):
    db = str(tmp_path / "runs.duckdb")
    quiet = _gigaplan("run", "examples/estimate.yaml", "--db", db, "--json")
    assert quiet.returncode == 0, quiet.stderr
    assert json.loads(quiet.stdout)["status"] == "complete"
    assert quiet.stderr == ""
    shown = _gigaplan("run", "examples/estimate.yaml", "--db", db)
    assert "stage 1/1: running estimate" in shown.stderr
    assert "run: done in" in shown.stderr
