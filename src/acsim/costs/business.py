"""Business cases: an investment against the benefit it saves, with break-even.

Two ways in: from two cost summaries (a simulated baseline and variant, see
:func:`paired_business_case` for intervals over paired replications), or from the figures a
municipal investment model publishes (extra spending, full-year persons saved, benefit per
full-year person), whose arithmetic the tests check against seed 003 table 5.5 and seed 001.

Every case is given in total (a year, for the baseline's population), per entrant (a spell
begun in the analysis window) and per full-year person on benefit of the baseline. A case
between populations of different size is refused (:func:`size_difference` says why): its
"savings" would be the size gap, not a policy effect. Compare policies on one population
instead (:meth:`acsim.spec.scenario.Scenario.transplant`), or ask for a case normalised per
entrant (``normalise=True``): the variant's costs per entrant applied to the baseline's entrants.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from acsim.analysis.intervals import t_interval
from acsim.costs.model import WEEKS_PER_YEAR, CostSummary, cost_summary, spell_costs  # noqa: F401
from acsim.exceptions import ScenarioError

__all__ = [
    "SIZE_TOLERANCE",
    "BusinessCase",
    "PairedBusinessCase",
    "business_case",
    "entrants_per_year",
    "paired_business_case",
    "participants_by_replication",
    "size_difference",
]

_EPS = 1e-9
#: Largest relative difference in entrants a year between baseline and variant that a business
#: case in totals accepts (beyond it, and beyond replication noise, the sizes differ).
SIZE_TOLERANCE = 0.05
#: What to do instead of a business case between populations of different size.
_ADVICE = ("compare policies on one population: transplant the other scenario's policy into "
           "the baseline (acsim compare BASE.toml --transplant OTHER.toml:programmes, or "
           "Scenario.transplant), or ask for a case per entrant (normalise=True, --per-person)")


@dataclass(frozen=True)
class BusinessCase:
    """An investment against the benefit it saves, by year, with break-even.

    The investment is municipal spending, spread evenly over ``spending_years``; savings
    accrue evenly from ``savings_lag_weeks`` to the horizon. ``net`` is the public-sector view
    (all benefit saved, state and municipality, minus the investment); ``net_municipality``
    counts only the municipality's share of the savings.

    Attributes:
        investment_per_year: Extra spending per year while it lasts.
        spending_years: Years the spending lasts.
        horizon_years: Years the case runs.
        savings_lag_weeks: Weeks before savings start.
        full_year_persons_saved_per_year: Fewer full-year persons on benefit per year.
        benefit_per_full_year_person: Benefit per full-year person (52 weeks).
        savings_per_year: Benefit (and subsidy) saved per year, all payers.
        savings_municipality_per_year: The municipality's part (NaN if not given).
        by_year: Investment, savings, net and cumulative net by year of the case.
        break_even_week: First week at which cumulative savings cover the cumulative
            investment (public view), ``None`` if not within the horizon.
        break_even_week_municipality: The same for the municipality's savings.
        entrants_per_year: Spells begun a year in the baseline (the population the case is
            for; NaN if not known): the denominator of the ``*_per_entrant`` figures.
        full_year_persons_per_year: Full-year persons on benefit a year in the baseline (NaN
            if not known): the denominator of the ``*_per_full_year_person`` figures.
        normalised: True if the variant's figures were scaled per entrant to the baseline's
            entrants (populations of different size), False if they are its own totals.
        participants_per_year: Those the investment is for, a year: spells that began a
            programme the baseline does not have (NaN if not known); the denominator of the
            ``*_per_participant`` figures.
        municipal_share_of_savings: The municipality's share of a benefit week saved (from
            the baseline's benefit and subsidy costs; NaN if not known).

    The break-even effect is the saving that would make the investment pay:
    ``break_even_full_year_persons`` fewer full-year persons on benefit a year, or
    ``break_even_weeks_per_participant`` fewer benefit weeks per participant (for the
    public sector; ``..._municipality`` for the municipality alone), to set beside
    ``weeks_saved_per_participant``, what the simulation gives.

    The ``*_per_entrant`` figures are the yearly figures over the entrants of a year: what the
    policy costs and saves for each jobseeker who begins a spell. The
    ``*_per_full_year_person`` figures divide by the baseline's full-year persons instead.

    """

    investment_per_year: float
    spending_years: float
    horizon_years: float
    savings_lag_weeks: float
    full_year_persons_saved_per_year: float
    benefit_per_full_year_person: float
    savings_per_year: float
    savings_municipality_per_year: float
    by_year: pd.DataFrame
    break_even_week: float | None
    break_even_week_municipality: float | None
    entrants_per_year: float = math.nan
    full_year_persons_per_year: float = math.nan
    normalised: bool = False
    participants_per_year: float = math.nan
    municipal_share_of_savings: float = math.nan

    @property
    def investment_total(self) -> float:
        """Total extra spending."""
        return self.investment_per_year * self.spending_years

    @property
    def savings_state_per_year(self) -> float:
        """The state's part of the yearly savings."""
        return self.savings_per_year - self.savings_municipality_per_year

    @property
    def net_per_year(self) -> float:
        """Savings minus investment in a year with both (public view)."""
        return self.savings_per_year - self.investment_per_year

    @property
    def net_municipality_per_year(self) -> float:
        """Municipal savings minus investment in a year with both."""
        return self.savings_municipality_per_year - self.investment_per_year

    def _per(self, value: float, denominator: float) -> float:
        return value / denominator if denominator > 0 else math.nan

    @property
    def investment_per_entrant(self) -> float:
        """Extra spending per spell begun (a year's spending over a year's entrants)."""
        return self._per(self.investment_per_year, self.entrants_per_year)

    @property
    def savings_per_entrant(self) -> float:
        """Benefit and subsidy saved per spell begun, all payers."""
        return self._per(self.savings_per_year, self.entrants_per_year)

    @property
    def savings_municipality_per_entrant(self) -> float:
        """The municipality's savings per spell begun."""
        return self._per(self.savings_municipality_per_year, self.entrants_per_year)

    @property
    def net_per_entrant(self) -> float:
        """Savings minus investment per spell begun (public view)."""
        return self._per(self.net_per_year, self.entrants_per_year)

    @property
    def net_municipality_per_entrant(self) -> float:
        """Municipal savings minus investment per spell begun."""
        return self._per(self.net_municipality_per_year, self.entrants_per_year)

    @property
    def investment_per_full_year_person(self) -> float:
        """Extra spending per full-year person on benefit of the baseline."""
        return self._per(self.investment_per_year, self.full_year_persons_per_year)

    @property
    def savings_per_full_year_person(self) -> float:
        """Savings per full-year person on benefit of the baseline, all payers."""
        return self._per(self.savings_per_year, self.full_year_persons_per_year)

    @property
    def net_per_full_year_person(self) -> float:
        """Savings minus investment per full-year person of the baseline (public view)."""
        return self._per(self.net_per_year, self.full_year_persons_per_year)

    @property
    def break_even_full_year_persons(self) -> float:
        """Fewer full-year persons on benefit a year that would pay the investment."""
        return self._per(self.investment_per_year, self.benefit_per_full_year_person)

    @property
    def weeks_saved_per_participant(self) -> float:
        """Benefit weeks saved a year (all entrants) per participant a year."""
        return self._per(self.full_year_persons_saved_per_year * WEEKS_PER_YEAR,
                         self.participants_per_year)

    @property
    def break_even_weeks_per_participant(self) -> float:
        """Benefit weeks fewer per participant that would pay the investment (public view)."""
        return self._per(self.break_even_full_year_persons * WEEKS_PER_YEAR,
                         self.participants_per_year)

    @property
    def break_even_weeks_per_participant_municipality(self) -> float:
        """The same for the municipality alone (its share of each benefit week saved)."""
        return self._per(self.break_even_weeks_per_participant,
                         self.municipal_share_of_savings)


