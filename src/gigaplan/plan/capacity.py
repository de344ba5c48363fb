"""The plan's capacity per period: what the risk stage evaluates against demand.

A plan over a scenario tree has one build per scenario after the first-stage
periods. The risk stage needs one capacity path, so this table holds the
**expected** (probability-weighted) plan: in the first-stage periods every
scenario builds the same (non-anticipativity), so there it is exactly the
here-and-now decision; later it is the average recourse build. Capacity and
money are linear in the build, so the expected capacity and the expected
capex belong to the same (average) build.
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from gigaplan.units import HOURS_PER_QUARTER

#: Hours in a quarter of a Julian year (365.25 d), as the planner counts them.

#: Columns of :func:`capacity_table`, the contract between plan and risk.
CAPACITY_COLUMNS: tuple[str, ...] = (
    "period",
    "inference_capacity_tokens",
    "training_capacity_flop",
    "accelerator_hours",
    "capex_usd",
    "opex_usd",
    "it_mw",
    "facility_mw",
)


def _expected(da: xr.DataArray, ds: xr.Dataset) -> xr.DataArray:
    return (da * ds.probability).sum("scenario") if "scenario" in da.dims else da


def capacity_table(ds: xr.Dataset) -> pd.DataFrame:
    """Expected capacity, cost and power of a plan per period.

    Parameters
    ----------
    ds : xarray.Dataset
        A solved plan's dataset (:class:`gigaplan.plan.results.Plan`).

    Returns
    -------
    pandas.DataFrame
        One row per period with the columns of :data:`CAPACITY_COLUMNS`:
        ``inference_capacity_tokens`` [tokens per quarter] if the whole fleet
        served inference, ``training_capacity_flop`` [FLOP per quarter] if it
        all trained, ``accelerator_hours`` [h per quarter] the fleet's busy
        hours, ``capex_usd`` and ``opex_usd`` [USD of the plan's dollar year],
        ``it_mw`` and ``facility_mw`` [MW]. All at the plan's ``utilisation``
        (the busy share of installed hours the planner assumed).

    Notes
    -----
    The expected plan, not one scenario's: see the module docstring.
    """
    utilisation = float(ds.attrs.get("utilisation", 1.0))
    units = ds.units_in_service.sum(["site", "accelerator"])
    if "units_existing" in ds:  # owned before the start, and leased
        units = units + ds.units_existing.sum("accelerator")
        units = units + ds.units_leased.sum("accelerator")
    lease = ds.lease_usd if "lease_usd" in ds else 0.0
    frame = pd.DataFrame(
        {
            "period": [str(p) for p in ds.period.values],
            "inference_capacity_tokens": _expected(
                ds.inference_capacity_tokens, ds
            ).values,
            "training_capacity_flop": _expected(ds.training_capacity_flop, ds).values,
            "accelerator_hours": _expected(units, ds).values
            * HOURS_PER_QUARTER
            * utilisation,
            "capex_usd": _expected(ds.capex_usd, ds).values,
            "opex_usd": _expected(ds.opex_usd + lease, ds).values,
            "it_mw": _expected(ds.it_mw, ds).values,
            "facility_mw": _expected(ds.facility_mw, ds).values,
        }
    )
    # the busy share the planner assumed; risk separates it from its own use
    frame["planning_utilisation"] = utilisation
    # value left at the horizon's end of what each period bought (plan
    # end_value), which risk counts as a terminal value of the NPV
    if "end_value_usd" in ds:
        frame["end_value_usd"] = _expected(ds.end_value_usd, ds).values
    # every column sums non-negative LP variables times non-negative prices; a
    # value below zero is solver dust (-2e-6 $ beside $7e10 seen), not a number
    numeric = [c for c in frame.columns[1:] if c != "planning_utilisation"]
    frame[numeric] = frame[numeric].clip(lower=0.0)
    return frame
