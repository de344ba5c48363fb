"""A run's stages: each ``run_stage(scenario, catalog, upstream)`` takes its
section of the :class:`~gigaplan.scenario.Scenario`, what earlier stages and
the edge (:mod:`gigaplan.external`) gave it in ``upstream``, and calls its
package's functions, which know nothing of scenarios. The pipeline finds them
through :data:`gigaplan.pipeline.STAGE_MODULES`.
"""
