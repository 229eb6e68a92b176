"""Cost model: dated rates, exact per-spell arithmetic, and the seeds' published business cases.

Rates are the shipped ``acsim/data/rates_dk.toml`` (TARGETS.md, "Danish rates for the cost
model"): maximum dagpenge 4,355 DKK/week in 2019 (derived: 5 x round(18,866 / 21.66)) and
4,405 DKK/week in 2020; graduates 71.5 %; municipal share 20/60/70/80 % in weeks
1-4/5-26/27-52/53+.
"""

import math
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import acsim
from acsim.costs.business import business_case
from acsim.costs.model import (
    RatesCoverageWarning,
    cost_summary,
    full_year_persons,
    spell_costs,
)
from acsim.costs.rates import default_rates, load_rates
from acsim.exceptions import ScenarioError

RATES = default_rates()
W19, W20 = 4355.0, 4405.0  # maximum dagpenge per week, 2019 (derived) and 2020 (published)
GRAD = 0.715
HOUR = 496.97  # caseworker cost per hour (derived in rates_dk.toml)
NEW_YEAR_2020 = 365 / 7  # absolute week of 2020-01-01 when the run starts 2019-01-01
SHIPPED = Path(acsim.__file__).parent / "data" / "rates_dk.toml"


def table(**cols) -> pd.DataFrame:
    """A hand-built spell table with the engine's columns; lists give one row per value."""
    n = len(next(iter(cols.values())))
    base = {
        "replication": [0] * n, "jobseeker_id": list(range(n)), "spell": [0] * n,
        "exit_reason": ["job"] * n, "censored": [False] * n, "graduate": [False] * n,
        "from_stock": [False] * n, "meetings_held": [0] * n, "meetings_late": [0] * n,
        "group_meetings": [0] * n, "programmes": [""] * n, "programme_weeks": [0.0] * n,
        "subsidised_weeks": [0.0] * n,
    }
    base.update(cols)
    df = pd.DataFrame(base)
    df["duration"] = df["exit_week"] - df["entry_week"]
    return df


def scenario(**changes) -> acsim.Scenario:
    return acsim.Scenario().with_changes(
        {"scenario.start_date": date(2019, 1, 1), "scenario.warmup_weeks": 0.0,
         "scenario.horizon_weeks": 104.0, **changes}
    )


# -- rates file ----------------------------------------------------------------------------
def test_rate_lookup_by_date():
    assert RATES.value("dagpenge_max_week", date(2019, 6, 1)) == W19
    assert RATES.value("dagpenge_max_week", date(2020, 6, 1)) == W20
    assert RATES.value("dagpenge_max_week", date(2019, 12, 31)) == W19
    assert RATES.value("dagpenge_max_day", date(2020, 1, 1)) == 881
    # the 2019 weekly rate is derived from the monthly one with the rule that reproduces 2020
    assert 5 * round(18866 / 21.66) == W19 and 5 * round(19083 / 21.66) == W20
    assert RATES.share("municipal_share_dagpenge", 4.0, date(2019, 1, 1)) == 0.2
    assert RATES.share("municipal_share_dagpenge", 4.5, date(2019, 1, 1)) == 0.6
    assert RATES.share("municipal_share_dagpenge", 60, date(2019, 1, 1)) == 0.8


def test_every_entry_has_source_and_derivation():
    for name in RATES.parameter_names():
        for v in RATES.parameter(name).values:
            assert v.source.strip()
            assert not v.derived or v.derivation.strip()
    assert RATES.entry("dagpenge_max_week", date(2019, 6, 1)).derived
    assert not RATES.entry("dagpenge_max_week", date(2020, 6, 1)).derived


def test_rate_lookup_errors_name_file_and_key():
    with pytest.raises(ScenarioError, match=r"rates_dk.toml: dagpenge_max_week: no value valid"):
        RATES.value("dagpenge_max_week", date(2018, 6, 1))
    with pytest.raises(ScenarioError, match="dagpenge_max_wk: unknown rate"):
        RATES.value("dagpenge_max_wk", date(2019, 6, 1))


