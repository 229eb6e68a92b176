"""Result store: completed replications on disk, keyed by scenario, parameters and seed.

Layout under the store root, one directory per (scenario hash, seed)::

    <root>/<scenario digest[:16]>-seed<seed>/
        manifest.json                       what was run, by whom, how long
        spells/replication=00003.parquet    one file per completed replication
        metrics/replication=00003.json      its metrics
        weekly/replication=00003.parquet    its weekly caseworker series
        meetings/replication=00003.parquet  its record: meetings held,
        programmes/replication=00003.parquet    programme episodes,
        jobs/replication=00003.parquet      and jobs after a spell

Every file is written to a temporary name and renamed into place, so a replication is either
wholly there or not at all: an interrupted run resumes where it stopped, and a repeated run
with the same inputs is served from the store. The effect parameters are part of the scenario,
so the scenario digest is also the parameter hash.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from acsim.experiments.manifest import run_manifest, write_manifest
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

    def run_dir(self, scenario: Scenario, seed: int) -> Path:
        """Directory of one (scenario, seed)."""
        return self.root / f"{scenario.digest[:16]}-seed{seed}"

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
        manifest = run_manifest(scenario, seed,
                                replications_stored=self.completed(scenario, seed), **fields)
        return write_manifest(d / "manifest.json", manifest)
