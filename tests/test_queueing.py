"""The caseworker calendar as a queue: a team pool against a discrete-time Erlang C oracle.

A team pool of ``c`` caseworkers, each with ``k`` meeting slots a week, serves meeting
requests that arrive as a Poisson process of rate ``lam`` a week, each asking for a meeting at
the moment it arrives. The calendar (:class:`acsim.model.calendar.Calendar`) books a request in
its own week if the team has a free slot, else in the first later week that has one. This is
the discrete-time analogue of the M/M/c queue behind Erlang C, and its share of late meetings
and mean delay follow from a Markov chain in the weekly backlog (derived in
:func:`oracle`). The calendar is checked against it twice: driven directly (full control of the
arrival process, long runs) and through the whole engine (arrivals are the inflow, delays read
from the record's meetings table).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import stats

from acsim import run
from acsim.model.calendar import Calendar
from conftest import bare_scenario

#: Standard errors (from the variance over independent replications) allowed between the
#: simulated and the analytic value. Seeds are fixed, so a pass is reproducible; for a correct
#: calendar a 4-SE miss has probability about 1e-4 (t with 20-30 degrees of freedom).
Z = 4.0


@dataclass(frozen=True)
class Oracle:
    """Analytic share of meetings late, mean delay (weeks), and the truncation's tail mass."""

    share_late: float
    mean_delay: float
    tail_mass: float


