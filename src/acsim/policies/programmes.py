"""The mechanism shared by every programme: target, take-up, threat, lock-in, post effect, hire.

A programme that targets a jobseeker and is taken up runs through phases set by agenda events:

1. *threat*: from ``start_week - threat_weeks`` the announced programme multiplies the job
   hazard by ``threat_hr`` (the motivation effect, T05);
2. *lock-in*: from ``start_week`` for ``duration_weeks`` the job hazard is multiplied by
   ``lockin_hr``;
3. at the end the jobseeker is hired with probability ``hire_probability``; otherwise
4. *post*: the job hazard is multiplied by ``post_hr`` for ``post_weeks`` (or the rest of the
   spell), and the later employment's separation hazard by ``separation_hr``.

Only one programme runs at a time, over a half-open interval ``[start, start + duration)``: a
programme whose start falls inside another is not started; one that starts the instant another
ends runs after it.
The family modules (activation, placements, education) define their specs and effects.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field, field_validator, model_validator

from acsim.model.rng import Stream
from acsim.policies.base import Policy
from acsim.policies.registry import Family
from acsim.spec.base import (
    GROUP_TERMS,
    FieldProblem,
    Float,
    FloatOrInf,
    GroupValue,
    Spec,
    resolve_group_value,
)

if TYPE_CHECKING:
    from acsim.costs.inputs import CostInputs
    from acsim.model.spell import Spell

__all__ = [
    "DRAWS_PER_PROGRAMME", "JOB_CENTRE", "MAX_PROGRAMMES", "Programme", "ProgrammeBoard",
    "ProgrammeEffects",
    "ProgrammeSpec",
    "TargetSpec",
    "priced_cost",
    "weekly_cost_rule",
]

#: Uniforms reserved in the PROGRAMMES stream per programme and spell (take-up, hire).
DRAWS_PER_PROGRAMME = 2
#: Most programmes a scenario may have (their random draws are numbered within this).
MAX_PROGRAMMES = _MAX_PROGRAMMES = 32
#: The ``provider`` of a programme the job centre delivers itself.
JOB_CENTRE = "job centre"
#: Starts and ends closer than this (weeks; under a millisecond) fall at the same instant.
_TIE_WEEKS = 1e-9


class TargetSpec(Spec):
    """Who a programme is for: a band of elapsed duration at its start and a band of age.

    Both bands are half-open, ``[min, max)``, so that adjacent bands (``max_weeks_elapsed =
    52`` and ``min_weeks_elapsed = 52``; ``max_age = 30`` and ``min_age = 30``) split a
    population without overlap. The defaults select everyone. Together with ``tracks`` and
    ``groups`` a jobseeker must meet all of them.

    Attributes:
        min_weeks_elapsed: Least spell week at the programme's start (the elapsed
            unemployment duration, weeks; 12 months = 52).
        max_weeks_elapsed: Spell week at the start below which it is offered (``inf``: no
            upper bound).
        min_age: Least age (years), as the population draws it at inflow (the age behind the
            group terms ``under30``, ``age30_49``, ``age50plus``).
        max_age: Age below which it is offered (``inf``: no upper bound; ``30``: under 30).

    Example:
        >>> TargetSpec(min_weeks_elapsed=52).selects(60.0, 35.0)
        True

    """

    min_weeks_elapsed: Float = Field(0.0, ge=0, le=520)
    max_weeks_elapsed: FloatOrInf = Field(math.inf, gt=0)
    min_age: Float = Field(0.0, ge=0, le=100)
    max_age: FloatOrInf = Field(math.inf, gt=0)

    @model_validator(mode="after")
    def _bands(self) -> TargetSpec:
        if not self.min_weeks_elapsed < self.max_weeks_elapsed:
            raise FieldProblem("max_weeks_elapsed",
                               f"must be above min_weeks_elapsed ({self.min_weeks_elapsed:g})")
        if not self.min_age < self.max_age:
            raise FieldProblem("max_age", f"must be above min_age ({self.min_age:g})")
        return self

    @property
    def everyone(self) -> bool:
        """Whether the target selects every jobseeker (the default)."""
        return self == TargetSpec()

    def selects(self, weeks_elapsed: float, age: float) -> bool:
        """Whether a jobseeker of ``age`` at spell week ``weeks_elapsed`` is in the target."""
        return (self.min_weeks_elapsed <= weeks_elapsed < self.max_weeks_elapsed
                and self.min_age <= age < self.max_age)


class ProgrammeSpec(Spec):
    """Timing and target of a programme (fields shared by every family).

    Attributes:
        name: Label in the results.
        start_week: Spell week at which it starts.
        duration_weeks: How long it lasts.
        hours_per_week: Hours a week (for costing and reporting).
        tracks: Tracks it is offered to (empty: all).
        groups: Group terms a jobseeker must all have, e.g. ``["graduate"]`` (empty: all).
        target: A band of elapsed duration at the start and of age (:class:`TargetSpec`), e.g.
            ``{ min_weeks_elapsed = 52 }`` (12+ months) or ``{ max_age = 30 }`` (under 30);
            a start week outside the elapsed band is an error (the programme would never run).
        take_up: Probability that a targeted jobseeker starts it.
        threat_weeks: Weeks before the start at which it is announced (0: not announced).
        provider: Who delivers it: ``"job centre"`` or the name of an external provider
            (reported with the costs; the municipality pays either way).
        price: The name of its price in the rates file (``[prices.<name>]``, whose unit says
            whether per participant, participant-week or participant-hour); empty: the
            family's own rate (e.g. ``course_cost_week``).

    """

    name: str = Field(min_length=1)
    start_week: Float = Field(ge=0, le=520)
    duration_weeks: Float = Field(gt=0, le=104)
    hours_per_week: Float = Field(30.0, ge=0, le=60)
    tracks: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    target: TargetSpec = TargetSpec()
    take_up: Float = Field(1.0, ge=0, le=1)
    threat_weeks: Float = Field(4.0, ge=0, le=52)
    provider: str = Field("job centre", min_length=1)
    price: str = ""

    @field_validator("groups")
    @classmethod
    def _known_groups(cls, groups: tuple[str, ...]) -> tuple[str, ...]:
        """Check group terms."""
        bad = [g for g in groups if g not in GROUP_TERMS]
        if bad:
            raise ValueError(f"unknown group term {bad[0]!r}; allowed: {sorted(GROUP_TERMS)}")
        return groups

    @model_validator(mode="after")
    def _starts_in_its_band(self) -> ProgrammeSpec:
        t = self.target
        if not t.min_weeks_elapsed <= self.start_week < t.max_weeks_elapsed:
            raise FieldProblem(
                "target", f"start_week {self.start_week:g} lies outside the elapsed band "
                f"[{t.min_weeks_elapsed:g}, {t.max_weeks_elapsed:g}) weeks of target: the "
                "programme would never start; move start_week into the band")
        return self


class ProgrammeEffects(Spec):
    """Effect sizes of a programme type (hazard ratios unless stated). Uncalibrated defaults.

    Attributes:
        threat_hr: Job hazard ratio in the announced weeks before the start.
        lockin_hr: Job hazard ratio while in the programme.
        post_hr: Job hazard ratio after the programme.
        post_weeks: How long the post effect lasts (``inf``: rest of the spell; the only
            spec value that may be infinite).
        hire_probability: Probability of being hired at the end (exit to a job).
        separation_hr: Separation hazard ratio in the employment that follows.
        other_hr: Hazard ratio on the exits other than a job (out of the labour force:
            sickness benefit, education, leaving) from the programme's start to the end of the
            spell: an activation's availability test moves some to sickness benefit (T15's
            direction). 1 (the default): none; a value other than 1 runs on the SimPy engine.

    """

    threat_hr: GroupValue = 1.0
    lockin_hr: GroupValue = 0.7
    post_hr: GroupValue = 1.1
    post_weeks: FloatOrInf = Field(math.inf, gt=0)
    hire_probability: Float = Field(0.0, ge=0, le=1)
    separation_hr: GroupValue = 1.0
    other_hr: GroupValue = 1.0


class _ProgrammeState:
    """Per-spell state shared by a scenario's programmes (one runs at a time)."""

    __slots__ = ("running", "until", "started", "names", "weeks", "subsidised_weeks")

    def __init__(self) -> None:
        self.running: Programme | None = None
        self.until = -math.inf  # absolute end time of the running programme
        self.started = 0.0  # absolute start time of the running programme
        self.names: list[str] = []
        self.weeks = 0.0
        self.subsidised_weeks = 0.0


