"""Cost model: post-processing of the spell table into costs by category and payer.

Every week of every spell is costed from the dated rates (:mod:`acsim.costs.rates`). Absolute
simulation week ``t`` is the date ``scenario.scenario.start_date + t weeks``, so a run that
crosses into 2020 uses the 2020 rates for the weeks after 1 January 2020.

Categories, and who pays:

* **benefit** (dagpenge): experienced jobseekers at the maximum weekly rate, graduates at the
  graduate share of it (the spell table has no dependants, so the 71.5 % rate is used). The
  municipality pays the share of the financing scale for the spell's elapsed week (20 % in
  weeks 1-4, 60 % in 5-26, 70 % in 27-52, 80 % from 53); the state pays the rest. A spell's
  weeks are split exactly over the bands from its entry and exit, and over calendar years.
  ASSUMPTION: the band is the elapsed week of the current spell; the financing law counts
  the person's period on benefit, which need not restart with a new spell, so repeat spells
  may be put in too low a band.
* **wage_subsidy**: subsidised weeks pay the employer subsidy per hour x the programme's
  ``hours_per_week`` instead of benefit. Their timing is not recorded: they are placed at the
  start week of the spell's wage-subsidy programme(s) as the scenario gives it, up to the
  spell's exit (so a subsidy cut short by the exit is costed as subsidy, although the
  ``subsidised_weeks`` column counts only completed ones). Where the recorded
  ``subsidised_weeks`` disagree with that placement (e.g. a programme started at a
  spell-specific week), they are spread proportionally over the spell and the row's
  ``subsidy_timing`` says ``"proportional"``. ASSUMPTION: the subsidy follows the same
  municipal/state scale as benefit; the private-employer rate is used for public employers
  too (no public rate in the sources).
* **meetings_individual**: caseworker hours (``staffing.meeting_minutes`` plus preparation and
  recording) x the caseworker cost per hour; none when a private provider runs the contact
  course (its price covers the meetings).
* **meetings_group**: caseworker hours per session shared among ``meetings.group.size``.
* **programmes**: operating cost per participant-week of activation (per hour x
  ``hours_per_week``), courses and internships, for the weeks attended (to the spell's exit).
* **provider**: the price per spell of a private provider, charged at the spell's entry (at
  week 0 for spells of the initial stock).

Meetings, programmes and the provider are municipal operating costs (ASSUMPTION: state
refunds of operating costs are not modelled).

Costs are counted inside a window of absolute weeks (default: week 0 to the end of the run;
weeks of stock spells before week 0 are not costed). Benefit, subsidies and programmes are
clipped to it exactly; meetings, whose times are not recorded, are prorated by the share of
the spell's observed time inside the window.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from acsim.costs.rates import Rates, default_rates

if TYPE_CHECKING:
    from acsim.spec.scenario import Scenario

__all__ = [
    "CATEGORIES",
    "FULL_TIME_HOURS",
    "CostSummary",
    "RatesCoverageWarning",
    "cost_summary",
    "full_year_persons",
    "spell_costs",
]

#: Cost categories, in the order of the summary table.
CATEGORIES = (
    "benefit", "meetings_individual", "meetings_group", "programmes", "wage_subsidy", "provider",
)
#: A full-time week in Denmark (hours), used for subsidised weeks of unknown programme.
FULL_TIME_HOURS = 37.0
#: A full-year person (helårsperson) is 52 weeks on benefit.
WEEKS_PER_YEAR = 52.0
_NEEDED = ("entry_week", "exit_week", "graduate", "meetings_held", "group_meetings",
           "programmes", "subsidised_weeks")
_EPS = 1e-9


class RatesCoverageWarning(UserWarning):
    """Weeks after the rates file's ``covers_until`` were costed at its last values."""


# -- dated rates as step functions of the absolute week -----------------------------------------
def _week_of(start: date, d: date) -> float:
    return (d - start).days / 7.0


def _date_of(start: date, week: float) -> date:
    return start + timedelta(days=math.floor(7.0 * week))


class _Step:
    """A dated parameter as a step function of the absolute simulation week."""

    def __init__(self, rates: Rates, name: str, start: date) -> None:
        self.name, self.rates, self.start = name, rates, start
        entries = rates.parameter(name).values
        self.breaks = np.array([_week_of(start, v.valid_from) for v in entries])
        self.entries = entries

    def index(self, weeks: np.ndarray) -> np.ndarray:
        weeks = np.asarray(weeks, dtype=float)
        if weeks.size and np.nanmin(weeks) < self.breaks[0]:
            first = _date_of(self.start, float(np.nanmin(weeks)))
            self.rates.entry(self.name, first)  # raises ScenarioError naming file and key
        return np.searchsorted(self.breaks, weeks, side="right") - 1

    def __call__(self, weeks: np.ndarray) -> np.ndarray:
        vals = np.array([v.value for v in self.entries])  # type: ignore[union-attr]
        return vals[self.index(weeks)]


