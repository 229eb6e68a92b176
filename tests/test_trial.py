"""Virtual trials: analytic oracles, exact zero effects, reproducibility and bad input."""

import math

import pytest

from acsim.analysis.trial_metrics import parse_metric
from acsim.evidence.trials import Trial, load_trial, run_trial
from acsim.exceptions import ScenarioError

# No heterogeneity: every jobseeker has the same hazard, so proportional hazards hold exactly
# and a hazard ratio set in the model is what a Cox fit should recover.
FLAT = {"female": 0.0, "under30": 0.0, "age50plus": 0.0, "graduate": 0.0,
        "international": 0.0, "latent_risk": 0.0}


def trial_data(treatment: dict, metrics: list[str], n: int = 4000, **trial) -> dict:
    return {
        "trial": {"id": "t", "n": n, "seed": 11, "metrics": metrics, **trial},
        "base": {"hazard": {"level": 0.6, "covariates": FLAT},
                 "staffing": {"caseworkers": 60, "meetings_per_week": 40},
                 "meetings": {"schedule": "none"}},
        "arms": {"control": {}, "treatment": treatment},
    }


def test_identical_arms_give_exactly_no_effect():
    data = trial_data({}, ["hr_job", "mean_duration", "weeks_employed_104", "employed_at_26"],
                      n=1500, allocation="crossed")
    table = run_trial(Trial.from_dict(data)).table
    assert (table["effect"][table["metric"] != "hr_job"] == 0.0).all(), table
    assert table.loc[table["metric"] == "hr_job", "effect"].iloc[0] == pytest.approx(1.0)


def test_cox_recovers_a_proportional_hazard_ratio():
    # A provider whose jobseekers have 1.5 times the job hazard throughout the spell.
    data = trial_data({"provider": {"hazard_hr": 1.5}}, ["hr_job"], n=6000)
    row = run_trial(Trial.from_dict(data)).effect("hr_job", "treatment")
    assert row.ci_low < 1.5 < row.ci_high, row


def test_window_hazard_ratio_is_the_meeting_lift():
    # One meeting at week 6; the lift holds for that week only (no persistence).
    effects = {"meetings": {"lift_hr": 1.6, "persist": 0.0}}
    data = trial_data({"meetings": {"schedule": "none", "extra": [{"weeks": [6.0]}]}},
                      ["window_hr_6_7", "window_hr_2_6", "window_hr_7_12"], n=20_000,
                      allocation="crossed")
    data["base"]["effects"] = effects
    res = run_trial(Trial.from_dict(data))
    w = res.effect("window_hr_6_7", "treatment")
    assert w.ci_low < 1.6 < w.ci_high, w
    assert res.effect("window_hr_2_6", "treatment").effect == pytest.approx(1.0)
    # After the meeting week the hazard is back at baseline (the ratio moves only by selection).
    assert abs(res.effect("window_hr_7_12", "treatment").effect - 1.0) < 0.05


def test_randomised_allocation_is_reproducible_and_balanced():
    data = trial_data({"provider": {"hazard_hr": 1.2}}, ["mean_duration"], n=3000)
    a = run_trial(Trial.from_dict(data))
    b = run_trial(Trial.from_dict(data))
    assert a.table.equals(b.table)
    row = a.table.iloc[0]
    assert abs(row.n_control - row.n_treatment) < 4 * math.sqrt(3000) / 2, row
    c = run_trial(Trial.from_dict(data), seed=12)
    assert not a.table.equals(c.table)


def test_progress_leaves_the_results_unchanged(capsys):
    """With progress the run stops every 4 weeks and resumes: the same events, in order."""
    data = trial_data({"meetings": {"schedule": "none", "extra": [{"weeks": [3.0, 9.0]}]}},
                      ["mean_duration", "employed_at_26", "hr_job"], n=1500)
    quiet = run_trial(Trial.from_dict(data))
    shown = run_trial(Trial.from_dict(data), progress=True)
    assert quiet.table.equals(shown.table), (quiet.table, shown.table)
    assert quiet.persons.equals(shown.persons)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda d: d["arms"].update(ctrl=d["arms"].pop("control")), "trial.control"),
        (lambda d: d["arms"]["treatment"].update(hazard={"level": 2}), "arms.treatment.hazard"),
        (lambda d: d["base"].update(population={"annual_inflow": 5}),
         "base.population.annual_inflow"),
        (lambda d: d["trial"].update(metrics=["hr_jobs"]), "trial.metrics"),
        (lambda d: d["trial"].update(metrics=["employed_at_200"]), "trial"),
        (lambda d: d.update(extra={}), "extra"),
    ],
)
def test_bad_trial_input_names_the_key(change, key):
    data = trial_data({}, ["hr_job"])
    change(data)
    with pytest.raises(ScenarioError) as err:
        Trial.from_dict(data, source="x.toml")
    assert err.value.source == "x.toml" and err.value.key.startswith(key), err.value


def test_metric_names():
    m = parse_metric("window_hr_9_13@male+edu_low")
    assert (m.kind, m.a, m.b, m.group) == ("window_hr", 9.0, 13.0, "male+edu_low")
    assert parse_metric("employed_at_52").horizon == 52.0
    with pytest.raises(ValueError, match="unknown group term"):
        parse_metric("hr_job@women")


def test_trial_cli_writes_trial_csv(tmp_path):
    import tomllib

    from acsim.cli.main import main

    text = """
[trial]
id = "cli"
n = 600
metrics = ["hr_job", "employed_at_52"]
[base.meetings]
schedule = "none"
[arms.control]
[arms.extra]
meetings = { schedule = "none", extra = [{ weeks = [3.0] }] }
"""
    path = tmp_path / "cli.toml"
    path.write_text(text)
    assert load_trial(path).arm_names == ["control", "extra"]
    assert tomllib.loads(text)
    assert main(["trial", str(path), "--n", "500", "--seed", "3", "--out", str(tmp_path)]) == 0
    import pandas as pd

    out = pd.read_csv(tmp_path / "trial.csv")
    assert list(out.columns[:9]) == ["metric", "arm", "unit", "arm_unit", "control",
                                     "treatment", "effect", "ci_low", "ci_high"]
    assert (tmp_path / "survival.png").is_file()
