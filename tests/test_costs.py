"""Cost model: dated rates, exact per-spell arithmetic, and the seeds' published business cases.

Rates are the shipped ``acsim/data/rates_dk.toml`` (TARGETS.md, "Danish rates for the cost
model"): maximum dagpenge 4,355 DKK/week in 2019 (derived: 5 x round(18,866 / 21.66)) and
4,405 DKK/week in 2020; graduates 71.5 %; municipal share 20/60/70/80 % in weeks
1-4/5-26/27-52/53+.

Meetings and programme episodes are hand-built tables with the record's columns
(:mod:`acsim.model.recorder`); the costs price them, never the spell table's tallies.
"""

import math
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import acsim
from acsim.analysis.outcomes import spell_table
from acsim.costs.business import business_case
from acsim.costs.model import (
    RatesCoverageWarning,
    cost_summary,
    full_year_persons,
    spell_costs,
)
from acsim.costs.rates import Rates, default_rates, load_rates
from acsim.exceptions import ScenarioError
from acsim.experiments.run import run_replication
from acsim.model.engine import JobCentre
from acsim.model.recorder import MEETING_COLUMNS, PROGRAMME_COLUMNS
from acsim.model.rng import root_entropy

RATES = default_rates()
W19, W20 = 4355.0, 4405.0  # maximum dagpenge per week, 2019 (derived) and 2020 (published)
GRAD = 0.715
HOUR = 496.97  # caseworker cost per hour (derived in rates_dk.toml)
ACT_HOUR = 41.41  # activation cost per participant-hour
SUBSIDY_HOUR = 79.68  # private-employer wage subsidy per hour
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


def meetings(time, **cols) -> pd.DataFrame:
    """A hand-built meetings table with the record's columns, one row per ``time`` (absolute
    weeks). Defaults: jobseeker 0, spell 0, regular meetings held on time; a group session has
    caseworker -1, as the engine records it."""
    n = len(time)
    kind = cols.pop("kind", ["regular"] * n)
    base = {
        "jobseeker_id": [0] * n, "spell": [0] * n, "time": list(time), "kind": kind,
        "delay_weeks": [0.0] * n, "caseworker": [-1 if k == "group" else 0 for k in kind],
        "late": [False] * n,
    }
    base.update(cols)
    return pd.DataFrame(base)


def programmes(start, end, **cols) -> pd.DataFrame:
    """A hand-built programme-episode table with the record's columns, one row per episode
    ``[start, end)`` (absolute weeks). Defaults: jobseeker 0, spell 0, activation at 30 hours a
    week, named after its kind, subsidised if a wage subsidy, completed."""
    n = len(start)
    kind = cols.pop("kind", ["activation"] * n)
    base = {
        "jobseeker_id": [0] * n, "spell": [0] * n, "kind": kind, "name": list(kind),
        "start": list(start), "end": list(end), "hours_per_week": [30.0] * n,
        "subsidised": [k == "wage_subsidy" for k in kind], "completed": [True] * n,
    }
    base.update(cols)
    return pd.DataFrame(base)


def test_helpers_build_the_record_columns():
    assert tuple(meetings([1.0]).columns) == MEETING_COLUMNS
    assert tuple(programmes([1.0], [2.0]).columns) == PROGRAMME_COLUMNS


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


def test_window_clips_benefit_and_counts_the_meetings_held_inside_it():
    """Window [10, 15) of a 20-week spell: 5 benefit weeks (spell weeks 11-15, 60 %); of the
    meetings at 2, 9.99, 10, 12, 14.99 and 15 the three held in [10, 15) are costed, each a
    full caseworker hour (no proration by time in the window)."""
    s = scenario()
    c = spell_costs(table(entry_week=[0.0], exit_week=[20.0], meetings_held=[6]), s,
                    meetings=meetings([2.0, 9.99, 10.0, 12.0, 14.99, 15.0]),
                    start_week=10.0, end_week=15.0)
    assert c.benefit_weeks.iloc[0] == pytest.approx(5)
    assert c.cost_benefit_municipality.iloc[0] == pytest.approx(5 * 0.6 * W19)
    assert c.cost_meetings_individual.iloc[0] == pytest.approx(3 * HOUR)
    assert c.cost_municipality.iloc[0] == pytest.approx(5 * 0.6 * W19 + 3 * HOUR)


