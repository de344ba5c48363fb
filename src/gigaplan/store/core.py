"""The run store: connection, lock, transactions, saving and loading runs.

The tables are described in :mod:`gigaplan.store.schema`, a run's record in
:mod:`gigaplan.store.runinfo`.

Atomicity: a run's tables, its ``run_tables`` rows and its ``runs`` row are
written in ONE transaction, so a reader sees a run whole or not at all; a
process killed mid-write (Ctrl-C, ``kill -9``) leaves an uncommitted
transaction that DuckDB discards when the file is next opened. DuckDB allows
one process to hold a database file at a time, so every access takes an
exclusive ``flock`` on ``<db>.lock`` first and holds the connection only for
the read or write itself (the stages run outside the lock). Two concurrent
runs therefore both land intact, one after the other.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gigaplan._json import jsonable
from gigaplan.errors import GigaplanError, InputError
from gigaplan.store._duck import (
    duck_reason,
    duckdb_error,
    ident,
    os_reason,
    tidy_for_duckdb,
)
from gigaplan.store.runinfo import (
    RunInfo,
    StorableRun,
    info_from_row,
    new_run_id,
    scenario_sha256,
)
from gigaplan.store.schema import ensure_schema

if TYPE_CHECKING:
    import duckdb


#: Environment variable that overrides the default database path.
DB_ENV = "GIGAPLAN_DB"
_RUN_REF = re.compile(r"^[0-9a-f-]{4,22}$")


def default_db_path() -> Path:
    """``$GIGAPLAN_DB``, else ``runs.duckdb`` in the user's data directory.

    Returns
    -------
    Path
        The database file (it may not exist yet).
    """
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("gigaplan", appauthor=False)) / "runs.duckdb"


class RunStore:
    """A DuckDB file of runs; each method opens, works and closes under a lock.

    Parameters
    ----------
    path : Path, optional
        Database file; default :func:`default_db_path`.
    lock_timeout_s : float
        How long to wait for another process's write before giving up. [s]

    Notes
    -----
    A method's ``ref`` names a run by its id, a unique prefix of it, or
    ``latest`` (the newest complete run).
    """

    def __init__(self, path: Path | None = None, lock_timeout_s: float = 120.0):
        self.path = Path(path) if path is not None else default_db_path()
        self.lock_timeout_s = lock_timeout_s

    # -- connection -------------------------------------------------------
    @contextmanager
    def _connect(self, *, write: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection under the store's lock (see the class notes).

        Reading works on read-only media: when the lock file cannot be made,
        a store that exists is opened read-only without the lock. Writing
        there is one line that says the location is read-only.
        """
        import duckdb

        if self.path.exists() and self.path.is_dir():
            raise InputError("db", str(self.path), "is a folder, not a database file")
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock_file = open(lock_path, "a+")  # noqa: SIM115 (closed below)
        except OSError as err:
            if write or not self.path.is_file():
                raise InputError("db", str(self.path), os_reason(err)) from None
            with self._open(duckdb, read_only=True) as con:
                yield con
            return
        with lock_file:
            deadline = time.monotonic() + self.lock_timeout_s
            while True:
                try:
                    fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise GigaplanError(
                            f"run store {self.path} is busy (another gigaplan "
                            f"process held it for {self.lock_timeout_s:g} s)"
                        ) from None
                    time.sleep(0.05)
            try:
                with self._open(duckdb, read_only=False) as con:
                    yield con
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)

    @contextmanager
    def _open(
        self, duckdb: Any, *, read_only: bool
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        try:
            con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as err:
            raise GigaplanError(
                f"cannot open run store {self.path}: {duck_reason(err)}"
            ) from None
        try:
            if not read_only:
                ensure_schema(con)
            yield con
        finally:
            con.close()

    def check_writable(self) -> None:
        """Open the store for writing once, so that a store another program
        holds, or a read-only location, is found before a run computes."""
        with self._connect():
            pass

    # -- writing ----------------------------------------------------------
    def save(
        self,
        run: StorableRun,
        *,
        run_id: str | None = None,
        package_version: str | None = None,
    ) -> str:
        """Store a finished run and all its tables in one transaction.

        Returns
        -------
        run_id : str
            The id the run is stored under.

        Parameters
        ----------
        run : StorableRun
            A finished run (:class:`gigaplan.pipeline.PipelineRun`).
        run_id : str, optional
            Default: a new id from the run's start time.
        package_version : str, optional
            Default: this gigaplan's version.
        """
        from gigaplan._version import __version__

        run_id = run_id or new_run_id(run.started_at)
        summary = {r.stage: jsonable(r.summary) for r in run.results}
        texts = {r.stage: r.text for r in run.results}
        tables = [
            (r.stage, key, tidy_for_duckdb(frame))
            for r in run.results
            for key, frame in r.tables.items()
            if len(frame.columns)  # a table with no columns has nothing to keep
        ]
        if run.sources:
            cited = pd.DataFrame(
                sorted(run.sources.items()), columns=["source", "citation"]
            )
            tables.append(("run", "catalog_sources", cited))
        with self._connect() as con, self._transaction(con, "save the run"):
            for stage, key, frame in tables:
                duck = f"t_{ident(run_id)}_{ident(stage)}_{ident(key)}"
                self._create_table(con, duck, frame)
                con.execute(
                    "INSERT INTO run_tables VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        run_id,
                        stage,
                        key,
                        duck,
                        len(frame),
                        json.dumps(list(frame.columns)),
                    ],
                )
            con.execute(
                "INSERT INTO runs VALUES (?, ?, 'complete', ?, ?, ?, ?, ?, ?, ?, "
                "?, ?, NULL)",
                [
                    run_id,
                    run.scenario.name,
                    run.scenario_yaml,
                    run.scenario_sha256,
                    run.catalog_version,
                    package_version or __version__,
                    _naive_utc(run.started_at),
                    _naive_utc(run.finished_at),
                    json.dumps([r.stage for r in run.results]),
                    json.dumps(summary),
                    json.dumps(texts),
                ],
            )
        return run_id

    @contextmanager
    def _transaction(
        self, con: duckdb.DuckDBPyConnection, doing: str
    ) -> Iterator[None]:
        """One transaction: committed whole or rolled back, with the real cause.

        A failed rollback never hides why the work failed; a full disk or a
        file error becomes one line naming the store.
        """
        con.execute("BEGIN TRANSACTION")
        try:
            yield
            con.execute("COMMIT")
        except BaseException as err:
            with contextlib.suppress(Exception):  # the real error matters
                con.execute("ROLLBACK")
            if isinstance(err, OSError | duckdb_error()):
                raise GigaplanError(
                    f"cannot {doing} in run store {self.path}: "
                    f"{duck_reason(err)}; nothing was changed"
                ) from None
            raise

    @staticmethod
    def _create_table(
        con: duckdb.DuckDBPyConnection, duck_table: str, frame: pd.DataFrame
    ) -> None:
        con.register("_gigaplan_frame", frame)
        try:
            con.execute(f'CREATE TABLE "{duck_table}" AS SELECT * FROM _gigaplan_frame')
        finally:
            con.unregister("_gigaplan_frame")

    def save_failed(
        self,
        scenario_yaml: str,
        name: str,
        error: str,
        started_at: datetime,
        *,
        catalog_version: str = "",
    ) -> str:
        """Record a run that failed: its scenario and error, no tables.

        Parameters
        ----------
        scenario_yaml : str
            The scenario text that failed.
        name : str
            The scenario's name.
        error : str
            The error, one line.
        started_at : datetime
            When the run started (UTC).
        catalog_version : str
            The catalog's version, where it was loaded.

        Returns
        -------
        str
            The failed run's id.
        """
        from gigaplan._version import __version__

        run_id = new_run_id(started_at)
        with self._connect() as con:
            con.execute(
                "INSERT INTO runs VALUES (?, ?, 'failed', ?, ?, ?, ?, ?, ?, '[]', "
                "'{}', '{}', ?)",
                [
                    run_id,
                    name,
                    scenario_yaml,
                    scenario_sha256(scenario_yaml),
                    catalog_version,
                    __version__,
                    _naive_utc(started_at),
                    _naive_utc(datetime.now(UTC)),
                    error,
                ],
            )
        return run_id

    def delete(self, ref: str) -> str:
        """Delete a run and its tables in one transaction; returns its id.

        Parameters
        ----------
        ref : str
            The run to delete (see the class notes).

        Returns
        -------
        str
            The deleted run's full id.
        """
        with self._connect() as con:
            run_id = self._resolve(con, ref)
            with self._transaction(con, "delete the run"):
                for (duck,) in con.execute(
                    "SELECT duck_table FROM run_tables WHERE run_id = ?", [run_id]
                ).fetchall():
                    con.execute(f'DROP TABLE IF EXISTS "{duck}"')
                con.execute("DELETE FROM run_tables WHERE run_id = ?", [run_id])
                con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
        return run_id

    # -- reading ----------------------------------------------------------
    def _resolve(self, con: duckdb.DuckDBPyConnection, ref: str) -> str:
        ref = str(ref).strip().lower()
        if ref in ("latest", "last"):
            row = con.execute(
                "SELECT run_id FROM runs WHERE status = 'complete' "
                "ORDER BY started_at DESC, run_id DESC LIMIT 1"
            ).fetchone()
            if row is None:
                raise InputError("run", ref, "the run store has no complete run yet")
            return str(row[0])
        if not _RUN_REF.match(ref):
            raise InputError(
                "run", ref, "a run id (YYYYMMDD-HHMMSS-xxxxxx), a prefix, or 'latest'"
            )
        ids = [
            r[0]
            for r in con.execute(
                "SELECT run_id FROM runs WHERE starts_with(run_id, ?) ORDER BY run_id",
                [ref],
            ).fetchall()
        ]
        if len(ids) == 1:
            return str(ids[0])
        if not ids:
            raise InputError("run", ref, "no such run; see `gigaplan runs list`")
        raise InputError("run", ref, f"ambiguous: matches {', '.join(ids[:5])}")

    def resolve(self, ref: str) -> str:
        """Full id of the run ``ref`` names (id, unique prefix, or ``latest``).

        Parameters
        ----------
        ref : str
            Run id, unique prefix, or ``latest`` (newest complete run).

        Returns
        -------
        str
            The full run id; an :class:`InputError` when none or several match.
        """
        with self._connect(write=False) as con:
            return self._resolve(con, ref)

    def list_runs(self) -> list[RunInfo]:
        """Every stored run, newest first (summaries included, no tables).

        Returns
        -------
        list of RunInfo
            Newest first; empty for a new store.
        """
        with self._connect(write=False) as con:
            return _read_infos(con, None)

    def get(self, ref: str) -> RunInfo:
        """One run's record (no table data).

        Parameters
        ----------
        ref : str
            The run to read (see the class notes).

        Returns
        -------
        RunInfo
            The run's row of ``runs`` with its table list.
        """
        with self._connect(write=False) as con:
            return _read_infos(con, self._resolve(con, ref))[0]

    def tables(self, ref: str) -> dict[str, pd.DataFrame]:
        """All result tables of a run, keyed ``<stage>_<name>``.

        Parameters
        ----------
        ref : str
            The run whose tables to read (see the class notes).

        Returns
        -------
        dict of str to DataFrame
            Every stored table of the run.
        """
        with self._connect(write=False) as con:
            run_id = self._resolve(con, ref)
            listed = con.execute(
                "SELECT stage, name, duck_table FROM run_tables WHERE run_id = ? "
                "ORDER BY stage, name",
                [run_id],
            ).fetchall()
            return {
                f"{stage}_{name}": con.execute(f'SELECT * FROM "{duck}"').df()
                for stage, name, duck in listed
            }

    def table_names(self) -> set[str]:
        """Names of every DuckDB table in the file (for consistency checks).

        Returns
        -------
        set of str
            DuckDB table names, the store's own included.
        """
        with self._connect(write=False) as con:
            return {
                r[0]
                for r in con.execute(
                    "SELECT table_name FROM duckdb_tables()"
                ).fetchall()
            }

    def export(
        self, ref: str, out_dir: Path, fmt: str = "parquet", *, force: bool = False
    ) -> list[Path]:
        """Write a run's tables, scenario and record to ``out_dir``.

        ``fmt`` is ``parquet`` or ``csv`` (a file per table) or ``xlsx`` (one
        workbook ``run.xlsx``: a summary sheet, then a sheet per table with a
        units row under the header; see :func:`gigaplan.interop.write_xlsx`).

        The folder rules of :func:`gigaplan._files.write_folder` apply: a new,
        empty or earlier-export folder (``force`` adds to any other folder), and
        no file gigaplan did not write is ever replaced or removed.

        Parameters
        ----------
        ref : str
            The run to export (see the class notes).
        out_dir : Path
            The folder to write.
        fmt : str
            ``parquet``, ``csv`` or ``xlsx``.
        force : bool
            Write into a folder that holds other files.

        Returns
        -------
        list of Path
            The files written.
        """
        from functools import partial

        from gigaplan._files import FileWriter, check_folder_target, write_folder

        if fmt not in ("parquet", "csv", "xlsx"):
            raise InputError("format", fmt, "parquet, csv or xlsx")
        check_folder_target(out_dir, "--out", force=force)
        info = self.get(ref)
        frames = self.tables(info.run_id)
        files: dict[str, FileWriter] = {}
        if fmt == "xlsx":  # one workbook: a summary sheet, a sheet per table
            from gigaplan.interop import write_xlsx

            files["run.xlsx"] = partial(write_xlsx, tables=frames, summary=info.summary)
        for key, frame in frames.items() if fmt != "xlsx" else ():
            method = frame.to_parquet if fmt == "parquet" else frame.to_csv
            files[f"{key}.{fmt}"] = partial(method, index=False)
        record = json.dumps(info.as_dict(), indent=2)
        files["scenario.yaml"] = partial(
            Path.write_text, data=info.scenario_yaml, encoding="utf-8"
        )
        files["run.json"] = partial(Path.write_text, data=record, encoding="utf-8")
        return write_folder(out_dir, files, field="--out", force=force)


def _naive_utc(when: datetime) -> datetime:
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when


def _read_infos(con: duckdb.DuckDBPyConnection, run_id: str | None) -> list[RunInfo]:
    """Records of one run (``run_id``) or of all runs, newest first."""
    where, params = ("WHERE run_id = ?", [run_id]) if run_id else ("", [])
    rows = con.execute(
        f"SELECT * FROM runs {where} ORDER BY started_at DESC, run_id DESC", params
    ).fetchall()
    cols = [d[0] for d in con.description or ()]
    listed = dict(
        con.execute(
            "SELECT run_id, list(struct_pack(stage, name, n_rows)) "
            f"FROM run_tables {where} GROUP BY run_id",
            params,
        ).fetchall()
    )
    records = [dict(zip(cols, row, strict=True)) for row in rows]
    return [info_from_row(r, listed.get(r["run_id"])) for r in records]
