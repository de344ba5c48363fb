"""Multi-period stochastic capacity expansion: what to build, where, when.

:func:`run_plan` solves a ``plan:`` section; :mod:`gigaplan.plan.stage` runs
it as a pipeline stage (with the scenario's demand and the power stage's
campus product).
"""

from gigaplan.plan.run import run_plan
from gigaplan.plan.schema import PlanSection

__all__ = ["PlanSection", "run_plan"]
