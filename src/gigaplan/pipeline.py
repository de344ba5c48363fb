"""Run the stages a scenario asks for, in pipeline order.

A scenario file has one optional section per stage; :func:`run_pipeline` calls
each present stage's ``run_stage(scenario, catalog)`` and collects the
:class:`~gigaplan.results.StageResult` objects. Stage modules are imported
lazily, only when their section is present, so a run that asks only for
``power`` never imports the planner. Tests (and the web app) can inject their
own mapping of stage name to function.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from gigaplan._yaml import read_text
from gigaplan.errors import GigaplanError, InputError
from gigaplan.results import INPUTS_STAGE, StageResult
from gigaplan.scenario import Scenario, parse_scenario
from gigaplan.stages import StageRunner
from gigaplan.store import RunStore
from gigaplan.store.runinfo import scenario_sha256

if TYPE_CHECKING:
    from gigaplan.catalog.schema import Catalog

log = logging.getLogger(__name__)

#: Pipeline order: each stage may use what the earlier ones put in the catalog.
STAGE_ORDER: tuple[str, ...] = ("estimate", "power", "plan", "risk", "factory")

#: Where each stage's ``run_stage`` lives; the first module that imports wins.
STAGE_MODULES: Mapping[str, tuple[str, ...]] = {
    "estimate": ("gigaplan.stages.estimate",),
    "power": ("gigaplan.stages.power",),
    "plan": ("gigaplan.stages.plan",),
    "risk": ("gigaplan.stages.risk",),
    "factory": ("gigaplan.stages.factory",),
}

#: ``run_stage(scenario, catalog, upstream)``: ``upstream`` maps each stage run
#: before this one to its result, so ``risk`` can evaluate the ``plan`` it follows.
StageFunc = StageRunner
#: ``progress(stage, index, total, state)``; state is "start", "done" or "failed".
ProgressFunc = Callable[[str, int, int, str], None]


@dataclass(frozen=True)
class PipelineRun:
    """Everything a finished pipeline run produced, ready for the run store.

    Attributes
    ----------
    scenario_yaml : str
        The scenario file text, exactly as given.
    scenario : Scenario
        The validated scenario.
    catalog_version : str
        Hash of the catalog files the run used.
    started_at, finished_at : datetime
        UTC wall-clock times of the run.
    results : tuple of StageResult
        One per stage run, in pipeline order.
    sources : dict of str to str
        The catalog's sources (key -> citation), stored with the run.
    """

    scenario_yaml: str
    scenario: Scenario
    catalog_version: str
    started_at: datetime
    finished_at: datetime
    results: tuple[StageResult, ...] = field(default_factory=tuple)
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def scenario_sha256(self) -> str:
        """SHA-256 of the scenario text (hex)."""
        return scenario_sha256(self.scenario_yaml)

    def _repr_html_(self) -> str:
        """The run in a notebook: each stage's memo, summary and tables."""
        import html

        from gigaplan.results import stage_html

        head = (
            f"<h2>{html.escape(str(getattr(self.scenario, 'name', 'run')))}</h2>"
            f"<p>{len(self.results)} stages, catalog {self.catalog_version[:12]}</p>"
        )
        return head + "\n".join(stage_html(r) for r in self.results)


def default_scenario_path() -> Path:
    """The packaged default scenario, ``gigaplan/data/default.yaml``.

    Returns
    -------
    Path
        The file; an :class:`InputError` when this build ships none.
    """
    path = Path(str(files("gigaplan"))) / "data" / "default.yaml"
    if not path.is_file():
        raise InputError(
            "scenario",
            "<default>",
            "this build ships no default scenario (gigaplan/data/default.yaml); "
            "give a scenario file: gigaplan run scenario.yaml",
        )
    return path


def stages_in(scenario: Scenario) -> list[str]:
    """Names of the stages whose sections the scenario has, in pipeline order.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.

    Returns
    -------
    list of str
        A subset of :data:`STAGE_ORDER`, in that order.
    """
    return [name for name in STAGE_ORDER if getattr(scenario, name, None) is not None]


def resolve_stage(name: str) -> StageFunc:
    """Import ``run_stage`` for stage ``name`` from the first module that has it.

    Parameters
    ----------
    name : str
        One of :data:`STAGE_ORDER`.

    Returns
    -------
    StageFunc
        ``run_stage(scenario, catalog, upstream)`` of that stage.
    """
    if name not in STAGE_MODULES:
        raise InputError("stage", name, f"one of {', '.join(STAGE_ORDER)}")
    for module_name in STAGE_MODULES[name]:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name and module_name.startswith(err.name):
                continue  # this candidate module does not exist in this build
            raise
        func = getattr(module, "run_stage", None)
        if callable(func):
            return func  # type: ignore[no-any-return]
    raise GigaplanError(
        f"stage {name!r} is not available in this build of gigaplan "
        f"(looked for run_stage in {', '.join(STAGE_MODULES[name])})"
    )


