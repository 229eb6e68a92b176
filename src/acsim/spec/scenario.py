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
from collections.abc import Mapping, Sequence
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
    "MAX_BASED_ON",
    "POLICY_SECTIONS",
    "STAFFING_TRANSPLANTS",
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
        evidence: Evidence records (``acsim/data/evidence.toml``) a decision scenario is
            judged against, e.g. ``["M05"]``: ``acsim compare --business-case`` prints what
            they published beside the business case and its break-even effect.

    """

    name: str = Field("scenario", min_length=1)
    description: str = ""
    evidence: tuple[Annotated[str, Field(pattern=r"^[TM]\d{2}$")], ...] = ()
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


#: The top-level tables of a scenario that are policy, and can be transplanted between
#: scenarios (:meth:`Scenario.transplant`): the job centre's staffing, meetings, screening,
#: programmes and provider. ``scenario`` (run window), ``population``, ``hazard`` (the labour
#: market and the municipal level) and ``effects`` (shared by all municipalities) never are.
POLICY_SECTIONS = ("staffing", "meetings", "screening", "programmes", "provider")
#: How ``staffing`` is transplanted: ``"caseload"`` scales caseworkers and teams by the ratio
#: of annual inflows (caseworkers per entrant and team size as the donor's); ``"as_is"`` takes
#: the donor's numbers unchanged.
STAFFING_TRANSPLANTS = ("caseload", "as_is")


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


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
    def _prices_exist(self) -> Scenario:
        """A programme's ``price`` names a ``[prices.<name>]`` entry of the rates file."""
        priced = [(i, p.price) for i, p in enumerate(self.programmes) if p.price]
        if priced:
            from acsim.costs.rates import default_rates

            known = default_rates().prices
            names = [p.name for p in self.programmes]
            for i, price in priced:
                if names.count(names[i]) > 1:
                    raise FieldProblem(f"programmes[{i}].name",
                                       f"{names[i]!r} is the name of another programme too: a "
                                       "programme with its own price needs a name of its own")
                if price not in known:
                    raise FieldProblem(
                        f"programmes[{i}].price",
                        f"no price {price!r} in the rates file (acsim/data/rates_dk.toml, "
                        f"[prices.<name>]); known: {', '.join(sorted(known)) or 'none'}")
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

    def transplant(
        self,
        other: Scenario,
        sections: str | Sequence[str],
        *,
        staffing: str = "caseload",
        name: str | None = None,
    ) -> Scenario:
        """A scenario: this one's population and labour market under ``other``'s policy.

        "What if Copenhagen did what Aarhus does": the result keeps this scenario's
        ``scenario`` table (start date, warm-up, horizon), ``population``, ``hazard`` and
        ``effects``, and takes the named sections of :data:`POLICY_SECTIONS` from ``other``.
        Compared with this scenario on common random numbers, the same jobseekers meet the two
        policies, so the difference (and its business case) is the policy's alone.

        Staffing from a city of another size needs care: ``other``'s caseworkers would serve
        this scenario's inflow. With ``staffing="caseload"`` (the default) ``caseworkers`` and
        ``teams`` are scaled by the ratio of annual inflows (this scenario's over ``other``'s)
        and rounded, so that caseworkers per entrant and caseworkers per team match
        ``other``'s (``meetings_per_week``, ``assignment``, ``caseload_cap`` and
        ``meeting_minutes`` are taken as they are); ``staffing="as_is"`` takes ``other``'s
        numbers unchanged. The new scenario's ``description`` says which was done.

        Args:
            other: The scenario whose policy is transplanted (the donor).
            sections: Section names, as a sequence or comma-separated
                (``"programmes,meetings,staffing"``).
            staffing: ``"caseload"`` or ``"as_is"`` (see :data:`STAFFING_TRANSPLANTS`).
            name: Name of the new scenario (default e.g. "Copenhagen with Aarhus programmes").

        Returns:
            The new, validated scenario.

        Raises:
            ScenarioError: An unknown or non-policy section, an unknown ``staffing`` mode, a
                donor with no inflow to scale staffing by, or a combination that does not
                validate (e.g. programmes for tracks this scenario's screening lacks).

        Example:
            >>> small = Scenario().with_changes({"population.annual_inflow": 1000.0,
            ...                                  "staffing.caseworkers": 10})
            >>> big = Scenario().with_changes({"population.annual_inflow": 3000.0})
            >>> big.transplant(small, "staffing").staffing.caseworkers
            30

        """
        where = "transplant"
        names = ([p.strip() for p in sections.split(",")] if isinstance(sections, str)
                 else [str(p).strip() for p in sections])
        names = list(dict.fromkeys(n for n in names if n))
        if not names:
            raise ScenarioError(where, "sections", "name at least one policy section: "
                                f"{', '.join(POLICY_SECTIONS)}")
        for n in names:
            if n not in POLICY_SECTIONS:
                kept = (" (population, hazard, the scenario's run window and effects stay the "
                        "recipient's: a transplant compares policy on one population)"
                        if n in ("population", "hazard", "scenario", "effects") else "")
                raise ScenarioError(where, n, "not a policy section; choose from "
                                    f"{', '.join(POLICY_SECTIONS)}{kept}")
        if staffing not in STAFFING_TRANSPLANTS:
            raise ScenarioError(where, "staffing", f"unknown staffing transplant {staffing!r}; "
                                f"choose from {', '.join(STAFFING_TRANSPLANTS)}")
        donor = other.to_dict()
        data = copy.deepcopy(self.to_dict())
        for n in names:
            data[n] = copy.deepcopy(donor[n])
        what = _and(names)
        note = (f"{self.name}'s population, labour market (hazard) and run window under "
                f"{other.name}'s {what}")
        if "staffing" in names:
            mine, theirs = self.population.annual_inflow, other.population.annual_inflow
            cw, teams = other.staffing.caseworkers, other.staffing.teams
            if staffing == "caseload":
                if not theirs > 0:
                    raise ScenarioError(where, "staffing", f"{other.name} has no inflow to "
                                        "scale caseworkers by; use staffing='as_is'")
                ratio = mine / theirs
                new_cw = min(10_000, round(cw * ratio))
                new_teams = max(1, min(round(teams * ratio), new_cw or teams))
                data["staffing"]["caseworkers"] = new_cw
                data["staffing"]["teams"] = new_teams
                note += (f"; staffing scaled to caseload by the inflow ratio {mine:,.0f} / "
                         f"{theirs:,.0f} = {ratio:.2f}: {new_cw} caseworkers in {new_teams} "
                         f"team(s) ({other.name}: {cw} in {teams})")
            else:
                note += (f"; staffing as is: {other.name}'s {cw} caseworkers in {teams} team(s) "
                         f"for an inflow of {mine:,.0f} a year ({other.name}: {theirs:,.0f})")
        data["scenario"]["name"] = name or f"{self.name} with {other.name} {what}"
        data["scenario"]["description"] = note
        source = f"transplant of {other.name}'s {what} into {self.name}"
        try:
            return Scenario.from_dict(data, source=source)
        except ScenarioError as exc:
            raise ScenarioError(exc.source, exc.key, f"{exc.problem} (transplant the sections "
                                "it depends on as well, e.g. screening for its tracks)") from None


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


