"""Mentor support (helhedsorienteret mentor / fastholdelsesmentor) for benefit groups (seed 004).

Seed 004 (the slides on Copenhagen's "udsatte borgere") lists mentor support as one of the
offers for activity-ready cash-benefit recipients, unemployed flex-job holders, resource
courses and revalidation: "Hvis borger ikke er i stand til at deltage i aktivering, tilknyttes
helhedsorienteret mentor"; the practice slides split it into "Helhedsorienteret mentor" (a
mentor for the whole of a person's situation) and "Fastholdelsesmentor" (a mentor who helps
keep a job, a placement or an education).

A mentor entry is a programme (``kind = "mentor"``): offered to a target group at a spell week
(``tracks``, ``groups``, ``target``, ``take_up``, as any programme), it runs for
``duration_weeks`` with ``hours_per_week`` hours of mentor support a week and, like the other
offers, instead of them (one programme at a time). While it runs the job hazard is
multiplied by ``effects.mentor.lockin_hr``, after it by ``effects.mentor.post_hr``.
``mentor_type`` says which of the two kinds it is (reported with the episode's name; both
share the effects, no source tells them apart).

Cost: the mentor's hours, ``hours_per_week`` x attended weeks x ``mentor_cost_hour`` (a dated
rate; PLACEHOLDER, equal to a caseworker hour).

PLACEHOLDERS: no study in the evidence measures mentor support, and the only outcome seed 004
gives is descriptive: of 4,099 cash-benefit recipients over 30 with a holistic mentor, 0.7 %
were employed and 95 % still on cash benefit 7 months after the mentor course ended (record
M09), a selected group with no comparison. Both effect sizes are placeholders with the ranges
in :data:`PLACEHOLDERS`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from acsim.policies.programmes import (
    Programme,
    ProgrammeEffects,
    ProgrammeSpec,
    weekly_cost_rule,
)
from acsim.policies.registry import EffectsField, Family
from acsim.spec.base import Float, GroupValue

__all__ = ["FAMILIES", "MentorEffects", "MentorSpec", "PLACEHOLDERS"]

#: Placeholder effect sizes and their plausible ranges. Lock-in: from none (1) to that of a
#: 30-hour activation course (0.75, acsim's uncalibrated activation default); post: from none
#: (1) to a third more job finding, above every post-programme effect in the review.
PLACEHOLDERS = {
    "effects.mentor.lockin_hr": (0.75, 1.0),
    "effects.mentor.post_hr": (1.0, 1.33),
}


class MentorSpec(ProgrammeSpec):
    """Mentor support for a target group.

    Attributes:
        mentor_type: ``"holistic"`` (helhedsorienteret mentor) or ``"retention"``
            (fastholdelsesmentor).
        duration_weeks: How long the mentor follows the person (PLACEHOLDER 26 weeks; seed 004
            gives no length).
        hours_per_week: Mentor hours a week (PLACEHOLDER 2; costed at ``mentor_cost_hour``).
        threat_weeks: Weeks the mentor is announced ahead (none: support, not a duty).

    """

    kind: Literal["mentor"] = "mentor"
    mentor_type: Literal["holistic", "retention"] = "holistic"
    duration_weeks: Float = Field(26.0, gt=0, le=104)
    hours_per_week: Float = Field(2.0, ge=0, le=60)
    threat_weeks: Float = Field(0.0, ge=0, le=52)


class MentorEffects(ProgrammeEffects):
    """Effects of mentor support (PLACEHOLDERS, see :data:`PLACEHOLDERS`).

    Attributes:
        lockin_hr: Job hazard ratio while the mentor follows the person (a few hours a week:
            little lock-in).
        post_hr: Job hazard ratio after the mentor course.

    """

    lockin_hr: GroupValue = 0.95
    post_hr: GroupValue = 1.05


FAMILIES = (
    Family(
        "mentor",
        spec=MentorSpec,
        effects=(EffectsField("mentor", MentorEffects, MentorEffects()),),
        runtime=lambda spec, eff, i, board: Programme(spec, eff.mentor, i, board=board),
        cost=weekly_cost_rule("mentor", "mentor_cost_hour", per_hour=True),
        rates=("mentor_cost_hour",),
        placeholders=PLACEHOLDERS,
    ),
)
