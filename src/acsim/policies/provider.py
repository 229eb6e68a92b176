"""Who runs the contact course: the job centre or a private provider."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from acsim.spec.base import GroupValue, Spec

__all__ = ["ProviderSpec"]


class ProviderSpec(Spec):
    """The provider of the contact course.

    Attributes:
        kind: ``"job_centre"`` or ``"private"``.
        meetings_factor: How many times as often the provider meets jobseekers as the
            meeting schedule says (a private provider is typically more intensive, T14).
        hazard_hr: Hazard ratio of being with this provider beyond its meetings (T14: about 1
            for the highly educated). Uncalibrated placeholder.
        price_per_spell: Price paid to a private provider per spell, DKK (for the cost model).

    """

    kind: Literal["job_centre", "private"] = "job_centre"
    meetings_factor: float = Field(1.0, gt=0, le=10)
    hazard_hr: GroupValue = 1.0
    price_per_spell: float = Field(0.0, ge=0)
