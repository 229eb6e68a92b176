"""Risk screening into tracks by a noisy score: misclassification keeps the track shares."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator
from scipy.special import ndtri

from acsim.model.rng import Stream
from acsim.policies.base import Policy
from acsim.policies.registry import Family
from acsim.spec.base import Float, Spec

__all__ = ["ScreeningSpec", "TrackSpec", "Screening"]


class TrackSpec(Spec):
    """A track and the share of jobseekers whose true risk puts them in it."""

    name: str = Field(min_length=1)
    share: Float = Field(gt=0, le=1)


class ScreeningSpec(Spec):
    """Screening of the risk of long-term unemployment.

    Tracks are ordered from lowest to highest risk; a jobseeker's true track follows from the
    latent risk (standard normal) cut at the tracks' cumulative shares. The job centre sees a
    screening score ``accuracy * z + sqrt(1 - accuracy**2) * e`` (``e`` standard normal noise)
    cut at the same quantiles, so the screened tracks keep their shares while some jobseekers
    land in the wrong one: with two tracks of 70/30 and ``accuracy = 0.8`` about 18 % are
    misclassified.

    Attributes:
        tracks: Ordered tracks with shares summing to 1.
        accuracy: Correlation of the screening score with the latent risk (1: no errors).
        at: When the screening happens: at the first individual meeting or at entry.

    """

    tracks: tuple[TrackSpec, ...] = (TrackSpec(name="all", share=1.0),)
    accuracy: Float = Field(1.0, ge=0, le=1)
    at: Literal["first_meeting", "entry"] = "first_meeting"

    @field_validator("tracks")
    @classmethod
    def _shares_sum_to_one(cls, tracks: tuple[TrackSpec, ...]) -> tuple[TrackSpec, ...]:
        total = sum(t.share for t in tracks)
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"track shares must sum to 1, got {total:g}")
        names = [t.name for t in tracks]
        if len(set(names)) != len(names):
            raise ValueError("track names must be unique")
        return tracks

    @property
    def track_names(self) -> tuple[str, ...]:
        """Names of the tracks, lowest risk first."""
        return tuple(t.name for t in self.tracks)


class Screening(Policy):
    """Runtime screening: true and screened track of a jobseeker.

    Args:
        spec: The screening spec.
        at_entry: Screen when the spell starts; otherwise at its first meeting held.

    """

    streams = {Stream.SCREENING: 2}

    def __init__(self, spec: ScreeningSpec, at_entry: bool = False) -> None:
        self.spec = spec
        self.at_entry = at_entry
        cum = 0.0
        self.cuts = []
        for t in spec.tracks[:-1]:
            cum += t.share
            self.cuts.append(float(ndtri(cum)))
        self.names = spec.track_names

    def on_spell_start(self, spell) -> None:
        """Screen at entry, if screening happens then."""
        if self.at_entry:
            self.screen(spell)

    def on_meeting_held(self, spell, booking) -> None:
        """Screen at the first meeting held."""
        if spell.track is None:
            self.screen(spell)

    def screen(self, spell) -> None:
        """Put the spell in its true and its screened track, and tell the centre."""
        js = spell.js
        true_i = self.true_index(js.latent_risk)
        u = self.centre.uniform(Stream.SCREENING, js.id, spell.number)
        spell.track = self.names[self.screened_index(js.latent_risk, u)]
        spell.true_track = self.names[true_i]
        self.centre.screened(spell)

    def true_index(self, latent_risk: float) -> int:
        """Index of the true track for a latent risk score."""
        i = 0
        while i < len(self.cuts) and latent_risk > self.cuts[i]:
            i += 1
        return i

    def screened_index(self, latent_risk: float, u_noise: float) -> int:
        """The screened track, from the latent risk and a uniform for the screening noise."""
        a = self.spec.accuracy
        if a >= 1.0 or len(self.names) == 1:
            return self.true_index(latent_risk)
        noise = float(ndtri(min(max(u_noise, 1e-12), 1 - 1e-12)))
        return self.true_index(a * latent_risk + math.sqrt(1.0 - a * a) * noise)


def _build(s) -> list[Screening]:
    # Without a regular schedule or caseworkers there is no first meeting to screen at.
    at_entry = s.screening.at == "entry" or not s.meetings.phases or s.staffing.caseworkers == 0
    return [Screening(s.screening, at_entry)]


FAMILIES = (Family("screening", build=_build),)