def _cumulative(rate: float, start: float, end: float, t: float) -> float:
    return rate * max(0.0, min(t, end) - start) if end > start else 0.0


def _break_even(spend: float, s_end: float, save: float, lag: float, h_end: float) -> float | None:
    def net(t: float) -> float:
        return _cumulative(save, lag, h_end, t) - _cumulative(spend, 0.0, s_end, t)

    points = sorted({p for p in (0.0, lag, s_end, h_end) if 0.0 <= p <= h_end})
    for a, b in zip(points, points[1:], strict=False):
        na, nb = net(a), net(b)
        if a == 0.0 and abs(na) <= _EPS and nb >= -_EPS and save > 0:
            return 0.0
        if na < -_EPS and nb >= -_EPS:
            return a + (-na) * (b - a) / (nb - na)
    return None


def business_case(
    baseline: CostSummary | None = None,
    variant: CostSummary | None = None,
    *,
    extra_spending_per_year: float | None = None,
    full_year_persons_saved_per_year: float | None = None,
    benefit_per_full_year_person: float | None = None,
    municipal_share: float | None = None,
    horizon_years: float = 1.0,
    spending_years: float | None = None,
    savings_lag_weeks: float = 0.0,
    entrants_per_year: float | tuple[float, float] | None = None,
    normalise: bool = False,
    size_tolerance: float = SIZE_TOLERANCE,
    participants_per_year: float = math.nan,
) -> BusinessCase:
    """A business case from two cost summaries, or from the published kind of inputs.

    From summaries: the investment is the variant's extra operating cost per year (meetings,
    programmes, provider), the savings are the baseline's minus the variant's benefit and
    wage-subsidy cost per year, split by payer as the summaries split them. With
    ``entrants_per_year = (baseline, variant)`` the sizes are checked: if they differ by more
    than ``size_tolerance`` (relative) the case is refused, unless ``normalise``; then every
    figure of the variant is scaled by baseline / variant entrants, i.e. the case compares
    costs per entrant and states them for the baseline's entrants.

    From published inputs: savings per year = ``full_year_persons_saved_per_year`` x
    ``benefit_per_full_year_person``; the municipality's part is ``municipal_share`` of it
    (NaN if not given). This is the arithmetic of municipal investment models, e.g. Odense's
    "48 fuldtidspersoner ... ydelsesbesparelse på 6 mio. kr. årligt" (seed 003 table 5.5).

    Args:
        baseline: Cost summary of the baseline.
        variant: Cost summary of the variant (same window length).
        extra_spending_per_year: Investment per year (DKK).
        full_year_persons_saved_per_year: Fewer full-year persons on benefit per year.
        benefit_per_full_year_person: Benefit per full-year person (DKK).
        municipal_share: Share of the benefit saved that the municipality would have paid.
        horizon_years: Years over which the case is made.
        spending_years: Years the investment lasts (default: the horizon).
        savings_lag_weeks: Weeks from the start of spending to the first savings.
        entrants_per_year: Spells begun a year: ``(baseline, variant)`` with summaries (one
            number if both are the same), one number with published inputs. It gives the
            ``*_per_entrant`` figures and the size check; without it they are NaN.
        normalise: Scale the variant per entrant to the baseline's entrants instead of
            refusing populations of different size.
        size_tolerance: Largest relative difference in entrants accepted without
            ``normalise``.
        participants_per_year: Those the investment is for, a year (for the break-even
            effect per participant).

    Raises:
        ScenarioError: The entrants differ by more than ``size_tolerance`` and ``normalise``
            is False: the case would count the size gap as savings.
        ValueError: Inconsistent arguments.

    """
    if isinstance(entrants_per_year, tuple):
        n_base, n_var = (float(v) for v in entrants_per_year)
    elif entrants_per_year is None:
        n_base = n_var = math.nan
    else:
        n_base = n_var = float(entrants_per_year)
    scale = 1.0
    if baseline is not None and not (math.isnan(n_base) or math.isnan(n_var)):
        if not (n_base > 0 and n_var > 0):
            raise ValueError(f"entrants_per_year must be positive; got {n_base:g}, {n_var:g}")
        gap = n_var / n_base - 1.0
        if normalise:
            scale = n_base / n_var
        elif abs(gap) > size_tolerance:
            raise ScenarioError(
                "business case", "population",
                f"the variant has {n_var:,.0f} entrants a year against the baseline's "
                f"{n_base:,.0f} ({gap:+.0%}, more than the {size_tolerance:.0%} tolerated): "
                f"its savings would be the size gap, not a policy effect; {_ADVICE}")
    elif normalise and baseline is not None:
        raise ValueError("normalise needs entrants_per_year=(baseline, variant)")
    explicit = (extra_spending_per_year, full_year_persons_saved_per_year,
                benefit_per_full_year_person)
    if (baseline is None) != (variant is None):
        raise ValueError("pass both baseline and variant summaries, or neither")
    if baseline is not None and variant is not None:
        if any(v is not None for v in explicit):
            raise ValueError("pass either two summaries or the explicit figures, not both")
        operating = ("meetings_individual", "meetings_group", "programmes", "provider")
        invest = sum(scale * variant.per_year(c) - baseline.per_year(c) for c in operating)
        saved = sum(baseline.per_year(c) - scale * variant.per_year(c)
                    for c in ("benefit", "wage_subsidy"))
        saved_muni = sum(baseline.per_year(c, "municipality")
                         - scale * variant.per_year(c, "municipality")
                         for c in ("benefit", "wage_subsidy"))
        fyp_saved = (baseline.full_year_persons_per_year
                     - scale * variant.full_year_persons_per_year)
        per_fyp = baseline.benefit_per_full_year_person
        fyp_base = baseline.full_year_persons_per_year
        paid = sum(baseline.per_year(c) for c in ("benefit", "wage_subsidy"))
        muni_share = (sum(baseline.per_year(c, "municipality")
                          for c in ("benefit", "wage_subsidy")) / paid
                      if paid > 0 else math.nan)
    else:
        if any(v is None for v in explicit):
            raise ValueError("give extra_spending_per_year, full_year_persons_saved_per_year and "
                             "benefit_per_full_year_person")
        if normalise:
            raise ValueError("normalise applies to two summaries, not to published inputs")
        invest, fyp_saved, per_fyp = (float(v) for v in explicit)  # type: ignore[arg-type]
        fyp_base = math.nan
        saved = fyp_saved * per_fyp
        saved_muni = saved * municipal_share if municipal_share is not None else math.nan
        muni_share = municipal_share if municipal_share is not None else math.nan
    spend_years = horizon_years if spending_years is None else spending_years
    if horizon_years <= 0 or spend_years < 0 or savings_lag_weeks < 0:
        raise ValueError("horizon_years must be > 0; spending_years and savings_lag_weeks >= 0")
    h_end, s_end = horizon_years * WEEKS_PER_YEAR, spend_years * WEEKS_PER_YEAR
    spend_w, save_w = invest / WEEKS_PER_YEAR, saved / WEEKS_PER_YEAR
    muni_w = saved_muni / WEEKS_PER_YEAR
    rows = []
    for year in range(1, math.ceil(horizon_years - _EPS) + 1):
        a, b = (year - 1) * WEEKS_PER_YEAR, min(year * WEEKS_PER_YEAR, h_end)

        def within(rate: float, start: float, end: float, a: float = a, b: float = b) -> float:
            return _cumulative(rate, start, end, b) - _cumulative(rate, start, end, a)

        rows.append({
            "year": year,
            "investment": within(spend_w, 0.0, s_end),
            "savings": within(save_w, savings_lag_weeks, h_end),
            "savings_municipality": within(muni_w, savings_lag_weeks, h_end),
        })
    by_year = pd.DataFrame(rows).set_index("year")
    by_year["net"] = by_year["savings"] - by_year["investment"]
    by_year["net_municipality"] = by_year["savings_municipality"] - by_year["investment"]
    by_year["cumulative_net"] = by_year["net"].cumsum()
    by_year["cumulative_net_municipality"] = by_year["net_municipality"].cumsum()
    return BusinessCase(
        investment_per_year=invest,
        spending_years=spend_years,
        horizon_years=horizon_years,
        savings_lag_weeks=savings_lag_weeks,
        full_year_persons_saved_per_year=fyp_saved,
        benefit_per_full_year_person=per_fyp,
        savings_per_year=saved,
        savings_municipality_per_year=saved_muni,
        by_year=by_year,
        break_even_week=_break_even(spend_w, s_end, save_w, savings_lag_weeks, h_end),
        break_even_week_municipality=(
            None if math.isnan(muni_w)
            else _break_even(spend_w, s_end, muni_w, savings_lag_weeks, h_end)
        ),
        entrants_per_year=n_base,
        full_year_persons_per_year=fyp_base,
        normalised=normalise,
        participants_per_year=float(participants_per_year),
        municipal_share_of_savings=muni_share,
    )


