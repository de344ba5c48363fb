"""``gigaplan validate``: estimates against published runs, as tables."""

from __future__ import annotations

from gigaplan.cli import app
from gigaplan.cli._common import JsonOption, console, print_json


@app.command("validate")
def validate(json_out: JsonOption = False) -> None:
    """Print published vs estimated training hours and inference tokens/s."""
    from rich.table import Column, Table

    from gigaplan.workloads.validation import (
        inference_accuracy_table,
        training_accuracy_table,
    )

    training = training_accuracy_table()
    inference = inference_accuracy_table()
    if json_out:
        print_json(
            {
                "training": training.to_dict(orient="records"),
                "inference": inference.to_dict(orient="records"),
            }
        )
        return
    table = Table(
        "case",
        "published GPU-h",
        "estimated GPU-h",
        "error %",
        "source",
        title="Training: accelerator-hours",
    )
    for r in training.itertuples():
        table.add_row(
            r.case,
            f"{r.published_accelerator_hours:,.0f}",
            f"{r.estimated_accelerator_hours:,.0f}",
            f"{r.error_pct:+.1f}",
            r.source,
        )
    console().print(table)
    table = Table(
        Column("case", no_wrap=True),
        Column("published", justify="right"),
        Column("estimated", justify="right"),
        Column("error %", no_wrap=True, justify="right"),
        Column("role", no_wrap=True),
        title="Inference: output tokens/s per accelerator",
        caption="fit = sets the defaults; test = out of sample; * = known bias. "
        f"Sources: {', '.join(sorted(set(inference['source'])))} "
        "(validation.yaml; per case in --json).",
    )
    for r in inference.itertuples():
        table.add_row(
            r.case,
            f"{r.published_output_tokens_per_s_per_accelerator:,.0f}",
            f"{r.estimated_output_tokens_per_s_per_accelerator:,.0f}",
            f"{r.error_pct:+.1f}",
            r.role + ("*" if r.known_bias else ""),
        )
    console().print(table)
