"""One competing risk of a spell: an Exp(1) budget spent against a piecewise-constant hazard.

Between policy events the hazard is ``k * h0(d)``; the exit time is exact. When ``k`` changes,
the budget spent so far at the old ``k`` is settled and the exit time recomputed from the
remaining budget: the same budget under a better policy exits earlier.
"""

from __future__ import annotations

import math

from acsim.model.hazards import PiecewiseHazard

__all__ = ["Risk"]

INF = math.inf


class Risk:
    """The state of one risk (exit to a job, exit to another state) within one spell.

    Args:
        hazard: The baseline hazard in spell duration.
        budget: The Exp(1) budget of this risk for this spell.
        entry: Absolute entry time of the spell.
        now: Absolute time at which the spell starts being simulated.

    Attributes:
        time: Absolute exit time under the current multiplier (``inf`` if it never exits).

    """

    __slots__ = ("hazard", "budget", "entry", "cum", "k", "time")

    def __init__(self, hazard: PiecewiseHazard, budget: float, entry: float, now: float) -> None:
        self.hazard = hazard
        self.budget = budget
        self.entry = entry
        self.cum = hazard.cumulative(now - entry)
        self.k = -1.0
        self.time = INF

    def update(self, k: float, now: float) -> None:
        """Set the multiplier to ``k`` at absolute time ``now`` (no-op if it is unchanged).

        Exit times stay valid while the multiplier is unchanged: the budget used so far is
        settled (and the exit time recomputed) only when it changes.
        """
        if k == self.k:
            return
        if self.k >= 0.0:
            h = self.hazard
            c = h.cumulative(now - self.entry)
            self.budget -= self.k * (c - self.cum)
            self.cum = c
            if self.budget < 0.0:
                self.budget = 0.0
        self.k = k
        self.time = (
            self.entry + self.hazard.inverse(self.cum + self.budget / k) if k > 0.0 else INF
        )
