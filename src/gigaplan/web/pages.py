"""The HTML pages: runs, a run's report, two runs compared, the API docs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from gigaplan.compare import diff_runs, scenario_diff
from gigaplan.web.state import WebContext, context

router = APIRouter(include_in_schema=False)
Context = Annotated[WebContext, Depends(context)]
PLOTLY_JS = "/static/plotly.min.js"


@router.get("/", response_class=HTMLResponse)
def index(web: Context) -> HTMLResponse:
    """Stored runs, the compare form and the scenario editor."""
    return web.render(
        "index.html",
        runs=[r.as_dict() for r in web.store.list_runs()],
        default_scenario=web.default_scenario,
        limit=web.max_body_bytes,
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
    """Two runs' numbers and scenarios side by side, their reports framed."""
    from gigaplan.report.format import human

    info_a, info_b = web.run(a), web.run(b)
    frame = diff_runs(info_a, info_b)
    rows = [
        {
            **row,
            "a_shown": human(row["quantity"], row["a"]),
            "b_shown": human(row["quantity"], row["b"]),
            "change_shown": "-"
            if row["change"] is None
            else human(row["quantity"], row["change"]),
            "pct_shown": "-"
            if row["change_pct"] is None or row["change_pct"] != row["change_pct"]
            else f"{row['change_pct']:+.1f} %",
        }
        for row in frame.astype(object).where(frame.notna(), None).to_dict("records")
    ]
    return web.render(
        "compare.html",
        a=info_a.as_dict(),
        b=info_b.as_dict(),
        rows=rows,
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
