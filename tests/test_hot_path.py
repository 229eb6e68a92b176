"""The SimPy hot path's shortcuts are the general code's results, event for event.

``engine.Process`` against ``simpy.Process`` with ``env.timeout``: the same wake-ups, at the
same clock values, in the same order (ties at equal times included, processes started from
inside other processes). ``Staffing.assign`` against the scan over every group it replaced.
"""

from __future__ import annotations

import random

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from acsim.model.engine import Process
from acsim.policies.staffing import Staffing, StaffingSpec

#: Delays with many exact ties (multiples of a quarter) and some zeros.
_DELAYS = st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0, 1.5, 0.1, 0.3]), max_size=8)


def _trace(delays: list[list[float]], lean: bool) -> list[tuple[float, int, int]]:
    """(clock, process, step) at every wake-up; process i > 0 is started by process i - 1."""
    env = simpy.Environment()
    seen: list[tuple[float, int, int]] = []

    def body(i: int):
        for step, d in enumerate(delays[i]):
            if step == 1 and i + 1 < len(delays):
                start(i + 1)
            yield d if lean else env.timeout(d)
            seen.append((env.now, i, step))

    def start(i: int) -> None:
        if lean:
            Process(env, body(i))
        else:
            env.process(body(i))

    start(0)
    for i in range(len(delays)):  # and the others from the top level too
        start(i)
    env.run()
    return seen


@settings(max_examples=80, deadline=None)
@given(delays=st.lists(_DELAYS, min_size=1, max_size=6))
def test_lean_process_gives_the_simpy_process_event_sequence(delays):
    assert _trace(delays, lean=True) == _trace(delays, lean=False)


def _scan(load: list[int], size: list[int], equal: bool) -> int:
    """The scan ``Staffing.assign`` used before its heap."""
    if equal:
        return load.index(min(load))
    g, best = 0, load[0] / size[0]
    for i in range(1, len(load)):
        x = load[i] / size[i]
        if x < best:
            g, best = i, x
    return g


@settings(max_examples=60, deadline=None)
@given(caseworkers=st.integers(1, 30), teams=st.integers(1, 7),
       pool=st.booleans(), seed=st.integers(0, 2**31))
def test_assign_is_the_least_loaded_group_lowest_index_first(caseworkers, teams, pool, seed):
    spec = StaffingSpec(caseworkers=caseworkers, teams=min(teams, caseworkers),
                        assignment="pool" if pool else "fixed", meetings_per_week=10)
    staffing = Staffing(spec)
    rng = random.Random(seed)
    live: list[int] = []
    for _ in range(600):
        if live and rng.random() < 0.45:
            staffing.release(live.pop(rng.randrange(len(live))))
        else:
            load = list(staffing.load)
            expected = _scan(load, staffing.group_size, staffing._equal_sizes)
            g = staffing.assign()
            assert g == expected
            live.append(g)
