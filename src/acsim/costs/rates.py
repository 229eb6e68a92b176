"""Dated rates for the cost model: a TOML parameter file validated into frozen models.

The file (``acsim/data/rates_dk.toml`` by default) is OpenFisca-like: each parameter has a
description, a unit and a list of dated values; each value has ``valid_from``, ``source`` and
``derived`` (a derived value must write out its ``derivation``). A value applies from its
``valid_from`` until the next one; the last is carried forward. Every parameter the cost model
uses is a field of :class:`Rates`, so an unknown key (e.g. a misspelt parameter) is an error,
as is a missing one. Derived values whose derivation is arithmetic on other entries are
re-computed on loading and must agree (see :data:`DERIVATIONS`).

Example:
    >>> from datetime import date
    >>> rates = load_rates()
    >>> rates.value("dagpenge_max_week", date(2019, 6, 1))
    4355.0
    >>> rates.value("dagpenge_max_week", date(2020, 6, 1))
    4405.0

"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import (
    Field,
    PrivateAttr,
    create_model,
    field_validator,
    model_validator,
)

from acsim.data import DATA_DIR
from acsim.exceptions import ScenarioError
from acsim.spec.base import Bool, Float, Spec, read_toml, validate

__all__ = [
    "DERIVATIONS",
    "PRICE_UNITS",
    "Bracket",
    "Parameter",
    "Rates",
    "RatesBase",
    "RatesMeta",
    "ScaleParameter",
    "ScaleValue",
    "Value",
    "default_rates",
    "load_rates",
]

#: The rates file shipped with acsim.
DEFAULT_RATES = "rates_dk.toml"
#: What a programme price may be per (the unit of a ``[prices.<name>]`` parameter).
PRICE_UNITS = ("DKK/participant", "DKK/participant-week", "DKK/participant-hour")


def _finite(v: float) -> float:
    if not math.isfinite(v):
        raise ValueError("must be a finite number")
    return v


class _Dated(Spec):
    """Fields shared by every dated value: when, where from, and how derived."""

    valid_from: date
    source: str = Field(min_length=1)
    derived: Bool
    derivation: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _derivation_written(self) -> _Dated:
        if self.derived and not self.derivation.strip():
            raise ValueError("a derived value (derived = true) needs its 'derivation' written out")
        return self


class Value(_Dated):
    """One dated number."""

    value: Float

    _check_value = field_validator("value")(_finite)


class Bracket(Spec):
    """Share that applies from ``from_week`` elapsed weeks of the spell on."""

    from_week: Float = Field(ge=0)
    share: Float = Field(ge=0, le=1)


class ScaleValue(_Dated):
    """One dated scale: shares by elapsed week, brackets in increasing order from week 0."""

    brackets: tuple[Bracket, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> ScaleValue:
        weeks = [b.from_week for b in self.brackets]
        if weeks[0] != 0:
            raise ValueError("the first bracket must start at from_week = 0")
        if any(b <= a for a, b in zip(weeks, weeks[1:], strict=False)):
            raise ValueError(f"bracket from_week values must increase, got {weeks}")
        return self


class _ParameterBase(Spec):
    description: str = Field(min_length=1)
    unit: str = Field(min_length=1)

    @model_validator(mode="after")
    def _dates_increase(self) -> _ParameterBase:
        dates = [v.valid_from for v in self.values]  # type: ignore[attr-defined]
        for i in range(1, len(dates)):
            if dates[i] <= dates[i - 1]:
                raise ValueError(
                    f"values[{i}].valid_from {dates[i]} must be after values[{i - 1}].valid_from "
                    f"{dates[i - 1]} (values are listed oldest first, one per date)"
                )
        return self


class Parameter(_ParameterBase):
    """A dated number, e.g. the maximum weekly dagpenge."""

    values: tuple[Value, ...] = Field(min_length=1)


class ScaleParameter(_ParameterBase):
    """A dated scale by elapsed week, e.g. the municipal share of dagpenge."""

    values: tuple[ScaleValue, ...] = Field(min_length=1)


class RatesMeta(Spec):
    """About the file: title, currency, and the last date its rates are known for."""

    title: str = Field(min_length=1)
    currency: Literal["DKK"]
    covers_until: date
    notes: str = ""


class RatesBase(Spec):
    """The rates every run needs (benefits, financing, caseworker time, programmes).

    :class:`Rates` adds the rates the policy families declare (``Family.rates``).

    Attributes:
        meta: Title, currency, and ``covers_until``: weeks after it are costed at the last
            known values (the cost model warns).
        prices: Prices of named programmes, read by a programme's ``price`` (e.g.
            ``price = "godt_fra_start"`` reads ``[prices.godt_fra_start]``): dated
            parameters whose unit says what is priced, ``DKK/participant``,
            ``DKK/participant-week`` or ``DKK/participant-hour``. Looked up as
            ``"prices.<name>"``.

    """

    meta: RatesMeta
    prices: dict[str, Parameter] = Field(default_factory=dict)
    dagpenge_max_month: Parameter
    dagpenge_max_day: Parameter
    dagpenge_max_week: Parameter
    graduate_rate_share: Parameter
    graduate_rate_share_dependants: Parameter
    benefit_period_hours: Parameter
    benefit_period_weeks: Parameter
    municipal_share_dagpenge: ScaleParameter
    kontanthjaelp_month: Parameter
    kontanthjaelp_children_month: Parameter
    ledighedsydelse_month: Parameter
    ressourceforloebsydelse_month: Parameter
    revalideringsydelse_month: Parameter
    internship_max_weeks: Parameter
    internship_max_weeks_graduate: Parameter
    wage_subsidy_earliest_week: Parameter
    wage_subsidy_max_weeks_private: Parameter
    wage_subsidy_max_weeks_public: Parameter
    wage_subsidy_private_hour: Parameter
    caseworker_salary_month: Parameter
    caseworker_overhead_share: Parameter
    caseworker_hours_year: Parameter
    caseworker_cost_hour: Parameter
    meeting_prep_recording_minutes: Parameter
    meeting_cost_30min: Parameter
    group_meeting_caseworker_hours: Parameter
    activation_class_size: Parameter
    activation_instructor_factor: Parameter
    activation_cost_participant_hour: Parameter
    activation_cost_week_30h: Parameter
    course_cost_week: Parameter
    internship_cost_week: Parameter
    private_provider_price_per_spell: Parameter

    _source: str = PrivateAttr(default="<rates>")

    @model_validator(mode="after")
    def _prices_say_what_they_price(self) -> RatesBase:
        for key, param in self.prices.items():
            if param.unit not in PRICE_UNITS:
                raise ValueError(f"prices.{key}.unit: {param.unit!r} is not one of "
                                 f"{', '.join(PRICE_UNITS)}")
        return self

    @model_validator(mode="after")
    def _not_after_coverage(self) -> RatesBase:
        for name in [*self.parameter_names(), *self.price_names()]:
            for i, v in enumerate(self.parameter(name).values):
                if v.valid_from > self.meta.covers_until:
                    raise ValueError(
                        f"{name}.values[{i}].valid_from {v.valid_from} is after "
                        f"meta.covers_until {self.meta.covers_until}"
                    )
        return self

    # -- lookups ----------------------------------------------------------------------------
    @property
    def source(self) -> str:
        """The file the rates were read from."""
        return self._source

    @classmethod
    def parameter_names(cls) -> list[str]:
        """Names of all parameters (every field but ``meta`` and ``prices``)."""
        return [n for n in cls.model_fields if n not in ("meta", "prices")]

    def price_names(self) -> list[str]:
        """The names of the programme prices, as looked up: ``prices.<name>``."""
        return [f"prices.{k}" for k in self.prices]

    def parameter(self, name: str) -> Parameter | ScaleParameter:
        """The parameter called ``name`` (``prices.<name>`` for a programme's price).

        Raises:
            ScenarioError: No such parameter.

        """
        if name.startswith("prices."):
            key = name.removeprefix("prices.")
            if key not in self.prices:
                raise ScenarioError(self._source, name, "unknown price; known: "
                                    f"{', '.join(self.price_names()) or 'none'}")
            return self.prices[key]
        if name in ("meta", "prices") or name not in type(self).model_fields:
            raise ScenarioError(
                self._source, name,
                f"unknown rate; known: {', '.join(self.parameter_names())}",
            )
        return getattr(self, name)

    def entry(self, name: str, when: date) -> Value | ScaleValue:
        """The dated value of ``name`` that applies on ``when``.

        Raises:
            ScenarioError: Unknown name, or ``when`` is before the first ``valid_from``.

        """
        param = self.parameter(name)
        found = None
        for v in param.values:
            if v.valid_from <= when:
                found = v
            else:
                break
        if found is None:
            raise ScenarioError(
                self._source, name,
                f"no value valid on {when}: the first applies from {param.values[0].valid_from}",
            )
        return found

    def value(self, name: str, when: date) -> float:
        """The number ``name`` stands for on ``when``, e.g. ``value("dagpenge_max_week", d)``."""
        got = self.entry(name, when)
        if not isinstance(got, Value):
            raise ScenarioError(self._source, name, "is a scale by week: use share()")
        return got.value

    def scale(self, name: str, when: date) -> tuple[Bracket, ...]:
        """The brackets of the scale ``name`` that apply on ``when``."""
        got = self.entry(name, when)
        if not isinstance(got, ScaleValue):
            raise ScenarioError(self._source, name, "is a single value: use value()")
        return got.brackets

    def share(self, name: str, elapsed_weeks: float, when: date) -> float:
        """Share of scale ``name`` for a spell ``elapsed_weeks`` old, on ``when``.

        A bracket ``from_week = 4`` applies to elapsed durations above 4 weeks (week 5 on).
        """
        out = 0.0
        for b in self.scale(name, when):
            if elapsed_weeks > b.from_week or b.from_week == 0:
                out = b.share
        return out

    def change_dates(self, name: str) -> tuple[date, ...]:
        """The ``valid_from`` dates of ``name``, oldest first."""
        return tuple(v.valid_from for v in self.parameter(name).values)


# -- derivations re-computed on loading --------------------------------------------------------
def _family_rates() -> dict[str, tuple[type, object]]:
    from acsim.policies.registry import rate_names

    return {name: (Parameter, ...) for name in rate_names()}


#: Every rate the cost model uses: :class:`RatesBase` plus the policy families' own rates.
#: Load with :func:`load_rates`.
Rates = create_model(
    "Rates", __base__=RatesBase, __module__=__name__, __doc__=RatesBase.__doc__,
    **_family_rates(),
)


def _week_from_month(r: Rates, d: date) -> float:
    return 5.0 * round(r.value("dagpenge_max_month", d) / 21.66)


def _caseworker_hour(r: Rates, d: date) -> float:
    salary = r.value("caseworker_salary_month", d)
    return salary * 12 * (1 + r.value("caseworker_overhead_share", d)) / r.value(
        "caseworker_hours_year", d
    )


def _meeting_30(r: Rates, d: date) -> float:
    minutes = 30 + r.value("meeting_prep_recording_minutes", d)
    return r.value("caseworker_cost_hour", d) * minutes / 60


def _activation_hour(r: Rates, d: date) -> float:
    return (
        r.value("caseworker_cost_hour", d)
        * r.value("activation_instructor_factor", d)
        / r.value("activation_class_size", d)
    )


#: Derived parameters checked on loading: name -> (formula, what it says, tolerance in the
#: parameter's unit). Every dated value of the parameter must match its formula.
DERIVATIONS: dict[str, tuple[Callable[[Rates, date], float], str, float]] = {
    "dagpenge_max_day": (
        lambda r, d: float(round(r.value("dagpenge_max_month", d) / 21.66)),
        "round(dagpenge_max_month / 21.66)", 0.0,
    ),
    "dagpenge_max_week": (_week_from_month, "5 x round(dagpenge_max_month / 21.66)", 0.0),
    "benefit_period_weeks": (
        lambda r, d: r.value("benefit_period_hours", d) / 37, "benefit_period_hours / 37", 0.01,
    ),
    "caseworker_cost_hour": (
        _caseworker_hour,
        "caseworker_salary_month x 12 x (1 + caseworker_overhead_share) / caseworker_hours_year",
        0.01,
    ),
    "meeting_cost_30min": (
        _meeting_30, "caseworker_cost_hour x (30 + meeting_prep_recording_minutes) / 60", 0.01,
    ),
    "activation_cost_participant_hour": (
        _activation_hour,
        "caseworker_cost_hour x activation_instructor_factor / activation_class_size", 0.01,
    ),
    "activation_cost_week_30h": (
        lambda r, d: 30 * r.value("activation_cost_participant_hour", d),
        "30 x activation_cost_participant_hour", 0.01,
    ),
}


def _check_derivations(rates: Rates) -> None:
    for name, (formula, text, tol) in DERIVATIONS.items():
        for i, v in enumerate(rates.parameter(name).values):
            expected = formula(rates, v.valid_from)
            if abs(v.value - expected) > tol + 1e-9:  # type: ignore[union-attr]
                raise ScenarioError(
                    rates.source, f"{name}.values[{i}].value",
                    f"{v.value:g} does not match its derivation {text} = {expected:.2f}",  # type: ignore[union-attr]
                )


# -- loading -----------------------------------------------------------------------------------
def load_rates(path: str | Path | None = None) -> Rates:
    """Read and validate a rates file (the shipped Danish rates by default).

    Raises:
        ScenarioError: The file is missing or not TOML, a key is unknown or missing, a value
            or date does not validate, dates are out of order, or a derived value does not
            match its derivation. The error names the file and the key.

    """
    if path is None:
        data = read_toml(DATA_DIR / DEFAULT_RATES)
        source = f"acsim/data/{DEFAULT_RATES}"
    else:
        data, source = read_toml(path), str(path)
    rates = validate(Rates, data, source)
    rates._source = source
    _check_derivations(rates)
    return rates


@cache
def default_rates() -> Rates:
    """The shipped Danish rates, loaded once."""
    return load_rates()
