"""Cost model: prices the engine's record of a run by category and payer.

Every week of every spell is costed from the dated rates (:mod:`acsim.costs.rates`). Absolute
simulation week ``t`` is the date ``scenario.scenario.start_date + t weeks``, so a run that
crosses into 2020 uses the 2020 rates for the weeks after 1 January 2020. Nothing is re-planned
from the scenario: meetings and programmes are priced from the episodes the engine recorded
(:mod:`acsim.model.recorder`), each at the rates of its own date.

Categories, and who pays:

* **benefit** (dagpenge): experienced jobseekers at the maximum weekly rate, graduates at the
  graduate share of it (the spell table has no dependants, so the 71.5 % rate is used); a
  population on another benefit (``population.benefit``: cash benefit, flex-job
  unemployment benefit, resource-course or revalidation benefit) at that benefit's dated
  monthly rate x 12 / 52 (:mod:`acsim.costs.benefits`). The
  municipality pays the share of the financing scale for the spell's elapsed week (20 % in
  weeks 1-4, 60 % in 5-26, 70 % in 27-52, 80 % from 53); the state pays the rest. A spell's
  weeks are split exactly over the bands from its entry and exit, and over calendar years.
  ASSUMPTION: the band is the elapsed week of the current spell; the financing law counts
  the person's period on benefit, which need not restart with a new spell, so repeat spells
  may be put in too low a band.
* **wage_subsidy**: the weeks of a subsidised programme episode (to its end, or to the spell's
  exit if it is cut short) pay the employer subsidy per hour x the episode's hours per week
  instead of benefit. ASSUMPTION: the subsidy follows the same municipal/state scale as
  benefit; the private-employer rate is used for public employers too (no public rate in the
  sources).
* the other categories (**meetings_individual**, **meetings_group**, **programmes**,
  **provider**) come from the cost rules of the policy families
  (:func:`acsim.policies.registry.cost_rules`): each meeting held inside the window at the
  rates of its date, each programme week attended inside the window at the rate of the
  episode's start; see each family's module. A meeting or episode of a kind no registered
  family records is an error.

Meetings, programmes and the provider are municipal operating costs (ASSUMPTION: state
refunds of operating costs are not modelled).

Costs are counted inside a window of absolute weeks (default: week 0 to the end of the run;
weeks of stock spells before week 0 are not costed). Benefit, subsidies and programme weeks are
clipped to it exactly; a meeting counts if it was held inside it.

Weeks after the rates file's ``covers_until`` are costed at its last values. That is said (a
:class:`RatesCoverageWarning`) only when a costed week of a spell really lies after it, and
each such note once per process (:func:`note_rates_coverage`), however many costings,
replications or runs meet it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from acsim.costs.benefits import benefit_rate_names, weekly_benefit
from acsim.costs.inputs import CostInputs, RateStep, date_of, link_episodes, overlap, week_of
from acsim.costs.rates import Rates, default_rates
from acsim.model.recorder import MEETING_COLUMNS, PROGRAMME_COLUMNS

if TYPE_CHECKING:
    from acsim.spec.scenario import Scenario

__all__ = [
    "CATEGORIES",
    "CostSummary",
    "RatesCoverageWarning",
    "cost_summary",
    "costed_until",
    "full_year_persons",
    "note_rates_coverage",
    "spell_costs",
]

#: Cost categories, in the order of the summary table.
CATEGORIES = (
    "benefit", "meetings_individual", "meetings_group", "programmes", "wage_subsidy", "provider",
)
#: A full-year person (helårsperson) is 52 weeks on benefit.
WEEKS_PER_YEAR = 52.0
_NEEDED = ("entry_week", "exit_week", "graduate")
_EPS = 1e-9


class RatesCoverageWarning(UserWarning):
    """Weeks after the rates file's ``covers_until`` were costed at its last values."""


#: The rates-coverage notes already given in this process: each is given once.
_RATES_NOTES: set[str] = set()


