"""``gigaplan validate``: estimates against published runs, as a table."""

from __future__ import annotations

from gigaplan.cli import app
from gigaplan.cli._common import JsonOption, console, print_json


@app.command("validate")
def validate(json_out: JsonOption = False) -> None:
    """Print published vs estimated training accelerator-hours and the error."""
    from rich.table import Table

    from gigaplan.workloads.validation import training_accuracy_table

    df = training_accuracy_table()
    if json_out:
        print_json(df.to_dict(orient="records"))
        return
    table = Table("case", "published GPU-h", "estimated GPU-h", "error %", "source")
    for r in df.itertuples():
        table.add_row(
            r.case,
            f"{r.published_accelerator_hours:,.0f}",
            f"{r.estimated_accelerator_hours:,.0f}",
            f"{r.error_pct:+.1f}",
            r.source,
        )
    console().print(table)
