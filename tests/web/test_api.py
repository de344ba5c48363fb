import runpy
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gigaplan.errors import InputError
from gigaplan.report.format import human
from gigaplan.store import RunStore
from gigaplan.web import TOKEN_HEADER, create_app, is_loopback

FAKES = runpy.run_path(str(Path(__file__).parent.parent / "report" / "fake_stages.py"))


def _client(tmp_path, **kwargs):
    app = create_app(
        tmp_path / "runs.duckdb",
        stage_funcs=FAKES["STAGES"],
        default_scenario=FAKES["SCENARIO"],
        **kwargs,
    )
    return TestClient(app, base_url="http://127.0.0.1")


def _wait(client, status_url, timeout_s=30.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(status_url).json()
        if job["status"] in ("complete", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job did not finish: {job}")


def _start(client, text=None, headers=None):
    resp = client.post(
        "/api/runs", json={"scenario_yaml": text or FAKES["SCENARIO"]}, headers=headers
    )
    assert resp.status_code == 202, resp.text
    return _wait(client, resp.json()["status_url"])


def test_start_run_and_read_it_back(tmp_path):
    client = _client(tmp_path)
    job = _start(client)
    assert job["status"] == "complete" and job["completed"] == job["total"] == 2
    run_id = job["run_id"]
    listed = client.get("/api/runs").json()
    assert [r["run_id"] for r in listed] == [run_id]
    record = client.get(f"/api/runs/{run_id}").json()
    stored = RunStore(tmp_path / "runs.duckdb").get(run_id)
    assert record["summary"] == stored.summary
    assert record["scenario_sha256"] == stored.scenario_sha256
    table = client.get(f"/api/runs/{run_id}/tables/plan_cost_by_year").json()
    assert table["columns"][:2] == ["year", "capex_usd"]
    assert table["rows"][0][1] == pytest.approx(2.5 * 3.2e10)
    assert client.get(f"/api/runs/{run_id}/scenario").text == FAKES["SCENARIO"]
    page = client.get(f"/runs/{run_id}")
    assert page.status_code == 200 and "$400B" in page.text
    assert '<script src="/static/plotly.min.js">' in page.text
    download = client.get(f"/runs/{run_id}/report.html")
    assert "attachment" in download.headers["content-disposition"]
    assert "<script src=" not in download.text and len(download.text) > 1_000_000
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000
    index = client.get("/")
    assert run_id in index.text and "fake-buildout" in index.text
    # the run's row shows stored summary numbers (no headline key: the first two)
    assert 'data-key="gw_online_end_gw"' in index.text
    assert human("gw_online_end_gw", stored.summary["plan"]["gw_online_end_gw"]) in (
        index.text
    )


def test_compare(tmp_path):
    client = _client(tmp_path)
    a = _start(client)["run_id"]
    b = _start(client, FAKES["SCENARIO"].replace("2.5", "5.0"))["run_id"]
    data = client.get("/api/compare", params={"a": a, "b": b}).json()
    row = next(q for q in data["quantities"] if q["quantity"] == "gw_online_end_gw")
    assert (row["a"], row["b"], row["change_pct"]) == pytest.approx((12.5, 25.0, 100.0))
    assert "+  gw_per_year: 5.0" in data["scenario_diff"]
    page = client.get("/compare", params={"a": a, "b": b})
    assert page.status_code == 200
    assert "12.5 GW" in page.text and "25.0 GW" in page.text and "+100.0 %" in page.text
    assert "<iframe" not in page.text  # one page, overlaid charts instead
    assert 'data-field="plan.gw_per_year"' in page.text  # the changed input
    assert 'class="changed" data-key="plan.gw_online_end_gw"' in page.text
    assert 'class="same" data-key="plan.sites"' in page.text  # 2 in both
    assert 'data-table="plan_online"' in page.text  # an A-vs-B chart


@pytest.mark.parametrize(
    ("text", "field", "line"),
    [
        ("name: x\nseed: abc\nplan: {}\n", "seed", 2),
        ("name: x\nplan: {}\nrisks: {}\n", "risks", 3),
        ("name: x\n", "scenario.yaml", None),
        ("name: x\ncatalog: [/etc/passwd]\nplan: {}\n", "catalog[0]", None),
    ],
)
def test_invalid_scenario_names_field_and_line(tmp_path, text, field, line):
    client = _client(tmp_path)
    resp = client.post("/api/runs", json={"scenario_yaml": text})
    assert resp.status_code == 422
    body = resp.json()
    assert body["field"] == field and body["line"] == line
    assert body["error"]
    assert client.get("/api/runs").json() == []


def test_failed_stage_is_reported_and_recorded(tmp_path):
    client = _client(tmp_path)
    job = _start(client, "name: doomed\nplan: {fail: true}\n")
    assert job["status"] == "failed" and "demand exceeds" in job["error"]
    (record,) = client.get("/api/runs").json()
    assert record["status"] == "failed" and record["tables"] == []


def test_upload(tmp_path):
    client = _client(tmp_path)
    resp = client.post(
        "/api/runs/upload", files={"file": ("s.yaml", FAKES["SCENARIO"].encode())}
    )
    assert resp.status_code == 202
    assert _wait(client, resp.json()["status_url"])["status"] == "complete"


def test_body_size_limit(tmp_path):
    client = _client(tmp_path, max_body_bytes=2_000)
    big = FAKES["SCENARIO"] + "# " + "x" * 5_000 + "\n"
    assert client.post("/api/runs", json={"scenario_yaml": big}).status_code == 413
    up = client.post("/api/runs/upload", files={"file": ("s.yaml", big.encode())})
    assert up.status_code == 413

    def chunks():  # no Content-Length: the streamed body is counted instead
        for _ in range(10):
            yield b"x" * 500

    streamed = client.post(
        "/api/runs",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert streamed.status_code == 413
    assert client.get("/api/runs").json() == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/runs/..%2F..%2Fetc%2Fpasswd",
        "/api/runs/nope",
        "/api/runs/2026",
        "/runs/nope",
        "/api/jobs/nope",
    ],
)
def test_unknown_ids_are_404(tmp_path, path):
    client = _client(tmp_path)
    _start(client)
    _start(client)
    assert client.get(path).status_code == 404


def test_table_names_are_checked(tmp_path):
    client = _client(tmp_path)
    run_id = _start(client)["run_id"]
    for key in ("runs", "../x", "plan_by_period; DROP TABLE runs"):
        assert client.get(f"/api/runs/{run_id}/tables/{key}").status_code == 404
    assert len(client.get("/api/runs").json()) == 1


def test_delete(tmp_path):
    client = _client(tmp_path)
    run_id = _start(client)["run_id"]
    assert client.delete(f"/api/runs/{run_id[:10]}").status_code == 422  # full id only
    assert client.delete(f"/api/runs/{run_id}").json() == {"deleted": run_id}
    assert client.get("/api/runs").json() == []


def test_off_loopback_needs_token(tmp_path):
    with pytest.raises(InputError, match="token"):
        create_app(tmp_path / "r.duckdb", host="0.0.0.0")
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3")


def test_token_guards_every_mutating_endpoint(tmp_path):
    client = _client(tmp_path, host="0.0.0.0", token="s3cret")
    body = {"scenario_yaml": FAKES["SCENARIO"]}
    assert client.post("/api/runs", json=body).status_code == 401
    assert (
        client.post("/api/runs", json=body, headers={TOKEN_HEADER: "wrong"}).status_code
        == 401
    )
    files = {"file": ("s.yaml", FAKES["SCENARIO"].encode())}
    assert client.post("/api/runs/upload", files=files).status_code == 401
    client.headers["Authorization"] = "Bearer s3cret"
    run_id = _start(client)["run_id"]
    del client.headers["Authorization"]
    assert client.delete(f"/api/runs/{run_id}").status_code == 401
    assert (
        client.delete(
            f"/api/runs/{run_id}", headers={TOKEN_HEADER: "s3cret"}
        ).status_code
        == 200
    )


def test_openapi_lists_the_api(tmp_path):
    schema = _client(tmp_path).get("/openapi.json").json()
    for path in ("/api/runs", "/api/runs/{run}", "/api/compare", "/api/jobs/{job_id}"):
        assert path in schema["paths"]
    assert "post" in schema["paths"]["/api/runs"]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("name: x\nplan: {profile_csv: /etc/passwd}\n", "plan.profile_csv"),
        ("name: x\nplan: {weather: ../../secrets}\n", "plan.weather"),
        ("name: x\nplan: {series: [a, b, data.parquet]}\n", "plan.series[2]"),
        ("name: x\nrisk: {out_dir: results}\n", "risk.out_dir"),
        ("name: x\nplan: {home: '~'}\n", "plan.home"),
    ],
)
def test_scenario_cannot_name_paths(tmp_path, text, field):
    client = _client(tmp_path)
    resp = client.post("/api/runs", json={"scenario_yaml": text})
    assert resp.status_code == 422
    assert resp.json()["field"] == field
    assert "may not name files" in resp.json()["error"]


