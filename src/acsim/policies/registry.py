"""The policy registry: every policy family, what it reads, builds, records and costs.

A family is one module under :mod:`acsim.policies` that ends with ``FAMILIES``, a tuple of
:class:`Family` entries; this module lists the modules in hook order. From the registry

* :data:`acsim.spec.scenario.Effects` gets one field per effects table a family declares,
* the ``[[programmes]]`` entries of a scenario accept every registered programme kind,
* the engine gets its runtime policies (:func:`build_policies`), and
* the cost model gets each family's cost rule (:func:`cost_rules`).

Adding a policy is one new module plus its line in :data:`_MODULES` (and a rates entry if it
costs money); the engine does not change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from acsim.spec.base import Spec

if TYPE_CHECKING:
    from acsim.costs.inputs import CostInputs
    from acsim.policies.base import Policy
    from acsim.policies.programmes import ProgrammeBoard, ProgrammeSpec
    from acsim.spec.scenario import Scenario

__all__ = [
    "CostRule",
    "EffectsField",
    "Family",
    "build_policies",
    "cost_rules",
    "effects_fields",
    "families",
    "family_of_kind",
    "programme_specs",
    "rate_names",
]

#: Prices a run's record: per-spell cost arrays by cost category.
CostRule = Callable[["CostInputs"], Mapping[str, Any]]
#: Builds the runtime of one programme entry: ``(spec, effects, index, board) -> Policy``.
ProgrammeRuntime = Callable[[Any, Any, int, "ProgrammeBoard"], "Policy"]


@dataclass(frozen=True)
class EffectsField:
    """One table of :class:`~acsim.spec.scenario.Effects` owned by a family.

    Attributes:
        name: Key under ``[effects]``.
        spec: The effects spec class.
        default: Its placeholder value (used where ``effects.toml`` gives none).

    """

    name: str
    spec: type[Spec]
    default: Spec


@dataclass(frozen=True)
class Family:
    """One policy family.

    Attributes:
        name: Family name (for programme families, the ``kind`` in ``[[programmes]]``).
        effects: The effects tables it owns.
        build: For a service family: its runtime policies for a scenario (in hook order).
        spec: For a programme family: the spec class of its ``[[programmes]]`` entries.
        runtime: For a programme family: builds the runtime of one entry.
        columns: Tally columns its runtime adds to the spell record.
        meeting_kinds: Kinds of meeting it holds (the ``kind`` of its meeting episodes).
        cost: Its cost rule, or ``None`` if it costs nothing by itself.
        rates: Names of the dated rates its cost rule reads that are not among
            :class:`~acsim.costs.rates.RatesBase`'s (each needs an entry in the rates file).
        placeholders: Effect parameters no published number identifies, as
            ``{dotted path: (low, high)}``: the plausible range of the placeholder value.
        uses: For a service family: whether a scenario uses it (its placeholders are listed
            only then); ``None``: every scenario does.

    """

    name: str
    effects: tuple[EffectsField, ...] = ()
    build: Callable[[Scenario], Sequence[Policy]] | None = None
    spec: type[ProgrammeSpec] | None = None
    runtime: ProgrammeRuntime | None = None
    columns: tuple[str, ...] = ()
    meeting_kinds: tuple[str, ...] = ()
    cost: CostRule | None = None
    rates: tuple[str, ...] = ()
    placeholders: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    uses: Callable[[Scenario], bool] | None = None

    @property
    def is_programme(self) -> bool:
        """Whether the family is a kind of ``[[programmes]]`` entry."""
        return self.spec is not None


def _modules() -> tuple[Any, ...]:
    # Hook order: staffing assigns the booking group before anyone books; the provider scales
    # the spell's hazard before any multiplier is set; screening comes last, so the policies
    # that react to a track have started their spell state.
    from acsim.policies import (
        activation,
        benefit_groups,
        caseworkers,
        delivery,
        education,
        intensive_contact,
        job_broker,
        joint_meeting,
        meetings,
        mentor,
        placements,
        programmes,
        provider,
        screening,
        staffing,
    )

    return (staffing, provider, meetings, caseworkers, programmes, activation, placements,
            education, mentor, job_broker, joint_meeting, intensive_contact, delivery,
            benefit_groups, screening)


_FAMILIES: tuple[Family, ...] | None = None


def families() -> tuple[Family, ...]:
    """Every registered family, in hook order."""
    global _FAMILIES
    if _FAMILIES is None:
        found = tuple(f for m in _modules() for f in m.FAMILIES)
        names = [f.name for f in found]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise RuntimeError(f"policy families registered twice: {dupes}")
        _FAMILIES = found
    return _FAMILIES


def family_of_kind(kind: str) -> Family:
    """The programme family of a ``[[programmes]]`` kind."""
    for f in families():
        if f.is_programme and f.name == kind:
            return f
    known = sorted(f.name for f in families() if f.is_programme)
    raise KeyError(f"unknown programme kind {kind!r}; registered: {known}")


def programme_specs() -> tuple[type[ProgrammeSpec], ...]:
    """The spec classes of every programme kind (the union of ``[[programmes]]``)."""
    return tuple(f.spec for f in families() if f.spec is not None)


def effects_fields() -> tuple[EffectsField, ...]:
    """Every effects table, in registry order."""
    out = [e for f in families() for e in f.effects]
    names = [e.name for e in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise RuntimeError(f"effects tables declared twice: {dupes}")
    return tuple(out)


def build_policies(scenario: Scenario) -> list[Policy]:
    """The runtime policies of a scenario, in hook order."""
    out: list[Policy] = []
    for f in families():
        if f.build is not None:
            out.extend(f.build(scenario))
    return out


def rate_names() -> tuple[str, ...]:
    """The dated rates the families declare, in registry order."""
    out: list[str] = []
    for f in families():
        out.extend(r for r in f.rates if r not in out)
    return tuple(out)


def cost_rules() -> tuple[tuple[str, CostRule], ...]:
    """``(family name, cost rule)`` of every family that costs money."""
    return tuple((f.name, f.cost) for f in families() if f.cost is not None)
