"""Scenarios: a TOML file validated into a frozen, hashable object.

The file and the Python API are the same thing: :func:`load_scenario` reads a file,
:meth:`Scenario.from_dict` takes the same tables as Python dicts, and
:meth:`Scenario.with_changes` makes a variant by dotted key paths. Every path validates the same
way, and every error names the source, the key path and what was expected.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
import tomllib
import warnings
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import Field, create_model, field_validator, model_validator

from acsim.data import DATA_DIR
from acsim.exceptions import ScenarioError, ScenarioWarning
from acsim.model.hazards import HazardSpec
from acsim.model.population import MAX_JOBSEEKERS, MIN_JOBSEEKERS, PopulationSpec
from acsim.policies.meetings import MeetingsSpec
from acsim.policies.programmes import MAX_PROGRAMMES
from acsim.policies.provider import ProviderSpec
from acsim.policies.registry import effects_fields, programme_specs
from acsim.policies.screening import ScreeningSpec
from acsim.policies.staffing import StaffingSpec
from acsim.spec import paths
from acsim.spec.base import MAX_WEEK, Bool, FieldProblem, Float, Spec, read_toml, validate

__all__ = [
    "EFFECTS_FILE",
    "Effects",
    "EffectsBase",
    "ProgrammeEntry",
    "RunSpec",
    "Scenario",
    "default_effects",
    "load_scenario",
    "parse_override",
]


@functools.cache
def rates_coverage() -> tuple[date, date]:
    """The dates the shipped rates cover, within which a scenario's ``start_date`` must lie.

    From the first date every rate has a value for to the file's ``meta.covers_until``.
    """
    from acsim.costs.rates import default_rates

    rates = default_rates()
    first = max(rates.parameter(n).values[0].valid_from for n in rates.parameter_names())
    return first, rates.meta.covers_until


class RunSpec(Spec):
    """Name, calendar and time window of a run.

    Attributes:
        name: Scenario name, used in tables and plots.
        description: Free text.
        start_date: Calendar date of simulation week 0 (drives the monthly inflow profile).
            It must lie within the dated rates (``acsim/data/rates_dk.toml``): on or after
            the first date every rate has a value for (2019-01-01) and on or before the
            file's ``meta.covers_until`` (2020-12-31); weeks after that are costed at the
            last known values, with a warning.
        warmup_weeks: Weeks simulated before results are recorded (fills caseloads; at most
            520).
        horizon_weeks: Weeks after the warm-up during which entries are recorded (more than 0,
            at most 1,040).

    """

    name: str = Field("scenario", min_length=1)
    description: str = ""
    start_date: date = date(2019, 1, 1)
    warmup_weeks: Float = Field(26.0, ge=0, le=MAX_WEEK)
    horizon_weeks: Float = Field(104.0, gt=0, le=1040)

    @field_validator("start_date")
    @classmethod
    def _within_the_rates(cls, when: date) -> date:
        first, last = rates_coverage()
        if not first <= when <= last:
            raise ValueError(f"must be from {first} to {last}, the dates the rates file "
                             "covers (acsim/data/rates_dk.toml)")
        return when

    @property
    def end_week(self) -> float:
        """Simulation end: warm-up plus horizon."""
        return self.warmup_weeks + self.horizon_weeks


class EffectsBase(Spec):
    """Effect sizes shared by all municipalities: what calibration fits.

    One table per effects table a policy family declares (see
    :mod:`acsim.policies.registry`). The defaults are uncalibrated placeholders. A scenario
    without an ``[effects]`` table gets :func:`default_effects`: the calibrated values in
    ``acsim/data/effects.toml``, written by ``acsim calibrate`` with each value's targets and
    fit.

    Attributes:
        calibrated: False while these are the uncalibrated placeholders shipped with acsim.
        source: Where the values come from.

    """

    calibrated: Bool = False
    source: str = "uncalibrated placeholders (acsim defaults); see docs/model.md"


#: The effects model, one field per registered effects table.
Effects = create_model(
    "Effects",
    __base__=EffectsBase,
    __module__=__name__,
    __doc__=EffectsBase.__doc__,
    **{f.name: (f.spec, f.default) for f in effects_fields()},
)


#: The calibrated effect sizes shipped with acsim (written by ``acsim calibrate``).
EFFECTS_FILE = DATA_DIR / "effects.toml"


@functools.cache
def default_effects() -> Effects:
    """The calibrated effects of ``acsim/data/effects.toml``, or the placeholders without it."""
    if not EFFECTS_FILE.is_file():
        return Effects()
    return validate(Effects, read_toml(EFFECTS_FILE), str(EFFECTS_FILE))


#: A ``[[programmes]]`` entry: any registered programme kind, told apart by ``kind``.
ProgrammeEntry = Annotated[Union[programme_specs()], Field(discriminator="kind")]  # noqa: UP007


class Scenario(Spec):
    """A whole job-centre scenario: who arrives, how they exit, and the policies they meet.

    Checks across tables, besides each table's own: at most ``MAX_PROGRAMMES`` (32)
    programmes; every track named exists in ``screening.tracks``; a replication expects from
    ``MIN_JOBSEEKERS`` (20) to ``MAX_JOBSEEKERS`` (5,000,000) jobseekers (``annual_inflow``
    over warm-up and horizon, plus the stock). A programme that starts at a spell week no
    spell reaches (at or after the run's end plus the longest elapsed duration of the stock)
    is valid but gives a :class:`~acsim.exceptions.ScenarioWarning`.
    """

    scenario: RunSpec = RunSpec()
    population: PopulationSpec = PopulationSpec()
    hazard: HazardSpec = HazardSpec()
    staffing: StaffingSpec = StaffingSpec()
    meetings: MeetingsSpec = MeetingsSpec()
    screening: ScreeningSpec = ScreeningSpec()
    programmes: tuple[ProgrammeEntry, ...] = Field((), max_length=MAX_PROGRAMMES)
    provider: ProviderSpec = ProviderSpec()
    effects: Effects = Field(default_factory=default_effects)

    @model_validator(mode="before")
    @classmethod
    def _effects_over_the_defaults(cls, data: Any) -> Any:
        """A partial ``[effects]`` table overrides only its own keys of the default effects."""
        if isinstance(data, Mapping) and isinstance(data.get("effects"), Mapping):
            data = dict(data)
            data["effects"] = _merge(default_effects().model_dump(mode="python"),
                                     data["effects"])
        return data

    @model_validator(mode="after")
    def _tracks_exist(self) -> Scenario:
        names = set(self.screening.track_names)
        used = [(f"programmes[{i}].tracks", t) for i, p in enumerate(self.programmes)
                for t in p.tracks]
        used += [(f"meetings.extra[{i}].tracks", t) for i, e in enumerate(self.meetings.extra)
                 for t in e.tracks]
        if self.meetings.group is not None:
            used += [("meetings.group.tracks", t) for t in self.meetings.group.tracks]
        for where, t in used:
            if t not in names:
                raise FieldProblem(where, f"unknown track {t!r}; screening.tracks has "
                                          f"{sorted(names)}")
        return self

    @model_validator(mode="after")
    def _population_in_bounds(self) -> Scenario:
        run = self.scenario.end_week
        expected = self.population.expected_jobseekers(run)
        stock = sum(b.count for b in self.population.stock)
        if expected < MIN_JOBSEEKERS:
            raise FieldProblem(
                "population.annual_inflow",
                f"a replication expects {expected:.3g} jobseekers (annual_inflow over "
                f"{run:g} weeks, plus the stock): at least {MIN_JOBSEEKERS} are needed for any "
                "metric (annual_inflow is per year)")
        if expected > MAX_JOBSEEKERS:
            key = "population.stock" if stock > expected / 2 else "population.annual_inflow"
            raise FieldProblem(
                key,
                f"a replication expects {expected:.3g} jobseekers (annual_inflow over "
                f"{run:g} weeks, plus the stock): at most {MAX_JOBSEEKERS:,} fit in memory")
        return self

    @model_validator(mode="after")
    def _programmes_reachable(self) -> Scenario:
        elapsed = max((b.to_week for b in self.population.stock), default=0.0)
        for i, p in enumerate(self.programmes):
            if p.start_week >= self.scenario.end_week + elapsed:
                # Valid (a short exploratory run, a sweep over the horizon), but never in effect.
                warnings.warn(
                    f"programmes[{i}].start_week: spell week {p.start_week:g} is never reached: "
                    f"the run ends after {self.scenario.end_week:g} weeks (warm-up + horizon) "
                    f"and no stock spell has more than {elapsed:g} weeks elapsed",
                    ScenarioWarning, stacklevel=2)
        return self

    # -- identity ----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` turns back into an equal scenario."""
        return self.model_dump(mode="python")

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical content: equal scenarios have equal digests."""
        data = self.model_dump(mode="json", round_trip=True)
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def __hash__(self) -> int:
        return hash(self.digest)

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<api>") -> Scenario:
        """Validate plain data (the tables of a scenario file) into a scenario."""
        return validate(cls, dict(data), source)

    def with_changes(self, changes: Mapping[str, Any], source: str = "<with_changes>") -> Scenario:
        """A variant: ``changes`` maps dotted key paths (or nested tables) to new values.

        Example:
            >>> base = Scenario()
            >>> base.with_changes({"staffing.caseworkers": 60}).staffing.caseworkers
            60

        """
        data = copy.deepcopy(self.to_dict())
        for key, value in changes.items():
            paths.assign(data, str(key), value, source)
        return Scenario.from_dict(data, source=source)


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``over`` laid on top, table by table (any other value is replaced)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def parse_override(text: str) -> tuple[str, Any]:
    """Parse a command-line ``KEY=VALUE``; the value is read as TOML, else as a string."""
    if "=" not in text:
        raise ScenarioError("--set", text, "expected KEY=VALUE")
    key, raw = text.split("=", 1)
    key = key.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    if isinstance(value, float) and not math.isfinite(value) and raw.strip() == "nan":
        raise ScenarioError("--set", key, "nan is not a valid value")
    return key, value


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file.

    Raises:
        ScenarioError: The file is missing, is not valid TOML, or a value does not validate.

    """
    return Scenario.from_dict(read_toml(path), source=str(path))
