"""Business cases that compare policies: per entrant and per full-year person, the size check
that refuses a case between populations of different size, and the policy transplant."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

import acsim
from acsim.cli.main import main
from acsim.costs.business import (
    business_case,
    entrants_per_year,
    paired_business_case,
    size_difference,
)
from acsim.costs.model import cost_summary, spell_costs
from acsim.exceptions import ScenarioError
from acsim.spec.scenario import POLICY_SECTIONS

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
W19 = 4355.0  # maximum dagpenge per week, 2019
ACT_HOUR = 41.41  # activation cost per participant-hour
TINY = ["--set", "population.annual_inflow=400", "--set", "scenario.warmup_weeks=4",
        "--set", "scenario.horizon_weeks=26"]


def spells(n: int, weeks: float, replication: int = 0) -> pd.DataFrame:
    """``n`` experienced jobseekers entering at week 0, each with a spell of ``weeks``."""
    df = pd.DataFrame({
        "replication": [replication] * n, "jobseeker_id": list(range(n)), "spell": [0] * n,
        "entry_week": [0.0] * n, "exit_week": [weeks] * n, "exit_reason": ["job"] * n,
        "censored": [False] * n, "graduate": [False] * n, "from_stock": [False] * n,
        "meetings_held": [0] * n, "meetings_late": [0] * n, "group_meetings": [0] * n,
        "programmes": [""] * n, "programme_weeks": [0.0] * n, "subsidised_weeks": [0.0] * n,
    })
    df["duration"] = df["exit_week"] - df["entry_week"]
    return df


def activation(n: int, start: float, end: float) -> pd.DataFrame:
    """Two weeks' activation at 30 hours a week for jobseekers ``0 .. n-1``."""
    return pd.DataFrame({
        "jobseeker_id": list(range(n)), "spell": [0] * n, "kind": ["activation"] * n,
        "name": ["activation"] * n, "start": [start] * n, "end": [end] * n,
        "hours_per_week": [30.0] * n, "subsidised": [False] * n, "completed": [True] * n,
    })


def scenario() -> acsim.Scenario:
    return acsim.Scenario().with_changes({"scenario.start_date": date(2019, 1, 1),
                                          "scenario.warmup_weeks": 0.0,
                                          "scenario.horizon_weeks": 52.0})


def summaries(n_variant: int = 10):
    """Baseline: 10 spells of 26 weeks; variant: ``n_variant`` spells of 24 weeks after two
    weeks' activation (weeks 4-6)."""
    s = scenario()
    base = cost_summary(spell_costs(spells(10, 26.0), s, start_week=0, end_week=52))
    var = cost_summary(spell_costs(spells(n_variant, 24.0), s,
                                   programmes=activation(n_variant, 4.0, 6.0),
                                   start_week=0, end_week=52))
    return base, var


# -- per person ------------------------------------------------------------------------------
def test_a_case_per_entrant_and_per_full_year_person():
    base, var = summaries()
    bc = business_case(base, var, horizon_years=1, entrants_per_year=(10.0, 10.0))
    assert bc.entrants_per_year == 10 and not bc.normalised
    assert bc.full_year_persons_per_year == pytest.approx(10 * 26 / 52)
    assert bc.investment_per_entrant == pytest.approx(2 * 30 * ACT_HOUR)
    assert bc.savings_per_entrant == pytest.approx(2 * W19)
    assert bc.savings_municipality_per_entrant == pytest.approx(2 * 0.6 * W19)
    assert bc.net_per_entrant == pytest.approx(2 * (W19 - 30 * ACT_HOUR))
    assert bc.net_municipality_per_entrant == pytest.approx(2 * (0.6 * W19 - 30 * ACT_HOUR))
    assert bc.investment_per_full_year_person == pytest.approx(10 * 2 * 30 * ACT_HOUR / 5)
    assert bc.savings_per_full_year_person == pytest.approx(10 * 2 * W19 / 5)
    assert bc.net_per_full_year_person == pytest.approx(10 * 2 * (W19 - 30 * ACT_HOUR) / 5)


def test_without_entrants_the_per_entrant_figures_are_nan():
    base, var = summaries()
    bc = business_case(base, var, horizon_years=1)
    assert math.isnan(bc.investment_per_entrant) and math.isnan(bc.entrants_per_year)
    assert bc.savings_per_full_year_person == pytest.approx(10 * 2 * W19 / 5)


def test_a_case_between_sizes_is_refused_with_what_to_do():
    base, var = summaries(n_variant=20)
    with pytest.raises(ScenarioError, match=r"size gap.*transplant.*normalise"):
        business_case(base, var, horizon_years=1, entrants_per_year=(10.0, 20.0))
    # Within the tolerance it is a case in totals.
    business_case(base, var, horizon_years=1, entrants_per_year=(10.0, 10.4))


