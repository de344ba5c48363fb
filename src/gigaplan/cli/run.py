"""``gigaplan run``, ``gigaplan runs ...``, ``gigaplan report`` and ``gigaplan serve``.

Thin shells over :mod:`gigaplan.pipeline`, :mod:`gigaplan.store`,
:mod:`gigaplan.report` and :mod:`gigaplan.web`; DuckDB, plotly and FastAPI
are imported inside the commands.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gigaplan.cli import app
from gigaplan.cli._common import (
    ForceOption,
    console,
    fmt_number,
    print_json,
    stage_status,
)

if TYPE_CHECKING:
    from gigaplan.store import RunStore

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="Run store file (default $GIGAPLAN_DB or the user data directory).",
        dir_okay=False,
    ),
]

runs_app = typer.Typer(help="Browse, compare, export and delete stored runs.")
app.add_typer(runs_app, name="runs")


def _store(db: Path | None) -> RunStore:
    from gigaplan.store import RunStore

    return RunStore(db)


def read_scenario_file(scenario_path: Path | None) -> tuple[Path, str]:
    """(path, text) of a scenario file, or of the packaged default one.

    Parameters
    ----------
    scenario_path : Path or None
        The file given; None for the packaged default.

    Returns
    -------
    path : Path
        The file read.
    text : str
        Its contents.
    """
    from gigaplan.pipeline import read_scenario_source

    return read_scenario_source(scenario_path)


@app.command("run")
def run_command(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help="Scenario YAML file; default the shipped default scenario.",
            dir_okay=False,
        ),
    ] = None,
    db: DbOption = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the run record as JSON.")
    ] = False,
) -> None:
    """Run every stage the scenario asks for and store the run."""
    from gigaplan.pipeline import run_and_record
    from gigaplan.scenario import parse_scenario

    path, text = read_scenario_file(scenario)
    scen = parse_scenario(text, path.name, base_dir=path.resolve().parent)
    store = _store(db)
    try:
        with stage_status("run", quiet=json_out) as status:

            def progress(stage: str, index: int, total: int, state: str) -> None:
                verb = {"start": "running", "done": "done:", "failed": "failed:"}
                status(f"stage {index + 1}/{total}: {verb.get(state, state)} {stage}")

            run_id = run_and_record(
                text, store, scenario=scen, where=path.name, progress=progress
            )
    except KeyboardInterrupt:
        typer.echo("gigaplan: interrupted; nothing was stored", err=True)
        raise typer.Exit(130) from None
    info = store.get(run_id)
    if json_out:
        print_json(info.as_dict())
        return
    _print_info(info)


def _print_info(info: Any) -> None:
    con = console()
    dur = info.duration_s
    con.print(
        f"run [bold]{info.run_id}[/bold]  {info.name}  status={info.status}"
        + (f"  {dur:.1f} s" if dur is not None else "")
    )
    con.print(
        f"scenario sha256 {info.scenario_sha256[:16]}…  catalog {info.catalog_version}"
        f"  gigaplan {info.package_version}"
    )
    if info.error:
        con.print(f"error: {info.error}")
    from rich.table import Table

    from gigaplan.report.format import human

    # the answer first, in words: the plan's headline, then each later stage's
    # verdict; the detail tables follow
    answer = [s for s in ("plan", "factory", "risk") if info.text.get(s)]
    if answer:
        con.print("[bold]The answer[/bold]")
        for stage in answer:
            con.print(f"[bold]{stage}[/bold]: {info.text[stage]}", highlight=False)
        con.print("[bold]Details by stage[/bold]")
    for stage in info.stages:
        summary = info.summary.get(stage, {})
        if summary:
            table = Table(title=stage, header_style="bold")
            table.add_column("quantity")
            table.add_column("value", justify="right")
            for key, value in summary.items():
                table.add_row(key, human(key, value))
            con.print(table)
        if info.text.get(stage) and stage not in answer:
            con.print(info.text[stage])
    if info.tables:
        con.print(
            "tables: " + ", ".join(f"{s}_{n} ({r} rows)" for s, n, r in info.tables)
        )


@runs_app.command("list")
def runs_list(
    db: DbOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List stored runs, newest first."""
    from rich.table import Table

    runs = _store(db).list_runs()
    if json_out:
        print_json([r.as_dict() for r in runs])
        return
    table = Table(title=f"{len(runs)} runs", header_style="bold")
    table.add_column("run", no_wrap=True)
    for col in ("name", "status", "started (UTC)", "s", "stages"):
        table.add_column(col)
    for r in runs:
        table.add_row(
            r.run_id,
            r.name,
            r.status,
            f"{r.started_at:%Y-%m-%d %H:%M:%S}" if r.started_at else "-",
            fmt_number(r.duration_s, 3) if r.duration_s is not None else "-",
            ",".join(r.stages) or "-",
        )
    console().print(table)


@runs_app.command("show")
def runs_show(
    run: Annotated[str, typer.Argument(help="Run id, unique prefix, or 'latest'.")],
    db: DbOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    scenario: Annotated[
        bool, typer.Option("--scenario", help="Print the scenario file text.")
    ] = False,
) -> None:
    """Show one run: versions, times, headline numbers and tables."""
    info = _store(db).get(run)
    if scenario:
        typer.echo(info.scenario_yaml, nl=False)
        return
    if json_out:
        print_json(info.as_dict())
        return
    _print_info(info)


