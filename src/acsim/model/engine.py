"""The SimPy model of a job centre: inflow, unemployment spells, meetings, employment.

Each jobseeker is one SimPy process that alternates unemployment spells and employment. Within
a spell the process waits until the earliest of: the next event on the spell's agenda (a booked
meeting, a programme phase, the end of a meeting lift), the exact exit time of each competing
risk under the current hazard multipliers (see :class:`~acsim.model.risk.Risk`), benefit
exhaustion and the end of the run. Nothing is polled weekly.

The engine knows no policy family: the registry (:mod:`acsim.policies.registry`) builds the
scenario's policies, which react to the engine's hooks, book meetings through
:meth:`JobCentre.book_meeting` and add their tallies to the record
(:class:`~acsim.model.recorder.Recorder`).
"""

from __future__ import annotations

import gc
import heapq
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy
from simpy.events import NORMAL, URGENT

from acsim.exceptions import SimulationError
from acsim.model.calendar import Booking, Calendar
from acsim.model.population import Jobseeker, Population, draw_population
from acsim.model.recorder import Recorder
from acsim.model.risk import Risk
from acsim.model.rng import Stream, StreamSet
from acsim.model.spell import Spell
from acsim.policies.base import OnHeld, Policy, overrides

if TYPE_CHECKING:
    from acsim.spec.scenario import Scenario

__all__ = ["JobCentre", "Process", "run_paused_gc"]

INF = math.inf
#: Uniforms per jobseeker of the exits stream: three per spell (job, other, separation).
_EXIT_DRAWS = 6


