"""Who delivers a programme: the job centre or an external provider, and what that changes.

A programme's ``provider`` (:class:`~acsim.policies.programmes.ProgrammeSpec`) names who
delivers it: ``"job centre"`` or an external provider (e.g. the three on Copenhagen's
academic framework agreement, "AS3, Marselisborg og Ballisager", seed 003 sec. 5.7). Who
delivers it changes two things:

* its cost: the programme is priced by its own ``price`` (an external provider's contract
  price, ``[prices.<name>]`` of the rates file) or by its family's rate (the job centre's
  own operating cost); :mod:`acsim.costs.providers` splits the spending by provider;
* possibly its effect: :class:`DeliveryEffects` multiplies the post-programme job hazard of
  a programme an external provider delivers by ``external_post_hr`` (the job centre's own
  programmes are the reference, exactly 1).

PLACEHOLDER: the one trial of provider against job centre for academics (T14: Jensen et al.
2012; Rehwald, Rosholm & Svarer 2017; 3,107 LVU jobseekers, Copenhagen and Aarhus among the
four municipalities) found "no difference in employment", and seed 000 says nothing on it.
``external_post_hr`` is therefore 1 with the plausible range in :data:`PLACEHOLDERS`, listed
by :func:`acsim.evidence.placeholders.placeholders` for every scenario with an externally
delivered programme.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from acsim.policies.programmes import JOB_CENTRE
from acsim.policies.registry import EffectsField, Family
from acsim.spec.base import HazardRatio, Spec

if TYPE_CHECKING:
    from acsim.spec.scenario import Scenario

__all__ = ["FAMILIES", "PLACEHOLDERS", "DeliveryEffects", "delivers_externally"]

#: Placeholder effect sizes and their plausible ranges. T14 found no employment difference
#: between provider and job centre for academics; +-10 % on the post-programme hazard is
#: ASSUMPTION: about the smallest difference a trial of 1,541 against 1,566 could have missed.
PLACEHOLDERS = {"effects.delivery.external_post_hr": (0.9, 1.1)}


class DeliveryEffects(Spec):
    """Effect of who delivers a programme, relative to the job centre's own delivery.

    Attributes:
        external_post_hr: Hazard ratio on the post-programme job hazard of a programme an
            external provider delivers (the job centre's: 1). PLACEHOLDER: T14 found no
            difference; plausible range in :data:`PLACEHOLDERS`.

    """

    external_post_hr: HazardRatio = 1.0


def delivers_externally(scenario: Scenario) -> bool:
    """Whether any programme of ``scenario`` is delivered by someone other than the job centre."""
    return any(p.provider != JOB_CENTRE for p in scenario.programmes)


FAMILIES = (
    Family(
        "delivery",
        effects=(EffectsField("delivery", DeliveryEffects, DeliveryEffects()),),
        build=lambda s: [],
        placeholders=PLACEHOLDERS,
        uses=delivers_externally,
    ),
)
