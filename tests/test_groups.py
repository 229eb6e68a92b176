"""Seed 004's other benefit groups: the four templates, the benefit type, the mentor programme.

The templates run with ``acsim run ... -n 1`` and name their placeholder effects; the benefit
type prices the benefit weeks at its dated rate exactly (and ``dagpenge``, the default, as
before); a bad benefit names its key; the offer mixes come out at the slides' shares; the
records M09 and M10 add up and agree with the numbers the templates derive from them.
"""

import math
import re
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from acsim.costs.benefits import MONTHLY_RATES, WEEKS_PER_MONTH
from acsim.costs.rates import default_rates
from acsim.evidence.records import record
from acsim.exceptions import ScenarioError
from acsim.experiments.run import run_replication
from acsim.model.population import BENEFITS
from acsim.spec.scenario import load_scenario
from conftest import bare_scenario

ROOT = Path(__file__).resolve().parent.parent
GROUPS = ROOT / "scenarios" / "groups"
TEMPLATES = {
    "cash_benefit_activity_ready": "kontanthjaelp",
    "flexjob_unemployed": "ledighedsydelse",
    "resource_course": "ressourceforloebsydelse",
    "revalidation": "revalideringsydelse",
}
#: A run inside 2019 (every rate has one value): 40 weeks from 2019-01-01, no warm-up.
#: The templates plan offers up to spell week 286; tiny runs never reach the late rounds.
pytestmark = pytest.mark.filterwarnings("ignore:.*is never reached")
IN_2019 = {"scenario.warmup_weeks": 0.0, "scenario.horizon_weeks": 40.0,
           "population.annual_inflow": 400.0}


def _tiny(name: str, **changes):
    return load_scenario(GROUPS / f"{name}.toml").with_changes({**IN_2019, **changes})


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_each_template_runs_with_acsim_run_and_names_its_placeholders(name, capsys):
    from acsim.cli.main import main

    code = main(["run", str(GROUPS / f"{name}.toml"), "-n", "1", "--quiet", "--workers", "1",
                 "--set", "population.annual_inflow=200", "--set", "scenario.warmup_weeks=26",
                 "--set", "scenario.horizon_weeks=26"])
    err = capsys.readouterr().err
    assert code == 0, err
    line = next(x for x in err.splitlines() if "placeholder effect(s)" in x)
    print(line)
    for named in ("effects.mentor.lockin_hr = default 1 (plausible range 0.75 to 1)",
                  "effects.mentor.post_hr = default 1 (plausible range 1 to 1.33)",
                  "effects.activation.post_hr = default 1 (plausible range 1 to 2.35)",
                  "effects.meetings.lift_hr = default 1 (plausible range 1 to 1.52)"):
        assert named in line, line


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_each_template_is_on_its_benefit_without_exhaustion(name):
    sc = load_scenario(GROUPS / f"{name}.toml")
    assert sc.population.benefit == TEMPLATES[name]
    assert sc.hazard.benefit_weeks > sc.scenario.end_week  # no spell can exhaust
    assert sc.population.graduate_share == 0.0
    assert len(sc.programmes) <= 32


@pytest.mark.parametrize("benefit", [b for b in BENEFITS if b != "dagpenge"])
def test_the_benefit_is_priced_at_its_rate_exactly(benefit):
    """cost = benefit weeks x monthly rate x 12 / 52; municipal part = the scale by band."""
    sc = _tiny("cash_benefit_activity_ready", **{"population.benefit": benefit})
    spells, _ = run_replication(sc, 7, 0)
    assert len(spells) > 50
    rate = default_rates().value(MONTHLY_RATES[benefit], date(2019, 6, 1))
    weekly = rate / WEEKS_PER_MONTH
    expected = spells["benefit_weeks"].to_numpy() * weekly
    got = spells["cost_benefit"].to_numpy()
    print(f"{benefit}: {rate:g} DKK/month = {weekly:.4f} DKK/week; total {got.sum():,.2f} vs "
          f"{expected.sum():,.2f} over {spells['benefit_weeks'].sum():.2f} weeks")
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-6)
    bands = {"1_4": 0.2, "5_26": 0.6, "27_52": 0.7, "53_plus": 0.8}
    muni = sum(spells[f"benefit_weeks_{b}"].to_numpy() * s for b, s in bands.items()) * weekly
    np.testing.assert_allclose(spells["cost_benefit_municipality"].to_numpy(), muni,
                               rtol=1e-12, atol=1e-6)