#: Longest chain of ``based_on`` files (a decision file on a city file is 2).
MAX_BASED_ON = 8


def _read_with_base(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """A scenario file's tables, laid over those of its ``based_on`` file (if any)."""
    data = read_toml(path)
    base = data.pop("based_on", None)
    if base is None:
        return data
    if not isinstance(base, str) or not base.strip():
        raise ScenarioError(str(path), "based_on", "expected the path of a scenario file "
                            f"(relative to this file), got {base!r}")
    target = (path.parent / base).resolve()
    if target in chain or target == path.resolve():
        raise ScenarioError(str(path), "based_on", f"{base!r} leads back to a file of its "
                            "own chain")
    if len(chain) >= MAX_BASED_ON:
        raise ScenarioError(str(path), "based_on", f"more than {MAX_BASED_ON} files chained")
    if not target.is_file():
        raise ScenarioError(str(path), "based_on", f"{base!r}: file not found (looked for "
                            f"{target})")
    return _merge(_read_with_base(target, (*chain, path.resolve())), data)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file.

    A file may start from another: ``based_on = "../copenhagen.toml"`` (relative to the file)
    takes that file's tables and lays this file's on top, key by key; an array (such as
    ``[[programmes]]``) given here replaces the base's whole array.

    Raises:
        ScenarioError: The file (or its base) is missing, is not valid TOML, or a value does
            not validate.

    """
    return Scenario.from_dict(_read_with_base(Path(path)), source=str(path))
