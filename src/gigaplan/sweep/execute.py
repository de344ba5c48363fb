"""Run a sweep's combinations: in this process, a local process pool, or Dask.

:func:`run_sweep` validates every combination first (:func:`prepare_sweep`),
then runs :func:`run_combination` on each in a worker and collects one row per
combination into a table whose rows and values do not depend on the executor.
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from gigaplan import _yaml
from gigaplan._limits import COMBINATIONS_ENV, check_memory, combinations_limit
from gigaplan.errors import GigaplanError, InputError
from gigaplan.sweep.grid import (
    GridAxis,
    check_axes,
    combination_label,
    combination_yaml,
    expand_grid,
    parse_grid_spec,
)

if TYPE_CHECKING:
    from gigaplan.catalog.schema import Catalog

log = logging.getLogger(__name__)

#: ``progress(done, total)``, called after each finished combination.
SweepProgress = Callable[[int, int], None]
Executor = Literal["serial", "local", "dask"]

#: Schemes a Dask scheduler address may use.
_DASK_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
_ADDRESS = re.compile(
    r"^(?:(?P<scheme>[a-z]+)://)?(?P<host>\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+)"
    r":(?P<port>[0-9]{1,5})/?$"
)


def _scalar(value: Any) -> Any:
    """A summary value as a plain scalar, or ``...`` when it is not one."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return ...


def summary_row(results: Iterable[Any]) -> dict[str, Any]:
    """Each stage's scalar summary values as ``<stage>.<key>`` columns.

    Parameters
    ----------
    results : iterable of StageResult
        One combination's stage results.

    Returns
    -------
    dict
        Numbers and text only; lists and tables are left out.

    Examples
    --------
    >>> from gigaplan.results import StageResult
    >>> summary_row([StageResult("plan", {"it_gw_end": 1.5, "sites": ["a"]})])
    {'plan.it_gw_end': 1.5}
    """
    row: dict[str, Any] = {}
    for result in results:
        for key, value in result.summary.items():
            shown = _scalar(value)
            if shown is not ...:
                row[f"{result.stage}.{key}"] = shown
    return row


