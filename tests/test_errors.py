import numpy as np
import pytest

from gigaplan.errors import InputError, UnknownNameError


def test_input_error_names_field_value_and_allowed():
    err = InputError("sites[2].pue", 0.95, "must be >= 1.0")
    assert str(err) == "sites[2].pue=0.95: must be >= 1.0"
    assert isinstance(err, ValueError)


def test_input_error_shows_arrays_by_shape_and_range():
    err = InputError("profile", np.arange(8760.0), "must have no gaps")
    assert "shape=(8760,)" in str(err)
    assert "min=0" in str(err)
    assert "max=8759" in str(err)


def test_unknown_name_suggests_closest():
    err = UnknownNameError("accelerator", "h10", ["h100", "h200", "mi300x", "b200"])
    assert "did you mean h100" in str(err)
    assert err.suggestions[0] == "h100"


def test_unknown_name_without_close_match_lists_known():
    err = UnknownNameError("region", "zzzz", ["ercot", "pjm"])
    assert "known: ercot, pjm" in str(err)


@pytest.mark.parametrize("text", ["x" * 200])
def test_long_values_are_cut(text):
    assert len(str(InputError("f", text, "short"))) < 120


def test_long_lists_of_names_are_shown_briefly():
    names = [f"site-{i}" for i in range(9)]
    err = InputError("sites", names, "at most 8 sites")
    assert (
        str(err) == "sites=['site-0', 'site-1', 'site-2', ... 9 items]: at most 8 sites"
    )


def test_ragged_lists_are_shown_not_raised():
    # found by tests/web/test_fuzz.py: `name: [null, []]` raised ValueError here
    assert (
        str(InputError("name", [None, []], "a string")) == "name=[None, []]: a string"
    )
    ragged = [[1], [1, 2], 3, 4, 5, 6, 7]
    assert "7 items" in str(InputError("x", ragged, "numbers"))
