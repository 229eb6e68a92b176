"""Decision scenarios: files based on a city file, programmes priced by name, break-even."""

import math
from pathlib import Path

import numpy as np
import pytest

import acsim
from acsim.cli.main import main
from acsim.costs.business import business_case
from acsim.exceptions import ScenarioError
from acsim.spec.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
#: The Godt fra Start files (seed 001): Copenhagen plus one priced course each. The insourcing
#: files (seed 000) re-deliver all of its offers instead: tests/test_insourcing.py.
DECISIONS = sorted((SCENARIOS / "decisions").glob("godt_fra_start*.toml"))
TINY = {"population.annual_inflow": 600, "scenario.warmup_weeks": 4,
        "scenario.horizon_weeks": 26, "staffing.caseworkers": 6}


# -- based_on ------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", DECISIONS, ids=[p.stem for p in DECISIONS])
def test_a_decision_is_copenhagen_plus_its_programme(path):
    """Everything but the decision is Copenhagen's, so the comparison is of the decision."""
    cph, dec = load_scenario(SCENARIOS / "copenhagen.toml"), load_scenario(path)
    for section in ("population", "hazard", "staffing", "meetings", "screening", "provider",
                    "effects"):
        assert getattr(dec, section) == getattr(cph, section), section
    assert dec.programmes[:len(cph.programmes)] == cph.programmes
    added = dec.programmes[len(cph.programmes):]
    assert len(added) == 1 and added[0].price, added
    assert dec.scenario.evidence == ("M05",)


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_based_on_lays_the_file_over_its_base_and_arrays_replace(tmp_path):
    _write(tmp_path, "base.toml", '[scenario]\nname = "base"\n[staffing]\ncaseworkers = 7\n'
           'meetings_per_week = 20\n[[programmes]]\nkind = "course"\nname = "a"\n'
           'start_week = 4\n')
    child = _write(tmp_path, "child.toml", 'based_on = "base.toml"\n[staffing]\n'
                   'caseworkers = 9\n[[programmes]]\nkind = "course"\nname = "b"\n'
                   'start_week = 8\n')
    sc = load_scenario(child)
    assert (sc.name, sc.staffing.caseworkers, sc.staffing.meetings_per_week) == ("base", 9, 20)
    assert [p.name for p in sc.programmes] == ["b"]


@pytest.mark.parametrize(("text", "problem"), [
    ('based_on = "missing.toml"\n', "file not found"),
    ('based_on = "self.toml"\n', "leads back"),
    ("based_on = 3\n", "expected the path"),
])
def test_a_bad_based_on_names_the_file_and_key(tmp_path, text, problem):
    path = _write(tmp_path, "self.toml", text)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert exc.value.key == "based_on" and problem in str(exc.value), str(exc.value)
    assert "self.toml" in str(exc.value)


def test_a_cycle_of_based_on_files_is_an_error(tmp_path):
    _write(tmp_path, "a.toml", 'based_on = "b.toml"\n')
    _write(tmp_path, "b.toml", 'based_on = "a.toml"\n')
    with pytest.raises(ScenarioError, match="leads back"):
        load_scenario(tmp_path / "a.toml")


# -- prices --------------------------------------------------------------------------------------
def _priced(price: str, **course) -> acsim.Scenario:
    programme = {"kind": "course", "name": "Godt fra Start", "start_week": 2.0,
                 "duration_weeks": 4.0, "hours_per_week": 30.0, "price": price, **course}
    return acsim.Scenario().with_changes({**TINY, "programmes": [programme]})