def _scale_share(rates: Rates, start: date, weeks: np.ndarray, elapsed: np.ndarray) -> np.ndarray:
    """Municipal share at absolute ``weeks`` for spells ``elapsed`` weeks old."""
    step = _Step(rates, "municipal_share_dagpenge", start)
    idx = step.index(weeks)
    out = np.zeros_like(weeks, dtype=float)
    for k, entry in enumerate(step.entries):
        lows = np.array([b.from_week for b in entry.brackets])  # type: ignore[union-attr]
        shares = np.array([b.share for b in entry.brackets])  # type: ignore[union-attr]
        band = np.clip(np.searchsorted(lows, elapsed, side="left") - 1, 0, len(lows) - 1)
        out = np.where(idx == k, shares[band], out)
    return out


# -- where in each spell the programmes fall -------------------------------------------------
@dataclass
class _Plan:
    sub_a: np.ndarray  # (n, J) subsidised intervals in spell weeks, [a, b)
    sub_b: np.ndarray
    sub_h: np.ndarray  # hours per week of each interval
    frac: np.ndarray  # (n,) proportional share of subsidised time (fallback)
    frac_h: np.ndarray  # hours per week for the fallback
    timing: np.ndarray  # "none" / "scenario" / "proportional"
    progs: list[tuple[np.ndarray, float, float, str, float]]  # (rows, start, end cap, kind, h)


def _plan(df: pd.DataFrame, scenario: Scenario) -> _Plan:
    by_name: dict[str, object] = {}
    for p in scenario.programmes:
        by_name.setdefault(p.name, p)
    ws_hours = [p.hours_per_week for p in scenario.programmes if p.kind == "wage_subsidy"]
    default_h = float(np.mean(ws_hours)) if ws_hours else FULL_TIME_HOURS
    n = len(df)
    lists = df["programmes"].fillna("").astype(str).to_numpy()
    groups = pd.Series(np.arange(n)).groupby(lists).indices
    parsed = {key: [s for s in key.split(";") if s] for key in groups}
    width = max([1] + [sum(by_name[s].kind == "wage_subsidy" for s in names if s in by_name)
                       for names in parsed.values()])
    sub_a, sub_b = np.zeros((n, width)), np.zeros((n, width))
    sub_h = np.zeros((n, width))
    frac, frac_h = np.zeros(n), np.full(n, default_h)
    dur = (df["exit_week"] - df["entry_week"]).to_numpy(dtype=float)
    recorded = df["subsidised_weeks"].fillna(0.0).to_numpy(dtype=float)
    progs: list[tuple[np.ndarray, float, float, str, float]] = []
    for key, rows in groups.items():
        completed = np.zeros(len(rows))
        slot = 0
        for name in parsed[key]:
            if name not in by_name:
                known = ", ".join(repr(k) for k in by_name) or "none"
                raise ValueError(f"the spell table lists programme {name!r}, which the scenario "
                                 f"does not define (its programmes: {known}); pass the scenario "
                                 "the spells were simulated with")
            p = by_name[name]
            s, d = float(p.start_week), float(p.duration_weeks)
            if p.kind == "wage_subsidy":
                sub_a[rows, slot] = s
                sub_b[rows, slot] = np.clip(dur[rows], s, s + d)
                sub_h[rows, slot] = p.hours_per_week
                completed += np.where(dur[rows] >= s + d - 1e-7, d, 0.0)
                slot += 1
            else:
                progs.append((rows, s, s + d, p.kind, float(p.hours_per_week)))
        bad = rows[np.abs(completed - recorded[rows]) > 1e-6]
        if bad.size:  # the scenario's timing does not explain the recorded weeks
            sub_a[bad], sub_b[bad] = 0.0, 0.0
            frac[bad] = np.where(dur[bad] > 0, recorded[bad] / np.maximum(dur[bad], _EPS), 0.0)
            hours = [by_name[s].hours_per_week for s in parsed[key]
                     if by_name[s].kind == "wage_subsidy"]
            if hours:
                frac_h[bad] = float(np.mean(hours))
    timing = np.where(frac > 0, "proportional",
                      np.where((sub_b - sub_a).sum(axis=1) > 0, "scenario", "none"))
    return _Plan(sub_a, sub_b, sub_h, np.clip(frac, 0.0, 1.0), frac_h, timing, progs)


