"""Company placements: internship (virksomhedspraktik) and wage subsidy (løntilskud)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from acsim.policies.programmes import (
    Programme,
    ProgrammeEffects,
    ProgrammeSpec,
    weekly_cost_rule,
)
from acsim.policies.registry import EffectsField, Family
from acsim.spec.base import FieldProblem, Float, GroupValue

__all__ = [
    "InternshipSpec",
    "PlacementEffects",
    "WageSubsidySpec",
    "INTERNSHIP_MAX_WEEKS",
    "WAGE_SUBSIDY_MAX_WEEKS",
]

#: Internship for insured unemployed: at most 4 weeks, 8 for graduates (LAB rules; TARGETS.md).
INTERNSHIP_MAX_WEEKS = {"default": 4.0, "graduate": 8.0}
#: Wage subsidy: private up to 6 months, public up to 4 months (LAB rules; TARGETS.md).
WAGE_SUBSIDY_MAX_WEEKS = {"private": 26.0, "public": 17.4}


class InternshipSpec(ProgrammeSpec):
    """Internship at a firm. Duration is capped by law (4 weeks, 8 for graduates)."""

    kind: Literal["internship"] = "internship"
    sector: Literal["private", "public"] = "private"
    duration_weeks: Float = Field(4.0, gt=0, le=INTERNSHIP_MAX_WEEKS["graduate"])

    @model_validator(mode="after")
    def _legal_length(self) -> InternshipSpec:
        if self.duration_weeks > INTERNSHIP_MAX_WEEKS["default"] and "graduate" not in self.groups:
            raise FieldProblem(
                "duration_weeks",
                "an internship longer than 4 weeks is only allowed for graduates "
                "(add groups = [\"graduate\"])"
            )
        return self


class WageSubsidySpec(ProgrammeSpec):
    """Wage-subsidised job; private up to 6 months, public up to 4 months."""

    kind: Literal["wage_subsidy"] = "wage_subsidy"
    sector: Literal["private", "public"] = "private"
    start_week: Float = Field(26.0, ge=0, le=520)
    duration_weeks: Float = Field(17.0, gt=0, le=WAGE_SUBSIDY_MAX_WEEKS["private"])

    @model_validator(mode="after")
    def _legal_length(self) -> WageSubsidySpec:
        limit = WAGE_SUBSIDY_MAX_WEEKS[self.sector]
        if self.duration_weeks > limit:
            raise FieldProblem("duration_weeks",
                               f"a {self.sector} wage subsidy lasts at most {limit:g} weeks")
        return self


class PlacementEffects(ProgrammeEffects):
    """Placement effects (uncalibrated defaults; calibrated on T16, T17, T18, T20)."""

    threat_hr: GroupValue = 1.0
    lockin_hr: GroupValue = 0.6
    post_hr: GroupValue = 1.15
    hire_probability: Float = Field(0.2, ge=0, le=1)


def _wage_subsidy(spec: WageSubsidySpec, eff, index: int, board) -> Programme:
    e = eff.wage_subsidy_private if spec.sector == "private" else eff.wage_subsidy_public
    return Programme(spec, e, index, subsidised=True, board=board)


FAMILIES = (
    Family(
        "internship",
        spec=InternshipSpec,
        effects=(EffectsField("internship", PlacementEffects,
                              PlacementEffects(hire_probability=0.15, post_hr=1.15)),),
        runtime=lambda spec, eff, i, board: Programme(spec, eff.internship, i, board=board),
        cost=weekly_cost_rule("internship", "internship_cost_week"),
    ),
    Family(
        "wage_subsidy",
        spec=WageSubsidySpec,
        effects=(
            EffectsField("wage_subsidy_private", PlacementEffects,
                         PlacementEffects(lockin_hr=0.5, post_hr=1.3, hire_probability=0.3)),
            EffectsField("wage_subsidy_public", PlacementEffects,
                         PlacementEffects(lockin_hr=0.5, post_hr=0.95, hire_probability=0.05)),
        ),
        runtime=_wage_subsidy,
    ),
)