def test_a_normalised_case_compares_costs_per_entrant():
    """Twice the entrants with the same fate per entrant: the case per entrant is the one on
    equal sizes, stated for the baseline's ten entrants."""
    base, same = summaries()
    _, double = summaries(n_variant=20)
    equal = business_case(base, same, horizon_years=1, entrants_per_year=(10.0, 10.0))
    norm = business_case(base, double, horizon_years=1, entrants_per_year=(10.0, 20.0),
                         normalise=True)
    assert norm.normalised
    for name in ("investment_per_year", "savings_per_year", "savings_municipality_per_year",
                 "full_year_persons_saved_per_year", "investment_per_entrant",
                 "net_per_entrant", "net_per_full_year_person"):
        assert getattr(norm, name) == pytest.approx(getattr(equal, name)), name
    with pytest.raises(ValueError, match="entrants_per_year"):
        business_case(base, double, horizon_years=1, normalise=True)


def test_entrants_are_spells_begun_in_the_window_per_year_and_replication():
    df = pd.concat([spells(3, 10.0, replication=0), spells(5, 10.0, replication=1)],
                   ignore_index=True)
    df.loc[df.index[0], "entry_week"] = -1.0  # a stock spell: begun before the window
    assert entrants_per_year(df, 0.0, 26.0).tolist() == pytest.approx([2 * 2, 5 * 2])


# -- the size check --------------------------------------------------------------------------
def fake_run(sc: acsim.Scenario, per_replication: list[int]) -> SimpleNamespace:
    """A stand-in for a run: its scenario and a spell table with that many entrants."""
    lo = sc.scenario.warmup_weeks
    frames = [spells(n, 10.0, replication=r).assign(entry_week=lo, exit_week=lo + 10.0)
              for r, n in enumerate(per_replication)]
    return SimpleNamespace(scenario=sc, spells=pd.concat(frames, ignore_index=True))


def test_the_size_check_refuses_copenhagen_against_aarhus():
    cph = acsim.load_scenario(SCENARIOS / "copenhagen.toml")
    aar = acsim.load_scenario(SCENARIOS / "aarhus.toml")
    a, b = fake_run(cph, [2400, 2390]), fake_run(aar, [1000, 1010])
    reason = size_difference(a, b)
    assert reason is not None and "annual_inflow 9,960 vs 4,160" in reason
    assert "entrants a year" in reason
    with pytest.raises(ScenarioError, match=r"Aarhus against Copenhagen.*transplant"):
        paired_business_case(a, b)
    # One population: no size difference, whatever the policy.
    assert size_difference(a, fake_run(cph.transplant(aar, "programmes"), [2400, 2390])) is None


def test_the_size_check_tells_noise_from_a_gap():
    sc = acsim.Scenario()
    base = fake_run(sc, [100, 100, 100])
    assert size_difference(base, fake_run(sc, [104, 96, 101])) is None
    assert "entrants a year" in size_difference(base, fake_run(sc, [150, 151, 149]))


# -- the transplant --------------------------------------------------------------------------
def test_a_transplant_keeps_population_and_hazard_and_takes_the_sections():
    cph = acsim.load_scenario(SCENARIOS / "copenhagen.toml")
    aar = acsim.load_scenario(SCENARIOS / "aarhus.toml")
    t = cph.transplant(aar, "programmes,meetings")
    assert t.name == "Copenhagen with Aarhus programmes and meetings"
    for kept in ("population", "hazard", "effects", "staffing", "screening", "provider"):
        assert getattr(t, kept) == getattr(cph, kept), kept
    assert (t.scenario.start_date, t.scenario.warmup_weeks, t.scenario.horizon_weeks) == (
        cph.scenario.start_date, cph.scenario.warmup_weeks, cph.scenario.horizon_weeks)
    assert t.programmes == aar.programmes and t.meetings == aar.meetings
    assert "Copenhagen's population" in t.scenario.description
    every = cph.transplant(aar, list(POLICY_SECTIONS), staffing="as_is")
    for section in POLICY_SECTIONS:
        assert getattr(every, section) == getattr(aar, section), section


def test_transplanted_staffing_is_scaled_to_caseload_or_taken_as_is():
    cph = acsim.load_scenario(SCENARIOS / "copenhagen.toml")
    aar = acsim.load_scenario(SCENARIOS / "aarhus.toml")
    ratio = 9960 / 4160
    scaled = cph.transplant(aar, ["staffing"])
    assert scaled.staffing.caseworkers == round(44 * ratio) == 105
    assert scaled.staffing.teams == round(7 * ratio)
    assert scaled.staffing.meetings_per_week == aar.staffing.meetings_per_week
    per_entrant = scaled.staffing.caseworkers / cph.population.annual_inflow
    assert per_entrant == pytest.approx(44 / 4160, rel=0.01)
    assert "scaled to caseload" in scaled.scenario.description
    as_is = cph.transplant(aar, "staffing", staffing="as_is")
    assert as_is.staffing == aar.staffing and "as is" in as_is.scenario.description


