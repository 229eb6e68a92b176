"""One competing risk of a spell: an Exp(1) budget spent against a piecewise-constant hazard.

Between policy events the hazard is ``k * h0(d)``; the exit time is exact. When ``k`` changes,
the budget spent so far at the old ``k`` is settled and the exit time recomputed from the
remaining budget: the same budget under a better policy exits earlier.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right

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

    __slots__ = ("hazard", "budget", "entry", "cum", "k", "time", "_breaks", "_rates", "_cums")

    def __init__(self, hazard: PiecewiseHazard, budget: float, entry: float, now: float) -> None:
        self.hazard = hazard
        self.budget = budget
        self.entry = entry
        self.cum = hazard.cumulative(now - entry)
        self.k = -1.0
        self.time = INF
        # The baseline's tables, for the inlined cumulative and inverse of :meth:`update`.
        self._breaks = hazard.breaks
        self._rates = hazard.rates
        self._cums = hazard._cum

    def update(self, k: float, now: float) -> None:
        """Set the multiplier to ``k`` at absolute time ``now`` (no-op if it is unchanged).

        Exit times stay valid while the multiplier is unchanged: the budget used so far is
        settled (and the exit time recomputed) only when it changes. This is the engine's
        hottest method: :meth:`PiecewiseHazard.cumulative` and :meth:`PiecewiseHazard.inverse`
        are inlined here with the same arithmetic.
        """
        old = self.k
        if k == old:
            return
        breaks, rates, cums = self._breaks, self._rates, self._cums
        cum, budget, entry = self.cum, self.budget, self.entry
        if old >= 0.0:
            d = now - entry
            i = bisect_right(breaks, d) - 1
            c = cums[i] + rates[i] * (d - breaks[i]) if i >= 0 else 0.0
            budget -= old * (c - cum)
            cum = c
            if budget < 0.0:
                budget = 0.0
            self.cum, self.budget = cum, budget
        self.k = k
        if k > 0.0:
            target = cum + budget / k
            i = bisect_left(cums, target) - 1
            if i < 0:
                i = 0
            c = cums[i]
            if target <= c:
                d = breaks[i]
            else:
                r = rates[i]
                d = breaks[i] + (target - c) / r if r > 0.0 else INF
            self.time = entry + d
        else:
            self.time = INF
