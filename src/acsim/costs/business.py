"""Business cases: an investment against the benefit it saves, with break-even.

Two ways in: from two cost summaries (a simulated baseline and variant, see
:func:`paired_business_case` for intervals over paired replications), or from the figures a
municipal investment model publishes (extra spending, full-year persons saved, benefit per
full-year person), whose arithmetic the tests check against seed 003 table 5.5 and seed 001.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from acsim.analysis.intervals import t_interval
from acsim.costs.model import WEEKS_PER_YEAR, CostSummary, cost_summary, spell_costs  # noqa: F401

__all__ = ["BusinessCase", "PairedBusinessCase", "business_case", "paired_business_case"]

_EPS = 1e-9


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
) -> BusinessCase:
    """A business case from two cost summaries, or from the published kind of inputs.

    From summaries: the investment is the variant's extra operating cost per year (meetings,
    programmes, provider), the savings are the baseline's minus the variant's benefit and
    wage-subsidy cost per year, split by payer as the summaries split them.

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

    """
    explicit = (extra_spending_per_year, full_year_persons_saved_per_year,
                benefit_per_full_year_person)
    if (baseline is None) != (variant is None):
        raise ValueError("pass both baseline and variant summaries, or neither")
    if baseline is not None and variant is not None:
        if any(v is not None for v in explicit):
            raise ValueError("pass either two summaries or the explicit figures, not both")
        operating = ("meetings_individual", "meetings_group", "programmes", "provider")
        invest = sum(variant.per_year(c) - baseline.per_year(c) for c in operating)
        saved = sum(baseline.per_year(c) - variant.per_year(c)
                    for c in ("benefit", "wage_subsidy"))
        saved_muni = sum(baseline.per_year(c, "municipality") - variant.per_year(c, "municipality")
                         for c in ("benefit", "wage_subsidy"))
        fyp_saved = baseline.full_year_persons_per_year - variant.full_year_persons_per_year
        per_fyp = baseline.benefit_per_full_year_person
    else:
        if any(v is None for v in explicit):
            raise ValueError("give extra_spending_per_year, full_year_persons_saved_per_year and "
                             "benefit_per_full_year_person")
        invest, fyp_saved, per_fyp = (float(v) for v in explicit)  # type: ignore[arg-type]
        saved = fyp_saved * per_fyp
        saved_muni = saved * municipal_share if municipal_share is not None else math.nan
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

    """

    baseline: str
    variant: str
    cases: list[BusinessCase]
    horizon_years: float

    @property
    def summary(self) -> pd.DataFrame:
        """Investment, savings by payer, net per year and break-even, over paired replications.

        One row per quantity (index ``metric``; definitions in :mod:`acsim.analysis.metrics`),
        columns ``mean``, ``ci_low``, ``ci_high`` (95 % t-interval over the replications) and
        ``replications``, as in :attr:`acsim.experiments.run.RunResult.summary`.
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


def paired_business_case(
    baseline, variant, horizon_years: float = 2.0, savings_lag_weeks: float = 0.0
) -> PairedBusinessCase:
    """Business case of ``variant`` against ``baseline`` (two :class:`~acsim.RunResult`).

    Both must come from the same seed (e.g. :func:`acsim.compare`), so replication ``r`` of
    each saw the same jobseekers. Costs are counted over each run's analysis window.
    """
    cases = []
    for r in sorted(set(baseline.spells["replication"]) & set(variant.spells["replication"])):
        sums = []
        for res in (baseline, variant):
            sc = res.scenario
            spells = res.spells[res.spells["replication"] == r]
            window = {"start_week": sc.scenario.warmup_weeks, "end_week": sc.scenario.end_week}
            # Runs carry their cost columns already; cost the spells only if they do not.
            costed = spells if "cost_total" in spells else spell_costs(spells, sc, **window)
            sums.append(cost_summary(costed, **window))
        cases.append(business_case(sums[0], sums[1], horizon_years=horizon_years,
                                   savings_lag_weeks=savings_lag_weeks))
    if not cases:
        raise ValueError("the two runs share no replication")
    return PairedBusinessCase(baseline.scenario.name, variant.scenario.name, cases, horizon_years)
