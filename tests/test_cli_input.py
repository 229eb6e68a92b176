"""Command-line options and trial file structure are checked before any simulation starts.

Each bad input must exit with 2 and print one line on stderr naming the option or key, with no
simulation run: the simulating functions are replaced by ones that fail the test if called.
"""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import tomlkit

from acsim.cli import options
from acsim.cli.main import main
from acsim.exceptions import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
CITY = str(ROOT / "scenarios" / "aarhus.toml")

TRIAL = {
    "trial": {"id": "t", "n": 200, "seed": 1, "metrics": ["hr_job"]},
    "base": {"staffing": {"caseworkers": 60, "meetings_per_week": 40},
             "meetings": {"schedule": "none"}},
    "arms": {"control": {}, "treatment": {"meetings": {"first_week": 2}}},
}


@pytest.fixture(autouse=True)
def no_simulation(monkeypatch):
    """Every simulating entry point fails the test if a command reaches it."""
    import acsim.evidence.calibration as calibration
    import acsim.evidence.levels as levels
    import acsim.evidence.trials as trials
    import acsim.evidence.validation as validation
    import acsim.experiments.compare as compare
    import acsim.experiments.run as run

    def simulated(*args, **kwargs):
        raise AssertionError("a simulation started before the input was checked")

    for module, name in [(run, "run"), (compare, "compare"), (trials, "run_trial"),
                         (calibration, "calibrate_effects"), (calibration, "refit_levels"),
                         (validation, "validate"), (levels, "fit_level_stage"),
                         (levels, "calibrate_level")]:
        monkeypatch.setattr(module, name, simulated)


def rejected(capsys, argv: list[str], *names: str) -> str:
    """Run the CLI; it must exit 2 with one stderr line naming each of ``names``."""
    code = main(argv)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("acsim: error: "), err
    for name in names:
        assert name in lines[0], (name, err)
    return lines[0]


def trial_file(tmp_path: Path, change=None, name: str = "t.toml") -> str:
    import copy

    data = copy.deepcopy(TRIAL)
    if change is not None:
        change(data)
    path = tmp_path / name
    path.write_text(tomlkit.dumps(data), encoding="utf-8")
    return str(path)


# -- argparse errors: one line -------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["run", CITY, "-n", "x"], "--replications"),
        (["run", CITY, "--precision", "fine"], "--precision"),
        (["run"], "scenario"),
        (["bogus"], "bogus"),
        (["run", CITY, "--bogus"], "--bogus"),
        (["trial", "x.toml", "--allocation", "x"], "--allocation"),
        (["run", CITY, "--backend", "spark"], "--backend"),
        ([], "command"),
    ],
)
def test_usage_errors_are_one_line(capsys, argv, name):
    rejected(capsys, argv, name)


def test_usage_error_of_the_console_script_is_one_line():
    r = subprocess.run([sys.executable, "-m", "acsim", "run", CITY, "--seed", "one"],
                       capture_output=True, text=True, timeout=120)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, r.stderr
    assert lines == [lines[0]] and lines[0].startswith("acsim: error: argument --seed"), lines


# -- numeric options ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["run", CITY, "--precision", "nan"], "--precision"),
        (["run", CITY, "--precision", "-1"], "--precision"),
        (["run", CITY, "--precision", "0"], "--precision"),
        (["run", CITY, "--precision", "inf"], "--precision"),
        (["compare", CITY, CITY, "--precision", "nan"], "--precision"),
        (["run", CITY, "--metric", "bogus"], "--metric"),
        (["compare", CITY, CITY, "--metric", "bogus"], "--metric"),
        (["compare", CITY, CITY, "--metric", "survival_27"], "--metric"),
        (["run", CITY, "--metric", "hr_job"], "--metric"),
        (["run", CITY, "--max-replications", "0"], "--max-replications"),
        (["compare", CITY, "--max-replications", "0"], "--max-replications"),
        (["run", CITY, "-n", "4", "--precision", "0.1", "--max-replications", "2"],
         "--max-replications"),
        (["run", CITY, "-n", "0"], "--replications"),
        (["run", CITY, "-n", "1000000"], "--replications"),
        (["run", CITY, "--seed", "-1"], "--seed"),
        (["compare", CITY, "--seed", "-1"], "--seed"),
        (["run", CITY, "--workers", "0"], "--workers"),
        (["run", CITY, "--workers", "100000"], "--workers"),
        (["trial", "x.toml", "--seed", "-1"], "--seed"),
        (["trial", "x.toml", "--n", "1"], "--n"),
        (["trial", "x.toml", "--n", "1000000000"], "--n"),
        (["validate", "--seed", "-1"], "--seed"),
        (["validate", "--scale", "nan"], "--scale"),
        (["validate", "--workers", "0"], "--workers"),
        (["calibrate", "--seed", "-1"], "--seed"),
        (["calibrate", "--scale", "0"], "--scale"),
        (["calibrate-levels", CITY, "--seed", "-1"], "--seed"),
        (["calibrate-levels", CITY, "--target", "nan"], "--target"),
        (["calibrate-levels", CITY, "--target", "-3"], "--target"),
        (["calibrate-levels", CITY, "-n", "0"], "--replications"),
    ],
)
def test_bad_option_values_are_rejected_before_simulating(capsys, argv, name):
    rejected(capsys, argv, name)


