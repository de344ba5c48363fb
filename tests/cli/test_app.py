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
