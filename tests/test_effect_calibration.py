"""Effect calibration: parameter paths, the written file, and a one-parameter fit on an oracle."""

import math

import numpy as np
import pytest

from acsim.evidence.calibration import (
    EffectFit,
    Parameter,
    Stage,
    StageFit,
    forward_jacobian,
    residual,
    set_parameter,
    write_effects,
)
from acsim.evidence.validation import parameter_value
from acsim.spec.base import read_toml
from acsim.spec.scenario import Effects


def test_parameter_paths_round_trip():
    e = Effects()
    e2 = set_parameter(e, "meetings.lift_hr[edu_high]", 1.1)
    assert parameter_value(e2, "meetings.lift_hr[edu_high]") == 1.1
    assert parameter_value(e2, "meetings.lift_hr[female+under30]") == parameter_value(
        e, "meetings.lift_hr[female+under30]")
    e3 = set_parameter(e2, "caseworkers.similarity_hr[2]", 1.3)
    assert e3.caseworkers.similarity_hr[2] == 1.3
    assert parameter_value(set_parameter(e, "meetings.persist", 0.2), "meetings.persist") == 0.2
    # A group the table does not name reads as the default.
    assert parameter_value(e, "internship.post_hr[graduate]") == parameter_value(
        e, "internship.post_hr[default]")


def test_parameter_transform():
    p = Parameter(path="meetings.lift_hr[default]", lower=1.0, upper=2.0)
    assert p.from_x(p.to_x(1.37)) == pytest.approx(1.37)
    assert p.bounds == (0.0, math.log(2.0))


def test_written_effects_file_loads_back_equal(tmp_path):
    effects = set_parameter(Effects(), "meetings.lift_hr[edu_high]", 1.05).model_copy(
        update={"calibrated": True, "source": 'test "quoted"'})
    stage = Stage(name="s", records=("T14",),
                  parameters=(Parameter(path="meetings.lift_hr[edu_high]", lower=1.0, upper=2.0),))
    fit = EffectFit(effects, [StageFit(stage, {"meetings.lift_hr[edu_high]": 1.05},
                                       [{"id": "T14", "metric": "m", "published": 0.0,
                                         "simulated": 0.1, "residual": 0.1,
                                         "tolerance": (-3.0, 3.0), "passed": True}],
                                       {"meetings.lift_hr[edu_high]": "identified"}, 3)])
    path = write_effects(fit, tmp_path / "effects.toml")
    text = path.read_text()
    assert "# meetings.lift_hr[edu_high] = 1.05: FITTED" in text
    assert Effects.model_validate(read_toml(path)) == effects


def test_residuals_pull_fitted_checks_and_penalise_signs_only_outside():
    from acsim.evidence.records import load_evidence

    recs = {r.id: r for r in load_evidence()}
    t03 = recs["T03"]
    fit = next(c for c in t03.checks if c.role == "fit")
    assert residual(t03, fit, fit.published) == 0.0
    assert residual(t03, fit, fit.published + 1) > 0 > residual(t03, fit, fit.published - 1)
    t19 = recs["T19"]
    sign = next(c for c in t19.checks if c.role == "check" and math.isinf(c.tolerance_low))
    assert residual(t19, sign, sign.tolerance_high - 10.0) == 0.0
    assert residual(t19, sign, sign.tolerance_high + 1.0) > 0.0


def test_jacobian_steps_are_absolute_so_step_function_targets_move():
    """A share of a finite population moves in whole jobseekers: a step proportional to x would
    vanish at a hazard ratio of 1 (x = log 1 = 0) and report the parameter as unidentified."""
    def share(x):  # the share (%) of 2,000 jobseekers: a step function of x
        return np.array([np.floor(2000 * 0.3 * np.exp(x[0])) / 20.0 - 30.0])

    x = np.array([math.log(0.999)])
    jac = forward_jacobian(share, x, share(x), np.array([0.05]), np.array([0.0]))
    # 30 * d exp(x) / dx = 30 near x = 0; the step is taken backwards (the bound is at 0)
    assert jac[0, 0] == pytest.approx(30.0, rel=0.05), jac


