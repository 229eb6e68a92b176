"""Education and courses, whose effect depends on when in the spell they start (T19)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from acsim.policies.programmes import (
    Programme,
    ProgrammeEffects,
    ProgrammeSpec,
    weekly_cost_rule,
)
from acsim.policies.registry import EffectsField, Family
from acsim.spec.base import MAX_WEEK, Float, FloatOrInf, GroupValue, resolve_group_value

if TYPE_CHECKING:
    from acsim.model.spell import Spell

__all__ = ["Course", "CourseEffects", "CourseSpec"]


class CourseSpec(ProgrammeSpec):
    """A course or education activation."""

    kind: Literal["course"] = "course"
    duration_weeks: Float = Field(6.0, gt=0, le=104)


class CourseEffects(ProgrammeEffects):
    """Course effects (uncalibrated defaults; calibrated on T19, T17).

    A course that starts before ``cutoff_week`` has ``post_hr`` and ``separation_hr``; one that
    starts at or after it has ``late_post_hr`` and ``late_separation_hr`` (for the highly
    educated T19 finds the early course shortens and the late one lengthens unemployment).
    """

    lockin_hr: GroupValue = 0.7
    post_hr: GroupValue = 1.15
    separation_hr: GroupValue = 0.9
    late_post_hr: GroupValue = 0.95
    late_separation_hr: GroupValue = 1.1
    cutoff_week: Float = Field(12.0, ge=0, le=MAX_WEEK)
    #: PLACEHOLDER: a course's post-effect fades after a quarter; no target gives its length.
    post_weeks: FloatOrInf = Field(13.0, gt=0)


class Course(Programme):
    """Runtime course: post and separation effects depend on the start week."""

    effects: CourseEffects

    def effect_sizes(self, spell: Spell) -> tuple[float, float, float, float]:
        """(threat, lock-in, post, separation), the last two by start week."""
        if self.start_week(spell) < self.effects.cutoff_week:
            return super().effect_sizes(spell)
        threat, lockin, _, _ = super().effect_sizes(spell)
        terms = spell.js.terms
        e = self.effects
        return (
            threat,
            lockin,
            resolve_group_value(e.late_post_hr, terms),
            resolve_group_value(e.late_separation_hr, terms),
        )


FAMILIES = (
    Family(
        "course",
        spec=CourseSpec,
        effects=(EffectsField("course", CourseEffects, CourseEffects()),),
        runtime=lambda spec, eff, i, board: Course(spec, eff.course, i, board=board),
        cost=weekly_cost_rule("course", "course_cost_week"),
    ),
)
