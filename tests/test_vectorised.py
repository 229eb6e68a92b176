"""The vectorised engine against the SimPy engine: the same record on the same seed.

Every arm of every shipped trial the vectorised engine accepts, and a Copenhagen with ample
fixed-caseload staffing, is run by both engines on the same seed; the spells, meetings,
programme episodes and jobs must agree: floats to 1e-9 weeks, everything else exactly. What
the vectorised engine refuses must be refused before any simulation, naming the key.
"""

from __future__ import annotations

import math
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import simpy

from acsim import load_scenario
from acsim.evidence.trials import load_trial, run_trial
from acsim.exceptions import ScenarioError, ScenarioWarning, UncalibratedWarning
from acsim.experiments.run import run_replication
from acsim.model.engine import JobCentre, run_paused_gc
from acsim.model.population import draw_population
from acsim.model.vectorised import (
    RoundingTie,
    VectorisedCentre,
    _problem,
    check_supported,
    run_centre,
)

ROOT = Path(__file__).resolve().parents[1]
TRIALS = sorted((ROOT / "scenarios" / "trials").glob("*.toml"))
#: Keys the vectorised engine may refuse a shipped trial arm by (each with its reason).
KNOWN_REFUSALS = {"meetings.caseload_quality", "meetings.schedule"}
TOL = 1e-9
N = 300


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UncalibratedWarning)
        yield


