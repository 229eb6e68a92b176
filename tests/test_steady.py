"""Steady state: the stock by week against M/M/infinity, and the drift warning."""

import math
import warnings

import numpy as np

from acsim import run
from acsim.analysis.steady import levelling_week, stock_by_week, window_drift
from acsim.exceptions import SteadyStateWarning
from conftest import bare_scenario

RATE = 0.1  # weekly exit hazard of the bare scenario
INFLOW = 6000.0  # a year
WEEKLY_INFLOW = INFLOW / (365.25 / 7.0)


def test_stock_by_week_counts_open_spells_exactly():
    entry = np.array([-3.0, 0.0, 0.5, 2.0, 2.0])
    exit_ = np.array([1.0, 2.0, np.nan, 2.0, 5.5])  # [entry, exit): the fourth never counts
    weeks = np.arange(0, 7)
    assert stock_by_week(entry, exit_, weeks).tolist() == [2, 2, 2, 2, 2, 2, 1]


def _run(warmup: float, horizon: float, seed: int):
    sc = bare_scenario(**{"scenario.warmup_weeks": warmup, "scenario.horizon_weeks": horizon,
                          "population.annual_inflow": INFLOW})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = run(sc, replications=4, seed=seed, progress=False)
    return res, [w for w in caught if issubclass(w.category, SteadyStateWarning)]


def test_stock_from_empty_fills_as_m_m_infinity():
    res, _ = _run(0.0, 60.0, seed=3)
    weeks = np.array([2, 5, 10, 20, 40, 55])
    stocks = np.array([stock_by_week(s["entry_week"].to_numpy(float),
                                     s["exit_week"].to_numpy(float), weeks)
                       for _, s in res.spells.groupby("replication")])
    simulated = stocks.mean(axis=0)
    expected = WEEKLY_INFLOW / RATE * (1 - np.exp(-RATE * weeks))
    se = np.sqrt(expected / len(stocks))  # the stock at t is Poisson(expected) from empty
    table = "\n".join(f"  week {w:3d}: simulated {a:8.1f}  M/M/inf {b:8.1f}  se {c:5.1f}"
                      for w, a, b, c in zip(weeks, simulated, expected, se, strict=True))
    assert (np.abs(simulated - expected) < 4 * se).all(), f"stock vs M/M/infinity:\n{table}"


def test_drift_is_the_relative_rise_of_the_expected_stock():
    res, caught = _run(0.0, 30.0, seed=4)
    drift = res.steady_state().loc["stock"]
    weeks = np.arange(0, 30)
    expected = WEEKLY_INFLOW / RATE * (1 - np.exp(-RATE * weeks))
    slope = np.polyfit(weeks, expected, 1)[0]
    analytic = slope * (len(weeks) - 1) / expected.mean()
    assert drift["ci_low"] - 0.02 < analytic < drift["ci_high"] + 0.02, (
        f"drift {drift['drift']:.3f} [{drift['ci_low']:.3f}, {drift['ci_high']:.3f}] "
        f"vs analytic {analytic:.3f}")
    assert len(caught) == 1 and "grows by" in str(caught[0].message), caught


def test_a_long_warm_up_is_steady_and_says_nothing():
    # 80 weeks = 8 mean durations: the expected stock is within exp(-8) of its limit.
    res, caught = _run(80.0, 52.0, seed=5)
    d = res.steady_state().loc["stock"]
    assert abs(d["drift"]) < 0.05, d
    assert not caught, [str(w.message) for w in caught]


def test_levelling_week_names_where_the_stock_reaches_its_level():
    res, _ = _run(0.0, 80.0, seed=6)
    week = levelling_week(res.spells, 80.0, threshold=0.05)
    # Expected stock within 5 % of its limit from t = ln(20) / RATE = 30 weeks.
    assert week is not None and abs(week - math.log(20) / RATE) < 6, week


def test_window_drift_without_a_calendar_has_no_utilisation_row():
    res, _ = _run(0.0, 20.0, seed=7)
    table = window_drift(res.spells, res.weekly, 0.0, 20.0)
    assert list(table.index) == ["stock"]
