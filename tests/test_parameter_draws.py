"""Parameter uncertainty: priors, the fitted covariance, draws and total intervals."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from acsim import load_scenario
from acsim.analysis.intervals import t_interval, total_interval
from acsim.evidence.plan import Parameter
from acsim.evidence.uncertainty import (
    FittedParameter,
    JointJacobian,
    ParameterUncertainty,
    Prior,
    apply_draw,
    load_priors,
    load_uncertainty,
    scenario_uncertainty,
    write_uncertainty,
)
from acsim.evidence.validation import parameter_value
from acsim.exceptions import ScenarioError
from acsim.experiments.compare import compare
from acsim.experiments.run import run
from acsim.spec.scenario import default_effects

SMALL = {"population.annual_inflow": 400.0, "scenario.horizon_weeks": 60.0}


def test_every_shipped_prior_holds_the_shipped_value_and_states_why():
    priors = load_priors()
    assert len(priors) >= 20
    effects = default_effects()
    outside = [(p.path, parameter_value(effects, p.path), p.low, p.high) for p in priors
               if not p.low <= parameter_value(effects, p.path) <= p.high]
    assert not outside, f"shipped values outside their prior ranges: {outside}"
    assert all(len(p.reason) > 20 for p in priors)


@pytest.mark.parametrize(("text", "key"), [
    ('[[prior]]\npath = "meetings.growth"\nlow = 0.0\nhigh = 0.1\nlog = false\n'
     'kind = "not identified"\nreason = "x"\nwidth = 2\n', "prior[0].width"),
    ('[[prior]]\npath = "meetings.nothing"\nlow = 0.0\nhigh = 0.1\nlog = false\n'
     'kind = "not identified"\nreason = "x"\n', "prior[0].path"),
    ('[[prior]]\npath = "meetings.growth"\nlow = 0.2\nhigh = 0.1\nlog = false\n'
     'kind = "not identified"\nreason = "x"\n', "prior[0]"),
    ('[[prior]]\npath = "meetings.growth"\nlow = 0.0\nhigh = 0.1\n'
     'kind = "not identified"\nreason = "x"\n', "prior[0]"),  # log scale needs low > 0
    ('priors = 1\n', "priors"),
])
def test_a_bad_priors_file_is_refused_naming_file_and_key(tmp_path, text, key):
    path = tmp_path / "priors.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_priors(path)
    assert str(path) in str(err.value)
    assert err.value.key.startswith(key), err.value.key


def test_prior_quantiles_are_uniform_on_their_scale():
    lin = Prior(path="meetings.growth", low=0.0, high=0.1, log=False, kind="assumption",
                reason="r")
    hr = Prior(path="course.late_post_hr[default]", low=0.8, high=1.25, kind="assumption",
               reason="r")
    count = Prior(path="meetings.max_count", low=5, high=20, log=False, integer=True,
                  kind="assumption", reason="r")
    assert lin.sample(0.0) == 0.0 and lin.sample(1.0) == pytest.approx(0.1)
    assert lin.sample(0.5) == pytest.approx(0.05)
    assert hr.sample(0.5) == pytest.approx(1.0)  # the geometric mean of 0.8 and 1.25
    assert count.sample(0.5) == 12.0


def _unc(cov, priors=()):
    fitted = tuple(FittedParameter(path=p, value=1.2, se=math.sqrt(cov[i][i]), prior_se=1.0,
                                   lower=0.01, upper=100.0, identification="pinned")
                   for i, p in enumerate(["meetings.lift_hr[default]",
                                          "activation.post_hr[default]"]))
    return ParameterUncertainty(fitted, np.asarray(cov), tuple(priors))


def test_draws_are_reproducible_and_follow_the_covariance():
    cov = [[0.04, -0.018], [-0.018, 0.01]]  # correlation -0.9
    unc = _unc(cov)
    assert unc.draw(3, 11) == unc.draw(3, 11)
    assert unc.draw(3, 11) != unc.draw(4, 11) != unc.draw(3, 12)
    n = 4000
    x = np.log([[unc.draw(k, 7)[p.path] for p in unc.fitted] for k in range(n)])
    mean, sample = x.mean(axis=0), np.cov(x.T)
    se_mean = np.sqrt(np.diag(cov) / n)
    assert np.all(np.abs(mean - math.log(1.2)) < 4 * se_mean), (mean, se_mean)
    var_se = np.sqrt(2.0 / (n - 1)) * np.diag(cov)
    assert np.all(np.abs(np.diag(sample) - np.diag(cov)) < 4 * var_se), (sample, cov)
    r = sample[0, 1] / math.sqrt(sample[0, 0] * sample[1, 1])
    assert abs(r - (-0.9)) < 4 * (1 - 0.81) / math.sqrt(n), r


def test_a_drawn_fitted_value_stays_within_its_stage_bounds():
    p = FittedParameter(path="meetings.lift_hr[default]", value=1.01, se=0.5, prior_se=0.3,
                        lower=1.0, upper=2.5, identification="prior")
    unc = ParameterUncertainty((p,), np.array([[0.25]]), ())
    values = [unc.draw(k, 1)[p.path] for k in range(300)]
    assert min(values) == 1.0 and max(values) <= 2.5


def test_a_draw_leaves_what_the_scenario_sets_itself():
    sc = load_scenario("scenarios/copenhagen.toml").with_changes(
        {"effects.meetings.growth": 0.07})
    draw = {"meetings.growth": 0.01, "meetings.persist_weeks": 5.5, "meetings.max_count": 7.0}
    out = apply_draw(sc, draw)
    assert out.effects.meetings.growth == 0.07  # the scenario's own assumption
    assert out.effects.meetings.persist_weeks == 5.5
    assert out.effects.meetings.max_count == 7 and isinstance(out.effects.meetings.max_count,
                                                              int)
    assert out.staffing == sc.staffing and out.programmes == sc.programmes


def test_a_family_placeholder_is_drawn_for_a_scenario_that_uses_the_family():
    sc = load_scenario("scenarios/decisions/long_term_16m.toml")
    paths = {p.path for p in scenario_uncertainty(sc).priors}
    assert "joint_meeting.extra_hr[default]" in paths
    plain = {p.path for p in scenario_uncertainty(load_scenario("scenarios/aarhus.toml")).priors}
    assert "joint_meeting.extra_hr[default]" not in plain


@pytest.mark.parametrize("spread", [0.0, 0.3, 3.0])
def test_the_total_interval_holds_the_simulation_interval(spread):
    rng = np.random.default_rng(5)
    point = rng.normal(10, 1, size=4)
    draws = pd.DataFrame({"draw": np.repeat(np.arange(6), 4),
                          "value": np.tile(point, 6) + np.repeat(rng.normal(0, spread, 6), 4)})
    m, lo, hi = t_interval(point)
    tlo, thi, share = total_interval(point, draws)
    assert tlo <= lo + 1e-12 and thi >= hi - 1e-12, (lo, hi, tlo, thi)
    assert 0.0 <= share <= 1.0
    if spread == 0.0:  # draws that change nothing add nothing
        assert (tlo, thi, share) == pytest.approx((lo, hi, 0.0))
    assert math.isnan(total_interval(point, draws[draws["draw"] == 0])[0])


def test_the_laplace_covariance_of_a_linear_problem():
    """J'J + P for two parameters, one target each plus a shared one: solved by hand."""
    params = [Parameter(path="meetings.lift_hr[default]", lower=1.0, upper=math.e ** 2),
              Parameter(path="meetings.persist", lower=0.0, upper=1.0, log=False)]
    jac = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    noise = np.array([0.0, 1.0, 0.0])  # the second target's simulated value is as noisy
    jj = JointJacobian(params, ["a", "b"], [("T07",), ("T01",)], ["x", "y", "z"], jac, noise,
                       np.zeros(3), np.array([True, True, True]), 3, 0.5, [1.5, 0.5])
    cov, prior_sd = jj.covariance()
    assert prior_sd == pytest.approx([2 / math.sqrt(12), 1 / math.sqrt(12)])
    w = np.diag([1.0, 0.5, 1.0])
    expected = np.linalg.inv(jac.T @ w @ jac + np.diag(prior_sd ** -2.0))
    assert cov == pytest.approx(expected)
    assert jj.degrees_of_freedom() == 1