def run_pipeline(
    scenario_yaml: str,
    *,
    scenario: Scenario | None = None,
    catalog: Catalog | None = None,
    stage_funcs: Mapping[str, StageFunc] | None = None,
    progress: ProgressFunc | None = None,
    where: str = "scenario.yaml",
    base_dir: Path | None = None,
    db: Path | None = None,
    only: Sequence[str] | None = None,
) -> PipelineRun:
    """Validate a scenario and run every stage it has a section for.

    Parameters
    ----------
    scenario_yaml : str
        Scenario file text (stored with the run).
    scenario : Scenario, optional
        The same text already validated (:func:`gigaplan.scenario.read_scenario`),
        so that it is not parsed twice; default: parsed here.
    catalog : Catalog, optional
        Catalog to use; default the shipped one plus the scenario's ``catalog``
        files.
    stage_funcs : mapping of str to callable, optional
        Stage name -> ``run_stage``; default imports each stage's module. The
        sections of injected stages are passed to them unvalidated.
    progress : callable, optional
        Called as ``progress(stage, index, total, state)``.
    where : str
        File name used in error messages.
    base_dir : Path, optional
        Folder that relative paths in the scenario are read against (the
        scenario file's folder); default the current folder.
    db : Path, optional
        Run store in which a ``risk.plan`` run reference is looked up.
    only : sequence of str, optional
        Run only these stages (that the scenario has).

    Returns
    -------
    PipelineRun
        The scenario, its text, times and each stage's result.

    Raises
    ------
    InputError
        The scenario is not valid, or asks for no stage.
    GigaplanError
        A stage failed (the run is then not stored as complete).
    """
    from gigaplan import external

    scenario = _parsed(scenario, scenario_yaml, where, base_dir, stage_funcs)
    names = stages_in(scenario)
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise InputError("stage", ",".join(unknown), f"scenario has {names}")
        names = [n for n in names if n in only]
    if not names:
        raise InputError(
            where, "<no stage>", f"add at least one section: {', '.join(STAGE_ORDER)}"
        )
    if catalog is None:
        from gigaplan.catalog import load_catalog

        catalog = load_catalog([Path(p) for p in scenario.catalog])
    funcs = {n: (stage_funcs or {}).get(n) or resolve_stage(n) for n in names}
    inputs = external.gather(scenario, db)
    started = datetime.now(UTC)
    results: list[StageResult] = []
    for i, name in enumerate(names):
        if progress:
            progress(name, i, len(names), "start")
        t0 = time.perf_counter()
        try:
            upstream = {INPUTS_STAGE: inputs, **{r.stage: r for r in results}}
            result = funcs[name](scenario, catalog, upstream)
        except BaseException:
            if progress:
                progress(name, i, len(names), "failed")
            raise
        if not isinstance(result, StageResult):
            raise GigaplanError(
                f"stage {name!r} returned {type(result).__name__}, not StageResult"
            )
        results.append(result)
        if progress:
            progress(name, i, len(names), "done")
        log.info("stage %s done in %.1f s", name, time.perf_counter() - t0)
    return PipelineRun(
        scenario_yaml=scenario_yaml,
        scenario=scenario,
        catalog_version=str(getattr(catalog, "version", "unknown")),
        started_at=started,
        finished_at=datetime.now(UTC),
        results=tuple(results),
        sources=dict(getattr(catalog, "sources", {}) or {}),
    )


def _parsed(
    scenario: Scenario | None,
    text: str,
    where: str,
    base_dir: Path | None,
    stage_funcs: Mapping[str, StageFunc] | None,
) -> Scenario:
    """``scenario`` when the caller parsed it already, else ``text`` parsed."""
    if scenario is not None:
        return scenario
    return parse_scenario(
        text, where, base_dir=base_dir or Path.cwd(), free_sections=stage_funcs or ()
    )


def read_scenario_source(path: Path | None) -> tuple[Path, str]:
    """(path, text) of a scenario file, or of the packaged default one.

    Parameters
    ----------
    path : Path, optional
        A scenario file; None for the packaged default.

    Returns
    -------
    path : Path
        The file read.
    text : str
        Its text.
    """
    path = Path(path) if path else default_scenario_path()
    return path, read_text(path, "scenario")


def run_and_record(
    text: str,
    store: RunStore,
    *,
    scenario: Scenario | None = None,
    where: str = "scenario.yaml",
    base_dir: Path | None = None,
    stage_funcs: Mapping[str, StageFunc] | None = None,
    progress: ProgressFunc | None = None,
    catalog: Catalog | None = None,
) -> str:
    """Parse a scenario once, run it and keep it in ``store``; returns the run id.

    The one way the CLI and the web app run and record a scenario. Bad input
    raises :class:`InputError` before anything runs or is stored; a stage that
    fails raises after a ``failed`` record (scenario and error, no tables) is
    stored; an interrupted run stores nothing. A ``risk.plan`` run reference
    is looked up in ``store``. Give ``scenario`` when the text was already
    validated, so that it is parsed once.

    Parameters
    ----------
    text : str
        The scenario file's text (stored with the run).
    store : RunStore
        Where the run is kept and ``risk.plan`` runs are looked up.
    scenario : Scenario, optional
        ``text`` already validated.
    where : str
        File name used in error messages.
    base_dir : Path, optional
        The scenario file's folder (relative paths are read against it).
    stage_funcs : mapping of str to StageFunc, optional
        Stage functions in place of the packaged ones (tests, the web app).
    progress : ProgressFunc, optional
        Called as each stage starts, ends or fails.
    catalog : Catalog, optional
        Default: shipped plus the scenario's ``catalog`` files.

    Returns
    -------
    str
        The stored run's id.
    """
    scenario = _parsed(scenario, text, where, base_dir, stage_funcs)
    check = getattr(store, "check_writable", None)
    if check is not None:  # a held or read-only store is found before the work
        check()
    started = datetime.now(UTC)
    try:
        run = run_pipeline(
            text,
            scenario=scenario,
            catalog=catalog,
            stage_funcs=stage_funcs,
            progress=progress,
            where=where,
            db=getattr(store, "path", None),
        )
    except InputError:
        raise
    except GigaplanError as err:
        store.save_failed(text, scenario.name, str(err), started)
        raise
    return str(store.save(run))
