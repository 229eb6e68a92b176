"""Figures. Every function takes an optional Axes and returns the Axes it drew on.

This is lifelines' convention: ``ax=None`` draws on a new figure, a given Axes is drawn into,
and the Axes is returned so that a caller can add to it. Every figure has a title, axis
labels with units, and 95 % bands or intervals *over replications*: each replication is one
independent draw of the whole job centre (population, caseworkers, calendar), so the spread
between replications is the uncertainty of a simulated mean. Where a comparison is drawn, the
replications are paired by index (common random numbers).

Policy markers (:func:`policy_markers`) come from each scenario's own spec: the first meeting,
changes of the meeting cadence, extra and group meetings, and every programme's start and end
(with its hire probability, the chance of an exit to a job at the end).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from acsim.analysis.intervals import t_interval

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from acsim.experiments.compare import Comparison
    from acsim.experiments.run import RunResult
    from acsim.spec.scenario import Scenario

__all__ = [
    "PAYERS",
    "PolicyMarker",
    "cost_by_payer",
    "difference_band",
    "plot_business_case",
    "plot_costs",
    "plot_difference",
    "plot_hazard",
    "plot_meeting_delays",
    "plot_survival",
    "plot_utilisation",
    "plot_validation",
    "policy_markers",
    "survival_band",
    "survival_by_replication",
    "weekly_hazard",
]

#: Weeks of unemployment drawn on the duration axes (the benefit period).
WEEKS = 104
#: Grid (weeks) on which survival curves are evaluated: every half week.
GRID = np.arange(0.0, WEEKS + 0.25, 0.5)
#: Share of the axes' height kept free above the data for the marker labels.
_LABEL_ZONE = 0.42


def _colours(n: int) -> list[str]:
    import matplotlib.pyplot as plt

    cycle = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    return [cycle[i % len(cycle)] for i in range(n)]


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def _band(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95 % t-interval of each column of a (replications x points) array."""
    rows = [t_interval(matrix[:, j]) for j in range(matrix.shape[1])]
    if not rows:
        empty = np.array([], dtype=float)
        return empty, empty, empty
    mean, lo, hi = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    return mean, lo, hi


def _replication_label(n: int) -> str:
    return f"{n} replication{'s' if n != 1 else ''}"


# -- survival -------------------------------------------------------------------------------


def survival_by_replication(result: RunResult, weeks: np.ndarray = GRID) -> pd.DataFrame:
    """Kaplan-Meier survival of each replication at ``weeks`` (one column per replication).

    Each replication's analysed spells are fitted on their own, as the per-replication
    metrics ``survival_13`` ... are, so the mean of a column at week 13 is the mean of
    ``survival_13`` in the run's summary.
    """
    from acsim.analysis.outcomes import kaplan_meier

    spells = result.analysed_spells()
    if spells.empty:
        raise ValueError("no analysed spells to fit survival curves on")
    cols = {}
    for rep, group in spells.groupby("replication", observed=True, sort=True):
        kmf = kaplan_meier(group)
        cols[int(rep)] = kmf.survival_function_at_times(weeks).to_numpy()
    return pd.DataFrame(cols, index=pd.Index(weeks, name="week"))


def survival_band(result: RunResult, weeks: np.ndarray = GRID) -> pd.DataFrame:
    """Survival by week: mean over replications with its 95 % band between replications.

    The band is the pointwise t-interval of the replications' Kaplan-Meier curves
    (``mean ± t(n-1) * sd / sqrt(n)``), the same interval as every metric of the summary. It
    holds the variation of whole runs (who arrives, caseworker congestion, the calendar), not
    only the sampling of spells within one pooled fit, which with tens of thousands of spells
    is about a pixel wide. With a single replication no such band exists and the pooled fit's
    Greenwood band (spells only) is given instead, with ``band`` saying which.

    Returns:
        Columns ``week``, ``survival``, ``ci_low``, ``ci_high``, ``band``
        (``"replications"`` or ``"greenwood"``).

    """
    per_rep = survival_by_replication(result, weeks)
    if per_rep.shape[1] >= 2:
        mean, lo, hi = _band(per_rep.to_numpy().T)
        kind = "replications"
    else:
        kmf = result.survival()
        mean = kmf.survival_function_at_times(weeks).to_numpy()
        ci = kmf.confidence_interval_survival_function_
        t = ci.index.to_numpy()
        idx = np.clip(np.searchsorted(t, weeks, side="right") - 1, 0, len(t) - 1)
        lo, hi = ci.iloc[idx, 0].to_numpy(), ci.iloc[idx, 1].to_numpy()
        kind = "greenwood"
    return pd.DataFrame({"week": weeks, "survival": mean, "ci_low": lo, "ci_high": hi,
                         "band": kind})


