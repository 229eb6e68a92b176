import math
from datetime import date

import numpy as np
from scipy import stats

from acsim import run
from acsim.model.population import PopulationSpec, _month_of, draw_population
from acsim.spec.scenario import Scenario
from conftest import bare_scenario


def test_inflow_follows_the_monthly_profile():
    spec = PopulationSpec(annual_inflow=52_000, graduate_share=1.0)
    start = date(2019, 1, 1)
    pop = draw_population(spec, start, 52.0 * 3, Scenario().hazard.covariates, 4, 0)
    months = np.array([_month_of(start, js.arrival) for js in pop.inflow])
    counts = np.bincount(months, minlength=12)
    days = np.array([31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    w = np.asarray(spec.graduate_profile) / np.mean(spec.graduate_profile)
    expected = w * days / days.sum() * 12 / 12
    expected = expected / expected.sum() * counts.sum()
    chi = stats.chisquare(counts, expected)
    assert chi.pvalue > 0.001, (counts.tolist(), expected.round().tolist())
    assert counts.argmax() == 7  # August
    assert counts[1] > counts[0] and counts[1] > counts[2]  # the February wave


def test_arrivals_are_a_poisson_count():
    spec = PopulationSpec(annual_inflow=5200, graduate_share=0.3)
    n = [len(draw_population(spec, date(2019, 1, 1), 52.0, Scenario().hazard.covariates, 1, r)
             .inflow) for r in range(30)]
    mean = 5200 * 52 / (365.25 / 7)
    assert abs(np.mean(n) - mean) < 4 * math.sqrt(mean / 30), (np.mean(n), mean)


def test_stock_spells_are_left_truncated_and_memoryless_under_constant_hazard():
    rate = 0.05
    sc = bare_scenario(**{
        "population.annual_inflow": 0.0,
        "population.stock": [{"from_week": 13, "to_week": 26, "count": 3000},
                             {"from_week": 52, "to_week": 60, "count": 3000}],
        "hazard.job": {"breaks": [0.0], "rates": [rate]},
    })
    res = run(sc, seed=8, progress=False)
    s = res.spells[res.spells["spell"] == 0]
    assert s["from_stock"].all()
    assert ((s["entry_truncation"] >= 13) & (s["entry_truncation"] < 60)).all()
    # Remaining time from week 0 is Exp(rate) whatever the elapsed duration.
    remaining = s["exit_week"].to_numpy()
    assert not s["censored"].any()
    ks = stats.kstest(remaining, "expon", args=(0, 1 / rate))
    assert ks.pvalue > 0.001, ks


def test_screening_errors_keep_the_track_shares():
    from acsim.policies.screening import Screening, ScreeningSpec, TrackSpec

    spec = ScreeningSpec(tracks=(TrackSpec(name="low", share=0.875),
                                 TrackSpec(name="high", share=0.125)), accuracy=0.8)
    scr = Screening(spec)
    rng = np.random.default_rng(1)
    z, u = rng.standard_normal(200_000), rng.random(200_000)
    screened = np.array([scr.screened_index(a, b) for a, b in zip(z, u, strict=True)])
    true = np.array([scr.true_index(a) for a in z])
    share_high = screened.mean()
    assert abs(share_high - 0.125) < 0.003, share_high
    assert 0.05 < (screened != true).mean() < 0.2
