"""Staffing and caseload: caseworkers, weekly meeting capacity, fixed caseload or team pool."""

from __future__ import annotations

import heapq
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from acsim.model.calendar import Calendar
from acsim.policies.base import Centre, Policy
from acsim.policies.registry import Family
from acsim.spec.base import FieldProblem, Float, Int, Spec

__all__ = ["Staffing", "StaffingSpec"]


class StaffingSpec(Spec):
    """Who holds the meetings, and how many a week.

    Attributes:
        caseworkers: Caseworkers who hold individual meetings with this target group.
        meetings_per_week: Meeting capacity of each caseworker per week.
        assignment: ``"fixed"``: each jobseeker has one caseworker and meets only them.
            ``"pool"``: a jobseeker belongs to a team and books with any team member.
        teams: Number of teams caseworkers are split into (round robin).
        caseload_cap: Caseload a caseworker should not exceed (reported, not enforced: a job
            centre cannot turn jobseekers away). ``None`` for no cap.
        meeting_minutes: Length of an individual meeting, for costing.

    ``caseworkers = 0`` is valid: nobody holds individual meetings (a bare scenario; meetings
    booked stay unheld). Utilisation (meetings held over capacity) is then 0/0: the
    ``caseworker_utilisation`` metric is NaN, not an error. ``teams`` is at most
    ``caseworkers`` (when there are any) and 10,000; ``caseload_cap`` at most 100,000.

    """

    caseworkers: Int = Field(40, ge=0, le=10_000)
    meetings_per_week: Int = Field(32, ge=0, le=200)
    assignment: Literal["fixed", "pool"] = "fixed"
    teams: Int = Field(1, ge=1, le=10_000)
    caseload_cap: Int | None = Field(None, ge=1, le=100_000)
    meeting_minutes: Float = Field(30.0, gt=0, le=480)

    @model_validator(mode="after")
    def _teams_fit(self) -> StaffingSpec:
        if self.caseworkers and self.teams > self.caseworkers:
            raise FieldProblem("teams", f"teams ({self.teams}) exceeds caseworkers "
                                        f"({self.caseworkers})")
        return self


class Staffing(Policy):
    """Runtime staffing: the calendar, assignment of jobseekers, and caseloads.

    It provides the centre's ``calendar`` and ``caseload`` services, puts each new spell in
    the least loaded booking group and releases it when the spell ends.
    """

    def __init__(self, spec: StaffingSpec) -> None:
        self.spec = spec
        n = spec.caseworkers
        self.team_of = np.arange(n) % spec.teams if n else np.zeros(0, dtype=np.int64)
        if spec.assignment == "pool" and n:
            groups = [tuple(np.flatnonzero(self.team_of == t).tolist()) for t in range(spec.teams)]
        else:
            groups = None
        self.calendar = Calendar(np.full(n, spec.meetings_per_week, dtype=np.int64), groups)
        self.n_groups = len(self.calendar.groups)
        self.load = [0] * self.n_groups  # active spells per booking group
        self.group_size = [len(g) for g in self.calendar.groups]
        self.over_cap_assignments = 0
        self._equal_sizes = len(set(self.group_size)) <= 1
        # The least loaded group is the top of a heap of (load per caseworker, group), with
        # stale entries dropped as they surface: O(log groups) a spell, where a scan of every
        # group (hundreds at 80,000 entrants a year) grew with the job centre.
        self._heap = [(self._key(g), g) for g in range(self.n_groups)]

    def bind(self, centre: Centre) -> None:
        """Provide the calendar and the caseload to the centre."""
        super().bind(centre)
        centre.provide("calendar", self.calendar)
        centre.provide("caseload", self.caseload)

    def on_spell_start(self, spell) -> None:
        """Assign the spell to a booking group."""
        spell.group = self.assign()

    def on_spell_end(self, spell) -> None:
        """Release the spell's place in its booking group."""
        self.release(spell.group)

    def _key(self, group: int) -> float:
        """Load of a group per caseworker (the load itself when all groups are one size)."""
        if self._equal_sizes:
            return self.load[group]
        return self.load[group] / self.group_size[group]

    def _push(self, group: int) -> None:
        heap = self._heap
        if len(heap) > 8 * self.n_groups:  # mostly stale: rebuild from the loads
            heap[:] = [(self._key(g), g) for g in range(self.n_groups)]
            heapq.heapify(heap)
        else:
            heapq.heappush(heap, (self._key(group), group))

    def assign(self) -> int:
        """Booking group for a new spell: the least loaded one (per caseworker).

        Ties go to the lowest index (the heap orders ``(load, group)``).
        """
        if self.n_groups == 0:
            return -1
        heap, key = self._heap, self._key
        while True:
            k, g = heap[0]
            if k == key(g):
                break
            heapq.heappop(heap)  # stale: the group's load has changed since
        self.load[g] += 1
        heapq.heapreplace(heap, (key(g), g))
        cap = self.spec.caseload_cap
        if cap is not None and self.load[g] > cap * self.group_size[g]:
            self.over_cap_assignments += 1
        return g

    def release(self, group: int) -> None:
        """A spell in ``group`` ended."""
        if group >= 0:
            self.load[group] -= 1
            self._push(group)

    def caseload(self, group: int) -> float:
        """Current caseload per caseworker in a booking group."""
        if group < 0:
            return float("nan")
        return float(self.load[group] / self.group_size[group])


FAMILIES = (Family("staffing", build=lambda s: [Staffing(s.staffing)]),)
