"""Resource limits checked before a run allocates: memory and sweep size.

A risk run holds several float arrays of periods x paths, a sweep one
scenario text and one result row per combination. Both are estimated from
the inputs before anything is allocated; over the limit the user gets one
line with the estimate and the limit, and how to raise it. The limits come
from the environment, read at the call (no module state):

- ``GIGAPLAN_MAX_MEMORY_GB`` (default 4): memory one run may plan to use;
- ``GIGAPLAN_MAX_COMBINATIONS`` (default 1,000): combinations in one sweep.
"""

from __future__ import annotations

import math
import os

from gigaplan.errors import InputError

MEMORY_ENV = "GIGAPLAN_MAX_MEMORY_GB"
DEFAULT_MEMORY_GB = 4.0
COMBINATIONS_ENV = "GIGAPLAN_MAX_COMBINATIONS"
DEFAULT_COMBINATIONS = 1_000


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise InputError(name, raw, "a positive number (environment variable)")
    return value


def memory_limit_gb() -> float:
    """Memory one run may plan to use [GB] (``GIGAPLAN_MAX_MEMORY_GB``)."""
    return _env_number(MEMORY_ENV, DEFAULT_MEMORY_GB)


def combinations_limit() -> int:
    """Most combinations one sweep may run (``GIGAPLAN_MAX_COMBINATIONS``)."""
    return int(_env_number(COMBINATIONS_ENV, DEFAULT_COMBINATIONS))


def check_memory(field: str, value: object, needed_bytes: float, what: str) -> None:
    """Refuse an input whose run would need more memory than the limit.

    Parameters
    ----------
    field : str
        The input that sets the size (``--paths``).
    value : object
        Its value.
    needed_bytes : float
        Estimated memory of the run. [bytes]
    what : str
        What the memory is for, in words (``"20 periods x 1e9 paths"``).

    Examples
    --------
    >>> check_memory("--paths", 10, 1e6, "10 paths")
    """
    limit = memory_limit_gb()
    if needed_bytes > limit * 2**30:
        raise InputError(
            field,
            value,
            f"needs about {needed_bytes / 2**30:,.1f} GB ({what}), over the "
            f"{limit:g} GB limit; use less, or set {MEMORY_ENV} to raise the limit",
        )
