"""Training estimates against published runs: the accuracy table."""

from __future__ import annotations

import pandas as pd

from gigaplan.catalog.load import data_dir, read_yaml
from gigaplan.workloads.defaults import default


def training_accuracy_table() -> pd.DataFrame:
    """
    Published vs estimated accelerator-hours for each case in ``validation.yaml``.

    Estimates use 6·N·D at the sourced default MFU (Llama 3 paper, Table 4); no
    parameter is fitted on these cases, so every row is out of sample except the
    Llama 3.1 rows, which share a source with the MFU default.
    """
    raw = read_yaml(data_dir() / "workloads" / "validation.yaml")
    mfu = default("training_mfu")
    rows = []
    for case in raw["cases"]:
        flops = 6.0 * case["active_params"] * case["tokens"]
        est_h = flops / (mfu * case["peak_tflops"] * 1e12) / 3600.0
        pub_h = float(case["accelerator_hours"])
        rows.append(
            {
                "case": case["name"],
                "source": case["source"],
                "published_accelerator_hours": pub_h,
                "estimated_accelerator_hours": est_h,
                "error_pct": 100.0 * (est_h - pub_h) / pub_h,
            }
        )
    return pd.DataFrame(rows)
