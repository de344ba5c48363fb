"""The strict base of every scenario and catalog schema, and a finite float.

Every section model (``estimate``, ``power``, ``plan``, ``risk``,
``factory``) sets ``model_config = STRICT``: unknown keys are errors, models
are frozen, and no float field (nested in lists and dicts too) accepts NaN or
an infinity, so a non-finite number never gets past the file into a model or
an LP. :data:`FiniteFloat` is the same check for a single field of a model
with another configuration.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AllowInfNan, ConfigDict

#: A float that must be finite (NaN, inf and -inf are refused with the field).
FiniteFloat = Annotated[float, AllowInfNan(False)]

#: Frozen, no unknown keys, finite floats only.
STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
