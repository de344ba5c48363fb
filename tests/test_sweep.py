import json
import os
import socket
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
from typer.testing import CliRunner

from gigaplan import _yaml
from gigaplan.cli import app
from gigaplan.errors import GigaplanError, InputError
from gigaplan.sweep import (
    apply_combination,
    check_cluster_address,
    combination_yaml,
    expand_grid,
    parse_grid,
    parse_grid_spec,
    parse_path,
    prepare_sweep,
    run_sweep,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
runner = CliRunner()

# One year, one site, two chips, two demand paths: about 1 s per plan solve.
TINY_PLAN = """\
name: sweep-tiny
plan:
  start: 2026Q1
  end: 2026Q4
  first_stage_periods: 2
  unmet_inference_usd_per_mtoken: 20.0
  accelerators:
    - {name: gpu-a, vendor: NVIDIA, output_tokens_per_s: 1500,
       training_flop_per_s: 8.0e14, power_w: 1800, price_usd: 40000,
       lead_time_quarters: 0, supply_per_quarter: 150000}
    - {name: gpu-b, vendor: AMD, output_tokens_per_s: 1300,
       training_flop_per_s: 7.0e14, power_w: 1700, price_usd: 32000,
       lead_time_quarters: 0, supply_per_quarter: 80000}
  sites:
    - name: texas
      max_mw: 1200
      facility_capex_usd_per_mw: 1.2e7
      facility_lead_time_quarters: 0
      power_options:
        - {name: grid, energy_usd_per_mwh: 60, co2_t_per_mwh: 0.37, max_mw: 600}
  scenarios:
    - {name: base, probability: 0.6, inference_tokens_start: 2.0e16,
       inference_growth_per_year: 1.0}
    - {name: high, probability: 0.4, inference_tokens_start: 3.0e16,
       inference_growth_per_year: 2.0}
"""
# Two discount rates x a vendor deal the supply can (0) or cannot (1e9) meet:
# the 1e9 combinations fail in the planner, the others solve.
GRID = [
    "plan.discount_rate=0.05,0.1",
    "plan.accelerators[gpu-a].min_units_total=0,1e9",
]


def plan_doc():
    return _yaml.safe_load((EXAMPLES / "plan.yaml").read_text())


def children():
    # multiprocessing's resource tracker is one helper per interpreter, started
    # by the first spawn and ended with the interpreter: not a leak.
    return [
        p
        for p in psutil.Process().children(recursive=True)
        if "resource_tracker" not in " ".join(p.cmdline())
    ]


def wait_for_no_children(timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while children() and time.monotonic() < deadline:
        time.sleep(0.1)
    return children()


# -- grid options ---------------------------------------------------------------


def test_values_are_yaml_scalars():
    axis = parse_grid_spec("plan.sites[0].earliest=2027Q1, null,1e9, 3 ,true,x y")
    assert axis.values == ("2027Q1", None, 1e9, 3, True, "x y")
    assert not axis.scale
    assert axis.column == "plan.sites[0].earliest"


def test_scale_form():
    axis = parse_grid_spec("plan.accelerators[gpu-next].supply_per_quarter*=0.5,1")
    assert axis.scale
    assert axis.path == "plan.accelerators[gpu-next].supply_per_quarter"
    assert axis.column == axis.path + "*="
    assert axis.values == (0.5, 1)


def test_star_selector_is_not_the_scale_form():
    axis = parse_grid_spec("plan.accelerators[*]=1")
    assert not axis.scale
    assert [s.kind for s in axis.steps] == ["key", "key", "all"]


def test_names_with_dots_stay_whole():
    steps = parse_path("estimate.inference[llama-3.1-70b].batch")
    assert [(s.kind, s.value) for s in steps] == [
        ("key", "estimate"),
        ("key", "inference"),
        ("name", "llama-3.1-70b"),
        ("key", "batch"),
    ]


def test_bracketed_values_are_one_value():
    assert parse_grid_spec("a.b=[1,2],[3, 4]").values == ([1, 2], [3, 4])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("plan.discount_rate", "must look like PATH=v1,v2"),
        ("=0.1", "must look like PATH=v1,v2"),
        ("plan.discount_rate=0.1,,0.2", "empty value"),
        ("plan.discount_rate=", "empty value"),
        ("plan.sites[0].max_mw*=big", "factor 'big' is not a number"),
        ("plan..discount_rate=0.1", "the path must look like"),
        ("[0].max_mw=1", "the path must look like"),
        ("plan.sites[].max_mw=1", "the path must look like"),
        ("plan.sites[0=1", "the path must look like"),
    ],
)
def test_bad_grid_spec(spec, message):
    with pytest.raises(InputError, match="--grid=") as err:
        parse_grid_spec(spec)
    assert message in str(err.value)
    assert repr(spec) in str(err.value)


