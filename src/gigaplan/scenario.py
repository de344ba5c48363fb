"""Scenario files: read YAML, validate with pydantic, report errors by field and line.

A scenario file has one optional section per stage (``estimate``, ``power``,
``plan``, ``risk``, ``factory``); each stage module owns the pydantic model of
its section. :func:`load_yaml_model` is the one way a file becomes a model, so
every file error reads the same: ``scenario.yaml:12: plan.sites[2].pue=0.95:
Input should be greater than or equal to 1``.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from gigaplan import _yaml
from gigaplan._schema import STRICT, validation_to_input_error
from gigaplan._yaml import read_text
from gigaplan.errors import InputError
from gigaplan.factory.schema import FactorySection
from gigaplan.plan.schema import PlanSection
from gigaplan.power.schema import PowerSection
from gigaplan.risk.schema import RiskSection
from gigaplan.workloads.schema import EstimateSection

M = TypeVar("M", bound=BaseModel)


def is_table_file(ref: str) -> bool:
    """Whether a ``risk.plan`` reference names a table file, not a stored run.

    Parameters
    ----------
    ref : str
        The value of ``risk.plan`` (or ``risk --plan``).

    Returns
    -------
    bool
        True for a ``.csv`` or ``.parquet`` path.
    """
    return Path(ref).suffix.lower() in (".csv", ".parquet")


def _parse_mapping(text: str, where: str) -> dict[str, Any]:
    """YAML text -> top-level mapping; errors name the file and line."""
    doc = _yaml.load(text, where)
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise InputError(where, type(doc).__name__, "top level must be a mapping")
    return doc


def read_yaml_text(path: Path) -> tuple[str, dict[str, Any]]:
    """Read a YAML file into (text, mapping); errors name the file and line.

    Parameters
    ----------
    path : Path
        A YAML file.

    Returns
    -------
    text : str
        The file's text, exactly as read.
    mapping : dict
        Its top level (empty for an empty file).
    """
    text = read_text(path, "scenario")
    return text, _parse_mapping(text, str(path))


def load_yaml_model(path: Path, model: type[M]) -> M:
    """Read ``path`` and validate it as ``model``.

    Parameters
    ----------
    path : Path
        A YAML file.
    model : type of pydantic.BaseModel
        The model its top level must validate as.

    Returns
    -------
    model instance
        Validated; errors name the file, line and field.
    """
    text, doc = read_yaml_text(path)
    try:
        return model.model_validate(doc)
    except ValidationError as err:
        raise validation_to_input_error(err, Path(path).name, text) from None


class Scenario(BaseModel):
    """A scenario file: a name, a seed, and one optional section per stage.

    Stage modules replace the ``dict`` placeholders below with their own
    section models as they land.
    """

    model_config = STRICT

    name: str = "scenario"
    description: str = ""
    seed: int = 20261124
    catalog: list[str] = []
    estimate: EstimateSection | None = None
    power: PowerSection | None = None
    plan: PlanSection | None = None
    risk: RiskSection | None = None
    factory: FactorySection | None = None


def resolve_paths(scenario: Scenario, base_dir: Path) -> Scenario:
    """The scenario with every relative file path in it made absolute.

    Paths are read against the scenario file's folder, wherever gigaplan is
    run from: ``catalog`` entries, ``power.profiles_csv`` and a ``risk.plan``
    that names a ``.csv`` or ``.parquet`` table.

    Parameters
    ----------
    scenario : Scenario
        As validated from the file.
    base_dir : Path
        The scenario file's folder.

    Returns
    -------
    Scenario
        A copy with those paths absolute (others unchanged).
    """
    base = Path(base_dir)

    def absolute(p: str) -> str:
        return str(base / p) if not Path(p).is_absolute() else p

    update: dict[str, Any] = {"catalog": [absolute(p) for p in scenario.catalog]}
    power = scenario.power
    if power is not None and power.profiles_csv is not None:
        csv = power.profiles_csv
        given = absolute(csv) if isinstance(csv, str) else [absolute(p) for p in csv]
        update["power"] = power.model_copy(update={"profiles_csv": given})
    risk = scenario.risk
    if risk is not None and risk.plan is not None and is_table_file(risk.plan):
        update["risk"] = risk.model_copy(update={"plan": absolute(risk.plan)})
    return scenario.model_copy(update=update)


def parse_scenario(
    text: str,
    where: str = "scenario.yaml",
    *,
    base_dir: Path | None = None,
    free_sections: Collection[str] = (),
) -> Scenario:
    """Validate scenario text; errors name the file, line and field.

    Parameters
    ----------
    text : str
        The scenario file's text.
    where : str
        File name used in error messages.
    base_dir : Path, optional
        The scenario file's folder: relative paths in the scenario are resolved
        against it (:func:`resolve_paths`). Without it they stay as written.
    free_sections : collection of str
        Sections kept as plain mappings, unvalidated: a stage function injected
        in place of a packaged one owns the schema of its section.

    Returns
    -------
    Scenario
        Validated and frozen.
    """
    doc = _parse_mapping(text, where)
    free = {name: doc.pop(name) for name in free_sections if name in doc}
    try:
        scenario = Scenario.model_validate(doc)
    except ValidationError as err:
        raise validation_to_input_error(err, where, text) from None
    if base_dir is not None:
        scenario = resolve_paths(scenario, base_dir)
    return scenario.model_copy(update=free) if free else scenario


def read_scenario(path: Path) -> tuple[Scenario, str]:
    """Read a scenario file once: the validated scenario and its exact text.

    Relative paths in the file are resolved against the file's folder.

    Parameters
    ----------
    path : Path
        The scenario file.

    Returns
    -------
    scenario : Scenario
        Validated, paths resolved.
    text : str
        The file's text, as stored with the run.
    """
    path = Path(path)
    text = read_text(path, "scenario")
    return parse_scenario(text, path.name, base_dir=path.resolve().parent), text


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file (relative paths against its folder).

    Parameters
    ----------
    path : Path
        The scenario file, when its text is not needed.

    Returns
    -------
    Scenario
        The first item of :func:`read_scenario`.
    """
    return read_scenario(path)[0]