def note_rates_coverage(last: date | None, rates: Rates | None = None, *,
                        stacklevel: int = 2) -> bool:
    """Say, once per process, that weeks up to ``last`` are costed at the last rates.

    Nothing is said when ``last`` is ``None`` or within the rates' coverage, nor when the same
    note (the same rates and last date) was already given in this process.

    Args:
        last: The date the last costed week ends (:func:`costed_until`), or ``None``.
        rates: The rates the weeks were costed from; the shipped Danish rates by default.
        stacklevel: Passed to :func:`warnings.warn` (counted from the caller).

    Returns:
        Whether a :class:`RatesCoverageWarning` was issued.

    """
    rates = rates or default_rates()
    covers = rates.meta.covers_until
    if last is None or last <= covers:
        return False
    message = (f"weeks from {covers} to {last} are costed at the last rates of {rates.source} "
               f"(it covers until {covers})")
    if message in _RATES_NOTES:
        return False
    _RATES_NOTES.add(message)
    warnings.warn(message, RatesCoverageWarning, stacklevel=stacklevel + 1)
    return True


def costed_until(spells: pd.DataFrame, scenario: Scenario, start_week: float | None = None,
                 end_week: float | None = None) -> date | None:
    """The date the last costed spell time ends, or ``None`` if no spell time is costed.

    Args:
        spells: The spell table (``entry_week``, ``exit_week``).
        scenario: The scenario (its start date, and its end as the default window end).
        start_week: Start of the costing window in absolute weeks (default 0).
        end_week: End of the window (default: the end of the run).

    Returns:
        The calendar date at which the latest spell time inside the window ends.

    """
    if spells.empty:
        return None
    lo, hi = _window(spells, scenario, start_week, end_week)
    e = spells["entry_week"].to_numpy(dtype=float)
    x = spells["exit_week"].to_numpy(dtype=float)
    a = np.maximum(e, lo)
    b = np.maximum(np.minimum(x, hi), a)
    live = b > a
    if not live.any():
        return None
    return date_of(scenario.scenario.start_date, float(b[live].max()))