def test_meetings_outside_the_window_are_not_costed():
    """Spell weeks 0-5, window [10, 20): a meeting at 3, a group session at 4 and a meeting at
    the window's end (20, another spell) cost nothing, and the spells are not in the window."""
    s = scenario(**{"meetings.group": {"size": 12}})
    c = spell_costs(table(entry_week=[0.0, 20.0], exit_week=[5.0, 30.0]), s,
                    meetings=meetings([3.0, 4.0, 20.0], kind=["regular", "group", "extra"],
                                      jobseeker_id=[0, 0, 1]),
                    start_week=10.0, end_week=20.0)
    assert c.cost_total.tolist() == [0.0, 0.0]
    assert c.cost_in_window.tolist() == [False, False]
    assert (c.cost_meetings_individual.sum(), c.cost_meetings_group.sum()) == (0.0, 0.0)
    # the same meetings inside a window that holds them are costed
    c = spell_costs(table(entry_week=[0.0, 20.0], exit_week=[5.0, 30.0]), s,
                    meetings=meetings([3.0, 4.0, 20.0], kind=["regular", "group", "extra"],
                                      jobseeker_id=[0, 0, 1]),
                    start_week=0.0, end_week=30.0)
    assert c.cost_meetings_individual.tolist() == pytest.approx([HOUR, HOUR])
    assert c.cost_meetings_group.tolist() == pytest.approx([3 * HOUR / 12, 0.0])


def _rates_with_a_2020_caseworker_hour(tmp_path) -> tuple[Rates, float]:
    """The shipped rates with a 2020 pay rise: salary 45,222.22 DKK/month from 2020, so the
    caseworker hour is 45,222.22 x 12 x 1.5 / 1,628 = 500.00 DKK (the file checks this)."""
    text = SHIPPED.read_text(encoding="utf-8")
    salary = ('\n[[caseworker_salary_month.values]]\nvalid_from = 2020-01-01\n'
              'value = 45222.22\nsource = "test: a 2020 pay rise"\nderived = false\n')
    hour = ('\n[[caseworker_cost_hour.values]]\nvalid_from = 2020-01-01\nvalue = 500.0\n'
            'source = "test"\nderived = true\nderivation = "45,222.22 x 12 x 1.5 / 1,628"\n')
    for before, insert in (("\n[caseworker_overhead_share]", salary),
                           ("\n[meeting_prep_recording_minutes]", hour)):
        assert text.count(before) == 1
        text = text.replace(before, insert + before)
    path = tmp_path / "rates_2020_pay.toml"
    path.write_text(text, encoding="utf-8")
    return load_rates(path), 500.0


def test_a_meeting_is_priced_at_the_rates_of_its_own_date(tmp_path):
    """A spell from week 40 (October 2019) to 60: its meeting at week 50 (December 2019) costs
    the 2019 caseworker hour, those at 53 and 59 (January and February 2020) the 2020 hour, and
    so does its group session at 55 -- not the rate of the spell's first week."""
    rates, hour20 = _rates_with_a_2020_caseworker_hour(tmp_path)
    assert rates.value("caseworker_cost_hour", date(2019, 12, 31)) == HOUR
    assert rates.value("caseworker_cost_hour", date(2020, 1, 1)) == hour20
    s = scenario(**{"meetings.group": {"size": 10}})
    held = meetings([50.0, 53.0, 59.0, 55.0], kind=["regular", "regular", "extra", "group"])
    c = spell_costs(table(entry_week=[40.0], exit_week=[60.0]), s, rates, meetings=held)
    assert c.cost_meetings_individual.iloc[0] == pytest.approx(HOUR + 2 * hour20)
    assert c.cost_meetings_group.iloc[0] == pytest.approx(3 * hour20 / 10)
    # with the shipped rates (no 2020 pay rise) all of them are at the 2019 hour
    c19 = spell_costs(table(entry_week=[40.0], exit_week=[60.0]), s, meetings=held)
    assert c19.cost_meetings_individual.iloc[0] == pytest.approx(3 * HOUR)
    assert c19.cost_benefit.iloc[0] == pytest.approx(c.cost_benefit.iloc[0])


