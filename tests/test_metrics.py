"""One vocabulary of metric names, one interval helper, result summaries that agree."""

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from acsim.analysis.intervals import summary_table, t_interval, welch_interval
from acsim.analysis.metrics import COMPARISON_METRICS, METRICS, SURVIVAL_WEEKS, metric_info
from acsim.analysis.trial_metrics import METRIC_KINDS
from acsim.evidence.records import load_evidence


def test_every_name_is_defined_once_in_one_line():
    names = [m.name for m in METRICS]
    assert len(names) == len(set(names))
    for m in METRICS:
        assert m.definition and "\n" not in m.definition, m.name
        assert set(m.scopes) <= {"run", "trial", "business", "municipal"}, m.name
    # No concrete name matches two entries.
    for m in METRICS:
        example = re.sub(r"<\w>", "13", m.name)
        hits = [o.name for o in METRICS if o.pattern.match(example)]
        assert hits == [m.name], (example, hits)


def test_run_metrics_are_all_defined_and_none_is_a_trial_only_name():
    from acsim.experiments.run import run
    from conftest import bare_scenario

    res = run(bare_scenario(**{"scenario.horizon_weeks": 30.0}), seed=1, progress=False)
    for name in res.replication_metrics.columns.drop("replication"):
        assert "run" in metric_info(name).scopes, name
    assert {f"survival_{w}" for w in SURVIVAL_WEEKS} <= set(res.summary.index)
    assert not any(n.startswith("unemployed_at") for n in res.summary.index)
    for name in COMPARISON_METRICS:
        assert "run" in metric_info(name).scopes, name


def test_trial_and_evidence_metric_names_are_defined_for_trials():
    examples = {"window_hr": "window_hr_9_13", "employed_at": "employed_at_26",
                "unemployed_at": "unemployed_at_52", "weeks_unemployed": "weeks_unemployed_52"}
    for kind in METRIC_KINDS:
        assert "trial" in metric_info(examples.get(kind, kind), "trial").scopes, kind
    checks = [c for record in load_evidence() for c in record.checks]
    for check in checks:
        if check.kind in ("trial", "municipal"):
            metric_info(check.metric, check.kind)
    assert any(c.metric.startswith("weeks_employed_104") for c in checks)
    with pytest.raises(KeyError, match="survival_26"):
        metric_info("survival_26", "trial")
    with pytest.raises(KeyError, match="unemployed_at_26"):
        metric_info("unemployed_at_26", "run")


def _old_t_interval(v, q=0.975):
    """The formula every copy used: mean ± t(n-1) sd / sqrt(n), NaN dropped."""
    v = np.asarray(v, dtype=float)
    v = v[~np.isnan(v)]
    half = float(stats.t.ppf(q, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v)))
    return float(v.mean()), float(v.mean()) - half, float(v.mean()) + half


def test_t_interval_is_the_t_formula_exactly():
    rng = np.random.default_rng(3)
    for n in (2, 3, 7, 40):
        v = rng.normal(10, 3, n)
        assert t_interval(v) == _old_t_interval(v)
    v = np.array([1.0, np.nan, 2.0, 4.0])
    assert t_interval(v) == _old_t_interval(v)
    m, lo, hi = t_interval([5.0])
    assert m == 5.0 and math.isnan(lo) and math.isnan(hi)
    assert all(math.isnan(x) for x in t_interval([np.nan]))
    # Coverage against scipy's own interval.
    v = rng.normal(0, 1, 12)
    ref = stats.t.interval(0.9, len(v) - 1, loc=v.mean(), scale=stats.sem(v))
    assert t_interval(v, level=0.9)[1:] == pytest.approx(ref, rel=1e-12)


def test_welch_interval_matches_scipy():
    rng = np.random.default_rng(4)
    c, t = rng.normal(0, 1, 30), rng.normal(0.5, 2, 50)
    diff, lo, hi = welch_interval(c, t)
    res = stats.ttest_ind(t, c, equal_var=False)
    ci = res.confidence_interval(0.95)
    assert diff == pytest.approx(t.mean() - c.mean())
    assert (lo, hi) == pytest.approx((ci.low, ci.high), rel=1e-10)
    assert welch_interval([1.0, 1.0], [2.0, 2.0]) == (1.0, 1.0, 1.0)


def test_summary_table_drops_missing_replications_from_the_interval():
    df = pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [1.0, np.nan, 3.0]})
    s = summary_table(df)
    assert list(s.columns) == ["mean", "ci_low", "ci_high", "replications"]
    assert s.index.name == "metric" and (s["replications"] == 3).all()
    assert tuple(s.loc["b", ["mean", "ci_low", "ci_high"]]) == t_interval([1.0, 3.0])
    # Before, the interval of "b" used n = 3 (t on 2 degrees of freedom, sqrt(3)).
    assert s.loc["b", "ci_high"] - s.loc["b", "mean"] == pytest.approx(stats.t.ppf(0.975, 1))


def test_summaries_are_properties_with_the_same_columns():
    from acsim.costs.business import PairedBusinessCase
    from acsim.evidence.trials import TrialResult
    from acsim.experiments.compare import Comparison
    from acsim.experiments.run import RunResult

    for cls in (RunResult, Comparison, PairedBusinessCase, TrialResult):
        assert isinstance(cls.summary, property), cls.__name__


def test_the_docs_list_every_metric():
    text = (Path(__file__).resolve().parent.parent / "docs" / "metrics.md").read_text()
    for m in METRICS:
        assert f"| `{m.name}` | {m.unit} | {m.definition} |" in text, m.name


def test_run_summary_comparison_and_business_case_agree():
    from acsim.experiments.compare import compare
    from conftest import bare_scenario

    base = bare_scenario(**{"scenario.horizon_weeks": 30.0, "population.annual_inflow": 800.0})
    variant = base.with_changes({"hazard.job": {"breaks": [0.0], "rates": [0.12]}})
    # Eight replications: where a 2-D frame reduction and a 1-D sum part in the last bit.
    cmp = compare([base, variant], replications=8, seed=2, progress=False, workers=1)
    cols = ["mean", "ci_low", "ci_high", "replications"]
    for res in cmp.results:
        mine = cmp.summary.xs(res.scenario.name, level="scenario")[cols]
        pd.testing.assert_frame_equal(res.summary.loc[mine.index, cols], mine,
                                      check_exact=True, check_names=False)
    means = cmp.means()
    assert list(means.columns) == cmp.names and means.index[0] == COMPARISON_METRICS[0]
    case = cmp.business_case(1).summary
    assert list(case.columns) == cols and case.index.name == "metric"
    for name in case.index:
        assert "business" in metric_info(name).scopes, name
