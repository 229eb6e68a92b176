"""Seed 000's insourcing models: target groups, delivery by provider, spending by provider.

The three models of BIF's answer of 10 June 2020 (insourcing_1a/1b/2.toml) and the 2019 offers
they re-deliver (insourcing_today.toml); docs/decisions.md.
"""

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import acsim
from acsim.cli.main import main
from acsim.costs.model import WEEKS_PER_YEAR
from acsim.costs.providers import programme_spending, spending_by_provider
from acsim.costs.rates import default_rates
from acsim.evidence.placeholders import placeholders
from acsim.evidence.records import record
from acsim.exceptions import ScenarioError
from acsim.policies.programmes import TargetSpec
from acsim.spec.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
DECISIONS = SCENARIOS / "decisions"
MODELS = ("insourcing_1a", "insourcing_1b", "insourcing_2")
#: Small enough for seconds, long enough (64 weeks) for the offer at 12+ months to be reached.
TINY = {"population.annual_inflow": 600.0, "scenario.warmup_weeks": 4.0,
        "scenario.horizon_weeks": 60.0, "staffing.caseworkers": 6}
#: The timing of an offer: what a model may not change (only who delivers it, at what price).
TIMING = ("kind", "start_week", "duration_weeks", "hours_per_week", "tracks", "groups",
          "take_up", "threat_weeks")


def _load(stem: str) -> acsim.Scenario:
    return load_scenario(DECISIONS / f"{stem}.toml")


def _tiny(stem: str) -> acsim.Scenario:
    return _load(stem).with_changes(TINY)


def _timing(p) -> tuple:
    return tuple(getattr(p, k) for k in TIMING)


# -- the files ---------------------------------------------------------------------------------
@pytest.mark.parametrize("stem", ("insourcing_today", *MODELS))
def test_each_file_is_copenhagen_but_for_its_offers(stem):
    cph, sc = load_scenario(SCENARIOS / "copenhagen.toml"), _load(stem)
    for section in ("population", "hazard", "staffing", "meetings", "screening", "provider",
                    "effects"):
        assert getattr(sc, section) == getattr(cph, section), section
    assert sc.scenario.evidence == ("M03", "M08")
    assert (sc.scenario.start_date, sc.scenario.warmup_weeks, sc.scenario.horizon_weeks) == (
        cph.scenario.start_date, cph.scenario.warmup_weeks, cph.scenario.horizon_weeks)
    # Copenhagen's two offers keep their timing (model 2 splits each by age).
    for base in cph.programmes:
        mine = [p for p in sc.programmes if p.name.startswith(base.name)]
        assert mine and all(_timing(p) == _timing(base) for p in mine), base.name


def test_the_models_re_deliver_the_2019_offers_and_nothing_else():
    """Every model has the offers of insourcing_today.toml, by band and age, nothing more."""
    today = _load("insourcing_today")
    bands = {p.name: p for p in today.programmes}
    for stem in MODELS:
        sc = _load(stem)
        for name, base in bands.items():
            mine = [p for p in sc.programmes if p.name.startswith(name)]
            assert all(_timing(p) == _timing(base) for p in mine), (stem, name)
            assert all(
                (p.target.min_weeks_elapsed, p.target.max_weeks_elapsed)
                == (base.target.min_weeks_elapsed, base.target.max_weeks_elapsed)
                for p in mine), (stem, name)
            ages = sorted((p.target.min_age, p.target.max_age) for p in mine)
            assert ages in ([(0.0, math.inf)], [(0.0, 30.0), (30.0, math.inf)]), (stem, ages)
        assert len(sc.programmes) == sum(
            len([p for p in sc.programmes if p.name.startswith(n)]) for n in bands)


def test_who_delivers_what_in_each_model():
    def delivery(stem):
        return {p.name: (p.provider, p.price) for p in _load(stem).programmes}

    ext_early, ext_late = ("external provider", "ac_offer_0_11"), ("external provider",
                                                                  "ac_offer_12plus")
    jc = ("job centre", "")
    assert set(delivery("insourcing_today").values()) == {ext_early, ext_late}
    d = delivery("insourcing_1a")
    assert d["activation week 13 (high risk)"] == d["activation week 26 (low risk)"] == jc
    assert d["offer at 12+ months"] == ext_late
    d = delivery("insourcing_1b")
    assert d["activation week 13 (high risk)"] == d["activation week 26 (low risk)"] == ext_early
    assert d["offer at 12+ months"] == jc
    d = delivery("insourcing_2")
    assert {v for k, v in d.items() if k.endswith("under 30")} == {jc}
    assert {v for k, v in d.items() if k.endswith("30+")} == {ext_early, ext_late}


