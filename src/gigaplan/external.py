"""Files and stored runs a scenario names, read once at the edge of a run.

Stages are pure: they never open a file or the run store. What a scenario
points at outside itself (an hourly profiles CSV for ``power``, an earlier
plan for ``risk``) is read here by the pipeline or a CLI verb, and handed to
the stage as the ``inputs`` entry of its ``upstream`` mapping
(:data:`INPUTS_STAGE`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from gigaplan.errors import InputError
from gigaplan.results import (
    INPUTS_STAGE,
    POWER_PROFILES,
    RISK_CAPACITY,
    StageResult,
    Upstream,
)
from gigaplan.scenario import is_table_file

if TYPE_CHECKING:
    import pandas as pd

    from gigaplan.risk.evaluate import Capacity
    from gigaplan.scenario import Scenario


def read_capacity_table(ref: str, db: Path | None = None) -> pd.DataFrame:
    """The capacity table named by ``risk.plan`` (or ``risk --plan``).

    Parameters
    ----------
    ref : str
        A ``.csv``/``.parquet`` file, or a stored run: id, unique prefix or
        ``latest``, whose ``plan_capacity`` table is read.
    db : Path, optional
        The run store to look runs up in (the ``--db`` of the command).

    Returns
    -------
    pandas.DataFrame
        The table as stored; :meth:`gigaplan.risk.evaluate.Capacity.from_table`
        checks it.
    """
    import pandas as pd

    path = Path(ref)
    if is_table_file(ref) or path.is_file():
        if not path.is_file():
            raise InputError("risk.plan", ref, "file not found")
        try:
            if path.suffix.lower() == ".parquet":
                return pd.read_parquet(path)
            return pd.read_csv(path)
        except (ValueError, OSError, UnicodeDecodeError) as err:
            raise InputError("risk.plan", ref, f"not a readable table: {err}") from None
    from gigaplan.store import RunStore

    tables = RunStore(db).tables(ref)
    if "plan_capacity" not in tables:
        raise InputError(
            "risk.plan",
            ref,
            "that run has no plan_capacity table (was it run with a plan: "
            "section by this version of gigaplan?)",
        )
    return tables["plan_capacity"]


def load_capacity(
    ref: str | None,
    upstream: Upstream = None,
    db: Path | None = None,
) -> Capacity:
    """The checked capacity a risk run evaluates (``risk --plan`` and tests).

    ``ref`` as in :func:`read_capacity_table`; ``None`` takes the ``plan``
    stage's capacity table from ``upstream``.

    Parameters
    ----------
    ref : str, optional
        A table file or a stored run; None for the ``plan`` stage in ``upstream``.
    upstream : mapping of str to StageResult, optional
        Earlier stages of this run.
    db : Path, optional
        The run store to look runs up in.

    Returns
    -------
    Capacity
        Checked against :data:`gigaplan.plan.capacity.CAPACITY_COLUMNS`.
    """
    from gigaplan.risk.evaluate import Capacity
    from gigaplan.risk.stage import upstream_capacity

    if ref is None:
        return upstream_capacity(upstream)
    where = f"risk.plan {Path(ref).name}" if is_table_file(ref) else f"run {ref}"
    return Capacity.from_table(read_capacity_table(ref, db), where)


def read_profiles(
    paths: str | list[str], hours: int, pv_peak_kw: float | None = None
) -> pd.DataFrame:
    """Hourly profiles CSV files as a frame (one column per profile).

    Parameters
    ----------
    paths : str or list of str
        The CSV files (``power.profiles_csv``), each in gigaplan's layout or a
        public one (:func:`gigaplan.power.csvio.read_profile_files`).
    hours : int
        Hours the campus LP needs. [h]
    pv_peak_kw : float, optional
        Peak power of a PVGIS file's system when its header lacks it. [kW]

    Returns
    -------
    DataFrame
        One column per profile (``solar_cf``, ``grid_price_usd_per_mwh``, ...).
    """
    import pandas as pd

    from gigaplan.power.csvio import read_profile_files

    return pd.DataFrame(read_profile_files(paths, hours, pv_peak_kw))


def gather(scenario: Scenario, db: Path | None = None) -> StageResult:
    """Read everything the scenario names outside itself.

    Parameters
    ----------
    scenario : Scenario
        Validated, its paths resolved.
    db : Path, optional
        The run store a ``risk.plan`` run reference is looked up in.

    Returns
    -------
    StageResult
        Stage ``inputs`` whose tables are :data:`POWER_PROFILES` and
        :data:`RISK_CAPACITY` when the scenario names them.
    """
    tables: dict[str, Any] = {}
    # sections of injected test stages are plain mappings: nothing to read
    power, risk = scenario.power, scenario.risk
    csv = getattr(power, "profiles_csv", None)
    if power is not None and csv is not None:
        tables[POWER_PROFILES] = read_profiles(csv, power.hours, power.pv_peak_kw)
    ref = getattr(risk, "plan", None)
    if ref is not None:
        tables[RISK_CAPACITY] = read_capacity_table(ref, db)
    return StageResult(stage=INPUTS_STAGE, summary={}, tables=tables)
