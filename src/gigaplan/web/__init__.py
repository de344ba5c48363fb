"""The web UI and JSON API: a thin FastAPI shell over the pipeline, store and report.

Pages: ``/`` (runs with their headline numbers, the scenario form with its
YAML view, start a run), ``/runs/{run}`` (a run's report), ``/compare?a=&b=``
(what changed between two runs, A-vs-B charts), ``/docs`` (the API, rendered
here from ``/openapi.json``). JSON API under ``/api``; page scripts under
``/static/web/`` (no CDN).

=====================  ===================================================
module                 holds
=====================  ===================================================
``app``                :func:`create_app`: checks settings, joins the parts
``api``                the ``/api`` routes
``pages``              the HTML pages
``views``              what the runs list and compare page show
``form``               the scenario form, generated from the schema
``scenario_edit``      field-level checks; one form field written into YAML
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
