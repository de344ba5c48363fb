"""``gigaplan risk``: a plan against many demand paths."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gigaplan._files import check_file_target, write_file
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


@app.command("risk")
def risk_command(
    scenario: Annotated[
        Path, typer.Argument(help="Scenario YAML with a risk: section.")
    ],
    plan_ref: Annotated[
        str | None,
        typer.Option(
            "--plan",
            help="Stored run id ('latest') or CSV/parquet capacity table; "
            "default risk.plan, else solve the scenario's plan: section.",
        ),
    ] = None,
    paths: Annotated[
        int | None,
        typer.Option("--paths", min=1, help="Demand paths (default risk.paths)."),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Threads for the evaluation.")
    ] = 2,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="Run store for --plan RUN (default $GIGAPLAN_DB or the user "
            "data directory).",
            dir_okay=False,
        ),
    ] = None,
    scenarios_out: Annotated[
        Path | None,
        typer.Option(
            "--scenarios-out",
            help="Write the reduced scenarios (risk.reduction) as a YAML list "
            "to paste under plan.scenarios.",
        ),
    ] = None,
    force: ForceOption = False,
    json_out: JsonOption = False,
    catalog: CatalogOption = None,
    wide: WideOption = False,
) -> None:
    """P(shortfall), stranded capacity, NPV and break-even of a plan."""
    import numpy as np

    from gigaplan.errors import InputError
    from gigaplan.external import load_capacity
    from gigaplan.risk.stage import assess
    from gigaplan.scenario import load_scenario

    if scenarios_out is not None:
        check_file_target(
            scenarios_out, "--scenarios-out", force=force, ours=_is_scenarios_file
        )
    scen = load_scenario(scenario)
    section = scen.risk
    if section is None:
        raise InputError(str(scenario), "risk", "the scenario has no risk: section")
    ref = plan_ref or section.plan
    upstream = None
    if ref is None:
        if scen.plan is None:
            raise InputError(
                "risk.plan",
                None,
                "no plan to evaluate: add a plan: section, set risk.plan, or "
                "give --plan RUN|FILE",
            )
        from gigaplan.stages.plan import run_stage as run_plan

    with stage_status("risk", quiet=json_out) as status:
        if ref is None:
            status("solving the plan to evaluate (buildout LP, HiGHS)")
            upstream = {"plan": run_plan(scen, catalog_from(catalog))}
        else:
            status(f"reading the plan's capacity from {ref}")
        capacity = load_capacity(ref, upstream, db)
        result = assess(
            section,
            capacity,
            np.random.default_rng(scen.seed),
            n_paths=paths,
            workers=workers,
        )
    if scenarios_out is not None:
        if "reduced_scenarios" not in result.tables:
            raise InputError(
                "--scenarios-out", str(scenarios_out), "needs a risk.reduction section"
            )
        _write_scenarios(result.tables["reduced_scenarios"], scenarios_out, force=force)
    if json_out:
        print_json(stage_payload(result))
        return
    con = console()
    con.print(key_value_table(f"risk: {scen.name}", result.summary))
    frame = result.tables["by_period"].merge(result.tables["shortfall"], on="period")
    cols = [
        "period",
        "p_shortfall_inference",
        "inference_unmet_tokens_p95",
        "utilisation_p50",
        "cash_flow_usd_p5",
        "cash_flow_usd_p50",
        "cash_flow_usd_p95",
    ]
    table = frame_table(
        "by period (percentiles over demand paths)",
        frame,
        cols,
        dollar_year=result.summary.get("dollar_year"),
    )
    print_table(con, table, wide=wide)
    con.print(result.text)


_SCENARIOS_HEADER = (
    "# Reduced demand scenarios from gigaplan risk (cluster means of the\n"
    "# demand paths, probability = share of paths); paste under plan.scenarios.\n"
)


def _is_scenarios_file(path: Path) -> bool:
    """Whether ``path`` is a file an earlier ``--scenarios-out`` wrote."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(_SCENARIOS_HEADER)) == _SCENARIOS_HEADER.encode()
    except OSError:
        return False


def _write_scenarios(frame: object, path: Path, *, force: bool) -> None:
    """Reduced scenarios as ``plan.scenarios`` entries, written as YAML."""
    import pandas as pd
    import yaml

    assert isinstance(frame, pd.DataFrame)
    entries = [
        {
            "name": str(name),
            "probability": float(group["probability"].iloc[0]),
            "inference_tokens": [float(v) for v in group["inference_demand_tokens"]],
            "training_flop": [float(v) for v in group["training_demand_flop"]],
        }
        for name, group in frame.groupby("scenario", sort=False)
    ]
    text = _SCENARIOS_HEADER + yaml.safe_dump(entries, sort_keys=False)
    write_file(
        path,
        lambda tmp: tmp.write_text(text, encoding="utf-8"),
        field="--scenarios-out",
        force=force,
        ours=_is_scenarios_file,
    )
