import runpy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gigaplan import pipeline
from gigaplan.cli import app
from gigaplan.errors import GigaplanError, InputError
from gigaplan.results import StageResult

#: stored vs recomputed with the same seed: the same float64 numbers
SAME_NUMBERS = 1e-12

FAKES = runpy.run_path(str(Path(__file__).parent / "report" / "fake_stages.py"))
runner = CliRunner()


def _recording_stage(calls, name):
    def run_stage(scenario, catalog, upstream):
        calls.append((name, scenario.name, catalog.version, sorted(upstream)))
        return StageResult(stage=name, summary={"x_mw": 1.0})

    return run_stage


def test_runs_only_present_sections_in_pipeline_order():
    calls: list = []
    funcs = {n: _recording_stage(calls, n) for n in pipeline.STAGE_ORDER}
    text = "name: two\nrisk: {}\npower: {}\n"  # file order differs from pipeline order
    progress: list = []
    run = pipeline.run_pipeline(
        text, stage_funcs=funcs, progress=lambda *a: progress.append(a)
    )
    assert [c[0] for c in calls] == ["power", "risk"]
    # each stage sees the results of the stages run before it, and only those,
    # plus what the pipeline read at the edge for them ("inputs")
    assert [c[3] for c in calls] == [["inputs"], ["inputs", "power"]]
    assert [r.stage for r in run.results] == ["power", "risk"]
    assert progress == [
        ("power", 0, 2, "start"),
        ("power", 0, 2, "done"),
        ("risk", 1, 2, "start"),
        ("risk", 1, 2, "done"),
    ]
    assert run.scenario_yaml == text
    assert run.scenario_sha256 == pipeline.scenario_sha256(text)
    assert len(run.scenario_sha256) == 64
    # the shipped catalog's version and its sources travel with the run
    assert calls[0][2] == run.catalog_version
    assert run.sources and all(isinstance(v, str) for v in run.sources.values())
    assert run.started_at <= run.finished_at


def test_injected_stage_owns_its_section_packaged_ones_are_validated():
    funcs = {"risk": _recording_stage([], "risk")}
    # an injected stage gets its section as given, whatever keys it holds
    run = pipeline.run_pipeline("risk: {any_key: 1}\n", stage_funcs=funcs)
    assert run.scenario.risk == {"any_key": 1}
    # a packaged stage's section is checked against its schema
    with pytest.raises(InputError, match=r"plan\.start"):
        pipeline.parse_scenario("plan: {gw_per_year: 2}\n", free_sections=["risk"])


def test_only_restricts_stages():
    calls: list = []
    funcs = {n: _recording_stage(calls, n) for n in pipeline.STAGE_ORDER}
    run = pipeline.run_pipeline(
        "power: {}\nplan: {}\n", stage_funcs=funcs, only=["plan"]
    )
    assert [r.stage for r in run.results] == ["plan"]
    with pytest.raises(InputError, match="stage='risk'"):
        pipeline.run_pipeline("power: {}\n", stage_funcs=funcs, only=["risk"])


def test_scenario_without_stages_is_rejected():
    with pytest.raises(InputError, match="add at least one section"):
        pipeline.run_pipeline("name: empty\n", stage_funcs={})


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("name: x\nseed: abc\n", r"scenario\.yaml:2: seed='abc'"),
        ("name: x\nplann: {}\n", r"scenario\.yaml:2: plann="),
        ("name: [unclosed\n", r"not valid YAML"),
        ("- a list\n", r"top level must be a mapping"),
    ],
)
def test_bad_scenario_names_field_and_line(text, match):
    with pytest.raises(InputError, match=match):
        pipeline.run_pipeline(text, stage_funcs=FAKES["STAGES"])


def test_missing_stage_module_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(pipeline.STAGE_MODULES, "estimate", ("gigaplan.no_such_stage",))
    with pytest.raises(GigaplanError, match="stage 'estimate' is not available"):
        pipeline.run_pipeline("estimate: {}\n")