def _sorted(rows: list, columns: list[str], keys: list[str]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(rows, columns=columns)
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


def assert_same(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    """Equal tables: floats within TOL, every other column exactly."""
    assert len(a) == len(b), f"{what}: {len(a)} rows (SimPy) vs {len(b)} (vectorised)"
    assert list(a.columns) == list(b.columns), what
    for col in a.columns:
        x, y = a[col].to_numpy(), b[col].to_numpy()
        if a[col].dtype.kind == "f" or b[col].dtype.kind == "f":
            x, y = x.astype(float), y.astype(float)
            both_nan = np.isnan(x) & np.isnan(y)
            diff = np.where(both_nan, 0.0, np.abs(x - y))
            worst = float(np.max(diff)) if len(diff) else 0.0
            assert worst <= TOL, f"{what}.{col}: max difference {worst:.3g}"
        else:
            bad = int(np.count_nonzero([not (u == v or (pd.isna(u) and pd.isna(v)))
                                        for u, v in zip(x, y, strict=True)]))
            assert bad == 0, f"{what}.{col}: {bad} of {len(x)} values differ"


def assert_same_record(sim: JobCentre, vec: VectorisedCentre, what: str) -> None:
    """The two engines' records agree table by table."""
    cols = list(sim.record.spell_columns)
    assert cols == list(vec.record.spell_columns)
    key = ["jobseeker_id", "spell"]
    assert_same(_sorted(sim.records, cols, key), _sorted(vec.records, cols, key),
                f"{what} spells")
    t_sim, t_vec = sim.record.tables(), vec.record.tables()
    for name, keys in (("meetings", ["jobseeker_id", "spell", "time", "kind"]),
                       ("programmes", ["jobseeker_id", "spell", "start"]),
                       ("jobs", ["jobseeker_id", "spell"])):
        a = t_sim[name].sort_values(keys, kind="stable")
        b = t_vec[name].sort_values(keys, kind="stable")
        assert_same(a.reset_index(drop=True), b.reset_index(drop=True), f"{what} {name}")
    assert sim.weekly_meetings == vec.weekly_meetings, f"{what}: weekly meetings differ"
    assert np.allclose(sim.weekly_delay, vec.weekly_delay, atol=TOL)
    end = int(sim.end)
    u_sim, u_vec = sim.calendar.utilisation(0, end), vec.calendar.utilisation(0, end)
    assert (math.isnan(u_sim) and math.isnan(u_vec)) or abs(u_sim - u_vec) <= TOL, what


def _trial_arms(path: Path, n: int = N):
    trial = load_trial(path)
    scs = trial.scenarios(n=n)
    control = scs[trial.spec.control]
    root = trial.spec.seed
    pop = draw_population(control.population, date(2019, 1, 1), trial.spec.intake_weeks,
                          control.hazard.covariates, root, 0)
    return trial, scs, root, pop.inflow


@pytest.mark.parametrize("path", TRIALS, ids=[p.stem for p in TRIALS])
def test_trial_arms_match_simpy(path: Path) -> None:
    """Each arm the vectorised engine accepts gives the SimPy engine's record."""
    trial, scs, root, people = _trial_arms(path)
    ids = np.array([js.id for js in people], dtype=np.int64)
    compared = 0
    for arm, sc in scs.items():
        problem = _problem(sc, len(people))
        if problem is not None:
            print(f"{trial.id}:{arm} refused: {problem[0]}: {problem[1]}")
            assert problem[0] in KNOWN_REFUSALS, problem
            continue
        env = simpy.Environment()
        sim = JobCentre(sc, root, 0, env)
        sim.admit(people, keys=ids)
        run_paused_gc(env)
        vec = VectorisedCentre(sc, root, 0)
        vec.admit(people)
        try:
            vec.simulate()
        except RoundingTie as exc:  # refused in the run: say so, never compare a guess
            print(f"{trial.id}:{arm} refused in the run: {exc}")
            continue
        assert_same_record(sim, vec, f"{trial.id}:{arm}")
        print(f"{trial.id}:{arm}: {len(sim.records)} spells, "
              f"{len(sim.record.meetings)} meetings equal")
        compared += 1
    assert compared or trial.id == "T09", f"{trial.id}: no arm compared"


def _ample_copenhagen():
    sc = load_scenario(ROOT / "scenarios" / "copenhagen.toml")
    return sc.with_changes({
        "population.annual_inflow": 500, "staffing.assignment": "fixed",
        "staffing.teams": 1, "staffing.caseworkers": 60, "staffing.meetings_per_week": 40,
        "meetings.caseload_quality": False,
    })


def test_city_with_ample_staffing_matches_simpy() -> None:
    """Copenhagen (screening at the first meeting, tracks, threats) with ample staffing."""
    sc = _ample_copenhagen()
    sim = JobCentre(sc, 11, 0)
    sim.run()
    vec = VectorisedCentre(sc, 11, 0)
    vec.run()
    assert sum(r[8] for r in sim.records) > 0 and sum(r[9] for r in sim.records) == 0
    assert_same_record(sim, vec, "copenhagen")
    print(f"copenhagen: {len(sim.records)} spells, {len(sim.record.meetings)} meetings equal")


def test_replication_outputs_match_simpy() -> None:
    """What a run keeps of a replication: spells with costs, metrics, weekly series."""
    sc = _ample_copenhagen()
    s_sim, m_sim = run_replication(sc, 5, 1, engine="simpy")
    s_vec, m_vec = run_replication(sc, 5, 1, engine="vectorised")
    key = ["jobseeker_id", "spell"]
    assert_same(s_sim.sort_values(key).reset_index(drop=True),
                s_vec.sort_values(key).reset_index(drop=True), "run spells")
    w_sim, w_vec = m_sim.pop("_weekly"), m_vec.pop("_weekly")
    assert_same(w_sim, w_vec, "weekly")
    m_sim.pop("_episodes"), m_vec.pop("_episodes")
    assert math.isnan(m_vec.pop("events_per_jobseeker"))  # no events: not an engine of them
    m_sim.pop("events_per_jobseeker")
    assert m_sim.keys() == m_vec.keys()
    for k, v in m_sim.items():
        w = m_vec[k]
        assert (isinstance(v, float) and math.isnan(v) and math.isnan(w)) or \
            abs(v - w) <= 1e-9 * max(1.0, abs(v)), (k, v, w)


def test_run_trial_same_table_under_either_engine() -> None:
    """run_trial's effects are the same under engine = "auto" as under SimPy."""
    trial = load_trial(ROOT / "scenarios" / "trials" / "HIG1.toml")
    a = run_trial(trial, n=400, engine="simpy").table
    b = run_trial(trial, n=400, engine="auto").table
    assert_same(a, b, "HIG1 trial table")


@pytest.mark.parametrize(("changes", "key"), [
    ({"staffing.assignment": "pool", "staffing.teams": 3}, "staffing.assignment"),
    ({"meetings.caseload_quality": True, "effects.meetings.caseload_elasticity": 0.5},
     "meetings.caseload_quality"),
    ({"population.stock": [{"from_week": 0, "to_week": 26, "count": 10}]},
     "population.stock"),
    ({"programmes": [{"kind": "job_broker", "name": "broker"}]}, "programmes[0].kind"),
    ({"meetings.schedule": [{"until_week": 26, "every_weeks": 1}, {"until_week": 104,
                                                                   "every_weeks": 13}],
      "meetings.first_week": 2}, "meetings.schedule"),
])
def test_refuses_by_key_before_any_simulation(changes, key) -> None:
    sc = _ample_copenhagen().with_changes(changes)
    with pytest.raises(ScenarioError) as err:
        check_supported(sc, source="test")
    print(err.value)
    assert err.value.key == key and "vectorised" in str(err.value)
    with pytest.raises(ScenarioError):
        run_centre(sc, 1, 0, "vectorised")
    assert isinstance(run_centre(sc.with_changes({"population.annual_inflow": 50}), 1, 0,
                                 "auto"), JobCentre) or key == "population.stock"


def test_binding_capacity_is_refused_naming_the_key() -> None:
    """Few caseworkers for many jobseekers: capacity could bind, so the engine refuses."""
    sc = _ample_copenhagen().with_changes({"staffing.caseworkers": 2,
                                           "staffing.meetings_per_week": 5})
    centre = VectorisedCentre(sc, 1, 0, source="copenhagen.toml")
    with pytest.raises(ScenarioError) as err:
        centre.run()
    print(err.value)
    assert err.value.key == "staffing.meetings_per_week"
    assert "capacity could bind" in str(err.value)
    assert centre.records == []  # nothing was simulated
    with pytest.warns(ScenarioWarning, match="staffing.meetings_per_week"):
        assert isinstance(run_centre(sc, 1, 0, "auto"), JobCentre)  # auto says it falls back


def test_a_family_added_later_is_refused(monkeypatch) -> None:
    """An explicit allow-list: a new family that builds policies is refused by name."""
    from acsim.policies import registry
    from acsim.policies.base import Policy

    new = registry.Family("new_policy", build=lambda s: [Policy()])
    monkeypatch.setattr(registry, "_FAMILIES", (*registry.families(), new))
    with pytest.raises(ScenarioError) as err:
        check_supported(_ample_copenhagen())
    assert "new_policy" in str(err.value)
