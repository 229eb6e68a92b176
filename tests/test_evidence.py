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
EXPECTED_IDS = {f"T{i:02d}" for i in range(1, 21)} | {f"M{i:02d}" for i in range(1, 12)}
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


# -- targets come from the records, never from the code --
def _published_numbers(records) -> set[float]:
    """Every published value of the records, and the inputs of their business cases."""
    out = {float(c.published) for r in records for c in r.checks if c.published is not None}
    for r in records:
        if r.business_case is not None:
            b = r.business_case
            out |= {b.investment_dkk, b.full_year_persons_saved_per_year, b.municipal_share}
    return out


def _source_numbers(path: Path) -> list[tuple[int, float]]:
    import ast
    import io
    import tokenize

    out = []
    for tok in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
        if tok.type == tokenize.NUMBER and not tok.string.lower().endswith("j"):
            out.append((tok.start[0], float(ast.literal_eval(tok.string))))  # 0o600, 1_000
    return out


def test_no_published_number_in_the_evidence_and_cli_code(records):
    """Published values (and accounting inputs) live in evidence.toml only.

    Small whole numbers (signs, bounds, a 2 of ``-2 weeks``) are too common to tell; every
    other published number must not appear as a literal in acsim.evidence or acsim.cli.
    """
    distinctive = {v for v in _published_numbers(records) if v != round(v) or abs(v) > 10}
    assert {24.5, 1687.0, 48.0, 0.75, 10e6} <= distinctive
    src = ROOT / "src" / "acsim"
    found = [(p.relative_to(src), line, v)
             for p in sorted([*(src / "evidence").glob("*.py"), *(src / "cli").glob("*.py")])
             for line, v in _source_numbers(p) if v in distinctive]
    assert not found, f"published numbers copied into code: {found}"


def test_level_fit_targets_are_the_records_values(records):
    from acsim.evidence.plan import default_plan
    from acsim.evidence.targets import level_target, mean_completed_durations, published_stocks

    m01 = {c.scenario: c.published for c in record("M01").checks}
    assert mean_completed_durations() == m01 and set(m01) == CITIES
    m03 = [c for c in record("M03").checks]
    assert published_stocks() == {"copenhagen": {
        "3-5 months": m03[0].published, "6-11 months": m03[1].published,
        "12+ months": m03[2].published}}
    stages = default_plan().level_stages
    assert {s.city for s in stages} == CITIES
    for stage in stages:
        target = level_target(stage.city, stage.records)
        assert target.mean_completed_duration == m01[stage.city]
        assert (target.stock is not None) == stage.fits_stock, stage.city
        if stage.fits_stock:
            assert target.stock == published_stocks()[stage.city]


def test_the_business_case_is_computed_from_the_records_inputs():
    from acsim.evidence.validation import business_case_figures, odense_business_case

    m07 = record("M07")
    got = odense_business_case()
    assert got == {f"odense_{k}": v for k, v in business_case_figures(m07.business_case).items()}
    for c in m07.checks:
        assert c.passes(got[c.metric]), (c.metric, got[c.metric])
    doubled = m07.business_case.model_copy(update={"full_year_persons_saved_per_year": 96.0})
    assert business_case_figures(doubled)["savings_mdkk"] == pytest.approx(
        2 * got["odense_savings_mdkk"])


def test_an_accounting_check_needs_business_case_inputs(tmp_path):
    text = EVIDENCE.read_text(encoding="utf-8")
    start = text.index("\n[records.business_case]\n")
    end = text.index("\n[[records.checks]]\n", start)
    p = tmp_path / "evidence.toml"
    p.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"M07.*business_case"):
        load_evidence(p, trials_dir=TRIALS)


# -- the calibration plan --
PLAN = ROOT / "src" / "acsim" / "data" / "calibration_plan.toml"


def test_the_calibration_plan_loads():
    from acsim.evidence.plan import LevelStage, Stage, load_plan

    plan = load_plan()
    assert plan.stages and all(isinstance(s, (Stage, LevelStage)) for s in plan.stages)
    assert plan.effect_stages[0].name == "meeting lift (all insured)"
    known = {r.id for r in load_evidence()}
    for stage in plan.stages:
        assert set(stage.records) <= known, stage.name
    assert plan.level_stage("copenhagen").fits_stock
    assert not plan.level_stage("odense").fits_stock
    assert "caseworkers.effectiveness_sd" in plan.unidentified


def _plan_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = PLAN.read_text(encoding="utf-8")
    assert old in text
    p = tmp_path / "plan.toml"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return p


@pytest.mark.parametrize("old,new,key", [
    ('name = "company placements"\n', 'name = "company placements"\ncolour = "blue"\n',
     "stages[2].colour"),
    ('{ path = "meetings.lift_hr[edu_high]", lower = 1.0, upper = 2.5 }',
     '{ path = "meetings.lift_hr[edu_high]", lower = 1.0, upper = 2.5, size = 3 }',
     "stages[3].parameters[0].size"),
    ("[unidentified]", "colour = 1\n[unidentified]", "colour"),
])
def test_an_unknown_key_in_the_plan_names_file_and_key(tmp_path, old, new, key):
    from acsim.evidence.plan import load_plan

    p = _plan_variant(tmp_path, old, new)
    with pytest.raises(ScenarioError) as exc:
        load_plan(p)
    msg = str(exc.value)
    assert str(p) in msg and key in msg and "unknown key" in msg, msg


@pytest.mark.parametrize("old,new,match", [
    ('kind = "effects"\nname = "company placements"',
     'kind = "effect"\nname = "company placements"',
     r"stages\[2\]\.kind: expected one of effects, level"),
    ('path = "meetings.lift_hr[edu_high]"', 'path = "meetings.lift[edu_high]"',
     r"stages\[3\].*not a numeric effect parameter"),
    ('{ path = "meetings.lift_hr[edu_high]", lower = 1.0',
     '{ path = "meetings.lift_hr[edu_high]", lower = 3.0',
     r"stages\[3\]\.parameters\[0\].*lower must be below upper"),
    ('{ path = "population.annual_inflow" }',
     '{ path = "population.annual_inflow", lower = 1.0, upper = 2.0 }',
     r"stages\[10\].*annual_inflow: is scaled to the stock"),
    ('city = "odense"', 'city = "aalborg"', r"stages\[12\]\.city: 'aalborg' has two level"),
])
def test_an_invalid_plan_names_the_key(tmp_path, old, new, match):
    from acsim.evidence.plan import load_plan

    with pytest.raises(ScenarioError, match=match):
        load_plan(_plan_variant(tmp_path, old, new))


# -- the registry of comparisons --
def test_every_check_has_a_registered_comparison_and_kind(records):
    from acsim.evidence.checks import COMPARISONS, check_passes, comparison_of
    from acsim.evidence.validation import SOURCES

    seen = set()
    for r in records:
        for c in r.checks:
            kind = comparison_of(c)
            seen.add(kind)
            assert kind in COMPARISONS and c.kind in SOURCES
            if c.published is not None:
                assert check_passes(c, c.published) == c.passes(c.published)
    assert seen == set(COMPARISONS)
    t03 = record("T03").checks
    assert [comparison_of(c) for c in t03] == ["value", "sign"]
    assert comparison_of(next(c for c in record("M02").checks)) == "ordering"
