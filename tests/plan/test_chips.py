"""Plan accelerators from the catalog and the workload estimator."""

from __future__ import annotations

import pytest

from gigaplan.catalog import Catalog
from gigaplan.plan.chips import flagged_text, resolve_chips
from gigaplan.plan.schema import PlanSection
from gigaplan.workloads.capability import accelerator_capability
from tests.plan.conftest import base_section


def _section(*accelerators: dict) -> PlanSection:
    sec = base_section()
    sec["accelerators"] = list(accelerators)
    sec["reference_model"] = "model-a"  # of the fixture catalog
    sec["reference_workload"] = {"batch": 128, "input_tokens": 2000}
    return PlanSection.model_validate(sec)


def test_catalog_id_gets_exactly_the_estimators_numbers(
    fixture_catalog: Catalog,
) -> None:
    catalog = fixture_catalog
    section = _section({"name": "a", "catalog_id": "chip-a"})
    numbers, table = resolve_chips(section, catalog)
    cap = accelerator_capability(catalog, "chip-a", "model-a", "fp8", 128, 2000, 500)
    assert numbers["a"] == {
        "tokens": cap.output_tokens_per_s_per_accelerator,
        "flop_per_s": cap.training_flops_per_s_per_accelerator,
        "power_w": max(cap.it_power_w, cap.training_it_power_w),
        "price": cap.price_usd,
    }
    assert set(table["source"]) == {"catalog chip-a (estimator)"}
    assert (table["ratio_to_estimator"] == 1.0).all()


def test_like_with_multipliers_and_a_typed_number_far_from_the_estimator(
    fixture_catalog: Catalog,
) -> None:
    catalog = fixture_catalog
    cap = accelerator_capability(catalog, "chip-b", "model-a", "fp8", 128, 2000, 500)
    typed = 3.0 * cap.output_tokens_per_s_per_accelerator  # far from the estimator
    section = _section(
        {
            "name": "next",
            "like": "chip-b",
            "multipliers": {"training_flop_per_s": 1.5},
            "output_tokens_per_s": typed,
            "price_usd": 47000.0,  # the fixture's chip B has no price
        }
    )
    numbers, table = resolve_chips(section, catalog)
    assert numbers["next"]["flop_per_s"] == pytest.approx(
        1.5 * cap.training_flops_per_s_per_accelerator, rel=1e-15
    )
    assert numbers["next"]["tokens"] == typed
    row = table.set_index("quantity").loc["output_tokens_per_s"]
    assert row["ratio_to_estimator"] == pytest.approx(3.0, rel=1e-12)
    assert bool(row["flag"]) and row["ratio_to_estimator"] > 1.5
    (line,) = flagged_text(table)
    assert "next output_tokens_per_s" in line and "chip-b" in line


def test_a_catalog_chip_without_a_price_asks_for_it(fixture_catalog: Catalog) -> None:
    from gigaplan.errors import InputError

    section = _section({"name": "b", "catalog_id": "chip-b"})
    with pytest.raises(InputError, match=r"accelerators\[0\]\.price_usd"):
        resolve_chips(section, fixture_catalog)


def test_old_flops_spelling_still_reads() -> None:
    """Files written before FLOP had one spelling say training_flops_per_s."""
    sec_old, sec_new = base_section(), base_section()
    sec_old["accelerators"][0].pop("training_flop_per_s")
    sec_old["accelerators"][0]["training_flops_per_s"] = 3e15
    sec_new["accelerators"][0]["training_flop_per_s"] = 3e15
    a = PlanSection.model_validate(sec_old).accelerators[0]
    b = PlanSection.model_validate(sec_new).accelerators[0]
    assert a.training_flop_per_s == b.training_flop_per_s == 3e15
