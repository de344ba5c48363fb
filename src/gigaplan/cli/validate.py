"""``gigaplan validate``: estimates against published runs, as tables."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gigaplan.cli import app
from gigaplan.cli._common import JsonOption, console, print_json

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table


@app.command("validate")
def validate(json_out: JsonOption = False) -> None:
    """Print published vs estimated training hours and inference tokens/s."""
    from gigaplan.workloads.validation import (
        energy_accuracy_table,
        error_summary,
        inference_accuracy_table,
        training_accuracy_table,
    )

    training = training_accuracy_table()
    inference = inference_accuracy_table()
    energy = energy_accuracy_table()
    summary = (
        error_summary(training, "training")
        + error_summary(inference, "inference")
        + [
            row
            for boundary, part in energy.groupby("boundary")
            for row in error_summary(part, f"energy ({boundary})")
        ]
    )
    if json_out:
        print_json(
            {
                "summary": summary,
                "training": training.to_dict(orient="records"),
                "inference": inference.to_dict(orient="records"),
                "energy": energy.to_dict(orient="records"),
            }
        )
        return
    for table in (
        _training_table(training),
        _inference_table(inference),
        _energy_table(energy),
        _summary_table(summary),
    ):
        console().print(table)


def _training_table(training: pd.DataFrame) -> Table:
    """Published vs estimated accelerator-hours, one row per run."""
    from rich.table import Table

    table = Table(
        "case",
        "published GPU-h",
        "estimated GPU-h",
        "error %",
        "role",
        "source",
        title="Training: accelerator-hours",
    )
    for r in training.itertuples():
        loo = (
            ""
            if r.loo_error_pct is None or r.loo_error_pct != r.loo_error_pct
            else (f" (LOO {r.loo_error_pct:+.0f})")
        )
        table.add_row(
            r.case,
            f"{r.published_accelerator_hours:,.0f}",
            f"{r.estimated_accelerator_hours:,.0f}",
            f"{r.error_pct:+.1f}{loo}",
            r.role,
            r.source,
        )
    return table


def _inference_table(inference: pd.DataFrame) -> Table:
    """Published vs estimated output tokens/s, one row per case."""
    from rich.table import Column, Table

    table = Table(
        Column("case", no_wrap=True),
        Column("published", justify="right"),
        Column("estimated", justify="right"),
        Column("error %", no_wrap=True, justify="right"),
        Column("role", no_wrap=True),
        title="Inference: output tokens/s per accelerator",
        caption="fit = sets the defaults; test = out of sample. "
        f"Sources: {', '.join(sorted(set(inference['source'])))} "
        "(validation.yaml; per case in --json).",
    )
    for r in inference.itertuples():
        table.add_row(
            r.case,
            f"{r.published_output_tokens_per_s_per_accelerator:,.0f}",
            f"{r.estimated_output_tokens_per_s_per_accelerator:,.0f}",
            f"{r.error_pct:+.1f}",
            r.role,
        )
    return table


def _energy_table(energy: pd.DataFrame) -> Table:
    """Measured vs estimated energy, one row per case."""
    from rich.table import Column, Table

    table = Table(
        Column("case", no_wrap=True),
        "boundary",
        "quantity",
        Column("measured", justify="right"),
        Column("estimated", justify="right"),
        Column("error %", justify="right"),
        "role",
        title="Energy: measured vs estimated at its boundary",
        caption="Sources per case in validation.yaml (energy_cases) and --json.",
    )
    for r in energy.itertuples():
        table.add_row(
            r.case,
            r.boundary,
            r.quantity,
            f"{r.measured:,.3g}",
            f"{r.estimated:,.3g}",
            f"{r.error_pct:+.1f}",
            r.role,
        )
    return table


def _summary_table(summary: list[dict[str, Any]]) -> Table:
    """Error statistics by group and role."""
    from rich.table import Table

    table = Table(
        "group",
        "role",
        "cases",
        "median |error| %",
        "worst |error| %",
        "worst ratio",
        "LOO median / worst %",
        title="Summary (fit = in sample, test = out of sample)",
    )
    for row in summary:
        loo = (
            f"{row['loo_median_abs_error_pct']:.0f} / "
            f"{row['loo_worst_abs_error_pct']:.0f}"
            if "loo_median_abs_error_pct" in row
            else ""
        )
        table.add_row(
            row["group"],
            row["role"],
            str(row["cases"]),
            f"{row['median_abs_error_pct']:.1f}",
            f"{row['worst_abs_error_pct']:.1f}",
            f"{row['worst_ratio']:.2f}x",
            loo,
        )
    return table