def test_trial_size_over_the_inflow_limit_names_n(capsys, tmp_path):
    line = rejected(capsys, ["trial", trial_file(tmp_path), "--n", "4000000"], "--n")
    assert "intake_weeks" in line and "5,000,000" in line, line


def test_precision_metrics_are_the_run_metrics():
    from acsim.analysis.metrics import run_metric_names

    names = run_metric_names()
    assert {"rmst_104", "median_duration", "survival_26", "cost_per_year"} <= set(names)
    assert not any("<" in n for n in names)
    for name in names:
        options.check_metric(name)


# -- --set -----------------------------------------------------------------------------------
@pytest.mark.parametrize("override", ["hazard.level=nan", "staffing.caseworkers"])
def test_set_errors_name_the_file(capsys, override):
    rejected(capsys, ["run", CITY, "--set", override], "aarhus.toml (--set)",
             override.split("=")[0])


# -- the Dask scheduler ----------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_scheduler_is_rejected_before_simulating(capsys):
    address = f"tcp://127.0.0.1:{_free_port()}"
    rejected(capsys, ["run", CITY, "--backend", "dask", "--scheduler", address], "--scheduler")


def test_silent_scheduler_is_rejected_within_the_timeout(capsys, monkeypatch):
    monkeypatch.setattr(options, "CONNECT_TIMEOUT", 0.5)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True)
    thread.start()
    try:
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        line = rejected(capsys, ["compare", CITY, "--backend", "dask", "--scheduler", address],
                        "--scheduler")
        assert "Dask scheduler" in line
    finally:
        server.close()
        for conn, _ in accepted:
            conn.close()


@pytest.mark.parametrize("address", ["http://host:1", "tcp://:8786", "tcp://host:port"])
def test_malformed_scheduler_address(capsys, address):
    rejected(capsys, ["run", CITY, "--backend", "dask", "--scheduler", address], "--scheduler")


def test_scheduler_without_dask_backend(capsys):
    rejected(capsys, ["run", CITY, "--scheduler", "tcp://127.0.0.1:8786"], "--scheduler",
             "--backend dask")


# -- output directories ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [
        lambda out, trial: ["run", CITY, "--out", out],
        lambda out, trial: ["run", CITY, "--store", out],
        lambda out, trial: ["compare", CITY, "--out", out],
        lambda out, trial: ["trial", trial, "--out", out],
        lambda out, trial: ["validate", "--out", out],
        lambda out, trial: ["calibrate", "--no-write", "--checkpoint", out],
    ],
    ids=["run --out", "run --store", "compare", "trial", "validate", "calibrate"],
)
@pytest.mark.parametrize("where", ["file", "proc", "readonly", "full"])
def test_bad_output_directory_is_rejected_before_simulating(capsys, monkeypatch, tmp_path,
                                                            command, where):
    trial = trial_file(tmp_path)
    if where == "file":
        out = tmp_path / "taken"
        out.write_text("x")
    elif where == "proc":
        if not Path("/proc/self").is_dir():
            pytest.skip("no /proc")
        out = Path("/proc/self/acsim-out")
    else:
        out = tmp_path / "out" / "sub"
        code = errno.EROFS if where == "readonly" else errno.ENOSPC
        real_open = os.open

        def failing_open(path, flags, *args):
            if ".acsim-write-test" in str(path):
                raise OSError(code, os.strerror(code), str(path))
            return real_open(path, flags, *args)

        monkeypatch.setattr(options.os, "open", failing_open)
    argv = command(str(out), trial)
    option = next(a for a in argv if a.startswith("--") and a not in ("--no-write",))
    line = rejected(capsys, argv, option, str(out))
    if where in ("readonly", "full"):
        assert os.strerror(errno.EROFS if where == "readonly" else errno.ENOSPC) in line
        assert not (tmp_path / "out").exists(), "the directories it created are removed"