def plot_survival(
    results: Sequence[RunResult], ax: Axes | None = None, at_risk: bool = True,
    markers: bool = False,
) -> Axes:
    """Survival in unemployment by week, one curve per result, with 95 % bands.

    The curve is the mean over replications of each replication's Kaplan-Meier curve; the
    shaded band is its 95 % t-interval between replications (:func:`survival_band`; for a
    single replication the Greenwood band of the pooled fit, which only holds the sampling
    of spells). The numbers at risk under the axis are summed over replications.

    Args:
        results: Run results to draw.
        ax: Axes to draw on (a new figure if ``None``).
        at_risk: Add the numbers at risk under the axis.
        markers: Mark each scenario's policy events (:func:`policy_markers`).

    Returns:
        The Axes drawn on.

    """
    from lifelines.plotting import add_at_risk_counts

    ax = _new_axes(ax, (8, 5.5) if markers else (8, 5))
    fits = []
    kinds = set()
    for res, colour in zip(results, _colours(len(results)), strict=True):
        band = survival_band(res)
        kinds.add(band["band"].iloc[0])
        half = float(np.nanmax((band["ci_high"] - band["ci_low"]).to_numpy(), initial=0.0)) / 2
        ax.step(band["week"], band["survival"], where="post", color=colour,
                label=f"{res.scenario.name} ({_replication_label(res.replications)}; band at "
                      f"most \u00b1{half:.3f})")
        ax.fill_between(band["week"], band["ci_low"], band["ci_high"], step="post",
                        color=colour, alpha=0.3, lw=0)
        fits.append(res.survival())
    ax.set_xlim(0, WEEKS)
    ax.set_ylim(0, 1)
    ax.set_xlabel("weeks of unemployment (since entry)")
    ax.set_ylabel("share still unemployed")
    ax.set_xticks(range(0, WEEKS + 1, 13))
    ax.grid(alpha=0.3)
    what = ("95 % band between replications" if kinds == {"replications"}
            else "95 % band (Greenwood, within the pooled spells, where 1 replication)")
    ax.set_title(f"Share still unemployed by week of unemployment\n(mean over replications, "
                 f"{what})", fontsize=10)
    if markers:
        _draw_markers(ax, [r.scenario for r in results], _colours(len(results)))
    ax.legend(loc="upper right" if not markers else "center right", fontsize=8)
    if at_risk:
        add_at_risk_counts(*fits, ax=ax, rows_to_show=["At risk"],
                           xticks=list(range(0, WEEKS + 1, 26)))
    return ax


# -- policy markers -------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyMarker:
    """A policy event at a week of unemployment, read from a scenario's spec.

    Attributes:
        week: Spell week of the event.
        kind: ``"meeting"``, ``"start"`` (a programme starts) or ``"end"`` (one ends).
        label: Short text for the figure.

    """

    week: float
    kind: str
    label: str


def _short(name: str, width: int = 40) -> str:
    return name if len(name) <= width else name[: width - 1].rstrip() + "\u2026"


def _hire_probability(scenario: Scenario, index: int) -> float:
    """The hire probability at the end of programme ``index`` (0 if it has none)."""
    from acsim.policies.registry import family_of_kind

    spec = scenario.programmes[index]
    try:
        runtime = family_of_kind(spec.kind).runtime(spec, scenario.effects, index, None)
        return float(getattr(runtime.effects, "hire_probability", 0.0) or 0.0)
    except Exception:  # noqa: BLE001 - a marker label must never break a figure
        return 0.0


