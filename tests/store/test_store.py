import dataclasses
import json
import os
import runpy
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import gigaplan
from gigaplan import pipeline
from gigaplan import scenario as scenario_module
from gigaplan.cli import app
from gigaplan.compare import diff_runs, scenario_diff
from gigaplan.errors import GigaplanError, InputError
from gigaplan.store import RunStore, is_run_id

#: numbers through DuckDB and JSON come back bit for bit
ROUND_TRIP = 1e-12

FAKE_PATH = Path(__file__).parents[1] / "report" / "fake_stages.py"
FAKES = runpy.run_path(str(FAKE_PATH))
runner = CliRunner()
BASE_TABLES = {"runs", "run_tables"}


def _run(text=None):
    return pipeline.run_pipeline(text or FAKES["SCENARIO"], stage_funcs=FAKES["STAGES"])


@pytest.fixture
def store(tmp_path):
    return RunStore(tmp_path / "runs.duckdb")


def test_round_trip_keeps_everything(store):
    run = _run()
    run_id = store.save(run)
    assert is_run_id(run_id)
    info = store.get(run_id)
    assert info.status == "complete"
    assert info.scenario_yaml == FAKES["SCENARIO"]
    assert info.scenario_sha256 == pipeline.scenario_sha256(FAKES["SCENARIO"])
    assert info.catalog_version == gigaplan.load_catalog().version
    assert info.package_version == gigaplan.__version__
    assert info.stages == ("plan", "risk")
    assert info.summary["plan"] == run.results[0].summary
    assert info.text["plan"].startswith("Build ")
    assert info.duration_s is not None and info.duration_s >= 0
    tables = store.tables(run_id)
    for result in run.results:
        for key, frame in result.tables.items():
            pd.testing.assert_frame_equal(
                tables[f"{result.stage}_{key}"], frame, check_dtype=False
            )
    cited = tables["run_catalog_sources"]
    assert list(cited.columns) == ["source", "citation"]
    assert len(cited) == len(gigaplan.load_catalog().sources)


def test_refs_latest_prefix_and_bad(store):
    first = store.save(_run())
    time.sleep(1.1)  # ids carry seconds; keep the two apart in time
    second = store.save(_run())
    assert [r.run_id for r in store.list_runs()] == [second, first]
    assert store.resolve("latest") == second
    assert store.resolve(first[:-2]) == first
    with pytest.raises(InputError, match="ambiguous"):
        store.resolve("2026")
    with pytest.raises(InputError, match="no such run"):
        store.resolve("1999")
    for bad in ("../etc/passwd", "x'; DROP TABLE runs; --", "", "ab"):
        with pytest.raises(InputError, match="run="):
            store.resolve(bad)


def test_delete_drops_tables(store):
    keep = store.save(_run())
    gone = store.save(_run())
    assert store.delete(gone) == gone
    assert [r.run_id for r in store.list_runs()] == [keep]
    assert not any(gone.replace("-", "_") in t for t in store.table_names())
    assert len(store.tables(keep)) == 7


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export(store, tmp_path, fmt):
    run_id = store.save(_run())
    out = tmp_path / "out"
    written = store.export(run_id, out, fmt)
    names = sorted(p.name for p in written)
    assert "scenario.yaml" in names and "run.json" in names
    assert f"plan_by_period.{fmt}" in names
    back = (
        pd.read_parquet(out / f"plan_by_period.{fmt}")
        if fmt == "parquet"
        else pd.read_csv(out / f"plan_by_period.{fmt}")
    )
    pd.testing.assert_frame_equal(
        back, store.tables(run_id)["plan_by_period"], check_dtype=False
    )
    assert json.loads((out / "run.json").read_text())["run_id"] == run_id
    assert not [p for p in out.iterdir() if p.name.startswith(".export")]


def test_diff(store):
    a = store.get(store.save(_run()))
    b = store.get(store.save(_run(FAKES["SCENARIO"].replace("2.5", "5.0"))))
    frame = diff_runs(a, b).set_index(["stage", "quantity"])
    row = frame.loc[("plan", "gw_online_end_gw")]
    # 5 years x gw_per_year, so doubling gw_per_year doubles it: 12.5 -> 25 GW
    assert row["a"] == pytest.approx(12.5, rel=ROUND_TRIP)
    assert row["b"] == pytest.approx(25.0, rel=ROUND_TRIP)
    assert row["change"] == pytest.approx(12.5, rel=ROUND_TRIP)
    assert row["change_pct"] == pytest.approx(100.0, rel=ROUND_TRIP)
    assert "-  gw_per_year: 2.5" in scenario_diff(a, b)