def test_meetings_and_group_meetings():
    """A 30-minute meeting + 30 minutes' preparation and recording = one caseworker hour; a
    group session is 3 caseworker hours shared by its 12 participants. Meetings are counted
    from the meetings table (the spell table's tallies are not read)."""
    s = scenario(**{"meetings.group": {"size": 12}})
    held = meetings([2.0, 4.0, 6.5, 1.0, 2.0, 3.0, 4.0, 5.0],
                    kind=["regular", "regular", "extra"] + ["group"] * 5)
    c = spell_costs(table(entry_week=[0.0], exit_week=[10.0], meetings_held=[99],
                          group_meetings=[99]), s, meetings=held)
    assert c.cost_meetings_individual.iloc[0] == pytest.approx(3 * HOUR)
    assert c.cost_meetings_group.iloc[0] == pytest.approx(5 * 3 * HOUR / 12)
    assert c.cost_meetings.iloc[0] == pytest.approx(3 * HOUR + 5 * 3 * HOUR / 12)
    assert c.cost_municipality.iloc[0] == pytest.approx(
        4.4 * W19 + 3 * HOUR + 5 * 3 * HOUR / 12)
    assert spell_costs(table(entry_week=[0.0], exit_week=[10.0], meetings_held=[3]),
                       s).cost_meetings.iloc[0] == 0.0  # no meetings table: none held
    s45 = scenario(**{"staffing.meeting_minutes": 45})
    c45 = spell_costs(table(entry_week=[0.0], exit_week=[10.0]), s45,
                      meetings=meetings([2.0, 5.0]))
    assert c45.cost_meetings_individual.iloc[0] == pytest.approx(2 * HOUR * 75 / 60)


def test_activation_completed_and_interrupted():
    """Activation from week 13 at 30 h: completed (2 weeks) and cut short by the exit at 14.25
    (1.25 weeks), at 41.41 DKK per participant-hour; a course of 3 weeks at 4,000 a week.
    Benefit goes on meanwhile. The scenario defines no programme: the episodes are priced."""
    eps = programmes([13.0, 13.0, 5.0], [15.0, 14.25, 8.0], jobseeker_id=[0, 1, 2],
                     kind=["activation", "activation", "course"], completed=[True, False, True])
    c = spell_costs(table(entry_week=[0.0, 0.0, 0.0], exit_week=[20.0, 14.25, 20.0]),
                    scenario(), programmes=eps)
    assert c.cost_programmes.tolist() == pytest.approx(
        [2 * 30 * ACT_HOUR, 1.25 * 30 * ACT_HOUR, 3 * 4000])
    assert c.cost_benefit.tolist() == pytest.approx([20 * W19, 14.25 * W19, 20 * W19])
    assert c.subsidy_weeks.tolist() == [0.0, 0.0, 0.0]
    # a window from week 14 keeps the weeks attended inside it
    w = spell_costs(table(entry_week=[0.0, 0.0, 0.0], exit_week=[20.0, 14.25, 20.0]),
                    scenario(), programmes=eps, start_week=14.0, end_week=20.0)
    assert w.cost_programmes.tolist() == pytest.approx(
        [1 * 30 * ACT_HOUR, 0.25 * 30 * ACT_HOUR, 0.0])


def test_wage_subsidy_weeks_placed_where_the_episode_is():
    """50-week spell, private wage subsidy episode [26, 43) at 37 h: benefit weeks 0-26 and
    43-50; subsidy 17 x 37 x 79.68, all of it in the 70 % band."""
    eps = programmes([26.0], [43.0], kind=["wage_subsidy"], hours_per_week=[37.0])
    c = spell_costs(table(entry_week=[0.0], exit_week=[50.0], programmes=["ws"],
                          programme_weeks=[17.0], subsidised_weeks=[17.0]), scenario(),
                    programmes=eps)
    row = c.iloc[0]
    assert "subsidy_timing" not in c.columns
    assert row.benefit_weeks == pytest.approx(33)
    assert row.subsidy_weeks == pytest.approx(17)
    assert row.cost_benefit == pytest.approx(33 * W19)
    assert row.cost_benefit_municipality == pytest.approx((4 * 0.2 + 22 * 0.6 + 7 * 0.7) * W19)
    assert row.cost_wage_subsidy == pytest.approx(17 * 37 * SUBSIDY_HOUR)
    assert row.cost_wage_subsidy_municipality == pytest.approx(0.7 * 17 * 37 * SUBSIDY_HOUR)
    assert row.cost_programmes == 0.0  # a wage subsidy is priced as the subsidy only
    assert full_year_persons(c, 0, 52, eps) == pytest.approx(33 / 52)


