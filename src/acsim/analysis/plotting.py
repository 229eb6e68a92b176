"""Figures. Every function takes an optional Axes and returns the Axes it drew on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from acsim.experiments.run import RunResult

__all__ = [
    "plot_business_case",
    "plot_costs",
    "plot_hazard",
    "plot_meeting_delays",
    "plot_survival",
    "plot_utilisation",
    "plot_validation",
    "weekly_hazard",
]


def plot_survival(
    results: Sequence[RunResult], ax: Axes | None = None, at_risk: bool = True
) -> Axes:
    """Survival in unemployment by week, one curve per result, with 95 % bands.

    Args:
        results: Run results to draw.
        ax: Axes to draw on (a new figure if ``None``).
        at_risk: Add the numbers at risk under the axis.

    """
    import matplotlib.pyplot as plt
    from lifelines.plotting import add_at_risk_counts

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5))
    fits = []
    for res in results:
        kmf = res.survival()
        kmf.plot_survival_function(ax=ax, ci_show=True)
        fits.append(kmf)
    ax.set_xlim(0, 104)
    ax.set_ylim(0, 1)
    ax.set_xlabel("weeks since entry")
    ax.set_ylabel("share still unemployed")
    ax.set_xticks(range(0, 105, 13))
    ax.grid(alpha=0.3)
    if at_risk:
        add_at_risk_counts(*fits, ax=ax, rows_to_show=["At risk"], xticks=list(range(0, 105, 26)))
    return ax


def weekly_hazard(result: RunResult, weeks: int = 104) -> pd.DataFrame:
    """Life-table exit hazard by week of spell duration (any exit), from the analysed spells."""
    s = result.analysed_spells()
    d = s["duration"].to_numpy()
    ev = s["event"].to_numpy()
    w = np.arange(weeks)
    at_risk = np.array([(d >= k).sum() for k in w])
    exits = np.array([((d >= k) & (d < k + 1) & ev).sum() for k in w])
    with np.errstate(invalid="ignore", divide="ignore"):
        hz = exits / at_risk
    return pd.DataFrame({"week": w, "at_risk": at_risk, "exits": exits, "hazard": hz})


def _markers(scenario) -> list[tuple[float, str]]:
    marks = [(scenario.meetings.first_week, "first meeting")]
    for p in scenario.programmes:
        marks.append((p.start_week, p.name))
    marks.append((26.0, "week 26: right and duty"))
    return marks


def plot_hazard(results: Sequence[RunResult], ax: Axes | None = None) -> Axes:
    """Weekly exit hazard per scenario, with markers at policy events of each scenario."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 5))
    marks: dict[float, list[str]] = {}
    for res in results:
        h = weekly_hazard(res)
        ax.step(h["week"], h["hazard"], where="post", label=res.scenario.name)
        for week, label in _markers(res.scenario):
            if label not in marks.setdefault(float(week), []):
                marks[float(week)].append(label)
    for week, labels in sorted(marks.items()):
        ax.axvline(week, color="grey", ls=":", lw=1)
        ax.annotate("; ".join(labels), (week, 1.0), xycoords=("data", "axes fraction"),
                    rotation=90, va="top", ha="right", fontsize=7, color="dimgrey",
                    xytext=(-2, -2), textcoords="offset points")
    ax.set_xlim(0, 104)
    ax.set_xticks(range(0, 105, 13))
    ax.set_xlabel("week of unemployment")
    ax.set_ylabel("weekly exit hazard")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right")
    return ax


def _calendar_weeks(res: RunResult) -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    wk = res.weekly
    start = res.scenario.scenario.warmup_weeks
    end = int(res.scenario.scenario.end_week)  # the last, partial week is left out
    g = wk[(wk["week"] >= start) & (wk["week"] < end)].groupby("week")
    table = g.agg(meetings_held=("meetings_held", "mean"), capacity=("capacity", "first"),
                  mean_delay_weeks=("mean_delay_weeks", "mean"))
    dates = pd.Timestamp(res.scenario.scenario.start_date) + pd.to_timedelta(
        table.index.to_numpy() * 7, unit="D")
    return table, dates


def plot_utilisation(results: Sequence[RunResult], ax: Axes | None = None) -> Axes:
    """Share of caseworker meeting capacity used, week by week over the calendar."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    for res in results:
        table, dates = _calendar_weeks(res)
        ax.plot(dates, table["meetings_held"] / table["capacity"], label=res.scenario.name)
    ax.axhline(1.0, color="grey", lw=1, ls="--")
    ax.set_ylabel("caseworker utilisation")
    ax.set_ylim(0, None)
    ax.grid(alpha=0.3)
    ax.legend()
    return ax


def plot_meeting_delays(results: Sequence[RunResult], ax: Axes | None = None) -> Axes:
    """Mean delay of the meetings held each week (weeks behind the desired time)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    for res in results:
        table, dates = _calendar_weeks(res)
        ax.plot(dates, table["mean_delay_weeks"], label=res.scenario.name)
    ax.set_ylabel("mean meeting delay (weeks)")
    ax.set_ylim(0, None)
    ax.grid(alpha=0.3)
    ax.legend()
    return ax


