"""What the store knows about a run: its id, its record, what it is given to keep."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from gigaplan._json import jsonable
from gigaplan.results import StageResult

_RUN_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class StorableRun(Protocol):
    """A finished run as the store keeps it (:class:`gigaplan.pipeline.PipelineRun`)."""

    @property
    def scenario_yaml(self) -> str: ...
    @property
    def scenario(self) -> _Named: ...
    @property
    def scenario_sha256(self) -> str: ...
    @property
    def catalog_version(self) -> str: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def finished_at(self) -> datetime: ...
    @property
    def results(self) -> tuple[StageResult, ...]: ...
    @property
    def sources(self) -> Mapping[str, str]: ...


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unguessable run id: ``YYYYMMDD-HHMMSS-xxxxxx`` (UTC).

    Parameters
    ----------
    now : datetime, optional
        The run's start; default the current UTC time.

    Returns
    -------
    run_id : str
        Date and time to the second, then six random hex digits.
    """
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def is_run_id(text: str) -> bool:
    """Whether ``text`` has the exact form of a run id.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    bool
        True for ``YYYYMMDD-HHMMSS-xxxxxx``.
    """
    return bool(_RUN_ID.match(text))


def scenario_sha256(text: str) -> str:
    """SHA-256 (hex) of a scenario file's text, as stored with every run.

    Parameters
    ----------
    text : str
        The scenario file's text, exactly as given.

    Returns
    -------
    str
        64 hex digits.
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RunInfo:
    """One row of ``runs``: what a run was, without its tables.

    Attributes
    ----------
    summary : dict
        Stage name -> that stage's summary (flat, units in the keys).
    text : dict
        Stage name -> that stage's memo text.
    tables : list of tuple
        ``(stage, name, n_rows)`` of each stored result table.
    """

    run_id: str
    name: str
    status: str
    scenario_yaml: str
    scenario_sha256: str
    catalog_version: str
    package_version: str
    started_at: datetime | None
    finished_at: datetime | None
    stages: tuple[str, ...]
    summary: dict[str, dict[str, Any]] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    tables: tuple[tuple[str, str, int], ...] = ()

    @property
    def duration_s(self) -> float | None:
        """Wall-clock seconds from start to end."""
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (times as ISO 8601 UTC).

        Returns
        -------
        dict
            The record with its table list, JSON-ready.
        """
        return {
            "run_id": self.run_id,
            "name": self.name,
            "status": self.status,
            "scenario_sha256": self.scenario_sha256,
            "catalog_version": self.catalog_version,
            "package_version": self.package_version,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "duration_s": self.duration_s,
            "stages": list(self.stages),
            "summary": jsonable(self.summary),
            "text": self.text,
            "error": self.error,
            "tables": [
                {"stage": s, "name": n, "rows": r, "key": f"{s}_{n}"}
                for s, n, r in self.tables
            ],
        }


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.replace(tzinfo=UTC).isoformat()


def info_from_row(
    row: Mapping[str, Any], tables: list[Mapping[str, Any]] | None
) -> RunInfo:
    """A :class:`RunInfo` from a ``runs`` row and its ``run_tables`` entries.

    Parameters
    ----------
    row : mapping
        Column name -> value of one ``runs`` row.
    tables : list of mapping, optional
        ``{"stage", "name", "n_rows"}`` of each of the run's tables.

    Returns
    -------
    RunInfo
        Missing text fields as ``""``, JSON fields decoded.
    """
    listed = sorted(
        (t["stage"], t["name"], int(t["n_rows"] or 0)) for t in tables or []
    )
    return RunInfo(
        run_id=row["run_id"],
        name=row["name"] or "",
        status=row["status"],
        scenario_yaml=row["scenario_yaml"] or "",
        scenario_sha256=row["scenario_sha256"] or "",
        catalog_version=row["catalog_version"] or "",
        package_version=row["package_version"] or "",
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        stages=tuple(json.loads(row["stages"] or "[]")),
        summary=json.loads(row["summary_json"] or "{}"),
        text=json.loads(row["text_json"] or "{}"),
        error=row["error"],
        tables=tuple(listed),
    )
