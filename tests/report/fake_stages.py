"""Fake pipeline stages for the store, report and web tests.

They return StageResult objects (tidy tables, units in column names) computed
from the scenario, so that changing the scenario changes the numbers; they
test the store, pipeline and web mechanics. Only ``plan_online`` is shaped like
a real stage's table; the report's own tests use a real run
(``tests/report/small_run.yaml``). Loaded with ``runpy.run_path`` by the tests and
by subprocess scripts (kill -9 and concurrency tests). Injected in place of
the packaged stages, they get their ``plan`` and ``risk`` sections unvalidated.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from gigaplan.results import StageResult

SCENARIO = """\
name: fake-buildout
seed: 7
plan:
  gw_per_year: 2.5   # ASSUMPTION for the test: added GW each year
  years: 5
risk:
  draws: 200
"""


def fake_plan(scenario, catalog, upstream=None):
    section = scenario.plan or {}
    gw = float(section.get("gw_per_year", 1.0))
    years = list(range(2026, 2026 + int(section.get("years", 3))))
    if section.get("sleep_s"):
        time.sleep(float(section["sleep_s"]))
    if section.get("fail"):
        from gigaplan.errors import InfeasibleError

        raise InfeasibleError("plan: demand exceeds the power limit in 2027")
    rows = []
    for i, year in enumerate(years):
        for vendor, share in (("NVIDIA", 0.7), ("AMD", 0.3)):
            for site, split in (("tx-1", 0.6), ("oh-2", 0.4)):
                rows.append(
                    {
                        "year": year,
                        "vendor": vendor,
                        "site": site,
                        "it_online_mw": 1e3 * gw * (i + 1) * share * split,
                    }
                )
    plan = pd.DataFrame(rows)
    cost = pd.DataFrame(
        {
            "year": years,
            "capex_usd": [gw * 3.2e10] * len(years),
            "opex_usd": [gw * 1e9 * (i + 1) for i in range(len(years))],
            "emissions_co2_t": [gw * 2e6 * (i + 1) for i in range(len(years))],
        }
    )
    bottleneck = pd.DataFrame(
        {
            "constraint": ["power_interconnect", "hbm_supply", "transformers"],
            "shadow_price_usd_per_kw": [410.0 * gw, 120.0, 0.0],
        }
    )
    online = plan.assign(period=[f"{y}Q4" for y in plan.year]).drop(columns="year")
    total_gw = float(plan[plan.year == years[-1]].it_online_mw.sum()) / 1e3
    return StageResult(
        stage="plan",
        summary={
            "gw_online_end_gw": total_gw,
            "capex_total_usd": float(cost.capex_usd.sum()),
            "sites": 2,
        },
        tables={
            "by_period": plan,
            "online": online[["site", "vendor", "period", "it_online_mw"]],
            "cost_by_year": cost,
            "bottlenecks": bottleneck,
        },
        text=f"Build {total_gw:.1f} GW by {years[-1]}.",
    )


def fake_risk(scenario, catalog, upstream=None):
    n = int((scenario.risk or {}).get("draws", 100))
    rng = np.random.default_rng(scenario.seed)
    npv = rng.normal(5e10, 2e10, n)
    years = np.arange(2026, 2031)
    fan = pd.DataFrame(
        {
            "year": years,
            "unmet_demand_gw_p5": 0.1 * (years - 2025),
            "unmet_demand_gw_p50": 0.5 * (years - 2025),
            "unmet_demand_gw_p95": 1.2 * (years - 2025),
        }
    )
    return StageResult(
        stage="risk",
        summary={
            "npv_mean_usd": float(npv.mean()),
            "p_shortfall": float((npv < 0).mean()),
        },
        tables={
            "npv_draws": pd.DataFrame({"draw": np.arange(n), "npv_usd": npv}),
            "unmet_fan": fan,
        },
        text="",
    )


STAGES = {"plan": fake_plan, "risk": fake_risk}
