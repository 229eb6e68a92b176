"""An exact vectorised engine for runs in which caseworker capacity does not bind.

When no meeting is ever delayed, a spell depends only on its own random draws, the policy
schedule and (through the caseworker effects) the caseworker it is assigned to. This engine
uses that:

1. **Templates.** Spells that share everything the policies read (the resolved group values of
   the jobseeker's terms, the screened and true track, which programmes are taken up) share
   one *template*: the scenario's own policy objects are run once on a template spell, with
   the engine's agenda loop but no SimPy and no exits. The template records every change of
   the job-hazard multiplier, every meeting, group session, programme episode and booking, in
   spell weeks. A policy's semantics thus live in its own module only.
2. **Inversion.** Each template's integrated hazard ``G(d) = int_0^d k(u) h0(u) du`` is a
   piecewise-linear table; a spell's exit to a job is its inversion (one bisection) at the
   spell's Exp(1) budget over its covariate term, the caseworker's hazard ratio applying from
   the first calendar meeting on. The draws of every jobseeker's spell come at once
   (vectorised) from the same streams (:mod:`acsim.model.rng`); the other exit, separation and
   benefit exhaustion use the same piecewise-exponential inversion
   (:mod:`acsim.model.hazards`) as the SimPy engine.
3. **Assignment.** The staffing policy puts a new spell with the least-loaded caseworker, so
   spells are coupled through the loads and their exits cannot all be drawn at once. One pass
   over the spells in the order they start (the first spells sorted by arrival, merged with a
   heap of the spells after a job; a heap of ends releases the caseworkers; a heap of loads
   with lazy deletion picks the caseworker as ``Staffing.assign`` does; pure Python, about 3
   microseconds a spell) assigns caseworkers, applies their hazard ratios, draws the exits
   and starts the spell that follows a separation. Everything that does not depend on the
   caseworker (the exit budgets, the other exit, the time to a separation from a job at
   multiplier 1) is drawn for every jobseeker at once before it.
4. **Record.** Regular meeting times are computed vectorised with the SimPy engine's own
   arithmetic, bit for bit; spells, meetings, programme episodes, jobs and the calendar's held
   meetings are written in the engine's tables, so every metric, cost and table downstream is
   the same code.

What it supports is an explicit allow-list (:func:`check_supported`): the shipped trials'
policies and a city with ample fixed-caseload staffing. Anything else (a team pool, meeting
quality that follows the caseload, an initial stock, a job broker, any policy added later) is
refused by name before any simulation, as is a schedule whose outcome the SimPy engine's
clock rounding decides (:func:`_structural_tie`). Capacity is checked twice: before the run by
a bound on bookings per caseworker and week, and after it by an exact certificate (no
caseworker-week ever had more bookings made, held or cancelled, than its capacity: then no
meeting can have been delayed and the spells are the SimPy engine's). A meeting at the instant
a spell after a return from employment ends is refused in the run (:class:`RoundingTie`).
See docs/engines.md.
"""

from __future__ import annotations

import gc
import heapq
import math
import warnings
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import ndtri

from acsim.exceptions import ScenarioError, ScenarioWarning, SimulationError
from acsim.model.calendar import Booking, Calendar
from acsim.model.hazards import PiecewiseHazard
from acsim.model.population import Jobseeker, Population, draw_population
from acsim.model.recorder import SPELL_CORE, Recorder
from acsim.model.rng import (
    _B_CONSTS,
    _INIT_B,
    _MASK32,
    _MULT_B,
    _POOL,
    _TWO53,
    _XSHIFT,
    Stream,
    _pools,
)
from acsim.model.spell import Spell
from acsim.policies.base import Policy, overrides
from acsim.policies.caseworkers import CaseworkerEffects
from acsim.policies.education import Course
from acsim.policies.meetings import Meetings
from acsim.policies.programmes import DRAWS_PER_PROGRAMME, MAX_PROGRAMMES, Programme, ProgrammeBoard
from acsim.policies.provider import Provider
from acsim.policies.screening import Screening
from acsim.policies.staffing import Staffing
from acsim.spec.base import resolve_group_value

if TYPE_CHECKING:
    from acsim.spec.scenario import Scenario

__all__ = [
    "ENGINES", "CapacityBinds", "RoundingTie", "VectorisedCentre", "check_supported",
    "run_centre", "vectorisable",
]

#: The engines a run or trial may name.
ENGINES = ("auto", "simpy", "vectorised")
INF = math.inf
#: The tally columns it writes (those of the supported policies).
_TALLIES = ("group_meetings", "programmes", "programme_weeks", "subsidised_weeks")
#: Service families (those that build runtime policies) and programme kinds it reproduces;
#: a family that builds none for a scenario (e.g. ``delivery``, which acts through the
#: programmes' effect sizes) changes nothing the engine does.
_SERVICE_FAMILIES = ("staffing", "provider", "meetings", "caseworkers", "programmes",
                     "screening")
_PROGRAMME_KINDS = ("activation", "internship", "wage_subsidy", "course")
#: Policy runtimes the vectorised engine reproduces exactly (exact types: a subclass added
#: later is refused until it is checked here).
_SUPPORTED = (Staffing, Provider, Meetings, CaseworkerEffects, ProgrammeBoard, Programme,
              Course, Screening)


# -- what is supported ---------------------------------------------------------------------------
def _problem(scenario: Scenario, people: int | None = None) -> tuple[str, str] | None:
    """``(key, reason)`` of the first feature the vectorised engine cannot run exactly."""
    from acsim.policies.registry import families

    s = scenario
    if s.population.stock:
        return ("population.stock", "an initial stock (left-truncated spells) is not supported "
                "by the vectorised engine")
    if s.staffing.assignment == "pool" and s.staffing.caseworkers:
        return ("staffing.assignment", "a team pool books with whichever team member is free "
                "that week: which caseworker a jobseeker meets depends on the other "
                "jobseekers' bookings (shared calendar state)")
    for i, p in enumerate(s.programmes):
        if p.kind not in _PROGRAMME_KINDS:
            return (f"programmes[{i}].kind", f"programme kind {p.kind!r} is not supported by "
                    "the vectorised engine")
    for f in families():
        if f.build is not None and f.name not in _SERVICE_FAMILIES and f.build(s):
            return ("engine", f"policy family {f.name!r} is not supported by the vectorised "
                    "engine")
    for name in type(s.effects).model_fields:
        table = getattr(s.effects, name)
        other = getattr(table, "other_hr", None)
        if other is not None and any(v != 1.0 for _, v in other):
            return (f"effects.{name}.other_hr", "a programme that changes the exits other than "
                    "a job is not supported by the vectorised engine")
    if s.effects.meetings.caseload_elasticity and s.meetings.caseload_quality:
        return ("meetings.caseload_quality", "meeting quality follows the caseload "
                "(effects.meetings.caseload_elasticity > 0): a meeting's lift depends on "
                "how many other jobseekers the caseworker has at that moment")
    tie = _structural_tie(s)
    if tie is not None:
        return tie
    if people is not None and s.staffing.caseworkers and s.staffing.meetings_per_week:
        per = math.ceil(people / s.staffing.caseworkers)
        most = _weekly_bound(s)
        if per * most > s.staffing.meetings_per_week:
            return ("staffing.meetings_per_week",
                    f"capacity could bind: up to {per} jobseekers per caseworker x up to "
                    f"{most} meetings each in one week exceeds {s.staffing.meetings_per_week} "
                    "meetings a week; a delayed meeting needs the SimPy engine")
    return None


