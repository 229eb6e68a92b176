"""``acsim sweep``: a dose-response over a grid, its table, its figure, its refusals."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

SMALL = ["--set", "population.annual_inflow=500", "--set", "scenario.horizon_weeks=60"]


def _acsim(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "acsim", *args], capture_output=True,
                          text=True, timeout=timeout)


def test_sweep_writes_levels_and_paired_differences(tmp_path):
    out = _acsim("sweep", "scenarios/aarhus.toml", "--grid", "staffing.caseworkers=8,32",
                 "-n", "2", "--seed", "3", "--workers", "1", "--quiet", "--out",
                 str(tmp_path), *SMALL)
    assert out.returncode == 0, out.stderr
    table = pd.read_csv(tmp_path / "sweep.csv")
    assert set(table["staffing.caseworkers"]) == {8, 32}
    util = table[table["metric"] == "caseworker_utilisation"].set_index("staffing.caseworkers")
    assert util.loc[32, "mean"] < util.loc[8, "mean"]  # four times the staff, same caseload
    assert pd.isna(util.loc[8, "diff_vs_first"])
    assert util.loc[32, "diff_vs_first"] == pytest.approx(util.loc[32, "mean"]
                                                         - util.loc[8, "mean"])
    assert (tmp_path / "sweep.png").stat().st_size > 10_000
    assert "caseworker_utilisation:" in out.stdout


@pytest.mark.parametrize(("args", "needle"), [
    (["--grid", "staffing.caseworkers"], "expected KEY=V1,V2"),
    (["--grid", "staffing.caseworkers=10,-3"], "staffing.caseworkers"),
    (["--grid", "staffing.caseworkers=1", "--grid", "staffing.caseworkers=2"], "given twice"),
    (["--grid", "staffing.caseworkers=1,2", "-n", "1"], "--replications"),
    (["--grid", "staffing.caseworkers=1,2", "--metric", "nonsense"], "--metric"),
])
def test_sweep_refuses_bad_input_before_running(args, needle):
    out = _acsim("sweep", "scenarios/aarhus.toml", *args, timeout=60)
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert needle in out.stderr
    assert out.stderr.count("\n") == 1, out.stderr
