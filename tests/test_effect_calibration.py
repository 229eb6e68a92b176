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
from acsim.evidence.levels import MUNICIPAL_TRIALS
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
    p = Parameter("meetings.lift_hr[default]", 1.0, 2.0)
    assert p.from_x(p.to_x(1.37)) == pytest.approx(1.37)
    assert p.bounds == (0.0, math.log(2.0))


def test_written_effects_file_loads_back_equal(tmp_path):
    effects = set_parameter(Effects(), "meetings.lift_hr[edu_high]", 1.05).model_copy(
        update={"calibrated": True, "source": 'test "quoted"'})
    stage = Stage("s", (Parameter("meetings.lift_hr[edu_high]", 1.0, 2.0),), ("T14",))
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


@pytest.mark.parametrize("trial,city", sorted(MUNICIPAL_TRIALS.items()))
def test_municipal_trials_run_at_their_citys_level(trial, city):
    """Fitting a city's level (`acsim calibrate`, `acsim calibrate-levels --write`) copies it
    into the trials of that city's claims."""
    from acsim.evidence.records import trials_dir
    from acsim.evidence.validation import SCENARIOS_DIR

    got = read_toml(trials_dir() / f"{trial}.toml")["base"]["hazard"]["level"]
    want = read_toml(SCENARIOS_DIR / f"{city}.toml")["hazard"]["level"]
    assert got == want, f"{trial}.toml level {got} != {city}.toml level {want}"