def run_paused_gc(env: simpy.Environment,
                  progress: Callable[[float], None] | None = None) -> None:
    """Run ``env`` to the end with the cyclic garbage collector paused.

    A run builds a large, long-lived object graph with almost no reference cycles (about 20 per
    run): the cyclic collector would rescan it again and again, making time per jobseeker grow
    with the population. It is paused for the run and collects afterwards.

    Args:
        env: The environment.
        progress: Called with the simulated time each time it passes a 4-week mark. The
            events are stepped through one by one, as ``env.run()`` does, so the run is the
            same with or without it.

    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        if progress is None:
            env.run()
        else:
            step, mark = env.step, 4.0
            try:
                while True:
                    step()
                    if env.now >= mark:
                        progress(env.now)
                        mark = (env.now // 4 + 1) * 4
            except simpy.core.EmptySchedule:
                progress(env.now)
    finally:
        if was_enabled:
            gc.enable()
            gc.collect(0)


class Process(simpy.events.Event):
    """A lean SimPy process: a generator that yields delays (weeks) and is resumed after each.

    :class:`simpy.Process` is general (it waits on any event, can be interrupted, is itself an
    event others may wait for) and pays for it on every resumption. A jobseeker only ever
    waits for time to pass, so its process is one event, rescheduled by
    :meth:`simpy.Environment.schedule` at every wake-up: no Timeout is allocated per event and
    no end-of-process event is scheduled. It is started the way SimPy starts a process (an
    urgent event now), and each wake-up is scheduled as a Timeout would be (normal priority at
    ``now + delay``, in the order scheduled), so the run is event for event the one a
    ``simpy.Process`` yielding ``env.timeout(delay)`` gives. Delays must be >= 0 (not
    checked).

    Args:
        env: The environment.
        generator: The process body; it yields delays and ends by returning.

    """

    def __init__(self, env: simpy.Environment, generator) -> None:
        self.env = env
        self._ok = True
        self._value = None
        self._next = generator.__next__
        self._schedule = env.schedule
        self._resume_list = [self._resume]
        self.callbacks = self._resume_list
        env.schedule(self, URGENT)

    def _resume(self, _event: simpy.events.Event) -> None:
        try:
            delay = self._next()
        except StopIteration:
            # Break the cycle (self -> list -> bound method -> self) so that reference
            # counting frees the process now; the cyclic collector is paused for the run.
            self._resume_list = self._next = self._schedule = None
            return
        self.callbacks = self._resume_list
        self._schedule(self, NORMAL, delay)


class JobCentre:
    """One replication of a scenario: the job centre, its policies, and its jobseekers.

    Args:
        scenario: The validated scenario.
        root: Root entropy of the run.
        replication: Replication index (selects the random streams).
        env: A SimPy environment (a fresh one by default).

    Attributes:
        policies: The runtime policies, in the order their hooks are called.
        record: What happened (:class:`~acsim.model.recorder.Recorder`).
        calendar: The caseworkers' meeting calendar (provided by a policy; empty by default).

    Example:
        >>> from acsim import Scenario
        >>> centre = JobCentre(Scenario().with_changes({"population.annual_inflow": 200}), 1, 0)
        >>> centre.run()
        >>> len(centre.records) > 0
        True

    """

    def __init__(
        self, scenario: Scenario, root: int, replication: int, env: simpy.Environment | None = None
    ) -> None:
        from acsim.policies.registry import build_policies

        self.scenario = s = scenario
        self.root = root
        self.replication = replication
        self.env = env if env is not None else simpy.Environment()
        self.end = s.scenario.end_week
        hz = s.hazard
        self.h_job = hz.job.build(hz.level)
        self.h_other = hz.other.build()
        self.h_sep = hz.separation.build()
        self.calendar = Calendar(np.zeros(0, dtype=np.int64))
        self._services: dict[str, Any] = {}
        self.policies: list[Policy] = build_policies(s)
        columns = tuple(c for p in self.policies for c in p.columns)
        self.record = Recorder(self.end, columns)
        for pol in self.policies:
            pol.bind(self)
        self._start_hooks = self._hooks("on_spell_start")
        self._screen_hooks = self._hooks("on_screened")
        self._held_hooks = self._hooks("on_meeting_held")
        self._end_hooks = self._hooks("on_spell_end")
        self._tallies = [p.tally for p in self.policies if p.columns]
        self._hold_cb = self._hold  # bound once: the agenda callback of every booked meeting
        self._meeting_row = self.record.add_meeting_row
        self._streams: dict[int, StreamSet] = {}
        self.population: Population | None = None
        self.events = 0

    def _hooks(self, name: str) -> list[Callable[..., None]]:
        return [getattr(p, name) for p in self.policies if overrides(p, name)]

    # -- the record, under its historical names ----------------------------------------------
    @property
    def records(self) -> list[tuple[Any, ...]]:
        """The spell records (columns ``record.spell_columns``)."""
        return self.record.spells

    @property
    def employment(self) -> dict[int, list[tuple[float, float]]]:
        """Employment spans by jobseeker id."""
        return self.record.employment

    @property
    def weekly_meetings(self) -> list[int]:
        """Meetings held per simulation week."""
        return self.record.weekly_meetings

    @property
    def weekly_delay(self) -> list[float]:
        """Summed meeting delay per simulation week."""
        return self.record.weekly_delay

    # -- services for policies ------------------------------------------------------------
    @property
    def now(self) -> float:
        """Current simulation time (weeks)."""
        return self.env.now

    def provide(self, name: str, service: Any) -> None:
        """Offer a service to the other policies (``"calendar"``, ``"caseload"``)."""
        self._services[name] = service
        if name == "calendar":
            self.calendar = service

    def uniform(self, stream: int, key: int, index: int) -> float:
        """The ``index``-th uniform of a jobseeker's stream."""
        return self._streams[stream].uniform(key, index)

    def caseload(self, spell: Spell) -> float:
        """Caseload per caseworker in the spell's booking group (NaN without staffing)."""
        caseload = self._services.get("caseload")
        return caseload(spell.group) if caseload is not None else float("nan")

    def book_meeting(
        self, spell: Spell, when: float, kind: str, on_held: OnHeld | None = None
    ) -> Booking | None:
        """Book a meeting of ``kind`` at spell week ``when`` (or now, if that has passed).

        The meeting goes into the calendar of the spell's booking group and may slip to a
        later week when the group is full. When it is held, the engine records it, calls
        ``on_held(spell, booking)`` and then every policy's ``on_meeting_held``.

        Returns:
            The booking, or ``None`` if it cannot be held before the end of the run.

        """
        group = spell.group
        if group < 0:
            return None
        desired = spell.entry + when
        now = self.env.now
        if desired < now:
            desired = now
        end = self.end
        if desired >= end:
            return None
        calendar = self.calendar
        booking = calendar.book(desired, group)
        if booking is None:
            return None
        if booking.time >= end:
            calendar.cancel(booking)
            return None
        spell.bookings.add(booking)
        spell.at_time(booking.time, self._hold_cb, (booking, kind, on_held))
        return booking

    def _hold(self, spell: Spell, arg: tuple[Booking, str, OnHeld | None]) -> None:
        booking, kind, on_held = arg
        spell.bookings.discard(booking)
        self.calendar.hold(booking)
        spell.meetings_held += 1
        late = booking.late
        if late:
            spell.meetings_late += 1
        time = booking.time
        delay = time - booking.desired  # (Booking.delay, inline)
        spell.meeting_delay += delay
        self._meeting_row((spell.js.id, spell.number, time, kind, delay,
                                   booking.caseworker, late))
        if on_held is not None:
            on_held(spell, booking)
        for hook in self._held_hooks:
            hook(spell, booking)

    def screened(self, spell: Spell) -> None:
        """The spell's track is now known: let the policies react."""
        for hook in self._screen_hooks:
            hook(spell)

    # -- the run ------------------------------------------------------------------------------
    def run(self) -> None:
        """Draw the population and simulate until every jobseeker's process has ended."""
        s = self.scenario
        pop = draw_population(
            s.population, s.scenario.start_date, self.end, s.hazard.covariates,
            self.root, self.replication,
        )
        self.population = pop
        self.admit(pop.inflow, pop.stock)
        run_paused_gc(self.env)
        self.events = self._event_count

    def admit(
        self,
        inflow: Sequence[Jobseeker],
        stock: Sequence[Jobseeker] = (),
        keys: np.ndarray | None = None,
    ) -> None:
        """Start the processes of an inflow (arriving at ``js.arrival``) and a stock.

        Args:
            inflow: Jobseekers in arrival order.
            stock: Jobseekers already unemployed at time 0.
            keys: Ids for which to prepare the random streams (default: those admitted). Pass
                the ids of a whole trial so that every arm sees the same streams.

        """
        if keys is None:
            keys = np.array([js.id for js in [*inflow, *stock]], dtype=np.int64)
        blocks = {Stream.EXITS: _EXIT_DRAWS}
        for pol in self.policies:
            for stream, block in pol.streams.items():
                blocks[stream] = max(block, blocks.get(stream, 0))
        for stream, block in blocks.items():
            self._streams[stream] = StreamSet(self.root, self.replication, stream, keys, block)
        env = self.env
        for js in stock:
            Process(env, self._jobseeker(js, -js.elapsed))
        Process(env, self._inflow(inflow))

    _event_count = 0

    def _inflow(self, inflow: list[Jobseeker]):
        env = self.env
        jobseeker = self._jobseeker
        for js in inflow:
            dt = js.arrival - env.now
            if dt > 0:
                yield dt
                self._event_count += 1
            Process(env, jobseeker(js, js.arrival))

    def _jobseeker(self, js: Jobseeker, entry: float):
        """A person's life in the run: unemployment spells separated by employment.

        Within a spell the process waits until the earliest of the next agenda item, the exit
        time of each risk, benefit exhaustion and the end of the run (the module docstring);
        the spell loop is written out here rather than in a sub-generator, which would cost a
        frame switch on every event.
        """
        env = self.env
        jid = js.id
        exits = self._streams[Stream.EXITS]
        exponential = exits.exponential
        end = self.end
        hz = self.scenario.hazard
        benefit_weeks, requalify_weeks = hz.benefit_weeks, hz.requalify_weeks
        h_job, h_other, h_sep = self.h_job, self.h_other, self.h_sep
        start_hooks = self._start_hooks
        record_job = self.record.job
        heappop = heapq.heappop
        number = 0
        benefit_used = 0.0
        while True:
            # -- an unemployment spell
            spell = Spell(js, number, entry, js.cov_job, 1.0)
            for hook in start_hooks:
                hook(spell)
            now = env.now
            job = Risk(h_job, exponential(jid, 3 * number), entry, now)
            other = Risk(h_other, exponential(jid, 3 * number + 1), entry, now)
            job_update, other_update = job.update, other.update
            exhaust = entry + max(benefit_weeks - benefit_used, 0.0)
            stop = exhaust if exhaust < end else end
            agenda = spell.agenda
            n_events = 0
            while True:
                # (the comparisons save a call on the hot path when no multiplier changed)
                k = spell.k_job
                if k != job.k:
                    job_update(k, now)
                k = spell.k_other
                if k != other.k:
                    other_update(k, now)
                t_job, t_other = job.time, other.time
                t = t_job if t_job < t_other else t_other
                if stop < t:
                    t = stop
                if agenda:
                    limit = agenda[0][0]
                    if limit < t:
                        t = limit
                if t > now:
                    yield t - now
                    n_events += 1
                    now = t
                if t == t_job:
                    reason = "job"
                    break
                if t == t_other:
                    reason = "other"
                    break
                if now >= stop:
                    reason = "exhausted" if exhaust <= end and now >= exhaust else "censored"
                    break
                while agenda and agenda[0][0] <= now:
                    _, _, callback, arg = heappop(agenda)
                    callback(spell, arg)
                    if spell.forced_exit is not None:
                        break
                if spell.forced_exit is not None:
                    reason = spell.forced_exit
                    break
            self._event_count += n_events
            spell.forced_exit = reason
            self._close(spell, reason, now)
            # -- after the spell
            benefit_used += max(0.0, env.now - max(entry, 0.0) - spell.off_benefit_weeks)
            if reason != "job" and reason != "hired":
                return
            # Employment, ended by a separation that returns the person to unemployment.
            budget = exponential(jid, 3 * number + 2)
            start = env.now
            until = start + h_sep.time_to_exit(0.0, budget, spell.separation_hr)
            # The job is recorded from the spell's exit to the next spell's entry exactly as the
            # spell table has them (the clock's sum of timeouts can differ by a rounding step).
            if until >= end:
                record_job(jid, number, spell.exit_week, end)
                return
            yield until - start
            self._event_count += 1
            record_job(jid, number, spell.exit_week, env.now)
            if until - start >= requalify_weeks:
                benefit_used = 0.0
            number += 1
            entry = env.now

    def _close(self, spell: Spell, reason: str, now: float) -> None:
        spell.exit_week = now  # the end hooks close their episodes at this time
        for booking in spell.bookings:
            self.calendar.cancel(booking)
        spell.bookings.clear()
        for hook in self._end_hooks:
            hook(spell)
        if now < spell.entry:
            raise SimulationError("a spell ended before it began")
        row = (
            spell.js.id, spell.number, spell.entry, now, reason, spell.true_track, spell.track,
            spell.group, spell.meetings_held, spell.meetings_late, spell.meeting_delay,
        )
        for tally in self._tallies:
            row += tally(spell)
        self.record.spells.append(row)