def test_import_error_inside_a_stage_is_not_hidden(monkeypatch, tmp_path):
    # A stage module that exists but imports something missing is a bug: it
    # must surface, not read as "stage not available".
    pkg = tmp_path / "brokenstage_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("import no_such_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(pipeline.STAGE_MODULES, "plan", ("brokenstage_pkg",))
    with pytest.raises(ModuleNotFoundError, match="no_such_dependency_xyz"):
        pipeline.resolve_stage("plan")


def test_unknown_stage_name():
    with pytest.raises(InputError, match="stage='nope'"):
        pipeline.resolve_stage("nope")


def test_stage_must_return_stage_result():
    with pytest.raises(GigaplanError, match="returned dict, not StageResult"):
        pipeline.run_pipeline("plan: {}\n", stage_funcs={"plan": lambda s, c, u: {}})


def test_failing_stage_reports_failed_progress():
    seen: list = []
    with pytest.raises(GigaplanError, match="demand exceeds"):
        pipeline.run_pipeline(
            "plan: {fail: true}\n",
            stage_funcs=FAKES["STAGES"],
            progress=lambda *a: seen.append(a),
        )
    assert seen[-1] == ("plan", 0, 1, "failed")


def test_cli_run_bad_inputs_exit_2(tmp_path):
    db = str(tmp_path / "runs.duckdb")
    missing = runner.invoke(app, ["run", str(tmp_path / "nope.yaml"), "--db", db])
    assert missing.exit_code == 2
    assert "file not found" in missing.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nseed: [1, 2]\n")
    result = runner.invoke(app, ["run", str(bad), "--db", db])
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert lines == [lines[0]] and lines[0].startswith(
        "gigaplan: error: bad.yaml:2: seed"
    )


def test_real_stage_through_cli_store_and_report(tmp_path, small_factory_doc):
    """The factory stage (landed) runs through `gigaplan run`, the store and report."""
    import yaml

    from gigaplan.store import RunStore

    doc = small_factory_doc
    scenario = tmp_path / "factory-small.yaml"
    scenario.write_text(yaml.safe_dump(doc))
    db = tmp_path / "runs.duckdb"
    result = runner.invoke(app, ["run", str(scenario), "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    import json

    record = json.loads(result.output)
    direct = pipeline.resolve_stage("factory")(
        pipeline.parse_scenario(scenario.read_text()), None
    )
    # same scenario, same seed: the stored numbers are the stage's own numbers
    got, want = record["summary"]["factory"], direct.summary
    floats = {k for k, v in want.items() if isinstance(v, float)}
    assert {k: got[k] for k in floats} == pytest.approx(
        {k: want[k] for k in floats}, rel=SAME_NUMBERS
    )
    assert {k: got[k] for k in want.keys() - floats} == {
        k: want[k] for k in want.keys() - floats
    }
    stored = RunStore(db).tables(record["run_id"])
    assert stored["factory_weekly"]["gw_cumulative_p50"].to_numpy() == pytest.approx(
        direct.tables["weekly"]["gw_cumulative_p50"].to_numpy(), rel=SAME_NUMBERS
    )
    out = tmp_path / "report.html"
    made = runner.invoke(app, ["report", "latest", "--out", str(out), "--db", str(db)])
    assert made.exit_code == 0, made.output
    assert "Power energised to date (P10-P90 of replications)" in out.read_text()


@pytest.mark.parametrize("name", pipeline.STAGE_ORDER)
def test_every_stage_is_a_stage_runner(name):
    """Each run_stage takes StageRunner's parameters, where its docstring sends
    the reader for them."""
    import inspect

    from gigaplan.stages import StageRunner

    want = list(inspect.signature(StageRunner.__call__).parameters.values())[1:]
    got = list(inspect.signature(pipeline.resolve_stage(name)).parameters.values())
    assert [(p.name, p.default) for p in got] == [(p.name, p.default) for p in want]
