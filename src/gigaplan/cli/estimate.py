"""``gigaplan estimate training``: compute, time, energy, CO2 and cost of a run."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gigaplan.cli import app
from gigaplan.cli._common import (
    CatalogOption,
    JsonOption,
    catalog_from,
    console,
    print_json,
    validated,
)

if TYPE_CHECKING:
    from pydantic import BaseModel

estimate_app = typer.Typer(
    help="Training and inference estimates.", no_args_is_help=True
)
app.add_typer(estimate_app, name="estimate")


def _print_estimate(out: dict[str, float | None]) -> None:
    """A two-column table of an estimate, numbers in the units people read."""
    from rich.table import Table

    from gigaplan.report.format import human

    table = Table(show_header=True, header_style="bold")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for key, value in out.items():
        table.add_row(key, human(key, value))
    console().print(table)


def _case_fields(case: type[BaseModel], options: dict[str, Any]) -> dict[str, Any]:
    """The command's options that are fields of ``case``, named ``cli``."""
    return {"name": "cli"} | {
        k: v for k, v in options.items() if k in case.model_fields and k != "name"
    }


def _show(out: dict[str, Any], json_out: bool) -> None:
    """An estimate as JSON or as a table."""
    if json_out:
        print_json(out)
    else:
        _print_estimate(out)


#: ``--price-usd-per-accelerator-hour`` of both estimates.
PriceOption = Annotated[
    float | None,
    typer.Option(
        help="Rental price per accelerator-hour [USD]; default: the catalog's "
        "dated rental_usd_per_hour for the chip (see `gigaplan catalog`).",
        min=0,
    ),
]


@estimate_app.command("training")
def training(
    tokens: Annotated[float, typer.Option(help="Training tokens.")],
    accelerator: Annotated[str, typer.Option(help="Catalog accelerator id.")] = "h100",
    count: Annotated[int, typer.Option(help="Accelerators in the job.")] = 1024,
    model: Annotated[str | None, typer.Option(help="Catalog model id.")] = None,
    params: Annotated[
        float | None, typer.Option(help="Parameters (if no --model).")
    ] = None,
    active_params: Annotated[
        float | None, typer.Option(help="Active params (MoE).")
    ] = None,
    seq_len: Annotated[
        int | None,
        typer.Option(help="Sequence length: adds the attention FLOPs (needs --model)."),
    ] = None,
    mfu: Annotated[float | None, typer.Option(help="Model FLOPs utilisation.")] = None,
    precision: Annotated[str, typer.Option(help="bf16|fp8|fp4.")] = "bf16",
    pue: Annotated[float | None, typer.Option(help="Facility PUE.")] = None,
    region: Annotated[str | None, typer.Option(help="Catalog region id.")] = None,
    grid_kgco2_per_mwh: Annotated[
        float | None, typer.Option(help="Grid intensity.")
    ] = None,
    price_usd_per_accelerator_hour: PriceOption = None,
    catalog: CatalogOption = None,
    json_out: JsonOption = False,
) -> None:
    """Estimate one pre-training run (6·N·D FLOPs at a sourced default MFU)."""
    options = locals()  # the options named as TrainingCase's fields
    from gigaplan.errors import InputError
    from gigaplan.workloads.schema import TrainingCase
    from gigaplan.workloads.stage import training_case

    if model is not None and params is not None:
        raise InputError("--params", params, "give --model or --params, not both")
    if seq_len is not None and model is None:
        raise InputError("--seq-len", seq_len, "needs --model (layers, attention)")
    if params is not None and active_params is not None and active_params > params:
        raise InputError(
            "--active-params", active_params, f"must be at most --params={params:g}"
        )
    case = validated(TrainingCase, _case_fields(TrainingCase, options))
    est = training_case(catalog_from(catalog), case)
    _show(dataclasses.asdict(est), json_out)


@estimate_app.command("inference")
def inference(
    model: Annotated[str, typer.Option(help="Catalog model id.")] = "llama-3.1-70b",
    accelerator: Annotated[str, typer.Option(help="Catalog accelerator id.")] = "h100",
    count: Annotated[int, typer.Option(help="Accelerators per replica.")] = 8,
    precision: Annotated[
        str | None,
        typer.Option(
            help="bf16|fp8|fp4; default fp8 where the chip has it natively, else "
            "bf16 (the output says which)."
        ),
    ] = None,
    batch: Annotated[int, typer.Option(help="Concurrent sequences.")] = 64,
    input_tokens: Annotated[int, typer.Option(help="Prompt tokens.")] = 1000,
    output_tokens: Annotated[int, typer.Option(help="Output tokens.")] = 500,
    tokens_per_day: Annotated[float | None, typer.Option(help="Fleet sizing.")] = None,
    pue: Annotated[float | None, typer.Option(help="Facility PUE.")] = None,
    price_usd_per_accelerator_hour: PriceOption = None,
    catalog: CatalogOption = None,
    json_out: JsonOption = False,
) -> None:
    """Estimate serving: prefill compute-bound, decode per-step roofline."""
    options = locals()  # the options named as InferenceCase's fields
    from gigaplan.workloads.schema import InferenceCase
    from gigaplan.workloads.stage import inference_case

    case = validated(InferenceCase, _case_fields(InferenceCase, options))
    est = inference_case(catalog_from(catalog), case)
    out = dataclasses.asdict(est)
    if tokens_per_day is None:  # no fleet sized
        for key in ("accelerators_needed", "it_mw", "facility_mw"):
            out.pop(key, None)
    _show(out, json_out)
