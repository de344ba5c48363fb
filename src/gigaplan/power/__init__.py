"""Campus power: least-cost hourly supply (linopy + HiGHS).

Public API: :func:`solve_campus`, :class:`CampusSettings`,
:class:`CampusPowerResult`, :func:`power_product`
(loaded lazily so the scenario model stays light).
"""

from __future__ import annotations

from typing import Any

__all__ = ["CampusPowerResult", "CampusSettings", "power_product", "solve_campus"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from gigaplan.power import model

        return getattr(model, name)
    raise AttributeError(name)