#: Two schedule times closer than this (weeks) are a structural tie.
_TIE = 1e-6


def _structural_tie(s: Scenario) -> tuple[str, str] | None:
    """A schedule whose outcome the SimPy engine decides by rounding, which no copy can match.

    A regular meeting that falls exactly on the end of a schedule phase (within the benefit
    period) books the next one with one phase's interval or the other depending on the last
    bits of the spell's entry time. For a spell that follows a return from employment that
    entry carries the rounding of the previous spell's whole event history in the SimPy clock,
    which only an event-by-event replay reproduces. (Rarer ties, at the end of the benefit
    period or of a programme that hires, are found in the run: :class:`RoundingTie`.)
    """
    mt = Meetings(s.meetings, s.effects.meetings, s.provider.meetings_factor)
    if not mt.phases or not s.staffing.caseworkers or not s.staffing.meetings_per_week:
        return None
    d = s.meetings.first_week
    bw = s.hazard.benefit_weeks
    while d <= bw + 1.0:
        every = mt.interval(d)
        for until, _ in mt.phases:
            if abs(d - until) < _TIE and until < bw - _TIE:
                return ("meetings.schedule", f"a regular meeting falls on the end of a phase "
                        f"(spell week {until:g}): whether it is held is decided by rounding "
                        "in the SimPy engine's clock")
        if every is None:
            break
        d = d + every
    return None


def _weekly_bound(s: Scenario) -> int:
    """Most calendar meetings one spell can book in one week (regular, extra)."""
    every = [p.every_weeks / s.provider.meetings_factor for p in s.meetings.phases]
    regular = math.ceil(1.0 / min(every) - 1e-9) if every else 0
    extra = 0
    for e in s.meetings.extra:
        w = sorted(e.weeks)
        extra += max(bisect_left(w, x + 1.0 + 1e-9) - i for i, x in enumerate(w))
    return regular + extra


def check_supported(scenario: Scenario, people: int | None = None, source: str = "engine") -> None:
    """Refuse, before any simulation, a scenario the vectorised engine cannot run exactly.

    Args:
        scenario: The scenario.
        people: Jobseekers that may be in the run at once (for the capacity bound).
        source: Where the engine was asked for (a file, ``--engine``), for the error.

    Raises:
        ScenarioError: Naming the key and the reason.

    """
    got = _problem(scenario, people)
    if got is not None:
        key, reason = got
        raise ScenarioError(source, key, f"engine = \"vectorised\" refused: {reason}; use "
                            "engine = \"simpy\"")


def vectorisable(scenario: Scenario, people: int | None = None) -> bool:
    """Whether the vectorised engine can run ``scenario`` (for ``engine = "auto"``)."""
    return _problem(scenario, people) is None


def run_centre(scenario: Scenario, root: int, replication: int, engine: str = "simpy",
               source: str = "engine") -> Any:
    """Simulate one replication under ``engine`` and return its (run) job centre.

    ``"vectorised"`` refuses what it cannot run exactly with a :class:`ScenarioError` naming
    the key: before any simulation, or after it (:class:`CapacityBinds`,
    :class:`RoundingTie`) when the run's checks fail. ``"auto"`` then runs the SimPy engine
    instead (with a :class:`ScenarioWarning` when the vectorised run had to be discarded).
    """
    from acsim.model.engine import JobCentre

    if engine not in ENGINES:
        raise ScenarioError(source, "engine", f"expected one of {list(ENGINES)}, got {engine!r}")
    if engine == "vectorised" or (engine == "auto" and vectorisable(scenario)):
        try:
            centre = VectorisedCentre(scenario, root, replication, source)
            centre.run()
            return centre
        except ScenarioError as exc:
            if engine == "vectorised":
                raise
            warnings.warn(f"engine = \"auto\" runs SimPy: {exc.key}: {exc.problem}",
                          ScenarioWarning, stacklevel=2)
    centre = JobCentre(scenario, root, replication)
    centre.run()
    return centre


class CapacityBinds(ScenarioError):
    """The vectorised run's certificate failed: a caseworker-week had more bookings than slots."""


class RoundingTie(ScenarioError):
    """A meeting fell at the instant a spell after a return from employment ended.

    There the SimPy clock's rounding decides which comes first (the end of the benefit period,
    of the run, or a hire at a programme's end), and that spell's entry carries the rounding
    of the previous spell's event history (its exit time to the last bits), which only an
    event-by-event replay reproduces.
    """


# -- the regular meeting schedule, with the SimPy engine's arithmetic ---------------------------
def _chain(meetings: Meetings, entry: np.ndarray, horizon: float) -> np.ndarray:
    """Regular meeting times of spells entering at ``entry``, bit for bit the SimPy engine's.

    The engine books ``entry + first_week``, then ``entry + ((t - entry) + every)`` with the
    phase of ``t - entry`` (``Meetings``'s own phases). Meetings after ``entry + horizon``
    are NaN. Which phase a meeting takes is the same for every entry: :func:`_structural_tie`
    refuses a schedule with a meeting on a phase's end within the benefit period (beyond it
    the choice books only meetings no spell lives to see).
    """
    phases = meetings.phases
    m = len(entry)
    n_ph = len(phases)
    if not n_ph or m == 0:
        return np.zeros((m, 0))
    until = [u for u, _ in phases]
    every = np.array([e for _, e in phases] + [np.nan])
    t = entry + meetings.spec.first_week
    lim = entry + horizon
    alive = np.ones(m, dtype=bool)
    cols = []
    while alive.any():
        held = alive & (t <= lim)
        cols.append(np.where(held, t, np.nan))
        d = t - entry
        c = np.full(m, n_ph)
        for k in range(n_ph - 1, -1, -1):
            c = np.where(d < until[k], k, c)
        with np.errstate(invalid="ignore"):
            t = entry + (d + every[c])
        alive = held & (c < n_ph)
    return np.stack(cols, axis=1)


def _inverse(h: PiecewiseHazard, target: np.ndarray) -> np.ndarray:
    """:meth:`PiecewiseHazard.inverse` over an array, with the same arithmetic."""
    cum = np.asarray(h._cum)
    breaks = np.asarray(h.breaks)
    rates = np.asarray(h.rates)
    i = np.maximum(np.searchsorted(cum, target, side="left") - 1, 0)
    r = rates[i]
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(r > 0.0, breaks[i] + (target - cum[i]) / r, INF)
    return np.where(target <= cum[i], breaks[i], d)


