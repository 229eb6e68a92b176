"""The joint meeting of jobseeker, a-kasse and job centre at 16 months (seed 002).

Seed 002 (the note of 3 November 2014, case 2014-0224925) on the effort for insured
unemployed for 16 months: "Indsatsen skal bestå af en supplerende fælles samtale mellem
borger, a-kasse og jobcenter", at which "der vil blive udarbejdet en individuel plan for det
videre forløb". The model of Akutpakke 1 is proposed: each a-kasse has a fixed weekday on
which its members can have the meeting.

A targeted spell (``tracks``, ``groups``, ``target``, ``take_up``, as for any programme)
still open at spell week ``start_week`` (default 16 months) gets one meeting of kind
``"joint"``, booked in the job centre's calendar (so it may slip when the calendar is full;
ASSUMPTION: the a-kasse's weekday is not modelled, only the job centre's calendar binds).
When it is held, the job hazard is multiplied for ``effects.joint_meeting.lift_weeks`` by
the lift of a regular meeting for the jobseeker's group (``effects.meetings.lift_hr``, the
calibrated lift of one meeting) times ``effects.joint_meeting.extra_hr``: what the a-kasse's
presence and the new plan add. Each joint meeting is also recorded as a programme episode of
kind ``"joint_meeting"`` (one week, not attended).

Cost: the job centre's caseworker time, ``minutes`` plus the usual preparation and recording
minutes (``meeting_prep_recording_minutes``) at the caseworker cost per hour. The a-kasse's
time is not a cost of the municipality or the state and is not counted; the state's DUT
compensation of the municipality for the extra meeting (seed 002) is a transfer between
public payers, not modelled (as the other refunds of operating costs).

PLACEHOLDER: no study in the evidence measures the joint meeting; ``extra_hr`` is 1 (a joint
meeting works as a regular one) with the plausible range in :data:`PLACEHOLDERS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from acsim.policies.enrolment import Enrolment, EnrolmentSpec
from acsim.policies.registry import EffectsField, Family
from acsim.spec.base import Float, GroupValue, Spec, resolve_group_value

if TYPE_CHECKING:
    from acsim.costs.inputs import CostInputs
    from acsim.model.calendar import Booking
    from acsim.model.spell import Spell
    from acsim.policies.meetings import MeetingEffects

__all__ = ["FAMILIES", "JointMeeting", "JointMeetingEffects", "JointMeetingSpec",
           "MEETING_KIND", "PLACEHOLDERS"]

#: The meeting kind of the joint meeting.
MEETING_KIND = "joint"
#: Placeholder effect sizes and their plausible ranges. From no effect beyond a regular
#: meeting to the largest meeting lift in the evidence (T07: 52 % for women under 30).
PLACEHOLDERS = {"effects.joint_meeting.extra_hr": (1.0, 1.52)}


class JointMeetingSpec(EnrolmentSpec):
    """The joint meeting with the a-kasse for a target group.

    Attributes:
        start_week: Spell week of the meeting (default: 16 months).
        duration_weeks: Length of the episode it is recorded as (one week).
        minutes: The job centre's minutes in the meeting (ASSUMPTION: 60, a meeting of three
            parties that makes a new plan; the regular meeting is ``staffing.meeting_minutes``).
        hours_per_week: Hours of attendance a week (none: a meeting, not a programme).
        threat_weeks: Weeks the meeting is announced ahead (none).

    """

    kind: Literal["joint_meeting"] = "joint_meeting"
    duration_weeks: Float = Field(1.0, gt=0, le=104)
    minutes: Float = Field(60.0, gt=0, le=480)


class JointMeetingEffects(Spec):
    """Effect of the joint meeting beyond a regular meeting (PLACEHOLDER, see module).

    Attributes:
        extra_hr: Job hazard ratio on top of a regular meeting's lift while the lift lasts.
        lift_weeks: How long the lift lasts (a regular meeting's week).

    """

    extra_hr: GroupValue = 1.0
    lift_weeks: Float = Field(1.0, gt=0, le=26)


class _JointState:
    __slots__ = ("start", "gen")

    def __init__(self) -> None:
        self.start = -1.0
        self.gen = 0


class JointMeeting(Enrolment):
    """Runtime of one joint-meeting entry.

    Args:
        spec: Timing and target.
        effects: Its effect beyond a regular meeting.
        meetings: The regular meeting's effects (the lift for the jobseeker's group).
        index: Position among the scenario's programmes.

    """

    def __init__(self, spec: JointMeetingSpec, effects: JointMeetingEffects,
                 meetings: MeetingEffects, index: int) -> None:
        super().__init__(spec, index, "joint_meeting")
        self.effects = effects
        self.meetings = meetings
        self._name = f"joint{index}"
        self._hr: dict[frozenset[str], float] = {}

    def hazard_ratio(self, terms: frozenset[str]) -> float:
        """The job hazard ratio after the meeting for a group: regular lift x extra."""
        hr = self._hr.get(terms)
        if hr is None:
            hr = self._hr[terms] = (resolve_group_value(self.meetings.lift_hr, terms)
                                    * resolve_group_value(self.effects.extra_hr, terms))
        return hr

    def new_state(self) -> _JointState:
        """A fresh enrolment."""
        return _JointState()

    def enrol(self, spell: Spell) -> None:
        """Book the joint meeting now (it may slip when the calendar is full)."""
        self.centre.book_meeting(spell, spell.duration(self.centre.now), MEETING_KIND,
                                 self._held)

    def _held(self, spell: Spell, booking: Booking) -> None:
        st = spell.state[self.key]
        st.start = booking.time
        st.gen += 1
        spell.set_job(self._name, self.hazard_ratio(spell.js.terms))
        spell.at_time(booking.time + self.effects.lift_weeks, self._lift_end, st.gen)
        spell.at_time(booking.time + self.spec.duration_weeks, self._done)

    def _lift_end(self, spell: Spell, gen: int) -> None:
        if spell.state[self.key].gen == gen:
            spell.set_job(self._name, 1.0)

    def _done(self, spell: Spell, _arg: object) -> None:
        st = spell.state[self.key]
        self.episode(spell, st.start, st.start + self.spec.duration_weeks, completed=True)
        st.start = -1.0

    def on_spell_end(self, spell: Spell) -> None:
        """Record an episode cut short by the end of the spell."""
        st = spell.state.get(self.key)
        if st is not None and st.start >= 0:
            self.episode(spell, st.start, spell.exit_week, completed=False)


def _cost(inputs: CostInputs) -> dict[str, np.ndarray]:
    """Each joint meeting in the window: the job centre's minutes at the caseworker cost.

    The minutes are those of the scenario's first joint-meeting entry (a meeting's record
    does not name its entry; a scenario has one joint meeting).
    """
    m = inputs.meetings_in_window((MEETING_KIND,))
    t = m["time"].to_numpy(dtype=float)
    minutes = next((p.minutes for p in inputs.scenario.programmes
                    if p.kind == "joint_meeting"), 0.0)
    per = (inputs.rate("caseworker_cost_hour", t)
           * (minutes + inputs.rate("meeting_prep_recording_minutes", t)) / 60.0)
    return {"meetings_individual": inputs.per_spell(m["row"], per)}


FAMILIES = (
    Family(
        "joint_meeting",
        spec=JointMeetingSpec,
        effects=(EffectsField("joint_meeting", JointMeetingEffects, JointMeetingEffects()),),
        runtime=lambda spec, eff, i, board: JointMeeting(spec, eff.joint_meeting,
                                                         eff.meetings, i),
        meeting_kinds=(MEETING_KIND,),
        cost=_cost,
        placeholders=PLACEHOLDERS,
    ),
)