def test_the_covariance_file_round_trips(tmp_path):
    params = [Parameter(path="meetings.lift_hr[default]", lower=1.0, upper=2.5),
              Parameter(path="meetings.persist", lower=0.0, upper=1.0, log=False)]
    jac = np.array([[30.0, 1.0], [2.0, 0.0]])
    jj = JointJacobian(params, ["a", "b"], [("T07",), ("T01", "T02")], ["x", "y"], jac,
                       np.zeros(2), np.zeros(2), np.array([True, False]), 3, 0.5, [1.25, 0.98])
    path = write_uncertainty(jj, tmp_path / "u.toml")
    unc = load_uncertainty(path, priors=())
    cov, prior_sd = jj.covariance()
    assert unc.covariance == pytest.approx(cov, rel=1e-3)
    lift, persist = unc.fitted
    assert lift.identification == "pinned" and persist.identification in ("bounded", "prior")
    assert persist.records == ("T01", "T02") and lift.value == 1.25


def test_run_with_draws_reports_total_intervals_and_moves_no_point_number():
    sc = load_scenario("scenarios/aarhus.toml").with_changes(SMALL)
    plain = run(sc, replications=2, seed=3, workers=1, progress=False)
    drawn = run(sc, replications=2, seed=3, workers=1, progress=False, parameter_draws=2)
    pd.testing.assert_frame_equal(plain.replication_metrics, drawn.replication_metrics)
    assert list(plain.summary.columns) == ["mean", "ci_low", "ci_high", "replications"]
    s = drawn.summary
    assert len(drawn.draw_metrics) == 4 and set(drawn.draw_metrics["draw"]) == {0, 1}
    m = s.loc["mean_completed_duration"]
    assert m["total_ci_low"] <= m["ci_low"] and m["total_ci_high"] >= m["ci_high"], m
    again = run(sc, replications=2, seed=3, workers=1, progress=False, parameter_draws=2)
    pd.testing.assert_frame_equal(drawn.draw_metrics, again.draw_metrics)


