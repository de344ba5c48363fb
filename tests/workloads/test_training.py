import pytest
from typer.testing import CliRunner

from gigaplan.cli import app
from gigaplan.workloads.training import estimate_training, training_flops

runner = CliRunner()


def test_gpt3_flops_hand_worked():
    # Patterson et al. 2021 Table 4 states 3.14e23 FLOP for GPT-3 (175B, 300B tokens);
    # 6*N*D gives 3.15e23. 1% tolerance: the paper rounds N and D.
    assert training_flops(175e9, 300e9) == pytest.approx(3.14e23, rel=0.01)


def test_training_hand_worked():
    # 6*1e9*1e12 = 6e21 FLOP; at 0.5 * 1000 TFLOP/s -> 6e21/5e14/3600 = 3333.3 h.
    # IT power 0.5*1000 + 0 = 500 W -> 1.6667 MWh; PUE 1.2 -> 2.0 MWh;
    # 500 kg/MWh -> 1 t.
    e = estimate_training(
        active_params=1e9,
        tokens=1e12,
        peak_tflops=1000,
        count=10,
        tdp_w=1000,
        system_overhead_w=0,
        mfu=0.5,
        power_fraction_of_tdp=0.5,
        pue=1.2,
        grid_kgco2_per_mwh=500,
        price_usd_per_accelerator_hour=2.0,
    )
    assert e.accelerator_hours == pytest.approx(3333.333, rel=1e-6)
    assert e.wall_clock_days == pytest.approx(3333.333 / 10 / 24, rel=1e-6)
    assert e.facility_energy_mwh == pytest.approx(2.0, rel=1e-6)
    assert e.co2e_t == pytest.approx(1.0, rel=1e-6)
    assert e.cost_usd == pytest.approx(6666.667, rel=1e-6)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--model", "llama-3.1-70b", "--tokens", "0"], "tokens"),
        (["--model", "llama-3.1-70b", "--tokens", "1e12", "--count", "-3"], "count"),
        (["--model", "no-such-model", "--tokens", "1e12"], "model"),
        (
            ["--model", "llama-3.1-70b", "--tokens", "1e12", "--precision", "fp4"],
            "precision",
        ),
        (["--model", "llama-3.1-70b", "--tokens", "1e12", "--pue", "0.8"], "pue"),
    ],
)
def test_cli_bad_input(args, field):
    r = runner.invoke(app, ["estimate", "training", *args])
    assert r.exit_code == 2
    assert field in r.output
    assert "Traceback" not in r.output


def test_cli_json_keys():
    r = runner.invoke(
        app,
        [
            "estimate",
            "training",
            "--model",
            "llama-3.1-70b",
            "--tokens",
            "1e12",
            "--json",
        ],
    )
    assert r.exit_code == 0
    for key in (
        "flops",
        "accelerator_hours",
        "wall_clock_days",
        "it_energy_mwh",
        "facility_energy_mwh",
        "co2e_t",
        "cost_usd",
    ):
        assert key in r.output


def test_seq_len_adds_the_attention_term():
    # Kaplan et al. 2020 Table 1: 6 n_layer s d_attn FLOPs per token on top of 6N.
    # Llama 3.1 70B (Llama 3 herd paper, Table 3): 80 layers, 64 heads x 128 = 8192.
    from gigaplan.catalog import load_catalog
    from gigaplan.workloads.schema import TrainingCase
    from gigaplan.workloads.stage import training_case

    cat = load_catalog()
    args = {"name": "70b", "tokens": 1e12, "accelerator": "h100", "count": 1024}
    plain = training_case(cat, TrainingCase(model="llama-3.1-70b", **args))
    longer = training_case(
        cat, TrainingCase(model="llama-3.1-70b", seq_len=4096, **args)
    )
    assert longer.flops - plain.flops == pytest.approx(6 * 80 * 4096 * 8192 * 1e12)
    # same hardware, same MFU: hours scale with FLOPs
    assert longer.accelerator_hours / plain.accelerator_hours == pytest.approx(
        longer.flops / plain.flops
    )


def test_seq_len_without_model_is_rejected():
    r = runner.invoke(
        app,
        [
            "estimate",
            "training",
            "--params",
            "7e9",
            "--tokens",
            "1e12",
            "--seq-len",
            "1",
        ],
    )
    assert r.exit_code == 2
    assert "seq-len=1" in r.output and "Traceback" not in r.output


def test_estimate_stage_runs_training_and_inference_cases():
    from gigaplan.pipeline import run_pipeline

    text = """
estimate:
  training:
    - {name: t1, model: llama-3.1-8b, tokens: 1.0e+12, accelerator: h100, count: 512}
  inference:
    - {name: i1, model: llama-3.1-8b, accelerator: h100, count: 1, tokens_per_day: 1e9}
"""
    (result,) = run_pipeline(text).results
    assert set(result.tables) == {"training", "inference"}
    days = result.summary["t1.wall_clock_days"]
    assert days == pytest.approx(result.tables["training"]["wall_clock_days"][0])
    assert result.summary["i1.accelerators_needed"] > 0
