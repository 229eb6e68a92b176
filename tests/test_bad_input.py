"""Bad input: clear errors naming the file and the key; exit code 2 from the CLI."""

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
