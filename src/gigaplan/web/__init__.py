"""The web UI and JSON API: a thin FastAPI shell over the pipeline, store and report.

Pages: ``/`` (runs, compare form, start a run), ``/runs/{run}`` (a run's
report), ``/compare?a=&b=`` (two runs side by side). JSON API under ``/api``
with its OpenAPI schema at ``/openapi.json``.

Safety: bound to loopback by default; on any other address the app refuses to
start without a token, and every mutating request (start, upload, delete)
must carry it (``X-Gigaplan-Token`` or ``Authorization: Bearer``). Request
bodies are size-limited. Nothing a user sends is used as a path: run ids are
matched against the store, table names against the run's tables, and a
scenario submitted over the web may not name extra catalog files.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import secrets
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from gigaplan.errors import GigaplanError, InputError
from gigaplan.store import RunStore, diff_runs, scenario_diff

log = logging.getLogger(__name__)

#: Largest request body accepted (a scenario file is a few kB). [bytes]
MAX_BODY_BYTES = 256 * 1024
TOKEN_HEADER = "X-Gigaplan-Token"
_FIELD_ERROR = re.compile(r"^scenario\.yaml(?::(?P<line>\d+))?: (?P<path>.*)$")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (or ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Job:
    """A run started from the web UI; changes as its stages progress."""

    job_id: str
    status: str = "queued"  # queued, running, complete, failed
    stage: str = ""
    completed: int = 0
    total: int = 0
    run_id: str | None = None
    error: str | None = None
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return dict(self.__dict__)


class ScenarioIn(BaseModel):
    """A scenario file's text, as submitted to ``POST /api/runs``."""

    scenario_yaml: str = Field(max_length=MAX_BODY_BYTES)


class _BodyTooLarge(BaseException):
    """Raised from ``receive``; a BaseException so no body parser swallows it."""


