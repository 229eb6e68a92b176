"""The weekly benefit a spell is paid, by the population's benefit (``population.benefit``).

* ``"dagpenge"`` (the default): experienced jobseekers at the maximum weekly dagpenge
  (``dagpenge_max_week``), graduates at the graduate share of it (``graduate_rate_share``).
* the municipal benefits of seed 004's groups: one monthly rate for everyone, converted to a
  week as ``month x 12 / 52``: ``kontanthjaelp`` (cash benefit, over 30, no children:
  ``kontanthjaelp_month``), ``ledighedsydelse`` (the benefit of an unemployed person
  approved for a flex job, 89 % of the maximum dagpenge: ``ledighedsydelse_month``),
  ``ressourceforloebsydelse`` (the resource-course benefit at the cash-benefit level, no
  children: ``ressourceforloebsydelse_month``) and ``revalideringsydelse`` (the
  revalidation benefit over 30, the maximum dagpenge level: ``revalideringsydelse_month``).
  ASSUMPTION: the spell table has no dependants, so the rate without children is used (the
  rates file also carries the cash-benefit rate with children, not used); graduates get the
  same rate (the group templates have none).

The financing scale (``municipal_share_dagpenge``) is the same for every benefit: the 2016
refusion reform made the state's refund "ens på tværs af ydelser" (see the rates file).

Example:
    >>> benefit_rate_names("kontanthjaelp")
    ('kontanthjaelp_month',)
    >>> benefit_rate_names("dagpenge")
    ('dagpenge_max_week', 'graduate_rate_share')

"""

from __future__ import annotations

from datetime import date

import numpy as np

from acsim.costs.inputs import RateStep
from acsim.costs.rates import Rates

__all__ = ["MONTHLY_RATES", "WEEKS_PER_MONTH", "benefit_rate_names", "weekly_benefit"]

#: The monthly rate of each municipal benefit in the rates file.
MONTHLY_RATES = {
    "kontanthjaelp": "kontanthjaelp_month",
    "ledighedsydelse": "ledighedsydelse_month",
    "ressourceforloebsydelse": "ressourceforloebsydelse_month",
    "revalideringsydelse": "revalideringsydelse_month",
}
#: Weeks in a month: 52 / 12 (a monthly rate x 12 / 52 is its weekly rate).
WEEKS_PER_MONTH = 52.0 / 12.0


def benefit_rate_names(benefit: str) -> tuple[str, ...]:
    """The dated rates the weekly benefit of ``benefit`` reads (their dates break pieces).

    Raises:
        ValueError: ``benefit`` is not a known benefit.

    """
    if benefit == "dagpenge":
        return ("dagpenge_max_week", "graduate_rate_share")
    if benefit not in MONTHLY_RATES:
        known = ", ".join(["dagpenge", *MONTHLY_RATES])
        raise ValueError(f"unknown benefit {benefit!r}; expected one of {known}")
    return (MONTHLY_RATES[benefit],)


def weekly_benefit(rates: Rates, benefit: str, start: date, weeks: np.ndarray,
                   graduate: np.ndarray) -> np.ndarray:
    """The weekly benefit at absolute ``weeks`` (shape (n, K)) of spells of ``graduate`` (n).

    Args:
        rates: The dated rates.
        benefit: The population's benefit (:data:`acsim.model.population.BENEFITS`).
        start: The run's start date (week 0).
        weeks: Absolute weeks at which the rate is read, one row per spell.
        graduate: Whether each spell is a graduate's (dagpenge only).

    Returns:
        DKK a week, the shape of ``weeks``.

    """
    names = benefit_rate_names(benefit)
    if benefit == "dagpenge":
        weekly = RateStep(rates, names[0], start)(weeks)
        return weekly * np.where(graduate[:, None], RateStep(rates, names[1], start)(weeks),
                                 1.0)
    return RateStep(rates, names[0], start)(weeks) / WEEKS_PER_MONTH