@dataclass(frozen=True)
class PairedBusinessCase:
    """A simulated business case of a variant against a baseline, over paired replications.

    Each replication of the baseline and of the variant share their random numbers, so the
    per-replication business cases are paired; intervals are t-intervals over replications.

    Attributes:
        baseline: Name of the baseline scenario.
        variant: Name of the variant.
        cases: One :class:`BusinessCase` per replication.
        horizon_years: Years over which the case is made.
        note: What the case is, in one sentence, for printing beside it (e.g. that it is
            normalised per entrant because the populations differ).
        providers: Programme spending a year by provider and band of elapsed duration,
            baseline beside variant (:func:`acsim.costs.providers.spending_by_provider`): what
            moves between an external provider and the job centre; ``None`` if the runs kept
            no programme episodes, or neither has a programme.

    """

    baseline: str
    variant: str
    cases: list[BusinessCase]
    horizon_years: float
    note: str = ""
    providers: pd.DataFrame | None = None

    @property
    def normalised(self) -> bool:
        """True if the variant was scaled per entrant to the baseline's entrants."""
        return any(c.normalised for c in self.cases)

    @property
    def summary(self) -> pd.DataFrame:
        """Investment, savings by payer, net and break-even, over paired replications.

        One row per quantity (index ``metric``; definitions in :mod:`acsim.analysis.metrics`),
        columns ``mean``, ``ci_low``, ``ci_high`` (95 % t-interval over the replications) and
        ``replications``, as in :attr:`acsim.experiments.run.RunResult.summary`. The totals a
        year come first, then the baseline's entrants a year and the case per entrant, then
        the case per full-year person on benefit of the baseline.
        """

        def col(get: Callable[[BusinessCase], float]) -> tuple[float, float, float]:
            return t_interval(np.array([get(c) for c in self.cases], dtype=float))

        rows = {
            "investment_per_year": col(lambda c: c.investment_per_year),
            "savings_per_year": col(lambda c: c.savings_per_year),
            "savings_state_per_year": col(lambda c: c.savings_state_per_year),
            "savings_municipality_per_year": col(lambda c: c.savings_municipality_per_year),
            "net_per_year": col(lambda c: c.net_per_year),
            "net_municipality_per_year": col(lambda c: c.net_municipality_per_year),
            "cumulative_net": col(lambda c: float(c.by_year["cumulative_net"].iloc[-1])),
            "full_year_persons_saved_per_year": col(
                lambda c: c.full_year_persons_saved_per_year),
            "break_even_week": col(
                lambda c: math.nan if c.break_even_week is None else c.break_even_week),
            "entrants_per_year": col(lambda c: c.entrants_per_year),
            "investment_per_entrant": col(lambda c: c.investment_per_entrant),
            "savings_per_entrant": col(lambda c: c.savings_per_entrant),
            "savings_municipality_per_entrant": col(
                lambda c: c.savings_municipality_per_entrant),
            "net_per_entrant": col(lambda c: c.net_per_entrant),
            "net_municipality_per_entrant": col(lambda c: c.net_municipality_per_entrant),
            "investment_per_full_year_person": col(lambda c: c.investment_per_full_year_person),
            "savings_per_full_year_person": col(lambda c: c.savings_per_full_year_person),
            "net_per_full_year_person": col(lambda c: c.net_per_full_year_person),
            "break_even_full_year_persons": col(lambda c: c.break_even_full_year_persons),
            "participants_per_year": col(lambda c: c.participants_per_year),
            "weeks_saved_per_participant": col(lambda c: c.weeks_saved_per_participant),
            "break_even_weeks_per_participant": col(
                lambda c: c.break_even_weeks_per_participant),
            "break_even_weeks_per_participant_municipality": col(
                lambda c: c.break_even_weeks_per_participant_municipality),
        }
        out = pd.DataFrame(rows, index=["mean", "ci_low", "ci_high"]).T
        out.index.name = "metric"
        out["replications"] = len(self.cases)
        return out

    def cumulative_net(self, weeks: np.ndarray | None = None) -> pd.DataFrame:
        """Cumulative net result (public view) by week: mean and 95 % band over replications."""
        h = self.horizon_years * WEEKS_PER_YEAR
        weeks = np.linspace(0.0, h, 105) if weeks is None else weeks
        paths = np.array([[_net_at(c, t) for t in weeks] for c in self.cases])
        stats_ = np.array([t_interval(paths[:, j]) for j in range(len(weeks))])
        return pd.DataFrame({"week": weeks, "mean": stats_[:, 0], "ci_low": stats_[:, 1],
                             "ci_high": stats_[:, 2]})

    def plot(self, ax=None):
        """Cumulative net result over time with its 95 % band, break-even marked."""
        from acsim.analysis.plotting import plot_business_case

        return plot_business_case(self, ax=ax)


