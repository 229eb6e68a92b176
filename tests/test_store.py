"""Result store: atomic per-replication writes, resume after interruption, cache; precision."""

import json

import pandas as pd
import pytest

from acsim import Scenario, run
from acsim.experiments.store import ResultStore

SMALL = {"population.annual_inflow": 1200.0, "scenario.horizon_weeks": 40.0,
         "scenario.warmup_weeks": 13.0, "staffing.caseworkers": 4}


def test_interrupted_run_resumes_and_matches_an_uninterrupted_one(tmp_path):
    sc = Scenario().with_changes(SMALL)
    full = run(sc, replications=4, seed=3, workers=1, progress=False)

    def stop_after_two(r, spells, m):
        if r == 1:
            raise KeyboardInterrupt

    part = run(sc, replications=4, seed=3, workers=1, progress=False, store=tmp_path,
               on_replication=stop_after_two)
    assert part.interrupted and part.replications == 2
    assert ResultStore(tmp_path).completed(sc, 3) == [0, 1]
    resumed = run(sc, replications=4, seed=3, workers=1, progress=False, store=tmp_path)
    assert resumed.simulated_replications == 2 and not resumed.interrupted
    pd.testing.assert_frame_equal(resumed.spells, full.spells, check_exact=True)
    pd.testing.assert_frame_equal(resumed.replication_metrics, full.replication_metrics)


def test_cached_run_returns_without_simulating(tmp_path):
    sc = Scenario().with_changes(SMALL)
    first = run(sc, replications=2, seed=5, workers=1, progress=False, store=tmp_path)
    again = run(sc, replications=2, seed=5, workers=1, progress=False, store=tmp_path)
    assert first.simulated_replications == 2 and again.simulated_replications == 0
    pd.testing.assert_frame_equal(first.spells, again.spells, check_exact=True)
    fresh = run(sc, replications=2, seed=5, workers=1, progress=False, store=tmp_path,
                use_cache=False)
    assert fresh.simulated_replications == 2
    manifest = (ResultStore(tmp_path).run_dir(sc, 5) / "manifest.json").read_text()
    assert sc.digest in manifest and '"seed": 5' in manifest
    # Another scenario or seed is a different entry.
    assert ResultStore(tmp_path).completed(sc.with_changes({"staffing.caseworkers": 5}), 5) == []
    assert ResultStore(tmp_path).completed(sc, 6) == []


def test_precision_stopping_stops():
    sc = Scenario().with_changes(SMALL)
    res = run(sc, replications=3, seed=2, workers=1, progress=False, precision=0.2,
              metric="rmst_104", max_replications=40)
    v = res.replication_metrics["rmst_104"]
    from acsim.analysis.intervals import t_interval

    mean, lo, hi = t_interval(v.to_numpy())
    assert res.replications < 40, res.replications
    assert hi - lo <= 0.2 * mean, (res.replications, mean, lo, hi)
    capped = run(sc, replications=2, seed=2, workers=1, progress=False, precision=1e-6,
                 max_replications=4)
    assert capped.replications == 4


def test_precision_must_be_positive():
    with pytest.raises(ValueError):
        run(Scenario().with_changes(SMALL), precision=0.0, progress=False)


def test_summaries_without_keeping_spells_in_memory(tmp_path):
    sc = Scenario().with_changes(SMALL)
    kept = run(sc, replications=2, seed=4, workers=1, progress=False)
    lean = run(sc, replications=2, seed=4, workers=1, progress=False, keep_spells=False,
               store=tmp_path)
    assert lean.spells.empty and list(lean.spells.columns) == list(kept.spells.columns)
    pd.testing.assert_frame_equal(lean.summary, kept.summary)
    with pytest.raises(ValueError, match="kept no spells"):
        lean.survival()
    spells, _, _, episodes = ResultStore(tmp_path).load(sc, 4, 1)
    assert set(episodes) == {"meetings", "programmes", "jobs"}
    assert len(spells) == (kept.spells["replication"] == 1).sum()


def test_a_change_of_version_code_rates_or_effects_invalidates_the_store(tmp_path, monkeypatch):
    import acsim
    from acsim.experiments import manifest

    sc = Scenario().with_changes(SMALL)
    first = run(sc, replications=1, seed=7, workers=1, progress=False, store=tmp_path)
    assert first.simulated_replications == 1
    store = ResultStore(tmp_path)
    name = store.run_dir(sc, 7).name
    key = manifest.result_key(sc)
    assert name.startswith(f"{sc.digest[:16]}-seed7-v{key['acsim_version']}-code")
    stored = json.loads((store.run_dir(sc, 7) / "manifest.json").read_text())
    assert {k: stored[k] for k in key} == key and stored["store_key"] == name
    # Unchanged: served from the store.
    again = run(sc, replications=1, seed=7, workers=1, progress=False, store=tmp_path)
    assert again.simulated_replications == 0
    pd.testing.assert_frame_equal(again.spells, first.spells, check_exact=True)
    # The effect parameters are part of the scenario digest.
    effects = sc.with_changes({"effects.meetings.persist": 0.9})
    assert effects.digest != sc.digest and store.completed(effects, 7) == []
    changes = [(manifest, "code_hash", lambda: "c0de" * 16),
               (manifest, "rates_hash", lambda: "5a7e" * 16),
               (acsim, "__version__", "99.0.0+local")]
    for target, attr, value in changes:
        with monkeypatch.context() as m:
            m.setattr(target, attr, value)
            assert store.completed(sc, 7) == [], attr
            assert store.run_dir(sc, 7).name != name
    assert store.completed(sc, 7) == [0]


def test_precision_with_an_unknown_metric_fails_before_simulating():
    import time

    from acsim import compare

    sc = Scenario().with_changes(SMALL)
    t = time.perf_counter()
    with pytest.raises(ValueError, match="unknown metric 'bogus'"):
        run(sc, precision=0.05, metric="bogus", progress=False)
    with pytest.raises(ValueError, match="unknown metric 'bogus'"):
        compare([sc, sc.with_changes({"scenario.name": "b"})], precision=0.05, metric="bogus",
                progress=False)
    assert time.perf_counter() - t < 5.0
