"""Caseworker calendars: weekly meeting capacity, booking with slippage, cancellations.

A calendar holds, for every caseworker and simulation week ``floor(t)``, how many meetings are
booked. A booking asks for a desired time; it lands in the desired week if the caseworker (or,
for a team pool, any team member) has a free slot, otherwise in the first later week that has
one. Capacity is never exceeded: that is the invariant every booking keeps.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Booking", "Calendar"]


class Booking:
    """One booked meeting."""

    __slots__ = ("caseworker", "desired", "time", "week", "late")

    def __init__(self, caseworker: int, desired: float, time: float, week: int) -> None:
        self.caseworker = caseworker
        self.desired = desired
        self.time = time
        self.week = week
        #: Held in a later week than desired.
        self.late = week > math.floor(desired)

    @property
    def delay(self) -> float:
        """Weeks between the desired and the booked time."""
        return self.time - self.desired


class Calendar:
    """Meeting calendars of a set of caseworkers organised in booking groups.

    A booking group is the set of caseworkers a jobseeker may meet: one caseworker under a fixed
    caseload, the whole team under a team pool. Each caseworker belongs to exactly one group.

    Args:
        capacity: Meetings per week of each caseworker (ints >= 0).
        groups: The booking groups, as tuples of caseworker indices, covering every caseworker
            once. Defaults to one group per caseworker.
        weeks: Initial number of weeks to allocate (grows on demand).

    """

    def __init__(
        self,
        capacity: np.ndarray,
        groups: list[tuple[int, ...]] | None = None,
        weeks: int = 128,
    ) -> None:
        self.capacity = np.asarray(capacity, dtype=np.int64)
        if (self.capacity < 0).any():
            raise ValueError("capacity must be non-negative")
        self.n = len(self.capacity)
        if groups is None:
            groups = [(c,) for c in range(self.n)]
        members = sorted(c for g in groups for c in g)
        if members != list(range(self.n)):
            raise ValueError("booking groups must cover every caseworker exactly once")
        self.groups = [tuple(g) for g in groups]
        self.group_of = np.empty(self.n, dtype=np.int64)
        for gi, g in enumerate(self.groups):
            self.group_of[list(g)] = gi
        self._members = [list(g) for g in self.groups]
        self._cap = [int(c) for c in self.capacity]
        self.group_capacity = [sum(self._cap[c] for c in g) for g in self.groups]
        # Python lists, not arrays: booking is on the hot path and NumPy scalars are slow.
        self._booked: list[list[int]] = []
        self._held: list[list[int]] = []
        self._group_booked: list[list[int]] = []
        self._ensure(weeks - 1)

    def _ensure(self, week: int) -> None:
        n, g = self.n, len(self.groups)
        while len(self._booked) <= week:
            self._booked.append([0] * n)
            self._held.append([0] * n)
            self._group_booked.append([0] * g)

    @property
    def booked(self) -> np.ndarray:
        """Meetings booked, shape ``(weeks, caseworkers)``."""
        return np.array(self._booked, dtype=np.int64).reshape(len(self._booked), self.n)

    @property
    def held(self) -> np.ndarray:
        """Meetings held, shape ``(weeks, caseworkers)``."""
        return np.array(self._held, dtype=np.int64).reshape(len(self._held), self.n)

    def book(self, desired: float, group: int) -> Booking | None:
        """Book a meeting at or after ``desired`` with a member of booking group ``group``.

        The meeting goes to the first week, from the desired one on, in which a member has a
        free slot; within that week to the next member with a free slot, round robin. In the
        desired week the meeting keeps its desired time; in a later week it takes the next slot,
        spread evenly over that week.

        Returns:
            The booking, or ``None`` if the group has no capacity at all.

        """
        gcap = self.group_capacity[group]
        if gcap <= 0:
            return None
        first = int(desired)  # desired >= 0
        week = first
        gb = self._group_booked
        if week >= len(gb):
            self._ensure(week)
        while gb[week][group] >= gcap:
            week += 1
            if week >= len(gb):
                self._ensure(week)
        row = self._booked[week]
        cap = self._cap
        members = self._members[group]
        if len(members) == 1:
            cw = members[0]
        else:
            # Next team member with a free slot, round robin from the week's booking count:
            # spreads a week's meetings evenly over the team.
            n = len(members)
            j = gb[week][group] % n
            cw = members[j]
            while row[cw] >= cap[cw]:
                j = j + 1 if j + 1 < n else 0
                cw = members[j]
        used = row[cw]
        time = desired if week == first else week + used / cap[cw]
        row[cw] = used + 1
        gb[week][group] += 1
        return Booking(cw, desired, time, week)

    def cancel(self, booking: Booking) -> None:
        """Free the slot of a meeting that will not be held."""
        self._booked[booking.week][booking.caseworker] -= 1
        self._group_booked[booking.week][int(self.group_of[booking.caseworker])] -= 1

    def hold(self, booking: Booking) -> None:
        """Record that a booked meeting took place."""
        self._held[booking.week][booking.caseworker] += 1

    def utilisation(self, start_week: int, end_week: int) -> float:
        """Meetings held over capacity offered, in weeks ``[start_week, end_week)``."""
        end_week = min(end_week, self.held.shape[0])
        offered = int(self.capacity.sum()) * (end_week - start_week)
        if end_week <= start_week or offered == 0:
            return float("nan")
        return float(self.held[start_week:end_week].sum() / offered)

    def weekly_held(self) -> np.ndarray:
        """Meetings held per week, summed over caseworkers."""
        return self.held.sum(axis=1)