def test_a_subsidised_episode_is_priced_where_it_happened():
    """Two 40-week spells with their subsidies at different spell weeks (the spell table's
    tallies say nothing; the episodes say where):

    * spell A, weeks 0-40, subsidy [8, 18) at 30 h (spell weeks 9-18, 60 %): benefit in
      weeks 0-8 and 18-40, i.e. 4 + 12 + 14 weeks in the 20/60/70 % bands;
    * spell B, weeks 10-50, subsidy [40, 50) at 37 h cut short by the exit (spell weeks 31-40,
      70 %): benefit in weeks 10-40, i.e. 4 + 22 + 4 weeks.
    """
    eps = programmes([8.0, 40.0], [18.0, 50.0], jobseeker_id=[0, 1],
                     kind=["wage_subsidy", "wage_subsidy"], hours_per_week=[30.0, 37.0],
                     completed=[True, False])
    spells = table(entry_week=[0.0, 10.0], exit_week=[40.0, 50.0])
    c = spell_costs(spells, scenario(), programmes=eps)
    assert c.benefit_weeks.tolist() == pytest.approx([30, 30])
    assert c.subsidy_weeks.tolist() == pytest.approx([10, 10])
    assert c.cost_benefit.tolist() == pytest.approx([30 * W19, 30 * W19])  # none meanwhile
    assert c.benefit_weeks_27_52.tolist() == pytest.approx([14, 4])
    assert c.cost_benefit_municipality.tolist() == pytest.approx(
        [(4 * 0.2 + 12 * 0.6 + 14 * 0.7) * W19, (4 * 0.2 + 22 * 0.6 + 4 * 0.7) * W19])
    assert c.cost_wage_subsidy.tolist() == pytest.approx(
        [10 * 30 * SUBSIDY_HOUR, 10 * 37 * SUBSIDY_HOUR])
    assert c.cost_wage_subsidy_municipality.tolist() == pytest.approx(
        [0.6 * 10 * 30 * SUBSIDY_HOUR, 0.7 * 10 * 37 * SUBSIDY_HOUR])
    assert full_year_persons(spells, 0, 52, eps) == pytest.approx(60 / 52)
    # a window to week 45 cuts spell B and its subsidy at 45: 5 subsidised weeks
    w = spell_costs(spells, scenario(), programmes=eps, end_week=45.0)
    assert w.subsidy_weeks.tolist() == pytest.approx([10, 5])
    assert w.cost_wage_subsidy.iloc[1] == pytest.approx(5 * 37 * SUBSIDY_HOUR)
    assert w.benefit_weeks.tolist() == pytest.approx([30, 30])
    assert full_year_persons(spells, 0, 45, eps) == pytest.approx((30 + 30) / 45)


def test_episodes_of_spells_not_in_the_spell_table_are_ignored():
    """Only jobseeker 0's spell 0 of replication 0 is costed: the episodes of its spell 1, of
    jobseeker 5 and of replication 1 are not charged to it (nor to anyone)."""
    spells = table(entry_week=[0.0], exit_week=[20.0])
    held = meetings([2.0, 3.0, 4.0, 5.0], jobseeker_id=[0, 0, 5, 0], spell=[0, 1, 0, 0],
                    replication=[0, 0, 0, 1])
    eps = programmes([4.0, 4.0, 4.0, 10.0], [6.0, 6.0, 6.0, 14.0], jobseeker_id=[0, 5, 0, 0],
                     spell=[1, 0, 0, 0], replication=[0, 0, 1, 7],
                     kind=["activation", "activation", "activation", "wage_subsidy"])
    c = spell_costs(spells, scenario(), meetings=held, programmes=eps)
    row = c.iloc[0]
    assert row.cost_meetings_individual == pytest.approx(HOUR)  # the meeting at week 2 only
    assert row.cost_programmes == 0.0
    assert (row.subsidy_weeks, row.cost_wage_subsidy) == (0.0, 0.0)
    assert row.cost_benefit == pytest.approx(20 * W19)
    assert full_year_persons(spells, 0, 52, eps) == pytest.approx(20 / 52)


