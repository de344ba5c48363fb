"""Sweeps: run one scenario over a grid of assumptions, locally or on Dask.

:mod:`gigaplan.sweep.grid` turns a scenario and ``--grid`` options into one
scenario text per combination (pure); :mod:`gigaplan.sweep.execute` runs them
and collects one results row per combination.
"""

from gigaplan.sweep.execute import (
    SweepPlan,
    check_cluster_address,
    prepare_sweep,
    results_table,
    run_combination,
    run_sweep,
    summary_row,
)
from gigaplan.sweep.grid import (
    GridAxis,
    Step,
    apply_combination,
    combination_label,
    combination_yaml,
    expand_grid,
    parse_grid,
    parse_grid_spec,
    parse_path,
)

__all__ = [
    "GridAxis",
    "Step",
    "SweepPlan",
    "apply_combination",
    "check_cluster_address",
    "combination_label",
    "combination_yaml",
    "expand_grid",
    "parse_grid",
    "parse_grid_spec",
    "parse_path",
    "prepare_sweep",
    "results_table",
    "run_combination",
    "run_sweep",
    "summary_row",
]
