"""The manifest of a run: what was run, with which code and inputs, by whom, how long.

One format for every place that writes one (``acsim run --out``, ``acsim compare --out``, the
result store): :func:`run_manifest` builds it, :func:`write_manifest` writes it atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from acsim.spec.scenario import Scenario

__all__ = ["git_commit", "run_manifest", "write_manifest"]


def git_commit() -> str | None:
    """The commit of the acsim source tree, if it is a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5, cwd=Path(__file__).resolve().parent)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def run_manifest(scenario: Scenario, seed: int, /, **fields: Any) -> dict[str, Any]:
    """The manifest of running ``scenario`` from ``seed``, with the caller's ``fields``.

    Always: acsim version, git commit, Python version, the scenario's name and hash, the hash
    of its effect parameters, whether they are calibrated, the seed and the time written.
    """
    from acsim import __version__

    return {
        "acsim_version": __version__,
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "scenario_name": scenario.name,
        "scenario_hash": scenario.digest,
        "parameter_hash": hashlib.sha256(scenario.effects.model_dump_json().encode()).hexdigest(),
        "effects_calibrated": scenario.effects.calibrated,
        "seed": seed,
        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **fields,
    }


def write_manifest(path: Path, manifest: dict[str, Any]) -> Path:
    """Write ``manifest`` as JSON to ``path`` atomically (a reader never sees half of it)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    os.replace(tmp, path)
    return path
