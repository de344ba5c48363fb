"""``gigaplan factory``: can the build pipeline sustain N GW/week, what binds."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gigaplan.cli import app
from gigaplan.cli._common import (
    CatalogOption,
    JsonOption,
    catalog_from,
    console,
    frame_table,
    key_value_table,
    stage_status,
)
from gigaplan.errors import InputError

if TYPE_CHECKING:
    pass


@app.command("factory")
def factory(
    scenario: Annotated[
        Path, typer.Argument(help="Scenario YAML with a factory: section.")
    ],
    target_gw_per_week: Annotated[
        float | None,
        typer.Option("--target-gw-per-week", help="Target rate [GW/week]."),
    ] = None,
    replications: Annotated[
        int | None, typer.Option("--replications", help="Replications (default: file).")
    ] = None,
    whatif: Annotated[
        bool, typer.Option("--whatif/--no-whatif", help="Search what-ifs for a target.")
    ] = True,
    catalog: CatalogOption = None,
    json: JsonOption = False,
) -> None:
    """Simulate the GW build pipeline: GW energised per week, stage queues,
    utilisation, the bottleneck in each period and what reaches a target rate."""
    from gigaplan.factory.schema import FactorySection
    from gigaplan.factory.stage import run_factory
    from gigaplan.scenario import load_scenario

    limit = FactorySection.model_fields["replications"].metadata
    most = next(m.le for m in limit if getattr(m, "le", None) is not None)
    if replications is not None and not 1 <= replications <= most:
        raise InputError("--replications", replications, f"1..{most:,} (the limit)")
    if target_gw_per_week is not None and not (
        math.isfinite(target_gw_per_week) and target_gw_per_week > 0
    ):
        raise InputError(
            "--target-gw-per-week", target_gw_per_week, "a finite number > 0"
        )
    scen = load_scenario(scenario)
    if scen.factory is None:
        raise InputError(
            f"{scenario}: factory", None, "the scenario has no factory: section"
        )
    with stage_status("factory", quiet=json) as status:
        status("simulating the build pipeline")
        result = run_factory(
            scen.factory,
            scen.seed,
            replications=replications,
            target_gw_per_week=target_gw_per_week,
            whatif=whatif,
            catalog=catalog_from([*(Path(p) for p in scen.catalog), *(catalog or [])]),
        )
    if json:
        from gigaplan.cli._common import print_json

        print_json(
            {
                "summary": result.summary,
                "tables": {
                    k: v.astype({c: str for c in v.columns if "date" in c}).to_dict(
                        orient="records"
                    )
                    for k, v in result.tables.items()
                },
            }
        )
        return
    out = console()
    out.print(key_value_table("factory", result.summary))
    out.print(
        frame_table(
            "stages (mean over replications)",
            result.tables["stages"],
            [
                "stage",
                "projects_entered_mean",
                "wait_weeks_mean",
                "service_weeks_mean",
                "wip_mean",
                "littles_law_rel_gap",
            ],
        )
    )
    bott = result.tables["bottleneck"]
    out.print(
        frame_table(
            "bottleneck by period",
            bott,
            [
                "period_start_date",
                "gw_energised_mean",
                "bottleneck_by_relaxation",
                "bottleneck_by_utilisation",
            ],
        )
    )
    for key, title in (
        ("whatif_single", "smallest increase of one resource reaching the target"),
        ("whatif_combination", "cheapest combination found (greedy)"),
    ):
        if key in result.tables:
            frame = result.tables[key]
            cols = [
                c
                for c in (
                    "resource",
                    "multiplier_needed",
                    "capacity_added_at_peak",
                    "unit",
                    "cost_usd",
                )
                if c in frame
            ]
            out.print(frame_table(title, frame, cols))
    out.print(result.text)
