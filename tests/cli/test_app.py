import subprocess
import sys

from typer.testing import CliRunner

from gigaplan.cli import app

runner = CliRunner()


def test_help_lists_verbs():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "catalog" in result.output


def test_input_error_is_one_line_and_exit_2():
    result = runner.invoke(app, ["catalog", "show", "no-such-chip-xyz"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("gigaplan: error: name='no-such-chip-xyz'")
    assert "Traceback" not in result.output


def test_import_cli_loads_no_heavy_library():
    """``gigaplan --help`` stays fast: the verbs import their libraries when run.

    Structural, not timed: a fresh interpreter imports ``gigaplan.cli`` and
    none of the heavy libraries may be in ``sys.modules`` afterwards.
    """
    heavy = ("numpy", "pandas", "pydantic", "xarray", "linopy", "scipy", "highspy")
    code = (
        "import sys, gigaplan.cli; "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""
