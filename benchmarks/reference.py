"""Self-contained reference models that the acsim engine benchmark compares against.

``run_plain_simpy`` is a hand-written SimPy model (one generator process per jobseeker,
exact hazard inversion, caseworker capacity). ``run_numpy_floor`` draws the same spells
fully vectorised without capacity, as a lower bound on run time. Neither imports acsim.

Note: with the defaults the pool (60 x 32 = 1920 meetings/week) is not ample in the second
year: uncapped demand passes 1920/week around week 60 (~2140 by week 100), so about 45% of
held meetings are late and the SimPy model's 26-week job share is ~0.4 pp below the floor's.
"""

from __future__ import annotations

import heapq
import math
import time

import numpy as np
import simpy

BREAKS = (0.0, 4.0, 13.0, 26.0, 52.0, 104.0)  # weeks of spell duration
JOB_RATES = (0.030, 0.045, 0.040, 0.030, 0.020)  # per week; the last applies beyond 52
OTHER_RATE = 0.004  # competing risk "other exit", per week
MAX_DURATION = 104.0  # benefit exhaustion
MEETING_INTERVAL = 4.0
LIFT_FIRST, LIFT_WEEKS_FIRST, LIFT_REST, LIFT_WEEKS_TOTAL = 1.25, 1.0, 1.10, 4.0
ACT_START, ACT_LENGTH, LOCK_IN, POST_EFFECT = 13.0, 12.0, 0.6, 1.15
N_CASEWORKERS, CAPACITY = 60, 32  # meetings per caseworker per week
# Same-time policy events are applied in this order (a lift ending before a new meeting).
_PRIORITY = {"lift_end": 0, "lift_mid": 1, "act_on": 2, "act_off": 3, "meet": 4}


