"""The public Python API: lazy, documented, typed; results render in notebooks."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pandas as pd
import pytest

import gigaplan
from gigaplan.errors import InputError
from gigaplan.results import StageResult


def test_import_gigaplan_loads_no_heavy_library():
    heavy = ("numpy", "pandas", "pydantic", "xarray", "linopy")
    code = (
        "import sys, gigaplan; "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""


@pytest.mark.parametrize("name", sorted(set(gigaplan.__all__) - {"__version__"}))
def test_every_public_name_resolves_with_a_numpydoc_docstring(name):
    obj = getattr(gigaplan, name)
    assert name in dir(gigaplan)
    doc = inspect.getdoc(obj) or ""
    assert doc, name
    if inspect.isfunction(obj):
        sig = inspect.signature(obj)
        assert sig.return_annotation is not inspect.Signature.empty, name
        params = [p for p in sig.parameters.values() if p.kind != p.VAR_KEYWORD]
        assert all(p.annotation is not p.empty for p in params), name


def test_verb_functions_check_input_like_the_cli():
    with pytest.raises(InputError, match="count"):
        gigaplan.estimate_inference(count=0)
    with pytest.raises(InputError, match="it_load_mw"):
        gigaplan.solve_power({"it_load_mw": -1})


def test_estimate_inference_matches_the_cli_defaults():
    est = gigaplan.estimate_inference(tokens_per_day=1e11)
    assert est.facility_mw > 0 and est.accelerators_needed > 0


def test_stage_result_renders_html_escaped_with_units():
    frame = pd.DataFrame({"period": [f"q{i}" for i in range(25)], "x_mw": 1.0})
    result = StageResult(
        "plan", {"npv_usd": 2.5e9, "dollar_year": 2024}, {"<t>": frame}, "a < b"
    )
    html = result._repr_html_()
    assert "<h3>plan</h3>" in html
    assert "$2.50B (2024 $)" in html  # gigaplan.units formatting
    assert "a &lt; b" in html and "&lt;t&gt;" in html  # escaped
    assert "first 10 of 25 rows" in html
    assert html.count("<tr>") <= 2 + 10 + 1  # summary rows + head + header