class _BodyLimit:
    """ASGI middleware: answer 413 to any request body over ``limit`` bytes."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.limit
            except ValueError:
                await _send_json(send, 400, {"error": "bad Content-Length"})
                return
            if too_big:
                await _send_json(send, 413, self._message())
                return
        seen = 0
        started = False

        async def limited_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await _send_json(send, 413, self._message())

    def _message(self) -> dict[str, Any]:
        return {
            "field": "body",
            "error": f"request body over the limit of {self.limit:,} bytes",
        }


async def _send_json(send: Any, status: int, payload: dict[str, Any]) -> None:
    import json

    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


_PATH_KEYS = re.compile(r"(^|_)(path|file|dir|directory|folder|db|out)(_|$)")
_PATH_VALUE = re.compile(
    r"([/\\]|^~|^\.\.?$|\.(ya?ml|csv|json|parquet|duckdb|txt|xlsx?|db)$)",
    re.IGNORECASE,
)


def path_like_field(doc: Any, where: str = "") -> str | None:
    """First field of a scenario document that could name a file, or None.

    The web UI runs scenarios from strangers: a string under any key that
    names a path or file, or a one-word string shaped like one (a separator,
    ``~``, ``..``, or a data-file extension), is refused, so no scenario can
    make the server read or write a file.
    """
    if isinstance(doc, dict):
        for key, value in doc.items():
            here = f"{where}.{key}" if where else str(key)
            texts = value if isinstance(value, list) else [value]
            if _PATH_KEYS.search(str(key).lower()) and any(
                isinstance(t, str) and t for t in texts
            ):
                return here
            found = path_like_field(value, here)
            if found:
                return found
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found = path_like_field(value, f"{where}[{i}]")
            if found:
                return found
    elif (
        isinstance(doc, str)
        and not re.search(r"\s", doc.strip())  # prose (names, notes) has spaces
        and _PATH_VALUE.search(doc.strip())
    ):
        return where or "scenario"
    return None


def error_payload(err: InputError) -> dict[str, Any]:
    """``{"field", "line", "error", "value"}`` of a scenario input error."""
    match = _FIELD_ERROR.match(err.field)
    line = int(match.group("line")) if match and match.group("line") else None
    path = match.group("path") if match else err.field
    return {
        "field": path,
        "line": line,
        "error": err.allowed,
        "value": str(err.value),
    }


def create_app(
    db_path: Path | None = None,
    *,
    host: str = "127.0.0.1",
    token: str | None = None,
    stage_funcs: dict[str, Any] | None = None,
    default_scenario: str | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> FastAPI:
    """Build the web app over the run store at ``db_path``.

    Parameters
    ----------
    db_path : Path, optional
        Run store file; default :func:`gigaplan.store.default_db_path`.
    host : str
        Address the server will bind; off loopback a token is required.
    token : str, optional
        Secret that mutating requests must carry.
    stage_funcs : dict, optional
        Stage name -> ``run_stage`` (tests inject fakes); default the real ones.
    default_scenario : str, optional
        Text shown in the editor; default the packaged default scenario.
    max_body_bytes : int
        Request body limit. [bytes]

    Raises
    ------
    InputError
        Bound off loopback without a token.
    """
    import jinja2

    if not is_loopback(host) and not token:
        raise InputError(
            "token",
            None,
            f"serving on {host} (not loopback) needs --token or GIGAPLAN_TOKEN",
        )
    store = RunStore(db_path)
    if default_scenario is None:
        from gigaplan.pipeline import default_scenario_path

        try:
            default_scenario = default_scenario_path().read_text(encoding="utf-8")
        except InputError:
            default_scenario = ""
    templates = jinja2.Environment(
        loader=jinja2.PackageLoader("gigaplan.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    jobs: dict[str, Job] = {}
    jobs_lock = threading.Lock()
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gigaplan-run")
    plotly_cache: dict[str, str] = {}

    app = FastAPI(
        title="gigaplan",
        summary="Plan AI compute infrastructure at gigawatt scale: stored runs.",
        version=_version(),
    )
    app.add_middleware(_BodyLimit, limit=max_body_bytes)
    app.state.store = store
    app.state.jobs = jobs
    app.state.executor = executor

    def require_token(request: Request) -> None:
        if not token:
            return
        given = request.headers.get(TOKEN_HEADER, "")
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            given = given or auth[7:]
        if not secrets.compare_digest(given.encode(), token.encode()):
            raise HTTPException(
                status_code=401,
                detail={"field": "token", "error": "missing or wrong token"},
            )

    @app.exception_handler(InputError)
    async def _input_error(request: Request, err: InputError) -> JSONResponse:
        return JSONResponse(status_code=422, content=error_payload(err))

    @app.exception_handler(GigaplanError)
    async def _gigaplan_error(request: Request, err: GigaplanError) -> JSONResponse:
        return JSONResponse(status_code=500, content={"field": None, "error": str(err)})

    def _missing_run(err: InputError) -> HTTPException:
        return HTTPException(status_code=404, detail=error_payload(err))

    def _get(ref: str) -> Any:
        try:
            return store.get(ref)
        except InputError as err:
            raise _missing_run(err) from None

    def _render(name: str, **context: Any) -> HTMLResponse:
        return HTMLResponse(templates.get_template(name).render(**context))

    # -- pages -------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        return _render(
            "index.html",
            runs=[r.as_dict() for r in store.list_runs()],
            default_scenario=default_scenario,
            needs_token=bool(token),
            limit=max_body_bytes,
        )

    @app.get("/runs/{run}", response_class=HTMLResponse, include_in_schema=False)
    def report_page(run: str) -> HTMLResponse:
        from gigaplan.report import build_report

        info = _get(run)
        page = build_report(
            info, store.tables(info.run_id), plotlyjs_src="/static/plotly.min.js"
        )
        return HTMLResponse(page)

    @app.get("/runs/{run}/report.html", tags=["runs"])
    def report_download(run: str) -> HTMLResponse:
        """The run's self-contained HTML report (plotly inline; works offline)."""
        from gigaplan.report import build_report

        info = _get(run)
        name = f"report-{info.run_id}.html"
        return HTMLResponse(
            build_report(info, store.tables(info.run_id)),
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare_page(a: str, b: str) -> HTMLResponse:
        from gigaplan.report.format import human

        info_a, info_b = _get(a), _get(b)
        frame = diff_runs(info_a, info_b)
        rows = [
            {
                **row,
                "a_shown": human(row["quantity"], row["a"]),
                "b_shown": human(row["quantity"], row["b"]),
                "change_shown": human(row["quantity"], row["change"])
                if row["change"] is not None
                else "-",
                "pct_shown": "-"
                if row["change_pct"] is None or row["change_pct"] != row["change_pct"]
                else f"{row['change_pct']:+.1f} %",
            }
            for row in frame.astype(object)
            .where(frame.notna(), None)
            .to_dict("records")
        ]
        return _render(
            "compare.html",
            a=info_a.as_dict(),
            b=info_b.as_dict(),
            rows=rows,
            scenario_diff=scenario_diff(info_a, info_b),
        )

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        if "js" not in plotly_cache:
            from plotly.offline import get_plotlyjs

            plotly_cache["js"] = get_plotlyjs()
        return Response(
            plotly_cache["js"],
            media_type="application/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    # -- JSON API ----------------------------------------------------------
    @app.get("/api/runs", tags=["runs"])
    def api_runs() -> list[dict[str, Any]]:
        """Every stored run, newest first."""
        return [r.as_dict() for r in store.list_runs()]

    @app.get("/api/runs/{run}", tags=["runs"])
    def api_run(run: str) -> dict[str, Any]:
        """One run's record: versions, times, summaries, table list."""
        return dict(_get(run).as_dict())

    @app.get("/api/runs/{run}/scenario", tags=["runs"])
    def api_run_scenario(run: str) -> Response:
        """The scenario file text of a run."""
        return Response(_get(run).scenario_yaml, media_type="text/yaml")

    @app.get("/api/runs/{run}/tables/{key}", tags=["runs"])
    def api_table(run: str, key: str) -> dict[str, Any]:
        """One result table as ``{"columns": [...], "rows": [[...]]}``."""
        import json

        info = _get(run)
        tables = store.tables(info.run_id)
        if key not in tables:
            raise HTTPException(
                status_code=404,
                detail={"field": "table", "error": f"run has {sorted(tables)}"},
            )
        frame = tables[key]
        return {
            "columns": [str(c) for c in frame.columns],
            "rows": json.loads(frame.to_json(orient="values", date_format="iso")),
        }

    @app.delete("/api/runs/{run}", tags=["runs"], dependencies=[Depends(require_token)])
    def api_delete(run: str) -> dict[str, str]:
        """Delete a run (by its full id) and its tables."""
        info = _get(run)
        if info.run_id != run:
            raise HTTPException(
                status_code=422,
                detail={"field": "run", "error": "delete needs the full run id"},
            )
        return {"deleted": store.delete(info.run_id)}

    @app.get("/api/compare", tags=["runs"])
    def api_compare(a: str, b: str) -> dict[str, Any]:
        """Two runs' headline numbers side by side, and their scenario diff."""
        info_a, info_b = _get(a), _get(b)
        frame = diff_runs(info_a, info_b)
        return {
            "a": info_a.run_id,
            "b": info_b.run_id,
            "scenario_diff": scenario_diff(info_a, info_b),
            "quantities": frame.astype(object)
            .where(frame.notna(), None)
            .to_dict("records"),
        }

    @app.get("/api/default-scenario", tags=["runs"])
    def api_default() -> Response:
        """The shipped default scenario's text."""
        return Response(default_scenario, media_type="text/yaml")

    def _start(text: str) -> dict[str, Any]:
        from gigaplan.pipeline import STAGE_ORDER, parse_scenario, stages_in

        scenario = parse_scenario(
            text, "scenario.yaml", free_sections=stage_funcs or ()
        )
        if not stages_in(scenario):
            raise InputError(
                "scenario.yaml",
                "<no stage>",
                f"add at least one section: {', '.join(STAGE_ORDER)}",
            )
        from gigaplan import _yaml

        field = (
            "catalog" if scenario.catalog else path_like_field(_yaml.safe_load(text))
        )
        if field:
            raise InputError(
                f"scenario.yaml: {field}",
                "<path>",
                "a scenario sent to the web UI may not name files or folders; "
                "run it with `gigaplan run` instead",
            )
        job = Job(job_id=uuid.uuid4().hex)
        with jobs_lock:
            jobs[job.job_id] = job
        executor.submit(_run_job, job, text, scenario.name)
        return {"job_id": job.job_id, "status_url": f"/api/jobs/{job.job_id}"}

    def _update(job: Job, **changes: Any) -> None:
        with jobs_lock:
            for key, value in changes.items():
                setattr(job, key, value)

    def _run_job(job: Job, text: str, name: str) -> None:
        from gigaplan.pipeline import run_pipeline

        started = datetime.now(UTC)

        def progress(stage: str, index: int, total: int, state: str) -> None:
            done = index + 1 if state == "done" else index
            _update(job, status="running", stage=stage, completed=done, total=total)

        try:
            _update(job, status="running")
            run = run_pipeline(text, stage_funcs=stage_funcs, progress=progress)
            _update(job, stage="saving")
            run_id = store.save(run)
            _update(job, status="complete", run_id=run_id, stage="")
        except GigaplanError as err:
            message = str(err)
            try:
                run_id = store.save_failed(text, name, message, started)
            except GigaplanError:
                run_id = None
            _update(job, status="failed", error=message, run_id=run_id)
        except Exception as err:  # a bug in a stage: keep the server up
            log.exception("run %s failed", job.job_id)
            _update(job, status="failed", error=f"internal error: {err!r}")

    @app.post(
        "/api/runs",
        tags=["runs"],
        status_code=202,
        dependencies=[Depends(require_token)],
    )
    def api_start(body: ScenarioIn) -> dict[str, Any]:
        """Validate a scenario and start running it; poll ``status_url``.

        A scenario that does not validate gets 422 with ``field``, ``line``
        and ``error``.
        """
        return _start(body.scenario_yaml)

    @app.post(
        "/api/runs/upload",
        tags=["runs"],
        status_code=202,
        dependencies=[Depends(require_token)],
    )
    async def api_upload(file: UploadFile) -> dict[str, Any]:
        """Start a run from an uploaded scenario file (multipart form)."""
        data = await file.read(max_body_bytes + 1)
        if len(data) > max_body_bytes:
            raise HTTPException(status_code=413, detail={"field": "file"})
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("file", file.filename, "must be UTF-8 text") from None
        return _start(text)

    @app.get("/api/jobs/{job_id}", tags=["runs"])
    def api_job(job_id: str) -> dict[str, Any]:
        """Progress of a run started from the web."""
        with jobs_lock:
            job = jobs.get(job_id)
            if job is None:
                raise HTTPException(
                    status_code=404, detail={"field": "job", "error": "no such job"}
                )
            return job.as_dict()

    return app


def _version() -> str:
    from gigaplan import __version__

    return __version__