def _overlap(a: np.ndarray, b: np.ndarray, lo: float | np.ndarray, hi: float | np.ndarray):
    return np.maximum(0.0, np.minimum(b, hi) - np.maximum(a, lo))


def _window(df: pd.DataFrame, scenario: Scenario, start_week: float | None,
            end_week: float | None) -> tuple[float, float]:
    lo = 0.0 if start_week is None else float(start_week)
    hi = scenario.scenario.end_week if end_week is None else float(end_week)
    if not hi > lo:
        raise ValueError(f"end_week ({hi}) must be after start_week ({lo})")
    return lo, hi


def _check(df: pd.DataFrame) -> None:
    missing = [c for c in _NEEDED if c not in df.columns]
    if missing:
        raise ValueError(f"the spell table lacks column(s) {missing}")


# -- public API ----------------------------------------------------------------------------
def spell_costs(
    spells: pd.DataFrame,
    scenario: Scenario,
    rates: Rates | None = None,
    *,
    start_week: float | None = None,
    end_week: float | None = None,
) -> pd.DataFrame:
    """Cost every spell by category and payer (see the module docstring for the rules).

    Args:
        spells: The spell table (one row per spell), e.g. ``run(...).spells``.
        scenario: The scenario the spells were simulated with (start date, programmes,
            meeting length, group size, provider).
        rates: Dated rates; the shipped Danish rates by default.
        start_week: Start of the costing window in absolute weeks (default 0).
        end_week: End of the window (default: the end of the run).

    Returns:
        A copy of ``spells`` with ``benefit_weeks`` (and by financing band), ``subsidy_weeks``,
        ``subsidy_timing``, ``cost_<category>`` for each of :data:`CATEGORIES`,
        ``cost_meetings`` (individual + group), ``cost_total``, ``cost_state``,
        ``cost_municipality``, the municipal part of benefit and subsidy, and
        ``cost_in_window`` (the spell has time or a charge in the window). The window is kept
        in ``attrs["cost_window"]``.

    """
    _check(spells)
    rates = rates or default_rates()
    start = scenario.scenario.start_date
    lo, hi = _window(spells, scenario, start_week, end_week)
    df = spells.copy()
    e = df["entry_week"].to_numpy(dtype=float)
    x = df["exit_week"].to_numpy(dtype=float)
    grad = df["graduate"].to_numpy(dtype=bool)
    a_abs, b_abs = np.maximum(e, lo), np.maximum(np.minimum(x, hi), np.maximum(e, lo))
    plan = _plan(df, scenario)

    # Breakpoints of every piecewise-constant rate, then pieces between them (n, K).
    scale0 = rates.scale("municipal_share_dagpenge", _date_of(start, lo))
    lows = [b.from_week for b in scale0]
    date_breaks = sorted({_week_of(start, d) for name in (
        "dagpenge_max_week", "graduate_rate_share", "municipal_share_dagpenge",
        "wage_subsidy_private_hour") for d in rates.change_dates(name)})
    cols = [a_abs, b_abs] + [e + w for w in lows[1:]] + [np.full_like(e, t) for t in date_breaks]
    cols += [e + plan.sub_a[:, j] for j in range(plan.sub_a.shape[1])]
    cols += [e + plan.sub_b[:, j] for j in range(plan.sub_b.shape[1])]
    pts = np.sort(np.clip(np.column_stack(cols), a_abs[:, None], b_abs[:, None]), axis=1)
    length = np.diff(pts, axis=1)
    live = length > 0
    mid = np.where(live, (pts[:, 1:] + pts[:, :-1]) / 2, np.maximum(lo, a_abs)[:, None])
    elapsed = mid - e[:, None]
    if live.any():
        last = _date_of(start, float(b_abs.max()))
        if last > rates.meta.covers_until:
            warnings.warn(f"weeks up to {last} costed at the last rates of {rates.source} "
                          f"(it covers until {rates.meta.covers_until})",
                          RatesCoverageWarning, stacklevel=2)

    in_sub = np.zeros_like(mid)
    sub_hours = np.zeros_like(mid)
    for j in range(plan.sub_a.shape[1]):
        inside = (elapsed > plan.sub_a[:, j, None]) & (elapsed < plan.sub_b[:, j, None])
        in_sub += inside
        sub_hours += inside * plan.sub_h[:, j, None]
    in_sub += plan.frac[:, None]
    sub_hours += (plan.frac * plan.frac_h)[:, None]
    on_benefit = length * np.clip(1.0 - in_sub, 0.0, 1.0)

    weekly = _Step(rates, "dagpenge_max_week", start)(mid)
    weekly = weekly * np.where(grad[:, None], _Step(rates, "graduate_rate_share", start)(mid), 1.0)
    share = _scale_share(rates, start, mid, elapsed)
    benefit = on_benefit * weekly
    subsidy = length * sub_hours * _Step(rates, "wage_subsidy_private_hour", start)(mid)

    df["benefit_weeks"] = on_benefit.sum(axis=1)
    band = np.clip(np.searchsorted(lows, elapsed, side="left") - 1, 0, len(lows) - 1)
    for k, low in enumerate(lows):
        upper = f"{int(lows[k + 1])}" if k + 1 < len(lows) else "plus"
        label = f"{int(low) + 1}_{upper}"
        df[f"benefit_weeks_{label}"] = (on_benefit * (band == k)).sum(axis=1)
    df["subsidy_weeks"] = (length * np.clip(in_sub, 0.0, 1.0)).sum(axis=1)
    df["subsidy_timing"] = plan.timing
    df["cost_benefit"] = benefit.sum(axis=1)
    df["cost_benefit_municipality"] = (benefit * share).sum(axis=1)
    df["cost_wage_subsidy"] = subsidy.sum(axis=1)
    df["cost_wage_subsidy_municipality"] = (subsidy * share).sum(axis=1)

    # Meetings: prorated by the observed time inside the window.
    seen = np.maximum(e, 0.0)
    span = x - seen
    inside = _overlap(seen, x, lo, hi)
    prorate = np.where(span > 0, inside / np.where(span > 0, span, 1.0),
                       ((x >= lo) & (x <= hi)).astype(float))
    hour = _Step(rates, "caseworker_cost_hour", start)(np.maximum(seen, lo))
    prep = _Step(rates, "meeting_prep_recording_minutes", start)(np.maximum(seen, lo))
    private = scenario.provider.kind == "private"
    per_meeting = 0.0 if private else hour * (scenario.staffing.meeting_minutes + prep) / 60.0
    df["cost_meetings_individual"] = df["meetings_held"].to_numpy(float) * per_meeting * prorate
    group = scenario.meetings.group
    n_group = df["group_meetings"].to_numpy(float)
    if group is None and n_group.any():
        raise ValueError("the spell table has group meetings but the scenario has none")
    size = group.size if group is not None else 1
    hours = _Step(rates, "group_meeting_caseworker_hours", start)(np.maximum(seen, lo))
    df["cost_meetings_group"] = n_group * hour * hours / size * prorate
    df["cost_meetings"] = df["cost_meetings_individual"] + df["cost_meetings_group"]

    # Programmes: attended weeks inside the window x the weekly operating cost.
    prog = np.zeros(len(df))
    for rows, s, end, kind, h in plan.progs:
        a = e[rows] + s
        b = e[rows] + np.clip(x[rows] - e[rows], s, end)
        weeks = _overlap(a, b, lo, hi)
        if kind == "activation":
            per_week = _Step(rates, "activation_cost_participant_hour", start)(a) * h
        elif kind == "course":
            per_week = _Step(rates, "course_cost_week", start)(a)
        else:
            per_week = _Step(rates, "internship_cost_week", start)(a)
        prog[rows] += weeks * per_week
    df["cost_programmes"] = prog

    charged = (seen >= lo) & (seen < hi)
    price = scenario.provider.price_per_spell
    if private and price <= 0:
        price = _Step(rates, "private_provider_price_per_spell", start)(np.maximum(seen, lo))
    df["cost_provider"] = np.where(charged, price, 0.0) if private else 0.0

    cats = [f"cost_{c}" for c in CATEGORIES]
    df["cost_total"] = df[cats].sum(axis=1)
    df["cost_municipality"] = (df["cost_total"] - df["cost_benefit"] - df["cost_wage_subsidy"]
                               + df["cost_benefit_municipality"]
                               + df["cost_wage_subsidy_municipality"])
    df["cost_state"] = df["cost_total"] - df["cost_municipality"]
    df["cost_in_window"] = (b_abs > a_abs) | (df["cost_total"].to_numpy() > 0)
    df.attrs["cost_window"] = (lo, hi)
    return df


