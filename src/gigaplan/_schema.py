"""The strict base of every scenario and catalog schema, a finite float, and
pydantic errors turned into one line naming the field, the value and the line.

Every section model (``estimate``, ``power``, ``plan``, ``risk``,
``factory``) sets ``model_config = STRICT``: unknown keys are errors, models
are frozen, and no float field (nested in lists and dicts too) accepts NaN or
an infinity, so a non-finite number never gets past the file into a model or
an LP. :data:`FiniteFloat` is the same check for a single field of a model
with another configuration.
"""

from __future__ import annotations

from typing import Annotated

import yaml
from pydantic import AllowInfNan, ConfigDict, ValidationError

from gigaplan import _yaml
from gigaplan.errors import InputError

#: A float that must be finite (NaN, inf and -inf are refused with the field).
FiniteFloat = Annotated[float, AllowInfNan(False)]

#: Frozen, no unknown keys, finite floats only.
STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class _Missing:
    """Stands for a value the file does not give."""

    def __str__(self) -> str:
        return "<missing>"


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """1-based line of the YAML node at path ``loc``, or of its nearest parent."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            match = node.value[part] if part < len(node.value) else None
        else:
            match = None
        if match is None:
            break
        node = match
        line = node.start_mark.line + 1
    return line


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += (
            f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        )
    return out


def validation_to_input_error(
    err: ValidationError, where: str = "", text: str | None = None
) -> InputError:
    """Turn pydantic's first error into an :class:`InputError` with file and line.

    Parameters
    ----------
    err : pydantic.ValidationError
        What validation raised.
    where : str
        File name to prefix, with the line when ``text`` is given.
    text : str, optional
        The YAML text validated, to find the field's line.

    Returns
    -------
    InputError
        ``file:line: field=value: what is allowed`` (and how many more errors).
    """
    first = err.errors()[0]
    loc = tuple(p for p in first["loc"] if not str(p).startswith("function-"))
    line = None
    if text is not None:
        try:
            line = _line_of(_yaml.compose(text), loc)
        except yaml.YAMLError:
            line = None
    prefix = f"{where}:{line}: " if where and line else (f"{where}: " if where else "")
    value = first.get("input", "?") if first["type"] != "missing" else _Missing()
    msg = first["msg"].removeprefix("Value error, ")
    more = len(err.errors()) - 1
    if more:
        msg += f" (and {more} more error{'s' if more > 1 else ''})"
    return InputError(prefix + (_field_path(loc) or "scenario"), value, msg)
