"""Is the reporting window in a steady state? The drift of stock and utilisation over it.

A job centre simulated from empty fills up: its stock of jobseekers grows until spells as long
as the longest ones (benefit exhaustion at two years, returns from jobs) have had time to
arrive. Results recorded while it still grows describe a job centre filling up, with
caseloads below the steady ones. :func:`window_drift` measures, per replication, how much the
stock (open spells each week) and the caseworkers' utilisation (calendar meetings held over
capacity each week) change over the reporting window, by a least-squares line through the
weekly values: the drift is the line's rise over the window relative to the window's mean.
:func:`drift_warning` turns a drift above a threshold into a one-line warning that says from
which week the stock levels off in this run.

With a constant inflow ``lam`` and a constant exit hazard ``mu`` from empty, the expected stock
is ``lam / mu * (1 - exp(-mu t))`` (M/M/infinity), which is the analytic check of the tests.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from acsim.analysis.intervals import t_interval
from acsim.exceptions import SteadyStateWarning

__all__ = ["DRIFT_THRESHOLD", "drift_warning", "levelling_week", "stock_by_week",
           "window_drift"]

#: Relative drift over the reporting window above which a run is not in a steady state
#: (model choice: 5 % of the mean stock is well above the replication noise of a city's stock,
#: about 1-2 % for 2,000-7,000 open spells, and is as large as the caseload differences the
#: staffing comparisons are about).
DRIFT_THRESHOLD = 0.05


def stock_by_week(entry: np.ndarray, exit_: np.ndarray, weeks: np.ndarray) -> np.ndarray:
    """Open spells at each of ``weeks``: entered at or before it, not yet ended.

    Args:
        entry: Entry weeks (negative for a stock spell that began before the run).
        exit_: Exit weeks (NaN or inf while open at the end of the run).
        weeks: The weeks to count at.

    Returns:
        The number of spells with ``entry <= w < exit`` for each ``w``.

    """
    ends = np.where(np.isnan(exit_), np.inf, exit_)
    entered = np.searchsorted(np.sort(entry), weeks, side="right")
    ended = np.searchsorted(np.sort(ends), weeks, side="right")
    return entered - ended


def _relative_drift(values: np.ndarray) -> float:
    """Rise of the least-squares line over the series' span, relative to its mean."""
    if len(values) < 2 or not np.isfinite(values).all():
        return math.nan
    mean = float(values.mean())
    if mean == 0:
        return math.nan
    x = np.arange(len(values), dtype=float)
    slope = np.polyfit(x, values, 1)[0]
    return float(slope * (len(values) - 1) / mean)


def _series(spells: pd.DataFrame, weekly: pd.DataFrame | None, start: float, end: float
            ) -> dict[str, dict[int, np.ndarray]]:
    """Weekly stock and utilisation over ``[start, end)`` by replication."""
    weeks = np.arange(int(math.ceil(start)), int(math.floor(end)))
    out: dict[str, dict[int, np.ndarray]] = {"stock": {}, "utilisation": {}}
    for r, s in spells.groupby("replication", sort=True):
        out["stock"][int(r)] = stock_by_week(s["entry_week"].to_numpy(float),
                                             s["exit_week"].to_numpy(float), weeks).astype(float)
    if weekly is not None and not weekly.empty and (weekly["capacity"] > 0).any():
        w = weekly[(weekly["week"] >= weeks[0]) & (weekly["week"] <= weeks[-1])]
        for r, g in w.groupby("replication", sort=True):
            cap = g["capacity"].to_numpy(float)
            if (cap > 0).all():
                out["utilisation"][int(r)] = g["meetings_held"].to_numpy(float) / cap
    return out


