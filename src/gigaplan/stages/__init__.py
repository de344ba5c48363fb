"""A run's stages: each ``run_stage(scenario, catalog, upstream)`` takes its
section of the :class:`~gigaplan.scenario.Scenario`, what earlier stages and
the edge (:mod:`gigaplan.external`) gave it in ``upstream``, and calls its
package's functions, which know nothing of scenarios. The pipeline finds them
through :data:`gigaplan.pipeline.STAGE_MODULES`.

Every ``run_stage`` is a :class:`StageRunner`; its parameters are documented
there once, and each stage's docstring says only what its own section holds,
what it takes from ``upstream`` and what it returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from gigaplan.catalog.schema import Catalog
    from gigaplan.results import StageResult, Upstream
    from gigaplan.scenario import Scenario


class StageRunner(Protocol):
    """The call every stage module's ``run_stage`` answers."""

    def __call__(
        self, scenario: Scenario, catalog: Catalog, upstream: Upstream = None
    ) -> StageResult:
        """Run one stage of ``scenario``.

        Parameters
        ----------
        scenario : Scenario
            Holds the stage's section (absent: the stage's defaults, or an
            error for a stage that needs one) and the seed.
        catalog : Catalog
            The run's catalog: resolves accelerator, model and region names
            and gives default values.
        upstream : mapping of str to StageResult, optional
            The result of each stage run before this one, and the tables the
            pipeline read at the edge (``None``: nothing).

        Returns
        -------
        StageResult
            The stage's tables and headline numbers.
        """
        ...
