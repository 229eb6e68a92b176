import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acsim.model.calendar import Calendar


@settings(max_examples=60, deadline=None)
@given(
    caps=st.lists(st.integers(0, 4), min_size=1, max_size=5),
    pool=st.booleans(),
    requests=st.lists(st.tuples(st.floats(0, 30), st.integers(0, 4)), max_size=200),
    cancel_every=st.integers(2, 7),
)
def test_capacity_is_never_exceeded(caps, pool, requests, cancel_every):
    n = len(caps)
    groups = [tuple(range(n))] if pool else None
    cal = Calendar(np.array(caps), groups=groups)
    bookings = []
    for i, (t, g) in enumerate(requests):
        group = 0 if pool else g % n
        b = cal.book(t, group)
        if b is None:
            assert sum(caps[c] for c in cal.groups[group]) == 0
            continue
        assert b.time >= t and math.floor(b.time) == b.week
        bookings.append(b)
        if i % cancel_every == 0:
            cal.cancel(bookings.pop(0))
        assert (cal.booked <= cal.capacity[None, :]).all()
        assert (cal.booked >= 0).all()


def test_below_capacity_every_meeting_is_on_time():
    cal = Calendar(np.full(3, 5), groups=[(0, 1, 2)])
    rng = np.random.default_rng(1)
    # 12 requests a week against 15 slots a week.
    for w in range(50):
        for t in np.sort(w + rng.random(12)):
            b = cal.book(float(t), 0)
            assert b.time == t and not b.late and b.delay == 0.0


@pytest.mark.parametrize("demand,capacity", [(12.0, 10), (30.0, 20)])
def test_backlog_grows_as_the_fluid_limit_predicts(demand, capacity):
    """Poisson demand lambda > capacity c: the booked-ahead backlog grows at rate lambda - c."""
    cal = Calendar(np.array([capacity]))
    rng = np.random.default_rng(7)
    horizon = 200.0
    t = 0.0
    last = None
    while True:
        t += rng.exponential(1.0 / demand)
        if t >= horizon:
            break
        last = cal.book(t, 0)
    # Meetings booked beyond the horizon are the backlog at the horizon.
    backlog = int(cal.booked[math.ceil(horizon):].sum())
    fluid = (demand - capacity) * horizon
    sd = math.sqrt(demand * horizon)  # Poisson noise of the demand
    assert abs(backlog - fluid) < 4 * sd, (backlog, fluid, sd)
    # The delay of the last request is backlog / capacity weeks.
    assert last.delay == pytest.approx(fluid / capacity, abs=4 * sd / capacity + 1)