def _net_at(case: BusinessCase, t: float) -> float:
    h_end = case.horizon_years * WEEKS_PER_YEAR
    s_end = case.spending_years * WEEKS_PER_YEAR
    save = _cumulative(case.savings_per_year / WEEKS_PER_YEAR, case.savings_lag_weeks, h_end, t)
    spend = _cumulative(case.investment_per_year / WEEKS_PER_YEAR, 0.0, s_end, t)
    return save - spend


def entrants_per_year(spells: pd.DataFrame, start_week: float, end_week: float) -> np.ndarray:
    """Spells begun in the window ``[start_week, end_week)`` a year, one value per replication.

    Args:
        spells: A spell table (with ``entry_week``, and ``replication`` if there are several).
        start_week: Start of the window in absolute weeks.
        end_week: End of the window.

    Returns:
        Entrants a year by replication, in replication order (one value without a
        ``replication`` column).

    """
    if not end_week > start_week:
        raise ValueError(f"end_week ({end_week}) must be after start_week ({start_week})")
    years = (end_week - start_week) / WEEKS_PER_YEAR
    e = spells["entry_week"].to_numpy(dtype=float)
    inside = pd.Series((e >= start_week) & (e < end_week), index=spells.index)
    if "replication" not in spells.columns:
        return np.array([inside.sum() / years], dtype=float)
    return (inside.groupby(spells["replication"]).sum() / years).to_numpy(dtype=float)