def _edited(tmp_path, old: str, new: str, count: int = 1) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert text.count(old) == 1 or (count == -1 and old in text)
    p = tmp_path / "rates.toml"
    p.write_text(text.replace(old, new, count), encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        ('"DKK/month"\n\n[[dagpenge_max_month', '"DKK/month"\nunits = "x"\n[[dagpenge_max_month',
         "dagpenge_max_month.units",
         "unknown key"),
        ("value = 18866", "value = 18866\nvalid_until = 2019-12-31",
         "dagpenge_max_month.values[0].valid_until", "unknown key"),
        ("[meta]", "[meta]\nauthor = 'x'", "meta.author", "unknown key"),
        ("valid_from = 2020-01-01\nvalue = 19083", 'valid_from = "2020-02-30"\nvalue = 19083',
         "dagpenge_max_month.values[1].valid_from", "date"),
        ("valid_from = 2020-01-01\nvalue = 19083", "valid_from = 2018-01-01\nvalue = 19083",
         "dagpenge_max_month", "must be after"),
        ("valid_from = 2020-01-01\nvalue = 19083", "valid_from = 2021-01-01\nvalue = 19083",
         "", "after meta.covers_until"),
        ("value = 4355", "value = 4356", "dagpenge_max_week.values[0].value",
         "does not match its derivation"),
        ("value = 496.97\nsource = \"derived from caseworker_salary",
         "value = 400\nsource = \"derived from caseworker_salary",
         "caseworker_cost_hour.values[0].value",
         "does not match its derivation"),
        ('derived = true\nderivation = "3,848', 'derived = true\nnote = "3,848',
         "benefit_period_weeks.values[0]", "needs its 'derivation'"),
        ("value = 0.715", 'value = "high"', "graduate_rate_share.values[0].value", "number"),
    ],
)
def test_bad_rates_file_names_file_and_key(tmp_path, old, new, key, problem):
    p = _edited(tmp_path, old, new)
    with pytest.raises(ScenarioError, match=problem) as info:
        load_rates(p)
    assert info.value.source == str(p)
    assert info.value.key == key


def test_misspelt_parameter_is_an_unknown_key_with_the_allowed_ones(tmp_path):
    p = _edited(tmp_path, "dagpenge_max_day", "dagpenge_max_dy", count=-1)
    with pytest.raises(ScenarioError, match="unknown key .allowed here: .*dagpenge_max_day") as e:
        load_rates(p)
    assert (e.value.source, e.value.key) == (str(p), "dagpenge_max_dy")


def test_invalid_toml_date_missing_file_and_missing_parameter(tmp_path):
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_rates(_edited(tmp_path, "valid_from = 2019-01-01", "valid_from = 2019-13-01", -1))
    with pytest.raises(ScenarioError, match="file not found"):
        load_rates(tmp_path / "nope.toml")
    text = SHIPPED.read_text(encoding="utf-8")
    cut = text[: text.index("[private_provider_price_per_spell]")]
    (tmp_path / "short.toml").write_text(cut, encoding="utf-8")
    with pytest.raises(ScenarioError, match="required key is missing") as info:
        load_rates(tmp_path / "short.toml")
    assert info.value.key == "private_provider_price_per_spell"


# -- exact arithmetic on hand-built spells -------------------------------------------------
def test_ten_week_spell_experienced_2019():
    """10 weeks at the 2019 maximum; municipality 4 x 20 % + 6 x 60 %."""
    c = spell_costs(table(entry_week=[0.0], exit_week=[10.0]), scenario())
    row = c.iloc[0]
    assert row.cost_benefit == pytest.approx(10 * W19)
    assert row.cost_benefit_municipality == pytest.approx((4 * 0.2 + 6 * 0.6) * W19)
    assert row.cost_municipality == pytest.approx((4 * 0.2 + 6 * 0.6) * W19)
    assert row.cost_state == pytest.approx((4 * 0.8 + 6 * 0.4) * W19)
    assert (row.benefit_weeks_1_4, row.benefit_weeks_5_26) == pytest.approx((4, 6))
    assert row.cost_total == pytest.approx(10 * W19)