def test_private_provider_price_replaces_meeting_costs():
    held = meetings([2.0, 4.0, 6.0, 7.0, 9.0, 11.0, 13.0], jobseeker_id=[0] * 3 + [1] * 4)
    c = spell_costs(table(entry_week=[0.0, 5.0], exit_week=[10.0, 20.0]),
                    scenario(**{"provider.kind": "private"}), meetings=held)
    assert c.cost_provider.tolist() == [3981.0, 3981.0]  # rates_dk.toml, derived from seed 000
    assert c.cost_meetings_individual.sum() == 0
    own = spell_costs(table(entry_week=[0.0, 5.0], exit_week=[10.0, 20.0]), scenario(),
                      meetings=held)
    assert own.cost_meetings_individual.tolist() == pytest.approx([3 * HOUR, 4 * HOUR])
    assert own.cost_provider.sum() == 0
    priced = spell_costs(table(entry_week=[0.0], exit_week=[10.0]),
                         scenario(**{"provider.kind": "private", "provider.price_per_spell": 8000}))
    assert priced.cost_provider.iloc[0] == 8000


@pytest.mark.parametrize(("which", "column"), [
    ("meetings", "late"), ("meetings", "time"), ("meetings", "jobseeker_id"),
    ("programmes", "hours_per_week"), ("programmes", "subsidised"), ("programmes", "spell"),
])
def test_an_episode_table_missing_a_column_is_an_error_naming_it(which, column):
    spells = table(entry_week=[0.0], exit_week=[10.0])
    tables = {"meetings": meetings([2.0]), "programmes": programmes([4.0], [6.0])}
    tables[which] = tables[which].drop(columns=[column])
    with pytest.raises(ValueError, match=rf"episode table lacks column\(s\) \['{column}'\]"):
        spell_costs(spells, scenario(), **tables)
    if which == "programmes":
        with pytest.raises(ValueError, match=f"'{column}'"):
            full_year_persons(spells, 0, 52, tables["programmes"])


