"""The manifest of a run: what was run, with which code and inputs, by whom, how long.

One format for every place that writes one (``acsim run --out``, ``acsim compare --out``, the
result store): :func:`run_manifest` builds it, :func:`write_manifest` writes it atomically.

What a replication's result depends on, besides the scenario (whose digest covers its effect
parameters) and the seed, is named by :func:`result_key`: the acsim version, :func:`code_hash`
(the source of the modules that compute results) and :func:`rates_hash` (the rates costs are
taken from). The result store keys its entries by all of them, so a cached replication is
never served after any of them changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import time
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from acsim.experiments.compare import Comparison
    from acsim.spec.scenario import Scenario

__all__ = ["MODEL_SOURCES", "code_hash", "comparison_manifest", "git_commit", "rates_hash",
           "result_key", "run_manifest", "scenario_record", "write_manifest"]

#: The parts of the acsim package whose source affects results, relative to the package:
#: every ``.py`` file under these directories, and these files.
MODEL_SOURCES = ("model", "policies", "spec", "costs", "analysis", "experiments/run.py")


def git_commit() -> str | None:
    """The commit of the acsim source tree, if it is a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5, cwd=Path(__file__).resolve().parent)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


@cache
def code_hash() -> str:
    """SHA-256 of the source of the modules that compute results (:data:`MODEL_SOURCES`).

    Computed once per process from the files on disk: each file's path relative to the package
    and its bytes, in path order. An edit to any of them, even uncommitted, changes the hash.
    """
    package = Path(__file__).resolve().parent.parent
    files: list[Path] = []
    for part in MODEL_SOURCES:
        path = package / part
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    h = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(package).as_posix()):
        h.update(path.relative_to(package).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def rates_hash() -> str:
    """SHA-256 of the rates costs are taken from (:func:`acsim.costs.rates.default_rates`).

    Taken over the validated content (canonical JSON), so it changes with any value or date of
    the rates file and not with its comments.
    """
    from acsim.costs.rates import default_rates

    return hashlib.sha256(default_rates().model_dump_json().encode()).hexdigest()


def result_key(scenario: Scenario) -> dict[str, str]:
    """Everything a replication's result depends on besides the seed, as named hashes.

    Args:
        scenario: The scenario; its digest covers its effect parameters.

    Returns:
        ``scenario_hash``, ``acsim_version``, ``code_hash`` and ``rates_hash``.

    """
    from acsim import __version__

    return {"scenario_hash": scenario.digest, "acsim_version": __version__,
            "code_hash": code_hash(), "rates_hash": rates_hash()}


def run_manifest(scenario: Scenario, seed: int, /, *, overrides: Sequence[str] = (),
                 options: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """The manifest of running ``scenario`` from ``seed``, with the caller's ``fields``.

    Always: acsim version, git commit, the hashes of the model code and of the rates
    (:func:`result_key`), Python version, the scenario's name and hash, the hash of its effect
    parameters, whether they are calibrated, the seed, the time written, the overrides and the
    options. Every key is listed in ``docs/outputs.md``.

    Args:
        scenario: The scenario that was run (after its overrides).
        seed: The root seed.
        overrides: The changes made to the scenario file's values, as given
            (``--set KEY=VALUE`` pairs, in order); empty if none.
        options: Every option of the command that ran it (``acsim run`` or ``acsim compare``),
            by name, paths as text; ``None`` when not run from the command line.
        **fields: Further keys (replications, wall time, ...).

    Returns:
        The manifest, JSON-serialisable.

    """
    key = result_key(scenario)
    return {
        "acsim_version": key["acsim_version"],
        "git_commit": git_commit(),
        "code_hash": key["code_hash"],
        "rates_hash": key["rates_hash"],
        "python": platform.python_version(),
        "scenario_name": scenario.name,
        "scenario_hash": key["scenario_hash"],
        "parameter_hash": hashlib.sha256(scenario.effects.model_dump_json().encode()).hexdigest(),
        "effects_calibrated": scenario.effects.calibrated,
        "seed": seed,
        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "overrides": list(overrides),
        "options": None if options is None else {
            k: str(v) if isinstance(v, Path) else v for k, v in options.items()},
        **fields,
    }


def scenario_record(scenario: Scenario, replications: int) -> dict[str, Any]:
    """One scenario of a comparison's manifest: enough to describe it and to rebuild it.

    Args:
        scenario: The scenario as run.
        replications: Its replications.

    Returns:
        ``name``, ``hash`` (its digest), ``replications``, ``description``, ``content`` (the
        validated scenario as plain data: ``Scenario.from_dict(content)`` gives it back, with
        the same hash) and ``placeholders`` (the placeholder effect parameters its results rest
        on, :func:`acsim.evidence.placeholders.placeholders`).

    """
    from acsim.evidence.placeholders import placeholders

    return {"name": scenario.name, "hash": scenario.digest, "replications": replications,
            "description": scenario.scenario.description,
            "content": scenario.model_dump(mode="json", round_trip=True),
            "placeholders": placeholders(scenario)}


def comparison_manifest(comparison: Comparison, /, *, overrides: Sequence[str] = (),
                        options: Mapping[str, Any] | None = None,
                        **fields: Any) -> dict[str, Any]:
    """The manifest of a comparison.

    :func:`run_manifest` of its first scenario, and ``scenarios``: one
    :func:`scenario_record` per scenario, in order.

    Args:
        comparison: The comparison.
        overrides: The ``--set KEY=VALUE`` pairs, as given.
        options: The options of ``acsim compare``; ``None`` from Python.
        **fields: Further keys (``scenario_file``, ``replications``).

    Returns:
        The manifest, JSON-serialisable.

    """
    fields.setdefault("replications", comparison.results[0].replications)
    return run_manifest(
        comparison.results[0].scenario, comparison.seed, overrides=overrides, options=options,
        **fields, scenarios=[scenario_record(r.scenario, r.replications)
                             for r in comparison.results])


def write_manifest(path: Path, manifest: dict[str, Any]) -> Path:
    """Write ``manifest`` as JSON to ``path`` atomically (a reader never sees half of it)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    os.replace(tmp, path)
    return path
