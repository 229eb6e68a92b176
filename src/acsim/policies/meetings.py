"""Individual and group meetings: schedules, extra meetings for tracks, and the meeting lift."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any, Union

import numpy as np
from pydantic import BeforeValidator, Discriminator, Field, Tag, field_validator, model_validator

from acsim.policies.base import Policy
from acsim.policies.registry import EffectsField, Family
from acsim.spec.base import (
    MAX_HAZARD_RATIO,
    MAX_WEEK,
    MIN_INTERVAL_WEEKS,
    Bool,
    FieldProblem,
    Float,
    GroupValue,
    Int,
    Spec,
    resolve_group_value,
)

if TYPE_CHECKING:
    from acsim.costs.inputs import CostInputs
    from acsim.model.calendar import Booking
    from acsim.model.spell import Spell

__all__ = [
    "ExtraMeetingsSpec",
    "GroupMeetingsSpec",
    "MeetingEffects",
    "Meetings",
    "MeetingsSpec",
    "SCHEDULE_PRESETS",
    "SchedulePhase",
]


class SchedulePhase(Spec):
    """Meet every ``every_weeks`` weeks until spell duration ``until_week``.

    ``every_weeks`` is at least :data:`~acsim.spec.base.MIN_INTERVAL_WEEKS` (one working day)
    and at most 104; ``until_week`` at most :data:`~acsim.spec.base.MAX_WEEK`.
    """

    until_week: Float = Field(gt=0, le=MAX_WEEK)
    every_weeks: Float = Field(ge=MIN_INTERVAL_WEEKS, le=104)


#: Named schedules. The legal minimum 2015-2019 (LAB 2015): 6 meetings in the first 6 months,
#: then one every 3 months; from 2020 (LAB 2019): 4 individual meetings in the first 6 months,
#: then (individually agreed; modelled as) every 3 months. Source: ../evidence/TARGETS.md.
SCHEDULE_PRESETS: dict[str, tuple[SchedulePhase, ...]] = {
    "legal_minimum_2015": (
        SchedulePhase(until_week=26, every_weeks=26 / 6),
        SchedulePhase(until_week=104, every_weeks=13),
    ),
    "legal_minimum_2020": (
        SchedulePhase(until_week=26, every_weeks=6.5),
        SchedulePhase(until_week=104, every_weeks=13),
    ),
    "weekly": (SchedulePhase(until_week=104, every_weeks=1),),
    "fortnightly": (SchedulePhase(until_week=104, every_weeks=2),),
    "none": (),
}


#: A spell week: finite, from 0 to :data:`~acsim.spec.base.MAX_WEEK`.
SpellWeek = Annotated[Float, Field(ge=0, le=MAX_WEEK)]


class ExtraMeetingsSpec(Spec):
    """Extra individual meetings at given spell weeks for some tracks (e.g. Frederiksberg).

    Each of ``weeks`` is a spell week from 0 to :data:`~acsim.spec.base.MAX_WEEK`; at most
    520 of them.
    """

    weeks: tuple[SpellWeek, ...] = Field(min_length=1, max_length=520)
    tracks: tuple[str, ...] = ()


class GroupMeetingsSpec(Spec):
    """Group meetings (or workshops that count as meetings) from one week to another.

    ``every_weeks`` is from :data:`~acsim.spec.base.MIN_INTERVAL_WEEKS` (one working day) to
    104; ``from_week`` and ``until_week`` are spell weeks up to
    :data:`~acsim.spec.base.MAX_WEEK`; ``size`` at most 1,000.
    """

    every_weeks: Float = Field(1.0, ge=MIN_INTERVAL_WEEKS, le=104)
    from_week: Float = Field(1.0, ge=0, le=MAX_WEEK)
    until_week: Float = Field(13.0, gt=0, le=MAX_WEEK)
    tracks: tuple[str, ...] = ()
    size: Int = Field(10, ge=1, le=1000, description="participants per group, for costing")

    @model_validator(mode="after")
    def _window(self) -> GroupMeetingsSpec:
        if self.until_week <= self.from_week:
            raise FieldProblem("until_week", "until_week must be after from_week")
        return self


def _schedule_kind(value: Any) -> str:
    return "preset" if isinstance(value, str) else "phases"


def _preset_or_phases(value: Any) -> Any:
    if not isinstance(value, (str, list, tuple)):
        raise ValueError("expected a preset name or an array of phases "
                         "({ until_week = ..., every_weeks = ... })")
    return value


#: A schedule: a preset's name or phases. The tags (``preset``, ``phases``) are left out of
#: error paths, so an error reads ``meetings.schedule[1].every_weeks``.
Schedule = Annotated[
    Union[Annotated[str, Tag("preset")],  # noqa: UP007
          Annotated[tuple[SchedulePhase, ...], Tag("phases")]],
    Discriminator(_schedule_kind),
    BeforeValidator(_preset_or_phases),
]


class MeetingsSpec(Spec):
    """When a jobseeker meets the job centre.

    Attributes:
        first_week: Spell week of the first individual meeting.
        schedule: A preset name (see :data:`SCHEDULE_PRESETS`) or phases of a regular
            schedule; each next meeting is booked when one is held.
        extra: Extra meetings at fixed spell weeks for some tracks.
        group: Group meetings, or ``None``.
        caseload_quality: Whether meeting quality follows the caseload (T09). Virtual trials
            switch it off unless they study caseloads: a trial's job centre is staffed so that
            meetings are held on time, not at the study's caseload.

    """

    first_week: Float = Field(2.0, ge=0, le=104)
    schedule: Schedule = "legal_minimum_2015"
    extra: tuple[ExtraMeetingsSpec, ...] = ()
    group: GroupMeetingsSpec | None = None
    caseload_quality: Bool = True

    @field_validator("schedule")
    @classmethod
    def _known_preset(cls, v: str | tuple[SchedulePhase, ...]) -> str | tuple[SchedulePhase, ...]:
        if isinstance(v, str) and v not in SCHEDULE_PRESETS:
            raise ValueError(f"unknown schedule {v!r}; expected one of {sorted(SCHEDULE_PRESETS)}")
        if not isinstance(v, str):
            ends = [p.until_week for p in v]
            for i in range(1, len(ends)):
                if ends[i] < ends[i - 1]:
                    raise FieldProblem(f"[{i}].until_week",
                                       "schedule phases must have increasing until_week")
        return v

    @property
    def phases(self) -> tuple[SchedulePhase, ...]:
        """The schedule as phases."""
        return SCHEDULE_PRESETS[self.schedule] if isinstance(self.schedule, str) else self.schedule


class MeetingEffects(Spec):
    """Effect of meetings on the job hazard (uncalibrated defaults; calibrated on T03, T07).

    After the n-th individual meeting the log hazard ratio is
    ``log(lift_hr) * (1 + growth * (min(n, max_count) - 1)) * quality``, held for one week, then
    ``persist`` of it for ``persist_weeks`` weeks. ``quality`` is
    ``(reference_caseload / caseload) ** caseload_elasticity`` (T09).

    Attributes:
        lift_hr: Hazard ratio in the week of a meeting, by group (T07: 52 % women under 30,
            25 % the other groups).
        persist: Share of the log lift that persists after the meeting week.
        persist_weeks: How long the persisting lift lasts.
        growth: Growth of the lift with each further meeting (T07, T20).
        max_count: Meetings after which the lift stops growing (at most 1,000). The grown
            lift, ``lift_hr ** (1 + growth * (max_count - 1))``, must stay within
            ``MAX_HAZARD_RATIO`` (100) and its inverse.
        reference_caseload: Caseload at which quality is 1.
        caseload_elasticity: Elasticity of meeting quality in the caseload.
        group_lift_hr: Hazard ratio while attending group meetings, from one group meeting to
            the next (T04, T15).

    """

    lift_hr: GroupValue = {"default": 1.25, "female+under30": 1.52}
    persist: Float = Field(0.4, ge=0, le=1)
    persist_weeks: Float = Field(3.0, ge=0, le=104)
    growth: Float = Field(0.05, ge=0, le=2)
    max_count: Int = Field(10, ge=1, le=1000)
    reference_caseload: Float = Field(100.0, gt=0, le=10_000)
    caseload_elasticity: Float = Field(0.0, ge=0, le=3)
    group_lift_hr: GroupValue = 1.05

    @model_validator(mode="after")
    def _grown_lift_bounded(self) -> MeetingEffects:
        """The lift after ``max_count`` meetings stays a hazard ratio in bounds."""
        worst = max(abs(math.log(v)) for _, v in self.lift_hr)
        grown = worst * (1.0 + self.growth * (self.max_count - 1))
        if grown > math.log(MAX_HAZARD_RATIO):
            raise FieldProblem(
                "growth",
                f"the lift after max_count = {self.max_count} meetings, lift_hr ** (1 + growth "
                f"* (max_count - 1)), is {math.exp(min(grown, 700.0)):.3g}: at most "
                f"{MAX_HAZARD_RATIO:g} (or its inverse) is accepted",
            )
        return self


#: Log lifts above this are held at it: ``math.exp`` overflows just above 709 (a meeting's
#: quality at a tiny caseload with a large elasticity); no valid run comes near it.
_MAX_LOG_LIFT = 700.0


class _MeetingState:
    """Per-spell state of the meetings policy."""

    __slots__ = ("gen", "group_meetings")

    def __init__(self) -> None:
        self.gen = 0  # generation of the current lift (a newer meeting supersedes it)
        self.group_meetings = 0


class Meetings(Policy):
    """Runtime meetings: books regular and extra meetings, holds them, applies the lift.

    Meeting kinds: ``"regular"`` (the schedule; each held one books the next), ``"extra"``
    (fixed weeks for some tracks) and ``"group"`` (group sessions, not booked in the calendar).
    """

    columns = ("group_meetings",)

    def __init__(
        self, spec: MeetingsSpec, effects: MeetingEffects, frequency_factor: float = 1.0
    ) -> None:
        self.spec = spec
        self.effects = effects
        self.phases = [(p.until_week, p.every_weeks / frequency_factor) for p in spec.phases]
        self.extra = [(tuple(e.weeks), frozenset(e.tracks)) for e in spec.extra]
        self.group = spec.group
        self._lift_cache: dict[frozenset[str], float] = {}
        self._group_cache: dict[frozenset[str], float] = {}
        # The lift of the n-th meeting depends only on the jobseeker's group terms and n,
        # unless meeting quality follows the caseload: then it is computed at each meeting.
        self._quality = bool(effects.caseload_elasticity and spec.caseload_quality)
        self._persists = effects.persist_weeks > 0 and effects.persist > 0
        self._lifts: dict[tuple[frozenset[str], int], tuple[float, float, bool]] = {}
        self._persist_cb, self._end_cb = self._persist, self._end  # agenda callbacks, bound once
        # The effect sizes read at every meeting, as plain attributes (the spec is frozen).
        self._growth, self._max_count = effects.growth, effects.max_count
        self._persist_share, self._persist_weeks = effects.persist, effects.persist_weeks
        self._reference_caseload = effects.reference_caseload
        self._elasticity = effects.caseload_elasticity

    # -- schedule ---------------------------------------------------------------------------
    def interval(self, duration: float) -> float | None:
        """Weeks until the next regular meeting after one held at ``duration``."""
        for until, every in self.phases:
            if duration < until:
                return every
        return None

    def on_spell_start(self, spell: Spell) -> None:
        """Book the first meeting and the group-meeting programme."""
        spell.state["meetings"] = _MeetingState()
        if self.phases:
            self.centre.book_meeting(spell, self.spec.first_week, "regular", self._held_regular)
        if self.group is not None:
            d0 = max(self.group.from_week, spell.duration(self.centre.now))
            if d0 < self.group.until_week:
                spell.at(d0, self._group_meeting)

    def on_screened(self, spell: Spell) -> None:
        """Book extra meetings for the spell's track."""
        now_d = spell.duration(self.centre.now)
        for weeks, tracks in self.extra:
            if not tracks or spell.track in tracks:
                for w in weeks:
                    if w >= now_d:
                        self.centre.book_meeting(spell, w, "extra", self.held)

    def tally(self, spell: Spell) -> tuple[int]:
        """The number of group sessions attended."""
        return (spell.state["meetings"].group_meetings,)

    # -- effects ----------------------------------------------------------------------------
    def log_lift(self, spell: Spell) -> float:
        """Log hazard ratio of the meeting just held (the spell's n-th)."""
        terms = spell.js.terms
        base = self._lift_cache.get(terms)
        if base is None:
            base = math.log(resolve_group_value(self.effects.lift_hr, terms))
            self._lift_cache[terms] = base
        n = min(spell.meetings_held, self._max_count)
        lift = base * (1.0 + self._growth * (n - 1))
        if self._quality:
            caseload = self.centre.caseload(spell)
            if caseload > 0:
                lift *= (self._reference_caseload / caseload) ** self._elasticity
        return min(lift, _MAX_LOG_LIFT)

    def _lift_effect(self, spell: Spell) -> tuple[float, float, bool]:
        """The meeting just held: its hazard ratio, the persisting one, and whether it persists.

        The same arithmetic as :meth:`log_lift` (``exp`` of the log lift, and of its
        ``persist`` share), cached by group terms and meeting count when it cannot depend on
        the caseload.
        """
        key = None
        if not self._quality:
            key = (spell.js.terms, min(spell.meetings_held, self._max_count))
            got = self._lifts.get(key)
            if got is not None:
                return got
        lift = self.log_lift(spell)
        if self._persists:
            kept = lift * self._persist_share
            got = (math.exp(lift), math.exp(kept), bool(kept))
        else:
            got = (math.exp(lift), math.exp(0.0), False)
        if key is not None:
            self._lifts[key] = got
        return got

    def held(self, spell: Spell, booking: Booking) -> None:
        """Apply the lift of a meeting just held."""
        hr, kept_hr, persists = self._lift_effect(spell)
        state = spell.state["meetings"]
        state.gen += 1
        spell.set_job("meeting", hr)
        t1 = booking.time + 1.0
        until = t1 + self._persist_weeks if persists else None
        spell.at_time(t1, self._persist_cb, (state.gen, kept_hr, until))

    def _held_regular(self, spell: Spell, booking: Booking) -> None:
        """A regular meeting: apply its lift and book the next one of the schedule."""
        self.held(spell, booking)
        d = booking.time - spell.entry
        for until, every in self.phases:  # (interval(), inline)
            if d < until:
                self.centre.book_meeting(spell, d + every, "regular", self._held_regular)
                return

    def _persist(self, spell: Spell, arg: tuple[int, float, float | None]) -> None:
        gen, hr, until = arg
        if gen != spell.state["meetings"].gen:
            return
        spell.set_job("meeting", hr)
        if until is not None:
            spell.at_time(until, self._end_cb, gen)

    def _end(self, spell: Spell, gen: int) -> None:
        if gen == spell.state["meetings"].gen:
            spell.set_job("meeting", 1.0)

    def _group_meeting(self, spell: Spell, last: object = None) -> None:
        g = self.group
        assert g is not None
        if last == "end":
            spell.set_job("group", 1.0)
            return
        if not g.tracks or spell.track in g.tracks:
            terms = spell.js.terms
            hr = self._group_cache.get(terms)
            if hr is None:
                hr = resolve_group_value(self.effects.group_lift_hr, terms)
                self._group_cache[terms] = hr
            spell.state["meetings"].group_meetings += 1
            now = self.centre.now
            self.centre.record.meeting(spell.js.id, spell.number, now, "group", 0.0, -1, False)
            spell.set_job("group", hr)
        nxt = spell.duration(self.centre.now) + g.every_weeks
        # The end is an explicit call, never a comparison of rounded durations.
        if nxt >= g.until_week - 1e-9:
            spell.at(g.until_week, self._group_meeting, "end")
        else:
            spell.at(nxt, self._group_meeting)


