"""Figures: every plotting function takes and returns an Axes, with titles, units and bands."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import acsim  # noqa: E402
from acsim import Scenario  # noqa: E402
from acsim.analysis import plotting  # noqa: E402

SMALL = {"population.annual_inflow": 800.0, "scenario.horizon_weeks": 52.0,
         "scenario.warmup_weeks": 8.0, "staffing.caseworkers": 3}
PROGRAMMES_A = [{"kind": "internship", "name": "internship A", "start_week": 8,
                 "duration_weeks": 4}]
PROGRAMMES_B = [{"kind": "wage_subsidy", "name": "wage subsidy B", "start_week": 12,
                 "duration_weeks": 17}]


@pytest.fixture(scope="module")
def cmp():
    a = Scenario().with_changes({**SMALL, "scenario.name": "A", "programmes": PROGRAMMES_A})
    b = a.with_changes({"scenario.name": "B", "programmes": PROGRAMMES_B,
                        "meetings.first_week": 3})
    return acsim.compare([a, b], replications=2, seed=5, workers=1, progress=False)


@pytest.fixture(scope="module")
def same():
    a = Scenario().with_changes({**SMALL, "programmes": PROGRAMMES_A})
    return acsim.compare([a, a], replications=2, seed=5, workers=1, progress=False)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _draws(cmp):
    return {
        "survival": lambda ax: plotting.plot_survival(cmp.results, ax=ax),
        "hazard": lambda ax: plotting.plot_hazard(cmp.results, ax=ax),
        "difference": lambda ax: plotting.plot_difference(cmp, ax=ax),
        "utilisation": lambda ax: plotting.plot_utilisation(cmp.results, ax=ax),
        "meeting_delays": lambda ax: plotting.plot_meeting_delays(cmp.results, ax=ax),
        "costs": lambda ax: plotting.plot_costs(cmp.results, ax=ax),
    }


@pytest.mark.parametrize("name", ["survival", "hazard", "difference", "utilisation",
                                  "meeting_delays", "costs"])
def test_each_figure_returns_an_axes_draws_into_a_given_one_and_is_labelled(cmp, name):
    draw = _draws(cmp)[name]
    ax = draw(None)
    assert isinstance(ax, matplotlib.axes.Axes)
    _, given = plt.subplots()
    assert draw(given) is given
    assert given.get_title(), name
    assert given.get_ylabel(), name
    assert given.get_xlabel() or name == "costs", name
    if name in ("costs", "hazard", "meeting_delays", "difference"):
        units = {"costs": "DKK", "hazard": "per week", "meeting_delays": "weeks",
                 "difference": "share"}[name]
        assert units in given.get_ylabel() + given.get_title(), name


def test_methods_pass_through(cmp):
    _, ax = plt.subplots()
    assert cmp.plot_difference(ax=ax) is ax
    for method in (cmp.plot_survival, cmp.plot_hazard, cmp.plot_utilisation,
                   cmp.plot_meeting_delays, cmp.plot_costs, cmp.results[0].plot_survival):
        _, ax = plt.subplots()
        assert method(ax=ax) is ax


def test_markers_come_from_each_scenario_spec():
    sc = acsim.load_scenario("scenarios/aarhus.toml")
    marks = plotting.policy_markers(sc)
    ends = {round(m.week): m.label for m in marks if m.kind == "end"}
    # The placements that start at week 26 end at 30 and 43, with their hire probabilities.
    assert "hired" in ends[30] and "hired" in ends[43]
    assert not any("right and duty" in m.label for m in marks)
    assert marks[0].label.startswith("first meeting") and marks[0].week == 4


def test_both_scenarios_markers_are_drawn_in_their_colours_inside_the_axes(cmp):
    ax = plotting.plot_hazard(cmp.results)
    ax.figure.canvas.draw()
    texts = [t for t in ax.texts if t.get_gid() == "policy-marker"]
    lines = {line.get_label(): line.get_color() for line in ax.get_lines()}
    box = ax.get_window_extent()
    for res in cmp.results:
        name = res.scenario.name
        mine = [t for t in texts if t.scenario == name]
        expected = plotting.policy_markers(res.scenario)
        assert {t.get_text() for t in mine} == {m.label for m in expected}
        colour = next(c for label, c in lines.items() if label.startswith(name))
        assert all(t.get_color() == colour for t in mine)
    labels = {t.get_text() for t in texts}
    assert "internship A ends (hired 15%)" in labels
    assert any(t.startswith("wage subsidy B ends") for t in labels)
    extents = [t.get_window_extent() for t in texts]
    for e in extents:
        assert box.x0 - 0.5 <= e.x0 and e.x1 <= box.x1 + 0.5
        assert box.y0 - 0.5 <= e.y0 and e.y1 <= box.y1 + 0.5
    for i, e in enumerate(extents):
        for f in extents[i + 1:]:
            assert not e.overlaps(f), "marker labels overlap"


def test_difference_of_identical_scenarios_is_zero_with_a_zero_width_band(same):
    band = plotting.difference_band(same)
    assert (band["difference"] == 0.0).all()
    assert (band["ci_low"] == 0.0).all() and (band["ci_high"] == 0.0).all()
    ax = plotting.plot_difference(same)
    assert ax.get_ylim()[0] < 0.0 < ax.get_ylim()[1]


def test_difference_band_contains_the_mean_and_is_paired(cmp):
    band = plotting.difference_band(cmp)
    assert (band["ci_low"] <= band["difference"] + 1e-12).all()
    assert (band["difference"] <= band["ci_high"] + 1e-12).all()
    # the mean of the replications' curves at week 13 is the summary's survival_13
    s = plotting.survival_band(cmp.results[1])
    at13 = float(s.loc[s["week"] == 13.0, "survival"].iloc[0])
    assert at13 == pytest.approx(cmp.results[1].summary.loc["survival_13", "mean"])


def test_survival_band_is_between_replications(cmp):
    band = plotting.survival_band(cmp.results[0])
    assert (band["band"] == "replications").all()
    assert ((band["ci_high"] - band["ci_low"]).fillna(0) >= 0).all()
    assert (band["ci_high"] - band["ci_low"]).max() > 0


def test_costs_split_payers_with_intervals(cmp):
    table = plotting.cost_by_payer(cmp.results[0])
    assert set(table["payer"]) == {"state", "municipality"}
    total = table.groupby("replication")["per_spell"].sum().mean()
    # the payers add up to the run's cost per spell (within the spread of replications)
    assert total == pytest.approx(cmp.results[0].cost_summary().table.loc["total", "per_spell"],
                                  rel=0.05)
    ax = plotting.plot_costs(cmp.results)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["state", "municipality"] * 2
    assert len(ax.containers) >= 2  # error bars
    assert np.isfinite(ax.get_ylim()).all()
