"""Runtime state of one unemployment spell: multipliers, agenda of policy events, bookings.

Policies never touch SimPy directly: they put callbacks on the spell's agenda with
:meth:`Spell.at` and change hazard multipliers with :meth:`Spell.set_job` /
:meth:`Spell.set_other`. The engine's spell process waits until the earliest of the next agenda
item, the exact exit time under the current multipliers, benefit exhaustion and the horizon.
A policy keeps its own per-spell state in ``spell.state[<its key>]``; the spell itself holds
only what the engine and the centre's services need.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from acsim.model.calendar import Booking
    from acsim.model.population import Jobseeker

__all__ = ["Spell"]

Callback = Callable[["Spell", Any], None]


class Spell:
    """One unemployment spell of one jobseeker.

    Attributes:
        js: The jobseeker.
        number: 0 for the jobseeker's first spell, 1 after a return from employment, ...
        entry: Absolute entry time (weeks); negative for a spell already running at time 0.
        track: Screened track (``None`` before screening).
        true_track: The track the jobseeker's true risk puts them in.
        group: Booking group in the calendar (``-1``: none).
        k_job: Product of covariate and policy multipliers on the job hazard.
        k_other: Same for the other-exit hazard.
        forced_exit: Exit reason set by a policy (e.g. hired at the end of a placement).
        separation_hr: Multiplier on the separation hazard of the employment that follows.
        off_benefit_weeks: Weeks of the spell without benefit (e.g. subsidised work); they do
            not count towards benefit exhaustion.
        bookings: Meetings booked and not yet held.
        meetings_held: Meetings held so far (any kind); ``meetings_late``, ``meeting_delay``:
            how many were late and their summed delay in weeks.
        state: Per-spell state of the policies, by the policy's key.
        exit_week: Absolute time the spell ended (NaN while it runs), as recorded.

    """

    __slots__ = (
        "js", "number", "entry", "track", "true_track", "group",
        "k_job", "k_other", "_cov_job", "_mult_job", "_mult_other", "agenda", "_seq",
        "forced_exit", "separation_hr", "off_benefit_weeks", "bookings",
        "meetings_held", "meetings_late", "meeting_delay", "state", "exit_week",
    )

    def __init__(self, js: Jobseeker, number: int, entry: float, cov_job: float, cov_other: float):
        self.js = js
        self.number = number
        self.entry = entry
        self.track: str | None = None
        self.true_track: str | None = None
        self.group = -1
        self._cov_job = cov_job
        self._mult_job: dict[str, float] = {}
        self._mult_other: dict[str, float] = {"_cov": cov_other}
        self.k_job = cov_job
        self.k_other = cov_other
        self.agenda: list[tuple[float, int, Callback, Any]] = []
        self._seq = 0
        self.forced_exit: str | None = None
        self.separation_hr = 1.0
        self.off_benefit_weeks = 0.0
        self.bookings: set[Booking] = set()
        self.meetings_held = 0
        self.meetings_late = 0
        self.meeting_delay = 0.0
        self.state: dict[str, Any] = {}
        self.exit_week = float("nan")  # set when the spell ends

    def scale_base(self, factor: float) -> None:
        """Multiply the spell-long covariate term of the job hazard by ``factor``.

        For effects that hold for the whole spell (e.g. the provider's); call it when the spell
        starts, before any policy multiplier is set.
        """
        if self._mult_job:
            raise RuntimeError("scale_base must be called before any job multiplier is set")
        self._cov_job = self._cov_job * factor
        self.k_job = self._cov_job

    def duration(self, now: float) -> float:
        """Elapsed spell duration at absolute time ``now``."""
        return now - self.entry

    def at(self, duration: float, callback: Callback, arg: Any = None) -> None:
        """Run ``callback(spell, arg)`` when the spell reaches ``duration`` weeks."""
        self._seq += 1
        heapq.heappush(self.agenda, (self.entry + duration, self._seq, callback, arg))

    def at_time(self, time: float, callback: Callback, arg: Any = None) -> None:
        """Run ``callback(spell, arg)`` at absolute time ``time``."""
        self._seq += 1
        heapq.heappush(self.agenda, (time, self._seq, callback, arg))

    def set_job(self, name: str, value: float) -> None:
        """Set (or with 1.0, clear) the named multiplier on the job hazard.

        The product is kept as a running product (multiplier values are validated > 0) and
        reset exactly to the covariate term whenever no policy multiplier is left, so rounding
        cannot accumulate across a spell's quiet stretches.
        """
        mult = self._mult_job
        old = mult.get(name, 1.0)
        if value == old:
            return
        if value == 1.0:
            del mult[name]
        else:
            mult[name] = value
        self.k_job = self.k_job / old * value if mult else self._cov_job

    def set_other(self, name: str, value: float) -> None:
        """Set (or with 1.0, clear) the named multiplier on the other-exit hazard."""
        mult = self._mult_other
        if value == 1.0:
            mult.pop(name, None)
        else:
            mult[name] = value
        k = 1.0
        for v in mult.values():
            k *= v
        self.k_other = k

    def job_multiplier(self, name: str) -> float:
        """The current value of a named job-hazard multiplier (1.0 if not set)."""
        return self._mult_job.get(name, 1.0)
