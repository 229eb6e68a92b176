"""The decomposition of a gap into steps adds up, matches a direct comparison, obeys the order."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import acsim  # noqa: E402
from acsim import ScenarioError  # noqa: E402

METRICS = ("rmst_104", "mean_completed_duration", "share_meetings_on_time")
SMALL = {"scenario.horizon_weeks": 40.0, "scenario.warmup_weeks": 8.0}


def _small(name, inflow, caseworkers):
    sc = acsim.load_scenario(f"scenarios/{name}.toml")
    return sc.with_changes({**SMALL, "population.annual_inflow": inflow,
                            "staffing.caseworkers": caseworkers})


@pytest.fixture(scope="module")
def pair():
    return _small("copenhagen", 900.0, 4), _small("aarhus", 400.0, 7)


@pytest.fixture(scope="module")
def decomposition(pair):
    cph, aar = pair
    return acsim.decompose(cph, aar, metrics=METRICS, replications=3, seed=5, workers=1,
                           progress=False)


def test_the_parts_add_up_to_the_gap_in_every_replication(decomposition):
    d = decomposition
    assert d.steps == ["staffing", "meetings", "screening", "programmes", "provider",
                       "population and labour market"]
    c = d.contributions
    for metric in METRICS:
        per_rep = c[c["metric"] == metric].groupby("replication")["contribution"].sum()
        _, v = d._values(metric)
        np.testing.assert_allclose(per_rep.to_numpy(), v[-1] - v[0], rtol=0, atol=1e-9)
    s = d.summary
    for metric in METRICS:
        rows = s.loc[metric]
        assert list(rows.index) == d.steps
        np.testing.assert_allclose(rows["contribution"].sum(), d.total.loc[metric, "difference"],
                                   atol=1e-9)
        np.testing.assert_allclose(rows["cumulative"].iloc[-1],
                                   d.total.loc[metric, "difference"], atol=1e-9)
        np.testing.assert_allclose(rows["share_of_total"].sum(), 1.0, atol=1e-9)
        assert (rows["ci_low"] <= rows["contribution"] + 1e-12).all()
    # Both cities have the same provider: that step moves nothing, on common random numbers.
    assert (s.xs("provider", level="step")["contribution"] == 0.0).all()


def test_the_last_row_is_the_direct_comparison(pair, decomposition):
    cph, aar = pair
    direct = acsim.compare([cph, aar], replications=3, seed=5, workers=1, progress=False)
    t = direct.table(metrics=METRICS).set_index(["scenario", "metric"])
    for metric in METRICS:
        last = decomposition.summary.loc[(metric, "population and labour market")]
        row = t.loc[("Aarhus", metric)]
        np.testing.assert_allclose(last["cumulative"], row["diff_vs_first"], atol=1e-9)
        np.testing.assert_allclose(last["cumulative_ci_low"], row["diff_ci_low"], atol=1e-9)
        np.testing.assert_allclose(last["cumulative_ci_high"], row["diff_ci_high"], atol=1e-9)


def test_staffing_is_scaled_to_caseload_in_the_chain(decomposition):
    first = decomposition.comparison.results[1].scenario
    # Aarhus's 7 caseworkers for 400 a year, scaled to Copenhagen's 900: 16.
    assert first.staffing.caseworkers == round(7 * 900 / 400)
    assert first.population == decomposition.comparison.results[0].scenario.population


def test_the_order_can_be_given_and_the_population_moved_first(pair):
    cph, aar = pair
    d = acsim.decompose(cph, aar, sections=["programmes", "staffing"], metrics="rmst_104",
                        order=["population", "staffing", "programmes"], replications=2, seed=5,
                        workers=1, progress=False)
    assert d.steps == ["population and labour market (and meetings, screening, provider)",
                       "staffing", "programmes"]
    chain = [r.scenario for r in d.comparison.results]
    # After the population step: Aarhus's population with Copenhagen's staffing (scaled to
    # Aarhus's inflow) and programmes, and Aarhus's meetings (not decomposed).
    assert chain[1].population == aar.population
    assert chain[1].programmes == cph.programmes and chain[1].meetings == aar.meetings
    assert chain[1].staffing.caseworkers == round(4 * 400 / 900)
    assert chain[-1] is aar or chain[-1] == aar
    s = d.summary.loc["rmst_104"]
    np.testing.assert_allclose(s["contribution"].sum(), d.total.loc["rmst_104", "difference"],
                               atol=1e-9)


def test_bad_arguments_are_refused_before_anything_runs(pair):
    cph, aar = pair
    with pytest.raises(ScenarioError, match="order"):
        acsim.decompose(cph, aar, sections=["staffing", "meetings"], order=["staffing"])
    with pytest.raises(ScenarioError, match="not a policy section"):
        acsim.decompose(cph, aar, sections=["hazard"])
    with pytest.raises(ValueError):
        acsim.decompose(cph, aar, metrics=["no_such_metric"])


def test_plot_takes_and_returns_an_axes(decomposition):
    fig, ax = plt.subplots()
    assert decomposition.plot(ax=ax, metric="mean_completed_duration") is ax
    assert len(ax.get_xticklabels()) == len(decomposition.steps) + 1
    plt.close(fig)
    ax = decomposition.plot()
    assert ax.get_title().startswith("rmst_104")
    plt.close(ax.figure)
    with pytest.raises(ValueError):
        decomposition.plot(metric="survival_26")
