"""The app factory: settings checked, parts joined, nothing else."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Collection, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI

from gigaplan.errors import InputError
from gigaplan.store import RunStore
from gigaplan.web import api, errors, pages
from gigaplan.web.jobs import Jobs
from gigaplan.web.scenario_guard import WebLimits
from gigaplan.web.security import Access, BodyLimit, Guard, is_loopback
from gigaplan.web.state import WebContext

#: Largest request body accepted (a scenario file is a few kB). [bytes]
MAX_BODY_BYTES = 256 * 1024


def create_app(
    db_path: Path | None = None,
    *,
    host: str = "127.0.0.1",
    token: str | None = None,
    data_dir: Path | None = None,
    allowed_hosts: Collection[str] = (),
    limits: WebLimits | None = None,
    stage_funcs: Mapping[str, Callable[..., Any]] | None = None,
    default_scenario: str | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> FastAPI:
    """Build the web app over the run store at ``db_path``.

    Parameters
    ----------
    db_path : Path, optional
        Run store file; default :func:`gigaplan.store.default_db_path`.
    host : str
        Address the server will bind; off loopback a token is required.
    token : str, optional
        Secret every request must carry (header, bearer, or the cookie set by
        opening a page with ``?token=``).
    data_dir : Path, optional
        Folder whose files web scenarios may name (``catalog``,
        ``power.profiles_csv``, ``risk.plan``); None lets them name none.
    allowed_hosts : collection of str
        Host names served besides IP addresses, loopback names and ``host``.
    limits : WebLimits, optional
        Job and run-size limits; default :class:`WebLimits` with factory
        workers capped at the CPU count.
    stage_funcs : mapping of str to callable, optional
        Stage name -> ``run_stage`` (tests inject fakes); default the real ones.
    default_scenario : str, optional
        Text shown in the editor; default the packaged default scenario.
    max_body_bytes : int
        Request body limit. [bytes]

    Returns
    -------
    FastAPI
        The app with its routes, middlewares, error handler and job runner.

    Raises
    ------
    InputError
        Bound off loopback without a token, or ``data_dir`` is not a folder.
    """
    if not is_loopback(host) and not token:
        raise InputError(
            "token",
            None,
            f"serving on {host} (not loopback) needs --token or GIGAPLAN_TOKEN",
        )
    if data_dir is not None and not Path(data_dir).is_dir():
        raise InputError("data_dir", str(data_dir), "an existing folder")
    limits = limits or replace(WebLimits(), factory_workers=os.cpu_count() or 1)
    store = RunStore(db_path)
    web = WebContext(
        store=store,
        jobs=Jobs(
            store,
            limits,
            Path(data_dir) if data_dir is not None else None,
            stage_funcs,
        ),
        templates=jinja2.Environment(
            loader=jinja2.PackageLoader("gigaplan.web", "templates"),
            autoescape=jinja2.select_autoescape(["html"]),
        ),
        default_scenario=_default_scenario()
        if default_scenario is None
        else default_scenario,
        max_body_bytes=max_body_bytes,
    )
    app = FastAPI(
        title="gigaplan",
        summary="Plan AI compute infrastructure at gigawatt scale: stored runs.",
        version=_version(),
        docs_url=None,  # /docs is rendered here: FastAPI's loads from a CDN
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.web = web
    app.include_router(api.router)
    app.include_router(pages.router)
    errors.install(app)
    named = {host.lower()} if not _is_wildcard(host) else set()
    access = Access(token, frozenset(named | {h.lower() for h in allowed_hosts}))
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    app.add_middleware(Guard, access=access)  # outermost: runs first
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.web.jobs.shutdown()  # queued jobs dropped, the running one ends


def _is_wildcard(host: str) -> bool:
    return host.strip("[]") in ("0.0.0.0", "::", "")


def _default_scenario() -> str:
    from gigaplan.pipeline import default_scenario_path

    try:
        return default_scenario_path().read_text(encoding="utf-8")
    except InputError:
        return ""


def _version() -> str:
    from gigaplan._version import __version__

    return __version__