@pytest.mark.parametrize("sections, match", [
    ("population", "not a policy section.*stay the recipient's"),
    ("hazard", "not a policy section"),
    ("programmes,budget", "budget: not a policy section"),
    ("", "at least one policy section"),
])
def test_a_transplant_names_only_policy_sections(sections, match):
    sc = acsim.Scenario()
    with pytest.raises(ScenarioError, match=match):
        sc.transplant(sc, sections)
    with pytest.raises(ScenarioError, match="staffing transplant"):
        sc.transplant(sc, "staffing", staffing="double")


# -- the command line ------------------------------------------------------------------------
def test_cli_transplant_prints_a_business_case_per_person(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["compare", str(SCENARIOS / "copenhagen.toml"), "--transplant",
                 f"{SCENARIOS / 'aarhus.toml'}:programmes,staffing", "-n", "1", "--seed", "1",
                 "--workers", "1", "--quiet", "--business-case", "--out", str(out), *TINY])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "transplant: Copenhagen with Aarhus programmes and staffing" in printed
    assert "scaled to caseload" in printed and "on one population" in printed
    for row in ("investment_per_entrant", "net_per_entrant", "net_per_full_year_person"):
        assert row in printed, row
    case = pd.read_csv(out / "business_case_1.csv", index_col="metric")["mean"]
    assert case["investment_per_entrant"] * case["entrants_per_year"] == pytest.approx(
        case["investment_per_year"])
    assert case["savings_per_full_year_person"] > -math.inf
    assert "one population" in (out / "business_case_1.txt").read_text()


def test_cli_refuses_a_case_between_cities_and_still_writes_the_comparison(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["compare", str(SCENARIOS / "copenhagen.toml"), str(SCENARIOS / "aarhus.toml"),
            "-n", "1", "--seed", "1", "--workers", "1", "--quiet", "--business-case",
            "--out", str(out), *TINY]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "no business case for Aarhus against Copenhagen" in printed
    assert "transplant" in printed and "savings_per_year" not in printed
    assert set(pd.read_csv(out / "comparison.csv")["scenario"]) == {"Copenhagen", "Aarhus"}
    assert (out / "business_case_1.txt").read_text().startswith("refused:")
    assert not (out / "business_case_1.csv").exists()
    # Asked for, the case is per entrant and says so.
    assert main([*args, "--per-person"]) == 0
    printed = capsys.readouterr().out
    assert "normalised per entrant" in printed and "investment_per_entrant" in printed


@pytest.mark.parametrize("spec", ["aarhus.toml", "aarhus.toml:", "aarhus.toml:population"])
def test_cli_bad_transplant_exits_2(spec, capsys):
    path = spec.replace("aarhus.toml", str(SCENARIOS / "aarhus.toml"))
    assert main(["compare", str(SCENARIOS / "copenhagen.toml"), "--transplant", path]) == 2
    err = capsys.readouterr().err
    assert err.startswith("acsim: error: --transplant") and len(err.splitlines()) == 1


def test_cli_variant_adds_the_first_scenario_changed(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["compare", str(SCENARIOS / "copenhagen.toml"), "--variant",
                 "staffing.caseworkers=63", "--variant",
                 "staffing.caseworkers=30;meetings.first_week=2", "-n", "1", "--seed", "1",
                 "--workers", "1", "--quiet", "--business-case", "--out", str(out), *TINY])
    printed = capsys.readouterr().out
    assert code == 0, printed
    names = list(dict.fromkeys(pd.read_csv(out / "comparison.csv")["scenario"]))
    assert names == ["Copenhagen", "Copenhagen (staffing.caseworkers=63)",
                     "Copenhagen (staffing.caseworkers=30, meetings.first_week=2)"], names
    assert "transplant:" not in printed  # a variant is not a transplant
    # One population: the business case is given, not refused.
    assert (out / "business_case_1.csv").exists() and (out / "business_case_2.csv").exists()


@pytest.mark.parametrize(("spec", "key"), [(";", "--variant"),
                                           ("staffing.caseworkers=-3", "staffing.caseworkers"),
                                           ("bogus=1", "bogus")])
def test_cli_bad_variant_exits_2(spec, key, capsys):
    assert main(["compare", str(SCENARIOS / "copenhagen.toml"), "--variant", spec]) == 2
    err = capsys.readouterr().err
    assert err.startswith("acsim: error:") and key in err and len(err.splitlines()) == 1, err
