"""``gigaplan catalog list|show``: browse the shipped catalog and its sources."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from gigaplan.cli import app
from gigaplan.cli._common import (
    CatalogOption,
    JsonOption,
    WideOption,
    catalog_from,
    console,
    fmt_number,
    print_json,
    print_table,
)

if TYPE_CHECKING:
    from gigaplan.catalog.schema import Entry

catalog_app = typer.Typer(help="Browse the catalog: accelerators, models, regions.")
app.add_typer(catalog_app, name="catalog")


class Section(StrEnum):
    """Sections of the catalog that ``catalog list`` prints."""

    accelerators = "accelerators"
    models = "models"
    regions = "regions"


_COLUMNS = {
    "accelerators": (
        "vendor",
        "bf16_dense_tflops",
        "fp8_dense_tflops",
        "fp4_dense_tflops",
        "memory_gb",
        "memory_tb_per_s",
        "tdp_w",
        "system_overhead_w",
        "launch_year",
        "price_usd",
    ),
    "models": (
        "total_params",
        "active_params",
        "layers",
        "hidden_size",
        "attention_heads",
        "kv_heads",
        "head_dim",
        "vocab_size",
    ),
    "regions": (
        "country",
        "grid_kgco2_per_mwh",
        "electricity_usd_per_mwh",
        "climate_class",
    ),
}


def _cell(value: object, field: str = "") -> str:
    from gigaplan.catalog import Sourced

    if isinstance(value, Sourced):
        value = value.value
    if isinstance(value, float | int) and field.endswith("year"):
        return str(int(value))  # a year, not a quantity: no separator
    if isinstance(value, float | int):
        return fmt_number(float(value))
    return "-" if value is None else str(value)


@catalog_app.command("list")
def list_entries(
    section: Annotated[Section, typer.Argument(help="Which section to list.")],
    catalog: CatalogOption = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """Print one section of the catalog as a table."""
    from rich.table import Table

    cat = catalog_from(catalog)
    entries: dict[str, Entry] = getattr(cat, section.value)
    columns = _COLUMNS[section.value]
    if as_json:
        print_json(
            {
                key: {c: _plain(getattr(e, c)) for c in ("name", *columns)}
                for key, e in entries.items()
            }
        )
        return
    table = Table(title=f"{section.value} (catalog {cat.version})")
    table.add_column("id", style="bold")
    table.add_column("name")
    for col in columns:
        table.add_column(col, justify="right")
    for key, entry in entries.items():
        table.add_row(key, entry.name, *(_cell(getattr(entry, c), c) for c in columns))
    print_table(console(), table, wide=wide)


def _plain(value: object) -> object:
    from gigaplan.catalog import Sourced

    return value.value if isinstance(value, Sourced) else value


@catalog_app.command("show")
def show_entry(
    name: Annotated[str, typer.Argument(help="Id or alias, e.g. 'H100 SXM'.")],
    catalog: CatalogOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print one entry with the source of every number."""
    from rich.table import Table

    from gigaplan.catalog import Sourced, find_any

    cat = catalog_from(catalog)
    section, key, entry = find_any(cat, name)
    if as_json:
        print_json({"section": section, "id": key, **entry.model_dump()})
        return
    table = Table(title=f"{section[:-1]} {key}: {entry.name}  (catalog {cat.version})")
    for col in ("field", "value", "source", "note"):
        table.add_column(col, overflow="fold", no_wrap=col == "source")
    cited: dict[str, int] = {}  # source key -> its number, in order of first use
    for field, val in entry:
        if isinstance(val, Sourced):
            year = getattr(val, "dollar_year", None)
            extra = f" ({year}$)" if year else ""
            ref = ""
            if val.source:
                number = cited.setdefault(val.source, len(cited) + 1)
                ref = f"[{number}] {val.source}"
            table.add_row(field, _cell(val, field) + extra, ref, val.note or "")
        elif val not in (None, ()):
            shown = ", ".join(val) if isinstance(val, tuple) else str(val)
            table.add_row(field, shown, "", "")
    con = console()
    con.print(table)
    if cited:
        con.print("[bold]Sources[/bold]")
        for source, number in cited.items():
            text = cat.sources.get(source, "(not in the catalog's sources)")
            con.print(f"[{number}] {source}: {text}", markup=False)