def _error_text(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return text if isinstance(err, GigaplanError) else f"{type(err).__name__}: {text}"


def run_combination(index: int, scenario_yaml: str, catalog: Catalog) -> dict[str, Any]:
    """Run the pipeline on one combination's scenario; return its result row.

    This is the task a worker runs. It never raises for a failed run: the row
    then has ``status="failed"`` and the error message.

    Parameters
    ----------
    index : int
        Combination number, used in messages.
    scenario_yaml : str
        The combination's scenario text.
    catalog : Catalog
        The catalog to run against (loaded once by the caller).

    Returns
    -------
    dict
        ``status``, ``error`` and the flattened stage summaries.
    """
    from gigaplan.pipeline import run_pipeline

    try:
        run = run_pipeline(scenario_yaml, catalog=catalog, where=f"combination {index}")
    except Exception as err:
        log.info("combination %d failed: %s", index, err)
        return {"status": "failed", "error": _error_text(err)}
    return {"status": "ok", "error": "", **summary_row(run.results)}


@dataclass(frozen=True)
class SweepPlan:
    """A validated sweep, ready to run: one scenario text per combination.

    Attributes
    ----------
    axes : tuple of GridAxis
    combinations : tuple of tuple
        Values of each combination, in :func:`expand_grid` order.
    texts : tuple of str
        Scenario text of each combination.
    catalogs : tuple
        Catalog of each combination (shared objects when the lists agree).
    """

    axes: tuple[GridAxis, ...]
    combinations: tuple[tuple[Any, ...], ...]
    texts: tuple[str, ...]
    catalogs: tuple[Any, ...]


#: Memory per combination besides its scenario text: a result row, the parsed
#: scenario and the catalog reference (an upper bound, measured under 64 KB).
BYTES_PER_COMBINATION = 64 * 2**10


def check_grid_size(axes: Sequence[GridAxis], text_bytes: int) -> None:
    """Refuse a grid over the combination or memory limit before expanding it.

    The count is the product of the axis lengths, computed without building
    any combination; memory is that count times the scenario text and
    :data:`BYTES_PER_COMBINATION`.

    Parameters
    ----------
    axes : sequence of GridAxis
        The swept paths and their values.
    text_bytes : int
        Length of the scenario text. [bytes]
    """
    count = math.prod(len(axis.values) for axis in axes)
    shape = " x ".join(str(len(axis.values)) for axis in axes)
    limit = combinations_limit()
    if count > limit:
        raise InputError(
            "--grid",
            f"{count:,} combinations ({shape})",
            f"at most {limit:,} combinations in one sweep; use fewer values, "
            f"or set {COMBINATIONS_ENV} to raise the limit",
        )
    check_memory(
        "--grid",
        f"{count:,} combinations",
        count * (2.0 * text_bytes + BYTES_PER_COMBINATION),
        f"{count:,} scenarios of {text_bytes:,} characters and their results",
    )


def prepare_sweep(
    scenario_yaml: str,
    grid: Sequence[str | GridAxis],
    *,
    where: str = "scenario.yaml",
    base_dir: Path | None = None,
) -> SweepPlan:
    """Build and validate every combination's scenario before anything runs.

    Parameters
    ----------
    scenario_yaml : str
        The base scenario's text.
    grid : sequence of str or GridAxis
        ``--grid`` options (``PATH=v1,v2``) or parsed axes.
    where : str
        Name of the scenario in messages.
    base_dir : Path, optional
        Folder relative paths in the scenario are resolved against.

    Returns
    -------
    SweepPlan
        Every combination's scenario text and catalog.

    Raises
    ------
    InputError
        A bad grid option, a path not in the scenario, or a combination that is
        not a valid scenario (the message names the combination).
    """
    from gigaplan.catalog import load_catalog
    from gigaplan.pipeline import parse_scenario

    axes = check_axes(
        [g if isinstance(g, GridAxis) else parse_grid_spec(g) for g in grid]
    )
    parse_scenario(scenario_yaml, where)
    doc = _yaml.safe_load(scenario_yaml) or {}
    check_grid_size(axes, len(scenario_yaml))
    combos = tuple(expand_grid(axes))
    texts: list[str] = []
    catalogs: list[Any] = []
    loaded: dict[tuple[str, ...], Any] = {}
    base = base_dir or Path.cwd()
    for i, values in enumerate(combos):
        text = combination_yaml(doc, axes, values)
        try:
            scenario = parse_scenario(text, where="")
        except InputError as err:
            raise InputError(
                "--grid",
                combination_label(axes, values),
                f"combination {i + 1} of {len(combos)} is not a valid scenario: {err}",
            ) from None
        key = tuple(scenario.catalog)
        if key not in loaded:
            loaded[key] = load_catalog([base / p for p in key])
        texts.append(text)
        catalogs.append(loaded[key])
    return SweepPlan(axes, combos, tuple(texts), tuple(catalogs))


def check_cluster_address(address: str) -> str:
    """Check a Dask scheduler address (``tcp://HOST:PORT``); return it.

    Parameters
    ----------
    address : str
        As typed after ``--cluster``.

    Returns
    -------
    str
        The address without surrounding spaces.

    Examples
    --------
    >>> check_cluster_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    match = _ADDRESS.match(address.strip())
    scheme = match.group("scheme") if match else None
    if (
        match is None
        or (scheme is not None and scheme not in _DASK_SCHEMES)
        or not 0 < int(match.group("port")) < 65536
    ):
        raise InputError(
            "--cluster",
            address,
            "a Dask scheduler address like tcp://HOST:8786 "
            f"(schemes: {', '.join(_DASK_SCHEMES)})",
        )
    return address.strip()


def _run_serial(
    plan: SweepPlan, progress: SweepProgress | None
) -> list[dict[str, Any]]:
    rows = []
    for i, (text, catalog) in enumerate(zip(plan.texts, plan.catalogs, strict=True)):
        rows.append(run_combination(i, text, catalog))
        if progress:
            progress(i + 1, len(plan.texts))
    return rows


def _quiet_worker() -> None:
    """Pool initializer: send a worker's stdout (solver banners) to /dev/null.

    Only the parent prints; a worker's errors come back in its result row.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def _mp_context() -> Any:
    """Spawn: same behaviour on every platform, no fork of a threaded parent."""
    return multiprocessing.get_context("spawn")


@contextlib.contextmanager
def _main_not_rerun() -> Iterator[None]:
    """Keep spawned workers from running the caller's script again.

    A spawned worker normally re-runs the parent's ``__main__`` (by path, or
    by module name under ``python -m``) so that functions defined there can
    be unpickled; a plain script without an ``if __name__ == "__main__":``
    guard would then start the sweep again inside every worker, and the pool
    breaks. The workers run only :func:`run_combination` on strings, which
    need nothing from ``__main__``, so while the pool lives ``__main__``
    shows multiprocessing neither its file nor its module name.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    names: tuple[str, ...] = ("__file__", "__spec__")
    saved: dict[str, Any] = {k: main.__dict__[k] for k in names if k in vars(main)}
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


def _run_local(
    plan: SweepPlan, max_workers: int, progress: SweepProgress | None
) -> list[dict[str, Any]]:
    total = len(plan.texts)
    rows: list[dict[str, Any] | None] = [None] * total
    workers = max(1, min(max_workers, total))
    with (
        _main_not_rerun(),
        ProcessPoolExecutor(
            max_workers=workers, mp_context=_mp_context(), initializer=_quiet_worker
        ) as pool,
    ):
        futures: dict[Future[dict[str, Any]], int] = {
            pool.submit(run_combination, i, text, catalog): i
            for i, (text, catalog) in enumerate(
                zip(plan.texts, plan.catalogs, strict=True)
            )
        }
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                rows[futures[future]] = _result_or_failed(future)
                if progress:
                    progress(done, total)
        except BaseException:  # Ctrl-C: drop what has not started, then re-raise
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return _filled(rows)


def _filled(rows: Sequence[dict[str, Any] | None]) -> list[dict[str, Any]]:
    missing = [i for i, row in enumerate(rows) if row is None]
    if missing:
        raise GigaplanError(f"sweep lost the results of combinations {missing}")
    return [row for row in rows if row is not None]


def _result_or_failed(future: Any) -> dict[str, Any]:
    """A task's row; a task that died (worker killed, pickling) becomes failed."""
    try:
        return dict(future.result())
    except Exception as err:
        return {"status": "failed", "error": _error_text(err)}


def _run_dask(
    plan: SweepPlan,
    address: str,
    progress: SweepProgress | None,
    connect_timeout_s: float,
) -> list[dict[str, Any]]:
    from distributed import Client
    from distributed import as_completed as dask_as_completed

    try:
        client = Client(address, timeout=connect_timeout_s, set_as_default=False)
    except Exception as err:  # any failure to connect is one line, exit 1
        raise GigaplanError(
            f"cannot reach the Dask scheduler at {address} "
            f"within {connect_timeout_s:g} s ({type(err).__name__})"
        ) from None
    total = len(plan.texts)
    rows: list[dict[str, Any] | None] = [None] * total
    with client:
        futures = {
            client.submit(run_combination, i, text, catalog, pure=False): i
            for i, (text, catalog) in enumerate(
                zip(plan.texts, plan.catalogs, strict=True)
            )
        }
        for done, future in enumerate(
            dask_as_completed(list(futures), loop=client.loop), start=1
        ):
            rows[futures[future]] = _result_or_failed(future)
            future.release()
            if progress:
                progress(done, total)
    return _filled(rows)


def results_table(
    axes: Sequence[GridAxis],
    combinations: Sequence[Sequence[Any]],
    rows: Sequence[Mapping[str, Any]],
) -> pd.DataFrame:
    """One row per combination: swept values, status, error, stage summaries.

    Columns are in a fixed order: the axes, ``status``, ``error``, then summary
    columns in the order they first appear going down the combinations. The
    index is the combination number, ``combination``.

    Parameters
    ----------
    axes : sequence of GridAxis
        The swept paths.
    combinations : sequence of sequence
        Each combination's values, one per axis.
    rows : sequence of mapping
        Each combination's ``status``, ``error`` and summary columns.

    Returns
    -------
    pandas.DataFrame
        The table, in the column order above.
    """
    records = []
    for values, row in zip(combinations, rows, strict=True):
        record: dict[str, Any] = {
            a.column: v for a, v in zip(axes, values, strict=True)
        }
        record.update(row)
        records.append(record)
    columns = [a.column for a in axes] + ["status", "error"]
    for row in rows:
        columns += [k for k in row if k not in columns]
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame.index.name = "combination"
    return frame


def run_sweep(
    scenario_yaml: str,
    grid: Sequence[str | GridAxis],
    *,
    executor: Executor = "local",
    cluster_address: str | None = None,
    max_workers: int = 2,
    progress: SweepProgress | None = None,
    where: str = "scenario.yaml",
    base_dir: Path | None = None,
    connect_timeout_s: float = 5.0,
) -> pd.DataFrame:
    """Run a scenario for every combination of a grid; one row per combination.

    Parameters
    ----------
    scenario_yaml : str
        The base scenario file text.
    grid : sequence of str or GridAxis
        Grid options, ``PATH=v1,v2,...`` or ``PATH*=f1,f2,...``.
    executor : {"local", "dask", "serial"}
        ``local``: a process pool on this machine; ``dask``: the Dask cluster at
        ``cluster_address``; ``serial``: one after another in this process.
    cluster_address : str, optional
        Dask scheduler address (``tcp://HOST:8786``); needed for ``dask``.
    max_workers : int
        Processes of the local pool.
    progress : callable, optional
        ``progress(done, total)`` after each finished combination.
    where : str
        Scenario file name used in error messages.
    base_dir : Path, optional
        Folder that relative ``catalog`` paths in the scenario are read from.
    connect_timeout_s : float
        How long to wait for the Dask scheduler. [s]

    Returns
    -------
    DataFrame
        Index ``combination`` (0, 1, ...); columns: each swept path (``path*=``
        for a scale axis) with its value, ``status`` (``ok``/``failed``),
        ``error`` (message, empty when ok), and ``<stage>.<key>`` for each
        scalar summary value. The same for every executor.

    Raises
    ------
    InputError
        A bad grid option or cluster address, a path not in the scenario, or a
        combination that is not a valid scenario. Nothing has run then.
    GigaplanError
        The Dask scheduler cannot be reached.
    """
    if executor not in ("serial", "local", "dask"):
        raise InputError("executor", executor, "one of serial, local, dask")
    if executor == "dask":
        if cluster_address is None:
            raise InputError("--cluster", None, "the dask executor needs an address")
        cluster_address = check_cluster_address(cluster_address)
    if max_workers < 1:
        raise InputError("--workers", max_workers, "must be >= 1")
    plan = prepare_sweep(scenario_yaml, grid, where=where, base_dir=base_dir)
    if executor == "serial":
        rows = _run_serial(plan, progress)
    elif executor == "local":
        rows = _run_local(plan, max_workers, progress)
    else:
        assert cluster_address is not None
        rows = _run_dask(plan, cluster_address, progress, connect_timeout_s)
    return results_table(plan.axes, plan.combinations, rows)