# -- templates ----------------------------------------------------------------------------------
class _Clock:
    __slots__ = ("now", "pi")

    def __init__(self, now: float) -> None:
        self.now = now
        self.pi = -1  # index of the agenda item being processed (-1: the spell's start)


class _TemplateSpell(Spell):
    """A spell that logs every change of its job-hazard multiplier."""

    __slots__ = ("log", "clock")

    def set_job(self, name: str, value: float) -> None:  # noqa: D102
        super().set_job(name, value)
        self.log.append((self.clock.now, self.clock.pi, name, self.k_job))


class _TemplateRecord:
    """Captures the template's group sessions and programme episodes (with agenda indices)."""

    def __init__(self, clock: _Clock) -> None:
        self.clock = clock
        self.groups: list[tuple[float, int]] = []
        self.programmes: list[tuple[Any, ...]] = []

    def meeting(self, jid, spell, time, kind, delay, caseworker, late) -> None:  # noqa: D102
        self.groups.append((time, self.clock.pi))

    def programme(self, jid, spell, kind, name, start, end, hours, subsidised,  # noqa: D102
                  completed) -> None:
        self.programmes.append((kind, name, start, end, hours, subsidised, self.clock.pi))


class _TemplateCentre:
    """The centre a template spell runs in: no capacity, no exits, draws fixed by the profile."""

    def __init__(self, root: int, replication: int, now: float, calendar: bool,
                 u_screen: float, taken: tuple[bool, ...]) -> None:
        self.root = root
        self.replication = replication
        self.end = INF
        self.clock = _Clock(now)
        self.record = _TemplateRecord(self.clock)
        self._calendar = calendar
        self._u_screen = u_screen
        self._taken = taken
        #: Bookings: [kind, when, regular index or -1, booked at, booked at index, held index]
        self.bookings: list[list[Any]] = []
        self._regular = 0
        self.held_hooks: list[Any] = []
        self.screen_hooks: list[Any] = []

    @property
    def now(self) -> float:
        return self.clock.now

    def provide(self, name: str, service: Any) -> None:
        pass

    def caseload(self, spell: Spell) -> float:
        return float("nan")

    def uniform(self, stream: int, key: int, index: int) -> float:
        if stream == Stream.SCREENING:
            return self._u_screen
        if stream == Stream.PROGRAMMES:
            which = index % DRAWS_PER_PROGRAMME
            p = (index // DRAWS_PER_PROGRAMME) % MAX_PROGRAMMES
            if which == 0:
                return 0.0 if self._taken[p] else 1.0
            return 1.0  # never hired in the template: each spell draws its own hire
        raise SimulationError(f"stream {stream} is not used by the vectorised engine")

    def book_meeting(self, spell: Spell, when: float, kind: str, on_held=None):
        if spell.group < 0 or not self._calendar:
            return None
        desired = spell.entry + when
        now = self.clock.now
        if desired < now:
            desired = now
        reg = -1
        if kind == "regular":
            reg, self._regular = self._regular, self._regular + 1
        i = len(self.bookings)
        self.bookings.append([kind, when, reg, now, self.clock.pi, -1])
        booking = Booking(i, desired, desired, int(desired))  # the caseworker slot: its index
        spell.bookings.add(booking)
        spell.at_time(booking.time, self._hold, (booking, kind, on_held))
        return booking

    def _hold(self, spell: Spell, arg) -> None:
        booking, kind, on_held = arg
        spell.bookings.discard(booking)
        spell.meetings_held += 1
        self.bookings[booking.caseworker][5] = self.clock.pi
        if on_held is not None:
            on_held(spell, booking)
        for hook in self.held_hooks:
            hook(spell, booking)

    def screened(self, spell: Spell) -> None:
        for hook in self.screen_hooks:
            hook(spell)


class _Template:
    """What the policies do to a spell of one profile if it never exits (spell weeks).

    Run with a representative spell's own entry; its regular meetings take the same phases as
    every spell's (see :func:`_chain`), whose exact times the record uses.
    """

    def __init__(self, centre: VectorisedCentre, js: Jobseeker, entry: float, u_screen: float,
                 taken: tuple[bool, ...]) -> None:
        h0 = centre.h_job
        horizon = centre.horizon
        tc = _TemplateCentre(centre.root, centre.replication, entry, centre.has_calendar,
                             u_screen, taken)
        pols = centre.template_policies
        for p in pols:
            p.centre = tc  # the policies' only link to a centre
        tc.held_hooks = [p.on_meeting_held for p in pols if overrides(p, "on_meeting_held")]
        tc.screen_hooks = [p.on_screened for p in pols if overrides(p, "on_screened")]
        spell = _TemplateSpell(js, 0, entry, 1.0, 1.0)
        spell.log = []
        spell.clock = tc.clock
        spell.group = 0 if centre.has_staff else -1
        for p in pols:
            if overrides(p, "on_spell_start"):
                p.on_spell_start(spell)
        k0 = spell.k_job
        self.k0 = k0  # the policy multiplier of the first stretch
        agenda = spell.agenda
        clock = tc.clock
        lim = entry + horizon
        pi = 0
        while agenda and agenda[0][0] <= lim:
            now = agenda[0][0]
            clock.now = now
            while agenda and agenda[0][0] <= now:
                _, _, callback, arg = heapq.heappop(agenda)
                clock.pi = pi
                callback(spell, arg)
                pi += 1
        # The multiplier as steps (spell weeks): k0 from 0, then the last value at each time.
        times, values = [0.0], [k0]
        first_set: dict[str, int] = {}
        for t, i, name, k in spell.log:
            first_set.setdefault(name, i)
            d = t - entry
            if d == times[-1]:
                values[-1] = k
            else:
                times.append(d)
                values.append(k)
        grid = sorted(set(times) | {b for b in h0.breaks if b < horizon})
        grid.append(horizon + 1.0)
        g = np.asarray(grid)
        kk = np.asarray(values)[np.searchsorted(np.asarray(times), g, side="right") - 1]
        rate = np.asarray(h0.rates)[np.searchsorted(np.asarray(h0.breaks), g, side="right") - 1]
        slope = kk * rate
        cum = np.concatenate([[0.0], np.cumsum(slope[:-1] * np.diff(g))])
        self._grid, self._cum, self._slope = g.tolist(), cum.tolist(), slope.tolist()
        # Calendar bookings: kind, when, regular index, booked at (spell weeks), agenda indices.
        b = tc.bookings
        self.b_kind = [x[0] for x in b]
        self.b_when = np.array([x[1] for x in b], dtype=float)
        self.b_reg = np.array([x[2] for x in b], dtype=np.int64)
        self.b_at = np.array([x[3] - entry if x[4] >= 0 else -INF for x in b], dtype=float)
        self.b_pi = np.array([x[4] for x in b], dtype=np.int64)
        self.b_held = np.array([x[5] for x in b], dtype=np.int64)  # -1: not held in the template
        self.n_regular = tc._regular
        held = [(x[5], x[3] if x[2] < 0 else 0.0, i) for i, x in enumerate(b) if x[5] >= 0]
        first = min(held)[2] if held else -1
        # Spell week of the first calendar meeting: the caseworker's effect starts there.
        self.t1 = max(float(b[first][1]), b[first][3] - entry) if first >= 0 else INF
        self.g1 = self.cumulative(self.t1) if first >= 0 else INF
        grp = tc.record.groups
        self.grp_d = np.array([x[0] - entry for x in grp], dtype=float)
        self.grp_pi = np.array([x[1] for x in grp], dtype=np.int64)
        # Programme episodes (each completes in the template), with the runtimes' values.
        eps = []
        for kind, name, start, _end, hours, subsidised, pi_end in tc.record.programmes:
            prog = centre.programme_by_name[name]
            sw = prog.start_week(spell)
            exact = start == entry + sw  # started when scheduled (not after another one)
            eps.append(_Episode(prog, kind, name, sw if exact else start - entry, exact,
                                hours, subsidised, first_set[prog._names[1]], pi_end,
                                prog.effect_sizes(spell)[3]))
        eps.sort(key=lambda e: e.pi_end)
        self.episodes = eps
        self.hires = [e for e in eps if e.hire > 0.0]
        #: The episodes that move a job's separation or the weeks counted to requalify (the
        #: others multiply by 1 and add nothing, exactly).
        self.sep_eps = [e for e in eps if e.separation != 1.0 or e.subsidised]

    def cumulative(self, d: float) -> float:
        """``G(d)``, the integrated baseline times the policy multipliers."""
        grid = self._grid
        i = max(bisect_left(grid, d) - 1, 0)
        if i + 1 < len(grid) and grid[i + 1] <= d:
            i += 1
        return self._cum[i] + self._slope[i] * (d - grid[i])

    def inverse(self, target: float) -> float:
        """The first duration at which ``G`` reaches ``target``."""
        cum = self._cum
        i = max(bisect_left(cum, target) - 1, 0)
        if target <= cum[i]:
            return self._grid[i]
        s = self._slope[i]
        return self._grid[i] + (target - cum[i]) / s if s > 0.0 else INF


class _Episode:
    """One programme episode of a template."""

    __slots__ = ("index", "kind", "name", "start", "exact", "hours", "subsidised", "pi_start",
                 "pi_end", "duration", "separation", "hire")

    def __init__(self, prog: Programme, kind: str, name: str, start: float, exact: bool,
                 hours: float, subsidised: bool, pi_start: int, pi_end: int,
                 separation: float) -> None:
        self.index = prog.index
        self.kind, self.name = kind, name
        self.start, self.exact = start, exact
        self.hours, self.subsidised = hours, subsidised
        self.pi_start, self.pi_end = pi_start, pi_end
        self.duration = prog.spec.duration_weeks
        self.separation = separation
        self.hire = prog.effects.hire_probability

    def times(self, entry: float) -> tuple[float, float]:
        """Absolute start and end for a spell entering at ``entry`` (the engine's arithmetic)."""
        start = entry + self.start
        return start, start + self.duration


def _time_order(t: np.ndarray, row: np.ndarray) -> np.ndarray:
    """``np.lexsort((row, t))``: by time, then row, then position (one stable sort if it can)."""
    o = np.argsort(t, kind="stable")
    ts, rs = t[o], row[o]
    tie = ts[1:] == ts[:-1]
    if tie.any() and (rs[1:] < rs[:-1])[tie].any():  # a tie not yet in row order
        return np.lexsort((row, t))
    return o


class _Seed:
    """What the caseworker effects read of a centre when they are bound: the seed."""

    __slots__ = ("root", "replication")

    def __init__(self, root: int, replication: int) -> None:
        self.root, self.replication = root, replication


@contextmanager
def _paused_gc(collect: bool) -> Iterator[None]:
    """The cyclic garbage collector paused (as :func:`~acsim.model.engine.run_paused_gc`).

    Building a centre and its record allocates many containers and no reference cycles; with
    the collector running, each pass also rescans every object alive (other arms' centres).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            if collect:
                gc.collect(0)


# -- the centre -----------------------------------------------------------------------------------
class VectorisedCentre:
    """One replication of a scenario, simulated without SimPy (see the module docstring).

    Has the attributes of :class:`~acsim.model.engine.JobCentre` that downstream code reads:
    ``record``, ``records``, ``employment``, ``calendar``, ``weekly_meetings``,
    ``weekly_delay``, ``population``, ``end``, ``events`` (NaN: there are no events).

    Args:
        scenario: The scenario (checked with :func:`check_supported`).
        root: Root entropy.
        replication: Replication index.
        source: Where the engine was asked for, for errors.

    """

    def __init__(self, scenario: Scenario, root: int, replication: int,
                 source: str = "engine") -> None:
        with _paused_gc(collect=False):  # (the policies' calendar and caseworker tables)
            self._build(scenario, root, replication, source)

    def _build(self, scenario: Scenario, root: int, replication: int, source: str) -> None:
        from acsim.policies.registry import build_policies

        check_supported(scenario, source=source)
        self.source = source
        self.scenario = s = scenario
        self.root, self.replication = root, replication
        self.end = s.scenario.end_week
        hz = s.hazard
        self.h_job = hz.job.build(hz.level)
        self.h_other = hz.other.build()
        self.h_sep = hz.separation.build()
        #: Spell weeks a template runs for: no spell lasts longer than the benefit period.
        self.horizon = hz.benefit_weeks + 1.0
        self.policies: list[Policy] = build_policies(s)
        for pol in self.policies:
            if type(pol) not in _SUPPORTED:
                raise ScenarioError(source, "engine", f"engine = \"vectorised\" refused: policy "
                                    f"{type(pol).__name__} is not supported")
        columns = tuple(c for p in self.policies for c in p.columns)
        self.record = Recorder(self.end, columns)
        staffing = next(p for p in self.policies if isinstance(p, Staffing))
        self.calendar: Calendar = staffing.calendar
        self.n_groups = staffing.n_groups
        self.has_staff = self.n_groups > 0
        self.has_calendar = self.has_staff and s.staffing.meetings_per_week > 0
        cw = next(p for p in self.policies if isinstance(p, CaseworkerEffects))
        # Draws the caseworkers of this replication. Bound to the seed only, not to the centre:
        # a policy holding the centre made every run's centre (its record, draws, templates)
        # a reference cycle, left to the collector to find and free.
        cw.bind(_Seed(root, replication))
        self.cw_profiles = cw.profiles
        self.screening = next(p for p in self.policies if isinstance(p, Screening))
        self.screen_at_entry = self.screening.at_entry
        self.meetings = next(p for p in self.policies if isinstance(p, Meetings))
        self.programmes = [p for p in self.policies if isinstance(p, Programme)]
        self.programme_by_name = {p.spec.name: p for p in self.programmes}
        if len(self.programme_by_name) != len(self.programmes):
            raise ScenarioError(source, "programmes", "engine = \"vectorised\" refused: it "
                                "needs distinct programme names")
        self.provider = next(p for p in self.policies if isinstance(p, Provider))
        self.template_policies = [p for p in self.policies
                                  if not isinstance(p, (Staffing, CaseworkerEffects))]
        self._templates: dict[tuple, _Template] = {}
        self._value_keys: dict[frozenset[str], tuple] = {}
        self.population: Population | None = None
        self.events = float("nan")
        self._people: list[Jobseeker] = []
        self._vk: np.ndarray | None = None
        self._latent: np.ndarray | None = None

    # -- the record under JobCentre's names ---------------------------------------------------
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
        """Summed meeting delay per simulation week (zero: no meeting is delayed)."""
        return self.record.weekly_delay

    # -- the run ------------------------------------------------------------------------------
    def run(self) -> None:
        """Draw the population and simulate it."""
        s = self.scenario
        pop = draw_population(s.population, s.scenario.start_date, self.end,
                              s.hazard.covariates, self.root, self.replication)
        self.population = pop
        self.admit(pop.inflow, pop.stock)
        self.simulate()

    def admit(self, inflow: Sequence[Jobseeker], stock: Sequence[Jobseeker] = (),
              keys: np.ndarray | None = None) -> None:
        """The jobseekers of the run (as :meth:`JobCentre.admit`; ``keys`` is not needed).

        Checks, before any simulation, that capacity cannot bind for this many jobseekers.
        """
        if stock:
            raise ScenarioError(self.source, "population.stock", "engine = \"vectorised\" "
                                "refused: an initial stock is not supported")
        self._people = list(inflow)
        check_supported(self.scenario, len(self._people), self.source)

    def _value_key(self, terms: frozenset[str]) -> tuple:
        """Everything the policies resolve from a jobseeker's group terms."""
        got = self._value_keys.get(terms)
        if got is None:
            e = self.meetings.effects
            fake = _Fake(terms)
            got = (resolve_group_value(e.lift_hr, terms),
                   resolve_group_value(e.group_lift_hr, terms),
                   resolve_group_value(self.provider.spec.hazard_hr, terms),
                   tuple((p.effect_sizes(fake), not p.groups or p.groups <= terms)
                         for p in self.programmes))
            self._value_keys[terms] = got
        return got

    def _template(self, r: int, j: int, entry: float) -> _Template:
        rd = self._rounds[r]
        key = rd["base"][j]
        tpl = self._templates.get(key)
        if tpl is None:
            taken = tuple(bool(x) for x in rd["taken"][j])
            tpl = _Template(self, self._people[j], entry, float(rd["u_scr"][j]), taken)
            tpl.idx = len(self._templates)
            self._templates[key] = tpl
        return tpl

    def simulate(self) -> None:
        """Simulate the admitted jobseekers, with the cyclic garbage collector paused.

        As :func:`~acsim.model.engine.run_paused_gc` for the SimPy engine: the run builds
        hundreds of thousands of record tuples and no reference cycles, which the collector
        would rescan again and again (a third of the run's time).
        """
        with _paused_gc(collect=True):
            self._simulate()

    def _simulate(self) -> None:
        people = self._people
        n = len(people)
        s = self.scenario
        self._rounds: dict[int, dict[str, Any]] = {}
        self._latent = self._vk = None  # (per-person arrays, built on first use)
        ids_l = [js.id for js in people]
        ids = np.array(ids_l, dtype=np.int64)
        self._draws: dict[tuple[int, int], np.ndarray] = {}
        self._draw_lists: dict[tuple[int, int], list[float]] = {}
        # StreamSet's SeedSequence pools (not its first draws, index and lists: not used here)
        self._pools = {st: _pools(self.root, (self.replication, int(st)), ids)
                       for st in (Stream.EXITS, Stream.PROGRAMMES, Stream.SCREENING)}
        self._cov = np.array([js.cov_job for js in people])
        use_cw = self.has_calendar
        # The caseworker's hazard ratio by_matches[g][traits in common]: one row per group,
        # one column per combination of the traits it compares (sex, age band, education).
        prof = self.cw_profiles
        cw_female, cw_band, by = prof._female, prof._band, prof.by_matches
        combos: dict[tuple, int] = {}
        trait = [combos.setdefault((js.female, js.age_band, js.education == "high"),
                                   len(combos)) for js in people]
        hr = [[by[g][(cw_female[g] == f) + (cw_band[g] == b) + e] for f, b, e in combos]
              for g in range(self.n_groups)] if use_cw else []
        end = self.end
        bw = s.hazard.benefit_weeks
        requalify = s.hazard.requalify_weeks
        h_sep = self.h_sep
        # Spell starts (time, 1, order, person, round, weeks used) in the order of a heap of
        # them: the first spells, sorted by arrival and person, merged with a heap of the
        # spells after a job. The ends, (time, group), are in a heap of their own: an end at
        # or before a start releases its group first (the ends' order among themselves does
        # not change the loads).
        arrival = [js.arrival for js in people]
        firsts = [(arrival[j], 1, j, j, 0, 0.0)
                  for j in np.argsort(np.array(arrival, dtype=float), kind="stable").tolist()]
        n_first, p_first = len(firsts), 0
        heap: list[tuple] = []
        order = n
        ng = self.n_groups
        load_heap = [(0, g) for g in range(ng)]
        load = [0] * ng
        ends: list[tuple[float, int]] = []
        out: list[tuple] = []  # (person, round, entry, exit, reason, group, template, hired)
        jobs = self.record.jobs
        heappop, heappush, heapreplace = heapq.heappop, heapq.heappush, heapq.heapreplace
        templates = self._templates
        per_round: dict[int, tuple] = {}
        hire_draws: dict[tuple[int, int], list[float]] = {}
        while True:
            if p_first < n_first:
                item = firsts[p_first]
                if heap and heap[0] < item:
                    item = heappop(heap)
                else:
                    p_first += 1
            elif heap:
                item = heappop(heap)
            else:
                break
            entry, _, _, j, r, used = item
            got = per_round.get(r)
            if got is None:
                rd = self._round(r)
                got = per_round[r] = (rd["base"], rd["y"], rd["d_other"], rd["d_sep"],
                                      rd["e_sep"])
            base, ys, d_others, d_seps, e_seps = got
            if ng:  # the least-loaded group, ties to the lowest (as Staffing.assign)
                while ends and ends[0][0] <= entry:  # release the groups of spells ended
                    g = heappop(ends)[1]
                    load[g] -= 1
                    if len(load_heap) > 8 * ng:  # mostly stale: rebuild from the loads
                        load_heap = [(x, i) for i, x in enumerate(load)]
                        heapq.heapify(load_heap)
                    else:
                        heappush(load_heap, (load[g], g))
                while True:  # the top entry that is not stale
                    lg, g = load_heap[0]
                    if lg == load[g]:
                        break
                    heappop(load_heap)
                load[g] = lg + 1
                heapreplace(load_heap, (lg + 1, g))
            else:
                g = -1
            tpl = templates.get(base[j])
            if tpl is None:
                tpl = self._template(r, j, entry)
            y = ys[j]
            g1 = tpl.g1
            if use_cw and y > g1:
                y = g1 + (y - g1) / hr[g][trait[j]]
            # _Template.inverse, written out
            cum = tpl._cum
            i = bisect_left(cum, y) - 1
            if i < 0:
                i = 0
            if y <= cum[i]:
                d_job = tpl._grid[i]
            else:
                sl = tpl._slope[i]
                d_job = tpl._grid[i] + (y - cum[i]) / sl if sl > 0.0 else INF
            x = bw - used
            exhaust = entry + (0.0 if 0.0 > x else x)  # entry + max(bw - used, 0.0)
            stop = exhaust if exhaust < end else end
            t_job = entry + d_job
            t_other = entry + d_others[j]
            hired = None
            t = t_job if t_job < t_other else t_other
            if stop < t:
                t = stop
            if tpl.hires:
                t_hire = INF
                for ep in tpl.hires:
                    key = (r, ep.index)
                    u = hire_draws.get(key)
                    if u is None:
                        idx = (r * MAX_PROGRAMMES + ep.index) * DRAWS_PER_PROGRAMME + 1
                        u = hire_draws[key] = self._uniform_list(Stream.PROGRAMMES, idx)
                    if u[j] < ep.hire:
                        hired, t_hire = ep, (entry + ep.start) + ep.duration
                        break
                if t_hire < t:
                    t = t_hire
            if t == t_job:
                reason = "job"
            elif t == t_other:
                reason = "other"
            elif t >= stop:
                reason = "exhausted" if exhaust <= end and t >= exhaust else "censored"
            else:
                reason = "hired"
            if reason != "hired":
                hired = None
            out.append((j, r, entry, t, reason, g, tpl, hired))
            if ng:
                heappush(ends, (t, g))
            if reason == "job" or reason == "hired":
                off, sep = 0.0, 1.0
                if tpl.sep_eps:  # the episodes it completed (as in _write)
                    if hired is not None:
                        for ep in tpl.sep_eps:
                            if ep.pi_end <= hired.pi_end:
                                sep *= ep.separation
                                if ep.subsidised:
                                    off += ep.duration
                    else:
                        for ep in tpl.sep_eps:
                            if (entry + ep.start) + ep.duration < t:
                                sep *= ep.separation
                                if ep.subsidised:
                                    off += ep.duration
                x = t - (0.0 if 0.0 > entry else entry) - off  # t - max(entry, 0.0) - off
                used += x if x > 0.0 else 0.0  # max(0.0, x)
                until = t + (d_seps[j] if sep == 1.0
                             else h_sep.time_to_exit(0.0, e_seps[j], sep))
                jid = ids_l[j]
                if until >= end:
                    jobs.append((jid, r, t, end))
                    continue
                nxt = t + (until - t)  # the engine's clock after its timeout
                jobs.append((jid, r, t, nxt))
                heappush(heap, (nxt, 1, order, j, r + 1,
                                0.0 if until - t >= requalify else used))
                order += 1
        self._write(out)

    # -- per-round draws ------------------------------------------------------------------------
    def _uniform(self, stream: Stream, index: int) -> np.ndarray:
        """The ``index``-th uniform of every admitted jobseeker's ``stream`` (as StreamSet)."""
        key = (int(stream), index)
        got = self._draws.get(key)
        if got is None:
            pools = self._pools[stream]
            words = []
            for w in (2 * index, 2 * index + 1):  # SeedSequence words 2i, 2i+1: one uint64
                c = (_B_CONSTS[w] if w < len(_B_CONSTS)
                     else (_INIT_B * pow(_MULT_B, w, 1 << 32)) & _MASK32)
                v = pools[:, w % _POOL] ^ np.uint32(c)
                v = v * np.uint32((c * _MULT_B) & _MASK32)
                words.append((v ^ (v >> np.uint32(_XSHIFT))).astype(np.uint64))
            u64 = (words[1] << np.uint64(32)) | words[0]
            got = (u64 >> np.uint64(11)).astype(np.float64) * _TWO53
            self._draws[key] = got
        return got

    def _uniform_list(self, stream: Stream, index: int) -> list[float]:
        key = (int(stream), index)
        got = self._draw_lists.get(key)
        if got is None:
            got = self._draw_lists[key] = self._uniform(stream, index).tolist()
        return got

    def _round(self, r: int) -> dict[str, Any]:
        """The draws of every jobseeker's spell number ``r``: tracks, take-up, exit budgets."""
        got = self._rounds.get(r)
        if got is not None:
            return got
        people = self._people
        n = len(people)
        scr = self.screening
        u_scr = self._uniform(Stream.SCREENING, r)
        if self._latent is None:
            self._latent = np.array([js.latent_risk for js in people])
        latent = self._latent
        cuts = np.asarray(scr.cuts)
        true_i = np.searchsorted(cuts, latent, side="left")  # Screening.true_index
        a = scr.spec.accuracy
        if a >= 1.0 or len(scr.names) == 1:
            scr_i = true_i
        else:  # Screening.screened_index
            noise = ndtri(np.clip(u_scr, 1e-12, 1 - 1e-12))
            scr_i = np.searchsorted(cuts, a * latent + math.sqrt(1.0 - a * a) * noise,
                                    side="left")
        taken = []
        for p in self.programmes:
            tu = p.spec.take_up
            if tu < 1.0:  # Programme.on_screened: not taken when the draw is >= take_up
                i = (r * MAX_PROGRAMMES + p.index) * DRAWS_PER_PROGRAMME
                taken.append(self._uniform(Stream.PROGRAMMES, i) < tu)
            else:
                taken.append(np.ones(n, dtype=bool))
        taken_m = np.stack(taken, axis=1) if taken else np.zeros((n, 0), dtype=bool)
        # A profile's code: the jobseeker's resolved group values, true and screened track,
        # and the programmes taken up (everything a template depends on but its schedule).
        if self._vk is None:  # codes in the order values first appear
            index: dict[tuple, int] = {}
            by_terms: dict[frozenset[str], int] = {}
            vk = []
            for js in people:
                c = by_terms.get(js.terms)
                if c is None:
                    c = by_terms[js.terms] = index.setdefault(self._value_key(js.terms),
                                                              len(index))
                vk.append(c)
            self._vk = np.array(vk, dtype=np.int64)
        n_tr = len(scr.names)
        bits = (taken_m * (1 << np.arange(taken_m.shape[1]))).sum(axis=1) if taken else 0
        code = ((self._vk * n_tr + true_i) * n_tr + scr_i) * (1 << len(taken)) + bits
        e_job = -np.log1p(-self._uniform(Stream.EXITS, 3 * r))
        e_other = -np.log1p(-self._uniform(Stream.EXITS, 3 * r + 1))
        d_other = _inverse(self.h_other, e_other).tolist()  # Risk: H(0) + budget / 1
        # Separation from a job: h_sep.time_to_exit(0, budget, 1), the same arithmetic.
        e_sep = [-math.log1p(-u) for u in self._uniform_list(Stream.EXITS, 3 * r + 2)]
        h_sep = self.h_sep
        d_sep = _inverse(h_sep, h_sep.cumulative(0.0) + np.asarray(e_sep) / 1.0).tolist()
        got = {"base": np.asarray(code, dtype=np.int64).tolist(), "taken": taken_m,
               "u_scr": u_scr, "y": (e_job / self._cov).tolist(), "d_other": d_other,
               "true": true_i, "scr": scr_i, "e_sep": e_sep, "d_sep": d_sep}
        self._rounds[r] = got
        return got

    # -- the record ----------------------------------------------------------------------------
    def _write(self, out: list[tuple]) -> None:
        """Write the spells, meetings, programme episodes and held meetings of the run."""
        rec = self.record
        people = self._people
        names = self.screening.names
        end = self.end
        tally_cols = rec.spell_columns[len(SPELL_CORE):]
        unknown = [c for c in tally_cols if c not in _TALLIES]
        if unknown:
            raise SimulationError(f"the vectorised engine does not record {unknown}")
        m = len(out)
        f = list(zip(*out, strict=True)) if out else [()] * 8
        j_of = np.array(f[0], dtype=np.int64)
        number = np.array(f[1], dtype=np.int64)
        t_exit = np.array(f[3], dtype=float)
        o = np.lexsort((number, j_of, t_exit))  # in the order spells end, as the engine
        j_of, number, t_exit = j_of[o], number[o], t_exit[o]
        entry = np.array(f[2], dtype=float)[o]
        group = np.array(f[5], dtype=np.int64)[o]
        reasons = np.array(f[4], dtype=object)[o].tolist()
        hired_pi = np.array([h.pi_end if h is not None else -1 for h in f[7]],
                            dtype=np.int64)[o]
        hired_start = np.array([h.pi_start if h is not None else -1 for h in f[7]],
                               dtype=np.int64)[o]
        is_hired = hired_pi >= 0
        jid = np.array([js.id for js in people], dtype=np.int64)[j_of]
        tpls = list(self._templates.values())
        tid = np.array([t.idx for t in f[6]], dtype=np.int64)[o]
        n_cal = np.zeros(m, dtype=np.int64)
        n_grp = np.zeros(m, dtype=np.int64)
        mt: list[np.ndarray] = []  # meeting rows, column by column
        mrow, mkind = [], []
        gt, grow = [], []
        bw_, bg_ = [], []  # bookings made: week and group (the capacity certificate)
        chain_all: np.ndarray | None = None
        for k, tpl in enumerate(tpls):
            rows = np.flatnonzero(tid == k)
            e, tx = entry[rows], t_exit[rows]
            hp, hs, hh = hired_pi[rows], hired_start[rows], is_hired[rows]
            nb = len(tpl.b_kind)
            if nb:
                times = e[:, None] + tpl.b_when[None, :]
                if tpl.n_regular:
                    if chain_all is None:  # every spell's at once (row by row the same)
                        chain_all = _chain(self.meetings, entry, self.horizon)
                    chain = chain_all[rows]
                    if chain.shape[1] < tpl.n_regular:  # (a choice beyond the benefit period)
                        chain = np.pad(chain, ((0, 0), (0, tpl.n_regular - chain.shape[1])),
                                       constant_values=np.nan)
                    reg = tpl.b_reg >= 0
                    times[:, reg] = chain[:, tpl.b_reg[reg]]
                # Ties the SimPy clock's rounding decides: refuse rather than guess.
                near = np.abs(times - tx[:, None]) < _TIE
                risky = number[rows] > 0
                if (near & risky[:, None] & (tpl.b_held[None, :] >= 0)).any():
                    i = rows[np.flatnonzero((near & risky[:, None]).any(axis=1))[0]]
                    raise RoundingTie(
                        self.source, "engine",
                        f"engine = \"vectorised\" refused in the run: a meeting falls at the "
                        f"instant spell {number[i]} of jobseeker {jid[i]} ends ({reasons[i]}, "
                        f"week {t_exit[i]:.6f}), after a return from employment, where the "
                        "SimPy engine's clock rounding decides which comes first; use engine "
                        "= \"simpy\"")
                before = times < tx[:, None]
                # Hired at a programme's end: a meeting at that very instant is held first if
                # it was booked before the programme started (the agenda's order).
                tie = hh[:, None] & (times == tx[:, None]) & (tpl.b_pi[None, :] < hs[:, None])
                held = (tpl.b_held[None, :] >= 0) & (times < end) & (before | tie)
                n_cal[rows] = held.sum(axis=1)
                ri, bi = np.nonzero(held)
                mt.append(times[ri, bi])
                mrow.append(rows[ri])
                mkind.append(bi)
                at = e[:, None] + tpl.b_at[None, :]
                made = ((at < tx[:, None]) | (tpl.b_pi[None, :] < 0)) & (times < end)
                ri, bi = np.nonzero(made)
                bw_.append(times[ri, bi].astype(np.int64))
                bg_.append(group[rows[ri]])
            if len(tpl.grp_d):
                times = e[:, None] + tpl.grp_d[None, :]
                ok = np.where(hh[:, None], tpl.grp_pi[None, :] < hp[:, None],
                              times < tx[:, None])
                n_grp[rows] = ok.sum(axis=1)
                ri, bi = np.nonzero(ok)
                gt.append(times[ri, bi])
                grow.append(rows[ri])
        # Meetings: calendar (with the caseworker) and group sessions, in time order.
        if mt:
            t_m = np.concatenate(mt)
            r_m = np.concatenate(mrow)
            b_m = np.concatenate(mkind)
            off = np.cumsum([0] + [len(t.b_kind) for t in tpls])
            flat = [k for t in tpls for k in t.b_kind]
            kind_names = sorted(set(flat))
            code = {k: i for i, k in enumerate(kind_names)}
            kinds = np.array([code[k] for k in flat] or [0], dtype=np.int64)[off[tid[r_m]]
                                                                          + b_m]
            g_m = group[r_m]
        else:
            t_m, r_m, g_m, kinds = np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(
                0, dtype=np.int64), np.zeros(0, dtype=np.int64)
            kind_names = []
        t_g = np.concatenate(gt) if gt else np.zeros(0)
        r_g = np.concatenate(grow) if grow else np.zeros(0, dtype=np.int64)
        t_all = np.concatenate([t_m, t_g])
        r_all = np.concatenate([r_m, r_g])
        # Meeting kinds as codes into kind_names (the group sessions' is the last).
        k_all = np.concatenate([kinds, np.full(len(t_g), len(kind_names), dtype=np.int64)])
        kind_names = np.array([*kind_names, "group"], dtype=object)
        g_all = np.concatenate([g_m, np.full(len(t_g), -1, dtype=np.int64)])
        o = _time_order(t_all, r_all)
        ro = r_all[o]
        rec.meetings.extend(zip(jid[ro].tolist(), number[ro].tolist(), t_all[o].tolist(),
                                kind_names[k_all[o]].tolist(), [0.0] * len(o),
                                g_all[o].tolist(),
                                [False] * len(o), strict=True))
        # The calendar's held meetings, and the certificate that capacity never bound.
        cal = self.calendar
        weeks_n = int(math.ceil(end)) + 1
        cal._ensure(weeks_n)
        if len(t_m):
            held2 = np.zeros((len(cal._held), max(cal.n, 1)), dtype=np.int64)
            np.add.at(held2, (t_m.astype(np.int64), g_m), 1)
            cal._held = held2.tolist()
        if bw_ and self.has_calendar:
            w = np.concatenate(bw_)
            gg = np.concatenate(bg_)
            counts = np.zeros((len(cal._held), cal.n), dtype=np.int64)
            np.add.at(counts, (w, gg), 1)
            cap = cal.capacity[None, :]
            if (counts > cap).any():
                wk, c = np.argwhere(counts > cap)[0]
                raise CapacityBinds(
                    self.source, "staffing.meetings_per_week",
                    f"engine = \"vectorised\" refused in the run: capacity binds (caseworker "
                    f"{c} had {counts[wk, c]} bookings in week {wk}, capacity {cap[0, c]}), so "
                    "a meeting may have been delayed; use engine = \"simpy\"")
        # Programme episodes: hired at a programme's end, those up to it completed and those
        # started before it cut; else those started before the exit, completed if they ended
        # before it. Then the spell rows.
        pn: list[str] | np.ndarray = [""] * m
        pw, ps = np.zeros(m), np.zeros(m)
        p_row, p_ep, p_start, p_stop, p_done, p_obj = [], [], [], [], [], []
        chunk_ep: list[_Episode] = []  # the episode of each chunk of rows
        for k, tpl in enumerate(tpls):
            if not tpl.episodes:
                continue
            rows = np.flatnonzero(tid == k)
            if not len(rows):
                continue
            e, tx, hp, hh = entry[rows], t_exit[rows], hired_pi[rows], is_hired[rows]
            names_bits = np.zeros(len(rows), dtype=np.int64)
            for q, ep in enumerate(tpl.episodes):
                start = e + ep.start
                stop_ = start + ep.duration
                # Hired: completed up to the hiring one, and started before it; else started
                # before the exit, completed if it ended before it.
                done = np.where(hh, ep.pi_end <= hp, stop_ < tx)
                inc = np.where(hh, done | ((start < tx) & (ep.pi_start < hp)), start < tx)
                stop_ = np.where(done, stop_, tx)
                sel = np.flatnonzero(inc)
                if not len(sel):
                    continue
                names_bits[sel] |= 1 << q
                dd = np.where(inc & done, ep.duration, 0.0)
                pw[rows] += dd  # in the episodes' order, as the running sum
                if ep.subsidised:
                    ps[rows] += dd
                p_row.append(rows[sel])
                p_ep.append(np.full(len(sel), q))
                p_start.append(start[sel])
                p_stop.append(stop_[sel])
                p_done.append(done[sel])
                p_obj.append(np.full(len(sel), len(chunk_ep)))
                chunk_ep.append(ep)
            if names_bits.any():
                if isinstance(pn, list):
                    pn = np.array(pn, dtype=object)
                for bits in np.unique(names_bits).tolist():
                    if bits:
                        pn[rows[names_bits == bits]] = ";".join(
                            ep.name for q, ep in enumerate(tpl.episodes) if bits >> q & 1)
        if p_row:
            pr = np.concatenate(p_row)
            pe = np.concatenate(p_ep)
            pstart = np.concatenate(p_start)
            pstop = np.concatenate(p_stop)
            pdone = np.concatenate(p_done)
            pobj = np.concatenate(p_obj)
            # Rows in the spells' order, then the episodes', sorted by (end, jobseeker).
            o = np.lexsort((pe, pr, jid[pr], pstop))
            pr, pstart, pstop, pdone, pobj = pr[o], pstart[o], pstop[o], pdone[o], pobj[o]
            chunks = [chunk_ep[c] for c in pobj.tolist()]
            rec.programmes.extend(zip(
                jid[pr].tolist(), number[pr].tolist(), [ep.kind for ep in chunks],
                [ep.name for ep in chunks], pstart.tolist(), pstop.tolist(),
                [ep.hours for ep in chunks], [ep.subsidised for ep in chunks],
                pdone.tolist(), strict=True))
        if not isinstance(pn, list):
            pn = pn.tolist()
        pw, ps = pw.tolist(), ps.tolist()
        # Tracks: known from the entry, or from the first meeting held.
        scr_i = np.full(m, len(names), dtype=np.int64)
        true_i = np.full(m, len(names), dtype=np.int64)
        for r in np.unique(number).tolist():
            rows = np.flatnonzero(number == r)
            rd = self._rounds[r]
            scr_i[rows] = rd["scr"][j_of[rows]]
            true_i[rows] = rd["true"][j_of[rows]]
        if not self.screen_at_entry:
            scr_i[n_cal == 0] = len(names)
            true_i[n_cal == 0] = len(names)
        label = np.array([*names, None], dtype=object)
        tracks, trues = label[scr_i].tolist(), label[true_i].tolist()
        tally = {"group_meetings": n_grp.tolist(), "programmes": pn, "programme_weeks": pw,
                 "subsidised_weeks": ps}
        cols = [jid.tolist(), number.tolist(), entry.tolist(), t_exit.tolist(),
                reasons, trues, tracks, group.tolist(), n_cal.tolist(),
                [0] * m, [0.0] * m] + [tally[c] for c in tally_cols]
        rec.spells.extend(zip(*cols, strict=True))


class _Fake:
    """A stand-in spell for the policies' cached lookups by group terms."""

    __slots__ = ("js", "track")

    def __init__(self, terms: frozenset[str]) -> None:
        self.js = _FakeJs(terms)
        self.track = None


class _FakeJs:
    __slots__ = ("terms",)

    def __init__(self, terms: frozenset[str]) -> None:
        self.terms = terms