def test_graduate_gets_the_graduate_rate():
    c = spell_costs(table(entry_week=[0.0], exit_week=[10.0], graduate=[True]), scenario())
    assert c.cost_benefit.iloc[0] == pytest.approx(10 * GRAD * W19)
    assert c.cost_benefit_municipality.iloc[0] == pytest.approx(4.4 * GRAD * W19)


def test_spell_crossing_into_2020_uses_both_years():
    """Entry at week 48 (2019-12-03), exit at week 58: 2020 starts at week 365/7 = 52.14."""
    c = spell_costs(table(entry_week=[48.0], exit_week=[58.0]), scenario())
    w19, w20 = NEW_YEAR_2020 - 48, 58 - NEW_YEAR_2020
    assert c.cost_benefit.iloc[0] == pytest.approx(w19 * W19 + w20 * W20)
    # weeks 1-4 of the spell (48-52) are all in 2019; weeks 5-10 straddle the new year
    muni = 4 * 0.2 * W19 + (w19 - 4) * 0.6 * W19 + w20 * 0.6 * W20
    assert c.cost_benefit_municipality.iloc[0] == pytest.approx(muni)


def test_long_spell_splits_over_all_four_bands():
    c = spell_costs(table(entry_week=[0.0], exit_week=[60.0]), scenario())
    row = c.iloc[0]
    assert [row.benefit_weeks_1_4, row.benefit_weeks_5_26, row.benefit_weeks_27_52,
            row.benefit_weeks_53_plus] == pytest.approx([4, 22, 26, 8])
    w19 = NEW_YEAR_2020
    expect = (4 * 0.2 + 22 * 0.6 + 26 * 0.7) * W19 + (w19 - 52) * 0.8 * W19
    expect += (60 - w19) * 0.8 * W20
    assert row.cost_benefit_municipality == pytest.approx(expect)


def test_stock_spell_costs_only_weeks_in_the_run_and_keeps_its_elapsed_band():
    """Entered 30 weeks before the run: weeks 0-10 of the run are spell weeks 31-40 (70 %)."""
    c = spell_costs(table(entry_week=[-30.0], exit_week=[10.0], from_stock=[True]), scenario())
    assert c.cost_benefit.iloc[0] == pytest.approx(10 * W19)
    assert c.cost_benefit_municipality.iloc[0] == pytest.approx(10 * 0.7 * W19)


def test_window_clips_benefit_and_prorates_meetings():
    s = scenario()
    c = spell_costs(table(entry_week=[0.0], exit_week=[20.0], meetings_held=[4]), s,
                    start_week=10.0, end_week=15.0)
    assert c.benefit_weeks.iloc[0] == pytest.approx(5)
    assert c.cost_benefit_municipality.iloc[0] == pytest.approx(5 * 0.6 * W19)
    assert c.cost_meetings_individual.iloc[0] == pytest.approx(4 * HOUR * 5 / 20)


def test_meetings_and_group_meetings():
    """A 30-minute meeting + 30 minutes' preparation and recording = one caseworker hour; a
    group session is 3 caseworker hours shared by its 12 participants."""
    s = scenario(**{"meetings.group": {"size": 12}})
    c = spell_costs(table(entry_week=[0.0], exit_week=[10.0], meetings_held=[3],
                          group_meetings=[5]), s)
    assert c.cost_meetings_individual.iloc[0] == pytest.approx(3 * HOUR)
    assert c.cost_meetings_group.iloc[0] == pytest.approx(5 * 3 * HOUR / 12)
    assert c.cost_municipality.iloc[0] == pytest.approx(
        4.4 * W19 + 3 * HOUR + 5 * 3 * HOUR / 12)
    s45 = scenario(**{"staffing.meeting_minutes": 45})
    c45 = spell_costs(table(entry_week=[0.0], exit_week=[10.0], meetings_held=[2]), s45)
    assert c45.cost_meetings_individual.iloc[0] == pytest.approx(2 * HOUR * 75 / 60)


