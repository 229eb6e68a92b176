import numpy as np
import pandas as pd
import pytest

import acsim
from acsim import Scenario
from acsim.cli.main import main

SMALL = {"population.annual_inflow": 1500.0, "scenario.horizon_weeks": 52.0,
         "scenario.warmup_weeks": 13.0, "staffing.caseworkers": 4}


def test_identical_scenarios_differ_by_exactly_zero():
    sc = Scenario().with_changes(SMALL)
    cmp = acsim.compare([sc, sc], replications=2, seed=3, workers=1, progress=False)
    t = cmp.table()
    second = t[t["scenario"] != t["scenario"].iloc[0]]
    assert (second["diff_vs_first"].fillna(0.0) == 0.0).all(), second
    assert cmp.names[1].endswith("(2)")


def test_more_caseworkers_mean_more_meetings_on_time():
    # Two caseworkers for 1,500 a year cannot keep up; twelve can.
    base = Scenario().with_changes({**SMALL, "staffing.caseworkers": 2})
    more = base.with_changes({"scenario.name": "more", "staffing.caseworkers": 12})
    cmp = acsim.compare([base, more], replications=3, seed=4, workers=1, progress=False)
    t = cmp.table().set_index(["scenario", "metric"])
    row = t.loc[("more", "share_meetings_on_time")]
    assert row["diff_ci_low"] > 0, row


def test_sweep_is_tidy():
    sc = Scenario().with_changes(SMALL)
    out = acsim.sweep(sc, {"staffing.caseworkers": [2, 6]}, replications=1, seed=1, workers=1,
                      metrics=["meetings_per_spell"], progress=False)
    assert list(out.columns) == ["staffing.caseworkers", "metric", "mean", "ci_low", "ci_high",
                                 "diff_vs_first", "diff_ci_low", "diff_ci_high"]
    assert out["staffing.caseworkers"].tolist() == [2, 6]
    m = out["mean"].to_numpy()
    assert m[1] > m[0]
    assert out["diff_vs_first"].iloc[1] == pytest.approx(m[1] - m[0])


def test_cli_compare_writes_table_and_figures(tmp_path, capsys):
    a = tmp_path / "a.toml"
    a.write_text('[scenario]\nname = "A"\nwarmup_weeks = 13\nhorizon_weeks = 40\n'
                 '[population]\nannual_inflow = 1200\n[staffing]\ncaseworkers = 3\n')
    b = tmp_path / "b.toml"
    b.write_text(a.read_text().replace('"A"', '"B"').replace("caseworkers = 3",
                                                             "caseworkers = 6"))
    out = tmp_path / "out"
    assert main(["compare", str(a), str(b), "-n", "2", "--seed", "1", "--out", str(out),
                 "--quiet", "--workers", "1"]) == 0
    table = pd.read_csv(out / "comparison.csv")
    assert set(table["scenario"]) == {"A", "B"}
    assert np.isnan(table.loc[table["scenario"] == "A", "diff_vs_first"]).all()
    for name in ["survival", "hazard", "utilisation", "meeting_delays"]:
        assert (out / f"{name}.png").stat().st_size > 0


@pytest.mark.parametrize("args", [["compare", "nope.toml"], ["compare", "x.toml", "-n", "0"]])
def test_cli_compare_bad_input_exits_2(args, capsys):
    assert main(args) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_compare_precision_stops_on_the_paired_difference():
    base = Scenario().with_changes(SMALL)
    more = base.with_changes({"scenario.name": "more", "staffing.caseworkers": 8})
    cmp = acsim.compare([base, more], replications=3, seed=2, workers=1, progress=False,
                        precision=0.25, metric="rmst_104", max_replications=30)
    t = cmp.table(metrics=["rmst_104"])
    width = t["diff_ci_high"].iloc[1] - t["diff_ci_low"].iloc[1]
    reps = cmp.results[0].replications
    assert reps < 30 and width <= 0.25 * t["mean"].iloc[0], (reps, width)
    capped = acsim.compare([base, more], replications=2, seed=2, workers=1, progress=False,
                           precision=1e-9, max_replications=4)
    assert capped.results[1].replications == 4