def policy_markers(scenario: Scenario, until: float = WEEKS) -> list[PolicyMarker]:
    """The policy events of a scenario at weeks of unemployment in ``[0, until)``.

    Read from the scenario's spec, nothing assumed: the first meeting (with the cadence that
    follows), each change of the meeting cadence, extra meetings, the window of group meetings,
    and every programme's start (with its take-up below 1) and end (with its hire
    probability, when above 0: the spikes of exits at the ends of placements).

    Args:
        scenario: The scenario.
        until: Last week to mark.

    Returns:
        Markers sorted by week.

    """
    m = scenario.meetings
    out: list[PolicyMarker] = []
    phases = m.phases
    first = next((p for p in phases if p.until_week > m.first_week), None)
    cadence = f", then every {first.every_weeks:.3g} wk" if first is not None else ""
    out.append(PolicyMarker(m.first_week, "meeting", f"first meeting{cadence}"))
    for prev, nxt in zip(phases, phases[1:], strict=False):
        if nxt.every_weeks != prev.every_weeks and prev.until_week > m.first_week:
            out.append(PolicyMarker(prev.until_week, "meeting",
                                    f"meetings every {nxt.every_weeks:.3g} wk"))
    if phases and m.first_week < phases[-1].until_week < until:
        out.append(PolicyMarker(phases[-1].until_week, "meeting", "scheduled meetings end"))
    for extra in m.extra:
        who = f" ({', '.join(extra.tracks)} track)" if extra.tracks else ""
        for w in extra.weeks:
            out.append(PolicyMarker(w, "meeting", f"extra meeting{who}"))
    if m.group is not None:
        g = m.group
        out.append(PolicyMarker(g.from_week, "meeting",
                                f"group meetings every {g.every_weeks:.3g} wk"))
        out.append(PolicyMarker(g.until_week, "meeting", "group meetings end"))
    for i, p in enumerate(scenario.programmes):
        take = f" (take-up {p.take_up:.0%})" if p.take_up < 1 else ""
        out.append(PolicyMarker(p.start_week, "start", f"{_short(p.name)} starts{take}"))
        hire = _hire_probability(scenario, i)
        note = f" (hired {hire:.0%})" if hire > 0 else ""
        out.append(PolicyMarker(p.start_week + p.duration_weeks, "end",
                                f"{_short(p.name)} ends{note}"))
    out = [mk for mk in out if 0 <= mk.week < until]
    return sorted(out, key=lambda mk: (mk.week, mk.kind != "meeting"))


_LINESTYLES = {"meeting": ":", "start": "--", "end": "-."}


def _renderer(ax: Axes):
    fig = ax.figure
    try:
        return fig.canvas.get_renderer()
    except AttributeError:  # a backend without one (e.g. vector-only): measure with Agg
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        return FigureCanvasAgg(fig).get_renderer()


def _layout(items: list, widths: list[float], xf: list[float], pad: float
            ) -> list[tuple[int, tuple[float, float]]]:
    """Greedy lanes: each label in the first lane where it overlaps no other label."""
    lanes: list[list[tuple[float, float]]] = []
    out = []
    for w, x in zip(widths, xf, strict=True):
        options = [(x + pad, x + pad + w), (x - pad - w, x - pad)]
        options = [o for o in options if o[0] >= 0.0 and o[1] <= 1.0] or [
            (max(0.0, min(x + pad, 1.0 - w)), max(0.0, min(x + pad, 1.0 - w)) + w)]
        placed = None
        for k, lane in enumerate(lanes):
            for left, right in options:
                if all(right + pad <= a or left >= b + pad for a, b in lane):
                    placed = (k, (left, right))
                    break
            if placed:
                break
        if placed is None:
            lanes.append([])
            placed = (len(lanes) - 1, options[0])
        lanes[placed[0]].append(placed[1])
        out.append(placed)
    return out