def plot_business_case(case, ax: Axes | None = None) -> Axes:
    """Cumulative net result of a paired business case, with its band."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    path = case.cumulative_net()
    ax.plot(path["week"], path["mean"] / 1e6, label=f"{case.variant} vs {case.baseline}")
    ax.fill_between(path["week"], path["ci_low"] / 1e6, path["ci_high"] / 1e6, alpha=0.25,
                    label="95 % interval")
    ax.axhline(0.0, color="grey", lw=1)
    be = case.summary.loc["break_even_week"]
    if be["mean"] == be["mean"]:
        ax.axvline(be["mean"], color="black", ls="--", lw=1)
        ax.annotate(f"break-even week {be['mean']:.0f}", (be["mean"], 0.0),
                    xytext=(5, 10), textcoords="offset points", fontsize=8)
    ax.set_xlabel("weeks since the policy starts")
    ax.set_ylabel("cumulative net result, m DKK (savings - spending)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    return ax


def plot_costs(results: Sequence[RunResult], ax: Axes | None = None) -> Axes:
    """Cost per spell by category, stacked, one bar per scenario."""
    import matplotlib.pyplot as plt

    from acsim.costs.model import CATEGORIES

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    names = [r.scenario.name for r in results]
    bottom = np.zeros(len(results))
    for cat in CATEGORIES:
        vals = np.array([r.cost_summary().table.loc[cat, "per_spell"] for r in results])
        if not np.any(vals):
            continue
        ax.bar(names, vals / 1e3, bottom=bottom / 1e3, label=cat.replace("_", " "))
        bottom += vals
    ax.set_ylabel("cost per spell, thousand DKK")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    return ax


def plot_validation(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Forest plot of a validation table: each check's tolerance, published and simulated value.

    Every row is scaled to its tolerance interval so that checks in different units share one
    axis: the tolerance is [0, 1] (one-sided tolerances are drawn open), the published value a
    diamond, the simulated value a dot (green inside, red outside) with its 95 % interval.

    Args:
        table: A table from :func:`acsim.evidence.validation.validate`.
        ax: Axes to draw on (a new figure if ``None``).

    """
    import matplotlib.pyplot as plt

    n = len(table)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.28 * n + 1.2))

    def scaled(row: pd.Series, x: float) -> float:
        return float(np.clip(_scaled(row, x), -1.55, 2.55))  # outliers drawn at the edge

    def _scaled(row: pd.Series, x: float) -> float:
        lo, hi = row.tolerance_low, row.tolerance_high
        if np.isfinite(lo) and np.isfinite(hi):
            return (x - lo) / (hi - lo)
        ref = row.published if np.isfinite(row.published) and row.published != 0 else (
            lo if np.isfinite(lo) else hi)
        span = abs(ref) if np.isfinite(ref) and ref != 0 else 1.0
        return (x - lo) / span if np.isfinite(lo) else 1.0 + (x - hi) / span

    for i, row in enumerate(table.itertuples()):
        y = n - 1 - i
        lo, hi = row.tolerance_low, row.tolerance_high
        left = 0.0 if np.isfinite(lo) else -1.5
        right = 1.0 if np.isfinite(hi) else 2.5
        ax.plot([left, right], [y, y], color="0.8", lw=6, solid_capstyle="butt")
        if np.isfinite(row.published):
            ax.plot(scaled(row, row.published), y, "D", color="0.3", ms=5)
        colour = "tab:green" if row.passed else "tab:red"
        if np.isfinite(row.ci_low) and np.isfinite(row.ci_high):
            ax.plot([scaled(row, row.ci_low), scaled(row, row.ci_high)], [y, y], color=colour,
                    lw=1.5)
        ax.plot(scaled(row, row.simulated), y, "o", color=colour, ms=5)
    ax.set_yticks(range(n))
    ax.set_yticklabels([f"{r.id} {r.metric}"[:60] for r in table.itertuples()][::-1],
                       fontsize=7)
    ax.set_xlim(-1.6, 2.6)
    ax.set_xlabel("position within the tolerance interval (grey band; open-ended for sign "
                  "checks)")
    ax.set_title("Evidence checks: published (diamond) vs simulated (dot, 95 % CI)")
    return ax