def test_the_delivery_effect_is_a_listed_placeholder_only_where_a_provider_delivers():
    for stem in ("insourcing_today", *MODELS):
        found = [p for p in placeholders(_load(stem))
                 if p["parameter"] == "effects.delivery.external_post_hr"]
        assert len(found) == 1 and found[0]["value"] == 1.0, stem
        assert "0.9 to 1.1" in found[0]["why"]
    cph = load_scenario(SCENARIOS / "copenhagen.toml")
    assert not [p for p in placeholders(cph) if "delivery" in p["parameter"]]


def test_the_2019_spending_is_a_record_the_prices_are_derived_from():
    rec = record("M08")
    assert "11.9 m DKK" in rec.result and "6.3 m DKK" in rec.result
    assert not rec.checks and rec.not_simulated
    r = default_rates()
    early = r.parameter("prices.ac_offer_0_11").values[0]
    late = r.parameter("prices.ac_offer_12plus").values[0]
    # The derivations in rates_dk.toml: 11.9 m / 5,384.3 and 6.3 m / 1,362.8 participants a year.
    assert early.value == round(11_900_000 / 5_384.3)
    assert late.value == round(6_300_000 / 1_362.8)
    assert late.value > early.value  # "Tilbud til langtidsledige har ... en højere enhedspris"


# -- target groups -----------------------------------------------------------------------------
def _targeted(target: dict, start: float = 10.0) -> tuple[acsim.Scenario, pd.DataFrame, set]:
    """A tiny run with one offer for ``target``; its spells and who took the offer."""
    sc = acsim.load_scenario(SCENARIOS / "copenhagen.toml").with_changes({
        **TINY, "scenario.horizon_weeks": 30.0, "population.stock": [],
        "screening.at": "entry",
        "programmes": [{"kind": "activation", "name": "offer", "start_week": start,
                        "duration_weeks": 2.0, "threat_weeks": 0.0, "target": target}]})
    res = acsim.run(sc, replications=1, seed=11, progress=False)
    ep = res.episodes["programmes"]
    took = set(zip(ep["jobseeker_id"], ep["spell"], strict=True))
    return sc, res.spells, took


def _reached(sc, spells: pd.DataFrame, start: float) -> np.ndarray:
    """Spells still unemployed at spell week ``start``, before the end of the run."""
    e = spells["entry_week"].to_numpy(float)
    x = spells["exit_week"].to_numpy(float)
    return (e + start < sc.scenario.end_week) & (np.isnan(x) | (x - e > start))


@pytest.mark.parametrize("target", [{"max_age": 30.0}, {"min_age": 30.0},
                                    {"min_age": 30.0, "max_age": 50.0}])
def test_an_age_target_selects_exactly_the_spells_it_names(target):
    sc, spells, took = _targeted(target)
    t = TargetSpec(**target)
    age = spells["age"].to_numpy(float)
    named = _reached(sc, spells, 10.0) & (age >= t.min_age) & (age < t.max_age)
    expected = set(zip(spells["jobseeker_id"][named], spells["spell"][named], strict=True))
    others = set(zip(spells["jobseeker_id"], spells["spell"], strict=True)) - expected
    print(f"{target}: {len(expected)} spells named, {len(took)} took the offer, "
          f"{len(others)} not named")
    assert len(expected) > 20 and len(others) > 20  # both sides populated
    assert took == expected


def test_an_elapsed_target_holds_its_start_and_the_age_band_matches_the_group_terms():
    sc, spells, took = _targeted({"min_weeks_elapsed": 8.0, "max_weeks_elapsed": 12.0})
    reached = _reached(sc, spells, 10.0)
    assert took == set(zip(spells["jobseeker_id"][reached], spells["spell"][reached],
                           strict=True))
    # max_age = 30 is the population's term under30: the two split no one differently.
    age, band = spells["age"].to_numpy(float), spells["age_band"].astype(str).to_numpy()
    assert np.array_equal(age < 30, band == "under30")


def test_splitting_an_offer_by_age_moves_no_spell_while_delivery_has_no_effect():
    """Model 2 gives everyone the offers of today's file at the same weeks: same spells."""
    runs = {}
    for stem in ("insourcing_today", "insourcing_2"):
        res = acsim.run(_tiny(stem), replications=1, seed=5, progress=False)
        runs[stem] = res.spells[["jobseeker_id", "spell", "entry_week", "exit_week",
                                 "exit_reason", "programme_weeks"]]
    pd.testing.assert_frame_equal(runs["insourcing_today"], runs["insourcing_2"])


def test_the_delivery_placeholder_shortens_the_externally_delivered_spells():
    base = _tiny("insourcing_1a").with_changes({"scenario.horizon_weeks": 156.0})
    faster = base.with_changes({"effects.delivery.external_post_hr": 1.1})
    a = acsim.run(base, replications=1, seed=5, progress=False).spells
    b = acsim.run(faster, replications=1, seed=5, progress=False).spells
    merged = a.merge(b, on=["jobseeker_id", "spell"], suffixes=("", "_b"))
    changed = merged["exit_week"].ne(merged["exit_week_b"]) & merged["exit_week"].notna()
    external = merged["programmes"].astype(str).str.contains("offer at 12+ months", regex=False)
    print(f"{int(changed.sum())} spells changed, {int(external.sum())} had the external offer, "
          f"{int((changed & external).sum())} of them changed")
    # Others may change too, through the caseworkers' calendar the faster exits free.
    assert (changed & external).sum() > 0
    weeks = (merged["exit_week"] - merged["entry_week"])[external & changed]
    weeks_b = (merged["exit_week_b"] - merged["entry_week"])[external & changed]
    assert weeks_b.mean() < weeks.mean()


