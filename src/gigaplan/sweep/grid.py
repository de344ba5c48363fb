"""Grid options of a sweep, and the scenario text of each combination.

A grid axis is written ``PATH=v1,v2,...`` (set the field to each value) or
``PATH*=f1,f2,...`` (multiply the number already in the file by each factor).
``PATH`` is a dotted path into the scenario file; list items are picked by
index (``plan.sites[0].max_mw``), by ``name`` (``plan.accelerators[b200]``) or
all at once (``plan.accelerators[*].lead_time_quarters``). Values are read as
YAML scalars, so ``0.5``, ``1e9``, ``true`` and ``2027Q1`` mean what they do in
a scenario file. Everything here is pure: data in, data out.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import math
import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from gigaplan import _yaml
from gigaplan.errors import InputError

_STEP = re.compile(r"\.?(?P<key>[^.\[\]]+)|\[(?P<sel>[^\[\]]*)\]")


@dataclass(frozen=True)
class Step:
    """One step of a grid path: a mapping key or a list selector.

    Attributes
    ----------
    kind : {"key", "index", "name", "all"}
        ``key`` reads a mapping; ``index``, ``name`` and ``all`` pick list items
        by position, by their ``name`` field, or every item.
    value : str or int or None
        The key, index or name (``None`` for ``all``).
    """

    kind: Literal["key", "index", "name", "all"]
    value: str | int | None = None

    def __str__(self) -> str:
        if self.kind == "key":
            return f".{self.value}"
        return "[*]" if self.kind == "all" else f"[{self.value}]"


@dataclass(frozen=True)
class GridAxis:
    """One ``--grid`` option: a path, how to apply a value, and the values.

    Attributes
    ----------
    spec : str
        The option text as given, for error messages.
    path : str
        Dotted path into the scenario file.
    steps : tuple of Step
        ``path`` parsed.
    scale : bool
        True for ``PATH*=...``: each value multiplies the number in the file.
    values : tuple
        Values (or factors) to sweep, in the order given.
    """

    spec: str
    path: str
    steps: tuple[Step, ...]
    scale: bool
    values: tuple[Any, ...]

    @property
    def column(self) -> str:
        """Column name of this axis in the results table (``path`` or ``path*=``)."""
        return self.path + ("*=" if self.scale else "")


def _split_values(text: str) -> list[str]:
    """Split ``a,b,[c,d]`` on top-level commas (brackets and quotes kept whole)."""
    parts, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def parse_path(path: str, spec: str | None = None) -> tuple[Step, ...]:
    """Parse a dotted grid path into steps.

    Parameters
    ----------
    path : str
        E.g. ``plan.accelerators[gpu-next].supply_per_quarter``.
    spec : str, optional
        The whole ``--grid`` text, named in errors (default ``path``).

    Returns
    -------
    tuple of Step

    Raises
    ------
    InputError
        The path is empty or malformed.

    Examples
    --------
    >>> [str(s) for s in parse_path("plan.sites[0].power_options[*].max_mw")]
    ['.plan', '.sites', '[0]', '.power_options', '[*]', '.max_mw']
    """
    where = spec if spec is not None else path
    steps: list[Step] = []
    pos = 0
    for match in _STEP.finditer(path):
        if match.start() != pos or (match.group("key") and pos and path[pos] != "."):
            break
        pos = match.end()
        if match.group("key") is not None:
            steps.append(Step("key", match.group("key").strip()))
        else:
            sel = match.group("sel").strip()
            if not sel:
                break
            if sel == "*":
                steps.append(Step("all"))
            elif re.fullmatch(r"-?[0-9]+", sel):
                steps.append(Step("index", int(sel)))
            else:
                steps.append(Step("name", sel))
    if pos != len(path) or not steps or steps[0].kind != "key":
        raise InputError(
            "--grid",
            where,
            "the path must look like plan.discount_rate, plan.sites[0].max_mw, "
            "plan.accelerators[NAME].price_usd or plan.accelerators[*].launch",
        )
    return tuple(steps)


def parse_grid_spec(spec: str) -> GridAxis:
    """Parse one ``--grid`` option: ``PATH=v1,v2,...`` or ``PATH*=f1,f2,...``.

    Parameters
    ----------
    spec : str
        The option text.

    Returns
    -------
    GridAxis

    Raises
    ------
    InputError
        No ``=``, an empty value, a non-number factor, or a malformed path.

    Examples
    --------
    >>> axis = parse_grid_spec("plan.discount_rate=0.05,0.08")
    >>> axis.path, axis.values, axis.scale
    ('plan.discount_rate', (0.05, 0.08), False)
    >>> parse_grid_spec("plan.accelerators[gpu-next].supply_per_quarter*=0.5,1").values
    (0.5, 1)
    """
    head, sep, tail = spec.partition("=")
    if not sep or not head.strip():
        raise InputError("--grid", spec, "must look like PATH=v1,v2,... or PATH*=f1,f2")
    head = head.strip()
    scale = head.endswith("*") and not head.endswith("[*]")
    path = head[:-1].rstrip() if scale else head
    steps = parse_path(path, spec)
    values: list[Any] = []
    for raw in _split_values(tail):
        if not raw:
            raise InputError("--grid", spec, "has an empty value; give v1,v2,...")
        try:
            value = _yaml.safe_load(raw)
        except _yaml.YAMLError:
            raise InputError(
                "--grid", spec, f"value {raw!r} is not valid YAML"
            ) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError("--grid", spec, f"value {raw!r} is not a finite number")
        if scale and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise InputError("--grid", spec, f"factor {raw!r} is not a number")
        values.append(value)
    return GridAxis(spec, path, steps, scale, tuple(values))


def parse_grid(specs: Iterable[str]) -> tuple[GridAxis, ...]:
    """Parse every ``--grid`` option; the same path may not be swept twice.

    Parameters
    ----------
    specs : iterable of str
        ``PATH=v1,v2`` (or ``PATH*=f1,f2`` for factors) texts.

    Returns
    -------
    tuple of GridAxis
        One axis per option, in order.
    """
    return check_axes([parse_grid_spec(s) for s in specs])


def check_axes(axes: Sequence[GridAxis]) -> tuple[GridAxis, ...]:
    """Check there is at least one axis and no path is swept twice.

    Parameters
    ----------
    axes : sequence of GridAxis
        Parsed axes.

    Returns
    -------
    tuple of GridAxis
        The same axes.
    """
    if not axes:
        raise InputError("--grid", "<none>", "give at least one --grid PATH=v1,v2")
    seen: dict[str, str] = {}
    for axis in axes:
        if axis.path in seen:
            raise InputError(
                "--grid", axis.spec, f"sweeps the same path as {seen[axis.path]!r}"
            )
        seen[axis.path] = axis.spec
    return tuple(axes)


def expand_grid(axes: Sequence[GridAxis]) -> list[tuple[Any, ...]]:
    """Every combination of the axes' values (the Cartesian product), in order.

    The last axis varies fastest, as in :func:`itertools.product`.

    Parameters
    ----------
    axes : sequence of GridAxis
        The swept paths and their values.

    Returns
    -------
    list of tuple
        One tuple of values per combination.

    Examples
    --------
    >>> a = parse_grid_spec("plan.discount_rate=0.05,0.08")
    >>> b = parse_grid_spec("plan.utilisation=0.5,0.6,0.7")
    >>> len(expand_grid([a, b])), expand_grid([a, b])[1]
    (6, (0.05, 0.6))
    """
    return list(itertools.product(*(axis.values for axis in axes)))


# -- applying a combination ----------------------------------------------------


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``X | None`` or ``list[X]``, if there is one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, tuple):
        for arg in typing.get_args(annotation):
            found = _unwrap_model(arg)
            if found is not None:
                return found
    return None


def _schema_model(steps: Sequence[Step]) -> type[BaseModel] | None:
    """The scenario schema model of the mapping that ``steps`` lead to, if known."""
    from gigaplan.scenario import Scenario

    model: type[BaseModel] | None = Scenario
    for step in steps:
        if model is None:
            return None
        if step.kind == "key":
            field = model.model_fields.get(str(step.value))
            model = _unwrap_model(field.annotation) if field is not None else None
    return model


def _path_text(steps: Sequence[Step]) -> str:
    return "".join(str(s) for s in steps).lstrip(".") or "<top level>"


def _unknown_key(
    axis: GridAxis, steps: Sequence[Step], node: Mapping[str, Any], key: str
) -> InputError:
    model = _schema_model(steps)
    known = sorted(set(map(str, node)) | set(model.model_fields if model else ()))
    close = difflib.get_close_matches(key, known, n=3, cutoff=0.5)
    prefix = _path_text(steps)
    prefix = "" if prefix == "<top level>" else prefix + "."
    hint = ", ".join(prefix + k for k in (close or known[:20]))
    return InputError(
        "--grid",
        axis.spec,
        f"the scenario has no {prefix}{key}; "
        + (f"did you mean {hint}?" if close else f"valid keys: {hint}"),
    )


def _assign(
    node: Any, axis: GridAxis, steps: Sequence[Step], done: Sequence[Step], value: Any
) -> None:
    """Set (or scale) the field at ``steps`` below ``node`` (``done``: path so far)."""
    step, rest = steps[0], steps[1:]
    here = _path_text(done)
    if step.kind == "key":
        key = str(step.value)
        if not isinstance(node, dict):
            raise InputError(
                "--grid", axis.spec, f"{here} is a {type(node).__name__}, not a mapping"
            )
        if key not in node:
            model = _schema_model(done)
            settable = not rest and not axis.scale and model is not None
            if not (settable and model is not None and key in model.model_fields):
                raise _unknown_key(axis, done, node, key)
        if rest:
            _assign(node[key], axis, rest, (*done, step), value)
            return
        if axis.scale:
            old = node[key]
            if isinstance(old, bool) or not isinstance(old, int | float):
                raise InputError(
                    "--grid",
                    axis.spec,
                    f"{_path_text((*done, step))}={old!r} is not a number to scale",
                )
            node[key] = old * value
        else:
            node[key] = copy.deepcopy(value)
        return
    if not isinstance(node, list):
        raise InputError(
            "--grid",
            axis.spec,
            f"{here} is a {type(node).__name__}, not a list; {step} needs a list",
        )
    if step.kind == "all":
        items = list(range(len(node)))
    elif step.kind == "index":
        index = int(step.value)  # type: ignore[arg-type]
        if not -len(node) <= index < len(node):
            raise InputError(
                "--grid",
                axis.spec,
                f"{here} has {len(node)} items (0..{len(node) - 1})",
            )
        items = [index]
    else:
        names = [item.get("name") for item in node if isinstance(item, dict)]
        if step.value not in names:
            close = difflib.get_close_matches(str(step.value), map(str, names), n=3)
            raise InputError(
                "--grid",
                axis.spec,
                f"{here} has no item named {step.value!r}; "
                + (
                    f"did you mean {', '.join(close)}?"
                    if close
                    else f"names: {', '.join(map(str, names))}"
                ),
            )
        items = [i for i, item in enumerate(node) if item.get("name") == step.value]
    for i in items:
        if not rest:
            if axis.scale:
                raise InputError(
                    "--grid", axis.spec, f"{here}{step} is a list item, not a number"
                )
            node[i] = copy.deepcopy(value)
        else:
            _assign(node[i], axis, rest, (*done, step), value)


def apply_combination(
    doc: Mapping[str, Any], axes: Sequence[GridAxis], values: Sequence[Any]
) -> dict[str, Any]:
    """A copy of the scenario document with one combination applied.

    Parameters
    ----------
    doc : mapping
        The scenario file as loaded from YAML; it is not changed.
    axes : sequence of GridAxis
        The swept paths.
    values : sequence
        One value per axis (a row of :func:`expand_grid`).

    Returns
    -------
    dict
        The new scenario document.

    Raises
    ------
    InputError
        A path that is not in the scenario; the message names the ``--grid``
        option and the closest valid keys.

    Examples
    --------
    >>> doc = {"plan": {"sites": [{"name": "tx", "max_mw": 100}]}}
    >>> axis = parse_grid_spec("plan.sites[tx].max_mw*=0.5,2")
    >>> apply_combination(doc, [axis], [2])["plan"]["sites"][0]["max_mw"]
    200
    """
    out = copy.deepcopy(dict(doc))
    for axis, value in zip(axes, values, strict=True):
        _assign(out, axis, axis.steps, (), value)
    return out


def combination_yaml(
    doc: Mapping[str, Any], axes: Sequence[GridAxis], values: Sequence[Any]
) -> str:
    """Scenario text of one combination (see :func:`apply_combination`).

    Parameters
    ----------
    doc, axes, values
        As for :func:`apply_combination`.

    Returns
    -------
    str
        The changed document as YAML.
    """
    import yaml

    return yaml.safe_dump(
        apply_combination(doc, axes, values), sort_keys=False, allow_unicode=True
    )


def combination_label(axes: Sequence[GridAxis], values: Sequence[Any]) -> str:
    """``path=value, ...`` for one combination, as shown in messages.

    Parameters
    ----------
    axes : sequence of GridAxis
        The swept paths.
    values : sequence
        One value per axis.

    Returns
    -------
    str
        The label; ``*=`` marks an axis of factors.
    """
    return ", ".join(
        f"{a.path}{'*=' if a.scale else '='}{v}"
        for a, v in zip(axes, values, strict=True)
    )
