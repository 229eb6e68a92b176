"""Bad input: clear errors naming the file and the key; exit code 2 from the CLI."""

from datetime import date

import pytest

from acsim import ScenarioError, load_scenario
from acsim.cli.main import main

CASES = {
    "unknown key": ("[staffing]\ncaseworkrs = 40\n", "staffing.caseworkrs", "unknown key"),
    "wrong type": ("[staffing]\ncaseworkers = \"forty\"\n", "staffing.caseworkers", "integer"),
    "negative capacity": ("[staffing]\nmeetings_per_week = -5\n", "staffing.meetings_per_week",
                          "greater than or equal to 0"),
    "probability above 1": ("[screening]\naccuracy = 1.5\n",
                            "screening.accuracy", "less than or equal to 1"),
    "bad toml": ("[staffing\n", "", "not valid TOML"),
    "unknown track": ("[[programmes]]\nkind='activation'\nname='x'\nstart_week=13\n"
                      "duration_weeks=2\ntracks=['nope']\n", "", "unknown track"),
}


@pytest.mark.parametrize("name", CASES)
def test_load_scenario_names_file_key_and_expectation(tmp_path, name):
    text, key, expected = CASES[name]
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert err.source == str(path)
    assert key in err.key or key in str(err)
    assert expected in str(err), str(err)


@pytest.mark.parametrize("name", CASES)
def test_cli_exits_2_with_one_line(tmp_path, capsys, name):
    text, key, _ = CASES[name]
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert main(["run", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and key in err[0], err


def test_missing_file(capsys):
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario("no/such/file.toml")
    assert main(["run", "no/such/file.toml"]) == 2
    assert "no/such/file.toml: file not found" in capsys.readouterr().err


def test_set_override_is_validated_like_the_file(capsys):
    assert main(["run", "scenarios/copenhagen.toml", "--set", "screening.accuracy=2"]) == 2
    err = capsys.readouterr().err
    assert "screening.accuracy" in err and "copenhagen.toml" in err


def test_stock_fit_needs_a_published_stock(capsys):
    assert main(["calibrate-levels", "scenarios/aarhus.toml", "--stock"]) == 2
    err = capsys.readouterr().err
    assert "aarhus.toml" in err and "--stock" in err and "copenhagen" in err, err


# -- files that cannot be read, and values that used to pass and crash the run (issue 15) ------
def test_unreadable_and_oversized_files_name_the_file(tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 50_000 + "]" * 50_000)
    dotted = tmp_path / "dotted.toml"
    dotted.write_text("[" + ".".join(["a"] * 50_000) + "]\n")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00junk")
    for path, expected in [(deep, "nested deeper"), (dotted, "nested deeper"),
                           (tmp_path, "is a directory"), (binary, "UTF-8"),
                           ("/proc/self/mem", "cannot be read")]:
        with pytest.raises(ScenarioError, match=expected) as info:
            load_scenario(path)
        assert info.value.source == str(path)


VALUES = {
    "population.annual_inflow": [0, 0.5],
    "hazard.covariates.akasse": [{"AKA": 800}, {"AKA": float("nan")}],
    "hazard.covariates.female": [float("nan")],
    "scenario.start_date": [date(9999, 6, 1), date(2015, 6, 1)],
    "population.graduate_profile": [[float("inf")] * 12],
    "effects.meetings.lift_hr": [-1, float("nan"), float("inf"), {"default": -1}],
    "population.stock": [[{"from_week": 0, "to_week": 4, "count": 10**12}]],
    "meetings.group": [{"every_weeks": 1e-9}, {"every_weeks": float("inf")}],
    "meetings.schedule": [[{"until_week": 26, "every_weeks": 2},
                           {"until_week": 104, "every_weeks": 1e-9}]],
    "meetings.extra": [[{"weeks": [w]}] for w in (-5, float("nan"), float("inf"))],
    "effects.caseworkers.similarity_hr": [[1, -1, 1], [1, float("nan"), 1]],
    "effects.caseworkers.employer_contact_hr": [float("inf")],
    "provider.price_per_spell": [float("inf")],
    "programmes[0].start_week": [True, 600],
    "programmes[0].duration_weeks": [True],
    "programmes[0].hours_per_week": [True],
    "programmes[0].groups": [["nope"]],
    "staffing.caseworkers": [True],
    "population.graduate_share": [True],
    "meetings.caseload_quality": [1],
    "programmes": [[{"kind": "activation", "name": f"a{i}", "start_week": 13,
                     "duration_weeks": 2} for i in range(40)]],
}
CHANGES = [(key, v) for key, vs in VALUES.items() for v in vs]


@pytest.mark.parametrize(("key", "value"), CHANGES, ids=[f"{k}={v!r}"[:60] for k, v in CHANGES])
def test_bad_values_are_rejected_at_load_naming_the_key(key, value):
    cph = load_scenario("scenarios/copenhagen.toml")
    with pytest.raises(ScenarioError) as info:
        cph.with_changes({key: value})
    err = info.value
    assert err.key.startswith(key.split("[")[0].split(".")[0]), err
    want = {"meetings.schedule": "meetings.schedule[1].every_weeks",
            "programmes[0].groups": "programmes[0].groups",
            "scenario.start_date": "scenario.start_date"}.get(key)
    if want:
        assert err.key == want, err


def test_the_start_date_is_blamed_on_the_scenario_not_the_rates(tmp_path):
    path = tmp_path / "early.toml"
    path.write_text("[scenario]\nstart_date = 2015-06-01\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.source == str(path) and info.value.key == "scenario.start_date"


def test_no_caseworkers_runs_with_nan_utilisation():
    import math
    import warnings

    import acsim

    s = load_scenario("scenarios/copenhagen.toml").with_changes({
        "staffing.caseworkers": 0, "population.annual_inflow": 300.0, "population.stock": [],
        "scenario.warmup_weeks": 0.0, "scenario.horizon_weeks": 30.0})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = acsim.run(s, replications=1, seed=1, workers=1, progress=False)
    assert len(res.spells) > 0
    assert math.isnan(res.summary.loc["caseworker_utilisation", "mean"])


def test_a_programme_nobody_reaches_is_a_warning_not_an_error():
    from acsim.exceptions import ScenarioWarning

    cph = load_scenario("scenarios/copenhagen.toml")
    with pytest.warns(ScenarioWarning, match=r"programmes\[0\]\.start_week.*never reached"):
        sc = cph.with_changes({"programmes[0].start_week": 500})
    assert sc.programmes[0].start_week == 500
