"""Plain JSON values from results: the one converter the CLI and the store share."""

from __future__ import annotations

import math
import sys
from typing import Any


def jsonable(value: Any) -> Any:
    """
    ``value`` with only JSON types in it.

    Mappings get string keys, tuples become lists, numpy scalars become Python
    numbers, NaN and infinities become ``None`` (JSON has no such numbers) and
    any other object becomes its ``str``.

    Examples
    --------
    >>> jsonable({1: (2.0, float("nan"))})
    {'1': [2.0, None]}
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    np = sys.modules.get("numpy")  # a numpy scalar means numpy is loaded
    if np is not None and isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