def test_activation_completed_and_interrupted():
    s = scenario(programmes=[{"kind": "activation", "name": "act13", "start_week": 13,
                              "duration_weeks": 2, "hours_per_week": 30}])
    c = spell_costs(table(entry_week=[0.0, 0.0], exit_week=[20.0, 14.25],
                          programmes=["act13", "act13"], programme_weeks=[2.0, 0.0]), s)
    assert c.cost_programmes.tolist() == pytest.approx([2 * 30 * 41.41, 1.25 * 30 * 41.41])
    assert c.cost_benefit.tolist() == pytest.approx([20 * W19, 14.25 * W19])  # benefit goes on


def test_wage_subsidy_weeks_placed_at_the_programme_start():
    """50-week spell, private wage subsidy from week 26 for 17 weeks at 37 h: benefit weeks
    0-26 and 43-50; subsidy 17 x 37 x 79.68, all of it in the 70 % band."""
    s = scenario(programmes=[{"kind": "wage_subsidy", "name": "ws", "start_week": 26,
                              "duration_weeks": 17, "hours_per_week": 37}])
    c = spell_costs(table(entry_week=[0.0], exit_week=[50.0], programmes=["ws"],
                          programme_weeks=[17.0], subsidised_weeks=[17.0]), s)
    row = c.iloc[0]
    assert row.subsidy_timing == "scenario"
    assert row.benefit_weeks == pytest.approx(33)
    assert row.cost_benefit == pytest.approx(33 * W19)
    assert row.cost_benefit_municipality == pytest.approx((4 * 0.2 + 22 * 0.6 + 7 * 0.7) * W19)
    assert row.cost_wage_subsidy == pytest.approx(17 * 37 * 79.68)
    assert row.cost_wage_subsidy_municipality == pytest.approx(0.7 * 17 * 37 * 79.68)
    assert full_year_persons(c, 0, 52, s) == pytest.approx(33 / 52)


def test_subsidised_weeks_the_scenario_cannot_place_are_spread_proportionally():
    c = spell_costs(table(entry_week=[0.0], exit_week=[40.0], subsidised_weeks=[10.0]),
                    scenario())
    row = c.iloc[0]
    assert row.subsidy_timing == "proportional"
    assert row.benefit_weeks == pytest.approx(30)
    assert row.cost_wage_subsidy == pytest.approx(10 * 37 * 79.68)  # 37 h: no programme hours
    assert full_year_persons(c, 0, 52) == pytest.approx(30 / 52)


def test_private_provider_price_replaces_meeting_costs():
    c = spell_costs(table(entry_week=[0.0, 5.0], exit_week=[10.0, 20.0], meetings_held=[3, 4]),
                    scenario(**{"provider.kind": "private"}))
    assert c.cost_provider.tolist() == [3981.0, 3981.0]  # rates_dk.toml, derived from seed 000
    assert c.cost_meetings_individual.sum() == 0
    priced = spell_costs(table(entry_week=[0.0], exit_week=[10.0]),
                         scenario(**{"provider.kind": "private", "provider.price_per_spell": 8000}))
    assert priced.cost_provider.iloc[0] == 8000


def test_unknown_programme_and_early_dates_are_errors():
    with pytest.raises(ValueError, match="does not define"):
        spell_costs(table(entry_week=[0.0], exit_week=[10.0], programmes=["ghost"]), scenario())
    early = scenario(**{"scenario.start_date": date(2018, 6, 1)})
    with pytest.raises(ScenarioError, match="dagpenge_max_week: no value valid on 2018-06-01"):
        spell_costs(table(entry_week=[0.0], exit_week=[10.0]), early)


def test_weeks_beyond_the_rates_file_warn():
    with pytest.warns(RatesCoverageWarning, match="covers until 2020-12-31"):
        spell_costs(table(entry_week=[100.0], exit_week=[110.0]),
                    scenario(**{"scenario.horizon_weeks": 130.0}))


