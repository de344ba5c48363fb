"""The HTML pages: runs, a run's report, two runs compared, the API docs."""

from __future__ import annotations

from importlib.resources import files
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from gigaplan.compare import diff_runs, scenario_diff
from gigaplan.web.state import WebContext, context
from gigaplan.web.views import headline_numbers, input_changes, quantity_rows

router = APIRouter(include_in_schema=False)
Context = Annotated[WebContext, Depends(context)]
PLOTLY_JS = "/static/plotly.min.js"
#: The page scripts in ``web/static/`` (served from here: no CDN, works offline).
SCRIPTS = frozenset({"index.js", "compare.js"})


@router.get("/", response_class=HTMLResponse)
def index(web: Context) -> HTMLResponse:
    """Stored runs with their headline numbers, compare, and the scenario form."""
    return web.render(
        "index.html",
        runs=[
            {**r.as_dict(), "headline": headline_numbers(r.summary)}
            for r in web.store.list_runs()
        ],
        default_scenario=web.default_scenario,
        limit=web.max_body_bytes,
    )


@router.get("/static/web/{name}")
def script(name: str, web: Context) -> Response:
    """A page script from ``web/static/``."""
    if name not in SCRIPTS:
        raise HTTPException(
            status_code=404,
            detail={"field": "name", "error": f"one of {', '.join(sorted(SCRIPTS))}"},
        )
    key = f"script:{name}"
    if key not in web.cache:
        web.cache[key] = (files("gigaplan.web") / "static" / name).read_text("utf-8")
    return Response(
        web.cache[key],
        media_type="application/javascript",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/runs/{run}", response_class=HTMLResponse)
def report_page(run: str, web: Context) -> HTMLResponse:
    """A run's report, plotly loaded from this server."""
    from gigaplan.report import build_report

    info = web.run(run)
    return HTMLResponse(
        build_report(info, web.store.tables(info.run_id), plotlyjs_src=PLOTLY_JS)
    )


@router.get("/runs/{run}/report.html", include_in_schema=True, tags=["runs"])
def report_download(run: str, web: Context) -> HTMLResponse:
    """The run's self-contained HTML report (plotly inline; works offline)."""
    from gigaplan.report import build_report

    info = web.run(run)
    name = f"report-{info.run_id}.html"
    return HTMLResponse(
        build_report(info, web.store.tables(info.run_id)),
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/compare", response_class=HTMLResponse)
def compare_page(a: str, b: str, web: Context) -> HTMLResponse:
    """Two runs: what changed (inputs and outputs) and A-vs-B charts."""
    from gigaplan.report.compare_charts import overlay_charts

    info_a, info_b = web.run(a), web.run(b)
    runs = {info.run_id: web.store.tables(info.run_id) for info in (info_a, info_b)}
    charts = [
        {
            "title": c.title,
            "table": c.table,
            "x_title": c.x_title,
            "y_title": c.y_title,
            "figure": c.figure.to_json(),
        }
        for c in overlay_charts(runs, info_a.summary)
    ]
    rows = quantity_rows(diff_runs(info_a, info_b))
    inputs = input_changes(info_a.scenario_yaml, info_b.scenario_yaml)
    return web.render(
        "compare.html",
        a=info_a.as_dict(),
        b=info_b.as_dict(),
        rows=rows,
        n_changed=sum(r["changed"] for r in rows),
        inputs=inputs,
        charts=charts,
        scenario_diff=scenario_diff(info_a, info_b),
    )


@router.get(PLOTLY_JS)
def plotly_js(web: Context) -> Response:
    """plotly.js from the installed plotly package (no CDN)."""
    if "plotly" not in web.cache:
        from plotly.offline import get_plotlyjs

        web.cache["plotly"] = get_plotlyjs()
    return Response(
        web.cache["plotly"],
        media_type="application/javascript",
        headers={"Cache-Control": "private, max-age=86400"},
    )


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request, web: Context) -> HTMLResponse:
    """The API reference, rendered here from the OpenAPI schema (works offline)."""
    schema: dict[str, Any] = request.app.openapi()
    operations = [
        {"method": method.upper(), "path": path, **operation}
        for path, methods in schema.get("paths", {}).items()
        for method, operation in methods.items()
    ]
    return web.render("docs.html", info=schema.get("info", {}), operations=operations)