def test_same_path_twice_is_rejected():
    with pytest.raises(InputError, match="sweeps the same path"):
        parse_grid(["plan.discount_rate=0.1", "plan.discount_rate*=2"])


def test_product_size_and_order():
    axes = parse_grid(["a.x=1,2,3", "a.y=u,v", "a.z=0.1,0.2,0.3,0.4"])
    combos = expand_grid(axes)
    assert len(combos) == 3 * 2 * 4
    assert combos[0] == (1, "u", 0.1)
    assert combos[1] == (1, "u", 0.2)  # the last axis varies fastest
    assert combos[-1] == (3, "v", 0.4)
    assert len(set(combos)) == len(combos)


# -- applying a combination -----------------------------------------------------


def test_apply_by_index_name_star_and_scale():
    doc = plan_doc()
    axes = parse_grid(
        [
            "plan.discount_rate=0.1",
            "plan.sites[-1].max_mw=500",
            "plan.scenarios[boom].inference_growth_per_year=3",
            "plan.accelerators[*].lead_time_quarters=2",
            "plan.accelerators[gpu-next].supply_per_quarter*=0.5",
            "plan.sites[texas].power_options[gas].max_mw*=2",
        ]
    )
    out = apply_combination(doc, axes, [a.values[0] for a in axes])
    plan = out["plan"]
    assert plan["discount_rate"] == 0.1
    assert [s["max_mw"] for s in plan["sites"]] == [1200, 500]
    assert [s["inference_growth_per_year"] for s in plan["scenarios"]] == [1.0, 3]
    assert [a["lead_time_quarters"] for a in plan["accelerators"]] == [2, 2]
    assert [a["supply_per_quarter"] for a in plan["accelerators"]] == [150000, 50000]
    assert plan["sites"][0]["power_options"][1]["max_mw"] == 2000
    assert doc == plan_doc()  # the input document is not changed


def test_star_sets_a_schema_field_missing_from_some_items():
    # gpu-current has no launch in the file; the schema allows one.
    axis = parse_grid_spec("plan.accelerators[*].launch=2026Q3")
    out = apply_combination(plan_doc(), [axis], ["2026Q3"])
    assert [a["launch"] for a in out["plan"]["accelerators"]] == ["2026Q3"] * 2


def test_sets_an_optional_schema_field_absent_from_the_file():
    axis = parse_grid_spec("plan.capex_budget_usd_total=1e11")
    out = apply_combination(plan_doc(), [axis], [1e11])
    assert out["plan"]["capex_budget_usd_total"] == 1e11


def test_combination_yaml_round_trips():
    axis = parse_grid_spec("plan.scenarios[0].inference_tokens_start*=2")
    doc = plan_doc()
    text = combination_yaml(doc, [axis], [2])
    start = doc["plan"]["scenarios"][0]["inference_tokens_start"]  # in the example
    assert _yaml.safe_load(text)["plan"]["scenarios"][0]["inference_tokens_start"] == (
        2 * start
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "plan.discount_rat=0.1",
            "the scenario has no plan.discount_rat; did you mean plan.discount_rate?",
        ),
        ("demand.growth=0.3,0.6", "the scenario has no demand; valid keys: catalog"),
        (
            "plan.accelerators[gpu-nxt].price_usd=1",
            "plan.accelerators has no item named 'gpu-nxt'; did you mean gpu-next",
        ),
        ("plan.sites[2].max_mw=1", "plan.sites has 2 items (0..1)"),
        (
            "plan.sites[0].maxmw=1",
            "the scenario has no plan.sites[0].maxmw; did you mean "
            "plan.sites[0].max_mw",
        ),
        (
            "plan.build_rate_mw_per_wk*=2",
            "did you mean plan.build_rate_mw_per_week",
        ),
        ("plan.capex_budget_usd_total*=2", "no plan.capex_budget_usd_total"),
        ("plan.accelerators[0].name*=2", "'gpu-current' is not a number to scale"),
        ("plan.discount_rate[0]=1", "plan.discount_rate is a float, not a list"),
        ("plan.sites.max_mw=1", "plan.sites is a list, not a mapping"),
    ],
)
def test_path_not_in_scenario(spec, message):
    axis = parse_grid_spec(spec)
    with pytest.raises(InputError) as err:
        apply_combination(plan_doc(), [axis], [axis.values[0]])
    text = str(err.value)
    assert text.startswith(f"--grid={spec!r}: ")
    assert message in text


