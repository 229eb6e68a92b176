"""The policy protocol: hooks the engine calls, and the centre services a policy may use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from acsim.model.calendar import Booking
    from acsim.model.spell import Spell

__all__ = ["Centre", "Policy"]


class Centre(Protocol):  # noqa: D101 - the methods are documented on JobCentre
    """What a bound policy may ask of the job centre it runs in (see ``JobCentre``)."""

    @property
    def now(self) -> float: ...  # noqa: D102

    def book_meeting(self, spell: Spell, duration: float, regular: bool) -> Booking | None: ...  # noqa: D102

    def uniform(self, stream: int, key: int, index: int) -> float: ...  # noqa: D102

    def caseload(self, spell: Spell) -> float: ...  # noqa: D102

    def screen(self, spell: Spell) -> None: ...  # noqa: D102


class Policy:
    """Base class of runtime policies. Override only the hooks the policy needs.

    The engine calls ``on_spell_start`` when a spell begins, ``on_screened`` once the spell's
    track is known, and ``on_spell_end`` when the spell ends. Everything else happens through
    callbacks on the spell's agenda.
    """

    centre: Centre

    def bind(self, centre: Centre) -> None:
        """Attach the policy to a job centre before the run starts."""
        self.centre = centre

    def on_spell_start(self, spell: Spell) -> None:  # pragma: no cover - default hook
        """Called when a spell begins."""

    def on_screened(self, spell: Spell) -> None:  # pragma: no cover - default hook
        """Called once the spell's track is known."""

    def on_spell_end(self, spell: Spell) -> None:  # pragma: no cover - default hook
        """Called when a spell ends, for any reason."""


def overrides(policy: Policy, hook: str) -> bool:
    """Whether ``policy`` overrides ``hook`` (the engine only calls hooks that do something)."""
    return getattr(type(policy), hook) is not getattr(Policy, hook)
