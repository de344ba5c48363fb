"""Hypothesis fuzz of the HTTP API: no request gets a 500.

schemathesis is not installed in the project's environment, so this walks the
app's own routes: every path parameter, query parameter and body gets
hostile values (unicode, traversal, NaN and huge numbers, deep nesting,
aliases), and scenario bodies are the example files with one value mutated.
The app runs the real stage schemas but takes no job (``jobs_queued=0``), so
every scenario is validated in full and none is run.
"""

import json
import math
import runpy
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigaplan.web import WebLimits, api, create_app, pages

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))
FAKES = runpy.run_path(str(Path(__file__).parent.parent / "report" / "fake_stages.py"))
BASE = "http://127.0.0.1"

hostile_numbers = st.sampled_from(
    [math.nan, math.inf, -math.inf, 1e308, -1e308, 2e9, -1, 0, 10**30, 0.5]
)
hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "../../etc/passwd",
            "/etc/passwd",
            ".env",
            "~",
            "latest",
            "20260101",
            "<script>alert(1)</script>",
            "a" * 5_000,
            "\x00",
            "1e309",
            "*x",
            "&x [*x, *x]",
        ]
    ),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), hostile_numbers, st.integers(), hostile_text),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner)
    ),
    max_leaves=12,
)


def _example_docs():
    docs = []
    for path in EXAMPLES:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict):
            docs.append(doc)
    return docs


DOCS = _example_docs()


def _leaf_paths(doc, prefix=()):
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _leaf_paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from _leaf_paths(value, (*prefix, i))
    yield prefix


@st.composite
def mutated_scenarios(draw):
    """An example scenario with one value (leaf or section) replaced."""
    import copy

    doc = copy.deepcopy(draw(st.sampled_from(DOCS)))
    paths = [p for p in _leaf_paths(doc) if p]
    where = draw(st.sampled_from(paths))
    parent = doc
    for key in where[:-1]:
        parent = parent[key]
    parent[where[-1]] = draw(json_values)
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    return draw(
        st.sampled_from(
            [
                text,
                text.replace("\n", "\n" + draw(st.text(max_size=3)), 1),
                text + draw(st.sampled_from(["x: &a [*a]\n", "- 1\n", "{\n", "\t"])),
            ]
        )
    )


@pytest.fixture(scope="module")
def clients(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    real = create_app(
        tmp / "real.duckdb", limits=WebLimits(jobs_queued=0, jobs_per_client=0)
    )
    fake = create_app(
        tmp / "fake.duckdb",
        stage_funcs=FAKES["STAGES"],
        default_scenario=FAKES["SCENARIO"],
        limits=WebLimits(jobs_queued=1_000, jobs_per_client=1_000),
    )
    with (
        TestClient(real, base_url=BASE, raise_server_exceptions=False) as a,
        TestClient(fake, base_url=BASE, raise_server_exceptions=False) as b,
    ):
        resp = b.post("/api/runs", json={"scenario_yaml": FAKES["SCENARIO"]})
        assert resp.status_code == 202
        yield a, b


ROUTES = [
    (method, route)
    for route in [*api.router.routes, *pages.router.routes]
    if isinstance(route, APIRoute)
    for method in sorted(route.methods)
]


def _as_json(value):
    """A JSON body, NaN and Infinity written as Python writes them."""
    return {
        "content": json.dumps(value).encode(),
        "headers": {"content-type": "application/json"},
    }


FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(data=st.data())
def test_every_route_answers_without_a_500(clients, data):
    for client in clients:
        method, route = data.draw(st.sampled_from(ROUTES))
        path = route.path_format
        for name in route.param_convertors:
            value = data.draw(hostile_text.filter(bool))
            path = path.replace("{" + name + "}", quote(value, safe=""))
        query = {
            name: data.draw(hostile_text)
            for name in ("a", "b", "token")
            if data.draw(st.booleans())
        }
        body = data.draw(
            st.one_of(
                json_values.map(_as_json),
                mutated_scenarios().map(lambda t: _as_json({"scenario_yaml": t})),
                st.binary(max_size=200).map(lambda b: {"content": b}),
                st.binary(max_size=200).map(
                    lambda b: {"files": {"file": ("s.yaml", b)}}
                ),
            )
        )
        if method == "GET":
            body = {}
        resp = client.request(method, path, params=query, **body)
        assert resp.status_code < 500, (method, path, resp.text[:300])


@FUZZ
@given(text=mutated_scenarios())
def test_mutated_scenarios_are_refused_or_accepted_cleanly(clients, text):
    real, _fake = clients
    resp = real.post("/api/runs", **_as_json({"scenario_yaml": text}))
    # 422 names a field; 429 means it validated and only the queue was full
    assert resp.status_code in (422, 429), resp.text[:300]
    body = resp.json()
    assert body["error"] and "Traceback" not in resp.text
    if resp.status_code == 422:
        assert body["field"]


@pytest.mark.parametrize(
    "content",
    [
        b"[" * 100_000,
        b'{"scenario_yaml": ' * 20_000,
        json.dumps({"scenario_yaml": "[" * 100_000}).encode(),
        b'{"scenario_yaml": "\\ud800"}',
        b"\xff\xfe",
    ],
)
def test_hostile_json_bodies(clients, content):
    for client in clients:
        resp = client.post(
            "/api/runs", content=content, headers={"content-type": "application/json"}
        )
        assert 400 <= resp.status_code < 500, resp.text[:300]
