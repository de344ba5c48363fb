"""The scenario form's description, generated from the scenario's pydantic schema.

:func:`form_schema` walks :class:`gigaplan.scenario.Scenario`'s JSON schema
(every stage's section model) into a tree the browser renders as a form
(``static/scenario_form.js``): per field a label in words, its unit, the
default, the help text (the field's ``description``), and what is allowed
(range, choices), so the page never holds a copy of the schema.

Units come from the field's name: first :data:`INPUT_SUFFIXES`, the input
rates (``_usd_per_mw``, ``_mw_per_week``, ``_per_year``...) that the reported
quantities of :mod:`gigaplan.units` do not use, then
:func:`gigaplan.units.unit_of`. A share typed as a number in [0, 1] is shown
as ``fraction`` (the form does not convert it to %).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from gigaplan.units import SUFFIXES, UNITS, unit_name

#: Input names' unit suffixes (longest match wins), as (suffix, symbol, words).
INPUT_SUFFIXES: tuple[tuple[str, str, str], ...] = (
    ("_usd_per_mw_year", "$/MW-yr", "US dollars per megawatt-year"),
    ("_usd_per_mw_yr", "$/MW-yr", "US dollars per megawatt-year"),
    ("_usd_per_mw", "$/MW", "US dollars per megawatt"),
    ("_usd_per_quarter", "$/quarter", "US dollars per quarter"),
    ("_usd_per_mwh_it", "$/MWh of IT energy", "US dollars per megawatt-hour of IT"),
    ("_kgco2_per_mwh", "kgCO2/MWh", "kilograms of CO2 per megawatt-hour"),
    ("_t_per_quarter", "tCO2/quarter", "tonnes of CO2 per quarter"),
    ("_mw_per_week", "MW/week", "megawatts per week"),
    ("_tokens_per_s", "tokens/s", "output tokens per second"),
    ("_flops_per_s", "FLOP/s", "floating-point operations per second"),
    ("_fraction_per_year", "fraction/year", "share of the price per year"),
    ("tokens_per_day", "tokens/day", "output tokens per day"),
    ("_per_year", "per year", "per year"),
    ("_per_quarter", "per quarter", "per quarter"),
    ("_per_week", "per week", "per week"),
    ("_per_mw", "per MW", "per megawatt"),
    ("_per_project", "per project", "per project"),
    ("_months", "months", "months"),
    ("_years", "years", "years"),
    ("_w", "W", "watts"),
    ("_cap_t", "tCO2", "tonnes of CO2"),
    ("params", "parameters", "model parameters"),
    ("_units", "accelerators", "accelerators"),
)

#: Unit words inside a name, followed by a qualifier (``min_mw_signed``).
_INFIX_UNITS = (
    ("_mw", "MW"),
    ("_gw", "GW"),
    ("_usd", "USD"),
    ("_flop", "FLOP"),
    ("_tokens", "tokens"),
    ("_units", "accelerators"),
)

#: Words written in capitals (or otherwise) in labels.
_WORDS = {
    "pue": "PUE",
    "co2": "CO2",
    "mfu": "MFU",
    "om": "O&M",
    "it": "IT",
    "cfe": "CFE",
    "mip": "MIP",
    "rel": "relative",
    "sd": "standard deviation",
    "p90": "P90",
    "lp": "LP",
    "usd": "$",
    "eflop": "EFLOP",
    "mtoken": "million tokens",
    "kw": "kW",
    "mw": "MW",
    "gw": "GW",
    "mwh": "MWh",
}

#: JSON-schema keys that bound a number, and how each reads.
_BOUNDS = (
    ("minimum", ">="),
    ("exclusiveMinimum", ">"),
    ("maximum", "<="),
    ("exclusiveMaximum", "<"),
)


def input_unit(name: str) -> tuple[str, str, str]:
    """(suffix matched, unit symbol, unit words) of an input field's name.

    The longest suffix of :data:`INPUT_SUFFIXES` and
    :data:`gigaplan.units.SUFFIXES` wins; then a unit inside the name before a
    qualifier (``capex_budget_usd_total``, ``min_mw_signed``).

    Parameters
    ----------
    name : str
        A scenario field's name.

    Returns
    -------
    suffix, symbol, words : str
        Empty strings when the name carries no unit.

    Examples
    --------
    >>> input_unit("facility_capex_usd_per_mw")[1:]
    ('$/MW', 'US dollars per megawatt')
    >>> input_unit("max_mw")[1], input_unit("growth_per_year")[1]
    ('MW', 'per year')
    >>> input_unit("target_gw_per_week")[1], input_unit("min_mw_signed")[1]
    ('GW/week', 'MW')
    >>> input_unit("utilisation")[1], input_unit("capex_budget_usd_total")[:2]
    ('fraction', ('_usd', '$'))
    >>> input_unit("seed")
    ('', '', '')
    """
    low = "_" + name
    found = [
        (suffix, symbol, words)
        for suffix, symbol, words in INPUT_SUFFIXES
        if low.endswith(suffix if suffix.startswith("_") else "_" + suffix)
    ]
    found += [
        (suffix, _symbol(key), UNITS[key].words)
        for suffix, key in SUFFIXES
        if low.endswith(suffix)
    ]
    if found:
        return max(found, key=lambda f: len(f[0]))
    key = unit_name(name)
    infixes = [(s, k) for s, k in SUFFIXES if s + "_" in low and k == key]
    infixes += [(s, k) for s, k in _INFIX_UNITS if s + "_" in low]
    if key is None and not infixes:
        return "", "", ""
    suffix, key = infixes[0] if infixes else ("", key)
    return suffix, _symbol(str(key)), UNITS[str(key)].words


def _symbol(unit_key: str) -> str:
    unit = UNITS[unit_key]
    if unit.kind == "fraction":
        return "fraction"  # typed as 0.6, not 60 %
    if unit.kind == "year":
        return "year"
    return unit.symbol or unit.words


def label_of(name: str, suffix: str = "") -> str:
    """A field name in words, without its unit suffix.

    Parameters
    ----------
    name : str
        A scenario field's name.
    suffix : str
        Its unit suffix, as :func:`input_unit` found it.

    Returns
    -------
    str
        The label, first word capitalised.

    Examples
    --------
    >>> label_of("facility_capex_usd_per_mw", "_usd_per_mw")
    'Facility capex'
    >>> label_of("capex_budget_usd_total", "_usd"), label_of("pue")
    ('Capex budget total', 'PUE')
    """
    stem = name
    if suffix == "_year":
        suffix = ""  # dollar_year reads best whole
    if suffix and ("_" + name).endswith(suffix):
        stem = ("_" + name)[: -len(suffix)].lstrip("_") or name
    elif suffix and suffix + "_" in "_" + name:
        stem = ("_" + name).replace(suffix + "_", "_", 1).lstrip("_")
    words = [_WORDS.get(w, w) for w in stem.split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def allowed_text(spec: Mapping[str, Any]) -> str:
    """What a field accepts, in words (``a number >= 0 and < 1``).

    Parameters
    ----------
    spec : mapping
        A field spec (``kind``, bounds, ``options``, ``nullable``).

    Returns
    -------
    str
        The accepted values, in words.

    Examples
    --------
    >>> allowed_text({"kind": "number", "minimum": 0, "exclusiveMaximum": 1})
    'a number >= 0 and < 1'
    >>> allowed_text({"kind": "enum", "options": ["a", "b"], "nullable": True})
    'one of a, b, or empty'
    """
    kind = spec.get("kind")
    if kind == "enum":
        text = "one of " + ", ".join(str(o) for o in spec.get("options", []))
    elif kind in ("number", "integer"):
        bounds = [f"{op} {spec[key]:g}" for key, op in _BOUNDS if key in spec]
        noun = "a whole number" if kind == "integer" else "a number"
        text = f"{noun} {' and '.join(bounds)}" if bounds else noun
    elif kind == "boolean":
        text = "true or false"
    elif kind == "string":
        text = "text"
    else:
        text = "see the YAML view"
    return text + (", or empty" if spec.get("nullable") else "")


def _resolve(
    prop: Mapping[str, Any], defs: Mapping[str, Any]
) -> tuple[dict[str, Any], bool]:
    """(the property's own schema with ``$ref``s followed, whether null is allowed)."""
    options = prop.get("anyOf") or prop.get("allOf") or [prop]
    kept = [o for o in options if o.get("type") != "null"]
    nullable = len(kept) < len(options)
    if len(kept) != 1:
        return {"anyOf": kept}, nullable
    one = dict(kept[0])
    if "$ref" in one:
        one = {
            **defs[one["$ref"].rsplit("/", 1)[-1]],
            **{k: v for k, v in one.items() if k != "$ref"},
        }
    return one, nullable


def _kind(schema: Mapping[str, Any]) -> str:
    if "enum" in schema:
        return "enum"
    if "const" in schema:
        return "enum"
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        return "object"
    if kind == "array":
        return "list"
    if kind in ("number", "integer", "boolean", "string"):
        return str(kind)
    return "other"  # unions, free mappings: edited in the YAML view


def field_spec(
    name: str,
    prop: Mapping[str, Any],
    defs: Mapping[str, Any],
    required: bool,
    depth: int = 0,
) -> dict[str, Any]:
    """One field of the form: label, unit, default, help, allowed, children.

    Parameters
    ----------
    name : str
        The field's name.
    prop : mapping
        Its JSON-schema property.
    defs : mapping
        The schema's ``$defs``, for references.
    required : bool
        Whether the scenario must give it.
    depth : int
        Nesting so far (deep objects become ``other``).

    Returns
    -------
    dict
        The field spec :func:`form_schema` describes.
    """
    schema, nullable = _resolve(prop, defs)
    kind = _kind(schema)
    suffix, symbol, words = input_unit(name)
    if kind not in ("number", "integer", "object", "list", "other"):
        suffix = symbol = words = ""  # a switch, a choice or a name has no unit
    spec: dict[str, Any] = {
        "name": name,
        "label": label_of(name, suffix),
        "kind": kind,
        "unit": symbol,
        "unit_words": words,
        "help": str(prop.get("description") or schema.get("description") or ""),
        "required": required,
        "nullable": nullable,
    }
    if "default" in prop:
        spec["default"] = prop["default"]
    if kind == "enum":
        spec["options"] = list(schema.get("enum", [schema.get("const")]))
    for key, _ in _BOUNDS:
        if key in schema:
            spec[key] = schema[key]
    if kind == "object" and depth < 8:
        spec["fields"] = _fields(schema, defs, depth + 1)
    if kind == "list":
        item, _ = _resolve(schema.get("items", {}), defs)
        if _kind(item) == "object" and depth < 8:
            spec["item"] = {
                "kind": "object",
                "label": item.get("title", "item"),
                "fields": _fields(item, defs, depth + 1),
            }
        else:
            spec["kind"] = "other"  # a list of numbers or names: YAML view
    spec["allowed"] = allowed_text(spec)
    return spec


def _fields(
    schema: Mapping[str, Any], defs: Mapping[str, Any], depth: int
) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    out = [
        field_spec(name, prop, defs, name in required, depth)
        for name, prop in schema.get("properties", {}).items()
    ]
    if str(schema.get("title", "")).endswith("Multipliers"):  # ratios, not amounts
        for spec in out:
            spec.update(unit="x", unit_words="times the estimated value")
    return out


@functools.cache
def _scenario_form() -> dict[str, Any]:
    from gigaplan.scenario import Scenario

    schema = Scenario.model_json_schema()
    return {
        "title": "Scenario",
        "fields": _fields(schema, schema.get("$defs", {}), 0),
    }


def form_schema() -> dict[str, Any]:
    """The scenario form: ``{"title", "fields": [field spec, ...]}``.

    A field spec has ``name``, ``label``, ``kind`` (``number``, ``integer``,
    ``string``, ``boolean``, ``enum``, ``object``, ``list`` or ``other``),
    ``unit``, ``unit_words``, ``help``, ``required``, ``nullable``,
    ``default`` (when the schema has one), ``allowed`` (in words), the JSON
    schema bounds, ``options`` (enum), ``fields`` (object) and ``item``
    (list of objects).

    Returns
    -------
    dict
        The form, built once per process.
    """
    return _scenario_form()


def spec_at(path: Sequence[str | int]) -> dict[str, Any] | None:
    """The field spec at ``path`` (``["plan", "sites", 0, "pue"]``), or None.

    Parameters
    ----------
    path : sequence of str or int
        Keys and list indices from the document's top.

    Returns
    -------
    dict or None
        The field spec, None when no field is there.

    Examples
    --------
    >>> spec_at(["plan", "sites", 0, "pue"])["kind"]
    'number'
    >>> spec_at(["plan", "nonsense"]) is None
    True
    """
    fields: list[dict[str, Any]] = form_schema()["fields"]
    spec: dict[str, Any] | None = None
    for part in path:
        if isinstance(part, int):
            if spec is None or "item" not in spec:
                return None
            fields = spec["item"]["fields"]
            continue
        spec = next((f for f in fields if f["name"] == part), None)
        if spec is None:
            return None
        fields = spec.get("fields", [])
    return spec


def fields_of(path: Sequence[str | int]) -> list[str]:
    """Names of the fields the object at ``path`` takes ([] when not an object).

    Parameters
    ----------
    path : sequence of str or int
        Where the object is; empty for the top level.

    Returns
    -------
    list of str
        Field names, in schema order.
    """
    if not path:
        return [f["name"] for f in form_schema()["fields"]]
    spec = spec_at(path)
    if spec is None:
        return []
    if "item" in spec and isinstance(path[-1], int):
        return [f["name"] for f in spec["item"]["fields"]]
    return [f["name"] for f in spec.get("fields", [])]