def _draw_markers(ax: Axes, scenarios: Sequence[Scenario], colours: Sequence[str],
                  fontsize: float = 6.5) -> list:
    """Draw each scenario's policy markers in its colour, labels in lanes above the data.

    Labels are placed left to right, each in the first lane where it overlaps no other label
    (left of its line if it would leave the axes on the right), so no two labels overlap and
    all stay inside the axes. The top of the axes is kept for the lanes (at least
    :data:`_LABEL_ZONE` of its height, more if the lanes need it, up to 80 %, the font made
    smaller beyond that): the y-limit is raised so the data stay below. Each marker's line
    runs from the bottom to its label; the line style tells meetings, starts and ends apart.

    Returns:
        The label Text artists (gid ``"policy-marker"``; attributes ``marker`` and
        ``scenario``).

    """
    from matplotlib.transforms import blended_transform_factory

    x0, x1 = ax.get_xlim()
    items = [(mk, s, c) for s, c in zip(scenarios, colours, strict=True)
             for mk in policy_markers(s, until=x1) if x0 <= mk.week]
    items.sort(key=lambda t: (t[0].week, t[0].kind != "meeting"))
    if not items:
        return []
    renderer = _renderer(ax)
    box = ax.get_window_extent(renderer)
    px_per_pt = ax.figure.dpi / 72.0
    pad = 3 * px_per_pt / max(box.width, 1.0)
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    xf = [(mk.week - x0) / (x1 - x0) for mk, _, _ in items]
    texts = []
    for mk, scen, colour in items:
        t = ax.text(mk.week, 0.0, mk.label, transform=trans, fontsize=fontsize,
                    color=colour, va="center", ha="left", zorder=5, clip_on=False,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85,
                          "pad": 0.6})
        t.set_gid("policy-marker")
        t.marker = mk  # type: ignore[attr-defined]
        t.scenario = scen.name  # type: ignore[attr-defined]
        texts.append(t)
    while True:
        widths = [t.get_window_extent(renderer).width / max(box.width, 1.0) for t in texts]
        placed = _layout(items, widths, xf, pad)
        lane_h = (fontsize * 1.45 * px_per_pt) / max(box.height, 1.0)  # axes fraction
        n_lanes = 1 + max(k for k, _ in placed)
        zone = n_lanes * lane_h + 0.02
        if zone <= 0.8 or fontsize <= 4.5:
            break
        fontsize -= 0.5
        for t in texts:
            t.set_fontsize(fontsize)
    zone = min(max(zone, _LABEL_ZONE), 0.8)
    lo, hi = ax.get_ylim()
    if not math.isfinite(hi) or hi <= lo:
        hi = lo + 1.0
    ax.set_ylim(lo, lo + (hi - lo) / (1.0 - zone))
    for t, (mk, _, colour), x, (lane, span) in zip(texts, items, xf, placed, strict=True):
        y = 1.0 - 0.01 - lane_h * (lane + 0.5)
        right_of_line = span[0] >= x
        t.set_y(y)
        t.set_ha("left" if right_of_line else "right")
        t.set_x(x0 + (span[0] if right_of_line else span[1]) * (x1 - x0))
        ax.axvline(mk.week, ymin=0.0, ymax=y, color=colour, ls=_LINESTYLES.get(mk.kind, ":"),
                   lw=0.9, alpha=0.8, zorder=1)
    return texts


# -- hazard ---------------------------------------------------------------------------------