def _window(result) -> tuple[float, float]:
    sc = result.scenario.scenario
    return sc.warmup_weeks, sc.end_week


def participants_by_replication(baseline, variant, replications: list[int]) -> np.ndarray:
    """Participants a year in ``variant``'s new programmes, by replication.

    Spells that began, in the window, a programme of ``variant`` that ``baseline`` has not (by
    name); NaN where the episodes were not kept. A variant that adds no programme has all its
    entrants as participants.
    """
    new = ({p.name for p in variant.scenario.programmes}
           - {p.name for p in baseline.scenario.programmes})
    if not new:
        return _entrants_by_replication(variant, replications)
    episodes = variant.episodes.get("programmes")
    if episodes is None:
        return np.full(len(replications), math.nan)
    lo, hi = _window(variant)
    start = episodes["start"].to_numpy(dtype=float)
    took = episodes[episodes["name"].isin(list(new)) & (start >= lo) & (start < hi)]
    counts = (took.drop_duplicates(["replication", "jobseeker_id", "spell"])
              .groupby("replication").size())
    years = (hi - lo) / WEEKS_PER_YEAR
    return np.array([counts.get(r, 0) / years for r in replications], dtype=float)


def _entrants_by_replication(result, replications: list[int]) -> np.ndarray:
    lo, hi = _window(result)
    spells = result.spells[result.spells["replication"].isin(replications)]
    per = pd.Series(0.0, index=replications)
    got = entrants_per_year(spells, lo, hi)
    present = sorted(set(spells["replication"]))
    per.loc[present] = got
    return per.to_numpy(dtype=float)


