import pytest

from gigaplan.errors import InputError
from gigaplan.facility import facility_power_mw, overhead_power_mw

#: hand-worked products: float rounding only
HAND = 1e-12


def test_facility_hand_worked():
    assert facility_power_mw(100.0, 1.25) == pytest.approx(125.0, rel=HAND)
    assert overhead_power_mw(80.0, 1.5) == pytest.approx(40.0, rel=HAND)


@pytest.mark.parametrize(("it", "pue"), [(1.0, 0.9), (-1.0, 1.2)])
def test_facility_bad_input(it, pue):
    with pytest.raises(InputError):
        facility_power_mw(it, pue)
