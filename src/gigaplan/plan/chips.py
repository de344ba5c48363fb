"""The plan's per-accelerator numbers, from the catalog and the workload estimator.

Each plan accelerator gets four numbers: output tokens/s and training FLOP/s
on the plan's reference workload, all-in IT W and price. Where they come
from, in order:

1. typed in the scenario (``output_tokens_per_s`` ...);
2. ``like: CHIP`` with ``multipliers``: the estimator's number for the
   catalog chip ``CHIP`` times the multiplier (1 when not given), for a chip
   the catalog does not have yet (Rubin, MI450, a custom ASIC);
3. ``catalog_id: CHIP`` (or, without either, the accelerator's ``name``): the
   estimator's number for that catalog chip
   (:func:`gigaplan.workloads.capability.accelerator_capability`, the code of
   ``gigaplan estimate``).

Whenever a catalog chip is named, every number is also shown beside the
estimator's and their ratio; a typed number more than :data:`WARN_RATIO` from
it either way is flagged in the run summary.

The IT power the plan provisions is the larger of the chip's serving and
training draw (a campus is sized for its busiest use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from gigaplan.errors import InputError
from gigaplan.plan.schema import AcceleratorOption, PlanSection

if TYPE_CHECKING:
    from gigaplan.catalog.schema import Catalog

#: A typed number further than this factor from the estimator's is flagged.
WARN_RATIO = 1.5
#: quantity -> (field in the scenario, unit)
QUANTITIES: dict[str, tuple[str, str]] = {
    "tokens": ("output_tokens_per_s", "tokens/s"),
    "flop_per_s": ("training_flop_per_s", "FLOP/s"),
    "power_w": ("power_w", "W"),
    "price": ("price_usd", "USD"),
}


def estimator_numbers(
    section: PlanSection, catalog: Catalog | None, chip: str
) -> dict[str, float | None]:
    """The estimator's four numbers for catalog chip ``chip`` on the workload.

    Parameters
    ----------
    section : PlanSection
        Gives the reference workload and model.
    catalog : Catalog, optional
        Default: the shipped catalog.
    chip : str
        Catalog accelerator id.

    Returns
    -------
    dict of str to float
        ``tokens`` [tokens/s], ``flop_per_s`` [FLOP/s], ``power_w`` [W] and
        ``price`` [$] per accelerator (None where the catalog has no price).
    """
    from gigaplan.catalog.load import shipped_catalog
    from gigaplan.workloads.capability import accelerator_capability

    w = section.reference_workload
    cap = accelerator_capability(
        shipped_catalog(catalog),
        chip,
        section.reference_model,
        precision=w.precision,
        batch=w.batch,
        input_tokens=w.input_tokens,
        output_tokens=w.output_tokens,
    )
    return {
        "tokens": cap.output_tokens_per_s_per_accelerator,
        "flop_per_s": cap.training_flops_per_s_per_accelerator,
        "power_w": max(cap.it_power_w, cap.training_it_power_w)
        or cap.power_w_per_accelerator,
        "price": cap.price_usd,
    }


def _reference_chip(a: AcceleratorOption) -> str | None:
    return a.catalog_id or a.like


def _one(
    section: PlanSection, catalog: Catalog | None, i: int, a: AcceleratorOption
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    typed = {q: getattr(a, field) for q, (field, _) in QUANTITIES.items()}
    chip = _reference_chip(a)
    if chip is None and all(v is not None for v in typed.values()):
        rows = [_row(a.name, q, typed[q], "typed", None, None) for q in QUANTITIES]
        return {q: float(v) for q, v in typed.items()}, rows
    chip = chip or a.name
    model = estimator_numbers(section, catalog, chip)
    mult = a.multipliers.as_dict() if a.multipliers is not None else {}
    values: dict[str, float] = {}
    rows = []
    for q in QUANTITIES:
        base = model[q]
        if typed[q] is not None:
            value, source = float(typed[q]), "typed"
        elif base is None:
            raise InputError(
                f"plan.accelerators[{i}].{QUANTITIES[q][0]}",
                None,
                f"the catalog has no figure for {chip}; give it",
            )
        elif a.like is not None:
            factor = mult.get(q, 1.0)
            value, source = float(base) * factor, f"like {chip} x {factor:g}"
        else:
            value, source = float(base), f"catalog {chip} (estimator)"
        values[q] = value
        rows.append(_row(a.name, q, value, source, chip, base))
    return values, rows


def _row(
    name: str,
    quantity: str,
    value: float,
    source: str,
    chip: str | None,
    estimator: float | None,
) -> dict[str, Any]:
    ratio = None if not estimator else value / float(estimator)
    far = ratio is not None and not (1 / WARN_RATIO <= ratio <= WARN_RATIO)
    return {
        "accelerator": name,
        "quantity": QUANTITIES[quantity][0],
        "value": value,
        "unit": QUANTITIES[quantity][1],
        "source": source,
        "estimator_chip": chip,
        "estimator_value": None if estimator is None else float(estimator),
        "ratio_to_estimator": ratio,
        "flag": bool(far and source == "typed"),
    }


def resolve_chips(
    section: PlanSection, catalog: Catalog | None
) -> tuple[dict[str, dict[str, float]], pd.DataFrame]:
    """Every plan accelerator's numbers and the table of where each came from.

    Parameters
    ----------
    section : PlanSection
        The validated plan section.
    catalog : Catalog or None
        Where named chips are looked up; None for the shipped catalog.

    Returns
    -------
    numbers : dict
        Accelerator name -> ``tokens``, ``flop_per_s``, ``power_w``, ``price``.
    table : pandas.DataFrame
        One row per accelerator and quantity: ``value``, ``unit``,
        ``source``, the estimator's value for the named catalog chip, their
        ratio and ``flag`` (a typed number more than :data:`WARN_RATIO` from
        the estimator's).
    """
    numbers: dict[str, dict[str, float]] = {}
    rows: list[dict[str, Any]] = []
    for i, a in enumerate(section.accelerators):
        numbers[a.name], more = _one(section, catalog, i, a)
        rows.extend(more)
    return numbers, pd.DataFrame(rows)


def flagged_text(table: pd.DataFrame) -> list[str]:
    """One warning line per typed number far from the estimator's.

    Parameters
    ----------
    table : pandas.DataFrame
        The table :func:`resolve_chips` returns.

    Returns
    -------
    lines : list of str
        ``WARNING: ...`` lines, one per flagged row.
    """
    lines = []
    for r in table[table["flag"]].itertuples(index=False):
        lines.append(
            f"WARNING: {r.accelerator} {r.quantity} = {r.value:,.4g} {r.unit} is "
            f"{r.ratio_to_estimator:.2f}x what the estimator gives for "
            f"{r.estimator_chip} ({r.estimator_value:,.4g}) on the plan's "
            "reference workload"
        )
    return lines
