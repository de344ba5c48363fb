"""``gigaplan power``: least-cost hourly supply of one AI campus."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gigaplan.cli import app
from gigaplan.cli._common import (
    CatalogOption,
    ForceOption,
    JsonOption,
    catalog_from,
    console,
    print_json,
    stage_status,
    validated,
)

#: Options that set a power: field; with --scenario the file sets them.
_SECTION_OPTIONS = {
    "region": "--region",
    "it_load_mw": "--it-load-mw",
    "co2_cap_t": "--co2-cap-t",
    "co2_intensity_cap": "--co2-intensity-cap",
    "cfe_share": "--cfe-share",
    "hourly_cfe": "--hourly-cfe",
    "reserve_margin": "--reserve-margin",
    "flexible_share": "--flexible-share",
    "rep_days": "--rep-days",
    "hours": "--hours",
    "profiles_csv": "--profiles-csv",
    "pv_peak_kw": "--pv-peak-kw",
}


@app.command("power")
def power(
    ctx: typer.Context,
    region: Annotated[
        str, typer.Option(help="Catalog region id, e.g. ercot.")
    ] = "ercot",
    it_load_mw: Annotated[float, typer.Option(help="Campus IT load, MW.")] = 1000.0,
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario file with a power: section.")
    ] = None,
    co2_cap_t: Annotated[float | None, typer.Option(help="Annual CO2 cap, t.")] = None,
    co2_intensity_cap: Annotated[
        float | None, typer.Option(help="CO2 per MWh served, annual cap, t/MWh.")
    ] = None,
    cfe_share: Annotated[
        float | None,
        typer.Option(
            help="Minimum carbon-free share of energy (annual; hourly "
            "energy-weighted with --hourly-cfe), 0..1."
        ),
    ] = None,
    hourly_cfe: Annotated[
        bool,
        typer.Option(
            help="Match carbon-free supply hour by hour (24/7); "
            "share 1 unless --cfe-share."
        ),
    ] = False,
    reserve_margin: Annotated[
        float | None, typer.Option(help="Firm capacity margin over peak.")
    ] = None,
    flexible_share: Annotated[
        float, typer.Option(help="Share of load (training) that can pause, 0..1.")
    ] = 0.0,
    rep_days: Annotated[
        int | None, typer.Option(help="Solve on N representative days (k-means).")
    ] = None,
    hours: Annotated[
        int, typer.Option(help="Hours modelled from Jan 1 (scaled to a year).")
    ] = 8760,
    profiles_csv: Annotated[
        list[Path] | None,
        typer.Option(
            help="CSV of hourly profiles overriding the synthetic ones; repeat "
            "for several files. gigaplan's layout (demand_mw, solar_cf, wind_cf, "
            "grid_price_usd_per_mwh) or a public one (renewables.ninja, PVGIS, "
            "EIA-930, ERCOT DAM, time and value), read from the header."
        ),
    ] = None,
    pv_peak_kw: Annotated[
        float | None,
        typer.Option(help="Peak kW of a PVGIS file's system if its header lacks it."),
    ] = None,
    export_pypsa: Annotated[
        Path | None,
        typer.Option(
            help="Also write the campus LP as a PyPSA network (netCDF) to this file.",
            metavar="FILE",
        ),
    ] = None,
    force: ForceOption = False,
    catalog: CatalogOption = None,
    json_out: JsonOption = False,
) -> None:
    """Least-cost mix and hourly dispatch of a campus's power supply."""
    from gigaplan.errors import InputError
    from gigaplan.power.model import memo, power_product
    from gigaplan.power.schema import PowerSection
    from gigaplan.power.stage import solve_section

    if co2_cap_t is not None and co2_intensity_cap is not None:
        raise InputError(
            "--co2-intensity-cap", co2_intensity_cap, "not together with --co2-cap-t"
        )
    if scenario is not None:
        from typer._click.core import ParameterSource

        from gigaplan.scenario import load_scenario

        for name, option in _SECTION_OPTIONS.items():
            if ctx.get_parameter_source(name) not in (None, ParameterSource.DEFAULT):
                raise InputError(
                    option,
                    ctx.params.get(name),
                    "not together with --scenario; set it in the file's power: section",
                )

        sc = load_scenario(scenario)
        section = sc.power or PowerSection()
    else:
        if not 24 <= hours <= 8760:
            raise InputError("--hours", hours, "24..8760")
        if rep_days is not None and not 1 <= rep_days <= hours // 24:
            raise InputError(
                "--rep-days", rep_days, f"1..{hours // 24} (days modelled)"
            )
        section = validated(
            PowerSection,
            {
                "region": region,
                "it_load_mw": it_load_mw,
                "co2_cap_t": co2_cap_t,
                "co2_intensity_cap_t_per_mwh": co2_intensity_cap,
                "cfe_share": cfe_share,
                "hourly_cfe": hourly_cfe,
                "reserve_margin": reserve_margin,
                "flexible_share": flexible_share,
                "rep_days": rep_days,
                "hours": hours,
                "profiles_csv": [str(p) for p in profiles_csv]
                if profiles_csv
                else None,
                "pv_peak_kw": pv_peak_kw,
            },
            names={"co2_intensity_cap_t_per_mwh": "--co2-intensity-cap"},
        )
    if export_pypsa is not None:
        from gigaplan._files import check_file_target
        from gigaplan.power.pypsa_network import _written_by_gigaplan

        check_file_target(
            export_pypsa, "--export-pypsa", force=force, ours=_written_by_gigaplan
        )
    profiles = None
    if section.profiles_csv is not None:
        from gigaplan.external import read_profiles

        frame = read_profiles(section.profiles_csv, section.hours, section.pv_peak_kw)
        profiles = {c: frame[c].to_numpy() for c in frame}
    cat = catalog_from(catalog)
    with stage_status("power", quiet=json_out) as status:
        status("reading the region and profiles")
        result = solve_section(section, cat, profiles)
        if export_pypsa is not None:
            from gigaplan.power.pypsa_network import export_campus
            from gigaplan.power.stage import campus_inputs

            status(f"writing the PyPSA network to {export_pypsa}")
            args, kwargs = campus_inputs(section, cat, profiles)
            export_campus(export_pypsa, args, kwargs, result, force=force)
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
