"""The vectorised engine's shortcuts give what they replace, exactly."""

from __future__ import annotations

import numpy as np
import pytest

from acsim.model.vectorised import _time_order


@pytest.mark.parametrize("seed", range(20))
def test_time_order_is_lexsort(seed: int) -> None:
    """One stable sort by time where ties are already in row order; lexsort otherwise."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 400))
    t = rng.integers(0, 40, n).astype(float) / 4.0  # many ties
    row = rng.integers(0, 50, n)
    if seed % 2:  # rows non-decreasing in position: ties are in row order, one sort does
        row = np.sort(row)
    assert np.array_equal(_time_order(t, row), np.lexsort((row, t)))