def test_the_2020_rate_applies_from_new_year():
    sc = _tiny("cash_benefit_activity_ready",
               **{"scenario.horizon_weeks": 104.0, "population.annual_inflow": 200.0})
    spells, _ = run_replication(sc, 7, 0)
    new_year = (date(2020, 1, 1) - date(2019, 1, 1)).days / 7
    rates = default_rates()
    r19 = rates.value("kontanthjaelp_month", date(2019, 6, 1)) / WEEKS_PER_MONTH
    r20 = rates.value("kontanthjaelp_month", date(2020, 6, 1)) / WEEKS_PER_MONTH
    e, x = spells["entry_week"].to_numpy(), spells["exit_week"].to_numpy()
    lo, hi = np.maximum(e, 0.0), np.minimum(x, sc.scenario.end_week)
    w19 = np.clip(np.minimum(hi, new_year) - lo, 0, None)
    w20 = np.clip(hi - np.maximum(lo, new_year), 0, None)
    np.testing.assert_allclose(spells["cost_benefit"].to_numpy(), w19 * r19 + w20 * r20,
                               rtol=1e-9, atol=1e-6)


def test_dagpenge_the_default_is_priced_as_before():
    """Copenhagen without the key equals it with ``benefit = "dagpenge"``, and both equal the
    old formula: benefit weeks x dagpenge_max_week x (graduate_rate_share for graduates)."""
    base = load_scenario(ROOT / "scenarios" / "copenhagen.toml").with_changes(
        {**IN_2019, "population.annual_inflow": 1500.0})
    explicit = base.with_changes({"population.benefit": "dagpenge"})
    a, ma = run_replication(base, 11, 0)
    b, mb = run_replication(explicit, 11, 0)
    assert a.equals(b)
    assert ma["cost_per_year"] == mb["cost_per_year"]
    rates = default_rates()
    week = rates.value("dagpenge_max_week", date(2019, 6, 1))
    grad = rates.value("graduate_rate_share", date(2019, 6, 1))
    old = a["benefit_weeks"].to_numpy() * week * np.where(a["graduate"], grad, 1.0)
    print(f"dagpenge: {a['cost_benefit'].sum():,.2f} vs the old formula {old.sum():,.2f}")
    np.testing.assert_allclose(a["cost_benefit"].to_numpy(), old, rtol=1e-12, atol=1e-6)


