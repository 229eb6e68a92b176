"""Piecewise-constant hazards and exact sampling of event times.

A hazard here is ``h(d) = k * h0(d)`` where ``h0`` is piecewise constant in spell duration ``d``
and ``k`` (covariates times policy multipliers) is constant between policy events. An exit
happens when the integrated hazard reaches an Exp(1) budget; when ``k`` changes at an event the
remaining budget carries over. Within one stretch of constant ``k`` the exit time is found by
inverting the cumulative baseline exactly, across as many baseline segments as needed, so no
event is spent on baseline segment boundaries and nothing is polled weekly.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated

import numpy as np
from pydantic import Field, field_validator, model_validator

from acsim.spec.base import MAX_WEEK, FieldProblem, Float, Spec

__all__ = [
    "MAX_LOG_HR", "MAX_RATE", "CovariateSpec", "HazardCurve", "HazardSpec", "PiecewiseHazard",
]

INF = math.inf


@dataclass(frozen=True)
class PiecewiseHazard:
    """A piecewise-constant baseline hazard in spell duration (weeks).

    Args:
        breaks: Segment starts, increasing, the first 0. The last segment runs to infinity.
        rates: Hazard per week in each segment (same length as ``breaks``), all >= 0.

    Example:
        >>> h = PiecewiseHazard((0.0, 13.0), (0.05, 0.02))
        >>> round(h.cumulative(20.0), 2)
        0.79

    """

    breaks: tuple[float, ...]
    rates: tuple[float, ...]
    _cum: tuple[Float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        breaks = tuple(float(b) for b in self.breaks)
        rates = tuple(float(r) for r in self.rates)
        if not breaks or breaks[0] != 0.0:
            raise ValueError("breaks must start at 0")
        if len(breaks) != len(rates):
            raise ValueError("breaks and rates must have the same length")
        if any(b1 <= b0 for b0, b1 in zip(breaks, breaks[1:], strict=False)):
            raise ValueError("breaks must be strictly increasing")
        if any(not (r >= 0.0) or math.isinf(r) for r in rates):
            raise ValueError("rates must be finite and non-negative")
        cum = [0.0]
        for i in range(1, len(breaks)):
            cum.append(cum[-1] + rates[i - 1] * (breaks[i] - breaks[i - 1]))
        object.__setattr__(self, "breaks", breaks)
        object.__setattr__(self, "rates", rates)
        object.__setattr__(self, "_cum", tuple(cum))

    @classmethod
    def constant(cls, rate: float) -> PiecewiseHazard:
        """A constant hazard."""
        return cls((0.0,), (rate,))

    def rate(self, d: float) -> float:
        """Baseline hazard at duration ``d`` (the first segment's before 0)."""
        return self.rates[max(bisect_right(self.breaks, d) - 1, 0)]

    def cumulative(self, d: float) -> float:
        """Integrated baseline ``H0(d)`` from 0 to ``d``; 0 for ``d <= 0``.

        A duration a rounding step below 0 (a clock that lags the spell's entry by one ulp)
        is the spell's start, not a point of the last segment.
        """
        i = bisect_right(self.breaks, d) - 1
        if i < 0:
            return 0.0
        return self._cum[i] + self.rates[i] * (d - self.breaks[i])

    def cumulative_array(self, d: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`cumulative` (0 where ``d <= 0``)."""
        b = np.asarray(self.breaks)
        d = np.asarray(d, dtype=float)
        i = np.searchsorted(b, d, side="right") - 1
        j = np.maximum(i, 0)
        out = np.asarray(self._cum)[j] + np.asarray(self.rates)[j] * (d - b[j])
        return np.where(i < 0, 0.0, out)

    def survival(self, d: float, k: float = 1.0) -> float:
        """``exp(-k * H0(d))``, the analytic survival for a constant multiplier."""
        return math.exp(-k * self.cumulative(d))

    def inverse(self, target: float) -> float:
        """The duration at which ``H0`` reaches ``target`` (``inf`` if never)."""
        cum = self._cum
        # Segment i with cum[i] < target <= cum[i + 1]: the first duration reaching target.
        i = max(bisect_left(cum, target) - 1, 0)
        if target <= cum[i]:
            return self.breaks[i]
        r = self.rates[i]
        if r > 0.0:
            return self.breaks[i] + (target - cum[i]) / r
        return INF  # only possible in a last segment with zero rate

    def time_to_exit(self, d0: float, budget: float, k: float) -> float:
        """Duration at which the integrated hazard ``k * H0`` from ``d0`` reaches ``budget``.

        Args:
            d0: Current spell duration.
            budget: Remaining Exp(1) budget, in integrated-hazard units.
            k: Multiplier, constant from ``d0`` on.

        Returns:
            The exit duration, or ``inf`` if the hazard is zero from ``d0`` on.

        """
        if k <= 0.0:
            return INF
        return self.inverse(self.cumulative(d0) + budget / k)


def as_hazard(spec: tuple[Sequence[float], Sequence[float]] | float) -> PiecewiseHazard:
    """Build a :class:`PiecewiseHazard` from ``(breaks, rates)`` or a constant rate."""
    if isinstance(spec, (int, float)):
        return PiecewiseHazard.constant(float(spec))
    breaks, rates = spec
    return PiecewiseHazard(tuple(breaks), tuple(rates))


#: Largest weekly rate of a hazard curve (a mean time to the event of 0.1 week).
MAX_RATE = 10.0

#: Largest absolute log hazard ratio of a covariate (a hazard ratio of e^5, about 148).
MAX_LOG_HR = 5.0


class HazardCurve(Spec):
    """A piecewise-constant hazard as written in a scenario: segment starts and weekly rates.

    Breaks are spell weeks from 0 to :data:`~acsim.spec.base.MAX_WEEK`, at most 520 of them;
    rates are from 0 to :data:`MAX_RATE` a week.
    """

    breaks: tuple[Annotated[Float, Field(ge=0, le=MAX_WEEK)], ...] = Field(
        (0.0,), min_length=1, max_length=520)
    rates: tuple[Annotated[Float, Field(ge=0, le=MAX_RATE)], ...] = Field(
        (0.01,), min_length=1, max_length=520)

    @model_validator(mode="after")
    def _valid(self) -> HazardCurve:
        try:
            PiecewiseHazard(self.breaks, self.rates)
        except ValueError as exc:
            raise FieldProblem("breaks", str(exc)) from None
        return self

    def build(self, level: float = 1.0) -> PiecewiseHazard:
        """The runtime hazard, with all rates multiplied by ``level``."""
        return PiecewiseHazard(self.breaks, tuple(r * level for r in self.rates))


class CovariateSpec(Spec):
    """Log hazard ratios of the exit-to-job hazard by jobseeker attributes (``exp(beta x)``).

    Reference person: a domestic, experienced man aged 30-49 with a long higher education,
    average latent risk. Defaults are uncalibrated placeholders. Every log hazard ratio, the
    named ones and those by a-kasse and education, is from -:data:`MAX_LOG_HR` to
    :data:`MAX_LOG_HR` (so ``exp(beta x)`` stays finite: at most about e^60 with the latent
    risk's tails).
    """

    female: Float = Field(0.0, ge=-MAX_LOG_HR, le=MAX_LOG_HR)
    under30: Float = Field(0.05, ge=-MAX_LOG_HR, le=MAX_LOG_HR)
    age50plus: Float = Field(-0.35, ge=-MAX_LOG_HR, le=MAX_LOG_HR)
    graduate: Float = Field(-0.10, ge=-MAX_LOG_HR, le=MAX_LOG_HR)
    international: Float = Field(-0.35, ge=-MAX_LOG_HR, le=MAX_LOG_HR)
    latent_risk: Float = Field(-0.45, ge=-MAX_LOG_HR, le=MAX_LOG_HR,
                               description="per SD of the latent risk")
    akasse: dict[str, Float] = {}
    education: dict[str, Float] = {"low": 0.0, "medium": 0.0, "high": 0.0}

    @field_validator("akasse", "education")
    @classmethod
    def _bounded(cls, table: dict[str, float]) -> dict[str, float]:
        for k, v in table.items():
            if not -MAX_LOG_HR <= v <= MAX_LOG_HR:
                raise FieldProblem(k if k.isidentifier() else f"[{k}]",
                                   f"a log hazard ratio must be from {-MAX_LOG_HR:g} to "
                                   f"{MAX_LOG_HR:g}; got {v!r}")
        return table

    def multiplier(self, js: object) -> float:
        """``exp(beta x)`` for a jobseeker."""
        x = 0.0
        if js.female:  # type: ignore[attr-defined]
            x += self.female
        band = js.age_band  # type: ignore[attr-defined]
        x += self.under30 if band == 0 else (self.age50plus if band == 2 else 0.0)
        if js.graduate:  # type: ignore[attr-defined]
            x += self.graduate
        if js.international:  # type: ignore[attr-defined]
            x += self.international
        x += self.latent_risk * js.latent_risk  # type: ignore[attr-defined]
        x += self.akasse.get(js.akasse, 0.0)  # type: ignore[attr-defined]
        x += self.education.get(js.education, 0.0)  # type: ignore[attr-defined]
        return math.exp(x)


class HazardSpec(Spec):
    """The hazards of a scenario.

    Attributes:
        level: Municipal labour-market level: multiplies the exit-to-job hazard (calibrated to
            each municipality's mean completed duration; placeholder 1.0).
        job: Baseline exit-to-job hazard by spell duration (per week). Placeholder shape.
        other: Baseline hazard of exits to other states (sickness, education, out of the
            labour force).
        separation: Hazard of losing a job, by duration of employment; returns the person to
            unemployment.
        benefit_weeks: Weeks of dagpenge before exhaustion (3,848 hours = 2 years).
        requalify_weeks: Weeks of employment after which the benefit clock starts afresh
            (1,924 hours in 3 years ~ 52 weeks full time).
        covariates: Log hazard ratios by attributes.

    """

    level: Float = Field(1.0, gt=0, le=100)
    job: HazardCurve = HazardCurve(
        breaks=(0.0, 4.0, 13.0, 26.0, 52.0, 78.0),
        rates=(0.020, 0.050, 0.048, 0.036, 0.026, 0.020),
    )
    other: HazardCurve = HazardCurve(breaks=(0.0,), rates=(0.004,))
    separation: HazardCurve = HazardCurve(
        breaks=(0.0, 13.0, 52.0), rates=(0.012, 0.006, 0.003)
    )
    benefit_weeks: Float = Field(104.0, gt=0, le=520)
    requalify_weeks: Float = Field(52.0, gt=0, le=MAX_WEEK)
    covariates: CovariateSpec = CovariateSpec()
