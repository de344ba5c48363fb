"""``gigaplan plan``: multi-year buildout under uncertain demand."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from gigaplan._files import FileWriter, check_folder_target, write_folder
from gigaplan.cli import app
from gigaplan.cli._common import (
    CatalogOption,
    ForceOption,
    JsonOption,
    WideOption,
    catalog_from,
    console,
    frame_table,
    key_value_table,
    print_json,
    print_table,
    stage_payload,
    stage_status,
)


@app.command("plan")
def plan_command(
    scenario: Annotated[
        Path, typer.Argument(help="Scenario YAML with a plan: section.")
    ],
    json_out: JsonOption = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write plan.nc and CSV tables to this new, empty or earlier "
            "plan --out folder (never touches other files).",
        ),
    ] = None,
    force: ForceOption = False,
    catalog: CatalogOption = None,
    wide: WideOption = False,
) -> None:
    """Plan chips, sites, MW and power quarter by quarter; show what binds."""
    from rich.table import Table

    from gigaplan.errors import InputError
    from gigaplan.plan.stage import summarise
    from gigaplan.scenario import load_scenario
    from gigaplan.stages.plan import solve_scenario_plan

    if out is not None:
        check_folder_target(out, "--out", force=force)
    scen = load_scenario(scenario)
    if scen.plan is None:
        raise InputError(str(scenario), "plan", "the scenario has no plan: section")
    with stage_status("plan", quiet=json_out) as status:
        status("building and solving the buildout LP (HiGHS)")
        result = solve_scenario_plan(scen, catalog_from(catalog))
        status("summarising the plan")
        stage = summarise(result)
    if out is not None:
        from gigaplan.interop import write_plan_netcdf

        files: dict[str, FileWriter] = {
            "plan.nc": partial(write_plan_netcdf, result.dataset)
        }
        for key, frame in stage.tables.items():
            files[f"{key}.csv"] = partial(frame.to_csv, index=False)
        write_folder(out, files, field="--out", force=force)
    if json_out:
        print_json(stage_payload(stage, text=False))
        return
    con = console()
    con.print(key_value_table(f"plan: {scen.name}", stage.summary))
    table = frame_table(
        "by period (expected over scenarios)",
        stage.tables["by_period"],
        [
            "period",
            "facility_gw",
            "gw_online_added_per_week",
            "capex_usd",
            "inference_unmet_fraction",
            "training_unmet_fraction",
        ],
        dollar_year=stage.summary.get("dollar_year"),
    )
    print_table(con, table, wide=wide)
    top = stage.tables["bottlenecks"]
    top = top[top["binding"]].nlargest(10, "shadow_price_usd")
    bt = Table(title="top binding limits (expected PV $ per unit)")
    for col in ("limit", "period", "item", "shadow_price_usd", "unit"):
        bt.add_column(col)
    for row in top.itertuples(index=False):
        bt.add_row(
            row.limit,
            str(row.period),
            row.item,
            f"{row.shadow_price_usd:,.3g}",
            row.unit,
        )
    con.print(bt)
    con.print(stage.text)
