"""Activation (e.g. week-13 early activation, week-26 right-and-duty offer)."""

from __future__ import annotations

from typing import Literal

from acsim.policies.programmes import (
    Programme,
    ProgrammeEffects,
    ProgrammeSpec,
    weekly_cost_rule,
)
from acsim.policies.registry import EffectsField, Family
from acsim.spec.base import GroupValue

__all__ = ["ActivationEffects", "ActivationSpec"]


class ActivationSpec(ProgrammeSpec):
    """An activation offer (courses, job-search activation) with a start week and a target."""

    kind: Literal["activation"] = "activation"


class ActivationEffects(ProgrammeEffects):
    """Activation effects. Uncalibrated defaults; calibrated on T05, T01, T17.

    The threat effect is for men with a short education (T05); none for women (T05) and none
    for the highly educated (T17).
    """

    threat_hr: GroupValue = {"default": 1.0, "male+edu_low": 1.3, "male+edu_medium": 1.3}
    lockin_hr: GroupValue = 0.75
    post_hr: GroupValue = 1.1


FAMILIES = (
    Family(
        "activation",
        spec=ActivationSpec,
        effects=(EffectsField("activation", ActivationEffects, ActivationEffects()),),
        runtime=lambda spec, eff, i, board: Programme(spec, eff.activation, i, board=board),
        cost=weekly_cost_rule("activation", "activation_cost_participant_hour", per_hour=True),
    ),
)
