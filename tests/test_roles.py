"""Validation roles are derived from the calibration plan, and a check must hold at every seed.

Cheap: no full validation run. The roles come from ``acsim/data/calibration_plan.toml`` (every
record a stage or a derived value uses is ``fitted``), the claims are M04-M07, and the seed rule
is tested with a fake evaluation that passes at one seed set only, and with one small trial run
at a derived seed against the same trial run directly.
"""

from __future__ import annotations

import math
import re

import pytest

from acsim.cli.main import main
from acsim.data import SCENARIOS_DIR
from acsim.evidence import validation
from acsim.evidence.claims import break_even, participant_share
from acsim.evidence.plan import PLAN_FILE, default_plan, load_plan
from acsim.evidence.records import load_evidence, record, trials_dir
from acsim.evidence.roles import (
    CLAIMS,
    ROLES,
    fit_count,
    fitted_by,
    quantity,
    record_roles,
    stage_checks,
    used_by,
)
from acsim.evidence.validation import (
    SEED_STEP,
    SOURCES,
    CheckResult,
    Source,
    evaluate_checks,
    format_table,
    run_trial_job,
    seed_offsets,
    validate,
)

RECORDS = load_evidence()
ROLE = record_roles()


def test_every_record_has_exactly_one_role():
    assert sorted(ROLE) == sorted(r.id for r in RECORDS)
    assert set(ROLE.values()) <= set(ROLES)


def test_the_municipal_expectations_are_claims_and_nothing_else_is():
    assert {i for i, role in ROLE.items() if role == "claim"} == set(CLAIMS)
    assert set(CLAIMS) == {"M04", "M05", "M06", "M07"}


def test_every_record_a_stage_or_a_derived_value_uses_is_fitted_and_no_other():
    plan = default_plan()
    used = set(fitted_by(plan))
    assert used <= {r.id for r in RECORDS}, sorted(used - {r.id for r in RECORDS})
    for rid, role in ROLE.items():
        if rid in CLAIMS:
            continue
        assert (role == "fitted") == (rid in used), (rid, role, fitted_by(plan).get(rid))
    # the municipal numbers the issue names: levels (M01), stock (M03), inflows (M02)
    assert ROLE["M01"] == ROLE["M02"] == ROLE["M03"] == "fitted"
    for st in plan.stages:
        assert stage_checks(st, RECORDS), st.name  # a stage always fits to something


def test_roles_follow_the_plan_not_a_list(tmp_path):
    """Dropping the stage of T09 and the derived inflows makes T09 and M02 checks."""
    text = PLAN_FILE.read_text()
    text = re.sub(r'\[\[stages\]\]\nkind = "effects"\nname = "caseload and meeting quality"'
                  r'.*?\n\]\n', "", text, flags=re.S)
    text = text[:text.index("[[derived]]")]
    path = tmp_path / "plan.toml"
    path.write_text(text)
    plan = load_plan(path)
    roles = record_roles(plan=plan)
    assert roles["T09"] == "check" and roles["M02"] == "check", roles
    assert roles["T07"] == "fitted" and roles["M05"] == "claim"


def test_derived_values_exist_where_the_plan_says_and_cite_their_number():
    from acsim.spec.paths import value_at
    from acsim.spec.scenario import load_scenario

    plan = default_plan()
    assert plan.derived
    for d in plan.derived:
        path = SCENARIOS_DIR / f"{d.scenario}.toml"
        value_at(load_scenario(path), d.path)  # the value exists
        key = d.path.rsplit(".", 1)[-1]
        lines = path.read_text().splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith(f"{key} ="))
        comment = " ".join(lines[max(0, at - 12):at])
        assert "DERIVED" in comment and "tab. 5.1" in comment, (d.scenario, comment)
        number = re.search(r"stock ([\d,]+)", d.published).group(1)
        assert f"stock {number}" in comment, (d.scenario, number)


def test_the_fit_count_adds_up():
    plan = default_plan()
    fc = fit_count()
    assert fc.effect_parameters == sum(len(s.parameters) for s in plan.effect_stages)
    assert fc.level_parameters == sum(len(s.parameters) for s in plan.level_stages)
    # the level stages fit five mean durations and Copenhagen's three stock bands
    assert sum(len(stage_checks(s, RECORDS)) for s in plan.level_stages) == 5 + 3
    assert fc.published + fc.constraints == sum(len(stage_checks(s, RECORDS))
                                                for s in plan.stages)
    print(fc.line())
    assert f"{fc.parameters} fitted parameters" in fc.line()
    assert f"{fc.numbers} published numbers" in fc.line()


def test_a_check_of_another_record_on_a_fitted_quantity_says_so():
    used = used_by()
    t20 = [c for c in record("T20").checks if c.trial == "T16" and c.arm == "private_subsidy"]
    assert t20 and used.get(quantity(t20[0])) == ["company placements"]
    assert not used.get(quantity(record("T08").checks[0]))


