"""Jobseekers: the inflow, their attributes, and an optional initial stock.

The inflow is a non-homogeneous Poisson process, piecewise constant by calendar month; the stock
has elapsed durations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
from pydantic import Field, field_validator, model_validator
from scipy.special import ndtri

from acsim.model.rng import Stream, StreamSet, spawn_generator
from acsim.spec.base import MAX_WEEK, FieldProblem, Float, Int, Spec

__all__ = [
    "AKASSER",
    "BENEFITS",
    "MAX_JOBSEEKERS",
    "MAX_PROFILE_VALUE",
    "MIN_JOBSEEKERS",
    "Jobseeker",
    "Population",
    "PopulationSpec",
    "StockBand",
    "draw_population",
    "month_breaks",
]

#: The academic unemployment insurance funds.
AKASSER = ("AKA", "MA", "CA", "AJKS")
EDUCATION_LEVELS = ("low", "medium", "high")
AGE_BANDS = ("under30", "age30_49", "age50plus")
#: The benefits a population may be on (``population.benefit``), priced by
#: :mod:`acsim.costs.benefits`: unemployment insurance (the default) or one of the municipal
#: benefits of seed 004's groups (cash benefit, the flex-job unemployment benefit, the
#: resource-course benefit, the revalidation benefit).
BENEFITS = ("dagpenge", "kontanthjaelp", "ledighedsydelse", "ressourceforloebsydelse",
            "revalideringsydelse")
_AGE_RANGES = ((23.0, 30.0), (30.0, 50.0), (50.0, 65.0))
STOCK_KEY_OFFSET = 1 << 31  # stock jobseekers' ids; inflow ids are arrival indices from 0

# Attribute draws: column of the ATTRIBUTES stream for each attribute (never renumber).
_U_SEX, _U_AGE_BAND, _U_AGE, _U_AKASSE, _U_INTL, _U_EDU, _U_RISK, _U_STOCK, _U_GRAD = range(9)


#: Most jobseekers one replication may hold: the expected inflow over the whole run
#: (warm-up and horizon) plus the stock. Each costs about 2 kB while it runs (attributes,
#: spell, record), so this keeps a replication within about 10 GB.
MAX_JOBSEEKERS = 5_000_000

#: Fewest jobseekers one replication may expect: with fewer than this the draw may hold no
#: spell at all (Poisson: a chance of exp(-20), about 2e-9, with 20), and no metric, interval or
#: survival curve can be computed from it. A smaller number is a units mistake
#: (``annual_inflow`` is per year) more often than an intent.
MIN_JOBSEEKERS = 20

#: Largest value of a monthly profile (relative intensities; only their ratios matter).
MAX_PROFILE_VALUE = 1e6


def _profile(values: tuple[float, ...]) -> tuple[float, ...]:
    if len(values) != 12:
        raise ValueError(f"a monthly profile needs 12 values (January first), got {len(values)}")
    for i, v in enumerate(values):
        if not 0 <= v <= MAX_PROFILE_VALUE:
            raise FieldProblem(f"[{i}]", f"a monthly profile value must be from 0 to "
                                         f"{MAX_PROFILE_VALUE:g}; got {v!r}")
    if sum(values) <= 0:
        raise ValueError("a monthly profile needs non-negative values with a positive sum")
    return values


def _shares(table: dict[str, float], allowed: tuple[str, ...], what: str) -> dict[str, float]:
    unknown = [k for k in table if k not in allowed]
    if unknown:
        raise ValueError(f"unknown {what} {unknown[0]!r}; expected some of {list(allowed)}")
    for k, v in table.items():
        if not 0 <= v <= 1:
            raise FieldProblem(f"[{k}]" if not k.isidentifier() else k,
                               f"{what} share must be from 0 to 1; got {v!r}")
    if not math.isclose(sum(table.values()), 1.0, abs_tol=1e-6):
        raise ValueError(f"{what} shares must sum to 1, got {sum(table.values()):g}")
    return table


class StockBand(Spec):
    """Jobseekers already unemployed at time 0, with elapsed duration in [from_week, to_week).

    Elapsed weeks are at most :data:`~acsim.spec.base.MAX_WEEK`; ``count`` at most
    :data:`MAX_JOBSEEKERS` (the whole population of a replication is bounded by it too).
    """

    from_week: Float = Field(ge=0, le=MAX_WEEK)
    to_week: Float = Field(gt=0, le=MAX_WEEK)
    count: Int = Field(ge=0, le=MAX_JOBSEEKERS)

    @model_validator(mode="after")
    def _ordered(self) -> StockBand:
        if self.to_week <= self.from_week:
            raise FieldProblem("to_week", "to_week must be after from_week")
        return self


class PopulationSpec(Spec):
    """Who becomes unemployed, and when.

    Graduates (dimittender) and experienced jobseekers arrive as two Poisson streams, each with
    its own monthly profile (relative intensities, January first). Placeholder defaults: a
    graduate wave peaking in August with a second wave in February, flat experienced inflow.

    Attributes:
        annual_inflow: Expected new spells a year.
        graduate_share: Share of the inflow who are new graduates.
        graduate_profile: Monthly profile of graduate inflow.
        experienced_profile: Monthly profile of experienced inflow.
        female_share: Share of women.
        international_share: Share of international/English-speaking jobseekers.
        graduate_under30_share: Share of graduates under 30 (the rest 30-49).
        age_bands: Age mix of experienced jobseekers.
        akasse: Mix of a-kasser.
        education: Mix of education levels (academics: all ``high``).
        stock: Initial stock by elapsed duration (left-truncated spells).
        benefit: The benefit the spells are on, one of :data:`BENEFITS` (default
            ``"dagpenge"``); the cost model prices the benefit weeks at its dated rate.

    Limits (checked with the run's length in :class:`~acsim.spec.scenario.Scenario`): a
    replication expects at least :data:`MIN_JOBSEEKERS` and at most :data:`MAX_JOBSEEKERS`
    jobseekers (``annual_inflow`` over warm-up and horizon, plus the stock). Profile values are
    from 0 to :data:`MAX_PROFILE_VALUE`; shares from 0 to 1.

    """

    annual_inflow: Float = Field(16_000.0, ge=0, le=5_000_000)
    graduate_share: Float = Field(0.4, ge=0, le=1)
    graduate_profile: tuple[Float, ...] = (
        0.6, 1.6, 0.7, 0.6, 0.6, 1.0, 2.2, 2.8, 1.1, 0.6, 0.5, 0.5,
    )
    experienced_profile: tuple[Float, ...] = (1.0,) * 12
    female_share: Float = Field(0.58, ge=0, le=1)
    international_share: Float = Field(0.12, ge=0, le=1)
    graduate_under30_share: Float = Field(0.85, ge=0, le=1)
    age_bands: dict[str, Float] = {"under30": 0.25, "age30_49": 0.55, "age50plus": 0.20}
    akasse: dict[str, Float] = {"AKA": 0.45, "MA": 0.35, "CA": 0.10, "AJKS": 0.10}
    education: dict[str, Float] = {"high": 1.0}
    stock: tuple[StockBand, ...] = Field((), max_length=520)
    benefit: Literal["dagpenge", "kontanthjaelp", "ledighedsydelse", "ressourceforloebsydelse",
                     "revalideringsydelse"] = "dagpenge"

    _p1 = field_validator("graduate_profile", "experienced_profile")(_profile)

    @field_validator("age_bands")
    @classmethod
    def _ages(cls, v: dict[str, float]) -> dict[str, float]:
        return _shares(v, AGE_BANDS, "age band")

    @field_validator("akasse")
    @classmethod
    def _akasse(cls, v: dict[str, float]) -> dict[str, float]:
        return _shares(v, AKASSER, "a-kasse")

    @field_validator("education")
    @classmethod
    def _edu(cls, v: dict[str, float]) -> dict[str, float]:
        return _shares(v, EDUCATION_LEVELS, "education level")

    def expected_jobseekers(self, run_weeks: float) -> float:
        """Expected jobseekers of one replication over ``run_weeks`` weeks: inflow plus stock."""
        return self.annual_inflow * run_weeks / (365.25 / 7.0) + sum(b.count for b in self.stock)


class Jobseeker:
    """One person, with the same id and attributes in every scenario of a replication."""

    __slots__ = (
        "id", "female", "age", "age_band", "graduate", "akasse", "international", "education",
        "latent_risk", "terms", "cov_job", "from_stock", "elapsed", "arrival",
    )

    def __init__(
        self, id: int, female: bool, age: float, age_band: int, graduate: bool, akasse: str,
        international: bool, education: str, latent_risk: float, terms: frozenset[str],
        from_stock: bool, elapsed: float, arrival: float,
    ) -> None:
        self.id = id
        self.female = female
        self.age = age
        self.age_band = age_band
        self.graduate = graduate
        self.akasse = akasse
        self.international = international
        self.education = education
        self.latent_risk = latent_risk
        self.terms = terms
        self.cov_job = 1.0
        self.from_stock = from_stock
        self.elapsed = elapsed
        self.arrival = arrival


def month_breaks(start: date, end_week: float) -> np.ndarray:
    """Week offsets of the first day of each calendar month from ``start`` until ``end_week``."""
    out = [0.0]
    y, m = start.year, start.month
    while out[-1] < end_week:
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        out.append((date(y, m, 1) - start).days / 7.0)
    return np.asarray(out)


def _month_of(start: date, week: float) -> int:
    return (start + timedelta(days=week * 7.0)).month - 1


def _nhpp(
    rng: np.random.Generator, annual: float, profile: tuple[float, ...], start: date, end: float
) -> np.ndarray:
    """Arrival times of a Poisson process piecewise constant by calendar month, exactly.

    Per month the count is Poisson with the integrated intensity, and times are uniform within
    the month given the count (the conditional property of the Poisson process).
    """
    breaks = month_breaks(start, end)
    weights = np.asarray(profile) / np.mean(profile)
    lo = breaks[:-1]
    hi = np.minimum(breaks[1:], end)
    months = np.array([_month_of(start, w) for w in lo])
    days_in_year = 365.25 / 7.0
    lam = annual / days_in_year * weights[months] * (hi - lo)
    counts = rng.poisson(lam)
    times = np.concatenate([rng.uniform(a, b, n) for a, b, n in zip(lo, hi, counts, strict=True)])
    return np.sort(times)


@dataclass
class Population:
    """The jobseekers of one replication: inflow in arrival order, then the stock."""

    inflow: list[Jobseeker]
    stock: list[Jobseeker]


def _attributes(
    spec: PopulationSpec, u: np.ndarray, graduate: np.ndarray, ids: np.ndarray,
    covariates: object, from_stock: bool, elapsed: np.ndarray | None, arrival: np.ndarray,
) -> list[Jobseeker]:
    female = u[:, _U_SEX] < spec.female_share
    age_cum = np.cumsum([spec.age_bands.get(b, 0.0) for b in AGE_BANDS])
    band = np.searchsorted(age_cum, u[:, _U_AGE_BAND] * age_cum[-1], side="right")
    band = np.minimum(band, 2)
    grad_band = np.where(u[:, _U_AGE_BAND] < spec.graduate_under30_share, 0, 1)
    band = np.where(graduate, grad_band, band)
    lo = np.array([r[0] for r in _AGE_RANGES])[band]
    hi = np.array([r[1] for r in _AGE_RANGES])[band]
    age = lo + (hi - lo) * u[:, _U_AGE]
    ak_names = list(spec.akasse)
    ak = np.searchsorted(np.cumsum(list(spec.akasse.values())), u[:, _U_AKASSE], side="right")
    ak = np.minimum(ak, len(ak_names) - 1)
    intl = u[:, _U_INTL] < spec.international_share
    edu_names = list(spec.education)
    edu = np.searchsorted(np.cumsum(list(spec.education.values())), u[:, _U_EDU], side="right")
    edu = np.minimum(edu, len(edu_names) - 1)
    risk = ndtri(np.clip(u[:, _U_RISK], 1e-12, 1 - 1e-12))
    # Python scalars for the per-person loop (NumPy scalar indexing is slow); the values are
    # the same. People with the same group terms share one frozenset.
    ak_of = [ak_names[k] for k in ak.tolist()]
    edu_of = [edu_names[k] for k in edu.tolist()]
    el = elapsed.tolist() if elapsed is not None else [0.0] * len(ids)
    terms_of: dict[tuple[bool, int, bool, bool, str], frozenset[str]] = {}
    multiplier = covariates.multiplier  # type: ignore[attr-defined]
    people = []
    for jid, g, fem, b, i, e, a, r, x, arr, akasse in zip(
        ids.tolist(), np.asarray(graduate, dtype=bool).tolist(), female.tolist(), band.tolist(),
        intl.tolist(), edu_of, age.tolist(), risk.tolist(), el, arrival.tolist(), ak_of,
        strict=True,
    ):
        key = (fem, b, g, i, e)
        terms = terms_of.get(key)
        if terms is None:
            terms = terms_of[key] = frozenset(
                (
                    "female" if fem else "male",
                    AGE_BANDS[b],
                    "graduate" if g else "experienced",
                    "international" if i else "domestic",
                    f"edu_{e}",
                )
            )
        js = Jobseeker(
            id=jid, female=fem, age=a, age_band=b, graduate=g, akasse=akasse,
            international=i, education=e, latent_risk=r, terms=terms, from_stock=from_stock,
            elapsed=x, arrival=arr,
        )
        js.cov_job = multiplier(js)
        people.append(js)
    return people


def draw_population(
    spec: PopulationSpec, start: date, end_week: float, covariates: object,
    root: int, replication: int,
) -> Population:
    """Draw the inflow over ``[0, end_week)`` and the initial stock of one replication."""
    rng = spawn_generator(root, replication, Stream.INFLOW)
    grad_t = _nhpp(rng, spec.annual_inflow * spec.graduate_share, spec.graduate_profile,
                   start, end_week)
    exp_t = _nhpp(rng, spec.annual_inflow * (1 - spec.graduate_share), spec.experienced_profile,
                  start, end_week)
    times = np.concatenate([grad_t, exp_t])
    graduate = np.concatenate([np.ones(len(grad_t), bool), np.zeros(len(exp_t), bool)])
    order = np.argsort(times, kind="stable")
    times, graduate = times[order], graduate[order]
    ids = np.arange(len(times))
    u = StreamSet(root, replication, Stream.ATTRIBUTES, ids, block=8).matrix()
    inflow = _attributes(spec, u, graduate, ids, covariates, False, None, times)

    n_stock = sum(b.count for b in spec.stock)
    stock: list[Jobseeker] = []
    if n_stock:
        sids = STOCK_KEY_OFFSET + np.arange(n_stock)
        us = StreamSet(root, replication, Stream.ATTRIBUTES, sids, block=9).matrix()
        lo = np.concatenate([np.full(b.count, b.from_week) for b in spec.stock])
        hi = np.concatenate([np.full(b.count, b.to_week) for b in spec.stock])
        elapsed = lo + (hi - lo) * us[:, _U_STOCK]
        sgrad = us[:, _U_GRAD] < spec.graduate_share
        stock = _attributes(spec, us, sgrad, sids, covariates, True, elapsed, -elapsed)
    return Population(inflow=inflow, stock=stock)