def test_summary_per_year_per_spell_per_full_year_person():
    """Two replications of the same two spells over one year: the totals halve."""
    spells = table(entry_week=[0.0, 0.0, 0.0, 0.0], exit_week=[52.0, 26.0, 52.0, 26.0],
                   graduate=[False, True, False, True], replication=[0, 0, 1, 1])
    c = spell_costs(spells, scenario(), start_week=0, end_week=52)
    s = cost_summary(c)
    benefit = 52 * W19 + 26 * GRAD * W19
    assert s.years == 1 and s.replications == 2
    assert s.full_year_persons_per_year == pytest.approx(1.5)
    assert s.per_year("benefit") == pytest.approx(benefit)
    assert s.per_year("benefit", "municipality") == pytest.approx(
        (4 * 0.2 + 22 * 0.6 + 26 * 0.7) * W19 + (4 * 0.2 + 22 * 0.6) * GRAD * W19)
    assert s.table.loc["total", "per_spell"] == pytest.approx(benefit / 2)
    assert s.benefit_per_full_year_person == pytest.approx(benefit / 1.5)


# -- business cases ------------------------------------------------------------------------
def test_business_case_from_two_summaries():
    """Variant: 26-week spells become 24 weeks at a programme cost of 2 x 30 h x 41.41."""
    s = scenario(programmes=[{"kind": "activation", "name": "a", "start_week": 4,
                              "duration_weeks": 2, "hours_per_week": 30}])
    base = cost_summary(spell_costs(table(entry_week=[0.0] * 10, exit_week=[26.0] * 10), s,
                                    start_week=0, end_week=52))
    var = cost_summary(spell_costs(table(entry_week=[0.0] * 10, exit_week=[24.0] * 10,
                                         programmes=["a"] * 10, programme_weeks=[2.0] * 10), s,
                                   start_week=0, end_week=52))
    bc = business_case(base, var, horizon_years=1)
    assert bc.investment_per_year == pytest.approx(10 * 2 * 30 * 41.41)
    assert bc.savings_per_year == pytest.approx(10 * 2 * W19)
    assert bc.savings_municipality_per_year == pytest.approx(10 * 2 * 0.6 * W19)
    assert bc.full_year_persons_saved_per_year == pytest.approx(20 / 52)
    assert bc.net_per_year == pytest.approx(10 * 2 * (W19 - 30 * 41.41))
    assert bc.break_even_week == 0.0  # savings accrue as fast as spending from week 0


def test_break_even_with_a_lag():
    """Spend 52,000 a year; save 104,000 a year from week 13: even at 13 + t where
    2,000 t = 1,000 (13 + t), i.e. t = 13, week 26."""
    bc = business_case(extra_spending_per_year=52_000, full_year_persons_saved_per_year=1,
                       benefit_per_full_year_person=104_000, horizon_years=2,
                       savings_lag_weeks=13)
    assert bc.break_even_week == pytest.approx(26)
    assert bc.by_year["investment"].tolist() == pytest.approx([52_000, 52_000])
    assert bc.by_year["savings"].tolist() == pytest.approx([78_000, 104_000])
    assert bc.break_even_week_municipality is None  # no municipal share given
    assert math.isnan(bc.savings_municipality_per_year)


