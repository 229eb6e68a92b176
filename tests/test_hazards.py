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
