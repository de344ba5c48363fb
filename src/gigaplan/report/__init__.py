"""Self-contained HTML reports of stored runs (plotly embedded, works offline).

:func:`build_report` turns a run record and its tables into one HTML page:
an executive summary in words (:mod:`gigaplan.report.summary`), headline
numbers per stage, each in its declared unit (:mod:`gigaplan.units`), one
chart per stored table that has one (:mod:`gigaplan.report.charts`), the
assumptions (scenario file and every catalog source), and every table.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gigaplan.report.format import human, row_unit_key

if TYPE_CHECKING:
    from gigaplan.store import RunInfo

__all__ = ["build_report", "human", "write_report"]

#: Rows of each table shown in full in the report (the rest is in the export).
MAX_TABLE_ROWS = 200


#: Rows of a bottleneck table shown in its section: the dearest binding limits.
MAX_BOTTLENECK_ROWS = 30


def binding_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a shadow-price table whose limit binds, dearest first.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table with a ``shadow_price*`` column; without one it is returned
        as it is.

    Returns
    -------
    pandas.DataFrame
        Rows with a non-zero shadow price, largest magnitude first.

    Examples
    --------
    >>> t = pd.DataFrame({"limit": ["a", "b", "c"], "shadow_price_usd": [0, 5, 9]})
    >>> binding_rows(t)["limit"].tolist()
    ['c', 'b']
    """
    price = next((c for c in frame.columns if "shadow_price" in c), None)
    if price is None:
        return frame
    rows = frame[frame[price].abs() > 0]
    order = rows[price].abs().sort_values(ascending=False).index
    return rows.loc[order].head(MAX_BOTTLENECK_ROWS)