def test_odense_graduate_investment_seed003_table_5_5():
    """Odense, seed 003 table 5.5: "investere 10,0 mio. kr. til et investeringsprojekt over to
    år i perioden 2020-2021. Forvaltningen forventer at nedbringe det årlige antal
    fuldtidspersoner i målgruppen med 48, svarende til en ydelsesbesparelse på 6 mio. kr.
    årligt. Dermed er det forventningen, at projektet kan opnå en årlig nettogevinst på 1 mio.
    kr."

    Published: 5 m a year of spending (10 m / 2), 6 m a year of savings, so 125,000 DKK per
    full-time person-year, and 6 - 5 = 1 m net. With the 2020 rates (52 x 4,405 = 229,060 DKK
    a year at the maximum; 71.5 % = 163,778 for graduates) the readings give:

    * full benefit at the maximum rate: 48 x 229,060 = 11.0 m -- no;
    * full benefit at the graduate rate: 48 x 163,778 = 7.9 m -- no (the state's part too);
    * municipal share of the maximum rate, weeks 5-26 (60 %): 6.6 m, net 1.6 m -- no, and the
      target group are graduates, who are not paid the maximum;
    * municipal share of the graduate rate, weeks 27-52 (70 %) and 53+ (80 %): 5.5 and 6.3 m,
      which bracket 6 m; at their mean, 75 % (graduates past week 26 with half of their weeks
      beyond week 52), 5.90 m and a net of 0.90 m, i.e. the published 6 m and 1 m at the
      published precision of a million. The implied share is 125,000 / 163,778 = 76.3 %.

    * municipal share of the graduate rate with the band mix of typical spells (58.6 % of
      benefit weeks' value in a simulated Copenhagen 2020, uncalibrated): 4.6 m -- too little;
      the same mix at the experienced/graduate blend of all academics (119,200 DKK municipal
      per full-year person in that run) gives 5.7 m, which also rounds to 6.

    Reading taken: the 6 m is the municipality's share of the graduate (dimittend) rate for
    graduates in their second half-year or later -- the municipal budget saving, not the
    public one. Saved in full (state and municipality), the same 48 persons are 7.9 m.
    """
    year = 52 * RATES.value("dagpenge_max_week", date(2020, 6, 1))
    grad_year = RATES.value("graduate_rate_share", date(2020, 6, 1)) * year
    assert (year, grad_year) == pytest.approx((229_060, 163_777.9))
    assert 48 * year == pytest.approx(10.99e6, rel=1e-3)
    assert 48 * grad_year == pytest.approx(7.86e6, rel=1e-3)
    assert round(48 * 0.6 * year / 1e6) == 7  # not 6
    assert 48 * 0.7 * grad_year < 6e6 < 48 * 0.8 * grad_year
    assert 0.7 < 6e6 / 48 / grad_year < 0.8
    assert round(48 * 0.586 * grad_year / 1e6) == 5  # graduates with a typical band mix

    bc = business_case(extra_spending_per_year=10e6 / 2, full_year_persons_saved_per_year=48,
                       benefit_per_full_year_person=grad_year, municipal_share=0.75,
                       horizon_years=2)
    assert bc.investment_total == pytest.approx(10e6)
    assert bc.savings_municipality_per_year == pytest.approx(5.896e6, rel=1e-3)
    assert round(bc.savings_municipality_per_year / 1e6) == 6
    assert bc.net_municipality_per_year == pytest.approx(0.896e6, rel=1e-2)
    assert round(bc.net_municipality_per_year / 1e6) == 1
    assert bc.by_year["cumulative_net_municipality"].iloc[-1] == pytest.approx(1.79e6, rel=1e-2)
    assert bc.break_even_week_municipality == 0.0  # savings assumed to start with the spending
    assert bc.savings_per_year == pytest.approx(7.86e6, rel=1e-3)  # the public view