def test_compare_draws_the_same_parameters_for_every_scenario():
    a = load_scenario("scenarios/copenhagen.toml").with_changes(SMALL)
    b = load_scenario("scenarios/aarhus.toml").with_changes(SMALL)
    cmp = compare([a, b], replications=2, seed=4, workers=1, progress=False,
                  parameter_draws=2)
    t = cmp.table()
    other = t[t["scenario"] == "Aarhus"].set_index("metric")
    row = other.loc["rmst_104"]
    assert row["diff_total_ci_low"] <= row["diff_ci_low"]
    assert row["diff_total_ci_high"] >= row["diff_ci_high"]
    assert (t["draws"] == 2).all()
    # the same draw is the same parameter set in both scenarios (of the shipped effects)
    from acsim.experiments.draws import draw_scenarios

    da, db = draw_scenarios(a, 2, cmp.seed), draw_scenarios(b, 2, cmp.seed)
    assert [d.effects for d in da] == [d.effects for d in db]


@pytest.mark.parametrize(("args", "needle"), [
    (["--parameter-draws", "1"], "--parameter-draws"),
    (["--parameter-draws", "500"], "--parameter-draws"),
    (["-n", "1", "--parameter-draws", "4"], "--replications of at least 2"),
])
def test_the_cli_refuses_bad_draw_counts_before_running(args, needle):
    out = subprocess.run([sys.executable, "-m", "acsim", "run", "scenarios/aarhus.toml", *args],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    assert needle in out.stderr


def test_the_shipped_covariance_belongs_to_the_shipped_effects_and_plan():
    """Recalibrating without `acsim calibrate --uncertainty` leaves a stale file: this fails."""
    from acsim.evidence.plan import default_plan
    from acsim.evidence.uncertainty import UNCERTAINTY_FILE

    assert UNCERTAINTY_FILE.is_file()
    unc = load_uncertainty()
    effects = default_effects()
    plan = {p.path: p for st in default_plan().effect_stages for p in st.parameters}
    constrained = {p.path for p in load_priors() if p.kind == "constrained"}
    assert {p.path for p in unc.fitted} == set(plan) - constrained
    for p in unc.fitted:
        assert p.value == pytest.approx(parameter_value(effects, p.path), rel=1e-5), p.path
        assert (p.lower, p.upper) == (plan[p.path].lower, plan[p.path].upper)
        assert 0 < p.se <= p.prior_se * (1 + 1e-6), p
    eig = np.linalg.eigvalsh(unc.covariance)
    assert eig.min() > 0, eig
    assert not {p.path for p in unc.fitted} & {q.path for q in unc.priors}


def test_trial_total_intervals_combine_the_estimator_and_the_draws():
    from acsim.evidence.trial_draws import Z, total_intervals

    table = pd.DataFrame([
        {"metric": "mean_duration", "arm": "t", "effect": -2.0, "ci_low": -3.0,
         "ci_high": -1.0},
        {"metric": "hr_job", "arm": "t", "effect": 1.2, "ci_low": 1.0, "ci_high": 1.44},
    ])
    draws = pd.DataFrame({"draw": [0, 1, 0, 1], "metric": ["mean_duration"] * 2 + ["hr_job"] * 2,
                          "arm": "t", "effect": [-2.5, -1.5, 1.1, 1.3]})
    out = total_intervals(table, draws).set_index("metric")
    vs, vp = (1.0 / Z) ** 2, 0.5  # var(-2.5, -1.5) with ddof 1
    half = Z * math.sqrt(vs + vp)
    assert out.loc["mean_duration", ["total_ci_low", "total_ci_high"]].tolist() == \
        pytest.approx([-2.0 - half, -2.0 + half])
    assert out.loc["mean_duration", "parameter_share"] == pytest.approx(vp / (vs + vp))
    lo, hi = out.loc["hr_job", ["total_ci_low", "total_ci_high"]]
    assert lo < 1.0 and hi > 1.44  # wider, on the log scale
    assert math.log(1.2) - math.log(lo) == pytest.approx(math.log(hi) - math.log(1.2))


def test_the_trial_cli_adds_total_intervals(tmp_path):
    out = subprocess.run([sys.executable, "-m", "acsim", "trial", "scenarios/trials/T07.toml",
                          "--n", "600", "--parameter-draws", "2", "--workers", "1", "--quiet",
                          "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    t = pd.read_csv(tmp_path / "trial.csv").dropna(subset=["total_ci_low"])
    assert len(t) and (t["draws"] == 2).all()
    assert (t["total_ci_low"] <= t["ci_low"] + 1e-12).all()
    assert (t["total_ci_high"] >= t["ci_high"] - 1e-12).all()


def test_validate_gives_the_claims_an_interval_with_parameter_uncertainty():
    from acsim.evidence.claims import claims_section
    from acsim.evidence.records import load_evidence
    from acsim.evidence.validation import validate

    records = [r for r in load_evidence() if r.id in ("M05", "T09")]
    table = validate(records, scale=0.1, municipal=False, parameter_draws=2)
    claims = table[table["role"] == "claim"]
    assert len(claims) and claims[["total_ci_low", "total_ci_high"]].notna().all().all()
    assert (claims["total_ci_low"] <= claims["ci_low"]).all()
    assert (claims["total_ci_high"] >= claims["ci_high"]).all()
    assert table.loc[table["role"] != "claim", "total_ci_low"].isna().all()
    text = "\n".join(claims_section(table, {r.id: r for r in records}))
    assert "with parameter uncertainty" in text


def test_the_joint_stage_holds_every_fitted_parameter_and_no_claim():
    from acsim.evidence.calibration import JOINT, joint_stage
    from acsim.evidence.plan import default_plan

    held = tuple(p.path for p in load_priors() if p.kind == "constrained")
    stage = joint_stage(exclude=held)
    plan = default_plan().effect_stages
    assert stage.name == JOINT
    assert [p.path for p in stage.parameters] == [p.path for st in plan for p in st.parameters
                                                  if p.path not in held]
    assert all(p.start is None for p in stage.parameters)  # from the staged values
    assert not {"M04", "M05", "M06", "M07"} & set(stage.records)
    assert {"T01", "T07", "T09", "T14", "T18"} <= set(stage.records)
