"""Scenario files: read YAML, validate with pydantic, report errors by field and line.

A scenario file has one optional section per stage (``estimate``, ``power``,
``plan``, ``risk``, ``factory``); each stage module owns the pydantic model of
its section. :func:`load_yaml_model` is the one way a file becomes a model, so
every file error reads the same: ``scenario.yaml:12: plan.sites[2].pue=0.95:
Input should be greater than or equal to 1``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from gigaplan import _yaml
from gigaplan.errors import InputError
from gigaplan.factory.schema import FactorySection
from gigaplan.plan.schema import PlanSection
from gigaplan.power.stage import PowerSection
from gigaplan.risk.schema import RiskSection
from gigaplan.workloads.schema import EstimateSection

M = TypeVar("M", bound=BaseModel)


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
    """Turn pydantic's first error into an :class:`InputError` with file and line."""
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


def read_yaml_text(path: Path) -> tuple[str, dict[str, Any]]:
    """Read a YAML file into (text, mapping); errors name the file and line."""
    text, doc = _yaml.load_file(path, "scenario")
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise InputError(str(path), type(doc).__name__, "top level must be a mapping")
    return text, doc


def load_yaml_model(path: Path, model: type[M]) -> M:
    """Read ``path`` and validate it as ``model``."""
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

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str = "scenario"
    description: str = ""
    seed: int = 20261124
    catalog: list[str] = []
    estimate: EstimateSection | None = None
    power: PowerSection | None = None
    plan: PlanSection | None = None
    risk: RiskSection | None = None
    factory: FactorySection | None = None


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file."""
    return load_yaml_model(path, Scenario)
