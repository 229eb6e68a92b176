"""The engine against analytic survival: exact sampling means these hold to sampling error."""

import math

import numpy as np
import pytest
from scipy import stats

from acsim import run
from acsim.model.hazards import PiecewiseHazard
from conftest import bare_scenario


def first_spells(result, followed_weeks):
    s = result.spells
    s = s[(s["spell"] == 0) & (s["entry_week"] < s["exit_week"].max() - followed_weeks)]
    return s


def test_constant_hazard_gives_exponential_durations():
    rate = 0.1
    res = run(bare_scenario(), replications=1, seed=11, progress=False)
    s = first_spells(res, 200.0)  # followed >= 200 weeks: P(censored) = exp(-20)
    assert not s["censored"].any()
    ks = stats.kstest(s["duration"], "expon", args=(0, 1 / rate))
    assert ks.pvalue > 0.001, (
        f"KS vs Exp({rate}): n={len(s)}, D={ks.statistic:.4f}, p={ks.pvalue:.4g}"
    )


def _km_at(durations, events, t):
    from lifelines import KaplanMeierFitter

    kmf = KaplanMeierFitter().fit(durations, events)
    sf = float(kmf.survival_function_at_times([t]).iloc[0])
    n = len(durations)
    return sf, math.sqrt(max(sf * (1 - sf), 1e-6) / n)


def _check_survival(res, expected, weeks):
    s = res.spells[res.spells["spell"] == 0]
    rows = []
    for t in weeks:
        sf, se = _km_at(s["duration"], s["event"], t)
        rows.append((t, sf, expected(t), se))
    bad = [r for r in rows if abs(r[1] - r[2]) > 4 * r[3] + 1e-3]
    table = "\n".join(f"  t={t:6.1f} simulated={a:.4f} analytic={b:.4f} se={c:.4f}"
                      for t, a, b, c in rows)
    assert not bad, f"survival differs from exp(-H(t)):\n{table}"


def test_piecewise_hazard_gives_exp_minus_cumulative_hazard():
    breaks, rates = [0.0, 5.0, 15.0], [0.05, 0.2, 0.02]
    h = PiecewiseHazard(tuple(breaks), tuple(rates))
    res = run(bare_scenario(**{"hazard.job": {"breaks": breaks, "rates": rates}}),
              replications=1, seed=5, progress=False)
    _check_survival(res, lambda t: h.survival(t), [5.0, 15.0, 30.0, 60.0])


@pytest.mark.parametrize("k,w", [(2.0, 10.0), (0.4, 6.0)])
def test_policy_multiplying_hazard_from_week_w_gives_analytic_survival(k, w):
    breaks, rates = [0.0, 8.0], [0.04, 0.08]
    h = PiecewiseHazard(tuple(breaks), tuple(rates))
    sc = bare_scenario(**{
        "hazard.job": {"breaks": breaks, "rates": rates},
        "programmes": [{"kind": "activation", "name": "k from w", "start_week": w,
                        "duration_weeks": 1.0, "threat_weeks": 0.0}],
        "effects.activation": {"lockin_hr": k, "post_hr": k, "threat_hr": 1.0},
    })
    res = run(sc, replications=1, seed=3, progress=False)

    def expected(t):
        if t <= w:
            return h.survival(t)
        return math.exp(-(h.cumulative(w) + k * (h.cumulative(t) - h.cumulative(w))))

    _check_survival(res, expected, [w / 2, w, w + 5.0, w + 20.0, w + 40.0])


def test_competing_risks_split_by_rates():
    """With constant job and other rates a and b, P(job) = a / (a + b)."""
    sc = bare_scenario(**{"hazard.other": {"breaks": [0.0], "rates": [0.05]}})
    res = run(sc, replications=1, seed=9, progress=False)
    s = first_spells(res, 200.0)
    p = (s["exit_reason"] == "job").mean()
    se = math.sqrt(p * (1 - p) / len(s))
    assert abs(p - 2 / 3) < 4 * se, (p, se, len(s))


def test_benefit_exhaustion_ends_spells_at_the_limit():
    sc = bare_scenario(**{"hazard.job": {"breaks": [0.0], "rates": [0.005]},
                          "hazard.benefit_weeks": 30.0})
    res = run(sc, replications=1, seed=2, progress=False)
    s = res.spells[res.spells["exit_reason"] == "exhausted"]
    assert len(s) > 0
    assert np.allclose(s["duration"], 30.0)
    assert res.spells["duration"].max() <= 30.0 + 1e-9


