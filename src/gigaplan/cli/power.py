"""``gigaplan power``: least-cost hourly supply of one AI campus."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gigaplan.cli import app
from gigaplan.cli._common import (
    CatalogOption,
    JsonOption,
    catalog_from,
    console,
    print_json,
)


@app.command("power")
def power(
    region: Annotated[
        str, typer.Option(help="Catalog region id, e.g. ercot.")
    ] = "ercot",
    it_load_mw: Annotated[float, typer.Option(help="Campus IT load, MW.")] = 1000.0,
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario file with a power: section.")
    ] = None,
    co2_cap_t: Annotated[float | None, typer.Option(help="Annual CO2 cap, t.")] = None,
    reserve_margin: Annotated[
        float | None, typer.Option(help="Firm capacity margin over peak.")
    ] = None,
    hours: Annotated[
        int, typer.Option(help="Hours modelled from Jan 1 (scaled to a year).")
    ] = 8760,
    catalog: CatalogOption = None,
    json_out: JsonOption = False,
) -> None:
    """Least-cost mix and hourly dispatch of a campus's power supply."""
    from gigaplan.power.model import memo, power_product
    from gigaplan.power.stage import PowerSection, solve_section

    if scenario is not None:
        from gigaplan.scenario import load_scenario

        sc = load_scenario(scenario)
        section = sc.power or PowerSection()
        if isinstance(section, dict):
            section = PowerSection.model_validate(section)
    else:
        from gigaplan.errors import InputError

        for name, val in (
            ("--it-load-mw", it_load_mw),
            ("--co2-cap-t", co2_cap_t),
            ("--reserve-margin", reserve_margin),
        ):
            if val is not None and val < 0:
                raise InputError(name, val, "a number >= 0")
        if not 24 <= hours <= 8760:
            raise InputError("--hours", hours, "24..8760")
        section = PowerSection(
            region=region,
            it_load_mw=it_load_mw,
            co2_cap_t=co2_cap_t,
            reserve_margin=reserve_margin,
            hours=hours,
        )
    result = solve_section(section, catalog_from(catalog))
    if json_out:
        print_json(
            {
                "summary": result.summary,
                "duals": result.duals,
                "product": power_product(result),
            }
        )
    else:
        console().print(memo(result))
