"""Effect estimators of a two-arm comparison, as the studies report them.

Each returns an :class:`Estimate`: the control and treatment values, the effect and its 95 %
confidence interval. Two designs are supported: *randomised* (independent arms) and *paired*
(every jobseeker observed under both arms, with common random numbers), where differences are
taken person by person.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from acsim.analysis.intervals import t_interval, welch_interval

__all__ = ["Estimate", "cox_hazard_ratio", "difference", "median_difference", "rate_ratio"]

Z95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class Estimate:
    """One effect estimate: ``effect`` with a 95 % interval, and the two arms' values."""

    control: float
    treatment: float
    effect: float
    ci_low: float
    ci_high: float


def _nan() -> Estimate:
    return Estimate(math.nan, math.nan, math.nan, math.nan, math.nan)


def difference(
    control: np.ndarray, treatment: np.ndarray, paired: bool = False, scale: float = 1.0
) -> Estimate:
    """Difference in means (treatment − control), Welch or paired t interval.

    Both intervals come from :mod:`acsim.analysis.intervals`: the paired one is the
    t-interval of the person-by-person differences.

    Args:
        control: Outcomes of the control arm.
        treatment: Outcomes of the treatment arm (same persons, same order, if ``paired``).
        paired: Whether the arms are the same persons.
        scale: Multiplies every value (100 for shares in percentage points).

    """
    c = np.asarray(control, dtype=float) * scale
    t = np.asarray(treatment, dtype=float) * scale
    if len(c) < 2 or len(t) < 2:
        return _nan()
    if paired:
        diff, lo, hi = t_interval(t - c)
    else:
        diff, lo, hi = welch_interval(c, t)
    return Estimate(float(c.mean()), float(t.mean()), diff, lo, hi)


def median_difference(
    control: np.ndarray, treatment: np.ndarray, paired: bool = False, seed: int = 0,
    resamples: int = 400,
) -> Estimate:
    """Difference in medians with a percentile bootstrap interval (fixed seed)."""
    c = np.asarray(control, dtype=float)
    t = np.asarray(treatment, dtype=float)
    if len(c) < 2 or len(t) < 2:
        return _nan()
    rng = np.random.default_rng(seed)
    diffs = np.empty(resamples)
    for b in range(resamples):
        if paired:
            i = rng.integers(0, len(c), len(c))
            diffs[b] = np.median(t[i]) - np.median(c[i])
        else:
            diffs[b] = (np.median(t[rng.integers(0, len(t), len(t))])
                        - np.median(c[rng.integers(0, len(c), len(c))]))
    mc, mt = float(np.median(c)), float(np.median(t))
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return Estimate(mc, mt, mt - mc, float(lo), float(hi))


def rate_ratio(
    events_c: float, exposure_c: float, events_t: float, exposure_t: float
) -> Estimate:
    """Ratio of two Poisson rates (events per unit exposure), log-normal interval.

    This is the piecewise-exponential hazard ratio within one duration window.
    """
    if min(events_c, events_t) <= 0 or min(exposure_c, exposure_t) <= 0:
        return _nan()
    rc, rt = events_c / exposure_c, events_t / exposure_t
    log_rr = math.log(rt / rc)
    se = math.sqrt(1.0 / events_c + 1.0 / events_t)
    return Estimate(rc, rt, math.exp(log_rr), math.exp(log_rr - Z95 * se),
                    math.exp(log_rr + Z95 * se))


def cox_hazard_ratio(
    time: np.ndarray, event: np.ndarray, treated: np.ndarray, tol: float = 1e-10
) -> Estimate:
    """Cox proportional-hazards ratio of a binary treatment (Breslow ties), by Newton's method.

    With one binary covariate the partial likelihood needs only the numbers at risk in each
    arm at each event time, so the fit is exact and vectorised. ``control`` and ``treatment``
    in the result are each arm's crude event rate per unit time. The interval is the Wald
    interval on the log scale (model-based; with paired arms it is conservative, because the
    arms are positively correlated).

    Every observation is at risk from time 0 to ``time``: there is no left truncation, as in
    the virtual trials, whose persons are all followed from their own entry. (A stock spell
    with elapsed duration ``a`` would need delayed entry at ``a``, and its ``time`` would
    already include ``a``; this estimator is not for such spells.)

    Args:
        time: Follow-up time of every observation, from its entry.
        event: Whether the observation ended in the event (else censored).
        treated: Whether the observation is in the treatment arm.
        tol: Convergence tolerance on the log hazard ratio.

    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    z = np.asarray(treated, dtype=bool)
    if event[z].sum() == 0 or event[~z].sum() == 0:
        return _nan()
    order = np.argsort(-time, kind="stable")  # descending: cumulative sums give risk sets
    t_s, e_s, z_s = time[order], event[order], z[order]
    n1 = np.cumsum(z_s)
    n0 = np.cumsum(~z_s)
    # Risk set at a time includes everyone with time >= it: take the last index of each tie.
    last = np.searchsorted(-t_s, -t_s, side="right") - 1
    n1_at, n0_at = n1[last][e_s], n0[last][e_s]
    d1 = float(z_s[e_s].sum())
    beta = 0.0
    info = 0.0
    for _ in range(50):
        w = n1_at * math.exp(beta)
        p = w / (n0_at + w)
        score = d1 - p.sum()
        info = float((p * (1 - p)).sum())
        step = score / info
        beta += step
        if abs(step) < tol:
            break
    se = 1.0 / math.sqrt(info)
    rate_c = event[~z].sum() / time[~z].sum()
    rate_t = event[z].sum() / time[z].sum()
    return Estimate(float(rate_c), float(rate_t), math.exp(beta), math.exp(beta - Z95 * se),
                    math.exp(beta + Z95 * se))
