"""Exits out of the labour force and returns to unemployment: the metrics and a programme's
``other_hr``, against analytic competing-risk results."""

from __future__ import annotations

import math

import pytest

from acsim import run
from acsim.exceptions import ScenarioError
from acsim.model.vectorised import check_supported
from conftest import bare_scenario

A, B = 0.1, 0.05  # job and other-exit rates a week


def _within(value: float, expected: float, se: float, what: str) -> None:
    assert abs(value - expected) < 4 * se, (
        f"{what}: simulated {value:.4f}, analytic {expected:.4f}, 4 SE = {4 * se:.4f}")


def test_exit_metrics_match_competing_risks_and_the_separation_rate():
    s = 0.01  # separation rate a week: back within 52 weeks with 1 - exp(-52 s)
    sc = bare_scenario(**{"hazard.other": {"breaks": [0.0], "rates": [B]},
                          "hazard.separation": {"breaks": [0.0], "rates": [s]}})
    res = run(sc, replications=1, seed=21, progress=False)
    m = res.replication_metrics.iloc[0]
    spells = res.analysed_spells()
    ended = spells[spells["exit_reason"] != "censored"]
    n = len(ended)
    p_other = B / (A + B)
    # censored spells (at the end of the run) lower the share by their share of the spells
    _within(m["share_exit_other"], p_other * n / len(spells),
            math.sqrt(p_other * (1 - p_other) / len(spells)), "share_exit_other")
    # weeks out of the labour force within 52 weeks of a first spell's entry, with no return
    # before an other exit: E = int_0^52 P(other exit by t) dt over the spell's own risks;
    # later spells (after a job) add the same shape, so check the first spells alone
    rate = A + B
    expected = p_other * (52.0 - (1.0 - math.exp(-rate * 52.0)) / rate)
    first = spells[(spells["spell"] == 0) & (spells["entry_week"] + 52 <= res.scenario.scenario
                                            .end_week)]
    from acsim.analysis.outcomes import exits_and_returns

    got = exits_and_returns(first, res.spells, res.scenario.scenario.end_week)
    _within(got["weeks_out_52"], expected, 52.0 * math.sqrt(p_other / len(first)),
            "weeks_out_52 of first spells")
    back = 1.0 - math.exp(-52.0 * s)
    jobs = first[(first["exit_reason"] == "job")
                 & (first["exit_week"] + 52 <= res.scenario.scenario.end_week)]
    _within(got["return_within_52"], back, math.sqrt(back * (1 - back) / len(jobs)),
            "return_within_52")


def test_a_programme_that_raises_other_exits_from_its_start():
    """other_hr = 2 from week 5: P(other) = b/(a+b) (1 - e^{-5(a+b)}) + e^{-5(a+b)} 2b/(a+2b)."""
    sc = bare_scenario(**{
        "hazard.other": {"breaks": [0.0], "rates": [B]},
        "programmes": [{"kind": "activation", "name": "availability test", "start_week": 5.0,
                        "duration_weeks": 10.0, "threat_weeks": 0.0}],
        "effects.activation": {"lockin_hr": 1.0, "post_hr": 1.0, "threat_hr": 1.0,
                               "other_hr": 2.0},
    })
    res = run(sc, replications=1, seed=8, progress=False)
    s = res.spells[(res.spells["spell"] == 0) & (res.spells["exit_reason"] != "censored")]
    p = float((s["exit_reason"] == "other").mean())
    surv5 = math.exp(-5.0 * (A + B))
    expected = B / (A + B) * (1 - surv5) + surv5 * 2 * B / (A + 2 * B)
    _within(p, expected, math.sqrt(expected * (1 - expected) / len(s)), "P(other exit)")
    with pytest.raises(ScenarioError, match="other_hr"):
        check_supported(sc)  # the vectorised engine refuses it, naming the key