def test_copenhagen_godt_fra_start_seed001():
    """Copenhagen, "Godt fra Start" (seed 001): "bevilget 12,35 mio. kr. i 2017-2019 til en
    business case målrettet jobhjælp til akademikere"; expected "en forkortelse af den
    gennemsnitlige ledighedslængde for deltagerne med to uger og dermed en besparelse på
    overførselsudgifterne, der som minimum modsvarer udgiften til tilbuddet"; "Indtil nu er 878
    borgere optaget på forløbet" (13 Aug 2018; started 1 Sep 2017).

    The rates file starts in 2019, so the 2019 maximum (4,355 DKK/week) is used; the 2017-2018
    maxima were lower, so this overstates the savings. The claim does NOT follow from the 878
    participants:

    * full benefit (state + municipality): 878 x 2 x 4,355 = 7.65 m < 12.35 m (62 %);
    * the municipality's share (the saved weeks end spells of newly unemployed, in weeks 5-26,
      60 %): 4.59 m (37 %); graduates at 71.5 % would save less still.
    * Break-even needs 12.35 m / (2 x 4,355) = 1,418 participants counting the full benefit,
      2,364 counting the municipal share. Extrapolating the intake of 878 in 346 days to the
      851 days to 31 Dec 2019 gives 2,160 participants (ASSUMPTION: steady intake to the end),
      enough on the full-benefit reading (18.8 m) but not on the municipal one (11.3 m).

    So the published expectation holds only counting both payers' benefit and with about 1,400+
    participants; the gap is documented here, not closed.
    """
    cost, weeks, weekly = 12.35e6, 2.0, RATES.value("dagpenge_max_week", date(2019, 1, 1))
    years = (date(2020, 1, 1) - date(2017, 9, 1)).days / 365
    full = 878 * weeks * weekly
    assert full == pytest.approx(7_647_380)
    assert full / cost == pytest.approx(0.619, abs=1e-3)
    assert 0.6 * full == pytest.approx(4_588_428)
    assert math.ceil(cost / (weeks * weekly)) == 1418
    assert math.ceil(cost / (weeks * weekly * 0.6)) == 2364
    extrapolated = 878 * 851 / 346
    assert extrapolated == pytest.approx(2159.5, abs=0.1)
    assert extrapolated * weeks * weekly > cost > 0.6 * extrapolated * weeks * weekly

    bc = business_case(extra_spending_per_year=cost / years,
                       full_year_persons_saved_per_year=878 * weeks / 52 / years,
                       benefit_per_full_year_person=52 * weekly, municipal_share=0.6,
                       horizon_years=years)
    assert bc.savings_per_year * years == pytest.approx(full)
    assert bc.by_year["cumulative_net"].iloc[-1] == pytest.approx(full - cost)
    assert bc.break_even_week is None and bc.break_even_week_municipality is None


# -- a simulated run -------------------------------------------------------------------------
def test_costs_of_a_simulated_run_add_up():
    """A year of a small job centre with activation and a wage subsidy: the categories add up,
    payers add up, and every subsidised week the engine records is placed by the scenario's
    programme timing (none needs the proportional fallback). Group meetings are left out of
    the run: the engine loops forever on them at the time of writing (a float comparison at
    meetings.group.until_week); their costing is tested on hand-built spells above."""
    s = scenario(**{
        "population.annual_inflow": 1500, "scenario.horizon_weeks": 52.0,
        "programmes": [
            {"kind": "activation", "name": "act", "start_week": 4, "duration_weeks": 2},
            {"kind": "wage_subsidy", "name": "ws", "start_week": 8, "duration_weeks": 10,
             "hours_per_week": 37},
        ],
    })
    spells = acsim.run(s, seed=3, progress=False).spells
    assert spells["subsidised_weeks"].gt(0).any()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RatesCoverageWarning)  # the run ends in 2019
        c = spell_costs(spells, s)
    assert set(c.subsidy_timing) <= {"none", "scenario"}
    cats = ["cost_benefit", "cost_meetings", "cost_programmes", "cost_wage_subsidy",
            "cost_provider"]
    assert np.allclose(c[cats].sum(axis=1), c.cost_total)
    assert np.allclose(c.cost_state + c.cost_municipality, c.cost_total)
    assert np.allclose(c.benefit_weeks + c.subsidy_weeks, c.exit_week - c.entry_week)
    summary = cost_summary(c)
    assert 52 * GRAD * W19 < summary.benefit_per_full_year_person < 52 * W19
    fyp = full_year_persons(spells, 0, s.scenario.end_week, s)
    assert summary.full_year_persons_per_year == pytest.approx(fyp)
    # where no subsidy is interrupted by the exit, this agrees with acsim.analysis.outcomes
    from acsim.analysis.outcomes import full_year_persons as outcomes_fyp

    done = spells[~((spells.programmes.str.contains("ws")) & (spells.subsidised_weeks == 0))]
    assert full_year_persons(done, 0, 52) == pytest.approx(outcomes_fyp(done, 0, 52))
