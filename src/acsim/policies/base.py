"""The policy protocol: the hooks the engine calls, and the centre services a policy may use.

A policy is a runtime object built by its family (see :mod:`acsim.policies.registry`). It keeps
its per-spell state in ``spell.state[<its key>]``, reacts to the engine's hooks, puts callbacks
on the spell's agenda, changes hazard multipliers, books meetings through the centre, and
declares the tally columns it adds to the spell record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from acsim.model.calendar import Booking
    from acsim.model.recorder import Recorder
    from acsim.model.spell import Spell

__all__ = ["Centre", "OnHeld", "Policy", "overrides"]

#: Called as ``on_held(spell, booking)`` when a booked meeting takes place.
OnHeld = Callable[["Spell", "Booking"], None]


class Centre(Protocol):  # noqa: D101 - the methods are documented on JobCentre
    """What a bound policy may ask of the job centre it runs in (see ``JobCentre``)."""

    root: int
    replication: int
    end: float
    record: Recorder

    @property
    def now(self) -> float: ...  # noqa: D102

    def book_meeting(  # noqa: D102
        self, spell: Spell, when: float, kind: str, on_held: OnHeld | None = None
    ) -> Booking | None: ...

    def uniform(self, stream: int, key: int, index: int) -> float: ...  # noqa: D102

    def caseload(self, spell: Spell) -> float: ...  # noqa: D102

    def screened(self, spell: Spell) -> None: ...  # noqa: D102

    def provide(self, name: str, service: Any) -> None: ...  # noqa: D102


class Policy:
    """Base class of runtime policies. Override only the hooks the policy needs.

    The engine calls ``on_spell_start`` when a spell begins, ``on_screened`` once the spell's
    track is known, ``on_meeting_held`` after any meeting has been held (after the meeting's own
    ``on_held`` callback), and ``on_spell_end`` when the spell ends. Everything else happens
    through callbacks on the spell's agenda.

    Attributes:
        columns: Tally columns this policy adds to the spell record, in order.
        streams: Random streams the policy draws from, with the uniforms per key to prepare.

    """

    columns: tuple[str, ...] = ()
    streams: dict[int, int] = {}
    centre: Centre

    def bind(self, centre: Centre) -> None:
        """Attach the policy to a job centre before the run starts."""
        self.centre = centre

    def on_spell_start(self, spell: Spell) -> None:  # pragma: no cover - default hook
        """Called when a spell begins."""

    def on_screened(self, spell: Spell) -> None:  # pragma: no cover - default hook
        """Called once the spell's track is known."""

    def on_meeting_held(self, spell: Spell, booking: Booking) -> None:  # pragma: no cover
        """Called after a meeting of any kind has been held."""

    def on_spell_end(self, spell: Spell) -> None:  # pragma: no cover - default hook
        """Called when a spell ends, for any reason."""

    def tally(self, spell: Spell) -> tuple[Any, ...]:  # pragma: no cover - default
        """Values of :attr:`columns` for a spell that has just ended."""
        return ()


def overrides(policy: Policy, hook: str) -> bool:
    """Whether ``policy`` overrides ``hook`` (the engine only calls hooks that do something)."""
    return getattr(type(policy), hook) is not getattr(Policy, hook)