def window_drift(spells: pd.DataFrame, weekly: pd.DataFrame | None, start: float,
                 end: float) -> pd.DataFrame:
    """Drift of stock and utilisation over the reporting window ``[start, end)``.

    Args:
        spells: Every spell of the run (warm-up ones included), with ``replication``,
            ``entry_week`` and ``exit_week``.
        weekly: The run's weekly caseworker series (``replication``, ``week``,
            ``meetings_held``, ``capacity``), or None.
        start: First week of the window (the end of the warm-up).
        end: End of the run.

    Returns:
        One row per series (index ``series``: ``stock``, and ``utilisation`` where the job
        centre has a calendar): ``start_week``, ``end_week``, ``mean`` (over the window and
        replications), ``drift`` (mean relative drift over replications) with its 95 %
        t-interval ``ci_low``/``ci_high``, and ``replications``.

    """
    rows = []
    for name, by_rep in _series(spells, weekly, start, end).items():
        if not by_rep:
            continue
        drifts = np.array([_relative_drift(v) for v in by_rep.values()])
        mean_drift, lo, hi = t_interval(drifts)
        rows.append({"series": name, "start_week": float(start), "end_week": float(end),
                     "mean": float(np.mean([v.mean() for v in by_rep.values()])),
                     "drift": mean_drift, "ci_low": lo, "ci_high": hi,
                     "replications": len(drifts)})
    cols = ["start_week", "end_week", "mean", "drift", "ci_low", "ci_high", "replications"]
    return pd.DataFrame(rows, columns=["series", *cols]).set_index("series")


def levelling_week(spells: pd.DataFrame, end: float,
                   threshold: float = DRIFT_THRESHOLD) -> float | None:
    """First week from which the stock stays within ``threshold`` of its last 13 weeks' mean.

    The stock is averaged over replications and smoothed by a centred 13-week mean.

    None if the stock never comes within it before the last 13 weeks of the run (it is still
    growing at the end).
    """
    weeks = np.arange(0, int(math.floor(end)))
    if len(weeks) < 26:
        return None
    total = np.zeros(len(weeks))
    reps = 0
    for _, s in spells.groupby("replication"):
        total += stock_by_week(s["entry_week"].to_numpy(float), s["exit_week"].to_numpy(float),
                               weeks)
        reps += 1
    stock = total / max(reps, 1)
    final = stock[-13:].mean()
    if final <= 0:
        return None
    # A centred 13-week mean, so that week-to-week noise of a small stock does not count.
    smooth = np.convolve(stock, np.full(13, 1 / 13), mode="valid")  # weeks 6 .. n-7
    outside = np.nonzero(np.abs(smooth[:-7] - final) > threshold * final)[0]
    if len(outside) == 0:
        return 0.0
    week = float(weeks[outside[-1] + 7])
    return week if week < weeks[-13] else None


def drift_warning(name: str, drift: pd.DataFrame, spells: pd.DataFrame, warmup: float,
                  end: float, threshold: float = DRIFT_THRESHOLD, stacklevel: int = 2) -> None:
    """Warn (:class:`~acsim.exceptions.SteadyStateWarning`) if the stock drifts over the window.

    Args:
        name: The scenario's name, for the message.
        drift: :func:`window_drift`'s table.
        spells: Every spell of the run.
        warmup: The scenario's warm-up (weeks).
        end: End of the run.
        threshold: Largest relative drift of the stock that counts as steady.
        stacklevel: Passed to :func:`warnings.warn`.

    """
    if "stock" not in drift.index:
        return
    d = float(drift.at["stock", "drift"])
    if not math.isfinite(d) or abs(d) <= threshold:
        return
    level = levelling_week(spells, end, threshold)
    where = (f"in this run it comes within {threshold:.0%} of its level at the end of the run "
             f"from about week {level:.0f}: set scenario.warmup_weeks to at least that and run "
             "again, since that level may itself still be moving" if level is not None else
             "it is still changing at the end of the run: lengthen scenario.warmup_weeks")
    warnings.warn(
        f"{name}: the stock of open spells {'grows' if d > 0 else 'falls'} by "
        f"{abs(d):.0%} over the reporting window (weeks {warmup:g}-{end:g}; a steady state "
        f"drifts by at most {threshold:.0%}): results describe a job centre still "
        f"{'filling up' if d > 0 else 'emptying'} after a warm-up of {warmup:g} weeks; "
        f"{where}", SteadyStateWarning, stacklevel=stacklevel + 1)