def test_a_price_per_participant_is_paid_once_per_participant_and_not_also_by_the_family():
    sc = _priced("godt_fra_start")
    result = acsim.run(sc, replications=1, seed=3, workers=1, progress=False)
    ep = result.episodes["programmes"]
    lo, hi = sc.scenario.warmup_weeks, sc.scenario.end_week
    began = int(((ep["start"] >= lo) & (ep["start"] < hi)).sum())
    assert began > 20
    got = result.spells["cost_programmes"].sum()
    # Exactly the price per participant: the family's own rate (course_cost_week, 4,000 DKK a
    # participant-week) was replaced, not added.
    assert got == pytest.approx(5712.0 * began), (got, began)
    plain = acsim.run(sc.with_changes({"programmes[0].price": ""}), replications=1, seed=3,
                      workers=1, progress=False)
    weeks = np.clip(np.minimum(ep["end"], hi) - np.maximum(ep["start"], lo), 0, None).sum()
    assert plain.spells["cost_programmes"].sum() == pytest.approx(4000.0 * weeks)


def test_an_unknown_price_names_the_programme_and_the_rates_file():
    with pytest.raises(ScenarioError) as exc:
        _priced("godt_fra_stat")
    assert exc.value.key == "programmes[0].price" and "rates_dk.toml" in str(exc.value)


def test_a_price_says_what_it_prices(tmp_path):
    from acsim.costs.rates import load_rates

    text = (ROOT / "src" / "acsim" / "data" / "rates_dk.toml").read_text()
    bad = text.replace('unit = "DKK/participant"\n', 'unit = "DKK"\n', 1)
    assert bad != text
    path = tmp_path / "rates.toml"
    path.write_text(bad)
    with pytest.raises(ScenarioError, match="DKK/participant"):
        load_rates(path)


# -- the break-even effect -----------------------------------------------------------------------
def test_break_even_effect_from_published_inputs():
    """1 m DKK a year, 52,000 DKK a full-year person (1,000 a week), 100 participants."""
    bc = business_case(extra_spending_per_year=1e6, full_year_persons_saved_per_year=5.0,
                       benefit_per_full_year_person=52_000.0, municipal_share=0.5,
                       participants_per_year=100.0)
    assert bc.break_even_full_year_persons == pytest.approx(1e6 / 52_000)
    assert bc.break_even_weeks_per_participant == pytest.approx(10.0)
    assert bc.break_even_weeks_per_participant_municipality == pytest.approx(20.0)
    assert bc.weeks_saved_per_participant == pytest.approx(5.0 * 52 / 100)
    # At the break-even saving the net is zero.
    at = business_case(extra_spending_per_year=1e6,
                       full_year_persons_saved_per_year=bc.break_even_full_year_persons,
                       benefit_per_full_year_person=52_000.0)
    assert at.net_per_year == pytest.approx(0.0, abs=1e-6)
    assert math.isnan(business_case(extra_spending_per_year=1.0,
                                    full_year_persons_saved_per_year=1.0,
                                    benefit_per_full_year_person=1.0)
                      .break_even_weeks_per_participant)


def test_compare_prints_the_break_even_effect_beside_the_evidence(tmp_path, capsys):
    sets = [x for k, v in TINY.items() for x in ("--set", f"{k}={v}")]
    code = main(["compare", str(SCENARIOS / "copenhagen.toml"),
                 str(SCENARIOS / "decisions" / "godt_fra_start.toml"), "-n", "2", "--seed", "1",
                 "--workers", "1", "--quiet", "--business-case", "--out", str(tmp_path), *sets])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "break-even: Copenhagen with Godt fra Start pays for its extra spending" in printed
    assert "weeks saved per participant" in printed
    assert ("evidence M05 (municipal): Expected to shorten participants' mean unemployment by "
            "two weeks") in " ".join(printed.split())
    import pandas as pd

    case = pd.read_csv(tmp_path / "business_case_1.csv", index_col="metric")["mean"]
    assert case["participants_per_year"] > 0
    assert case["break_even_weeks_per_participant"] == pytest.approx(
        case["break_even_full_year_persons"] * 52 / case["participants_per_year"], rel=0.05)


def test_a_priced_programme_needs_a_name_of_its_own():
    sc = _priced("godt_fra_start")
    twin = sc.programmes[0].model_dump() | {"price": ""}
    with pytest.raises(ScenarioError) as exc:
        sc.with_changes({"programmes": [sc.programmes[0].model_dump(), twin]})
    assert exc.value.key == "programmes[0].name", str(exc.value)
