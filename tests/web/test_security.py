"""The web app on a shared host: token, files, origins, hosts, headers, limits.

Each test here failed on the web app before the split (commit 41ac7e4): it
read without a token, read ``.env`` for a web scenario and echoed its first
line, ran cross-origin uploads, answered any Host, sent no security headers,
queued without limit and parsed YAML bombs to exhaustion.
"""

import runpy
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gigaplan.store import RunStore
from gigaplan.web import TOKEN_HEADER, WebLimits, create_app

FAKES = runpy.run_path(str(Path(__file__).parent.parent / "report" / "fake_stages.py"))
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SECRET = "SECRET_API_KEY=sk-live-0123456789"
BASE = "http://127.0.0.1"


def _client(tmp_path, *, fakes=True, **kwargs):
    if fakes:
        kwargs.setdefault("stage_funcs", FAKES["STAGES"])
        kwargs.setdefault("default_scenario", FAKES["SCENARIO"])
    app = create_app(tmp_path / "runs.duckdb", **kwargs)
    return TestClient(app, base_url=BASE)


def _wait(client, status_url, timeout_s=60.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(status_url).json()
        if job["status"] in ("complete", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job did not finish: {job}")


def _post(client, text, **kwargs):
    return client.post("/api/runs", json={"scenario_yaml": text}, **kwargs)


# -- with a token, reading needs it too ------------------------------------

READ_PATHS = [
    "/",
    "/api/runs",
    "/api/runs/{run}",
    "/api/runs/{run}/scenario",
    "/api/runs/{run}/tables/plan_cost_by_year",
    "/runs/{run}",
    "/runs/{run}/report.html",
    "/compare?a={run}&b={run}",
    "/api/compare?a={run}&b={run}",
    "/api/default-scenario",
    "/openapi.json",
    "/docs",
    "/static/plotly.min.js",
]


@pytest.fixture
def token_client(tmp_path):
    client = _client(tmp_path, host="0.0.0.0", token="s3cret")
    resp = _post(client, FAKES["SCENARIO"], headers={TOKEN_HEADER: "s3cret"})
    assert resp.status_code == 202
    url = resp.json()["status_url"]
    job = _wait_with(client, url, {TOKEN_HEADER: "s3cret"})
    return client, job["run_id"]


def _wait_with(client, url, headers):
    for _ in range(600):
        job = client.get(url, headers=headers).json()
        if job["status"] in ("complete", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(job)


@pytest.mark.parametrize("path", READ_PATHS)
def test_token_guards_every_read(token_client, path):
    client, run_id = token_client
    url = path.format(run=run_id)
    refused = client.get(url)
    assert refused.status_code == 401, url
    assert refused.json()["field"] == "token"
    assert run_id not in refused.text
    assert client.get(url, headers={TOKEN_HEADER: "wrong"}).status_code == 401
    assert client.get(url, headers={TOKEN_HEADER: "s3cret"}).status_code == 200
    bearer = client.get(url, headers={"Authorization": "Bearer s3cret"})
    assert bearer.status_code == 200


def test_token_in_address_becomes_a_strict_cookie(token_client):
    client, run_id = token_client
    resp = client.get(f"/runs/{run_id}?token=s3cret", follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == f"/runs/{run_id}"  # token gone from the URL
    cookie = resp.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert client.get(f"/runs/{run_id}").status_code == 200  # the cookie is kept
    assert client.get("/api/runs").json()[0]["run_id"] == run_id
    assert client.get("/?token=nope", follow_redirects=False).status_code == 401


def test_without_token_only_loopback(tmp_path):
    from gigaplan.errors import InputError

    for host in ("0.0.0.0", "192.168.1.5", "::"):
        with pytest.raises(InputError, match="needs --token"):
            create_app(tmp_path / "r.duckdb", host=host)


# -- files -------------------------------------------------------------------


def _power_with(profiles_csv):
    text = (EXAMPLES / "power.yaml").read_text(encoding="utf-8")
    return text + f"  profiles_csv: {profiles_csv}\n"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (_power_with(".env"), "power.profiles_csv"),
        (_power_with("Makefile"), "power.profiles_csv"),
        (_power_with("'/tmp/a b.csv'"), "power.profiles_csv"),
        ("name: x\nrisk: {plan: Makefile}\n", "risk.plan"),
        ("name: x\nrisk: {plan: ./plan}\n", "risk.plan"),
        ("name: x\nrisk: {plan: beef}\n", "risk.plan"),  # hex, but not a run id
        ("name: x\ncatalog: [extra.yaml]\nplan: {}\n", "catalog[0]"),
        ("name: x\ncatalog: [extra]\nplan: {}\n", "catalog[0]"),
    ],
)
def test_web_scenario_names_no_file(tmp_path, monkeypatch, text, field):
    (tmp_path / ".env").write_text(SECRET + "\n")
    (tmp_path / "Makefile").write_text(SECRET + "\n")
    monkeypatch.chdir(tmp_path)
    client = _client(tmp_path, fakes=False)
    resp = _post(client, text)
    assert resp.status_code == 422, resp.text
    assert resp.json()["field"] == field
    assert "may not name files" in resp.json()["error"]
    assert SECRET not in resp.text
    assert client.get("/api/runs").json() == []


@pytest.mark.parametrize("ref", ["latest", "20260101", "20260101-120000-ab12"])
def test_risk_plan_may_name_a_stored_run(tmp_path, ref):
    client = _client(tmp_path)
    resp = _post(client, f"name: x\nplan: {{years: 2}}\nrisk: {{plan: '{ref}'}}\n")
    assert resp.status_code == 202, resp.text


def _data_dir(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    outside = tmp_path / "outside.csv"
    outside.write_text(SECRET + "\n")
    (data / "escape.csv").symlink_to(outside)
    (data / "bad.csv").write_text(SECRET + "\n1\n")
    return data


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("../outside.csv", "inside the server's data folder"),
        ("escape.csv", "inside the server's data folder"),  # a link out
        (str(Path("/etc/passwd")), "inside the server's data folder"),
        ("missing.csv", "no such file"),
    ],
)
def test_data_dir_confines_files(tmp_path, name, error):
    client = _client(tmp_path, fakes=False, data_dir=_data_dir(tmp_path))
    resp = _post(client, _power_with(f"'{name}'"))
    assert resp.status_code == 422, resp.text
    assert resp.json()["field"] == "power.profiles_csv"
    assert error in resp.json()["error"]
    assert SECRET not in resp.text


def test_errors_about_a_data_file_do_not_show_its_contents(tmp_path):
    data = _data_dir(tmp_path)
    client = _client(tmp_path, fakes=False, data_dir=data)
    resp = _post(client, _power_with("bad.csv"))
    assert resp.status_code == 202, resp.text
    job = _wait(client, resp.json()["status_url"])
    assert job["status"] == "failed"
    assert "column" in job["error"] and "bad.csv" in job["error"]
    assert "SECRET" not in job["error"] and str(data) not in job["error"]
    (record,) = client.get("/api/runs").json()
    assert "SECRET" not in record["error"]


def test_data_dir_file_is_read_from_where_it_was_checked(tmp_path, monkeypatch):
    """The stage gets the resolved path, whatever the working directory."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "prof.csv").write_text("hour\n")
    seen = {}

    def power(scenario, catalog, upstream=None):
        seen["path"] = scenario.power["profiles_csv"]
        return FAKES["STAGES"]["plan"](scenario, catalog, upstream)

    monkeypatch.chdir(tmp_path)
    client = _client(tmp_path, data_dir=data, stage_funcs={"power": power})
    resp = _post(client, "name: x\npower:\n  profiles_csv: prof.csv  # kept\n")
    assert resp.status_code == 202, resp.text
    assert _wait(client, resp.json()["status_url"])["status"] == "complete"
    assert seen["path"] == str((data / "prof.csv").resolve())


# -- origins, hosts, headers -------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1"},
    ],
)
def test_cross_origin_writes_are_refused(tmp_path, headers):
    client = _client(tmp_path)
    files = {"file": ("s.yaml", FAKES["SCENARIO"].encode())}
    resp = client.post("/api/runs/upload", files=files, headers=headers)
    assert resp.status_code == 403 and resp.json()["field"] == "origin"
    assert _post(client, FAKES["SCENARIO"], headers=headers).status_code == 403
    assert client.get("/api/runs").json() == []


def test_same_origin_writes_pass(tmp_path):
    client = _client(tmp_path)
    for headers in (
        {"Origin": BASE, "Sec-Fetch-Site": "same-origin"},
        {"Origin": BASE},
        {},  # not a browser: curl, scripts
    ):
        assert _post(client, FAKES["SCENARIO"], headers=headers).status_code == 202


def test_token_cookie_alone_does_not_pass_a_cross_site_write(token_client):
    client, run_id = token_client
    client.get("/?token=s3cret")
    evil = {"Origin": "http://evil.example"}
    assert client.delete(f"/api/runs/{run_id}", headers=evil).status_code == 403
    with_header = {**evil, TOKEN_HEADER: "s3cret"}
    assert client.delete(f"/api/runs/{run_id}", headers=with_header).status_code == 200


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("evil.example", 400),
        ("evil.example:8000", 400),
        ("127.0.0.1:8000", 200),
        ("localhost:8000", 200),
        ("[::1]:8000", 200),
        ("10.1.2.3", 200),
        ("gp.internal", 200),
    ],
)
def test_host_allow_list(tmp_path, host, status):
    client = _client(tmp_path, allowed_hosts=["gp.internal"])
    resp = client.get("/api/runs", headers={"Host": host})
    assert resp.status_code == status
    if status == 400:
        assert resp.json()["field"] == "host"


def test_bound_host_name_is_allowed(tmp_path):
    client = _client(tmp_path, host="gp.example", token="t")
    resp = client.get("/api/runs", headers={"Host": "gp.example", TOKEN_HEADER: "t"})
    assert resp.status_code == 200


def test_security_headers(tmp_path):
    client = _client(tmp_path)
    run_id = _wait(client, _post(client, FAKES["SCENARIO"]).json()["status_url"])[
        "run_id"
    ]
    for path in ("/", "/api/runs", "/api/runs/nope", "/docs", f"/runs/{run_id}"):
        resp = client.get(path)
        csp = resp.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "object-src 'none'" in csp
        assert "connect-src 'self'" in csp
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["referrer-policy"] == "no-referrer"
        if path.startswith("/runs/"):  # framed by /compare on the same origin
            assert resp.headers["x-frame-options"] == "SAMEORIGIN"
            assert "frame-ancestors 'self'" in csp
        else:
            assert resp.headers["x-frame-options"] == "DENY"
            assert "frame-ancestors 'none'" in csp
    refused = client.get("/", headers={"Host": "evil.example"})
    assert refused.headers["x-frame-options"] == "DENY"


# -- limits ------------------------------------------------------------------


def test_jobs_per_client_and_cancel(tmp_path):
    limits = WebLimits(jobs_per_client=2, jobs_queued=20)
    client = _client(tmp_path, limits=limits)
    slow = FAKES["SCENARIO"].replace("years: 5", "years: 5\n  sleep_s: 1.5")
    first = _post(client, slow).json()
    second = _post(client, slow).json()
    third = _post(client, slow)
    assert third.status_code == 429
    assert third.json()["field"] == "jobs" and "at most 2" in third.json()["error"]
    cancelled = client.post(f"/api/jobs/{second['job_id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.get(second["status_url"]).json()["status"] == "cancelled"
    while client.get(first["status_url"]).json()["status"] == "queued":
        time.sleep(0.02)
    running = client.post(f"/api/jobs/{first['job_id']}/cancel")
    assert running.status_code == 409 and running.json()["field"] == "job"
    assert client.post("/api/jobs/nope/cancel").status_code == 404
    assert _post(client, FAKES["SCENARIO"]).status_code == 202  # a slot is free
    assert _wait(client, first["status_url"])["status"] == "complete"


def test_jobs_on_the_server(tmp_path):
    limits = WebLimits(jobs_per_client=5, jobs_queued=1)
    client = _client(tmp_path, limits=limits)
    slow = FAKES["SCENARIO"].replace("years: 5", "years: 5\n  sleep_s: 1.0")
    assert _post(client, slow).status_code == 202
    resp = _post(client, slow)
    assert resp.status_code == 429 and "on this server" in resp.json()["error"]
    assert resp.headers["retry-after"] == "10"


@pytest.mark.parametrize(
    ("section", "field", "limit"),
    [
        ("factory: {workers: 64}", "factory.workers", "at most 2 "),
        ("factory: {replications: 10000}", "factory.replications", "at most 1,000"),
        ("factory: {projects: {count: 100000}}", "factory.projects.count", "10,000"),
        ("risk: {paths: 2e9}", "risk.paths", "at most 100,000"),
        ("risk: {reduction: {paths: 1000000}}", "risk.reduction.paths", "100,000"),
    ],
)
def test_run_sizes_are_bounded(tmp_path, section, field, limit):
    client = _client(tmp_path, limits=WebLimits(factory_workers=2))
    resp = _post(client, f"name: big\n{section}\n")
    assert resp.status_code == 422, resp.text
    assert resp.json()["field"] == field and limit in resp.json()["error"]


def test_factory_workers_default_to_the_cpu_count(tmp_path, monkeypatch):
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    client = _client(tmp_path)
    resp = _post(client, "name: big\nfactory: {workers: 4}\n")
    assert resp.status_code == 422 and "at most 3 " in resp.json()["error"]


BILLION_LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{c}: &{c} [{', '.join(['*' + p] * 9)}]"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "plan: {}",
    ]
)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (BILLION_LAUGHS, "size"),
        ("name: x\nplan: {}\nseed: " + "[" * 5_000 + "]" * 5_000 + "\n", "nesting"),
        ("plan: {}\nx: &x 1\ny: [" + ", ".join(["*x"] * 500) + "]\n", "aliases"),
        ("name: [unclosed\n", "scenario.yaml"),
        ("plan: {}\nx: &a [1, *a]\n", "aliases"),  # a list inside itself
        ("plan: {}\nx: *nowhere\n", "aliases"),
        ("plan: {}\nx: !!python/object:os.system ls\n", "scenario.yaml"),
    ],
)
def test_yaml_bombs_fail_fast(tmp_path, text, field):
    client = _client(tmp_path)
    assert len(text.encode()) < 60_000
    t0 = time.perf_counter()
    resp = _post(client, text)
    upload = client.post("/api/runs/upload", files={"file": ("s.yaml", text.encode())})
    # one second for both requests: the old app took > 60 s or died
    assert time.perf_counter() - t0 < 1.0
    for r in (resp, upload):
        assert r.status_code == 422, r.text
        assert r.json()["field"].endswith(field)


def test_body_is_bounded(tmp_path):
    client = _client(tmp_path, max_body_bytes=1_000)
    assert _post(client, "name: x\n" + "#" * 2_000).status_code == 413
    resp = client.post("/api/runs", content=b"{}", headers={"Content-Length": "10e3"})
    assert resp.status_code == 400


# -- docs offline --------------------------------------------------------------


def test_docs_render_here_without_a_cdn(tmp_path):
    client = _client(tmp_path)
    page = client.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "<script" not in page.text and "https://" not in page.text
    for path in ("/api/runs", "/api/jobs/{job_id}/cancel", "/api/runs/upload"):
        assert f"<code>{path}</code>" in page.text
    assert client.get("/redoc").status_code == 404
    assert "/api/runs" in client.get("/openapi.json").json()["paths"]


def test_store_is_untouched_by_refusals(tmp_path):
    client = _client(tmp_path)
    _post(client, BILLION_LAUGHS)
    _post(client, FAKES["SCENARIO"], headers={"Origin": "http://evil.example"})
    assert RunStore(tmp_path / "runs.duckdb").list_runs() == []
