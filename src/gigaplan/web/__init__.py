"""The web UI and JSON API: a thin FastAPI shell over the pipeline, store and report.

Pages: ``/`` (runs, compare form, start a run), ``/runs/{run}`` (a run's
report), ``/compare?a=&b=`` (two runs side by side), ``/docs`` (the API,
rendered here from ``/openapi.json``). JSON API under ``/api``.

=====================  ===================================================
module                 holds
=====================  ===================================================
``app``                :func:`create_app`: checks settings, joins the parts
``api``                the ``/api`` routes
``pages``              the HTML pages
``jobs``               runs started from the web (the only pipeline caller)
``scenario_guard``     what a web scenario may ask: YAML shape, files, sizes
``security``           token, Host allow-list, same-origin writes, headers
``errors``             the one handler turning errors into JSON responses
``state``              what the routes share (store, jobs, templates)
=====================  ===================================================

Safety: bound to loopback by default; elsewhere a token is required, and with
a token every request needs it. Nothing a user sends is used as a path unless
the server shares a data folder (``serve --data-dir``), and then only inside
it. See :mod:`gigaplan.web.security` and :mod:`gigaplan.web.scenario_guard`.
"""

from gigaplan.web.app import MAX_BODY_BYTES, create_app
from gigaplan.web.scenario_guard import WebLimits, path_like_field
from gigaplan.web.security import TOKEN_HEADER, is_loopback

__all__ = [
    "MAX_BODY_BYTES",
    "TOKEN_HEADER",
    "WebLimits",
    "create_app",
    "is_loopback",
    "path_like_field",
]
