"""The SimPy model of a job centre: inflow, unemployment spells, meetings, employment.

Each jobseeker is one SimPy process that alternates unemployment spells and employment. Within
a spell the process waits until the earliest of: the next event on the spell's agenda (a booked
meeting, a programme phase, the end of a meeting lift), the exact exit time under the current
hazard multipliers (to a job or to another state), benefit exhaustion and the end of the run.
Exit times are exact: the baseline is inverted across its segments in closed form and the
Exp(1) budgets carry over when multipliers change. Nothing is polled weekly.
"""

from __future__ import annotations

import gc
import heapq
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import simpy

from acsim.exceptions import SimulationError
from acsim.model.calendar import Booking
from acsim.model.population import Jobseeker, Population, draw_population
from acsim.model.rng import Stream, StreamSet
from acsim.model.spell import Spell
from acsim.policies.base import Policy, overrides
from acsim.policies.caseworkers import CaseworkerEffects, CaseworkerProfiles
from acsim.policies.education import Course
from acsim.policies.meetings import Meetings
from acsim.policies.programmes import Programme
from acsim.policies.screening import Screening
from acsim.policies.staffing import Staffing
from acsim.spec.base import resolve_group_value
from acsim.spec.scenario import Scenario

__all__ = ["JobCentre", "SPELL_FIELDS", "run_paused_gc"]

INF = math.inf

#: Columns of the raw spell records, in order.
SPELL_FIELDS = (
    "jobseeker_id", "spell", "entry_week", "exit_week", "exit_reason", "track_true", "track",
    "caseworker_group", "meetings_held", "meetings_late", "meeting_delay_weeks",
    "group_meetings", "programmes", "programme_weeks", "subsidised_weeks",
)


