import math

import numpy as np
import pytest

from acsim.model.hazards import PiecewiseHazard


def test_cumulative_and_inverse_round_trip():
    h = PiecewiseHazard((0, 4, 13, 26), (0.03, 0.0, 0.04, 0.02))
    for d in [0.0, 1.5, 4.0, 7.0, 13.0, 20.0, 26.0, 80.0]:
        H = h.cumulative(d)
        back = h.inverse(H)
        # inside a zero-rate segment the inverse is the segment's start
        assert back == pytest.approx(d if not 4 < d <= 13 else 4.0), d
    assert h.cumulative(13.0) == pytest.approx(0.12)


def test_time_to_exit_spans_segments_and_scales_with_multiplier():
    h = PiecewiseHazard((0, 10), (0.1, 0.5))
    # From 5: 0.5 of budget used by 10, remaining 0.5 at rate 0.5 -> 1 week more.
    assert h.time_to_exit(5.0, 1.0, 1.0) == pytest.approx(11.0)
    assert h.time_to_exit(5.0, 1.0, 2.0) == pytest.approx(10.0)
    assert h.time_to_exit(5.0, 1.0, 0.0) == math.inf
    assert PiecewiseHazard((0, 3), (0.2, 0.0)).time_to_exit(0.0, 1.0, 1.0) == math.inf


@pytest.mark.parametrize("bad", [((1, 2), (0.1, 0.1)), ((0, 2, 1), (1, 1, 1)), ((0,), (-1,))])
def test_bad_hazards_are_rejected(bad):
    with pytest.raises(ValueError):
        PiecewiseHazard(*bad)


def test_vectorised_cumulative_matches_scalar():
    h = PiecewiseHazard((0, 4, 13), (0.03, 0.05, 0.01))
    d = np.linspace(0, 60, 121)
    assert np.allclose(h.cumulative_array(d), [h.cumulative(x) for x in d])


def test_a_clock_one_rounding_step_behind_the_entry_starts_at_zero():
    """The SimPy inflow clock can lag an arrival by one ulp; the spell starts at H0 = 0.

    Before the fix the lagging duration fell in the *last* segment, and a spell's budget grew
    by k * H0(last break): one trial jobseeker's first exit moved from week 15.9 to 44.8.
    """
    from acsim.model.risk import Risk

    h = PiecewiseHazard((0.0, 5.0, 15.0), (0.05, 0.2, 0.02))
    entry = 3.7
    lag = (entry - math.ulp(entry)) - entry
    assert lag < 0
    assert h.cumulative(lag) == 0.0 and h.rate(lag) == 0.05
    assert h.cumulative_array(np.array([lag, 0.0, 6.0])).tolist() == [0.0, 0.0,
                                                                       h.cumulative(6.0)]
    on_time, behind = Risk(h, 1.3, entry, entry), Risk(h, 1.3, entry, entry - math.ulp(entry))
    for r, now in ((on_time, entry), (behind, entry - math.ulp(entry))):
        r.update(1.5, now)
    assert behind.time == pytest.approx(on_time.time, abs=1e-12)
    for r in (on_time, behind):  # a change of multiplier at the start settles nothing
        r.update(2.0, entry)
    assert behind.time == pytest.approx(on_time.time, abs=1e-12)
