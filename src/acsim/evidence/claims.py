"""Claims assessed, not passed: the municipal expectations beside what the evidence implies.

The claim records (:data:`acsim.evidence.roles.CLAIMS`, M04-M07) are the administrations' own
expectations. For each, the validation prints the claimed effect, the effect the calibrated
model implies (at the files' seeds, its range over the seed sets and the envelope of the 95 %
intervals) and, where a business case is defined for it, the effect that case would need to
break even:

- a trial claim on ``mean_duration`` whose record a decision scenario cites
  (``scenarios/decisions/*.toml``, ``scenario.evidence``): the scenario's priced programme
  (``price = "<name>"``, acsim/data/rates_dk.toml ``[prices]``) against the maximum weekly
  benefit at the scenario's start date, through
  :attr:`acsim.costs.business.BusinessCase.break_even_weeks_per_participant` (the public view:
  all benefit saved; graduates, on a lower rate, need more). M05 (Godt fra Start).
- an accounting claim (M07): the municipal savings that would pay the investment a year
  (``*_savings_mdkk``), and a net gain of 0 (``*_net_mdkk``), from the record's
  ``business_case`` inputs.

Break-even effects carry the sign of the claimed effect (fewer weeks: negative).

A trial's effect is averaged over all its entrants, while the claims and the break-even effects
are per participant. :func:`participant_share` measures the share of a trial's entrants who
take the arm's new programmes (those the control arm lacks); the effect per participant is the
effect over the entrants divided by it (the effect on the treated, when those who do not take
part are unaffected, as with an offer nobody is told of in advance).

Example:
    >>> from acsim.evidence.records import record
    >>> round(break_even(record("M05"), record("M05").checks[0]), 2)
    -1.31

"""

from __future__ import annotations

import math
import warnings
from functools import cache
from pathlib import Path

import pandas as pd

from acsim.data import SCENARIOS_DIR
from acsim.evidence.records import Check, EvidenceRecord
from acsim.exceptions import ScenarioError
from acsim.spec.scenario import Effects

__all__ = [
    "break_even",
    "break_even_note",
    "claims_section",
    "decision_cases",
    "headline",
    "participant_share",
]

DECISIONS_DIR = SCENARIOS_DIR / "decisions"


@cache
def decision_cases() -> dict[str, tuple[str, float, float]]:
    """Record id -> ``(decision file, price per participant, benefit a week)``.

    From the first decision scenario (by file name) that cites the record and prices a programme.
    """
    from acsim.costs.rates import default_rates
    from acsim.spec.scenario import load_scenario

    out: dict[str, tuple[str, float, float]] = {}
    if not DECISIONS_DIR.is_dir():
        return out
    rates = default_rates()
    for path in sorted(DECISIONS_DIR.glob("*.toml")):
        try:
            sc = load_scenario(path)
        except ScenarioError as exc:  # one broken decision file does not stop the validation
            warnings.warn(f"break-even effects: skipped {exc}", stacklevel=2)
            continue
        priced = [p for p in sc.programmes if getattr(p, "price", None)]
        if not priced:
            continue
        name = f"prices.{priced[-1].price}"
        # at the scenario's start, or when the price first applies if that is later
        when = max(sc.scenario.start_date, rates.parameter(name).values[0].valid_from)
        price = rates.value(name, when)
        weekly = rates.value("dagpenge_max_week", when)
        for rid in sc.scenario.evidence:
            out.setdefault(rid, (str(Path(path).relative_to(SCENARIOS_DIR.parent)), price,
                                 weekly))
    return out


def _break_even(record: EvidenceRecord, check: Check) -> tuple[float, str]:
    from acsim.costs.business import business_case

    bc = record.business_case
    if check.kind == "accounting" and bc is not None:
        per_year = bc.investment_dkk / bc.investment_years / 1e6
        if check.metric.endswith("_savings_mdkk"):
            return per_year, (f"savings of {per_year:.3g} m DKK a year pay the investment "
                              f"({bc.investment_dkk / 1e6:.3g} m DKK over "
                              f"{bc.investment_years:g} years)")
        if check.metric.endswith("_net_mdkk"):
            return 0.0, "a net gain of 0 is break-even"
    if check.kind == "trial" and check.metric == "mean_duration":
        case = decision_cases().get(record.id)
        if case is not None:
            where, price, weekly = case
            weeks = business_case(extra_spending_per_year=price,
                                  full_year_persons_saved_per_year=0.0,
                                  benefit_per_full_year_person=52 * weekly,
                                  participants_per_year=1.0).break_even_weeks_per_participant
            return -weeks, (f"{weeks:.3g} benefit weeks fewer per participant pay "
                            f"{price:,.0f} DKK per participant at {weekly:,.0f} DKK a week "
                            f"({where}; public view)")
    return math.nan, "no business case defined"


def break_even(record: EvidenceRecord, check: Check) -> float:
    """The effect a claim's business case needs to break even (NaN where none is defined)."""
    return _break_even(record, check)[0]