class ProgrammeBoard(Policy):
    """The per-spell programme state of a scenario and its tallies and episodes.

    Every programme of a scenario shares it: it knows which programme is running, records
    each programme episode ``[start, end)`` and closes a running one when the spell ends.
    """

    columns = ("programmes", "programme_weeks", "subsidised_weeks")
    streams = {Stream.PROGRAMMES: 8}

    def on_spell_start(self, spell: Spell) -> None:
        """Start the spell's programme state."""
        spell.state["programmes"] = _ProgrammeState()

    def on_spell_end(self, spell: Spell) -> None:
        """Record a programme cut short by the end of the spell."""
        st = spell.state["programmes"]
        if st.running is not None:
            self.episode(spell, st.running, st.started, spell.exit_week, completed=False)

    def tally(self, spell: Spell) -> tuple[str, float, float]:
        """Programme names started (``;``-separated), weeks completed, subsidised weeks."""
        st = spell.state["programmes"]
        return ";".join(st.names), st.weeks, st.subsidised_weeks

    def episode(self, spell: Spell, prog: Programme, start: float, end: float,
                completed: bool) -> None:
        """Record an episode of ``prog``."""
        s = prog.spec
        self.centre.record.programme(spell.js.id, spell.number, s.kind, s.name, start, end,
                                     s.hours_per_week, prog.subsidised, completed)