@runs_app.command("diff")
def runs_diff(
    run_a: Annotated[str, typer.Argument(help="First run (id, prefix, 'latest').")],
    run_b: Annotated[str, typer.Argument(help="Second run.")],
    db: DbOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    show_all: Annotated[
        bool,
        typer.Option("--all", help="Show every headline number, not only changes."),
    ] = False,
) -> None:
    """Compare two runs: scenario changes and the headline numbers that changed."""
    from rich.table import Table

    from gigaplan.compare import diff_runs, scenario_diff

    store = _store(db)
    a, b = store.get(run_a), store.get(run_b)
    frame = diff_runs(a, b)
    total = len(frame)
    if not show_all:
        changed = [not _same(x, y) for x, y in zip(frame["a"], frame["b"], strict=True)]
        frame = frame[changed]
    text = scenario_diff(a, b)
    if json_out:
        print_json(
            {
                "a": a.run_id,
                "b": b.run_id,
                "scenario_diff": text,
                "catalog_changed": a.catalog_version != b.catalog_version,
                "quantities": frame.to_dict(orient="records"),
                "unchanged_not_shown": total - len(frame),
            }
        )
        return
    con = console()
    con.print(f"a = {a.run_id} ({a.name})   b = {b.run_id} ({b.name})")
    if a.catalog_version != b.catalog_version:
        con.print(f"catalog: {a.catalog_version} -> {b.catalog_version}")
    con.print(text or "scenario files are identical", markup=False)
    table = Table(header_style="bold")
    for col in ("stage", "quantity", "a", "b", "change", "change %"):
        table.add_column(
            col, justify="left" if col in ("stage", "quantity") else "right"
        )
    for row in frame.itertuples(index=False):
        table.add_row(
            row.stage,
            row.quantity,
            _show(row.a),
            _show(row.b),
            _show(row.change),
            _show(row.change_pct, 3),
        )
    if len(frame):
        con.print(table)
    else:
        con.print("no headline number changed")
    if total > len(frame):
        con.print(f"{total - len(frame)} unchanged quantities not shown (--all)")


def _same(a: Any, b: Any) -> bool:
    """Equal values, NaN equal to NaN and None (a number absent in both runs)."""

    def missing(v: Any) -> bool:
        return v is None or (isinstance(v, float) and v != v)

    if missing(a) or missing(b):
        return missing(a) and missing(b)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _show(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return fmt_number(value, digits)


class ExportFormat(StrEnum):
    """File formats of ``runs export``."""

    parquet = "parquet"
    csv = "csv"
    xlsx = "xlsx"


@runs_app.command("export")
def runs_export(
    run: Annotated[str, typer.Argument(help="Run id, unique prefix, or 'latest'.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="New, empty or earlier-export folder (never touches other files).",
        ),
    ],
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="Table file format.")
    ] = ExportFormat.parquet,
    force: ForceOption = False,
    db: DbOption = None,
) -> None:
    """Write a run's tables, scenario and record (run.json) to a folder."""
    written = _store(db).export(run, out, fmt.value, force=force)
    for path in written:
        typer.echo(str(path))


@runs_app.command("delete")
def runs_delete(
    run: Annotated[str, typer.Argument(help="Run id or unique prefix.")],
    db: DbOption = None,
) -> None:
    """Delete a run and all its tables."""
    if run.strip().lower() in ("latest", "last"):
        from gigaplan.errors import InputError

        raise InputError("run", run, "name the run to delete by its id")
    run_id = _store(db).delete(run)
    typer.echo(f"deleted {run_id}")


@app.command("report")
def report_command(
    run: Annotated[str, typer.Argument(help="Run id, unique prefix, or 'latest'.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="HTML file (default report-<run>.html)."),
    ] = None,
    force: ForceOption = False,
    db: DbOption = None,
) -> None:
    """Write one self-contained HTML report of a run (works offline)."""
    from gigaplan.report import check_report_target, write_report

    if out is not None:
        check_report_target(out, force=force)
    store = _store(db)
    info = store.get(run)
    target = out or Path(f"report-{info.run_id}.html")
    write_report(info, store.tables(info.run_id), target, force=force)
    typer.echo(str(target))


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    db: DbOption = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            help="Token every request must carry; required when not on loopback "
            "(or set GIGAPLAN_TOKEN). Open the UI once with ?token=... to log in.",
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Folder whose files web scenarios may name (catalog, "
            "profiles_csv, risk.plan); without it they may name none.",
            file_okay=False,
        ),
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="Host name the UI is reached by, besides IP addresses and "
            "localhost (repeatable); other names are refused (DNS rebinding).",
        ),
    ] = None,
) -> None:
    """Serve the web UI and JSON API over the run store."""
    import uvicorn

    from gigaplan.web import create_app

    web_app = create_app(
        db_path=db,
        host=host,
        token=token or os.environ.get("GIGAPLAN_TOKEN"),
        data_dir=data_dir,
        allowed_hosts=allow_host or (),
    )
    typer.echo(f"gigaplan web UI on http://{host}:{port}/  (API docs at /docs)")
    uvicorn.run(web_app, host=host, port=port, log_level="warning")
