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


@pytest.mark.parametrize("caseworkers", [1, 2, 7])
def test_few_caseworkers_get_the_simpy_engines_groups(caseworkers: int) -> None:
    """Few groups, many releases: the pass's heaps (ends; loads with lazy deletion, rebuilt
    when mostly stale) put every spell with the caseworker Staffing.assign chose."""
    import warnings
    from pathlib import Path

    from acsim import load_scenario
    from acsim.exceptions import UncalibratedWarning
    from acsim.model.engine import JobCentre
    from acsim.model.vectorised import VectorisedCentre

    warnings.simplefilter("ignore", UncalibratedWarning)
    root = Path(__file__).resolve().parents[1]
    sc = load_scenario(root / "scenarios" / "copenhagen.toml").with_changes({
        "population.annual_inflow": 400, "staffing.assignment": "fixed", "staffing.teams": 1,
        "staffing.caseworkers": caseworkers, "staffing.meetings_per_week": 0,
        "meetings.caseload_quality": False})
    sim = JobCentre(sc, 5, 0)
    sim.run()
    vec = VectorisedCentre(sc, 5, 0)
    vec.run()
    a = sorted(sim.records, key=lambda r: (r[0], r[1]))
    b = sorted(vec.records, key=lambda r: (r[0], r[1]))
    assert len(a) == len(b) > 500
    for x, y in zip(a, b, strict=True):
        assert x[:2] == y[:2] and x[4] == y[4] and x[7] == y[7]  # spell, reason, group
        assert abs(x[3] - y[3]) <= 1e-9
