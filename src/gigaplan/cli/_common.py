"""Options and output helpers shared by the CLI verbs."""

from __future__ import annotations

import json
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


def console() -> Console:
    """A console on stdout (the only place the library's results are printed)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


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
