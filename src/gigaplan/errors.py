"""Exceptions gigaplan raises on purpose.

One translation point per shell turns these into a message: the CLI prints one
line and exits with code 2 (:class:`InputError`, :class:`CatalogError`) or 1
(any other :class:`GigaplanError`); the web app answers 422 or 500.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable


def _describe(value: object) -> str:
    """Show a value briefly: arrays by shape and range, long text cut."""
    if isinstance(value, list | tuple) or (
        "numpy" in sys.modules and isinstance(value, sys.modules["numpy"].ndarray)
    ):
        # numpy only when a sequence needs it (an array means numpy is loaded)
        import numpy as np

        size = value.size if isinstance(value, np.ndarray) else len(value)  # ragged
        if size <= 6:
            return _text(value)
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):  # names, mixed items: show the first few
            return f"[{', '.join(map(repr, list(value)[:3]))}, ... {len(value)} items]"
        return (
            f"<array shape={arr.shape} min={np.nanmin(arr):g} max={np.nanmax(arr):g}>"
        )
    if hasattr(value, "shape") and hasattr(value, "values"):
        import numpy as np

        return _describe(np.asarray(value.values))
    return _text(value)


def _text(value: object) -> str:
    """``value`` as text, with both ends kept when long."""
    text = repr(value) if isinstance(value, str) else str(value)
    # keep both ends: a path's file name and a list's last items matter most
    return text if len(text) <= 80 else text[:30] + "..." + text[-47:]


class GigaplanError(Exception):
    """Base for every error gigaplan raises on purpose."""


class InputError(GigaplanError, ValueError):
    """A value the user gave is outside what is allowed.

    Parameters
    ----------
    field : str
        Name of the input, with its path in a file where it has one
        (``scenario.yaml: sites[2].pue``).
    value : object
        The offending value.
    allowed : str
        What is allowed instead, in words.
    """

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field, self.value, self.allowed = field, value, allowed
        super().__init__(f"{field}={_describe(value)}: {allowed}")


class UnknownNameError(InputError):
    """A name that is not in the catalog; the message suggests the closest."""

    def __init__(self, field: str, name: str, known: Iterable[str]) -> None:
        known = sorted(known)
        close = difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.4)
        hint = (
            f"did you mean {', '.join(close)}?"
            if close
            else f"known: {', '.join(known[:20])}"
        )
        super().__init__(field, name, f"unknown name; {hint}")
        self.suggestions = close


class CatalogError(GigaplanError):
    """A shipped or user catalog file does not validate."""


class InfeasibleError(GigaplanError):
    """An optimisation has no solution; the message names the binding limit."""

    def __init__(self, message: str, *, status: str = "infeasible") -> None:
        self.status = status
        super().__init__(message)


class SolverError(GigaplanError):
    """The solver stopped without an optimal solution for a reason other than
    infeasibility (time limit, numerical trouble)."""