def run_plain_simpy(
    annual_inflow: float = 20_000, horizon_weeks: float = 104.0, seed: int = 0
) -> dict:
    """Simulate spells with one SimPy process per jobseeker and a caseworker pool.

    Args:
        annual_inflow: Expected number of new spells per year (52 weeks).
        horizon_weeks: Simulated calendar time; inflow and follow-up stop here.
        seed: Seed for the numpy Generator behind all random draws.

    Returns:
        Dict with ``spells``, ``exits_job``, ``exits_other``, ``events`` (yields processed),
        ``events_per_jobseeker``, ``meetings`` (held), ``late`` (held after the desired
        week), and per-spell arrays ``entry``, ``duration`` and ``outcome``
        (0 censored/exhausted, 1 job, 2 other).
    """
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    n_weeks = math.ceil(horizon_weeks) + 1
    booked = [0] * n_weeks  # meetings booked per calendar week (whole caseworker pool)
    pool_capacity = N_CASEWORKERS * CAPACITY
    spells: list[tuple[float, float, int]] = []
    stats = {"events": 0, "inflow_events": 0, "meetings": 0, "late": 0}

    def book(desired: float) -> tuple[float, int, bool] | None:
        """Book the first week >= the desired week with a free slot; None past horizon."""
        week = int(desired)
        while week < n_weeks and booked[week] >= pool_capacity:
            week += 1
        if week >= n_weeks:
            return None
        booked[week] += 1
        late = week > int(desired)
        return (float(week) if late else desired), week, late

    def jobseeker(t0: float):
        e_job, e_other = rng.standard_exponential(2).tolist()  # Exp(1) budget per risk
        seg, m_meet, m_act = 0, 1.0, 1.0
        end = min(t0 + MAX_DURATION, horizon_weeks)
        pending = [(t0 + ACT_START, _PRIORITY["act_on"], "act_on"),
                   (t0 + ACT_START + ACT_LENGTH, _PRIORITY["act_off"], "act_off")]
        booking = book(t0 + MEETING_INTERVAL)
        if booking is not None:
            heapq.heappush(pending, (booking[0], _PRIORITY["meet"], "meet"))
        while True:
            now = env.now
            rate = JOB_RATES[seg] * m_meet * m_act
            t_job = now + e_job / rate
            t_other = now + e_other / OTHER_RATE
            t_break = t0 + BREAKS[seg + 1]
            t_policy = pending[0][0] if pending else math.inf
            t_next = min(t_job, t_other, t_break, t_policy, end)
            yield env.timeout(t_next - now)
            stats["events"] += 1
            e_job -= rate * (t_next - now)
            e_other -= OTHER_RATE * (t_next - now)
            outcome = 1 if t_next == t_job else 2 if t_next == t_other else 0
            if outcome or t_next == end:
                if booking is not None and booking[0] > t_next:
                    booked[booking[1]] -= 1  # cancel the meeting that will not be held
                spells.append((t0, t_next - t0, outcome))
                return
            if t_next == t_break:
                seg += 1
            while pending and pending[0][0] <= t_next:
                _, _, kind = heapq.heappop(pending)
                if kind == "meet":
                    stats["meetings"] += 1
                    stats["late"] += booking[2]
                    m_meet = LIFT_FIRST
                    heapq.heappush(pending, (t_next + LIFT_WEEKS_FIRST, 1, "lift_mid"))
                    heapq.heappush(pending, (t_next + LIFT_WEEKS_TOTAL, 0, "lift_end"))
                    booking = book(t_next + MEETING_INTERVAL)
                    if booking is not None:
                        heapq.heappush(pending, (booking[0], _PRIORITY["meet"], "meet"))
                elif kind == "lift_mid":
                    m_meet = LIFT_REST
                elif kind == "lift_end":
                    m_meet = 1.0
                elif kind == "act_on":
                    m_act = LOCK_IN
                else:
                    m_act = POST_EFFECT

    def inflow():
        mean_gap = 52.0 / annual_inflow
        while True:
            gap = float(rng.exponential(mean_gap))
            if env.now + gap >= horizon_weeks:
                return
            yield env.timeout(gap)
            stats["inflow_events"] += 1
            env.process(jobseeker(env.now))

    env.process(inflow())
    env.run()  # every process ends by the horizon; run(until=...) would drop spells ending there
    entry, duration, outcome = (np.array(c) for c in zip(*spells, strict=True))
    n = len(spells)
    return dict(spells=n, exits_job=int((outcome == 1).sum()),
                exits_other=int((outcome == 2).sum()),
                events=stats["events"] + stats["inflow_events"],
                events_per_jobseeker=stats["events"] / max(n, 1),
                meetings=stats["meetings"], late=stats["late"],
                entry=entry, duration=duration, outcome=outcome)


def rate_schedule() -> tuple[np.ndarray, np.ndarray]:
    """Combined job-exit rate schedule by spell duration when meetings are always on time.

    Returns:
        ``(grid, rates)``: breakpoints ``grid[0]=0 < ... < grid[-1]=104`` and the constant
        job hazard ``rates[i]`` on ``[grid[i], grid[i+1])`` (baseline x meeting x activation).
    """
    meets = np.arange(MEETING_INTERVAL, MAX_DURATION, MEETING_INTERVAL)
    act_end = ACT_START + ACT_LENGTH
    points = np.concatenate([BREAKS, meets, meets + LIFT_WEEKS_FIRST, [ACT_START, act_end]])
    grid = np.unique(np.clip(points, 0.0, MAX_DURATION))
    mid = 0.5 * (grid[:-1] + grid[1:])
    base = np.asarray(JOB_RATES)[np.searchsorted(BREAKS, mid, side="right") - 1]
    since = mid - MEETING_INTERVAL * np.floor(mid / MEETING_INTERVAL)  # time since meeting
    lift = np.where(mid < MEETING_INTERVAL, 1.0,
                    np.where(since < LIFT_WEEKS_FIRST, LIFT_FIRST, LIFT_REST))
    act = np.where(mid < ACT_START, 1.0, np.where(mid < act_end, LOCK_IN, POST_EFFECT))
    return grid, base * lift * act


