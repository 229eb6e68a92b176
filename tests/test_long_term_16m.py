"""Seed 002's effort at 16 months: the joint meeting, the intensive contact course, the scenario.

Each policy is checked against the survival theory says for a constant hazard, its record and
its cost; the decision scenario runs and names its placeholders.
"""

import math
from pathlib import Path

import numpy as np
import pytest

import acsim
from acsim.costs.rates import default_rates
from acsim.evidence.placeholders import placeholders
from acsim.experiments.run import run_replication
from acsim.model.engine import JobCentre
from acsim.spec.scenario import load_scenario
from conftest import bare_scenario, check_survival

ROOT = Path(__file__).resolve().parent.parent
RATE = 0.05
AMPLE = {"staffing.caseworkers": 200, "staffing.meetings_per_week": 40,
         "effects.caseworkers": {"effectiveness_sd": 0.0, "employer_contact_share": 0.0,
                                 "cooperative_share": 0.0, "similarity_hr": [1.0, 1.0, 1.0]},
         "hazard.job": {"breaks": [0.0], "rates": [RATE]}}
JOINT = {"kind": "joint_meeting", "name": "joint", "start_week": 10.0}
CONTACT = {"kind": "intensive_contact", "name": "contact", "start_week": 10.0,
           "duration_weeks": 20.0, "contact_every_weeks": 1.0}


def _scenario(programme, **changes):
    return bare_scenario(**{**AMPLE, "programmes": [programme], **changes})


def test_the_joint_meeting_lifts_the_hazard_for_a_week_as_theory_says():
    lift, extra, w = 1.5, 1.4, 10.0
    sc = _scenario(JOINT, **{"effects.meetings.lift_hr": lift,
                             "effects.joint_meeting.extra_hr": extra})
    res = acsim.run(sc, replications=1, seed=31, progress=False)
    k = lift * extra

    def expected(t):
        if t <= w:
            return math.exp(-RATE * t)
        return math.exp(-RATE * (w + k * min(t - w, 1.0) + max(t - w - 1.0, 0.0)))

    check_survival(res, expected, [5.0, 10.5, 11.0, 20.0, 40.0])


def test_joint_meetings_are_recorded_once_and_priced_at_their_minutes():
    sc = _scenario(JOINT, **{"population.annual_inflow": 800.0})
    centre = JobCentre(sc, 4, 0)
    centre.run()
    rec = centre.record.tables()
    m = rec["meetings"]
    joint = m[m["kind"] == "joint"]
    assert set(m["kind"]) == {"joint"}
    assert not joint.duplicated(["jobseeker_id", "spell"]).any()
    spells = rec["spells"]
    open_at_10 = spells[(spells["exit_week"].fillna(np.inf) - spells["entry_week"] > 10.0)
                        & (spells["entry_week"] + 10.0 < centre.end)]
    assert len(joint) == len(open_at_10)
    eps = rec["programmes"]
    assert set(eps["kind"]) == {"joint_meeting"} and len(eps) == len(joint)
    costed, _ = run_replication(sc, 4, 0)
    rates = default_rates()
    hour = rates.value("caseworker_cost_hour", sc.scenario.start_date)
    prep = rates.value("meeting_prep_recording_minutes", sc.scenario.start_date)
    t = sc.scenario.start_date
    assert rates.value("caseworker_cost_hour", t) == hour  # one rate over this short run
    assert costed["cost_meetings_individual"].sum() == pytest.approx(
        len(joint) * hour * (60.0 + prep) / 60.0, rel=1e-9)


def test_the_contact_course_multiplies_the_hazard_while_enrolled():
    k, w, d = 1.8, 10.0, 20.0
    sc = _scenario(CONTACT, **{"effects.intensive_contact": {"contact_hr": k,
                                                             "keep_share": 1.0}})
    res = acsim.run(sc, replications=1, seed=32, progress=False)

    def expected(t):
        if t <= w:
            return math.exp(-RATE * t)
        return math.exp(-RATE * (w + k * min(t - w, d) + max(t - w - d, 0.0)))

    check_survival(res, expected, [5.0, 15.0, 30.0, 45.0])
    kinds = set(res.episodes["meetings"]["kind"])
    assert kinds == {"contact"}, kinds


