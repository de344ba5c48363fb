"""Call HiGHS through linopy without its banner reaching stdout.

HiGHS writes a banner from C code when a solver object is created, before any
option can silence it; on stdout it would corrupt ``--json`` output. Both LPs
(campus power, buildout plan) solve through :func:`solve_quietly`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def quiet_stdout_fd() -> Iterator[None]:
    """Send file descriptor 1 to /dev/null for the duration (C-level prints)."""
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def solve_quietly(model: Any, **options: Any) -> tuple[str, str]:
    """Solve a linopy ``model`` with HiGHS (direct API); returns (status, condition).

    Status "ok" means an optimum. linopy also says "ok" (with condition
    "unknown") when HiGHS stopped without an optimum but left a point; that
    comes back as "warning" (see :func:`gigaplan.power.model._solve` for a
    campus where such a point was 8.7e-4 above the optimum).
    """
    options = {"output_flag": False, "log_to_console": False, **options}
    with quiet_stdout_fd():
        try:
            status, condition = model.solve(
                solver_name="highs", io_api="direct", **options
            )
        except IndexError:
            # linopy indexes the solution by label; HiGHS gave none (numerical
            # trouble with coefficients far apart): report it, never crash
            return "warning", "no solution returned (numerical trouble)"
    status, condition = str(status), str(condition)
    if status == "ok" and condition != "optimal":
        status = "warning"
    return status, condition
