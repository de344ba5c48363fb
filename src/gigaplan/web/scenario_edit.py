"""Form and YAML view kept in step: check a scenario field by field, edit one value.

:func:`check_scenario` validates scenario text against the scenario schema and
returns *every* field error, each naming the field, the value, what is allowed
and the line, plus the parsed document the form shows. :func:`set_value`
writes one form field into the YAML text in place: only that value's
characters change, so comments (sources, ``# ASSUMPTION`` notes that the
report lists) and layout survive.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Sequence
from typing import Any

import yaml
from pydantic import ValidationError

from gigaplan import _yaml
from gigaplan.errors import InputError
from gigaplan.web.form import fields_of, spec_at
from gigaplan.web.scenario_guard import WHERE, load_checked

#: Most field errors returned by one check (the rest are counted).
MAX_ERRORS = 50

_NUMBER = re.compile(r"^[+-]?(\d[\d_]*\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.\-/+]*$")

Path = Sequence[str | int]


def path_text(path: Path) -> str:
    """``plan.sites[2].pue`` of ``["plan", "sites", 2, "pue"]``.

    Parameters
    ----------
    path : sequence of str or int
        Keys and list indices.

    Returns
    -------
    str
        The dotted path, list indices in brackets.

    Examples
    --------
    >>> path_text(["plan", "sites", 2, "pue"])
    'plan.sites[2].pue'
    """
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _node_at(root: yaml.Node | None, path: Path) -> tuple[yaml.Node | None, int]:
    """(deepest node along ``path``, how many parts of ``path`` it covers)."""
    node, depth = root, 0
    for part in path:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            found = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            found = node.value[part] if 0 <= part < len(node.value) else None
        else:
            found = None
        if found is None:
            break
        node, depth = found, depth + 1
    return node, depth


def line_of(text: str, path: Path) -> int | None:
    """1-based line of the value at ``path`` (or of its nearest parent).

    Parameters
    ----------
    text : str
        Scenario YAML.
    path : sequence of str or int
        Keys and list indices.

    Returns
    -------
    int or None
        None when the text does not parse.
    """
    try:
        root = _yaml.compose(text)
    except yaml.YAMLError:
        return None
    node, _ = _node_at(root, path)
    return None if node is None else node.start_mark.line + 1


def scalar_text(spec: dict[str, Any] | None, typed: str) -> str:
    """The YAML scalar for what was typed in a field of kind ``spec["kind"]``.

    A number field keeps the number as typed (``1.4e12``); text that is no
    number is written quoted, so the check names it. Nothing typed is
    ``null`` where empty is allowed, else the default.

    Parameters
    ----------
    spec : dict or None
        The field's spec (:func:`gigaplan.web.form.spec_at`).
    typed : str
        What the person typed.

    Returns
    -------
    str
        A YAML scalar.

    Examples
    --------
    >>> number, text = {"kind": "number"}, {"kind": "string"}
    >>> scalar_text(number, "1.4e12"), scalar_text(number, "x")
    ('1.4e12', '"x"')
    >>> scalar_text(text, "2026Q1"), scalar_text(text, "true")
    ('2026Q1', '"true"')
    >>> scalar_text({"kind": "number", "nullable": True}, " ")
    'null'
    """
    kind = (spec or {}).get("kind")
    value = typed.strip()
    if not value:
        if (spec or {}).get("nullable"):
            return "null"
        if spec is not None and "default" in spec:
            return json.dumps(spec["default"])
        return '""'
    if kind in ("number", "integer") and _NUMBER.match(value):
        return value
    if kind == "boolean" and value in ("true", "false"):
        return value
    if kind in ("string", "enum") and _PLAIN.match(value):
        try:
            loaded = _yaml.safe_load(value)
        except yaml.YAMLError:
            loaded = None
        if loaded == value:
            return value
    return json.dumps(value)  # a JSON string is a YAML double-quoted scalar


def set_value(text: str, path: Path, typed: str) -> str:
    """``text`` with the form field at ``path`` set to what was typed.

    The value's characters are replaced in place; a field the file does not
    have yet is added to its mapping (in that mapping's style), with any
    mappings on the way to it.

    Parameters
    ----------
    text : str
        Scenario YAML.
    path : sequence of str or int
        The field to set.
    typed : str
        What was typed (see :func:`scalar_text`).

    Returns
    -------
    str
        The edited YAML; comments and the rest of the file are kept.

    Raises
    ------
    InputError
        ``path`` is no field of the scenario, names a list item the file does
        not have, or holds a list or mapping (edited in the YAML view).
    """
    spec = spec_at(path)
    if spec is None or spec["kind"] in ("object", "list"):
        raise InputError(
            "path",
            path_text(path),
            "a single-value field of the scenario (lists and mappings are "
            "edited in the YAML view)",
        )
    scalar = scalar_text(spec, typed)
    root = _parsed_nodes(text)
    node, depth = _node_at(root, path)
    if depth == len(path) and node is not None:
        return _replace(text, node, scalar)
    missing = list(path[depth:])
    if any(isinstance(p, int) for p in missing):
        raise InputError(
            "path", path_text(path), "a list item the scenario has (add it in YAML)"
        )
    value = scalar
    for key in reversed(missing[1:]):
        value = f"{{{key}: {value}}}"
    return _insert(text, node if depth else root, str(missing[0]), value)


def _parsed_nodes(text: str) -> yaml.Node | None:
    try:
        return _yaml.compose(text)
    except yaml.YAMLError as err:
        raise _yaml.error_to_input(err, WHERE) from None


def _replace(text: str, node: yaml.Node, scalar: str) -> str:
    start, end = node.start_mark.index, node.end_mark.index
    tail = "\n" if text[start:end].endswith("\n") else ""  # block scalars
    return text[:start] + scalar + tail + text[end:]


def _insert(text: str, parent: yaml.Node | None, key: str, value: str) -> str:
    if parent is None:  # an empty file
        sep = "" if not text or text.endswith("\n") else "\n"
        return f"{text}{sep}{key}: {value}\n"
    if not isinstance(parent, yaml.MappingNode):
        # a scalar or null where a mapping belongs: the mapping replaces it
        return _replace(text, parent, f"{{{key}: {value}}}")
    if not parent.value:
        return _replace(text, parent, f"{{{key}: {value}}}")
    first = parent.value[0][0]
    at = first.start_mark.index
    if parent.flow_style:
        added = f"{key}: {value}, "
    else:
        added = f"{key}: {value}\n" + " " * first.start_mark.column
    return text[:at] + added + text[at:]


def _json_safe(value: Any) -> Any:
    """The document as JSON can carry it (dates as text, no NaN)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _field_error(
    text: str, loc: tuple[int | str, ...], value: Any, error: str, allowed: str
) -> dict[str, Any]:
    field = path_text(loc) or "scenario"
    shown = "<missing>" if value is _MISSING else _shown(value)
    return {
        "field": field,
        "path": list(loc),
        "line": line_of(text, loc),
        "value": shown,
        "error": error,
        "allowed": allowed,
        "message": f"{field}={shown}: {error}; allowed: {allowed}",
    }


_MISSING = object()


def _shown(value: Any) -> str:
    if isinstance(value, dict | list):
        text = json.dumps(_json_safe(value))
        return text if len(text) <= 60 else text[:57] + "..."
    return str(value)


def _allowed(loc: tuple[int | str, ...], kind: str) -> str:
    if kind == "extra_forbidden":
        names = fields_of(loc[:-1])
        return "the fields " + ", ".join(names) if names else "no field of this name"
    spec = spec_at(loc)
    if spec is not None:
        return str(spec["allowed"])
    return "see the field's description"


def _errors_of(err: ValidationError, text: str) -> list[dict[str, Any]]:
    out = []
    for item in err.errors()[:MAX_ERRORS]:
        loc = tuple(p for p in item["loc"] if not str(p).startswith("function-"))
        loc = tuple(p for p in loc if not _is_union_tag(p))
        value = item.get("input", _MISSING) if item["type"] != "missing" else _MISSING
        message = item["msg"].removeprefix("Value error, ")
        out.append(_field_error(text, loc, value, message, _allowed(loc, item["type"])))
    return out


def _is_union_tag(part: int | str) -> bool:
    """pydantic's union branch names in an error path (``float``, ``MustServe``)."""
    return isinstance(part, str) and (
        part in ("float", "int", "str", "bool", "none") or part[:1].isupper()
    )


def check_scenario(text: str, free_sections: Collection[str] = ()) -> dict[str, Any]:
    """Every field error of scenario text, and the document the form shows.

    Parameters
    ----------
    text : str
        The scenario's YAML text.
    free_sections : collection of str
        Sections left unvalidated (a stage injected in place of the packaged one).

    Returns
    -------
    dict
        ``valid`` (bool), ``errors`` (list of ``field``, ``path``, ``line``,
        ``value``, ``error``, ``allowed``, ``message``), ``more_errors``
        (count left out), ``scenario`` (the parsed document, or None when the
        text is no YAML mapping).
    """
    from gigaplan.scenario import Scenario

    try:
        doc = load_checked(text)
    except InputError as err:
        return _unreadable(err)
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        return _unreadable(
            InputError(WHERE, type(doc).__name__, "top level must be a mapping")
        )
    checked = {k: v for k, v in doc.items() if k not in free_sections}
    errors: list[dict[str, Any]] = []
    more = 0
    try:
        Scenario.model_validate(checked)
    except ValidationError as err:
        errors = _errors_of(err, text)
        more = max(0, err.error_count() - MAX_ERRORS)
    return {
        "valid": not errors,
        "errors": errors,
        "more_errors": more,
        "scenario": _json_safe(doc),
    }


def _unreadable(err: InputError) -> dict[str, Any]:
    """A check result for text that is no YAML mapping (one error, no document)."""
    match = re.match(r"^[^:]*:(\d+)", err.field)
    field = err.field.split(": ", 1)[-1] if ": " in err.field else "scenario"
    return {
        "valid": False,
        "errors": [
            {
                "field": field if not field.startswith(WHERE) else "scenario",
                "path": [],
                "line": int(match.group(1)) if match else None,
                "value": _shown(err.value),
                "error": err.allowed,
                "allowed": "a YAML mapping of scenario sections",
                "message": str(err),
            }
        ],
        "more_errors": 0,
        "scenario": None,
    }