def test_invalid_combination_fails_fast_naming_it():
    with pytest.raises(InputError) as err:
        prepare_sweep(TINY_PLAN, ["plan.discount_rate=0.05,1.5"])
    text = str(err.value)
    assert "--grid='plan.discount_rate=1.5'" in text
    assert "combination 2 of 2 is not a valid scenario" in text
    assert "plan.discount_rate=1.5: Input should be less than 1" in text
    assert "\n" not in text


def test_prepare_sweep_validates_every_combination():
    sweep = prepare_sweep(TINY_PLAN, GRID)
    assert len(sweep.texts) == 4
    assert sweep.combinations[3] == (0.1, 1e9)
    assert "min_units_total: 1000000000.0" in sweep.texts[3]
    assert sweep.catalogs[0] is sweep.catalogs[3]  # loaded once


@pytest.mark.parametrize(
    "address", ["tcp://10.0.0.5:8786", "127.0.0.1:8786", "tls://[::1]:8786"]
)
def test_good_cluster_address(address):
    assert check_cluster_address(address) == address


@pytest.mark.parametrize(
    "address", ["10.0.0.5", "http://host:8786", "tcp://host:99999", "tcp://:8786", ""]
)
def test_bad_cluster_address(address):
    with pytest.raises(InputError, match=r"--cluster=.*like tcp://HOST:8786"):
        check_cluster_address(address)


# -- running --------------------------------------------------------------------


@pytest.fixture(scope="module")
def local_frame():
    """The reference sweep: a 2-process local pool."""
    calls = []
    frame = run_sweep(
        TINY_PLAN,
        GRID,
        executor="local",
        max_workers=2,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    return frame


def test_local_sweep_table(local_frame):
    frame = local_frame
    assert list(frame.index) == [0, 1, 2, 3]
    assert frame.index.name == "combination"
    assert list(frame.columns[:4]) == [
        *(g.split("=")[0] for g in GRID),
        "status",
        "error",
    ]
    assert list(frame["plan.discount_rate"]) == [0.05, 0.05, 0.1, 0.1]
    assert list(frame["status"]) == ["ok", "failed", "ok", "failed"]
    assert list(frame["error"][[0, 2]]) == ["", ""]
    for error in frame["error"][[1, 3]]:
        assert error.startswith("plan: vendor deal for gpu-a needs")
    assert all(c.startswith("plan.") for c in frame.columns[4:])
    ok = frame[frame["status"] == "ok"]
    assert ok["plan.objective_usd"].notna().all()
    assert frame.loc[[1, 3], "plan.objective_usd"].isna().all()
    # A higher discount rate makes the same costs smaller today.
    assert ok["plan.objective_usd"].iloc[1] < ok["plan.objective_usd"].iloc[0]


def test_local_pool_equals_serial_and_leaves_no_process(local_frame):
    serial = run_sweep(TINY_PLAN, GRID, executor="serial")
    pd.testing.assert_frame_equal(serial, local_frame)
    assert wait_for_no_children() == []


def test_dask_local_cluster_equals_local_run(local_frame):
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_port=0,
    ) as cluster:
        done = []
        frame = run_sweep(
            TINY_PLAN,
            GRID,
            executor="dask",
            cluster_address=cluster.scheduler_address,
            progress=lambda d, t: done.append(d),
        )
    assert done == [1, 2, 3, 4]
    # Same task, same inputs, single-threaded solves: the same numbers exactly.
    pd.testing.assert_frame_equal(frame, local_frame, check_exact=True)
    assert wait_for_no_children() == []


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_cluster_is_one_error_within_the_timeout():
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(GigaplanError, match="cannot reach the Dask scheduler") as err:
        run_sweep(
            TINY_PLAN,
            GRID,
            executor="dask",
            cluster_address=address,
            connect_timeout_s=1.0,
        )
    assert address in str(err.value)
    assert time.monotonic() - started < 10  # 1 s timeout plus Client start-up


def test_dask_needs_an_address():
    with pytest.raises(InputError, match="--cluster"):
        run_sweep(TINY_PLAN, GRID, executor="dask")


