"""Fuzzing the boundary (issue 16): bad input is one line and exit 2.

Hypothesis draws from the cases of ``tests/fuzzing.py``: every number of every
example scenario replaced by NaN, inf, huge, negative, a wrong type, empty or
unicode text; duplicate keys, alias bombs, deep nesting, binary files and
folders; bad values of every numeric option. Each must end with exit 2 and
one line naming the field, or (a huge but allowed value) succeed with finite
numbers. ``benchmarks/fuzz_count.py`` runs a larger sample and counts.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

from fuzzing import (
    BILLION_LAUGHS,
    VERBS,
    Case,
    all_cases,
    option_cases,
    run_case,
)

from gigaplan import _yaml
from gigaplan.errors import InputError

CASES = all_cases()
CHEAP = [c for c in CASES if c.argv[0] in ("estimate", "factory", "run")]
OPTIONS = [
    c
    for c in option_cases()
    if c.argv[0] in ("estimate", "factory", "power") or "--paths" in c.label
]
FILE_LEVEL = [c for c in CASES if ":" in c.label and "=" not in c.label]
SLOW = [c for c in CASES if c.argv[0] in ("plan", "risk", "power")]

_fuzz = settings(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def _check(case: Case) -> None:
    outcome = run_case(case, timeout_s=60)
    assert outcome.kind in ("clean", "ok"), (case.label, outcome)


@settings(_fuzz, max_examples=40)
@given(case=st.sampled_from(CHEAP))
def test_scenario_values_cheap_verbs(case: Case) -> None:
    _check(case)


@settings(_fuzz, max_examples=40)
@given(case=st.sampled_from(OPTIONS))
def test_options(case: Case) -> None:
    _check(case)


@settings(_fuzz, max_examples=40)
@given(case=st.sampled_from(FILE_LEVEL))
def test_file_level(case: Case) -> None:
    _check(case)


@pytest.mark.slow
@settings(_fuzz, max_examples=20)
@given(case=st.sampled_from(SLOW))
def test_scenario_values_solver_verbs(case: Case) -> None:
    _check(case)


@pytest.mark.parametrize(
    "text",
    [
        BILLION_LAUGHS,
        "x: " + "[" * 100_000 + "]" * 100_000,
        "x: " + "{a: " * 20_000 + "1" + "}" * 20_000,
    ],
    ids=["billion-laughs", "deep-list", "deep-map"],
)
def test_yaml_bombs_fail_fast(text: str) -> None:
    start = time.perf_counter()
    with pytest.raises(InputError, match=r"f\.yaml:\d+: (alias|nesting)="):
        _yaml.load(text, "f.yaml")
    # well under a second on a loaded 2-core machine; measured ~0.03 s
    assert time.perf_counter() - start < 0.5


def test_duplicate_key_names_both_lines() -> None:
    with pytest.raises(InputError, match=r"f\.yaml:3: pue='1\.3'.*lines 2 and 3"):
        _yaml.load("site:\n  pue: 1.2\n  pue: 1.3\n", "f.yaml")


def test_yaml_12_floats_and_merge_keys_kept() -> None:
    doc = _yaml.load("a: 1e9\nb: &b {x: 1}\nc: {<<: *b, x: 2}\n", "f.yaml")
    assert doc == {"a": 1e9, "b": {"x": 1}, "c": {"x": 2}}


def test_every_verb_has_cases() -> None:
    verbs = {c.argv[0] for c in CASES}
    assert {v[0] for v in VERBS.values()} | {"estimate", "sweep"} <= verbs
    assert len(CASES) >= 300
