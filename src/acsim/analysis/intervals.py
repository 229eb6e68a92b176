"""Student-t confidence intervals: the one place acsim computes them.

Two helpers, one quantile:

- :func:`t_interval`: mean of a sample (replication values, or person-by-person differences of
  a paired design) with its t-interval on ``n - 1`` degrees of freedom;
- :func:`welch_interval`: difference of the means of two independent samples with the Welch
  interval (Welch-Satterthwaite degrees of freedom);
- :func:`total_interval`: a point run's mean with an interval that adds the spread over
  parameter draws to the simulation noise.

:func:`summary_table` applies :func:`t_interval` to every column of a table of replication
values, in the layout of every result's ``summary``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["summary_table", "t_interval", "t_quantile", "total_interval", "welch_interval"]


def t_quantile(df: float, level: float = 0.95) -> float:
    """Two-sided Student-t quantile: the multiplier of the standard error at ``level``.

    Args:
        df: Degrees of freedom.
        level: Confidence level, e.g. 0.95.

    """
    return float(stats.t.ppf(0.5 + level / 2, df))


def t_interval(values: Iterable[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and t-interval of a sample: ``mean ± t(n-1) * sd / sqrt(n)``.

    NaN values are dropped first (a replication without the quantity, such as a share of
    meetings on time in a replication that held none), so ``n`` counts the values that exist.

    Args:
        values: The sample.
        level: Confidence level.

    Returns:
        ``(mean, ci_low, ci_high)``; NaN bounds with fewer than two values, all NaN with none.

    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return math.nan, math.nan, math.nan
    m = float(v.mean())
    if len(v) < 2:
        return m, math.nan, math.nan
    half = float(t_quantile(len(v) - 1, level) * v.std(ddof=1) / math.sqrt(len(v)))
    return m, m - half, m + half


def welch_interval(
    control: Iterable[float], treatment: Iterable[float], level: float = 0.95
) -> tuple[float, float, float]:
    """Difference of means (treatment − control) of two independent samples, Welch interval.

    The degrees of freedom are Welch-Satterthwaite's; with no variance in either sample the
    interval has zero width.

    Args:
        control: The first sample.
        treatment: The second sample.
        level: Confidence level.

    Returns:
        ``(difference, ci_low, ci_high)``; all NaN if a sample has fewer than two values.

    """
    c = np.asarray(control, dtype=float)
    t = np.asarray(treatment, dtype=float)
    if len(c) < 2 or len(t) < 2:
        return math.nan, math.nan, math.nan
    vc, vt = c.var(ddof=1) / len(c), t.var(ddof=1) / len(t)
    diff, var = float(t.mean() - c.mean()), vc + vt
    if not var > 0:
        return diff, diff, diff
    df = var**2 / (vc**2 / (len(c) - 1) + vt**2 / (len(t) - 1))
    half = t_quantile(df, level) * math.sqrt(var)
    return diff, diff - half, diff + half


def total_interval(
    point: Iterable[float], draws: pd.DataFrame | None, level: float = 0.95
) -> tuple[float, float, float]:
    """A point estimate's interval with simulation noise and parameter uncertainty.

    ``point`` are the point run's replication values; ``draws`` the same replications under
    each parameter draw (columns ``draw`` and ``value``), on common random numbers. The
    variance of the point mean, ``s^2 / R``, and the variance of the draws' means over the
    draws, ``V_p`` (on common random numbers mostly the parameters' part), add up; the interval
    is ``mean ± t(df) * sqrt(s^2 / R + V_p)`` with Welch-Satterthwaite degrees of freedom, at
    most the replications' ``R - 1``, so it is never narrower than the simulation interval of
    :func:`t_interval`.

    Args:
        point: Replication values of the point run (NaN dropped).
        draws: ``draw`` and ``value`` per draw and replication (NaN dropped), or ``None``.
        level: Confidence level.

    Returns:
        ``(ci_low, ci_high, parameter share)``, the share being ``V_p`` over the total
        variance; all NaN with fewer than two replications or two draws.

    """
    v = np.asarray(point, dtype=float)
    v = v[~np.isnan(v)]
    nan = (math.nan, math.nan, math.nan)
    if draws is None or len(v) < 2:
        return nan
    d = draws.dropna(subset=["value"])
    means = d.groupby("draw")["value"].mean().to_numpy()
    if len(means) < 2:
        return nan
    m = float(v.mean())
    vs = float(v.var(ddof=1)) / len(v)
    vp = float(means.var(ddof=1))
    total = vs + vp
    if not total > 0:
        return m, m, 0.0
    df = total**2 / ((vs**2 / (len(v) - 1) if vs else 0.0) + vp**2 / (len(means) - 1))
    df = min(df, len(v) - 1)
    half = t_quantile(df, level) * math.sqrt(total)
    return m - half, m + half, vp / total


def summary_table(values: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Every column's mean with its t-interval over the rows (replications).

    Args:
        values: One row per replication, one column per metric (numeric).
        level: Confidence level.

    Returns:
        One row per column of ``values`` (index ``metric``), with ``mean``, ``ci_low``,
        ``ci_high`` and ``replications`` (the number of rows).

    """
    rows = [t_interval(values[col].to_numpy(), level) for col in values.columns]
    out = pd.DataFrame(rows, columns=["mean", "ci_low", "ci_high"],
                       index=pd.Index(values.columns, name="metric"), dtype=float)
    out["replications"] = len(values)
    return out