def test_a_bad_benefit_names_the_key(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('based_on = "{}"\n[population]\nbenefit = "kontanthjælp"\n'.format(
        (GROUPS / "cash_benefit_activity_ready.toml").as_posix()), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    print(text)
    assert "population.benefit" in text and "kontanthjaelp" in text and "bad.toml" in text


def test_the_offer_mix_comes_out_at_the_slides_shares():
    """Cash benefit, first round (week 26): 51.5 / 33 / 4 / 8.5 / 3 % of the offers."""
    from acsim.model.vectorised import run_centre

    sc = load_scenario(GROUPS / "cash_benefit_activity_ready.toml").with_changes(
        {"scenario.warmup_weeks": 0.0, "scenario.horizon_weeks": 60.0,
         "population.annual_inflow": 3000.0})
    centre = run_centre(sc, 3, 0, "simpy", source="test")
    p = centre.record.tables()["programmes"]
    first = p[p["name"].str.endswith("round 1")]
    n = len(first)
    assert n > 1500
    expected = {"guidance and upskilling": 0.515, "holistic mentor": 0.33,
                "retention mentor": 0.04, "company placement (private)": 0.085,
                "company placement (public)": 0.03}
    for label, share in expected.items():
        got = float((first["name"] == f"{label}, round 1").mean())
        se = math.sqrt(share * (1 - share) / n)
        print(f"{label}: {got:.3f} vs {share} (se {se:.3f}, n {n})")
        assert abs(got - share) < 4 * se


def test_mentor_weeks_are_priced_at_the_mentor_hour():
    """No exits: every spell's mentor episode [entry + 2, entry + 12) is priced, clipped to the
    run, at hours_per_week x mentor_cost_hour."""
    mentor = {"kind": "mentor", "name": "mentor", "start_week": 2.0, "duration_weeks": 10.0,
              "hours_per_week": 3.0}
    sc = bare_scenario(**{"programmes": [mentor], "scenario.horizon_weeks": 30.0,
                          "population.annual_inflow": 500.0,
                          "hazard.job": {"breaks": [0.0], "rates": [0.0]}})
    spells, _ = run_replication(sc, 5, 0)
    e = spells["entry_week"].to_numpy()
    weeks = np.clip(np.minimum(e + 12.0, 30.0) - np.minimum(e + 2.0, 30.0), 0, None)
    hour = default_rates().value("mentor_cost_hour", date(2019, 6, 1))
    print(f"mentor: {spells['cost_programmes'].sum():,.2f} DKK for {weeks.sum():.2f} weeks "
          f"at 3 h x {hour} DKK")
    assert weeks.sum() > 100
    np.testing.assert_allclose(spells["cost_programmes"].to_numpy(), weeks * 3.0 * hour,
                               rtol=1e-12, atol=1e-6)


def test_the_mentor_table_adds_up_and_bounds_the_other_exits():
    rec = record("M09")
    counts = [int(x.replace(",", "")) for x in
              re.findall(r"\b(\d[\d,]*) \(\d+(?:\.\d+)? %\)", rec.result)]
    assert counts == [28, 8, 111, 3900, 37, 15] and sum(counts) == 4099
    weeks = 7 * 52 / 12
    other = (111 + 37 + 15) / 4099
    low = -math.log(1 - other) / weeks
    print(f"M09: other exits {other:.4f} in {weeks:.1f} weeks = {low:.5f} a week")
    assert 0.0013 <= low < 0.00135  # the lower end of the template's other-exit range
    text = (GROUPS / "cash_benefit_activity_ready.toml").read_text(encoding="utf-8")
    assert "Range: 0.0013" in text


def test_the_spending_table_adds_up_and_the_inflow_follows_from_it():
    rec = record("M10")
    rows = {g: tuple(int(v.replace(",", "")) for v in vals) for g, *vals in re.findall(
        r"(Activity-ready cash-benefit recipients|revalidation|unemployed flex-job approved|"
        r"resource course|total) ([\d,]+)(?: gross)?, ([\d,]+)(?: net \(old rules\))?, "
        r"([\d,]+)", rec.result)}
    parts = [rows[g] for g in ("Activity-ready cash-benefit recipients", "revalidation",
                               "unemployed flex-job approved", "resource course")]
    assert tuple(sum(c) for c in zip(*parts, strict=True)) == rows["total"] == (2804, 1796, 2078)
    sc = load_scenario(GROUPS / "cash_benefit_activity_ready.toml")
    hazard = sc.hazard.job.rates[0] + sc.hazard.other.rates[0]
    persons = (2098e6 / (12 * 10849) + 2098e6 / (12 * 14416)) / 2
    implied = persons * hazard * 52
    print(f"cash benefit: {persons:,.0f} full-year persons x {hazard:.6f} x 52 = {implied:,.0f} "
          f"vs annual_inflow {sc.population.annual_inflow:g}")
    assert abs(implied / sc.population.annual_inflow - 1) < 0.01


def test_the_cash_benefit_hazards_follow_from_the_seed():
    sc = load_scenario(GROUPS / "cash_benefit_activity_ready.toml")
    job, other = sc.hazard.job.rates[0], sc.hazard.other.rates[0]
    assert math.isclose(1 - math.exp(-52 * job), 0.02, rel_tol=2e-3)  # 2 pct. over a year
    assert math.isclose(math.exp(-156 * (job + other)), 0.40, rel_tol=2e-3)  # 40 pct. > 3 years


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_each_template_exits_at_the_hazards_it_derives(name):
    """With every offer and meeting at no effect, no hire at an offer's end and no returns,
    exits per week on benefit are the file's job + other hazard (a constant-hazard estimate)."""
    sc = load_scenario(GROUPS / f"{name}.toml").with_changes(
        {"scenario.warmup_weeks": 0.0, "scenario.horizon_weeks": 200.0,
         "population.annual_inflow": 1500.0})
    spells, _ = run_replication(sc, 13, 0)
    exposure = (spells["exit_week"].clip(upper=200.0) - spells["entry_week"]).sum()
    events = int(spells["event"].sum())
    rate = events / exposure
    expected = sc.hazard.job.rates[0] + sc.hazard.other.rates[0]
    se = math.sqrt(events) / exposure
    print(f"{name}: {events} exits over {exposure:,.0f} weeks = {rate:.6f} a week vs "
          f"{expected:.6f} (se {se:.6f}); reasons {spells['exit_reason'].value_counts().to_dict()}")
    assert abs(rate - expected) < 4 * se
    assert not (spells["exit_reason"] == "hired").any()