def test_failure_mid_write_leaves_nothing(store, monkeypatch):
    keep = store.save(_run())
    before = store.table_names()
    calls = {"n": 0}
    original = RunStore._create_table

    def flaky(con, name, frame):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        original(con, name, frame)

    monkeypatch.setattr(RunStore, "_create_table", staticmethod(flaky))
    with pytest.raises(RuntimeError, match="disk full"):
        store.save(_run())
    assert [r.run_id for r in store.list_runs()] == [keep]
    assert store.table_names() == before


def test_failed_stage_is_recorded_without_tables(tmp_path):
    text = "name: doomed\nplan: {fail: true}\n"
    db = tmp_path / "runs.duckdb"
    with pytest.raises(GigaplanError, match="demand exceeds"):
        pipeline.run_and_record(text, RunStore(db), stage_funcs=FAKES["STAGES"])
    (info,) = RunStore(db).list_runs()
    assert info.status == "failed"
    assert "demand exceeds" in (info.error or "")
    assert info.tables == ()


def test_bad_db_path(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        RunStore(tmp_path).list_runs()


# -- processes: kill -9, Ctrl-C, two writers at once --------------------------
_CHILD = textwrap.dedent(
    """
    import runpy, sys, time
    from pathlib import Path
    from gigaplan import pipeline
    from gigaplan.store import RunStore

    fakes = runpy.run_path(sys.argv[1])
    db, mode = Path(sys.argv[2]), sys.argv[3]
    original = RunStore._create_table
    count = {"n": 0}

    def slow(con, name, frame):
        original(con, name, frame)
        count["n"] += 1
        if mode == "pause" and count["n"] == 2:
            print("MIDWRITE", flush=True)
            time.sleep(120)
        if mode == "slow":
            time.sleep(0.15)

    RunStore._create_table = staticmethod(slow)
    run = pipeline.run_pipeline(fakes["SCENARIO"], stage_funcs=fakes["STAGES"])
    print("RUN", RunStore(db).save(run), flush=True)
    """
)


def _child(tmp_path, db, mode):
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    return subprocess.Popen(
        [sys.executable, str(script), str(FAKE_PATH), str(db), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_mid_write_leaves_no_run(tmp_path, sig):
    db = tmp_path / "runs.duckdb"
    store = RunStore(db)
    keep = store.save(_run())
    before = store.table_names()
    proc = _child(tmp_path, db, "pause")
    try:
        line = proc.stdout.readline().strip()
        assert line == "MIDWRITE", proc.stderr.read()
        os.kill(proc.pid, sig)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    # the killed writer's tables were inside its open transaction: gone
    assert [r.run_id for r in store.list_runs()] == [keep]
    assert store.table_names() == before
    assert len(store.tables(keep)) == 7
    # and the store still takes new runs
    assert store.get(store.save(_run())).status == "complete"


def test_two_writers_at_once_both_land(tmp_path):
    db = tmp_path / "runs.duckdb"
    procs = [_child(tmp_path, db, "slow") for _ in range(2)]
    ids = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        ids.append(out.split("RUN ")[1].strip())
    store = RunStore(db)
    assert sorted(r.run_id for r in store.list_runs()) == sorted(ids)
    for run_id in ids:
        assert store.get(run_id).status == "complete"
        assert len(store.tables(run_id)) == 7


# -- CLI ------------------------------------------------------------------------
def test_cli_run_and_runs_verbs(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "resolve_stage", lambda name: FAKES["STAGES"][name])
    parse = pipeline.parse_scenario

    def fakes_own_sections(text, where="scenario.yaml", free_sections=(), **kw):
        own = {*free_sections, *FAKES["STAGES"]}
        return parse(text, where, free_sections=own, **kw)

    monkeypatch.setattr(pipeline, "parse_scenario", fakes_own_sections)
    monkeypatch.setattr(scenario_module, "parse_scenario", fakes_own_sections)
    db = str(tmp_path / "runs.duckdb")
    scenario = tmp_path / "fake.yaml"
    scenario.write_text(FAKES["SCENARIO"])
    first = runner.invoke(app, ["run", str(scenario), "--db", db, "--json"])
    assert first.exit_code == 0, first.output
    record = json.loads(first.output)
    assert record["status"] == "complete"
    assert record["summary"]["plan"]["gw_online_end_gw"] == pytest.approx(
        12.5, rel=ROUND_TRIP
    )
    scenario.write_text(FAKES["SCENARIO"].replace("2.5", "3.0"))
    second = runner.invoke(app, ["run", str(scenario), "--db", db])
    assert second.exit_code == 0, second.output
    assert "gw_online_end_gw" in second.output

    listed = runner.invoke(app, ["runs", "list", "--db", db, "--json"])
    ids = [r["run_id"] for r in json.loads(listed.output)]
    assert len(ids) == 2 and record["run_id"] in ids
    other = next(i for i in ids if i != record["run_id"])

    shown = runner.invoke(app, ["runs", "show", record["run_id"], "--db", db])
    assert shown.exit_code == 0 and "fake-buildout" in shown.output
    text = runner.invoke(
        app, ["runs", "show", record["run_id"], "--scenario", "--db", db]
    )
    assert text.output == FAKES["SCENARIO"]

    diff = runner.invoke(
        app, ["runs", "diff", record["run_id"], other, "--db", db, "--json"]
    )
    payload = json.loads(diff.output)
    by_key = {(q["stage"], q["quantity"]): q for q in payload["quantities"]}
    assert by_key[("plan", "gw_online_end_gw")]["b"] == pytest.approx(
        15.0, rel=ROUND_TRIP
    )
    # only what changed, unless --all
    assert all(q["a"] != q["b"] for q in payload["quantities"])
    every = runner.invoke(
        app, ["runs", "diff", record["run_id"], other, "--db", db, "--json", "--all"]
    )
    everything = json.loads(every.output)
    hidden = payload["unchanged_not_shown"]
    assert hidden > 0 and everything["unchanged_not_shown"] == 0
    assert len(everything["quantities"]) == len(payload["quantities"]) + hidden
    shown_diff = runner.invoke(
        app, ["runs", "diff", record["run_id"], other, "--db", db]
    )
    assert f"{hidden} unchanged quantities not shown (--all)" in shown_diff.output

    out = tmp_path / "export"
    exported = runner.invoke(
        app, ["runs", "export", other, "--format", "csv", "--out", str(out), "--db", db]
    )
    assert exported.exit_code == 0, exported.output
    assert (out / "plan_by_period.csv").is_file()

    report = tmp_path / "r.html"
    made = runner.invoke(app, ["report", other, "--out", str(report), "--db", db])
    assert made.exit_code == 0, made.output
    assert report.stat().st_size > 1_000_000  # plotly.js is inline

    deleted = runner.invoke(app, ["runs", "delete", other, "--db", db])
    assert deleted.exit_code == 0 and other in deleted.output
    assert len(RunStore(Path(db)).list_runs()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["runs", "show", "no-such-run"],
        ["runs", "show", "../../etc/passwd"],
        ["runs", "diff", "latest", "20200101"],
        ["runs", "export", "latest", "--format", "xls", "--out", "x"],
        ["runs", "delete", "latest"],
        ["report", "nope"],
    ],
)
def test_cli_bad_run_refs_exit_2(tmp_path, args):
    db = tmp_path / "runs.duckdb"
    RunStore(db).save(_run())
    result = runner.invoke(app, [*args, "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len([ln for ln in result.output.splitlines() if ln.strip()]) <= 6


def test_awkward_tables_are_stored_tidy(store):
    import datetime as dt

    from gigaplan.results import StageResult

    tables = {
        "no_columns": pd.DataFrame(),
        "duplicate": pd.DataFrame([[1, 2]], columns=["gw", "gw"]),
        "nested": pd.DataFrame(
            [[1.0, 2.0]],
            columns=pd.MultiIndex.from_tuples([("cap", "mw"), ("cap", "gw")]),
        ),
        "dates": pd.DataFrame({"start_date": [dt.date(2026, 1, 5), None]}),
        "mixed": pd.DataFrame({"label": [1, "a"]}),
        "indexed": pd.DataFrame(
            {"it_mw": [1.0]}, index=pd.Index(["tx-1"], name="site")
        ),
    }
    base = _run("name: odd\nplan: {}\n")
    run = dataclasses.replace(base, results=(StageResult("plan", {}, tables),))
    got = store.tables(store.save(run))
    assert "plan_no_columns" not in got  # nothing to keep
    assert list(got["plan_duplicate"].columns) == ["gw", "gw_2"]
    assert list(got["plan_nested"].columns) == ["cap_mw", "cap_gw"]
    assert pd.api.types.is_datetime64_any_dtype(got["plan_dates"]["start_date"])
    assert got["plan_mixed"]["label"].tolist() == ["1", "a"]
    assert got["plan_indexed"].to_dict("list") == {"site": ["tx-1"], "it_mw": [1.0]}


def test_two_gigaplan_run_processes_at_once(tmp_path, small_factory_doc):
    """Two real `gigaplan run` processes on one store (factory stage, small)."""
    import yaml

    doc = small_factory_doc
    paths = []
    for seed in (1, 2):
        path = tmp_path / f"s{seed}.yaml"
        path.write_text(yaml.safe_dump({**doc, "seed": seed, "name": f"seed-{seed}"}))
        paths.append(path)
    db = tmp_path / "runs.duckdb"
    gigaplan_exe = Path(sys.executable).with_name("gigaplan")
    procs = [
        subprocess.Popen(
            [str(gigaplan_exe), "run", str(p), "--db", str(db), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in paths
    ]
    records = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        records.append(json.loads(out))
    store = RunStore(db)
    assert sorted(r.name for r in store.list_runs()) == ["seed-1", "seed-2"]
    for record in records:
        info = store.get(record["run_id"])
        assert info.status == "complete"
        assert info.summary == record["summary"]
        assert len(store.tables(info.run_id)) == len(record["tables"])


# -- media: read-only, full disk, held by another program (issue 16) ----------
def test_reads_work_on_read_only_media_and_writes_say_so(tmp_path, monkeypatch):
    import errno

    import gigaplan.store.core as store_module

    db = tmp_path / "runs.duckdb"
    store = RunStore(db)
    run_id = store.save(_run())

    def read_only_open(path, *args, **kwargs):
        if str(path).endswith(".lock"):
            raise OSError(errno.EROFS, "Read-only file system")
        return open(path, *args, **kwargs)

    monkeypatch.setattr(store_module, "open", read_only_open, raising=False)
    assert [r.run_id for r in store.list_runs()] == [run_id]
    assert "plan_by_period" in {k for k in store.tables(run_id)}
    with pytest.raises(InputError, match="read-only location"):
        store.save(_run())
    res = runner.invoke(app, ["runs", "list", "--db", str(db), "--json"])
    assert res.exit_code == 0 and run_id in res.output


def test_full_disk_is_named_and_nothing_is_stored(tmp_path, monkeypatch):
    import duckdb

    store = RunStore(tmp_path / "runs.duckdb")
    keep = store.save(_run())

    def full(con, name, frame):
        raise duckdb.IOException("Could not write file: No space left on device")

    monkeypatch.setattr(RunStore, "_create_table", staticmethod(full))
    with pytest.raises(GigaplanError, match="no space left on the device"):
        store.save(_run())
    assert [r.run_id for r in store.list_runs()] == [keep]


def test_a_store_held_by_another_program_is_found_before_the_run(tmp_path):
    db = tmp_path / "held.duckdb"
    RunStore(db).check_writable()  # creates it
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}); "
            "print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        calls = []

        def stage(scenario, catalog, upstream):
            calls.append(1)  # must not run: the store is checked first
            raise AssertionError("computed although the store is held")

        with pytest.raises(GigaplanError, match="another program holds"):
            pipeline.run_and_record(
                "name: x\nplan: {any: 1}\n", RunStore(db), stage_funcs={"plan": stage}
            )
        assert calls == []
    finally:
        holder.kill()
        holder.wait()