def size_difference(baseline, variant, tolerance: float = SIZE_TOLERANCE) -> str | None:
    """Why two runs are of populations of different size, or ``None`` if they are not.

    They differ if their ``population`` tables differ (inflow, its mix or the stock: a
    different population, whatever the policy), or if their entrants a year differ by more
    than ``tolerance`` (relative) and, with two or more paired replications, beyond
    replication noise (the 95 % interval of the paired relative difference excludes 0).

    Args:
        baseline: The baseline :class:`~acsim.RunResult`.
        variant: The variant's run, on the same seed.
        tolerance: Largest relative difference in entrants a year that is not a size gap.

    Returns:
        The reason in words (population keys that differ, entrants a year), or ``None``.

    """
    reasons = []
    pb = baseline.scenario.population.model_dump(mode="json")
    pv = variant.scenario.population.model_dump(mode="json")
    keys = [k for k in pb if pb[k] != pv.get(k)]
    if keys:
        shown = ", ".join(f"{k} {pb[k]:,.0f} vs {pv[k]:,.0f}" if k == "annual_inflow" else k
                          for k in keys)
        reasons.append(f"their population tables differ ({shown})")
    common = sorted(set(baseline.spells["replication"]) & set(variant.spells["replication"]))
    if common:
        nb = _entrants_by_replication(baseline, common)
        nv = _entrants_by_replication(variant, common)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = nv / nb - 1.0
        mean, lo, hi = t_interval(rel) if len(rel) > 1 else (float(rel[0]), math.nan, math.nan)
        noisy = len(rel) > 1 and lo <= 0.0 <= hi
        if not math.isfinite(mean) or (abs(mean) > tolerance and not noisy):
            reasons.append(f"entrants a year {float(nb.mean()):,.0f} vs {float(nv.mean()):,.0f}"
                           f" ({mean:+.0%})")
    return "; ".join(reasons) if reasons else None


