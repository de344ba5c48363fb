"""Runs started from the web: checked, queued one at a time, cancellable.

This is the web app's only caller of the pipeline and of ``store.save``:
:meth:`Jobs.submit` checks a scenario (shape, files, sizes, schema) and
queues it; :func:`_run` runs and records it, as ``gigaplan run`` does.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gigaplan.errors import GigaplanError, InputError
from gigaplan.store import RunStore
from gigaplan.web.scenario_guard import (
    WHERE,
    WebLimits,
    check_sizes,
    confine_files,
    load_checked,
)

if TYPE_CHECKING:
    from gigaplan.scenario import Scenario

log = logging.getLogger(__name__)

#: Finished jobs remembered for polling; older ones are forgotten. [count]
KEEP_FINISHED = 200
ACTIVE = ("queued", "running")


@dataclass
class Job:
    """A run started from the web UI; changes as its stages progress."""

    job_id: str
    client: str
    status: str = "queued"  # queued, running, complete, failed, cancelled
    stage: str = ""
    completed: int = 0
    total: int = 0
    run_id: str | None = None
    error: str | None = None
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def as_dict(self) -> dict[str, Any]:
        """JSON form (without the client address).

        Returns
        -------
        dict
            Id, status, times, run id and error.
        """
        return {k: v for k, v in self.__dict__.items() if k != "client"}


class JobLimitError(GigaplanError):
    """Too many jobs queued: for this client or for the server."""


class JobStateError(GigaplanError):
    """The job is past the state the request needs (cancel a running job)."""


class Jobs:
    """The job table and the one worker thread that runs them in turn.

    Parameters
    ----------
    store : RunStore
        Where finished and failed runs are recorded.
    limits : WebLimits
        Job and size limits.
    data_dir : Path, optional
        Folder scenarios may name files in; None lets them name none.
    stage_funcs : mapping of str to callable, optional
        Stage name -> ``run_stage`` (tests inject fakes).
    """

    def __init__(
        self,
        store: RunStore,
        limits: WebLimits,
        data_dir: Path | None = None,
        stage_funcs: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        self.store, self.limits = store, limits
        self.data_dir, self.stage_funcs = data_dir, stage_funcs
        self._jobs: dict[str, Job] = {}
        self._futures: dict[str, Future[None]] = {}
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="gigaplan-run"
        )

    def submit(self, text: str, client: str) -> Job:
        """Check a scenario and queue it; raises InputError or JobLimitError.

        Parameters
        ----------
        text : str
            Scenario YAML from the request.
        client : str
            The client's address (for the per-client limit).

        Returns
        -------
        Job
            The queued job.
        """
        to_run, scenario = self._check(text)
        job = Job(job_id=uuid.uuid4().hex, client=client)
        with self._lock:
            active = [j for j in self._jobs.values() if j.status in ACTIVE]
            mine = sum(j.client == client for j in active)
            if mine >= self.limits.jobs_per_client:
                raise JobLimitError(
                    f"jobs: {mine} queued or running from this client, at most "
                    f"{self.limits.jobs_per_client}; wait or cancel one"
                )
            if len(active) >= self.limits.jobs_queued:
                raise JobLimitError(
                    f"jobs: {len(active)} queued or running, at most "
                    f"{self.limits.jobs_queued} on this server; try again later"
                )
            self._jobs[job.job_id] = job
            self._forget_old()
            self._futures[job.job_id] = self._executor.submit(
                self._run, job, text, to_run, scenario
            )
        return job

    def get(self, job_id: str) -> dict[str, Any] | None:
        """A job's JSON form, or None.

        Parameters
        ----------
        job_id : str
            The id :meth:`submit` gave.

        Returns
        -------
        dict or None
            As :meth:`Job.as_dict`.
        """
        with self._lock:
            job = self._jobs.get(job_id)
            return job.as_dict() if job else None

    def cancel(self, job_id: str) -> dict[str, Any] | None:
        """Cancel a queued job; None if there is no such job.

        Parameters
        ----------
        job_id : str
            A job's id.

        Returns
        -------
        dict or None
            The cancelled job's JSON form.

        Raises
        ------
        JobStateError
            The job already started (a running stage cannot be stopped).
        """
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            future = self._futures.get(job_id)
            if job.status != "queued" or future is None or not future.cancel():
                raise JobStateError(f"job: {job.status}; only a queued job can cancel")
            job.status = "cancelled"
            return job.as_dict()

    def shutdown(self) -> None:
        """Drop queued jobs and let the running one finish."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _check(self, text: str) -> tuple[str, Scenario]:
        """(text to run, validated scenario) of a scenario the web may run.

        The scenario is parsed here once; the job runs that parsed scenario.
        """
        from gigaplan.pipeline import STAGE_ORDER, parse_scenario, stages_in

        doc = load_checked(text)
        check_sizes(doc, self.limits)
        to_run = confine_files(text, doc, self.data_dir)
        scenario = parse_scenario(
            to_run,
            WHERE,
            base_dir=self.data_dir or Path.cwd(),
            free_sections=self.stage_funcs or (),
        )
        if not stages_in(scenario):
            raise InputError(
                WHERE,
                "<no stage>",
                f"add at least one section: {', '.join(STAGE_ORDER)}",
            )
        return to_run, scenario

    def _update(self, job: Job, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(job, key, value)

    def _forget_old(self) -> None:
        done = [j for j in self._jobs.values() if j.status not in ACTIVE]
        for job in done[: max(0, len(done) - KEEP_FINISHED)]:
            del self._jobs[job.job_id]
            self._futures.pop(job.job_id, None)

    def _run(self, job: Job, text: str, to_run: str, scenario: Scenario) -> None:
        from gigaplan.pipeline import run_pipeline

        started = datetime.now(UTC)

        def progress(stage: str, index: int, total: int, state: str) -> None:
            done = index + 1 if state == "done" else index
            self._update(
                job, status="running", stage=stage, completed=done, total=total
            )

        try:
            self._update(job, status="running")
            run = run_pipeline(
                to_run,
                scenario=scenario,
                stage_funcs=self.stage_funcs,
                progress=progress,
                db=self.store.path,  # risk.plan 'latest' is this server's store
            )
            self._update(job, stage="saving")
            run_id = self.store.save(run)
            self._update(job, status="complete", run_id=run_id, stage="")
        except GigaplanError as err:
            message = self._public(err, names_files=to_run != text)
            try:
                run_id = self.store.save_failed(text, scenario.name, message, started)
            except GigaplanError:
                run_id = None
            self._update(job, status="failed", error=message, run_id=run_id)
        except Exception:  # a bug in a stage: keep the server up, say nothing of it
            log.exception("web job %s failed", job.job_id)
            self._update(
                job, status="failed", error="internal error (see the server log)"
            )

    def _public(self, err: GigaplanError, *, names_files: bool) -> str:
        """The error as a web user may see it: no value read from a data file.

        Reading files is confined to the data folder, but an error about a
        file's cell or header would still show what is in the file, and the
        folder's place on the server is not the user's business either.
        """
        if self.data_dir is None or not names_files:
            return str(err)
        root = str(self.data_dir.resolve())
        if isinstance(err, InputError):
            text = f"{err.field}: {err.allowed}"
        else:
            text = str(err)
        return text.replace(root, "<data>")