def _scale_share(rates: Rates, start: date, weeks: np.ndarray, elapsed: np.ndarray) -> np.ndarray:
    """Municipal share at absolute ``weeks`` for spells ``elapsed`` weeks old."""
    step = RateStep(rates, "municipal_share_dagpenge", start)
    idx = step.index(weeks)
    out = np.zeros_like(weeks, dtype=float)
    for k, entry in enumerate(step.entries):
        lows = np.array([b.from_week for b in entry.brackets])  # type: ignore[union-attr]
        shares = np.array([b.share for b in entry.brackets])  # type: ignore[union-attr]
        band = np.clip(np.searchsorted(lows, elapsed, side="left") - 1, 0, len(lows) - 1)
        out = np.where(idx == k, shares[band], out)
    return out


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
    meetings: pd.DataFrame | None = None,
    programmes: pd.DataFrame | None = None,
    start_week: float | None = None,
    end_week: float | None = None,
    note_rates: bool = True,
) -> pd.DataFrame:
    """Cost every spell by category and payer (see the module docstring for the rules).

    Args:
        spells: The spell table (one row per spell), e.g. ``run(...).spells``.
        scenario: The scenario the spells were simulated with (start date, meeting length,
            group size, provider).
        rates: Dated rates; the shipped Danish rates by default.
        meetings: The meetings held (the record's ``meetings`` table); none if omitted.
        programmes: The programme episodes (the record's ``programmes`` table); none if
            omitted. Episodes are linked to spells by ``jobseeker_id`` and ``spell`` (and
            ``replication`` where both tables have it).
        start_week: Start of the costing window in absolute weeks (default 0).
        end_week: End of the window (default: the end of the run).
        note_rates: Say (once per process, :func:`note_rates_coverage`) when a costed week
            lies after the rates' coverage; :func:`acsim.experiments.run.run` passes ``False``
            and says it once for the whole run.

    Returns:
        A copy of ``spells`` with ``benefit_weeks`` (and by financing band), ``subsidy_weeks``,
        ``cost_<category>`` for each of :data:`CATEGORIES`, ``cost_meetings`` (individual +
        group), ``cost_total``, ``cost_state``, ``cost_municipality``, the municipal part of
        benefit and subsidy, and ``cost_in_window`` (the spell has time or a charge in the
        window). The window is kept in ``attrs["cost_window"]``.

    """
    from acsim.policies.registry import cost_rules

    _check(spells)
    rates = rates or default_rates()
    start = scenario.scenario.start_date
    lo, hi = _window(spells, scenario, start_week, end_week)
    df = spells.copy()
    e = df["entry_week"].to_numpy(dtype=float)
    x = df["exit_week"].to_numpy(dtype=float)
    grad = df["graduate"].to_numpy(dtype=bool)
    a_abs, b_abs = np.maximum(e, lo), np.maximum(np.minimum(x, hi), np.maximum(e, lo))
    inputs = CostInputs(
        spells=df,
        meetings=link_episodes(df, meetings, MEETING_COLUMNS[2:]),
        programmes=link_episodes(df, programmes, PROGRAMME_COLUMNS[2:]),
        scenario=scenario, rates=rates, lo=lo, hi=hi, entry=e, exit=x,
    )
    _check_kinds(inputs)
    sub_a, sub_b, sub_h = _subsidised_intervals(inputs)

    # Breakpoints of every piecewise-constant rate, then pieces between them (n, K).
    scale0 = rates.scale("municipal_share_dagpenge", date_of(start, lo))
    lows = [b.from_week for b in scale0]
    benefit_type = scenario.population.benefit
    date_breaks = sorted({week_of(start, d) for name in (
        "dagpenge_max_week", "graduate_rate_share", "municipal_share_dagpenge",
        "wage_subsidy_private_hour", *benefit_rate_names(benefit_type))
        for d in rates.change_dates(name)})
    cols = [a_abs, b_abs] + [e + w for w in lows[1:]] + [np.full_like(e, t) for t in date_breaks]
    cols += [sub_a[:, j] for j in range(sub_a.shape[1])]
    cols += [sub_b[:, j] for j in range(sub_b.shape[1])]
    pts = np.sort(np.clip(np.column_stack(cols), a_abs[:, None], b_abs[:, None]), axis=1)
    length = np.diff(pts, axis=1)
    live = length > 0
    mid = np.where(live, (pts[:, 1:] + pts[:, :-1]) / 2, np.maximum(lo, a_abs)[:, None])
    elapsed = mid - e[:, None]
    if note_rates:
        note_rates_coverage(costed_until(spells, scenario, lo, hi), rates, stacklevel=2)

    in_sub = np.zeros_like(mid)
    sub_hours = np.zeros_like(mid)
    for j in range(sub_a.shape[1]):
        inside = (mid > sub_a[:, j, None]) & (mid < sub_b[:, j, None])
        in_sub += inside
        sub_hours += inside * sub_h[:, j, None]
    on_benefit = length * np.clip(1.0 - in_sub, 0.0, 1.0)

    weekly = weekly_benefit(rates, benefit_type, start, mid, grad)
    share = _scale_share(rates, start, mid, elapsed)
    benefit = on_benefit * weekly
    subsidy = length * sub_hours * RateStep(rates, "wage_subsidy_private_hour", start)(mid)

    df["benefit_weeks"] = on_benefit.sum(axis=1)
    band = np.clip(np.searchsorted(lows, elapsed, side="left") - 1, 0, len(lows) - 1)
    for k, low in enumerate(lows):
        upper = f"{int(lows[k + 1])}" if k + 1 < len(lows) else "plus"
        label = f"{int(low) + 1}_{upper}"
        df[f"benefit_weeks_{label}"] = (on_benefit * (band == k)).sum(axis=1)
    df["subsidy_weeks"] = (length * np.clip(in_sub, 0.0, 1.0)).sum(axis=1)
    df["cost_benefit"] = benefit.sum(axis=1)
    df["cost_benefit_municipality"] = (benefit * share).sum(axis=1)
    df["cost_wage_subsidy"] = subsidy.sum(axis=1)
    df["cost_wage_subsidy_municipality"] = (subsidy * share).sum(axis=1)

    # Every other category is priced by the cost rules of the policy families.
    priced = {c: np.zeros(len(df)) for c in CATEGORIES if c not in ("benefit", "wage_subsidy")}
    for family, rule in cost_rules():
        for cat, values in rule(inputs).items():
            if cat not in priced:
                raise ValueError(f"the cost rule of {family!r} returned an unknown category "
                                 f"{cat!r}; expected one of {sorted(priced)}")
            priced[cat] = priced[cat] + np.asarray(values, dtype=float)
    for cat, values in priced.items():
        df[f"cost_{cat}"] = values
    df["cost_meetings"] = df["cost_meetings_individual"] + df["cost_meetings_group"]

    cats = [f"cost_{c}" for c in CATEGORIES]
    df["cost_total"] = df[cats].sum(axis=1)
    df["cost_municipality"] = (df["cost_total"] - df["cost_benefit"] - df["cost_wage_subsidy"]
                               + df["cost_benefit_municipality"]
                               + df["cost_wage_subsidy_municipality"])
    df["cost_state"] = df["cost_total"] - df["cost_municipality"]
    df["cost_in_window"] = (b_abs > a_abs) | (df["cost_total"].to_numpy() > 0)
    df.attrs["cost_window"] = (lo, hi)
    return df