def test_early_dates_are_errors():
    # a run that starts before the rates do is refused when the scenario is made
    with pytest.raises(ScenarioError, match="scenario.start_date"):
        scenario(**{"scenario.start_date": date(2018, 6, 1)})
    # a spell (of a stock) whose weeks before the rates begin are costed: no benefit rate then
    s = scenario()
    with pytest.raises(ScenarioError, match="dagpenge_max_week: no value valid on 2018-"):
        spell_costs(table(entry_week=[-20.0], exit_week=[10.0]), s, start_week=-20.0)
    # a meeting in the window before the rates begin: caseworker_cost_hour has no value then
    with pytest.raises(ScenarioError, match="caseworker_cost_hour: no value valid on 2018-"):
        spell_costs(table(entry_week=[0.0], exit_week=[10.0]), s,
                    meetings=meetings([-15.0]), start_week=-20.0, end_week=10.0)


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
    """Variant: 26-week spells become 24 weeks after 2 weeks' activation at 30 h x 41.41."""
    s = scenario()
    base = cost_summary(spell_costs(table(entry_week=[0.0] * 10, exit_week=[26.0] * 10), s,
                                    start_week=0, end_week=52))
    eps = programmes([4.0] * 10, [6.0] * 10, jobseeker_id=list(range(10)))
    var = cost_summary(spell_costs(table(entry_week=[0.0] * 10, exit_week=[24.0] * 10), s,
                                   programmes=eps, start_week=0, end_week=52))
    assert var.per_year("programmes") == pytest.approx(10 * 2 * 30 * ACT_HOUR)
    assert var.per_year("programmes", "state") == 0.0  # a municipal operating cost
    bc = business_case(base, var, horizon_years=1)
    assert bc.investment_per_year == pytest.approx(10 * 2 * 30 * ACT_HOUR)
    assert bc.savings_per_year == pytest.approx(10 * 2 * W19)
    assert bc.savings_municipality_per_year == pytest.approx(10 * 2 * 0.6 * W19)
    assert bc.full_year_persons_saved_per_year == pytest.approx(20 / 52)
    assert bc.net_per_year == pytest.approx(10 * 2 * (W19 - 30 * ACT_HOUR))
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
    """A year of a small job centre with group meetings, activation and a wage subsidy, costed
    from its record: the categories and the payers add up, every meeting, programme week and
    subsidised week the engine recorded is priced exactly once at its rate, and the run's own
    costing (run_replication) is the same."""
    group = {"size": 8, "from_week": 1, "until_week": 6, "every_weeks": 1}
    s = scenario(**{
        "population.annual_inflow": 1500, "scenario.horizon_weeks": 52.0,
        "meetings.group": group,
        "programmes": [
            {"kind": "activation", "name": "act", "start_week": 4, "duration_weeks": 2},
            {"kind": "wage_subsidy", "name": "ws", "start_week": 8, "duration_weeks": 10,
             "hours_per_week": 37},
        ],
    })
    centre = JobCentre(s, root_entropy(3), 0)
    centre.run()
    spells = spell_table(centre)
    record = centre.record.tables()
    held, eps = record["meetings"], record["programmes"]
    hi = s.scenario.end_week
    assert hi == 52.0 and held.time.between(0, hi, inclusive="left").all()
    ws = eps[eps.subsidised.astype(bool)]
    act = eps[eps.kind == "activation"]
    assert len(ws) and len(act) and (held.kind == "group").any()
    assert (~ws.completed.astype(bool)).any()  # some subsidies are cut short by the exit
    with warnings.catch_warnings():
        warnings.simplefilter("error", RatesCoverageWarning)  # the run ends in 2019
        c = spell_costs(spells, s, meetings=held, programmes=eps)
    assert "subsidy_timing" not in c.columns
    cats = ["cost_benefit", "cost_meetings_individual", "cost_meetings_group",
            "cost_programmes", "cost_wage_subsidy", "cost_provider"]
    assert np.allclose(c[cats].sum(axis=1), c.cost_total)
    assert np.allclose(c.cost_meetings_individual + c.cost_meetings_group, c.cost_meetings)
    assert np.allclose(c.cost_state + c.cost_municipality, c.cost_total)
    in_run = np.minimum(c.exit_week, hi) - np.maximum(c.entry_week, 0.0)
    assert np.allclose(c.benefit_weeks + c.subsidy_weeks, in_run)
    # each meeting held is one caseworker hour; the engine's tallies count the same meetings
    assert np.allclose(c.cost_meetings_individual, HOUR * c.meetings_held)
    assert np.allclose(c.cost_meetings_group, 3 * HOUR / 8 * c.group_meetings)
    n_ind = held.kind.isin(["regular", "extra"]).sum()
    assert c.cost_meetings_individual.sum() == pytest.approx(HOUR * n_ind)
    # each activation week at 30 h x 41.41; each subsidised week at 37 h x 79.68, up to the
    # exit for those cut short (which the spell table's subsidised_weeks leaves out)
    act_weeks = float((act.end - act.start).sum())
    assert c.cost_programmes.sum() == pytest.approx(act_weeks * 30 * ACT_HOUR)
    ws_weeks = float((ws.end - ws.start).sum())
    assert c.subsidy_weeks.sum() == pytest.approx(ws_weeks)
    assert c.cost_wage_subsidy.sum() == pytest.approx(ws_weeks * 37 * SUBSIDY_HOUR)
    assert c.subsidy_weeks.sum() > c.subsidised_weeks.sum()
    assert (c.subsidy_weeks >= c.subsidised_weeks - 1e-9).all()
    # the run prices the same record the same way
    ran, _ = run_replication(s, root_entropy(3), 0)
    assert ran[["jobseeker_id", "spell"]].equals(c[["jobseeker_id", "spell"]])
    for col in [*cats, "cost_total", "cost_municipality", "benefit_weeks", "subsidy_weeks"]:
        assert np.allclose(ran[col], c[col]), col
    summary = cost_summary(c)
    assert 52 * GRAD * W19 < summary.benefit_per_full_year_person < 52 * W19
    fyp = full_year_persons(spells, 0, hi, eps)
    assert summary.full_year_persons_per_year == pytest.approx(fyp)
    # without the episodes (the spell table's tallies spread proportionally) this agrees where
    # no subsidy was cut short and the whole spell is in the window
    cut = ws.loc[~ws.completed.astype(bool), ["jobseeker_id", "spell"]]
    keys = pd.MultiIndex.from_frame(spells[["jobseeker_id", "spell"]])
    done = spells[~keys.isin(pd.MultiIndex.from_frame(cut)) & (spells.entry_week >= 0)]
    assert full_year_persons(done, 0, hi) == pytest.approx(full_year_persons(done, 0, hi, eps))