@pytest.mark.parametrize(("target", "key", "problem"), [
    ({"max_agee": 30.0}, "programmes[0].target.max_agee", "unknown key"),
    ({"min_age": 30.0, "max_age": 30.0}, "programmes[0].target.max_age", "above min_age"),
    ({"min_weeks_elapsed": 52.0}, "programmes[0].target", "outside the elapsed band"),
    ({"max_age": "30"}, "programmes[0].target.max_age", "valid number"),
    ({"min_weeks_elapsed": -1.0}, "programmes[0].target.min_weeks_elapsed", "greater than"),
])
def test_a_bad_target_names_the_file_key_and_what_is_expected(tmp_path, target, key, problem):
    items = ", ".join(f"{k} = {v!r}".replace("'", '"') for k, v in target.items())
    path = tmp_path / "bad.toml"
    path.write_text(f'based_on = "{SCENARIOS / "copenhagen.toml"}"\n[[programmes]]\n'
                    'kind = "activation"\nname = "x"\nstart_week = 13\nduration_weeks = 2\n'
                    f"target = {{ {items} }}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.source == str(path) and err.value.key == key
    assert problem in err.value.problem


# -- costs by provider -------------------------------------------------------------------------
def test_spending_by_provider_adds_up_to_the_programme_cost():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        today = acsim.run(_tiny("insourcing_today"), replications=2, seed=3, progress=False)
        model = acsim.run(_tiny("insourcing_1a"), replications=2, seed=3, progress=False)
    for res in (today, model):
        sc = res.scenario
        years = sc.scenario.horizon_weeks / WEEKS_PER_YEAR
        split = programme_spending(res).groupby("replication")["spending_per_year"].sum()
        total = res.spells.groupby("replication")["cost_programmes"].sum() / years
        print(sc.name, split.round(2).tolist(), total.round(2).tolist())
        assert np.allclose(split.to_numpy(), total.to_numpy(), rtol=1e-12)
    table = spending_by_provider(today, model)
    rows = table.drop(index=["all providers", "all"], level="provider")
    for side in ("baseline", "variant"):
        assert math.isclose(rows[side].sum(), table.loc[("all", "all"), side], rel_tol=1e-12)
        for band in ("0-11 months", "12+ months"):
            assert math.isclose(rows.xs(band, level="band")[side].sum(),
                                table.loc[("all providers", band), side], rel_tol=1e-12)
    # model 1a: the 0-11 offers move from the provider to the job centre, the 12+ stay external
    assert table.loc[("external provider", "0-11 months"), "variant"] == 0.0
    assert table.loc[("job centre", "0-11 months"), "baseline"] == 0.0
    assert table.loc[("job centre", "0-11 months"), "variant"] > 0.0
    late = table.loc[("external provider", "12+ months")]
    assert late["baseline"] == late["variant"] > 0.0  # same spells, same price
    # the external 0-11 price is the derived 2,210 DKK per participant (a price per participant)
    assert table.loc[("external provider", "0-11 months"), "per_participant_baseline"] == 2210.0


def test_the_done_when_command_writes_a_business_case_per_model(tmp_path, capsys):
    """acsim compare copenhagen + the three models -n 2 --business-case --out DIR (tiny)."""
    files = [str(SCENARIOS / "copenhagen.toml")] + [str(DECISIONS / f"{m}.toml") for m in MODELS]
    sets = [a for k, v in TINY.items() for a in ("--set", f"{k}={v}")]
    out = tmp_path / "out"
    assert main(["compare", *files, "-n", "2", "--business-case", "--out", str(out),
                 "--quiet", *sets]) == 0
    text = capsys.readouterr().out
    for i, m in enumerate(MODELS, start=1):
        name = _load(m).name
        assert f"business case: {name} against Copenhagen" in text
        summary = pd.read_csv(out / f"business_case_{i}.csv", index_col="metric")
        assert np.isfinite(summary.loc["investment_per_year", "mean"])
        providers = pd.read_csv(out / f"providers_{i}.csv", index_col=["provider", "band"])
        assert providers.loc[("all providers", "12+ months"), "baseline"] == 0.0  # none today
        assert providers.loc[("all providers", "12+ months"), "variant"] > 0.0
        assert providers.loc[("job centre", "0-11 months"), "baseline"] > 0.0
    assert "programme spending a year (DKK) by provider" in text
    assert "evidence M08" in text