def test_group_meetings_end_at_until_week_whatever_the_rounding():
    """Entries at awkward times used to leave the duration 1 ulp short of until_week."""
    sc = bare_scenario(**{
        "scenario.horizon_weeks": 40.0,
        "population.annual_inflow": 800.0,
        "meetings.group": {"from_week": 4.0, "until_week": 26.0, "every_weeks": 4.0},
        "effects.meetings.group_lift_hr": 2.0,
    })
    res = run(sc, seed=6, progress=False)
    s = res.spells[res.spells["duration"] >= 26.0]
    # Meetings at weeks 4, 8, ..., 24: six for everyone still unemployed at week 26.
    assert (s["group_meetings"] == 6).all(), s["group_meetings"].value_counts()


def test_programme_starting_as_another_ends_runs_and_one_inside_it_does_not():
    """Programmes occupy half-open intervals: one may start the instant another ends.

    Entries at awkward times make ``entry + 5 + 4`` and ``entry + 9`` differ by an ulp either
    way; the rule must not depend on that rounding.
    """
    sc = bare_scenario(**{
        "scenario.horizon_weeks": 60.0,
        "population.annual_inflow": 800.0,
        "hazard.job": {"breaks": [0.0], "rates": [0.01]},
        "programmes": [
            {"kind": "activation", "name": "after", "start_week": 9.0, "duration_weeks": 2.0,
             "threat_weeks": 0.0},
            {"kind": "activation", "name": "inside", "start_week": 7.0, "duration_weeks": 1.0,
             "threat_weeks": 0.0},
            {"kind": "course", "name": "first", "start_week": 5.0, "duration_weeks": 4.0,
             "threat_weeks": 0.0},
        ],
    })
    res = run(sc, seed=8, progress=False)
    s = res.spells[res.spells["duration"] > 11.0]
    assert len(s) > 300
    taken = s["programmes"].value_counts()
    assert (s["programmes"] == "first;after").all(), taken


def test_kaplan_meier_of_a_left_truncated_stock_is_exponential_from_the_spell_start():
    """A stock only, constant hazard: the left-truncated Kaplan-Meier curve is the analytic one.

    20,000 stock spells with 2-6 weeks elapsed at time 0 and a constant job hazard ``lam``.
    Spell durations count from the spell's start, and a spell is observed from its elapsed
    duration on (delayed entry). With no inflow nobody is observed before the shortest elapsed
    duration ``a0``, so Kaplan-Meier estimates ``S(t) / S(a0)``; memorylessness makes that
    ``exp(-lam (t - a0))``, and the median ``a0 + ln(2) / lam`` (13.9 weeks after ``a0``).
    Counting the elapsed weeks twice (in the duration and again on top of it) put the
    median at 22.0 weeks instead of 15.9.
    The tolerance is 4 standard errors (Greenwood; for the median by the delta method).
    """
    lam = 0.05
    sc = bare_scenario(**{
        "population.annual_inflow": 0.0,
        "population.stock": [{"from_week": 2, "to_week": 6, "count": 20000}],
        "hazard.job": {"breaks": [0.0], "rates": [lam]},
    })
    res = run(sc, seed=4, progress=False)
    spells = res.analysed_spells()
    first = spells[spells["spell"] == 0]
    assert len(first) == 20000 and first["from_stock"].all()
    a0 = float(first["entry_truncation"].min())
    kmf = res.survival()
    table = kmf.event_table
    n, d = table["at_risk"].to_numpy(float), table["observed"].to_numpy(float)
    greenwood = np.cumsum(np.divide(d, n * (n - d), out=np.zeros_like(n), where=n > d))

    def se_at(t):
        i = np.searchsorted(table.index.to_numpy(), t, side="right") - 1
        s = float(kmf.survival_function_at_times([t]).iloc[0])
        return s * math.sqrt(greenwood[i])

    rows = []
    for t in (8.0, 12.0, 20.0, 30.0, 50.0):
        sim = float(kmf.survival_function_at_times([t]).iloc[0])
        rows.append((f"S({t:g})", sim, math.exp(-lam * (t - a0)), se_at(t)))
    median = float(kmf.median_survival_time_)
    expected = a0 + math.log(2) / lam
    se_median = se_at(expected) / (lam * 0.5)  # dS/dt = -lam S at the median S = 1/2
    rows.append(("median", median, expected, se_median))
    report = "\n".join(f"  {k:8s} simulated={a:.4f} analytic={b:.4f} se={c:.4f}"
                       for k, a, b, c in rows)
    bad = [r for r in rows if abs(r[1] - r[2]) > 4 * r[3]]
    assert not bad, f"left-truncated Kaplan-Meier (a0={a0:.4f}) against exp(-lam (t - a0)):\n" \
                    f"{report}"
    # The run's metrics are read off the same curve.
    summary = res.summary["mean"]
    assert summary["median_duration"] == median
    assert summary["survival_26"] == pytest.approx(
        math.exp(-lam * (26 - a0)), abs=4 * se_at(26.0))
