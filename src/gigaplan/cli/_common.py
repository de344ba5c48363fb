"""Options and output helpers shared by the CLI verbs."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from gigaplan._json import jsonable
from gigaplan.errors import InputError

if TYPE_CHECKING:  # rich, pydantic and numpy load when a verb runs, not for --help
    from pydantic import BaseModel
    from rich.console import Console
    from rich.table import Table

    from gigaplan.catalog import Catalog
    from gigaplan.results import StageResult

CatalogOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--catalog",
        help="Extra catalog YAML that adds or overrides entries (repeatable).",
        exists=False,
    ),
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Let --out replace an existing file, or add to a folder holding "
        "other files (gigaplan never removes what it did not write).",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON instead of a table.")
]


WideOption = Annotated[
    bool,
    typer.Option(
        "--wide", help="Show every table column, even past the terminal's width."
    ),
]

#: Widest a wrapped text cell is counted when fitting columns. [characters]
_TEXT_CELL_CHARS = 24


def _column_need(column: Any) -> int:
    """Characters a column needs: its header unbroken, numbers unbroken."""
    header = len(str(column.header))
    cells = [str(c) for c in column._cells]
    longest = max((len(c) for c in cells), default=0)
    numeric = all(
        c.replace(",", "").replace(".", "").strip("-$%e+ ").isdigit() or c == "-"
        for c in cells
    )
    return max(header, longest if numeric else min(longest, _TEXT_CELL_CHARS)) + 3


def print_table(con: Console, table: Table, *, wide: bool = False) -> None:
    """Print ``table`` so that it fits the terminal, or whole with ``wide``.

    Columns keep their headers whole; when they do not all fit, the right-most
    columns are left out (the first always stays) and a line names them. With
    ``wide`` every column is printed at its full width, past the terminal's
    edge if need be (for a pager or a file).
    """
    needs = [_column_need(c) for c in table.columns]
    if wide:
        width = max(con.width, sum(needs) + 1)
        if width > con.width:
            from rich.console import Console as _Console

            con = _Console(file=con.file, width=width, highlight=False)
        con.print(table)
        return
    dropped: list[str] = []
    while len(table.columns) > 1 and sum(needs) + 1 > con.width:
        dropped.insert(0, str(table.columns.pop().header))
        needs.pop()
    for column in table.columns:
        column.no_wrap = column.no_wrap or column.justify == "right"
        column.min_width = max(column.min_width or 0, len(str(column.header)))
    con.print(table)
    if dropped:
        con.print(
            f"{len(dropped)} columns not shown: {', '.join(dropped)} "
            "(--wide shows all, --json gives everything)",
            markup=False,
        )


def console() -> Console:
    """A console on stdout (the only place the library's results are printed)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def err_console() -> Console:
    """A console on stderr, for progress (stdout keeps only the results)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


class _StatusHandler(logging.Handler):
    """Shows gigaplan's INFO log records (solver phase, paths, replications)."""

    def __init__(self, show: Callable[[str], None]) -> None:
        super().__init__(logging.INFO)
        self.show = show

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.show(record.getMessage())


@contextlib.contextmanager
def stage_status(stage: str, *, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """Show on stderr what a long command is doing, stage by stage.

    Yields a function ``status(message)``; the library's own INFO log records
    (``logging.getLogger("gigaplan")``: solver phase, paths evaluated,
    replications done) are shown the same way while the block runs. On a
    terminal it is one spinner line that changes; otherwise (a pipe, a log
    file) one line per message with the elapsed time. Nothing is shown with
    ``quiet`` (``--json``), so stdout and stderr stay clean.

    Parameters
    ----------
    stage : str
        The name shown before each message (``power``, ``plan``).
    quiet : bool
        Show nothing.
    """
    if quiet:
        yield lambda _message: None
        return
    con = err_console()
    t0 = time.perf_counter()
    spinner = con.status(f"[bold]{stage}[/bold]: starting") if con.is_terminal else None

    def show(message: str) -> None:
        if spinner is not None:
            spinner.update(f"[bold]{stage}[/bold]: {message}")
        else:
            con.print(f"{stage} [{time.perf_counter() - t0:5.1f} s] {message}")

    logger = logging.getLogger("gigaplan")
    handler = _StatusHandler(show)
    level = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        if spinner is not None:
            spinner.start()
        yield show
    finally:
        if spinner is not None:
            spinner.stop()
        logger.removeHandler(handler)
        logger.setLevel(level)
    con.print(f"{stage}: done in {time.perf_counter() - t0:.1f} s")


M = TypeVar("M", bound="BaseModel")


def validated(
    model: type[M], options: dict[str, Any], names: dict[str, str] | None = None
) -> M:
    """Check command-line options with a section's schema; errors name the option.

    Parameters
    ----------
    model : pydantic model class
        The schema whose fields (ranges, finite numbers) the options share.
    options : dict
        Field name -> value given; ``None`` values are left to the defaults.
    names : dict, optional
        Field name -> option name where the two differ (default
        ``--field-name``).
    """
    from pydantic import ValidationError

    given = {k: v for k, v in options.items() if v is not None}
    try:
        return model.model_validate(given)
    except ValidationError as err:
        first = err.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else ""
        option = (names or {}).get(key) or "--" + key.replace("_", "-")
        raise InputError(
            option if key else "options",
            first.get("input"),
            first["msg"].removeprefix("Value error, "),
        ) from None


def catalog_from(extra: list[Path] | None) -> Catalog:
    """Load the shipped catalog with the user's extra files merged in."""
    from gigaplan.catalog import load_catalog

    return load_catalog(extra or ())


def print_json(payload: Any) -> None:
    """Print ``payload`` as JSON on stdout (NaN and inf become null)."""
    typer.echo(json.dumps(jsonable(payload), indent=2, sort_keys=False))


def fmt_number(value: float | None, digits: int = 4) -> str:
    """Format a number for people: 3 significant digits, thousands separators."""
    if value is None:
        return "-"
    if isinstance(value, int) or (abs(value) >= 1000 and float(value).is_integer()):
        return f"{value:,.0f}"
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
        return f"{value:.{digits - 1}e}"
    return f"{value:,.{digits}g}" if abs(value) < 1000 else f"{value:,.0f}"


def key_value_table(title: str, rows: dict[str, Any]) -> Table:
    """A two-column table of named results, each in its unit (gigaplan.units)."""
    from rich.table import Table

    from gigaplan.units import format_value

    year = rows.get("dollar_year")
    dollar_year = int(year) if isinstance(year, int | float) and year == year else None
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for key, val in rows.items():
        table.add_row(key, format_value(key, val, dollar_year=dollar_year))
    return table


def stage_payload(result: StageResult, *, text: bool = True) -> dict[str, Any]:
    """A stage's summary, tables (as records) and memo, ready for ``--json``.

    Parameters
    ----------
    result : StageResult
        The stage's outcome.
    text : bool
        Whether to include the memo text.

    Returns
    -------
    dict
        ``summary``, ``tables`` (name -> list of row dicts) and ``text``.
    """
    payload: dict[str, Any] = {
        "summary": result.summary,
        "tables": {k: v.to_dict(orient="records") for k, v in result.tables.items()},
    }
    if text:
        payload["text"] = result.text
    return payload


def frame_table(
    title: str,
    frame: Any,
    columns: list[str],
    *,
    dollar_year: int | None = None,
) -> Table:
    """A table of ``frame``'s ``columns``, each cell in its column's unit.

    Parameters
    ----------
    title : str
        Table title.
    frame : pandas.DataFrame
        A stage table.
    columns : list of str
        Columns to show, in order; numbers are formatted by
        :func:`gigaplan.units.format_value` under the column's name.
    dollar_year : int, optional
        Dollar year of money columns.

    Returns
    -------
    rich.table.Table
    """
    import math

    from rich.table import Table

    from gigaplan.units import format_value

    def cell(key: str, value: Any) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, int | float):
            if math.isnan(float(value)):
                return "-"
            return format_value(key, value, dollar_year=dollar_year)
        return "-" if value is None else str(value)

    table = Table(title=title, show_header=True, header_style="bold")
    for col in columns:
        table.add_column(col, justify="left" if frame[col].dtype == object else "right")
    for row in frame[columns].itertuples(index=False):
        table.add_row(*(cell(c, v) for c, v in zip(columns, row, strict=True)))
    return table
