"""Effect estimators against analytic results and lifelines."""

import math

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter

from acsim.analysis.estimators import cox_hazard_ratio, difference, median_difference, rate_ratio


def test_cox_matches_lifelines():
    rng = np.random.default_rng(3)
    n = 3000
    z = rng.random(n) < 0.5
    t = rng.exponential(1.0 / np.where(z, 1.4, 1.0))
    c = rng.exponential(2.0, n)
    time, event = np.minimum(t, c), t <= c
    est = cox_hazard_ratio(time, event, z)
    df = pd.DataFrame({"T": time, "E": event, "z": z.astype(float)})
    ref = CoxPHFitter().fit(df, "T", "E")
    hr = math.exp(ref.params_["z"])
    lo, hi = np.exp(ref.confidence_intervals_.loc["z"].to_numpy())
    assert est.effect == pytest.approx(hr, rel=1e-6), (est, hr)
    assert est.ci_low == pytest.approx(lo, rel=1e-4) and est.ci_high == pytest.approx(hi, rel=1e-4)
    assert est.ci_low < 1.4 < est.ci_high


def test_rate_ratio_exponential_oracle():
    # Constant hazards 0.1 and 0.15: the rate ratio within any window is 1.5.
    rng = np.random.default_rng(4)
    a, b = rng.exponential(10.0, 40_000), rng.exponential(1 / 0.15, 40_000)
    def window(d):
        exp = np.clip(d, 2, 5) - 2
        return ((d >= 2) & (d < 5)).sum(), exp.sum()
    est = rate_ratio(*window(a), *window(b))
    assert est.ci_low < 1.5 < est.ci_high, est
    assert est.control == pytest.approx(0.1, rel=0.05)


def test_difference_paired_and_welch():
    x = np.arange(10.0)
    assert difference(x, x + 2, paired=True).effect == 2.0
    est = difference(x, x + 2, paired=True)
    assert est.ci_low == est.ci_high == 2.0
    w = difference(x, x + 2)
    assert w.ci_low < 2.0 < w.ci_high
    assert difference(np.zeros(5), np.ones(5), scale=100).effect == 100.0


def test_median_difference_is_seeded():
    rng = np.random.default_rng(5)
    a, b = rng.exponential(10, 500), rng.exponential(12, 500)
    e1, e2 = median_difference(a, b, seed=1), median_difference(a, b, seed=1)
    assert e1 == e2
    assert e1.effect == pytest.approx(np.median(b) - np.median(a))
