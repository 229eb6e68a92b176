"""The role of every evidence record in validation: fitted, check or claim, derived from the plan.

A record's role says what a pass of its checks can mean:

- ``fitted``: the calibration used it, so agreement is in-sample. Derived from the calibration
  plan (``acsim/data/calibration_plan.toml``), never set by hand: every record an effects stage
  or a level stage names (an effects stage fits to all trial checks of its records, its sign
  and ordering checks as penalties; a level stage to its city's mean completed duration, M01,
  and Copenhagen's stock by elapsed duration, M03), and every record a scenario value was
  derived from by hand (the plan's ``[[derived]]``: the four city inflows from M02's stocks).
- ``check``: no fit used it: an out-of-sample test the model can fail.
- ``claim``: the administrations' own expectations (:data:`CLAIMS`), which acsim assesses rather
  than passes: the effect the evidence implies, beside the claimed one and the effect its
  business case would need to break even. A claim is never counted as passed or failed, even
  where a stage uses it as a sign constraint (M04 and M05 in the course stage; the column
  ``used_by`` of validation.csv says so).

Example:
    >>> roles = record_roles()
    >>> roles["T03"], roles["T08"], roles["M01"], roles["M05"]
    ('fitted', 'check', 'fitted', 'claim')

"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from acsim.evidence.checks import comparison_of
from acsim.evidence.plan import CalibrationPlan, LevelStage, Stage, default_plan
from acsim.evidence.records import Check, EvidenceRecord, load_evidence
from acsim.evidence.targets import MEAN_METRIC, STOCK_BANDS

__all__ = [
    "CLAIMS",
    "ROLES",
    "FitCount",
    "Role",
    "fit_count",
    "fitted_by",
    "quantity",
    "record_roles",
    "stage_checks",
    "used_by",
]

Role = Literal["fitted", "check", "claim"]
#: The roles, in the order the headline counts them.
ROLES: tuple[Role, ...] = ("fitted", "check", "claim")
#: The municipal expectations: Frederiksberg's English course "about 6 weeks" (M04), Godt fra
#: Start's "expected 2 weeks" (M05), Aarhus' investment track (M06) and Odense's investment
#: model (M07) are the administrations' own statements, not measured effects (issue 13; each
#: record's ``reading`` says so).
CLAIMS: tuple[str, ...] = ("M04", "M05", "M06", "M07")


def quantity(check: Check) -> tuple:
    """What a check measures, independent of its record and band (two records may share one)."""
    return (check.kind, check.trial, check.arm, check.than_arm, check.metric, check.scenario,
            check.than_scenario)


def _level_uses(stage: LevelStage, check: Check) -> bool:
    if check.kind != "municipal" or check.scenario != stage.city or check.than_scenario:
        return False
    if check.published is None:
        return False
    return check.metric == MEAN_METRIC or (stage.fits_stock and check.metric in STOCK_BANDS)


def stage_checks(stage: Stage | LevelStage,
                 records: Iterable[EvidenceRecord]) -> list[tuple[EvidenceRecord, Check]]:
    """The checks a stage fits to.

    An effects stage: every trial check of its records
    (:func:`acsim.evidence.calibration.fit_stage`); a level stage: its city's published mean
    completed duration and, if it fits the stock, its stock by band.
    """
    mine = [r for r in records if r.id in stage.records]
    if isinstance(stage, Stage):
        return [(r, c) for r in mine for c in r.checks if c.kind == "trial"]
    return [(r, c) for r in mine for c in r.checks if _level_uses(stage, c)]


def fitted_by(plan: CalibrationPlan | None = None) -> dict[str, list[str]]:
    """Record id -> what used it: stage names, and ``derived: <scenario>.<path>`` entries."""
    plan = plan or default_plan()
    out: dict[str, list[str]] = {}
    for st in plan.stages:
        for rid in st.records:
            out.setdefault(rid, []).append(st.name)
    for d in plan.derived:
        out.setdefault(d.record, []).append(f"derived: {d.scenario}.{d.path}")
    return out


def record_roles(records: Iterable[EvidenceRecord] | None = None,
                 plan: CalibrationPlan | None = None) -> dict[str, Role]:
    """The role of every record.

    ``claim`` for :data:`CLAIMS`, else ``fitted`` if the plan uses it (a stage or a derived
    value), else ``check``.
    """
    records = list(records) if records is not None else list(load_evidence())
    used = fitted_by(plan)
    return {r.id: "claim" if r.id in CLAIMS else "fitted" if r.id in used else "check"
            for r in records}


def used_by(records: Iterable[EvidenceRecord] | None = None,
            plan: CalibrationPlan | None = None) -> dict[tuple, list[str]]:
    """Quantity (:func:`quantity`) -> the stages that fit to it (under any record).

    A check of a ``check`` record that measures a quantity a stage fits under another record
    (T20's private wage subsidy, which T16's stage constrains) is not out of sample: this says so.
    """
    records = list(records) if records is not None else list(load_evidence())
    plan = plan or default_plan()
    out: dict[tuple, list[str]] = {}
    for st in plan.stages:
        for _, c in stage_checks(st, records):
            names = out.setdefault(quantity(c), [])
            if st.name not in names:
                names.append(st.name)
    return out


@dataclass(frozen=True)
class FitCount:
    """How many values the calibration fitted, and to how many published numbers.

    Attributes:
        effect_parameters: Effect sizes the effects stages fit.
        effect_stages: Effects stages.
        level_parameters: City baseline values the level stages fit (levels, Copenhagen's
            inflow and heterogeneity).
        level_stages: Level stages.
        derived: Scenario values derived by hand from published numbers (the plan's
            ``[[derived]]``), one number each.
        published: Published numbers the stages fit to (a value the fit pulls towards).
        constraints: Sign, ordering and band checks the effects stages hold as penalties.

    """

    effect_parameters: int
    effect_stages: int
    level_parameters: int
    level_stages: int
    derived: int
    published: int
    constraints: int

    @property
    def parameters(self) -> int:
        """Every fitted value: the stages' and the derived ones."""
        return self.effect_parameters + self.level_parameters + self.derived

    @property
    def numbers(self) -> int:
        """Every published number fitted to: the stages' and those values were derived from."""
        return self.published + self.derived

    def line(self) -> str:
        """The count in words, for the headline."""
        return (f"{self.parameters} fitted parameters ({self.effect_parameters} effect sizes in "
                f"{self.effect_stages} stages, {self.level_parameters} city baseline values in "
                f"{self.level_stages} stages, {self.derived} inflows derived by hand) for "
                f"{self.numbers} published numbers ({self.published} fitted values, "
                f"{self.derived} stocks the inflows come from), plus {self.constraints} sign or "
                f"ordering constraints; {self.numbers - self.parameters} degrees of freedom")


def fit_count(records: Iterable[EvidenceRecord] | None = None,
              plan: CalibrationPlan | None = None) -> FitCount:
    """Count the plan's fitted values and the published numbers they are fitted to."""
    records = list(records) if records is not None else list(load_evidence())
    plan = plan or default_plan()
    published = constraints = 0
    for st in plan.stages:
        for _, c in stage_checks(st, records):
            if isinstance(st, LevelStage) or comparison_of(c) == "value":
                published += 1
            else:
                constraints += 1
    return FitCount(
        effect_parameters=sum(len(s.parameters) for s in plan.effect_stages),
        effect_stages=len(plan.effect_stages),
        level_parameters=sum(len(s.parameters) for s in plan.level_stages),
        level_stages=len(plan.level_stages),
        derived=len(plan.derived), published=published, constraints=constraints)
