"""The evidence records (acsim/data/evidence.toml) and the virtual-trial files they name."""

import importlib
import math
import tomllib
from pathlib import Path

import pytest

from acsim.evidence.records import DESIGN_WEIGHTS, load_evidence, record
from acsim.exceptions import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
TRIALS = ROOT / "scenarios" / "trials"
EVIDENCE = ROOT / "src" / "acsim" / "data" / "evidence.toml"
CITIES = {"copenhagen", "aarhus", "aalborg", "odense", "frederiksberg"}
EXPECTED_IDS = {f"T{i:02d}" for i in range(1, 21)} | {f"M{i:02d}" for i in range(1, 8)}
#: Rows of TARGETS.md whose published result states a number (the others give a sign or order).
QUANTITATIVE = {
    "T01", "T03", "T07", "T08", "T09", "T10", "T11", "T12", "T14", "T18",
    "M01", "M02", "M03", "M04", "M05", "M06", "M07",
}
#: Checks the calibration fits to (the lead's list).
FIT = {"T01", "T03", "T07", "T09", "T10", "T11", "T12", "T14", "T18", "M01"}


@pytest.fixture(scope="module")
def records():
    return load_evidence()


def _trial(stem: str) -> dict:
    return tomllib.loads((TRIALS / f"{stem}.toml").read_text(encoding="utf-8"))


def test_every_id_once(records):
    ids = [r.id for r in records]
    assert len(ids) == len(set(ids))
    assert set(ids) == EXPECTED_IDS


def test_record_lookup():
    assert record("T07").design == "timing_of_events"
    with pytest.raises(KeyError, match="T99"):
        record("T99")


def test_quantitative_records_have_a_value_check(records):
    for r in records:
        if r.id in QUANTITATIVE:
            assert any(c.published is not None for c in r.checks), r.id
        assert r.checks or r.not_simulated, f"{r.id}: no checks and no reason"


def test_weights_follow_the_design(records):
    for r in records:
        assert r.weight == DESIGN_WEIGHTS[r.design], r.id


def test_fit_roles(records):
    fitted = {r.id for r in records if any(c.role == "fit" for c in r.checks)}
    assert fitted == FIT


def test_published_values_inside_tolerance(records):
    for r in records:
        for c in r.checks:
            if c.published is not None:
                assert c.passes(c.published), (r.id, c.metric)


def test_trial_checks_match_their_trial_files(records):
    for r in records:
        for c in r.checks:
            if c.kind != "trial":
                continue
            path = TRIALS / f"{c.trial}.toml"
            assert path.is_file(), (r.id, c.trial)
            t = _trial(c.trial)
            assert c.arm in t["arms"], (r.id, c.trial, c.arm)
            assert c.arm != t["trial"]["control"], (r.id, c.arm)
            if c.than_arm is not None:
                assert c.than_arm in t["arms"], (r.id, c.trial, c.than_arm)
            assert c.metric in t["trial"]["metrics"], (r.id, c.trial, c.metric)
            assert r.id in t["trial"]["records"], (r.id, c.trial)


def test_municipal_checks_name_city_scenarios(records):
    for r in records:
        for c in r.checks:
            if c.kind == "municipal":
                for stem in (c.scenario, c.than_scenario):
                    if stem is not None:
                        assert stem in CITIES
                        assert (ROOT / "scenarios" / f"{stem}.toml").is_file()


def test_parameter_checks_name_effect_fields(records):
    from acsim.spec.scenario import Effects

    for r in records:
        for c in r.checks:
            if c.kind == "parameter":
                node = Effects()
                for part in c.metric.split("."):
                    node = getattr(node, part)
                assert isinstance(node, float), (r.id, c.metric)


def test_trial_files_are_well_formed(records):
    used = {c.trial for r in records for c in r.checks if c.kind == "trial"}
    stems = {p.stem for p in TRIALS.glob("*.toml")}
    assert used == stems, "every trial file serves a record, every named trial exists"
    for stem in sorted(stems):
        t = _trial(stem)
        assert set(t) == {"trial", "base", "arms"}, stem
        head = t["trial"]
        assert head["id"] == stem
        assert head["allocation"] in ("randomised", "crossed")
        assert head["control"] in t["arms"]
        assert set(head["records"]) <= EXPECTED_IDS
        assert "scenario" not in t["base"]
        assert not {"annual_inflow", "stock"} & set(t["base"].get("population", {}))
        for arm in t["arms"].values():
            assert "scenario" not in arm


def test_trial_files_load_with_the_trial_loader():
    try:
        trial = importlib.import_module("acsim.evidence.trials")
    except ImportError:
        pytest.skip("acsim.evidence.trials is not written yet")
    for path in sorted(TRIALS.glob("*.toml")):
        trial.load_trial(path)


def _write_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = EVIDENCE.read_text(encoding="utf-8")
    assert old in text
    p = tmp_path / "evidence.toml"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return p


def test_unknown_key_names_file_record_and_key(tmp_path):
    p = _write_variant(tmp_path, 'id = "T03"\n', 'id = "T03"\ncolour = "blue"\n')
    with pytest.raises(ScenarioError) as exc:
        load_evidence(p, trials_dir=TRIALS)
    msg = str(exc.value)
    assert str(p) in msg and "T03" in msg and "colour" in msg and "unknown key" in msg


def test_unknown_key_in_a_check_is_rejected(tmp_path):
    p = _write_variant(tmp_path, 'metric = "weeks_unemployed_52"\n',
                       'metric = "weeks_unemployed_52"\nsize = 1\n')
    with pytest.raises(ScenarioError, match=r"T01\.checks\[0\]\.size: unknown key"):
        load_evidence(p, trials_dir=TRIALS)


def test_reversed_tolerance_is_rejected(tmp_path):
    p = _write_variant(tmp_path, "tolerance_low = 3.0\ntolerance_high = 7.0",
                       "tolerance_low = 7.0\ntolerance_high = 3.0")
    with pytest.raises(ScenarioError, match=r"T03\.checks\[0\].*tolerance_low must be below"):
        load_evidence(p, trials_dir=TRIALS)


def test_duplicate_id_is_rejected(tmp_path):
    p = _write_variant(tmp_path, 'id = "T04"', 'id = "T03"')
    with pytest.raises(ScenarioError, match=r"T03\.id: id appears more than once"):
        load_evidence(p, trials_dir=TRIALS)


def test_missing_trial_file_is_rejected(tmp_path):
    with pytest.raises(ScenarioError, match=r"T01\.checks\[0\]\.trial: no trial file HIG1"):
        load_evidence(trials_dir=tmp_path)


def test_bad_trial_metric_is_rejected(tmp_path):
    p = _write_variant(tmp_path, 'metric = "window_hr_9_13@male"', 'metric = "window_hr_9_13@men"')
    with pytest.raises(ScenarioError, match=r"T05\.checks\[0\].*unknown group term 'men'"):
        load_evidence(p, trials_dir=TRIALS)


def test_passes_is_strict():
    c = record("T13").checks[0]
    assert not c.passes(c.tolerance_low)
    assert c.passes(0.1)
    assert math.isinf(c.tolerance_high)