def _frame_html(frame: pd.DataFrame, table_id: str) -> str:
    """A table with numbers formatted in each column's (or row's) declared unit."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for record in frame.head(MAX_TABLE_ROWS).to_dict("records"):
        cells = []
        for col, value in record.items():
            if isinstance(value, float | int) and not isinstance(value, bool):
                key = row_unit_key(str(col), record)
                cells.append(
                    f'<td class="num" data-value="{value!r}">'
                    f"{html.escape(human(key, value))}</td>"
                )
            else:
                cells.append(f"<td>{html.escape(str(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = len(frame) - MAX_TABLE_ROWS
    note = (
        f'<p class="note">{more:,} more rows: see '
        "<code>gigaplan runs export</code>.</p>"
        if more > 0
        else ""
    )
    return (
        f'<table id="{html.escape(table_id)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{note}"
    )


def _card_label(key: str, stage_summary: dict[str, Any]) -> str:
    """A summary key with the dollar year of money (``capex_usd_total, 2025 $``)."""
    from gigaplan.units import unit_of

    unit, year = unit_of(key), stage_summary.get("dollar_year")
    if unit is not None and unit.kind == "money" and isinstance(year, int | float):
        return f"{key} ({int(year)} $)"
    return key


def scenario_assumptions(text: str) -> pd.DataFrame:
    """Settings of a scenario file marked as assumptions in a comment.

    A line ``key: value  # ASSUMPTION: why`` gives one row; a comment-only
    line that starts with ASSUMPTION (and the comment lines after it) applies
    to the next setting below it.

    Parameters
    ----------
    text : str
        The scenario file's text.

    Returns
    -------
    DataFrame
        Columns ``line, setting, note``.
    """
    rows: list[dict[str, Any]] = []
    pending: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        code, _, comment = raw.partition("#")
        code, comment = code.strip(), comment.strip()
        marked = "assumption" in comment.lower()
        if not code:
            if comment.upper().startswith("ASSUMPTION"):
                pending = comment if pending is None else f"{pending} {comment}"
            elif pending is not None and comment:
                pending = f"{pending} {comment}"
            continue
        if marked or pending is not None:
            note = " ".join(n for n in (pending, comment if marked else None) if n)
            rows.append({"line": number, "setting": code, "note": note})
        pending = None
    return pd.DataFrame(rows, columns=["line", "setting", "note"])


def _sources_frame(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Assumption and source tables the stages (and the pipeline) stored."""
    keys = [k for k in tables if "assumption" in k.lower() or k.endswith("sources")]
    frames = [tables[k].assign(table=k) for k in keys]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def build_report(
    info: RunInfo,
    tables: dict[str, pd.DataFrame],
    *,
    plotlyjs_src: str | None = None,
) -> str:
    """The HTML report of one run.

    Parameters
    ----------
    info : RunInfo
        The run record from the store.
    tables : dict of str to DataFrame
        Its tables, keyed ``<stage>_<name>``.
    plotlyjs_src : str, optional
        URL of plotly.js; default embed it inline, so the file works offline.

    Returns
    -------
    str
        A complete HTML document.
    """
    import jinja2

    from gigaplan import _yaml
    from gigaplan.report.charts import charts_for
    from gigaplan.report.summary import executive_summary

    charts = charts_for(tables, info.summary)
    try:
        scenario = _yaml.safe_load(info.scenario_yaml) or {}
    except Exception:  # a stored failed run may hold text that is not YAML
        scenario = {}
    findings = executive_summary(
        info.summary, tables, scenario if isinstance(scenario, dict) else {}
    )
    chart_html = [
        {
            "section": c.section,
            "title": c.title,
            "table": c.table,
            "x_title": c.x_title,
            "y_title": c.y_title,
            "html": c.figure.to_html(
                full_html=False,
                include_plotlyjs=False,
                config={"displaylogo": False, "responsive": True},
            ),
        }
        for c in charts
    ]
    if plotlyjs_src is None:
        from plotly.offline import get_plotlyjs

        plotly_tag = f"<script>{get_plotlyjs()}</script>"
    else:
        plotly_tag = f'<script src="{html.escape(plotlyjs_src)}"></script>'
    summaries = [
        {
            "stage": stage,
            "rows": [
                {
                    "key": key,
                    "label": _card_label(key, info.summary.get(stage, {})),
                    "raw": value,
                    "shown": human(key, value),
                }
                for key, value in info.summary.get(stage, {}).items()
            ],
            "text": info.text.get(stage, ""),
        }
        for stage in info.stages
    ]
    sources = _sources_frame(tables)
    assumptions = scenario_assumptions(info.scenario_yaml)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("gigaplan.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )
    return env.get_template("report.html.j2").render(
        info=info,
        meta=info.as_dict(),
        summaries=summaries,
        findings=findings,
        charts=chart_html,
        sections=list(dict.fromkeys(c["section"] for c in chart_html)),
        plotly_tag=plotly_tag,
        sources_html=_frame_html(sources, "sources") if len(sources) else "",
        assumptions_html=_frame_html(assumptions, "assumptions")
        if len(assumptions)
        else "",
        tables=[
            {"key": k, "rows": len(f), "html": _frame_html(f, f"table-{k}")}
            for k, f in tables.items()
        ],
        bottlenecks=[
            {"key": k, "html": _frame_html(binding_rows(f), f"bottleneck-{k}")}
            for k, f in tables.items()
            if any(w in k.lower() for w in ("bottleneck", "shadow"))
        ],
    )


#: Marker in the head of every report, so a later report may replace it.
REPORT_MARKER = '<meta name="generator" content="gigaplan report">'


def is_report(path: Path) -> bool:
    """Whether ``path`` is a file gigaplan wrote as a report (by its marker).

    Parameters
    ----------
    path : Path
        Any path.

    Returns
    -------
    bool
        True when its first 512 bytes hold the report marker.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    return REPORT_MARKER.encode() in head


def check_report_target(out: Path, *, force: bool = False) -> Path:
    """Refuse a report path that would replace a file gigaplan did not write.

    Parameters
    ----------
    out : Path
        Where the report is to go.
    force : bool
        Replace any regular file.

    Returns
    -------
    Path
        ``out``, once it is safe to write.
    """
    from gigaplan._files import check_file_target

    return check_file_target(out, "--out", force=force, ours=is_report)


def write_report(
    info: RunInfo, tables: dict[str, pd.DataFrame], out: Path, *, force: bool = False
) -> Path:
    """Write the report of a run to ``out`` (via a temporary file, then rename).

    An existing ``out`` is replaced only when it is an earlier gigaplan report
    or ``force`` is set, and never when it is a link, a folder or a device.

    Parameters
    ----------
    info : RunInfo
        The run's id, scenario, summary and catalog version.
    tables : dict of str to DataFrame
        The run's tables, keyed ``<stage>_<name>``.
    out : Path
        The HTML file to write.
    force : bool
        Replace a file gigaplan did not write.

    Returns
    -------
    Path
        The file written.
    """
    from gigaplan._files import write_file

    out = Path(out)
    check_report_target(out, force=force)
    text = build_report(info, tables)
    write_file(
        out,
        lambda tmp: tmp.write_text(text, encoding="utf-8"),
        force=force,
        ours=is_report,
    )
    return out


def summary_value(info: RunInfo, stage: str, key: str) -> Any:
    """One headline number of a run (for the web UI and tests).

    Parameters
    ----------
    info : RunInfo
        A stored run.
    stage : str
        Stage name (``plan``, ``risk``...).
    key : str
        Summary key, with its unit in the name.

    Returns
    -------
    value
        The number as stored, None when the run has none.
    """
    return info.summary.get(stage, {}).get(key)