def test_estimate_scenario_sweep_serial():
    frame = run_sweep(
        (EXAMPLES / "estimate.yaml").read_text(),
        ["estimate.inference[llama-70b-fp8-8xh100].tokens_per_day*=1,2"],
        executor="serial",
    )
    assert list(frame["status"]) == ["ok", "ok"]
    mw = frame[facility_mw_column(frame)]
    # Twice the tokens per day needs twice the serving power (linear model).
    assert mw[1] == pytest.approx(2 * mw[0], rel=1e-12)


def facility_mw_column(frame):
    (column,) = [c for c in frame.columns if c.endswith("facility_mw")]
    assert column.startswith("estimate.")
    return column


# -- CLI ------------------------------------------------------------------------


@pytest.fixture
def tiny_file(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_PLAN)
    return path


def grid_args(grid):
    return [arg for spec in grid for arg in ("--grid", spec)]


ESTIMATE = str(EXAMPLES / "estimate.yaml")
# 8 accelerators hold the 70B model's weights, 1 does not: one row fails.
ESTIMATE_GRID = [
    "estimate.inference[0].count=8,1",
    "estimate.inference[llama-70b-fp8-8xh100].batch=64,128",
]
WIDE = {"COLUMNS": "200"}


def test_cli_sweep_table_and_csv(tmp_path):
    out = tmp_path / "results.csv"
    args = ["sweep", ESTIMATE, *grid_args(ESTIMATE_GRID), "--workers", "2"]
    result = runner.invoke(app, [*args, "--out", str(out)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "4 combinations, 2 failed" in result.output
    assert "combination 2 failed: count=1: needs" in result.output
    frame = pd.read_csv(out, index_col="combination")
    assert list(frame["status"]) == ["ok", "ok", "failed", "failed"]
    assert frame["error"].isna().tolist() == [True, True, False, False]
    assert list(frame["estimate.inference[0].count"]) == [8, 8, 1, 1]
    assert (
        list(frame["estimate.inference[llama-70b-fp8-8xh100].batch"]) == [64, 128] * 2
    )
    assert frame[facility_mw_column(frame)].iloc[:2].gt(0).all()
    assert os.listdir(tmp_path) == ["results.csv"]  # no temporary file left


def test_cli_sweep_json_and_parquet(tmp_path):
    out = tmp_path / "results.parquet"
    grid = [
        "estimate.inference[*].precision=fp8,bf16",
        "estimate.inference[0].tokens_per_day*=1,2",
    ]
    result = runner.invoke(
        app,
        ["sweep", ESTIMATE, *grid_args(grid), "--workers=1", "--json", f"--out={out}"],
    )
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert [r["combination"] for r in records] == [0, 1, 2, 3]
    assert [r["estimate.inference[*].precision"] for r in records] == (
        ["fp8"] * 2 + ["bf16"] * 2
    )
    assert all(r["status"] == "ok" for r in records), records
    frame = pd.read_parquet(out)
    assert list(frame["estimate.inference[0].tokens_per_day*="]) == [1, 2, 1, 2]
    column = facility_mw_column(frame)
    assert list(frame[column]) == [r[column] for r in records]


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["--grid", "plan.discount_rat=0.1"], "gigaplan: error: --grid="),
        (["--grid", "nonsense"], "gigaplan: error: --grid='nonsense'"),
        (["--grid", "plan.discount_rate=2"], "gigaplan: error: --grid="),
        (
            ["--grid", "plan.discount_rate=0.1", "--cluster", "http://x:1"],
            "gigaplan: error: --cluster='http://x:1'",
        ),
        (
            ["--grid", "plan.discount_rate=0.1", "--out", "r.xlsx"],
            "gigaplan: error: --out='r.xlsx'",
        ),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(tiny_file, args, start):
    result = runner.invoke(app, ["sweep", str(tiny_file), *args])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith(start)


def test_cli_unreachable_cluster_is_one_line_exit_1(tiny_file):
    address = f"tcp://127.0.0.1:{free_port()}"
    result = runner.invoke(
        app,
        [
            "sweep",
            str(tiny_file),
            "--grid",
            "plan.discount_rate=0.1",
            "--cluster",
            address,
        ],
    )
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith(
        f"gigaplan: error: cannot reach the Dask scheduler at {address}"
    )


def test_cli_all_failed_exits_1(tiny_file):
    result = runner.invoke(
        app,
        [
            "sweep",
            str(tiny_file),
            "--grid",
            "plan.accelerators[gpu-a].min_units_total=1e9",
        ],
    )
    assert result.exit_code == 1
    assert "gigaplan: error: all 1 combinations failed" in result.output
