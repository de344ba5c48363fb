"""Sourced calibration constants from ``catalog/data/workloads/defaults.yaml``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from gigaplan.catalog.load import data_dir, read_yaml


@cache
def _defaults(path: Path) -> dict[str, float]:
    raw = read_yaml(path)
    return {
        k: float(v["value"])
        for k, v in raw.items()
        if isinstance(v, dict) and "value" in v
    }


def default(name: str) -> float:
    """Value of one calibration constant (see the YAML file for its source)."""
    return _defaults(data_dir() / "workloads" / "defaults.yaml")[name]