def run_numpy_floor(
    annual_inflow: float = 20_000, horizon_weeks: float = 104.0, seed: int = 0
) -> dict:
    """Draw the same spells fully vectorised, without caseworker capacity.

    Exit-to-job times come from inverting the common piecewise-linear cumulative hazard
    with ``np.searchsorted``; spells are censored at the horizon and at 104 weeks.

    Args:
        annual_inflow: Expected number of new spells per year (52 weeks).
        horizon_weeks: Simulated calendar time; inflow and follow-up stop here.
        seed: Seed for the numpy Generator behind all random draws.

    Returns:
        Dict with the keys of :func:`run_plain_simpy`; ``events`` is None (no event loop),
        ``late`` is 0 and ``meetings`` counts meetings at durations 4, 8, ... before exit.
    """
    rng = np.random.default_rng(seed)
    n = rng.poisson(annual_inflow / 52.0 * horizon_weeks)
    entry = np.sort(rng.uniform(0.0, horizon_weeks, n))  # homogeneous Poisson process
    grid, rates = rate_schedule()
    cum = np.concatenate([[0.0], np.cumsum(rates * np.diff(grid))])
    e_job = rng.standard_exponential(n)
    idx = np.minimum(np.searchsorted(cum, e_job, side="right") - 1, len(rates) - 1)
    t_job = np.where(e_job < cum[-1], grid[idx] + (e_job - cum[idx]) / rates[idx], np.inf)
    t_other = rng.standard_exponential(n) / OTHER_RATE
    censor = np.minimum(MAX_DURATION, horizon_weeks - entry)
    duration = np.minimum(np.minimum(t_job, t_other), censor)
    outcome = np.where(duration < censor, np.where(t_job <= t_other, 1, 2), 0)
    meetings = np.maximum(np.ceil(duration / MEETING_INTERVAL) - 1, 0).astype(np.int64)
    return dict(spells=int(n), exits_job=int((outcome == 1).sum()),
                exits_other=int((outcome == 2).sum()), events=None,
                events_per_jobseeker=None, meetings=int(meetings.sum()), late=0,
                entry=entry, duration=duration, outcome=outcome)


def share_job_within(res: dict, weeks: float, horizon_weeks: float) -> tuple[float, int]:
    """Share exiting to a job within ``weeks`` among spells entering before horizon-weeks."""
    sel = res["entry"] < horizon_weeks - weeks
    hit = (res["outcome"][sel] == 1) & (res["duration"][sel] <= weeks)
    return float(hit.mean()), int(sel.sum())


def analytic_share_job_within(weeks: float) -> float:
    """Exact P(job exit by ``weeks``) under the no-capacity schedule (competing risks)."""
    grid, rates = rate_schedule()
    total = 0.0
    cum = 0.0
    for a, b, r in zip(grid[:-1], grid[1:], rates, strict=True):
        if a >= weeks:
            break
        b = min(b, weeks)
        s_a = math.exp(-cum - OTHER_RATE * a)
        cum += r * (b - a)
        total += r / (r + OTHER_RATE) * (s_a - math.exp(-cum - OTHER_RATE * b))
    return total


if __name__ == "__main__":
    horizon, window = 104.0, 26.0
    exact = analytic_share_job_within(window)
    shares = {}
    for name, fn in (("plain_simpy", run_plain_simpy), ("numpy_floor", run_numpy_floor)):
        start = time.perf_counter()
        res = fn(horizon_weeks=horizon)
        secs = time.perf_counter() - start
        shares[name], n_sel = share_job_within(res, window, horizon)
        epj = res["events_per_jobseeker"]
        print(f"{name}: {secs:.3f} s, spells={res['spells']}, exits_job={res['exits_job']}, "
              f"events={res['events']}, events/jobseeker={epj if epj is None else round(epj, 2)}, "
              f"meetings={res['meetings']}, late={res['late']} "
              f"({res['late'] / max(res['meetings'], 1):.1%}), "
              f"job<= {window:g} wk: {shares[name]:.4f} (n={n_sel})")
    diff = shares["plain_simpy"] - shares["numpy_floor"]
    print(f"analytic (no capacity): {exact:.4f}; simpy - numpy = {100 * diff:+.2f} pp")
    assert abs(diff) < 0.01, "reference models disagree by more than 1 percentage point"
