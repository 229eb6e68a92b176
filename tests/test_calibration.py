"""Municipal calibration: the heterogeneity fitted to a stock's shape, on an oracle."""

import pytest

from acsim.evidence.levels import fit_latent_risk, simulated_stock
from conftest import bare_scenario


def _scenario(beta: float):
    return bare_scenario(**{
        "population.annual_inflow": 3000.0,
        "hazard.job": {"breaks": [0.0], "rates": [0.03]},
        "hazard.covariates.latent_risk": beta,
    })


def _ratio(stock: dict[str, float]) -> float:
    return stock["12+ months"] / stock["3-5 months"]


def test_fit_latent_risk_recovers_the_heterogeneity_that_made_the_stock():
    """The stock simulated at a known heterogeneity is the target; the fit starts elsewhere.

    More heterogeneity leaves more of the slow jobseekers unemployed at 12 months, so the ratio
    of the 12+ to the 3-5 months stock rises with |beta|; common random numbers make it smooth
    enough for secant steps to find the beta that made the target.
    """
    truth = -0.8
    target = simulated_stock(_scenario(truth), seed=11)
    flat = simulated_stock(_scenario(0.0), seed=11)
    assert _ratio(flat) < _ratio(target), (flat, target)
    got = fit_latent_risk(_scenario(-0.3), target, seed=11, tolerance=0.01)
    assert got == pytest.approx(truth, abs=0.1), (got, target)


# -- writing fitted values (tomlkit keeps the rest of the file) ------------------------------------
CITY = """# A city.
[population]
# where the inflow comes from
annual_inflow = 1000   # PLACEHOLDER
female_share = 0.5     # keep me

[hazard]
level = 1.0

[hazard.covariates]
# CALIBRATED: an old note
latent_risk = -0.5
"""


def test_a_calibrated_value_gets_one_note_and_the_rest_of_the_file_is_kept(tmp_path):
    from acsim.evidence.toml_edit import set_calibrated_value
    from acsim.spec.base import read_toml

    path = tmp_path / "city.toml"
    path.write_text(CITY)
    for _ in range(2):  # a second fit replaces the notes, it does not stack them
        set_calibrated_value(path, "population", "annual_inflow", "2000", "fitted")
        set_calibrated_value(path, "hazard", "level", "0.5606", "fitted level")
        set_calibrated_value(path, "hazard.covariates", "latent_risk", "-0.864", "new note")
    text = path.read_text()
    assert text.count("# CALIBRATED") == 3 and "an old note" not in text
    assert "# where the inflow comes from\n# CALIBRATED: fitted\nannual_inflow = 2000\n" in text
    assert "female_share = 0.5     # keep me\n" in text and text.startswith("# A city.\n")
    assert "# CALIBRATED: fitted level\nlevel = 0.5606\n" in text
    assert "# CALIBRATED: new note\nlatent_risk = -0.864\n" in text
    assert read_toml(path) == {"population": {"annual_inflow": 2000, "female_share": 0.5},
                               "hazard": {"level": 0.5606, "covariates": {"latent_risk": -0.864}}}


def test_a_missing_key_is_an_error(tmp_path):
    from acsim.evidence.toml_edit import set_calibrated_value

    path = tmp_path / "city.toml"
    path.write_text(CITY)
    with pytest.raises(ValueError, match=r"no 'caseworkers = \.\.\.' line in \[hazard\]"):
        set_calibrated_value(path, "hazard", "caseworkers", "3", "x")
    with pytest.raises(ValueError, match=r"no \[staffing\] table"):
        set_calibrated_value(path, "staffing", "caseworkers", "3", "x")
    assert path.read_text() == CITY


def test_writing_a_citys_level_changes_only_its_value_and_note(tmp_path):
    import difflib

    from acsim.data import SCENARIOS_DIR
    from acsim.evidence.levels import LevelFit, write_level
    from acsim.spec.scenario import load_scenario

    path = tmp_path / "copenhagen.toml"
    before = (SCENARIOS_DIR / "copenhagen.toml").read_text()
    path.write_text(before)
    write_level(path, LevelFit(level=0.55, target=24.5, simulated=24.52, evaluations=3, seed=2019,
                               replications=2))
    changed = [d for d in difflib.ndiff(before.splitlines(), path.read_text().splitlines())
               if d[:1] in "+-"]
    assert len(changed) == 4, changed  # the note and the value, old and new
    assert load_scenario(path).hazard.level == 0.55


def test_a_stock_fit_needs_a_stage_and_records_that_publish_one():
    from acsim.evidence.levels import fit_level_stage
    from acsim.evidence.plan import default_plan

    stage = default_plan().level_stage("odense")
    with pytest.raises(ValueError, match="fits no stock"):
        fit_level_stage(stage, _scenario(0.0), stock=True)
