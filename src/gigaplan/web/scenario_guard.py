"""What a scenario sent over the web may ask of the server.

The web UI runs scenarios from people who cannot read the server's files or
take its CPUs. Three checks, all before anything runs:

- :func:`check_yaml_shape`: the text's nesting depth, aliases and size once
  aliases are expanded, counted from parser events (nothing is expanded), so
  a "billion laughs" (nested anchors) or a 5,000-deep flow list fails in
  milliseconds instead of filling memory or the stack.
- :func:`confine_files`: no field may name a file, unless the server was
  started with a data folder; then the fields that read files (``catalog``
  entries, ``power.profiles_csv``, ``risk.plan`` as a file) must resolve,
  symlinks followed, inside it, and are rewritten to those resolved paths so
  the stage reads exactly what was checked.
- :func:`check_sizes`: factory and risk sizes within :class:`WebLimits`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gigaplan.errors import InputError

WHERE = "scenario.yaml"

#: Deepest nesting of mappings and lists accepted from the web. [levels]
MAX_DEPTH = 100
#: Most aliases (``*name``) accepted from the web. [count]
MAX_ALIASES = 100
#: Most nodes once every alias is expanded (a scenario has a few hundred). [count]
MAX_NODES = 100_000

#: Fields that gigaplan reads as files, as (section, key); ``catalog`` is a list.
FILE_FIELDS = (("power", "profiles_csv"), ("risk", "plan"))
#: ``latest`` or a run id's prefix, YYYYMMDD-HHMMSS-xxxxxx, from its date on
#: (narrower than the store's rule, so that no ordinary file name passes).
_RUN_REF = re.compile(
    r"^(latest|last|\d{8}(-\d{1,6}(-[0-9a-f]{1,6})?)?)$", re.IGNORECASE
)
_PATH_KEYS = re.compile(r"(^|_)(path|file|dir|directory|folder|db|out|csv)(_|$)")
_PATH_VALUE = re.compile(
    r"([/\\]|^~|^\.\.?$|\.(ya?ml|csv|json|parquet|duckdb|txt|xlsx?|db|env)$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class WebLimits:
    """Largest runs the web app starts; the CLI has no such limits.

    Parameters
    ----------
    factory_workers : int
        Processes one factory run may start (default: the server's CPUs).
    factory_replications : int
        Replications of the factory simulation (and of each what-if run).
    factory_projects : int
        Projects entering the factory.
    risk_paths : int
        Demand paths of a risk run (and of its scenario reduction).
    jobs_per_client : int
        Queued plus running jobs one client address may have.
    jobs_queued : int
        Queued plus running jobs on the whole server.
    """

    factory_workers: int = 2
    factory_replications: int = 1_000
    factory_projects: int = 10_000
    risk_paths: int = 100_000
    jobs_per_client: int = 3
    jobs_queued: int = 20


def check_yaml_shape(
    text: str,
    *,
    max_depth: int = MAX_DEPTH,
    max_aliases: int = MAX_ALIASES,
    max_nodes: int = MAX_NODES,
) -> None:
    """Refuse YAML nested too deep, with too many aliases, or too big expanded.

    Parameters
    ----------
    text : str
        YAML text from a request.
    max_depth, max_aliases, max_nodes : int
        Limits; see :data:`MAX_DEPTH`, :data:`MAX_ALIASES`, :data:`MAX_NODES`.

    Raises
    ------
    InputError
        Over a limit (named with the line it was reached on), or not YAML.

    Notes
    -----
    Walks PyYAML's event stream, which neither recurses nor expands aliases:
    each anchored node's expanded size is recorded when it closes, and an
    alias adds that size, so the count is that of the document the loader
    would build, found in time linear in the text.

    Examples
    --------
    >>> check_yaml_shape("a: &x [1, 2]\\nb: *x\\n")
    >>> check_yaml_shape("[" * 200 + "]" * 200)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gigaplan.errors.InputError: scenario.yaml:1: nesting=101: at most 100 levels...
    """
    _check_flow_depth(text, max_depth)
    sizes: dict[str, int] = {}
    stack: list[tuple[str | None, int]] = []  # (anchor, nodes so far)
    total = aliases = 0
    for event in _events(text):
        line = event.start_mark.line + 1 if event.start_mark else None
        here = f"{WHERE}:{line}" if line else WHERE
        if isinstance(event, yaml.CollectionStartEvent):
            stack.append((event.anchor, 1))
            if len(stack) > max_depth:
                raise InputError(
                    f"{here}: nesting",
                    len(stack),
                    f"at most {max_depth} levels of lists and mappings from the web",
                )
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size = stack.pop()
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor in (open_anchor for open_anchor, _ in stack):
                raise InputError(
                    f"{here}: aliases",
                    f"*{event.anchor}",
                    "an alias inside its own anchor (a structure that contains "
                    "itself) is not a scenario",
                )
            if event.anchor not in sizes:
                raise InputError(
                    f"{here}: aliases", f"*{event.anchor}", "no such anchor"
                )
            aliases += 1
            if aliases > max_aliases:
                raise InputError(
                    f"{here}: aliases",
                    aliases,
                    f"at most {max_aliases} aliases (*name) from the web",
                )
            anchor, size = None, sizes[str(event.anchor)]
        else:
            continue
        if anchor is not None:
            sizes[anchor] = size
        if stack:
            stack[-1] = (stack[-1][0], stack[-1][1] + size)
        else:
            total += size
        if total + sum(n for _, n in stack) > max_nodes:
            raise InputError(
                f"{here}: size",
                f">{max_nodes:,} nodes",
                f"at most {max_nodes:,} values once aliases are expanded",
            )


def load_checked(text: str) -> Any:
    """Parse YAML from a request after :func:`check_yaml_shape`; errors as InputError.

    Parameters
    ----------
    text : str
        YAML from a request.

    Returns
    -------
    object
        The parsed document.

    Examples
    --------
    >>> load_checked("plan: {years: 2}")
    {'plan': {'years': 2}}
    """
    from gigaplan import _yaml

    check_yaml_shape(text)
    try:
        return _yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{WHERE}:{mark.line + 1}" if mark else WHERE
        problem = getattr(err, "problem", None) or "cannot be read"
        raise InputError(where, "<yaml>", f"not valid YAML: {problem}") from None


def _check_flow_depth(text: str, max_depth: int) -> None:
    """Refuse deep ``[``/``{`` nesting before PyYAML sees it.

    PyYAML's scanner looks ahead to the end of every open flow collection
    (each could be a key), so 5,000 nested ``[`` take it seconds; this pass
    counts brackets outside quotes and comments in one go.
    """
    depth, quote, line, escaped = 0, "", 1, False
    previous = "\n"
    for char in text:
        if char == "\n":
            line += 1
            if quote == "#":
                quote = ""
        elif quote == "#":
            pass
        elif quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "'\"" and previous in " \t\n[{,:-":
            quote = char  # a quoted scalar starts here
        elif char == "#" and previous in " \t\n":
            quote = "#"
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                raise InputError(
                    f"{WHERE}:{line}: nesting",
                    depth,
                    f"at most {max_depth} levels of lists and mappings from the web",
                )
        elif char in "]}":
            depth = max(0, depth - 1)
        previous = char


def _events(text: str) -> Iterator[yaml.Event]:
    try:
        yield from yaml.parse(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{WHERE}:{mark.line + 1}" if mark else WHERE
        problem = getattr(err, "problem", None) or "cannot be parsed"
        raise InputError(where, "<yaml>", f"not valid YAML: {problem}") from None


def confine_files(text: str, doc: Any, data_dir: Path | None) -> str:
    """Refuse or confine every file a scenario names; the text to run.

    Parameters
    ----------
    text : str
        The scenario's YAML text.
    doc : Any
        The same text parsed (plain mappings and lists).
    data_dir : Path, optional
        Folder the server shares with web users; None shares none.

    Returns
    -------
    str
        ``text`` with each file field replaced by its resolved path inside
        ``data_dir`` (unchanged when it names no file).

    Raises
    ------
    InputError
        A field names a file and there is no data folder, or the file is
        outside it (after following links), or is missing. The message names
        the field and never the file's contents.
    """
    files = dict(_file_fields(doc))
    other = path_like_field(_without(doc, files), "")
    if other:
        raise InputError(
            f"{WHERE}: {other}",
            "<path>",
            "a scenario sent to the web UI may not name files or folders; "
            "run it with `gigaplan run` instead",
        )
    if not files:
        return text
    if data_dir is None:
        raise InputError(
            f"{WHERE}: {next(iter(files))}",
            "<path>",
            "a scenario sent to the web UI may not name files or folders unless "
            "the server shares a data folder (serve --data-dir); run it with "
            "`gigaplan run` instead",
        )
    root = data_dir.resolve()
    resolved = {field: _inside(root, field, name) for field, name in files.items()}
    return _rewrite(text, resolved)


def _file_fields(doc: Any) -> Iterator[tuple[str, str]]:
    """(field, value) of every field that gigaplan reads as a file."""
    if not isinstance(doc, dict):
        return
    catalog = doc.get("catalog")
    for i, name in enumerate(catalog if isinstance(catalog, list) else [catalog]):
        if name is not None:
            yield f"catalog[{i}]" if isinstance(catalog, list) else "catalog", str(name)
    for section, key in FILE_FIELDS:
        body = doc.get(section)
        value = body.get(key) if isinstance(body, dict) else None
        if value is None or (key == "plan" and _RUN_REF.match(str(value).strip())):
            continue  # risk.plan names a stored run, not a file
        yield f"{section}.{key}", str(value)


def _without(doc: Any, fields: dict[str, str]) -> Any:
    """``doc`` without the file fields (checked on their own)."""
    if not isinstance(doc, dict):
        return doc
    out = {k: v for k, v in doc.items() if k != "catalog"}
    for section, key in FILE_FIELDS:
        if f"{section}.{key}" in fields and isinstance(out.get(section), dict):
            out[section] = {k: v for k, v in out[section].items() if k != key}
    return out


def _inside(root: Path, field: str, name: str) -> Path:
    """``name`` resolved under ``root`` (links followed); refused if it leaves."""
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        raise InputError(
            f"{WHERE}: {field}",
            "<path>",
            "must name a file inside the server's data folder",
        )
    if not path.is_file():
        raise InputError(
            f"{WHERE}: {field}", name, "no such file in the server's data folder"
        )
    return path


def _rewrite(text: str, resolved: dict[str, Path]) -> str:
    """``text`` with each field's scalar replaced by its resolved path."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    spans: list[tuple[int, int, str]] = []
    for field, path in resolved.items():
        node = _node_at(root, field)
        if node is None:
            raise InputError(f"{WHERE}: {field}", "<path>", "a single text value")
        spans.append((node.start_mark.index, node.end_mark.index, str(path)))
    for start, end, value in sorted(spans, reverse=True):
        quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        text = text[:start] + quoted + text[end:]
    return text


def _node_at(root: yaml.Node | None, field: str) -> yaml.ScalarNode | None:
    """The scalar node of ``section.key``, ``catalog`` or ``catalog[i]``."""
    node: Any = root
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", field):
        if part.startswith("[") and isinstance(node, yaml.SequenceNode):
            node = node.value[int(part[1:-1])]
        elif isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        else:
            return None
    return node if isinstance(node, yaml.ScalarNode) else None


def path_like_field(doc: Any, where: str = "") -> str | None:
    """First field of a scenario document that could name a file, or None.

    A string under any key that names a path or file, or a one-word string
    shaped like one (a separator, ``~``, ``..``, or a data-file extension),
    counts; prose with spaces (names, notes) does not.

    Parameters
    ----------
    doc : object
        A parsed scenario document.
    where : str
        Dotted path of ``doc`` (for recursion).

    Returns
    -------
    str or None
        Dotted path of the field.

    Examples
    --------
    >>> path_like_field({"plan": {"weather": "../secrets"}, "name": "a 10/90 split"})
    'plan.weather'
    """
    if isinstance(doc, dict):
        for key, value in doc.items():
            here = f"{where}.{key}" if where else str(key)
            texts = value if isinstance(value, list) else [value]
            if _PATH_KEYS.search(str(key).lower()) and any(
                isinstance(t, str) and t for t in texts
            ):
                return here
            found = path_like_field(value, here)
            if found:
                return found
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found = path_like_field(value, f"{where}[{i}]")
            if found:
                return found
    elif (
        isinstance(doc, str)
        and not re.search(r"\s", doc.strip())
        and _PATH_VALUE.search(doc.strip())
    ):
        return where or "scenario"
    return None


def check_sizes(doc: Any, limits: WebLimits) -> None:
    """Refuse factory and risk sizes over the web limits, naming the limit.

    Parameters
    ----------
    doc : object
        A parsed scenario document.
    limits : WebLimits
        The server's limits.

    Raises
    ------
    InputError
        A size over its limit (``scenario.yaml: factory.workers=64: at most 2
        from the web ...``).
    """
    checks = (
        ("factory.workers", limits.factory_workers, "the server's CPU count"),
        ("factory.replications", limits.factory_replications, ""),
        ("factory.analysis_replications", limits.factory_replications, ""),
        ("factory.projects.count", limits.factory_projects, ""),
        ("risk.paths", limits.risk_paths, ""),
        ("risk.reduction.paths", limits.risk_paths, ""),
    )
    for field, limit, why in checks:
        value = _value_at(doc, field)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue  # absent or not a number: the schema names it
        if value > limit:
            reason = f" ({why})" if why else ""
            raise InputError(
                f"{WHERE}: {field}",
                value,
                f"at most {limit:,} from the web{reason}; larger runs with "
                "`gigaplan run`",
            )


def _value_at(doc: Any, field: str) -> Any:
    for part in field.split("."):
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)
    return doc