@pytest.mark.parametrize("keep", [0.0, 0.7])
def test_contacts_not_kept_call_for_a_personal_meeting(keep):
    sc = _scenario(CONTACT, **{"effects.intensive_contact.keep_share": keep,
                               "population.annual_inflow": 1500.0})
    centre = JobCentre(sc, 5, 0)
    centre.run()
    m = centre.record.tables()["meetings"]
    kept = int((m["kind"] == "contact").sum())
    called = int((m["kind"] == "intensive_meeting").sum())
    n = kept + called
    assert n > 500
    share = kept / n
    se = math.sqrt(max(keep * (1 - keep), 1e-9) / n)
    assert abs(share - keep) <= 4 * se + 1e-12, (share, keep, se, n)
    # contacts fall due weekly from enrolment: one a week while enrolled and still open
    per = m.groupby(["jobseeker_id", "spell"]).size()
    assert per.max() <= 20


def test_a_kept_contact_is_priced_at_the_consultants_minutes():
    sc = _scenario({**CONTACT, "contact_minutes": 12.0},
                   **{"effects.intensive_contact.keep_share": 1.0,
                      "population.annual_inflow": 600.0})
    centre = JobCentre(sc, 6, 0)
    centre.run()
    n = int((centre.record.tables()["meetings"]["kind"] == "contact").sum())
    costed, _ = run_replication(sc, 6, 0)
    hour = default_rates().value("caseworker_cost_hour", sc.scenario.start_date)
    assert costed["cost_meetings_individual"].sum() == pytest.approx(n * hour * 12.0 / 60.0)


def test_the_job_broker_keeps_to_its_target_group():
    broker = {"kind": "job_broker", "name": "broker", "start_week": 10.0,
              "duration_weeks": 10.0, "target": {"max_age": 30}}
    sc = _scenario(broker, **{"population.annual_inflow": 1500.0})
    centre = JobCentre(sc, 7, 0)
    centre.run()
    eps = centre.record.tables()["programmes"]
    ages = {js.id: js.age for js in centre.population.inflow}
    assert len(eps) > 20
    assert all(ages[j] < 30 for j in eps["jobseeker_id"]), "the broker enrolled someone 30+"


def test_the_sixteen_month_scenario_runs_and_names_its_placeholders():
    sc = load_scenario(ROOT / "scenarios" / "decisions" / "long_term_16m.toml")
    kinds = [p.kind for p in sc.programmes]
    assert {"joint_meeting", "intensive_contact", "job_broker"} <= set(kinds)
    listed = {p["parameter"] for p in placeholders(sc)}
    for name in ("effects.joint_meeting.extra_hr", "effects.intensive_contact.contact_hr",
                 "effects.intensive_contact.keep_share", "effects.job_broker.placement_hr"):
        assert name in listed, (name, sorted(listed))
    small = sc.with_changes({"population.annual_inflow": 1500.0,
                             "scenario.horizon_weeks": 60.0})
    spells, m = run_replication(small, 1, 0)
    assert len(spells) > 0 and m["spells"] > 0


def test_the_sixteen_month_scenario_is_copenhagen_plus_the_effort():
    cph = load_scenario(ROOT / "scenarios" / "copenhagen.toml")
    dec = load_scenario(ROOT / "scenarios" / "decisions" / "long_term_16m.toml")
    for section in ("population", "hazard", "staffing", "meetings", "screening", "provider",
                    "effects"):
        assert getattr(dec, section) == getattr(cph, section), section
    assert dec.programmes[:len(cph.programmes)] == cph.programmes
    added = dec.programmes[len(cph.programmes):]
    assert all(p.start_week >= 69.33 for p in added), [(p.name, p.start_week) for p in added]


def test_acsim_run_names_the_placeholders_the_result_rests_on(capsys):
    from acsim.cli.main import main

    path = ROOT / "scenarios" / "decisions" / "long_term_16m.toml"
    code = main(["run", str(path), "-n", "1", "--quiet", "--workers", "1",
                 "--set", "population.annual_inflow=1500", "--set", "scenario.horizon_weeks=60"])
    err = capsys.readouterr().err
    assert code == 0, err
    line = next(x for x in err.splitlines() if "placeholder effect(s)" in x)
    for name in ("effects.joint_meeting.extra_hr = default 1 (plausible range 1 to 1.52)",
                 "effects.intensive_contact.keep_share = 0.8 (plausible range 0.5 to 0.95)"):
        assert name in line, line