def _replications(spells: pd.DataFrame) -> int:
    if "replication" in spells.columns and len(spells):
        return int(spells["replication"].nunique())
    return 1


def full_year_persons(
    spells: pd.DataFrame,
    start_week: float,
    end_week: float,
    scenario: Scenario | None = None,
) -> float:
    """Full-year persons on benefit (helårspersoner) per year of the window ``[start, end)``.

    Benefit weeks in the window / 52 / years of the window, i.e. benefit weeks / window weeks:
    the average number on benefit (for a one-year window, benefit weeks / 52). Subsidised
    weeks are not benefit weeks: with the scenario they are placed as in :func:`spell_costs`,
    without it spread proportionally over each spell (as
    :func:`acsim.analysis.outcomes.full_year_persons`). The mean over replications.
    """
    _check(spells)
    if not end_week > start_week:
        raise ValueError(f"end_week ({end_week}) must be after start_week ({start_week})")
    e = spells["entry_week"].to_numpy(dtype=float)
    x = spells["exit_week"].to_numpy(dtype=float)
    total = _overlap(e, x, start_week, end_week)
    if scenario is not None:
        plan = _plan(spells, scenario)
        sub = sum(_overlap(e + plan.sub_a[:, j], e + plan.sub_b[:, j], start_week, end_week)
                  for j in range(plan.sub_a.shape[1]))
        weeks = total - sub - plan.frac * total
    else:
        dur = np.maximum(x - e, _EPS)
        frac = np.clip(spells["subsidised_weeks"].fillna(0.0).to_numpy(float) / dur, 0.0, 1.0)
        weeks = total * (1.0 - frac)
    return float(np.sum(weeks) / (end_week - start_week) / _replications(spells))


