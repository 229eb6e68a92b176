"""Enrolment in a service at a spell week: who is offered it, who takes it up, when it starts.

The personal job broker, the joint meeting with the a-kasse and the intensive contact course
(seed 002's effort at 16 months) are not programmes one attends: they run beside any
programme, do not lock in and are not on the programme board. What they share is the offer:
a ``[[programmes]]`` entry (:class:`~acsim.policies.programmes.ProgrammeSpec`: ``tracks``,
``groups``, ``target``, ``take_up``, ``start_week``) selects a spell once its track is known,
and the service starts at ``start_week``. :class:`Enrolment` does exactly that, with the
programmes' random-draw layout (the take-up uniform of entry ``index`` in spell ``n`` is the
same one a programme at that index would use), and leaves what happens at the start to
:meth:`Enrolment.enrol`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from acsim.model.rng import Stream
from acsim.policies.base import Policy
from acsim.policies.programmes import DRAWS_PER_PROGRAMME, MAX_PROGRAMMES, ProgrammeSpec
from acsim.spec.base import Float

if TYPE_CHECKING:
    from acsim.model.spell import Spell

__all__ = ["Enrolment", "EnrolmentSpec", "SIXTEEN_MONTHS", "extra_uniform"]

#: Sixteen months in weeks (16 x 52 / 12), when seed 002's effort starts.
SIXTEEN_MONTHS = 16 * 52 / 12


class EnrolmentSpec(ProgrammeSpec):
    """The offer of a service one is enrolled in, not a programme one attends.

    Attributes:
        start_week: Spell week of enrolment (default: 16 months, seed 002's effort).
        hours_per_week: Hours of attendance a week (none).
        threat_weeks: Weeks the enrolment is announced ahead (none).

    """

    start_week: Float = Field(SIXTEEN_MONTHS, ge=0, le=520)
    hours_per_week: Float = Field(0.0, ge=0, le=60)
    threat_weeks: Float = Field(0.0, ge=0, le=52)

#: First index of the draws a service makes after enrolment (one per contact, say), above
#: the programmes' take-up and hire draws: each entry of each spell gets 1,024 of its own.
_EXTRA_BASE = 1 << 20
_EXTRA_PER_ENTRY = 1 << 10


def extra_uniform(policy: Enrolment, spell: Spell, k: int) -> float:
    """The ``k``-th uniform of an enrolment's own draws (``0 <= k < 1024``)."""
    if not 0 <= k < _EXTRA_PER_ENTRY:
        raise ValueError(f"at most {_EXTRA_PER_ENTRY} draws per enrolment, asked for {k}")
    i = _EXTRA_BASE + (spell.number * MAX_PROGRAMMES + policy.index) * _EXTRA_PER_ENTRY + k
    return policy.centre.uniform(Stream.PROGRAMMES, spell.js.id, i)


class Enrolment(Policy):
    """The offer of a service to a target group, starting at a spell week.

    Subclasses implement :meth:`new_state` (the per-spell state, kept in
    ``spell.state[self.key]``) and :meth:`enrol` (what happens at the start).

    Args:
        spec: The ``[[programmes]]`` entry.
        index: Its position among the scenario's programmes (fixes its random draws).
        prefix: Prefix of the state key (``<prefix><index>``).

    """

    streams = {Stream.PROGRAMMES: 8}

    def __init__(self, spec: ProgrammeSpec, index: int, prefix: str) -> None:
        if index >= MAX_PROGRAMMES:
            raise ValueError(f"at most {MAX_PROGRAMMES} programmes per scenario")
        self.spec = spec
        self.index = index
        self.key = f"{prefix}{index}"
        self.tracks = frozenset(spec.tracks)
        self.groups = frozenset(spec.groups)
        self.target = None if spec.target.everyone else spec.target

    def _take_up(self, spell: Spell) -> float:
        i = (spell.number * MAX_PROGRAMMES + self.index) * DRAWS_PER_PROGRAMME
        return self.centre.uniform(Stream.PROGRAMMES, spell.js.id, i)

    def offered(self, spell: Spell) -> bool:
        """Whether the spell is in the target, takes the service up and has not passed it."""
        if self.tracks and spell.track not in self.tracks:
            return False
        if self.groups and not self.groups <= spell.js.terms:
            return False
        if self.target is not None and not self.target.selects(self.spec.start_week,
                                                               spell.js.age):
            return False
        if self.spec.take_up < 1.0 and self._take_up(spell) >= self.spec.take_up:
            return False
        return self.spec.start_week >= spell.duration(self.centre.now)

    def on_screened(self, spell: Spell) -> None:
        """Enrol a spell the service is offered to, at ``start_week``."""
        if self.offered(spell):
            spell.state[self.key] = self.new_state()
            spell.at(self.spec.start_week, self._start)

    def _start(self, spell: Spell, _arg: object) -> None:
        self.enrol(spell)

    def new_state(self) -> Any:  # pragma: no cover - abstract
        """The per-spell state of an enrolled spell."""
        raise NotImplementedError

    def enrol(self, spell: Spell) -> None:  # pragma: no cover - abstract
        """The service starts for ``spell`` (now, at its ``start_week``)."""
        raise NotImplementedError

    def episode(self, spell: Spell, start: float, end: float, completed: bool) -> None:
        """Record the enrolment ``[start, end)`` as a programme episode of its kind."""
        self.centre.record.programme(spell.js.id, spell.number, self.spec.kind, self.spec.name,
                                     start, end, self.spec.hours_per_week, False, completed)
