"""The published evidence acsim is calibrated to and checked against.

``acsim/data/evidence.toml`` holds one record per published result (T01-T20 from the literature
review of seed 003, M01-M07 from the municipal figures of seeds 000, 001 and 003). A record
says who was studied, what was done, what was found, which reading acsim takes and how strongly
the design counts (:data:`DESIGN_WEIGHTS`). Its checks say what is compared with what: a
virtual trial (``scenarios/trials/*.toml``), a municipal scenario, an accounting figure or a
calibrated parameter, within a tolerance. A check passes when ``tolerance_low < value <
tolerance_high`` (an open interval, so a sign check with a bound of 0 or 1 is strict).

Example:
    >>> rec = record("T03")
    >>> rec.design, rec.checks[0].trial, rec.checks[0].arm
    ('rct', 'HIG2', 'individual')

"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from acsim.analysis.trial_metrics import parse_metric
from acsim.data import DATA_DIR, SCENARIOS_DIR
from acsim.exceptions import ScenarioError
from acsim.spec.base import Spec, read_toml, validate

__all__ = [
    "DESIGN_WEIGHTS",
    "BusinessCaseInputs",
    "Check",
    "EvidenceRecord",
    "Study",
    "load_evidence",
    "record",
    "trials_dir",
]

#: Weight of a design in the calibration objective (RCT 1.0 down to a municipal claim 0.2).
DESIGN_WEIGHTS = {
    "rct": 1.0, "timing_of_events": 0.8, "register": 0.6, "review": 0.5, "matching": 0.4,
    "municipal": 0.2,
}
MUNICIPAL_METRICS = frozenset(
    {"mean_completed_duration", "stock_3_5", "stock_6_11", "stock_12plus", "stock_total"}
)
ACCOUNTING_METRICS = frozenset({"odense_savings_mdkk", "odense_net_mdkk"})
_DEFAULT_FILE = "evidence.toml"
_TRIALS = SCENARIOS_DIR / "trials"


def trials_dir() -> Path:
    """``scenarios/trials`` of the source tree this module sits in (may not exist if installed)."""
    return _TRIALS


def _check_trial_metric(metric: str) -> None:
    parse_metric(metric)  # raises ValueError naming the metric


class Study(Spec):
    """Bibliographic reference of the study a record reports."""

    authors: str = Field(min_length=1)
    year: int = Field(ge=1990, le=2030)
    title: str = Field(min_length=1)
    outlet: str = Field(min_length=1)


class Check(Spec):
    """One comparison of a simulated (or calibrated) quantity with a tolerance band.

    Attributes:
        kind: What is simulated: a virtual trial, a municipal scenario, an accounting figure
            (acsim.costs.business) or a calibrated effect parameter.
        role: ``"fit"``: the calibration fits to it; ``"check"``: validated only.
        metric: Trial metric (``hr_job``, ``window_hr_9_13@male``, ...), municipal metric,
            accounting metric or dotted path into the effects (``caseworkers.effectiveness_sd``).
        published: Published value of the checked quantity, if it has one.
        se: Published standard error, if known.
        tolerance_low: Lower bound (exclusive; ``-inf`` for a one-sided check).
        tolerance_high: Upper bound (exclusive; ``inf`` for a one-sided check).
        tolerance_note: Why this tolerance.
        trial: Trial file stem under ``scenarios/trials`` (kind ``"trial"``).
        arm: Treatment arm; the quantity is its effect against the trial's control.
        than_arm: If set, the quantity is effect(arm) - effect(than_arm) (an ordering).
        scenario: City scenario stem (kind ``"municipal"``).
        than_scenario: If set, the quantity is value(scenario) - value(than_scenario).

    """

    kind: Literal["trial", "municipal", "accounting", "parameter"]
    role: Literal["fit", "check"]
    metric: str = Field(min_length=1)
    published: float | None = Field(None, allow_inf_nan=False)
    se: float | None = Field(None, gt=0, allow_inf_nan=False)
    tolerance_low: float
    tolerance_high: float
    tolerance_note: str = Field(min_length=1)
    trial: str | None = None
    arm: str | None = None
    than_arm: str | None = None
    scenario: str | None = None
    than_scenario: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Check:
        lo, hi = self.tolerance_low, self.tolerance_high
        if math.isnan(lo) or math.isnan(hi) or not lo < hi:
            raise ValueError("tolerance_low must be below tolerance_high")
        if self.published is not None and not lo <= self.published <= hi:
            raise ValueError(f"published value {self.published:g} lies outside the tolerance")
        used = {k for k in _TARGET_KEYS if getattr(self, k) is not None}
        allowed = _ALLOWED_TARGET_KEYS.get(self.kind, frozenset())
        if used - allowed:
            raise ValueError(f"{sorted(used - allowed)[0]} does not apply to a {self.kind} check")
        _KIND_RULES[self.kind](self)
        return self

    def passes(self, value: float) -> bool:
        """Whether a simulated value lies strictly inside the tolerance band.

        Every comparison of :data:`acsim.evidence.checks.COMPARISONS` passes this way; they
        differ in the residual the calibration gives a value.
        """
        return self.tolerance_low < value < self.tolerance_high


#: Keys naming what a check compares, and the kinds they apply to.
_TARGET_KEYS = ("trial", "arm", "than_arm", "scenario", "than_scenario")
_ALLOWED_TARGET_KEYS = {"trial": frozenset({"trial", "arm", "than_arm"}),
                        "municipal": frozenset({"scenario", "than_scenario"})}


def _trial_rule(check: Check) -> None:
    if check.trial is None or check.arm is None:
        raise ValueError("a trial check needs trial and arm")
    if check.than_arm == check.arm:
        raise ValueError("than_arm must differ from arm")
    _check_trial_metric(check.metric)


def _municipal_rule(check: Check) -> None:
    if check.scenario is None:
        raise ValueError("a municipal check needs scenario")
    if check.metric not in MUNICIPAL_METRICS:
        raise ValueError(f"municipal metric must be one of {sorted(MUNICIPAL_METRICS)}")


def _accounting_rule(check: Check) -> None:
    if check.metric not in ACCOUNTING_METRICS:
        raise ValueError(f"accounting metric must be one of {sorted(ACCOUNTING_METRICS)}")


def _parameter_rule(check: Check) -> None:
    """A parameter check names a dotted path into the effects; it is read when evaluated."""


#: What each kind of check requires of its keys, keyed on :attr:`Check.kind`.
_KIND_RULES: dict[str, Callable[[Check], None]] = {
    "trial": _trial_rule, "municipal": _municipal_rule, "accounting": _accounting_rule,
    "parameter": _parameter_rule,
}


class BusinessCaseInputs(Spec):
    """The published inputs of a municipal investment model, as the cost model reads them.

    Attributes:
        investment_dkk: Total investment (DKK) over ``investment_years``.
        investment_years: Years the investment is spread over (also the case's horizon).
        full_year_persons_saved_per_year: Fewer full-year persons on benefit a year.
        benefit: The rate a full-year person saves: ``"graduate"`` is the graduate rate
            (``graduate_rate_share`` of ``dagpenge_max_week``), 52 weeks a year.
        municipal_share: Share of the benefit saved that the municipality would have paid.
        rates_on: Date at which the rates are read.
        source: Where the published inputs come from.
        reading: How the inputs the source does not state (share, rate, date) are read.

    """

    investment_dkk: float = Field(gt=0, allow_inf_nan=False)
    investment_years: float = Field(gt=0, allow_inf_nan=False)
    full_year_persons_saved_per_year: float = Field(ge=0, allow_inf_nan=False)
    benefit: Literal["graduate"]
    municipal_share: float = Field(ge=0, le=1)
    rates_on: date
    source: str = Field(min_length=1)
    reading: str = Field(min_length=1)


class EvidenceRecord(Spec):
    """One published result, the reading acsim takes of it, and its checks.

    ``business_case`` holds the published inputs of an accounting record (M07), which its
    ``accounting`` checks are computed from.
    """

    id: str = Field(pattern=r"^[TM]\d\d$")
    study: Study
    design: Literal["rct", "timing_of_events", "matching", "register", "review", "municipal"]
    population: Literal["all_insured", "highly_educated", "graduates", "academics", "foreign",
                        "cash_benefit", "benefit_groups"]
    population_note: str = Field(min_length=1)
    intervention: str = Field(min_length=1)
    timing: str = Field(min_length=1)
    outcome: str = Field(min_length=1)
    result: str = Field(min_length=1)
    source_seed: str = Field(min_length=1)
    source_original: str = Field(min_length=1)
    reading: str = Field(min_length=1)
    weight: float = Field(gt=0, le=1)
    not_simulated: str | None = None
    business_case: BusinessCaseInputs | None = None
    checks: tuple[Check, ...] = ()

    @model_validator(mode="after")
    def _inputs_of_accounting_checks(self) -> EvidenceRecord:
        if self.business_case is None and any(c.kind == "accounting" for c in self.checks):
            raise ValueError("an accounting check needs the record's business_case inputs")
        return self


def _read(path: str | Path | None) -> tuple[dict, str]:
    if path is None:
        return read_toml(DATA_DIR / _DEFAULT_FILE), (
            f"acsim/data/{_DEFAULT_FILE}")
    return read_toml(path), str(path)


def load_evidence(
    path: str | Path | None = None, trials_dir: str | Path | None = None
) -> tuple[EvidenceRecord, ...]:
    """Read and validate an evidence file (the shipped one by default).

    Args:
        path: Evidence TOML file; ``None`` for ``acsim/data/evidence.toml``.
        trials_dir: Where trial files live. ``None``: :func:`trials_dir`, checked only
            if it exists (an installed package has no ``scenarios`` folder).

    Raises:
        ScenarioError: The file is missing or not TOML, a key is unknown or missing, a value
            does not validate, an id repeats, or a trial check names no existing trial file.
            The error names the file, the record id and the key.

    """
    data, source = _read(path)
    extra = sorted(set(data) - {"records"})
    if extra:
        raise ScenarioError(source, extra[0], "unknown key (allowed here: records)")
    raw = data.get("records")
    if not isinstance(raw, list) or not raw:
        raise ScenarioError(source, "records", "expected a non-empty array of [[records]] tables")
    records: list[EvidenceRecord] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        rid = str(item.get("id", f"records[{i}]")) if isinstance(item, dict) else f"records[{i}]"
        rec = validate(EvidenceRecord, item, source, prefix=rid)
        if rec.id in seen:
            raise ScenarioError(source, f"{rec.id}.id", "id appears more than once")
        seen.add(rec.id)
        records.append(rec)
    tdir = Path(trials_dir) if trials_dir is not None else _TRIALS
    if trials_dir is not None or tdir.is_dir():
        for rec in records:
            for j, c in enumerate(rec.checks):
                if c.kind == "trial" and not (tdir / f"{c.trial}.toml").is_file():
                    raise ScenarioError(
                        source, f"{rec.id}.checks[{j}].trial",
                        f"no trial file {c.trial}.toml in {tdir}",
                    )
    return tuple(records)


@cache
def _default() -> dict[str, EvidenceRecord]:
    return {r.id: r for r in load_evidence()}


def record(id: str) -> EvidenceRecord:
    """The shipped record with this id (e.g. ``"T03"``).

    Raises:
        KeyError: No record has this id.

    """
    recs = _default()
    if id not in recs:
        raise KeyError(f"no evidence record {id!r}; known: {', '.join(sorted(recs))}")
    return recs[id]
