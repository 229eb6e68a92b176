"""Who runs the contact course: the job centre or a private provider."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from acsim.policies.base import Policy
from acsim.policies.registry import Family
from acsim.spec.base import Float, GroupValue, Spec, resolve_group_value

if TYPE_CHECKING:
    from acsim.costs.inputs import CostInputs

__all__ = ["Provider", "ProviderSpec"]


class ProviderSpec(Spec):
    """The provider of the contact course.

    Attributes:
        kind: ``"job_centre"`` or ``"private"``.
        meetings_factor: How many times as often the provider meets jobseekers as the
            meeting schedule says (a private provider is typically more intensive, T14).
        hazard_hr: Hazard ratio of being with this provider beyond its meetings (T14: about 1
            for the highly educated). Uncalibrated placeholder.
        price_per_spell: Price paid to a private provider per spell, DKK (for the cost model;
            at most 10,000,000, well above any contract price).

    """

    kind: Literal["job_centre", "private"] = "job_centre"
    meetings_factor: Float = Field(1.0, gt=0, le=10)
    hazard_hr: GroupValue = 1.0
    price_per_spell: Float = Field(0.0, ge=0, le=10_000_000)


class Provider(Policy):
    """Runtime provider: its hazard ratio on the job hazard for the whole spell.

    How often the provider meets jobseekers is part of the meetings policy
    (``meetings_factor``); its price is its cost rule.
    """

    def __init__(self, spec: ProviderSpec) -> None:
        self.spec = spec
        self._hr: dict[frozenset[str], float] = {}  # by group terms

    def on_spell_start(self, spell) -> None:
        """Apply the provider's hazard ratio to the spell."""
        terms = spell.js.terms
        hr = self._hr.get(terms)
        if hr is None:
            hr = self._hr[terms] = resolve_group_value(self.spec.hazard_hr, terms)
        spell.scale_base(hr)


def _cost(inputs: CostInputs) -> dict[str, np.ndarray]:
    """A private provider's price per spell, charged at the spell's entry (week 0 for stock)."""
    spec = inputs.scenario.provider
    if spec.kind != "private":
        return {}
    seen = np.maximum(inputs.entry, 0.0)
    charged = (seen >= inputs.lo) & (seen < inputs.hi)
    price = spec.price_per_spell
    if price <= 0:
        price = inputs.rate("private_provider_price_per_spell", np.maximum(seen, inputs.lo))
    return {"provider": np.where(charged, price, 0.0)}


FAMILIES = (Family("provider", build=lambda s: [Provider(s.provider)], cost=_cost),)
