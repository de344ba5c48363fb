"""The run store: every run, its scenario and result tables, in one DuckDB file.

:mod:`~gigaplan.store.core` holds the store (lock, connection, transactions,
save and load), :mod:`~gigaplan.store.schema` its tables and
:mod:`~gigaplan.store.runinfo` a run's record and id. Comparing runs lives in
:mod:`gigaplan.compare`.
"""

from gigaplan.store._duck import duckdb_error
from gigaplan.store.core import DB_ENV, RunStore, default_db_path
from gigaplan.store.runinfo import (
    RunInfo,
    StorableRun,
    is_run_id,
    new_run_id,
    scenario_sha256,
)

__all__ = [
    "DB_ENV",
    "RunInfo",
    "RunStore",
    "StorableRun",
    "default_db_path",
    "duckdb_error",
    "is_run_id",
    "new_run_id",
    "scenario_sha256",
]