def _check_kinds(inputs: CostInputs) -> None:
    """Every recorded meeting and episode is of a kind some registered family records."""
    from acsim.policies.registry import families

    meeting_kinds = {k for f in families() for k in f.meeting_kinds}
    programme_kinds = {f.name for f in families() if f.is_programme}
    for table, known, what in ((inputs.meetings, meeting_kinds, "meeting"),
                               (inputs.programmes, programme_kinds, "programme")):
        unknown = sorted(set(table["kind"].astype(str)) - known)
        if unknown:
            raise ValueError(f"the record has {what} kind(s) {unknown} that no registered "
                             f"policy family records (known: {sorted(known)})")


def _subsidised_intervals(inputs: CostInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Absolute ``[a, b)`` and hours of each spell's subsidised episodes, shape (n, J)."""
    p = inputs.programmes
    p = p[p["subsidised"].astype(bool)]
    n = inputs.n
    rows = p["row"].to_numpy(dtype=np.int64)
    slot = p.groupby("row", sort=False).cumcount().to_numpy() if len(p) else rows
    width = int(slot.max()) + 1 if len(p) else 1
    a, b, h = np.zeros((n, width)), np.zeros((n, width)), np.zeros((n, width))
    a[:] = inputs.entry[:, None]
    b[:] = inputs.entry[:, None]
    a[rows, slot] = p["start"].to_numpy(dtype=float)
    b[rows, slot] = p["end"].to_numpy(dtype=float)
    h[rows, slot] = p["hours_per_week"].to_numpy(dtype=float)
    return a, b, h


def _replications(spells: pd.DataFrame) -> int:
    if "replication" in spells.columns and len(spells):
        return int(spells["replication"].nunique())
    return 1


def full_year_persons(
    spells: pd.DataFrame,
    start_week: float,
    end_week: float,
    programmes: pd.DataFrame | None = None,
) -> float:
    """Full-year persons on benefit (helårspersoner) per year of the window ``[start, end)``.

    Benefit weeks in the window / 52 / years of the window, i.e. benefit weeks / window weeks:
    the average number on benefit (for a one-year window, benefit weeks / 52). Subsidised
    weeks are not benefit weeks: with the record's programme episodes they are taken out where
    they happened, without them spread proportionally over each spell (from the spell table's
    ``subsidised_weeks``). The mean over replications.
    """
    _check(spells)
    if not end_week > start_week:
        raise ValueError(f"end_week ({end_week}) must be after start_week ({start_week})")
    e = spells["entry_week"].to_numpy(dtype=float)
    x = spells["exit_week"].to_numpy(dtype=float)
    total = overlap(e, x, start_week, end_week)
    if programmes is not None:
        p = link_episodes(spells, programmes, PROGRAMME_COLUMNS[2:])
        p = p[p["subsidised"].astype(bool)]
        sub = overlap(p["start"].to_numpy(float), p["end"].to_numpy(float), start_week, end_week)
        weeks = total.sum() - sub.sum()
    else:
        dur = np.maximum(x - e, _EPS)
        frac = np.clip(spells["subsidised_weeks"].fillna(0.0).to_numpy(float) / dur, 0.0, 1.0)
        weeks = np.sum(total * (1.0 - frac))
    return float(weeks / (end_week - start_week) / _replications(spells))


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