def test_output_directory_on_a_full_disk(tmp_path, monkeypatch):
    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(options.os, "write", full)
    with pytest.raises(ScenarioError, match="No space left on device") as err:
        options.output_dir(tmp_path / "o", "--out")
    assert err.value.source == "--out"
    assert list(tmp_path.iterdir()) == []


def test_output_directory_is_created_and_left_clean(tmp_path):
    out = tmp_path / "a" / "b"
    assert options.output_dir(out, "--store") == out
    assert out.is_dir() and list(out.iterdir()) == []
    (out / "keep.txt").write_text("kept")
    assert options.output_dir(out, "--store") == out
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_read_only_output_directory_for_a_user(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("permissions do not bind root (the EROFS case is tested above)")
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o500)
    try:
        with pytest.raises(ScenarioError, match="cannot write here"):
            options.output_dir(out, "--out")
    finally:
        out.chmod(0o700)


def test_unwritable_scenario_for_calibrate_levels_write(capsys, tmp_path, monkeypatch):
    import shutil

    city = tmp_path / "aarhus.toml"
    shutil.copy(CITY, city)
    real_open = open

    def read_only(path, mode="r", *args, **kwargs):
        if Path(path) == city and "+" in mode:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", read_only)
    rejected(capsys, ["calibrate-levels", str(city), "--write"], "--write", "aarhus.toml")


# -- trial file structure --------------------------------------------------------------------
def _set(path: str, value):
    def change(d):
        *parents, last = path.split(".")
        node = d
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return change


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        ("trial", 5, "trial"),
        ("base", 5, "base"),
        ("base", [], "base"),
        ("base.meetings", True, "base.meetings"),
        ("base.population", 5, "base.population"),
        ("base.hazard", "x", "base.hazard"),
        ("base.effects", [1], "base.effects"),
        ("base.programmes", {"kind": "activation"}, "base.programmes"),
        ("base.bogus", {}, "base.bogus"),
        ("arms", 5, "arms"),
        ("arms.x", "text", "arms.x"),
        ("arms.x", [{"x": 1}], "arms.x"),
        ("arms.x", [], "arms.x"),
        ("arms.unknown", 5, "arms.unknown"),
        ("arms.treatment.bogus", 1, "arms.treatment.bogus"),
        ("arms.treatment.meetings", 3, "arms.treatment.meetings"),
        ("arms.treatment.meetings.first_week", "soon", "arms.treatment.meetings.first_week"),
        ("base.meetings.first_week", "soon", "base.meetings.first_week"),
        ("trial.intake_weeks", 1e-9, "trial.intake_weeks"),
    ],
)
def test_trial_structure_errors_name_file_and_key(capsys, tmp_path, path, value, key):
    file = trial_file(tmp_path, _set(path, value))
    line = rejected(capsys, ["trial", file], f"t.toml: {key}")
    assert "Traceback" not in line


def test_trial_structure_errors_from_the_api():
    from acsim.evidence.trials import Trial

    for data, key in [(5, ""), ({"trial": [], "arms": {}}, "trial"),
                      ({**TRIAL, "base": {"hazard": 5}}, "base.hazard"),
                      ({**TRIAL, "arms": {"control": {}, "x y": 1}}, "arms[x y]")]:
        with pytest.raises(ScenarioError) as err:
            Trial.from_dict(data, source="api.toml")
        assert err.value.source == "api.toml" and err.value.key == key, err.value


def test_intake_limit_of_a_trial_size_asked_for():
    from acsim.evidence.trials import Trial

    trial = Trial.from_dict(TRIAL, source="t.toml")
    with pytest.raises(ScenarioError, match="population.annual_inflow") as err:
        trial.scenarios(n=5_000_000)
    assert err.value.key.startswith("n ")


def test_scale_beyond_the_trial_limits_is_rejected_before_simulating(capsys):
    line = rejected(capsys, ["validate", "--scale", "100"], "--scale")
    assert "trial.n" in line and ".toml" in line, line