def break_even_note(record: EvidenceRecord, check: Check) -> str:
    """How :func:`break_even` was computed, in words."""
    return _break_even(record, check)[1]


def participant_share(check: Check, scale: float = 1.0, seed: int | None = None,
                      effects: Effects | None = None) -> float:
    """Share of a trial's entrants who take the new programmes of the check's arm.

    The arm's scenario is run as one job centre at the trial's size times ``scale`` and at its
    file's seed (or ``seed``); the entrants are the first spells begun within the trial's intake
    weeks, the participants those of them who began a programme the control arm does not have
    (by name). NaN for a check that is not a trial's, for a group metric (``...@group``) or an
    ordering, and where the arm adds no programme.
    """
    from acsim.evidence.records import trials_dir
    from acsim.evidence.trials import load_trial
    from acsim.model.engine import JobCentre
    from acsim.model.rng import root_entropy

    if check.kind != "trial" or check.than_arm or "@" in check.metric:
        return math.nan
    trial = load_trial(trials_dir() / f"{check.trial}.toml")
    scenarios = trial.scenarios(n=max(2, round(trial.spec.n * scale)), effects=effects)
    arm, control = scenarios[check.arm], scenarios[trial.spec.control]
    new = {p.name for p in arm.programmes} - {p.name for p in control.programmes}
    if not new:
        return math.nan
    centre = JobCentre(arm, root_entropy(trial.spec.seed if seed is None else seed), 0)
    centre.run()
    intake = trial.spec.intake_weeks
    entrants = {rec[0] for rec in centre.records if rec[1] == 0 and rec[2] < intake}
    took = {row[0] for row in centre.record.programmes
            if row[1] == 0 and row[3] in new and row[0] in entrants}
    return len(took) / len(entrants) if entrants else math.nan


def headline(table: pd.DataFrame,
             records: list[EvidenceRecord] | None = None) -> list[str]:
    """The pass rule, the counts per role, and the fitted parameters against the numbers.

    ``records``: the evidence the counts of fitted numbers read (default: the shipped file).
    """
    from acsim.evidence.roles import fit_count
    from acsim.evidence.validation import RULE

    def count(role: str) -> tuple[int, int]:
        rows = table[table["role"] == role]
        return int(rows["passed"].fillna(False).astype(bool).sum()), len(rows)

    fa, fb = count("fitted")
    ca, cb = count("check")
    claims = sorted(set(table.loc[table["role"] == "claim", "id"]))
    seeds = int(table["seeds"].max()) if len(table) else 0
    return [f"rule: {RULE}; {seeds} seed set(s) run",
            f"fitted: {fa} of {fb} within their interval; checks: {ca} of {cb}; claims "
            f"({', '.join(claims) or 'none'}): assessed, not passed",
            fit_count(records).line()]


def claims_section(table: pd.DataFrame, records: dict[str, EvidenceRecord] | None = None,
                   ) -> list[str]:
    """Each claim row: the claimed effect, the effect implied, and the break-even effect."""
    from acsim.evidence.records import load_evidence
    from acsim.evidence.validation import check_label

    records = records or {r.id: r for r in load_evidence()}
    lines = ["claims: the administrations' own expectations, assessed (never passed or failed)"]

    def num(x: float) -> str:
        return "?" if x is None or math.isnan(x) else f"{x:.3g}"

    for row in table[table["role"] == "claim"].itertuples():
        rec = records[row.id]
        check = next(c for c in rec.checks if check_label(c) == row.metric)
        claimed = "no number" if math.isnan(row.published) else num(row.published)
        if check.kind == "trial":
            implied = (f"the evidence implies {num(row.simulated)} at the files' seeds "
                       f"({num(row.seed_min)} to {num(row.seed_max)} over {int(row.seeds)} "
                       f"seed set(s); 95 % intervals {num(row.interval_low)} to "
                       f"{num(row.interval_high)}), over all the trial's entrants")
            total = (getattr(row, "total_ci_low", math.nan),
                     getattr(row, "total_ci_high", math.nan))
            if not any(math.isnan(x) for x in total):
                implied += (f"; with parameter uncertainty {num(total[0])} to "
                            f"{num(total[1])} at the files' seeds")
            share = getattr(row, "participant_share", math.nan)
            if not math.isnan(share) and share > 0:
                implied += (f"; {share:.0%} of them take part, so per participant "
                            f"{num(row.simulated / share)} ({num(row.seed_min / share)} to "
                            f"{num(row.seed_max / share)}; intervals "
                            f"{num(row.interval_low / share)} to "
                            f"{num(row.interval_high / share)})")
        else:
            implied = (f"acsim's arithmetic of the claimed inputs gives {num(row.simulated)}; "
                       "no trial simulates the effort, so no effect is implied by the evidence")
        lines.append(f"  {row.id} {row.metric} ({row.unit}): claimed {claimed}; {implied}; "
                     f"break-even {num(row.break_even)}: {break_even_note(rec, check)}")
    return lines