class Programme(Policy):
    """Runtime of one programme of a scenario.

    Args:
        spec: Timing and target.
        effects: Effect sizes for this programme type.
        index: Position among the scenario's programmes (fixes its random draws).
        subsidised: Whether the programme is subsidised work (no benefit paid meanwhile).
        board: The scenario's shared programme state (a new one by default).

    """

    def __init__(
        self,
        spec: ProgrammeSpec,
        effects: ProgrammeEffects,
        index: int,
        subsidised: bool = False,
        board: ProgrammeBoard | None = None,
    ) -> None:
        if index >= _MAX_PROGRAMMES:
            raise ValueError(f"at most {_MAX_PROGRAMMES} programmes per scenario")
        self.spec = spec
        self.effects = effects
        self.index = index
        self.subsidised = subsidised
        self.tracks = frozenset(spec.tracks)
        self.groups = frozenset(spec.groups)
        self.target = None if spec.target.everyone else spec.target
        #: Hazard ratio on the post effect for who delivers it (``acsim.policies.delivery``;
        #: exactly 1 for the job centre, so a job-centre programme is unchanged by it).
        self.delivery_hr = 1.0
        self._names = (f"threat{index}", f"lockin{index}", f"post{index}")
        self._cache: dict[frozenset[str], tuple[float, float, float, float]] = {}
        self._other: dict[frozenset[str], float] = {}
        self.board = board if board is not None else ProgrammeBoard()

    def _draw(self, spell: Spell, which: int) -> float:
        i = (spell.number * _MAX_PROGRAMMES + self.index) * DRAWS_PER_PROGRAMME + which
        return self.centre.uniform(Stream.PROGRAMMES, spell.js.id, i)

    def effect_sizes(self, spell: Spell) -> tuple[float, float, float, float]:
        """(threat, lock-in, post, separation) hazard ratios for this jobseeker."""
        terms = spell.js.terms
        got = self._cache.get(terms)
        if got is None:
            e = self.effects
            got = tuple(
                resolve_group_value(v, terms)
                for v in (e.threat_hr, e.lockin_hr, e.post_hr, e.separation_hr)
            )
            self._cache[terms] = got
        return got

    def start_week(self, spell: Spell) -> float:
        """Spell week at which this programme starts for this spell."""
        return self.spec.start_week

    def targets(self, spell: Spell) -> bool:
        """Whether the programme is offered to this spell."""
        if self.tracks and spell.track not in self.tracks:
            return False
        if self.groups and not self.groups <= spell.js.terms:
            return False
        return self.target is None or self.target.selects(self.start_week(spell), spell.js.age)

    def on_screened(self, spell: Spell) -> None:
        """Schedule the programme for a targeted spell that takes it up."""
        if not self.targets(spell):
            return
        if self.spec.take_up < 1.0 and self._draw(spell, 0) >= self.spec.take_up:
            return
        now_d = spell.duration(self.centre.now)
        start = self.start_week(spell)
        if start < now_d:
            return
        threat = self.effect_sizes(spell)[0]
        if self.spec.threat_weeks > 0 and threat != 1.0:
            spell.at(max(start - self.spec.threat_weeks, now_d), self._threat)
        spell.at(start, self._start)

    def _threat(self, spell: Spell, _arg: object) -> None:
        if spell.state["programmes"].running is None:
            spell.set_job(self._names[0], self.effect_sizes(spell)[0])

    def _start(self, spell: Spell, _arg: object) -> None:
        spell.set_job(self._names[0], 1.0)
        st = spell.state["programmes"]
        if st.running is not None:
            if st.until - self.centre.now <= _TIE_WEEKS:
                # the running programme ends at this instant (up to rounding): start after it
                spell.at_time(max(st.until, self.centre.now), self._start)
            return
        st.running = self
        st.started = self.centre.now
        st.names.append(self.spec.name)
        spell.set_job(self._names[1], self.effect_sizes(spell)[1])
        terms = spell.js.terms
        other = self._other.get(terms)
        if other is None:
            other = self._other[terms] = resolve_group_value(self.effects.other_hr, terms)
        if other != 1.0:  # from the start to the end of the spell
            spell.set_other(self._names[1], other)
        st.until = self.centre.now + self.spec.duration_weeks
        spell.at_time(st.until, self._end)

    def _end(self, spell: Spell, _arg: object) -> None:
        st = spell.state["programmes"]
        st.running = None
        spell.set_job(self._names[1], 1.0)
        self.board.episode(spell, self, st.started, self.centre.now, completed=True)
        weeks = self.spec.duration_weeks
        st.weeks += weeks
        if self.subsidised:
            st.subsidised_weeks += weeks
            spell.off_benefit_weeks += weeks
        _, _, post, sep = self.effect_sizes(spell)
        spell.separation_hr *= sep
        hire = self.effects.hire_probability
        if hire > 0.0 and self._draw(spell, 1) < hire:
            spell.forced_exit = "hired"
            return
        spell.set_job(self._names[2], post * self.delivery_hr)
        if math.isfinite(self.effects.post_weeks):
            spell.at(spell.duration(self.centre.now) + self.effects.post_weeks, self._post_end)

    def _post_end(self, spell: Spell, _arg: object) -> None:
        spell.set_job(self._names[2], 1.0)


