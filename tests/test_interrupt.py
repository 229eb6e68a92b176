"""No work lost, no process left: workers die with their parent; Ctrl-C stops and keeps.

Each test runs ``acsim run`` with a result store and two workers in a subprocess, waits until
its first replication is stored, then signals it: SIGKILL to the parent, as the OOM killer
would, or SIGINT to its process group, as Ctrl-C in a terminal does.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from acsim.experiments.run import run_replication
from acsim.experiments.store import ResultStore
from acsim.model.rng import root_entropy
from acsim.spec.scenario import load_scenario

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="finds the worker processes through /proc")

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "copenhagen.toml"
#: About two seconds a replication: long enough to be interrupted in the middle of one.
SMALL = {"population.annual_inflow": 4000, "scenario.horizon_weeks": 80}
SEED = 1


def _start(store: Path, replications: int) -> subprocess.Popen:
    sets = [a for k, v in SMALL.items() for a in ("--set", f"{k}={v}")]
    return subprocess.Popen(
        [sys.executable, "-m", "acsim", "run", str(SCENARIO), "-n", str(replications),
         "--seed", str(SEED), "--workers", "2", "--quiet", "--store", str(store), *sets],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        start_new_session=True,  # the signals of the test reach only the processes it names
        # A test run started in the background inherits SIGINT ignored, and Python keeps an
        # ignored SIGINT: give the run the default, as a terminal would.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _wait_for_a_stored_replication(proc: subprocess.Popen, store: Path,
                                   timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not list(store.glob("*/metrics/replication=*.json")):
        if proc.poll() is not None:
            pytest.fail(f"the run ended before storing a replication: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("no replication stored in time")
        time.sleep(0.05)


def _stat(pid: int) -> tuple[str, int] | None:
    """State and parent pid of a process, None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[1])


def _children(pid: int) -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir()
            if p.name.isdigit() and (s := _stat(int(p.name))) is not None and s[1] == pid]


def _alive(pid: int) -> bool:
    s = _stat(pid)
    return s is not None and s[0] not in ("Z", "X")  # a zombie has exited


def _left(pids: list[int], within: float) -> list[str]:
    """The command lines of ``pids`` still running after ``within`` seconds."""
    deadline = time.monotonic() + within
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [Path(f"/proc/{p}/cmdline").read_text().replace("\0", " ")
            for p in pids if _alive(p)]


def test_workers_die_with_a_killed_parent(tmp_path):
    proc = _start(tmp_path, replications=6)
    try:
        _wait_for_a_stored_replication(proc, tmp_path)
        children = _children(proc.pid)
        # Two workers and the pool's resource tracker.
        assert len(children) >= 2, children
        os.kill(proc.pid, signal.SIGKILL)
        t0 = time.monotonic()
        # The stdout pipe closes once every process holding it (workers, tracker) is gone.
        proc.communicate(timeout=10)
        assert not _left(children, within=5 - (time.monotonic() - t0))
    finally:
        for c in _children(proc.pid) if proc.poll() is None else []:
            os.kill(c, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_ctrl_c_stops_at_once_and_keeps_the_completed_replications(tmp_path):
    proc = _start(tmp_path, replications=6)
    try:
        _wait_for_a_stored_replication(proc, tmp_path)
        children = _children(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the whole group
        t0 = time.monotonic()
        out, err = proc.communicate(timeout=30)
        elapsed = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, (proc.returncode, err)
    assert elapsed < 3.0, f"took {elapsed:.1f} s to exit after SIGINT"
    assert not _left(children, within=1)
    scenario = load_scenario(SCENARIO).with_changes(SMALL)
    store = ResultStore(tmp_path)
    stored = store.completed(scenario, root_entropy(SEED))
    assert [p.name for p in tmp_path.iterdir()] == [store.run_dir(scenario, SEED).name]
    assert 1 <= len(stored) < 6, stored
    assert f"kept {len(stored)} of 6 replications" in err, err
    manifest = json.loads((store.run_dir(scenario, SEED) / "manifest.json").read_text())
    assert manifest["interrupted"] and manifest["replications_stored"] == stored
    assert f"{len(stored)} replication(s)" in out
    # Each stored replication is the one an uninterrupted run computes.
    for r in stored:
        spells, metrics, weekly, episodes = store.load(scenario, SEED, r)
        expected_spells, expected = run_replication(scenario, root_entropy(SEED), r)
        pd.testing.assert_frame_equal(spells, expected_spells, check_exact=True)
        pd.testing.assert_frame_equal(weekly, expected.pop("_weekly"), check_exact=True)
        for name, table in expected.pop("_episodes").items():
            pd.testing.assert_frame_equal(episodes[name], table, check_exact=True)
        assert json.dumps(metrics) == json.dumps(expected, default=float)
