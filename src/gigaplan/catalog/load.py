"""Read the catalog YAML files, merge user overrides, validate once, freeze."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from gigaplan import _yaml as yaml
from gigaplan.catalog.schema import (
    ENTRY_SECTIONS,
    STAGE_SECTIONS,
    Accelerator,
    Catalog,
    Entry,
    Model,
    Region,
)
from gigaplan.errors import CatalogError, InputError, UnknownNameError

SECTIONS = ENTRY_SECTIONS
ALL_SECTIONS = (*ENTRY_SECTIONS, *STAGE_SECTIONS)

E = TypeVar("E", bound=Entry)


def data_dir() -> Path:
    """Folder of the shipped catalog files.

    Returns
    -------
    path : Path
        ``gigaplan/catalog/data`` inside the installed package.
    """
    return Path(str(files("gigaplan.catalog") / "data"))


def read_yaml(path: Path) -> dict[str, Any]:
    """Read one YAML mapping; a syntax error names the file and line.

    Parameters
    ----------
    path : Path
        A YAML file whose top level is a mapping.

    Returns
    -------
    data : dict
        The mapping as parsed.
    """
    return _read(path)[1]


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    text, doc = yaml.load_file(path, "catalog")
    if doc is None:
        return text, {}
    if not isinstance(doc, dict):
        raise InputError(
            f"catalog {path.name}", type(doc).__name__, "top level must be a mapping"
        )
    return text, doc


def _expand_shorthand(entry: Mapping[str, Any]) -> dict[str, Any]:
    """Turn ``field: 80`` into ``field: {value: 80, source: <entry source>}``.

    An entry may give one ``source`` (and ``note``) that covers its bare numbers,
    e.g. a model card for all architecture fields.
    """
    out = dict(entry)
    source = out.pop("source", None)
    out.pop("note", None)
    for key, val in list(out.items()):
        if isinstance(val, int | float) and not isinstance(val, bool):
            if source is None:
                continue  # left for pydantic to reject with its field name
            out[key] = {"value": val, "source": source}
    return out


def _merge(
    base: dict[str, Any], doc: Mapping[str, Any], origin: dict[tuple[str, str], str]
) -> None:
    name = doc.get("_file", "?")
    for section in ("sources", *ALL_SECTIONS):
        given = doc.get(section) or {}
        if not isinstance(given, Mapping):
            raise InputError(
                f"catalog {name}: {section}",
                given,
                "must be a mapping of names to "
                + ("citations" if section == "sources" else "entries"),
            )
    base["sources"].update(doc.get("sources") or {})
    for section in ALL_SECTIONS:
        for key, entry in (doc.get(section) or {}).items():
            if section in SECTIONS:
                if not isinstance(entry, Mapping):
                    raise CatalogError(f"{name}: {section}.{key} must be a mapping")
                key = str(key).lower()
                entry = _expand_shorthand(entry)
            current = base[section].get(key)
            base[section][key] = _merge_value(current, entry, whole=section in SECTIONS)
            origin[(section, str(key))] = name
    unknown = set(doc) - {*ALL_SECTIONS, "sources", "schema_version", "_file"}
    if unknown:
        raise CatalogError(
            f"{name}: unknown top-level keys {sorted(unknown)}; "
            f"allowed: schema_version, sources, {', '.join(ALL_SECTIONS)}"
        )


def _merge_value(current: Any, given: Any, whole: bool = False) -> Any:
    """``given`` over ``current``: mappings key by key, anything else replaced.

    A number (a mapping with ``value``) and a duration that names its ``dist``
    replace the old one whole, so no stale source, note or parameter is kept;
    ``whole`` merges one level only (catalog entries, field by field).
    """
    if not isinstance(current, Mapping) or not isinstance(given, Mapping):
        return given
    if "value" in given or "dist" in given:
        return given
    if whole:
        return {**current, **given}
    out = dict(current)
    for key, val in given.items():
        out[key] = _merge_value(out.get(key), val)
    return out


def _format_validation(err: ValidationError, origin: dict[tuple[str, str], str]) -> str:
    lines = []
    for e in err.errors()[:5]:
        loc = [str(p) for p in e["loc"]]
        where = origin.get((loc[0], loc[1]), "catalog") if len(loc) > 1 else "catalog"
        lines.append(f"{where}: {'.'.join(loc)}: {e['msg']}")
    more = len(err.errors()) - 5
    return "; ".join(lines) + (f" (and {more} more)" if more > 0 else "")


def load_catalog(extra: Iterable[Path] = (), root: Path | None = None) -> Catalog:
    """Read the shipped catalog, merge ``extra`` files over it, validate, freeze.

    Parameters
    ----------
    extra : iterable of Path
        User catalog files; their entries add to or override shipped ones
        field by field, and get the same validation. Any section may be
        given: ``accelerators``, ``models``, ``regions``,
        ``power_technologies``, ``power_defaults``,
        ``factory_durations_weeks``, ``workload_defaults``.
    root : Path, optional
        Folder whose ``*.yaml`` files hold the sections ``accelerators``,
        ``models``, ``regions``; default the shipped one. The stage tables
        are read from its sub-folders (``power/technologies.yaml``,
        ``factory/durations.yaml``, ``workloads/defaults.yaml``), or the
        shipped ones where it has none.

    Returns
    -------
    Catalog
        Frozen; ``version`` is a hash of every file that went into it.
    """
    root = root or data_dir()
    stage_files = [
        root / rel if (root / rel).is_file() else data_dir() / rel
        for rel in dict.fromkeys(STAGE_SECTIONS.values())
    ]
    paths = [*sorted(root.glob("*.yaml")), *stage_files, *(Path(p) for p in extra)]
    merged: dict[str, Any] = {"sources": {}, **{s: {} for s in ALL_SECTIONS}}
    origin: dict[tuple[str, str], str] = {}
    digest = hashlib.sha256()
    for path in paths:
        text, doc = _read(path)
        digest.update(text.encode("utf-8"))
        _merge(merged, {**doc, "_file": path.name}, origin)
    try:
        return Catalog.model_validate({"version": digest.hexdigest()[:12], **merged})
    except ValidationError as err:
        raise CatalogError(_format_validation(err, origin)) from None


def shipped_catalog(catalog: Catalog | None = None) -> Catalog:
    """``catalog``, or the shipped one when it is None (a default for old callers).

    Stages are given the run's catalog; this is only for public functions whose
    ``catalog`` argument came later and may be left out. The shipped catalog is
    read once per process: it is frozen and its files are package data (before,
    ``gigaplan validate`` read them 137 times, 23 of its 31 s under a profiler).

    Parameters
    ----------
    catalog : Catalog, optional
        The run's catalog; None stands for the shipped one.

    Returns
    -------
    catalog : Catalog
        ``catalog`` itself, or the shipped catalog.
    """
    return catalog if catalog is not None else _shipped()


@functools.lru_cache(maxsize=1)
def _shipped() -> Catalog:
    """The shipped catalog, validated once."""
    return load_catalog()


def normalise_name(name: str) -> str:
    """Lower-case, spaces and underscores to hyphens: ``H100 SXM`` -> ``h100-sxm``.

    Parameters
    ----------
    name : str
        A name as a person typed it.

    Returns
    -------
    key : str
        The name in the catalog's key spelling.
    """
    return re.sub(r"[\s_]+", "-", name.strip().lower())


def _find(section: Mapping[str, E], name: str, field: str) -> tuple[str, E]:
    wanted = normalise_name(name)
    for key, entry in section.items():
        if wanted == key or wanted in {normalise_name(a) for a in entry.aliases}:
            return key, entry
    names = list(section) + [
        normalise_name(a) for e in section.values() for a in e.aliases
    ]
    raise UnknownNameError(field, name, names)


def find_accelerator(catalog: Catalog, name: str) -> tuple[str, Accelerator]:
    """Look up an accelerator by id or alias, case-insensitive.

    Parameters
    ----------
    catalog : Catalog
        Where to look.
    name : str
        Accelerator id or alias.

    Returns
    -------
    key : str
        The accelerator's catalog id.
    accelerator : Accelerator
        Its entry.
    """
    return _find(catalog.accelerators, name, "accelerator")


def find_model(catalog: Catalog, name: str) -> tuple[str, Model]:
    """Look up a model by id or alias, case-insensitive.

    Parameters
    ----------
    catalog, name
        As for :func:`find_accelerator`, with a model id or alias.

    Returns
    -------
    key : str
        The model's catalog id.
    model : Model
        Its entry.
    """
    return _find(catalog.models, name, "model")


def find_region(catalog: Catalog, name: str) -> tuple[str, Region]:
    """Look up a region by id or alias, case-insensitive.

    Parameters
    ----------
    catalog, name
        As for :func:`find_accelerator`, with a region id or alias.

    Returns
    -------
    key : str
        The region's catalog id.
    region : Region
        Its entry.
    """
    return _find(catalog.regions, name, "region")


def find_any(catalog: Catalog, name: str) -> tuple[str, str, Entry]:
    """Look up a name in every section; returns (section, id, entry).

    Parameters
    ----------
    catalog : Catalog
        Where to look.
    name : str
        Id or alias of an accelerator, model or region.

    Returns
    -------
    section : str
        Catalog section holding the name (``accelerators``, ``models``, ...).
    key : str
        The entry's id in that section.
    entry : Entry
        The entry.
    """
    everything: dict[str, Any] = {}
    for section in SECTIONS:
        try:
            key, entry = _find(getattr(catalog, section), name, "name")
            return section, key, entry
        except UnknownNameError:
            everything.update(getattr(catalog, section))
    raise UnknownNameError("name", name, everything)
