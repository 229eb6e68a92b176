"""Shapley values of a gap's parts, and the parameters ranked by how much they move it."""

from __future__ import annotations

import itertools
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from acsim import load_scenario
from acsim.cli.main import main
from acsim.experiments.shapley import ShapleyDecomposition, parameter_sensitivity, shapley

ROOT = Path(__file__).resolve().parent.parent
SMALL = {"population.annual_inflow": 400.0, "scenario.horizon_weeks": 60.0}


def _values(fn, n, reps=3):
    """A game ``fn(subset) -> value per replication`` as a decomposition's values."""
    out = {}
    for size in range(n + 1):
        for sub in itertools.combinations(range(n), size):
            v = np.asarray(fn(frozenset(sub)), dtype=float)
            out[frozenset(sub)] = pd.DataFrame({"replication": range(reps), "rmst_104": v})
    return out


def _decomposition(fn, n=3):
    return ShapleyDecomposition("a", "b", [f"s{i}" for i in range(n)], ("rmst_104",),
                                _values(fn, n), seed=0, runs=2 ** n)


def test_an_additive_game_gives_each_part_its_own_effect():
    effects = np.array([[1.0, 2.0, 3.0], [-0.5, 0.0, 0.5], [4.0, 4.0, 4.0]])
    d = _decomposition(lambda s: sum((effects[i] for i in s), np.zeros(3)))
    c = d.contributions.pivot(index="replication", columns="step", values="contribution")
    assert c[["s0", "s1", "s2"]].to_numpy().T == pytest.approx(effects)


def test_an_interaction_is_shared_equally_and_the_parts_add_up():
    """v(S) = 6 if parts 0 and 1 are both moved: each gets 3, part 2 nothing (symmetry)."""
    d = _decomposition(lambda s: np.full(3, 6.0 if {0, 1} <= s else 0.0))
    s = d.summary.loc["rmst_104"]
    assert s.loc["s0", "contribution"] == pytest.approx(3.0)
    assert s.loc["s1", "contribution"] == pytest.approx(3.0)
    assert s.loc["s2", "contribution"] == pytest.approx(0.0)
    assert d.total.loc["rmst_104", "difference"] == pytest.approx(6.0)


def test_the_cities_gap_is_split_exactly_in_every_replication():
    a = load_scenario("scenarios/copenhagen.toml").with_changes(SMALL)
    b = load_scenario("scenarios/aarhus.toml").with_changes(SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = shapley(a, b, replications=2, seed=1, workers=1, progress=False)
    assert d.runs < 64  # identical combinations (a section the cities share) run once
    for metric in d.metrics:
        parts = d.contributions.query("metric == @metric").groupby("replication")[
            "contribution"].sum()
        full, empty = d.values[frozenset(range(6))], d.values[frozenset()]
        gap = (full.set_index("replication")[metric] - empty.set_index("replication")[metric])
        assert parts.to_numpy() == pytest.approx(gap.to_numpy(), abs=1e-9)
    ax = d.plot(metric="rmst_104")
    assert ax.get_title().startswith("rmst_104")


def test_sensitivity_ranks_the_parameters_the_scenarios_use():
    tiny = {"population.annual_inflow": 250.0, "scenario.horizon_weeks": 40.0}
    a = load_scenario("scenarios/copenhagen.toml").with_changes(tiny)
    b = load_scenario("scenarios/aarhus.toml").with_changes(tiny)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = parameter_sensitivity(a, b, replications=1, seed=1, workers=1, progress=False)
    assert list(t["swing"].abs()) == sorted(t["swing"].abs(), reverse=True)
    assert t["swing"].to_numpy() == pytest.approx((t["gap_at_high"] - t["gap_at_low"])
                                                  .to_numpy())
    assert "effects.meetings.lift_hr[default]" in set(t["parameter"])
    # neither city runs the 16-month services or a mentor: their parameters are not listed
    assert not any(p.startswith(("effects.joint_meeting.", "effects.mentor."))
                   for p in t["parameter"])
    assert {"fitted (pinned)", "not identified"} <= set(t["kind"])
    assert all(math.isfinite(x) for x in t["swing"])


def test_explain_by_shapley_with_sensitivity_writes_both_tables(tmp_path, capsys,
                                                                monkeypatch):
    import acsim.experiments.shapley as module

    def few(base, other, metric, replications, seed, workers, progress):  # two parameters
        rows = [{"parameter": "effects.meetings.lift_hr[default]", "kind": "fitted (pinned)",
                 "low": 1.1, "high": 1.4, "gap_at_low": 0.2, "gap_at_high": -0.3,
                 "swing": -0.5, "ci_low": -0.7, "ci_high": -0.3, "gap": 0.0,
                 "unit": "weeks"},
                {"parameter": "effects.meetings.growth", "kind": "not identified",
                 "low": 0.0, "high": 0.1, "gap_at_low": 0.0, "gap_at_high": 0.1,
                 "swing": 0.1, "ci_low": 0.0, "ci_high": 0.2, "gap": 0.0,
                 "unit": "weeks"}]
        return pd.DataFrame(rows)

    monkeypatch.setattr(module, "parameter_sensitivity", few)
    base, other = tmp_path / "a.toml", tmp_path / "b.toml"
    for path, city in ((base, "copenhagen"), (other, "aarhus")):
        path.write_text(f'based_on = "{(ROOT / "scenarios" / f"{city}.toml").as_posix()}"\n'
                        "[population]\nannual_inflow = 400\n[scenario]\nhorizon_weeks = 60\n")
    out = tmp_path / "out"
    code = main(["explain", str(base), str(other), "-n", "2", "--seed", "1", "--workers", "1",
                 "--quiet", "--metric", "rmst_104", "--sensitivity", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    table = pd.read_csv(out / "explain.csv", index_col=[0, 1]).loc["rmst_104"]
    assert table.drop(index="total")["contribution"].sum() == pytest.approx(
        table.loc["total", "contribution"], abs=1e-9)
    sens = pd.read_csv(out / "sensitivity.csv")
    assert list(sens["parameter"]) == ["effects.meetings.lift_hr[default]",
                                       "effects.meetings.growth"]
    assert (out / "sensitivity.png").stat().st_size > 10_000
    assert "Shapley value" in captured.out


def test_explain_refuses_an_order_with_shapley(tmp_path, capsys):
    code = main(["explain", "scenarios/copenhagen.toml", "scenarios/aarhus.toml",
                 "--order", "meetings,staffing"])
    assert code == 2 and "--method chain" in capsys.readouterr().err
