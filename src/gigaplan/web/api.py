"""The JSON API under ``/api``: stored runs, their tables, jobs."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from gigaplan.compare import diff_runs, scenario_diff
from gigaplan.errors import InputError
from gigaplan.web.state import WebContext, context

#: A scenario file is a few kB; the body limit of the app applies first. [chars]
MAX_SCENARIO_CHARS = 1024 * 1024

router = APIRouter(prefix="/api", tags=["runs"])
Context = Annotated[WebContext, Depends(context)]


class ScenarioIn(BaseModel):
    """A scenario file's text, as submitted to ``POST /api/runs``."""

    scenario_yaml: str = Field(max_length=MAX_SCENARIO_CHARS)


class FieldEdit(BaseModel):
    """One form field set in a scenario's text (``POST /api/scenario/edit``)."""

    scenario_yaml: str = Field(max_length=MAX_SCENARIO_CHARS)
    path: list[Annotated[str, Field(max_length=200)] | int] = Field(
        min_length=1, max_length=32
    )
    value: str = Field(max_length=10_000)


@router.get("/runs")
def api_runs(web: Context) -> list[dict[str, Any]]:
    """Every stored run, newest first."""
    return [r.as_dict() for r in web.store.list_runs()]


@router.get("/runs/{run}")
def api_run(run: str, web: Context) -> dict[str, Any]:
    """One run's record: versions, times, summaries, table list."""
    return dict(web.run(run).as_dict())


@router.get("/runs/{run}/scenario")
def api_run_scenario(run: str, web: Context) -> Response:
    """The scenario file text of a run."""
    return Response(web.run(run).scenario_yaml, media_type="text/yaml")


@router.get("/runs/{run}/tables/{key}")
def api_table(run: str, key: str, web: Context) -> dict[str, Any]:
    """One result table as ``{"columns": [...], "rows": [[...]]}``."""
    tables = web.store.tables(web.run(run).run_id)
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


@router.delete("/runs/{run}")
def api_delete(run: str, web: Context) -> dict[str, str]:
    """Delete a run (by its full id) and its tables."""
    info = web.run(run)
    if info.run_id != run:
        raise HTTPException(
            status_code=422,
            detail={"field": "run", "error": "delete needs the full run id"},
        )
    return {"deleted": web.store.delete(info.run_id)}


@router.get("/compare")
def api_compare(a: str, b: str, web: Context) -> dict[str, Any]:
    """Two runs' headline numbers side by side, and their scenario diff."""
    info_a, info_b = web.run(a), web.run(b)
    frame = diff_runs(info_a, info_b).astype(object)
    return {
        "a": info_a.run_id,
        "b": info_b.run_id,
        "scenario_diff": scenario_diff(info_a, info_b),
        "quantities": frame.astype(object)
        .where(frame.notna(), None)
        .to_dict("records"),
    }


@router.get("/scenario/form")
def api_scenario_form(web: Context) -> dict[str, Any]:
    """The scenario form, generated from the scenario schema.

    Per field: ``label`` in words, ``unit``, ``default``, ``help`` (the
    field's description), ``allowed`` (range or choices, in words), and the
    schema bounds; objects have ``fields``, lists of objects an ``item``.
    ``free_sections`` are sections this server does not validate.
    """
    from gigaplan.web.form import form_schema

    return {**form_schema(), "free_sections": sorted(web.jobs.stage_funcs or ())}


@router.post("/scenario/check")
def api_scenario_check(body: ScenarioIn, web: Context) -> dict[str, Any]:
    """Every field error of a scenario, and the parsed document.

    Answers 200 with ``valid``, ``errors`` (each with ``field``, ``value``,
    ``error``, ``allowed``, ``line`` and a one-line ``message``) and
    ``scenario`` (the document as JSON; None when the text is no mapping).
    """
    from gigaplan.web.scenario_edit import check_scenario

    return check_scenario(body.scenario_yaml, web.jobs.stage_funcs or ())


@router.post("/scenario/edit")
def api_scenario_edit(body: FieldEdit, web: Context) -> dict[str, Any]:
    """Set one form field in a scenario's text, comments kept; then check it.

    Answers the new ``scenario_yaml`` and the check of ``/api/scenario/check``;
    422 when ``path`` is no single-value field of the scenario.
    """
    from gigaplan.web.scenario_edit import check_scenario, set_value

    text = set_value(body.scenario_yaml, body.path, body.value)
    return {
        "scenario_yaml": text,
        **check_scenario(text, web.jobs.stage_funcs or ()),
    }


@router.get("/default-scenario")
def api_default(web: Context) -> Response:
    """The shipped default scenario's text."""
    return Response(web.default_scenario, media_type="text/yaml")


@router.post("/runs", status_code=202)
def api_start(body: ScenarioIn, request: Request, web: Context) -> dict[str, Any]:
    """Validate a scenario and start running it; poll ``status_url``.

    A scenario that does not validate gets 422 with ``field``, ``line`` and
    ``error``; one client with too many jobs queued gets 429.
    """
    return _started(web, body.scenario_yaml, request)


@router.post("/runs/upload", status_code=202)
async def api_upload(
    file: UploadFile, request: Request, web: Context
) -> dict[str, Any]:
    """Start a run from an uploaded scenario file (multipart form)."""
    data = await file.read(web.max_body_bytes + 1)
    if len(data) > web.max_body_bytes:
        raise HTTPException(
            status_code=413, detail={"field": "file", "error": "over the size limit"}
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("file", file.filename, "must be UTF-8 text") from None
    return _started(web, text, request)


def _found(job: dict[str, Any] | None) -> dict[str, Any]:
    """The job, or a 404 when there is no such job."""
    if job is None:
        raise HTTPException(
            status_code=404, detail={"field": "job", "error": "no such job"}
        )
    return job


@router.get("/jobs/{job_id}")
def api_job(job_id: str, web: Context) -> dict[str, Any]:
    """Progress of a run started from the web."""
    return _found(web.jobs.get(job_id))


@router.post("/jobs/{job_id}/cancel")
def api_cancel(job_id: str, web: Context) -> dict[str, Any]:
    """Cancel a queued job (409 once it runs)."""
    return _found(web.jobs.cancel(job_id))


def _started(web: WebContext, text: str, request: Request) -> dict[str, Any]:
    client = request.client.host if request.client else "unknown"
    job = web.jobs.submit(text, client)
    return {"job_id": job.job_id, "status_url": f"/api/jobs/{job.job_id}"}
