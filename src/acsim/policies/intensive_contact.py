"""The intensive contact course for long-term unemployed (intensivt kontaktforløb, seed 002).

Seed 002 (3 November 2014, case 2014-0224925): "Det intensive kontaktforløb vil bestå af
hyppig kontakt. Der vil blive lavet konkrete aftaler med borgeren om kontakt pr. mail eller
telefon. Hvis aftalerne ikke overholdes, vil den ledige blive indkaldt til en personlig
samtale. Under det intensive kontakt forløb har borgeren tilknyttet én fast konsulent."

A targeted spell (``tracks``, ``groups``, ``target``, ``take_up``) still open at spell week
``start_week`` (default 16 months) is enrolled for ``duration_weeks``. While enrolled:

* an agreed contact by mail or phone falls due every ``contact_every_weeks`` weeks (the first
  at enrolment). The jobseeker keeps it with probability ``effects.intensive_contact.
  keep_share`` (one uniform of the spell's own draws per contact); a kept contact is recorded
  as a meeting of kind ``"contact"`` outside the calendar (``caseworker`` -1) and costs the
  consultant ``contact_minutes``;
* a contact not kept calls the jobseeker to a personal meeting: a meeting of kind
  ``"intensive_meeting"`` booked in the calendar now (it may slip), with the lift of a regular
  meeting for the jobseeker's group (``effects.meetings.lift_hr``) for one week;
* the frequent contact multiplies the job hazard by ``effects.intensive_contact.contact_hr``.

ASSUMPTION: the one fixed consultant is not modelled (the calendar books the spell's
caseworker group, as for every meeting). Each enrolment is recorded as a programme episode of
kind ``"intensive_contact"`` (not attended: no hours, no lock-in).

Cost: each kept contact ``contact_minutes`` at the caseworker cost per hour; each personal
meeting ``staffing.meeting_minutes`` plus the preparation and recording minutes, as a regular
meeting.

PLACEHOLDERS: no study in the evidence measures the intensive contact course; ``contact_hr``
and ``keep_share`` are placeholders with the ranges in :data:`PLACEHOLDERS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from acsim.policies.enrolment import Enrolment, EnrolmentSpec, extra_uniform
from acsim.policies.registry import EffectsField, Family
from acsim.spec.base import Float, GroupValue, Spec, resolve_group_value

if TYPE_CHECKING:
    from acsim.costs.inputs import CostInputs
    from acsim.model.calendar import Booking
    from acsim.model.spell import Spell
    from acsim.policies.meetings import MeetingEffects

__all__ = ["CONTACT_KIND", "FAMILIES", "IntensiveContact", "IntensiveContactEffects",
           "IntensiveContactSpec", "MEETING_KIND", "PLACEHOLDERS"]

#: The record kind of an agreed contact kept by mail or phone (outside the calendar).
CONTACT_KIND = "contact"
#: The meeting kind of the personal meeting a contact not kept calls for.
MEETING_KIND = "intensive_meeting"
#: Placeholder effect sizes and their plausible ranges (ASSUMPTION: from no effect to about
#: a regular meeting's lift for the highly educated, 1.08 (T14), held for the whole course;
#: from half to nearly all agreements kept).
PLACEHOLDERS = {
    "effects.intensive_contact.contact_hr": (1.0, 1.1),
    "effects.intensive_contact.keep_share": (0.5, 0.95),
}


class IntensiveContactSpec(EnrolmentSpec):
    """The intensive contact course for a target group.

    Attributes:
        start_week: Spell week of enrolment (default: 16 months).
        duration_weeks: How long the course lasts (ASSUMPTION: 13 weeks; seed 002 gives no
            length).
        contact_every_weeks: Weeks between agreed contacts ("hyppig kontakt"; ASSUMPTION:
            weekly).
        contact_minutes: The consultant's minutes per kept contact (ASSUMPTION: 10, a mail or
            a phone call).
        hours_per_week: Hours of attendance a week (none).
        threat_weeks: Weeks the enrolment is announced ahead (none).

    """

    kind: Literal["intensive_contact"] = "intensive_contact"
    duration_weeks: Float = Field(13.0, gt=0, le=104)
    contact_every_weeks: Float = Field(1.0, ge=0.2, le=26)
    contact_minutes: Float = Field(10.0, gt=0, le=120)


class IntensiveContactEffects(Spec):
    """Effects of the intensive contact course (PLACEHOLDERS, see :data:`PLACEHOLDERS`).

    Attributes:
        contact_hr: Job hazard ratio while enrolled (the frequent contact).
        keep_share: Probability that an agreed contact is kept.

    """

    contact_hr: GroupValue = 1.0
    keep_share: Float = Field(0.8, ge=0, le=1)


class _ContactState:
    __slots__ = ("enrolled", "start", "until", "contacts", "gen")

    def __init__(self) -> None:
        self.enrolled = False
        self.start = 0.0
        self.until = 0.0
        self.contacts = 0
        self.gen = 0


class IntensiveContact(Enrolment):
    """Runtime of one intensive-contact entry.

    Args:
        spec: Timing, contact frequency and target.
        effects: Its effects.
        meetings: The regular meeting's effects (the personal meeting's lift).
        index: Position among the scenario's programmes.

    """

    def __init__(self, spec: IntensiveContactSpec, effects: IntensiveContactEffects,
                 meetings: MeetingEffects, index: int) -> None:
        super().__init__(spec, index, "intensive_contact")
        self.effects = effects
        self.meetings = meetings
        self._names = (f"contact{index}", f"contact_meeting{index}")

    def new_state(self) -> _ContactState:
        """A fresh enrolment."""
        return _ContactState()

    def enrol(self, spell: Spell) -> None:
        """Start the course: the contact lift, the first contact and the end."""
        st = spell.state[self.key]
        st.enrolled = True
        st.start = self.centre.now
        st.until = st.start + self.spec.duration_weeks
        spell.set_job(self._names[0],
                      resolve_group_value(self.effects.contact_hr, spell.js.terms))
        spell.at_time(st.until, self._leave)
        self._contact(spell, None)

    def _contact(self, spell: Spell, _arg: object) -> None:
        st = spell.state[self.key]
        if not st.enrolled:
            return
        now = self.centre.now
        kept = extra_uniform(self, spell, st.contacts) < self.effects.keep_share
        st.contacts += 1
        if kept:
            self.centre.record.meeting(spell.js.id, spell.number, now, CONTACT_KIND, 0.0, -1,
                                       False)
        else:
            self.centre.book_meeting(spell, spell.duration(now), MEETING_KIND, self._held)
        nxt = now + self.spec.contact_every_weeks
        if nxt < st.until - 1e-9:
            spell.at_time(nxt, self._contact)

    def _held(self, spell: Spell, booking: Booking) -> None:
        st = spell.state[self.key]
        st.gen += 1
        spell.set_job(self._names[1],
                      resolve_group_value(self.meetings.lift_hr, spell.js.terms))
        spell.at_time(booking.time + 1.0, self._lift_end, st.gen)

    def _lift_end(self, spell: Spell, gen: int) -> None:
        if spell.state[self.key].gen == gen:
            spell.set_job(self._names[1], 1.0)

    def _leave(self, spell: Spell, _arg: object) -> None:
        st = spell.state[self.key]
        st.enrolled = False
        spell.set_job(self._names[0], 1.0)
        self.episode(spell, st.start, self.centre.now, completed=True)

    def on_spell_end(self, spell: Spell) -> None:
        """Record an enrolment cut short by the end of the spell."""
        st = spell.state.get(self.key)
        if st is not None and st.enrolled:
            self.episode(spell, st.start, spell.exit_week, completed=False)


def _cost(inputs: CostInputs) -> dict[str, np.ndarray]:
    """Kept contacts at the consultant's minutes; personal meetings as regular meetings.

    The contact minutes are those of the scenario's first intensive-contact entry.
    """
    s = inputs.scenario
    c = inputs.meetings_in_window((CONTACT_KIND,))
    tc = c["time"].to_numpy(dtype=float)
    minutes = next((p.contact_minutes for p in s.programmes
                    if p.kind == "intensive_contact"), 0.0)
    per_contact = inputs.rate("caseworker_cost_hour", tc) * minutes / 60.0
    m = inputs.meetings_in_window((MEETING_KIND,))
    tm = m["time"].to_numpy(dtype=float)
    per_meeting = (inputs.rate("caseworker_cost_hour", tm)
                   * (s.staffing.meeting_minutes
                      + inputs.rate("meeting_prep_recording_minutes", tm)) / 60.0)
    return {"meetings_individual": inputs.per_spell(c["row"], per_contact)
            + inputs.per_spell(m["row"], per_meeting)}


FAMILIES = (
    Family(
        "intensive_contact",
        spec=IntensiveContactSpec,
        effects=(EffectsField("intensive_contact", IntensiveContactEffects,
                              IntensiveContactEffects()),),
        runtime=lambda spec, eff, i, board: IntensiveContact(spec, eff.intensive_contact,
                                                             eff.meetings, i),
        meeting_kinds=(CONTACT_KIND, MEETING_KIND),
        cost=_cost,
        placeholders=PLACEHOLDERS,
    ),
)