def paired_business_case(
    baseline,
    variant,
    horizon_years: float = 2.0,
    savings_lag_weeks: float = 0.0,
    normalise: bool = False,
    size_tolerance: float = SIZE_TOLERANCE,
) -> PairedBusinessCase:
    """Business case of ``variant`` against ``baseline`` (two :class:`~acsim.RunResult`).

    Both must come from the same seed (e.g. :func:`acsim.compare`), so replication ``r`` of
    each saw the same jobseekers. Costs are counted over each run's analysis window, entrants
    are the spells begun in it. The case is in total a year, per entrant and per full-year
    person (see :class:`PairedBusinessCase`).

    Args:
        baseline: The baseline run.
        variant: The variant's run.
        horizon_years: Years over which the case is made.
        savings_lag_weeks: Weeks from the start of spending to the first savings.
        normalise: Between populations of different size (:func:`size_difference`), compute
            the case per entrant (the variant's costs per entrant applied to the baseline's
            entrants) instead of refusing it.
        size_tolerance: See :func:`size_difference`.

    Raises:
        ScenarioError: The populations differ in size and ``normalise`` is False. The message
            says why and what to do: compare policies on one population (a transplant), or
            normalise.
        ValueError: The runs share no replication.

    """
    reason = size_difference(baseline, variant, size_tolerance)
    who = f"business case of {variant.scenario.name} against {baseline.scenario.name}"
    if reason is not None and not normalise:
        raise ScenarioError(who, "population",
                            f"not the same population: {reason}; a case in totals would count "
                            f"the size gap as savings. Instead, {_ADVICE}")
    common = sorted(set(baseline.spells["replication"]) & set(variant.spells["replication"]))
    if not common:
        raise ValueError("the two runs share no replication")
    entrants = [_entrants_by_replication(res, common) for res in (baseline, variant)]
    participants = participants_by_replication(baseline, variant, common)
    if normalise:
        participants = participants * entrants[0] / entrants[1]
    cases = []
    for k, r in enumerate(common):
        sums = []
        for res in (baseline, variant):
            sc = res.scenario
            spells = res.spells[res.spells["replication"] == r]
            window = {"start_week": sc.scenario.warmup_weeks, "end_week": sc.scenario.end_week}
            # Runs carry their cost columns already; cost the spells only if they do not.
            costed = spells if "cost_total" in spells else spell_costs(spells, sc, **window)
            sums.append(cost_summary(costed, **window))
        cases.append(business_case(
            sums[0], sums[1], horizon_years=horizon_years, savings_lag_weeks=savings_lag_weeks,
            entrants_per_year=(float(entrants[0][k]), float(entrants[1][k])),
            normalise=normalise, size_tolerance=math.inf,
            participants_per_year=float(participants[k])))
    providers = None
    if (baseline.scenario.programmes or variant.scenario.programmes) and all(
            "programmes" in res.episodes for res in (baseline, variant)):
        from acsim.costs.providers import spending_by_provider

        providers = spending_by_provider(baseline, variant)
    b, v = baseline.scenario.name, variant.scenario.name
    if normalise:
        why = f" (the populations differ: {reason})" if reason else ""
        note = (f"normalised per entrant{why}: {v}'s costs per entrant applied to {b}'s "
                f"{float(entrants[0].mean()):,.0f} entrants a year; this still mixes "
                f"population and labour market with policy (a transplant compares policy alone)")
    else:
        note = (f"{v} against {b} on one population ({float(entrants[0].mean()):,.0f} "
                "entrants a year)")
    return PairedBusinessCase(b, v, cases, horizon_years, note=note, providers=providers)