def weekly_hazard(result: RunResult, weeks: int = WEEKS) -> pd.DataFrame:
    """Life-table exit hazard by week of spell duration (any exit), from the analysed spells.

    Pooled over replications (``hazard``), with the mean over replications of each
    replication's life-table hazard and its 95 % t-interval (``mean``, ``ci_low``,
    ``ci_high``; NaN bounds for a single replication).
    """
    s = result.analysed_spells()
    w = np.arange(weeks)

    def table(d: np.ndarray, ev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        at_risk = np.array([(d >= k).sum() for k in w])
        exits = np.array([((d >= k) & (d < k + 1) & ev).sum() for k in w])
        return at_risk, exits

    at_risk, exits = table(s["duration"].to_numpy(), s["event"].to_numpy())
    with np.errstate(invalid="ignore", divide="ignore"):
        hz = exits / at_risk
        per_rep = []
        for _, g in s.groupby("replication", observed=True, sort=True):
            a, e = table(g["duration"].to_numpy(), g["event"].to_numpy())
            per_rep.append(np.where(a > 0, e / np.maximum(a, 1), np.nan))
    mean, lo, hi = _band(np.array(per_rep).reshape(len(per_rep), len(w)))
    return pd.DataFrame({"week": w, "at_risk": at_risk, "exits": exits, "hazard": hz,
                         "mean": mean, "ci_low": lo, "ci_high": hi})


def plot_hazard(results: Sequence[RunResult], ax: Axes | None = None,
                markers: bool = True) -> Axes:
    """Weekly exit hazard per scenario, with each scenario's policy markers in its colour.

    The line is the life-table hazard of all replications' spells pooled; the band its 95 %
    interval between replications. The markers (:func:`policy_markers`) say why the hazard
    moves: meetings, programme starts (lock-in) and ends (hires, then the post effect).

    Args:
        results: Run results to draw.
        ax: Axes to draw on (a new figure if ``None``).
        markers: Mark each scenario's policy events.

    Returns:
        The Axes drawn on.

    """
    ax = _new_axes(ax, (10, 6.5))
    colours = _colours(len(results))
    top = 0.0
    for res, colour in zip(results, colours, strict=True):
        h = weekly_hazard(res)
        ax.step(h["week"], h["hazard"], where="post", color=colour,
                label=f"{res.scenario.name} ({_replication_label(res.replications)})")
        if h["ci_low"].notna().any():
            ax.fill_between(h["week"], h["ci_low"], h["ci_high"], step="post", color=colour,
                            alpha=0.25, lw=0)
        top = max(top, float(np.nanmax(h[["hazard", "ci_high"]].to_numpy(), initial=0.0)))
    ax.set_xlim(0, WEEKS)
    ax.set_ylim(0, top * 1.05 if top > 0 else 1.0)
    ax.set_xticks(range(0, WEEKS + 1, 13))
    ax.set_xlabel("week of unemployment")
    ax.set_ylabel("weekly exit hazard (share of those at risk who leave, per week)")
    ax.grid(alpha=0.3)
    ax.set_title("Weekly exit hazard with each scenario's policy events\n(pooled life table; "
                 "band: 95 % between replications; dotted: meetings, dashed: programme "
                 "starts, dash-dot: ends)", fontsize=10)
    if markers:
        _draw_markers(ax, [r.scenario for r in results], colours)
    ax.legend(loc="center right", fontsize=8)
    return ax


# -- difference between two scenarios ------------------------------------------------------


def difference_band(comparison: Comparison, variant: int = 1,
                    weeks: np.ndarray = GRID) -> pd.DataFrame:
    """Paired difference in survival, variant minus the first scenario, by week.

    Each replication's Kaplan-Meier curve of the variant minus that of the reference in the
    same replication (common random numbers: the same jobseekers' draws), then the mean and
    95 % t-interval of these differences. Identical scenarios give exactly zero, with a band
    of zero width.

    Returns:
        Columns ``week``, ``difference``, ``ci_low``, ``ci_high``.

    """
    ref = survival_by_replication(comparison.results[0], weeks)
    var = survival_by_replication(comparison.results[variant], weeks)
    common = ref.columns.intersection(var.columns)
    diff = (var[common] - ref[common]).to_numpy().T
    mean, lo, hi = _band(diff)
    if len(common) == 1:
        lo = hi = np.full_like(mean, np.nan)
    return pd.DataFrame({"week": weeks, "difference": mean, "ci_low": lo, "ci_high": hi})


def plot_difference(comparison: Comparison, ax: Axes | None = None, variant: int = 1,
                    markers: bool = True) -> Axes:
    """The difference in the share still unemployed between two scenarios, week by week.

    The line is the paired difference, scenario ``variant`` minus the first, of the
    replications' Kaplan-Meier curves; the band its 95 % t-interval over replications paired
    under common random numbers (:func:`difference_band`). Below zero the variant has fewer
    still unemployed. The area under the line over weeks 0-104 is minus the difference in
    restricted mean duration (``rmst_104``), given in the legend. Both scenarios' policy
    markers are drawn in their colours.

    Args:
        comparison: A comparison of at least two scenarios.
        ax: Axes to draw on (a new figure if ``None``).
        variant: Index of the scenario compared with the first.
        markers: Mark both scenarios' policy events.

    Returns:
        The Axes drawn on.

    """
    if len(comparison.results) < 2:
        raise ValueError("plot_difference needs a comparison of at least two scenarios")
    ax = _new_axes(ax, (10, 6.5))
    ref, var = comparison.results[0], comparison.results[variant]
    colours = _colours(len(comparison.results))
    colour = colours[variant]
    band = difference_band(comparison, variant)
    n = min(ref.replications, var.replications)
    label = f"{var.scenario.name} \u2212 {ref.scenario.name} ({_replication_label(n)}, paired)"
    t = comparison.table(metrics=["rmst_104"])
    row = t[t["scenario"] == var.scenario.name]
    if len(row) and math.isfinite(row["diff_vs_first"].iloc[0]):
        r = row.iloc[0]
        label += (f"\nrestricted mean duration to week 104: {r['diff_vs_first']:+.2f} weeks "
                  f"[{r['diff_ci_low']:+.2f}, {r['diff_ci_high']:+.2f}]")
    ax.step(band["week"], band["difference"], where="post", color=colour, label=label)
    ax.fill_between(band["week"], band["ci_low"], band["ci_high"], step="post", color=colour,
                    alpha=0.3, lw=0, label="95 % interval of the paired difference")
    ax.axhline(0.0, color="black", lw=0.8)
    ax.set_xlim(0, WEEKS)
    vals = band[["difference", "ci_low", "ci_high"]].to_numpy()
    span = float(np.nanmax(np.abs(vals), initial=0.0))
    span = span * 1.1 if span > 0 else 0.01
    ax.set_ylim(-span, span)
    ax.set_xticks(range(0, WEEKS + 1, 13))
    ax.set_xlabel("week of unemployment")
    ax.set_ylabel(f"difference in share still unemployed\n({var.scenario.name} minus "
                  f"{ref.scenario.name})")
    ax.grid(alpha=0.3)
    ax.set_title(f"Paired difference in the share still unemployed: {var.scenario.name} "
                 f"\u2212 {ref.scenario.name}\n(common random numbers; below 0: fewer still "
                 f"unemployed in {var.scenario.name})", fontsize=10)
    if markers:
        _draw_markers(ax, [ref.scenario, var.scenario], [colours[0], colour])
    ax.legend(loc="lower right", fontsize=8)
    return ax


# -- calendar series ------------------------------------------------------------------------


def _calendar_weeks(res: RunResult) -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    """Weekly utilisation and delay by replication over the analysis window (the calendar).

    Returns:
        A table indexed by week with, for ``utilisation`` and ``mean_delay_weeks``, the mean
        over replications and its 95 % interval (``*_low``, ``*_high``), and the dates.

    """
    wk = res.weekly
    start = res.scenario.scenario.warmup_weeks
    end = int(res.scenario.scenario.end_week)  # the last, partial week is left out
    wk = wk[(wk["week"] >= start) & (wk["week"] < end)].copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        wk["utilisation"] = wk["meetings_held"] / wk["capacity"]
    table = pd.DataFrame(index=pd.Index(sorted(wk["week"].unique()), name="week"))
    for col in ("utilisation", "mean_delay_weeks"):
        wide = wk.pivot_table(index="replication", columns="week", values=col,
                              aggfunc="first", dropna=False).reindex(columns=table.index)
        mean, lo, hi = _band(wide.to_numpy(dtype=float))
        table[col], table[f"{col}_low"], table[f"{col}_high"] = mean, lo, hi
    dates = pd.Timestamp(res.scenario.scenario.start_date) + pd.to_timedelta(
        table.index.to_numpy() * 7, unit="D")
    return table, dates


def _plot_calendar(results: Sequence[RunResult], ax: Axes, col: str) -> None:
    for res, colour in zip(results, _colours(len(results)), strict=True):
        table, dates = _calendar_weeks(res)
        ax.plot(dates, table[col], color=colour,
                label=f"{res.scenario.name} ({_replication_label(res.replications)})")
        if table[f"{col}_low"].notna().any():
            ax.fill_between(dates, table[f"{col}_low"], table[f"{col}_high"], color=colour,
                            alpha=0.25, lw=0)
    ax.set_xlabel("calendar week (after the warm-up)")
    ax.grid(alpha=0.3)


def plot_utilisation(results: Sequence[RunResult], ax: Axes | None = None) -> Axes:
    """Share of caseworker meeting capacity used, week by week over the calendar.

    Meetings held in the week over the meetings the caseworkers could hold (caseworkers x
    meetings a week, holidays included); mean over replications with its 95 % band.

    Args:
        results: Run results to draw.
        ax: Axes to draw on (a new figure if ``None``).

    Returns:
        The Axes drawn on.

    """
    ax = _new_axes(ax, (9, 4.5))
    _plot_calendar(results, ax, "utilisation")
    ax.axhline(1.0, color="grey", lw=1, ls="--", label="full capacity")
    ax.set_ylabel("caseworker utilisation\n(meetings held / capacity)")
    ax.set_ylim(0, None)
    ax.set_title("Caseworker utilisation by calendar week (mean, 95 % band between "
                 "replications)", fontsize=10)
    ax.legend(fontsize=8)
    return ax


def plot_meeting_delays(results: Sequence[RunResult], ax: Axes | None = None) -> Axes:
    """Mean delay of the meetings held each week (weeks behind the desired time).

    Mean over replications with its 95 % band; weeks in which a replication held no meeting
    have no delay and leave that replication out.

    Args:
        results: Run results to draw.
        ax: Axes to draw on (a new figure if ``None``).

    Returns:
        The Axes drawn on.

    """
    ax = _new_axes(ax, (9, 4.5))
    _plot_calendar(results, ax, "mean_delay_weeks")
    ax.set_ylabel("mean meeting delay (weeks)")
    ax.set_ylim(0, None)
    ax.set_title("Mean delay of the meetings held, by calendar week (weeks behind the "
                 "booked time; 95 % band between replications)", fontsize=10)
    ax.legend(fontsize=8)
    return ax


def plot_business_case(case, ax: Axes | None = None) -> Axes:
    """Cumulative net result of a paired business case, with its band.

    Args:
        case: A business case (:func:`acsim.costs.business.paired_business_case`).
        ax: Axes to draw on (a new figure if ``None``).

    Returns:
        The Axes drawn on.

    """
    ax = _new_axes(ax, (8, 4.5))
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
    ax.set_title(f"Business case: {case.variant} against {case.baseline} (cumulative net "
                 "result, m DKK, paired 95 % interval)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    return ax


#: The payers of :mod:`acsim.costs.model`, in the order drawn.
PAYERS = ("state", "municipality")


def cost_by_payer(result: RunResult) -> pd.DataFrame:
    """Cost per spell by category and payer, each replication on its own.

    Per replication, :meth:`RunResult.cost_summary <acsim.experiments.run.RunResult.cost_summary>`
    of its spells; a payer's cost per spell is its yearly cost over the spells a year.

    Returns:
        One row per replication, category and payer: ``replication``, ``category``,
        ``payer``, ``per_spell`` (DKK).

    """
    from acsim.costs.model import CATEGORIES, cost_summary

    sc = result.scenario.scenario
    rows = []
    for rep, spells in result.spells.groupby("replication", observed=True, sort=True):
        cs = cost_summary(spells, start_week=sc.warmup_weeks, end_week=sc.end_week)
        for cat in CATEGORIES:
            for payer in PAYERS:
                per_year = cs.per_year(cat, payer)
                per_spell = per_year / cs.spells_per_year if cs.spells_per_year else math.nan
                rows.append({"replication": int(rep), "category": cat, "payer": payer,
                             "per_spell": per_spell})
    return pd.DataFrame(rows)


def plot_costs(results: Sequence[RunResult], ax: Axes | None = None) -> Axes:
    """Cost per spell by payer and category: two stacked bars (state, municipality) a scenario.

    Each bar stacks the categories' mean cost per spell over replications; the error bar on
    a bar is the 95 % t-interval over replications of that payer's total, and the number
    above it its mean. The scenario's total with its interval is under its name.

    Args:
        results: Run results to draw.
        ax: Axes to draw on (a new figure if ``None``).

    Returns:
        The Axes drawn on.

    """
    from acsim.costs.model import CATEGORIES

    ax = _new_axes(ax, (9, 5))
    width = 0.38
    colours = dict(zip(CATEGORIES, _colours(len(CATEGORIES)), strict=True))
    drawn: set[str] = set()
    ticks, ticklabels = [], []
    top = 0.0
    for i, res in enumerate(results):
        table = cost_by_payer(res)
        for j, payer in enumerate(PAYERS):
            x = i + (j - 0.5) * width * 1.05
            part = table[table["payer"] == payer]
            bottom = 0.0
            for cat in CATEGORIES:
                v = float(part.loc[part["category"] == cat, "per_spell"].mean()) / 1e3
                if not v or not math.isfinite(v):
                    continue
                ax.bar(x, v, width, bottom=bottom, color=colours[cat],
                       label=None if cat in drawn else cat.replace("_", " "))
                drawn.add(cat)
                bottom += v
            totals = part.groupby("replication")["per_spell"].sum().to_numpy() / 1e3
            mean, lo, hi = t_interval(totals)
            if math.isfinite(lo):
                ax.errorbar(x, mean, yerr=[[mean - lo], [hi - mean]], color="black",
                            capsize=4, lw=1)
            top = max(top, hi if math.isfinite(hi) else mean)
            ax.annotate(f"{mean:,.1f}", (x, hi if math.isfinite(hi) else mean),
                        xytext=(0, 3), textcoords="offset points", ha="center", fontsize=7)
            ticks.append(x)
            ticklabels.append(payer)
        totals = table.groupby("replication")["per_spell"].sum().to_numpy() / 1e3
        mean, lo, hi = t_interval(totals)
        band = f"[{lo:,.1f}, {hi:,.1f}]" if math.isfinite(lo) else "(1 replication)"
        ax.annotate(f"{res.scenario.name}\ntotal {mean:,.1f} {band}", (i, 0),
                    xycoords=("data", "axes fraction"), xytext=(0, -28),
                    textcoords="offset points", ha="center", va="top", fontsize=8)
    ax.set_xticks(ticks)
    ax.set_xticklabels(ticklabels, fontsize=8)
    ax.set_xlim(-0.7, len(results) - 0.3)
    ax.set_ylim(0, top * 1.12 if top > 0 else 1.0)
    ax.set_ylabel("cost per spell, thousand DKK")
    ax.set_title("Cost per spell by payer and category (thousand DKK; mean over replications, "
                 "95 % interval of each payer's total)", fontsize=10)
    handles, labels = ax.get_legend_handles_labels()
    order = {c.replace("_", " "): k for k, c in enumerate(CATEGORIES)}
    pairs = sorted(zip(handles, labels, strict=True), key=lambda hl: order.get(hl[1], 99))
    ax.legend([h for h, _ in pairs], [lab for _, lab in pairs], fontsize=8, loc="upper left",
              bbox_to_anchor=(1.01, 1.0), title="category", title_fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    return ax


def plot_validation(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Forest plot of a validation table: each check's tolerance, published and simulated value.

    Every row is scaled to its tolerance interval so that checks in different units share one
    axis: the tolerance is [0, 1] (one-sided tolerances are drawn open), the published value a
    diamond, the simulated value a dot (green inside, red outside; blue for a claim, which is
    assessed, not passed) with its 95 % interval.

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
        # a claim (role "claim", no pass) is assessed, not passed: drawn in blue
        colour = ("tab:blue" if pd.isna(row.passed) else "tab:green" if row.passed
                  else "tab:red")
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