# -- summaries -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CostSummary:
    """Costs of a costed spell table, per year of the window and per unit.

    Attributes:
        table: One row per category of :data:`CATEGORIES` plus ``total``; columns
            ``per_year``, ``state_per_year``, ``municipality_per_year`` (mean over
            replications), ``per_spell`` and ``per_full_year_person``.
        years: Length of the costing window in years (52 weeks).
        replications: Replications the totals are averaged over.
        spells_per_year: Spells with time or a charge in the window, per year.
        full_year_persons_per_year: Benefit weeks per year / 52 (helårspersoner).

    """

    table: pd.DataFrame
    years: float
    replications: int
    spells_per_year: float
    full_year_persons_per_year: float

    def per_year(self, category: str = "total", payer: str = "all") -> float:
        """Yearly cost of a category for ``payer`` in ``"all"``, ``"state"``, ``"municipality"``."""
        column = {"all": "per_year", "state": "state_per_year",
                  "municipality": "municipality_per_year"}[payer]
        return float(self.table.loc[category, column])

    @property
    def benefit_per_full_year_person(self) -> float:
        """Benefit paid per full-year person on benefit."""
        return float(self.table.loc["benefit", "per_full_year_person"])


def cost_summary(
    costed: pd.DataFrame,
    *,
    start_week: float | None = None,
    end_week: float | None = None,
) -> CostSummary:
    """Summarise a table from :func:`spell_costs`: per spell, per full-year person, per year.

    The window defaults to the one :func:`spell_costs` used (``attrs["cost_window"]``). Yearly
    figures are totals / replications / years of the window. Spells censored at the end of the
    window are counted with their costs so far, so ``per_spell`` is a cost per spell *in the
    window*, not per completed spell.
    """
    if "cost_total" not in costed.columns:
        raise ValueError("cost_summary needs the output of spell_costs()")
    window = costed.attrs.get("cost_window")
    lo = start_week if start_week is not None else (window[0] if window else None)
    hi = end_week if end_week is not None else (window[1] if window else None)
    if lo is None or hi is None:
        raise ValueError("the costing window is unknown: pass start_week and end_week")
    years = (hi - lo) / WEEKS_PER_YEAR
    reps = _replications(costed)
    n_spells = int(costed["cost_in_window"].sum())
    fyp = float(costed["benefit_weeks"].sum()) / WEEKS_PER_YEAR / reps / years
    rows = {}
    for cat in (*CATEGORIES, "total"):
        total = float(costed[f"cost_{cat}"].sum())
        if cat == "total":
            muni = float(costed["cost_municipality"].sum())
        elif cat in ("benefit", "wage_subsidy"):
            muni = float(costed[f"cost_{cat}_municipality"].sum())
        else:
            muni = total
        per_year = total / reps / years
        rows[cat] = {
            "per_year": per_year,
            "state_per_year": (total - muni) / reps / years,
            "municipality_per_year": muni / reps / years,
            "per_spell": total / n_spells if n_spells else math.nan,
            "per_full_year_person": per_year / fyp if fyp > 0 else math.nan,
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "category"
    return CostSummary(table, years, reps, n_spells / reps / years, fyp)