def oracle(lam: float, c: int, k: int) -> Oracle:
    """Share late and mean delay of a pool of ``c`` caseworkers with ``k`` slots a week each.

    **The queue.** Let ``K = c k`` be the team's weekly capacity and week ``w`` the interval
    ``[w, w + 1)``. Requests arrive in time order and each goes to the first week, from its own
    on, with a free slot (first fit). Without cancellations this keeps the calendar in one
    shape: from the current week on, some weeks are full, then one is partly booked, then all
    are empty. So the state at the start of week ``w`` is one number, the backlog ``X_w``:
    meetings already booked into weeks ``>= w`` by requests of earlier weeks (they take the
    first ``X_w`` of the ``K`` slots of week ``w``, then of ``w + 1``, ...). With ``A_w`` the
    requests arriving in week ``w``, ``A_w ~ Poisson(lam)`` independent of the past,

        X_{w+1} = max(X_w + A_w - K, 0),

    a Lindley recursion: a discrete-time queue with batch service ``K`` a week, the analogue
    of Erlang C's M/M/c (there a customer waits iff all ``c`` servers are busy; here a request
    is late iff its week is full). For ``lam < K`` the chain is positive recurrent; its
    stationary law ``pi`` is found numerically on ``0..N`` with the mass above ``N`` folded
    into ``N`` (``N = 60 K``: the tail mass left there is reported and is ~1e-15 here).

    **Which requests are late.** Given ``X_w = x`` and ``A_w = a``, the ``i``-th arrival of the
    week (``i = 1..a``) has rank ``r = x + i - 1`` (0-based) among the meetings booked into
    weeks ``>= w``. It lands in week ``w + floor(r / K)`` and is late iff ``r >= K``. So

        share late = E_pi[ sum_a P(A = a) #{i <= a : x + i - 1 >= K} ] / lam

    (expected late requests per week over expected requests per week).

    **How late.** A request booked in its own week keeps its desired time (delay 0). A late one
    takes the ``m``-th slot of its week, ``m = r mod K``; the pool books round robin, so the
    ``m``-th booking of a week goes to caseworker ``m mod c``, who already has ``floor(m / c)``
    meetings that week, and the slot's time is ``week + floor(m / c) / k``. Given ``a``
    arrivals in a week, the arrival times are the order statistics of ``a`` uniforms on the
    week, and the ``i``-th has mean ``i / (a + 1)`` past the week's start. The delay of the
    ``i``-th request therefore has mean

        floor(r / K) + floor((r mod K) / c) / k - i / (a + 1)      if r >= K, else 0,

    and the mean delay per meeting is ``E_pi[sum_a P(A = a) sum_i that] / lam``.
    """
    K = c * k
    amax = int(stats.poisson.isf(1e-14, lam)) + 1
    pa = stats.poisson.pmf(np.arange(amax + 1), lam)
    pa /= pa.sum()
    N = 60 * K
    P = np.zeros((N + 1, N + 1))
    for x in range(N + 1):
        np.add.at(P[x], np.clip(x + np.arange(amax + 1) - K, 0, N), pa)
    # pi (P - I) = 0 with sum(pi) = 1: replace one balance equation by the normalisation.
    A = P.T - np.eye(N + 1)
    A[-1, :] = 1.0
    rhs = np.zeros(N + 1)
    rhs[-1] = 1.0
    pi = np.clip(np.linalg.solve(A, rhs), 0.0, None)
    pi /= pi.sum()
    x = np.arange(N + 1)[:, None]
    late = delay = 0.0
    for a in range(1, amax + 1):
        i = np.arange(1, a + 1)[None, :]
        r = x + i - 1
        weeks = r // K
        d = weeks + ((r % K) // c) / k - i / (a + 1)
        is_late = weeks >= 1
        late += pa[a] * float(pi @ is_late.sum(axis=1))
        delay += pa[a] * float(pi @ np.where(is_late, d, 0.0).sum(axis=1))
    return Oracle(late / lam, delay / lam, float(pi[-K:].sum()))


def _compare(name: str, sims: np.ndarray, expected: float) -> tuple[bool, str]:
    """Mean over replications against ``expected`` within ``Z`` standard errors."""
    mean = float(sims.mean())
    se = float(sims.std(ddof=1) / math.sqrt(len(sims)))
    ok = abs(mean - expected) <= Z * se
    line = (f"  {name:11s} simulated={mean:.5f} analytic={expected:.5f} se={se:.5f} "
            f"tolerance={Z * se:.5f} ({len(sims)} replications) {'ok' if ok else 'MISS'}")
    return ok, line


def _simulate_calendar(lam: float, c: int, k: int, weeks: int, burn_in: int,
                       seed: int) -> tuple[float, float, int]:
    """One replication: Poisson requests booked at their arrival times into a team pool.

    Returns the share late, the mean delay and the number of requests, counting requests from
    week ``burn_in`` on (the calendar starts empty).
    """
    cal = Calendar(np.full(c, k), groups=[tuple(range(c))])
    rng = np.random.default_rng(seed)
    end = burn_in + weeks
    times = np.sort(rng.uniform(0.0, end, rng.poisson(lam * end)))
    late = delay = n = 0
    for t in times.tolist():
        b = cal.book(t, 0)
        assert b is not None and b.time >= t
        if t >= burn_in:
            n += 1
            late += b.late
            delay += b.delay
    assert (cal.booked <= cal.capacity[None, :]).all()
    return late / n, delay / n, n


@pytest.mark.parametrize(
    "c,k,load",
    [(2, 5, 0.70), (4, 8, 0.70), (3, 10, 0.95), (3, 4, 0.95)],
    ids=["2x5-load0.70", "4x8-load0.70", "3x10-load0.95", "3x4-load0.95"],
)
def test_team_pool_calendar_matches_discrete_time_erlang_c(c, k, load):
    """Share late and mean delay of a directly driven pool calendar against :func:`oracle`.

    30 independent replications of 1,000 weeks each after a 100-week burn-in from an empty
    calendar (the backlog's relaxation time near load 0.95 is about ``lam / (K - lam)^2`` =
    13 weeks for 3x10). The tolerance is ``Z`` standard errors of the mean over replications:
    the backlog makes weeks dependent, so the binomial variance of a pooled share would be too
    small; independent replications carry that dependence.
    """
    lam = load * c * k
    reps = np.array([_simulate_calendar(lam, c, k, 1000, 100, 1000 * c + 10 * k + s)
                     for s in range(30)])
    o = oracle(lam, c, k)
    ok1, l1 = _compare("share late", reps[:, 0], o.share_late)
    ok2, l2 = _compare("mean delay", reps[:, 1], o.mean_delay)
    assert ok1 and ok2 and o.tail_mass < 1e-9, (
        f"pool of {c} x {k} slots, Poisson requests {lam:g}/week (load {load}), "
        f"oracle tail mass {o.tail_mass:.2g}:\n{l1}\n{l2}")


def test_below_capacity_share_late_falls_with_pool_size_as_erlang_c_does():
    """The oracle itself: at one load a larger pool is late less often (the economies of scale
    of Erlang C), lateness grows with the load, and at a light load nobody is late.
    """
    small, large = oracle(0.7 * 10, 2, 5), oracle(0.7 * 32, 4, 8)
    assert large.share_late < small.share_late, (small, large)
    assert small.share_late < oracle(0.95 * 10, 2, 5).share_late
    assert oracle(0.1 * 10, 2, 5).share_late < 1e-6


def test_engine_pool_meetings_match_discrete_time_erlang_c():
    """The whole engine, read from the record: first meetings booked at entry into a pool.

    A bare scenario (no exits: job and other hazards 0) whose flat inflow of ``lam`` a week
    is the Poisson request stream: every jobseeker books one meeting at entry
    (``meetings.first_week = 0``) with a team pool of 3 caseworkers x 10 slots (load 0.95).
    The schedule's one phase ends at week 1e-6, so a meeting held on time books its successor
    104 weeks later, after the end of the 100-week run (never booked); a late one books none.
    Nobody leaves, so no booking is cancelled, as in the oracle. Meetings are taken from the
    record (``late``, ``delay_weeks``; desired time = ``time - delay_weeks``) for requests
    desired in weeks [25, 90): after the backlog has settled, and early enough that the rare
    meeting pushed past the run's end (not recorded) does not bias the tail. The tolerance is
    ``Z`` standard errors over 16 replications.
    """
    c, k, load = 3, 10, 0.95
    lam = load * c * k
    sc = bare_scenario(**{
        "scenario.horizon_weeks": 100.0,
        "population.annual_inflow": lam * 365.25 / 7.0,
        "hazard.job": {"breaks": [0.0], "rates": [0.0]},
        "staffing.caseworkers": c,
        "staffing.meetings_per_week": k,
        "staffing.assignment": "pool",
        "meetings.first_week": 0.0,
        "meetings.schedule": [{"until_week": 1e-6, "every_weeks": 104.0}],
    })
    res = run(sc, replications=16, seed=3, progress=False, workers=1)
    m = res.episodes["meetings"]
    assert set(m["kind"]) == {"regular"}
    desired = m["time"] - m["delay_weeks"]
    m = m[(desired >= 25.0) & (desired < 90.0)]
    per = m.groupby("replication").agg(late=("late", "mean"), delay=("delay_weeks", "mean"),
                                       n=("late", "size"))
    assert len(per) == 16
    # Every meeting desired in the window was held (none cancelled, none past the end).
    s = res.spells
    entered = s[(s["entry_week"] >= 25.0) & (s["entry_week"] < 90.0)].groupby("replication")
    assert (entered.size() == per["n"]).all(), (entered.size(), per["n"])
    # The desired time is the entry: meetings arrive as the inflow does.
    o = oracle(lam, c, k)
    ok1, l1 = _compare("share late", per["late"].to_numpy(float), o.share_late)
    ok2, l2 = _compare("mean delay", per["delay"].to_numpy(float), o.mean_delay)
    assert ok1 and ok2, (f"engine, pool of {c} x {k}, inflow {lam:g}/week "
                         f"({int(per['n'].sum())} meetings):\n{l1}\n{l2}")
