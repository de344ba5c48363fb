"""What every route of the web app shares, built once by :func:`create_app`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jinja2
from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse

from gigaplan.errors import InputError
from gigaplan.store import RunInfo, RunStore
from gigaplan.web.jobs import Jobs


@dataclass
class WebContext:
    """The store, the job queue and the page templates of one app."""

    store: RunStore
    jobs: Jobs
    templates: jinja2.Environment
    default_scenario: str
    max_body_bytes: int
    cache: dict[str, str] = field(default_factory=dict)

    def run(self, ref: str) -> RunInfo:
        """The stored run ``ref`` names; 404 when there is none.

        Parameters
        ----------
        ref : str
            A run reference, as :meth:`gigaplan.store.RunStore.get` takes.

        Returns
        -------
        RunInfo
            The run.
        """
        try:
            return self.store.get(ref)
        except InputError as err:
            raise HTTPException(
                status_code=404, detail={"field": "run", "error": err.allowed}
            ) from None

    def render(self, name: str, **values: Any) -> HTMLResponse:
        """A page from ``templates/``.

        Parameters
        ----------
        name : str
            Template file name.
        **values
            The template's variables.

        Returns
        -------
        HTMLResponse
            The rendered page.
        """
        return HTMLResponse(self.templates.get_template(name).render(**values))


def context(request: Request) -> WebContext:
    """The app's :class:`WebContext` (a FastAPI dependency).

    Parameters
    ----------
    request : Request
        Any request to the app.

    Returns
    -------
    WebContext
        Store, templates, jobs and settings of the app.
    """
    found: WebContext = request.app.state.web
    return found