# -- the seed rule ------------------------------------------------------------------------------
def _fake_source(monkeypatch, kind: str, value_at_offset):
    """Replace a kind's evaluation by ``value_at_offset(seed_offset)``."""
    real = SOURCES[kind]

    def evaluate(checks, ctx):
        v = value_at_offset(ctx.seed_offset)
        return {id(c): CheckResult(v, v - 0.01, v + 0.01) for c in checks}

    monkeypatch.setitem(SOURCES, kind, Source(real.label, real.unit, evaluate))


def test_seed_offsets_are_fixed_steps_from_the_files_seeds():
    assert seed_offsets(0) == (0,)
    assert seed_offsets(3) == (0, SEED_STEP, 2 * SEED_STEP, 3 * SEED_STEP)
    with pytest.raises(ValueError):
        seed_offsets(-1)


def test_a_check_that_fails_at_one_seed_set_fails(monkeypatch):
    # T13's band is (0.02, inf): met at the files' seeds and the second set, not the third
    _fake_source(monkeypatch, "parameter", lambda off: -1.0 if off == 2 * SEED_STEP else 0.5)
    once = validate(records=[record("T13")], seeds=0)
    assert bool(once["passed"].iloc[0]) and once["seeds_passed"].iloc[0] == 1
    table = validate(records=[record("T13")], seeds=2)
    print(format_table(table))
    row = table.iloc[0]
    assert row["role"] == "check" and row["seeds"] == 3 and row["seeds_passed"] == 2
    assert not bool(row["passed"])
    assert (row["seed_min"], row["seed_max"]) == (-1.0, 0.5)
    assert (row["interval_low"], row["interval_high"]) == (-1.01, 0.51)
    assert "checks: 0 of 1" in format_table(table)


def test_a_claim_is_never_passed_or_failed(monkeypatch):
    _fake_source(monkeypatch, "accounting", lambda off: 100.0)  # far outside M07's band
    table = validate(records=[record("M07")], seeds=1)
    assert (table["role"] == "claim").all()
    assert table["passed"].isna().all() and table["seeds_passed"].isna().all()
    assert list(table["break_even"]) == [5.0, 0.0]  # 10 m DKK over 2 years; a net gain of 0
    assert "claims (M07): assessed, not passed" in format_table(table)


def test_m05s_break_even_is_the_price_over_a_benefit_week():
    from datetime import date

    from acsim.costs.rates import default_rates

    rates = default_rates()
    weeks = (rates.value("prices.godt_fra_start", date(2019, 1, 1))
             / rates.value("dagpenge_max_week", date(2019, 1, 1)))
    assert break_even(record("M05"), record("M05").checks[0]) == pytest.approx(-weeks)
    assert math.isnan(break_even(record("M04"), record("M04").checks[0]))


def test_a_seed_set_runs_each_trial_at_its_files_seed_plus_the_step():
    """One small trial (M05 at a twentieth of its size): the seed set's value is the trial's
    at file seed + 1000, and differs from the files' seed."""
    check = record("M05").checks[0]
    scale = 0.05
    got = [evaluate_checks([check], scale=scale, seed_offset=o)[id(check)].simulated
           for o in (0, SEED_STEP)]
    job = (str(trials_dir() / "M05.toml"), scale, None, validation.default_effects(),
           (check.metric,), (check.arm,))
    from acsim.evidence.trials import load_trial

    seed = load_trial(trials_dir() / "M05.toml").spec.seed
    direct = run_trial_job((*job[:2], seed + SEED_STEP, *job[3:]))
    want = direct[(direct["metric"] == check.metric) & (direct["arm"] == check.arm)]
    print(got, float(want["effect"].iloc[0]))
    assert got[1] == float(want["effect"].iloc[0])
    assert got[0] != got[1]
    files = run_trial_job(job)
    assert got[0] == float(files.loc[files["arm"] == check.arm, "effect"].iloc[0])


@pytest.mark.parametrize("value", ["-1", "21"])
def test_bad_seeds_are_rejected_before_simulating(capsys, monkeypatch, value):
    def simulated(*args, **kwargs):
        raise AssertionError("the validation started before --seeds was checked")

    monkeypatch.setattr(validation, "validate", simulated)
    code = main(["validate", "--seeds", value])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "--seeds" in err, err


def test_the_validation_columns_have_a_role_and_the_seed_columns():
    cols = validation.VALIDATION_COLUMNS
    for c in ("role", "seeds", "seeds_passed", "seed_min", "seed_max", "interval_low",
              "interval_high", "break_even", "used_by", "passed"):
        assert c in cols


def test_the_participant_share_counts_who_takes_the_arms_new_programme():
    """M05's course is for the low-risk track (70 % of entrants, screened at entry) from week 4:
    about 0.7 x the share still unemployed then; none for a group metric or an ordering."""
    check = record("M05").checks[0]
    share = participant_share(check, scale=0.2)
    print(f"M05 participant share at a fifth of the trial: {share:.3f}")
    assert 0.5 < share < 0.75
    assert math.isnan(participant_share(record("M06").checks[1], scale=0.2))  # @international
    assert math.isnan(participant_share(record("M07").checks[0]))  # accounting
