"""Caseworker effects: effectiveness, employer contact, similarity, cooperative style."""

from __future__ import annotations

import numpy as np
from pydantic import Field
from scipy.special import ndtri

from acsim.model.rng import Stream, StreamSet
from acsim.policies.base import Policy
from acsim.policies.registry import EffectsField, Family
from acsim.spec.base import MAX_HAZARD_RATIO, Float, HazardRatio, Spec

__all__ = ["CaseworkerEffects", "CaseworkerEffectsSpec", "CaseworkerProfiles"]


class CaseworkerEffectsSpec(Spec):
    """How caseworkers differ, and what that does to the job hazard of those they meet.

    Effect sizes are hazard ratios applied from a meeting with that caseworker on. Defaults are
    uncalibrated placeholders; the calibration (T10-T13) sets them.

    Attributes:
        effectiveness_sd: SD of the caseworker's log-hazard random effect (T13).
        employer_contact_share: Share of caseworkers with direct employer contact.
        employer_contact_hr: Hazard ratio of meeting such a caseworker (T10).
        similarity_hr: Hazard ratios when 1, 2 or 3 of sex, age band and education match (T11).
        cooperative_share: Share of caseworkers for whom cooperation is very important.
        cooperative_hr: Hazard ratio of meeting such a caseworker (T12).
        female_share: Share of female caseworkers (for similarity).
        under30_share: Share of caseworkers under 30.
        age50plus_share: Share of caseworkers aged 50 or more.

    Every hazard ratio is in ``(0, MAX_HAZARD_RATIO]`` (100).

    """

    effectiveness_sd: Float = Field(0.10, ge=0, le=2)
    employer_contact_share: Float = Field(0.3, ge=0, le=1)
    employer_contact_hr: Float = Field(1.10, gt=0, le=MAX_HAZARD_RATIO)
    similarity_hr: tuple[HazardRatio, HazardRatio, HazardRatio] = (1.0, 1.05, 1.12)
    cooperative_share: Float = Field(0.3, ge=0, le=1)
    cooperative_hr: Float = Field(0.95, gt=0, le=MAX_HAZARD_RATIO)
    female_share: Float = Field(0.65, ge=0, le=1)
    under30_share: Float = Field(0.2, ge=0, le=1)
    age50plus_share: Float = Field(0.25, ge=0, le=1)


class CaseworkerProfiles:
    """The drawn caseworkers of one replication (a random effect per caseworker)."""

    def __init__(self, spec: CaseworkerEffectsSpec, n: int, root: int, replication: int) -> None:
        u = StreamSet(root, replication, Stream.CASEWORKERS, np.arange(n), block=5).matrix()
        self.spec = spec
        z = ndtri(np.clip(u[:, 0], 1e-12, 1 - 1e-12))
        self.effectiveness = np.exp(spec.effectiveness_sd * z - 0.5 * spec.effectiveness_sd**2)
        self.employer_contact = u[:, 1] < spec.employer_contact_share
        self.cooperative = u[:, 2] < spec.cooperative_share
        self.female = u[:, 3] < spec.female_share
        self.age_band = np.where(
            u[:, 4] < spec.under30_share,
            0,
            np.where(u[:, 4] < 1 - spec.age50plus_share, 1, 2),
        )
        base = self.effectiveness.copy()
        base *= np.where(self.employer_contact, spec.employer_contact_hr, 1.0)
        base *= np.where(self.cooperative, spec.cooperative_hr, 1.0)
        self.base = base
        # Caseworkers of academics are academics: education always matches (edu_high).
        self._sim = (1.0,) + tuple(spec.similarity_hr)
        # Plain lists for the per-meeting lookup (NumPy scalars are slow on the hot path).
        self._base = base.tolist()
        self._female = self.female.tolist()
        self._band = self.age_band.tolist()
        #: ``by_matches[cw][m]``: the hazard ratio of meeting ``cw`` with ``m`` traits in common.
        self.by_matches = [tuple(b * s for s in self._sim) for b in self._base]

    def multiplier(self, cw: int, female: bool, age_band: int, edu_high: bool) -> float:
        """Hazard ratio of meeting caseworker ``cw`` for a jobseeker with these traits."""
        matches = (self._female[cw] == female) + (self._band[cw] == age_band) + edu_high
        return self.by_matches[cw][matches]


class CaseworkerEffects(Policy):
    """Runtime: sets the ``caseworker`` multiplier after each meeting with a caseworker.

    The caseworkers are drawn when the policy is bound (their random effects depend on the
    run's root and replication).

    Args:
        spec: How caseworkers differ.
        caseworkers: Number of caseworkers.

    """

    def __init__(self, spec: CaseworkerEffectsSpec, caseworkers: int) -> None:
        self.spec = spec
        self.n = caseworkers
        self.profiles: CaseworkerProfiles | None = None

    def bind(self, centre) -> None:
        """Draw the caseworkers of this replication."""
        super().bind(centre)
        self.profiles = CaseworkerProfiles(self.spec, self.n, centre.root, centre.replication)

    def on_meeting_held(self, spell, booking) -> None:
        """Set the caseworker multiplier after a meeting with ``booking.caseworker``.

        (:meth:`apply` and :meth:`CaseworkerProfiles.multiplier`, inline: this runs at every
        meeting.)
        """
        p = self.profiles
        cw = booking.caseworker
        js = spell.js
        matches = ((p._female[cw] == js.female) + (p._band[cw] == js.age_band)
                   + (js.education == "high"))
        spell.set_job("caseworker", p.by_matches[cw][matches])

    def apply(self, spell, cw: int) -> None:
        """Set the caseworker multiplier after a meeting with ``cw``.

        (``Spell.set_job`` does nothing when the multiplier is unchanged.)
        """
        js = spell.js
        spell.set_job("caseworker", self.profiles.multiplier(cw, js.female, js.age_band,
                                                             js.education == "high"))


FAMILIES = (
    Family(
        "caseworkers",
        effects=(EffectsField("caseworkers", CaseworkerEffectsSpec, CaseworkerEffectsSpec()),),
        build=lambda s: [CaseworkerEffects(s.effects.caseworkers, s.staffing.caseworkers)],
    ),
)
