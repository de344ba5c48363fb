"""``gigaplan sweep``: one scenario over a grid of assumptions, locally or on Dask."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gigaplan._files import write_file
from gigaplan.cli import app
from gigaplan.cli._common import (
    ForceOption,
    WideOption,
    console,
    err_console,
    fmt_number,
    print_json,
    print_table,
)

if TYPE_CHECKING:
    import pandas as pd

_OUT_SUFFIXES = (".csv", ".parquet")
#: Summary columns shown per stage in the printed table (all go to --out/--json).
_SHOWN_PER_STAGE = 3

_HELP = """Run the scenario for every combination of the --grid values.

Each --grid is PATH=v1,v2,... (set the field) or PATH*=f1,f2,... (multiply
the number in the file by each factor). PATH is a dotted path into the
scenario file; pick list items by index, by name, or all with *. Values are
YAML scalars (0.5, 1e9, 2027Q1, null).

Every combination is validated before any runs. A combination that fails while
running becomes a 'failed' row with its error; the others go on. Runs in a
local process pool (--workers 1: in this process), or on a Dask cluster
with --cluster tcp://HOST:8786.

Examples of --grid (for examples/plan.yaml):

\b
  'plan.discount_rate=0.05,0.08,0.12'
  'plan.sites[0].max_mw=800,1200'
  'plan.accelerators\\[gpu-next].supply_per_quarter*=0.5,1'
  'plan.accelerators[*].lead_time_quarters=1,2'
  'plan.scenarios\\[boom].inference_growth_per_year=1.5,2,3'
"""


def _default_workers() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def _is_sweep_table(path: Path) -> bool:
    """Whether ``path`` is a table an earlier ``sweep --out`` wrote."""
    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            meta = pq.read_schema(path).pandas_metadata or {}
            return meta.get("index_columns") == ["combination"]
        with open(path, "rb") as fh:
            return fh.read(12) == b"combination,"
    except (OSError, ValueError):
        return False


def _check_out(out: Path | None, force: bool) -> None:
    from gigaplan._files import check_file_target
    from gigaplan.errors import InputError

    if out is None:
        return
    if out.suffix.lower() not in _OUT_SUFFIXES:
        raise InputError("--out", str(out), "a .csv or .parquet file name")
    check_file_target(out, "--out", force=force, ours=_is_sweep_table)


def _for_parquet(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns of mixed Python types (e.g. 2027Q1 and null) as text for Parquet."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            kinds = {type(v) for v in out[col] if v is not None}
            if len(kinds) > 1:
                out[col] = [None if v is None else str(v) for v in out[col]]
    return out


def write_table(frame: pd.DataFrame, out: Path, *, force: bool = False) -> None:
    """Write the results table to ``out`` (.csv or .parquet) atomically.

    The table goes to a temporary file in the same folder first and is renamed
    into place, so a failed or interrupted write leaves no half-written file.
    An existing file is replaced only if an earlier sweep wrote it, or with
    ``force``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The sweep's results table.
    out : Path
        Target file; its suffix picks the format.
    force : bool
        Replace a file a sweep did not write.
    """
    table = _for_parquet(frame) if out.suffix.lower() == ".parquet" else frame
    write = table.to_parquet if out.suffix.lower() == ".parquet" else table.to_csv
    write_file(out, write, force=force, ours=_is_sweep_table)


def _shown_columns(frame: pd.DataFrame, n_axes: int) -> list[str]:
    """A few numeric summary columns per stage: those the sweep moves come first.

    Within each group the stage's own order (its headline numbers first) is kept.
    """
    ok = frame[frame["status"] == "ok"]
    by_stage: dict[str, tuple[list[str], list[str]]] = {}
    for col in frame.columns[n_axes + 2 :]:
        if not frame[col].map(lambda v: isinstance(v, int | float)).all():
            continue
        varies, constant = by_stage.setdefault(col.split(".", 1)[0], ([], []))
        (varies if ok[col].nunique(dropna=False) > 1 else constant).append(col)
    return [
        col
        for varies, constant in by_stage.values()
        for col in (varies + constant)[:_SHOWN_PER_STAGE]
    ]


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return fmt_number(value, 4)


def _print_table(frame: pd.DataFrame, n_axes: int, *, wide: bool = False) -> None:
    """Swept values, status and a few summary numbers; errors listed below."""
    from rich.markup import escape
    from rich.table import Table

    failed = frame["status"] != "ok"
    columns = [*frame.columns[:n_axes], "status", *_shown_columns(frame, n_axes)]
    table = Table(
        title=f"{len(frame)} combinations, {int(failed.sum())} failed",
        header_style="bold",
    )
    table.add_column("#", justify="right")
    for col in columns:
        text = col == "status" or frame[col].map(lambda v: isinstance(v, str)).any()
        table.add_column(
            escape(col), justify="left" if text else "right", overflow="fold"
        )
    for index, row in frame.iterrows():
        table.add_row(
            str(index),
            *(escape(_cell(row[col])) for col in columns),
            style="red" if row["status"] != "ok" else None,
        )
    con = console()
    print_table(con, table, wide=wide)
    for index, error in frame.loc[failed, "error"].items():
        con.print(f"combination {index} failed: {error}", markup=False)


@app.command("sweep", help=_HELP)
def sweep_command(
    scenario: Annotated[
        Path, typer.Argument(help="Scenario YAML file to sweep.", dir_okay=False)
    ],
    grid: Annotated[
        list[str],
        typer.Option(
            "--grid",
            help="PATH=v1,v2,... or PATH*=f1,f2,... (repeat for more axes).",
        ),
    ],
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            help="Dask scheduler address, e.g. tcp://HOST:8786 (default: local).",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="Local worker processes (default: CPU count; 1 runs in this process).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the full table to a .csv or .parquet file."),
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the full table as JSON records.")
    ] = False,
    force: ForceOption = False,
    wide: WideOption = False,
) -> None:
    """Run the scenario for every combination of the --grid values."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from gigaplan.cli.run import read_scenario_file
    from gigaplan.errors import GigaplanError
    from gigaplan.sweep import check_cluster_address, parse_grid, run_sweep

    axes = parse_grid(grid)
    address = check_cluster_address(cluster) if cluster is not None else None
    _check_out(out, force)
    path, text = read_scenario_file(scenario)
    n = workers or _default_workers()
    total = math.prod(len(axis.values) for axis in axes)
    with Progress(
        TextColumn("[bold]sweep"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} combinations"),
        TimeElapsedColumn(),
        console=err_console(),
        transient=True,
        disable=json_out,
    ) as bar:
        task = bar.add_task("sweep", total=total)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            frame = run_sweep(
                text,
                axes,
                executor="dask" if address else ("serial" if n == 1 else "local"),
                cluster_address=address,
                max_workers=n,
                progress=progress,
                where=path.name,
                base_dir=path.resolve().parent,
            )
        except KeyboardInterrupt:
            bar.stop()
            typer.echo("gigaplan: interrupted; no results were written", err=True)
            raise typer.Exit(130) from None
    if out is not None:
        write_table(frame, out, force=force)
    if json_out:
        print_json(frame.reset_index().to_dict(orient="records"))
    else:
        _print_table(frame, len(axes), wide=wide)
        if out is not None:
            console().print(f"wrote {out}")
    if (frame["status"] != "ok").all():
        raise GigaplanError(
            f"all {len(frame)} combinations failed; first error: "
            f"{frame['error'].iloc[0]}"
        )
