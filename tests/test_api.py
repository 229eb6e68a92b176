import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

import acsim
from acsim import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent


def test_all_names_exist():
    for name in acsim.__all__:
        assert hasattr(acsim, name), name


def test_scenario_is_frozen_hashable_and_round_trips():
    sc = load_scenario("scenarios/copenhagen.toml")
    assert hash(sc) == hash(Scenario.from_dict(sc.to_dict()))
    assert sc == Scenario.from_dict(sc.to_dict())
    assert {sc: 1}[sc.with_changes({})] == 1
    v = sc.with_changes({"staffing.caseworkers": 60, "programmes[0].start_week": 10})
    assert (v.staffing.caseworkers, v.programmes[0].start_week) == (60, 10)
    assert v.digest != sc.digest
    try:
        sc.staffing.caseworkers = 3
    except Exception:
        pass
    else:
        raise AssertionError("scenario should be frozen")


def test_cli_run_writes_outputs(tmp_path):
    out = tmp_path / "o"
    cmd = [sys.executable, "-m", "acsim", "run", "scenarios/copenhagen.toml", "--replications",
           "2", "--seed", "1", "--out", str(out), "--quiet",
           "--set", "population.annual_inflow=1500", "--set", "staffing.caseworkers=4",
           "--set", "scenario.horizon_weeks=40"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    spells = pd.read_parquet(out / "spells.parquet")
    assert set(spells["replication"]) == {0, 1}
    for col in ["jobseeker_id", "entry_week", "exit_week", "duration", "exit_reason", "censored",
                "meetings_held", "meetings_late", "programmes", "weeks_employed_104"]:
        assert col in spells
    summary = pd.read_csv(out / "summary.csv", index_col=0)
    assert {"mean_completed_duration", "rmst_104", "survival_26",
            "caseworker_utilisation", "share_meetings_on_time"} <= set(summary.index)
    assert (out / "survival.png").stat().st_size > 0
    costs = pd.read_csv(out / "costs.csv", index_col=0)
    assert costs.loc["total", "per_year"] > costs.loc["benefit", "per_year"] > 0
    assert "cost_total" in spells and "cost_municipality" in spells
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 1 and manifest["replications"] == 2
    assert manifest["scenario_hash"] == load_scenario("scenarios/copenhagen.toml").with_changes(
        {"population.annual_inflow": 1500, "staffing.caseworkers": 4,
         "scenario.horizon_weeks": 40}).digest


def test_meetings_respect_capacity_in_a_run():
    sc = Scenario().with_changes({"population.annual_inflow": 3000, "staffing.caseworkers": 3,
                                  "scenario.horizon_weeks": 40})
    c = acsim.JobCentre(sc, 3, 0)
    c.run()
    held = c.calendar.held
    assert (held <= sc.staffing.meetings_per_week).all()
    assert held.sum() > 0


def test_write_level_keeps_the_rest_of_the_file(tmp_path):
    from acsim.evidence.levels import LevelFit, write_level

    src = tmp_path / "c.toml"
    text = ('[scenario]\nname = "x"\n\n[hazard]\nlevel = 1.0  # old\n\n[staffing]\n'
            'caseworkers = 7  # keep me\n')
    src.write_text(text)
    fit = LevelFit(level=0.5, target=24.0, simulated=24.1, evaluations=3, seed=1, replications=1)
    write_level(src, fit)
    write_level(src, fit)  # a second fit replaces the note, it does not stack notes
    out = src.read_text()
    assert "caseworkers = 7  # keep me" in out
    assert out.count("# CALIBRATED") == 1 and "\nlevel = 0.5\n" in out
    assert load_scenario(src).hazard.level == 0.5


def test_a_partial_effects_table_overrides_only_its_keys(tmp_path):
    from acsim.evidence.trials import load_trial
    from acsim.spec.scenario import default_effects

    calibrated = default_effects()
    text = open("scenarios/aarhus.toml").read()
    path = tmp_path / "partial.toml"
    path.write_text(text + "\n[effects.caseworkers]\neffectiveness_sd = 0.3\n")
    sc = load_scenario(path)
    assert sc.effects.caseworkers.effectiveness_sd == 0.3
    assert sc.effects.caseworkers.employer_contact_hr == calibrated.caseworkers.employer_contact_hr
    assert sc.effects.meetings == calibrated.meetings and sc.effects.calibrated
    # the same change through --set gives the same scenario
    assert sc == load_scenario("scenarios/aarhus.toml").with_changes(
        {"effects.caseworkers.effectiveness_sd": 0.3})
    # a trial file with a partial [base.effects.caseworkers] keeps every other calibrated effect
    trial = load_trial("scenarios/trials/T07.toml")
    for arm in trial.scenarios(n=100).values():
        assert arm.effects.meetings == calibrated.meetings
        assert arm.effects.activation == calibrated.activation
        assert arm.effects == trial.scenarios(n=100, effects=calibrated)[arm.name.split(":")[1]
                                                                        ].effects


def _readme_python_block() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Python\n", 1)[1]
    return section.split("```python\n", 1)[1].split("\n```", 1)[0]


#: Prepended to the README's code: the same code on scenarios shrunk to seconds.
_SHRINK = '''
import acsim
_load = acsim.load_scenario
def _small(path):
    return _load(path).with_changes({"population.annual_inflow": 400,
                                     "scenario.warmup_weeks": 0, "scenario.horizon_weeks": 30})
acsim.load_scenario = _small
'''


def test_readme_python_section_runs_verbatim_as_a_script(tmp_path):
    """Pasted into a script with no __main__ guard, the README's code runs (spawned workers)."""
    script = tmp_path / "readme_example.py"
    script.write_text(_SHRINK + _readme_python_block() + "\nprint('done')\n")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("done")
