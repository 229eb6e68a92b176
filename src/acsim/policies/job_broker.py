"""Personal job broker (personlig jobformidler) for long-term unemployed (seed 002).

Seed 002 (the 2014 note on the effort at 16 months' unemployment) offers "long-term unemployed
with the need" a personal job broker, "focused on a more hands-on effort": one dedicated
contact person, more frequent contact and direct job placement.

A jobseeker targeted by the broker (``tracks``, ``groups``, ``take_up``, as for any programme)
is enrolled at spell week ``start_week`` (default 69.3, i.e. 16 months) for ``duration_weeks``.
While enrolled:

* the broker meets them every ``every_weeks`` weeks, booked in the job centre's calendar as
  meetings of kind ``"job_broker"`` (the first at enrolment); after each meeting the job hazard
  is multiplied by ``meeting_hr`` for ``meeting_weeks`` weeks;
* the broker's direct placement multiplies the job hazard by ``placement_hr``.

The broker is not a programme one attends: enrolment does not block or lock in, and it runs
beside any other programme. Each enrolment is recorded as a programme episode of kind
``"job_broker"``; each contact as a meeting. Its cost is the broker's hours per contact at the
broker's hourly cost, both dated rates (``job_broker_contact_hours``, ``job_broker_cost_hour``).

PLACEHOLDERS: no study in the evidence measures a personal job broker for academics; both
effect sizes are placeholders with the ranges in :data:`PLACEHOLDERS`.
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

__all__ = ["FAMILIES", "JobBroker", "JobBrokerEffects", "JobBrokerSpec", "PLACEHOLDERS"]

#: The meeting kind of a broker's contacts.
MEETING_KIND = "job_broker"
#: Placeholder effect sizes and their plausible ranges (no published number identifies them).
PLACEHOLDERS = {
    "effects.job_broker.meeting_hr": (1.0, 1.5),
    "effects.job_broker.placement_hr": (1.0, 1.5),
}


class JobBrokerSpec(EnrolmentSpec):
    """A personal job broker for a target group.

    Attributes:
        start_week: Spell week of enrolment (default: 16 months).
        duration_weeks: How long the broker follows the jobseeker.
        every_weeks: Weeks between the broker's contacts.
        hours_per_week: Hours of attendance a week (none: a broker is not attended).
        threat_weeks: Weeks the enrolment is announced ahead (none).

    """

    kind: Literal["job_broker"] = "job_broker"
    duration_weeks: Float = Field(26.0, gt=0, le=104)
    every_weeks: Float = Field(2.0, ge=0.5, le=26)


class JobBrokerEffects(Spec):
    """Effects of the personal job broker (PLACEHOLDERS, see :data:`PLACEHOLDERS`).

    Attributes:
        meeting_hr: Job hazard ratio for ``meeting_weeks`` after each broker contact.
        meeting_weeks: How long a contact's lift lasts.
        placement_hr: Job hazard ratio while enrolled (direct placement).

    """

    meeting_hr: GroupValue = 1.1
    meeting_weeks: Float = Field(1.0, gt=0, le=26)
    placement_hr: GroupValue = 1.1


class _BrokerState:
    __slots__ = ("enrolled", "start", "until", "gen")

    def __init__(self) -> None:
        self.enrolled = False
        self.start = 0.0
        self.until = 0.0
        self.gen = 0


class JobBroker(Enrolment):
    """Runtime of one job-broker entry of a scenario.

    Args:
        spec: Timing and target.
        effects: Effect sizes.
        index: Position among the scenario's programmes (fixes its random draws).

    """

    def __init__(self, spec: JobBrokerSpec, effects: JobBrokerEffects, index: int) -> None:
        super().__init__(spec, index, "job_broker")
        self.effects = effects
        self._names = (f"broker{index}", f"broker_meeting{index}")

    def new_state(self) -> _BrokerState:
        """A fresh enrolment."""
        return _BrokerState()

    def enrol(self, spell: Spell) -> None:
        """Start the broker: the placement lift, the first contact and the end."""
        st = spell.state[self.key]
        st.enrolled = True
        st.start = self.centre.now
        st.until = st.start + self.spec.duration_weeks
        spell.set_job(self._names[0],
                      resolve_group_value(self.effects.placement_hr, spell.js.terms))
        spell.at_time(st.until, self._leave)
        self.centre.book_meeting(spell, spell.duration(st.start), MEETING_KIND, self._held)

    def _held(self, spell: Spell, booking: Booking) -> None:
        st = spell.state[self.key]
        if not st.enrolled:
            return
        st.gen += 1
        spell.set_job(self._names[1],
                      resolve_group_value(self.effects.meeting_hr, spell.js.terms))
        spell.at_time(booking.time + self.effects.meeting_weeks, self._lift_end, st.gen)
        nxt = booking.time + self.spec.every_weeks
        if nxt < st.until:
            self.centre.book_meeting(spell, spell.duration(nxt), MEETING_KIND, self._held)

    def _lift_end(self, spell: Spell, gen: int) -> None:
        if spell.state[self.key].gen == gen:
            spell.set_job(self._names[1], 1.0)

    def _leave(self, spell: Spell, _arg: object) -> None:
        st = spell.state[self.key]
        st.enrolled = False
        spell.set_job(self._names[0], 1.0)
        spell.set_job(self._names[1], 1.0)
        self._episode(spell, st, self.centre.now, completed=True)

    def on_spell_end(self, spell: Spell) -> None:
        """Record an enrolment cut short by the end of the spell."""
        st = spell.state.get(self.key)
        if st is not None and st.enrolled:
            self._episode(spell, st, spell.exit_week, completed=False)

    def _episode(self, spell: Spell, st: _BrokerState, end: float, completed: bool) -> None:
        self.episode(spell, st.start, end, completed)


def _cost(inputs: CostInputs) -> dict[str, np.ndarray]:
    """Each broker contact in the window: the broker's hours per contact x hourly cost.

    A broker bought from a provider at its own ``price`` (an entry of the rates file's
    ``[prices]``) is paid by that price (:func:`acsim.policies.programmes.priced_cost`), which
    covers its contacts: the contacts of a spell enrolled with a priced broker cost nothing
    here.
    """
    m = inputs.meetings_in_window((MEETING_KIND,))
    if inputs.prices:
        p = inputs.programmes
        priced = p[(p["kind"] == MEETING_KIND) & p["name"].isin(list(inputs.prices))]
        m = m[~m["row"].isin(priced["row"])]
    t = m["time"].to_numpy(dtype=float)
    per = inputs.rate("job_broker_cost_hour", t) * inputs.rate("job_broker_contact_hours", t)
    return {"meetings_individual": inputs.per_spell(m["row"], per)}


FAMILIES = (
    Family(
        "job_broker",
        spec=JobBrokerSpec,
        effects=(EffectsField("job_broker", JobBrokerEffects, JobBrokerEffects()),),
        runtime=lambda spec, eff, i, board: JobBroker(spec, eff.job_broker, i),
        meeting_kinds=(MEETING_KIND,),
        cost=_cost,
        rates=("job_broker_cost_hour", "job_broker_contact_hours"),
        placeholders=PLACEHOLDERS,
    ),
)