def run_paused_gc(env: simpy.Environment) -> None:
    """Run ``env`` to the end with the cyclic garbage collector paused.

    A run builds a large, long-lived object graph with almost no reference cycles (about 20 per
    run): the cyclic collector would rescan it again and again, making time per jobseeker grow
    with the population. It is paused for the run and collects afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        env.run()
    finally:
        if was_enabled:
            gc.enable()
            gc.collect(0)


class JobCentre:
    """One replication of a scenario: the job centre, its policies, and its jobseekers.

    Args:
        scenario: The validated scenario.
        root: Root entropy of the run.
        replication: Replication index (selects the random streams).
        env: A SimPy environment (a fresh one by default).

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
        self.scenario = s = scenario
        self.root = root
        self.replication = replication
        self.env = env if env is not None else simpy.Environment()
        self.end = s.scenario.end_week
        hz = s.hazard
        self.h_job = hz.job.build(hz.level)
        self.h_other = hz.other.build()
        self.h_sep = hz.separation.build()
        self.staffing = Staffing(s.staffing)
        self.calendar = self.staffing.calendar
        self.screening = Screening(s.screening)
        self.cw_profiles = CaseworkerProfiles(
            s.effects.caseworkers, s.staffing.caseworkers, root, replication
        )
        self.cw_effects = CaseworkerEffects(self.cw_profiles)
        self.meetings = Meetings(s.meetings, s.effects.meetings, s.provider.meetings_factor)
        self.programmes: list[Programme] = []
        eff = s.effects
        for i, p in enumerate(s.programmes):
            if p.kind == "activation":
                self.programmes.append(Programme(p, eff.activation, i))
            elif p.kind == "internship":
                self.programmes.append(Programme(p, eff.internship, i))
            elif p.kind == "wage_subsidy":
                e = eff.wage_subsidy_private if p.sector == "private" else eff.wage_subsidy_public
                self.programmes.append(Programme(p, e, i, subsidised=True))
            else:
                self.programmes.append(Course(p, eff.course, i))
        self.policies: list[Policy] = [self.meetings, *self.programmes]
        for pol in self.policies:
            pol.bind(self)
        self._start_hooks = self._hooks("on_spell_start")
        self._screen_hooks = self._hooks("on_screened")
        self._end_hooks = self._hooks("on_spell_end")
        self._provider_hr = s.provider.hazard_hr
        self._screen_at_entry = s.screening.at == "entry" or not s.meetings.phases or (
            s.staffing.caseworkers == 0
        )
        self._streams: dict[int, StreamSet] = {}
        self.records: list[tuple[Any, ...]] = []
        self.employment: dict[int, list[tuple[float, float]]] = {}
        self.population: Population | None = None
        self.weekly_delay = [0.0] * (int(math.ceil(self.end)) + 1)
        self.weekly_meetings = [0] * (int(math.ceil(self.end)) + 1)
        self.events = 0

    def _hooks(self, name: str) -> list[Callable[..., None]]:
        return [getattr(p, name) for p in self.policies if overrides(p, name)]

    # -- services for policies ------------------------------------------------------------
    @property
    def now(self) -> float:
        """Current simulation time (weeks)."""
        return self.env.now

    def uniform(self, stream: int, key: int, index: int) -> float:
        """The ``index``-th uniform of a jobseeker's stream."""
        return self._streams[stream].uniform(key, index)

    def caseload(self, spell: Spell) -> float:
        """Caseload per caseworker in the spell's booking group."""
        return self.staffing.caseload(spell.group)

    def book_meeting(self, spell: Spell, duration: float, regular: bool) -> Booking | None:
        """Book a meeting at spell week ``duration`` (or now, if that has passed)."""
        if spell.group < 0:
            return None
        desired = max(spell.entry + duration, self.env.now)
        if desired >= self.end:
            return None
        booking = self.calendar.book(desired, spell.group)
        if booking is None:
            return None
        if booking.time >= self.end:
            self.calendar.cancel(booking)
            return None
        spell.bookings.add(booking)
        spell.at_time(booking.time, self._hold, (booking, regular))
        return booking

    def _hold(self, spell: Spell, arg: tuple[Booking, bool]) -> None:
        booking, regular = arg
        spell.bookings.discard(booking)
        self.calendar.hold(booking)
        spell.meetings_held += 1
        if booking.late:
            spell.meetings_late += 1
        spell.meeting_delay += booking.delay
        self.weekly_meetings[booking.week] += 1
        self.weekly_delay[booking.week] += booking.delay
        self.meetings.held(spell, booking, regular)
        self.cw_effects.apply(spell, booking.caseworker)
        if spell.track is None:
            self.screen(spell)

    def screen(self, spell: Spell) -> None:
        """Screen the spell into a track and let the policies react."""
        js = spell.js
        true_i = self.screening.true_index(js.latent_risk)
        u = self.uniform(Stream.SCREENING, js.id, spell.number)
        spell.track = self.screening.names[self.screening.screened_index(js.latent_risk, u)]
        spell.true_track = self.screening.names[true_i]
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
        for stream, block in ((Stream.EXITS, 6), (Stream.PROGRAMMES, 8), (Stream.SCREENING, 2)):
            self._streams[stream] = StreamSet(self.root, self.replication, stream, keys, block)
        for js in stock:
            self.env.process(self._jobseeker(js, -js.elapsed))
        self.env.process(self._inflow(inflow))

    _event_count = 0

    def _inflow(self, inflow: list[Jobseeker]):
        env = self.env
        process = env.process
        jobseeker = self._jobseeker
        for js in inflow:
            dt = js.arrival - env.now
            if dt > 0:
                yield env.timeout(dt)
                self._event_count += 1
            process(jobseeker(js, js.arrival))

    def _jobseeker(self, js: Jobseeker, entry: float):
        """A person's life in the run: unemployment spells separated by employment."""
        env = self.env
        exits = self._streams[Stream.EXITS]
        number = 0
        benefit_used = 0.0
        while True:
            spell = yield from self._spell(js, number, entry, benefit_used, exits)
            benefit_used += max(0.0, env.now - max(spell.entry, 0.0) - spell.subsidised_weeks)
            if spell.forced_exit not in ("job", "hired"):
                return
            # Employment, ended by a separation that returns the person to unemployment.
            budget = exits.exponential(js.id, 3 * number + 2)
            k = spell.separation_hr
            until = env.now + self.h_sep.time_to_exit(0.0, budget, k)
            start = env.now
            self.employment.setdefault(js.id, []).append((start, min(until, self.end)))
            if until >= self.end:
                return
            yield env.timeout(until - start)
            self._event_count += 1
            if until - start >= self.scenario.hazard.requalify_weeks:
                benefit_used = 0.0
            number += 1
            entry = env.now

    def _spell(self, js: Jobseeker, number: int, entry: float, benefit_used: float,
               exits: StreamSet):
        env = self.env
        cov = js.cov_job * resolve_group_value(self._provider_hr, js.terms)
        spell = Spell(js, number, entry, cov, 1.0)
        spell.group = self.staffing.assign()
        for hook in self._start_hooks:
            hook(spell)
        if self._screen_at_entry:
            self.screen(spell)
        h_job, h_other = self.h_job, self.h_other
        b_job = exits.exponential(js.id, 3 * number)
        b_other = exits.exponential(js.id, 3 * number + 1)
        exhaust = entry + max(self.scenario.hazard.benefit_weeks - benefit_used, 0.0)
        stop = exhaust if exhaust < self.end else self.end
        agenda = spell.agenda
        now = env.now
        d = now - entry
        # Exit times stay valid while a risk's multiplier is unchanged: the budget used so far is
        # settled (and the exit time recomputed) only when the multiplier changes.
        cum_job = h_job.cumulative(d)
        cum_other = h_other.cumulative(d)
        k_job = k_other = -1.0
        t_job = t_other = INF
        reason = None
        heappop = heapq.heappop
        timeout = env.timeout
        n_events = 0
        while True:
            k = spell.k_job
            if k != k_job:
                if k_job >= 0.0:
                    c = h_job.cumulative(now - entry)
                    b_job -= k_job * (c - cum_job)
                    cum_job = c
                    if b_job < 0.0:
                        b_job = 0.0
                k_job = k
                t_job = entry + h_job.inverse(cum_job + b_job / k) if k > 0.0 else INF
            k = spell.k_other
            if k != k_other:
                if k_other >= 0.0:
                    c = h_other.cumulative(now - entry)
                    b_other -= k_other * (c - cum_other)
                    cum_other = c
                    if b_other < 0.0:
                        b_other = 0.0
                k_other = k
                t_other = entry + h_other.inverse(cum_other + b_other / k) if k > 0.0 else INF
            limit = agenda[0][0] if agenda else INF
            if stop < limit:
                limit = stop
            t = t_job if t_job < t_other else t_other
            if limit < t:
                t = limit
            if t > now:
                yield timeout(t - now)
                n_events += 1
                now = t
            if t == t_job:
                reason = "job"
                break
            if t == t_other:
                reason = "other"
                break
            if now >= stop:
                reason = "exhausted" if exhaust <= self.end and now >= exhaust else "censored"
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
        return spell

    def _close(self, spell: Spell, reason: str, now: float) -> None:
        for booking in spell.bookings:
            self.calendar.cancel(booking)
        spell.bookings.clear()
        self.staffing.release(spell.group)
        for hook in self._end_hooks:
            hook(spell)
        if now < spell.entry:
            raise SimulationError("a spell ended before it began")
        self.records.append(
            (
                spell.js.id, spell.number, spell.entry, now, reason, spell.true_track, spell.track,
                spell.group, spell.meetings_held, spell.meetings_late, spell.meeting_delay,
                spell.group_meetings, ";".join(spell.programmes), spell.programme_weeks,
                spell.subsidised_weeks,
            )
        )