def _cost(inputs: CostInputs) -> dict[str, np.ndarray]:
    """Caseworker time for each meeting held in the window, at the rates of its date.

    An individual meeting (regular or extra) costs ``staffing.meeting_minutes`` plus the
    preparation and recording minutes at the caseworker cost per hour; none when a private
    provider runs the contact course (its price covers the meetings). A group session costs its
    caseworker hours at the hourly cost, shared among ``meetings.group.size`` participants.
    """
    s = inputs.scenario
    ind = inputs.meetings_in_window(("regular", "extra"))
    t = ind["time"].to_numpy(dtype=float)
    per = (inputs.rate("caseworker_cost_hour", t)
           * (s.staffing.meeting_minutes + inputs.rate("meeting_prep_recording_minutes", t))
           / 60.0)
    if s.provider.kind == "private":
        per = np.zeros_like(per)
    grp = inputs.meetings_in_window(("group",))
    tg = grp["time"].to_numpy(dtype=float)
    size = s.meetings.group.size if s.meetings.group is not None else 1
    per_group = (inputs.rate("caseworker_cost_hour", tg)
                 * inputs.rate("group_meeting_caseworker_hours", tg) / size)
    return {
        "meetings_individual": inputs.per_spell(ind["row"], per),
        "meetings_group": inputs.per_spell(grp["row"], per_group),
    }


FAMILIES = (
    Family(
        "meetings",
        effects=(EffectsField("meetings", MeetingEffects, MeetingEffects()),),
        build=lambda s: [Meetings(s.meetings, s.effects.meetings, s.provider.meetings_factor)],
        columns=Meetings.columns,
        meeting_kinds=("regular", "extra", "group"),
        cost=_cost,
    ),
)
