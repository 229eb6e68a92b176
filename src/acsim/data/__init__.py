"""The data files shipped with acsim: calibrated effects, evidence records, dated rates."""

from pathlib import Path

#: Folder of the shipped TOML files.
DATA_DIR = Path(__file__).resolve().parent
#: The repository's ``scenarios/`` folder (present in a source checkout, not in a wheel).
SCENARIOS_DIR = DATA_DIR.parents[2] / "scenarios"

__all__ = ["DATA_DIR", "SCENARIOS_DIR"]