def _level_references() -> list[tuple[str, str]]:
    from acsim.evidence.records import trials_dir

    out = []
    for path in sorted(trials_dir().glob("*.toml")):
        ref = read_toml(path).get("base", {}).get("hazard", {}).get("level_of")
        if ref is not None:
            out.append((path.stem, ref))
    return out


def test_the_municipal_trials_take_their_citys_level_by_reference():
    assert _level_references() == [("M04", "frederiksberg"), ("M05", "copenhagen"),
                                   ("M06", "aarhus")]


@pytest.mark.parametrize("trial,city", _level_references())
def test_municipal_trials_run_at_their_citys_level(trial, city):
    """A trial of a city's claim names the city (``level_of``) and runs at the level of
    scenarios/<city>.toml, so fitting the city's level (`acsim calibrate`, `acsim
    calibrate-levels --write`) moves the trial with it."""
    from acsim.evidence.records import trials_dir
    from acsim.evidence.trials import load_trial
    from acsim.evidence.validation import SCENARIOS_DIR

    loaded = load_trial(trials_dir() / f"{trial}.toml")
    want = read_toml(SCENARIOS_DIR / f"{city}.toml")["hazard"]["level"]
    assert loaded.base["hazard"]["level"] == want
    assert all(sc.hazard.level == want for sc in loaded.scenarios(n=10).values())


def test_a_level_reference_follows_the_city_file(tmp_path):
    from acsim.evidence.trials import load_trial
    from acsim.exceptions import ScenarioError

    (tmp_path / "trials").mkdir()
    (tmp_path / "town.toml").write_text('[scenario]\nname = "town"\n\n[hazard]\nlevel = 0.123\n')
    trial = tmp_path / "trials" / "X.toml"
    body = ('[trial]\nid = "X"\nmetrics = ["mean_duration"]\n\n[base.hazard]\n{}\n\n'
            '[arms.control]\n\n[arms.other]\n')
    trial.write_text(body.format('level_of = "town"'))
    assert load_trial(trial, scenarios_dir=tmp_path).base["hazard"]["level"] == 0.123
    trial.write_text(body.format('level_of = "town"\nlevel = 0.5'))
    with pytest.raises(ScenarioError, match=r"base\.hazard\.level_of.*not both"):
        load_trial(trial, scenarios_dir=tmp_path)
    trial.write_text(body.format('level_of = "nowhere"'))
    with pytest.raises(ScenarioError, match=r"base\.hazard\.level_of.*nowhere\.toml"):
        load_trial(trial, scenarios_dir=tmp_path)


def test_stage_keys_see_the_referenced_level(tmp_path, monkeypatch):
    """A checkpointed stage whose trials take a city's level is refitted when the level moves:
    its key hashes the resolved tables (the level's value, not the reference)."""
    import shutil

    import acsim.evidence.trials as trials
    from acsim.evidence.calibration import _stage_key
    from acsim.evidence.plan import default_plan
    from acsim.evidence.records import load_evidence

    stage = next(s for s in default_plan().effect_stages if "M05" in s.records)
    records = list(load_evidence())
    key = _stage_key(stage, Effects(), 0.5, None, records)
    for city in trials.SCENARIOS_DIR.glob("*.toml"):
        shutil.copy(city, tmp_path / city.name)
    monkeypatch.setattr(trials, "SCENARIOS_DIR", tmp_path)
    assert _stage_key(stage, Effects(), 0.5, None, records) == key
    moved = tmp_path / "copenhagen.toml"
    level = read_toml(moved)["hazard"]["level"]
    moved.write_text(moved.read_text().replace(f"level = {level}", f"level = {level + 0.01}"))
    assert _stage_key(stage, Effects(), 0.5, None, records) != key