def weekly_cost_rule(kind: str, rate: str, per_hour: bool = False):
    """A cost rule: attended weeks of ``kind`` episodes in the window x the rate at the start.

    Args:
        kind: The programme kind priced.
        rate: The rates parameter: a cost per participant-week, or per participant-hour with
            ``per_hour`` (times the episode's hours per week).
        per_hour: Whether ``rate`` is per hour.

    """

    def rule(inputs: CostInputs) -> dict[str, np.ndarray]:
        ep = inputs.episodes_of(kind)
        weeks = inputs.attended_weeks(ep)
        ep, weeks = ep[weeks > 0], weeks[weeks > 0]  # outside the window: no rate needed
        per_week = inputs.rate(rate, ep["start"].to_numpy(dtype=float))
        if per_hour:
            per_week = per_week * ep["hours_per_week"].to_numpy(dtype=float)
        return {"programmes": inputs.per_spell(ep["row"], weeks * per_week)}

    rule.__doc__ = f"Weeks of {kind} attended in the window x {rate}" + (
        " x hours per week." if per_hour else ".")
    return rule


def priced_cost(inputs: CostInputs) -> dict[str, np.ndarray]:
    """Programmes with their own ``price``: the price x what its unit counts.

    ``DKK/participant``: once per episode begun in the window, at the rate on its start;
    ``DKK/participant-week``: attended weeks in the window x the rate;
    ``DKK/participant-hour``: attended weeks x ``hours_per_week`` x the rate.
    """
    total = np.zeros(inputs.n)
    for name, price in inputs.prices.items():
        ep = inputs.priced_episodes(name)
        if not len(ep):
            continue
        key = f"prices.{price}"
        unit = inputs.rates.parameter(key).unit
        start = ep["start"].to_numpy(dtype=float)
        if unit == "DKK/participant":
            inside = (start >= inputs.lo) & (start < inputs.hi)
            ep, amount = ep[inside], np.ones(int(inside.sum()))
        else:
            amount = inputs.attended_weeks(ep)
            if unit == "DKK/participant-hour":
                amount = amount * ep["hours_per_week"].to_numpy(dtype=float)
            inside = amount > 0
            ep, amount = ep[inside], amount[inside]
        if len(ep):
            rate = inputs.rate(key, ep["start"].to_numpy(dtype=float))
            total += inputs.per_spell(ep["row"], amount * rate)
    return {"programmes": total}


def _build(s) -> list[Policy]:
    from acsim.policies.registry import family_of_kind

    board = ProgrammeBoard()
    out: list[Policy] = [board]
    for i, p in enumerate(s.programmes):
        runtime = family_of_kind(p.kind).runtime(p, s.effects, i, board)
        if isinstance(runtime, Programme) and p.provider != JOB_CENTRE:
            runtime.delivery_hr = s.effects.delivery.external_post_hr
        out.append(runtime)
    return out


FAMILIES = (Family("programmes", build=_build, columns=ProgrammeBoard.columns,
                   cost=priced_cost),)