def test_prose_and_numbers_are_not_paths(tmp_path):
    from gigaplan.web import path_like_field

    doc = {
        "name": "a 10/90 split",
        "description": "GW/week ramp, see notes.txt for details",
        "plan": {"scale_out_gw": 2.0, "sites": [{"name": "tx-1"}]},
    }
    assert path_like_field(doc) is None


def test_cli_serve_off_loopback_without_token_exits_2(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from gigaplan.cli import app

    monkeypatch.delenv("GIGAPLAN_TOKEN", raising=False)
    result = CliRunner().invoke(
        app, ["serve", "--host", "0.0.0.0", "--db", str(tmp_path / "r.duckdb")]
    )
    assert result.exit_code == 2
    assert "needs --token or GIGAPLAN_TOKEN" in result.output


def test_cli_serve_passes_data_dir_and_allowed_hosts(tmp_path, monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from gigaplan.cli import app

    served = {}
    monkeypatch.setattr(
        uvicorn, "run", lambda web_app, **kw: served.update(app=web_app)
    )
    result = CliRunner().invoke(
        app,
        [
            "serve",
            "--db",
            str(tmp_path / "r.duckdb"),
            "--data-dir",
            str(tmp_path),
            "--allow-host",
            "gp.internal",
        ],
    )
    assert result.exit_code == 0, result.output
    client = TestClient(served["app"], base_url="http://gp.internal")
    assert client.get("/api/runs").status_code == 200
    assert served["app"].state.web.jobs.data_dir == tmp_path
