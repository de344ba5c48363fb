"""Every error becomes a JSON response here, in one shape: ``{"field", "error"}``.

=========================  ======  =====================================
raised                     status  body
=========================  ======  =====================================
``InputError``             422     field, line, error, value
request not as declared    422     field (``body.scenario_yaml``), error
``HTTPException``          its     its ``detail`` (field, error)
``JobLimitError``          429     field ``jobs``, error
``JobStateError``          409     field ``job``, error
other ``GigaplanError``    500     error (a failure gigaplan names)
anything else              500     "internal error" (a bug; logged)
=========================  ======  =====================================
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from gigaplan.errors import GigaplanError, InputError
from gigaplan.web.jobs import JobLimitError, JobStateError

log = logging.getLogger(__name__)

_FIELD_ERROR = re.compile(r"^scenario\.yaml(?::(?P<line>\d+))?(?:: (?P<path>.*))?$")


def error_payload(err: InputError) -> dict[str, Any]:
    """``{"field", "line", "error", "value"}`` of a scenario input error.

    Parameters
    ----------
    err : InputError
        An error whose field may carry ``scenario.yaml:LINE: path``.

    Returns
    -------
    dict
        ``field`` (path in the file), ``line`` (1-based or None), ``error``
        and ``value`` as text.
    """
    match = _FIELD_ERROR.match(err.field)
    line = int(match.group("line")) if match and match.group("line") else None
    path = (match.group("path") or "scenario.yaml") if match else err.field
    return {"field": path, "line": line, "error": err.allowed, "value": str(err.value)}


def install(app: FastAPI) -> None:
    """Register the one handler for every error an app raises.

    Parameters
    ----------
    app : FastAPI
        The app to register :func:`handle_exception` on.
    """
    kinds = (GigaplanError, HTTPException, RequestValidationError, Exception)
    for kind in kinds:  # Exception last: Starlette answers it, then re-raises
        app.add_exception_handler(kind, handle_exception)


async def handle_exception(request: Request, err: Exception) -> JSONResponse:
    """The JSON response for ``err`` (see the module table).

    Parameters
    ----------
    request : Request
        The request that failed (its method and path are logged on a 500).
    err : Exception
        What was raised.

    Returns
    -------
    JSONResponse
        Status and body as the module table gives them.
    """
    status, body, headers = _response(err)
    if status >= 500 and not isinstance(err, GigaplanError):
        log.error("%s %s failed", request.method, request.url.path, exc_info=err)
    return JSONResponse(status_code=status, content=body, headers=headers)


def _response(err: Exception) -> tuple[int, dict[str, Any], dict[str, str] | None]:
    if isinstance(err, InputError):
        return 422, error_payload(err), None
    if isinstance(err, RequestValidationError):
        first: dict[str, Any] = next(iter(err.errors()), {})
        where = ".".join(str(p) for p in first.get("loc", ()))
        return 422, {"field": where, "error": str(first.get("msg", "invalid"))}, None
    if isinstance(err, HTTPException):
        detail = err.detail
        body = detail if isinstance(detail, dict) else {"field": None, "error": detail}
        return err.status_code, body, getattr(err, "headers", None)
    if isinstance(err, JobLimitError | JobStateError):
        field, _, error = str(err).partition(": ")
        if isinstance(err, JobStateError):
            return 409, {"field": field, "error": error}, None
        return 429, {"field": field, "error": error}, {"Retry-After": "10"}
    if isinstance(err, GigaplanError):
        return 500, {"field": None, "error": str(err)}, None
    return 500, {"field": None, "error": "internal error (see the server log)"}, None
