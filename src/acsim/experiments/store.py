"""Result store: completed replications on disk, keyed by scenario, seed, code and rates.

Layout under the store root, one directory per key::

    <root>/<scenario digest[:16]>-seed<seed>-v<version>-code<hash[:12]>-rates<hash[:12]>/
        manifest.json                       what was run (the key's full hashes), how long
        spells/replication=00003.parquet    one file per completed replication
        metrics/replication=00003.json      its metrics
        weekly/replication=00003.parquet    its weekly caseworker series
        meetings/replication=00003.parquet  its record: meetings held,
        programmes/replication=00003.parquet    programme episodes,
        jobs/replication=00003.parquet      and jobs after a spell

Every file is written to a temporary name and renamed into place, so a replication is either
wholly there or not at all: an interrupted run resumes where it stopped, and a repeated run
with the same inputs is served from the store.

The key (:func:`acsim.experiments.manifest.result_key`) is everything a result depends on: the
scenario digest (which covers the effect parameters), the seed, the acsim version, the hash of
the model code and the hash of the rates. After a change of any of them a run finds no entry
and simulates; the old entries stay on disk, untouched, until removed by hand.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd

from acsim.experiments.manifest import result_key, run_manifest, write_manifest
from acsim.spec.scenario import Scenario

__all__ = ["EPISODE_TABLES", "ResultStore"]

#: The record's episode tables kept beside the spells.
EPISODE_TABLES = ("meetings", "programmes", "jobs")


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(tmp)
    os.replace(tmp, path)


class ResultStore:
    """Completed replications of runs, on disk.

    Args:
        root: Directory of the store (created on first write).

    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @staticmethod
    def key_name(scenario: Scenario, seed: int) -> str:
        """The directory name of (scenario, seed) under the current code, version and rates."""
        key = result_key(scenario)
        version = re.sub(r"[^A-Za-z0-9._]", "_", key["acsim_version"])
        return (f"{key['scenario_hash'][:16]}-seed{seed}-v{version}-code{key['code_hash'][:12]}"
                f"-rates{key['rates_hash'][:12]}")

    def run_dir(self, scenario: Scenario, seed: int) -> Path:
        """Directory of one (scenario, seed) under the current code, version and rates."""
        return self.root / self.key_name(scenario, seed)

    @staticmethod
    def _name(replication: int) -> str:
        return f"replication={replication:05d}"

    def completed(self, scenario: Scenario, seed: int) -> list[int]:
        """Replications of (scenario, seed) already in the store."""
        d = self.run_dir(scenario, seed) / "metrics"
        if not d.is_dir():
            return []
        return sorted(int(p.stem.split("=")[1]) for p in d.glob("replication=*.json"))

    def save(self, scenario: Scenario, seed: int, replication: int, spells: pd.DataFrame,
             metrics: dict, weekly: pd.DataFrame | None,
             episodes: dict[str, pd.DataFrame] | None = None) -> None:
        """Write one completed replication; the metrics file, written last, marks it done."""
        d = self.run_dir(scenario, seed)
        tables = {"spells": spells, "weekly": weekly, **(episodes or {})}
        for sub in (*tables, "metrics"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        name = self._name(replication)
        for sub, table in tables.items():
            if table is not None:
                _atomic_write(d / sub / f"{name}.parquet",
                              lambda p, table=table: table.to_parquet(p, index=False))
        _atomic_write(d / "metrics" / f"{name}.json",
                      lambda p: p.write_text(json.dumps(metrics, default=float)))

    def load(self, scenario: Scenario, seed: int, replication: int
             ) -> tuple[pd.DataFrame, dict, pd.DataFrame | None, dict[str, pd.DataFrame]]:
        """Read one completed replication: spells, metrics, weekly series, record episodes."""
        d = self.run_dir(scenario, seed)
        name = self._name(replication)
        spells = pd.read_parquet(d / "spells" / f"{name}.parquet")
        metrics = json.loads((d / "metrics" / f"{name}.json").read_text())
        w = d / "weekly" / f"{name}.parquet"
        episodes = {sub: pd.read_parquet(d / sub / f"{name}.parquet")
                    for sub in EPISODE_TABLES if (d / sub / f"{name}.parquet").exists()}
        return spells, metrics, (pd.read_parquet(w) if w.exists() else None), episodes

    def write_manifest(self, scenario: Scenario, seed: int, **fields: object) -> Path:
        """Write the manifest of (scenario, seed) (:mod:`acsim.experiments.manifest`)."""
        d = self.run_dir(scenario, seed)
        d.mkdir(parents=True, exist_ok=True)
        manifest = run_manifest(scenario, seed, store_key=d.name,
                                replications_stored=self.completed(scenario, seed), **fields)
        return write_manifest(d / "manifest.json", manifest)
